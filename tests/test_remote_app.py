"""The web app on a remote store: the OWL 4.0 instance loaded through the platform's own load
path into a live Oxigraph server and a live Virtuoso 7, then the SPARQL endpoint and the pages
served from there, compared with the same pages served from the embedded store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from api.config import load_settings
from graph.store import load_project, open_store
from tests.conftest import BASE, OWL40_INSTANCE
from tests.stores import loaded_settings
from tests.virtuoso import UNION_GRAPH

#: The graphs a fresh Virtuoso 7.2 database holds.
SYSTEM_GRAPH_NAMES = {"http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#",
                      "http://localuriqaserver/sparql"}

pytestmark = pytest.mark.live

PAGES = ["/", "/doc/action-plan/owl-40", "/projects", "/organisations", "/themes", "/sources",
         "/doc/project/smart-country-side", "/doc/organisation/uni-paderborn"]


def _app(settings: dict) -> FlaskClient:
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    directory = tmp_path_factory.mktemp("embedded")
    return _app(loaded_settings(Path(directory)))


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def remote(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """The app on a remote store holding the OWL 4.0 instance, loaded by load_project."""
    server = request.getfixturevalue(f"{request.param}_server")
    server.clear()
    directory = Path(tmp_path_factory.mktemp(f"remote-{request.param}"))
    settings = load_settings({"INSTANCE_DIR": OWL40_INSTANCE, "DUMPS_DIR": str(directory / "dumps"),
                              "CACHE_DIR": str(directory / "cache"),
                              "STORE": str(directory / "unused"), **server.settings}, environ={})
    store = open_store(settings)
    try:
        report = load_project(store, settings)
        assert report.total > 10_000
    finally:
        store.close()
    yield _app(settings)
    server.clear()


def _numbers(html: str) -> list[str]:
    """The figures a page shows (counts in headings, badges and tables), in order."""
    text = re.sub(r"<[^>]+>", " ", html)
    return re.findall(r"\b\d[\d.,]*\b", text)


@pytest.mark.parametrize("path", PAGES)
def test_pages_from_the_remote_store_show_what_the_embedded_store_shows(
        remote: FlaskClient, embedded: FlaskClient, path: str) -> None:
    here, there = embedded.get(path), remote.get(path)
    assert there.status_code == here.status_code == 200, there.text[:500]
    assert _numbers(there.text) == _numbers(here.text)


def _select(client: FlaskClient, query: str) -> list[dict]:
    """The bindings of a SELECT on /sparql; Virtuoso's ``typed-literal`` (the SPARQL JSON
    draft's name for a literal with a datatype) read as ``literal``, as SPARQL JSON parsers do."""
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text[:500]
    rows = response.get_json()["results"]["bindings"]
    for row in rows:
        for term in row.values():
            if term["type"] == "typed-literal":
                term["type"] = "literal"
    return rows


@pytest.mark.parametrize("query", [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a <https://w3id.org/regio-kg/ontology#Project> }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "
    f'"{BASE}graph/") && ?g != <{UNION_GRAPH}>) }} GROUP BY ?g ORDER BY DESC(?n) ?g LIMIT 5',
])
def test_the_endpoint_on_the_remote_store_answers_as_the_embedded_one(
        remote: FlaskClient, embedded: FlaskClient, query: str) -> None:
    assert _select(remote, query) == _select(embedded, query)


def test_on_virtuoso_graph_queries_also_see_the_union_graph_and_the_servers_own(
        remote: FlaskClient, embedded: FlaskClient, request: pytest.FixtureRequest) -> None:
    """The documented difference (docs/stores.md): GRAPH ?g on /sparql ranges over every graph
    Virtuoso holds, the union graph and its system graphs included."""
    query = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    here = {row["g"]["value"] for row in _select(embedded, query)}
    there = {row["g"]["value"] for row in _select(remote, query)}
    if "virtuoso" in request.node.callspec.id:
        assert there - here == {UNION_GRAPH, *SYSTEM_GRAPH_NAMES}
        assert here <= there
    else:
        assert there == here


@pytest.mark.parametrize("accept", ["application/sparql-results+json",
                                    "application/sparql-results+xml"])
@pytest.mark.parametrize("query", [
    "ASK { ?p a <https://w3id.org/regio-kg/ontology#Project> }",
    "ASK { ?p a <https://w3id.org/regio-kg/ontology#NoSuchClass> }",
])
def test_ask_on_the_remote_store_is_a_boolean_result(
        remote: FlaskClient, embedded: FlaskClient, query: str, accept: str) -> None:
    import pyoxigraph as ox

    answers = []
    for client in (embedded, remote):
        response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
        assert response.status_code == 200 and response.mimetype == accept, response.text[:300]
        kind = ox.QueryResultsFormat.JSON if accept.endswith("json") else ox.QueryResultsFormat.XML
        result = ox.parse_query_results(response.data, kind)
        assert isinstance(result, ox.QueryBoolean), response.text[:300]
        answers.append(bool(result))
    assert answers[0] == answers[1] == ("NoSuchClass" not in query)


def test_the_endpoint_refuses_a_bad_query_on_the_remote_store_with_a_4xx(remote: FlaskClient) -> None:
    response = remote.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p }"},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 400
