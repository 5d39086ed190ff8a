"""The Flask application factory: settings, the store, the query engine, blueprints, errors."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify
from flask_cors import CORS

from api import errors, security
from api.config import load_settings
from graph.engine import QueryEngine
from graph.store import EmbeddedStore, Store, open_store

STORE_KEY = "owl40_store"
ENGINE_KEY = "owl40_engine"
EXPOSED_HEADERS = ["ETag", "Last-Modified", "Results-Truncated", "Results-Row-Cap", "Link",
                   "Content-Location"]


def create_app(settings: dict[str, Any] | None = None) -> Flask:
    """Build the app: resolve settings (defaults < OWL40_CONFIG < OWL40_* < ``settings``),
    open the store once and keep it (and the query engine) in ``app.extensions``."""
    resolved = load_settings(settings)
    app = Flask(__name__)
    app.config.update(resolved)
    app.json.sort_keys = False
    store = open_store(resolved)
    app.extensions[STORE_KEY] = store
    if isinstance(store, EmbeddedStore):
        app.extensions[ENGINE_KEY] = QueryEngine(
            str(store.path), timeout=resolved["QUERY_TIMEOUT"], max_engines=resolved["ENGINES"],
            fast_path_max=resolved["FAST_PATH_MAX"], open_version=store.read_version)
    errors.init_app(app)
    security.init_app(app)
    # Reads are open to every origin (other regions' browser apps), without credentials;
    # the curators' update endpoint is not listed, so browsers cannot call it cross-origin.
    CORS(app, resources={r"^/(?!sparql/update).*": {"origins": "*"}},
         methods=["GET", "HEAD", "POST", "OPTIONS"], supports_credentials=False, send_wildcard=True,
         expose_headers=EXPOSED_HEADERS, max_age=86400)

    from api import metadata, pages, sparql, submissions, ui

    submissions.init_app(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(ui.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(metadata.bp)

    engine = app.extensions.get(ENGINE_KEY)
    if engine is not None:
        from api.fastpath import SparqlFastPath

        # the headers flask-cors adds to every read response, for the fast path's answers
        cors = [("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Expose-Headers", ", ".join(sorted(EXPOSED_HEADERS)))]
        app.wsgi_app = SparqlFastPath(  # type: ignore[method-assign]
            app, engine, str(store.path), cors + list(security.COMMON_HEADERS))

    @app.get("/health")
    def health() -> Any:
        return jsonify(status="ok", triples=get_store().count())

    return app


def get_store() -> Store:
    """The store of the running app."""
    return current_app.extensions[STORE_KEY]


def get_engine() -> QueryEngine | None:
    """The query engine of this worker (None when the store is remote)."""
    return current_app.extensions.get(ENGINE_KEY)
