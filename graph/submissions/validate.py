"""SHACL validation of a submission in the context of the published graph.

The records a submission touches are validated as they will look once it is published
(``changes.states``: published values, minus the partner's own earlier values of the fields
it changes, plus the new ones), against the shapes with the ontology and code lists as
background knowledge (pySHACL's ``ont_graph``). A finding counts as the partner's only when
the change brings it: the records are validated before the change too, and what was already
there (another source's value, a field the partner did not touch) is not the partner's error.
Rules only curators can satisfy (``regiosh:curatorsOnly``: link status, the curators'
classifications) are never reported. Warnings and infos do not block; violations do.

A partner waits for the report, so pySHACL runs here as ``pyshacl.validate`` would run it
(``_pyshacl``) without the work it repeats for every validation: the shapes graph is parsed
once and the ontology mixed in once per process (``Background``), graphs sit on a plain
single-graph index (``_SingleGraphStore``), constraint components are built once per shape,
sh:or stops at the first conforming member (``_speed_up_pyshacl``) and a SHACL-SPARQL query
runs once per validation instead of once per focus node (``_PreparedQueries``). Large
submissions are split over validator processes (``run_shacl_split``).
tests/test_submissions_validation.py checks that the results are plain pySHACL's.
"""

from __future__ import annotations

import atexit
import hashlib
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib.namespace import SH
from rdflib.plugins.stores.memory import SimpleMemory

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


class _Reused:
    """What pySHACL's constraint map gives for a parameter. For the shapes graph of a
    ``Background`` (marked by ``_mark_ours``): the constraint component of ``fast`` (the
    class itself, or a faster one with the same outcome), built for a shape once and handed
    out afterwards. pySHACL builds every component anew each time a shape is evaluated, and
    a property shape is evaluated once per focus node, a value shape inside sh:or once per
    value (each build reads the shapes graph again, a pattern is compiled again). Components
    keep only what they read from the shapes graph (nothing of a validation), so one per
    shape gives the same results. For any other shapes graph (``pyshacl.validate`` called
    elsewhere in the process): pySHACL's own class, built anew, exactly as without this."""

    __slots__ = ("fast", "plain")

    def __init__(self, plain: type, fast: type | None = None) -> None:
        self.plain = plain
        self.fast = fast or plain

    def __call__(self, shape: Any) -> Any:
        from pyshacl.errors import ConstraintLoadWarning

        built = vars(shape.sg).get(_OURS)
        if built is None:  # not a Background's shapes graph: pySHACL as it is
            return self.plain(shape)
        component = built.get((shape, self.fast))
        if component is None:
            try:
                component = self.fast(shape)
            except ConstraintLoadWarning as warning:  # pySHACL logs it and goes on
                component = warning
            built[(shape, self.fast)] = component
        if isinstance(component, ConstraintLoadWarning):
            raise component
        return component


#: The attribute of a ShapesGraph that marks it as a Background's (and holds its components).
_OURS = "_owl40_components"


def _mark_ours(shapes_graph: Any) -> Any:
    """Let ``shapes_graph`` use the faster constraint components (``_Reused``)."""
    vars(shapes_graph).setdefault(_OURS, {})
    return shapes_graph


def _first_conforming_or() -> type:
    """sh:or that stops at the first member shape a value conforms to, taking the members
    in list order. pySHACL evaluates every member of the list for every value and builds a
    result with its text for each member that fails, then throws those away: for a date
    value (sh:or of date, year-month, year) that was a third of a validation. The outcome is
    the same: a value conforms to sh:or if it conforms to one member."""
    from pyshacl.constraints.core.logical_constraints import OrConstraintComponent
    from pyshacl.errors import ReportableRuntimeError

    class FirstConformingOr(OrConstraintComponent):
        def _evaluate_or_constraint(self, executor, or_c, target_graph, focus_value_nodes,
                                    _evaluation_path):
            reports = []
            non_conformant = False
            members = list(dict.fromkeys(self.shape.sg.graph.items(or_c)))
            if not members:
                raise ReportableRuntimeError(
                    "The list associated with sh:or is not a valid RDF list.")
            shapes = []
            for node in members:
                if self.shape.sg.is_filtered_out_shape(node):
                    continue
                member = self.shape.get_other_shape(node)
                if not member:
                    raise ReportableRuntimeError("Shape pointed to by sh:or does not exist or "
                                                 "is not a well-formed SHACL Shape.")
                shapes.append(member)
            if not shapes:
                return non_conformant, reports
            for focus, value_nodes in focus_value_nodes.items():
                for value in value_nodes:
                    if not any(member.validate(executor, target_graph, focus=value,
                                               _evaluation_path=_evaluation_path[:])[0]
                               for member in shapes):
                        non_conformant = True
                        reports.append(self.make_v_result(target_graph, focus, value_node=value))
            return non_conformant, reports

    return FirstConformingOr


def _speed_up_pyshacl() -> None:
    """Prime pySHACL's lazily filled constraint-parameter cache (``pyshacl.shape``): the
    parameters as a set (pySHACL tests ``p in parameters`` for every predicate of a shape
    each time it evaluates one; same members) and, for a Background's shapes graph only,
    each component built once per shape and sh:or stopping at the first conforming member
    (``_Reused``); any other pySHACL validation in the process runs pySHACL's own classes.
    This relies on pySHACL internals (0.40: ``pyshacl.shape.CONSTRAINT_PARAMS``,
    ``OrConstraintComponent._evaluate_or_constraint``); tests/test_submissions_validation.py
    compares the results with plain pySHACL in a process without these changes, and with
    ``pyshacl.validate`` called in this process."""
    import pyshacl.shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    if getattr(pyshacl.shape, "CONSTRAINT_PARAMS", None) is None:
        faster = {CONSTRAINT_PARAMETERS_MAP[SH["or"]]: _first_conforming_or()}
        # one per class: pySHACL evaluates a class once per shape even when several of its
        # parameters are there (sh:closed and sh:ignoredProperties), by the map's values
        reused = {cls: _Reused(cls, faster.get(cls))
                  for cls in set(CONSTRAINT_PARAMETERS_MAP.values())}
        pyshacl.shape.CONSTRAINT_PARAMS = (
            _ParameterSet(ALL_CONSTRAINT_PARAMETERS),
            {p: reused[cls] for p, cls in CONSTRAINT_PARAMETERS_MAP.items()})


_speed_up_pyshacl()
_NO_CONTEXTS: tuple = ()


class _SingleGraphStore(SimpleMemory):
    """An in-memory triple index for one graph, under the flags pySHACL's data-graph wrapper
    asserts (context and graph aware: it wraps every graph as a dataset). rdflib's default
    ``Memory`` store keeps the contexts of every triple and checks them on every lookup:
    half of a validation's time went there, for graphs that are only ever one graph (the
    shapes, a validation's scratch graph). Namespaces as in ``SimpleMemory``; unlike it, the
    size is counted (pySHACL asks often) and lookups iterate over copies."""

    context_aware = True
    graph_aware = True

    def __init__(self) -> None:
        super().__init__()
        self._spo: dict = {}
        self._pos: dict = {}
        self._osp: dict = {}
        self._size = 0

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        s, p, o = triple
        objects = self._spo.setdefault(s, {}).setdefault(p, {})
        if o in objects:
            return
        objects[o] = None
        self._pos.setdefault(p, {}).setdefault(o, {})[s] = None
        self._osp.setdefault(o, {}).setdefault(s, {})[p] = None
        self._size += 1

    def remove(self, triple: Any, context: Any = None) -> None:
        for (s, p, o), _ in list(self.triples(triple)):
            for index, a, b, c in ((self._spo, s, p, o), (self._pos, p, o, s),
                                   (self._osp, o, s, p)):
                del index[a][b][c]
                if not index[a][b]:
                    del index[a][b]
                    if not index[a]:
                        del index[a]
            self._size -= 1

    def triples(self, triple: Any, context: Any = None) -> Iterator[Any]:
        s, p, o = triple
        if s is not None:
            by_p = self._spo.get(s, {})
            for p2 in ([p] if p is not None else list(by_p)):
                objects = by_p.get(p2, {})
                if o is not None:
                    if o in objects:
                        yield (s, p2, o), _NO_CONTEXTS
                else:
                    for o2 in list(objects):
                        yield (s, p2, o2), _NO_CONTEXTS
        elif p is not None:
            by_o = self._pos.get(p, {})
            for o2 in ([o] if o is not None else list(by_o)):
                for s2 in list(by_o.get(o2, {})):
                    yield (s2, p, o2), _NO_CONTEXTS
        elif o is not None:
            for s2, predicates in list(self._osp.get(o, {}).items()):
                for p2 in list(predicates):
                    yield (s2, p2, o), _NO_CONTEXTS
        else:
            for s2, by_p in list(self._spo.items()):
                for p2, objects in list(by_p.items()):
                    for o2 in list(objects):
                        yield (s2, p2, o2), _NO_CONTEXTS

    def __len__(self, context: Any = None) -> int:
        return self._size

    def add_graph(self, graph: Any) -> None:
        pass

    def remove_graph(self, graph: Any) -> None:
        pass

    def contexts(self, triple: Any = None) -> Iterator[Any]:
        return iter(())


def _single_graph(triples: Iterable = ()) -> rdflib.Graph:
    """An rdflib graph on a _SingleGraphStore with ``triples``."""
    graph = rdflib.Graph(store=_SingleGraphStore())
    graph.addN((s, p, o, graph) for s, p, o in triples)
    return graph


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
    #: background()'s arguments: shapes, ontology and extensions directories, curators' rules
    key: tuple = ("", "", "", False)
    axioms: rdflib.Graph | None = None  # the ontology as pySHACL mixes it in (_axioms)
    _templates: dict = field(default_factory=dict, compare=False, repr=False)
    _shapes_graph: Any = field(default=None, compare=False, repr=False)

    def shapes_graph(self) -> Any:
        """pySHACL's view of the shapes (``ShapesGraph``: the shapes found, parsed, and their
        constraint components), built once instead of once per validation."""
        if self._shapes_graph is None:
            from pyshacl import ShapesGraph

            self._shapes_graph = _mark_ours(ShapesGraph(self.shapes))
        return self._shapes_graph

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


def _files(shapes_dir: str, ontology_dir: str, extensions_dir: str) -> tuple[list[Path], list[Path]]:
    """The shape files and the ontology files: the core ones and the region's extensions
    (``EXTENSIONS_DIR/shapes``, ``EXTENSIONS_DIR/ontology``)."""
    ext = Path(extensions_dir) if extensions_dir else None
    shapes = sorted(Path(shapes_dir).glob("*.ttl")) + (
        sorted((ext / "shapes").glob("*.ttl")) if ext else [])
    ontology = sorted(Path(ontology_dir).glob("*.ttl")) + (
        sorted((ext / "ontology").glob("*.ttl")) if ext else [])
    return shapes, ontology


@lru_cache(maxsize=4)
def _background(shapes_dir: str, ontology_dir: str, extensions_dir: str, curators_rules: bool,
                stamp: tuple) -> Background:
    shape_files, ontology_files = _files(shapes_dir, ontology_dir, extensions_dir)
    shapes = rdflib.Graph()
    for path in shape_files:
        shapes += parse_rdf(path, "turtle")
    ontology = rdflib.Graph()
    for path in ontology_files:
        ontology += parse_rdf(path, "turtle")
    curators = {str(s) for s, o in shapes.subject_objects(CURATORS_ONLY) if o.toPython() is True}
    for node in list(curators):
        curators.update(str(p) for p in shapes.objects(rdflib.URIRef(node), SH.property))
    # the partner's shapes: the curators' rules deactivated (SHACL sh:deactivated), so they
    # are not even evaluated (also faster: they fire on every new project)
    partner_shapes = _single_graph(shapes)
    if curators_rules:
        curators = set()
    for node in curators:
        partner_shapes.add((rdflib.URIRef(node), SH.deactivated, rdflib.Literal(True)))
    shapes = partner_shapes
    digest = hashlib.sha256()
    for path in shape_files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return Background(shapes, ontology, frozenset(curators), "sha256:" + digest.hexdigest()[:16],
                      (shapes_dir, ontology_dir, extensions_dir, curators_rules),
                      _axioms(ontology))


def _axioms(ontology: rdflib.Graph) -> rdflib.Graph:
    """What pySHACL mixes into every data graph from ``ont_graph`` (its ``inoculate``: the
    RDFS/OWL classes, properties and named individuals with their statements), done once:
    pySHACL did it again for every validation (half the time of a small one)."""
    from pyshacl.rdfutil.inoculate import inoculate

    axioms = _single_graph()
    with _lexical_forms_kept(), _as_pyshacl_validates():
        inoculate(axioms, ontology)
    return axioms


@contextmanager
def _as_pyshacl_validates() -> Iterator[None]:
    """rdflib's literal normalisation as ``pyshacl.validate`` leaves it while it mixes in the
    ontology and validates: on (it switches it off to read the shapes graph and on again),
    whatever the caller set; the data graph is read before, with lexical forms kept. Use
    within ``_lexical_forms_kept`` (which holds the flag's lock and restores it)."""
    rdflib.NORMALIZE_LITERALS = True
    yield


def background(shapes_dir: str | Path, ontology_dir: str | Path,
               extensions_dir: str | Path = "", curators_rules: bool = False) -> Background:
    """Shapes and ontology of these directories, with the region's extensions when
    ``extensions_dir`` is given (cached until a file changes); the curators' rules
    deactivated unless ``curators_rules``."""
    ext = str(extensions_dir) if extensions_dir and Path(extensions_dir).is_dir() else ""
    shape_files, ontology_files = _files(str(shapes_dir), str(ontology_dir), ext)
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in shape_files + ontology_files)
    return _background(str(shapes_dir), str(ontology_dir), ext, curators_rules, stamp)


@lru_cache(maxsize=256)
def _prepared(text: str):
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(text)


#: SPARQL algebra a query may consist of to be run once for all focus nodes (see _batchable)
_BATCH_PATTERNS = frozenset({"SelectQuery", "Project", "Distinct", "Filter", "Extend", "BGP",
                             "Join"})
_BATCH_UNSAFE = frozenset({"Builtin_EXISTS", "Builtin_NOTEXISTS", "Builtin_RAND", "Builtin_NOW",
                           "Builtin_UUID", "Builtin_STRUUID", "Builtin_BNODE"})


def _batchable(query) -> bool:
    """True when running ``query`` once without ``$this`` and keeping the rows with ``this``
    = X gives exactly what running it with ``$this`` pre-bound to X gives: a SELECT of
    ``$this`` made of basic graph patterns (each binding ``$this``), joins, BIND and FILTER
    (without EXISTS or functions that differ between runs), nothing else (no OPTIONAL, MINUS,
    UNION, sub-queries, VALUES, aggregates, LIMIT)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    this = rdflib.Variable("this")
    algebra = query.algebra
    if algebra.name != "SelectQuery" or this not in (algebra.get("PV") or []):
        return False

    def pattern_ok(node) -> bool:
        if not isinstance(node, CompValue) or node.name not in _BATCH_PATTERNS:
            return False
        if node.name == "BGP":
            return any(this in (s, o) for s, _p, o in node.triples)
        if node.name == "Join":
            return pattern_ok(node.p1) and pattern_ok(node.p2)
        if node.name in ("Filter", "Extend") and not expression_ok(node.expr):
            return False
        return pattern_ok(node.p)

    def expression_ok(expr) -> bool:
        if isinstance(expr, CompValue):
            return expr.name not in _BATCH_UNSAFE and all(
                expression_ok(v) for k, v in expr.items() if k != "_vars")
        if isinstance(expr, (list, tuple)):
            return all(expression_ok(v) for v in expr)
        return True

    return pattern_ok(algebra.p)


@lru_cache(maxsize=256)
def _batch_plan(text: str):
    """The prepared query of ``text`` and whether it can be run for all focus nodes at once."""
    query = _prepared(text)
    return query, _batchable(query)


class _PreparedQueries(rdflib.Graph):
    """A data graph that runs the query of a SHACL-SPARQL constraint once per validation.

    pySHACL runs that query once per focus node, with the same text and ``$this`` pre-bound
    (rdflib took ~3 ms a time, ~30 % of a validation, and parsing the text each time took
    longer still). Here the text is parsed once, and a query that allows it (``_batchable``)
    is run once without ``$this``; each focus node then gets the rows whose ``this`` is that
    node, the same rows the pre-bound query gives. The graph must not change meanwhile: it is
    the validation's own scratch graph."""

    def query(self, query_object, processor="sparql", result="sparql",  # type: ignore[override]
              initNs=None, initBindings=None, use_store_provided=True, **kwargs):  # noqa: N803
        if isinstance(query_object, str) and not initNs and not kwargs.get("base"):
            query_object, batchable = _batch_plan(query_object)
            if batchable and initBindings and set(initBindings) == {"this"}:
                return self._rows_for(query_object, initBindings["this"])
        return super().query(query_object, processor, result, initNs, initBindings,
                             use_store_provided, **kwargs)

    def _rows_for(self, query, this):
        from rdflib.query import Result

        batches = self.__dict__.setdefault("_batches", {})
        if id(query) not in batches:
            answer = super().query(query)
            by_this: dict = {}
            for row in answer.bindings:
                by_this.setdefault(row.get(rdflib.Variable("this")), []).append(row)
            batches[id(query)] = (query, answer.vars, by_this)
        _query, variables, by_this = batches[id(query)]
        out = Result("SELECT")
        out.vars = variables
        out.bindings = list(by_this.get(this, []))
        return out


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _to_rdflib(term: ox.Term) -> rdflib.term.Node:
    """The rdflib term rdflib's N-Triples reader makes of ``term`` (a simple literal has no
    datatype; call within ``_lexical_forms_kept``)."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return rdflib.Literal(term.value, datatype=None if datatype == _XSD_STRING
                          else rdflib.URIRef(datatype))


def _graph(triples: Iterable[ox.Triple], bg: Background) -> rdflib.Graph:
    """A validation's scratch data graph: ``triples`` and the ontology's axioms, as
    pySHACL's ``inoculate`` leaves a data graph (namespaces of the ontology bound)."""
    graph = _PreparedQueries(store=_SingleGraphStore())
    with _lexical_forms_kept():
        graph.addN((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object), graph)
                   for t in triples)
    if bg.axioms is not None:
        bound = {prefix for prefix, _ in graph.namespaces()}
        for prefix, namespace in bg.ontology.namespaces():
            if prefix not in bound:
                graph.bind(prefix, namespace)
        graph.addN((s, p, o, graph) for s, p, o in bg.axioms)
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


def shacl_report(triples: set[ox.Triple], focus: list[str], bg: Background
                 ) -> rdflib.Graph | None:
    """pySHACL's report on ``triples`` (the statements about the ``focus`` nodes only, so
    only they are targets), or None when there is nothing to validate. pySHACL's
    ``focus_nodes`` option is not used: with it, 0.40 skips the value shapes inside sh:or
    (a malformed date passes)."""
    if not triples or not focus:
        return None
    data = _graph(triples, bg)
    if not any((rdflib.URIRef(f), None, None) in data for f in focus):
        return None
    with _PYSHACL_LOCK, _lexical_forms_kept():
        return _pyshacl(data, bg)


def run_shacl(triples: set[ox.Triple], focus: list[str], bg: Background) -> list[Finding]:
    """Every result of ``shacl_report`` as a Finding (the curators' rules left out)."""
    report = shacl_report(triples, focus, bg)
    if report is None:
        return []
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
            shape=str(shape) if isinstance(shape, rdflib.URIRef) else None,  # not a blank node
            constraint=str(constraint) if isinstance(constraint, rdflib.URIRef) else None,
            messages=messages))
    return findings


def _pyshacl(data: rdflib.Graph, bg: Background) -> rdflib.Graph:
    """pySHACL's report for ``data``, as ``pyshacl.validate(data, shacl_graph=bg.shapes,
    ont_graph=bg.ontology, inference="none", allow_infos=True, allow_warnings=True,
    inplace=True)`` gives it, with the ontology already mixed in (``_graph``) and the shapes
    graph parsed once (``Background.shapes_graph``)."""
    from pyshacl.graph_abstraction import DataGraph

    validator = pyshacl.Validator(DataGraph.from_rdflib(data), shacl_graph=bg.shapes, options={
        "inference": "none", "inplace": True, "abort_on_first": False, "allow_infos": True,
        "allow_warnings": True, "advanced": False, "use_js": False})
    with _as_pyshacl_validates():
        validator.shacl_graph = bg.shapes_graph()
        _conforms, report, _text = validator.run()
    return report


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


def _validate_part(data: bytes, focus: list[str], key: tuple) -> list[dict]:
    """In a validator process: run_shacl on one part; findings as plain data."""
    triples = {q.triple for q in ox.parse(data, ox.RdfFormat.N_TRIPLES)}
    findings = run_shacl(triples, focus, background(*key))
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
                    [f for f in focus if f in part], bg.key) for part in parts]
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
