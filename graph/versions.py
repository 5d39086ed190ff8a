"""Store versions on disk: immutable RocksDB checkpoints, one of them live, switched atomically.

Layout of an embedded store directory::

    versions/<n>/       one RocksDB store per version (n = 1, 2, ...; a number is never reused)
    versions/<n>.stats  the version's statistics (graph.stats): the graphs changed since a
                        base file, the pending graphs, the default graph's figures
    versions/<b>.base   the figures of every graph as of version b, shared by the versions
                        whose statistics name it; a new one is written when the changes
                        since the last grow large, so a write stores only what it changed
    versions/<n>.json   the version's record: when and by what it was made, its size;
                        written (after the statistics) before the switch, so a version
                        without a record never went live
    current             symlink to versions/<n>: the live version, replaced by one rename
    write.lock          writers take it in turn (flock), and so does the clean-up

A write never touches a version that readers may have open: it checkpoints the live version
(``Store.backup``: hard links to RocksDB's immutable files, a few milliseconds), changes the
copy, writes the record and swings ``current`` (rename of a symlink, then fsync of the
directory). Readers (web workers, query engines) open the version ``current`` names,
read-only, so they see the old or the new version and never a half-written one.

Orphans: a writer killed before its switch leaves a version directory that never went live
(no record, or a number above the live one). Every writer removes them under the lock before
it starts, and so does every open of the store when the lock is free. The last ``keep``
versions that went live stay (``KEEP_VERSIONS``); they can be listed and restored.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import marshal
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.errors import InputError, StoreError
from graph.stats import Stats

#: The clean-up threads started and maybe still at work, per versions directory.
_CLEANING: dict[str, list[threading.Thread]] = {}
#: Highest version number this process has used, per versions directory.
_USED: dict[str, int] = {}

#: Versions kept by default: the live one and the newest older ones (readers may still have
#: an older one open; any of them can be restored).
DEFAULT_KEEP = 5


@dataclass(frozen=True)
class VersionInfo:
    """One version that went live: its number, directory and record."""

    number: int
    path: Path
    record: dict[str, Any]
    live: bool

    @property
    def created(self) -> str:
        return str(self.record.get("created", ""))

    @property
    def operation(self) -> str:
        return str(self.record.get("operation", ""))

    @property
    def quads(self) -> int | None:
        return self.record.get("quads")


#: Graphs changed since the base file above which a new base is written (or an eighth of
#: the graphs, when more).
DELTA_LIMIT = 2000
#: The base file last read, per versions directory: (path, mtime, size), figures.
_BASES: dict[str, tuple[tuple[str, int, int], dict[str, tuple[int, int]]]] = {}


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(path: Path, value: Any) -> None:
    """Write ``value`` as JSON to ``path`` through a temporary file, fsync'ed, then renamed."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")))  # C encoder
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class Versions:
    """The versions of one embedded store directory (see the module docstring)."""

    def __init__(self, root: str | Path, *, keep: int = DEFAULT_KEEP) -> None:
        self.root = Path(root)
        self.dir = self.root / "versions"
        self.keep = max(int(keep), 1)

    # -- the live version ------------------------------------------------------------------
    @property
    def pointer(self) -> Path:
        return self.root / "current"

    def live(self) -> Path:
        """Directory of the live version (the target of ``current``)."""
        return Path(os.path.realpath(self.pointer))

    def live_number(self) -> int:
        name = os.path.basename(os.readlink(self.pointer))
        return int(name) if name.isdigit() else 0

    def record_path(self, number: int) -> Path:
        return self.dir / f"{number}.json"

    def record(self, number: int) -> dict[str, Any] | None:
        value = read_json(self.record_path(number))
        return value if isinstance(value, dict) else None

    def write_record(self, number: int, record: dict[str, Any]) -> None:
        write_json_atomic(self.record_path(number), record)

    def stats_path(self, number: int) -> Path:
        return self.dir / f"{number}.stats"

    def base_path(self, number: int) -> Path:
        return self.dir / f"{number}.base"

    def read_stats(self, number: int) -> Stats | None:
        """The statistics of version ``number`` (None: unknown or unreadable, e.g. an older
        store or a file lost in a power failure: they are then computed from the store)."""
        try:
            value = marshal.loads(self.stats_path(number).read_bytes())
            base, delta = int(value["base"]), value["delta"]
            graphs = dict(self._read_base(base))
            for g, figures in delta.items():
                if figures is None:
                    graphs.pop(g, None)
                else:
                    graphs[g] = figures
            return Stats(graphs, set(value["pending"]), value["default"], (base, delta))
        except (OSError, ValueError, EOFError, KeyError, TypeError):
            return None

    def _read_base(self, number: int) -> dict[str, tuple[int, int]]:
        path = self.base_path(number)
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size)
        cached = _BASES.get(str(self.dir))
        if cached is None or cached[0] != key:
            cached = (key, marshal.loads(path.read_bytes()))
            _BASES[str(self.dir)] = cached
        return cached[1]

    def write_stats(self, number: int, stats: Stats) -> None:
        """Store the statistics of version ``number``: the graphs changed since the base
        file they descend from, or, when those are many (or there is no base), a new base.
        Not fsync'ed: the figures are a cache (unreadable ones are recomputed)."""
        delta: dict[str, Any] | None = None
        if stats.origin is not None and self.base_path(stats.origin[0]).is_file():
            base, delta = stats.origin[0], dict(stats.origin[1])
            for g in stats.changed:
                delta[g] = stats.graphs.get(g)
            if len(delta) > max(DELTA_LIMIT, len(stats.graphs) // 8):
                delta = None
        if delta is None:
            base, delta = number, {}
            _write_atomic(self.base_path(number), marshal.dumps(stats.graphs))
        _write_atomic(self.stats_path(number), marshal.dumps({
            "base": base, "delta": delta, "pending": sorted(stats.pending),
            "default": stats.default}))
        stats.origin, stats.changed = (base, delta), set()

    def finish(self, number: int, operation: str, stats: Stats, **extra: Any) -> None:
        """Write a new version's statistics, then its record (it may now go live)."""
        self.write_stats(number, stats)
        self.write_record(number, new_record(operation, stats, **extra))

    def _forget(self, number: int) -> None:
        self.record_path(number).unlink(missing_ok=True)
        self.stats_path(number).unlink(missing_ok=True)

    # -- creating and switching ------------------------------------------------------------
    def ensure(self) -> None:
        """Create the directory and an empty first version when there is none yet; clean up
        orphans when no writer is at work."""
        self.dir.mkdir(parents=True, exist_ok=True)
        if not self.pointer.exists():
            with self.lock():
                if not self.pointer.exists():
                    self.cleanup()
                    first = self.new_dir()
                    ox.Store(str(first)).flush()
                    self.finish(int(first.name), "empty store", Stats.empty())
                    self.switch(first)
                    return
        with self.lock(blocking=False) as locked:
            if locked:
                self.cleanup()

    def numbers(self) -> list[int]:
        """Numbers of every version directory on disk (live, kept and orphaned)."""
        try:
            return sorted(int(p.name) for p in self.dir.iterdir()
                          if p.name.isdigit() and p.is_dir())
        except FileNotFoundError:
            return []

    def new_dir(self) -> Path:
        """The directory for the next version (not created: ``Store.backup`` wants none).
        This process never reuses a number, not even that of a removed failed write
        (RocksDB remembers the paths a process has open, and a failed writer may not be
        closed yet); call under the lock."""
        key = str(self.dir.resolve())
        number = max([_USED.get(key, 0), *self.numbers(), *self._recorded()]) + 1
        _USED[key] = number
        return self.dir / str(number)

    def _recorded(self) -> list[int]:
        return [int(p.name[:-5]) for p in self.dir.glob("*.json") if p.name[:-5].isdigit()]

    def switch(self, target: Path) -> None:
        """Make ``target`` the live version: a new symlink renamed over ``current``, then the
        directory fsync'ed so that the switch survives a crash."""
        tmp = self.root / f".current-{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(os.path.relpath(target, self.root), tmp)
        os.replace(tmp, self.pointer)
        _fsync_dir(self.root)

    @contextmanager
    def lock(self, *, blocking: bool = True) -> Iterator[bool]:
        """The writers' lock; with ``blocking=False`` yields False at once when it is held."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "write.lock", "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- clean-up --------------------------------------------------------------------------
    def orphans(self) -> list[Path]:
        """Version directories that never went live (call under the lock)."""
        try:
            live = self.live_number()
        except OSError:
            live = 0
        return [self.dir / str(n) for n in self.numbers()
                if n != live and (n > live or not self.record_path(n).is_file())]

    def cleanup_later(self) -> None:
        """``cleanup`` in a thread, under the lock (after a write: not in its answer time);
        ``wait_for_cleanup`` waits for it."""
        def run() -> None:
            trash: list[Path] = []
            try:
                with self.lock():
                    self.cleanup(trash=trash)
            except OSError:
                pass  # the next write or open cleans up
            for path in trash:  # removed after the lock is free: the next write need not wait
                shutil.rmtree(path, ignore_errors=True)

        thread = threading.Thread(target=run, name="owl40-cleanup")
        threads = _CLEANING.setdefault(str(self.dir), [])
        threads[:] = [t for t in threads if t.is_alive()] + [thread]
        thread.start()

    def wait_for_cleanup(self) -> None:
        for thread in list(_CLEANING.get(str(self.dir), ())):
            thread.join()

    def cleanup(self, *, light: bool = False, trash: list[Path] | None = None) -> list[Path]:
        """Remove orphans, stray temporary files and (unless ``light``) the versions beyond
        ``keep`` and statistics files no version names (call under the lock); returns what
        was removed. With ``trash``, old versions are only renamed (``.trash-<pid>-<n>``)
        and listed there for the caller to remove after releasing the lock."""
        removed = self.orphans()
        for path in removed:
            self._forget(int(path.name))
            shutil.rmtree(path, ignore_errors=True)
        for stray in self.root.glob(".current-*"):
            stray.unlink(missing_ok=True)
        # left by a compaction that was killed, or by a clean-up that did not finish
        for work in [*self.dir.glob(".compact-*"), *self.dir.glob(".trash-*")]:
            pid = work.name.split("-")[1]
            if not pid.isdigit() or not _alive(int(pid)):
                shutil.rmtree(work, ignore_errors=True)
        for stray in self.dir.glob(".*.tmp"):
            stray.unlink(missing_ok=True)
        if light:
            return removed
        on_disk = set(self.numbers())
        for n in self._recorded() + [int(p.name[:-6]) for p in self.dir.glob("*.stats")
                                     if p.name[:-6].isdigit()]:
            if n not in on_disk:
                self._forget(n)
        if self.pointer.exists():
            live = self.live_number()
            older = [n for n in self.numbers() if n < live]
            for n in older[: max(len(older) - (self.keep - 1), 0)]:
                self._forget(n)  # the record first: a half-removed version is an orphan
                if trash is None:
                    shutil.rmtree(self.dir / str(n), ignore_errors=True)
                else:
                    trash.append(self.dir / f".trash-{os.getpid()}-{n}")
                    os.rename(self.dir / str(n), trash[-1])
                removed.append(self.dir / str(n))
        used = set()
        for path in self.dir.glob("*.stats"):
            try:
                used.add(int(marshal.loads(path.read_bytes())["base"]))
            except (OSError, ValueError, EOFError, KeyError, TypeError):
                continue
        for path in self.dir.glob("*.base"):
            if path.stem.isdigit() and int(path.stem) not in used:
                path.unlink(missing_ok=True)
        return removed

    # -- listing and restoring -------------------------------------------------------------
    def list(self) -> list[VersionInfo]:
        """The versions that went live and are still kept, newest first."""
        live = self.live_number()
        out = []
        for n in reversed(self.numbers()):
            record = self.record(n)
            if record is None or n > live:
                continue
            out.append(VersionInfo(n, self.dir / str(n), record, n == live))
        return out

    def restore(self, number: int) -> Path:
        """Make the content of kept version ``number`` live again, as a new version (so the
        history stays a line and the versions in between stay restorable)."""
        with self.lock():
            self.cleanup()
            record = self.record(number)
            source = self.dir / str(number)
            if record is None or not source.is_dir() or number > self.live_number():
                kept = ", ".join(str(v.number) for v in self.list())
                raise InputError(f"there is no version {number} to restore (kept: {kept})",
                                 source="restore")
            target = self.new_dir()
            try:
                ox.Store.read_only(str(source)).backup(str(target))
                stats = self.read_stats(number)
                if stats is None:
                    stats = Stats({}, {g.value for g in ox.Store.read_only(str(target))
                                       .named_graphs() if isinstance(g, ox.NamedNode)}, None)
                self.finish(int(target.name), f"restore of version {number}", stats,
                            restored_from=number)
            except OSError as exc:
                shutil.rmtree(target, ignore_errors=True)
                self._forget(int(target.name))
                raise StoreError(f"cannot restore version {number}: {exc}") from None
            self.switch(target)
            self.cleanup()
            return target


def new_record(operation: str, stats: Stats, **extra: Any) -> dict[str, Any]:
    """A version record: creation time (UTC), the operation that made it, its size."""
    return {"created": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "operation": operation, "quads": stats.quads if not stats.pending else None,
            **extra}
