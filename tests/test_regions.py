"""Two regions side by side (issue 13 §4): the OWL 4.0 instance and the invented example region
(instances/beispiel/, built only through the kit), questions across regions — plans, themes,
funding and partner types compared — on a merged store, and through a federated query
(SERVICE with the allow-list) between two running servers, asked with a real client
(SPARQLWrapper) and with ``owl40 query --federate``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from SPARQLWrapper import JSON, SPARQLWrapper

from api.cli import main
from api.config import PROJECT_DIR, load_settings
from graph.queries import federated
from graph.store import load_project, open_store
from tests.conftest import OWL40_INSTANCE
from tests.servers import free_port

pytestmark = [pytest.mark.live, pytest.mark.slow]

EXAMPLE = PROJECT_DIR / "instances" / "beispiel"
QUESTIONS = ["plans-compared", "themes-by-plan", "funding-by-plan", "partner-types-by-plan"]
OWL_PLAN = "https://w3id.org/owl40/id/action-plan/owl-40"
EXAMPLE_PLAN = "https://example.org/beispielregion/id/action-plan/beispiel-plan"


def cli(instance: Path | str, *args: str, store: Path | None = None):
    env = {"OWL40_INSTANCE_DIR": str(instance)}
    prefix = ["--store", str(store)] if store else []
    result = CliRunner().invoke(main, [*prefix, *args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def question(slug: str) -> str:
    return (PROJECT_DIR / "queries" / f"{slug}.rq").read_text(encoding="utf-8")


def rows(store_dir: Path, instance: Path | str, text: str) -> Counter:
    """The rows of a SELECT query on a store, as a multiset of (variable, value) tuples."""
    settings = load_settings({"INSTANCE_DIR": str(instance), "STORE": str(store_dir)}, environ={})
    store = open_store(settings)
    try:
        result = store.query(text)
        return Counter(tuple(sorted((v, r[v].value) for v in r)) for r in result.rows)
    finally:
        store.close()


def json_rows(bindings: list[dict]) -> Counter:
    return Counter(tuple(sorted((v, b[v]["value"]) for v in b)) for b in bindings)


def plans(found: Counter) -> set[str]:
    return {dict(row)["plan"] for row in found}


@pytest.fixture(scope="module")
def regions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both regions loaded, each in its own store, and a store that merges them (the example
    region's export loaded into the OWL 4.0 store), all through the CLI."""
    work = tmp_path_factory.mktemp("regions")
    example = Path(shutil.copytree(EXAMPLE, work / "beispiel", ignore=shutil.ignore_patterns("var")))
    cli(example, "load")
    cli(example, "export", "--format", "nquads", "-o", str(work / "beispiel.nq"))
    owl = work / "owl-store"
    settings = load_settings({"INSTANCE_DIR": OWL40_INSTANCE, "STORE": str(owl)}, environ={})
    store = open_store(settings)
    try:
        load_project(store, settings)
    finally:
        store.close()
    merged = work / "merged-store"
    cli(OWL40_INSTANCE, "load", store=merged)
    cli(OWL40_INSTANCE, "load", str(work / "beispiel.nq"), store=merged)
    return {"example": example, "example_store": example / "var" / "store", "owl_store": owl,
            "merged_store": merged}


@pytest.mark.parametrize("slug", QUESTIONS)
def test_a_merged_store_answers_for_both_regions_as_each_alone(regions, slug):
    owl = rows(regions["owl_store"], OWL40_INSTANCE, question(slug))
    example = rows(regions["example_store"], regions["example"], question(slug))
    merged = rows(regions["merged_store"], OWL40_INSTANCE, question(slug))
    assert plans(owl) == {OWL_PLAN} and plans(example) == {EXAMPLE_PLAN}
    assert merged == owl + example


def test_the_example_region_compares_as_its_sheets_say(regions):
    (row,) = rows(regions["example_store"], regions["example"], question("plans-compared"))
    found = dict(row)
    assert found["titleEn"] == "Example action plan Musterland 2030"
    assert (found["phases"], found["themes"], found["confirmedProjects"],
            found["unconfirmedProjects"], found["partnerOrganisations"]) == ("2", "3", "2", "2", "4")
    (funding,) = rows(regions["example_store"], regions["example"], question("funding-by-plan"))
    assert dict(funding)["statedTotal"] == "4650000" and dict(funding)["fundedPhases"] == "1"


def _serve(instance: Path | str, store: Path, log: Path, **settings: str) -> tuple[str, subprocess.Popen]:
    port = free_port()
    env = {**os.environ, "OWL40_INSTANCE_DIR": str(instance), "OWL40_STORE": str(store),
           **{f"OWL40_{k}": v for k, v in settings.items()}}
    with log.open("wb") as out:  # the server writes to its own copy of the descriptor
        proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port),
                                 "--workers", "1", "--threads", "2"], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if requests.get(url + "/health", timeout=5).status_code == 200:
                return url, proc
        except requests.RequestException:
            pass
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"the server of {instance} did not come up"
        time.sleep(0.3)


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(20)


@pytest.fixture(scope="module")
def servers(regions, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Two running servers: the example region, and OWL 4.0 allowed to call it (SERVICE)."""
    logs = tmp_path_factory.mktemp("server-logs")
    example_url, example = _serve(regions["example"], regions["example_store"], logs / "b.log")
    try:
        owl_url, owl = _serve(OWL40_INSTANCE, regions["owl_store"], logs / "a.log",
                              SERVICE_ALLOWLIST=example_url + "/sparql")
        try:
            yield {"owl": owl_url, "example": example_url}
        finally:
            _stop(owl)
    finally:
        _stop(example)


@pytest.mark.parametrize("slug", QUESTIONS)
def test_a_federated_query_between_two_servers_answers_as_the_merged_store(regions, servers, slug):
    client = SPARQLWrapper(servers["owl"] + "/sparql")
    client.setQuery(federated(question(slug), [servers["example"] + "/sparql"]))
    client.setReturnFormat(JSON)
    answer = client.query().convert()
    merged = rows(regions["merged_store"], OWL40_INSTANCE, question(slug))
    assert json_rows(answer["results"]["bindings"]) == merged


def test_service_to_an_endpoint_not_on_the_allow_list_is_refused(servers):
    response = requests.get(servers["example"] + "/sparql", timeout=30, params={
        "query": federated(question("plans-compared"), [servers["owl"] + "/sparql"])})
    assert response.status_code == 400 and "SERVICE" in response.json()["message"]


def test_owl40_query_federate_asks_another_region_s_server(regions, servers):
    result = cli(OWL40_INSTANCE, "query", str(PROJECT_DIR / "queries" / "plans-compared.rq"),
                 "--federate", servers["example"] + "/sparql", "--format", "json",
                 store=regions["owl_store"])
    bindings = json.loads(result.stdout)["results"]["bindings"]
    assert [b["plan"]["value"] for b in bindings] == sorted([OWL_PLAN, EXAMPLE_PLAN])
