"""Writes of the embedded store: one new version per write, the default-graph union and the
statistics kept up to date incrementally.

:func:`writing` is the version-level transaction (graph.versions): under the writers' lock it
checkpoints the live version into a new directory, lets the caller change that private copy,
flushes it (compacts it when asked), writes the version's record with the updated statistics
and switches ``current``. Anything raised on the way removes the copy; the live version was
never touched. Since no reader sees the copy before the switch, the changes inside need no
transaction of their own (a failed write is thrown away whole).

:class:`Write` applies the changes. The default graph must stay the union of the public named
graphs (every graph but the private ones). For a change whose triples are known — replacing
or adding graphs, a SPARQL update run as logged steps (graph.updatelog) — only those triples
are checked (:meth:`Write.settle`): each is in the default graph exactly when some public
graph states it after the change. The check compares each triple's graphs in the old version
and in the new one, which also gives the exact changes for the statistics (graph.stats).
Cost: two index look-ups per touched triple, whatever the size of the store.
"""

from __future__ import annotations

import gc
import shutil
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph import compaction
from graph.errors import QuerySyntaxError, StoreError
from graph.namespaces import SHAPES_IRI
from graph.patterns import matching
from graph.stats import MOD, Stats, triple_hash
from graph.updatelog import plan_steps
from graph.updatepolicy import check_syntax
from graph.versions import Versions

#: Graphs kept out of the default-graph union.
PRIVATE_GRAPHS = (SHAPES_IRI,)
DEFAULT = ox.DefaultGraph()


def is_public(graph: Any) -> bool:
    return isinstance(graph, ox.NamedNode) and graph.value not in PRIVATE_GRAPHS \
        and not graph.value.startswith("urn:owl40:write-log:")


def recompute_union(target: str | None = None, system: tuple[str, ...] = ()) -> list[str]:
    """Updates that make the default graph exactly the union of the public named graphs
    (a pass over the whole store: only for updates whose changes cannot be bounded).
    ``target`` names the named graph that holds the union instead of the default graph (a
    remote server whose default graph is a view of all graphs, such as Virtuoso); graphs
    whose IRI starts with one of ``system`` (the server's own) are not part of the union."""
    private = ", ".join(f"<{g}>" for g in (*PRIVATE_GRAPHS, *([target] if target else [])))
    public = f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN ({private}){system_filter('?g', system)})"
    union = f"GRAPH <{target}> {{ ?s ?p ?o }}" if target else "?s ?p ?o"
    return [f"DELETE {{ {union} }} WHERE {{ {union} FILTER NOT EXISTS {{ {public} }} }}",
            f"INSERT {{ {union} }} WHERE {{ {public} }}"]


def system_filter(var: str, system: tuple[str, ...]) -> str:
    """`` && …`` conditions (for a FILTER) that keep ``var`` off graphs starting with a
    prefix of ``system``; '' when there are none."""
    return "".join(f' && !STRSTARTS(STR({var}), "{prefix}")' for prefix in system)


def union_before_clear(graph: str) -> str:
    """The update that removes from the default graph the triples of ``graph`` that no other
    public graph states (run before ``graph`` is emptied; proportional to the graph)."""
    kept_out = ", ".join(f"<{g}>" for g in (graph, *PRIVATE_GRAPHS))
    return (f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER(?h NOT IN ({kept_out})) }} }}")


class Write:
    """The private copy of one write (``store``), the old version (``old``) and the
    statistics being brought up to date."""

    def __init__(self, store: ox.Store, old: ox.Store, stats: Stats, uri_space: str) -> None:
        self.store, self.old, self.stats, self.uri_space = store, old, stats, uri_space
        self.operation = "write"
        self.touched = False  # whether a change was settled already (the copy left ``old``)
        self.bulk = False  # whether the bulk loader wrote into the copy (graph.bulkload)

    # -- the union, triple by triple ---------------------------------------------------------
    def settle(self, candidates: Iterable[ox.Triple],
               exact: Mapping[str, list[int]] | None = None, *,
               content: Mapping[str, set[ox.Triple]] | None = None,
               added: tuple[str, set[ox.Triple]] | None = None) -> None:
        """Make the default graph right for ``candidates`` (every triple the change may have
        touched) and count the change into the statistics. Graphs in ``exact`` get those
        figures instead of a count of their changes.

        When the change is known — ``content``: graphs whose whole new content is given
        (an empty set for a removed graph), ``added``: triples added to one graph — the
        graphs of a triple afterwards follow from its graphs before, and the copy is not
        asked (one index look-up per triple instead of two)."""
        exact = exact or {}
        w, old, stats = self.store, self.old, self.stats
        # (only for the first change of a write: later ones start from a changed copy)
        known = (content is not None or added is not None) and not self.touched
        self.touched = True
        replaced = {ox.NamedNode(g): ts for g, ts in (content or {}).items()}
        grown = (ox.NamedNode(added[0]), added[1]) if added else None
        to_add, to_remove = [], []
        default_added: list[ox.Triple] = []
        default_removed: list[ox.Triple] = []
        for t in candidates:
            s, p, o = t.subject, t.predicate, t.object
            before = {q.graph_name for q in matching(old, s, p, o)}
            if known:  # the copy's named graphs changed only as described
                after = {g for g in before if g not in replaced}
                after.update(g for g, ts in replaced.items() if t in ts)
                if grown is not None and t in grown[1]:
                    after.add(grown[0])
            else:
                after = {q.graph_name for q in matching(w, s, p, o)}
            public = any(is_public(g) for g in after)
            if public and DEFAULT not in after:
                to_add.append(ox.Quad(s, p, o))
                after.add(DEFAULT)
            elif not public and DEFAULT in after:
                to_remove.append(ox.Quad(s, p, o))
                after.discard(DEFAULT)
            for g in before ^ after:
                sign = 1 if g in after else -1
                if isinstance(g, ox.DefaultGraph):
                    (default_added if sign > 0 else default_removed).append(t)
                elif isinstance(g, ox.NamedNode) and g.value not in exact:
                    stats.add(g.value, t, sign)
        if to_add:
            w.extend(to_add)
        for quad in to_remove:
            w.remove(quad)
        for g, figures in exact.items():
            stats.set(g, figures[0], figures[1])
        stats.change_default(default_added, default_removed, old, w, self.uri_space)

    # -- changes -----------------------------------------------------------------------------
    def replace(self, graphs: Mapping[str, Iterable[ox.Triple]], drop: Iterable[str]) -> None:
        """Replace each graph by the given triples and remove the graphs in ``drop``. Blank
        nodes are fresh for this call (shared across its graphs, never merged with those of
        the store), as with SPARQL ``INSERT DATA``."""
        w = self.store
        candidates: set[ox.Triple] = set()
        for g in sorted(set(graphs) | set(drop)):
            node = ox.NamedNode(g)
            source = w if self.touched else self.old  # (the copy's, once it changed)
            if source.contains_named_graph(node):
                candidates.update(q.triple for q in
                                  source.quads_for_pattern(None, None, None, node))
                w.remove_graph(node)
        fresh: dict[ox.BlankNode, ox.BlankNode] = {}
        quads, exact = [], {g: [0, 0] for g in drop}
        content: dict[str, set[ox.Triple]] = {g: set() for g in drop}
        for g, triples in graphs.items():
            node, h = ox.NamedNode(g), 0
            new = content[g] = {_relabel(t, fresh) for t in triples}
            for t in new:
                quads.append(ox.Quad(t.subject, t.predicate, t.object, node))
                h += triple_hash(t)
            candidates |= new
            exact[g] = [len(new), h % MOD]
        if quads:
            w.extend(quads)
        self.settle(candidates, exact, content=content)

    def add(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Add triples to a named graph, keeping what it holds."""
        node = ox.NamedNode(graph)
        fresh: dict[ox.BlankNode, ox.BlankNode] = {}
        unique = {_relabel(t, fresh) for t in triples}
        self.store.extend(ox.Quad(t.subject, t.predicate, t.object, node) for t in unique)
        self.settle(unique, added=(graph, unique))

    def update(self, sparql: str, *, logged: bool = True) -> None:
        """Run a SPARQL update as logged steps and settle the triples they touched; an update
        whose changes cannot be bounded (or ``logged=False``) is run as it is, followed by a
        recomputation of the whole union, and leaves every statistic to be recomputed."""
        plan = plan_steps(sparql) if logged else None
        if plan is not None and not all(parses(step) for step in plan.steps):
            plan = None  # a rewriting this module did not foresee: run the update as it is
        w = self.store
        if plan is None:
            self.touched = True
            w.update(" ;\n".join([sparql, *recompute_union()]))
            self.stats.mark_pending({g.value for g in w.named_graphs()
                                     if isinstance(g, ox.NamedNode)} | set(self.stats.graphs))
            self.stats.default = None
            return
        log = ox.NamedNode(plan.log)
        candidates: set[ox.Triple] = set()
        for step in plan.steps:
            w.update(step)
            candidates.update(q.triple for q in w.quads_for_pattern(None, None, None, log))
            w.remove_graph(log)
        self.settle(candidates)

    def fill_empty(self) -> None:
        """After a version was filled from nothing: every figure is to be computed."""
        self.stats = Stats({}, {g.value for g in self.store.named_graphs()
                                if isinstance(g, ox.NamedNode)}, None)


def parses(update: str) -> bool:
    """Whether ``update`` is valid SPARQL (parsed only: nothing runs, nothing is fetched)."""
    try:
        check_syntax(update)
    except QuerySyntaxError:
        return False
    return True


def _relabel(t: ox.Triple | ox.Quad, fresh: dict[ox.BlankNode, ox.BlankNode]) -> ox.Triple:
    s, o = t.subject, t.object
    if isinstance(s, ox.BlankNode):
        s = fresh.setdefault(s, ox.BlankNode())
    if isinstance(o, ox.BlankNode):
        o = fresh.setdefault(o, ox.BlankNode())
    return ox.Triple(s, t.predicate, o)


#: (versions directory, version number) -> the statistics this process last wrote there.
_LAST_WRITTEN: dict[tuple[str, int], Stats] = {}


def base_stats(versions: Versions, old: ox.Store) -> Stats:
    """The live version's statistics from its record (or from this process's memory, when
    it wrote that version itself); a store written before records existed gets every figure
    marked as to be computed."""
    number = versions.live_number()
    cached = _LAST_WRITTEN.pop((str(versions.dir), number), None)
    if cached is not None:  # taken, not copied: a failed write must not leave it changed
        return cached
    stats = versions.read_stats(number)
    if stats is None:
        stats = Stats({}, {g.value for g in old.named_graphs()
                           if isinstance(g, ox.NamedNode)}, None)
    return stats


#: Seconds a failed bulk load's copy is watched after its removal (see _remove_copy).
BULK_SETTLE = 0.5


def _remove_copy(target: Path, *, settle: float) -> None:
    """Remove a failed write's copy. After a bulk load that failed mid-way, RocksDB's
    background work on the dropped copy (compactions of the files the loader ingested) can
    still write a file or two into the directory right after it was removed (seen in
    tests/test_write_safety.py with a batched load): for ``settle`` seconds the directory is
    removed again whenever it reappears, so that no orphan stays on disk."""
    shutil.rmtree(target, ignore_errors=True)
    deadline = time.monotonic() + settle
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)


@contextmanager
def writing(versions: Versions, operation: str, *, uri_space: str, compact: bool = False,
            empty: bool = False, compact_after: int = 0,
            open_version: Callable[[str], ox.Store] = ox.Store.read_only) -> Iterator[Write]:
    """One write as a new version (see the module docstring); ``open_version`` opens the
    live version read-only (e.g. a view the caller already has open). With
    ``compact_after`` > 0 the versions small writes leave are compacted (graph.compaction):
    in the background once they have that many files more than after their last
    compaction, by the write itself at ``HARD_FACTOR`` times that."""
    clock = time.perf_counter
    ms: dict[str, float] = {}
    started = mark = clock()

    def lap(name: str) -> None:
        nonlocal mark
        now = clock()
        ms[name] = round((now - mark) * 1000, 1)
        mark = now

    with versions.lock():
        lap("lock")
        versions.cleanup(light=True)  # what a killed writer left; the rest after the switch
        target = versions.new_dir()
        live = versions.live_number()
        extra = 0
        try:
            old = open_version(str(versions.live()))
            stats = Stats.empty() if empty else base_stats(versions, old)
            if not empty:
                old.backup(str(target))
            lap("checkpoint")
            write = Write(ox.Store(str(target)), old, stats, uri_space)
            lap("open")
        except OSError as exc:
            shutil.rmtree(target, ignore_errors=True)
            raise StoreError(f"cannot prepare a new store version: {exc}") from None
        write.operation = operation
        try:
            yield write
            lap("change")
            write.store.flush()
            lap("flush")
            base = 0 if empty else compaction.compacted_files(versions, live)
            if compact_after and not compact:
                extra = compaction.sst_files(target) - base
                compact = extra >= compaction.HARD_FACTOR * compact_after
            if compact:
                write.store.optimize()
                lap("compact")
            write.store = None  # type: ignore[assignment]  # the last reference: closes it
            lap("close")
            versions.finish(int(target.name), write.operation, write.stats,
                            compacted_files=compaction.sst_files(target) if compact else base,
                            ms=ms)
            _LAST_WRITTEN.clear()
            _LAST_WRITTEN[(str(versions.dir), int(target.name))] = write.stats
        except BaseException as exc:
            write.store = None  # type: ignore[assignment]
            # The frames of the failed change (e.g. the bulk loader's stream) still hold the
            # copy: drop those references so that it is closed before its directory goes.
            traceback.clear_frames(exc.__traceback__)
            gc.collect()
            _remove_copy(target, settle=BULK_SETTLE if write.bulk else 0.0)
            versions._forget(int(target.name))
            raise
        versions.switch(target)
        lap("record and switch")  # (written into the record before: measured by the bench)
    ms["total"] = round((clock() - started) * 1000, 1)
    # older versions beyond KEEP_VERSIONS go after the answer (removing files takes time)
    versions.cleanup_later()
    if compact_after and not compact and extra >= compact_after:
        compaction.start_in_background(versions, compact_after)
