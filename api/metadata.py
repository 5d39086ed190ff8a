"""Dataset metadata and files: VoID, DCAT-AP.de catalog, sitemap, dumps, ontology/shapes docs
(issue 5)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("metadata", __name__)
