"""WSGI entry point: ``owl40 serve`` (granian) imports it in every worker; any other WSGI
server can too (``gunicorn -w 4 -b 127.0.0.1:8040 api.wsgi:app``).

Settings come from the environment (OWL40_*), as for the CLI. Every worker builds its own app
and opens the store read-only; each worker owns its query-engine processes, and (embedded
store) opens each new store version ahead of need (graph.store.EmbeddedStore.follow).
"""

from __future__ import annotations

from api.app import STORE_KEY, create_app
from graph.store import EmbeddedStore

app = create_app()
if isinstance(app.extensions[STORE_KEY], EmbeddedStore):
    app.extensions[STORE_KEY].follow()
