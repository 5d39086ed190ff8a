"""Benchmark of the write path (issue 11): loads and small updates, side by side with Oxigraph.

Per data size (the invented multi-region graphs of bench/generate.py):

- **load**: ``owl40 load FILE`` into an empty store (stream, bulk loader, compaction, switch;
  then the release: statistics, dumps, release entry) against ``oxigraph load --file FILE``
  (and ``oxigraph optimize``, the same compaction), same file, rounds interleaved. Per run:
  seconds until the data is live, seconds of the release step, wall time of the process,
  CPU seconds and peak RSS (``wait4``). Also with ``OWL40_LOAD_BATCH`` values (``--batches``).
- **small writes on the loaded store**, through ``owl40 serve`` over HTTP: a one-triple
  ``INSERT DATA`` on ``/sparql/update``, a curator's correction (``DELETE``/``INSERT``
  ``WHERE`` on one existing title) and a small replacement (``DROP GRAPH`` + ``INSERT DATA``
  of 20 triples); per request the time until the update answered and until a query on
  ``/sparql`` sees it (polled at once and again until it does): median and p95. Then the
  seconds until the background publisher has the release of the last version.

Writes ``bench/results/writes-<timestamp>.md`` (also printed) and ``.json``.

    .venv/bin/python bench/writes.py                      # 1M (~10 min)
    .venv/bin/python bench/writes.py --sizes 1m,10m --rounds 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import servers as srv  # noqa: E402
from bench.generate import generate, parse_size  # noqa: E402

BENCH = Path(__file__).resolve().parent
TOKEN = "bench-writes-token"
GRAPH = "https://w3id.org/owl40/graph/file/bench-writes"
EX = "http://example.org/invented/bench-writes/"
TITLE = "http://purl.org/dc/terms/title"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def measured(cmd: list[str], env: dict[str, str] | None = None) -> dict:
    """Run ``cmd``; wall seconds, CPU seconds and peak RSS (MB) of the process, its stderr."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=srv.ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode("utf-8", "replace")  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{cmd[:3]} exited with {proc.returncode}: {err[-2000:]}")
    return {"wall": time.perf_counter() - started, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024, "stderr": err}


def load_ours(data: Path, work: Path, batch: int) -> dict:
    store, dumps = work / "ours-store", work / "ours-dumps"
    shutil.rmtree(store, ignore_errors=True)
    shutil.rmtree(dumps, ignore_errors=True)
    # the bench's own file is trusted: the input limits for untrusted files (1 GiB after
    # decompression, 100,000 blank nodes) are raised so that 10M loads (~1.3 GB of N-Quads)
    run = measured([str(srv.VENV_BIN / "owl40"), "--store", str(store), "load", str(data)],
                   env={"OWL40_DUMPS_DIR": str(dumps), "OWL40_LOAD_BATCH": str(batch),
                        "OWL40_INPUT_MAX_BYTES": str(1 << 40),
                        "OWL40_INPUT_MAX_BLANK_NODES": str(1 << 30)})
    live = re.search(r"in ([\d.]+) s \(live\)", run["stderr"])
    release = re.search(r"dumps in .* \(([\d.]+) s\)", run["stderr"])
    quads = re.search(r"loaded (\d+) triples", run["stderr"])
    run.update(live=float(live[1]) if live else None,
               release=float(release[1]) if release else None,
               triples=int(quads[1]) if quads else None, disk_mb=_du(store),
               phases=phases(store))
    del run["stderr"]
    return run


def load_oxigraph(data: Path, work: Path) -> dict:
    location = work / "oxigraph-store"
    shutil.rmtree(location, ignore_errors=True)
    oxi = str(srv.VENV_BIN / "oxigraph")
    run = measured([oxi, "load", "--location", str(location), "--file", str(data)])
    optimize = measured([oxi, "optimize", "--location", str(location)])
    del run["stderr"]
    run.update(optimize=optimize["wall"], optimize_rss_mb=optimize["rss_mb"],
               disk_mb=_du(location))
    shutil.rmtree(location, ignore_errors=True)
    return run


def _du(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


# -- small writes over HTTP --------------------------------------------------------------------

def _post(url: str, data: bytes, headers: dict[str, str], timeout: float = 120) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def update(base: str, text: str) -> None:
    status, body = _post(base + "/sparql/update", text.encode("utf-8"), {
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    if status != 200:
        raise RuntimeError(f"update answered {status}: {body[:500]!r}")


def ask(base: str, query: str) -> bool:
    status, body = srv.post_query(base + "/sparql", query)
    if status != 200:
        raise RuntimeError(f"query answered {status}: {body[:500]!r}")
    return json.loads(body)["boolean"]


def timed_write(base: str, text: str, check: str) -> tuple[float, float]:
    """(seconds until the update answered, seconds until a query sees it)."""
    started = time.perf_counter()
    update(base, text)
    answered = time.perf_counter() - started
    while not ask(base, check):
        if time.perf_counter() - started > 120:
            raise RuntimeError(f"not visible after 120 s: {check}")
    return answered, time.perf_counter() - started


def phases(store: Path) -> dict[str, float]:
    """The phase timings (ms) the writer recorded for the live version (graph.writer)."""
    number = Path(os.path.realpath(store / "current")).name
    record = json.loads((store / "versions" / f"{number}.json").read_text(encoding="utf-8"))
    return dict(record.get("ms") or {})


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _summary(pairs: list[tuple[float, float]], timings: list[dict[str, float]]) -> dict:
    answered, visible = [p[0] for p in pairs], [p[1] for p in pairs]
    names = [name for name in timings[0]] if timings else []
    return {"n": len(pairs), "answered_median_ms": statistics.median(answered) * 1000,
            "visible_median_ms": statistics.median(visible) * 1000,
            "visible_p95_ms": _pct(visible, 0.95) * 1000,
            "visible_max_ms": max(visible) * 1000,
            # the writer's own phases (median ms): where the time of a write goes
            "phases_median_ms": {name: statistics.median(t.get(name, 0.0) for t in timings)
                                 for name in names}}


def small_writes(store: Path, dumps: Path, work: Path, n: int) -> dict:
    server = srv._launch("ours", [str(srv.VENV_BIN / "owl40"), "--store", str(store), "serve",
                                  "--port", str(port := srv.free_port()), "--workers", "2",
                                  "--threads", "2"],
                         f"http://127.0.0.1:{port}/sparql", work / "serve.log",
                         env={"OWL40_UPDATE_TOKEN": TOKEN, "OWL40_DUMPS_DIR": str(dumps)})
    base = f"http://127.0.0.1:{port}"
    try:
        server.wait(300)
        status, body = srv.post_query(base + "/sparql", f"SELECT ?s ?g WHERE {{ GRAPH ?g {{ ?s "
                                      f"<{TITLE}> ?o }} FILTER(isIRI(?s)) }} LIMIT 1")
        row = json.loads(body)["results"]["bindings"][0]
        subject, graph = row["s"]["value"], row["g"]["value"]
        results: dict[str, list[tuple[float, float]]] = {"insert": [], "correction": [],
                                                          "replace": []}
        timings: dict[str, list[dict[str, float]]] = {name: [] for name in results}
        for i in range(n):
            triple = f'<{EX}s{i}> <{EX}p> "value {i}"'
            results["insert"].append(timed_write(
                base, f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {triple} }} }}", f"ASK {{ {triple} }}"))
            timings["insert"].append(phases(store))
            title = f'"corrected title {i}"@en'
            results["correction"].append(timed_write(
                base, f"DELETE {{ GRAPH <{graph}> {{ <{subject}> <{TITLE}> ?o }} }} "
                f"INSERT {{ GRAPH <{graph}> {{ <{subject}> <{TITLE}> {title} }} }} "
                f"WHERE {{ GRAPH <{graph}> {{ <{subject}> <{TITLE}> ?o }} }}",
                f"ASK {{ <{subject}> <{TITLE}> {title} }}"))
            timings["correction"].append(phases(store))
            body = " ".join(f'<{EX}r{j}> <{EX}p> "replaced {i}-{j}" .' for j in range(20))
            results["replace"].append(timed_write(
                base, f"DROP SILENT GRAPH <{GRAPH}-replace> ; INSERT DATA {{ GRAPH "
                f"<{GRAPH}-replace> {{ {body} }} }}", f'ASK {{ <{EX}r0> <{EX}p> "replaced {i}-0" }}'))
            timings["replace"].append(phases(store))
        out = {name: _summary(pairs, timings[name]) for name, pairs in results.items()}
        # the release of the last version, made in the background after the first request
        started = time.perf_counter()
        first = _get_json(base + "/dumps/?format=json")
        current = os.path.realpath(store / "current")
        while True:
            manifest = json.loads((dumps / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("store_dir") == current:
                break
            if time.perf_counter() - started > 600:
                break
            time.sleep(0.2)
        out["release_after_small_writes_s"] = time.perf_counter() - started
        out["release_served_meanwhile"] = first.get("release")
        return out
    finally:
        server.stop()


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=600) as resp:
        return json.loads(resp.read())


# -- report ------------------------------------------------------------------------------------

def _med(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def _f(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def markdown(result: dict) -> str:
    lines = [f"### Write benchmark, {result['started']}", "",
             f"{result['machine']}. Rounds interleaved: {result['rounds']}; small writes: "
             f"{result['updates']} of each kind. Median over the rounds.", ""]
    for size in result["sizes"]:
        lines += [f"#### {size['size']} ({size['data']}, {size['quads']:,} quads in the file)", "",
                  "| run | live s | release s | process wall s | CPU s | peak RSS MB | store MB |",
                  "|---|---|---|---|---|---|---|"]
        oxi = size["oxigraph"]
        lines.append(f"| `oxigraph load` | {_f(_med(oxi, 'wall'))} | — | {_f(_med(oxi, 'wall'))} | "
                     f"{_f(_med(oxi, 'cpu'))} | {_f(_med(oxi, 'rss_mb'), 0)} | "
                     f"{_f(_med(oxi, 'disk_mb'), 0)} |")
        lines.append(f"| `oxigraph optimize` after it | {_f(_med(oxi, 'optimize'))} | — | — | — | "
                     f"{_f(_med(oxi, 'optimize_rss_mb'), 0)} | — |")
        for batch, runs in size["ours"].items():
            lines.append(f"| `owl40 load` (LOAD_BATCH={batch}) | {_f(_med(runs, 'live'))} | "
                         f"{_f(_med(runs, 'release'))} | {_f(_med(runs, 'wall'))} | "
                         f"{_f(_med(runs, 'cpu'))} | {_f(_med(runs, 'rss_mb'), 0)} | "
                         f"{_f(_med(runs, 'disk_mb'), 0)} |")
        lines.append("")
        for batch, runs in size["ours"].items():
            ratio = (_med(runs, "live") or 0) / (_med(oxi, "wall") or 1)
            lines.append(f"- LOAD_BATCH={batch}: live after {ratio:.2f}× the time of "
                         f"`oxigraph load` (target ≤ 2), peak {_f(_med(runs, 'rss_mb'), 0)} MB "
                         "(target < 1000)")
            last = runs[-1].get("phases") or {}
            if last:  # the writer's phases of the last run (graph.writer), in seconds
                lines.append("  - phases of the write (last run): " + ", ".join(
                    f"{name} {value / 1000:.1f} s" for name, value in last.items()))
        writes = size.get("writes")
        if writes:
            lines += ["", f"Small writes on the loaded store ({writes['store_quads']}), over HTTP "
                      "(`owl40 serve`, 2 workers × 2 threads):", "",
                      "| write | n | answered (median ms) | visible: median ms | p95 ms | max ms |",
                      "|---|---|---|---|---|---|"]
            for name in ("insert", "correction", "replace"):
                w = writes[name]
                lines.append(f"| {name} | {w['n']} | {_f(w['answered_median_ms'])} | "
                             f"{_f(w['visible_median_ms'])} | {_f(w['visible_p95_ms'])} | "
                             f"{_f(w['visible_max_ms'])} |")
            lines += ["", "Where the time of a write goes (the writer's phases, median ms; "
                      "`graph.writer` records them per version):", ""]
            names = list(writes["insert"].get("phases_median_ms") or {})
            if names:
                lines += ["| write | " + " | ".join(names) + " |",
                          "|---|" + "---|" * len(names)]
                for name in ("insert", "correction", "replace"):
                    ph = writes[name].get("phases_median_ms") or {}
                    lines.append(f"| {name} | " + " | ".join(_f(ph.get(k)) for k in names)
                                 + " |")
            lines += ["", f"Release of the last version (statistics, dumps, changelog), in the "
                      f"background: {_f(writes['release_after_small_writes_s'])} s after the "
                      f"first request for it (which was answered at once with release "
                      f"{writes['release_served_meanwhile']}).", ""]
    lines.append(f"Load average during the run: {result['loadavg']}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1m", help="data sizes (1m, 10m, ...)")
    ap.add_argument("--rounds", type=int, default=2, help="load rounds (interleaved)")
    ap.add_argument("--batches", default="0,300000", help="OWL40_LOAD_BATCH values for ours")
    ap.add_argument("--updates", type=int, default=30, help="small writes of each kind")
    ap.add_argument("--work-dir", default=str(srv.ROOT / "var" / "bench-writes"))
    ap.add_argument("--out-dir", default=str(BENCH / "results"))
    args = ap.parse_args(argv)
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    batches = [int(b) for b in args.batches.split(",") if b.strip()]
    result = {"started": time.strftime("%Y-%m-%d %H:%M"), "rounds": args.rounds,
              "updates": args.updates, "sizes": [], "loadavg": [],
              "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}"}
    try:
        import pyoxigraph

        result["machine"] += f", pyoxigraph {pyoxigraph.__version__}"
    except ImportError:
        pass
    for size in args.sizes.split(","):
        data = BENCH / "data" / f"synthetic-{size}.nq.gz"
        if not data.exists():
            log(f"generating {data.name}")
            generate(parse_size(size), data)
        quads = sum(1 for line in __import__("gzip").open(data, "rt") if line.strip())
        entry: dict = {"size": size, "data": data.name, "quads": quads, "oxigraph": [],
                       "ours": {b: [] for b in batches}}
        for round_ in range(args.rounds):
            log(f"{size} round {round_ + 1}: oxigraph load")
            entry["oxigraph"].append(load_oxigraph(data, work))
            for batch in batches:
                log(f"{size} round {round_ + 1}: owl40 load (LOAD_BATCH={batch})")
                entry["ours"][batch].append(load_ours(data, work, batch))
            result["loadavg"].append(os.getloadavg())
        if args.updates:
            # on a store loaded with the first batch setting: the last load's when that was
            # it (10M: saves a load), else loaded again
            if batches[-1] != batches[0] or not args.rounds:
                log(f"{size}: loading for the small writes")
                load_ours(data, work, batches[0])
            store = work / "ours-store"
            record = store / "versions" / f"{Path(os.path.realpath(store / 'current')).name}.json"
            stats = json.loads(record.read_text(encoding="utf-8"))
            log(f"{size}: small writes")
            entry["writes"] = small_writes(store, work / "ours-dumps", work, args.updates)
            entry["writes"]["store_quads"] = f"{stats.get('quads') or 0:,} quads in named graphs"
            result["loadavg"].append(os.getloadavg())
        result["sizes"].append(entry)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    report = markdown(result)
    (out / f"writes-{stamp}.md").write_text(report, encoding="utf-8")
    (out / f"writes-{stamp}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(report)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
