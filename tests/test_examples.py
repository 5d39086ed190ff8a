"""The example queries published in the graph (graph/examples.py), SIB SPARQL-examples style.

Expected titles and descriptions are read from the ``# title@..`` lines of queries/*.rq here,
independently of graph.queries. The live tests read the published examples back from the real
/sparql endpoint with SPARQLWrapper and run each of them there.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import Store
from werkzeug.serving import make_server

from api.config import PROJECT_DIR, load_settings
from graph.errors import InputError
from graph.examples import example_iri, examples_quads, query_form
from graph.namespaces import PREFIXES
from graph.queries import load_query_dirs
from graph.store import EmbeddedStore, load_project
from tests.conftest import OWL40_INSTANCE
from tests.stores import loaded_settings

BASE = "https://w3id.org/owl40/"
#: the generic questions and the OWL 4.0 instance's own (published together on its server)
QUERY_DIRS = [PROJECT_DIR / "queries", PROJECT_DIR / "instances" / "owl40" / "queries"]
QUERY_FILES = sorted((p for d in QUERY_DIRS for p in d.glob("*.rq")), key=lambda p: p.stem)
HEADER = re.compile(r"^#\s*(title|description)@(de|en)\s*:\s*(.+?)\s*$")
SH = PREFIXES["sh"]
EXAMPLES_GRAPH = f"{BASE}graph/examples"
SIB_QUERY = f"""PREFIX sh: <{SH}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?example ?query ?titleDe ?titleEn WHERE {{
  ?example a sh:SPARQLExecutable ; sh:select ?query ;
           rdfs:label ?titleDe, ?titleEn .
  FILTER(LANG(?titleDe) = "de" && LANG(?titleEn) = "en")
}} ORDER BY ?example"""


def headers(path: Path) -> dict[tuple[str, str], str]:
    """(field, lang) -> text of the header lines of one query file."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = HEADER.match(line.strip())
        if match:
            found[(match[1], match[2])] = match[3]
    return found


def example_rows(store: Store, graph: str | None = None) -> dict[str, dict[str, Any]]:
    """slug -> titles, descriptions, types and query text of every published executable."""
    where = f"GRAPH <{graph}> {{ ?e ?p ?o }}" if graph else "?e ?p ?o"
    rows: dict[str, dict[str, Any]] = {}
    for sol in store.query(f"SELECT ?e ?p ?o WHERE {{ {where} FILTER(ISIRI(?e)) }}"):
        slug = sol["e"].value.rsplit("/", 1)[-1]
        row = rows.setdefault(slug, {"iri": sol["e"].value, "types": set(), "text": {}})
        p, o = sol["p"].value, sol["o"]
        if p.endswith("22-rdf-syntax-ns#type"):
            row["types"].add(o.value)
        elif getattr(o, "language", None):
            row["text"][(p, o.language)] = o.value
        else:
            row.setdefault(p, []).append(o.value)
    return rows


def quads_store(quads: list) -> Store:
    store = Store()
    store.extend(quads)
    return store


# -- the quads -----------------------------------------------------------------------------

def test_one_executable_per_query_file_with_both_titles() -> None:
    rows = example_rows(quads_store(examples_quads(load_query_dirs(QUERY_DIRS), BASE)),
                        EXAMPLES_GRAPH)
    assert sorted(rows) == [p.stem for p in QUERY_FILES] and len(rows) >= 10
    for path in QUERY_FILES:
        row, head = rows[path.stem], headers(path)
        assert row["iri"] == f"{BASE}id/example/{path.stem}" == example_iri(BASE, path.stem)
        assert {f"{SH}SPARQLExecutable", f"{SH}SPARQLSelectExecutable",
                "https://schema.org/CreativeWork"} <= row["types"]
        for lang in ("de", "en"):
            for prop in ("http://www.w3.org/2000/01/rdf-schema#label", "https://schema.org/name"):
                assert row["text"][(prop, lang)] == head[("title", lang)]
            for prop in ("http://www.w3.org/2000/01/rdf-schema#comment",
                         "https://schema.org/description"):
                assert row["text"][(prop, lang)] == head[("description", lang)]
        (text,) = row[f"{SH}select"]
        assert "# title@" not in text and "# description@" not in text
        assert re.search(r"\bSELECT\b", text)
        assert "http://purl.org/dc/terms/source" not in row
        assert "https://schema.org/target" not in row  # no endpoint given


def test_published_queries_run_on_the_data(memory_store: Store) -> None:
    rows = example_rows(quads_store(examples_quads(load_query_dirs(QUERY_DIRS), BASE)),
                        EXAMPLES_GRAPH)
    assert len(rows) == len(QUERY_FILES)
    for slug, row in rows.items():
        (text,) = row[f"{SH}select"]
        assert list(memory_store.query(text)), f"example {slug} gives no rows"


def test_other_base_iri_is_rewritten_everywhere() -> None:
    other = "https://example.org/kg/"
    quads = examples_quads(load_query_dirs(QUERY_DIRS), other)
    assert {q.graph_name.value for q in quads} == {f"{other}graph/examples"}
    rows = example_rows(quads_store(quads), f"{other}graph/examples")
    assert len(rows) == len(QUERY_FILES)
    assert all(row["iri"].startswith(f"{other}id/example/") for row in rows.values())
    texts = [row[f"{SH}select"][0] for row in rows.values()]
    assert not any(BASE in text for text in texts)
    # the questions that name resources do so relative to the base they declare
    assert any(f"BASE <{other}>" in text for text in texts)


def test_endpoint_becomes_schema_target_and_prefixes_are_declared() -> None:
    queries = load_query_dirs(QUERY_DIRS)[:2]
    store = quads_store(examples_quads(queries, BASE, endpoint="https://example.org/sparql"))
    targets = {s["t"].value for s in store.query(
        "SELECT ?t WHERE { GRAPH ?g { ?e <https://schema.org/target> ?t } }")}
    assert targets == {"https://example.org/sparql"}
    declared = {(s["p"].value, s["n"].value) for s in store.query(
        f"SELECT ?p ?n WHERE {{ GRAPH ?g {{ ?e <{SH}prefixes> ?d . ?d <{SH}declare> ?x . "
        f"?x <{SH}prefix> ?p ; <{SH}namespace> ?n }} }}")}
    assert declared == set(PREFIXES.items())


@pytest.mark.parametrize(("text", "form"), [
    ("PREFIX a: <http://x.org/#SELECT>\n# ASK this\nCONSTRUCT { ?s ?p 'DESCRIBE' } WHERE {}",
     "CONSTRUCT"),
    ("BASE <http://x.org/>\nask { ?s ?p \"SELECT\" }", "ASK"),
    ("# SELECT in a comment\nDESCRIBE <http://x.org/a#b>", "DESCRIBE"),
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
])
def test_query_form_ignores_iris_strings_and_comments(text: str, form: str) -> None:
    assert query_form(text) == form


def test_an_update_is_no_example() -> None:
    with pytest.raises(InputError, match="not a SPARQL query"):
        query_form("INSERT DATA { <http://x.org/a> <http://x.org/b> 'SELECTED' }")


# -- loading -----------------------------------------------------------------------------

def test_load_project_publishes_the_examples_in_the_default_graph(tmp_path: Path) -> None:
    settings = load_settings({"INSTANCE_DIR": OWL40_INSTANCE, "STORE": str(tmp_path / "store")}, environ={})
    store = EmbeddedStore(settings["STORE"])
    try:
        report = load_project(store, settings)
        assert report.graphs[EXAMPLES_GRAPH] > len(QUERY_FILES) * 10
        assert EXAMPLES_GRAPH in store.graph_names()
        result = store.query(SIB_QUERY)  # no GRAPH: the default graph is the public union
        assert sorted(r["example"].value.rsplit("/", 1)[-1] for r in result.rows) == \
            [p.stem for p in QUERY_FILES]
        load_project(store, settings)  # a reload replaces the graph, never duplicates it
        assert len(store.query(SIB_QUERY).rows) == len(QUERY_FILES)
    finally:
        store.close()


# -- against the real endpoint -------------------------------------------------------------

@contextmanager
def running_app(settings: dict[str, Any]) -> Iterator[str]:
    """The real app over ``settings`` on 127.0.0.1 (free port), threaded; yields its URL."""
    from api.app import ENGINE_KEY, STORE_KEY, create_app

    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="owl40-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        engine = app.extensions.get(ENGINE_KEY)
        if engine is not None:
            engine.close()
        app.extensions[STORE_KEY].close()


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The /sparql URL of a live server over the loaded project."""
    with running_app(loaded_settings(tmp_path_factory.mktemp("examples"))) as url:
        yield f"{url}/sparql"


def sparql(endpoint: str, query: str) -> tuple[int, dict[str, Any]]:
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    client = SPARQLWrapper(endpoint)
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    client.setQuery(query)
    result = client.query()
    return result.response.status, result.convert()


@pytest.mark.live
def test_the_endpoint_publishes_every_example_and_each_one_answers(endpoint: str) -> None:
    status, published = sparql(endpoint, SIB_QUERY)
    assert status == 200
    bindings = published["results"]["bindings"]
    assert sorted(b["example"]["value"].rsplit("/", 1)[-1] for b in bindings) == \
        [p.stem for p in QUERY_FILES]
    for b in bindings:
        slug = b["example"]["value"].rsplit("/", 1)[-1]
        head = headers(next(p for p in QUERY_FILES if p.stem == slug))
        assert (b["titleDe"]["value"], b["titleEn"]["value"]) == \
            (head[("title", "de")], head[("title", "en")])
        status, answer = sparql(endpoint, b["query"]["value"])
        assert status == 200, b["example"]["value"]
        assert answer["results"]["bindings"], f"{b['example']['value']} gives no rows"
