"""Read an upload into a change set: the file is read in a bounded child process
(``parseworker``), then sheet rows or RDF statements become records with a source, and every
statement keeps the cell it came from (row, column) for the report.

Sheet cells are text, always: a cell that starts with ``=``, ``+``, ``-`` or ``@`` is kept
as that text (never computed), and sheets written by the platform store such text as text
(``templates.put_text``, ``templates.sheet_safe``).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from graph.errors import InputError
from graph.namespaces import DCT, RDF, REGIO, SCHEMA, XSD
from graph.submissions.changes import Cell, ChangeSet, Problem, RecordChange
from graph.submissions.templates import (
    SELF_WORDS,
    SEPARATOR,
    Column,
    Kind,
    change_of,
    code_for,
)


class UploadError(InputError):
    """An upload that cannot be read at all (HTTP status in ``status``)."""

    def __init__(self, message: str, *, status: int = 400, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message, source="upload", line=line, column=column)
        self.status = status


SHEET_TYPES = {"text/csv": "csv", "application/csv": "csv",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx"}
RDF_TYPES = {"text/turtle": "turtle", "application/x-turtle": "turtle",
             "application/ld+json": "jsonld", "application/rdf+xml": "rdfxml",
             "application/n-triples": "ntriples", "application/n-quads": "nquads",
             "application/trig": "trig"}
EXTENSIONS = {".csv": "csv", ".xlsx": "xlsx", ".ttl": "turtle", ".jsonld": "jsonld",
              ".json": "jsonld", ".rdf": "rdfxml", ".xml": "rdfxml", ".owl": "rdfxml",
              ".nt": "ntriples", ".nq": "nquads", ".trig": "trig"}
GENERIC_TYPES = ("", "application/octet-stream", "binary/octet-stream")
ACCEPTED = sorted(SHEET_TYPES) + sorted(RDF_TYPES)


def upload_format(content_type: str | None, filename: str | None) -> str:
    """'csv', 'xlsx' or an RDF format name, from the upload's media type and file name.

    A media type we do not read is refused (415); a missing or generic one is read from the
    file name's extension (``.gz`` looked through); neither is refused too.
    """
    media = (content_type or "").split(";")[0].strip().lower()
    name = (filename or "").lower()
    if name.endswith(".gz"):
        name = name[:-3]
    by_name = EXTENSIONS.get(Path(name).suffix) if name else None
    if media in SHEET_TYPES:
        return SHEET_TYPES[media]
    if media in RDF_TYPES:
        return RDF_TYPES[media]
    if media in GENERIC_TYPES or media in ("application/gzip", "application/x-gzip"):
        if by_name:
            return by_name
        raise UploadError("the upload says neither by its content type nor by its file name "
                          "what it is; send one of: " + ", ".join(ACCEPTED), status=415)
    raise UploadError(f"content type {media!r} is not accepted; send one of: "
                      + ", ".join(ACCEPTED), status=415)


@dataclass(frozen=True)
class ParseLimits:
    """Limits of the child process that reads an upload."""

    max_unpacked: int = 64 << 20
    max_memory: int = 1 << 30
    max_seconds: float = 20.0
    max_blank_nodes: int = 10_000
    max_depth: int = 50


class ParserPool:
    """A warm child process per parse: one is started ahead (imports done) and used by the
    next upload; each child reads one file and exits. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready: subprocess.Popen[bytes] | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
        return subprocess.Popen([sys.executable, "-m", "graph.submissions.parseworker"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env, close_fds=True)

    def _take(self) -> subprocess.Popen[bytes]:
        with self._lock:
            child = self._ready if self._ready and self._ready.poll() is None else None
            self._ready = None
        child = child or self._spawn()
        with self._lock:
            if self._ready is None:
                self._ready = self._spawn()
        return child

    def run(self, job: dict, timeout: float) -> dict:
        child = self._take()
        try:
            out, _ = child.communicate(json.dumps(job).encode() + b"\n", timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            raise UploadError(f"reading the upload took longer than {timeout:g} s; refused "
                              "(limit: SUBMISSION_PARSE_SECONDS)", status=422) from None
        if child.returncode in (-signal.SIGXCPU, -signal.SIGKILL):  # its CPU-time limit
            raise UploadError(f"reading the upload took longer than {job['max_seconds']:g} s of "
                              "CPU; refused (limit: SUBMISSION_PARSE_SECONDS)", status=422)
        if child.returncode != 0 or not out:
            raise UploadError("reading the upload exceeded the memory allowed; refused "
                              "(limit: SUBMISSION_MAX_MEMORY)", status=413)
        return json.loads(out)

    def close(self) -> None:
        with self._lock:
            child, self._ready = self._ready, None
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()


_POOL = ParserPool()
atexit.register(_POOL.close)


def read_upload(path: Path, fmt: str, limits: ParseLimits, *, base_iri: str) -> dict:
    """Read the stored upload at ``path`` in a child process; the answer of parseworker.
    Raises UploadError (status, message, line, column) when it cannot be read."""
    job = {"path": str(path), "format": fmt if fmt in ("csv", "xlsx") else "rdf",
           "rdf_format": fmt, "max_unpacked": limits.max_unpacked,
           "max_memory": limits.max_memory, "max_seconds": limits.max_seconds,
           "max_blank_nodes": limits.max_blank_nodes, "max_depth": limits.max_depth,
           "base_iri": base_iri}
    answer = _POOL.run(job, timeout=limits.max_seconds + 5)
    if not answer.get("ok"):
        raise UploadError(answer.get("message", "the upload cannot be read"),
                          status=int(answer.get("status", 400)), line=answer.get("line"),
                          column=answer.get("column"))
    return answer


# -- from sheet rows to a change set ------------------------------------------------------
@dataclass
class MapContext:
    """What mapping needs to know: the templates, where IRIs go, who submits, the store."""

    kinds: dict[str, Kind]
    base_iri: str
    organisation: str
    organisation_label: str
    submission_id: int
    store: object
    today: date = field(default_factory=date.today)

    @property
    def submission_iri(self) -> str:
        return f"{self.base_iri}id/submission/{self.submission_id}"

    @property
    def self_source(self) -> str:
        return f"{self.base_iri}id/source/submission-{self.submission_id}"


_SLUG_OK = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
TRUE_WORDS = ("ja", "yes", "true", "wahr", "1", "x")
FALSE_WORDS = ("nein", "no", "false", "falsch", "0")


def slugify(text: str) -> str:
    """Lower-case ASCII hyphen slug (ä → ae, ß → ss)."""
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80].strip("-")


def to_date(text: str) -> ox.Literal:
    """A date, year-month or year literal; other text stays a plain literal (SHACL reports
    it as not a date, with its cell)."""
    iso = text
    match = _GERMAN_DATE.match(text)
    if match:
        iso = f"{match[3]}-{int(match[2]):02d}-{int(match[1]):02d}"
    match = _DATE.match(iso)
    if not match:
        return ox.Literal(text)
    try:
        date(int(match[1]), int(match[2] or 1), int(match[3] or 1))
    except ValueError:  # no such month or day: left as written
        return ox.Literal(text)
    datatype = XSD.date if match[3] else XSD.gYearMonth if match[2] else XSD.gYear
    return ox.Literal(iso, datatype=datatype)


def to_decimal(text: str) -> ox.Literal:
    cleaned = text.replace("€", "").replace("EUR", "").replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".") if cleaned.rfind(",") > cleaned.rfind(".") \
            else cleaned.replace(",", "")
    elif cleaned.count(",") == 1 and len(cleaned.split(",")[1]) != 3:
        cleaned = cleaned.replace(",", ".")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", "")
    if _DECIMAL.match(cleaned):
        return ox.Literal(cleaned, datatype=XSD.decimal)
    return ox.Literal(text)


def to_reference(text: str, column: Column, base_iri: str) -> ox.Term:
    """An IRI under …/id/<kind>/ from a slug, ``kind/slug`` or the whole IRI; other text
    stays a literal (SHACL reports it as not a reference)."""
    value = text.strip()
    if value.startswith(base_iri + "id/"):
        return ox.NamedNode(value)
    if value.startswith(("http://", "https://")):
        return ox.NamedNode(value) if _URL.match(value) else ox.Literal(value)
    kind, _, slug = value.rpartition("/")
    kind = kind if kind in column.ref_kinds else column.ref_kinds[0]
    if _SLUG_OK.match(slug):
        return ox.NamedNode(f"{base_iri}id/{kind}/{slug}")
    return ox.Literal(value)


def cell_values(column: Column, text: str, base_iri: str) -> tuple[list[ox.Term], list[str]]:
    """The RDF values a cell gives, and the parts that match no allowed code."""
    parts = [p.strip() for p in text.split(SEPARATOR)] if column.multiple else [text.strip()]
    values: list[ox.Term] = []
    unknown: list[str] = []
    for part in filter(None, parts):
        if column.kind == "text":
            values.append(ox.Literal(part, language=column.lang) if column.lang
                          else ox.Literal(part, datatype=ox.NamedNode(column.datatype))
                          if column.datatype else ox.Literal(part))
        elif column.kind == "date":
            values.append(to_date(part))
        elif column.kind == "decimal":
            values.append(to_decimal(part))
        elif column.kind == "integer":
            values.append(ox.Literal(part, datatype=XSD.integer) if _INTEGER.match(part)
                          else ox.Literal(part))
        elif column.kind == "boolean":
            word = part.casefold()
            values.append(ox.Literal("true" if word in TRUE_WORDS else "false", datatype=XSD.boolean)
                          if word in TRUE_WORDS + FALSE_WORDS else ox.Literal(part))
        elif column.kind == "reference":
            values.append(to_reference(part, column, base_iri))
        elif column.kind == "code":
            code = code_for(column, part)
            if code is None:
                unknown.append(part)
            else:
                values.append(ox.NamedNode(code.iri))
        elif column.kind == "iri":
            values.append(ox.NamedNode(part) if _URL.match(part) else ox.Literal(part))
    return values, unknown


def match_header(kinds: dict[str, Kind], header: list[str], wanted: str | None
                 ) -> tuple[Kind | None, list[Column | None]]:
    """The kind whose column titles (German, English or keys) the header names best."""
    def norm(text: str) -> str:
        return " ".join(text.split()).casefold()

    best: tuple[int, Kind | None, list[Column | None]] = (-1, None, [])
    for kind in kinds.values():
        if wanted and kind.name != wanted:
            continue
        names = {}
        for c in kind.columns:
            for n in (c.key, c.title("de"), c.title("en")):
                names[norm(n)] = c
        mapped = [names.get(norm(h)) for h in header]
        score = sum(1 for m in mapped if m) - sum(1 for h, m in zip(header, mapped, strict=True)
                                                  if h.strip() and not m)
        if score > best[0]:
            best = (score, kind, mapped)
    return best[1], best[2]


def _is_header(kind: Kind, cells: list[str]) -> bool:
    titles = {" ".join(t.split()).casefold() for c in kind.columns
              for t in (c.key, c.title("de"), c.title("en"))}
    filled = [c for c in cells if c.strip()]
    return bool(filled) and all(" ".join(c.split()).casefold() in titles for c in filled)


def changes_from_rows(rows: list[list], ctx: MapContext, *, kind_name: str | None = None
                      ) -> ChangeSet:
    """A change set from sheet rows ``[[row number, [cells…]], …]`` (header rows first)."""
    changes = ChangeSet(ctx.organisation, ctx.submission_iri, sheet=True)
    if not rows:
        raise UploadError("the sheet is empty: no header row and no records", status=422)
    first_line, header = rows[0]
    kind, mapped = match_header(ctx.kinds, header, kind_name)
    if kind is None or not any(m is not None and m.path for m in mapped):
        raise UploadError("the first row is not the header of a template (download one from "
                          "/api/templates)", status=422, line=first_line)
    for position, (title, column) in enumerate(zip(header, mapped, strict=True), start=1):
        if title.strip() and column is None:
            changes.problems.append(Problem("unknown-column", cell=Cell(
                first_line, position, "", title, title), params={"kind": kind.name}))
    body = rows[1:]
    if body and _is_header(kind, body[0][1]):
        body = body[1:]  # the second (English) header row
    if not body:
        raise UploadError("the sheet has a header but no record rows", status=422)
    sources: dict[str, str] = {}
    seen: dict[str, int] = {}
    for line, cells in body:
        record = _row_change(kind, mapped, header, line, cells, ctx, changes, sources)
        if record is None:
            continue
        if record.iri in seen:
            changes.problems.append(Problem("duplicate-record", record=record.iri,
                                            cell=record.cells.get("record"),
                                            params={"first_row": seen[record.iri]}))
            continue
        seen[record.iri] = line
        changes.records.append(record)
    return changes


def _row_change(kind: Kind, mapped: list[Column | None], header: list[str], line: int,
                cells: list[str], ctx: MapContext, changes: ChangeSet,
                sources: dict[str, str]) -> RecordChange | None:
    by_key: dict[str, Cell] = {}
    for position, column in enumerate(mapped, start=1):
        text = cells[position - 1] if position <= len(cells) else ""
        if column is not None and text.strip():
            by_key[column.key] = Cell(line, position, column.key, header[position - 1], text)
    if not by_key:
        return None
    change_cell = by_key.get("change")
    action = change_of(change_cell.text) if change_cell else None
    if action is None:
        changes.problems.append(Problem("bad-change", cell=change_cell or Cell(
            line, 1 + next((i for i, c in enumerate(mapped) if c and c.key == "change"), 0),
            "change", "", ""), params={"text": change_cell.text if change_cell else ""}))
        return None
    iri = _record_iri(kind, by_key, ctx, changes, line)
    if iri is None:
        return None
    source = _source(by_key.get("source"), ctx, changes, sources, iri)
    record = RecordChange(iri, kind.name, action, source or ctx.self_source, row=line,
                          cells=by_key)
    me = iri
    for key, cell in by_key.items():
        column = kind.column(key)
        if column is None or not column.path:
            continue
        if action == "remove":
            record.removed_fields.add(column.nested or column.path)
            continue
        values, unknown = cell_values(column, cell.text, ctx.base_iri)
        for text in unknown:
            changes.problems.append(Problem("unknown-code", record=iri, column_key=key, cell=cell,
                                            params={"text": text, "codes": [c.code for c in column.codes]}))
        subject = me
        if column.nested:
            node = record.nested.setdefault(
                column.nested, f"{ctx.base_iri}id/amount/{iri.rsplit('/', 1)[-1]}-s{ctx.submission_id}")
            record.nested_values.setdefault(node, {}).setdefault(
                str(RDF.type.value), [ox.NamedNode(REGIO.MonetaryAmount.value)])
            record.nested_values[node].setdefault(column.path, []).extend(values)
            subject = node
        else:
            record.values.setdefault(column.path, []).extend(values)
        for value in values:
            changes.cells[(subject, column.path, str(value))] = cell
    if action != "remove":
        record.values.setdefault(RDF.type.value, []).append(ox.NamedNode(kind.cls))
        record.values.setdefault(DCT.source.value, []).append(ox.NamedNode(record.source))
        if record.source in sources.values() and "source" in by_key:
            changes.cells[(me, DCT.source.value, str(ox.NamedNode(record.source)))] = by_key["source"]
        for node in record.nested.values():
            record.nested_values[node].setdefault(DCT.source.value, []).append(
                ox.NamedNode(record.source))
    return record


def _record_iri(kind: Kind, cells: dict[str, Cell], ctx: MapContext, changes: ChangeSet,
                line: int) -> str | None:
    prefix = f"{ctx.base_iri}id/{kind.id_kind}/"
    given = cells.get("record")
    if given:
        text = given.text.strip()
        slug = text[len(prefix):] if text.startswith(prefix) else text
        if _SLUG_OK.match(slug) or (kind.id_kind == "participation"
                                    and all(_SLUG_OK.match(p) for p in slug.split("--"))):
            return prefix + slug
        changes.problems.append(Problem("bad-record", cell=given,
                                        params={"text": text, "prefix": prefix}))
        return None
    slug = _derived_slug(kind, cells, ctx)
    if not slug:
        changes.problems.append(Problem("no-record", cell=Cell(line, 2, "record", "", ""),
                                        params={"kind": kind.name}))
        return None
    return prefix + slug


def _derived_slug(kind: Kind, cells: dict[str, Cell], ctx: MapContext) -> str:
    def text(key: str) -> str:
        return cells[key].text.strip() if key in cells else ""

    def ref_slug(key: str) -> str:
        value = text(key)
        return slugify(value.rstrip("/").rsplit("/", 1)[-1]) if value else ""

    if kind.name in ("project", "organisation"):
        label = text("title_de") or text("title_en") or text("name_de") or text("name_en")
        return slugify(label)
    if kind.name == "participation":
        target, org = ref_slug("participation_in"), ref_slug("participating_organisation")
        return f"{target}--{org}" if target and org else ""
    if kind.name == "funding":
        return ref_slug("funded_project") or ref_slug("funded_phase")
    if kind.name == "event":
        title = slugify(text("title_de") or text("title_en"))
        when = text("date")
        match = _DATE.match(str(to_date(when).value)) if when else None
        return f"{match[0]}-{title}" if match and title else f"undated-{title}" if title else ""
    return ""


def _source(cell: Cell | None, ctx: MapContext, changes: ChangeSet, sources: dict[str, str],
            record: str) -> str | None:
    """The source IRI a row names: a known source with that web address, a new source for
    it, or the partner itself."""
    text = cell.text.strip() if cell else ""
    if not text:
        changes.problems.append(Problem("no-source", record=record, cell=cell))
        return None
    if text.casefold() in SELF_WORDS:
        if ctx.self_source not in sources.values():
            sources["self"] = ctx.self_source
            changes.source_triples |= self_source_triples(ctx)
        return ctx.self_source
    if not _URL.match(text):
        changes.problems.append(Problem("bad-source", record=record, cell=cell,
                                        params={"text": text}))
        return None
    if text in sources:
        return sources[text]
    iri = known_source(ctx.store, text)
    if iri is None:
        iri = f"{ctx.base_iri}id/source/web-{hashlib.sha256(text.encode()).hexdigest()[:12]}"
        node = ox.NamedNode(iri)
        changes.source_triples |= {
            ox.Triple(node, RDF.type, REGIO.Source),
            ox.Triple(node, SCHEMA.url, ox.Literal(text, datatype=XSD.anyURI)),
            ox.Triple(node, DCT.title, ox.Literal(text)),
        }
    sources[text] = iri
    return iri


def known_source(store, url: str) -> str | None:
    """The published source whose web address is ``url``, if any."""
    literal = ox.Literal(url, datatype=XSD.anyURI)
    rows = store.query(f"SELECT ?s WHERE {{ ?s <{SCHEMA.url.value}> {literal} }} LIMIT 1").rows
    return rows[0]["s"].value if rows else None


def self_source_triples(ctx: MapContext) -> set[ox.Triple]:
    """The source "the partner itself" of one submission."""
    node = ox.NamedNode(ctx.self_source)
    return {
        ox.Triple(node, RDF.type, REGIO.Source),
        ox.Triple(node, DCT.title, ox.Literal(
            f"{ctx.organisation_label}: Einreichung {ctx.submission_id} / "
            f"submission {ctx.submission_id}")),
        ox.Triple(node, DCT.publisher, ox.Literal(ctx.organisation_label)),
        ox.Triple(node, DCT.issued, ox.Literal(ctx.today.isoformat(), datatype=XSD.date)),
        ox.Triple(node, SCHEMA.url, ox.Literal(ctx.submission_iri, datatype=XSD.anyURI)),
    }


# -- from RDF to a change set -------------------------------------------------------------
def changes_from_rdf(nquads: str, ctx: MapContext) -> ChangeSet:
    """A change set from RDF: each subject typed with a kind's class (in the upload or in
    the published graph) is a record; it is new unless published; its source is what its
    ``dct:source`` says, else the partner itself. Statements about anything else are
    problems (a partner submits records, not arbitrary statements)."""
    quads = list(ox.parse(nquads.encode(), ox.RdfFormat.N_QUADS)) if nquads else []
    changes = ChangeSet(ctx.organisation, ctx.submission_iri)
    by_subject: dict[ox.Term, list[ox.Triple]] = {}
    for q in quads:
        by_subject.setdefault(q.subject, []).append(q.triple)
    classes = {k.cls: k for k in ctx.kinds.values()}
    kinds_of = published_kinds(ctx.store, [s.value for s in by_subject
                                           if isinstance(s, ox.NamedNode)], classes)
    nested_nodes = {t.object for ts in by_subject.values() for t in ts
                    if t.predicate.value in (REGIO.amount.value,)}
    for subject, triples in by_subject.items():
        if subject in nested_nodes:
            continue
        typed = {t.object.value for t in triples if t.predicate == RDF.type} & set(classes)
        kind = classes[sorted(typed)[0]] if typed else kinds_of.get(subject.value)
        if kind is None or not isinstance(subject, ox.NamedNode):
            changes.problems.append(Problem("not-a-record", record=str(subject.value)
                                            if hasattr(subject, "value") else str(subject)))
            continue
        action = "change" if subject.value in kinds_of else "new"
        stated = [t.object.value for t in triples if t.predicate == DCT.source
                  and isinstance(t.object, ox.NamedNode)]
        record = RecordChange(subject.value, kind.name, action, stated[0] if stated
                              else ctx.self_source)
        for t in triples:
            record.values.setdefault(t.predicate.value, []).append(t.object)
            if t.object in nested_nodes:
                record.nested[t.predicate.value] = t.object.value
                record.nested_values[t.object.value] = {}
                for n in by_subject.get(t.object, []):
                    record.nested_values[t.object.value].setdefault(
                        n.predicate.value, []).append(n.object)
        for link in record.nested:
            record.values.pop(link, None)
        if not stated:
            record.values.setdefault(DCT.source.value, []).append(ox.NamedNode(ctx.self_source))
            changes.source_triples |= self_source_triples(ctx)
        changes.records.append(record)
    return changes


def published_kinds(store, iris: list[str], classes: dict[str, Kind]) -> dict[str, Kind]:
    """The kind of each published record among ``iris``."""
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in sorted(set(iris)))
    types = ", ".join(f"<{c}>" for c in classes)
    # one VALUES, the classes as a filter: two VALUES made the engine join every typed
    # resource of the store (1.2 s at 1M quads instead of 15 ms)
    rows = store.query(f"SELECT ?s ?t WHERE {{ VALUES ?s {{ {values} }} ?s a ?t "
                       f"FILTER(?t IN ({types})) }}").rows
    return {r["s"].value: classes[r["t"].value] for r in rows}
