"""Production serving over the same on-disk store with several workers: ``owl40 serve``
(granian, the default) and gunicorn (documented alternative)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest
import requests

from api.config import load_settings
from bench.servers import tree
from graph.store import load_project, open_store
from tests.conftest import OWL40_INSTANCE
from tests.sheetcheck import FACTS

N_PROJECTS = len(FACTS["projects"])  # every project of the fact sheet

pytestmark = [pytest.mark.live, pytest.mark.slow]
PROJECTS = ("PREFIX regio: <https://w3id.org/regio-kg/ontology#> "
            "SELECT ?p WHERE { ?p a regio:Project } ORDER BY ?p")
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


class Served(NamedTuple):
    """A running server: its /sparql URL, which server it is, its main process."""

    url: str
    name: str
    pid: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module", params=["granian", "gunicorn"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    store_dir = str(tmp_path_factory.mktemp("prod") / "store")
    settings = load_settings({"INSTANCE_DIR": OWL40_INSTANCE, "STORE": store_dir}, environ={})
    store = open_store(settings)
    load_project(store, settings)
    store.close()
    port = _free_port()
    env = {**os.environ, "OWL40_STORE": store_dir, "OWL40_QUERY_TIMEOUT": "8"}
    if request.param == "granian":
        cmd = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "2"]
    else:
        cmd = [str(Path(sys.executable).with_name("gunicorn")), "-w", "2", "-b",
               f"127.0.0.1:{port}", "--timeout", "60", "api.wsgi:app"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/sparql"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(url.replace("/sparql", "/health"), timeout=2).status_code == 200:
                break
        except (requests.ConnectionError, requests.Timeout):  # still starting
            pass
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        assert time.monotonic() < deadline, f"{request.param} did not come up"
        time.sleep(0.3)
    try:
        yield Served(url, request.param, proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(20)
        if proc.stdout:
            proc.stdout.close()


def _projects(url: str) -> int:
    response = requests.post(url, data={"query": PROJECTS}, timeout=30,
                             headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return len(response.json()["results"]["bindings"])


def test_several_workers_answer_concurrently(server):
    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(lambda _: _projects(server.url), range(40)))
    assert counts == [N_PROJECTS] * 40


def test_a_query_past_the_timeout_does_not_block_the_other_worker(server):
    with ThreadPoolExecutor(2) as pool:
        heavy = pool.submit(requests.get, server.url, params={"query": HEAVY}, timeout=60)
        time.sleep(0.5)
        assert _projects(server.url) == N_PROJECTS
        assert not heavy.done()  # the other worker answered while the heavy query still ran
        response = heavy.result()
    assert response.status_code == 503 and "timeout" in response.json()["message"]
    assert [_projects(server.url) for _ in range(4)] == [N_PROJECTS] * 4


def test_owl40_serve_preloads_jemalloc_into_its_workers(server):
    from api.cli import find_jemalloc

    if server.name != "granian":
        pytest.skip("gunicorn is started as it is; only owl40 serve preloads jemalloc")
    assert find_jemalloc(), "make install puts libjemalloc2 on the machine"
    _projects(server.url)  # the workers have answered
    maps = []
    for pid in tree(server.pid)[1:]:  # workers and their engine processes
        try:
            maps.append(Path(f"/proc/{pid}/maps").read_text())
        except OSError:
            continue
    assert len(maps) >= 2 and all("libjemalloc" in m for m in maps)
