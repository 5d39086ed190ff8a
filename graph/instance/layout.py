"""Where an instance's files are, and the named graphs its background files are loaded into.

The core ontology, code lists and shapes come from ``ONTOLOGY_DIR`` and ``SHAPES_DIR`` (the
packaged ones unless a setting names others) and are reused unchanged. A region's own
extensions live in its instance directory, ``EXTENSIONS_DIR/ontology/*.ttl`` (an ontology that
``owl:imports`` the core one, and more code-list concepts) and ``EXTENSIONS_DIR/shapes/*.ttl``
(more shapes); validation always uses the core shapes and the extensions together.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graph.namespaces import ONTOLOGY_IRI, SHAPES_IRI

CODELISTS_GRAPH = "https://w3id.org/regio-kg/code"
CODELISTS_FILE = "codelists.ttl"
#: Graph of the region's ontology extension, under the instance's base IRI.
EXTENSION_GRAPH = "graph/extension"

Settings = Mapping[str, Any]


def _ttl(directory: str | Path | None) -> list[Path]:
    if not directory or not Path(directory).is_dir():
        return []
    return sorted(Path(directory).glob("*.ttl"))


def extensions_dir(settings: Settings) -> Path | None:
    """The region's extensions directory, when it exists."""
    value = settings.get("EXTENSIONS_DIR")
    return Path(value) if value and Path(value).is_dir() else None


def core_ontology_files(settings: Settings) -> list[Path]:
    """The core ontology files (without the code lists)."""
    return [p for p in _ttl(settings["ONTOLOGY_DIR"]) if p.name != CODELISTS_FILE]


def codelist_files(settings: Settings) -> list[Path]:
    path = Path(settings["ONTOLOGY_DIR"]) / CODELISTS_FILE
    return [path] if path.is_file() else []


def extension_ontology_files(settings: Settings) -> list[Path]:
    ext = extensions_dir(settings)
    return _ttl(ext / "ontology") if ext else []


def ontology_files(settings: Settings) -> list[Path]:
    """Everything the data is validated and reasoned with: core ontology, code lists and the
    region's ontology extension."""
    return core_ontology_files(settings) + codelist_files(settings) + extension_ontology_files(settings)


def shape_files(settings: Settings) -> list[Path]:
    """The core shapes and the region's extension shapes."""
    ext = extensions_dir(settings)
    files = _ttl(settings["SHAPES_DIR"]) + (_ttl(ext / "shapes") if ext else [])
    if not files:
        raise FileNotFoundError(f"no *.ttl shapes in {settings['SHAPES_DIR']}")
    return files


def query_dirs(settings: Settings) -> list[Path]:
    """The generic example questions, then the region's own (a region's file overrides a
    generic one of the same name)."""
    return [Path(d) for d in (settings.get("QUERIES_DIR"), settings.get("REGION_QUERIES_DIR"))
            if d and Path(d).is_dir()]


def sheets_dir(settings: Settings) -> Path | None:
    """The instance's sheets directory, when it exists."""
    value = settings.get("SHEETS_DIR")
    return Path(value) if value and Path(value).is_dir() else None


def data_dir(settings: Settings) -> Path | None:
    """The fact-sheet directory (``DATA_DIR``), when set."""
    value = settings.get("DATA_DIR")
    return Path(value) if value else None


def background_graphs(settings: Settings) -> dict[str, list[Path]]:
    """Named graph -> files for the background an instance always loads: the core ontology,
    the code lists, the shapes (core and extension, one private graph) and the region's
    ontology extension (a graph of its own under the base IRI)."""
    graphs = {ONTOLOGY_IRI: core_ontology_files(settings),
              CODELISTS_GRAPH: codelist_files(settings),
              SHAPES_IRI: shape_files(settings)}
    extension = extension_ontology_files(settings)
    if extension:
        graphs[settings["BASE_IRI"] + EXTENSION_GRAPH] = extension
    return graphs
