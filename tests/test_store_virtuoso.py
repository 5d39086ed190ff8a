"""Virtuoso 7 as the remote store (issue 13 §5): authenticated updates with the remote-store
credentials (digest auth on /sparql-auth), refusal without them, blank nodes across graphs
refused before anything is written. The store suite runs against Virtuoso in tests/test_store.py,
the app on it in tests/test_remote_app.py."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from api.config import load_settings
from graph.errors import InputError, StoreError
from graph.store import RemoteStore, open_store
from tests.conftest import OWL40_INSTANCE
from tests.virtuoso import VirtuosoServer

pytestmark = pytest.mark.live
G = "https://w3id.org/owl40/graph/test/virtuoso"
UPDATE = f"INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/a> <http://example.org/p> 1, 2 }} }}"


@pytest.fixture
def server(virtuoso_server: VirtuosoServer) -> VirtuosoServer:
    virtuoso_server.clear()
    return virtuoso_server


def test_credentials_from_the_settings_allow_updates(server: VirtuosoServer) -> None:
    store = open_store(load_settings({"INSTANCE_DIR": OWL40_INSTANCE, **server.settings}, environ={}))
    try:
        store._update(UPDATE)
        assert store.count(G) == 2
        assert store.query(f"ASK {{ VALUES ?g {{ <{G}> }} GRAPH ?g {{ <http://example.org/a> ?p 2 }} }}"
                           ).boolean is True
    finally:
        store.close()


def test_without_credentials_the_update_is_refused_and_nothing_written(server: VirtuosoServer) -> None:
    store = RemoteStore(f"{server.url}/sparql", update_url=f"{server.url}/sparql-auth")
    try:
        with pytest.raises(StoreError, match="401"):
            store._update(UPDATE)
        assert store.count(G) == 0
    finally:
        store.close()


def test_a_blank_node_in_two_graphs_is_refused_before_anything_is_written(
        server: VirtuosoServer) -> None:
    store = open_store(load_settings({"INSTANCE_DIR": OWL40_INSTANCE, **server.settings}, environ={}))
    node = ox.BlankNode("shared")
    a, p = ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p")
    try:
        with pytest.raises(InputError, match="used in two graphs"):
            store.replace_graphs({G: [ox.Triple(a, p, node)], G + "/2": [ox.Triple(node, p, a)]})
        assert store.count() == 0
        assert store.replace_graphs({G: [ox.Triple(a, p, node), ox.Triple(node, p, a)]}) == {G: 2}
        shape = store.query(f"SELECT ?b WHERE {{ VALUES ?g {{ <{G}> }} GRAPH ?g {{ <{a.value}> "
                            f"<{p.value}> ?b . ?b <{p.value}> <{a.value}> }} }}")
        assert len(shape.rows) == 1 and isinstance(shape.rows[0]["b"], ox.BlankNode)
    finally:
        store.close()
