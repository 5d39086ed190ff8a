"""A live Oxigraph server (the PyPI ``oxigraph`` package) on 127.0.0.1 for remote-store tests.

tests/conftest.py imports the fixture: ``from tests.servers import oxigraph_server``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests


@dataclass
class OxigraphServer:
    """Where the running server answers."""

    url: str

    @property
    def settings(self) -> dict[str, str]:
        """The settings keys that point the project at this server."""
        return {"SPARQL_URL": f"{self.url}/query", "UPDATE_URL": f"{self.url}/update",
                "GSP_URL": f"{self.url}/store"}

    def clear(self) -> None:
        """Remove everything, so tests sharing the server start from an empty store."""
        requests.post(f"{self.url}/update", data=b"DROP ALL", timeout=30,
                      headers={"Content-Type": "application/sparql-update"}).raise_for_status()


#: Set by `make test` (CI installs the servers): a missing live server fails the tests that
#: need it instead of skipping them.
REQUIRE_LIVE = "OWL40_TEST_REQUIRE_LIVE"


def missing_server(reason: str) -> None:
    """Skip the test for want of a live server, or fail it when OWL40_TEST_REQUIRE_LIVE=1."""
    if os.environ.get(REQUIRE_LIVE) == "1":
        pytest.fail(f"{reason}; {REQUIRE_LIVE}=1 requires the live servers", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` CLI next to the running Python (the venv), else on PATH."""
    candidate = Path(sys.executable).with_name("oxigraph")
    return str(candidate) if candidate.exists() else shutil.which("oxigraph")


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """Start ``oxigraph serve`` on a free port; stop it afterwards."""
    binary = oxigraph_binary()
    if binary is None:
        missing_server("the oxigraph server is not installed (pip install '.[test]')")
    location = tmp_path_factory.mktemp("oxigraph-server")
    port = free_port()
    log = open(location.parent / f"oxigraph-{port}.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT)
    server = OxigraphServer(f"http://127.0.0.1:{port}")
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_up(server: OxigraphServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph serve exited with {process.returncode}")
        try:
            requests.get(f"{server.url}/query", params={"query": "ASK {}"}, timeout=1)
            return
        except (requests.ConnectionError, requests.Timeout):  # still starting
            time.sleep(0.05)
    raise RuntimeError("oxigraph serve did not answer within 20 s")
