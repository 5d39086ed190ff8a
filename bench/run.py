"""Benchmark this project's SPARQL endpoint against the Oxigraph server and rdflib-endpoint.

One run, same data, same query mix (bench/queries with parameter variants, bench/mix.py), all
servers on 127.0.0.1: load times, median latency of sequential requests, throughput at a fixed
concurrency with ``wrk`` (repeated runs: min/median/max), peak PSS of each server's process
tree, and the ratios ours/Oxigraph and ours/rdflib. Writes ``bench/results/<timestamp>.md``
(also printed) and ``<timestamp>.json`` (raw numbers). See bench/README.md.

    .venv/bin/python bench/run.py            # 100k + 1M, all servers (~15 min)
    .venv/bin/python bench/run.py --quick    # 100k, ours + Oxigraph, one short run
"""

from __future__ import annotations

import argparse
import http.client
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import servers as srv  # noqa: E402
from bench.generate import generate, parse_size  # noqa: E402
from bench.mix import load_queries, query_variants  # noqa: E402

BENCH = Path(__file__).resolve().parent
ACCEPT = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"
WRK_LUA = """local bodies = {%(bodies)s}
local headers = {["Content-Type"] = "%(form)s", ["Accept"] = "%(accept)s"}
local i = 0
request = function()
  i = i %% #bodies + 1
  return wrk.format("POST", "%(path)s", headers, bodies[i])
end
done = function(s, lat, req)
  local f = io.open("%(out)s", "w")
  f:write(string.format('{"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,'
    .. '"write":%%d,"status":%%d,"timeout":%%d,"p50_us":%%d,"p99_us":%%d,"max_us":%%d}',
    s.requests, s.duration, s.errors.connect, s.errors.read, s.errors.write, s.errors.status,
    s.errors.timeout, lat:percentile(50), lat:percentile(99), lat.max))
  f:close()
end
"""


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- clients -------------------------------------------------------------------------------

def _body(query: str) -> bytes:
    return urllib.parse.urlencode({"query": query}).encode()


def timed_request(url: str, body: bytes, timeout: float) -> tuple[float, int, bytes]:
    """One POST on a fresh connection: (seconds, status, body). Sync gunicorn workers close
    every connection anyway, so all servers pay the same connect."""
    parts = urllib.parse.urlsplit(url)
    started = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", parts.path, body, {"Content-Type": FORM, "Accept": ACCEPT})
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    return time.perf_counter() - started, resp.status, data


def rows(data: bytes) -> int | None:
    try:
        return len(json.loads(data)["results"]["bindings"])
    except (ValueError, KeyError, TypeError):
        return None


def run_wrk(url: str, bodies: list[bytes], seconds: float, conns: int, timeout: float) -> dict:
    """``wrk`` at ``conns`` connections for ``seconds``, cycling through ``bodies``."""
    parts = urllib.parse.urlsplit(url)
    with tempfile.TemporaryDirectory() as tmp:
        out, script = Path(tmp) / "out.json", Path(tmp) / "mix.lua"
        script.write_text(WRK_LUA % {
            "bodies": ", ".join(f'"{b.decode()}"' for b in bodies), "form": FORM,
            "accept": ACCEPT, "path": parts.path, "out": out})
        cmd = ["wrk", "-t1", f"-c{conns}", f"-d{seconds:g}s", f"--timeout={timeout:g}s",
               "-s", str(script), f"{parts.scheme}://{parts.netloc}{parts.path}"]
        done = subprocess.run(cmd, capture_output=True, text=True,
                              timeout=seconds + timeout + 30)
        if done.returncode or not out.exists():
            raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
        res = json.loads(out.read_text())
    res["rps"] = res["requests"] / (res["duration_us"] / 1e6)
    res["errors"] = sum(res[k] for k in ("connect", "read", "write", "status", "timeout"))
    return res


def run_fixed(url: str, bodies: list[bytes], count: int, conns: int, timeout: float) -> dict:
    """Exactly ``count`` requests from ``conns`` client threads (closed loop); throughput is
    count / makespan. For slow queries: a fixed window would count servers that share the
    cores among all requests (Oxigraph) differently from ones that queue them (gunicorn)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(i: int) -> tuple[float, int]:
        try:
            seconds, status, _ = timed_request(url, bodies[i % len(bodies)], timeout)
            return seconds, status
        except OSError:
            return -1.0, 0

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=conns) as pool:
        done = list(pool.map(one, range(count)))
    makespan = time.perf_counter() - started
    times = sorted(t for t, status in done if status == 200)
    pick = (lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1e6) if times else (
        lambda q: 0.0)
    res = {"requests": len(times), "duration_us": int(makespan * 1e6), "connect": 0, "read": 0,
           "write": 0, "status": sum(1 for t, st in done if st not in (0, 200)),
           "timeout": sum(1 for t, st in done if st == 0), "p50_us": pick(0.5),
           "p99_us": pick(0.99), "max_us": pick(1.0), "mode": f"fixed {count}"}
    res["rps"] = res["requests"] / makespan
    res["errors"] = res["status"] + res["timeout"]
    return res


# -- one size ------------------------------------------------------------------------------

class Phase:
    """Servers for one data size, their measurements and the PSS sampler."""

    def __init__(self, size: str, data: Path, args: argparse.Namespace) -> None:
        self.size, self.data, self.args = size, data, args
        self.work = Path(args.work_dir) / size
        self.servers: dict[str, srv.Server] = {}
        self.result: dict = {"size": size, "data": str(data), "loads": {}, "latency": {},
                             "throughput": {}, "rows": {}, "notes": [], "loadavg": []}
        self.sampler = srv.PssSampler()
        self.slow: dict[str, set[str]] = {}   # server -> queries left out (too slow)
        self.spare: srv.Server | None = None  # a loaded rdflib-endpoint to swap in

    def note(self, msg: str) -> None:
        log(msg)
        self.result["notes"].append(msg)

    def load_and_start(self) -> None:
        a, loads = self.args, self.result["loads"]
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        names = a.servers
        if any(n.startswith("ours") for n in names):
            seconds = srv.load_ours(self.data, self.work / "ours")
            loads["ours"] = {"load_s": seconds, "disk_mb": _du(self.work / "ours")}
            log(f"{self.size}: ours loaded in {seconds:.1f} s")
        if "oxigraph-opt-jemalloc" in names and "oxigraph-opt" not in names:
            raise SystemExit("oxigraph-opt-jemalloc runs on the store of oxigraph-opt: list both")
        for oxi in ("oxigraph", "oxigraph-opt"):
            if oxi in names:
                seconds = srv.load_oxigraph(self.data, self.work / oxi,
                                            optimize=oxi == "oxigraph-opt")
                loads[oxi] = {"load_s": seconds, "disk_mb": _du(self.work / oxi)}
                log(f"{self.size}: {oxi} loaded in {seconds:.1f} s")
        for name in names:
            logf = self.work / f"{name}.log"
            if name == "ours":
                server = srv.start_ours(self.work / "ours", logf)
            elif name == "ours-gunicorn":
                server = srv.start_ours_gunicorn(self.work / "ours", logf)
            elif name == "ours-gthread":
                server = srv.start_ours_gunicorn(self.work / "ours", logf, gthread=a.threads)
            elif name in ("oxigraph", "oxigraph-opt"):
                server = srv.start_oxigraph(self.work / name, logf, name=name)
            elif name == "oxigraph-opt-jemalloc":  # the same server and store, jemalloc preloaded
                server = srv.start_oxigraph(self.work / "oxigraph-opt", logf, name=name,
                                            jemalloc=True)
            elif name == "rdflib":
                if parse_size(self.size) > parse_size(a.rdflib_max):
                    self.note(f"rdflib-endpoint skipped at {self.size} (--rdflib-max "
                              f"{a.rdflib_max}): it parses the file into memory at start-up, "
                              "and at 100k it already needs seconds per aggregate query")
                    continue
                try:
                    server = self._start_rdflib()
                except RuntimeError as exc:
                    self.note(f"rdflib-endpoint did not start at {self.size}: {exc}")
                    continue
                loads["rdflib"] = {"load_s": server.ready_s, "disk_mb": None}
            else:
                raise SystemExit(f"unknown server {name!r}")
            same = "oxigraph-opt" if name.startswith("oxigraph") else "ours"  # same store
            loads.setdefault(name, dict(loads.get(same, {})))
            loads[name]["ready_s"] = server.ready_s
            self.servers[name] = server
            self.sampler.watch(name, server.pid)
            log(f"{self.size}: {name} answers at {server.url} ({server.ready_s:.1f} s)")

    def _start_rdflib(self) -> srv.Server:
        """Start rdflib-endpoint and wait (that time is its load time), then start a spare:
        a timed-out query keeps it busy for minutes, and reloading takes a while."""
        timeout = self.args.rdflib_load_timeout
        server = srv.launch_rdflib(self.data, self.work / "rdflib.log").wait(timeout)
        self.spare = srv.launch_rdflib(self.data, self.work / "rdflib-spare.log")
        return server

    def _restart_rdflib(self, *, settle: bool) -> None:
        """Swap in the spare (and start a new one; ``settle``: wait until it has loaded, so
        that its loading does not disturb the next measurements)."""
        self.servers["rdflib"].stop()
        assert self.spare is not None
        self.servers["rdflib"] = server = self.spare.wait(self.args.rdflib_load_timeout)
        self.sampler.watch("rdflib", server.pid)
        self.spare = srv.launch_rdflib(self.data, self.work / "rdflib-spare.log")
        if settle:
            self.spare.wait(self.args.rdflib_load_timeout)

    def warm_up(self, variants: dict[str, list[str]]) -> None:
        """Each variant once per server (row counts compared), then a concurrent burst so
        that every worker has started its engine process."""
        for q, texts in variants.items():
            for name, server in list(self.servers.items()):
                if q in self.slow.get(name, set()):
                    continue
                counts = []
                for text in texts[:2] if name == "rdflib" else texts:
                    try:
                        seconds, status, data = timed_request(server.url, _body(text),
                                                              self._timeout(name))
                    except TimeoutError:
                        self._too_slow(name, q, f"no answer within {self._timeout(name):g} s",
                                       restart=True, settle=False)
                        break
                    counts.append(rows(data) if status == 200 else f"HTTP {status}")
                    if name == "rdflib" and seconds > self.args.rdflib_slow:
                        self._too_slow(name, q, f"one request took {seconds:.1f} s")
                        break
                self.result["rows"].setdefault(q, {})[name] = counts
            got = {n: c for n, c in self.result["rows"][q].items() if q not in self.slow.get(n, ())}
            k = min((len(c) for c in got.values()), default=0)
            if len({tuple(c[:k]) for c in got.values()}) > 1:
                self.note(f"{self.size} {q}: servers disagree on row counts {got}")
        if self.spare is not None:
            self.spare.wait(self.args.rdflib_load_timeout)
        cheap = _body(next(iter(variants.values()))[0])
        for name, server in self.servers.items():
            if name != "rdflib":
                run_wrk(server.url, [cheap], 1, self.args.concurrency, 30)
                srv.wait_idle(server.pid)

    def _timeout(self, name: str) -> float:
        return self.args.rdflib_timeout if name == "rdflib" else 60.0

    def _too_slow(self, name: str, q: str, why: str, *, restart: bool = False,
                  settle: bool = True) -> None:
        self.slow.setdefault(name, set()).add(q)
        self.note(f"{self.size} {name} {q}: left out ({why})")
        if restart and name == "rdflib":  # it keeps evaluating the abandoned query
            self._restart_rdflib(settle=settle)

    def latency(self, variants: dict[str, list[str]]) -> None:
        a = self.args
        for q, texts in variants.items():
            bodies = [_body(t) for t in texts]
            for name, server in list(self.servers.items()):
                if q in self.slow.get(name, set()):
                    continue
                times: list[float] = []
                started = time.perf_counter()
                while len(times) < a.reps and (len(times) < 3 or
                                               time.perf_counter() - started < a.latency_budget):
                    try:
                        seconds, status, _ = timed_request(
                            server.url, bodies[len(times) % len(bodies)], self._timeout(name))
                    except TimeoutError:
                        self._too_slow(name, q, "timed out in the latency loop", restart=True)
                        break
                    if status != 200:
                        self.note(f"{self.size} {name} {q}: HTTP {status}")
                    times.append(seconds)
                if times:
                    self.result["latency"].setdefault(q, {})[name] = {
                        "median_s": statistics.median(times), "min_s": min(times),
                        "max_s": max(times), "n": len(times)}

    def throughput(self, variants: dict[str, list[str]], run: int) -> None:
        a = self.args
        for q, texts in variants.items():
            bodies = [_body(t) for t in texts]
            lat = self.result["latency"].get(q, {})
            slowest = max((v["median_s"] for n, v in lat.items() if n != "rdflib"), default=0)
            for name, server in list(self.servers.items()):
                if q in self.slow.get(name, set()):
                    continue
                median = lat.get(name, {}).get("median_s", 0)
                if name == "rdflib":
                    if run > a.rdflib_runs:
                        continue
                    if median > a.rdflib_wrk_max:
                        self.slow.setdefault(name, set()).add(q)
                        self.note(f"{self.size} rdflib {q}: no throughput run (median latency "
                                  f"{median:.2f} s > {a.rdflib_wrk_max:g} s)")
                        continue
                # slow queries (rdflib: all, it answers one at a time): a fixed number of
                # requests instead of a fixed window, see run_fixed
                fixed = name == "rdflib" or slowest >= a.fixed_above
                cpu = srv.cpu_seconds(srv.tree(server.pid))
                if fixed:
                    res = run_fixed(server.url, bodies, a.fixed_count, a.concurrency,
                                    self._timeout(name))
                else:
                    res = run_wrk(server.url, bodies, a.duration, a.concurrency,
                                  self._timeout(name))
                seconds = res["duration_us"] / 1e6
                # server CPU per completed request (all its processes; at the end of the run)
                cpu = srv.cpu_seconds(srv.tree(server.pid)) - cpu
                res["run"], res["seconds"] = run, seconds
                res["cpu_ms_per_req"] = cpu * 1e3 / res["requests"] if res["requests"] else None
                self.result["throughput"].setdefault(q, {}).setdefault(name, []).append(res)
                if res["errors"]:
                    self.note(f"{self.size} {name} {q} run {run}: {res['errors']} errors "
                              f"({res['status']} non-2xx, {res['timeout']} timeouts)")
                if res["requests"] < 2 * a.concurrency and not fixed:
                    self.note(f"{self.size} {name} {q} run {run}: only {res['requests']} "
                              f"requests completed in {seconds:.0f} s (coarse)")
                # servers keep working off what wrk left queued: wait until idle
                limit = self.args.rdflib_timeout if name == "rdflib" else 120
                res["drain_s"] = srv.wait_idle(server.pid, timeout=limit)
                if name == "rdflib" and res["drain_s"] >= limit:
                    self.note(f"{self.size} rdflib: still busy after a throughput run; restarted")
                    self._restart_rdflib(settle=True)

    def stop(self) -> None:
        for server in [*self.servers.values(), *([self.spare] if self.spare else [])]:
            server.stop()
        self.result["pss_peak_mb"] = {n: kib / 1024 for n, kib in self.sampler.peak_kib.items()}
        self.result["pss_procs"] = dict(self.sampler.peak_procs)
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)


def _du(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def run_size(size: str, args: argparse.Namespace) -> dict:
    data = BENCH / "data" / f"synthetic-{size}.nq.gz"
    if not data.exists():
        log(f"generating {data.name}")
        generate(parse_size(size), data)
    variants: dict[str, list[str]] = {}
    for name, text in query_variants(data, n=args.variants, seed=args.seed):
        variants.setdefault(name, []).append(text)
    if args.queries:
        variants = {q: v for q, v in variants.items() if q in args.queries}
    phase = Phase(size, data, args)
    phase.result["kinds"] = {q.name: q.kind for q in load_queries()}
    try:
        phase.load_and_start()
        with phase.sampler:
            phase.result["loadavg"].append(_loadavg())
            log(f"{size}: warm-up and row-count check")
            phase.warm_up(variants)
            log(f"{size}: sequential latency")
            phase.latency(variants)
            for run in range(1, args.runs + 1):
                log(f"{size}: throughput run {run}/{args.runs}")
                phase.throughput(variants, run)
                phase.result["loadavg"].append(_loadavg())
    finally:
        phase.stop()
    return phase.result


def _loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def _versions() -> dict:
    from importlib.metadata import version

    import gunicorn
    import pyoxigraph

    oxi = subprocess.run([str(srv.VENV_BIN / "oxigraph"), "--version"], capture_output=True,
                         text=True).stdout.strip()
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    return {"python": platform.python_version(), "pyoxigraph": pyoxigraph.__version__,
            "oxigraph_server": oxi, "gunicorn": gunicorn.__version__,
            "granian": version("granian"),
            "wrk": wrk.split(" [")[0].strip(), "cpus": __import__("os").cpu_count(),
            "kernel": platform.release()}


# -- report --------------------------------------------------------------------------------

def _gmean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return statistics.geometric_mean(values) if values else None


def _f(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}" if value < 100 else f"{value:,.0f}"


def _ratios(size: dict, a: str, b: str) -> dict[str, tuple[float, float, float]]:
    """Per query: median, min, max of run-paired throughput ratios a/b."""
    out = {}
    for q, by in size["throughput"].items():
        if a in by and b in by:
            pairs = [x["rps"] / y["rps"] for x, y in zip(by[a], by[b], strict=False)
                     if y["rps"]]
            if pairs:
                out[q] = (statistics.median(pairs), min(pairs), max(pairs))
    return out


def _size_md(size: dict, targets: dict) -> list[str]:
    names = [n for n in ("ours", "ours-gunicorn", "ours-gthread", "oxigraph", "oxigraph-opt",
                         "oxigraph-opt-jemalloc", "rdflib")
             if n in size["loads"] or n in size["pss_peak_mb"]]
    bases = [n for n in names if n.startswith("oxigraph")]
    ours = [(o, b) for o in names if o.startswith("ours") for b in bases]  # compared pairs
    kinds = size["kinds"]
    queries = sorted(size["latency"], key=lambda q: (kinds.get(q) != "cheap", q))
    md = [f"## {size['size']} ({Path(size['data']).name})", "",
          "| server | load s | ready s | store MB on disk | peak PSS MB | processes |",
          "|---|---|---|---|---|---|"]
    for n in names:
        ld = size["loads"].get(n, {})
        md.append(f"| {n} | {_f(ld.get('load_s'), 1)} | {_f(ld.get('ready_s'), 1)} | "
                  f"{_f(ld.get('disk_mb'), 0)} | {_f(size['pss_peak_mb'].get(n), 0)} | "
                  f"{size['pss_procs'].get(n, '—')} |")
    md += ["", "Median latency of sequential requests, ms (n requests):", "",
           "| query | kind | " + " | ".join(names) + " | "
           + " | ".join(f"{o}/{b}" for o, b in ours) + " |",
           "|---|---|" + "---|" * (len(names) + len(ours))]
    lat_ratio: dict[str, list[float]] = {o: [] for o in ours}
    for q in queries:
        lat = size["latency"][q]
        cells = [f"{lat[n]['median_s'] * 1e3:,.1f} ({lat[n]['n']})" if n in lat else "left out"
                 for n in names]
        rcells = []
        for o in ours:
            r = lat[o[0]]["median_s"] / lat[o[1]]["median_s"] if (
                o[0] in lat and o[1] in lat) else None
            if r:
                lat_ratio[o].append(r)
            rcells.append(_f(r))
        md.append(f"| {q} | {kinds.get(q, '')} | " + " | ".join(cells + rcells) + " |")
    md += ["", f"Throughput at concurrency {size.get('concurrency', 8)}, requests/s: median "
           "[min–max] over the runs; p50/p99 latency (ms) of the median run; CPU ms/req: "
           "CPU time of all the server's processes per completed request (median run); "
           "ratio: median [min–max] of run-paired ratios; †: a fixed number of requests "
           "(see above) instead of a wrk window:", "",
           "| query | " + " | ".join(f"{n} req/s | {n} p50/p99 | {n} CPU ms/req"
                                   for n in names) + " | "
           + " | ".join(f"{o}/{b}" for o, b in ours)
           + (" | ours/rdflib" if "rdflib" in names and "ours" in names else "") + " |"]
    md.append("|---|" + "---|" * (3 * len(names) + len(ours)
                                   + ("rdflib" in names and "ours" in names)))
    ratios = {o: _ratios(size, *o) for o in ours}
    rd = _ratios(size, "ours", "rdflib")
    for q in queries:
        by = size["throughput"].get(q, {})
        cells = []
        for n in names:
            runs = by.get(n)
            if not runs:
                cells += ["left out", "", ""]
                continue
            rps = sorted(r["rps"] for r in runs)
            mid = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
            err = f" ⚠{sum(r['errors'] for r in runs)} err" if any(r["errors"] for r in runs) else ""
            err += " †" if runs[0].get("mode") else ""
            cells += [f"{_f(statistics.median(rps), 1)} [{_f(rps[0], 1)}–{_f(rps[-1], 1)}]{err}",
                      f"{mid['p50_us'] / 1e3:,.1f} / {mid['p99_us'] / 1e3:,.1f}",
                      _f(statistics.median(r["cpu_ms_per_req"] for r in runs
                                           if r.get("cpu_ms_per_req")) if any(
                          r.get("cpu_ms_per_req") for r in runs) else None)]
        for o in ours:
            r = ratios[o].get(q)
            cells.append(f"**{_f(r[0])}** [{_f(r[1])}–{_f(r[2])}]" if r else "—")
        if "rdflib" in names and "ours" in names:
            r = rd.get(q)
            cells.append(_f(r[0], 1) if r else "—")
        md.append(f"| {q} | " + " | ".join(cells) + " |")
    md += ["", "Against the targets:", ""]
    mb = parse_size(size["size"]) >= 1_000_000
    for o in ours:
        rq = ratios[o]
        if not rq:
            continue
        g = _gmean([r[0] for r in rq.values()])
        g_lo = _gmean([r[1] for r in rq.values()])
        g_hi = _gmean([r[2] for r in rq.values()])
        cheap = {q: r[0] for q, r in rq.items() if kinds.get(q) == "cheap"}
        worst = min(cheap, key=cheap.get) if cheap else None
        goal = targets["mix_1m"] if mb else targets["mix_100k"]
        md.append(f"- {o[0]}/{o[1]} throughput, geometric mean over {len(rq)} queries: "
                  f"**{_f(g)}** (paired-run spread {_f(g_lo)}–{_f(g_hi)}); target ≥ {goal} "
                  f"→ {'met' if g and g >= goal else 'NOT met'}")
        if worst and mb:
            md.append(f"- {o[0]}/{o[1]} on the cheap lookups: lowest {_f(cheap[worst])} "
                      f"({worst}); target ≥ {targets['cheap_1m']} each → "
                      f"{'met' if cheap[worst] >= targets['cheap_1m'] else 'NOT met'}")
        gl = _gmean(lat_ratio[o])
        if gl:
            md.append(f"- {o[0]}/{o[1]} median latency, geometric mean: **{_f(gl)}**, worst "
                      f"{_f(max(lat_ratio[o]))}; target ≤ {targets['latency']} → "
                      f"{'met' if gl <= targets['latency'] else 'NOT met'} (mean)")
    if rd:
        g = _gmean([r[0] for r in rd.values()])
        md.append(f"- ours/rdflib throughput, geometric mean over the {len(rd)} queries rdflib "
                  f"answered in time: **{_f(g, 1)}**; target ≥ {targets['rdflib']} → "
                  f"{'met' if g and g >= targets['rdflib'] else 'NOT met'} (queries rdflib "
                  "could not answer in time are left out, which favours rdflib)")
    for o in dict.fromkeys(o for o, _ in ours):
        pss = size["pss_peak_mb"].get(o)
        if pss:
            md.append(f"- {o} peak PSS {pss:,.0f} MB (target ≤ {targets['pss_mb']} MB at 1M)")
    md.append(f"- load average during the run: {size['loadavg']}")
    if size["notes"]:
        md += ["", "Notes:", ""] + [f"- {n}" for n in size["notes"]]
    return md + [""]


TARGETS = {"mix_1m": 1.2, "mix_100k": 1.0, "cheap_1m": 0.8, "latency": 1.2, "rdflib": 20,
           "pss_mb": 500}


def markdown(results: dict) -> str:
    a, v = results["args"], results["versions"]
    md = [f"# SPARQL endpoint benchmark, {results['started']}", "",
          f"{v['cpus']} CPUs, Python {v['python']}, pyoxigraph {v['pyoxigraph']}, "
          f"{v['oxigraph_server']}, granian {v.get('granian', '?')}, gunicorn {v['gunicorn']}, "
          f"{v['wrk']}. Servers: {', '.join(a['servers'])} (ours = owl40 serve: granian, "
          "2 workers x 2 threads; ours-gunicorn = gunicorn -w 2 sync). "
          f"{a['variants']} variants per query; latency: up to {a['reps']} sequential requests "
          f"(≤ {a['latency_budget']:g} s per query, at least 3); throughput: {a['runs']} runs "
          f"of wrk -c{a['concurrency']} for {a['duration']:g} s, POST form, Accept {ACCEPT}; "
          f"queries with a median latency ≥ {a['fixed_above']:g} s (and all of rdflib's): "
          f"{a['fixed_count']} requests from {a['concurrency']} client threads, throughput = "
          "requests / makespan. "
          f"Total {results.get('seconds', 0) / 60:.1f} min.", ""]
    for size in results["sizes"]:
        size.setdefault("concurrency", a["concurrency"])
        md += _size_md(size, TARGETS)
    return "\n".join(md)


# -- profile of the web layer ----------------------------------------------------------------

PROFILE_QUERIES = ("sources-of-a-fact", "organisation-page", "project-partners")


def _measure(fn, n: int, others=lambda: 0.0) -> tuple[float, float, float]:
    """``fn`` called ``n`` times: wall µs, CPU µs of this process, CPU µs counted by
    ``others()`` (other processes), per call."""
    wall, cpu, other = time.perf_counter(), time.process_time(), others()
    for _ in range(n):
        fn()
    return ((time.perf_counter() - wall) / n * 1e6, (time.process_time() - cpu) / n * 1e6,
            (others() - other) / n * 1e6)


def _roles(root: int) -> dict[str, list[int]]:
    """gunicorn's process tree by role: master, worker, engine (spawned), other."""
    out: dict[str, list[int]] = {}
    for pid in srv.tree(root):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        role = ("master" if pid == root else "engine" if b"spawn_main" in cmd
                else "other" if b"resource_tracker" in cmd else "worker")
        out.setdefault(role, []).append(pid)
    return out


def _floor_app(payload: bytes):
    """A minimal Flask app with the same CORS set-up: reads the form, returns ``payload``."""
    from flask import Flask, Response, request
    from flask_cors import CORS

    app = Flask("floor")
    CORS(app, resources={r"^/(?!sparql/update).*": {"origins": "*"}},
         methods=["GET", "HEAD", "POST", "OPTIONS"], send_wildcard=True, max_age=86400)

    @app.post("/sparql")
    def answer() -> Response:
        assert request.form["query"]
        return Response(payload, content_type=f"{ACCEPT}; charset=utf-8")

    return app


def profile(args: argparse.Namespace) -> str:
    """Where the CPU time of one cheap request goes, process by process and layer by layer."""
    import os

    import pyoxigraph as ox

    from api.app import create_app
    from graph.engine import QueryEngine

    size = args.sizes.split(",")[0].strip().lower()
    data = BENCH / "data" / f"synthetic-{size}.nq.gz"
    if not data.exists():
        generate(parse_size(size), data)
    work = Path(args.work_dir) / f"profile-{size}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    srv.load_ours(data, work / "ours")
    srv.load_oxigraph(data, work / "oxigraph")
    texts = {name: text for name, text in query_variants(data, n=1, seed=args.seed)}
    # The engine-process path, layer by layer: the in-process fast path is switched off here.
    ctx = {"app": create_app({"STORE": str(work / "ours"), "FAST_PATH_MAX": 0}),
           "store": ox.Store.read_only(str((work / "ours" / "current").resolve())),
           "engine": QueryEngine(str(work / "ours"), timeout=30, fast_path_max=0),
           "ours": srv.start_ours_gunicorn(work / "ours", work / "ours.log",
                                           env={"OWL40_FAST_PATH_MAX": "0"}),
           "oxigraph": srv.start_oxigraph(work / "oxigraph", work / "oxigraph.log"),
           # and the production path: the fast path in process, and owl40 serve over HTTP
           "app_fast": create_app({"STORE": str(work / "ours")}),
           "prod": srv.start_ours(work / "ours", work / "prod.log")}
    servers = {p for name in ("ours", "oxigraph", "prod") for p in srv.tree(ctx[name].pid)}
    me = os.getpid()
    ctx["children"] = lambda: srv.cpu_seconds([p for p in srv.tree(me)
                                               if p != me and p not in servers])
    n = args.profile_n
    lines = [f"# Web-layer profile, {size}, {time.strftime('%Y-%m-%dT%H:%M:%S')}", "",
             f"{n} sequential requests per row (one at a time, so no process waits for a "
             "core); CPU time per request from the kernel's accounting (/proc, "
             "time.process_time), not from a sampling profiler. Load average at start: "
             f"{_loadavg()}.", ""]
    try:
        for name in PROFILE_QUERIES:
            lines += _profile_one(name, texts[name], ctx, n)
    finally:
        ctx["engine"].close()
        ctx["app_fast"].extensions["owl40_engine"].close()
        ctx["ours"].stop()
        ctx["oxigraph"].stop()
        ctx["prod"].stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return "\n".join(lines)


def _profile_one(name: str, text: str, ctx: dict, n: int) -> list[str]:
    """The breakdown of one query (see profile)."""
    import io
    import pickle

    import pyoxigraph as ox
    from werkzeug.datastructures import MIMEAccept
    from werkzeug.test import EnvironBuilder

    from api import formats
    from api.protocol import data_version, etag_for
    from graph.engine import QueryJob
    from graph.guard import _inspect_cached, cap_limit, inspect_query

    store, engine, app = ctx["store"], ctx["engine"], ctx["app"]
    store_dir = str(Path(ctx["ours"].log).parent / "ours")
    capped, _ = cap_limit(text, inspect_query(text, max_length=10**6, max_depth=64), 10000)
    job = QueryJob(capped, ACCEPT, capped=True, cap=10000)
    payload = store.query(capped).serialize(format=ox.QueryResultsFormat.JSON)
    env = EnvironBuilder(path="/sparql", method="POST", data={"query": text},
                         headers={"Accept": ACCEPT}).get_environ()
    form_body = env["wsgi.input"].read()

    def wsgi(target) -> None:
        e = dict(env)
        e["wsgi.input"] = io.BytesIO(form_body)
        out = target(e, lambda status, headers, exc_info=None: None)
        b"".join(out)
        getattr(out, "close", lambda: None)()

    def engine_call() -> None:
        _, stream = engine.execute(job)
        b"".join(stream)

    floor = _floor_app(payload).wsgi_app
    http_body = _body(text)
    calls = {"inproc": lambda: store.query(capped).serialize(format=ox.QueryResultsFormat.JSON),
             "engine": engine_call, "wsgi": lambda: wsgi(app.wsgi_app),
             "floor": lambda: wsgi(floor),
             "ours": lambda: timed_request(ctx["ours"].url, http_body, 30),
             "oxigraph": lambda: timed_request(ctx["oxigraph"].url, http_body, 30),
             "fast": lambda: wsgi(ctx["app_fast"].wsgi_app),
             "prod": lambda: timed_request(ctx["prod"].url, http_body, 30)}
    for fn in calls.values():  # warm up: engine processes, caches
        for _ in range(10):
            fn()
    run_wrk(ctx["ours"].url, [http_body], 1, 8, 30)  # both workers start their engines
    srv.wait_idle(ctx["ours"].pid)
    roles = _roles(ctx["ours"].pid)
    passes = [_profile_pass(calls, ctx, roles, n) for _ in range(3)]
    if set(srv.tree(ctx["ours"].pid)) != {p for pids in roles.values() for p in pids}:
        md_warn = ["", "⚠ gunicorn's processes changed during the measurement.", ""]
    else:
        md_warn = []
    med = {k: statistics.median(p[k] for p in passes) for k in passes[0]}
    m = {k: (med[f"{k}.wall"], med[f"{k}.cpu"], med[f"{k}.other"])
         for k in ("inproc", "engine", "wsgi", "floor")}
    ours = {r: med[f"ours.{r}"] for r in roles}
    wall_ours, client_ours = med["ours.wall"], med["ours.client"]
    wall_oxi, oxi_cpu = med["oxigraph.wall"], med["oxigraph.cpu"]
    total = sum(ours.values())
    rows = [
        ("engine: pyoxigraph evaluation + JSON serialisation", m["inproc"][1]),
        ("engine: the rest of the engine process (job unpickling, realpath, row count, "
         "pickled result message, wake-ups)", ours.get("engine", 0) - m["inproc"][1]),
        ("worker: engine client (job pickling, pipe send, poll, result unpickling)",
         m["engine"][1]),
        ("worker: Flask + Werkzeug + flask-cors floor (minimal app: form parse, "
         "routing, Response)", m["floor"][1]),
        ("worker: our view above that floor (protocol, guard, negotiation, ETag, "
         "Last-Modified, headers, error wrappers)", m["wsgi"][1] - m["engine"][1] - m["floor"][1]),
        ("worker: gunicorn (accept, HTTP parse, write, close)",
         ours.get("worker", 0) - m["wsgi"][1]),
        ("master + resource trackers", ours.get("master", 0) + ours.get("other", 0)),
    ]
    md = [f"## {name}", "", "Median of 3 passes.", *md_warn, "| where | CPU µs/request |",
          "|---|---|"]
    md += [f"| {label} | {us:,.0f} |" for label, us in rows]
    md += [f"| **ours, all processes** (measured over HTTP) | **{total:,.0f}** |",
           f"| **Oxigraph server, whole process** | **{oxi_cpu:,.0f}** |",
           f"| ours / Oxigraph | {total / oxi_cpu:.2f} |" if oxi_cpu else "| — | — |", "",
           f"Sequential wall time per request: ours {wall_ours:,.0f} µs, Oxigraph "
           f"{wall_oxi:,.0f} µs (the client itself used {client_ours:,.0f} µs CPU). "
           f"In-process wall: pyoxigraph {m['inproc'][0]:,.0f} µs, engine round trip "
           f"{m['engine'][0]:,.0f} µs (engine CPU {m['engine'][2]:,.0f} µs), Flask call "
           f"{m['wsgi'][0]:,.0f} µs.", ""]
    version = data_version(store_dir) or ("1", 0.0)
    accept = MIMEAccept([(ACCEPT, 1)])
    micro = [
        ("guard tokenizer, uncached (cache cleared)", lambda: (
            _inspect_cached.cache_clear(), inspect_query(text, max_length=10**6, max_depth=64))),
        ("guard tokenizer, cached", lambda: inspect_query(text, max_length=10**6,
                                                          max_depth=64)),
        ("negotiation (formats.negotiate)", lambda: formats.negotiate(accept, formats.RESULTS)),
        ("data_version (readlink + lstat)", lambda: data_version(store_dir)),
        ("etag_for", lambda: etag_for(version[0], text, (), (), "json")),
        ("Last-Modified (email.utils.formatdate)", lambda: __import__(
            "email.utils").utils.formatdate(version[1], usegmt=True)),
        ("cap_limit", lambda: cap_limit(text, inspect_query(text, max_length=10**6,
                                                            max_depth=64), 10000)),
        ("pickle + unpickle of the QueryJob", lambda: pickle.loads(pickle.dumps(job))),
    ]
    fast, prod = med["fast.cpu"], med["prod.cpu"]
    md += ["The production path for the same query once proven (`owl40 serve`: granian, "
           "jemalloc, the WSGI fast path in the worker):", "",
           "| where | CPU µs/request |", "|---|---|",
           f"| fast path in process (WSGI call, evaluation included; glibc malloc here) | "
           f"{fast:,.0f} |",
           f"| **owl40 serve, all processes** (over HTTP, a new connection per request) | "
           f"**{prod:,.0f}** |",
           f"| owl40 serve / Oxigraph | {prod / oxi_cpu:.2f} |" if oxi_cpu else "| — | — |",
           ""]
    md += ["| component (inside 'our view' / engine client) | µs/call |", "|---|---|"]
    for label, fn in micro:
        md.append(f"| {label} | {_measure(fn, n)[1]:,.1f} |")
    return md + [""]


def _profile_pass(calls: dict, ctx: dict, roles: dict[str, list[int]], n: int) -> dict:
    """One pass over the layers: wall and CPU µs per request (see _profile_one)."""
    out: dict[str, float] = {}
    for key in ("inproc", "engine", "wsgi", "floor"):
        out[f"{key}.wall"], out[f"{key}.cpu"], out[f"{key}.other"] = _measure(
            calls[key], n, ctx["children"])
    before = {r: srv.cpu_seconds(pids) for r, pids in roles.items()}
    out["ours.wall"], out["ours.client"], _ = _measure(calls["ours"], n)
    for r, pids in roles.items():
        out[f"ours.{r}"] = (srv.cpu_seconds(pids) - before[r]) / n * 1e6
    oxi = [ctx["oxigraph"].pid]
    out["oxigraph.wall"], _, out["oxigraph.cpu"] = _measure(
        calls["oxigraph"], n, lambda: srv.cpu_seconds(oxi))
    _, out["fast.cpu"], _ = _measure(calls["fast"], n)
    prod = srv.tree(ctx["prod"].pid)
    _, _, out["prod.cpu"] = _measure(calls["prod"], n, lambda: srv.cpu_seconds(prod))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100k,1m", help="data sizes (100k,1m,10m)")
    ap.add_argument("--with-10m", action="store_true", help="add the 10M file")
    ap.add_argument("--servers", help="comma list of ours, ours-gunicorn, ours-gthread, "
                    "oxigraph, oxigraph-opt (store compacted by `oxigraph optimize`), "
                    "oxigraph-opt-jemalloc (that, with jemalloc preloaded), rdflib "
                    "(default: ours,oxigraph,oxigraph-opt,rdflib; with --quick ours,oxigraph)")
    ap.add_argument("--threads", type=int, default=2, help="threads per worker (ours-gthread)")
    ap.add_argument("--queries", default="", help="comma list of query names (default: all)")
    ap.add_argument("--variants", type=int, default=5, help="parameter variants per query")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--reps", type=int, default=20, help="sequential requests per query")
    ap.add_argument("--latency-budget", type=float, default=4.0,
                    help="seconds per query and server for the sequential requests (min 3)")
    ap.add_argument("--runs", type=int, default=3, help="throughput runs (spread)")
    ap.add_argument("--duration", type=int, default=2, help="seconds per wrk run")
    ap.add_argument("--fixed-above", type=float, default=0.1,
                    help="median latency (s) from which a query gets --fixed-count requests "
                    "instead of a wrk window")
    ap.add_argument("--fixed-count", type=int, default=16,
                    help="requests per throughput run of a slow query (closed loop)")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--rdflib-max", default="100k", help="largest size rdflib-endpoint gets")
    ap.add_argument("--rdflib-runs", type=int, default=1,
                    help="throughput runs for rdflib-endpoint (its runs are long)")
    ap.add_argument("--rdflib-timeout", type=float, default=10.0)
    ap.add_argument("--rdflib-slow", type=float, default=3.0,
                    help="leave a query out for rdflib once one request takes longer")
    ap.add_argument("--rdflib-wrk-max", type=float, default=1.0,
                    help="no throughput run for rdflib above this median latency")
    ap.add_argument("--rdflib-load-timeout", type=float, default=600.0)
    ap.add_argument("--work-dir", default=str(srv.ROOT / "var" / "bench"))
    ap.add_argument("--out-dir", default=str(BENCH / "results"))
    ap.add_argument("--keep", action="store_true", help="keep the stores in --work-dir")
    ap.add_argument("--quick", action="store_true",
                    help="100k, ours + Oxigraph, 3 variants, 5 requests, one 1-s wrk run")
    ap.add_argument("--profile", action="store_true",
                    help="profile the web layer on the cheap lookups instead (first size)")
    ap.add_argument("--profile-n", type=int, default=500, help="requests per profiled layer")
    args = ap.parse_args(argv)
    if args.profile:
        text = profile(args)
        out = Path(args.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / f"profile-{time.strftime('%Y%m%d-%H%M%S')}.md").write_text(text)
        print(text)
        return 0
    if args.quick:
        args.sizes, args.variants, args.reps, args.runs, args.duration = "100k", 3, 5, 1, 1
        args.fixed_count, args.latency_budget = 8, 3.0
        args.servers = args.servers or "ours,oxigraph"
    args.servers = [s for s in (args.servers or "ours,oxigraph,oxigraph-opt,rdflib").split(",")
                    if s]
    args.queries = [q for q in args.queries.split(",") if q]
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    if args.with_10m and "10m" not in sizes:
        sizes.append("10m")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    started = time.time()
    results = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "args": vars(args),
               "versions": _versions(), "sizes": []}
    for size in sizes:
        try:
            results["sizes"].append(run_size(size, args))
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            log(f"{size}: failed: {exc}")
            results.setdefault("failed", {})[size] = str(exc)
    results["seconds"] = time.time() - started
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"{stamp}.json").write_text(json.dumps(results, indent=1))
    text = markdown(results)
    (out / f"{stamp}.md").write_text(text)
    print(text)
    log(f"wrote {out / stamp}.md and .json ({results['seconds'] / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
