"""The package as a user gets it (issue 13 §1): the wheel built from a copy of the checkout,
installed into a fresh virtual environment in a temporary directory, and run from another
directory: ``owl40 load`` in a copy of the OWL 4.0 instance (instances/owl40/, with its fact
sheet) builds it into that directory, ``owl40 serve`` answers the home page, a resource page,
the query UI and endpoint, the ontology. The wheel holds no instance's data.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from api.config import PROJECT_DIR
from graph.resources import SHIPPED, SHIPPED_DOCS
from tests.servers import free_port
from tests.wheelkit import clean_env, run

pytestmark = [pytest.mark.live, pytest.mark.slow]

BASE = "https://w3id.org/owl40/"


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel and its dependencies (from the package index); its bin/."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    run([sys.executable, "-m", "venv", str(venv)], cwd=venv.parent)
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], cwd=venv.parent)
    return venv / "bin"


@pytest.fixture(scope="module")
def instance(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the OWL 4.0 instance (not the checkout) where ``owl40 load`` has run."""
    root = tmp_path_factory.mktemp("instances")
    directory = shutil.copytree(PROJECT_DIR / "instances" / "owl40", root / "instances" / "owl40",
                                ignore=shutil.ignore_patterns("var"))
    directory = Path(directory)
    done = run([str(installed / "owl40"), "load"], cwd=directory)
    assert "loaded" in done.stderr
    return directory


@pytest.fixture(scope="module")
def served(installed: Path, instance: Path) -> Iterator[str]:
    """``owl40 serve`` from the instance directory on a free port; its base URL."""
    port = free_port()
    log = open(instance / "serve.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([str(installed / "owl40"), "serve", "--port", str(port)],
                            cwd=instance, env=clean_env(), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(url + "/health", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # still starting
                pass
            assert proc.poll() is None, (instance / "serve.log").read_text()
            assert time.monotonic() < deadline, "owl40 serve did not come up within 60 s"
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(20)
        log.close()


def _tracked(*directories: str) -> set[str]:
    """Files of the checkout under ``directories`` (without caches)."""
    out = set()
    for name in directories:
        for path in (PROJECT_DIR / name).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                out.add(path.relative_to(PROJECT_DIR).as_posix())
    return out


def test_the_wheel_holds_the_code_templates_static_files_and_shipped_directories(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(_tracked("graph", "api") - names)
    assert missing == [], f"not in the wheel (add the package or its data to pyproject.toml): {missing}"
    for name, checkout in SHIPPED.items():
        expected = {f"graph/share/{name}/{Path(p).relative_to(checkout).as_posix()}"
                    for p in _tracked(checkout)}
        assert expected and expected <= names, sorted(expected - names)
    assert {"api/yasgui/package.json", "api/yasgui/build/yasgui.min.js"} <= names
    assert {f"graph/share/docs/{name}" for name in SHIPPED_DOCS} <= names


def test_the_installed_package_finds_its_files_in_site_packages(installed: Path, tmp_path: Path):
    code = ("import graph, api.ui, json; from api.config import load_settings; "
            "s = load_settings(environ={}); "
            "print(json.dumps([graph.__file__, str(api.ui.YASGUI_DIR), s['ONTOLOGY_DIR'], "
            "s['SHAPES_DIR'], s['QUERIES_DIR'], s['STORE'], s['DATA_DIR']]))")
    done = run([str(installed / "python"), "-c", code], cwd=tmp_path)
    graph_file, yasgui, *shipped, store, data = json.loads(done.stdout)
    assert data == ""  # no instance data in the package
    site = Path(graph_file).parent.parent
    assert "site-packages" in site.parts and PROJECT_DIR not in Path(graph_file).parents
    assert all(Path(p).is_relative_to(site) for p in (yasgui, *shipped))
    assert store == str(tmp_path / "var" / "store")  # the instance's own files: the cwd


def test_owl40_load_writes_into_the_instance_directory(instance: Path):
    assert (instance / "var" / "store" / "current").exists()
    assert (instance / "var" / "dumps" / "manifest.json").is_file()


def test_owl40_serve_answers_pages_sparql_and_ontology(served: str):
    html = {"Accept": "text/html"}
    home = requests.get(served + "/", headers=html, timeout=30)
    assert home.status_code == 200 and "text/html" in home.headers["Content-Type"]
    result = requests.get(served + "/sparql", timeout=30, params={
        "query": "PREFIX regio: <https://w3id.org/regio-kg/ontology#> "
                 "SELECT ?p WHERE { ?p a regio:Project } ORDER BY ?p LIMIT 1"},
                          headers={"Accept": "application/sparql-results+json"})
    assert result.status_code == 200
    project = result.json()["results"]["bindings"][0]["p"]["value"]
    assert project.startswith(BASE + "id/project/")
    page = requests.get(served + "/" + project[len(BASE):], headers=html, timeout=30)
    assert page.status_code == 200 and page.url.startswith(served + "/doc/project/")
    assert "text/html" in page.headers["Content-Type"]
    ui = requests.get(served + "/sparql", headers=html, timeout=30)
    assert ui.status_code == 200 and "/ui/assets/yasgui.min.js" in ui.text
    for asset in ("/ui/assets/yasgui.min.js", "/ui/assets/yasgui.min.css"):
        assert requests.get(served + asset, timeout=30).status_code == 200, asset
    model = requests.get(served + "/model", headers=html, timeout=30)  # docs/model.md, shipped
    assert model.status_code == 200 and "regio:partOfPlan" in model.text
    ontology = requests.get(served + "/ontology", headers=html, timeout=300)
    assert ontology.status_code == 200 and 'id="ActionPlan"' in ontology.text
    turtle = requests.get(served + "/ontology", headers={"Accept": "text/turtle"}, timeout=30)
    assert turtle.status_code == 200 and "ActionPlan" in turtle.text
