"""A fresh on-disk store loaded with the whole project, for tests that start the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api.config import load_settings
from graph.store import load_project, open_store
from tests.conftest import OWL40_INSTANCE


def loaded_settings(directory: Path, **overrides: Any) -> dict[str, Any]:
    """Settings of a fresh store under ``directory`` (dumps and caches there too), loaded with
    ontology, code lists, shapes, examples and the OWL 4.0 data; ``overrides`` win."""
    settings = load_settings({"INSTANCE_DIR": OWL40_INSTANCE, "STORE": str(directory / "store"),
                              "DUMPS_DIR": str(directory / "dumps"),
                              "CACHE_DIR": str(directory / "cache"), **overrides}, environ={})
    store = open_store(settings)
    try:
        load_project(store, settings)
    finally:
        store.close()
    return settings
