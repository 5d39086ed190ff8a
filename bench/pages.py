"""Render-time benchmark of the linked-data pages on the real OWL 4.0 graph.

Run: ``.venv/bin/python bench/pages.py [--runs 50]``. Builds a temporary store with
``graph.store.load_project``, then renders each page ``--runs`` times through the Flask test
client (no network) after one warm-up, and prints median / p90 per page in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.app import create_app  # noqa: E402
from api.config import load_settings  # noqa: E402
from graph.store import load_project, open_store  # noqa: E402

PAGES = [
    ("home", "/", "text/html"),
    ("project (Smart Country Side)", "/doc/project/smart-country-side", "text/html"),
    ("organisation (OWL GmbH)", "/doc/organisation/owl-gmbh", "text/html"),
    ("theme (Vereinbarkeit von Beruf und Pflege)", "/doc/theme/work-care", "text/html"),
    ("action plan", "/doc/action-plan/owl-40", "text/html"),
    ("project list", "/projects", "text/html"),
    ("organisation list", "/organisations", "text/html"),
    ("project as Turtle", "/doc/project/smart-country-side", "text/turtle"),
    ("project as JSON-LD", "/doc/project/smart-country-side", "application/ld+json"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        overrides = {"STORE": f"{tmp}/store", "DUMPS_DIR": f"{tmp}/dumps", "CACHE_DIR": f"{tmp}/cache"}
        settings = load_settings(overrides, environ={})
        store = open_store(settings)
        load_project(store, settings)
        store.close()
        app = create_app(overrides)
        client = app.test_client()
        print("| page | median ms | p90 ms | runs |\n|---|---|---|---|")
        for name, url, accept in PAGES:
            headers = {"Accept": accept, "Accept-Language": "de"}
            response = client.get(url, headers=headers)
            assert response.status_code == 200, (url, response.status_code)
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                response = client.get(url, headers=headers)
                response.get_data()
                times.append((time.perf_counter() - started) * 1000)
                response.close()
            times.sort()
            p90 = times[int(0.9 * (len(times) - 1))]
            print(f"| {name} | {statistics.median(times):.1f} | {p90:.1f} | {args.runs} |")
        app.extensions["owl40_engine"].close()


if __name__ == "__main__":
    main()
