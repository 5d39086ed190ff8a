"""Numbers that agree, charts that inform (issue 14 §4).

Each test reads the real pages and pictures of the app over a loaded store (Flask's test
client) and compares them with the store or with each other: the list of themes and the
example "Projects per theme" count alike; the home page's theme chart shows the plan's themes,
keywords on request; a project page shows its own partners; titles, captions, amounts and
title variants say each thing once and in agreement; every named graph has a title; the code
lists are lists of concepts.
"""

from __future__ import annotations

import html as htmllib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest

from api.app import create_app
from api.i18n import translator
from graph import svg
from graph.namespaces import sparql_prefixes
from graph.viz import Grant, Item
from tests.stores import loaded_settings

BASE = "https://w3id.org/owl40/"
SVG = "{http://www.w3.org/2000/svg}"
KEYWORD_KIND = "https://w3id.org/regio-kg/code/theme-kind/project-keyword"
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield create_app(loaded_settings(tmp_path_factory.mktemp("numbers")))


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def get(client, path: str, lang: str = "en") -> str:
    sep = "&" if "?" in path else "?"
    response = client.get(f"{path}{sep}lang={lang}", headers=HTML)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def select(app, query: str) -> list[dict[str, str]]:
    rows = app.extensions["owl40_store"].query(sparql_prefixes() + query).rows
    return [{k: v.value for k, v in row.items()} for row in rows]


def plain(fragment: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def svg_of(client, src: str) -> ET.Element:
    response = client.get(htmllib.unescape(src))
    assert response.status_code == 200, (src, response.get_data(as_text=True)[:200])
    return ET.fromstring(response.data)


def svg_links(root: ET.Element) -> set[str]:
    return {a.get("href") for a in root.iter(f"{SVG}a")}


# -- the themes: the list and the example count alike --------------------------------------------

def theme_table(client, lang: str = "en") -> dict[str, list[str]]:
    """/themes as {theme page: [cell texts]}."""
    text = get(client, "/themes", lang)
    out = {}
    for row in re.findall(r"<tr data-search[^>]*>(.*?)</tr>", text, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        out[re.search(r'href="([^"]+)"', cells[0])[1]] = [plain(c) for c in cells]
    return out


def test_the_themes_list_counts_like_the_projects_per_theme_example(client):
    query = (client.application.config["QUERIES_DIR"] + "/projects-per-theme.rq")
    with open(query, encoding="utf-8") as f:
        text = f.read()
    result = client.post("/sparql", data={"query": text},
                         headers={"Accept": "application/sparql-results+json"})
    assert result.status_code == 200
    example = {b["theme"]["value"]: b for b in result.get_json()["results"]["bindings"]}
    table = theme_table(client)
    assert len(example) >= 10
    for theme, b in example.items():
        cells = table["/doc/" + theme[len(BASE + "id/"):]]
        projects, confirmed, keyword_projects = cells[3], cells[4], cells[5]
        assert (projects, confirmed, keyword_projects) == (
            b["projectCount"]["value"], b["confirmedCount"]["value"],
            b["keywordProjectCount"]["value"]), theme
    # both say how they count, in both languages
    assert "keywordProjectCount" in text and "/themes" in text
    for lang in ("de", "en"):
        page = get(client, "/themes", lang)
        note = plain(re.search(r'<p class="note themes-note">(.*?)</p>', page, re.S)[1])
        assert translator(lang)("count_keyword_projects") in note and "skos:broader*" in note
        assert ("Projekte je Thema" if lang == "de" else "Projects per theme") in note


# -- the home page: the plan's themes, keywords on demand ----------------------------------------

def test_the_home_theme_chart_shows_the_plans_themes_and_keywords_on_request(app, client):
    themes = {r["t"] for r in select(app, f"""SELECT ?t WHERE {{ ?t a regio:Theme
        FILTER NOT EXISTS {{ ?t regio:themeKind <{KEYWORD_KIND}> }} }}""")}
    keywords = {r["t"] for r in select(app, f"""SELECT ?t WHERE {{ ?t a regio:Theme ;
        regio:themeKind <{KEYWORD_KIND}> }}""")}
    used = {r["t"] for r in select(app, "SELECT DISTINCT ?t WHERE { ?p regio:hasKeyword ?t }")}
    assert themes and keywords and not themes & keywords
    for lang in ("de", "en"):
        home = get(client, "/", lang)
        srcs = re.findall(r'<img src="([^"]*viz/themes\.svg[^"]*)"', home)
        assert len(srcs) == 2, srcs  # the themes, and the keywords inside a closed <details>
        details = re.search(r'<details class="keywords-picture">(.*?)</details>', home, re.S)[1]
        assert "keywords=1" in details and "keywords=1" not in srcs[0]
        chart = svg_of(client, srcs[0])
        bars = chart.findall(f".//{SVG}rect[@class='b']")
        shown = {href.replace("/doc/", BASE + "id/") for href in svg_links(chart)}
        assert shown == themes and len(bars) == len(themes)  # every theme of the plan, no keyword
        on_request = svg_of(client, srcs[1])
        assert {h.replace("/doc/", BASE + "id/") for h in svg_links(on_request)} == used
        # the tile counts the same themes, and the keywords apart; together the rows of /themes
        tile = re.search(r'<a href="/themes"><strong>(\d+)</strong>(.*?)</a>', home, re.S)
        assert int(tile[1]) == len(themes)
        assert f'data-keywords="{len(keywords)}"' in tile[2]
    assert len(theme_table(client)) == len(themes) + len(keywords)


# -- a project page: its own partners --------------------------------------------------------------

def partners_network(app, project: str) -> tuple[set[str], set[str]]:
    """The project's partners and the projects any of them takes part in (itself included)."""
    rows = select(app, f"""SELECT DISTINCT ?p ?o WHERE {{
        ?x a regio:Participation ; regio:participant ?o ; regio:participationIn <{project}> .
        ?y a regio:Participation ; regio:participant ?o ; regio:participationIn ?p .
        ?p a regio:Project }}""")
    return {r["o"] for r in rows}, {r["p"] for r in rows}


@pytest.mark.parametrize("slug", ["smart-country-side", "work-and-care", "gesundheit-40"])
def test_a_project_page_shows_its_partners_and_their_other_projects(app, client, slug):
    project = f"{BASE}id/project/{slug}"
    orgs, projects = partners_network(app, project)
    all_projects = {r["p"] for r in select(app, "SELECT ?p WHERE { ?p a regio:Project }")}
    assert project in projects and projects < all_projects
    page = get(client, f"/doc/project/{slug}")
    src = re.search(r'<img src="([^"]*viz/network\.svg[^"]*)"', page)[1]
    assert f"project={slug}" in src
    links = {h.replace("/doc/", BASE + "id/") for h in svg_links(svg_of(client, src))}
    assert {x for x in links if "/id/organisation/" in x} == orgs
    assert {x for x in links if "/id/project/" in x} == projects


def test_the_network_picture_refuses_what_it_cannot_draw(client):
    for path, status in (("/viz/network.svg?project=no-such-project", 404),
                         ("/viz/network.svg?project=../etc", 404),
                         ("/viz/network.svg?project=", 404),
                         ("/viz/timeline.svg?project=smart-country-side", 400),
                         ("/viz/themes.svg?keywords=yes", 400),
                         ("/viz/network.svg?keywords=1", 400)):
        response = client.get(path)
        assert response.status_code == status, path
        assert response.get_data(as_text=True).strip(), path  # a message, not an empty body


# -- titles, captions, amounts ----------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["de", "en"])
def test_page_titles_name_the_site_once(client, lang):
    site = translator(lang)("site")
    for path in ("/", "/projects", "/doc/project/smart-country-side", "/ontology", "/sparql",
                 "/doc/graph/curation"):
        title = plain(re.search(r"<title>(.*?)</title>", get(client, path, lang), re.S)[1])
        assert title.count(site) == 1 and title.endswith(site), (path, title)
        assert not re.search(r"(OWL 4\.0) – \1", title), (path, title)
    assert plain(re.search(r"<title>(.*?)</title>", get(client, "/", lang))[1]) == site


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("path", ["/", "/doc/action-plan/owl-40", "/doc/project/smart-country-side"])
def test_every_caption_says_what_its_chart_title_says(client, path, lang):
    page = get(client, path, lang)
    figures = re.findall(r'<figure class="picture"><img src="([^"]+)".*?<figcaption>(.*?)</figcaption>',
                         page, re.S)
    assert figures, path
    for src, caption in figures:
        title = svg_of(client, src).find(f"{SVG}title").text
        assert plain(caption).split(" · ")[0] == title, (src, caption)


def _grant(amounts: list[tuple[float, str]]) -> Grant:
    return Grant(Item("x", "x"), "EUR", sorted({v for v, _ in amounts}),
                 sorted({q for _, q in amounts if q}), sorted(amounts))


def test_amounts_carry_their_own_qualifier():
    assert svg.amount_label(_grant([(480000, "exact"), (480000, "over")]), "de") \
        == "480 000 EUR / über 480 000 EUR"
    assert svg.amount_label(_grant([(480000, "exact"), (480000, "over")]), "en") \
        == "480 000 EUR / over 480 000 EUR"
    assert svg.amount_label(_grant([(450000, "about")]), "de") == "etwa 450 000 EUR"
    assert svg.amount_label(_grant([(5400000, "exact"), (5500000, "exact")]), "en") \
        == "5 400 000 EUR – 5 500 000 EUR"
    assert svg.amount_label(_grant([(100, ""), (100, "exact")]), "en") == "100 EUR"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_no_amount_reads_qualifier_slash_qualifier(client, lang):
    body = client.get(f"/viz/funding.svg?lang={lang}").get_data(as_text=True)
    words = [w for k, w in svg.TEXT[lang].items() if k in ("exact", "over", "about", "almost", "up-to")]
    for a in words:
        for b in words:
            assert f"{a} / {b}" not in body
    assert ("480 000 EUR / über 480 000 EUR" if lang == "de"
            else "480 000 EUR / over 480 000 EUR") in body
    page = get(client, "/doc/project/ostwestfalenlippe-2025", lang)
    amounts = [plain(li) for li in re.findall(r'<ul class="values amounts">(.*?)</ul>', page, re.S)[0]
               .split("<li>")[1:]]
    over = "über" if lang == "de" else "over"
    assert any(a.startswith(f"{over} 480") for a in amounts), amounts
    assert not any(f"({over})" in a or "(genau)" in a or "(exact)" in a for a in amounts), amounts


# -- title variants ------------------------------------------------------------------------------

def facts_section(page: str) -> str:
    """The "Facts" of a resource page (not the complete list of statements further down)."""
    return re.search(r'<section class="facts-section">(.*?)</section>', page, re.S)[1]


def fact_values(page: str, prop: str) -> list[str]:
    page = facts_section(page)
    m = re.search(rf'title="https://w3id.org/regio-kg/ontology#{prop}">.*?</dt>\s*<dd>(.*?)</dd>',
                  page, re.S)
    if not m:
        return []
    return [plain(v) for v in re.findall(r'<span class="val"[^>]*>(.*?)</span>', m[1], re.S)]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_no_title_is_shown_again_as_a_title_variant(app, client, lang):
    projects = [r["p"] for r in select(app, "SELECT ?p WHERE { ?p a regio:Project }")]
    seen_full = 0
    for iri in projects:
        page = get(client, "/doc/" + iri[len(BASE + "id/"):], lang)
        h1 = plain(re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)[1])
        full, variants = fact_values(page, "fullTitle"), fact_values(page, "titleVariant")
        seen_full += bool(full)
        assert not set(variants) & (set(full) | {h1}), (iri, full, variants)
    assert seen_full
    # Gesundheit 4.0: the sheet's full title is also one of its title variants; shown once,
    # with the marks of both
    page = get(client, "/doc/project/gesundheit-40", lang)
    assert fact_values(page, "fullTitle") == ["Projektwerkstatt Gesundheit 4.0"]
    assert facts_section(page).count(">Projektwerkstatt Gesundheit 4.0<") == 1


# -- named graphs have titles ------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_named_graph_page_has_a_title(client, lang):
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    graphs = sorted({re.sub(r"^https?://[^/]+/(owl40/)?", "/", u)
                     for u in re.findall(r"<loc>([^<]+/doc/graph/[^<]+)</loc>", sitemap)})
    assert any("/record/" in g for g in graphs) and any("/source/" in g for g in graphs)
    for path in graphs:
        page = get(client, path, lang)
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)[1]
        title = plain(re.search(r"<title>(.*?)</title>", page, re.S)[1])
        assert "<code>" not in h1 and plain(h1), path
        assert not title.startswith("graph/"), (path, title)
    record = get(client, "/doc/graph/record/project/arbeit-40/funding", lang)
    assert "Arbeit 4.0" in plain(re.search(r"<h1[^>]*>(.*?)</h1>", record, re.S)[1])


# -- the code lists: lists of concepts -------------------------------------------------------------

@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_code_lists_page_lists_the_concepts_of_each_list(app, client, lang):
    page = get(client, "/doc/code", lang)
    assert 'class="triples"' not in page  # not a table of statements
    schemes = {r["s"]: int(r["n"]) for r in select(app, """SELECT ?s (COUNT(?c) AS ?n) WHERE {
        ?s a skos:ConceptScheme . ?c skos:inScheme ?s
        FILTER(STRSTARTS(STR(?s), "https://w3id.org/regio-kg/code/")) } GROUP BY ?s""")}
    sections = re.findall(r'<section class="code-list" id="([^"]+)">(.*?)</section>', page, re.S)
    assert len(sections) == len(schemes) >= 5
    for prefix, body in sections:
        scheme = re.search(r"<code>(https://w3id.org/regio-kg/code/[^<]+)/</code>", body)[1]
        concepts = re.findall(r'<code class="qname">([^<]+)</code>', body)
        assert len(concepts) == schemes[scheme], scheme
        assert all(c.startswith(prefix + ":") for c in concepts), (prefix, concepts)
