"""The Flask application factory (minimal for now: health check and a placeholder home page).

The SPARQL protocol endpoint, linked-data pages and the validation API come in later issues.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify

from api.config import load_settings
from graph.store import Store, open_store

STORE_KEY = "owl40_store"

HOME = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OWL 4.0 knowledge graph</title></head>
<body><h1>OWL 4.0 knowledge graph</h1>
<p>The regional innovation action plan OWL 4.0 as linked open data.
The SPARQL endpoint and the resource pages are on their way.</p>
<p><a href="/health">/health</a></p></body></html>
"""


def create_app(settings: dict[str, Any] | None = None) -> Flask:
    """Build the app: resolve settings (defaults < OWL40_CONFIG < OWL40_* < ``settings``),
    open the store once and keep it in ``app.extensions``."""
    resolved = load_settings(settings)
    app = Flask(__name__)
    app.config.update(resolved)
    app.extensions[STORE_KEY] = open_store(resolved)

    @app.get("/")
    def home() -> tuple[str, int, dict[str, str]]:
        return HOME, 200, {"Content-Type": "text/html; charset=utf-8"}

    @app.get("/health")
    def health() -> Any:
        return jsonify(status="ok", triples=get_store().count())

    return app


def get_store() -> Store:
    """The store of the running app."""
    return current_app.extensions[STORE_KEY]
