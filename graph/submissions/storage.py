"""Durable storage of submissions: the raw file on disk and a row in SQLite, both flushed to
disk before a submission is acknowledged.

Layout of ``SUBMISSIONS_DIR``: ``submissions.sqlite`` (WAL journal, ``synchronous=FULL``: a
committed transaction survives a crash or power loss) and ``files/<sha256>`` (written to a
temporary name, fsynced, renamed, the directory fsynced). A row is committed only after its
file is on disk, so every acknowledged submission has its file. Several processes (the web
workers, the CLI) share the database; state changes are conditional updates inside
``BEGIN IMMEDIATE`` transactions, so two curators cannot both accept.

States: received → valid | invalid (validation) → accepted | rejected (a curator) →
published; a partner may withdraw what is not yet accepted.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from graph.errors import GraphError

STATES = ("received", "valid", "invalid", "accepted", "rejected", "published", "withdrawn")
#: state -> the states it may move to
TRANSITIONS = {
    "received": ("valid", "invalid", "withdrawn"),
    "valid": ("valid", "invalid", "accepted", "rejected", "withdrawn"),
    "invalid": ("valid", "invalid", "rejected", "withdrawn"),
    "accepted": ("published", "valid", "invalid"),
    "rejected": (),
    "published": (),
    "withdrawn": (),
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation TEXT NOT NULL,
    submitter TEXT NOT NULL,
    received_at TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    format TEXT NOT NULL,
    kind TEXT,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    state TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    report_json TEXT,
    report_ttl TEXT,
    note TEXT
);
CREATE INDEX IF NOT EXISTS submissions_by_org ON submissions (organisation, id);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    submission INTEGER NOT NULL REFERENCES submissions (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    note TEXT
);
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('partner', 'curator')),
    organisation TEXT,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
"""


class StateError(GraphError):
    """A state change that the submission's current state does not allow (HTTP 409)."""

    status = 409


def now() -> str:
    """The current time, UTC, ISO 8601 with seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class Submission:
    """One stored submission (a row)."""

    id: int
    organisation: str
    submitter: str
    received_at: str
    filename: str
    content_type: str
    format: str
    kind: str | None
    sha256: str
    size: int
    state: str
    updated_at: str
    report_json: str | None
    report_ttl: str | None
    note: str | None

    def report(self, lang: str) -> dict | None:
        if not self.report_json:
            return None
        reports = json.loads(self.report_json)
        return reports.get(lang) or reports.get("en")

    def summary(self) -> dict:
        return {"id": self.id, "organisation": self.organisation, "submitter": self.submitter,
                "received_at": self.received_at, "filename": self.filename,
                "content_type": self.content_type, "format": self.format, "kind": self.kind,
                "sha256": self.sha256, "size": self.size, "state": self.state,
                "updated_at": self.updated_at, "note": self.note}


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Storage:
    """The submissions database and files under one directory."""

    def __init__(self, directory: str | Path) -> None:
        self.dir = Path(directory)
        self.files = self.dir / "files"
        self.files.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / "submissions.sqlite"
        with self._connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            yield db
        finally:
            db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``: one writer at a time)."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def query(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        with self._connect() as db:
            return db.execute(sql, args).fetchall()

    # -- files -------------------------------------------------------------------------
    def write_file(self, data: bytes) -> str:
        """Store ``data`` under its SHA-256 (durably); returns the hash."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.files / digest
        if target.exists() and target.stat().st_size == len(data):
            return digest
        fd, tmp = tempfile.mkstemp(dir=self.files, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(self.files)
        return digest

    def file_path(self, sha256: str) -> Path:
        return self.files / sha256

    # -- submissions ---------------------------------------------------------------------
    def receive(self, *, organisation: str, submitter: str, filename: str, content_type: str,
                fmt: str, kind: str | None, data: bytes) -> Submission:
        """Store the raw file, then the row (state ``received``); both are on disk when this
        returns, so the submission may be acknowledged."""
        digest = self.write_file(data)
        at = now()
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO submissions (organisation, submitter, received_at, filename, "
                "content_type, format, kind, sha256, size, state, updated_at) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?)",
                (organisation, submitter, at, filename, content_type, fmt, kind, digest,
                 len(data), at))
            number = cur.lastrowid
            db.execute("INSERT INTO events (submission, at, actor, from_state, to_state) "
                       "VALUES (?, ?, ?, NULL, 'received')", (number, at, submitter))
        return self.get(int(number))

    def get(self, number: int) -> Submission | None:
        rows = self.query("SELECT * FROM submissions WHERE id = ?", (number,))
        return Submission(**dict(rows[0])) if rows else None

    def list(self, organisation: str | None = None, *, state: str | None = None,
             limit: int = 200) -> list[Submission]:
        where, args = [], []
        if organisation:
            where.append("organisation = ?")
            args.append(organisation)
        if state:
            where.append("state = ?")
            args.append(state)
        sql = ("SELECT * FROM submissions" + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY id DESC LIMIT ?")
        return [Submission(**dict(r)) for r in self.query(sql, (*args, limit))]

    def events(self, number: int) -> list[dict]:
        return [dict(r) for r in self.query(
            "SELECT at, actor, from_state, to_state, note FROM events WHERE submission = ? "
            "ORDER BY id", (number,))]

    def move(self, number: int, to_state: str, *, actor: str, note: str | None = None,
             allowed_from: tuple[str, ...] | None = None, report_json: str | None = None,
             report_ttl: str | None = None) -> Submission:
        """Change the state (and store a new report) if the current state allows it."""
        if to_state not in STATES:
            raise ValueError(to_state)
        at = now()
        with self.transaction() as db:
            row = db.execute("SELECT state FROM submissions WHERE id = ?", (number,)).fetchone()
            if row is None:
                raise StateError(f"no submission {number}")
            current = row["state"]
            ok = to_state in TRANSITIONS[current] and (allowed_from is None
                                                        or current in allowed_from)
            if not ok:
                raise StateError(f"submission {number} is {current}; it cannot become {to_state}")
            sets, args = ["state = ?", "updated_at = ?"], [to_state, at]
            if note is not None:
                sets.append("note = ?")
                args.append(note)
            if report_json is not None:
                sets += ["report_json = ?", "report_ttl = ?"]
                args += [report_json, report_ttl]
            db.execute(f"UPDATE submissions SET {', '.join(sets)} WHERE id = ?", (*args, number))
            db.execute("INSERT INTO events (submission, at, actor, from_state, to_state, note) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (number, at, actor, current, to_state, note))
        return self.get(number)
