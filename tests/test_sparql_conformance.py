"""SPARQL 1.1 conformance of /sparql (issue 10, part 3): relative IRIs, unknown functions, the
protocol's dataset parameters, request encoding and ``Accept: text/*``. Each request is sent
twice, so the second answer comes from the fast path (api.fastpath) where it applies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.app import create_app
from tests.stores import loaded_settings

BASE = "https://w3id.org/owl40/"
SCS = f"{BASE}id/project/smart-country-side"
TITLE = "http://purl.org/dc/terms/title"
GRAPH_A = f"{BASE}graph/source/s-nw-2016"
GRAPH_B = f"{BASE}graph/source/s-izd-scs"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    settings = loaded_settings(tmp_path_factory.mktemp("conformance"))
    app = create_app(settings)
    yield app.test_client()
    app.extensions["owl40_engine"].close()


def _twice(client, method: str, *args, **kwargs):
    """Send a request twice (engine, then the in-process / fast path); both answers agree."""
    first = getattr(client, method)(*args, **kwargs)
    second = getattr(client, method)(*args, **kwargs)
    assert first.status_code == second.status_code and first.data == second.data
    return first


def _n(response) -> int:
    assert response.status_code == 200, response.data
    return int(response.json["results"]["bindings"][0]["n"]["value"])


def test_relative_iris_resolve_against_the_endpoints_base(client):
    answer = _twice(client, "get", "/sparql", query_string={"query": "SELECT * { ?s ?p <x> }"})
    assert answer.status_code == 200, answer.data
    query = f"SELECT ?t WHERE {{ <id/project/smart-country-side> <{TITLE}> ?t }}"
    rows = _twice(client, "post", "/sparql", data={"query": query}).json["results"]["bindings"]
    assert [r["t"]["value"] for r in rows] == ["Smart Country Side"]


def test_an_unknown_function_is_an_expression_error_not_a_bad_request(client):
    query = "SELECT ?x ?z WHERE { VALUES ?z { 1 } BIND(<urn:unknown:fn>(?z) AS ?x) }"
    answer = _twice(client, "get", "/sparql", query_string={"query": query})
    assert answer.status_code == 200, answer.data
    assert answer.json["results"]["bindings"] == [
        {"z": {"type": "literal", "value": "1",
               "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]
    ask = _twice(client, "get", "/sparql", query_string={
        "query": "ASK { FILTER(<urn:unknown:fn>(1) || <urn:other:fn>(2, 3)) }"})
    assert ask.status_code == 200 and ask.json["boolean"] is False


def test_protocol_dataset_replaces_the_querys_from_clauses(client):
    only_b = _n(client.get("/sparql", query_string={"query": COUNT, "default-graph-uri": GRAPH_B}))
    from_a = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH_A}> WHERE {{ ?s ?p ?o }}"
    assert _n(client.get("/sparql", query_string={"query": from_a})) != only_b
    overridden = _twice(client, "get", "/sparql",
                        query_string={"query": from_a, "default-graph-uri": GRAPH_B})
    assert _n(overridden) == only_b
    named = f"SELECT DISTINCT ?g FROM NAMED <{GRAPH_A}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    answer = _twice(client, "get", "/sparql",
                    query_string={"query": named, "named-graph-uri": GRAPH_B})
    assert [b["g"]["value"] for b in answer.json["results"]["bindings"]] == [GRAPH_B]
    # a protocol dataset with default graphs only has no named graphs (section 2.1.4)
    answer = _twice(client, "get", "/sparql",
                    query_string={"query": named, "default-graph-uri": GRAPH_B})
    assert answer.json["results"]["bindings"] == []


@pytest.mark.parametrize("kind", ["get", "form", "direct"])
def test_a_query_that_is_not_utf8_is_a_400_that_says_so(client, kind):
    raw = b"SELECT * WHERE { ?s ?p \"caf\xe9\" }"
    if kind == "get":
        answer = _twice(client, "get", "/sparql?query=" + raw.decode("latin-1").replace(
            " ", "%20").replace("\xe9", "%E9").replace('"', "%22"))
    elif kind == "form":
        answer = _twice(client, "post", "/sparql", data=b"query=" + raw.replace(b"\xe9", b"%E9"),
                        content_type="application/x-www-form-urlencoded")
    else:
        answer = _twice(client, "post", "/sparql", data=raw,
                        content_type="application/sparql-query")
    assert answer.status_code == 400, answer.data
    assert "UTF-8" in answer.json["message"]


def test_an_update_that_is_not_utf8_is_a_400_that_says_so(tmp_path):
    app = create_app({"STORE": str(tmp_path / "store"), "UPDATE_TOKEN": "t"})
    try:
        answer = app.test_client().post(
            "/sparql/update", data=b"INSERT DATA { <urn:a> <urn:b> \"\xff\" }",
            content_type="application/sparql-update", headers={"Authorization": "Bearer t"})
        assert answer.status_code == 400 and "UTF-8" in answer.json["message"]
    finally:
        app.extensions["owl40_engine"].close()


@pytest.mark.parametrize("query", ["SELECT ?s WHERE { ?s ?p ?o } LIMIT 2",
                                   "ASK { ?s ?p ?o }"])
def test_accept_text_wildcard_gets_csv_or_tsv(client, query):
    answer = _twice(client, "get", "/sparql", query_string={"query": query},
                    headers={"Accept": "text/*"})
    assert answer.status_code == 200, answer.data
    assert answer.headers["Content-Type"].split(";")[0] in ("text/csv", "text/tab-separated-values")
