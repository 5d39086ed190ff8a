"""HEAD and OPTIONS behave as HTTP says on every route of the app."""

from __future__ import annotations

import re

import pytest

from api.app import create_app
from api.config import load_settings
from graph.store import load_project, open_store

SAMPLE = {"kind": "project", "slug": "smart-country-side", "path": "source/s-nw-2016",
          "list": "role", "code": "lead", "file": "owl40.nq.gz", "name": "yasgui.min.js",
          "filename": "ui.css", "version": "0.1.0", "ext": "ttl", "part": "1", "number": "1"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("methods")
    overrides = {"STORE": str(base / "store"), "DUMPS_DIR": str(base / "dumps"),
                 "CACHE_DIR": str(base / "cache")}
    settings = load_settings(overrides, environ={})
    store = open_store(settings)
    load_project(store, settings)
    store.close()
    app = create_app(overrides)
    yield app, app.test_client()
    app.extensions["owl40_engine"].close()


def _urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        path = rule.rule
        for name in re.findall(r"<(?:[^:>]+:)?([^>]+)>", path):
            path = re.sub(rf"<(?:[^:>]+:)?{name}>", SAMPLE.get(name, "x"), path)
        urls.append(path)
    return sorted(set(urls))


def test_head_mirrors_get_on_every_route(client):
    app, http = client
    urls = _urls(app)
    assert len(urls) > 15
    for url in urls:
        get = http.get(url)
        head = http.head(url)
        assert head.status_code == get.status_code, url
        assert head.data == b"", url
        if get.status_code == 200:
            assert head.headers.get("Content-Type") == get.headers.get("Content-Type"), url
        get.close()
        head.close()


def test_options_lists_the_allowed_methods_on_every_route(client):
    app, http = client
    for url in _urls(app):
        response = http.options(url)
        response.close()
        assert response.status_code == 200, url
        allowed = set(response.headers["Allow"].split(", "))
        assert {"GET", "HEAD", "OPTIONS"} <= allowed, url
