"""Render-time benchmark of the linked-data pages on the real OWL 4.0 graph.

Run: ``.venv/bin/python bench/pages.py [--runs 50]``. Builds a temporary store with
``graph.store.load_project``, then renders each page ``--runs`` times through the Flask test
client (no network) after one warm-up, and prints median / p90 per page in milliseconds, and
the median of the pages' medians (the "site median"), wall clock and CPU time of the process (the
CPU time is steadier on a shared machine). ``--lang en`` for the English pages.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.app import create_app  # noqa: E402
from api.config import load_settings  # noqa: E402
from graph.store import load_project, open_store  # noqa: E402

OWL40_INSTANCE = Path(__file__).resolve().parent.parent / "instances" / "owl40"

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
    # issue 14: the other page kinds and the pictures they show
    ("theme list", "/themes", "text/html"),
    ("source list", "/sources", "text/html"),
    ("code lists", "/doc/code", "text/html"),
    ("record graph", "/doc/graph/record/project/arbeit-40/funding", "text/html"),
    ("source graph", "/doc/graph/source/s-hsbi-workcare", "text/html"),
    ("ontology", "/ontology", "text/html"),
    ("shapes", "/shapes", "text/html"),
    ("model", "/model", "text/html"),
    ("dataset (VoID page)", "/.well-known/void", "text/html"),
    ("submit (signed out)", "/submit", "text/html"),
    ("picture: network of all projects", "/viz/network.svg", "image/svg+xml"),
    ("picture: a project's partners", "/viz/network.svg?project=smart-country-side",
     "image/svg+xml"),
    ("picture: themes", "/viz/themes.svg", "image/svg+xml"),
    ("picture: keywords", "/viz/themes.svg?keywords=1", "image/svg+xml"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--lang", default="de", help="Accept-Language of the requests")
    parser.add_argument("--sitemap", action="store_true",
                        help="instead: every page of /sitemap.xml as HTML, twice (the second "
                             "pass is measured): the site median")
    parser.add_argument("--instance", default=str(OWL40_INSTANCE),
                        help="the instance whose data is loaded and served (default: OWL 4.0; "
                             "the pages listed are the OWL 4.0 instance's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        overrides = {"INSTANCE_DIR": args.instance, "STORE": f"{tmp}/store",
                     "DUMPS_DIR": f"{tmp}/dumps", "CACHE_DIR": f"{tmp}/cache"}
        settings = load_settings(overrides, environ={})
        store = open_store(settings)
        load_project(store, settings)
        store.close()
        app = create_app(overrides)
        client = app.test_client()
        if args.sitemap:
            site_median(client, args.lang)
            app.extensions["owl40_engine"].close()
            return
        print("| page | median ms | p90 ms | CPU ms (median) | runs |\n|---|---|---|---|---|")
        medians, cpus, missing = [], [], []
        for name, url, accept in PAGES:
            headers = {"Accept": accept, "Accept-Language": args.lang}
            response = client.get(url, headers=headers)
            if response.status_code != 200:  # not measured, and the run fails at the end
                print(f"| {name} | n/a ({response.status_code}) | | | |")
                missing.append(f"{url} ({response.status_code})")
                continue
            times, cpu = [], []
            for _ in range(args.runs):
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(url, headers=headers)
                response.get_data()
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
                response.close()
            times.sort()
            p90 = times[int(0.9 * (len(times) - 1))]
            medians.append(statistics.median(times))
            cpus.append(statistics.median(cpu))
            print(f"| {name} | {medians[-1]:.1f} | {p90:.1f} | {cpus[-1]:.1f} | {args.runs} |")
        print(f"| **median of the pages' medians** | {statistics.median(medians):.1f} | | "
              f"{statistics.median(cpus):.1f} | |")
        app.extensions["owl40_engine"].close()
        if missing:  # an empty store or the wrong instance renders fast pages of nothing
            sys.exit("pages not answered with 200, the run does not count: " + ", ".join(missing))


def site_median(client, lang: str) -> None:
    """Every page the sitemap lists, as HTML in ``lang``: median and p90 of the second pass."""
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    paths = [re.sub(r"^https?://[^/]+/(owl40/)?", "/", u)
             for u in re.findall(r"<loc>([^<]+)</loc>", sitemap)]
    headers = {"Accept": "text/html", "Accept-Language": lang}
    times, cpu, statuses = [], [], {}
    for measured in (False, True):
        for path in paths:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path, headers=headers)
            response.get_data()
            if measured:
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            response.close()
    times.sort()
    cpu.sort()
    print(f"| pages of the sitemap ({len(paths)}, status {statuses}) | median ms | p90 ms |"
          f"\n|---|---|---|\n| wall clock | {statistics.median(times):.1f} | "
          f"{times[int(0.9 * (len(times) - 1))]:.1f} |\n| CPU | {statistics.median(cpu):.1f} | "
          f"{cpu[int(0.9 * (len(cpu) - 1))]:.1f} |")


if __name__ == "__main__":
    main()
