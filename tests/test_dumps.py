"""Dumps and releases: files regenerate when the store changes (and only then), their checksum is
that of their bytes, the same content gives the same bytes, and the changelog is exact. Real
stores; the test data are invented resources in a user file graph."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from api.app import create_app
from api.config import load_settings
from graph.dumps import DUMPS, changelog, current_release, dump_path, read_releases
from graph.publish import wait_for_publisher
from graph.store import load_files, load_project, open_store
from tests.conftest import OWL40_INSTANCE

BASE = "https://w3id.org/owl40/"
REGIO = "https://w3id.org/regio-kg/ontology#"
FILE_GRAPH = BASE + "graph/file/extra"
EXTRA = f"""@prefix regio: <{REGIO}> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{BASE}id/organisation/test-alpha> a regio:Organisation ; skos:prefLabel "Test Alpha"@en .
<{BASE}id/organisation/test-beta> a regio:Organisation ; skos:prefLabel "Test Beta"@en .
<{BASE}id/project/test-gamma> a regio:Project ; skos:prefLabel "Test Gamma"@en ;
    regio:note [ skos:prefLabel "a blank node" ] .
"""
#: the same file one release later: beta is gone, delta is new, gamma keeps its blank node
CHANGED = f"""@prefix regio: <{REGIO}> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{BASE}id/organisation/test-alpha> a regio:Organisation ; skos:prefLabel "Test Alpha"@en .
<{BASE}id/event/test-delta> a regio:Event ; skos:prefLabel "Test Delta"@en .
<{BASE}id/project/test-gamma> a regio:Project ; skos:prefLabel "Test Gamma"@en ;
    regio:note [ skos:prefLabel "a blank node" ] .
"""


@pytest.fixture
def settings(tmp_path: Path) -> dict[str, Any]:
    return load_settings({"INSTANCE_DIR": OWL40_INSTANCE, "STORE": str(tmp_path / "store"),
                          "DUMPS_DIR": str(tmp_path / "dumps"),
                          "CACHE_DIR": str(tmp_path / "cache")}, environ={})


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "extra.ttl"
    path.write_text(text, encoding="utf-8")
    return path


def file_bytes(settings: dict[str, Any]) -> dict[str, bytes]:
    return {name: (Path(settings["DUMPS_DIR"]) / name).read_bytes() for name in DUMPS}


def test_release_cycle_with_an_exact_changelog(settings, tmp_path):
    store = open_store(settings)
    load_project(store, settings)
    first = current_release(store, settings, today=dt.date(2026, 1, 2))
    assert first.number == 1 and first.issued == first.modified == "2026-01-02"
    before = file_bytes(settings)
    for f in first.files:  # the manifest's checksum is that of the bytes on disk
        assert hashlib.sha256(before[f.name]).hexdigest() == f.sha256 and len(before[f.name]) == f.size

    load_files(store, [write(tmp_path, EXTRA)])
    second = current_release(store, settings, today=dt.date(2026, 2, 3))
    assert second.number == 2 and second.version != first.version
    assert (second.issued, second.modified) == ("2026-01-02", "2026-02-03")
    assert second.quads == first.quads + 8 and second.graphs[FILE_GRAPH] == 8
    changes = read_releases(settings["DUMPS_DIR"])[-1]["changes"]
    assert changes["graphs_added"] == [FILE_GRAPH] and changes["graphs_removed"] == []
    assert changes["graphs"] == {FILE_GRAPH: {"added": 8, "removed": 0, "before": 0, "after": 8}}
    assert changes["statements_added"] == 8 and changes["statements_removed"] == 0
    assert changes["resources"] == {
        REGIO + "Organisation": {"added": 2, "removed": 0, "removed_iris": [],
                                 "added_iris": [BASE + "id/organisation/test-alpha",
                                                BASE + "id/organisation/test-beta"]},
        REGIO + "Project": {"added": 1, "removed": 0, "removed_iris": [],
                            "added_iris": [BASE + "id/project/test-gamma"]}}
    after = file_bytes(settings)
    assert all(after[n] != before[n] for n in DUMPS)
    nquads = gzip.decompress(after["owl40.nq.gz"])
    assert len(list(ox.parse(nquads, ox.RdfFormat.N_QUADS))) == second.quads

    load_files(store, [write(tmp_path, CHANGED)])
    third = current_release(store, settings, today=dt.date(2026, 3, 4))
    changes = read_releases(settings["DUMPS_DIR"])[-1]["changes"]
    assert changes["graphs_added"] == changes["graphs_removed"] == []
    # beta's two statements go, delta's two come; gamma's blank node is not a change
    assert changes["graphs"] == {FILE_GRAPH: {"added": 2, "removed": 2, "before": 8, "after": 8}}
    assert changes["resources"] == {
        REGIO + "Event": {"added": 1, "removed": 0, "removed_iris": [],
                          "added_iris": [BASE + "id/event/test-delta"]},
        REGIO + "Organisation": {"added": 0, "removed": 1, "added_iris": [],
                                 "removed_iris": [BASE + "id/organisation/test-beta"]}}
    assert third.number == 3 and third.notes.startswith("0 graphs added, 0 removed, 1 changed")

    store.replace_graphs({}, drop=[FILE_GRAPH])
    fourth = current_release(store, settings, today=dt.date(2026, 4, 5))
    changes = read_releases(settings["DUMPS_DIR"])[-1]["changes"]
    assert changes["graphs_removed"] == [FILE_GRAPH]
    assert changes["statements_removed"] == 8 and fourth.quads == first.quads
    assert fourth.version == first.version  # the same content is the same version
    assert file_bytes(settings) == before  # ... and the same bytes

    marker = store.current_version
    load_project(store, settings)  # a new store version, new blank-node labels, same content
    assert store.current_version != marker
    again = current_release(store, settings, today=dt.date(2026, 5, 6))
    assert again.number == 4 and again.files == fourth.files and again.modified == "2026-04-05"
    assert len(read_releases(settings["DUMPS_DIR"])) == 4
    store.close()


def test_changelog_of_blank_node_graphs_compares_structure():
    g = ox.NamedNode(BASE + "graph/x")
    p, o = ox.NamedNode("urn:p"), ox.Literal("v")

    def quads() -> list[ox.Quad]:
        b = ox.BlankNode()
        return [ox.Quad(ox.NamedNode("urn:s"), p, b, g), ox.Quad(b, p, o, g)]

    assert changelog(quads(), quads())["graphs"] == {}
    assert changelog(quads(), quads() + [ox.Quad(ox.NamedNode("urn:t"), p, o, g)])["graphs"] == {
        g.value: {"added": 1, "removed": 0, "before": 2, "after": 3}}


def test_dumps_regenerate_in_the_background_after_a_store_change(settings, tmp_path):
    store = open_store(settings)
    load_project(store, settings)
    store.close()
    app = create_app(settings)
    client = app.test_client()
    first = client.get("/dumps/?format=json").get_json()
    from api.app import STORE_KEY

    load_files(app.extensions[STORE_KEY], [write(tmp_path, EXTRA)])
    # never blocking: until the new release is written, the last one is served, and every
    # file it lists has the bytes its checksum (the ETag) names
    meanwhile = client.get("/dumps/?format=json").get_json()
    assert meanwhile["release"] in (first["release"], first["release"] + 1)
    for entry in meanwhile["files"]:
        with client.get(f"/dumps/{entry['name']}") as response:
            assert hashlib.sha256(response.data).hexdigest() == entry["sha256"]
            assert response.headers["ETag"] == f'"{entry["sha256"]}"'
    wait_for_publisher(settings, timeout=120)
    second = client.get("/dumps/?format=json").get_json()
    assert second["version"] != first["version"] and second["release"] == first["release"] + 1
    for entry in second["files"]:
        with client.get(f"/dumps/{entry['name']}") as response:
            assert hashlib.sha256(response.data).hexdigest() == entry["sha256"]
    with client.get(f"/dumps/{first['files'][0]['name']}") as old:  # now the new bytes
        assert hashlib.sha256(old.data).hexdigest() != first["files"][0]["sha256"]
    releases = client.get("/releases?format=json").get_json()["releases"]
    assert [r["number"] for r in releases] == [2, 1]
    assert releases[0]["changes"]["graphs_added"] == [FILE_GRAPH]
    page = client.get("/releases", headers={"Accept": "text/html"}).data.decode()
    assert "/graph/file/extra" in page and "/id/organisation/test-beta" in page


def test_a_release_keeps_its_files_while_the_next_one_is_written(settings, tmp_path):
    store = open_store(settings)
    load_project(store, settings)
    first = current_release(store, settings)
    load_files(store, [write(tmp_path, EXTRA)])
    second = current_release(store, settings)
    for release in (first, second):  # each release's files stay as its checksums say
        for entry in release.files:
            path = dump_path(settings, entry.name, release)
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry.sha256
    store.close()


def test_an_empty_store_publishes_nothing(settings):
    store = open_store(settings)
    release = current_release(store, settings)
    assert release.number == 0 and release.files == () and release.quads == 0
    assert read_releases(settings["DUMPS_DIR"]) == []
    assert not any(Path(settings["DUMPS_DIR"], name).exists() for name in DUMPS)
    store.close()


def test_lost_files_are_written_again_without_a_new_release(settings):
    store = open_store(settings)
    load_project(store, settings)
    first = current_release(store, settings)
    for name in DUMPS:
        (Path(settings["DUMPS_DIR"]) / name).unlink()
    load_project(store, settings)  # a new store version, so the manifest is checked again
    again = current_release(store, settings)
    assert again.number == first.number and again.files == first.files
    assert len(read_releases(settings["DUMPS_DIR"])) == 1
    assert all((Path(settings["DUMPS_DIR"]) / name).is_file() for name in DUMPS)
    store.close()


def test_deeply_nested_blank_nodes_are_published_without_canonicalisation(settings):
    """A list of 20,000 items is a chain of 20,000 blank nodes: valid RDF that made the
    canonicalisation of the old release step overflow its stack. Its release is written (the
    blank nodes keep the store's labels, beyond the canonicalisation bounds), and so are
    those of later writes."""
    store = open_store(settings)
    items = " ".join(str(i) for i in range(20_000))
    store.update(f"INSERT DATA {{ GRAPH <{FILE_GRAPH}> {{ <{BASE}id/x> <{BASE}p> ( {items} ) }} }}")
    release = current_release(store, settings)
    assert release.number == 1 and release.quads == 40_001
    nquads = gzip.decompress((Path(settings["DUMPS_DIR"]) / "owl40.nq.gz").read_bytes())
    assert len(list(ox.parse(nquads, ox.RdfFormat.N_QUADS))) == 40_001
    store.update(f"INSERT DATA {{ GRAPH <{FILE_GRAPH}> {{ <{BASE}id/y> <{BASE}p> 1 }} }}")
    assert current_release(store, settings).number == 2
    store.close()
