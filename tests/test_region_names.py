"""A region is configuration (issue 13 §2): no code or template names OWL 4.0 or
OstWestfalenLippe; an instance's pages carry its own names, languages and district tile map.

The software keeps its name (the ``owl40`` command, the ``OWL40_`` settings, the package
``owl40-kg``); what is checked is the region: its names and its IRIs.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from api.app import create_app
from api.config import PROJECT_DIR, load_settings
from graph.store import load_project, open_store
from tests.conftest import OWL40_INSTANCE

REGION_NAMES = re.compile(r"OWL[ \-–]?4[.,]0|OstWestfalen|Ostwestfalen|w3id\.org/owl40|it's OWL",
                          re.IGNORECASE)
CODE = [("api", (".py", ".html", ".js", ".css")), ("graph", (".py",))]
EXAMPLE = PROJECT_DIR / "instances" / "beispiel"


def test_no_code_or_template_names_the_region():
    found = []
    for root, suffixes in CODE:
        for path in sorted((PROJECT_DIR / root).rglob("*")):
            if path.suffix in suffixes and path.is_file() and "share" not in path.parts:
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                    if REGION_NAMES.search(line):
                        found.append(f"{path.relative_to(PROJECT_DIR)}:{number}: {line.strip()}")
    assert found == [], "\n".join(found)


def test_the_owl40_instance_s_settings_name_it():
    settings = load_settings({"INSTANCE_DIR": OWL40_INSTANCE}, environ={})
    assert settings["SITE_NAME_EN"] == "OWL 4.0 knowledge graph"
    assert settings["BASE_IRI"] == "https://w3id.org/owl40/"
    assert settings["DISTRICT_TILES"]["05711"] == [0, 1]
    neutral = load_settings({"INSTANCE_DIR": str(PROJECT_DIR / "queries")}, environ={})
    assert not REGION_NAMES.search(" ".join(str(v) for v in neutral.values()))


def _app(instance: Path, store: Path, **overrides: str):
    settings = load_settings({"INSTANCE_DIR": str(instance), "STORE": str(store),
                              "DUMPS_DIR": str(store.parent / "dumps"),
                              "CACHE_DIR": str(store.parent / "cache"), **overrides}, environ={})
    backend = open_store(settings)
    try:
        load_project(backend, settings)
    finally:
        backend.close()
    return create_app(settings)


@pytest.fixture(scope="module")
def example_client(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("example-pages")
    instance = Path(shutil.copytree(EXAMPLE, work / "beispiel", ignore=shutil.ignore_patterns("var")))
    return _app(instance, work / "store").test_client()


@pytest.mark.parametrize("path", ["/?lang=de", "/?lang=en", "/projects?lang=en",
                                  "/doc/project/beispiel-ki-werkstatt?lang=de",
                                  "/doc/project/beispiel-arbeitswelt?lang=en", "/plan?lang=en",
                                  "/sparql", "/viz/themes.svg?lang=en", "/api/openapi.json",
                                  "/catalog", "/.well-known/void"])
def test_the_example_region_s_pages_carry_its_names_not_another_region_s(example_client, path):
    response = example_client.get(path, headers={"Accept": "text/html"}, follow_redirects=True)
    assert response.status_code == 200, path
    text = response.get_data(as_text=True)
    assert not REGION_NAMES.search(text), REGION_NAMES.search(text)[0]
    if path.startswith("/?"):
        assert "Beispielregion – Wissensgraph" in text or "Beispielregion knowledge graph" in text
        assert "<h1>Beispielregion</h1>" in text


def test_the_owl40_pages_carry_its_names(tmp_path: Path):
    client = _app(Path(OWL40_INSTANCE), tmp_path / "store").test_client()
    home = client.get("/?lang=en").get_data(as_text=True)
    assert "<h1>OWL 4.0</h1>" in home and "OWL 4.0 knowledge graph" in home
    assert "(OstWestfalenLippe) as linked open data" in home


def test_the_instance_s_languages_and_tile_map_are_used(tmp_path: Path):
    app = _app(EXAMPLE, tmp_path / "store", LANGUAGES="en",
               DISTRICT_TILES="beispielstadt=2,0 beispielkreis-nord=0,1")
    client = app.test_client()
    page = client.get("/", headers={"Accept-Language": "de"})
    assert page.headers["Content-Language"] == "en"  # German is not offered
    assert "?lang=de" not in page.get_data(as_text=True)
    svg = client.get("/viz/districts.svg").get_data(as_text=True)
    # tile (column, row) -> x = 16 + column * 178, y = 70 + row * 104 (graph.svg.districts_svg)
    assert re.search(r'<rect x="372" y="70"[^>]*><title>Example city', svg)
    assert re.search(r'<rect x="16" y="174"[^>]*><title>Example district North', svg)


def test_the_docs_for_adopters_are_pages_of_the_site(example_client):
    model = example_client.get("/model?lang=en").get_data(as_text=True)
    assert 'href="/docs/adopters.md"' in model and 'src="/docs/model-diagram.svg"' in model
    guide = example_client.get("/docs/adopters.md?lang=en")
    assert guide.status_code == 200 and guide.mimetype == "text/html"
    text = guide.get_data(as_text=True)
    assert "Adopting the platform for another region" in text
    assert '<img alt="Classes and object properties of the regio ontology" src="model-diagram.svg"' in text
    assert 'href="sheets.md"' in text and 'href="publishing.md"' in text  # served side by side
    assert 'href="stores.md"' in text
    for name in ("sheets.md", "publishing.md", "model.md", "stores.md"):
        assert example_client.get(f"/docs/{name}").status_code == 200, name
    diagram = example_client.get("/docs/model-diagram.svg")
    assert diagram.status_code == 200 and diagram.mimetype == "image/svg+xml"
    assert b">ActionPlan</text>" in diagram.data
    stores = example_client.get("/docs/stores.md?lang=en").get_data(as_text=True)
    assert "Moving to a larger SPARQL store" in stores and "rdf_loader_run" in stores
    for bad in ("/docs/nothing.md", "/docs/..%2Fpyproject.toml", "/docs/README.md"):
        assert example_client.get(bad).status_code == 404, bad


def test_the_guide_to_writes_is_a_page_of_the_site(example_client):
    guide = example_client.get("/docs/writes.md?lang=en")
    assert guide.status_code == 200 and guide.mimetype == "text/html"
    text = guide.get_data(as_text=True)
    assert "Writes: how the store changes" in text and "LOAD_BATCH" in text
