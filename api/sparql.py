"""The SPARQL 1.1 Protocol endpoint (issue 4): /sparql (query) and /sparql/update (curators)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sparql", __name__)
