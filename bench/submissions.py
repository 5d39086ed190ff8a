"""Partner submissions (issue 12): how long a partner waits for the report, and how long a
publication takes.

* validation: a submission of about 100, 1,000 and 10,000 triples, from upload to report
  (stored, read in the child process, mapped, validated in the context of the published graph
  with pySHACL, reports built and stored): median and p95 over several runs, as RDF (Turtle:
  new projects with the partner's participation) and as a sheet (CSV: new participations in
  the partner's project), valid and (``--broken`` sizes) with mistakes;
* publication: publishing an accepted 1,000-triple submission into the OWL 4.0 store (~10k
  quads) and into a store of 1M quads (the invented bench data plus OWL 4.0): median and p95
  over ``--pub-runs`` submissions published one after the other.

The machine may be shared: each row gives the 1-minute load average during its runs.

Data: the OWL 4.0 build; the 1M quads are the invented graph of bench/generate.py
(``bench/data/synthetic-1m.nq.gz``, generated when missing). Nothing invented is about a real
organisation; the submitted records are invented too ("Bench-Projekt … (erfunden)").

    .venv/bin/python bench/submissions.py [--sizes 100,1000,10000] [--broken 1000] [--runs 9]
        [--pub-runs 7] [--validators 2] [--no-million]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.config import load_settings  # noqa: E402
from graph.store import load_project, open_store  # noqa: E402
from graph.submissions.auth import create_token, identify  # noqa: E402
from graph.submissions.service import Config, SubmissionService  # noqa: E402

BENCH = Path(__file__).resolve().parent
ORG = "https://w3id.org/owl40/id/organisation/fh-bielefeld"
PROJECT = "https://w3id.org/owl40/id/project/work-and-care"


def turtle(n_triples: int, tag: str, *, broken: bool = False) -> bytes:
    """New invented projects, each with the partner's participation: 15 triples a pair.
    ``broken``: every second pair has a mistake a partner might make (a date that is no
    date, the end before the start, a French title, no description, two role texts, two
    start dates of different precision)."""
    lines = ["@prefix regio: <https://w3id.org/regio-kg/ontology#> .",
             "@prefix dct: <http://purl.org/dc/terms/> .",
             "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
             "@prefix id: <https://w3id.org/owl40/id/> ."]
    for i in range(max(1, n_triples // 15)):
        p = f"bench-{tag}-{i}"
        mistake = i % 12 if broken else -1
        start = '"01.01.2024"' if mistake == 1 else '"2024-01-01"^^xsd:date'
        if mistake == 9:
            start += ', "2024"^^xsd:gYear'
        end = '"2020"^^xsd:gYear' if mistake == 3 else '"2026-12-31"^^xsd:date'
        english = "@fr" if mistake == 5 else "@en"
        description = ("" if mistake == 7 else
                       'dct:description "Erfundenes Projekt für die Messung."@de ; ')
        lines.append(
            f'<https://w3id.org/owl40/id/project/{p}> a regio:Project ; '
            f'dct:title "Bench-Projekt {i} (erfunden)"@de, "Bench project {i} (invented)"{english} ; '
            f'{description}regio:acronym "B{i}" ; regio:startDate {start} ; '
            f'regio:endDate {end} ; regio:keyword "Messung"@de, "bench"@en .')
        role = '"Partner", "Zweitrolle"' if mistake == 11 else '"Partner"'
        lines.append(
            f"<https://w3id.org/owl40/id/participation/{p}--fh-bielefeld> a regio:Participation ; "
            f"regio:participant <{ORG}> ; regio:participationIn "
            f'<https://w3id.org/owl40/id/project/{p}> ; regio:roleText {role} ; '
            f'regio:startDate "2024-01"^^xsd:gYearMonth .')
    return "\n".join(lines).encode()


def sheet(n_triples: int, tag: str, *, broken: bool = False) -> bytes:
    """New participations of invented organisations in the partner's project: 8 triples a
    row. ``broken``: most rows have a mistake (a date that does not exist, the end before the
    start, an unknown role code, a source that is no address, a change of a record that does
    not exist, an end that is no date, a reference to no project)."""
    rows = ["Änderung;Datensatz (Kennung);Quelle;Beteiligte Organisation;Beteiligt an;"
            "Rolle laut Quelle;Beginn;Ende;Rolle"]
    for i in range(max(1, n_triples // 8)):
        cells = ["neu", "", "selbst", f"bench-org-{tag}-{i}", "work-and-care",
                 "Partner (erfunden)", "01.01.2024", "2026-12", "partner"]
        mistake = i % 9 if broken else -1
        if mistake in (1, 2, 3, 4, 5, 6, 7):
            index, text = {1: (6, "31.13.2024"), 2: (7, "2020"), 3: (8, "chef"),
                           4: (2, "irgendwo"), 5: (0, "ändern"), 6: (7, "nie"),
                           7: (4, "gibt-es-nicht")}[mistake]
            cells[index] = text
        rows.append(";".join(cells))
    return ("\n".join(rows) + "\n").encode()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def setup(directory: Path, *, million: Path | None = None, validators: int = 2
          ) -> tuple[SubmissionService, dict]:
    settings = load_settings({"INSTANCE_DIR": str(BENCH.parent / "instances" / "owl40"),
                              "STORE": str(directory / "store"),
                              "SUBMISSIONS_DIR": str(directory / "submissions"),
                              "DUMPS_DIR": str(directory / "dumps"),
                              "CACHE_DIR": str(directory / "cache"),
                              "SUBMISSION_MAX_BYTES": 64 << 20,
                              "SUBMISSION_VALIDATORS": validators}, environ={})
    if million is not None:
        from bench.servers import load_ours

        load_ours(million, directory / "store")
    store = open_store(settings)
    load_project(store, settings)
    service = SubmissionService(store, Config.from_settings(settings))
    return service, settings


def measure_validation(service: SubmissionService, sizes: list[int], runs: int,
                       broken: list[int] = ()) -> list[dict]:
    _, token = create_token(service.storage, role="partner", organisation=ORG, label="bench")
    who = identify(service.storage, token)
    out = []
    cases = [(size, False) for size in sizes] + [(size, True) for size in broken]
    for fmt, build, media, name in (("rdf", turtle, "text/turtle", "bench.ttl"),
                                    ("csv", sheet, "text/csv", "bench.csv")):
        for size, is_broken in cases:
            n = runs if size <= 1000 else max(3, runs // 3)
            times, loads, triples, states, findings = [], [], 0, set(), 0
            for run in range(n + 1):  # the first run warms up (shapes, child process)
                data = build(size, f"{fmt}{size}{'b' if is_broken else ''}r{run}",
                             broken=is_broken)
                started = time.perf_counter()
                sub, checked = service.submit(who, data, filename=name, content_type=media)
                elapsed = time.perf_counter() - started
                if run:
                    times.append(elapsed)
                    loads.append(os.getloadavg()[0])
                triples = len(checked.changes.triples())
                findings = len(checked.outcome.findings) if checked.outcome else 0
                states.add(sub.state)
            row = {"format": fmt, "size": size, "broken": is_broken, "triples": triples,
                   "findings": findings, "runs": n,
                   "median_s": round(statistics.median(times), 3),
                   "p95_s": round(percentile(times, 0.95), 3),
                   "load_avg": round(statistics.mean(loads), 2), "states": sorted(states)}
            print(json.dumps(row), flush=True)
            out.append(row)
    return out


def measure_publication(service: SubmissionService, label: str, size: int = 1000,
                        runs: int = 7) -> dict:
    """``runs`` accepted submissions published one after the other (the first not counted:
    it warms up); each is submitted and accepted untimed, the publication timed."""
    _, ptoken = create_token(service.storage, role="partner", organisation=ORG, label="bench")
    _, ctoken = create_token(service.storage, role="curator", organisation=None, label="bench")
    partner, curator = identify(service.storage, ptoken), identify(service.storage, ctoken)
    times, loads, quads, written = [], [], 0, 0
    for run in range(runs + 1):
        sub, _checked = service.submit(partner, turtle(size, f"pub-{label.lower()}-{run}"),
                                       filename="p.ttl", content_type="text/turtle")
        service.accept(curator, sub.id)
        if run == 1:
            quads = service.store.count()
        started = time.perf_counter()
        _sub, result = service.publish(curator, sub.id)
        elapsed = time.perf_counter() - started
        if run:
            times.append(elapsed)
            loads.append(os.getloadavg()[0])
        written = sum(result.written.values())
    row = {"publication_into": label, "store_quads": quads, "triples": written, "runs": runs,
           "median_s": round(statistics.median(times), 3),
           "p95_s": round(percentile(times, 0.95), 3), "max_s": round(max(times), 3),
           "load_avg": round(statistics.mean(loads), 2)}
    print(json.dumps(row), flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--broken", default="1000",
                    help="sizes also measured as broken submissions ('' for none)")
    ap.add_argument("--pub-runs", type=int, default=7, help="publications measured per store")
    ap.add_argument("--no-validation", action="store_true", help="publication only")
    ap.add_argument("--validators", type=int, default=2, help="SUBMISSION_VALIDATORS")
    ap.add_argument("--no-million", action="store_true", help="skip the 1M-quad store")
    ap.add_argument("--million-data", type=Path, default=BENCH / "data" / "synthetic-1m.nq.gz")
    ap.add_argument("-o", "--out", type=Path, default=BENCH / "results" / "submissions.json")
    args = ap.parse_args(argv)
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="owl40-bench-sub-") as tmp:
        service, _ = setup(Path(tmp) / "owl40", validators=args.validators)
        if not args.no_validation:
            results["validation"] = measure_validation(
                service, [int(s) for s in args.sizes.split(",") if s], args.runs,
                [int(s) for s in args.broken.split(",") if s])
        results["publication"] = [measure_publication(service, "owl40", runs=args.pub_runs)]
        service.store.close()
        if not args.no_million:
            if not args.million_data.exists():
                from bench.generate import generate

                generate(1_000_000, args.million_data)
            big, _ = setup(Path(tmp) / "million", million=args.million_data,
                           validators=args.validators)
            results["publication"].append(measure_publication(big, "1M", runs=args.pub_runs))
            big.store.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
