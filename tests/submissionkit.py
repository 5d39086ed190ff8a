"""Helpers for the submission tests: a loaded app with a partner and a curator token, and
sheets built from the real templates."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.app import create_app
from graph.submissions.auth import create_token
from tests.stores import loaded_settings

BASE = "https://w3id.org/owl40/"
WORK_AND_CARE = BASE + "id/project/work-and-care"
FH_BIELEFELD = BASE + "id/organisation/fh-bielefeld"  # takes part in work & care
OTHER_ORG = BASE + "id/organisation/init"


@dataclass
class Kit:
    app: Any
    partner: str
    curator: str
    other: str  # a token of another organisation

    @property
    def service(self):
        return self.app.extensions["owl40_submissions"]

    @property
    def store(self):
        return self.app.extensions["owl40_store"]

    def headers(self, token: str | None, **extra: str) -> dict[str, str]:
        out = dict(extra)
        if token:
            out["Authorization"] = f"Bearer {token}"
        return out


def make_kit(directory: Path, **overrides: Any) -> Kit:
    settings = loaded_settings(directory, SUBMISSIONS_DIR=str(directory / "submissions"),
                               **overrides)
    app = create_app(settings)
    storage = app.extensions["owl40_submissions"].storage
    _, partner = create_token(storage, role="partner", organisation=FH_BIELEFELD, label="FH test")
    _, curator = create_token(storage, role="curator", organisation=None, label="curator test")
    _, other = create_token(storage, role="partner", organisation=OTHER_ORG, label="inIT test")
    return Kit(app, partner, curator, other)


def sheet(kit: Kit, kind: str, rows: list[dict[str, str]], *, lang: str = "de",
          delimiter: str = ";") -> bytes:
    """A CSV sheet of the ``kind`` template with a header row in ``lang`` and ``rows`` given
    by column key."""
    template = kit.service.kind(kind)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([c.title(lang) for c in template.columns])
    for row in rows:
        writer.writerow([row.get(c.key, "") for c in template.columns])
    return out.getvalue().encode("utf-8")


def column_letter(kit: Kit, kind: str, key: str) -> str:
    index = [c.key for c in kit.service.kind(kind).columns].index(key) + 1
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def problems(report: dict) -> list[dict]:
    """Every problem of a JSON report, flat."""
    return [p for rec in report.get("records", []) for f in rec["fields"] for p in f["problems"]]
