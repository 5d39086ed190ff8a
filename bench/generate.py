"""Generate an INVENTED multi-region graph in the exact shape of the regio: model, for benchmarks.

Nothing here describes a real region, organisation or project: every IRI lies under
``http://example.org/invented/<region-slug>/``, every label says "(erfunden)" / "(invented)",
and every source URL lies under ``http://example.org/invented/sources/`` (bench/region.py
builds one region). Statements are filed into provenance named graphs exactly as graph/build.py
does, and each region's de-duplicated union is written as default-graph quads
(graph.build.default_graph_quads); regions share no subjects, so the per-region unions together
are the union of the whole file.

Deterministic: one seed, ``random.Random`` only, no clock in the data, no network; the gzip
header carries no name and no time, so the same arguments give the same bytes. Regions are
added one at a time until the quad count (named graphs + default graph) reaches the target;
the last region is shrunk and padded with events to land within ±2 %. Only one region is in
memory at a time.

    python bench/generate.py --triples 100000 -o bench/data/synthetic-100k.nq.gz
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project's packages importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyoxigraph import NamedNode, RdfFormat, serialize  # noqa: E402

from bench.region import INVENTED, Region  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_SEED = 42
TOLERANCE = 0.02
MIN_PROJECTS = 6
Hubs = list[tuple[NamedNode, str]]


@dataclass
class Report:
    """What one generation wrote."""

    path: Path
    target: int
    quads: int
    regions: int
    seconds: float
    bytes: int

    @property
    def rate(self) -> float:
        return self.quads / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        return (f"wrote {self.quads:,} quads ({self.regions} regions; target {self.target:,}, "
                f"{self.quads / self.target - 1:+.2%}) to {self.path} "
                f"({self.bytes / 1e6:.1f} MB) in {self.seconds:.1f} s ({self.rate:,.0f} quads/s)")


def parse_size(value: str) -> int:
    """'5000', '100k', '1M', '10M' -> an int."""
    value = value.strip().replace("_", "").replace(",", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(value[-1:].lower(), 1)
    number = float(value[:-1] if factor > 1 else value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"not a positive size: {value!r}")
    return int(number * factor)


def _build(seed: int, idx: int, n_projects: int, extra: int, hubs: Hubs) -> Region:
    region = Region(seed, idx, n_projects, extra, hubs)
    region.build()
    return region


def _fit(seed: int, idx: int, n_max: int, size_max: int, hubs: Hubs, room: int,
         slack: int) -> Region:
    """The region ``idx`` shrunk (fewer projects) and padded (more events) to about ``room``
    quads: at most ``room``, at least ``room - slack`` when that is possible."""
    best = _build(seed, idx, MIN_PROJECTS, 0, hubs)
    if best.size > room:
        return best  # the smallest region overshoots; the caller decides whether that is ok
    per_project = max(1.0, (size_max - best.size) / max(1, n_max - MIN_PROJECTS))
    n = MIN_PROJECTS + int((room - best.size) / per_project)
    while n > MIN_PROJECTS:  # size grows with the project count, but not strictly
        trial = _build(seed, idx, n, 0, hubs)
        if trial.size <= room:
            best = trial
            break
        n -= max(1, int((trial.size - room) / per_project))
    n = max(n, MIN_PROJECTS)
    per_event = max(1, _build(seed, idx, n, 1, hubs).size - best.size)
    lo, hi = 0, None  # extra events: lo fits; hi (when known) overshoots
    for _ in range(12):
        if room - best.size <= slack // 2 or (hi is not None and hi - lo <= 1):
            break
        extra = lo + max(1, (room - best.size) // per_event) if hi is None else (lo + hi) // 2
        trial = _build(seed, idx, n, extra, hubs)
        if trial.size > room:
            hi = extra
        else:
            lo, best = extra, trial
    return best


def generate(target: int, out: str | Path, seed: int = DEFAULT_SEED,
             log: Callable[[str], None] | None = None) -> Report:
    """Write about ``target`` quads (±2 %) of invented regions to the gzip N-Quads file ``out``."""
    start, out = time.perf_counter(), Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    master, hubs, written, idx = random.Random(seed), [], 0, 0
    low, high = target * (1 - TOLERANCE), target * (1 + TOLERANCE)
    slack = int(target * TOLERANCE)
    with open(part, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                                compresslevel=6) as gz:
        while written < target:
            idx += 1
            n_projects = master.randint(40, 160)
            region = _build(seed, idx, n_projects, 0, hubs)
            if written + region.size > target:
                if written >= target - slack // 2:
                    idx -= 1
                    break  # close enough; a shrunk region would not fit anyway
                region = _fit(seed, idx, n_projects, region.size, hubs, target - written, slack)
                if written + region.size > high:
                    if written >= low:
                        idx -= 1
                        break
                    raise ValueError(f"target {target} is too small: one region of "
                                     f"{MIN_PROJECTS} projects has {region.size} quads")
            gz.write(serialize(region.quads, format=RdfFormat.N_QUADS))
            # default-graph lines: N-Triples lines are N-Quads lines of the default graph
            gz.write(serialize(region.union, format=RdfFormat.N_TRIPLES))
            written += region.size
            hubs += region.hubs_out
            if log and idx % 10 == 0:
                log(f"  {idx} regions, {written:,} quads, {time.perf_counter() - start:.1f} s")
    part.replace(out)
    return Report(out, target, written, idx, time.perf_counter() - start, out.stat().st_size)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate an invented multi-region regio: graph "
                                 f"(IRIs under {INVENTED}) as gzip N-Quads.")
    ap.add_argument("--triples", type=parse_size, required=True,
                    help="target number of quads incl. the default-graph copy (5000, 100k, 1M)")
    ap.add_argument("-o", "--output", type=Path,
                    help="output file (default bench/data/synthetic-<triples>.nq.gz)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default 42)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    args = ap.parse_args(argv)
    out = args.output or BENCH_DIR / "data" / f"synthetic-{args.triples}.nq.gz"
    log = None if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    try:
        report = generate(args.triples, out, args.seed, log)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

