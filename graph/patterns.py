"""Exact quad look-ups on pyoxigraph stores.

pyoxigraph 0.5.13's on-disk store (RocksDB) answers ``quads_for_pattern`` with a bound term
whose encoding ends in the byte 0xFF (the integers 255, 511, 65535, ...) with the quads of
the values that follow it too: a look-up of ``"255"^^xsd:integer`` also returns 256, 257, ...
300 (the in-memory store and the SPARQL engine answer right). The writer looked triples up
that way to keep the default-graph union right, so after a counter went from 255 to 256 the
union kept 255 (tests/test_writes.py). Code that looks quads up by bound terms goes through
:func:`matching`, which keeps the exact matches only. (IRIs and long literals are encoded
as 128-bit hashes: a look-up by one of them could only overshoot to a term whose hash shares
all but its last bytes, so scans of a whole named graph stay plain ``quads_for_pattern``.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox


def matching(store: ox.Store, subject: Any = None, predicate: Any = None, obj: Any = None,
             graph: Any = None) -> Iterator[ox.Quad]:
    """The quads of ``store`` that match the pattern exactly (``None``: any term)."""
    for q in store.quads_for_pattern(subject, predicate, obj, graph):
        if ((obj is None or q.object == obj) and (subject is None or q.subject == subject)
                and (predicate is None or q.predicate == predicate)
                and (graph is None or q.graph_name == graph)):
            yield q
