"""SHACL validation with pySHACL: load the shapes, validate data, read the report.

Choices (see also shapes/common.ttl):

* ``inference="none"``. The shapes name every subclass in their targets and check code-list
  values with ``sh:in``, so no reasoning is needed; RDFS inference would type resources from
  ``rdfs:domain``/``rdfs:range`` axioms and make the verdict depend on the ontology.
* Background knowledge (ontology, code lists) goes to pySHACL as ``ont_graph``. pySHACL copies
  only its RDFS/OWL axioms into a scratch copy of the data graph ("inoculation"); the caller's
  data graph is not changed, and results never have a focus node from the ontology.
* Literals keep their lexical form while files are parsed and validated. rdflib normally
  rewrites them ("1e3"^^xsd:decimal becomes "1000", "01"^^xsd:integer "1"), which hides
  ill-formed values from ``sh:datatype`` and ``sh:pattern``; other engines (rdf-validate-shacl
  with N3.js, Oxigraph) see what was written, and so does this module.
* ``allow_warnings=True`` and ``allow_infos=True``: only ``sh:Violation`` results make the
  data non-conforming (https://www.w3.org/TR/shacl/#severity). ``advanced`` stays off: the
  shapes use SHACL Core and SHACL-SPARQL constraints only.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyshacl
import rdflib
from rdflib.namespace import SH

from graph.errors import RDFSyntaxError, UnsupportedFormatError

_FORMATS = {".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig", ".jsonld": "json-ld",
            ".rdf": "xml", ".owl": "xml"}
_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_LABELS = {
    "en": {"title": "SHACL validation: {state}", "ok": "conforms", "bad": "does not conform",
           "none": "No results.", "focus": "Focus node", "path": "path", "value": "value"},
    "de": {"title": "SHACL-Prüfung: {state}", "ok": "konform", "bad": "nicht konform",
           "none": "Keine Ergebnisse.", "focus": "Fokusknoten", "path": "Pfad", "value": "Wert"},
}


@dataclass(frozen=True)
class ValidationResult:
    """One ``sh:ValidationResult``; terms are rdflib nodes, ``path`` is None for node shapes."""

    focus_node: rdflib.term.Node
    path: rdflib.term.Node | None
    severity: str
    message_de: str
    message_en: str
    source_shape: rdflib.term.Node | None
    constraint_component: rdflib.term.Node | None
    value: rdflib.term.Node | None

    def message(self, lang: str = "en") -> str:
        """The message in ``lang`` ('de' or 'en')."""
        return self.message_de if lang == "de" else self.message_en


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of :func:`validate`: ``conforms`` is True when no result is a Violation."""

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    report_graph: rdflib.Graph = field(default_factory=rdflib.Graph, compare=False, repr=False)

    def by_severity(self, severity: str) -> list[ValidationResult]:
        """The results of one severity ('Violation', 'Warning' or 'Info')."""
        return [r for r in self.results if r.severity == severity]

    def text(self, lang: str = "en") -> str:
        """A readable report in German or English, grouped by focus node."""
        words = _LABELS["de" if lang == "de" else "en"]
        lines = [words["title"].format(state=words["ok"] if self.conforms else words["bad"])]
        if not self.results:
            return "\n".join([*lines, words["none"]]) + "\n"
        groups: dict[str, list[ValidationResult]] = {}
        for r in self.results:
            groups.setdefault(_show(r.focus_node, self.report_graph), []).append(r)
        for focus in sorted(groups):
            lines.append(f"\n{words['focus']}: {focus}")
            seen: set[tuple[str, ...]] = set()
            for r in sorted(groups[focus], key=_sort_key):
                where = f" ({words['path']}: {_show(r.path, self.report_graph)})" if r.path else ""
                entry = (f"  [{r.severity}]{where} {r.message(lang)}",)
                if r.value is not None and r.value != r.focus_node:
                    entry += (f"      {words['value']}: {_show(r.value, self.report_graph)}",)
                if entry not in seen:  # one value may fail several constraints of a shape
                    seen.add(entry)
                    lines.extend(entry)
        return "\n".join(lines) + "\n"

    def turtle(self) -> str:
        """The report graph as Turtle."""
        return self.report_graph.serialize(format="turtle")


_NORMALIZE_LOCK = threading.RLock()


@contextmanager
def _lexical_forms_kept() -> Iterator[None]:
    """Switch off rdflib's literal normalisation (a process-wide flag) for the block."""
    with _NORMALIZE_LOCK:
        old = rdflib.NORMALIZE_LITERALS
        rdflib.NORMALIZE_LITERALS = False
        try:
            yield
        finally:
            rdflib.NORMALIZE_LITERALS = old


def parse_rdf(data: str | bytes | Path, fmt: str, *, source: str | None = None) -> rdflib.Graph:
    """Parse RDF text or a file in rdflib format ``fmt`` into one graph (named graphs merged).

    Literals keep their lexical form; syntax errors raise :class:`RDFSyntaxError`.
    """
    graph = rdflib.Graph()
    where = source or (str(data) if isinstance(data, Path) else "data")
    kwargs = {"source": data} if isinstance(data, Path) else {"data": data}
    try:
        with _lexical_forms_kept():
            if fmt in {"nquads", "trig"}:
                dataset = rdflib.Dataset()
                dataset.parse(format=fmt, **kwargs)
                for prefix, ns in dataset.namespaces():
                    graph.bind(prefix, ns)
                for s, p, o, _ in dataset.quads():
                    graph.add((s, p, o))
            else:
                graph.parse(format=fmt, **kwargs)
    except (SyntaxError, ValueError) as exc:  # rdflib's parsers raise subclasses of these
        raise RDFSyntaxError(str(exc), source=where, line=getattr(exc, "lineno", None)) from exc
    return graph


def load_graph(paths: Iterable[Path]) -> rdflib.Graph:
    """Parse RDF files (format from the extension) into one graph; named graphs are merged."""
    graph = rdflib.Graph()
    for path in map(Path, paths):
        fmt = _FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise UnsupportedFormatError(f"unknown RDF file extension {path.suffix!r}",
                                         source=str(path))
        part = parse_rdf(path, fmt)
        for prefix, ns in part.namespaces():
            graph.bind(prefix, ns, override=False)
        graph += part
    return graph


def load_shapes(shapes_dir: Path) -> rdflib.Graph:
    """All ``*.ttl`` files of ``shapes_dir`` as one shapes graph."""
    files = sorted(Path(shapes_dir).glob("*.ttl"))
    if not files:
        raise FileNotFoundError(f"no *.ttl shapes in {shapes_dir}")
    return load_graph(files)


def validate(data: rdflib.Graph | Path | Iterable[Path], *,
             shapes: rdflib.Graph | list[Path],
             ont_graph: rdflib.Graph | None = None) -> ValidationReport:
    """Validate ``data`` against ``shapes``; a Dataset is validated as the union of its graphs.

    ``ont_graph`` holds background knowledge (ontology, code lists) kept apart from the data.
    """
    data_graph = _as_graph(data)
    shapes_graph = shapes if isinstance(shapes, rdflib.Graph) else load_graph(shapes)
    with _lexical_forms_kept():  # pySHACL copies literals when it mixes in ont_graph
        _conforms, report_graph, _text = pyshacl.validate(
            data_graph, shacl_graph=shapes_graph, ont_graph=ont_graph, inference="none",
            abort_on_first=False, allow_infos=True, allow_warnings=True, meta_shacl=False,
            advanced=False, debug=False)
    results = [_read_result(report_graph, node, shapes_graph)
               for node in report_graph.subjects(rdflib.RDF.type, SH.ValidationResult)]
    results.sort(key=_sort_key)
    conforms = not any(r.severity == "Violation" for r in results)
    return ValidationReport(conforms=conforms, results=results, report_graph=report_graph)


def _as_graph(data: rdflib.Graph | Path | Iterable[Path]) -> rdflib.Graph:
    if isinstance(data, rdflib.ConjunctiveGraph):  # includes rdflib.Dataset
        union = rdflib.Graph()
        for prefix, ns in data.namespaces():
            union.bind(prefix, ns)
        for s, p, o, _ in data.quads():
            union.add((s, p, o))
        return union
    if isinstance(data, rdflib.Graph):
        return data
    if isinstance(data, (str, Path)):
        return load_graph([Path(data)])
    return load_graph(data)


def _message_language(text: str, templates: list[rdflib.Literal]) -> str | None:
    """The language of a message pySHACL filled in from a tagged template (it drops the tag
    when it substitutes ``{?var}``/``{$var}``), found by matching the templates."""
    for template in templates:
        parts = re.split(r"\{[?$]\w+\}", str(template))
        if len(parts) > 1 and re.fullmatch(".*?".join(map(re.escape, parts)), text, flags=re.S):
            return template.language
    return None


def _read_result(report: rdflib.Graph, node: rdflib.term.Node,
                 shapes: rdflib.Graph | None = None) -> ValidationResult:
    messages = {"de": "", "en": "", None: ""}
    constraint = report.value(node, SH.sourceConstraint)
    templates = [m for m in shapes.objects(constraint, SH.message)
                 if isinstance(m, rdflib.Literal) and m.language] if shapes and constraint else []
    for m in report.objects(node, SH.resultMessage):
        lang = m.language if isinstance(m, rdflib.Literal) else None
        if lang is None and templates:
            lang = _message_language(str(m), templates)
        key = lang if lang in ("de", "en") else None
        messages[key] = messages[key] or str(m)
    fallback = messages[None] or messages["en"] or messages["de"]
    severity = report.value(node, SH.resultSeverity)
    return ValidationResult(
        focus_node=report.value(node, SH.focusNode),
        path=report.value(node, SH.resultPath),
        severity=_SEVERITIES.get(severity, str(severity)),
        message_de=messages["de"] or fallback,
        message_en=messages["en"] or fallback,
        source_shape=report.value(node, SH.sourceShape),
        constraint_component=report.value(node, SH.sourceConstraintComponent),
        value=report.value(node, SH.value),
    )


def _show(term: rdflib.term.Node | None, graph: rdflib.Graph) -> str:
    if term is None:
        return ""
    if isinstance(term, rdflib.URIRef):
        try:
            return graph.namespace_manager.normalizeUri(term)
        except ValueError:
            return f"<{term}>"
    return term.n3(graph.namespace_manager)


def _sort_key(r: ValidationResult) -> tuple[str, str, str, str]:
    order = {"Violation": "0", "Warning": "1", "Info": "2"}
    return (str(r.focus_node), order.get(r.severity, "3"), str(r.path or ""), str(r.value or ""))
