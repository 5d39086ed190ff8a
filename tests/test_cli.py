"""The ``owl40`` command line, run with click's CliRunner on real temporary stores."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner, Result

from api.cli import main
from graph.rdfio import parse_data, parse_file
from tests.servers import free_port

BASE = "https://w3id.org/owl40/"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
PARTICIPATION = """@prefix regio: <https://w3id.org/regio-kg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix role: <https://w3id.org/regio-kg/code/role/> .
@prefix id: <http://example.org/invented/id/> .

<http://example.org/invented/id/participation/alpha--acme> a regio:Participation ;
    regio:participant <http://example.org/invented/id/organisation/acme> ;
    regio:participationIn <http://example.org/invented/id/project/alpha> ;
    org:role role:partner ;
    regio:startDate "2019-11-15"^^xsd:date ;
    regio:endDate END ;
    dct:source <http://example.org/invented/id/source/s-invented-1> .
"""
CONFORMING = PARTICIPATION.replace("END", '"2020"^^xsd:gYear')
END_BEFORE_START = PARTICIPATION.replace("END", '"2019-03-31"^^xsd:date')
MALFORMED = "@prefix ex: <http://example.org/> .\nex:a ex:b .\n"


def run(store: Path, *args: str, **kwargs) -> Result:
    return CliRunner().invoke(main, ["--store", str(store), *args], catch_exceptions=False,
                              **kwargs)


def count(store: Path) -> int:
    result = run(store, "query", COUNT, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return int(json.loads(result.stdout)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store directory with the whole project loaded through the CLI (read-only use)."""
    store = tmp_path_factory.mktemp("cli") / "store"
    result = run(store, "load")
    assert result.exit_code == 0, result.stderr
    assert "loaded" in result.stderr and result.stdout == ""
    return store


def test_load_twice_gives_the_same_count(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run(store, "load").exit_code == 0
    first = count(store)
    assert first > 5000
    assert run(store, "load").exit_code == 0
    assert count(store) == first


def test_query_formats(loaded: Path) -> None:
    query = ("SELECT ?p ?title WHERE { GRAPH ?g { ?p a <https://w3id.org/regio-kg/ontology#Project> ;"
             " <http://purl.org/dc/terms/title> ?title } } ORDER BY ?p LIMIT 3")
    table = run(loaded, "query", query)
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split("|")[0].strip() == "p" and lines[-1] == "(3 rows)"
    rows = list(csv.reader(io.StringIO(run(loaded, "query", query, "--format", "csv").stdout)))
    assert rows[0] == ["p", "title"] and len(rows) == 4
    assert rows[1][0].startswith(f"{BASE}id/project/")
    body = json.loads(run(loaded, "query", query, "--format", "json").stdout)
    assert body["head"]["vars"] == ["p", "title"]
    assert [b["p"]["value"] for b in body["results"]["bindings"]] == [r[0] for r in rows[1:]]
    assert body["results"]["bindings"][0]["p"]["type"] == "uri"


def test_query_ask_and_file(loaded: Path, tmp_path: Path) -> None:
    ask = run(loaded, "query", "ASK { ?s ?p ?o }", "--format", "json")
    assert json.loads(ask.stdout) == {"head": {}, "boolean": True}
    query_file = tmp_path / "projects.rq"
    query_file.write_text("# title: count\nSELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n")
    result = run(loaded, "query", str(query_file), "--format", "csv")
    assert result.exit_code == 0 and result.stdout_bytes.startswith(b"n\r\n")


def test_bad_query_exits_2_with_its_position(loaded: Path, tmp_path: Path) -> None:
    result = run(loaded, "query", "SELECT * WHERE {\n ?s ?p }")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("query:2:")
    query_file = tmp_path / "bad.rq"
    query_file.write_text("SELECT * WHERE {\n\n ?s ?p }")
    result = run(loaded, "query", str(query_file))
    assert result.exit_code == 2 and result.stderr.startswith(f"{query_file}:3:")
    result = run(loaded, "query", str(tmp_path / "missing.rq"))
    assert result.exit_code == 2 and "missing.rq" in result.stderr


def test_validate_exit_codes(tmp_path: Path) -> None:
    good, bad, broken = (tmp_path / "good.ttl", tmp_path / "bad.ttl", tmp_path / "broken.ttl")
    good.write_text(CONFORMING)
    bad.write_text(END_BEFORE_START)
    broken.write_text(MALFORMED)
    result = run(tmp_path / "unused", "validate", str(good))
    assert result.exit_code == 0, result.stdout
    assert "conforms" in result.stdout
    result = run(tmp_path / "unused", "validate", str(bad))
    assert result.exit_code == 1
    assert "regio:endDate" in result.stdout and "Violation" in result.stdout
    result = run(tmp_path / "unused", "validate", "--lang", "de", str(bad))
    assert result.exit_code == 1 and "nicht konform" in result.stdout
    result = run(tmp_path / "unused", "validate", str(good), str(broken))
    assert result.exit_code == 2 and result.stderr.startswith(f"{broken}:2:")


def test_validate_writes_the_report_as_turtle(tmp_path: Path) -> None:
    bad, report = tmp_path / "bad.ttl", tmp_path / "report.ttl"
    bad.write_text(END_BEFORE_START)
    result = run(tmp_path / "unused", "validate", "--turtle", "-o", str(report), str(bad))
    assert result.exit_code == 1
    assert "does not conform" in result.stderr
    sh = "http://www.w3.org/ns/shacl#"
    for turtle in (result.stdout, report.read_text()):
        quads = parse_data(turtle, format="turtle")
        assert any(q.object.value == f"{sh}ValidationReport" for q in quads)
        assert any(q.predicate.value == f"{sh}conforms" and q.object.value == "false"
                   for q in quads)


@pytest.mark.parametrize("fmt", ["nquads", "trig", "turtle", "jsonld"])
def test_export_formats(loaded: Path, fmt: str) -> None:
    result = run(loaded, "export", "--format", fmt)
    assert result.exit_code == 0
    quads = parse_data(result.stdout_bytes, format=fmt)
    if fmt in ("nquads", "trig"):
        assert len(quads) == count(loaded)
    else:
        distinct = run(loaded, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                       "--format", "csv").stdout.split()[1]
        assert len(quads) == int(distinct)


def test_export_gzip_round_trip(loaded: Path, tmp_path: Path) -> None:
    target = tmp_path / "dump.nq.gz"
    assert run(loaded, "export", "--gzip", "-o", str(target)).exit_code == 0
    assert len(parse_file(target)) == count(loaded)
    assert [p.name for p in tmp_path.iterdir()] == ["dump.nq.gz"]
    piped = run(loaded, "export", "--gzip", "--format", "trig")
    assert len(parse_data(gzip.decompress(piped.stdout_bytes), format="trig")) == count(loaded)


def test_load_of_a_malformed_file_exits_2_and_changes_nothing(loaded: Path,
                                                              tmp_path: Path) -> None:
    before = count(loaded)
    good, broken = tmp_path / "extra.ttl", tmp_path / "broken.ttl"
    good.write_text(CONFORMING)
    broken.write_text(MALFORMED)
    result = run(loaded, "load", str(good), str(broken))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{broken}:2:")
    assert count(loaded) == before


def test_load_files_into_their_graph_and_env_store(tmp_path: Path) -> None:
    """Issue 13 §2: loading files on an instance loads the ontology, code lists and shapes
    too (the files' terms get their labels), each in its own graph; a reload adds nothing."""
    store, data = tmp_path / "store", tmp_path / "My Extra.ttl"
    data.write_text(CONFORMING)
    result = CliRunner().invoke(main, ["load", str(data)], env={"OWL40_STORE": str(store)})
    assert result.exit_code == 0, result.stderr
    graphs = run(store, "query", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                 "--format", "csv").stdout.split()
    assert sorted(graphs) == sorted(["g", f"{BASE}graph/file/my-extra", f"{BASE}graph/examples",
                                     "https://w3id.org/regio-kg/ontology",
                                     "https://w3id.org/regio-kg/code",
                                     "https://w3id.org/regio-kg/shapes"])
    label = run(store, "query", "PREFIX regio: <https://w3id.org/regio-kg/ontology#> PREFIX rdfs: "
                "<http://www.w3.org/2000/01/rdf-schema#> SELECT ?l "
                "WHERE { regio:Project rdfs:label ?l FILTER(LANG(?l) = 'en') }", "--format", "csv")
    assert label.stdout.split()[1:] == ["project"]
    before = count(store)
    assert run(store, "load", str(data)).exit_code == 0
    assert count(store) == before


@pytest.mark.slow
def test_check_passes_on_the_real_data(loaded: Path) -> None:
    result = run(loaded, "check")
    assert "reasoner (HermiT" in result.stdout and "SHACL:" in result.stdout
    assert result.exit_code == 0, result.stdout


def test_check_of_an_empty_store_exits_2(tmp_path: Path) -> None:
    result = run(tmp_path / "empty", "check")
    assert result.exit_code == 2 and "owl40 load" in result.stderr


@pytest.mark.live
@pytest.mark.parametrize("server", [[], ["--dev"]], ids=["granian", "dev"])
def test_serve_answers_health(loaded: Path, server: list[str]) -> None:
    expected, port = count(loaded), free_port()
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "--store", str(loaded),
                                "serve", "--port", str(port), *server], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=Path(__file__).parent.parent)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):  # still starting
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "triples": expected}
        home = requests.get(f"http://127.0.0.1:{port}/", timeout=2)
        assert home.status_code == 200 and "OWL 4.0" in home.text
    finally:
        process.terminate()
        process.wait(timeout=10)

