"""Dumps and releases: gzip files of one store version, a manifest, a release log.

Files in ``DUMPS_DIR`` (default ``var/dumps``):

- ``<data version>/owl40.nq.gz``: N-Quads of every named graph (the provenance graphs,
  ontology, code lists, shapes); ``<data version>/owl40.ttl.gz`` and ``.../owl40.jsonld.gz``:
  the default graph (the merged public union). One directory per release, so that a reader
  always gets the bytes its release (and ETag) names; the last ``KEPT_RELEASES`` directories
  stay. ``owl40.*.gz`` at the top are links to the current release's files.
- ``manifest.json``: the current release (:class:`graph.release.Release` facts: versions,
  counts, files with size and SHA-256, each graph's digest) and the store version it was
  made from.
- ``releases.json``: every release in order, with its date, counts and the changes since the
  release before: named graphs added and removed, statements added and removed per graph,
  resources (IRIs with an ``rdf:type``) added and removed per class.

Same content, same bytes: statements without blank nodes are written in the store's index
order (which depends on the content only), those with blank nodes after them, with canonical
labels (RDFC) and sorted, when their number and nesting are within bounds (canonicalisation
has exponential worst cases and recurses; beyond the bounds the store's labels are kept,
still sorted). Files stream from the store to gzip (no name, no time stamp): memory stays
small whatever the size.

:func:`current_release` is cheap when the store has not changed (it compares the store
version with the manifest); otherwise it completes the version's statistics when a bulk load
left some to compute, and only when the content differs from the last release does it write
new files and a new release entry. The changelog compares the graphs whose digests changed,
reading their previous content from the previous store version when it is still kept (else
from the previous N-Quads dump).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import gzip
import hashlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from graph import stats as stats_module
from graph.catalog import METADATA_PREFIXES
from graph.inputlimits import InputLimitError, _Nesting
from graph.namespaces import RDF
from graph.patterns import matching
from graph.release import DumpFile, Release, describe
from graph.stats import Stats
from graph.writer import PRIVATE_GRAPHS

#: file name -> (format, media type)
DUMPS = {"owl40.nq.gz": ("nquads", "application/n-quads"),
         "owl40.ttl.gz": ("turtle", "text/turtle"),
         "owl40.jsonld.gz": ("jsonld", "application/ld+json")}
MANIFEST = "manifest.json"
RELEASES = "releases.json"
#: Most IRIs listed per class and direction in a changelog (the counts are always exact).
LISTED = 50
#: Release directories kept (a reader may still download the files of the one before).
KEPT_RELEASES = 3
#: Blank-node statements canonicalised at most, and their deepest nesting (beyond: store labels).
CANON_MAX_QUADS = 50_000
CANON_MAX_DEPTH = 100
_CANON = ox.CanonicalizationAlgorithm.UNSTABLE
_GZIP_LEVEL = 6
DEFAULT = ox.DefaultGraph()


def store_marker(store: Any) -> str | None:
    """Identifies the store's live version (embedded stores), or None (remote: unknown)."""
    version = getattr(store, "current_version", None)
    if not version:
        return None
    info = os.stat(version)
    return f"{version}@{info.st_ino}:{info.st_mtime_ns}"


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_releases(directory: str | Path) -> list[dict[str, Any]]:
    """The release log, oldest first ([] when there is none)."""
    log = read_json(Path(directory) / RELEASES)
    return log.get("releases", []) if isinstance(log, dict) else []


def read_manifest(directory: str | Path) -> dict[str, Any] | None:
    manifest = read_json(Path(directory) / MANIFEST)
    return manifest if isinstance(manifest, dict) and "release" in manifest else None


# -- the version to describe ---------------------------------------------------------------

class _Version:
    """One store version to publish: a read-only store, its complete statistics, and where
    it lives (embedded) for the changelog's look at the version before."""

    def __init__(self, store: Any, uri_space: str) -> None:
        from graph.store import EmbeddedStore

        self.directory: str | None = None
        if isinstance(store, EmbeddedStore):
            self.directory = store.current_version
            self.reader = store.read_version(self.directory)
            number = int(Path(self.directory).name)
            stats = store.versions.read_stats(number)
            if stats is None or not stats.complete:
                stats = stats_module.complete(stats or Stats({}, {
                    g.value for g in self.reader.named_graphs()
                    if isinstance(g, ox.NamedNode)}, None), self.reader, uri_space)
                with store.versions.lock():  # (a clean-up must not take a new base away)
                    record = store.versions.record(number)
                    if record:  # later writes then count their changes from these figures
                        store.versions.write_stats(number, stats)
                        store.versions.write_record(number, {**record, "quads": stats.quads})
            self.stats = stats
        else:  # a remote store: read it whole into memory (no statistics are kept there)
            self.reader = ox.Store()
            quads = store.quads()
            self.reader.extend(quads)
            self.reader.extend(ox.Quad(*t) for t in
                               store.query("CONSTRUCT WHERE { ?s ?p ?o }").triples)
            self.stats = stats_module.from_store(self.reader, uri_space)


def current_release(store: Any, settings: Mapping[str, Any], *,
                    today: dt.date | None = None) -> Release:
    """The release describing the store's content now; writes dumps and a release entry when
    the content changed since the last release (see the module docstring)."""
    directory = Path(settings["DUMPS_DIR"])
    marker = store_marker(store)
    manifest = read_manifest(directory)
    if marker and manifest and manifest.get("store_version") == marker:
        return Release.from_facts(manifest["release"], settings)
    directory.mkdir(parents=True, exist_ok=True)
    with locked(directory):
        manifest = read_manifest(directory)
        if marker and manifest and manifest.get("store_version") == marker:
            return Release.from_facts(manifest["release"], settings)
        version = _Version(store, settings["BASE_IRI"] + "id/")
        facts = describe(version.reader, version.stats, settings["BASE_IRI"])
        if not version.stats.graphs:  # nothing loaded yet: nothing to publish, no release entry
            return Release.from_facts({**facts, "notes": "The store is empty."}, settings)
        digests = {g: version.stats.graph_digest(g) for g in version.stats.graphs}
        if manifest and manifest["release"]["data_version"] == facts["data_version"] \
                and files_intact(directory, manifest["release"]):
            manifest.update(store_version=marker, store_dir=version.directory)
            _link_latest(directory, release_dir(directory, facts["data_version"]))
            write_atomic(directory / MANIFEST, _json(manifest))
            return Release.from_facts(manifest["release"], settings)
        facts = _publish(directory, version, facts, digests, manifest, today or dt.date.today())
        write_atomic(directory / MANIFEST, _json({
            "store_version": marker, "store_dir": version.directory, "release": facts,
            "graph_digests": digests}))
        _prune(directory, facts["data_version"])
        return Release.from_facts(facts, settings)


@contextmanager
def locked(directory: Path, *, blocking: bool = True) -> Iterator[bool]:
    """One publisher at a time across processes (web workers, the CLI); with
    ``blocking=False`` yields False at once when another one is at work."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def release_dir(directory: Path, data_version: str) -> Path:
    return directory / data_version


def files_intact(directory: Path, release: Mapping[str, Any]) -> bool:
    folder = release_dir(directory, release["data_version"])
    return all((folder / f["name"]).is_file() and (folder / f["name"]).stat().st_size == f["size"]
               for f in release.get("files", ()))


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# -- the files -----------------------------------------------------------------------------

class _Sink:
    """A binary file object counting and hashing what is written through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.size, self.sha = raw, 0, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.raw.write(data)
        self.size += len(data)
        self.sha.update(data)
        return len(data)

    def flush(self) -> None:
        self.raw.flush()


def _has_bnode(quad: ox.Quad) -> bool:
    return type(quad.subject) is ox.BlankNode or type(quad.object) is ox.BlankNode


def canonical_blank(quads: list[ox.Quad]) -> list[ox.Quad]:
    """Statements with blank nodes, canonically labelled (RDFC) and sorted, when there are at
    most CANON_MAX_QUADS of them nested at most CANON_MAX_DEPTH deep; else sorted as they are."""
    if not quads:
        return []
    if len(quads) <= CANON_MAX_QUADS:
        nesting = _Nesting(CANON_MAX_DEPTH, None)
        try:
            for q in quads:
                if type(q.subject) is ox.BlankNode and type(q.object) is ox.BlankNode:
                    nesting.add(q.subject, q.object)
        except InputLimitError:
            return sorted(quads, key=str)
        dataset = ox.Dataset(quads)
        dataset.canonicalize(_CANON)
        return sorted(dataset, key=str)
    return sorted(quads, key=str)


def statements(reader: ox.Store, fmt: str) -> Iterator[ox.Quad | ox.Triple]:
    """The statements of one dump format in a content-determined order: named-graph quads
    (N-Quads) or default-graph triples (Turtle, JSON-LD)."""
    named = fmt == "nquads"
    graph = None if named else DEFAULT
    blank: list[ox.Quad] = []
    for quad in reader.quads_for_pattern(None, None, None, graph):
        if named and type(quad.graph_name) is ox.DefaultGraph:
            continue
        if _has_bnode(quad):
            blank.append(quad)
        else:
            yield quad if named else quad.triple
    for quad in canonical_blank(blank):
        yield quad if named else quad.triple


def write_dump(reader: ox.Store, fmt: str, path: Path) -> tuple[int, str, int, int]:
    """Write one gzip dump file; (size, SHA-256, uncompressed size, statements)."""
    rdf_format = {"nquads": ox.RdfFormat.N_QUADS, "turtle": ox.RdfFormat.TURTLE,
                  "jsonld": ox.RdfFormat.JSON_LD}[fmt]
    counted = [0]

    def items() -> Iterator[ox.Quad | ox.Triple]:
        for item in statements(reader, fmt):
            counted[0] += 1
            yield item

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as raw:
        sink = _Sink(raw)
        with gzip.GzipFile(filename="", fileobj=sink, mode="wb", mtime=0,  # type: ignore[arg-type]
                           compresslevel=_GZIP_LEVEL) as gz:
            content = _Sink(gz)  # type: ignore[arg-type]
            prefixes = None if fmt == "nquads" else METADATA_PREFIXES
            ox.serialize(items(), content, rdf_format, prefixes=prefixes)  # type: ignore[arg-type]
    os.replace(tmp, path)
    return sink.size, sink.sha.hexdigest(), content.size, counted[0]


def _link_latest(directory: Path, folder: Path) -> None:
    """``DUMPS_DIR/owl40.*.gz``: hard links to the current release's files."""
    for name in DUMPS:
        tmp = directory / f".{name}.{os.getpid()}.link"
        tmp.unlink(missing_ok=True)
        try:
            os.link(folder / name, tmp)
        except OSError:
            shutil.copyfile(folder / name, tmp)
        os.replace(tmp, directory / name)


def _prune(directory: Path, current: str) -> None:
    releases = [r["data_version"] for r in read_releases(directory)]
    keep = set(releases[-KEPT_RELEASES:]) | {current}
    for folder in directory.iterdir():
        if folder.is_dir() and len(folder.name) == 12 and folder.name not in keep \
                and all(c in "0123456789abcdef" for c in folder.name):
            shutil.rmtree(folder, ignore_errors=True)


def _publish(directory: Path, version: _Version, facts: dict[str, Any],
             digests: dict[str, str], manifest: Mapping[str, Any] | None,
             today: dt.date) -> dict[str, Any]:
    """Write the dump files and append a release entry; returns the release facts."""
    folder = release_dir(directory, facts["data_version"])
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, (fmt, media_type) in DUMPS.items():
        size, sha, content_size, count = write_dump(version.reader, fmt, folder / name)
        files.append(DumpFile(name, fmt, media_type, size, sha, content_size, count).__dict__)
    _link_latest(directory, folder)
    releases = read_releases(directory)
    if releases and releases[-1]["data_version"] == facts["data_version"]:
        # the files of the last release were lost: written again, no new release
        last = releases[-1]
        return {**facts, "files": files, "number": last["number"], "modified": last["date"],
                "issued": releases[0]["date"], "notes": last["notes"]}
    changes = changelog_since(directory, manifest, version, digests)
    number = (releases[-1]["number"] + 1) if releases else 1
    facts = {**facts, "files": files, "number": number, "modified": today.isoformat(),
             "issued": releases[0]["date"] if releases else today.isoformat(),
             "notes": summary(changes, first=not releases)}
    releases.append({
        "number": number, "version": facts["data_version"], "date": today.isoformat(),
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data_version": facts["data_version"], "ontology_version": facts["ontology_version"],
        "shapes_version": facts["shapes_version"], "triples": facts["triples"],
        "quads": facts["quads"], "graphs": len(facts["graphs"]),
        "files": {f["name"]: {"size": f["size"], "sha256": f["sha256"]} for f in files},
        "notes": facts["notes"], "changes": changes})
    write_atomic(directory / RELEASES, _json({"releases": releases}))
    return facts


# -- the changelog -------------------------------------------------------------------------

def _previous_reader(directory: Path, manifest: Mapping[str, Any] | None,
                     graphs: set[str]) -> Callable[[str], list[ox.Quad]]:
    """The previous release's quads of one of ``graphs``: from its store version when still
    kept (look-ups per graph), else from its N-Quads dump (one streaming pass)."""
    if not manifest or not graphs:
        return lambda g: []
    store_dir = manifest.get("store_dir")
    if store_dir and Path(store_dir).is_dir():
        try:
            old = ox.Store.read_only(store_dir)
            return lambda g: list(old.quads_for_pattern(None, None, None, ox.NamedNode(g)))
        except OSError:
            pass
    out: dict[str, list[ox.Quad]] = {}
    path = release_dir(directory, manifest["release"]["data_version"]) / "owl40.nq.gz"
    if not path.is_file():
        path = directory / "owl40.nq.gz"
    try:
        with gzip.open(path, "rb") as fh:
            for quad in ox.parse(fh, ox.RdfFormat.N_QUADS):
                name = quad.graph_name
                if type(name) is ox.NamedNode and name.value in graphs:
                    out.setdefault(name.value, []).append(quad)
    except (OSError, SyntaxError, EOFError):
        out = {}
    return lambda g: out.get(g, [])


def _lines(quads: Iterable[ox.Quad]) -> Counter[str]:
    """One graph's triples as N-Triples lines, blank nodes unlabelled (as in graph.stats)."""
    def key(term: Any) -> str:
        return "_:" if type(term) is ox.BlankNode else str(term)
    return Counter(f"{key(q.subject)} {key(q.predicate)} {key(q.object)}" for q in quads)


def changelog_since(directory: Path, manifest: Mapping[str, Any] | None, version: _Version,
                    digests: Mapping[str, str]) -> dict[str, Any]:
    """What changed since the release in ``manifest``: only the graphs whose digest differs
    are read, one at a time (see the module docstring)."""
    if not manifest and not read_releases(directory):
        return first_changes(version)
    previous: dict[str, str] = dict((manifest or {}).get("graph_digests") or {})
    if manifest and not previous:  # a manifest of an older format: compare every graph
        previous = {g: "?" for g in manifest["release"].get("graphs", {})}
    changed = {g for g in set(previous) | set(digests) if previous.get(g) != digests.get(g)}
    old = _previous_reader(directory, manifest, changed)
    changes = _Changes()
    for g in sorted(changed):
        changes.graph(g, old(g), version.reader.quads_for_pattern(None, None, None,
                                                                  ox.NamedNode(g)))
    return changes.result(set(previous), set(digests),
                          lambda s, c: _typed_elsewhere(version.reader, s, c, changed))


def first_changes(version: _Version) -> dict[str, Any]:
    """The changelog of a first release (everything is new), from the statistics and
    aggregate queries rather than by reading every graph."""
    counts = version.stats.counts()
    reader = version.reader
    public = " ".join(f"<{g}>" for g in PRIVATE_GRAPHS)
    typed = (f"GRAPH ?g {{ ?s <{RDF.type.value}> ?c }} FILTER(isIRI(?s) && isIRI(?c) "
             f"&& ?g NOT IN ({public}))")
    resources = {}
    for row in reader.query(f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {typed} }} "
                            "GROUP BY ?c ORDER BY STR(?c)"):
        cls = row["c"].value
        iris = [r["s"].value for r in reader.query(
            f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s <{RDF.type.value}> <{cls}> }} "
            f"FILTER(isIRI(?s) && ?g NOT IN ({public})) }} ORDER BY STR(?s) LIMIT {LISTED}")]
        resources[cls] = {"added": int(row["n"].value), "removed": 0, "added_iris": iris,
                          "removed_iris": []}
    return {"graphs_added": sorted(counts), "graphs_removed": [],
            "statements_added": sum(counts.values()), "statements_removed": 0,
            "graphs": {g: {"added": n, "removed": 0, "before": 0, "after": n}
                       for g, n in counts.items()},
            "resources": resources}


def _typed_elsewhere(reader: ox.Store, subject: str, cls: str, changed: set[str]) -> bool:
    """Whether a public graph not among ``changed`` types ``subject`` with ``cls``."""
    return any(type(q.graph_name) is ox.NamedNode and q.graph_name.value not in changed
               and q.graph_name.value not in PRIVATE_GRAPHS
               for q in matching(reader, ox.NamedNode(subject), RDF.type, ox.NamedNode(cls)))


class _Changes:
    """A changelog built graph by graph."""

    def __init__(self) -> None:
        self.triples: dict[str, dict[str, int]] = {}
        self.typed_before: dict[str, set[str]] = {}
        self.typed_after: dict[str, set[str]] = {}

    def graph(self, name: str, before: Iterable[ox.Quad], after: Iterable[ox.Quad]) -> None:
        before, after = list(before), list(after)
        old, new = _lines(before), _lines(after)
        if old != new:
            self.triples[name] = {"added": sum((new - old).values()),
                                  "removed": sum((old - new).values()),
                                  "before": sum(old.values()), "after": sum(new.values())}
        if name not in PRIVATE_GRAPHS:
            _typed(before, self.typed_before)
            _typed(after, self.typed_after)

    def result(self, graphs_before: set[str], graphs_after: set[str],
               elsewhere: Callable[[str, str], bool]) -> dict[str, Any]:
        resources = {}
        for cls in sorted(set(self.typed_before) | set(self.typed_after)):
            old, new = self.typed_before.get(cls, set()), self.typed_after.get(cls, set())
            added = sorted(s for s in new - old if not elsewhere(s, cls))
            removed = sorted(s for s in old - new if not elsewhere(s, cls))
            if added or removed:
                resources[cls] = {"added": len(added), "removed": len(removed),
                                  "added_iris": added[:LISTED], "removed_iris": removed[:LISTED]}
        triples = dict(sorted(self.triples.items()))
        return {"graphs_added": sorted(graphs_after - graphs_before),
                "graphs_removed": sorted(graphs_before - graphs_after),
                "statements_added": sum(t["added"] for t in triples.values()),
                "statements_removed": sum(t["removed"] for t in triples.values()),
                "graphs": triples, "resources": resources}


def _typed(quads: Iterable[ox.Quad], typed: dict[str, set[str]]) -> None:
    """Add class IRI -> IRIs typed with it, from one public graph's quads."""
    for q in quads:
        if q.predicate == RDF.type and type(q.subject) is ox.NamedNode \
                and type(q.object) is ox.NamedNode:
            typed.setdefault(q.object.value, set()).add(q.subject.value)


def changelog(previous: Iterable[ox.Quad], current: Iterable[ox.Quad]) -> dict[str, Any]:
    """What changed from ``previous`` to ``current`` (every quad of the named graphs, in
    memory). Statements are compared per graph with blank nodes unlabelled, so an unchanged
    graph with blank nodes never shows changes."""
    before: dict[str, list[ox.Quad]] = {}
    after: dict[str, list[ox.Quad]] = {}
    for quads, graphs in ((previous, before), (current, after)):
        for q in quads:
            graphs.setdefault(q.graph_name.value, []).append(q)
    changes = _Changes()
    for name in sorted(set(before) | set(after)):
        changes.graph(name, before.get(name, []), after.get(name, []))
    return changes.result(set(before), set(after), lambda s, c: False)


def summary(changes: Mapping[str, Any], *, first: bool = False) -> str:
    """One line of release notes from a changelog."""
    if first:
        return (f"First release: {len(changes['graphs_added'])} named graphs, "
                f"{changes['statements_added']} statements.")
    return (f"{len(changes['graphs_added'])} graphs added, {len(changes['graphs_removed'])} "
            f"removed, {len(changes['graphs'])} changed; {changes['statements_added']} "
            f"statements added, {changes['statements_removed']} removed.")


def dump_path(settings: Mapping[str, Any], name: str,
              release: Release | None = None) -> Path | None:
    """The path of a published dump file of ``release`` (else of the current one), or None
    when ``name`` is not one."""
    if name not in DUMPS:
        return None
    directory = Path(settings["DUMPS_DIR"])
    path = (release_dir(directory, release.data_version) / name if release is not None
            else directory / name)
    return path if path.is_file() else None
