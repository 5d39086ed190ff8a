"""WSGI entry point: ``owl40 serve`` (granian) imports it in every worker; any other WSGI
server can too (``gunicorn -w 4 -b 127.0.0.1:8040 api.wsgi:app``).

Settings come from the environment (OWL40_*), as for the CLI. Every worker builds its own app
and opens the store read-only; each worker owns its query-engine processes.
"""

from __future__ import annotations

from api.app import create_app

app = create_app()
