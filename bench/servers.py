"""Start, load, watch and stop the SPARQL servers that bench/run.py compares.

- ``ours``: this project's endpoint as in production, ``owl40 serve`` (granian, 2 workers x 2
  threads); ``ours-gunicorn`` / ``ours-gthread``: under gunicorn (2 sync workers, or gthread); over an
  EmbeddedStore version written with pyoxigraph's bulk loader (the file as it is: its default
  graph is already the materialised union);
- ``oxigraph``: the Oxigraph server (``oxigraph serve-read-only``) over its own on-disk store,
  loaded with ``oxigraph load``; no ``--union-default-graph``;
- ``rdflib``: rdflib-endpoint (uvicorn) holding the file in memory, from the separate venv
  ``bench/.venv-peers`` (``python bench/servers.py rdflib ...`` runs there; this module
  imports only the standard library at the top for that reason).

Every server listens on 127.0.0.1 only and runs in its own session, so ``stop`` ends exactly
its process group. ``PssSampler`` sums the proportional set size of each server's process tree
(server master + workers + engine processes) from ``/proc/<pid>/smaps_rollup``.
"""

from __future__ import annotations

import argparse
import gzip
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
PEERS_VENV = ROOT / "bench" / ".venv-peers"
ONTOLOGY = (("regio.ttl", "https://w3id.org/regio-kg/ontology"),
            ("codelists.ttl", "https://w3id.org/regio-kg/code"))
PROBE = "ASK { ?s ?p ?o }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- loading ---------------------------------------------------------------------------------

def load_ours(data: Path, store_dir: Path) -> float:
    """Write ``data`` (gzip N-Quads) and the ontology as a new EmbeddedStore version with the
    bulk loader (compacted, as every load of the store); seconds taken (the switch included)."""
    import pyoxigraph as ox

    from graph.store import EmbeddedStore

    started = time.perf_counter()

    def fill(writer: ox.Store) -> None:
        with gzip.open(data) as fh:
            writer.bulk_load(fh, format=ox.RdfFormat.N_QUADS)
        for name, graph in ONTOLOGY:
            triples = list(ox.parse(path=str(ROOT / "ontology" / name),
                                    format=ox.RdfFormat.TURTLE))
            writer.extend([ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
                           for t in triples])
            writer.extend([ox.Quad(t.subject, t.predicate, t.object) for t in triples])

    store = EmbeddedStore(store_dir)
    store.write_version(fill)  # the store's writer lock, compaction and atomic switch
    store.close()
    return time.perf_counter() - started


def load_oxigraph(data: Path, location: Path, *, optimize: bool = False) -> float:
    """``oxigraph load`` the file, then each ontology file into its graph and the default
    graph (like the project's store); with ``optimize`` also ``oxigraph optimize`` (the
    compaction the project's store does on every load); seconds taken."""
    oxi = str(VENV_BIN / "oxigraph")
    started = time.perf_counter()
    runs = [[oxi, "load", "--location", str(location), "--file", str(data)]]
    for name, graph in ONTOLOGY:
        path = str(ROOT / "ontology" / name)
        runs.append([oxi, "load", "--location", str(location), "--file", path, "--graph", graph])
        runs.append([oxi, "load", "--location", str(location), "--file", path])
    if optimize:
        runs.append([oxi, "optimize", "--location", str(location)])
    for cmd in runs:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


# -- servers ---------------------------------------------------------------------------------

@dataclass
class Server:
    """A running server: its name, query URL, process and what starting it cost."""

    name: str
    url: str
    proc: subprocess.Popen
    log: Path
    launched: float = 0.0
    ready_s: float = 0.0

    def wait(self, timeout: float = 120.0) -> Server:
        """Block until the server answers a query; ``ready_s``: seconds since launch."""
        if self.ready_s:
            return self
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; "
                                   f"see {self.log}")
            try:
                if post_query(self.url, PROBE, timeout=5)[0] == 200:
                    self.ready_s = time.perf_counter() - self.launched
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout:g} s; see {self.log}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        """End this server's process group (it was started in its own session)."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
            except ProcessLookupError:
                pass


def post_query(url: str, query: str, timeout: float = 30.0) -> tuple[int, bytes]:
    body = urllib.parse.urlencode({"query": query}).encode()
    req = urllib.request.Request(url, data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _launch(name: str, cmd: list[str], url: str, log: Path, *,
            env: dict | None = None) -> Server:
    """Start ``cmd`` in its own session (output to ``log``); ``Server.wait`` for readiness."""
    fh = open(log, "ab")
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=fh,
                            stderr=subprocess.STDOUT, start_new_session=True)
    fh.close()
    return Server(name, url, proc, log, launched=time.perf_counter())


def start_ours(store_dir: Path, log: Path) -> Server:
    """The production command, ``owl40 serve`` (granian, 2 workers x 2 threads)."""
    port = free_port()
    cmd = [str(VENV_BIN / "owl40"), "--store", str(store_dir), "serve", "--port", str(port),
           "--workers", "2", "--threads", "2"]
    return _launch("ours", cmd, f"http://127.0.0.1:{port}/sparql", log).wait()


def start_ours_gunicorn(store_dir: Path, log: Path, *, gthread: int = 0,
                        env: dict[str, str] | None = None) -> Server:
    """The alternative: ``gunicorn -w 2 api.wsgi:app`` (sync workers, a connection per
    request); ``gthread``: threads per worker with the gthread worker (keep-alive); ``env``:
    further OWL40_* settings."""
    port = free_port()
    cmd = [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}"]
    if gthread:
        cmd += ["-k", "gthread", "--threads", str(gthread)]
    cmd.append("api.wsgi:app")
    name = "ours-gthread" if gthread else "ours-gunicorn"
    return _launch(name, cmd, f"http://127.0.0.1:{port}/sparql", log,
                   env={"OWL40_STORE": str(store_dir), **(env or {})}).wait()


def start_oxigraph(location: Path, log: Path, *, name: str = "oxigraph",
                   jemalloc: bool = False) -> Server:
    port = free_port()
    cmd = [str(VENV_BIN / "oxigraph"), "serve-read-only", "--location", str(location),
           "--bind", f"127.0.0.1:{port}"]
    env = None
    if jemalloc:
        from api.cli import find_jemalloc

        lib = find_jemalloc()
        if lib is None:
            raise RuntimeError("jemalloc is missing: apt-get install libjemalloc2")
        env = {"LD_PRELOAD": lib}
    return _launch(name, cmd, f"http://127.0.0.1:{port}/query", log, env=env).wait()


def launch_rdflib(data: Path, log: Path) -> Server:
    """rdflib-endpoint in the peers' venv (not waited for); ``ready_s`` includes parsing."""
    python = PEERS_VENV / "bin" / "python"
    if not python.exists():
        raise RuntimeError(f"{python} is missing: python3 -m venv {PEERS_VENV} && "
                           f"{PEERS_VENV}/bin/pip install rdflib-endpoint uvicorn")
    port = free_port()
    cmd = [str(python), str(Path(__file__).resolve()), "rdflib", "--port", str(port), str(data)]
    return _launch("rdflib", cmd, f"http://127.0.0.1:{port}/", log)


# -- memory ----------------------------------------------------------------------------------

def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree(root: int, kids: dict[int, list[int]] | None = None) -> list[int]:
    """``root`` and all its descendants."""
    kids = _children() if kids is None else kids
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out


def pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of ``pids`` (those still alive), in seconds."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def wait_idle(root: int, *, quiet: float = 0.3, timeout: float = 120.0) -> float:
    """Wait until the process tree of ``root`` has used (almost) no CPU for ``quiet`` seconds,
    e.g. until a server has worked off what a load generator left queued; seconds waited."""
    started = time.monotonic()
    last = cpu_seconds(tree(root))
    calm_since = time.monotonic()
    while time.monotonic() - started < timeout:
        time.sleep(0.1)
        now = cpu_seconds(tree(root))
        if now - last > 0.01:  # more than a tick or so of work in 100 ms
            calm_since = time.monotonic()
        last = now
        if time.monotonic() - calm_since >= quiet:
            break
    return time.monotonic() - started


class PssSampler:
    """Samples the summed PSS of each server's process tree in a thread; keeps the peak."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.roots: dict[str, int] = {}
        self.peak_kib: dict[str, int] = {}
        self.peak_procs: dict[str, int] = {}
        self.last_kib: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def watch(self, name: str, pid: int) -> None:
        self.roots[name] = pid
        self.sample()

    def sample(self) -> None:
        kids = _children()
        for name, root in list(self.roots.items()):
            pids = tree(root, kids)
            total = sum(pss_kib(p) for p in pids)
            self.last_kib[name] = total
            if total > self.peak_kib.get(name, 0):
                self.peak_kib[name], self.peak_procs[name] = total, len(pids)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> PssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


# -- rdflib-endpoint launcher (runs in bench/.venv-peers) ------------------------------------

def _serve_rdflib(argv: list[str]) -> None:
    """Load the file into an rdflib Dataset whose default graph is the file's default graph
    (not a union view: the file has the union materialised), add the ontology like the
    project's store, serve it with rdflib-endpoint under uvicorn."""
    import uvicorn
    from rdflib import Dataset, Graph, URIRef
    from rdflib_endpoint import SparqlEndpoint

    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("data")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    ds = Dataset(default_union=False)
    with gzip.open(args.data, "rb") as fh:
        ds.parse(file=fh, format="nquads")
    for name, graph in ONTOLOGY:
        onto = Graph().parse(ROOT / "ontology" / name, format="turtle")
        named = ds.graph(URIRef(graph))
        for triple in onto:
            named.add(triple)
            ds.default_graph.add(triple)
    print(f"loaded {len(ds.default_graph)} default-graph triples in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    uvicorn.run(SparqlEndpoint(graph=ds), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    if sys.argv[1:2] == ["rdflib"]:
        _serve_rdflib(sys.argv[2:])
    else:
        sys.exit("usage: python bench/servers.py rdflib --port PORT DATA.nq.gz")
