"""The SHACL shapes (shapes/*.ttl): example suite on two engines, meta-SHACL, real data.

Each example in tests/data/shapes/<shapes-file>/ states its exact expected results in its
header (see tests/data/shapes/README.md). pySHACL (graph.validation) and rdf-validate-shacl
(tools/shacl-js/validate.mjs, run with node) must both yield exactly that set.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
import pyshacl
import pytest
import rdflib
from pyshacl.errors import ReportableRuntimeError
from rdflib.collection import Collection
from rdflib.namespace import SH

from graph.errors import RDFSyntaxError, UnsupportedFormatError
from graph.namespaces import REGIOCODE_IRI
from graph.validation import ValidationReport, load_graph, load_shapes, parse_rdf, validate

ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = ROOT / "shapes"
EXAMPLES_DIR = ROOT / "tests" / "data" / "shapes"
JS_DIR = ROOT / "tools" / "shacl-js"
ONTOLOGY_DIR = ROOT / "ontology"

Result = tuple[str, str | None, str, str]  # focus, path, severity, source shape


@dataclass(frozen=True)
class Example:
    """An example data file with the results its header comments expect."""

    path: Path
    conforms: bool
    expected: frozenset[Result]

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"


def read_example(path: Path) -> Example:
    """Parse the '# conforms:' and '# expect:' header lines of an example file."""
    graph = rdflib.Graph().parse(path, format="turtle")
    nm = graph.namespace_manager

    def expand(term: str) -> str:
        if term.startswith("<") and term.endswith(">"):
            return term[1:-1]
        return str(nm.expand_curie(term))

    conforms: bool | None = None
    expected: set[Result] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"#\s*conforms:\s*(true|false)\s*$", line):
            conforms = m.group(1) == "true"
        elif m := re.match(r"#\s*expect:\s*(\S+)\s+(\S+)\s+(Violation|Warning|Info)\s+(\S+)\s*$",
                           line):
            focus, rpath, severity, shape = m.groups()
            expected.add((expand(focus), None if rpath == "-" else expand(rpath), severity,
                          expand(shape)))
        elif line.startswith("# expect"):
            raise ValueError(f"{path}: malformed expectation {line!r}")
    if conforms is None:
        raise ValueError(f"{path}: no '# conforms:' line")
    if conforms == any(sev == "Violation" for _, _, sev, _ in expected):
        raise ValueError(f"{path}: 'conforms' contradicts the expected severities")
    return Example(path, conforms, frozenset(expected))


EXAMPLES = [read_example(p) for p in sorted(EXAMPLES_DIR.glob("*/*.ttl"))]


def results_of(report: ValidationReport) -> set[Result]:
    return {(str(r.focus_node), str(r.path) if r.path is not None else None, r.severity,
             str(r.source_shape)) for r in report.results}


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return load_shapes(SHAPES_DIR)


# --- the shapes graph --------------------------------------------------------------------

def test_shapes_pass_meta_shacl(shapes: rdflib.Graph) -> None:
    conforms, _, _ = pyshacl.validate(rdflib.Graph(), shacl_graph=shapes, meta_shacl=True)
    assert conforms


def test_meta_shacl_rejects_a_broken_shape(shapes: rdflib.Graph) -> None:
    broken = rdflib.Graph() + shapes
    broken.set((rdflib.URIRef("https://w3id.org/regio-kg/shapes#Project-title"), SH.minCount,
                rdflib.Literal("one")))
    with pytest.raises(ReportableRuntimeError):
        pyshacl.validate(rdflib.Graph(), shacl_graph=broken, meta_shacl=True)


def _shape_nodes(shapes: rdflib.Graph) -> set[rdflib.term.Node]:
    nodes = set(shapes.subjects(rdflib.RDF.type, SH.NodeShape))
    nodes |= set(shapes.subjects(rdflib.RDF.type, SH.PropertyShape))
    nodes |= set(shapes.objects(None, SH.property)) | set(shapes.subjects(SH.targetClass, None))
    return nodes


def _languages(shapes: rdflib.Graph, node: rdflib.term.Node, prop: rdflib.URIRef) -> set[str]:
    return {o.language for o in shapes.objects(node, prop)
            if isinstance(o, rdflib.Literal) and o.language}


def test_every_shape_is_named_and_described_in_german_and_english(shapes: rdflib.Graph) -> None:
    missing = []
    for node in _shape_nodes(shapes):
        assert isinstance(node, rdflib.URIRef), f"anonymous shape {node}: give it an IRI"
        for prop in (SH.name, SH.description):
            if not {"de", "en"} <= _languages(shapes, node, prop):
                missing.append(f"{node} {prop}")
        is_property_shape = (node, SH.path, None) in shapes
        targeted_with_own_constraint = (node, SH.targetClass, None) in shapes and any(
            (node, p, None) in shapes for p in (SH.pattern, SH.closed, SH.xone, SH.nodeKind))
        if (is_property_shape or targeted_with_own_constraint) and \
                not {"de", "en"} <= _languages(shapes, node, SH.message):
            missing.append(f"{node} sh:message")
    for constraint in shapes.objects(None, SH.sparql):
        if not {"de", "en"} <= _languages(shapes, constraint, SH.message):
            missing.append(f"{constraint} sh:message")
    assert not missing, "missing @de/@en texts:\n" + "\n".join(sorted(missing))


def test_every_shapes_file_has_a_conforming_and_a_non_conforming_example() -> None:
    stems = {p.stem for p in SHAPES_DIR.glob("*.ttl")}
    folders = {p.name for p in EXAMPLES_DIR.iterdir() if p.is_dir()}
    assert folders == stems, "one example folder per shapes file"
    for stem in sorted(stems):
        verdicts = {ex.conforms for ex in EXAMPLES if ex.path.parent.name == stem}
        assert verdicts == {True, False}, f"shapes/{stem}.ttl needs both kinds of example"


def _sh_in_values(shapes: rdflib.Graph) -> set[str]:
    values: set[str] = set()
    for head in shapes.objects(None, SH["in"]):
        values |= {str(v) for v in Collection(shapes, head)}
    return values


def test_sh_in_lists_match_the_code_lists(shapes: rdflib.Graph) -> None:
    codelists = ONTOLOGY_DIR / "codelists.ttl"
    if not codelists.exists():
        pytest.skip("ontology/codelists.ttl is not written yet")
    graph = load_graph([codelists])
    listed = _sh_in_values(shapes)
    for name in ("org-type", "role", "link-status", "event-type", "qualifier", "theme-kind"):
        prefix = f"{REGIOCODE_IRI}{name}/"
        codes = {str(s) for s in graph.subjects(rdflib.RDF.type, rdflib.SKOS.Concept)
                 if str(s).startswith(prefix)}
        assert codes, f"no concepts of {name} in {codelists.name}"
        assert {v for v in listed if v.startswith(prefix)} == codes, name


# --- the example suite, engine 1: pySHACL ------------------------------------------------

@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_example_with_pyshacl(example: Example, shapes: rdflib.Graph) -> None:
    report = validate(example.path, shapes=shapes)
    assert results_of(report) == example.expected, report.text()
    assert report.conforms is example.conforms


# --- engine 2: rdf-validate-shacl (node) --------------------------------------------------

def run_js(data: list[Path], ont: list[Path] | None = None) -> dict:
    """The report of tools/shacl-js/validate.mjs; fails the test when the tool is missing."""
    node = shutil.which("node")
    if node is None or not (JS_DIR / "node_modules" / "rdf-validate-shacl").is_dir():
        pytest.fail("the second SHACL engine is not installed: run `make install-test` "
                    "(needs node and `npm ci --prefix tools/shacl-js`)")
    args = [node, str(JS_DIR / "validate.mjs"), "--shapes",
            *map(str, sorted(SHAPES_DIR.glob("*.ttl"))), "--data", *map(str, data)]
    if ont:
        args += ["--ont", *map(str, ont)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def js_results(report: dict) -> set[Result]:
    return {(r["focus"], r["path"], r["severity"], r["sourceShape"]) for r in report["results"]}


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_example_with_rdf_validate_shacl(example: Example, shapes: rdflib.Graph) -> None:
    js = run_js([example.path])
    py = validate(example.path, shapes=shapes)
    assert js["conforms"] is py.conforms, "the engines disagree on conformance"
    assert js_results(js) == results_of(py), "the engines disagree on the results"
    assert js_results(js) == example.expected
    assert js["conforms"] is example.conforms


@pytest.mark.slow
def test_validate_mjs_reports_bad_input(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("<http://example.org/invented/a> <http://example.org/invented/b> .\n")
    run_js([EXAMPLES[0].path])  # fails with the install hint when the tool is missing
    proc = subprocess.run(["node", str(JS_DIR / "validate.mjs"), "--shapes",
                           str(SHAPES_DIR / "common.ttl"), "--data", str(broken)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert "broken.ttl" in proc.stderr


# --- graph.validation: the report --------------------------------------------------------

PREFIXES = """
@prefix regio: <https://w3id.org/regio-kg/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix linkstatus: <https://w3id.org/regio-kg/code/link-status/> .
@prefix project: <http://example.org/invented/id/project/> .
@prefix plan: <http://example.org/invented/id/action-plan/> .
@prefix phase: <http://example.org/invented/id/phase/> .
@prefix theme: <http://example.org/invented/id/theme/> .
@prefix source: <http://example.org/invented/id/source/> .
@prefix link: <http://example.org/invented/id/plan-link/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
"""
UNTITLED = PREFIXES + """
project:ohne-titel a regio:Project ;
    dct:description "An invented project without title."@en ;
    regio:inPhase phase:phase-1 ; regio:partOfPlan plan:musterplan ;
    regio:hasPlanLink link:ohne-titel ; regio:hasTheme theme:sample-theme ;
    dct:source source:s-invented-1 .
link:ohne-titel a regio:PlanLink ; regio:linkedPlan plan:musterplan ;
    regio:linkStatus linkstatus:confirmed ; prov:wasDerivedFrom source:s-invented-1 ;
    dct:source source:s-invented-1 .
"""


def turtle(text: str) -> rdflib.Graph:
    return parse_rdf(text, "turtle")


def test_results_carry_german_and_english_messages(shapes: rdflib.Graph) -> None:
    report = validate(turtle(UNTITLED), shapes=shapes)
    assert not report.conforms
    (result,) = report.results
    assert result.severity == "Violation"
    assert str(result.path) == "http://purl.org/dc/terms/title"
    assert result.message_de.startswith("Ein Projekt braucht einen Titel")
    assert result.message_en.startswith("A project needs a title")
    assert result.constraint_component == SH.MinCountConstraintComponent


def test_messages_fall_back_to_pyshacl_text() -> None:
    bare = turtle("""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix dct: <http://purl.org/dc/terms/> .
        <http://example.org/invented/shape> a sh:NodeShape ;
            sh:targetClass <https://w3id.org/regio-kg/ontology#Project> ;
            sh:property [ sh:path dct:title ; sh:minCount 1 ] .""")
    (result,) = validate(turtle(UNTITLED), shapes=bare).results
    assert result.message_en and result.message_en == result.message_de
    assert "title" in result.message_en


def test_text_is_grouped_by_focus_node_in_both_languages(shapes: rdflib.Graph) -> None:
    report = validate(turtle(UNTITLED), shapes=shapes)
    de, en = report.text("de"), report.text("en")
    assert de.startswith("SHACL-Prüfung: nicht konform")
    assert en.startswith("SHACL validation: does not conform")
    assert "Fokusknoten: <http://example.org/invented/id/project/ohne-titel>" in de
    assert "[Violation] (path: dcterms:title) A project needs a title" in en


def test_turtle_serialises_the_report_graph(shapes: rdflib.Graph) -> None:
    report = validate(turtle(UNTITLED), shapes=shapes)
    graph = turtle(report.turtle())
    assert (None, rdflib.RDF.type, SH.ValidationReport) in graph
    assert len(list(graph.subjects(rdflib.RDF.type, SH.ValidationResult))) == 1


def test_warnings_and_infos_do_not_break_conformance(shapes: rdflib.Graph) -> None:
    report = validate(turtle(PREFIXES + """
        project:kurz a regio:Project ; dct:title "Kurzprojekt"@de ; regio:hasPlanLink link:kurz .
        link:kurz a regio:PlanLink ; regio:linkedPlan plan:musterplan ;
            regio:linkStatus linkstatus:candidate ; prov:wasDerivedFrom source:s-invented-2 ."""),
        shapes=shapes)
    assert report.conforms
    assert {r.severity for r in report.results} == {"Warning", "Info"}
    assert "SHACL validation: conforms" in report.text()


def test_a_dataset_is_validated_as_the_union_of_its_graphs(shapes: rdflib.Graph) -> None:
    trig = PREFIXES + """
        <http://example.org/invented/graph/a> {
            project:p a regio:Project ; regio:partOfPlan plan:x ; regio:hasPlanLink link:p .
            link:p a regio:PlanLink ; regio:linkedPlan plan:x ;
                regio:linkStatus linkstatus:confirmed ; prov:wasDerivedFrom source:s-1 . }
        <http://example.org/invented/graph/b> { project:p dct:title "P"@de . }
        """
    dataset = rdflib.Dataset()
    dataset.parse(data=trig, format="trig")
    assert len(list(dataset.graphs())) >= 2
    assert validate(dataset, shapes=shapes).conforms
    assert validate(parse_rdf(trig, "trig"), shapes=shapes).conforms


def test_ontology_graph_is_kept_apart_from_the_data(shapes: rdflib.Graph) -> None:
    data = turtle(UNTITLED)
    size = len(data)
    ontology = turtle(PREFIXES + """
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        regio:Project a owl:Class ; rdfs:label "Projekt"@de .
        project:im-ontologiegraphen a regio:Project .""")
    report = validate(data, shapes=shapes, ont_graph=ontology)
    assert {str(r.focus_node) for r in report.results} == {
        "http://example.org/invented/id/project/ohne-titel"}
    assert len(data) == size


def test_lexical_forms_are_kept(shapes: rdflib.Graph) -> None:
    graph = turtle("""@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <http://example.org/invented/a> <http://example.org/invented/v> "1e3"^^xsd:decimal .""")
    assert str(next(graph.objects())) == "1e3"
    assert rdflib.NORMALIZE_LITERALS is True


def test_syntax_errors_raise_rdf_syntax_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://example.org/invented/a> <http://example.org/invented/b> .\n")
    with pytest.raises(RDFSyntaxError) as info:
        load_graph([bad])
    assert info.value.source == str(bad)
    with pytest.raises(UnsupportedFormatError):
        load_graph([tmp_path / "data.xlsx"])


# --- the real OWL 4.0 graph ---------------------------------------------------------------

@pytest.fixture(scope="module")
def owl40_nquads(owl40_build) -> str:
    return pyoxigraph.serialize(owl40_build.quads, format=pyoxigraph.RdfFormat.N_QUADS).decode()


@pytest.fixture(scope="module")
def owl40_report(owl40_nquads: str, shapes: rdflib.Graph) -> ValidationReport:
    ontology = load_graph(sorted(ONTOLOGY_DIR.glob("*.ttl")))
    return validate(parse_rdf(owl40_nquads, "nquads"), shapes=shapes, ont_graph=ontology)


@pytest.mark.slow
def test_real_owl40_graph_conforms(owl40_report: ValidationReport) -> None:
    violations = owl40_report.by_severity("Violation")
    assert owl40_report.conforms, "\n".join(
        f"{r.focus_node} {r.path or ''}: {r.message_en}" for r in violations)
    # warnings are allowed; list them in the output of `pytest -rA`
    for r in owl40_report.by_severity("Warning"):
        print(f"Warning: {r.focus_node} {r.path}: {r.message_en}")


@pytest.mark.slow
def test_real_results_point_into_the_data_only(owl40_report: ValidationReport,
                                               owl40_nquads: str) -> None:
    data = parse_rdf(owl40_nquads, "nquads")
    subjects = set(data.subjects())
    assert owl40_report.results
    assert all(r.focus_node in subjects for r in owl40_report.results)


@pytest.mark.slow
def test_real_owl40_graph_same_verdict_in_both_engines(owl40_report: ValidationReport,
                                                       owl40_nquads: str,
                                                       tmp_path: Path) -> None:
    data = tmp_path / "owl40.nq"
    data.write_text(owl40_nquads, encoding="utf-8")
    js = run_js([data], ont=sorted(ONTOLOGY_DIR.glob("*.ttl")))
    assert js["conforms"] is owl40_report.conforms
    assert js_results(js) == results_of(owl40_report)
