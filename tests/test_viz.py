"""The SVG pictures: well-formed XML, the expected labels in German and English, numbers that
match the store, and every label escaped (a test organisation and theme are named <script>).
The test resources are invented and live in a user file graph next to the real data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from api.app import STORE_KEY, create_app
from api.config import load_settings
from graph.store import load_files, load_project, open_store
from graph.viz import year_fraction
from tests.conftest import OWL40_INSTANCE

BASE = "https://w3id.org/owl40/"
SVG = "{http://www.w3.org/2000/svg}"
XSS_ORG = "<script>alert('org')</script> & \"Co\""
XSS_ORG_TURTLE = XSS_ORG.replace('"', '\\"')
XSS_THEME_EN, XSS_THEME_DE = "<script>theme</script>", "<script>Thema</script>"
EXTRA = f"""@prefix regio: <https://w3id.org/regio-kg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{BASE}id/organisation/test-xss> a regio:Organisation ;
    skos:prefLabel "{XSS_ORG_TURTLE}"@en ;
    regio:district <{BASE}id/region/bielefeld> .
<{BASE}id/participation/gesundheit-40--test-xss> a regio:Participation ;
    regio:participant <{BASE}id/organisation/test-xss> ;
    regio:participationIn <{BASE}id/project/gesundheit-40> .
<{BASE}id/theme/test-xss> a regio:Theme ;
    skos:prefLabel "{XSS_THEME_EN}"@en , "{XSS_THEME_DE}"@de .
<{BASE}id/project/gesundheit-40> regio:hasTheme <{BASE}id/theme/test-xss> .
"""
NAMES = ("network", "timeline", "districts", "themes", "funding")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    directory = tmp_path_factory.mktemp("viz")
    settings = load_settings({"INSTANCE_DIR": OWL40_INSTANCE, "STORE": str(directory / "store"),
                              "DUMPS_DIR": str(directory / "dumps"),
                              "CACHE_DIR": str(directory / "cache")}, environ={})
    store = open_store(settings)
    load_project(store, settings)
    extra = directory / "xss.ttl"
    extra.write_text(EXTRA, encoding="utf-8")
    load_files(store, [extra])
    store.close()
    return create_app(settings).test_client()


def picture(client, name: str, lang: str) -> tuple[str, ET.Element]:
    response = client.get(f"/viz/{name}.svg?lang={lang}")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    body = response.data.decode("utf-8")
    return body, ET.fromstring(response.data)  # well-formed XML or it raises


def texts(root: ET.Element) -> list[str]:
    """The visible text of each <text> element (its <title> tooltip left out)."""
    return [(t.text or "") + "".join(c.tail or "" for c in t) for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_picture_is_well_formed_svg_without_scripts(client, name, lang):
    body, root = picture(client, name, lang)
    assert root.tag == f"{SVG}svg"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
    assert "<script" not in body and not list(root.iter(f"{SVG}script"))
    assert not any(k.startswith("on") for e in root.iter() for k in e.attrib)


@pytest.mark.parametrize("name,lang,expected", [
    ("network", "en", ["Projects and their partners", "Gesundheit 4.0", "SCS", "OWL GmbH"]),
    ("network", "de", ["Projekte und ihre Partner", "Gesundheit 4.0"]),
    ("timeline", "en", ["Project periods", "Smart Country Side", "end unknown"]),
    ("timeline", "de", ["Laufzeiten der Projekte", "Ende unbekannt", "Laufzeit unbekannt: "]),
    ("districts", "en", ["Partner organisations per district", "Minden-Lübbecke", "Bielefeld",
                         "Schematic tile map: approximate positions of the districts, not borders"]),
    ("districts", "de", ["Partnerorganisationen je Kreis", "Höxter", "Schematische Kachelkarte: "
                         "ungefähre Lage der Kreise, keine Grenzen"]),
    ("themes", "en", ["Projects per theme", XSS_THEME_EN]),
    ("themes", "de", ["Projekte je Thema", XSS_THEME_DE]),
    ("funding", "en", ["Funding per project and phase", "Open Innovation City",
                       "5 400 000 EUR – 5 500 000 EUR", "amount not stated: "]),
    ("funding", "de", ["Förderung je Projekt und Phase", "Betrag nicht angegeben: "]),
])
def test_pictures_show_the_expected_labels(client, name, lang, expected):
    _, root = picture(client, name, lang)
    shown = "\n".join(texts(root))
    for label in expected:
        assert label in shown, label


def test_labels_are_escaped(client):
    body, root = picture(client, "network", "en")
    titles = ["".join(t.itertext()) for t in root.iter(f"{SVG}title")]
    assert XSS_ORG in titles  # the parsed text is the label itself
    assert "&lt;script&gt;alert(&apos;org&apos;)&lt;/script&gt; &amp; &quot;Co&quot;" in body
    body, _ = picture(client, "themes", "de")
    assert "&lt;script&gt;Thema&lt;/script&gt;" in body


def test_district_tiles_count_the_partners_of_the_store(client):
    store = client.application.extensions[STORE_KEY]
    rows = store.query("""PREFIX regio: <https://w3id.org/regio-kg/ontology#>
        SELECT ?d (COUNT(DISTINCT ?o) AS ?n) WHERE { ?d a regio:District .
        OPTIONAL { ?o regio:district ?d } } GROUP BY ?d""").rows
    expected = {"/doc/" + r["d"].value[len(BASE + "id/"):]: r["n"].value for r in rows}
    assert expected["/doc/region/bielefeld"] != "0" and len(expected) == 7
    _, root = picture(client, "districts", "en")
    tiles = {a.get("href"): texts(a)[-1] for a in root.iter(f"{SVG}a")}
    assert tiles == expected


def test_network_links_point_to_the_doc_pages(client):
    _, root = picture(client, "network", "en")
    hrefs = {a.get("href") for a in root.iter(f"{SVG}a")}
    assert "/doc/project/gesundheit-40" in hrefs and "/doc/organisation/test-xss" in hrefs
    edges = [p for p in root.iter(f"{SVG}path")]
    store = client.application.extensions[STORE_KEY]
    count = store.query("""PREFIX regio: <https://w3id.org/regio-kg/ontology#>
        SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?p ?o WHERE { ?x a regio:Participation ;
        regio:participant ?o ; regio:participationIn ?p . ?p a regio:Project } }""").rows
    assert len(edges) == int(count[0]["n"].value)


@pytest.mark.parametrize("value,end,expected", [
    ("2019", False, 2019.0), ("2019", True, 2020.0), ("2019-01", False, 2019.0),
    ("2019-12", True, 2020.0), ("2019-07-02", False, 2019 + 182 / 365), ("2020-12-31", True, 2021.0),
])
def test_year_fraction(value, end, expected):
    from pyoxigraph import Literal

    assert year_fraction(Literal(value), end=end) == pytest.approx(expected)


def test_unknown_dates_are_shown_as_unknown(client):
    _, root = picture(client, "timeline", "en")
    line = next(t for t in texts(root) if t.startswith("dates unknown: "))
    assert "Business 4.0" in line  # no date in any source


def test_picture_paths(client):
    assert client.get("/viz/network.svg?lang=xx").status_code == 400
    assert client.get("/viz/network.png").status_code == 404
    de = client.get("/viz/themes.svg", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert "Projekte je Thema" in de.data.decode()
