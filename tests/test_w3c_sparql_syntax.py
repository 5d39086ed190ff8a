"""The W3C SPARQL 1.1 syntax tests (query, update, federation), run against the endpoint.

The tests are vendored from the public w3c/rdf-tests repository with its licence
(tests/data/w3c-sparql11/README.md). Positive tests must be answered; negative ones must be a
400 that gives the line and column of the error. Updates run on an empty store of their own,
with the destructive-update confirmation (they test syntax, not the safeguard); a LOAD is
answered with the LOAD allow-list's refusal, which comes only after the syntax check passed.
Federated queries call a stub endpoint on 127.0.0.1 (their ``SERVICE <g>`` is relative, so
the base IRI of that app is the stub's URL).
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pytest
import rdflib

from api.app import create_app

SUITE = Path(__file__).parent / "data" / "w3c-sparql11"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
TOKEN = "w3c-token"

#: Known gaps of the engine (pyoxigraph), each with its reason.
XFAIL: dict[str, str] = {}
#: Valid updates whose evaluation fails on an empty store, with the reason the endpoint gives.
REFUSED = {"syntax-update-08.ru": "does not exist"}  # DROP (not SILENT) of a missing graph


def _entries() -> list[tuple[str, str, Path]]:
    """(test id, test type, file) for every entry of the four manifests, in manifest order."""
    out = []
    for manifest in sorted(SUITE.glob("*/manifest.ttl")):
        graph = rdflib.Graph().parse(manifest, format="turtle",
                                     publicID=manifest.resolve().as_uri())
        head = next(graph.objects(None, MF.entries))
        for test in rdflib.collection.Collection(graph, head):
            kind = str(graph.value(test, rdflib.RDF.type)).rsplit("#", 1)[1]
            action = Path(url2pathname(urlsplit(str(graph.value(test, MF.action))).path))
            out.append((f"{manifest.parent.name}/{action.name}", kind, action))
    return out


ENTRIES = _entries()


def _params(kinds: tuple[str, ...], folder: str | None = None) -> list:
    return [pytest.param(path, kind, id=test_id,
                         marks=[pytest.mark.xfail(reason=XFAIL[test_id], strict=True)]
                         if test_id in XFAIL else [])
            for test_id, kind, path in ENTRIES if kind in kinds
            and (folder is None or test_id.startswith(folder))]


def test_the_suite_is_complete():
    kinds = [kind for _, kind, _ in ENTRIES]
    assert len(ENTRIES) == 152 and all(path.is_file() for _, _, path in ENTRIES)
    assert set(kinds) == {"PositiveSyntaxTest11", "NegativeSyntaxTest11",
                          "PositiveUpdateSyntaxTest11", "NegativeUpdateSyntaxTest11"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    app = create_app({"STORE": str(tmp_path_factory.mktemp("w3c") / "store"),
                      "UPDATE_TOKEN": TOKEN})
    yield app
    app.extensions["owl40_engine"].close()


def _assert_syntax_error(answer) -> None:
    assert answer.status_code == 400, answer.data
    body = answer.json
    assert body["line"] >= 1 and body["column"] >= 1, body


@pytest.mark.parametrize(("path", "kind"), _params(("PositiveSyntaxTest11", "NegativeSyntaxTest11"),
                                                   "syntax-query"))
def test_query_syntax(app, path: Path, kind: str):
    answer = app.test_client().post("/sparql", data=path.read_bytes(),
                                    content_type="application/sparql-query")
    if kind.startswith("Positive"):
        assert answer.status_code == 200, answer.data
    else:
        _assert_syntax_error(answer)


@pytest.mark.parametrize(("path", "kind"), _params(("PositiveUpdateSyntaxTest11",
                                                    "NegativeUpdateSyntaxTest11")))
def test_update_syntax(app, path: Path, kind: str):
    text = path.read_bytes()
    answer = app.test_client().post(
        "/sparql/update?confirm=destructive", data=text, content_type="application/sparql-update",
        headers={"Authorization": f"Bearer {TOKEN}"})
    if kind.startswith("Negative"):
        _assert_syntax_error(answer)
    elif b"LOAD" in text.upper() or path.name in REFUSED:
        assert answer.status_code == 400, answer.data
        reason = REFUSED.get(path.name, "LOAD_ALLOWLIST")
        assert reason in answer.json["message"] and "line" not in answer.json
    else:
        assert answer.status_code == 200, answer.data


class _EmptyResults(http.server.BaseHTTPRequestHandler):
    """A SPARQL endpoint that answers every query with no solutions."""

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"head":{"vars":[]},"results":{"bindings":[{}]}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def federating_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EmptyResults)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub = f"http://127.0.0.1:{server.server_port}/"
    app = create_app({"STORE": str(tmp_path_factory.mktemp("w3c-fed") / "store"),
                      "BASE_IRI": stub, "SERVICE_ALLOWLIST": stub})
    try:
        yield app
    finally:
        app.extensions["owl40_engine"].close()
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.mark.parametrize(("path", "kind"), _params(("PositiveSyntaxTest11",), "syntax-fed"))
def test_federated_query_syntax(federating_app, path: Path, kind: str):
    answer = federating_app.test_client().post("/sparql", data=path.read_bytes(),
                                               content_type="application/sparql-query")
    assert answer.status_code == 200, answer.data
