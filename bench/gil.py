"""Does pyoxigraph release Python's GIL while it evaluates and serialises?

The endpoint's design depends on the answer (threads of one web worker evaluate in parallel
only if it does; see bench/README.md, "Design"). A pure-Python thread counts loop turns while
the main thread runs an aggregate query and then serialises a large result; if the GIL were
held, the counter would stall for the duration.

    .venv/bin/python bench/gil.py [--data bench/data/synthetic-100k.nq.gz]
"""

from __future__ import annotations

import argparse
import gzip
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.generate import generate, parse_size  # noqa: E402

AGGREGATE = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?s ?q ?x } GROUP BY ?p"
LARGE = "SELECT * WHERE { ?s ?p ?o }"


def spin_rate(work) -> tuple[float, float]:
    """(seconds ``work`` took, loop turns per second of a Python thread meanwhile)."""
    stop, turns = threading.Event(), [0]

    def spin() -> None:
        n = 0
        while not stop.is_set():
            n += 1
        turns[0] = n

    thread = threading.Thread(target=spin)
    thread.start()
    started = time.perf_counter()
    work()
    took = time.perf_counter() - started
    stop.set()
    thread.join()
    return took, turns[0] / took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="bench/data/synthetic-100k.nq.gz")
    args = ap.parse_args()
    data = Path(args.data)
    if not data.exists():
        generate(parse_size("100k"), data)
    store = ox.Store()
    with gzip.open(data) as fh:
        store.bulk_load(fh, format=ox.RdfFormat.N_QUADS)
    _, alone = spin_rate(lambda: time.sleep(1))
    json = ox.QueryResultsFormat.JSON
    cases = {"aggregate query": lambda: store.query(AGGREGATE).serialize(format=json),
             "serialising all triples as JSON": lambda: store.query(LARGE).serialize(format=json)}
    print(f"pyoxigraph {ox.__version__}; a Python thread alone: {alone:,.0f} turns/s")
    for name, work in cases.items():
        took, rate = spin_rate(work)
        print(f"{name}: {took:.2f} s; the Python thread meanwhile ran at {rate / alone:.0%} "
              "of its solo speed" + (" (GIL released)" if rate > 0.5 * alone else
                                      " (GIL held)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
