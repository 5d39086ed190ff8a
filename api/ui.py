"""The SPARQL query UI (YASGUI) — filled in by the query-UI work (issue 4)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ui", __name__)
