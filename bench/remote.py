"""Remote stores (issue 13 §5): the invented multi-region graph loaded and served through
Virtuoso 7 beside the embedded store.

For one size (``--size 1m``; the file from bench/generate.py, generated when missing):

- **load**: the embedded store with the platform's own path, ``owl40 load FILE`` (the file's
  named graphs; the store computes the default-graph union itself, then writes the release);
  Virtuoso with its bulk loader (``ld_dir`` + ``rdf_loader_run`` + ``checkpoint`` through
  ``isql-vt``: the file as it is, its default-graph quads into the union graph
  ``REMOTE_DEFAULT_GRAPH``), then the instance's background (ontology, code lists, shapes,
  example questions) through the platform (``load_files`` on a RemoteStore); and the
  platform's own load path onto Virtuoso (``owl40 load FILE`` with the remote settings:
  parse, then HTTP Graph Store Protocol and SPARQL updates) at a small size (``--small``),
  beside the embedded ``owl40 load`` of the same file;
- **disk**: the embedded store's directory, Virtuoso's database directory;
- **memory**: PSS and RSS of the serving processes: ``owl40 serve`` (granian, 2 workers x 2
  threads) on the embedded store; ``owl40 serve`` on Virtuoso (its workers proxy /sparql and
  query Virtuoso for the pages) plus ``virtuoso-t``;
- **latency**: sequential requests (one connection each) for three queries of the mix
  (platform overview, key figures of one region, a project page; ``--variants`` parameter
  variants, ``--reps`` requests each) through both apps' ``/sparql``, and directly on
  Virtuoso's ``/sparql``; the home page and the project list (``/projects``) of both apps. Row
  counts of the two stores are compared.

    python bench/remote.py --size 1m [--small 100k] [--reps 10] [--keep]

Writes ``bench/results/remote-<size>-<time>.json`` and ``.md``. Everything runs on 127.0.0.1 in
``var/bench-remote/`` (removed afterwards unless ``--keep``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyoxigraph as ox  # noqa: E402

from bench.generate import generate  # noqa: E402
from bench.mix import load_queries, query_variants  # noqa: E402
from bench.servers import PssSampler, Server, _launch, free_port, post_query, tree  # noqa: E402
from tests.virtuoso import write_ini  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
QUERIES = ("platform-overview", "key-figures", "project-page")
BASE = "http://127.0.0.1:8040/"
UNION_GRAPH = BASE + "graph/default"
SYSTEM_GRAPHS = "http://www.openlinksw.com/schemas/virtrdf# http://www.w3.org/ns/ldp# http://localuriqaserver/"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _env(**extra: str) -> dict[str, str]:
    """The environment of an ``owl40`` command run from this checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OWL40_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update({"OWL40_INPUT_MAX_BYTES": str(64 << 30), "OWL40_INPUT_MAX_BLANK_NODES": "100000000",
                "OWL40_BASE_IRI": BASE})
    env.update(extra)
    return env


LOADS: dict[str, dict[str, float]] = {}  # what ``owl40 load`` reported: data live, release


def owl40(args: list[str], env: dict[str, str], cwd: Path, label: str = "") -> float:
    """Run the ``owl40`` CLI of this checkout; seconds taken (the times ``owl40 load`` reports
    for the data going live and for the release go to ``LOADS[label]``)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", "from api.cli import main; main()", *args],
                          cwd=cwd, env=env, check=True, capture_output=True, text=True)
    output = done.stdout + done.stderr
    live = re.search(r"in ([\d.]+) s \(live\)", output)
    release = re.search(r"^release \d+:.*\(([\d.]+) s\)", output, re.M)
    LOADS[label] = {"live_s": float(live[1]) if live else None,
                    "release_s": float(release[1]) if release else None}
    return time.perf_counter() - started


def du_mib(*paths: Path) -> float:
    total = 0
    for path in paths:
        for p in ([path] if path.is_file() else path.rglob("*")):
            if p.is_file() and not p.is_symlink():
                total += p.stat().st_blocks * 512
    return round(total / 2**20, 1)


def data_files(size: str) -> tuple[Path, Path]:
    """The generated file (with its default-graph union) and its named graphs only."""
    full = ROOT / "bench" / "data" / f"synthetic-{size}.nq.gz"
    if not full.exists():
        log(f"generating {full.name}")
        generate(SIZES[size], full)
    named = full.with_name(f"synthetic-{size}-named.nq.gz")
    if not named.exists():
        log(f"writing {named.name} (named graphs only)")
        with gzip.open(full) as src, gzip.open(named, "wb", compresslevel=1) as out:
            batch: list[ox.Quad] = []
            for quad in ox.parse(src, format=ox.RdfFormat.N_QUADS):
                if not isinstance(quad.graph_name, ox.DefaultGraph):
                    batch.append(quad)
                if len(batch) >= 100_000:
                    out.write(ox.serialize(batch, format=ox.RdfFormat.N_QUADS))
                    batch = []
            out.write(ox.serialize(batch, format=ox.RdfFormat.N_QUADS))
    return full, named


class Virtuoso:
    """A virtuoso-t with a fresh database in ``directory``, buffers sized for ``mem_gib``."""

    def __init__(self, directory: Path, data_dir: Path, mem_gib: float) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.dir, self.http, self.sql = directory, free_port(), free_port()
        buffers = int(mem_gib * 2**30 * 0.66 / 8000)  # virtuoso.ini: 2/3 of the memory, 8 kB pages
        write_ini(directory, self.sql, self.http, buffers=buffers, dirs=(data_dir,), max_seconds=300,
                  max_remap=None)
        self.server = _launch("virtuoso", [shutil.which("virtuoso-t") or "virtuoso-t", "+foreground",
                                           "+configfile", str(directory / "virtuoso.ini")],
                              f"http://127.0.0.1:{self.http}/sparql", directory / "stdout.log")
        self.server.wait(120)

    @property
    def settings(self) -> dict[str, str]:
        url = f"http://127.0.0.1:{self.http}"
        return {"OWL40_SPARQL_URL": f"{url}/sparql", "OWL40_UPDATE_URL": f"{url}/sparql-auth",
                "OWL40_GSP_URL": f"{url}/sparql-graph-crud-auth", "OWL40_REMOTE_USER": "dba",
                "OWL40_REMOTE_PASSWORD": "dba", "OWL40_REMOTE_AUTH": "digest",
                "OWL40_REMOTE_DEFAULT_GRAPH": UNION_GRAPH,
                "OWL40_REMOTE_SYSTEM_GRAPHS": SYSTEM_GRAPHS}

    def isql(self, *statements: str) -> float:
        started = time.perf_counter()
        for statement in statements:
            subprocess.run(["isql-vt", str(self.sql), "dba", "dba", f"exec={statement}"],
                           check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - started

    def bulk_load(self, path: Path) -> float:
        return self.isql(f"ld_dir('{path.parent}', '{path.name}', '{UNION_GRAPH}')",
                         "rdf_loader_run()", "checkpoint")

    def disk_mib(self) -> float:
        return du_mib(*[p for p in self.dir.iterdir() if p.suffix in (".db", ".trx")])

    def stop(self) -> None:
        self.server.stop()


def serve(name: str, env: dict[str, str], cwd: Path, logs: Path) -> Server:
    port = free_port()
    cmd = [str(BIN / "owl40"), "serve", "--port", str(port), "--workers", "2", "--threads", "2"]
    return _launch(name, cmd, f"http://127.0.0.1:{port}/sparql", logs / f"{name}.log",
                   env=env).wait(300)


def _get(url: str, timeout: float = 120) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        resp.read()
        return time.perf_counter() - started, resp.status


def _query(url: str, text: str, extra: dict[str, str] | None = None) -> tuple[float, int, int]:
    """Seconds, status and row count of one POSTed query."""
    started = time.perf_counter()
    if extra:
        body = urllib.parse.urlencode({"query": text, **extra}).encode()
        req = urllib.request.Request(url, data=body, headers={
            "Accept": "application/sparql-results+json"})
        try:
            with urllib.request.urlopen(req, timeout=300) as resp:
                status, data = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, data = exc.code, exc.read()
    else:
        status, data = post_query(url, text, timeout=300)
    seconds = time.perf_counter() - started
    rows = len(json.loads(data)["results"]["bindings"]) if status == 200 else -1
    return seconds, status, rows


def _stats(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(ordered) * 1000, 1),
            "p90_ms": round(ordered[max(0, -(-9 * len(ordered) // 10) - 1)] * 1000, 1),
            "n": len(ordered)}


def latency(targets: dict[str, tuple[str, dict[str, str] | None]], variants: list[tuple[str, str]],
            reps: int) -> tuple[dict, list[str]]:
    """Per query and target: median / p90 over ``reps`` requests cycling through the variants
    (after one warm-up of each variant); and notes where the row counts differ."""
    out: dict[str, dict] = {}
    notes: list[str] = []
    for name in QUERIES:
        texts = [t for n, t in variants if n == name]
        rows: dict[str, list[int]] = {}
        for target, (url, extra) in targets.items():
            rows[target] = [_query(url, t, extra)[2] for t in texts]  # warm-up, row counts
            times = [_query(url, texts[i % len(texts)], extra)[0] for i in range(reps)]
            out.setdefault(name, {})[target] = _stats(times)
            log(f"  {name} on {target}: {out[name][target]}")
        counts = {t: r for t, r in rows.items()}
        if len({tuple(r) for r in counts.values()}) > 1:
            notes.append(f"{name}: row counts differ: {counts}")
        out[name]["rows"] = next(iter(counts.values()))
    return out, notes


def pages(apps: dict[str, str], reps: int, timeout: float) -> dict:
    """Median / p90 of each page on each app; a page that takes longer than ``timeout`` is
    recorded as such (the pages' queries run without the endpoint's timeout)."""
    out: dict[str, dict] = {}
    for path in ("/", "/projects"):
        for name, base in apps.items():
            try:
                _get(base + path, timeout)  # warm-up
                out.setdefault(path, {})[name] = _stats([_get(base + path, timeout)[0]
                                                         for _ in range(reps)])
            except (TimeoutError, urllib.error.URLError) as exc:
                out.setdefault(path, {})[name] = {"median_ms": f"> {timeout * 1000:.0f}",
                                                  "p90_ms": "", "n": 0, "error": str(exc)}
            log(f"  {path} on {name}: {out[path][name]}")
    return out


def memory(servers: dict[str, Server]) -> dict:
    """PSS and RSS (MiB) summed over each server's process tree, now."""
    out = {}
    for name, server in servers.items():
        pss = rss = 0
        pids = tree(server.pid)
        for pid in pids:
            try:
                with open(f"/proc/{pid}/smaps_rollup") as fh:
                    for line in fh:
                        if line.startswith("Pss:"):
                            pss += int(line.split()[1])
                        elif line.startswith("Rss:"):
                            rss += int(line.split()[1])
            except OSError:
                continue
        out[name] = {"pss_mib": round(pss / 1024, 1), "rss_mib": round(rss / 1024, 1),
                     "processes": len(pids)}
    return out


def run(args: argparse.Namespace) -> dict:
    work = ROOT / "var" / "bench-remote"
    shutil.rmtree(work, ignore_errors=True)
    (work / "logs").mkdir(parents=True)
    full, named = data_files(args.size)
    small_full, small_named = data_files(args.small)
    result: dict = {"size": args.size, "file": full.name, "small": args.small,
                    "loadavg_start": list(os.getloadavg()), "load": {}, "disk_mib": {}}
    instance = work / "instance"
    instance.mkdir()

    def embedded_env(name: str) -> dict[str, str]:
        d = work / name
        return _env(OWL40_INSTANCE_DIR=str(instance), OWL40_STORE=str(d / "store"),
                    OWL40_DUMPS_DIR=str(d / "dumps"), OWL40_CACHE_DIR=str(d / "cache"))

    log(f"embedded: owl40 load {small_named.name}")
    result["load"][f"embedded owl40 load {args.small}"] = round(owl40(
        ["load", str(small_named)], embedded_env("embedded-small"), instance,
        f"embedded owl40 load {args.small}"), 1)
    log(f"embedded: owl40 load {named.name}")
    env = embedded_env("embedded")
    result["load"][f"embedded owl40 load {args.size}"] = round(owl40(
        ["load", str(named)], env, instance, f"embedded owl40 load {args.size}"), 1)
    result["disk_mib"]["embedded store"] = du_mib(work / "embedded" / "store")

    small = Virtuoso(work / "virtuoso-small", full.parent, 1.0)
    try:
        log(f"virtuoso: owl40 load {small_named.name} (the platform's load path)")
        result["load"][f"virtuoso owl40 load {args.small}"] = round(owl40(
            ["load", str(small_named)], {**embedded_env("small-app"), **small.settings}, instance,
            f"virtuoso owl40 load {args.small}"), 1)
    finally:
        small.stop()
    virtuoso = Virtuoso(work / "virtuoso", full.parent, args.virtuoso_gib)
    try:
        venv = {**embedded_env("virtuoso-app"), **virtuoso.settings}
        log(f"virtuoso: bulk load {full.name}")
        result["load"][f"virtuoso bulk loader {args.size}"] = round(virtuoso.bulk_load(full), 1)
        log("virtuoso: background through the platform")
        result["load"]["virtuoso background via platform"] = round(background(venv), 1)
        result["disk_mib"]["virtuoso database"] = virtuoso.disk_mib()
        logs = work / "logs"
        ours = serve("embedded-app", env, instance, logs)
        remote = serve("virtuoso-app", venv, instance, logs)
        servers = {"embedded app (owl40 serve)": ours, "virtuoso app (owl40 serve)": remote,
                   "virtuoso-t": virtuoso.server}
        try:
            variants = query_variants(full, args.variants,
                                      queries=[q for q in load_queries() if q.name in QUERIES])
            with PssSampler() as sampler:
                for name, server in servers.items():
                    sampler.watch(name, server.pid)
                targets = {"embedded app": (ours.url, None), "virtuoso app": (remote.url, None),
                           "virtuoso direct": (virtuoso.server.url, {"default-graph-uri": UNION_GRAPH})}
                result["latency"], result["notes"] = latency(targets, variants, args.reps)
                result["pages"] = pages({"embedded app": ours.url.removesuffix("/sparql"),
                                         "virtuoso app": remote.url.removesuffix("/sparql")},
                                        args.page_reps, args.page_timeout)
            result["memory_after"] = memory(servers)
            result["memory_peak_pss_mib"] = {k: round(v / 1024, 1) for k, v in sampler.peak_kib.items()}
        finally:
            ours.stop()
            remote.stop()
    finally:
        virtuoso.stop()
    result["loadavg_end"] = list(os.getloadavg())
    result["owl40_load_reported"] = LOADS
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return result


def background(env: dict[str, str]) -> float:
    """The instance's background (ontology, code lists, shapes, examples) through a RemoteStore."""
    code = ("from api.config import load_settings; from graph.store import open_store, load_files; "
            "s = load_settings(); st = open_store(s); load_files(st, [], settings=s); st.close()")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def markdown(r: dict) -> str:
    lines = [f"### Remote stores at {r['size']} ({r['file']}), {r['time']}",
             "", f"Load average at start / end: {', '.join(f'{x:.2f}' for x in r['loadavg_start'])} / "
             f"{', '.join(f'{x:.2f}' for x in r['loadavg_end'])}", "", "| load | seconds |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in r["load"].items()]
    lines += [f"| {k}: data live / release (as reported) | {v['live_s']} / {v['release_s']} |"
              for k, v in r.get("owl40_load_reported", {}).items()]
    lines += ["", "| disk | MiB |", "|---|---|"] + [f"| {k} | {v} |" for k, v in r["disk_mib"].items()]
    lines += ["", "| serving process tree | PSS MiB (peak during the runs) | PSS MiB after | "
              "RSS MiB after | processes |", "|---|---|---|---|---|"]
    for k, v in r["memory_after"].items():
        peak = r["memory_peak_pss_mib"].get(k, "")
        lines.append(f"| {k} | {peak} | {v['pss_mib']} | {v['rss_mib']} | {v['processes']} |")
    lines += ["", "| query (median / p90 ms) | rows | embedded app | virtuoso app | virtuoso direct |",
              "|---|---|---|---|---|"]
    for name, per in r["latency"].items():
        cells = [f"{per[t]['median_ms']} / {per[t]['p90_ms']}"
                 for t in ("embedded app", "virtuoso app", "virtuoso direct")]
        lines.append(f"| {name} | {per['rows']} | " + " | ".join(cells) + " |")
    for path, per in r["pages"].items():
        here, there = per["embedded app"], per["virtuoso app"]
        lines.append(f"| page `{path}` | | {here['median_ms']} / {here['p90_ms']} | "
                     f"{there['median_ms']} / {there['p90_ms']} | |")
    if r.get("notes"):
        lines += ["", "Notes:"] + [f"- {n}" for n in r["notes"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="1m", choices=sorted(SIZES))
    ap.add_argument("--small", default="100k", choices=sorted(SIZES))
    ap.add_argument("--variants", type=int, default=5)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--page-reps", type=int, default=5)
    ap.add_argument("--page-timeout", type=float, default=60.0)
    ap.add_argument("--virtuoso-gib", type=float, default=4.0, help="memory for Virtuoso's buffers")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args(argv)
    result = run(args)
    result["time"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    out = ROOT / "bench" / "results" / f"remote-{args.size}-{time.strftime('%Y%m%d-%H%M')}"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    text = markdown(result)
    out.with_suffix(".md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
