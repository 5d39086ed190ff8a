"""Compaction of the live version in the background, so that many small writes do not slow
the readers down.

Every write flushes its change into new RocksDB files (about one per index it touched); a
version that only small writes made since its last compaction therefore holds more and more
small files, and every read must look into each of them (after ~30 small writes at 1M quads,
look-ups took 1.5-3x as long). RocksDB would merge them in its background threads, but a
writer keeps its copy open for milliseconds only. So:

* each version's record names the number of files its lineage had right after the last
  compaction (``compacted_files``; a load is compacted when it is written);
* after a write, when the live version has ``compact_after`` files more than that, the writer
  starts ``python -m graph.compaction STORE`` (a process of its own, at a lower priority,
  detached): it waits until no write came for ``QUIET`` seconds, checkpoints the live version
  into ``versions/.compact-<pid>``, compacts that copy (``Store.optimize``) and, under the
  writers' lock, makes it the next version — only if the live version is still the one it
  compacted (same content, so the statistics are carried over); if a write came in between,
  it starts again (a few times at most; the next write starts another one);
* if the files pass ``HARD_FACTOR`` times ``compact_after`` (writes never paused long
  enough), the write itself compacts its copy before it goes live.

A compaction never changes content, and the data version of the release stays the same (the
publisher only records the new version). A killed compaction leaves its ``.compact-<pid>``
directory, removed by the next clean-up (graph.versions) once that process is gone.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from graph.versions import Versions

#: Seconds without a write before the background compaction starts.
QUIET = 2.0
#: The write itself compacts when its copy has this many times ``compact_after`` extra files.
HARD_FACTOR = 8
#: Attempts of one compaction process when writes keep coming.
ATTEMPTS = 5


def sst_files(path: str | Path) -> int:
    """The number of RocksDB table files of a version."""
    try:
        return sum(1 for name in os.listdir(path) if name.endswith(".sst"))
    except OSError:
        return 0


def compacted_files(versions: Versions, number: int) -> int:
    """The file count right after the last compaction of version ``number``'s lineage (its
    own count when its record does not say)."""
    record = versions.record(number) or {}
    value = record.get("compacted_files")
    return int(value) if isinstance(value, int) else sst_files(versions.dir / str(number))


def extra_files(versions: Versions, number: int) -> int:
    return sst_files(versions.dir / str(number)) - compacted_files(versions, number)


def _lock_path(versions: Versions) -> Path:
    return versions.root / "compact.lock"


def running(versions: Versions) -> bool:
    """Whether a compaction process holds the store's compaction lock."""
    try:
        with open(_lock_path(versions), "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(fh, fcntl.LOCK_UN)
            return False
    except OSError:
        return False


def start_in_background(versions: Versions, threshold: int) -> subprocess.Popen | None:
    """Start the compaction process for this store unless one is running; it compacts when
    the live version still has ``threshold`` extra files by then."""
    if running(versions):
        return None
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "graph.compaction", str(versions.root),
         "--keep", str(versions.keep), "--threshold", str(threshold)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, env=env, close_fds=True)
    # reap it when it ends (no zombie in a long-running web worker)
    threading.Thread(target=proc.wait, name="owl40-compaction-reaper", daemon=True).start()
    return proc


def _wait_quiet(versions: Versions, quiet: float, limit: float = 600.0) -> int:
    """Wait until the live version stayed the same for ``quiet`` seconds; returns it."""
    started = time.monotonic()
    number, since = versions.live_number(), time.monotonic()
    while time.monotonic() - since < quiet and time.monotonic() - started < limit:
        time.sleep(min(0.2, quiet))
        now = versions.live_number()
        if now != number:
            number, since = now, time.monotonic()
    return number


def compact(versions: Versions, *, threshold: int = 1, quiet: float = QUIET,
            attempts: int = ATTEMPTS,
            compacted: Callable[[int], None] | None = None) -> Path | None:
    """Compact the live version into a new one (see the module docstring) when it has at
    least ``threshold`` files more than after its last compaction; returns the new version's
    directory, or None (nothing to do, another compaction at work, or writes kept coming).
    ``compacted`` is called with the version number once its copy is compacted, before the
    switch (tests use it to let a write come first)."""
    versions.root.mkdir(parents=True, exist_ok=True)
    with open(_lock_path(versions), "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        work = versions.dir / f".compact-{os.getpid()}"
        try:
            for _ in range(attempts):
                number = _wait_quiet(versions, quiet)
                if extra_files(versions, number) < threshold:
                    return None
                shutil.rmtree(work, ignore_errors=True)
                ox.Store.read_only(str(versions.dir / str(number))).backup(str(work))
                copy = ox.Store(str(work))
                copy.optimize()
                del copy  # closed
                if compacted is not None:
                    compacted(number)
                with versions.lock():
                    if versions.live_number() != number:
                        continue  # a write came first: its version is the one to compact
                    target = versions.new_dir()
                    os.rename(work, target)
                    stats = versions.read_stats(number)
                    if stats is None:
                        from graph.stats import Stats

                        stats = Stats({}, {g.value for g in ox.Store.read_only(str(target))
                                           .named_graphs() if isinstance(g, ox.NamedNode)},
                                      None)
                    versions.finish(int(target.name), f"compaction of version {number}",
                                    stats, compacted_from=number,
                                    compacted_files=sst_files(target))
                    versions.switch(target)
                    versions.cleanup()
                    return target
            return None
        finally:
            shutil.rmtree(work, ignore_errors=True)
            fcntl.flock(fh, fcntl.LOCK_UN)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Compact the live version of an embedded store "
                                             "in the background (see graph/compaction.py).")
    ap.add_argument("store", help="the store directory (holding versions/ and current)")
    ap.add_argument("--keep", type=int, default=5, help="versions kept (KEEP_VERSIONS)")
    ap.add_argument("--quiet", type=float, default=QUIET, help="seconds without a write first")
    ap.add_argument("--threshold", type=int, default=1,
                    help="extra files since the last compaction needed (COMPACT_AFTER_FILES)")
    args = ap.parse_args(argv)
    try:
        os.nice(10)  # readers and writers come first
    except OSError:
        pass
    compact(Versions(args.store, keep=args.keep), threshold=args.threshold, quiet=args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
