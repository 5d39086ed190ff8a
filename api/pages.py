"""Linked-data pages: dereferencing, HTML pages (issue 5). A placeholder home page for now."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages", __name__)

HOME = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OWL 4.0 knowledge graph</title></head>
<body><h1>OWL 4.0 knowledge graph</h1>
<p>The regional innovation action plan OWL 4.0 as linked open data.</p>
<p><a href="/sparql">SPARQL endpoint</a> · <a href="/health">health</a></p></body></html>
"""


@bp.get("/")
def home() -> tuple[str, int, dict[str, str]]:
    return HOME, 200, {"Content-Type": "text/html; charset=utf-8"}
