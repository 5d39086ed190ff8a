"""Every web response under hostile input (issue 10, part 2): redirects never follow the Host
header, trusted hosts, security headers on every HTML response (and no inline script or style
in our pages), links from data only http(s) and never protocol-relative, SERVICE targets
written as prefixed names or relative IRIs are checked like any other."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest

from api.app import create_app
from api.config import PROJECT_DIR
from tests.stores import loaded_settings

BASE = "https://w3id.org/owl40/"
EVIL = "evil.example"
HTML = {"Accept": "text/html"}
TOKEN = "web-token"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    """The project, with a hostile ontology version IRI (``javascript:``)."""
    work = tmp_path_factory.mktemp("web")
    ontology = work / "ontology"
    shutil.copytree(PROJECT_DIR / "ontology", ontology)
    regio = ontology / "regio.ttl"
    regio.write_text(regio.read_text(encoding="utf-8").replace(
        "<https://w3id.org/regio-kg/ontology/0.1.0>", "<javascript:alert(document.domain)>"),
        encoding="utf-8")
    app = create_app(loaded_settings(work, ONTOLOGY_DIR=str(ontology), UPDATE_TOKEN=TOKEN))
    yield app
    app.extensions["owl40_engine"].close()


@pytest.fixture
def client(app):
    return app.test_client()


# -- redirects and hosts ----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/dumps", "/doc//project/smart-country-side",
                                  "/id/project/smart-country-side", "/dataset", "/plan"])
def test_redirects_never_follow_the_host_header(client, path):
    answer = client.get(path, headers={"Host": EVIL})
    assert answer.status_code in (301, 302, 303, 307, 308), answer.status_code
    location = answer.headers["Location"]
    assert EVIL not in location and location.startswith("/") and not location.startswith("//")


def test_trusted_hosts_refuse_other_host_headers(tmp_path, monkeypatch):
    monkeypatch.setenv("OWL40_TRUSTED_HOSTS", "data.example.org localhost")
    app = create_app({"STORE": str(tmp_path / "store")})
    try:
        client = app.test_client()
        assert client.get("/health", headers={"Host": "data.example.org"}).status_code == 200
        assert client.get("/health", headers={"Host": EVIL}).status_code == 400
        ask = {"query": "ASK {}"}
        for _ in range(2):  # proven fast: the next request could take the fast path
            assert client.get("/sparql", query_string=ask).status_code == 200
        answer = client.get("/sparql", query_string=ask, headers={"Host": EVIL})
        assert answer.status_code == 400
    finally:
        app.extensions["owl40_engine"].close()


# -- security headers and no inline script or style -------------------------------------------

HTML_PAGES = ["/", "/projects", "/doc/project/smart-country-side", "/doc/graph/source/s-nw-2016",
              "/.well-known/void", "/catalog?format=html", "/dumps/", "/releases", "/ontology",
              "/shapes", "/sparql", "/doc/project/no-such-thing", "/no/such/page"]


class _Inline(HTMLParser):
    """Collects inline scripts, style elements and attributes, and event handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src") and names.get("type") not in (
                "application/json", "application/ld+json"):
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        self.found += [f"{tag} {name}=" for name in names if name == "style" or
                       name.startswith("on")]


@pytest.mark.parametrize("path", HTML_PAGES)
def test_every_html_response_has_the_security_headers(client, path):
    answer = client.get(path, headers=HTML)
    assert answer.mimetype == "text/html", (path, answer.status_code)
    csp = answer.headers.get("Content-Security-Policy", "")
    script_src = re.search(r"script-src ([^;]*)", csp)
    assert script_src and "'unsafe-inline'" not in script_src[1], csp
    assert "frame-ancestors" in csp and "object-src 'none'" in csp
    assert answer.headers.get("X-Content-Type-Options") == "nosniff"
    assert answer.headers.get("Referrer-Policy") == "strict-origin-when-cross-origin"
    if path != "/sparql":  # YASGUI styles its widgets at run time (style-src of its own page)
        style_src = re.search(r"style-src ([^;]*)", csp)
        assert style_src and "'unsafe-inline'" not in style_src[1], csp
        parser = _Inline()
        parser.feed(answer.get_data(as_text=True))
        assert parser.found == [], (path, parser.found[:5])


def test_other_responses_are_not_sniffed(client):
    for path in ("/health", "/sparql?query=ASK%7B%7D", "/dumps/?format=json"):
        assert client.get(path).headers.get("X-Content-Type-Options") == "nosniff", path


# -- links rendered from data -------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/.well-known/void", "/catalog?format=html"])
def test_a_javascript_iri_in_the_data_is_never_a_link(client, path):
    page = client.get(path, headers=HTML).get_data(as_text=True)
    assert "javascript:alert" in page  # shown as text
    assert not re.search(r"""href=["']?\s*javascript:""", page, re.I)


def test_a_local_link_is_never_protocol_relative(client):
    hostile = f"{BASE}//{EVIL}/plan"
    update = ("INSERT DATA { GRAPH <https://w3id.org/owl40/graph/curation/web-test> { "
              f"<{hostile}> a <https://w3id.org/regio-kg/ontology#ActionPlan> }} }}")
    done = client.post("/sparql/update", data={"update": update},
                       headers={"Authorization": f"Bearer {TOKEN}"})
    assert done.status_code == 200, done.data
    try:
        plan = client.get("/plan")
        assert plan.status_code == 303 and not plan.headers["Location"].startswith("//")
        assert EVIL not in plan.headers["Location"]
        home = client.get("/", headers=HTML).get_data(as_text=True)
        assert not re.search(r'href="(//|/\\|[^"]*//' + re.escape(EVIL) + ")", home)
    finally:
        client.post("/sparql/update", headers={"Authorization": f"Bearer {TOKEN}"}, data={
            "update": "DROP GRAPH <https://w3id.org/owl40/graph/curation/web-test>"})


# -- SERVICE targets however they are written ---------------------------------------------------

ALLOWED = "https://query.wikidata.org/"
INSIDE = f"{{ <{ALLOWED}entity/Q1> ?p ?o }}"  # an allow-listed IRI inside the SERVICE block


@pytest.mark.parametrize("query", [
    f"PREFIX e: <http://127.0.0.1:9/> SELECT * WHERE {{ SERVICE e:sparql {INSIDE} }}",
    f"PREFIX : <http://127.0.0.1:9/> SELECT * WHERE {{ SERVICE SILENT :sparql {INSIDE} }}",
    f"BASE <http://127.0.0.1:9/> SELECT * WHERE {{ SERVICE <sparql> {INSIDE} }}",
])
def test_service_targets_are_resolved_before_the_allow_list_check(tmp_path, query):
    app = create_app({"STORE": str(tmp_path / "store"), "SERVICE_ALLOWLIST": ALLOWED})
    try:
        answer = app.test_client().get("/sparql", query_string={"query": query})
        assert answer.status_code == 400, answer.data
        assert "SERVICE <http://127.0.0.1:9/sparql> is refused" in answer.json["message"]
    finally:
        app.extensions["owl40_engine"].close()
