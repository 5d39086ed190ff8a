"""The SPARQL 1.1 Protocol endpoint, with raw HTTP and with real clients (SPARQLWrapper,
rdflib's SPARQLStore) against a live server on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper
from werkzeug.serving import make_server

from api.app import create_app
from api.config import load_settings
from graph.store import load_project, open_store
from tests.conftest import OWL40_INSTANCE
from tests.sheetcheck import FACTS

N_PROJECTS = len(FACTS["projects"])  # every project of the fact sheet

BASE = "https://w3id.org/owl40/"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
PROJECTS = ("PREFIX regio: <https://w3id.org/regio-kg/ontology#> "
            "SELECT ?p WHERE { ?p a regio:Project } ORDER BY ?p")
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("sparql") / "store")
    settings = load_settings({"INSTANCE_DIR": OWL40_INSTANCE, "STORE": path}, environ={})
    store = open_store(settings)
    load_project(store, settings)
    store.close()
    return path


def _app(store_dir: str, **overrides: object):
    return create_app({"STORE": store_dir, **overrides})


@pytest.fixture(scope="module")
def client(store_dir: str):
    app = _app(store_dir, UPDATE_TOKEN="s3cret-token")
    yield app.test_client()
    app.extensions["owl40_engine"].close()


@pytest.fixture(scope="module")
def live(store_dir: str) -> Iterator[str]:
    """A real HTTP server (werkzeug, threaded) on a free port of 127.0.0.1."""
    app = _app(store_dir)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/sparql"
    finally:
        server.shutdown()
        thread.join(10)
        app.extensions["owl40_engine"].close()


def _count(client, **kw) -> int:
    response = client.get("/sparql", query_string={"query": COUNT, **kw})
    assert response.status_code == 200, response.data
    return int(response.json["results"]["bindings"][0]["n"]["value"])


# -- the query operation -------------------------------------------------------------------

def test_get_post_form_and_post_direct_give_the_same_answer(client):
    get = client.get("/sparql", query_string={"query": PROJECTS})
    form = client.post("/sparql", data={"query": PROJECTS})
    direct = client.post("/sparql", data=PROJECTS, content_type="application/sparql-query")
    assert get.status_code == form.status_code == direct.status_code == 200
    assert get.json == form.json == direct.json
    assert len(get.json["results"]["bindings"]) == N_PROJECTS
    assert get.headers["Content-Type"].startswith("application/sparql-results+json")


@pytest.mark.parametrize(("accept", "media_type"), [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("application/json", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
])
def test_select_results_are_negotiated(client, accept, media_type):
    response = client.get("/sparql", query_string={"query": PROJECTS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert response.headers["Vary"] == "Accept"
    body = response.data.decode()
    if media_type == "text/csv":
        assert len(list(csv.reader(io.StringIO(body)))) == N_PROJECTS + 1
    elif media_type == "text/tab-separated-values":
        assert body.splitlines()[0] == "?p" and len(body.splitlines()) == N_PROJECTS + 1
    elif "xml" in media_type:
        assert body.count("<result>") == N_PROJECTS
    else:
        assert len(json.loads(body)["results"]["bindings"]) == N_PROJECTS


@pytest.mark.parametrize(("fmt", "media_type"), [("csv", "text/csv"), ("tsv", "text/tab-separated-values"),
                                                 ("xml", "application/sparql-results+xml")])
def test_format_parameter_overrides_accept(client, fmt, media_type):
    response = client.get("/sparql", query_string={"query": PROJECTS, "format": fmt},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.headers["Content-Type"].split(";")[0] == media_type


def test_ask_in_json_and_xml(client):
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).json["boolean"] is True
    xml = client.get("/sparql", query_string={"query": "ASK { <urn:x> <urn:y> <urn:z> }"},
                     headers={"Accept": "application/sparql-results+xml"})
    assert b"<boolean>false</boolean>" in xml.data


@pytest.mark.parametrize(("accept", "fmt"), [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", ox.RdfFormat.JSON_LD), ("application/rdf+xml", ox.RdfFormat.RDF_XML),
])
def test_construct_and_describe_are_negotiated(client, accept, fmt):
    project = f"{BASE}id/project/smart-country-side"
    for query in (f"CONSTRUCT {{ <{project}> ?p ?o }} WHERE {{ <{project}> ?p ?o }}",
                  f"DESCRIBE <{project}>"):
        response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
        assert response.status_code == 200
        assert response.headers["Content-Type"].split(";")[0] == accept
        triples = list(ox.parse(response.data, format=fmt))
        assert any(t.subject == ox.NamedNode(project) for t in triples)
        titles = [t for t in triples if t.predicate.value == "http://purl.org/dc/terms/title"]
        assert titles and titles[0].object.value == "Smart Country Side"


def test_default_and_named_graph_parameters_define_the_dataset(client):
    graph = f"{BASE}graph/source/s-nw-2016"
    whole = _count(client)
    one = _count(client, **{"default-graph-uri": graph})
    assert 0 < one < whole
    two = client.get("/sparql", query_string=[("query", COUNT), ("default-graph-uri", graph),
                                              ("default-graph-uri", f"{BASE}graph/source/s-izd-scs")])
    assert int(two.json["results"]["bindings"][0]["n"]["value"]) > one
    named = client.post("/sparql?named-graph-uri=" + graph,
                        data="SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                        content_type="application/sparql-query")
    assert [b["g"]["value"] for b in named.json["results"]["bindings"]] == [graph]
    all_graphs = client.get("/sparql", query_string={
        "query": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"})
    assert int(all_graphs.json["results"]["bindings"][0]["n"]["value"]) > 100


def test_default_graph_is_the_union_of_the_public_graphs_each_triple_once(client):
    query = (f"SELECT (COUNT(*) AS ?n) WHERE {{ <{BASE}id/project/smart-country-side> "
             "<http://purl.org/dc/terms/title> ?t }")
    response = client.get("/sparql", query_string={"query": query})
    assert response.json["results"]["bindings"][0]["n"]["value"] == "1"
    shapes = client.get("/sparql", query_string={
        "query": "ASK { ?s a <http://www.w3.org/ns/shacl#NodeShape> }"})
    assert shapes.json["boolean"] is False  # shapes are a named graph, not in the union
    in_graph = client.get("/sparql", query_string={
        "query": "ASK { GRAPH <https://w3id.org/regio-kg/shapes> "
                 "{ ?s a <http://www.w3.org/ns/shacl#NodeShape> } }"})
    assert in_graph.json["boolean"] is True


# -- errors as the protocol says -----------------------------------------------------------

def test_malformed_query_is_400_with_the_parser_message_and_position(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE {\n  ?s ?p \n}"})
    assert response.status_code == 400
    body = response.json
    assert body["line"] == 3 and body["column"] >= 1 and body["message"]


@pytest.mark.parametrize("kwargs", [
    {"data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
    {"data": "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "content_type": "application/sparql-update"},
    {"data": "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "content_type": "application/sparql-query"},
])
def test_updates_sent_to_the_query_endpoint_are_400_and_change_nothing(client, kwargs):
    before = _count(client)
    response = client.post("/sparql", **kwargs)
    assert response.status_code == 400 and "update" in response.json["message"]
    assert _count(client) == before


def test_protocol_status_codes(client):
    assert client.post("/sparql", data="x", content_type="text/plain").status_code == 415
    assert client.get("/sparql", query_string={"query": PROJECTS},
                      headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/sparql", query_string=[("query", PROJECTS), ("query", PROJECTS)]).status_code == 400
    assert client.get("/sparql", query_string={"query": PROJECTS, "format": "docx"}).status_code == 400
    assert client.post("/sparql", data={"nothing": "here"}).status_code == 400
    bad_graph = {"query": COUNT, "default-graph-uri": "not an iri"}
    assert client.get("/sparql", query_string=bad_graph).status_code == 400
    assert client.put("/sparql", data="x").status_code == 405


def test_head_and_options(client):
    head = client.head("/sparql", query_string={"query": PROJECTS})
    assert head.status_code == 200 and head.data == b"" and head.headers["ETag"]
    options = client.options("/sparql")
    assert options.status_code == 200
    assert {"GET", "POST", "HEAD", "OPTIONS"} <= set(options.headers["Allow"].split(", "))
    preflight = client.options("/sparql", headers={
        "Origin": "https://region.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in preflight.headers


def test_cors_for_reads_but_not_for_updates(client):
    read = client.get("/sparql", query_string={"query": COUNT},
                      headers={"Origin": "https://region.example"})
    assert read.headers["Access-Control-Allow-Origin"] == "*"
    write = client.post("/sparql/update", data={"update": "CLEAR SILENT GRAPH <urn:x>"},
                        headers={"Origin": "https://region.example"})
    assert "Access-Control-Allow-Origin" not in write.headers


def test_etag_and_304(client):
    first = client.get("/sparql", query_string={"query": PROJECTS})
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get("/sparql", query_string={"query": PROJECTS}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/sparql", query_string={"query": PROJECTS}, headers={
        "If-None-Match": etag, "Accept": "text/csv"})
    assert other.status_code == 200 and other.headers["ETag"] != etag
    assert modified


# -- protection ----------------------------------------------------------------------------

def test_deep_nesting_and_long_queries_never_reach_the_engine(client):
    deep = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
    response = client.post("/sparql", data={"query": deep})
    assert response.status_code == 400 and "nest" in response.json["message"]
    parens = "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    assert client.post("/sparql", data={"query": parens}).status_code == 400
    huge = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 200_000
    assert client.post("/sparql", data={"query": huge}).status_code == 413
    assert _count(client) > 0  # the worker is alive


def test_service_is_refused_by_default(client):
    for query in ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
                  "SELECT * WHERE { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
                  "SELECT * WHERE { BIND(<http://x/> AS ?e) SERVICE ?e { ?s ?p ?o } }",
                  "select * where { service <http://example.org/sparql> { ?s ?p ?o } }"):
        response = client.get("/sparql", query_string={"query": query})
        assert response.status_code == 400 and "SERVICE" in response.json["message"]


def test_service_to_an_allow_listed_endpoint_runs(store_dir, oxigraph_server):
    oxigraph_server.clear()
    requests.post(oxigraph_server.settings["UPDATE_URL"],
                  data={"update": "INSERT DATA { <urn:remote:a> <urn:remote:b> 'remote' }"},
                  timeout=10).raise_for_status()
    endpoint = oxigraph_server.settings["SPARQL_URL"]
    app = _app(store_dir, SERVICE_ALLOWLIST=endpoint)
    try:
        query = f"SELECT ?o WHERE {{ SERVICE <{endpoint}> {{ <urn:remote:a> <urn:remote:b> ?o }} }}"
        response = app.test_client().get("/sparql", query_string={"query": query})
        assert response.status_code == 200, response.data
        assert response.json["results"]["bindings"][0]["o"]["value"] == "remote"
        other = app.test_client().get("/sparql", query_string={
            "query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"})
        assert other.status_code == 400
    finally:
        app.extensions["owl40_engine"].close()


def test_row_cap_says_when_it_cut(store_dir):
    app = _app(store_dir, MAX_ROWS=5)
    client = app.test_client()
    try:
        cut = client.get("/sparql", query_string={"query": PROJECTS})
        assert cut.headers["Results-Truncated"] == "true" and cut.headers["Results-Row-Cap"] == "5"
        assert len(cut.json["results"]["bindings"]) == 5
        for fmt, rows in (("csv", lambda d: len(d.splitlines()) - 1),
                          ("tsv", lambda d: len(d.splitlines()) - 1),
                          ("xml", lambda d: d.count("<result>"))):
            body = client.get("/sparql", query_string={"query": PROJECTS, "format": fmt})
            assert body.headers["Results-Truncated"] == "true" and rows(body.data.decode()) == 5
        small = client.get("/sparql", query_string={"query": PROJECTS + " LIMIT 3"})
        assert "Results-Truncated" not in small.headers and len(small.json["results"]["bindings"]) == 3
        exact = client.get("/sparql", query_string={"query": PROJECTS + " LIMIT 5"})
        assert "Results-Truncated" not in exact.headers
        limited = client.get("/sparql", query_string={"query": PROJECTS + " LIMIT 100"})
        assert limited.headers["Results-Truncated"] == "true"
    finally:
        app.extensions["owl40_engine"].close()


def test_timeout_stops_the_query_and_frees_the_worker(store_dir):
    app = _app(store_dir, QUERY_TIMEOUT=2.0)
    client = app.test_client()
    try:
        started = time.monotonic()
        response = client.get("/sparql", query_string={"query": HEAVY})
        assert response.status_code == 503 and "timeout" in response.json["message"]
        assert time.monotonic() - started < 10
        assert _count(client) > 0  # the next query runs on a fresh engine
    finally:
        app.extensions["owl40_engine"].close()


def test_a_result_still_streaming_at_the_timeout_ends_with_a_clear_signal(store_dir):
    app = _app(store_dir, QUERY_TIMEOUT=2.0, MAX_ROWS=10**9)
    client = app.test_client()
    try:
        query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 100000000"
        response = client.get("/sparql", query_string={"query": query},
                              headers={"Accept": "text/tab-separated-values"})
        assert response.status_code == 200
        tail = response.data[-200:].decode("utf-8", "replace")
        assert "# ERROR: result incomplete" in tail and "timeout" in tail
    finally:
        app.extensions["owl40_engine"].close()


# -- service description and updates -------------------------------------------------------

def test_service_description_states_the_limits(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = next(graph.subjects(rdflib.RDF.type, sd.Service))
    assert str(next(graph.objects(service, sd.endpoint))).endswith("/sparql")
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    text = " ".join(str(o) for o in graph.objects(None, rdflib.RDFS.comment))
    assert "30" in text and "10000" in text and "SERVICE" in text
    jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert jsonld.status_code == 200 and json.loads(jsonld.data)


def test_update_endpoint_needs_the_token(client):
    data = {"update": f"INSERT DATA {{ GRAPH <{BASE}graph/curator-test> {{ <urn:a> <urn:b> 'c' }} }}"}
    assert client.post("/sparql/update", data=data).status_code == 401
    assert client.post("/sparql/update", data=data,
                       headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/sparql/update").status_code == 405
    ok = client.post("/sparql/update", data=data, headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200, ok.data
    found = client.get("/sparql", query_string={"query": "ASK { <urn:a> <urn:b> 'c' }"})
    assert found.json["boolean"] is True  # the default graph (union) follows the named graph
    gone = client.post("/sparql/update", headers={"Authorization": "Bearer s3cret-token"},
                       data=f"DROP GRAPH <{BASE}graph/curator-test>",
                       content_type="application/sparql-update")
    assert gone.status_code == 200
    after = client.get("/sparql", query_string={"query": "ASK { <urn:a> <urn:b> 'c' }"})
    assert after.json["boolean"] is False


def test_update_endpoint_is_off_without_a_token(store_dir):
    app = _app(store_dir)
    try:
        response = app.test_client().post("/sparql/update", data={"update": "CLEAR ALL"})
        assert response.status_code == 404
    finally:
        app.extensions["owl40_engine"].close()


# -- real clients against a live server ----------------------------------------------------

@pytest.mark.live
@pytest.mark.parametrize("return_format", [JSON, XML, CSV])
def test_sparqlwrapper_select(live, return_format):
    client = SPARQLWrapper(live)
    client.setQuery(PROJECTS)
    client.setReturnFormat(return_format)
    result = client.query().convert()
    if return_format == JSON:
        assert len(result["results"]["bindings"]) == N_PROJECTS
    elif return_format == XML:
        assert len(result.getElementsByTagName("result")) == N_PROJECTS
    else:
        assert len(result.decode().splitlines()) == N_PROJECTS + 1


@pytest.mark.live
def test_sparqlwrapper_post_construct_and_ask(live):
    client = SPARQLWrapper(live)
    client.setMethod("POST")
    client.setQuery(f"CONSTRUCT WHERE {{ <{BASE}id/organisation/owl-gmbh> ?p ?o }}")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) > 5
    client.setQuery("ASK { ?s a <https://w3id.org/regio-kg/ontology#Project> }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True


@pytest.mark.live
def test_rdflib_sparqlstore(live):
    graph = rdflib.Graph(SPARQLStore(live))
    rows = list(graph.query(PROJECTS))
    assert len(rows) == N_PROJECTS
    assert (rdflib.URIRef(f"{BASE}id/project/smart-country-side"), rdflib.RDF.type,
            rdflib.URIRef("https://w3id.org/regio-kg/ontology#Project")) in graph


@pytest.mark.live
def test_raw_http_against_the_live_server(live):
    response = requests.get(live, params={"query": PROJECTS}, headers={"Accept": "text/csv"},
                            timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    response = requests.post(live, data="SELEC", headers={"Content-Type": "application/sparql-query"},
                             timeout=30)
    assert response.status_code == 400 and response.json()["column"] >= 1
    options = requests.options(live, timeout=30)
    assert options.status_code == 200


def test_store_dir_is_the_versioned_layout(store_dir):
    assert (Path(store_dir) / "current").is_symlink()
