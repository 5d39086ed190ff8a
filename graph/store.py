"""The triple store behind one small interface: embedded Oxigraph or any SPARQL 1.1 server.

Layout: every statement lives in a named graph (ontology, code lists, shapes, the instance's
provenance graphs, user files). The default graph is the materialised union of the public
named graphs (all but the shapes graph), each triple once, so a query without GRAPH sees
each statement once however many sources state it (a union-default-graph view would repeat
it per graph). Every write keeps that union up to date: the embedded store from the triples
the write touched (graph.writer), the remote store with `union_updates`.

Writes replace whole named graphs. Bad input never half-writes: the embedded store writes a
private new version and switches to it only when the write is complete (files stream into
it); the remote store gets everything parsed and built before it is touched, and how atomic
a replacement is there depends on the server (see `RemoteStore._replace`).
`count()`, `graph_names()` and `quads()` cover the named graphs only.
"""

from __future__ import annotations

import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import requests

from graph import bulkload
from graph.errors import InputError, QuerySyntaxError, StoreError
from graph.inputlimits import InputLimits
from graph.instance.layout import CODELISTS_GRAPH as CODELISTS_GRAPH  # re-exported
from graph.namespaces import PREFIXES
from graph.rdfio import FORMAT_NAMES, Progress, parse_file, read_quads
from graph.sparql import QueryResult, locate_syntax_error, query_syntax_error
from graph.stats import Stats
from graph.updatepolicy import check_syntax
from graph.versions import DEFAULT_KEEP, Versions
from graph.writer import (
    PRIVATE_GRAPHS,
    Write,
    _relabel,
    recompute_union,
    system_filter,
    writing,
)

if TYPE_CHECKING:
    from graph.guard import Inspection

DEFAULT_BASE_IRI = "http://127.0.0.1:8040/"
DUMP_FORMATS = ("nquads", "trig", "turtle", "jsonld", "ntriples")
#: Above this many new triples an embedded replacement goes through the bulk loader.
BULK_LIMIT = 50_000
_CHUNK = 10_000

Triples = Iterable[ox.Triple | ox.Quad]


#: Scratch graph of the remote union bookkeeping (exists only during a replacement).
SCRATCH_GRAPH = "urn:owl40:union-scratch"


def union_updates(changed: Iterable[str], target: str | None = None,
                  system: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """SPARQL updates that keep the default-graph union right while ``changed`` graphs are
    rewritten, in time proportional to those graphs rather than to the store.

    ``before`` (run while the old content is still there) notes the changed graphs' triples
    in a scratch graph and removes them from the default graph; ``after`` (run once the new
    content is written) adds the new triples, and those noted that another public graph
    still states (one look-up per noted triple: a ``FILTER NOT EXISTS`` over ``GRAPH ?h``
    took Virtuoso minutes for the 10,000 triples of a real instance). Both are empty when
    only private graphs change. ``target`` names the named graph that holds the union instead
    of the default graph; graphs starting with a prefix of ``system`` (the server's own) are
    not public graphs.
    """
    public = sorted(set(changed) - set(PRIVATE_GRAPHS) - {target, SCRATCH_GRAPH})
    if not public:
        return [], []
    values = f"VALUES ?g {{ {' '.join(f'<{g}>' for g in public)} }}"
    kept_out = ", ".join(f"<{g}>" for g in (*public, *PRIVATE_GRAPHS, SCRATCH_GRAPH,
                                            *([target] if target else [])))
    union = f"GRAPH <{target}> {{ ?s ?p ?o }}" if target else "?s ?p ?o"
    scratch = f"GRAPH <{SCRATCH_GRAPH}> {{ ?s ?p ?o }}"
    before = [f"DROP SILENT GRAPH <{SCRATCH_GRAPH}>",
              f"INSERT {{ {scratch} }} WHERE {{ {values} GRAPH ?g {{ ?s ?p ?o }} }}",
              f"DELETE {{ {union} }} WHERE {{ {scratch} }}"]
    after = [f"INSERT {{ {union} }} WHERE {{ {values} GRAPH ?g {{ ?s ?p ?o }} }}",
             f"INSERT {{ {union} }} WHERE {{ {scratch} GRAPH ?h {{ ?s ?p ?o }} "
             f"FILTER(?h NOT IN ({kept_out}){system_filter('?h', system)}) }}",
             f"DROP SILENT GRAPH <{SCRATCH_GRAPH}>"]
    return before, after


@dataclass
class LoadReport:
    """What a load wrote: distinct triples per graph, total, removed graphs, seconds."""

    graphs: dict[str, int] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)  # what the data's validation warns about

    @property
    def total(self) -> int:
        return sum(self.graphs.values())


def check_graph_iri(iri: str) -> str:
    """``iri`` if it is an absolute IRI (safe to write as ``<iri>`` in SPARQL), else InputError."""
    try:
        ox.NamedNode(iri)
    except ValueError as exc:
        raise InputError(f"not a valid graph IRI <{iri}>: {exc}", source="graph") from None
    return iri


def _triple_set(triples: Triples) -> set[ox.Triple]:
    return {t.triple if isinstance(t, ox.Quad) else t for t in triples}


def ntriples_body(triples: Iterable[ox.Triple]) -> str:
    """Triples as N-Triples lines, which is also valid inside SPARQL ``INSERT DATA``."""
    return "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples)


class Store(ABC):
    """Common interface of the embedded and the remote store."""

    base_iri: str = DEFAULT_BASE_IRI
    #: The named graph holding the default-graph union (a remote store whose default graph
    #: is a view of all graphs), or None: the store's own default graph holds it.
    union_graph: str | None = None
    #: IRI prefixes of graphs the server keeps for itself (left out of lists, counts, dumps).
    system_graphs: tuple[str, ...] = ()

    @abstractmethod
    def query(self, sparql: str) -> QueryResult:
        """Run a SPARQL query; its default graph is the union of the public graphs."""

    @abstractmethod
    def _replace(self, graphs: dict[str, set[ox.Triple]], drop: set[str]) -> None:
        """Drop ``drop`` and every graph in ``graphs``, then write ``graphs``."""

    @abstractmethod
    def _add(self, graph_iri: str, triples: set[ox.Triple]) -> None:
        """Add ``triples`` to ``graph_iri`` without removing anything."""

    def replace_graphs(self, quads_by_graph: Mapping[str, Triples], *,
                       drop: Iterable[str] = ()) -> dict[str, int]:
        """Replace each graph by the given triples (graph names of quads are ignored) and
        remove the graphs in ``drop``. Idempotent: a reload replaces, never duplicates.
        Returns the number of distinct triples written per graph. Blank nodes are local to
        one call (SPARQL ``INSERT DATA`` semantics): shared across its graphs, never merged
        with blank nodes already in the store."""
        graphs = {check_graph_iri(g): _triple_set(ts) for g, ts in quads_by_graph.items()}
        self._replace(graphs, {check_graph_iri(g) for g in drop} - set(graphs))
        return {g: len(ts) for g, ts in graphs.items()}

    def update(self, sparql: str) -> int | None:
        """Run a SPARQL update on the named graphs, then recompute the default graph as the
        union of the public named graphs (writes to the default graph itself do not last).
        Returns the size of the default graph afterwards."""
        self._update(" ;\n".join([sparql, *recompute_union(self.union_graph, self.system_graphs)]))
        return self.count_default()

    def count_default(self) -> int:
        rows = self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
        return int(rows[0]["n"].value) if rows else 0

    def add_graph(self, graph_iri: str, triples: Triples) -> int:
        """Add triples to a named graph, keeping what it holds; returns how many were given."""
        unique = _triple_set(triples)
        if unique:
            self._add(check_graph_iri(graph_iri), unique)
        return len(unique)

    def graph_names(self) -> list[str]:
        """IRIs of the non-empty named graphs, sorted."""
        # GROUP BY, not DISTINCT: Virtuoso 7 did not answer the DISTINCT form within minutes
        # on a store of 2,500 graphs, and answers this one in milliseconds
        result = self.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return sorted(row["g"].value for row in result.rows
                      if isinstance(row.get("g"), ox.NamedNode) and self.is_own(row["g"].value))

    def is_own(self, graph: str) -> bool:
        """Whether ``graph`` is one of the project's named graphs (not the union graph of a
        remote store, nor one the server keeps for itself)."""
        return graph not in (self.union_graph, SCRATCH_GRAPH) and not graph.startswith(self.system_graphs)

    def has_data_outside(self, graphs: Iterable[str]) -> bool:
        """Whether a named graph other than ``graphs`` holds a triple (of the graphs
        :meth:`graph_names` lists: a remote store's own and system graphs do not count)."""
        skip = set(graphs)
        return any(g not in skip for g in self.graph_names())

    def count(self, graph: str | None = None) -> int:
        """Number of triples in ``graph``, or of quads in all named graphs."""
        # VALUES rather than GRAPH <iri>: Virtuoso, given a default graph, finds no named
        # graph named by a constant (while GRAPH ?g ranges over all of them)
        target = f"VALUES ?g {{ <{check_graph_iri(graph)}> }} GRAPH ?g" if graph else "GRAPH ?g"
        unless = ""
        if not graph and (self.union_graph or self.system_graphs):
            union = f"?g != <{self.union_graph}>" if self.union_graph else "true"
            unless = f" FILTER({union}{system_filter('?g', self.system_graphs)})"
        result = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {target} {{ ?s ?p ?o }}"
                            f"{unless} }}")
        return int(result.rows[0]["n"].value)

    @abstractmethod
    def quads(self) -> list[ox.Quad]:
        """Every quad of the named graphs."""

    def dump(self, fmt: str = "nquads") -> Iterator[bytes]:
        """Serialise the store, sorted: N-Quads/TriG give every named graph; Turtle,
        N-Triples and JSON-LD the default graph (the union of the public graphs)."""
        if fmt not in DUMP_FORMATS:
            raise InputError(f"unknown export format {fmt!r} (use {', '.join(DUMP_FORMATS)})")
        rdf_format = FORMAT_NAMES[fmt]
        if fmt in ("nquads", "trig"):
            items: list[Any] = self.quads()
        else:
            items = self.query("CONSTRUCT WHERE { ?s ?p ?o }").triples
        items.sort(key=str)
        if rdf_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.N_TRIPLES):
            for start in range(0, len(items), _CHUNK):
                yield ox.serialize(items[start:start + _CHUNK], format=rdf_format)
            return
        data = ox.serialize(items, format=rdf_format, prefixes=PREFIXES)
        for start in range(0, len(data), 1 << 20):
            yield data[start:start + (1 << 20)]

    @abstractmethod
    def close(self) -> None:
        """Release the store (the embedded store's directory lock, the HTTP session)."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EmbeddedStore(Store):
    """A persistent pyoxigraph (RocksDB) store in a directory of versions, created when missing.

    Versions (graph.versions): ``<path>/versions/<n>/`` holds one RocksDB store per version,
    ``<path>/current`` names the live one. Readers (this object, the web workers' query
    engines) open the live version read-only, so any number of processes can read at once.
    A write (graph.writer) never touches the live version: it checkpoints it (hard links,
    milliseconds), changes the copy, and swings ``current`` atomically; readers see the old or
    the new version, never a half-written one, and a failed or killed write leaves the live
    version as it was. The default-graph union and the statistics are updated from the
    triples a write touched, not by a pass over the store. Loads stream into the bulk loader
    (graph.bulkload). The last ``keep`` versions stay and can be restored.
    """

    def __init__(self, path: str | Path, *, base_iri: str = DEFAULT_BASE_IRI,
                 keep: int = DEFAULT_KEEP, load_batch: int = bulkload.DEFAULT_BATCH,
                 compact_after: int = 0) -> None:
        self.path = Path(path)
        self.base_iri = base_iri
        self.load_batch = bulkload.check_batch(load_batch)
        self.compact_after = compact_after
        self.versions = Versions(self.path, keep=keep)
        # (version directory, read-only view): one attribute, so that a thread never pairs
        # one version's name with another's view
        self._view: tuple[str, ox.Store] | None = None
        self._opening = threading.Lock()
        self._closed = False
        try:
            self.versions.ensure()
        except OSError as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from None

    # -- versions ----------------------------------------------------------------------
    @property
    def current_version(self) -> str:
        """Directory of the live version (the target of ``current``)."""
        return str(self.versions.live())

    @contextmanager
    def _writing(self, operation: str, *, compact: bool = False,
                 empty: bool = False) -> Iterator[Write]:
        """One write as a new version (graph.writer.writing); engine errors become
        StoreError, syntax errors QuerySyntaxError."""
        try:
            with writing(self.versions, operation, uri_space=self.base_iri + "id/",
                         compact=compact, empty=empty, compact_after=self.compact_after,
                         open_version=self.read_version) as write:
                yield write
        except SyntaxError as exc:
            raise query_syntax_error(str(exc)) from None
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"write failed: {exc}") from None

    def write_version(self, fill: Callable[[ox.Store], None]) -> str:
        """Build a whole new version from nothing: ``fill`` gets the writer (pyoxigraph's
        non-transactional ``bulk_load`` is safe there: no reader sees the version before the
        switch). The version is compacted and goes live atomically; returns its directory.
        The default graph is taken as ``fill`` leaves it."""
        with self._writing("new version", empty=True, compact=True) as write:
            fill(write.store)
            write.fill_empty()
        return self.current_version

    def stats(self) -> Stats | None:
        """The live version's statistics (graph.stats), as recorded by its write."""
        return self.versions.read_stats(self.versions.live_number())

    @property
    def store(self) -> ox.Store:
        """A read-only view of the live version."""
        if self._closed:
            raise StoreError("the store is closed")
        return self.read_version(self.current_version)

    def read_version(self, target: str) -> ox.Store:
        """A read-only view of the version in directory ``target``, shared with ``store``
        (one RocksDB instance per process: each holds its own caches and index blocks)."""
        view = self._view
        if view is not None and view[0] == target:
            return view[1]
        with self._opening:  # threads asking for the same version share one open
            view = self._view
            if view is None or view[0] != target:
                view = (target, ox.Store.read_only(target))
                self._view = view
        return view[1]

    def query(self, sparql: str) -> QueryResult:
        try:
            return QueryResult.from_oxigraph(self.store.query(sparql))
        except SyntaxError as exc:
            raise query_syntax_error(str(exc)) from None
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"query failed: {exc}") from None

    def update(self, sparql: str) -> int | None:
        """Run a SPARQL update on the named graphs as one new version; the default graph
        stays the union of the public named graphs (writes to it do not last). Returns the
        size of the default graph afterwards, None while the version's statistics are still
        to be computed (after a bulk load, before its release: counting would be a pass over
        the store)."""
        stats = self._update(sparql)
        return int(stats.default["triples"]) if stats.default is not None else None

    def _update(self, sparql: str) -> Stats:
        check_syntax(sparql)  # QuerySyntaxError with the position, before any copy is made
        with self._writing("SPARQL update") as write:
            write.update(sparql)
        return write.stats

    def _replace(self, graphs: dict[str, set[ox.Triple]], drop: set[str]) -> None:
        """One new version with the graphs replaced; above ``BULK_LIMIT`` triples the new
        content goes through the bulk loader and the version is compacted."""
        total = sum(map(len, graphs.values()))
        operation = f"replace {len(graphs)} graphs" + (f", drop {len(drop)}" if drop else "")
        with self._writing(operation, compact=total > BULK_LIMIT) as write:
            if total <= BULK_LIMIT:
                write.replace(graphs, drop)
                return
            write.replace({g: [] for g, ts in graphs.items() if not ts}, drop)
            fresh: dict[ox.BlankNode, ox.BlankNode] = {}

            def quads(graph: str, triples: set[ox.Triple]) -> Iterator[ox.Quad]:
                node = ox.NamedNode(graph)
                for t in triples:
                    yield ox.Quad(*_relabel(t, fresh), node)

            bulkload.load(write, [(g, quads(g, ts)) for g, ts in graphs.items() if ts],
                          batch=self.load_batch)

    def _add(self, graph_iri: str, triples: set[ox.Triple]) -> None:
        with self._writing(f"add to <{graph_iri}>") as write:
            write.add(graph_iri, triples)

    def load_stream(self, sources: Iterable[bulkload.Source], operation: str) -> dict[str, int]:
        """Stream every source into one new version (compacted), or change nothing."""
        with self._writing(operation, compact=True) as write:
            return bulkload.load(write, sources, batch=self.load_batch)

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs()
                      if isinstance(g, ox.NamedNode))

    def has_data_outside(self, graphs: Iterable[str]) -> bool:
        """Graph by graph, stopping at the first other one that holds a triple (not a list of
        every graph: the update policy asks this before each update that drops graphs)."""
        reader, skip = self.store, set(graphs)
        for g in reader.named_graphs():
            if isinstance(g, ox.NamedNode) and g.value not in skip and \
                    next(iter(reader.quads_for_pattern(None, None, None, g)), None) is not None:
                return True
        return False

    def quads(self) -> list[ox.Quad]:
        return [q for q in self.store.quads_for_pattern(None, None, None, None)
                if not isinstance(q.graph_name, ox.DefaultGraph)]

    def close(self) -> None:
        """Drop the read-only view (writes are flushed when each write ends) once the
        clean-up after the last write is done."""
        self.versions.wait_for_cleanup()
        self._view = None
        self._closed = True


class RemoteStore(Store):
    """Any SPARQL 1.1 server over HTTP: query and update endpoints, optionally the Graph Store
    Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/) for faster graph replacement.

    The default-graph union is materialised: in the server's default graph when that is a
    real graph (Oxigraph without ``--union-default-graph``, Fuseki), else in the named graph
    ``default_graph`` (Virtuoso: its default graph is a view of all graphs, which repeats a
    triple per graph and shows the shapes), which every query then names as its default graph
    (``default-graph-uri``) unless it has a dataset of its own. That relies on Virtuoso's
    ``GRAPH ?g`` ranging over all graphs even then; a server following the Protocol strictly
    would hide the named graphs (docs/stores.md).

    Blank nodes: triples with blank nodes are written per graph with ``INSERT {…} WHERE {}``
    (Virtuoso refuses blank nodes in ``INSERT DATA``, and one template with blank nodes in
    several graphs fails there half-way), so a blank node cannot span graphs on a remote
    store: such input is refused (InputError) before anything is written.
    """

    def __init__(self, query_url: str, *, update_url: str | None = None,
                 gsp_url: str | None = None, base_iri: str = DEFAULT_BASE_IRI,
                 timeout: float = 120.0, max_request_bytes: int = 16 << 20,
                 user: str = "", password: str = "", auth: str = "basic",
                 default_graph: str = "", system_graphs: Iterable[str] = ()) -> None:
        self.query_url, self.update_url = query_url, update_url or query_url
        self.gsp_url, self.base_iri, self.timeout = gsp_url, base_iri, timeout
        self.max_request_bytes = max_request_bytes
        self.union_graph = check_graph_iri(default_graph) if default_graph else None
        self.system_graphs = tuple(check_graph_iri(p) for p in system_graphs)
        self._session = requests.Session()
        if user:  # credentials for every request (Virtuoso: digest on /sparql-auth)
            from requests.auth import HTTPBasicAuth, HTTPDigestAuth

            self._session.auth = (HTTPDigestAuth if auth == "digest" else HTTPBasicAuth)(user, password)

    def _post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._send("POST", url, **kwargs)

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            response = self._session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise StoreError(f"cannot reach the SPARQL store at {url}: {exc}") from None
        if response.status_code == 400:
            raise query_syntax_error(response.text)
        if response.status_code >= 300 and not (method == "DELETE" and
                                                 response.status_code == 404):
            raise StoreError(f"{method} {url} answered {response.status_code}: "
                             f"{response.text[:500]}")
        return response

    def dataset_parameters(self, sparql: str) -> list[tuple[str, str]]:
        """``default-graph-uri`` of the union graph for a query without a dataset of its own
        (no FROM / FROM NAMED); nothing when the server's default graph holds the union."""
        return [("default-graph-uri", self.union_graph)] if (
            self.union_graph and not has_dataset_clause(sparql)) else []

    def query(self, sparql: str) -> QueryResult:
        data = [("query", sparql), *self.dataset_parameters(sparql)]
        form = _inspection(sparql).form
        accept = ("application/n-triples" if form in ("CONSTRUCT", "DESCRIBE") else
                  "application/sparql-results+json")  # (Virtuoso serialises by Accept alone)
        try:
            response = self._post(self.query_url, data=data, headers={"Accept": accept})
        except QuerySyntaxError as exc:  # the position from the SPARQL grammar when the
            raise locate_syntax_error(sparql) or exc from None  # engine gives none or a line
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        try:
            if media_type in _RESULT_TYPES:
                result = QueryResult.from_oxigraph(ox.parse_query_results(
                    _virtuoso_bnodes(response.content), _RESULT_TYPES[media_type]))
                if form == "ASK" and result.kind == "select":  # Virtuoso: one row, 1 or 0
                    value = result.rows[0].get("__ASK_RETVAL") if result.rows else None
                    return QueryResult("ask", boolean=bool(value and value.value == "1"))
                return result
            rdf_format = ox.RdfFormat.from_media_type(media_type)
            if rdf_format is None:
                raise StoreError(f"unexpected answer of type {media_type!r} from the store")
            return QueryResult("graph", triples=[q.triple for q in ox.parse(
                response.content, rdf_format)])
        except SyntaxError as exc:
            raise StoreError(f"the store sent a result that does not parse: {exc}") from None

    def _update(self, sparql: str) -> None:
        self._post(self.update_url, data=sparql.encode("utf-8"),
                   headers={"Content-Type": "application/sparql-update; charset=utf-8"})

    def _replace(self, graphs: dict[str, set[ox.Triple]], drop: set[str]) -> None:
        """With a GSP URL: one update for the union bookkeeping, then DELETE each dropped graph
        and PUT each graph as N-Triples, then one update adding the new triples to the union.
        Each request is atomic on its own; in between a reader may see a mix.

        Without: one SPARQL update (union bookkeeping; DROP SILENT GRAPH…; INSERT DATA for the
        ground triples, one ``INSERT {…} WHERE {}`` per graph for those with blank nodes) when
        it fits in ``max_request_bytes`` (atomic on Oxigraph and Fuseki); else the DROPs, then
        per graph one request with its blank-node triples, then chunks of ground triples, each
        request a transaction of its own.
        """
        check_blank_nodes_per_graph(graphs)
        before, after = union_updates(drop | set(graphs), self.union_graph, self.system_graphs)
        if self.gsp_url:
            if before:
                self._update(" ;\n".join(before))
            for g in sorted(drop | {g for g, ts in graphs.items() if not ts}):
                self._send("DELETE", self.gsp_url, params={"graph": g})
            for g, ts in graphs.items():
                if ts:
                    self._send("PUT", self.gsp_url, params={"graph": g},
                               data=ntriples_body(ts).encode("utf-8"),
                               headers={"Content-Type": "application/n-triples"})
            if after:
                self._update(" ;\n".join(after))
            return
        drops = [f"DROP SILENT GRAPH <{g}>" for g in sorted(drop | set(graphs))]
        inserts = _inserts(graphs)
        if sum(len(op.encode("utf-8")) for op in inserts) <= self.max_request_bytes:
            self._update(" ;\n".join(before + drops + inserts + after))
            return
        self._update(" ;\n".join(before + drops))
        self._insert_chunked(graphs)
        if after:
            self._update(" ;\n".join(after))

    def _insert_chunked(self, graphs: dict[str, set[ox.Triple]]) -> None:
        for g, ts in graphs.items():
            with_bnodes = {t for t in ts if _has_bnode(t)}
            if with_bnodes:
                self._update(_insert_with_bnodes(g, with_bnodes))
            batch: list[ox.Triple] = []
            size = 0
            for t in ts:
                if t in with_bnodes:
                    continue
                line = f"{t.subject} {t.predicate} {t.object} .\n"
                batch.append(t)
                size += len(line)
                if size >= self.max_request_bytes // 2:
                    self._update(_insert_data({g: batch}))
                    batch, size = [], 0
            if batch:
                self._update(_insert_data({g: batch}))

    def _add(self, graph_iri: str, triples: set[ox.Triple]) -> None:
        """One update: the triples into the graph, then into the default-graph union (ground
        triples as data; with blank nodes, copied from the graph, so they stay the same)."""
        operations = _inserts({graph_iri: triples})
        if graph_iri not in PRIVATE_GRAPHS:
            target = self.union_graph
            ground = [t for t in triples if not _has_bnode(t)]
            if ground:
                body = ntriples_body(ground)
                operations.append(f"INSERT DATA {{ GRAPH <{target}> {{\n{body}}} }}" if target
                                  else f"INSERT DATA {{\n{body}}}")
            if len(ground) < len(triples):  # the graph's blank-node triples, as the store holds them
                union = f"GRAPH <{target}> {{ ?s ?p ?o }}" if target else "?s ?p ?o"
                operations.append(f"INSERT {{ {union} }} WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} "
                                  "FILTER(isBlank(?s) || isBlank(?o)) }")
        self._update(" ;\n".join(operations))

    def quads(self) -> list[ox.Quad]:
        result = self.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                            f"FILTER(true{system_filter('?g', self.system_graphs)}) }}")
        return [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in result.rows
                if self.is_own(r["g"].value)]

    def close(self) -> None:
        self._session.close()


_RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


def _inspection(sparql: str) -> Inspection:
    """The query's form and clauses by graph.guard's tokenizer (it skips strings, IRIs and
    comments; remembered for recent texts), without the endpoint's limits."""
    from graph.guard import inspect_query

    return inspect_query(sparql, max_length=1 << 40, max_depth=1 << 20)


_VIRTUOSO_BNODE = re.compile(rb'("type":\s*"bnode",\s*"value":\s*")nodeID://')


def _virtuoso_bnodes(body: bytes) -> bytes:
    """Virtuoso names blank nodes ``nodeID://b1001`` in SPARQL JSON results, which is not a
    blank node label; the label is what follows the scheme."""
    return _VIRTUOSO_BNODE.sub(rb"\1", body) if b"nodeID://" in body else body


def has_dataset_clause(sparql: str) -> bool:
    """Whether the query names its own dataset (FROM or FROM NAMED)."""
    return _inspection(sparql).has_from


def _has_bnode(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def check_blank_nodes_per_graph(graphs: Mapping[str, Iterable[ox.Triple]]) -> None:
    """InputError when one blank node appears in two graphs: a remote store writes each
    graph's blank-node triples on their own, which would split it into two nodes."""
    seen: dict[ox.BlankNode, str] = {}
    for g, ts in graphs.items():
        for t in ts:
            for node in (t.subject, t.object):
                if isinstance(node, ox.BlankNode) and seen.setdefault(node, g) != g:
                    raise InputError(
                        f"the blank node {node} is used in two graphs, <{seen[node]}> and "
                        f"<{g}>; a remote store writes each graph on its own and cannot keep "
                        "one blank node across graphs: give that node an IRI", source="graph")


def _insert_data(graphs: Mapping[str, Iterable[ox.Triple]]) -> str:
    """One INSERT DATA operation with a GRAPH block per non-empty graph ('' if none); the
    triples must be ground (Virtuoso refuses blank nodes in INSERT DATA)."""
    blocks = "".join(f"GRAPH <{g}> {{\n{ntriples_body(ts)}}}\n" for g, ts in graphs.items()
                     if ts)
    return f"INSERT DATA {{\n{blocks}}}" if blocks else ""


def _insert_with_bnodes(graph: str, triples: Iterable[ox.Triple]) -> str:
    """Triples with blank nodes into one graph: a template over the one empty solution, so
    each blank node is one fresh node (SPARQL 1.1 Update 3.1.3), in one GRAPH block."""
    return f"INSERT {{ GRAPH <{graph}> {{\n{ntriples_body(triples)}}} }} WHERE {{}}"


def _inserts(graphs: Mapping[str, Iterable[ox.Triple]]) -> list[str]:
    """The operations that write ``graphs``: one INSERT DATA with every ground triple, one
    template per graph with its blank-node triples."""
    ground = {g: [t for t in ts if not _has_bnode(t)] for g, ts in graphs.items()}
    operations = [op for op in [_insert_data(ground)] if op]
    for g, ts in graphs.items():
        with_bnodes = [t for t in ts if _has_bnode(t)]
        if with_bnodes:
            operations.append(_insert_with_bnodes(g, with_bnodes))
    return operations


def open_store(settings: Mapping[str, Any]) -> Store:
    """The store the settings name: remote when ``SPARQL_URL`` is set, else embedded."""
    base_iri = settings.get("BASE_IRI") or DEFAULT_BASE_IRI
    if settings.get("SPARQL_URL"):
        return RemoteStore(settings["SPARQL_URL"],
                           update_url=settings.get("UPDATE_URL") or settings["SPARQL_URL"],
                           gsp_url=settings.get("GSP_URL") or None, base_iri=base_iri,
                           user=settings.get("REMOTE_USER") or "",
                           password=settings.get("REMOTE_PASSWORD") or "",
                           auth=settings.get("REMOTE_AUTH") or "basic",
                           default_graph=settings.get("REMOTE_DEFAULT_GRAPH") or "",
                           system_graphs=(settings.get("REMOTE_SYSTEM_GRAPHS") or "").split())
    return EmbeddedStore(settings["STORE"], base_iri=base_iri,
                         keep=int(settings.get("KEEP_VERSIONS") or DEFAULT_KEEP),
                         load_batch=settings.get("LOAD_BATCH", bulkload.DEFAULT_BATCH),
                         compact_after=int(settings.get("COMPACT_AFTER_FILES") or 0))


def background_quads(settings: Mapping[str, Any]) -> dict[str, list[Any]]:
    """What an instance always loads besides its data: the core ontology, the code lists, the
    shapes (core and the region's extensions), the region's ontology extension, and the example
    questions (generic and the region's own, as SHACL executables, see graph.examples)."""
    from graph.examples import EXAMPLES_GRAPH, examples_quads
    from graph.instance.layout import background_graphs, query_dirs
    from graph.queries import load_query_dirs

    graphs: dict[str, list[Any]] = {
        graph: [q for path in files for q in parse_file(path)]
        for graph, files in background_graphs(settings).items()}
    directories = query_dirs(settings)
    if directories:
        # the example queries, published as data (public: part of the default-graph union)
        graphs[settings["BASE_IRI"] + EXAMPLES_GRAPH] = examples_quads(
            load_query_dirs(directories), settings["BASE_IRI"])
    return graphs


def load_project(store: Store, settings: Mapping[str, Any], *,
                 progress: Progress | None = None) -> LoadReport:
    """Load the instance: the background (:func:`background_quads`) and its data, built from
    its fact sheet (``DATA_DIR``) and its filled sheets (``SHEETS_DIR``), replacing earlier loads.

    Everything is built and the sheets are validated before the store is touched: sheets that
    do not conform raise :class:`graph.instance.check.NotConforming` (with the report) and
    nothing is written. Stale data graphs (under ``BASE_IRI + 'graph/'``, not produced by this
    build, and not a user file graph under ``graph/file/`` or a published partner submission
    under ``graph/submission/``) are removed in the same write.
    """
    from graph.instance.data import build_instance

    started = time.perf_counter()
    step = progress or (lambda label, done, total: None)
    graphs = background_quads(settings)
    step("parsed ontology, code lists, shapes, extensions, example questions", 1, 3)
    build = build_instance(settings)
    for g in build.graphs:
        graphs.setdefault(g, [])
    for quad in build.quads:
        graphs.setdefault(quad.graph_name.value, []).append(quad)
    step(f"built the data ({build.summary})", 2, 3)
    data_prefix = settings["BASE_IRI"] + "graph/"
    kept = (data_prefix + "file/", data_prefix + "submission/")  # user files, published submissions
    stale = [g for g in store.graph_names() if g.startswith(data_prefix)
             and not g.startswith(kept) and g not in graphs]
    written = store.replace_graphs(graphs, drop=stale)
    step("written", 3, 3)
    return LoadReport(written, stale, time.perf_counter() - started, build.warnings)


def load_files(store: Store, paths: Iterable[str | Path], *, graph: str | None = None,
               progress: Progress | None = None, limits: InputLimits | None = None,
               settings: Mapping[str, Any] | None = None) -> LoadReport:
    """Load user files, all or nothing.

    Triples go to ``graph`` or to ``BASE_IRI + 'graph/file/' + slug(file stem)``; quads of
    N-Quads/TriG keep their named graph. Each target graph is replaced by what the files
    give it, so loading the same files again changes nothing. With ``settings``, the
    instance's background (ontology, code lists, shapes, extensions, example questions) is
    (re)loaded in the same write, so the files' terms are labelled and validated. The embedded
    store streams the files into one new version (nothing held in memory; a bad file anywhere
    leaves the live version untouched); a remote store gets them parsed before it is written.
    """
    from graph.rdfio import file_slug

    started = time.perf_counter()
    paths = [Path(p) for p in paths]
    if graph is not None:
        check_graph_iri(graph)
    graphs: dict[str, list[ox.Quad]] = dict(background_quads(settings)) if settings else {}
    if isinstance(store, EmbeddedStore):
        sources: list[bulkload.Source] = list(graphs.items())
        sources += [(graph or f"{store.base_iri}graph/file/{file_slug(path)}",
                     read_quads(path, progress=progress, limits=limits)) for path in paths]
        names = ", ".join(p.name for p in paths)
        written = store.load_stream(sources, f"load of {names}")
        return LoadReport(written, [], time.perf_counter() - started)
    for path in paths:
        default = graph or f"{store.base_iri}graph/file/{file_slug(path)}"
        for quad in parse_file(path, progress=progress, limits=limits):
            name = quad.graph_name
            key = name.value if isinstance(name, ox.NamedNode) else default
            graphs.setdefault(key, []).append(quad)
    written = store.replace_graphs(graphs)
    return LoadReport(written, [], time.perf_counter() - started)
