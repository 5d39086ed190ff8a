"""Statistics of one store version, kept up to date change by change instead of by a pass
over the store: triples and a content digest per named graph, and the figures of the default
graph (the public union) that the release description publishes.

The digest of a graph is the sum, modulo 2**128, of a 128-bit hash of each of its triples
(a multiset hash: adding a triple adds its hash, removing it subtracts it, in any order). A
blank node is hashed as ``_:`` whatever its label, so the same content loaded twice (new
labels) has the same digest without canonicalising blank nodes, which has exponential worst
cases. The price: two graphs that differ only in which blank node carries which statements
have the same digest. The data version (:meth:`Stats.data_version`) hashes the graphs' names,
sizes and digests.

Figures that a write cannot update cheaply are ``None`` ("to be computed"): the graphs a bulk
load wrote (``pending``) and the default-graph figures after a bulk load. :func:`complete`
computes what is missing from the store (in time proportional to the pending graphs, plus
aggregate queries over the default graph when its figures are missing); the release step
does that after the switch, never the writer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from graph.namespaces import RDF
from graph.patterns import matching

MOD = 1 << 128
DEFAULT_GRAPH = ox.DefaultGraph()


def _key(term: Any) -> str:
    return "_:" if isinstance(term, ox.BlankNode) else str(term)


def triple_hash(triple: ox.Triple | ox.Quad) -> int:
    """128-bit hash of a triple (blank nodes unlabelled)."""
    key = f"{_key(triple.subject)} {_key(triple.predicate)} {_key(triple.object)}"
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest(), "big")


@dataclass
class Stats:
    """Per named graph: [triples, digest]; the default graph's figures or None; the named
    graphs whose figures are still to be computed from the store."""

    graphs: dict[str, tuple[int, int]] = field(default_factory=dict)
    pending: set[str] = field(default_factory=set)
    default: dict[str, Any] | None = None
    #: Where these figures were read from (graph.versions: the base file and the graphs
    #: changed since) and the graphs changed since they were read; together they let the
    #: next version's statistics be written as a small delta. Not part of the figures.
    origin: tuple[int, dict[str, Any]] | None = field(default=None, compare=False, repr=False)
    changed: set[str] = field(default_factory=set, compare=False, repr=False)

    @classmethod
    def empty(cls) -> Stats:
        return cls({}, set(), {"triples": 0, "predicates": {}, "classes": {}, "subjects": 0,
                               "objects": 0, "entities": 0})

    def copy(self) -> Stats:
        default = None
        if self.default is not None:
            default = {k: dict(v) if isinstance(v, dict) else v for k, v in self.default.items()}
        return Stats(dict(self.graphs), set(self.pending), default, self.origin,
                     set(self.changed))

    @property
    def complete(self) -> bool:
        return not self.pending and self.default is not None

    @property
    def quads(self) -> int:
        return sum(n for g, (n, _) in self.graphs.items() if g not in self.pending)

    def counts(self) -> dict[str, int]:
        """Triples per non-empty named graph, sorted by name."""
        return {g: v[0] for g, v in sorted(self.graphs.items()) if v[0]}

    def data_version(self) -> str:
        """12 hex digits naming the content of every named graph."""
        digest = hashlib.sha256()
        for g, (n, h) in sorted(self.graphs.items()):
            if n:
                digest.update(f"{g}\t{n}\t{h:032x}\n".encode())
        return digest.hexdigest()[:12]

    def graph_digest(self, graph: str) -> str:
        n, h = self.graphs.get(graph, (0, 0))
        return f"{n}-{h:032x}"

    # -- changes -----------------------------------------------------------------------------
    def add(self, graph: str, triple: ox.Triple | ox.Quad, sign: int = 1) -> None:
        """Count ``triple`` into (sign 1) or out of (sign -1) named graph ``graph``."""
        if graph in self.pending:
            return
        n, h = self.graphs.get(graph, (0, 0))
        self.set(graph, n + sign, (h + sign * triple_hash(triple)) % MOD)

    def set(self, graph: str, triples: int, digest: int) -> None:
        """Set the figures of one graph (none when it has no triples)."""
        self.changed.add(graph)
        self.pending.discard(graph)
        if triples:
            self.graphs[graph] = (triples, digest)
        else:
            self.graphs.pop(graph, None)

    def drop(self, graph: str) -> None:
        self.set(graph, 0, 0)

    def mark_pending(self, graphs: Iterable[str]) -> None:
        for g in graphs:
            self.changed.add(g)
            self.graphs.pop(g, None)
            self.pending.add(g)

    def change_default(self, added: list[ox.Triple], removed: list[ox.Triple],
                       before: ox.Store, after: ox.Store, uri_space: str) -> None:
        """Apply the default graph's change (exact lists of triples added and removed) to its
        figures; ``before``/``after`` answer whether a subject or object occurs at all."""
        fig = self.default
        if fig is None:
            return
        fig["triples"] += len(added) - len(removed)
        for sign, triples in ((1, added), (-1, removed)):
            for t in triples:
                _bump(fig["predicates"], t.predicate.value, sign)
                if t.predicate == RDF.type and isinstance(t.object, ox.NamedNode):
                    _bump(fig["classes"], t.object.value, sign)
        for subject in {t.subject for t in added} | {t.subject for t in removed}:
            was, now = _occurs(before, subject, None), _occurs(after, subject, None)
            if was != now:
                step = 1 if now else -1
                fig["subjects"] += step
                if isinstance(subject, ox.NamedNode) and subject.value.startswith(uri_space):
                    fig["entities"] += step
        for obj in {t.object for t in added} | {t.object for t in removed}:
            was, now = _occurs(before, None, obj), _occurs(after, None, obj)
            if was != now:
                fig["objects"] += 1 if now else -1


def _bump(counts: dict[str, int], key: str, sign: int) -> None:
    value = counts.get(key, 0) + sign
    if value:
        counts[key] = value
    else:
        counts.pop(key, None)


def _occurs(store: ox.Store, subject: Any, obj: Any) -> bool:
    return next(matching(store, subject, None, obj, DEFAULT_GRAPH), None) is not None


def graph_figures(store: ox.Store, graph: str) -> tuple[int, int]:
    """(triples, digest) of one named graph, read from the store."""
    n = h = 0
    for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
        n += 1
        h += triple_hash(quad)
    return n, h % MOD


def _value(row: Any, name: str) -> int:
    return int(row[name].value) if row is not None and row[name] is not None else 0


def default_figures(store: ox.Store, uri_space: str) -> dict[str, Any]:
    """The default graph's figures, by aggregate queries (one pass each, in the engine)."""
    def one(query: str) -> int:
        return _value(next(iter(store.query(query)), None), "n")

    def grouped(query: str) -> dict[str, int]:
        return {row["k"].value: int(row["n"].value) for row in store.query(query)}

    space = uri_space.replace("\\", "\\\\").replace('"', '\\"')
    return {
        "triples": one("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
        "predicates": grouped("SELECT ?k (COUNT(*) AS ?n) WHERE { ?s ?k ?o } GROUP BY ?k"),
        "classes": grouped(f"SELECT ?k (COUNT(*) AS ?n) WHERE {{ ?s <{RDF.type.value}> ?k "
                           "FILTER(isIRI(?k)) } GROUP BY ?k"),
        "subjects": one("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        "objects": one("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
        "entities": one("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
                        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{space}")) }}'),
    }


def from_store(store: ox.Store, uri_space: str) -> Stats:
    """Every figure of a store, computed from scratch (a pass over it)."""
    stats = Stats({}, {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)},
                  None)
    return complete(stats, store, uri_space)


def complete(stats: Stats, store: ox.Store, uri_space: str) -> Stats:
    """``stats`` with the pending graphs and missing default figures computed from ``store``."""
    done = stats.copy()
    for graph in sorted(done.pending):
        done.set(graph, *graph_figures(store, graph))
    done.pending.clear()
    if done.default is None:
        done.default = default_figures(store, uri_space)
    return done
