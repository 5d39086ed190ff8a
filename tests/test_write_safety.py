"""The write path's guarantees, with real stores and real processes killed with SIGKILL:

- atomic: after a writer is killed at a random moment during a load or during updates, the
  store opens with the old or the new data and nothing else, and a concurrent reader never
  sees a state between two writes;
- no orphans: the next open removes whatever the killed writer left on disk;
- all or nothing for a load of several files (the second one broken);
- restorable: the kept versions are listed and an earlier one is restored.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from api.cli import main
from graph.errors import InputError
from graph.store import DEFAULT_BASE_IRI, EmbeddedStore, load_files
from graph.writer import is_public

ROOT = Path(__file__).resolve().parents[1]
EX = "http://example.org/"
BASE = "https://w3id.org/owl40/"
COUNTER = f"{BASE}graph/test/counter"
OTHER = f"{BASE}graph/test/other"

pytestmark = pytest.mark.slow


def run_python(code: str, *args: str) -> subprocess.Popen:
    """A Python process running ``code`` in the project (its own session, so SIGKILL ends it
    and nothing else)."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)


def version_dirs(path: Path) -> list[Path]:
    return sorted(p for p in (path / "versions").iterdir() if p.name.isdigit())


def assert_clean(store: EmbeddedStore) -> None:
    """Every version directory on disk went live (has a record, not newer than the live
    one): nothing a killed writer left behind remains."""
    live = store.versions.live_number()
    for directory in version_dirs(store.path):
        number = int(directory.name)
        assert number <= live and store.versions.record(number) is not None, directory
    assert not list(store.path.glob(".current-*"))
    assert not list((store.path / "versions").glob(".trash-*"))  # old versions being removed
    assert not list((store.path / "versions").glob(".compact-*"))


def union_holds(store: EmbeddedStore) -> None:
    reader = store.store
    default = {q.triple for q in reader.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    public = {q.triple for q in reader.quads_for_pattern(None, None, None, None)
              if is_public(q.graph_name)}
    assert default == public


def write_ntriples(path: Path, n: int, *, tag: str, broken: bool = False) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(f'<{EX}{tag}/s{i}> <{EX}p> "{tag} {i}" .\n')
        if broken:
            fh.write(f"<{EX}broken> <{EX}p> .\n")
    return path


LOADER = """
import sys
from graph.store import EmbeddedStore, load_files
store = EmbeddedStore(sys.argv[1], load_batch=int(sys.argv[2]))
load_files(store, sys.argv[3:])
print("done", flush=True)
"""


# 0: the whole load in one call of the bulk loader; 7000: many calls into the same copy
# (LOAD_BATCH), each writing its own files: a kill between them must not leave a part live
@pytest.mark.parametrize("batch", [0, 7000])
def test_a_load_killed_at_any_moment_leaves_the_old_or_the_new_data(tmp_path: Path,
                                                                    batch: int) -> None:
    path = tmp_path / "store"
    base = write_ntriples(tmp_path / "base.nt", 500, tag="base")
    big = write_ntriples(tmp_path / "big.nt", 60_000, tag="big")
    store = EmbeddedStore(path)
    load_files(store, [base])
    started = time.perf_counter()
    proc = run_python(LOADER, str(path), str(batch), str(big))
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    duration = time.perf_counter() - started
    store.update(f"DROP GRAPH <{DEFAULT_BASE_IRI}graph/file/big>")
    rng = random.Random(11)
    outcomes = {"old": 0, "new": 0}
    for _ in range(20):
        proc = run_python(LOADER, str(path), str(batch), str(big))
        time.sleep(rng.uniform(0.05, duration * 1.1))
        kill(proc)
        reopened = EmbeddedStore(path)  # opening cleans up what the killed writer left
        assert_clean(reopened)
        assert reopened.count(f"{DEFAULT_BASE_IRI}graph/file/base") == 500
        big_count = reopened.count(f"{DEFAULT_BASE_IRI}graph/file/big")
        assert big_count in (0, 60_000)
        assert reopened.count_default() == 500 + big_count
        outcomes["new" if big_count else "old"] += 1
        if big_count:
            reopened.update(f"DROP GRAPH <{DEFAULT_BASE_IRI}graph/file/big>")
        reopened.close()
    union_holds(EmbeddedStore(path))
    assert outcomes["old"] > 0  # the kills did land during loads


UPDATER = """
import sys
from graph.store import EmbeddedStore
store = EmbeddedStore(sys.argv[1])
g, h = sys.argv[2], sys.argv[3]
counter = "<http://example.org/c> <http://example.org/n>"
i = int(store.query(f"SELECT ?n WHERE {{ GRAPH <{g}> {{ {counter} ?n }} }}").rows[0]["n"].value)
print("ready", flush=True)
while True:
    # move the counter on in one graph, and keep a copy of it in the other (two graphs, one write)
    store.update(f"DELETE DATA {{ GRAPH <{g}> {{ <http://example.org/c> <http://example.org/n> {i} }} "
                 f"GRAPH <{h}> {{ <http://example.org/c> <http://example.org/n> {i} }} }} ; "
                 f"INSERT DATA {{ GRAPH <{g}> {{ <http://example.org/c> <http://example.org/n> {i + 1} }} "
                 f"GRAPH <{h}> {{ <http://example.org/c> <http://example.org/n> {i + 1} }} }}")
    i += 1
    print(i, flush=True)
"""


def counter_state(store: EmbeddedStore) -> tuple[list[int], list[int], list[int]]:
    """The counter's values in the two graphs and in the default graph."""
    def values(pattern: str) -> list[int]:
        rows = store.query(f"SELECT ?n WHERE {{ {pattern} }} ORDER BY ?n").rows
        return [int(r["n"].value) for r in rows]
    triple = f"<{EX}c> <{EX}n> ?n"
    return (values(f"GRAPH <{COUNTER}> {{ {triple} }}"), values(f"GRAPH <{OTHER}> {{ {triple} }}"),
            values(triple))


def test_updates_killed_at_any_moment_leave_one_consistent_version(tmp_path: Path) -> None:
    path = tmp_path / "store"
    store = EmbeddedStore(path)
    store.update(f"INSERT DATA {{ GRAPH <{COUNTER}> {{ <{EX}c> <{EX}n> 0 }} "
                 f"GRAPH <{OTHER}> {{ <{EX}c> <{EX}n> 0 }} }}")
    store.close()
    rng = random.Random(7)
    last = 0
    for _ in range(30):
        proc = run_python(UPDATER, str(path), COUNTER, OTHER)
        assert proc.stdout.readline() == b"ready\n"  # (starting Python takes long on a busy machine)
        time.sleep(rng.uniform(0.0, 1.2))  # then killed at a random moment of its writes
        kill(proc)
        reopened = EmbeddedStore(path)
        assert_clean(reopened)
        counter, other, default = counter_state(reopened)
        assert len(counter) == 1 and counter == other == default  # one write, whole
        assert counter[0] >= last
        last = counter[0]
        stats = reopened.stats()
        assert stats is not None and stats.graphs[COUNTER][0] == 1
        reopened.close()
    assert last > 0  # the updaters did get writes through
    union_holds(EmbeddedStore(path))


READER = """
import sys, time
from graph.store import EmbeddedStore
store = EmbeddedStore(sys.argv[1])
g, h = sys.argv[2], sys.argv[3]
q = ("SELECT ?g ?n WHERE { { GRAPH ?g { <http://example.org/c> <http://example.org/n> ?n } } "
     "UNION { <http://example.org/c> <http://example.org/n> ?n } }")
end = time.monotonic() + float(sys.argv[4])
reads = bad = 0
while time.monotonic() < end:
    rows = store.query(q).rows
    values = {r["n"].value for r in rows}
    graphs = sorted(r["g"].value for r in rows if "g" in r)
    if len(values) != 1 or graphs != sorted([g, h]) or len(rows) != 3:
        bad += 1
        print("BAD", rows, flush=True)
    reads += 1
print("reads", reads, "bad", bad, flush=True)
"""


def test_a_reader_never_sees_half_a_write(tmp_path: Path) -> None:
    path = tmp_path / "store"
    store = EmbeddedStore(path)
    store.update(f"INSERT DATA {{ GRAPH <{COUNTER}> {{ <{EX}c> <{EX}n> 0 }} "
                 f"GRAPH <{OTHER}> {{ <{EX}c> <{EX}n> 0 }} }}")
    reader = run_python(READER, str(path), COUNTER, OTHER, "8")
    updater = run_python(UPDATER, str(path), COUNTER, OTHER)
    time.sleep(6)
    kill(updater)
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    summary = out.decode().strip().splitlines()[-1].split()
    assert summary[0] == "reads" and int(summary[1]) > 20 and summary[3] == "0", out.decode()
    assert counter_state(EmbeddedStore(path))[0][0] > 5  # many versions went by


# 1000: the good file and the start of the bad one go into the copy in many calls of the bulk
# loader (LOAD_BATCH) before the error: still nothing of them may go live
@pytest.mark.parametrize("batch", [0, 1000])
def test_a_load_of_several_files_is_all_or_nothing(tmp_path: Path, batch: int) -> None:
    store = EmbeddedStore(tmp_path / "store", load_batch=batch)
    load_files(store, [write_ntriples(tmp_path / "one.nt", 100, tag="one")])
    live, names = store.current_version, store.graph_names()
    good = write_ntriples(tmp_path / "good.nt", 20_000, tag="good")
    bad = write_ntriples(tmp_path / "bad.nt", 20_000, tag="bad", broken=True)
    with pytest.raises(InputError) as info:
        load_files(store, [good, bad])
    assert info.value.source == str(bad) and info.value.line == 20_001
    assert store.current_version == live and store.graph_names() == names
    assert store.count() == 100 and store.count_default() == 100
    assert_clean(store)
    assert len(version_dirs(store.path)) == 2  # the empty first version and the live one


def test_kept_versions_are_listed_and_restored(tmp_path: Path) -> None:
    path = tmp_path / "store"
    store = EmbeddedStore(path, keep=4)
    for i in range(1, 6):
        store.update(f"INSERT DATA {{ GRAPH <{COUNTER}> {{ <{EX}c> <{EX}n> {i} }} }}")
    store.versions.wait_for_cleanup()  # older versions go after the write has answered
    listed = store.versions.list()
    assert [v.number for v in listed] == [6, 5, 4, 3] and listed[0].live
    assert listed[1].operation == "SPARQL update" and listed[1].quads == 4
    target = store.versions.restore(4)  # three values: 1, 2, 3
    assert Path(target).name == "7" and store.count(COUNTER) == 3
    assert store.count_default() == 3
    assert [v.number for v in store.versions.list()] == [7, 6, 5, 4]
    with pytest.raises(InputError, match="no version 2"):
        store.versions.restore(2)  # no longer kept
    store.close()

    settings = ["--store", str(path)]
    listing = CliRunner().invoke(main, [*settings, "versions"], catch_exceptions=False)
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert lines[0].startswith("*") and lines[0].split()[1] == "7"
    assert "restore of version 4" in lines[0]
    restored = CliRunner().invoke(main, [*settings, "restore", "6"], catch_exceptions=False)
    assert restored.exit_code == 0, restored.output
    assert EmbeddedStore(path).count(COUNTER) == 5
    refused = CliRunner().invoke(main, [*settings, "restore", "1"])
    assert refused.exit_code == 2 and "no version 1" in refused.output
