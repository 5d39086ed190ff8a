"""The in-process path for proven-fast queries (graph.engine) and the WSGI fast path of /sparql
(api.fastpath): same answers as the engine process and the Flask view, never a stale one."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest

from api.app import create_app
from api.config import load_settings
from graph.engine import QueryEngine, QueryJob
from graph.store import load_project, open_store
from tests.conftest import OWL40_INSTANCE

PROJECTS = ("PREFIX regio: <https://w3id.org/regio-kg/ontology#> "
            "SELECT ?p WHERE { ?p a regio:Project } ORDER BY ?p")
# slower than the 1 ms fast-path limit below, but linear in the data (the default graph times
# its projects), so it finishes in well under a second on a loaded machine
SLOW = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . "
        "?d a <https://w3id.org/regio-kg/ontology#Project> }")
JSON = "application/sparql-results+json"


@pytest.fixture()
def store_dir(tmp_path) -> str:
    path = str(tmp_path / "store")
    settings = load_settings({"INSTANCE_DIR": OWL40_INSTANCE, "STORE": path}, environ={})
    store = open_store(settings)
    load_project(store, settings)
    store.close()
    return path


@pytest.fixture()
def app(store_dir: str):
    app = create_app({"STORE": store_dir, "UPDATE_TOKEN": "t0ken", "MAX_ROWS": 5})
    yield app
    app.extensions["owl40_engine"].close()


def _engine(app) -> QueryEngine:
    return app.extensions["owl40_engine"]


def _post(client, query: str, accept: str = JSON, **headers: str):
    return client.post("/sparql", data={"query": query}, headers={"Accept": accept, **headers})


def test_a_query_runs_in_process_only_after_the_engine_answered_it_fast(store_dir):
    engine = QueryEngine(store_dir, timeout=10, fast_path_max=5)
    try:
        job = QueryJob(PROJECTS, JSON)
        version = engine.version()
        assert version and not engine.is_proven(job, version)
        first, stream = engine.execute(job)
        body = b"".join(stream)
        assert engine.answered == {"engine": 1, "inline": 0} and engine.is_proven(job, version)
        second, again = engine.execute(job)
        assert engine.answered == {"engine": 1, "inline": 1}
        assert b"".join(again) == body and second.kind == first.kind == "solutions"
        # another format, dataset or cap is another job: not proven
        assert not engine.is_proven(QueryJob(PROJECTS, "text/csv"), version)
        assert not engine.is_proven(QueryJob(PROJECTS, JSON, ("urn:g",)), version)
    finally:
        engine.close()


def test_slow_queries_errors_and_a_zero_setting_never_run_in_process(store_dir):
    engine = QueryEngine(store_dir, timeout=10, fast_path_max=0.001)
    generous = QueryEngine(store_dir, timeout=10, fast_path_max=5)
    off = QueryEngine(store_dir, timeout=10, fast_path_max=0)
    try:
        slow = QueryJob(SLOW, JSON)
        b"".join(engine.execute(slow)[1])
        assert not engine.is_proven(slow, engine.version())
        bad = QueryJob("SELECT * WHERE { ?s <urn:p> ?o } ORDER BY xsd:nope(?o)", JSON)
        outcome, _ = engine.execute(bad)
        assert outcome.error and not engine.is_proven(bad, engine.version())
        for _ in range(3):
            b"".join(off.execute(QueryJob(PROJECTS, JSON))[1])
        assert off.answered == {"engine": 3, "inline": 0}
        # a very long query is not remembered (the memory the proofs take stays bounded)
        long = QueryJob(PROJECTS + "\n#" + "x" * 20000, JSON)
        b"".join(generous.execute(long)[1])
        assert not generous.is_proven(long, generous.version())
    finally:
        engine.close()
        off.close()
        generous.close()


def test_fast_path_answers_exactly_like_the_flask_view(app):
    client = app.test_client()
    engine = _engine(app)
    construct = "CONSTRUCT { ?p a <urn:P> } WHERE { ?p a <https://w3id.org/regio-kg/ontology#Project> }"
    cases = [(PROJECTS, JSON), (PROJECTS, "application/sparql-results+xml"),
             (PROJECTS, "text/csv"), (PROJECTS, "text/tab-separated-values"),
             ("ASK { ?s ?p ?o }", JSON), (construct, "text/turtle"),
             (construct, "application/n-triples"), (PROJECTS, "*/*"), (PROJECTS, "")]
    for case, (query, accept) in enumerate(cases):
        query += f"\n# case {case}"  # a job of its own: not proven yet
        before = dict(engine.answered)
        slow = _post(client, query, accept)
        fast = _post(client, query, accept)
        assert engine.answered["engine"] == before["engine"] + 1, (query, accept)
        assert engine.answered["inline"] == before["inline"] + 1, (query, accept)
        assert slow.status_code == fast.status_code == 200
        assert fast.data == slow.data
        assert int(fast.headers["Content-Length"]) == len(fast.data)
        expected = dict(slow.headers)
        expected.pop("Content-Length", None)
        got = dict(fast.headers)
        got.pop("Content-Length")
        assert got == expected, (query, accept)
    # the row cap cut PROJECTS (16 projects, cap 5): said on both paths
    cut = _post(client, PROJECTS)
    assert cut.headers["Results-Truncated"] == "true" and len(cut.json["results"]["bindings"]) == 5
    # a browser's form (charset given) takes the fast path too
    before = engine.answered["inline"]
    browser = client.post("/sparql", data=f"query={quote(PROJECTS)}", headers={"Accept": JSON},
                          content_type="application/x-www-form-urlencoded; charset=UTF-8")
    assert browser.data == cut.data and engine.answered["inline"] == before + 1
    # GET with the same query and Accept is the same job: answered in process at once
    before = engine.answered["inline"]
    got = client.get("/sparql", query_string={"query": PROJECTS}, headers={"Accept": JSON})
    assert got.data == cut.data and engine.answered["inline"] == before + 1


def test_requests_off_the_plain_shape_go_through_the_flask_app(app):
    client = app.test_client()
    engine = _engine(app)
    first = _post(client, PROJECTS)
    etag = first.headers["ETag"]
    assert _post(client, PROJECTS, **{"If-None-Match": etag}).status_code == 304
    # a browser's GET gets the query UI, not results
    page = client.get("/sparql", query_string={"query": PROJECTS},
                      headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    # nothing acceptable: 406 with the Flask app's error body
    refused = _post(client, PROJECTS, accept="image/png")
    assert refused.status_code == 406 and "available" in refused.json["message"]
    # format= override, dataset parameters: answered, by the Flask view
    csv = client.post("/sparql", data={"query": PROJECTS, "format": "csv"})
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    # an update in the form is refused
    assert client.post("/sparql", data={"query": PROJECTS, "update": "CLEAR ALL"}).status_code == 400
    # malformed form encoding and an empty query: the Flask app's messages
    bad = client.post("/sparql", data=b"query=%ZZ&&", content_type="application/x-www-form-urlencoded")
    assert bad.status_code == 400
    assert client.post("/sparql", data={"query": ""}).status_code == 400
    assert engine.answered["inline"] == 0  # none of these was answered by the fast path


def test_an_update_switches_the_version_and_the_fast_path_sees_the_new_data(app):
    client = app.test_client()
    engine = _engine(app)
    query = "SELECT ?o WHERE { <urn:x:s> <urn:x:p> ?o }"
    for _ in range(2):
        assert _post(client, query).json["results"]["bindings"] == []
    assert engine.answered["inline"] == 1
    version = engine.version()
    insert = 'INSERT DATA { GRAPH <https://w3id.org/owl40/graph/t> { <urn:x:s> <urn:x:p> "new" } }'
    update = client.post("/sparql/update", data={"update": insert},
                         headers={"Authorization": "Bearer t0ken"})
    assert update.status_code == 200
    assert engine.version() != version
    after = _post(client, query)
    assert [b["o"]["value"] for b in after.json["results"]["bindings"]] == ["new"]
    assert engine.answered["inline"] == 1  # the new version's first answer came from the engine
    again = _post(client, query)
    assert again.data == after.data and engine.answered["inline"] == 2


def test_a_first_seen_slow_query_is_still_stopped_at_the_timeout(store_dir):
    app = create_app({"STORE": store_dir, "QUERY_TIMEOUT": 1.0})
    try:
        client = app.test_client()
        started = time.monotonic()
        heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        assert _post(client, heavy).status_code == 503
        assert time.monotonic() - started < 8
        assert _engine(app).answered["inline"] == 0
    finally:
        _engine(app).close()
