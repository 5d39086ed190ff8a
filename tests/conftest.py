"""Shared fixtures: settings with a temporary store, the real OWL 4.0 build, a loaded store."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.config import PROJECT_DIR, load_settings
from graph.build import BuildResult, build_owl40

BASE = "https://w3id.org/owl40/"
DATA_DIR = PROJECT_DIR / "data" / "owl40"


@pytest.fixture
def settings(tmp_path: Path) -> dict:
    """Settings resolved from defaults only, with a fresh on-disk store under tmp_path."""
    return load_settings({"STORE": str(tmp_path / "store")}, environ={})


@pytest.fixture(scope="session")
def owl40_build() -> BuildResult:
    """The real OWL 4.0 dataset, built once per test session."""
    return build_owl40(DATA_DIR, BASE)
