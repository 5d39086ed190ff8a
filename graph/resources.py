"""Where the files the platform ships are: the ontology and code lists, the SHACL shapes and the
generic example questions.

In a source checkout they are the repository's top-level directories (``ontology/``,
``shapes/``, ``queries/``). In an installed wheel they are package data under
``graph/share/`` (``pyproject.toml`` maps each directory there), found through
:mod:`importlib.resources`, so ``owl40`` works from any directory. An instance's own files
(settings, data, store, dumps) never live here: see ``INSTANCE_DIR`` in ``api/config.py``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

#: name -> path in a source checkout, relative to the repository root. The wheel holds each
#: under ``graph/share/<name>`` (keep pyproject.toml's package-dir table in step).
SHIPPED = {
    "ontology": "ontology",
    "shapes": "shapes",
    "queries": "queries",
}


#: single documents the site serves (``/model``, ``/docs/<name>``), name -> path in a source checkout; the
#: wheel holds each under ``graph/share/docs/`` (pyproject.toml: package graph.share.docs).
SHIPPED_DOCS = {name: f"docs/{name}" for name in (
    "model.md", "model-diagram.svg", "adopters.md", "sheets.md", "publishing.md",
    "linked-data.md", "submissions.md", "stores.md",
    "writes.md")}


def package_root() -> Path:
    """The directory of the installed ``graph`` package."""
    return Path(str(files("graph")))


def resource_dir(name: str) -> Path:
    """The directory of the shipped files ``name`` (a key of :data:`SHIPPED`): the wheel's
    package data when installed, else the source checkout's top-level directory."""
    if name not in SHIPPED:
        raise KeyError(f"no shipped resource {name!r} (known: {', '.join(SHIPPED)})")
    installed = package_root() / "share" / name
    if installed.is_dir():
        return installed
    return package_root().parent / SHIPPED[name]


def doc_file(name: str) -> Path:
    """The shipped document ``name`` (a key of :data:`SHIPPED_DOCS`): the wheel's copy when
    installed, else the source checkout's."""
    if name not in SHIPPED_DOCS:
        raise KeyError(f"no shipped document {name!r} (known: {', '.join(SHIPPED_DOCS)})")
    installed = package_root() / "share" / "docs" / name
    if installed.is_file():
        return installed
    return package_root().parent / SHIPPED_DOCS[name]
