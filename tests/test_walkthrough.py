"""The whole walkthrough of issue 13 ("done when"), in a clean temporary directory, through the
command line as a user types it: install the wheel → ``owl40 init`` → fill the sheets →
``owl40 validate`` → ``owl40 load`` → ``owl40 serve`` → questions across regions, federated
(two servers, SERVICE with the allow-list) and on a merged store. Each step is timed; the
times go to bench/results/walkthrough.json and are printed (a number to report, not a
threshold).

Filling the sheets is done as a user who filled them in a spreadsheet and saved them: the
filled CSV files of the invented example region (instances/beispiel/sheets/) are copied over
the empty ones. The second region is a copy of the OWL 4.0 instance (instances/owl40/).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from SPARQLWrapper import JSON, SPARQLWrapper

from api.config import PROJECT_DIR
from graph.queries import federated
from tests.servers import free_port
from tests.wheelkit import clean_env

pytestmark = [pytest.mark.live, pytest.mark.slow]

OWL_PLAN = "https://w3id.org/owl40/id/action-plan/owl-40"


class Walk:
    """Runs shell commands in the work directory with the installed ``owl40`` on PATH (as
    after ``source env/bin/activate``), timing each."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.times: dict[str, float] = {}
        self.env = clean_env()
        self.env["PATH"] = f"{work / 'env' / 'bin'}:{self.env.get('PATH', '')}"
        self.started = time.perf_counter()

    def __call__(self, label: str, command: str, *, timeout: float = 900) -> str:
        began = time.perf_counter()
        done = subprocess.run(["bash", "-c", command], cwd=self.work, env=self.env,
                              capture_output=True, text=True, timeout=timeout, check=False)
        self.times[label] = round(time.perf_counter() - began, 2)
        assert done.returncode == 0, f"$ {command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout + done.stderr

    def serve(self, label: str, command: str, url: str, log: Path) -> subprocess.Popen:
        began = time.perf_counter()
        with log.open("wb") as out:
            proc = subprocess.Popen(["bash", "-c", command], cwd=self.work, env=self.env,
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(url + "/health", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"{command} did not come up"
            time.sleep(0.3)
        self.times[label] = round(time.perf_counter() - began, 2)
        return proc


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(20)


def _plans(csv_text: str) -> list[str]:
    """The plans of a CSV result of plans-compared (its first column)."""
    lines = [ln for ln in csv_text.splitlines() if ln.startswith(("plan,", "http"))]
    assert lines and lines[0].startswith("plan,"), csv_text
    return sorted(row["plan"] for row in csv.DictReader(io.StringIO("\n".join(lines))))


def test_the_walkthrough_from_the_wheel_to_a_federated_question(wheel: Path, tmp_path: Path):
    work = tmp_path / "walk"
    work.mkdir()
    shutil.copy(wheel, work)
    # the second region, already running somewhere: the OWL 4.0 instance (and its fact sheet)
    shutil.copytree(PROJECT_DIR / "instances" / "owl40", work / "instances" / "owl40",
                    ignore=shutil.ignore_patterns("var"))
    walk = Walk(work)
    walk("install", f"python3 -m venv env && env/bin/pip install -q {wheel.name}")
    walk("init", 'owl40 init musterland --region "Musterland"')
    for sheet in (PROJECT_DIR / "instances" / "beispiel" / "sheets").glob("*.csv"):
        shutil.copy(sheet, work / "musterland" / "sheets" / sheet.name)  # filled and saved
    report = walk("validate", "cd musterland && owl40 validate --lang de")
    assert "in Ordnung" in report and "0 Fehler" in report
    walk("load", "cd musterland && owl40 load")
    walk("load the other region", "cd instances/owl40 && owl40 load")
    port_m, port_o = free_port(), free_port()
    region, other = f"http://127.0.0.1:{port_m}", f"http://127.0.0.1:{port_o}"
    served = walk.serve("serve", f"cd musterland && owl40 serve --port {port_m} --workers 1 "
                        "--threads 2", region, tmp_path / "musterland.log")
    try:
        owl = walk.serve("serve the other region",
                         f"cd instances/owl40 && OWL40_SERVICE_ALLOWLIST={region}/sparql "
                         f"owl40 serve --port {port_o} --workers 1 --threads 2", other,
                         tmp_path / "owl40.log")
        try:
            home = requests.get(region + "/?lang=de", headers={"Accept": "text/html"}, timeout=30)
            assert home.status_code == 200 and "<h1>Musterland</h1>" in home.text
            guide = requests.get(region + "/docs/adopters.md", timeout=30)
            assert guide.status_code == 200 and "Map your action plan" in guide.text
            page = requests.get(region + "/doc/project/beispiel-ki-werkstatt",
                                headers={"Accept": "text/html"}, timeout=30)
            assert page.status_code == 200 and "Beispielprojekt KI-Werkstatt" in page.text
            began = time.perf_counter()
            client = SPARQLWrapper(other + "/sparql")
            query = (PROJECT_DIR / "queries" / "plans-compared.rq").read_text(encoding="utf-8")
            client.setQuery(federated(query, [region + "/sparql"]))
            client.setReturnFormat(JSON)
            bindings = client.query().convert()["results"]["bindings"]
            walk.times["federated query (SPARQLWrapper)"] = round(time.perf_counter() - began, 2)
            plans = sorted(b["plan"]["value"] for b in bindings)
            assert plans == sorted([OWL_PLAN, "http://127.0.0.1:8040/id/action-plan/beispiel-plan"])
            out = walk("federated query (CLI)", "cd instances/owl40 && owl40 query plans-compared "
                       f"--federate {region}/sparql --format csv")
            assert _plans(out) == plans
        finally:
            _stop(owl)
    finally:
        _stop(served)
    walk("merge", "(cd musterland && owl40 export --format nquads -o ../musterland.nq) && "
                  "cd instances/owl40 && owl40 load ../../musterland.nq")
    merged = walk("query the merged store", "cd instances/owl40 && owl40 query plans-compared "
                  "--format csv")
    assert _plans(merged) == plans
    walk.times["total"] = round(time.perf_counter() - walk.started, 2)
    results = PROJECT_DIR / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "walkthrough.json").write_text(json.dumps(walk.times, indent=2) + "\n")
    print("\nwalkthrough times (s):", json.dumps(walk.times, indent=2))
