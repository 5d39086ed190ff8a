"""Shared fixtures: settings with a temporary store, the real OWL 4.0 build, a loaded store.

The suite runs against the repository's first instance, instances/owl40/ (its owl40.toml):
settings name it (``INSTANCE_DIR``), and OWL40_INSTANCE_DIR names it for the apps and servers
the tests start. A test of another instance names that one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from api.config import PROJECT_DIR, load_settings
from graph.build import BuildResult, build_owl40

BASE = "https://w3id.org/owl40/"
DATA_DIR = PROJECT_DIR / "instances" / "owl40" / "data"
#: The OWL 4.0 instance directory (settings, data, region questions).
OWL40_INSTANCE = str(PROJECT_DIR / "instances" / "owl40")
os.environ.setdefault("OWL40_INSTANCE_DIR", OWL40_INSTANCE)


@pytest.fixture
def settings(tmp_path: Path) -> dict:
    """Settings of the OWL 4.0 instance, with a fresh on-disk store under tmp_path."""
    return load_settings({"INSTANCE_DIR": OWL40_INSTANCE, "STORE": str(tmp_path / "store"),
                          "DUMPS_DIR": str(tmp_path / "dumps"),
                          "CACHE_DIR": str(tmp_path / "cache")}, environ={})


@pytest.fixture(scope="session")
def owl40_build() -> BuildResult:
    """The real OWL 4.0 dataset, built once per test session."""
    return build_owl40(DATA_DIR, BASE)


@pytest.fixture(scope="session")
def memory_store(owl40_build: BuildResult):
    """An in-memory pyoxigraph store with the OWL 4.0 data, ontology and code lists, and the
    materialised union as default graph — the same layout `owl40 load` writes to disk."""
    from pyoxigraph import NamedNode, Quad, RdfFormat, Store, parse

    from graph.build import default_graph_quads

    store = Store()
    quads = list(owl40_build.quads)
    for name, graph in (("regio.ttl", "https://w3id.org/regio-kg/ontology"),
                        ("codelists.ttl", "https://w3id.org/regio-kg/code")):
        path = PROJECT_DIR / "ontology" / name
        if path.exists():
            quads += [Quad(t.subject, t.predicate, t.object, NamedNode(graph))
                      for t in parse(path=str(path), format=RdfFormat.TURTLE)]
    store.extend(quads + default_graph_quads(quads))
    return store


from tests.servers import oxigraph_server  # noqa: E402,F401  (session fixture: live Oxigraph server)
from tests.virtuoso import virtuoso_server  # noqa: E402,F401  (session fixture: live Virtuoso 7)
from tests.wheelkit import wheel  # noqa: E402,F401  (session fixture: the built wheel)
