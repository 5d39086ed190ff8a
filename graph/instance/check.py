"""The validation report of an instance's sheets: what reading them found (unknown columns and
codes, rows without a source…) and what the SHACL shapes (core and the region's extensions,
with the ontology, code lists and the ontology extension as background) say about the data they
give, each finding at its file, row and column, in German or English. ``owl40 load`` shows it
before anything is written and writes nothing while a violation remains.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import rdflib

from graph.errors import GraphError
from graph.instance.layout import ontology_files, shape_files
from graph.instance.sheets import Location, SheetsBuild
from graph.rdfio import to_rdflib_graph
from graph.submissions.templates import Kind
from graph.validation import load_graph, validate

SEVERITY_WORDS = {"de": {"Violation": "Fehler", "Warning": "Warnung", "Info": "Hinweis"},
                  "en": {"Violation": "error", "Warning": "warning", "Info": "note"}}
WORDS = {
    "de": {"title": "Prüfung der Tabellen in {dir}: {state}", "ok": "in Ordnung",
           "bad": "nicht in Ordnung, nichts wurde geschrieben",
           "summary": "{v} Fehler, {w} Warnungen, {i} Hinweise; {r} Datensätze aus {f} Dateien",
           "row": "Zeile", "column": "Spalte", "value": "Wert", "record": "Datensatz"},
    "en": {"title": "Check of the sheets in {dir}: {state}", "ok": "fine",
           "bad": "not fine, nothing was written",
           "summary": "{v} errors, {w} warnings, {i} notes; {r} records from {f} files",
           "row": "row", "column": "column", "value": "value", "record": "record"},
}
ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class Finding:
    """One finding: severity, where (file, row, column), the record, the message per language
    and the value found."""

    severity: str
    location: Location | None
    record: str
    message: dict[str, str]
    value: str = ""

    def line(self, lang: str) -> str:
        words = WORDS[lang]
        where = ""
        if self.location is not None:
            loc = self.location
            where = loc.file
            if loc.row:
                where += f", {words['row']} {loc.row}"
            if loc.column:
                where += f", {words['column']} {loc.letter}"
            if loc.title(lang):
                where += f" ({loc.title(lang)})"
            where += ": "
        elif self.record:
            where = f"{words['record']} <{self.record}>: "
        value = f" [{words['value']}: {self.value}]" if self.value else ""
        return f"{where}{SEVERITY_WORDS[lang][self.severity]}: {self.message[lang]}{value}"


@dataclass
class SheetReport:
    """The report: conforms when no finding is a violation."""

    directory: str
    findings: list[Finding] = field(default_factory=list)
    records: int = 0
    files: int = 0

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "Violation" for f in self.findings)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def text(self, lang: str = "en") -> str:
        lang = "de" if lang == "de" else "en"
        words = WORDS[lang]
        lines = [words["title"].format(dir=self.directory,
                                       state=words["ok"] if self.conforms else words["bad"])]
        lines += [f.line(lang) for f in self.findings]
        lines.append(words["summary"].format(v=self.count("Violation"), w=self.count("Warning"),
                                             i=self.count("Info"), r=self.records, f=self.files))
        return "\n".join(lines) + "\n"


class NotConforming(GraphError):
    """The instance's data does not conform to the shapes: nothing was written."""

    def __init__(self, report: SheetReport) -> None:
        super().__init__(report.text("en"))
        self.report = report


def _show(term: rdflib.term.Node | None) -> str:
    if term is None:
        return ""
    return str(term) if isinstance(term, rdflib.Literal) else f"<{term}>"


def check_sheets(build: SheetsBuild, kinds: dict[str, Kind], settings: Mapping[str, Any], *,
                 directory: str = "") -> SheetReport:
    """The report of ``build``: its reading problems, then the SHACL results of its data."""
    report = SheetReport(directory, records=len(build.records), files=len(build.files))
    for p in build.problems:
        report.findings.append(Finding(p.severity, p.location, p.record, p.message))
    data = to_rdflib_graph(build.quads)
    if len(data):
        result = validate(data, shapes=load_graph(shape_files(settings)),
                          ont_graph=load_graph(ontology_files(settings)))
        for r in result.results:
            value = r.value if r.value is not None and r.value != r.focus_node else None
            location, record = build.locate(str(r.focus_node), str(r.path) if r.path else None,
                                            _ox_text(value), kinds)
            report.findings.append(Finding(r.severity, location, record,
                                           {"de": r.message("de"), "en": r.message("en")},
                                           _show(value)))
    report.findings.sort(key=lambda f: (
        f.location.file if f.location else "~", f.location.row or 0 if f.location else 0,
        f.location.column or 0 if f.location else 0, ORDER.get(f.severity, 3), f.message["en"]))
    unique: list[Finding] = []
    for f in report.findings:  # one value may fail several constraints with the same message
        if not unique or (f.line("en") != unique[-1].line("en")):
            unique.append(f)
    report.findings = unique
    return report


def _ox_text(term: rdflib.term.Node | None) -> str | None:
    """The value as graph.instance.sheets keys it (pyoxigraph's ``str`` of the term)."""
    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        escaped = str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        escaped = escaped.replace("\r", "\\r")
        if term.language:
            return f'"{escaped}"@{term.language}'
        if term.datatype and str(term.datatype) != "http://www.w3.org/2001/XMLSchema#string":
            return f'"{escaped}"^^<{term.datatype}>'
        return f'"{escaped}"'
    return None
