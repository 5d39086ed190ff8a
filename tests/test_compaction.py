"""Compaction of the live version (graph.compaction): many small writes leave many small
RocksDB files; the live version is compacted into a new version with the same content, in
the background, without losing a write that comes meanwhile, and a killed compaction leaves
nothing behind. Real stores on disk, real processes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph import compaction
from graph import stats as stats_module
from graph.store import EmbeddedStore

EX = "http://example.org/"
ROOT = Path(__file__).resolve().parent.parent


def _write(store: EmbeddedStore, i: int) -> None:
    store.update(f'INSERT DATA {{ GRAPH <{EX}g{i % 3}> {{ <{EX}s{i}> <{EX}p> "{i}" }} }}')


def _content(store: EmbeddedStore) -> str:
    return stats_module.from_store(store.store, store.base_iri + "id/").data_version()


def test_compaction_keeps_the_content_and_removes_the_files(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    for i in range(12):
        _write(store, i)
    before, live = _content(store), store.versions.live_number()
    files = compaction.sst_files(store.current_version)
    assert compaction.extra_files(store.versions, live) > 0
    target = compaction.compact(store.versions, quiet=0)
    assert target is not None and store.versions.live_number() == int(target.name) > live
    assert _content(store) == before
    assert compaction.sst_files(target) <= files  # (fewer at scale: 101 -> 26 files at 1M)
    assert compaction.extra_files(store.versions, int(target.name)) == 0
    record = store.versions.record(int(target.name))
    assert record["operation"] == f"compaction of version {live}"
    assert store.stats().data_version() == before  # the statistics carried over
    assert compaction.compact(store.versions, quiet=0) is None  # nothing more to do
    _write(store, 99)  # later writes count from the compacted version
    assert compaction.extra_files(store.versions, store.versions.live_number()) > 0
    store.close()


def test_a_write_during_the_compaction_is_never_lost(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    for i in range(6):
        _write(store, i)
    seen: list[int] = []

    def write_first(number: int) -> None:  # after the copy was compacted, before its switch
        seen.append(number)
        if len(seen) == 1:
            _write(store, 100)

    target = compaction.compact(store.versions, quiet=0, compacted=write_first)
    assert len(seen) == 2 and seen[1] > seen[0]  # the first copy was thrown away
    assert target is not None and store.versions.live_number() == int(target.name)
    assert store.query(f'ASK {{ <{EX}s100> <{EX}p> "100" }}').boolean
    assert not list(store.versions.dir.glob(".compact-*"))
    store.close()


def test_small_writes_start_the_background_compaction(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store", compact_after=10)
    for i in range(4):
        _write(store, i)
    expected = _content(store)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        record = store.versions.record(store.versions.live_number()) or {}
        if record.get("operation", "").startswith("compaction"):
            break
        time.sleep(0.2)
    else:
        pytest.fail("no compaction within 120 s")
    assert _content(store) == expected
    while compaction.running(store.versions):  # the process ends by itself
        time.sleep(0.1)
    store.close()


def test_a_write_compacts_itself_when_the_files_pile_up(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store", compact_after=1)  # hard limit: 8 extra files
    _write(store, 0)
    number = store.versions.live_number()
    assert compaction.extra_files(store.versions, number) == 0
    record = store.versions.record(number)
    assert record["compacted_files"] == compaction.sst_files(store.current_version)
    while compaction.running(store.versions):
        time.sleep(0.1)
    store.close()


def test_a_killed_compaction_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    """kill -9 of the compaction process at random moments of its work (copying, compacting,
    switching): the store opens with the same content, and nothing of the compaction stays
    on disk. Each round starts from a store that needs compacting; the kill is timed from the
    moment the process has begun its copy, at a random fraction of how long the work takes on
    this machine now (the first round runs unkilled to measure it, a round that finishes
    before its kill measures it again), so the rounds hit the work on an idle machine as on a
    busy one."""
    path = tmp_path / "store"
    store = EmbeddedStore(path)
    store.replace_graphs({f"{EX}big": [ox.Triple(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"),
                                                 ox.Literal(f"value {i}")) for i in range(60_000)]})
    for i in range(10):
        _write(store, i)
    written = 10
    store.close()
    rng = random.Random(11)
    outcomes, hits, duration = set(), 0, None
    for _ in range(9):
        store = EmbeddedStore(path)
        while compaction.extra_files(store.versions, store.versions.live_number()) < 1:
            _write(store, written)  # the last round's compaction went through: new small files
            written += 1
        expected = _content(store)
        store.close()
        proc = subprocess.Popen([sys.executable, "-m", "graph.compaction", str(path),
                                 "--quiet", "0"], cwd=ROOT)
        work = path / "versions" / f".compact-{proc.pid}"
        deadline = time.monotonic() + 120
        while not work.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        assert work.exists() or proc.poll() is not None, "the compaction never began its copy"
        began = time.monotonic()
        kill_at = began + (rng.uniform(0.05, 0.8) * duration if duration else 120)
        while proc.poll() is None and time.monotonic() < kill_at:
            time.sleep(0.002)
        if proc.poll() is None:  # still at work: killed
            hits += 1
            os.kill(proc.pid, signal.SIGKILL)
        else:  # it finished first: how long the work takes now
            duration = time.monotonic() - began
        proc.wait()
        reopened = EmbeddedStore(path)  # the open cleans up what the killed process left
        assert not list(reopened.versions.dir.glob(".compact-*"))
        assert not reopened.versions.orphans()
        assert _content(reopened) == expected
        record = reopened.versions.record(reopened.versions.live_number())
        outcomes.add(record["operation"].split()[0])
        reopened.close()
    assert outcomes <= {"SPARQL", "compaction"}
    assert "compaction" in outcomes  # the unkilled round switched to its compacted copy
    assert hits >= 4
