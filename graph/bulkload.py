"""Streaming loads into a write's private copy: quads go from the parser to pyoxigraph's bulk
loader (``Store.bulk_extend``) as they are read, never as a list.

Each target graph is replaced by what the inputs give it. The target graphs of a quad format
are only known while reading, so a graph is emptied the moment its first quad is read: first
the default graph loses the graph's triples that no other public graph states (one update,
in time proportional to the graph), then the graph is removed; its new quads follow, each
with its copy in the default graph when the graph is public. Quads of another graph still in
the loader's buffer are written after that removal and so are kept. All inputs of one load
go into the same private copy: if any of them fails, nothing is switched.

The bulk loader writes files, not transactions; that is safe here because nobody reads the
copy before the switch. Its memory is bounded by its batch (pyoxigraph: a million quads per
thread, not adjustable from Python; one call for a whole 1M-triple file peaked at ~2 GB on two
cores) whatever the size of the input; with ``batch`` the quads are handed over in calls of
that many (each call writes and ingests its own files into the same private copy), which bounds
memory further. :data:`DEFAULT_BATCH` was chosen by measurement (bench/README.md, "Writes"):
at 1M triples it kept the whole ``owl40 load`` near 0.4 GB (one call: 2 GB), as fast as one
call on busy cores, ~25 % slower on idle ones (the loader's threads overlap less with parsing).
The graphs written are left to be counted and hashed after the switch (graph.stats: pending).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain, islice

import pyoxigraph as ox

from graph.errors import InputError
from graph.writer import PRIVATE_GRAPHS, Write, union_before_clear

#: (graph of the triples given without a graph, the quads of one input)
Source = tuple[str, Iterable[ox.Quad]]

#: Quads per call of the bulk loader (LOAD_BATCH) unless set: bounds a load's memory.
DEFAULT_BATCH = 300_000


def check_batch(batch: int) -> int:
    """``batch`` if it is a valid LOAD_BATCH (0: the whole load in one call), else InputError."""
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 0:
        raise InputError(f"must be 0 (the whole load in one call of the bulk loader) or a "
                         f"positive number of quads, not {batch!r}", source="LOAD_BATCH")
    return batch


def load(write: Write, sources: Iterable[Source], *, batch: int = 0) -> dict[str, int]:
    """Stream ``sources`` into the write's copy, replacing each graph they name; returns the
    number of distinct triples per graph written. ``batch`` > 0 hands the loader that many
    quads per call, 0 everything in one call (more memory: see LOAD_BATCH in the README)."""
    w = write.store
    write.touched = write.bulk = True
    seen: dict[ox.NamedNode, bool] = {}  # graph -> public

    def start(graph: ox.NamedNode) -> bool:
        public = graph.value not in PRIVATE_GRAPHS
        if w.contains_named_graph(graph):
            if public:
                w.update(union_before_clear(graph.value))
            w.remove_graph(graph)
        seen[graph] = public
        return public

    def quads() -> Iterator[ox.Quad]:
        for default, items in sources:
            default_node = ox.NamedNode(default)
            for quad in items:
                graph = quad.graph_name
                if not isinstance(graph, ox.NamedNode):
                    graph = default_node
                    quad = ox.Quad(quad.subject, quad.predicate, quad.object, graph)
                public = seen.get(graph)
                if public is None:
                    public = start(graph)
                yield quad
                if public:
                    yield ox.Quad(quad.subject, quad.predicate, quad.object)

    stream = quads()
    if batch <= 0:
        w.bulk_extend(stream)
    else:
        for first in stream:
            w.bulk_extend(chain((first,), islice(stream, batch - 1)))
    write.stats.mark_pending(g.value for g in seen)
    write.stats.default = None
    return count_graphs(w, [g.value for g in seen])


def count_graphs(store: ox.Store, graphs: list[str]) -> dict[str, int]:
    """Triples per graph, counted by the engine."""
    if not graphs:
        return {}
    values = " ".join(f"<{g}>" for g in graphs)
    counts = {g: 0 for g in graphs}
    for row in store.query(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} "
                           "GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
        counts[row["g"].value] = int(row["n"].value)
    return counts
