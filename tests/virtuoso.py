"""A live Virtuoso 7 (Debian's virtuoso-opensource, installed by ``make install-test``) on
free loopback ports, with a fresh database in a temporary directory, for remote-store tests.

Queries go to ``/sparql`` (anonymous, read-only); updates to ``/sparql-auth`` and the Graph
Store Protocol to ``/sparql-graph-crud-auth``, with HTTP digest authentication as the ``dba``
user (the password of a new database is ``dba``). Virtuoso's default graph is a view of all
graphs, so the default-graph union lives in the named graph ``UNION_GRAPH``
(``REMOTE_DEFAULT_GRAPH``).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from requests.auth import HTTPDigestAuth

from tests.servers import free_port, missing_server

#: The named graph that holds the default-graph union on Virtuoso (REMOTE_DEFAULT_GRAPH).
UNION_GRAPH = "https://w3id.org/owl40/graph/default"
#: Graphs Virtuoso 7 keeps for itself (REMOTE_SYSTEM_GRAPHS), as a fresh database has them.
SYSTEM_GRAPHS = ("http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#",
                 "http://localuriqaserver/")

INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
{remap}Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
{remap}Striping = 0

[Parameters]
ServerPort = {sql_port}
ServerThreads = 10
CheckpointInterval = 60
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = ., {d}{dirs}

[HTTPServer]
ServerPort = {http_port}
ServerRoot = {d}
MaxClientConnections = 10
ServerThreads = 10

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = {max_seconds}
"""


def write_ini(directory: Path, sql_port: int, http_port: int, *, buffers: int = 20000,
              dirs: tuple[Path, ...] = (), max_seconds: int = 120,
              max_remap: int | None = 2000) -> Path:
    """``directory``/virtuoso.ini for a fresh database there: ``buffers`` 8 kB pages (3/4
    of them may be dirty), ``dirs`` readable by the bulk loader besides ``directory``, a
    query time limit of ``max_seconds``, ``max_remap`` pages remapped per checkpoint (None:
    Virtuoso's default, for large loads). (The tests' server and bench/remote.py.)"""
    ini = directory / "virtuoso.ini"
    ini.write_text(INI.format(d=directory, sql_port=sql_port, http_port=http_port,
                              buffers=buffers, dirty=buffers * 3 // 4,
                              dirs="".join(f", {d}" for d in dirs), max_seconds=max_seconds,
                              remap=f"MaxCheckpointRemap = {max_remap}\n" if max_remap else ""),
                   encoding="utf-8")
    return ini


@dataclass
class VirtuosoServer:
    """Where the running server answers, and the credentials of its update endpoint."""

    url: str
    user: str = "dba"
    password: str = "dba"

    @property
    def settings(self) -> dict[str, str]:
        """The settings keys that point the project at this server (with the GSP)."""
        return {"SPARQL_URL": f"{self.url}/sparql", "UPDATE_URL": f"{self.url}/sparql-auth",
                "GSP_URL": f"{self.url}/sparql-graph-crud-auth",
                "REMOTE_USER": self.user, "REMOTE_PASSWORD": self.password,
                "REMOTE_AUTH": "digest", "REMOTE_DEFAULT_GRAPH": UNION_GRAPH,
                "REMOTE_SYSTEM_GRAPHS": " ".join(SYSTEM_GRAPHS)}

    def clear(self) -> None:
        """Remove every graph the tests wrote (Virtuoso's own system graphs stay)."""
        found = requests.get(f"{self.url}/sparql", timeout=60, params={
            "query": "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"},
            headers={"Accept": "application/sparql-results+json"})
        found.raise_for_status()
        graphs = [b["g"]["value"] for b in found.json()["results"]["bindings"]
                  if not b["g"]["value"].startswith(SYSTEM_GRAPHS)]
        for graph in graphs:
            requests.post(f"{self.url}/sparql-auth", timeout=60,
                          auth=HTTPDigestAuth(self.user, self.password),
                          data={"query": f"DROP SILENT GRAPH <{graph}>"}).raise_for_status()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """Start ``virtuoso-t`` in the foreground on free ports; stop it afterwards."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        missing_server("Virtuoso is not installed (make install-test: apt-get install "
                       "virtuoso-opensource)")
    directory = tmp_path_factory.mktemp("virtuoso")
    http_port, sql_port = free_port(), free_port()
    ini = write_ini(Path(directory), sql_port, http_port)
    log = open(directory / "stdout.log", "wb")  # noqa: SIM115
    process = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=directory,
                               stdout=log, stderr=subprocess.STDOUT)
    server = VirtuosoServer(f"http://127.0.0.1:{http_port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {process.returncode}: "
                                   + (directory / "virtuoso.log").read_text(errors="replace")[-2000:])
            try:
                requests.get(f"{server.url}/sparql", params={"query": "ASK {}"}, timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):  # still starting
                if time.monotonic() > deadline:
                    raise RuntimeError("Virtuoso did not answer within 60 s") from None
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
