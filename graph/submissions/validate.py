"""SHACL validation of a submission in the context of the published graph.

The records a submission touches are validated as they will look once it is published
(``changes.states``: published values, minus the partner's own earlier values of the fields
it changes, plus the new ones), against the shapes with the ontology and code lists as
background knowledge (pySHACL's ``ont_graph``). A finding counts as the partner's only when
the change brings it: the records are validated before the change too, and what was already
there (another source's value, a field the partner did not touch) is not the partner's error.
Rules only curators can satisfy (``regiosh:curatorsOnly``: link status, the curators'
classifications) are never reported. Warnings and infos do not block; violations do.
"""

from __future__ import annotations

import atexit
import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib.namespace import SH

from graph.namespaces import REGIOSH_IRI
from graph.submissions.changes import Cell, ChangeSet, Problem, States, organisation_scope, states
from graph.validation import _lexical_forms_kept, parse_rdf

CURATORS_ONLY = rdflib.URIRef(REGIOSH_IRI + "curatorsOnly")


class _ParameterSet(set):
    """pySHACL's list of constraint parameters as a set (it tests ``p in parameters`` for
    every predicate of a shape, each time a shape is evaluated, by comparing URIRefs one by one:
    a third of a validation). ``append`` and ``copy`` keep the list interface it uses."""

    def append(self, item: object) -> None:
        self.add(item)

    def copy(self) -> _ParameterSet:
        return _ParameterSet(self)


def _speed_up_pyshacl() -> None:
    """Prime pySHACL's lazily filled constraint-parameter cache (``pyshacl.shape``) with a
    set; same parameters, same results (tests/test_submissions.py), about twice as fast."""
    import pyshacl.shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    if getattr(pyshacl.shape, "CONSTRAINT_PARAMS", None) is None:
        pyshacl.shape.CONSTRAINT_PARAMS = (_ParameterSet(ALL_CONSTRAINT_PARAMETERS),
                                           CONSTRAINT_PARAMETERS_MAP)


_speed_up_pyshacl()
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_PYSHACL_LOCK = threading.Lock()


@dataclass
class Finding:
    """One thing the report tells the partner: a SHACL result or a problem found reading."""

    severity: str
    record: str | None  # the record it is about (the owner of a nested node)
    focus: str | None = None
    path: str | None = None
    value: ox.Term | None = None
    component: str | None = None  # SHACL constraint component, or "regio-sub:<code>"
    shape: str | None = None
    constraint: str | None = None
    messages: dict[str, str] = field(default_factory=dict)  # the engine's message, per language
    cell: Cell | None = None
    code: str | None = None  # for problems found while reading (Problem.code)
    params: dict = field(default_factory=dict)
    existing: bool = False  # already so in the published data (shown, never blocking)


@dataclass
class Background:
    """Shapes (rdflib) and the ontology with its code lists (rdflib), read once."""

    shapes: rdflib.Graph
    ontology: rdflib.Graph
    curator_shapes: frozenset[str]
    shapes_version: str
    dirs: tuple[str, str] = ("", "")  # shapes and ontology directories
    _templates: dict = field(default_factory=dict, compare=False, repr=False)

    def message_language(self, source: str | None, message: str) -> str:
        """The language of the ``sh:message`` of ``source`` (a shape or SPARQL constraint)
        that ``message`` is filled in from, or "". pySHACL drops the language tag when it
        fills in ``{?var}`` placeholders (SHACL-SPARQL messages)."""
        if source not in self._templates:
            import re

            found = []
            for m in self.shapes.objects(rdflib.URIRef(source), SH.message) if source else ():
                if isinstance(m, rdflib.Literal) and m.language:
                    parts = re.split(r"\{[?$][A-Za-z_][A-Za-z0-9_]*\}", str(m))
                    found.append((m.language, re.compile(
                        "(?s)" + "(.*)".join(re.escape(p) for p in parts))))
            self._templates[source] = found
        return next((lang for lang, pattern in self._templates[source]
                     if pattern.fullmatch(message)), "")


@lru_cache(maxsize=4)
def _background(shapes_dir: str, ontology_dir: str, stamp: tuple) -> Background:
    shapes = rdflib.Graph()
    for path in sorted(Path(shapes_dir).glob("*.ttl")):
        shapes += parse_rdf(path, "turtle")
    ontology = rdflib.Graph()
    for path in sorted(Path(ontology_dir).glob("*.ttl")):
        ontology += parse_rdf(path, "turtle")
    curators = {str(s) for s, o in shapes.subject_objects(CURATORS_ONLY) if o.toPython() is True}
    for node in list(curators):
        curators.update(str(p) for p in shapes.objects(rdflib.URIRef(node), SH.property))
    # the partner's shapes: the curators' rules deactivated (SHACL sh:deactivated), so they
    # are not even evaluated (also faster: they fire on every new project)
    partner_shapes = rdflib.Graph()
    partner_shapes += shapes
    for node in curators:
        partner_shapes.add((rdflib.URIRef(node), SH.deactivated, rdflib.Literal(True)))
    shapes = partner_shapes
    digest = hashlib.sha256()
    for path in sorted(Path(shapes_dir).glob("*.ttl")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return Background(shapes, ontology, frozenset(curators), "sha256:" + digest.hexdigest()[:16],
                      (shapes_dir, ontology_dir))


def background(shapes_dir: str | Path, ontology_dir: str | Path) -> Background:
    """Shapes and ontology of these directories (cached until a file changes)."""
    files = sorted(Path(shapes_dir).glob("*.ttl")) + sorted(Path(ontology_dir).glob("*.ttl"))
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in files)
    return _background(str(shapes_dir), str(ontology_dir), stamp)


@lru_cache(maxsize=256)
def _prepared(text: str):
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(text)


class _PreparedQueries(rdflib.Graph):
    """A data graph that parses each SPARQL query text once: pySHACL runs the query of a
    SHACL-SPARQL constraint once per focus node with the same text (different bindings), and
    rdflib's parser takes ~0.1 s a time (at 1,000 triples it was 90 % of the validation)."""

    def query(self, query_object, *args, **kwargs):  # type: ignore[override]
        if isinstance(query_object, str) and not kwargs.get("initNs") and not kwargs.get("base"):
            query_object = _prepared(query_object)
        return super().query(query_object, *args, **kwargs)


def _graph(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    graph = _PreparedQueries()
    data = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)
    if data:
        with _lexical_forms_kept():
            graph.parse(data=data, format="nt")
    return graph


def _to_ox(term: rdflib.term.Node | None) -> ox.Term | None:
    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def run_shacl(triples: set[ox.Triple], focus: list[str], bg: Background) -> list[Finding]:
    """pySHACL on ``triples`` (the statements about the ``focus`` nodes only, so only they
    are targets); every result as a Finding (the curators' rules left out). pySHACL's
    ``focus_nodes`` option is not used: with it, 0.40 skips the value shapes inside sh:or
    (a malformed date passes)."""
    if not triples or not focus:
        return []
    data = _graph(triples)
    present = [rdflib.URIRef(f) for f in focus if (rdflib.URIRef(f), None, None) in data]
    if not present:
        return []
    with _PYSHACL_LOCK, _lexical_forms_kept():
        _conforms, report, _text = pyshacl.validate(
            data, shacl_graph=bg.shapes, ont_graph=bg.ontology, inference="none",
            abort_on_first=False, allow_infos=True, allow_warnings=True, meta_shacl=False,
            advanced=False, inplace=True)  # our scratch graph: mixed in place, queried prepared
    findings = []
    for node in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        shape = report.value(node, SH.sourceShape)
        constraint = report.value(node, SH.sourceConstraint)
        if str(shape) in bg.curator_shapes or (constraint is not None
                                              and str(constraint) in bg.curator_shapes):
            continue
        messages = {}
        for m in sorted(report.objects(node, SH.resultMessage)):
            lang = m.language if isinstance(m, rdflib.Literal) else None
            if not lang:
                lang = bg.message_language(str(constraint or shape), str(m))
            messages.setdefault(lang if lang in ("de", "en") else "", str(m))
        path = report.value(node, SH.resultPath)
        findings.append(Finding(
            severity=SEVERITIES.get(report.value(node, SH.resultSeverity), "Violation"),
            record=None, focus=str(report.value(node, SH.focusNode)),
            path=str(path) if isinstance(path, rdflib.URIRef) else None,
            value=_to_ox(report.value(node, SH.value)),
            component=str(report.value(node, SH.sourceConstraintComponent)),
            shape=str(shape) if shape is not None else None,
            constraint=str(constraint) if isinstance(constraint, rdflib.URIRef) else None,
            messages=messages))
    return findings


#: Below this many statements a validation runs in the calling process.
PARALLEL_FROM = 300
_POOL: Any = None
_POOL_LOCK = threading.Lock()


def _pool(workers: int) -> Any:
    """Validator processes (spawned once per web worker, shapes read once in each)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            _POOL = ProcessPoolExecutor(max_workers=workers,
                                        mp_context=multiprocessing.get_context("spawn"))
            atexit.register(_POOL.shutdown, wait=False, cancel_futures=True)
        return _POOL


def _validate_part(data: bytes, focus: list[str], dirs: tuple[str, str]) -> list[dict]:
    """In a validator process: run_shacl on one part; findings as plain data."""
    triples = {q.triple for q in ox.parse(data, ox.RdfFormat.N_TRIPLES)}
    findings = run_shacl(triples, focus, background(*dirs))
    return [{**f.__dict__, "value": str(f.value) if f.value is not None else None}
            for f in findings]


def _from_part(item: dict) -> Finding:
    value = item.pop("value")
    term = None
    if value is not None:
        term = next(iter(ox.parse(f"<urn:x:s> <urn:x:p> {value} .".encode(),
                                  ox.RdfFormat.N_TRIPLES))).object
    return Finding(**item, value=term)


def run_shacl_split(triples: set[ox.Triple], focus: list[str], bg: Background,
                    workers: int) -> list[Finding]:
    """run_shacl, in ``workers`` processes when the data is large: the records are split by
    subject (every shape looks at its focus node's own statements only, the curators' rules
    with longer paths being off); data with blank nodes stays in one piece."""
    has_blank = any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
                    for t in triples)
    if workers < 2 or len(triples) < PARALLEL_FROM or has_blank:
        return run_shacl(triples, focus, bg)
    from concurrent.futures.process import BrokenProcessPool

    global _POOL
    subjects = sorted({t.subject.value for t in triples})
    parts = [set(subjects[i::workers]) for i in range(workers)]
    try:
        pool = _pool(workers)
        jobs = [pool.submit(_validate_part, ox.serialize(
                    [t for t in triples if t.subject.value in part], format=ox.RdfFormat.N_TRIPLES),
                    [f for f in focus if f in part], bg.dirs) for part in parts]
        return [_from_part(item) for job in jobs for item in job.result()]
    except (BrokenProcessPool, OSError, RuntimeError):  # a validator died: start afresh
        with _POOL_LOCK:
            _POOL = None
        return run_shacl(triples, focus, bg)


def _key(f: Finding) -> tuple:
    return (f.focus, f.path, f.shape, f.constraint, str(f.value) if f.value is not None else None)


@dataclass
class Outcome:
    """What validation found, and the before/after states it compared."""

    findings: list[Finding]
    states: States
    shapes_version: str

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "Violation" and not f.existing for f in self.findings)


def validate_changes(store, changes: ChangeSet, base_iri: str, bg: Background, *,
                     exclude_graph: str | None = None, check_scope: bool = True,
                     workers: int = 0) -> Outcome:
    """The partner's findings for ``changes``: problems found reading it, records outside
    its organisation, and the SHACL results its change brings to the published records."""
    st = states(store, changes, base_iri, exclude_graph=exclude_graph)
    findings = [_problem_finding(p) for p in changes.problems]
    findings += _scope_findings(store, changes, st) if check_scope else []
    findings += _action_findings(changes, st)
    focus = [r.iri for r in changes.records] + [n for r in changes.records
                                                 for n in r.nested.values()]
    after = run_shacl_split(_affected(st.after, focus), focus, bg, workers)
    changed_existing = [f for f in focus if f in st.existing]
    before_keys = {_key(f) for f in run_shacl(_affected(st.before, changed_existing),
                                              changed_existing, bg)}
    for f in after:
        owner = changes.record(f.focus) or changes.nested_owner(f.focus)
        f.record = owner.iri if owner else f.focus
        f.cell = _cell_for(changes, f, owner)
        if _key(f) in before_keys:
            touched = owner.touched() if owner else set()
            if f.severity == "Violation" or f.path not in touched:
                continue  # not the partner's doing, on a field it did not touch
            f.existing = True
        findings.append(f)
    return Outcome(findings, st, bg.shapes_version)


def _affected(triples: set[ox.Triple], focus: list[str]) -> set[ox.Triple]:
    keep = set(focus)
    return {t for t in triples if t.subject.value in keep}


def _cell_for(changes: ChangeSet, f: Finding, owner) -> Cell | None:
    if not changes.sheet or owner is None:
        return None
    cell = changes.cell_of(f.focus, f.path, f.value)
    if cell is None and f.path and f.focus != owner.iri:  # a nested node's field
        cell = changes.cell_of(f.focus, f.path, None)
    if cell is None and f.path:
        for (s, p, _), c in changes.cells.items():
            if s == owner.iri and p == f.path:
                return c
    return cell or owner.cells.get("record") or owner.cells.get("change")


def _problem_finding(p: Problem) -> Finding:
    return Finding(severity=p.severity, record=p.record, component=f"regio-sub:{p.code}",
                   cell=p.cell, code=p.code, params=p.params, path=None)


def _scope_findings(store, changes: ChangeSet, st: States) -> list[Finding]:
    """Records outside the partner's organisation and its projects: a partner submits its
    own organisation, the projects (phases, plans) it takes part in or that it adds together
    with its participation, and participations, fundings and events of those."""
    from graph.namespaces import REGIO

    allowed = organisation_scope(store, changes.organisation)
    new_projects = {r.iri for r in changes.records if r.kind == "project" and r.action == "new"}
    for r in changes.records:
        participants = {v.value for v in r.values.get(REGIO.participant.value, [])}
        if r.kind == "participation" and changes.organisation in participants:
            allowed |= {v.value for v in r.values.get(REGIO.participationIn.value, [])
                        if v.value in new_projects}
    out = []
    for r in changes.records:
        if r.kind == "organisation":
            ok = r.iri == changes.organisation
        elif r.kind == "project":
            ok = r.iri in allowed
        else:
            ok = bool(_record_targets(r) & allowed)
        if not ok:
            out.append(Finding("Violation", r.iri, focus=r.iri, component="regio-sub:out-of-scope",
                               code="out-of-scope", cell=r.cells.get("record") or r.cells.get("change"),
                               params={"kind": r.kind}))
    return out


def _record_targets(record) -> set[str]:
    from graph.namespaces import REGIO

    links = (REGIO.participant, REGIO.participationIn, REGIO.fundedProject, REGIO.fundedPhase,
             REGIO.funder, REGIO.concerns)
    return {v.value for link in links for v in record.values.get(link.value, [])
            if isinstance(v, ox.NamedNode)}


def _action_findings(changes: ChangeSet, st: States) -> list[Finding]:
    """A new record that exists already, a change or removal of one that does not."""
    out = []
    for r in changes.records:
        exists = r.iri in st.existing
        code = ("exists" if r.action == "new" and exists else
                "missing" if r.action != "new" and not exists else None)
        if code:
            out.append(Finding("Violation", r.iri, focus=r.iri, component=f"regio-sub:{code}",
                               code=code, cell=r.cells.get("record") or r.cells.get("change"),
                               params={"action": r.action}))
    return out
