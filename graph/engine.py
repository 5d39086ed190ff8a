"""Query execution with a hard deadline, and an in-process path for proven-fast queries.

A pyoxigraph evaluation cannot be interrupted from Python, so a query that runs too long can
only be stopped by ending the process that runs it. Each web worker therefore owns engine
processes (started with ``spawn``, never forked from the web server) that open the store
read-only and answer requests over a pipe. When a deadline passes, the worker kills the
engine, answers with a clear error (or a clear end-of-stream signal), and starts a fresh
engine for the next request. Results are serialised by the engine's native serializers inside
the engine process and travel as byte chunks; no per-row Python.

The hop to the engine process costs about a millisecond of CPU per request, more than the
evaluation of a lookup. So a query that the engine has already answered completely and
quickly (under ``fast_path_max`` seconds, in one message) on the *same* store version, with
the same dataset, format and cap, is afterwards evaluated in the worker itself. Evaluation on
an immutable version is deterministic, so such a query stays fast; a first-seen query, which
might be anything, always goes to a killable engine. pyoxigraph releases the GIL while it
evaluates and serialises, so in-process queries of a threaded worker run in parallel. This is
not a result cache: every request is evaluated again.
"""

from __future__ import annotations

import io
import multiprocessing as mp
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

CHUNK = 64 * 1024
PROVEN_MAX_TEXT = 16 * 1024  # longer queries are not remembered (bounds the memory it takes)


@dataclass(frozen=True)
class QueryJob:
    """One query: text, negotiated media type, dataset description and row cap."""

    query: str
    media_type: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    capped: bool = False        # the query text was rewritten with LIMIT cap
    cap: int = 0
    base_iri: str | None = None  # relative IRIs in the query resolve against it


@dataclass
class QueryOutcome:
    """What the engine reports before the body: kind, truncation, or an error."""

    kind: str = ""              # "solutions", "boolean" or "graph"
    truncated: bool = False
    rows: int | None = None
    error: str | None = None    # "syntax", "evaluation", "timeout", "engine"
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class EngineTimeout(Exception):
    """The engine did not answer before the deadline (it has been stopped)."""


# -- engine process ------------------------------------------------------------------------

class _PipeWriter(io.RawIOBase):
    """A file-like object for the serializer: the first chunk travels with the outcome
    ("head"), later ones as "data"; a small result is one message in all."""

    def __init__(self, conn: Any, outcome: QueryOutcome) -> None:
        self.conn, self.outcome = conn, outcome
        self.buf = bytearray()
        self.head_sent = False

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buf += data
        if len(self.buf) >= CHUNK:
            self._ship()
        return len(data)

    def _ship(self) -> None:
        if not self.head_sent:
            self.conn.send(("head", (self.outcome, bytes(self.buf), False)))
            self.head_sent = True
        else:
            self.conn.send(("data", bytes(self.buf)))
        self.buf.clear()

    def finish(self) -> None:
        if not self.head_sent:
            self.conn.send(("head", (self.outcome, bytes(self.buf), True)))
            return
        if self.buf:
            self.conn.send(("data", bytes(self.buf)))
        self.conn.send(("end", None))


def _count_rows(body: bytes, media_type: str) -> int:
    """Rows in a serialised SELECT result, counted on the bytes (see _engine_main)."""
    if "json" in media_type:
        return 0 if b'"bindings":[]' in body else body.count(b'},{"') + 1
    if "xml" in media_type:
        return body.count(b"<result>")
    if "tab-separated" in media_type:
        return max(body.count(b"\n") - 1, 0)
    return max(body.count(b"\r\n") - 1, 0)


def _open(store_dir: str, opened: tuple[str, Any] | None) -> tuple[str, Any]:
    import pyoxigraph

    target = os.path.realpath(os.path.join(store_dir, "current"))
    if opened and opened[0] == target:
        return opened
    return target, pyoxigraph.Store.read_only(target)


def _kwargs(job: QueryJob) -> dict[str, Any]:
    """The query's options: base IRI and the protocol's dataset, which replaces the query's
    FROM / FROM NAMED as a whole (SPARQL 1.1 Protocol 2.1.4: a dataset given with default
    graphs only has no named graphs, and the other way round)."""
    import pyoxigraph

    kwargs: dict[str, Any] = {"base_iri": job.base_iri}
    if job.default_graphs or job.named_graphs:
        kwargs["default_graph"] = [pyoxigraph.NamedNode(g) for g in job.default_graphs]
        kwargs["named_graphs"] = [pyoxigraph.NamedNode(g) for g in job.named_graphs]
    return kwargs


_UNKNOWN_FUNCTION = re.compile(r"^The custom function <([^>]*)> is not supported$")
MAX_UNKNOWN_FUNCTIONS = 64


def _unbound(*_args: Any) -> None:
    """An unknown extension function: every call is an expression error (SPARQL 1.1
    section 17.6), so a BIND leaves its variable unbound and a FILTER drops the row."""
    return None


def run_query(store: Any, text: str, job: QueryJob) -> Any:
    """``store.query`` with the job's options; a call of a function the engine does not know
    is an expression error rather than a failure of the whole query."""
    import pyoxigraph

    unknown: dict[Any, Any] = {}
    while True:
        try:
            return store.query(text, custom_functions=unknown or None, **_kwargs(job))
        except RuntimeError as exc:
            match = _UNKNOWN_FUNCTION.match(str(exc))
            if match is None or len(unknown) >= MAX_UNKNOWN_FUNCTIONS:
                raise
            unknown[pyoxigraph.NamedNode(match[1])] = _unbound


def _start(store: Any, job: QueryJob) -> tuple[str, Any, Any]:
    """Evaluate ``job``: (kind, results, serialisation format)."""
    import pyoxigraph

    result = run_query(store, job.query, job)
    if isinstance(result, pyoxigraph.QueryBoolean):
        return "boolean", result, pyoxigraph.QueryResultsFormat.from_media_type(job.media_type)
    if isinstance(result, pyoxigraph.QuerySolutions):
        return "solutions", result, pyoxigraph.QueryResultsFormat.from_media_type(job.media_type)
    return "graph", result, pyoxigraph.RdfFormat.from_media_type(job.media_type)


def _buffered(store: Any, job: QueryJob, kind: str, result: Any, fmt: Any
              ) -> tuple[QueryOutcome, bytes]:
    """Serialise the whole result and, when the cap bounds it, tell whether the cap cut it."""
    body = result.serialize(format=fmt)
    rows = _count_rows(body, job.media_type) if kind == "solutions" and job.capped else None
    truncated = False
    if rows is not None and rows >= job.cap:
        text = job.query.rstrip()
        probe = run_query(store, text[: text.rfind("LIMIT")] + f"LIMIT 1 OFFSET {job.cap}", job)
        truncated = any(True for _ in probe)
    return QueryOutcome(kind=kind, truncated=truncated, rows=rows), body


def evaluate(store: Any, job: QueryJob) -> tuple[QueryOutcome, bytes]:
    """Evaluate ``job`` in this process and return the whole serialised body; errors come
    back in the outcome as in the engine process."""
    try:
        kind, result, fmt = _start(store, job)
        if kind == "boolean":
            return QueryOutcome(kind="boolean"), result.serialize(format=fmt)
        return _buffered(store, job, kind, result, fmt)
    except SyntaxError as exc:
        return QueryOutcome(error="syntax", message=str(exc)), b""
    except (RuntimeError, ValueError, TypeError, OSError) as exc:
        return QueryOutcome(error="evaluation", message=str(exc)), b""


def _run(store: Any, job: QueryJob, conn: Any) -> None:
    kind, result, fmt = _start(store, job)
    if kind == "boolean":
        conn.send(("head", (QueryOutcome(kind="boolean"), result.serialize(format=fmt), True)))
        return
    if job.capped:
        # Bounded by the cap: buffer, count, and tell whether the cap cut the result.
        outcome, body = _buffered(store, job, kind, result, fmt)
        writer = _PipeWriter(conn, outcome)
        for i in range(0, len(body), CHUNK):
            writer.write(body[i:i + CHUNK])
        writer.finish()
        return
    writer = _PipeWriter(conn, QueryOutcome(kind=kind))
    result.serialize(output=writer, format=fmt)
    writer.finish()


def _engine_main(conn: Any, store_dir: str) -> None:
    """Loop of the engine process: open the current store version read-only, answer jobs."""
    opened: tuple[str, Any] | None = None
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        try:
            opened = _open(store_dir, opened)
            _run(opened[1], job, conn)
        except SyntaxError as exc:
            conn.send(("error", QueryOutcome(error="syntax", message=str(exc))))
        except (RuntimeError, ValueError, TypeError) as exc:
            conn.send(("error", QueryOutcome(error="evaluation", message=str(exc))))
        except OSError as exc:
            conn.send(("error", QueryOutcome(error="evaluation", message=str(exc))))


# -- worker side ---------------------------------------------------------------------------

class QueryEngine:
    """Engine processes for one web worker (up to ``max_engines``, started when first needed;
    further first-seen queries wait for one until their deadline), plus the in-process path for
    queries proven fast on the current store version (see the module docstring)."""

    def __init__(self, store_dir: str, *, timeout: float, max_engines: int = 4,
                 fast_path_max: float = 0.5, proven_size: int = 4096,
                 open_version: Callable[[str], Any] | None = None) -> None:
        self.store_dir = store_dir
        self.timeout = timeout
        self.max_engines = max_engines
        self.fast_path_max = min(fast_path_max, timeout)
        self.proven_size = proven_size
        self._idle: list[_EngineProcess] = []
        self._all: list[_EngineProcess] = []
        self._cond = threading.Condition()
        self._pid = os.getpid()
        self._proven: OrderedDict[QueryJob, None] = OrderedDict()
        self._proven_version: str | None = None
        self._local: tuple[str, int, Any] | None = None  # (version, pid, read-only store)
        self._open_version = open_version  # e.g. EmbeddedStore.read_version: one open store
        self._lock = threading.Lock()
        self.answered = {"engine": 0, "inline": 0}  # requests per path (tests, monitoring)

    def version(self) -> str | None:
        """The store version queries run on now (the target of the ``current`` link)."""
        try:
            return os.readlink(os.path.join(self.store_dir, "current"))
        except OSError:
            return None

    def is_proven(self, job: QueryJob, version: str | None) -> bool:
        """Whether ``job`` runs in-process on ``version`` (it was answered fast there)."""
        return version is not None and version == self._proven_version and job in self._proven

    def _remember(self, job: QueryJob, version: str) -> None:
        with self._lock:
            if version != self._proven_version:
                self._proven.clear()
                self._proven_version = version
            self._proven[job] = None
            while len(self._proven) > self.proven_size:
                self._proven.popitem(last=False)

    def _local_store(self, version: str) -> Any:
        local = self._local
        if local is not None and local[0] == version and local[1] == os.getpid():
            return local[2]
        import pyoxigraph

        target = os.path.realpath(os.path.join(self.store_dir, version))
        with self._lock:
            opener = self._open_version or pyoxigraph.Store.read_only
            store = opener(target)
            self._local = (version, os.getpid(), store)
        return store

    def evaluate_inline(self, job: QueryJob, version: str) -> tuple[QueryOutcome, bytes]:
        """Evaluate a proven job in this process: the whole body, or an error outcome."""
        self.answered["inline"] += 1
        return evaluate(self._local_store(version), job)

    def _take(self, deadline: float) -> _EngineProcess:
        with self._cond:
            if self._pid != os.getpid():  # forked: the parent's engines are not ours
                self._idle, self._all, self._pid = [], [], os.getpid()
            while True:
                if self._idle:
                    return self._idle.pop()
                if len(self._all) < self.max_engines:
                    engine = _EngineProcess(self)
                    self._all.append(engine)
                    return engine
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise EngineTimeout("every query engine of this worker stayed busy for "
                                        f"{self.timeout:g} s")
                self._cond.wait(remaining)

    def _give(self, engine: _EngineProcess) -> None:
        with self._cond:
            self._idle.append(engine)
            self._cond.notify()

    def execute(self, job: QueryJob) -> tuple[QueryOutcome, ResultStream | CompleteBody]:
        """Run ``job``: in-process when it is proven fast on the current version, otherwise on
        an idle engine process (see _EngineProcess.execute), remembering it when it was
        answered completely within ``fast_path_max`` seconds."""
        version = self.version() if self.fast_path_max > 0 else None
        if self.is_proven(job, version):
            outcome, body = self.evaluate_inline(job, version)  # type: ignore[arg-type]
            return outcome, CompleteBody(body)
        started = time.monotonic()
        deadline = started + self.timeout
        self.answered["engine"] += 1
        outcome, stream = self._take(deadline).execute(job, deadline)
        if (version is not None and stream.done and not outcome.error
                and len(job.query) <= PROVEN_MAX_TEXT
                and time.monotonic() - started <= self.fast_path_max):
            self._remember(job, version)
        return outcome, stream

    def close(self) -> None:
        with self._cond:
            for engine in self._all:
                engine.close()
            self._idle, self._all = [], []


class _EngineProcess:
    """One engine process and its pipe; used by one request at a time."""

    def __init__(self, pool: QueryEngine) -> None:
        self.pool = pool
        self.store_dir = pool.store_dir
        self.timeout = pool.timeout
        self._ctx = mp.get_context("spawn")
        self._proc: Any = None
        self._conn: Any = None
        self._pid = os.getpid()

    def _ensure(self) -> None:
        if self._proc is not None and self._proc.is_alive() and self._pid == os.getpid():
            return
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_engine_main, args=(child, self.store_dir), daemon=True)
        proc.start()
        child.close()
        self._proc, self._conn, self._pid = proc, parent, os.getpid()

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
        self._proc = self._conn = None

    def _recv(self, deadline: float) -> tuple[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not self._conn.poll(remaining):
            self._kill()
            raise EngineTimeout(f"the query ran longer than the {self.timeout:g} s timeout")
        try:
            return self._conn.recv()
        except (EOFError, OSError) as exc:
            self._kill()
            raise EngineTimeout("the query engine stopped while answering") from exc

    def _done(self) -> None:
        """The request is over: hand this engine back to the pool."""
        self.pool._give(self)

    def execute(self, job: QueryJob, deadline: float) -> tuple[QueryOutcome, ResultStream]:
        """Run ``job``. Errors before the first byte come back in the outcome; a timeout or
        failure after it ends the stream with EngineTimeout raised from the iterator."""
        try:
            self._ensure()
            self._conn.send(job)
            kind, payload = self._recv(deadline)
        except BaseException:
            self._done()
            raise
        if kind == "error":
            self._done()
            return payload, ResultStream(self, [], deadline, done=True)
        outcome, first, complete = payload
        if complete:
            self._done()
        return outcome, ResultStream(self, [first], deadline, done=complete)

    def close(self) -> None:
        if self._proc is not None and self._pid == os.getpid():
            self._proc.kill()
            self._proc.join(5)
        self._proc = self._conn = None


class CompleteBody:
    """A body that is already complete (an in-process evaluation); iterates like a stream."""

    done = True

    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        yield self.body

    def close(self) -> None:
        pass


class ResultStream:
    """The body of a running query. Iterate it; ``close()`` always frees the engine (a stream
    left half-read is drained until the deadline, else the engine is stopped)."""

    def __init__(self, engine: _EngineProcess, first: list[bytes], deadline: float, *,
                 done: bool) -> None:
        self.engine, self.first, self.deadline, self.done = engine, first, deadline, done
        self._released = done

    def __iter__(self) -> Iterator[bytes]:
        yield from self.first
        self.first = []
        try:
            while not self.done:
                kind, payload = self.engine._recv(self.deadline)
                if kind == "data":
                    yield payload
                elif kind == "end":
                    self.done = True
                else:  # an evaluation error after streaming began
                    self.done = True
                    raise EngineTimeout(f"the query failed while streaming: {payload.message}")
        except EngineTimeout:
            self.done = True
            raise
        finally:
            if self.done:
                self.close()

    def close(self) -> None:
        if self._released:
            return
        self._released = True
        try:
            while not self.done and self.engine._conn is not None:
                kind, _ = self.engine._recv(self.deadline)
                self.done = kind in ("end", "error")
        except EngineTimeout:
            pass
        finally:
            self.engine._done()
