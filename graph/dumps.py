"""Dumps and releases: gzip files of the current store content, a manifest, a release log.

Files in ``DUMPS_DIR`` (default ``var/dumps``):

- ``owl40.nq.gz``: N-Quads of every named graph (the provenance graphs, ontology, code lists,
  shapes); ``owl40.ttl.gz`` and ``owl40.jsonld.gz``: the default graph (the merged public
  union). Blank nodes are canonicalised and statements sorted, and gzip gets no name and no
  time stamp, so the same content always gives the same bytes and the same SHA-256.
- ``manifest.json``: the current release (:class:`graph.release.Release` facts: versions,
  counts, files with size and SHA-256) and the store version it was made from.
- ``releases.json``: every release in order, with its date, counts and the changes since the
  release before: named graphs added and removed, statements added and removed per graph,
  resources (IRIs with an ``rdf:type``) added and removed per class.

:func:`current_release` is cheap when the store has not changed (it compares the store
version with the manifest); otherwise it reads the store, and only when the content differs
from the last release does it write new files and a new release entry.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import gzip
import hashlib
import io
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.catalog import METADATA_PREFIXES
from graph.namespaces import RDF
from graph.release import (
    DumpFile,
    Release,
    Snapshot,
    canonical,
    describe_snapshot,
    take_snapshot,
)
from graph.store import PRIVATE_GRAPHS, Store

#: file name -> (format, media type)
DUMPS = {"owl40.nq.gz": ("nquads", "application/n-quads"),
         "owl40.ttl.gz": ("turtle", "text/turtle"),
         "owl40.jsonld.gz": ("jsonld", "application/ld+json")}
MANIFEST = "manifest.json"
RELEASES = "releases.json"
#: Most IRIs listed per class and direction in a changelog (the counts are always exact).
LISTED = 50


def store_marker(store: Store) -> str | None:
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


def current_release(store: Store, settings: Mapping[str, Any], *,
                    today: dt.date | None = None) -> Release:
    """The release describing the store's content now; writes dumps and a release entry when
    the content changed since the last release (see the module docstring)."""
    directory = Path(settings["DUMPS_DIR"])
    marker = store_marker(store)
    manifest = read_json(directory / MANIFEST)
    if marker and manifest and manifest.get("store_version") == marker:
        return Release.from_facts(manifest["release"], settings)
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory):
        manifest = read_json(directory / MANIFEST)
        if marker and manifest and manifest.get("store_version") == marker:
            return Release.from_facts(manifest["release"], settings)
        snapshot = take_snapshot(store)
        facts = describe_snapshot(snapshot, settings["BASE_IRI"])
        if not snapshot.quads:  # nothing loaded yet: nothing to publish, no release entry
            return Release.from_facts({**facts, "notes": "The store is empty."}, settings)
        if manifest and manifest["release"]["data_version"] == facts["data_version"] \
                and _files_intact(directory, manifest["release"]["files"]):
            manifest["store_version"] = marker
            _write_atomic(directory / MANIFEST, _json(manifest))
            return Release.from_facts(manifest["release"], settings)
        facts = _publish(directory, snapshot, facts, today or dt.date.today())
        _write_atomic(directory / MANIFEST, _json({"store_version": marker, "release": facts}))
        return Release.from_facts(facts, settings)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One writer at a time across processes (web workers, the CLI)."""
    with open(directory / ".lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _files_intact(directory: Path, files: Iterable[Mapping[str, Any]]) -> bool:
    return all((directory / f["name"]).is_file()
               and (directory / f["name"]).stat().st_size == f["size"] for f in files)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def gzip_bytes(data: bytes) -> bytes:
    """gzip without file name and time stamp: equal input, equal output."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", fileobj=buffer, mode="wb", mtime=0) as fh:
        fh.write(data)
    return buffer.getvalue()


def serialise(snapshot: Snapshot, fmt: str) -> tuple[bytes, int]:
    """The uncompressed bytes of one dump format and the number of statements in it."""
    if fmt == "nquads":
        return snapshot.nquads(), len(snapshot.quads)
    rdf_format = ox.RdfFormat.TURTLE if fmt == "turtle" else ox.RdfFormat.JSON_LD
    return ox.serialize(snapshot.triples, format=rdf_format,
                        prefixes=METADATA_PREFIXES), len(snapshot.triples)


def _publish(directory: Path, snapshot: Snapshot, facts: dict[str, Any],
             today: dt.date) -> dict[str, Any]:
    """Write the dump files and append a release entry; returns the release facts."""
    previous = read_previous(directory)
    files = []
    for name, (fmt, media_type) in DUMPS.items():
        raw, statements = serialise(snapshot, fmt)
        data = gzip_bytes(raw)
        _write_atomic(directory / name, data)
        files.append(DumpFile(name, fmt, media_type, len(data), hashlib.sha256(data).hexdigest(),
                              len(raw), statements).__dict__)
    releases = read_releases(directory)
    if releases and releases[-1]["data_version"] == facts["data_version"]:
        # the files of the last release were lost: written again, no new release
        last = releases[-1]
        return {**facts, "files": files, "number": last["number"], "modified": last["date"],
                "issued": releases[0]["date"], "notes": last["notes"]}
    changes = changelog(previous, snapshot.quads)
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
    _write_atomic(directory / RELEASES, _json({"releases": releases}))
    return facts


def read_previous(directory: Path) -> list[ox.Quad]:
    """The quads of the last release, from its N-Quads dump ([] when there is none)."""
    path = directory / "owl40.nq.gz"
    if not path.is_file():
        return []
    try:
        with gzip.open(path, "rb") as fh:
            return list(ox.parse(fh, ox.RdfFormat.N_QUADS))
    except (OSError, SyntaxError, EOFError):
        return []


def _by_graph(quads: Iterable[ox.Quad]) -> dict[str, list[ox.Quad]]:
    graphs: dict[str, list[ox.Quad]] = {}
    for q in quads:
        graphs.setdefault(q.graph_name.value, []).append(q)
    return graphs


def _graph_set(quads: list[ox.Quad]) -> set[str]:
    """One graph's triples as N-Triples lines; blank nodes canonicalised within the graph."""
    triples = [ox.Quad(*q.triple) for q in quads]
    if any(isinstance(t, ox.BlankNode) for q in triples for t in (q.subject, q.object)):
        triples = canonical(triples)
    return {f"{q.subject} {q.predicate} {q.object}" for q in triples}


def _typed(graphs: Mapping[str, list[ox.Quad]]) -> dict[str, set[str]]:
    """Class IRI -> IRIs typed with it in the public graphs."""
    typed: dict[str, set[str]] = {}
    for name, quads in graphs.items():
        if name in PRIVATE_GRAPHS:
            continue
        for q in quads:
            if q.predicate == RDF.type and isinstance(q.subject, ox.NamedNode) \
                    and isinstance(q.object, ox.NamedNode):
                typed.setdefault(q.object.value, set()).add(q.subject.value)
    return typed


def changelog(previous: Iterable[ox.Quad], current: Iterable[ox.Quad]) -> dict[str, Any]:
    """What changed from ``previous`` to ``current`` (quads of named graphs).

    Statements are compared per graph; a graph with blank nodes is compared after
    canonicalising its blank nodes (RDFC), so an unchanged graph never shows changes.
    """
    before, after = _by_graph(previous), _by_graph(current)
    triples = {}
    for name in sorted(set(before) | set(after)):
        old, new = _graph_set(before.get(name, [])), _graph_set(after.get(name, []))
        if old != new:
            triples[name] = {"added": len(new - old), "removed": len(old - new),
                             "before": len(old), "after": len(new)}
    typed_before, typed_after = _typed(before), _typed(after)
    resources = {}
    for cls in sorted(set(typed_before) | set(typed_after)):
        added = sorted(typed_after.get(cls, set()) - typed_before.get(cls, set()))
        removed = sorted(typed_before.get(cls, set()) - typed_after.get(cls, set()))
        if added or removed:
            resources[cls] = {"added": len(added), "removed": len(removed),
                              "added_iris": added[:LISTED], "removed_iris": removed[:LISTED]}
    return {"graphs_added": sorted(set(after) - set(before)),
            "graphs_removed": sorted(set(before) - set(after)),
            "statements_added": sum(t["added"] for t in triples.values()),
            "statements_removed": sum(t["removed"] for t in triples.values()),
            "graphs": triples, "resources": resources}


def summary(changes: Mapping[str, Any], *, first: bool = False) -> str:
    """One line of release notes from a changelog."""
    if first:
        return (f"First release: {len(changes['graphs_added'])} named graphs, "
                f"{changes['statements_added']} statements.")
    return (f"{len(changes['graphs_added'])} graphs added, {len(changes['graphs_removed'])} "
            f"removed, {len(changes['graphs'])} changed; {changes['statements_added']} "
            f"statements added, {changes['statements_removed']} removed.")


def dump_path(settings: Mapping[str, Any], name: str) -> Path | None:
    """The path of a published dump file, or None when ``name`` is not one."""
    if name not in DUMPS:
        return None
    path = Path(settings["DUMPS_DIR"]) / name
    return path if path.is_file() else None
