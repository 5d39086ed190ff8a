"""The ontology (ontology/regio.ttl) and the code lists (ontology/codelists.ttl).

Structural tests read the Turtle with rdflib; the reasoner tests (marked slow) run HermiT
through graph.reasoning on the ontology alone, on small contradictory samples and on the whole
OWL 4.0 graph.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import owlready2
import pytest
from pyoxigraph import Literal as OxLiteral
from pyoxigraph import RdfFormat, Triple, serialize
from rdflib import OWL, RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS

from api.config import PROJECT_DIR
from graph.errors import RDFSyntaxError, UnsupportedFormatError
from graph.namespaces import ONTOLOGY_IRI, REGIO, REGIO_IRI, REGIOCODE_IRI
from graph.reasoning import ReasonerError, ReasoningReport, check_consistency

ONTOLOGY = PROJECT_DIR / "ontology" / "regio.ttl"
CODELISTS = PROJECT_DIR / "ontology" / "codelists.ttl"
BOTH = [ONTOLOGY, CODELISTS]
VANN = Namespace("http://purl.org/vocab/vann/")
ORG = Namespace("http://www.w3.org/ns/org#")
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)

CODE_LISTS = {
    "org-type": """business-development-agency chamber university university-of-applied-sciences
        research-institute network association company district-administration municipality
        state-ministry state-authority education-provider start-up-support foundation other""",
    "role": """lead coordinator partner associated-partner consortium-member executing-body
        funder evaluator initiator""",
    "link-status": "confirmed probable candidate",
    "event-type": """funding-decision launch kick-off interim-review conference reorientation
        campaign meeting designation project-start closing-event""",
    "qualifier": "exact about over almost up-to",
    "theme-kind": "programme-theme application-field cluster-field project-keyword",
}


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


@pytest.fixture(scope="module")
def codes() -> Graph:
    return Graph().parse(CODELISTS, format="turtle")


def regio_terms(g: Graph) -> dict[str, set[URIRef]]:
    """Local name -> declared kinds of every regio: term."""
    terms: dict[str, set[URIRef]] = {}
    for kind in KINDS:
        for s in g.subjects(RDF.type, kind):
            if isinstance(s, URIRef) and str(s).startswith(REGIO_IRI):
                terms.setdefault(str(s)[len(REGIO_IRI):], set()).add(kind)
    return terms


def langs(g: Graph, s: URIRef, p: URIRef) -> list[str | None]:
    return sorted((o.language for o in g.objects(s, p) if isinstance(o, Literal)),
                  key=lambda x: x or "")


def declared(g: Graph) -> set[URIRef]:
    return {s for kind in KINDS for s in g.subjects(RDF.type, kind) if isinstance(s, URIRef)}


# -- structure ------------------------------------------------------------------------------

def test_turtle_files_parse(onto: Graph, codes: Graph) -> None:
    assert len(onto) > 500
    assert len(codes) > 300


def test_every_regio_term_has_german_and_english_label_and_definition(onto: Graph) -> None:
    problems = []
    for name in regio_terms(onto):
        term = URIRef(REGIO_IRI + name)
        for prop in (RDFS.label, SKOS.definition):
            if langs(onto, term, prop) != ["de", "en"]:
                problems.append(f"{name} {prop}: {langs(onto, term, prop)}")
    assert not problems, problems


def test_ontology_defines_exactly_the_terms_of_namespaces_py(onto: Graph) -> None:
    defined = set(regio_terms(onto))
    listed = set(REGIO._terms)
    assert listed - defined == set(), "in graph/namespaces.py but not in the ontology"
    assert defined - listed == set(), "in the ontology but not in graph/namespaces.py"
    used = {str(t)[len(REGIO_IRI):] for t in onto.all_nodes()
            if isinstance(t, URIRef) and str(t).startswith(REGIO_IRI)}
    assert used <= defined, f"regio: IRIs used but not declared: {used - defined}"


def test_every_regio_term_has_exactly_one_kind(onto: Graph) -> None:
    assert {n: k for n, k in regio_terms(onto).items() if len(k) != 1} == {}
    for name, (kind,) in regio_terms(onto).items():
        assert name[0].isupper() == (kind == OWL.Class), f"naming convention broken: {name}"


def test_every_external_term_in_an_axiom_is_declared(onto: Graph) -> None:
    """OWL 2 DL without imports: classes and properties used in axioms are declared."""
    known = declared(onto) | {RDFS.Literal, OWL.Thing, OWL.Nothing}
    used: set[URIRef] = set()
    for p in (RDFS.subClassOf, RDFS.domain, RDFS.range, RDFS.subPropertyOf, OWL.inverseOf,
              OWL.disjointWith, OWL.equivalentClass):
        used |= {o for o in onto.objects(None, p) if isinstance(o, URIRef)}
        used |= {s for s in onto.subjects(p, None) if isinstance(s, URIRef)}
    for list_prop in (OWL.unionOf, OWL.members):
        for head in onto.objects(None, list_prop):
            used |= {m for m in Collection(onto, head) if isinstance(m, URIRef)}
    datatypes = {XSD.integer, XSD.decimal, XSD.boolean, XSD.string, XSD.anyURI}
    assert used - known - datatypes == set()
    assert not (set(onto.subjects(RDF.type, OWL.ObjectProperty))
                & set(onto.subjects(RDF.type, OWL.DatatypeProperty)))


def test_ranges_fit_the_data(onto: Graph) -> None:
    def rng(name: str) -> object:
        return onto.value(URIRef(REGIO_IRI + name), RDFS.range)
    for name in ("startDate", "endDate", "date", "decisionDate", "startYear"):
        assert rng(name) == RDFS.Literal, name  # xsd:date/gYear* are not in the OWL 2 map
    assert rng("isSME") == XSD.boolean
    assert rng("phaseNumber") == XSD.integer
    assert rng("numericValue") == XSD.decimal
    value_range = rng("value")
    assert isinstance(value_range, BNode)
    assert onto.value(value_range, OWL.onDatatype) == XSD.decimal
    for name in ("motto", "roleText", "note", "periodText", "statedValue", "typeText"):
        assert rng(name) == RDFS.Literal, name  # language-tagged literals allowed
    assert onto.value(URIRef(REGIO_IRI + "concerns"), RDFS.range) is None
    union = onto.value(rng("participationIn"), OWL.unionOf)
    assert {str(x) for x in Collection(onto, union)} == {
        REGIO.Project.value, REGIO.Phase.value, REGIO.ActionPlan.value}


def test_alignments_of_docs_model_md(onto: Graph) -> None:
    schema, eurio = Namespace("https://schema.org/"), Namespace("http://data.europa.eu/s66#")
    prov, foaf = Namespace("http://www.w3.org/ns/prov#"), Namespace("http://xmlns.com/foaf/0.1/")
    r = Namespace(REGIO_IRI)
    expected = {
        r.ActionPlan: {prov.Plan, schema.CreativeWork},
        r.Project: {schema.Project, foaf.Project, eurio.Project},
        r.Organisation: {ORG.Organization, schema.Organization, eurio.Organisation},
        r.Participation: {ORG.Membership, eurio.OrganisationRole},
        r.Funding: {schema.MonetaryGrant, eurio.Grant},
        r.FundingProgramme: {schema.FundingScheme},
        r.Region: {DCTERMS.Location, schema.AdministrativeArea},
        r.Event: {schema.Event, prov.Activity},
        r.Person: {foaf.Person, schema.Person},
        r.Source: {prov.Entity, foaf.Document},
        r.Phase: {r.PlanPeriod}, r.District: {r.Region}, r.Theme: {SKOS.Concept},
    }
    for cls, supers in expected.items():
        assert set(onto.objects(cls, RDFS.subClassOf)) == supers, cls
    assert (r.participant, RDFS.subPropertyOf, ORG.member) in onto
    assert (r.ActionPlan, SKOS.closeMatch, eurio.FundingScheme) in onto
    assert (r.FundingProgramme, SKOS.closeMatch, eurio.FundingScheme) in onto
    disjoint = next(onto.subjects(RDF.type, OWL.AllDisjointClasses))
    members = set(Collection(onto, onto.value(disjoint, OWL.members)))
    assert {r.Project, r.Organisation, r.Source, r.Person, r.Event} <= members


def test_header_metadata(onto: Graph) -> None:
    o = URIRef(ONTOLOGY_IRI)
    assert (o, RDF.type, OWL.Ontology) in onto
    assert onto.value(o, OWL.versionIRI) == URIRef(ONTOLOGY_IRI + "/0.1.0")
    assert str(onto.value(o, OWL.versionInfo)) == "0.1.0"
    assert onto.value(o, DCTERMS.license) == CC_BY
    assert str(onto.value(o, VANN.preferredNamespacePrefix)) == "regio"
    assert str(onto.value(o, VANN.preferredNamespaceUri)) == REGIO_IRI
    assert onto.value(o, DCTERMS.creator) is not None
    for p in (DCTERMS.created, DCTERMS.modified):
        assert onto.value(o, p) == Literal("2026-11-26", datatype=XSD.date)
    for p in (DCTERMS.title, DCTERMS.description):
        assert langs(onto, o, p) == ["de", "en"]
    assert list(onto.objects(o, OWL.imports)) == []


def test_code_lists_are_complete_and_documented(codes: Graph) -> None:
    for name, expected in CODE_LISTS.items():
        scheme = URIRef(f"{REGIOCODE_IRI}{name}")
        assert (scheme, RDF.type, SKOS.ConceptScheme) in codes
        assert langs(codes, scheme, DCTERMS.title) == ["de", "en"]
        assert codes.value(scheme, DCTERMS.license) == CC_BY
        concepts = set(codes.subjects(SKOS.inScheme, scheme))
        assert {str(c).rsplit("/", 1)[1] for c in concepts} == set(expected.split())
        assert set(codes.objects(scheme, SKOS.hasTopConcept)) == concepts
        for c in concepts:
            assert str(c) == f"{scheme}/{codes.value(c, SKOS.notation)}"
            assert (c, RDF.type, SKOS.Concept) in codes
            assert (c, SKOS.topConceptOf, scheme) in codes
            assert langs(codes, c, SKOS.prefLabel) == ["de", "en"], c
            assert langs(codes, c, SKOS.definition) == ["de", "en"], c
            assert ((c, RDF.type, ORG.Role) in codes) == (name == "role")


def test_terms_used_by_the_data_are_declared_with_a_fitting_kind(owl40_build,
                                                                onto: Graph) -> None:
    """Each predicate of the built data is declared; object properties get IRIs, datatype
    properties literals (a mix would be punning that OWL 2 DL forbids)."""
    obj = set(onto.subjects(RDF.type, OWL.ObjectProperty))
    dat = set(onto.subjects(RDF.type, OWL.DatatypeProperty))
    ann = set(onto.subjects(RDF.type, OWL.AnnotationProperty))
    classes = set(onto.subjects(RDF.type, OWL.Class))
    problems = set()
    for q in owl40_build.quads:
        p = URIRef(q.predicate.value)
        literal = isinstance(q.object, OxLiteral)
        if p == RDF.type:
            if URIRef(q.object.value) not in classes:
                problems.add(f"undeclared class {q.object.value}")
        elif p in obj and literal or p in dat and not literal:
            problems.add(f"{p} used with the wrong kind of value")
        elif p not in obj | dat | ann | {RDFS.label, RDFS.comment}:
            problems.add(f"undeclared property {p}")
    assert not problems, sorted(problems)


# -- reasoning ------------------------------------------------------------------------------

R = REGIO_IRI
TYPE = str(RDF.type)


def nt(*triples: tuple[str, str, str]) -> bytes:
    """N-Triples from (s, p, o) IRIs; an object starting with '"' is written as is."""
    return "".join(f"<{s}> <{p}> {o if o.startswith(chr(34)) else f'<{o}>'} .\n"
                   for s, p, o in triples).encode()


@pytest.mark.slow
def test_ontology_and_code_lists_alone_are_consistent() -> None:
    report = check_consistency(BOTH, None)
    assert isinstance(report, ReasoningReport)
    assert report.consistent, report.message
    assert report.unsatisfiable_classes == []


@pytest.mark.slow
@pytest.mark.parametrize("sample", [
    # one IRI both a project and an organisation (disjoint classes)
    nt(("http://ex.org/x", TYPE, R + "Project"), ("http://ex.org/x", TYPE, R + "Organisation")),
    # regio:participant points to a project: range Organisation vs. Project
    nt(("http://ex.org/p", TYPE, R + "Project"),
       ("http://ex.org/m", R + "participant", "http://ex.org/p")),
    # a negative amount of money
    nt(("http://ex.org/a", R + "value", '"-5"^^<http://www.w3.org/2001/XMLSchema#decimal>')),
    # a code of the role list used as a concept scheme (skos:Concept is disjoint with it)
    nt((REGIOCODE_IRI + "role/lead", TYPE, str(SKOS.ConceptScheme))),
], ids=["project-and-organisation", "participant-range", "negative-value", "concept-scheme"])
def test_contradictory_data_is_reported_inconsistent(sample: bytes) -> None:
    report = check_consistency(BOTH, sample)
    assert not report.consistent, sample
    assert "inconsistent" in report.message


@pytest.mark.slow
def test_unsatisfiable_class_is_reported() -> None:
    sample = nt(("http://ex.org/Chimera", TYPE, str(OWL.Class)),
                ("http://ex.org/Chimera", str(RDFS.subClassOf), R + "Person"),
                ("http://ex.org/Chimera", str(RDFS.subClassOf), R + "Organisation"))
    report = check_consistency([ONTOLOGY], sample)
    assert report.consistent
    assert report.unsatisfiable_classes == ["http://ex.org/Chimera"]


@pytest.mark.slow
def test_failed_check_leaves_no_temporary_file(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    sample = nt(("http://ex.org/x", TYPE, R + "Event"), ("http://ex.org/x", TYPE, R + "Source"))
    assert not check_consistency([ONTOLOGY], sample).consistent
    assert list(tmp_path.iterdir()) == []


def test_bad_input_raises_graph_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RDFSyntaxError):
        check_consistency([ONTOLOGY], b"<http://ex.org/a> <http://ex.org/b> .\n")
    with pytest.raises(UnsupportedFormatError):
        check_consistency([ONTOLOGY], b"", data_format="xlsx")
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix : <http://ex.org/> . :a :b ", encoding="utf-8")
    with pytest.raises(RDFSyntaxError):
        check_consistency([broken], None)
    monkeypatch.setattr(owlready2, "JAVA_EXE", str(tmp_path / "no-java-here"))
    with pytest.raises(ReasonerError, match="Java"):
        check_consistency([ONTOLOGY], None)


@pytest.mark.slow
def test_whole_owl40_graph_is_consistent(owl40_build) -> None:
    triples = dict.fromkeys(Triple(q.subject, q.predicate, q.object) for q in owl40_build.quads)
    data = serialize(list(triples), format=RdfFormat.N_TRIPLES)
    started = time.perf_counter()
    report = check_consistency(BOTH, data)
    print(f"HermiT on {len(triples)} data triples: {report.seconds:.2f} s "
          f"(whole check {time.perf_counter() - started:.2f} s)")
    assert report.consistent, report.message
    assert report.unsatisfiable_classes == [], report.message
    assert report.seconds < 120, "HermiT has become far slower than the ~2 s it used to take"
