"""Filled sheets -> RDF: one file per kind (``project.csv`` or ``project.xlsx``…) in the
instance's ``SHEETS_DIR``, read like a partner upload (the bounded reader of
graph.submissions.parse), each row a record, each statement in the named graph of the source
the row names (``graph/source/{id}``, as in docs/model.md), each remembering the file, row and
column it was read from (for graph.instance.check).

What follows from other rows is derived here, in the same source's graph as the row that
implies it: a phase's plan (``regio:periodOf``/``regio:hasPhase``), the themes' scheme, a
project's plan link (``regio:PlanLink`` with the plan, the status, the note, the source; a
confirmed link is also ``regio:partOfPlan``, an unconfirmed one names its phase as
``regio:suggestedPhase``), inverse links (``hasParticipation``, ``hasFunding``,
``skos:narrower``) and a district's region when the region sheet has one row.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyoxigraph as ox

from graph.emit import Block, Emitter
from graph.instance.kinds import ORDER
from graph.namespaces import DCT, PROV, RDF, REGIO, SCHEMA, SKOS, XSD
from graph.submissions.changes import Cell
from graph.submissions.parse import ParseLimits, cell_values, match_header, slugify
from graph.submissions.parseworker import ZIP_MAGIC, Refused, read_bytes, read_csv, read_xlsx
from graph.submissions.templates import SELF_WORDS, Column, Kind, code_for

SHEET_SUFFIXES = (".csv", ".xlsx")
SELF_SOURCE = "self"
CONFIRMED = "https://w3id.org/regio-kg/code/link-status/confirmed"
_SLUG_OK = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
_LABEL_KEYS = ("title_de", "title_en", "name_de", "name_en", "label_de", "label_en")


@dataclass(frozen=True)
class Location:
    """Where something was read: the file (relative to the sheets directory), and the cell
    (row and column, 1-based) when there is one."""

    file: str
    row: int | None = None
    column: int | None = None
    header: str = ""  # the column's German title (the first header row)
    text: str = ""
    header_en: str = ""  # its English title

    def title(self, lang: str) -> str:
        return self.header_en if lang == "en" and self.header_en else self.header

    @property
    def letter(self) -> str:
        return Cell(self.row or 0, self.column or 0, "", "", "").letter if self.column else ""


@dataclass
class Problem:
    """Something wrong found while reading the sheets (before SHACL)."""

    location: Location
    message: dict[str, str]
    severity: str = "Violation"
    record: str = ""


@dataclass
class RecordInfo:
    """A record as read: its kind, file and row, and where each column is in its file."""

    kind: str
    file: str
    row: int
    columns: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # key -> (number, de, en)


@dataclass
class SheetsBuild:
    """Everything the sheets give: quads in provenance graphs, and the way back to the cells."""

    quads: list[ox.Quad] = field(default_factory=list)
    graphs: set[str] = field(default_factory=set)
    cells: dict[tuple[str, str, str], Location] = field(default_factory=dict)
    records: dict[str, RecordInfo] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # nested node -> record
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def locate(self, subject: str, path: str | None, value: str | None,
               kinds: dict[str, Kind]) -> tuple[Location | None, str]:
        """The cell of a statement (or the record's row and the field's column), and the record."""
        record = self.owners.get(subject, subject)
        if path and value is not None and (subject, path, value) in self.cells:
            return self.cells[(subject, path, value)], record
        if path:
            for (s, p, _), where in self.cells.items():
                if s == subject and p == path:
                    return where, record
        info = self.records.get(record)
        if info is None:
            return None, record
        kind = kinds[info.kind]
        nested = subject != record
        column = next((c for c in kind.columns if path and c.path == path
                       and bool(c.nested) == nested), None)
        if column is not None and column.key in info.columns:
            number, title_de, title_en = info.columns[column.key]
            return Location(info.file, info.row, number, title_de, header_en=title_en), record
        if column is None:
            return Location(info.file, info.row), record
        return Location(info.file, info.row, None, column.title("de"),
                        header_en=column.title("en")), record


def read_sheet(path: Path, max_unpacked: int) -> list[list]:
    """The rows of one sheet, ``[[line, [cells…]], …]``, with the checks of a partner upload
    (size once unpacked, encoding, zip and XML bombs in Excel files; formulas stay text). The
    instance's own files are read in this process: no child process per sheet."""
    if path.suffix.lower() == ".xlsx":
        with open(path, "rb") as fh:
            if fh.read(4) != ZIP_MAGIC:
                raise Refused(400, "not an Excel (.xlsx) file: it is not a zip archive")
        return read_xlsx(str(path), max_unpacked)
    data = read_bytes(str(path), max_unpacked)
    if data.startswith(ZIP_MAGIC):
        raise Refused(415, "this looks like an Excel file, not CSV: name it .xlsx")
    return read_csv(data)


def sheet_files(directory: Path) -> tuple[dict[str, Path], list[Problem]]:
    """The sheet of each kind in ``directory`` (CSV or Excel), and the files that are none."""
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.suffix.lower() not in SHEET_SUFFIXES:
            continue
        kind = path.stem.lower()
        if kind not in ORDER:
            problems.append(Problem(Location(path.name), {
                "de": f"keine Tabelle einer bekannten Art (erwartet: {', '.join(ORDER)})",
                "en": f"not the sheet of a known kind (expected: {', '.join(ORDER)})"}))
        elif kind in found:
            problems.append(Problem(Location(path.name), {
                "de": f"zwei Tabellen für „{kind}“: {found[kind].name} und {path.name}",
                "en": f"two sheets for \"{kind}\": {found[kind].name} and {path.name}"}))
        else:
            found[kind] = path
    return found, problems


class SheetReader:
    """Reads the sheets of one instance into a :class:`SheetsBuild` (see the module docstring)."""

    def __init__(self, kinds: dict[str, Kind], base_iri: str, *, publisher: str,
                 publisher_url: str = "", limits: ParseLimits | None = None) -> None:
        self.kinds, self.base = kinds, base_iri
        self.publisher, self.publisher_url = publisher, publisher_url or base_iri
        self.limits = limits or ParseLimits()
        self.e = Emitter(base_iri)
        self.out = SheetsBuild()
        self.sources: dict[str, str] = {}  # key or URL -> source id
        self.described: set[str] = set()
        self.plans: list[str] = []
        self.regions: list[str] = []
        self.scheme: str | None = None
        self.index: dict[tuple[str, str], list[ox.Term]] = {}

    # -- reading ---------------------------------------------------------------------------
    def read(self, directory: Path) -> SheetsBuild:
        files, problems = sheet_files(directory)
        self.out.problems += problems
        rows = {kind: self._rows(kind, path) for kind, path in files.items()}
        self.out.files = [files[k].name for k in ORDER if k in files]
        for kind in ORDER:  # sources first, so that rows can name them by key
            for file, line, cells, columns in rows.get(kind, []):
                self._row(kind, file, line, cells, columns)
        self.e.finish()
        self.out.quads = self.e.quads
        self.out.graphs = self.e.graphs
        return self.out

    def _rows(self, kind: str, path: Path) -> list[tuple[str, int, list[str], list[Column | None]]]:
        try:
            rows = read_sheet(path, self.limits.max_unpacked)
        except Refused as exc:
            self.out.problems.append(Problem(Location(path.name, exc.line, exc.column),
                                             {"de": exc.message, "en": exc.message}))
            return []
        if not rows:
            return []
        (first, header), body = rows[0], rows[1:]
        matched, mapped = match_header({kind: self.kinds[kind]}, header, kind)
        if matched is None or not any(m is not None for m in mapped):
            self.out.problems.append(Problem(Location(path.name, first), {
                "de": f"die erste Zeile ist nicht die Kopfzeile der Tabelle „{kind}“ "
                      "(eine leere Tabelle macht owl40 init)",
                "en": f"the first row is not the header of the \"{kind}\" sheet "
                      "(owl40 init writes an empty one)"}))
            return []
        for number, (title, column) in enumerate(zip(header, mapped, strict=True), start=1):
            if title.strip() and column is None:
                self.out.problems.append(Problem(Location(path.name, first, number, title), {
                    "de": f"unbekannte Spalte „{title}“: ihre Werte würden verloren gehen",
                    "en": f"unknown column \"{title}\": its values would be lost"}))
        titles = {" ".join(t.split()).casefold() for c in matched.columns
                  for t in (c.key, c.title("de"), c.title("en"))}
        if body and all(" ".join(c.split()).casefold() in titles for c in body[0][1] if c.strip()):
            body = body[1:]  # the second (English) header row
        self.out.counts[kind] = len(body)
        return [(path.name, line, cells, mapped) for line, cells in body]

    def _row(self, kind_name: str, file: str, line: int, cells: list[str],
             mapped: list[Column | None]) -> None:
        kind = self.kinds[kind_name]
        by_key: dict[str, Location] = {}
        positions: dict[str, tuple[int, str, str]] = {}
        for number, column in enumerate(mapped, start=1):
            if column is None:
                continue
            titles = (column.title("de"), column.title("en"))
            positions[column.key] = (number, *titles)
            text = cells[number - 1].strip() if number <= len(cells) else ""
            if text:
                by_key[column.key] = Location(file, line, number, titles[0], text, titles[1])
        if not by_key:
            return
        iri = self._record_iri(kind, by_key, file, line)
        if iri is None:
            return
        if iri in self.out.records:
            first = self.out.records[iri]
            self.out.problems.append(Problem(by_key.get("record") or Location(file, line), {
                "de": f"der Datensatz {iri} steht schon in {first.file}, Zeile {first.row}",
                "en": f"record {iri} is already in {first.file}, row {first.row}"}, record=iri))
            return
        self.out.records[iri] = RecordInfo(kind_name, file, line, positions)
        if kind_name == "source":
            self._source_row(iri, by_key)
            return
        sid = self._source_of(by_key.get("source"), Location(file, line), iri)
        if sid is None:
            return
        block = Block(f"{file}:{line}", (sid,), "")
        me = ox.NamedNode(iri)
        self._put(me, RDF.type, ox.NamedNode(kind.cls), block, None)
        nested: dict[str, ox.NamedNode] = {}
        confirmed = kind_name != "project" or any(
            code.iri == CONFIRMED for c in kind.columns if c.nested and c.codes and c.key in by_key
            for code in [code_for(c, by_key[c.key].text)] if code)
        for key, where in by_key.items():
            column = kind.column(key)
            if column is None or not column.path:
                continue
            subject = me
            if column.path == REGIO.inPhase.value and not confirmed:
                # an unconfirmed link names its phase as a suggestion (docs/model.md)
                column = replace(column, path=REGIO.suggestedPhase.value,
                                 nested=REGIO.hasPlanLink.value)
            if column.nested:
                subject = nested.setdefault(column.nested, self._nested_node(kind_name, iri))
                self.out.owners[subject.value] = iri
            values, unknown = cell_values(column, where.text, self.base)
            for text in unknown:
                allowed = ", ".join(c.code for c in column.codes)
                self.out.problems.append(Problem(where, {
                    "de": f"„{text}“ ist kein erlaubter Wert; erlaubt: {allowed}",
                    "en": f"\"{text}\" is not an allowed value; allowed: {allowed}"}, record=iri))
            for value in values:
                self._put(subject, ox.NamedNode(column.path), value, block, where)
        for link, node in nested.items():
            self._put(me, ox.NamedNode(link), node, block, None)
        self._derive_row(kind_name, me, nested, block, Location(file, line))

    def _put(self, s: ox.NamedNode, p: ox.NamedNode, o: ox.Term, block: Block,
             where: Location | None) -> None:
        self.e.put(s, p, o, block)
        objects = self.index.setdefault((s.value, p.value), [])
        if o not in objects:
            objects.append(o)
        if where is not None:
            self.out.cells.setdefault((s.value, p.value, str(o)), where)

    def _nested_node(self, kind: str, iri: str) -> ox.NamedNode:
        slug = iri.rsplit("/", 1)[-1]
        if kind == "project":
            return self.e.iri("plan-link", slug)
        return self.e.iri("amount", f"{slug}-1")

    # -- identifiers and sources -----------------------------------------------------------
    def _record_iri(self, kind: Kind, cells: dict[str, Location], file: str, line: int) -> str | None:
        prefix = f"{self.base}id/{kind.id_kind}/"
        given = cells.get("record")
        if given:
            slug = given.text[len(prefix):] if given.text.startswith(prefix) else given.text
            if _SLUG_OK.match(slug) or (kind.name == "participation"
                                        and all(_SLUG_OK.match(p) for p in slug.split("--"))):
                return prefix + slug
            self.out.problems.append(Problem(given, {
                "de": f"„{given.text}“ ist keine Kennung (Kleinbuchstaben, Ziffern, Bindestriche)",
                "en": f"\"{given.text}\" is not an identifier (lower-case letters, digits, "
                      "hyphens)"}))
            return None
        slug = self._derived_slug(kind, cells)
        if not slug:
            self.out.problems.append(Problem(Location(file, line), {
                "de": "die Zeile hat weder eine Kennung noch einen Namen, aus dem sie sich "
                      "bilden ließe",
                "en": "the row has neither an identifier nor a name to make one from"}))
            return None
        return prefix + slug

    def _derived_slug(self, kind: Kind, cells: dict[str, Location]) -> str:
        def text(key: str) -> str:
            return cells[key].text if key in cells else ""

        def ref(key: str) -> str:
            value = text(key)
            return slugify(value.rstrip("/").rsplit("/", 1)[-1]) if value else ""

        if kind.name == "participation":
            target, org = ref("participation_in"), ref("participating_organisation")
            return f"{target}--{org}" if target and org else ""
        if kind.name == "funding":
            return ref("funded_project") or ref("funded_phase")
        label = next((text(k) for k in _LABEL_KEYS if text(k)), "")
        if kind.name == "source":
            label = label or text("url")
        if kind.name == "event" and label:
            date = text("date")
            return f"{date}-{slugify(label)}" if re.match(r"^\d{4}(-\d{2}){0,2}$", date) \
                else f"undated-{slugify(label)}"
        return slugify(label)

    def _source_row(self, iri: str, cells: dict[str, Location]) -> None:
        sid = iri.rsplit("/", 1)[-1]
        self.sources[sid] = sid
        if "url" in cells:
            self.sources.setdefault(cells["url"].text, sid)
        kind, node = self.kinds["source"], ox.NamedNode(iri)
        first = next(iter(cells.values()))
        block = Block(f"{first.file}:{first.row}", (sid,), "")
        self._put(node, RDF.type, REGIO.Source, block, None)
        self._put(node, REGIO.sourceKey, ox.Literal(sid), block, None)
        for key, where in cells.items():
            column = kind.column(key)
            if column is None or not column.path:
                continue
            values, _ = cell_values(column, where.text, self.base)
            if column.path == SCHEMA.url.value:
                values = [ox.Literal(where.text, datatype=XSD.anyURI)]
            for value in values:
                self._put(node, ox.NamedNode(column.path), value, block, where)
        self.described.add(sid)

    def _source_of(self, cell: Location | None, row: Location, record: str) -> str | None:
        """The source id a row names: a key of the sources sheet, a web address (a source of
        its own unless the sources sheet has it), or "self" (the publisher)."""
        text = cell.text if cell else ""
        if not text:
            self.out.problems.append(Problem(row, {
                "de": "keine Quelle: jede Zeile nennt, wer ihre Angaben belegt (Spalte „Quelle“)",
                "en": "no source: every row names who states its facts (column \"Source\")"},
                record=record))
            return None
        if text.casefold() in SELF_WORDS:
            self._describe_self()
            return SELF_SOURCE
        if text in self.sources:
            return self.sources[text]
        if _URL.match(text):
            sid = "web-" + hashlib.sha256(text.encode()).hexdigest()[:12]
            self.sources[text] = sid
            node, block = self.e.source(sid), Block(f"{cell.file}:{cell.row}", (sid,), "")
            self._put(node, RDF.type, REGIO.Source, block, None)
            self._put(node, DCT.title, ox.Literal(text), block, cell)
            self._put(node, SCHEMA.url, ox.Literal(text, datatype=XSD.anyURI), block, cell)
            self._put(node, REGIO.sourceKey, ox.Literal(sid), block, None)
            return sid
        self.out.problems.append(Problem(cell, {
            "de": f"„{text}“ ist weder die Kennung einer Quelle (source.csv) noch eine "
                  "Webadresse (https://…) noch „selbst“",
            "en": f"\"{text}\" is neither the identifier of a source (source.csv) nor a web "
                  "address (https://…) nor \"self\""}, record=record))
        return None

    def _describe_self(self) -> None:
        if SELF_SOURCE in self.described:
            return
        self.described.add(SELF_SOURCE)
        node, block = self.e.source(SELF_SOURCE), Block("self", (SELF_SOURCE,), "")
        self._put(node, RDF.type, REGIO.Source, block, None)
        self._put(node, DCT.title, ox.Literal(
            f"{self.publisher}: eigene Angabe / own statement"), block, None)
        self._put(node, SCHEMA.url, ox.Literal(self.publisher_url, datatype=XSD.anyURI), block, None)
        self._put(node, DCT.publisher, ox.Literal(self.publisher), block, None)
        self._put(node, REGIO.sourceKey, ox.Literal(SELF_SOURCE), block, None)

    # -- derived links ---------------------------------------------------------------------
    def _objects(self, s: ox.NamedNode, p: ox.NamedNode) -> list[ox.Term]:
        return self.index.get((s.value, p.value), [])

    def _derive_row(self, kind: str, me: ox.NamedNode, nested: dict[str, ox.NamedNode],
                    block: Block, where: Location) -> None:
        """The links a row implies (see the module docstring); the sheets before it (ORDER)
        are read, so the plan and the region are known."""
        plan = ox.NamedNode(self.plans[0]) if self.plans else None
        if kind == "plan":
            if self.plans:
                self.out.problems.append(Problem(where, {
                    "de": "mehr als ein Handlungskonzept: eine Instanz beschreibt genau eines",
                    "en": "more than one action plan: an instance describes exactly one"}))
            self.plans.append(me.value)
        elif kind == "region":
            self.regions.append(me.value)
        elif kind == "district" and len(self.regions) == 1 \
                and not self._objects(me, REGIO.partOfRegion):
            self._put(me, REGIO.partOfRegion, ox.NamedNode(self.regions[0]), block, None)
        elif kind == "participation":
            for target in self._objects(me, REGIO.participationIn):
                self._put(target, REGIO.hasParticipation, me, block, None)
        elif kind == "funding":
            for target in self._objects(me, REGIO.fundedProject) + self._objects(me, REGIO.fundedPhase):
                self._put(target, REGIO.hasFunding, me, block, None)
        elif kind == "phase" and plan is not None:
            self._put(me, REGIO.periodOf, plan, block, None)
            self._put(plan, REGIO.hasPhase, me, block, None)
        elif kind == "theme" and plan is not None:
            scheme = self._scheme(plan, block)
            self._put(me, SKOS.inScheme, scheme, block, None)
            broader = self._objects(me, SKOS.broader)
            for node in broader:
                self._put(node, SKOS.narrower, me, block, None)
            if not broader:
                self._put(scheme, SKOS.hasTopConcept, me, block, None)
                self._put(me, SKOS.topConceptOf, scheme, block, None)
        elif kind == "project" and plan is not None:
            link = nested.get(REGIO.hasPlanLink.value)
            if link is None:
                link = self._nested_node("project", me.value)
                self.out.owners[link.value] = me.value
                self._put(me, REGIO.hasPlanLink, link, block, None)
            self._put(link, RDF.type, REGIO.PlanLink, block, None)
            self._put(link, REGIO.linkedPlan, plan, block, None)
            self._put(link, PROV.wasDerivedFrom, self.e.source(block.sources[0]), block, None)
            if any(o.value == CONFIRMED for o in self._objects(link, REGIO.linkStatus)):
                self._put(me, REGIO.partOfPlan, plan, block, None)

    def _scheme(self, plan: ox.NamedNode, block: Block) -> ox.NamedNode:
        """The plan's theme scheme (made with the first theme row)."""
        scheme = self.e.iri("theme-scheme", plan.value.rsplit("/", 1)[-1])
        if self.scheme is None:
            self.scheme = scheme.value
            self._put(scheme, RDF.type, SKOS.ConceptScheme, block, None)
            self._put(scheme, RDF.type, REGIO.ThemeScheme, block, None)
            titles = {o.language: o.value for o in self._objects(plan, DCT.title)
                      if isinstance(o, ox.Literal)}
            for lang, word in (("de", "Themen"), ("en", "Themes")):
                name = titles.get(lang) or titles.get("de") or titles.get("en") or ""
                self._put(scheme, SKOS.prefLabel, ox.Literal(f"{word}: {name}" if name else word,
                                                             language=lang), block, None)
            self._put(plan, REGIO.hasThemeScheme, scheme, block, None)
        return scheme


def build_sheets(directory: Path, kinds: dict[str, Kind], base_iri: str, *, publisher: str,
                 publisher_url: str = "", limits: ParseLimits | None = None) -> SheetsBuild:
    """Read every sheet in ``directory`` (see the module docstring); "self" as a source is
    the publisher (its web address: ``publisher_url``, else the base IRI)."""
    return SheetReader(kinds, base_iri, publisher=publisher, publisher_url=publisher_url,
                       limits=limits).read(directory)
