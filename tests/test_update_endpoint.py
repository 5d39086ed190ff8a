"""The curators' update endpoint under hostile input (issue 10, part 1): LOAD only from the
allow-list and never echoing what it fetched, refusals are 400 with a reason (503 only for a
store that is down), and updates that would remove all data need an explicit confirmation."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from api.app import create_app
from graph.updatepolicy import analyse_update
from tests.servers import free_port
from tests.stores import loaded_settings

BASE = "https://w3id.org/owl40/"
TOKEN = "curator-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
GRAPH = f"{BASE}graph/curation/update-test"
SECRET = b"root:x:0:0:SECRET-LINE-OF-A-FETCHED-FILE"
TURTLE = b"<urn:loaded:s> <urn:loaded:p> \"loaded\" .\n"


class _Documents(http.server.BaseHTTPRequestHandler):
    """Serves /good.ttl (Turtle), /secret.ttl (not Turtle) and counts the requests."""

    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = TURTLE if self.path.startswith("/good") else SECRET + b" is not turtle\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def documents() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Documents)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return loaded_settings(tmp_path_factory.mktemp("update"), UPDATE_TOKEN=TOKEN)


def _app(settings: dict, **overrides: object):
    return create_app({**settings, **overrides})


@pytest.fixture(scope="module")
def client(settings: dict) -> Iterator:
    app = _app(settings)
    yield app.test_client()
    app.extensions["owl40_engine"].close()


def _update(client, text: str, path: str = "/sparql/update"):
    return client.post(path, data={"update": text}, headers=AUTH)


def _count(client) -> int:
    answer = client.get("/sparql", query_string={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"})
    return int(answer.json["results"]["bindings"][0]["n"]["value"])


# -- LOAD ----------------------------------------------------------------------------------------

def test_load_is_refused_without_an_allow_list_and_fetches_nothing(client, documents):
    _Documents.hits.clear()
    answer = _update(client, f"LOAD <{documents}good.ttl> INTO GRAPH <{GRAPH}>")
    assert answer.status_code == 400, answer.data
    assert "LOAD_ALLOWLIST" in answer.json["message"] and _Documents.hits == []


@pytest.mark.parametrize("source", ["file:///etc/passwd", "ftp://127.0.0.1/x.ttl"])
def test_load_of_a_local_file_or_other_scheme_is_a_400_with_the_reason(settings, source):
    app = _app(settings, LOAD_ALLOWLIST="http://127.0.0.1")
    try:
        answer = _update(app.test_client(), f"LOAD <{source}>")
        assert answer.status_code == 400, answer.data
        assert "only http(s) sources" in answer.json["message"]
    finally:
        app.extensions["owl40_engine"].close()


def test_an_allow_listed_load_runs_once_and_a_bad_document_is_never_echoed(settings, documents):
    app = _app(settings, LOAD_ALLOWLIST=documents)
    client = app.test_client()
    try:
        before = _count(client)
        _Documents.hits.clear()
        bad = _update(client, f"LOAD <{documents}secret.ttl> INTO GRAPH <{GRAPH}>")
        assert bad.status_code == 400, bad.data
        assert b"SECRET" not in bad.data and b"root:x" not in bad.data
        assert "LOAD failed" in bad.json["message"] and _count(client) == before
        good = _update(client, f"LOAD <{documents}good.ttl> INTO GRAPH <{GRAPH}>")
        assert good.status_code == 200, good.data
        assert _Documents.hits == ["/secret.ttl", "/good.ttl"]  # the syntax check fetches nothing
        assert _count(client) == before + 1
        assert _update(client, f"DROP GRAPH <{GRAPH}>").status_code == 200
    finally:
        app.extensions["owl40_engine"].close()


def test_an_allow_listed_source_that_cannot_be_fetched_is_a_400(settings):
    closed = f"http://127.0.0.1:{free_port()}/"
    app = _app(settings, LOAD_ALLOWLIST=closed)
    try:
        answer = _update(app.test_client(), f"LOAD <{closed}x.ttl>")
        assert answer.status_code == 400, answer.data
        assert "could not be fetched" in answer.json["message"]
    finally:
        app.extensions["owl40_engine"].close()


def test_a_syntax_error_is_found_before_the_policy(client):
    answer = _update(client, "LOAD <http://example.org/x> ;\nINSERT DATA { <urn:a> <urn:b> }")
    assert answer.status_code == 400 and answer.json["line"] == 2, answer.data


def test_503_only_when_the_store_is_down(tmp_path):
    down = f"http://127.0.0.1:{free_port()}/"
    app = create_app({"STORE": str(tmp_path / "store"), "SPARQL_URL": down + "query",
                      "UPDATE_URL": down + "update", "UPDATE_TOKEN": TOKEN})
    answer = _update(app.test_client(), "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> 1 } }")
    assert answer.status_code == 503 and "not available" in answer.json["message"]


# -- updates that would remove all data ----------------------------------------------------------

DESTRUCTIVE = [
    "DROP ALL", "drop silent all", "CLEAR ALL", "CLEAR DEFAULT", "DROP DEFAULT", "CLEAR NAMED",
    "DROP SILENT NAMED", f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:a> <urn:b> 1 }} }} ; DROP ALL",
    "DELETE WHERE { ?s ?p ?o }", "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }",
    "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o . } }",
]


@pytest.mark.parametrize("update", DESTRUCTIVE)
def test_an_update_that_would_remove_all_data_needs_a_confirmation(client, update):
    before = _count(client)
    answer = _update(client, update)
    assert answer.status_code == 400, answer.data
    assert "confirm=destructive" in answer.json["message"] and _count(client) == before


def test_dropping_every_named_graph_by_name_needs_a_confirmation(client):
    names = client.get("/sparql", query_string={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"}).json["results"]["bindings"]
    drops = " ;\n".join(f"DROP GRAPH <{b['g']['value']}>" for b in names)
    before = _count(client)
    answer = _update(client, drops)
    assert answer.status_code == 400 and "every named graph" in answer.json["message"]
    assert _count(client) == before


@pytest.mark.parametrize("update", [
    f"DROP GRAPH <{GRAPH}>", f"CLEAR SILENT GRAPH <{GRAPH}>",
    f"DELETE WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}",
    "DELETE { ?s ?p ?o } WHERE { ?s a <urn:nothing> ; ?p ?o }",
    'INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> "DROP ALL ; CLEAR ALL" } }',
])
def test_ordinary_removals_are_not_destructive(update):
    plan = analyse_update(update)
    assert plan.destructive == [] and plan.removed_graphs <= {GRAPH, "urn:g"}


def test_a_confirmed_destructive_update_runs(tmp_path):
    app = create_app({"STORE": str(tmp_path / "store"), "UPDATE_TOKEN": TOKEN})
    client = app.test_client()
    try:
        assert _update(client, "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> 1 } }").status_code == 200
        assert _update(client, "DROP ALL").status_code == 400 and _count(client) == 1
        done = _update(client, "DROP ALL", "/sparql/update?confirm=destructive")
        assert done.status_code == 200 and _count(client) == 0
        form = client.post("/sparql/update", headers=AUTH,
                           data={"update": "CLEAR ALL", "confirm": "destructive"})
        assert form.status_code == 200
    finally:
        app.extensions["owl40_engine"].close()
