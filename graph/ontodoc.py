"""The ontology and the shapes as documents: RDF in several formats, and HTML documentation.

- The ontology's documentation is built here in one language at a time (issue 14: pyLODE's
  page joined German and English labels, "Handlungskonzeptaction plan"): per term its label
  and definition in that language, its relations, and an anchor per local name, so
  ``https://w3id.org/regio-kg/ontology#ActionPlan`` lands on ``id="ActionPlan"``.
- Shapes documentation is built here: one entry per named shape with its German and English
  name, description and messages, targets, path and constraints, anchored by local name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from graph.catalog import METADATA_PREFIXES
from graph.namespaces import REGIO_IRI, REGIOSH_IRI
from graph.rdfio import parse_file

CODELISTS = "codelists.ttl"
#: sh: terms shown in their own place rather than in the list of constraints
_OWN_PLACE = {"name", "description", "message", "property", "path", "severity", "targetClass",
              "targetNode", "targetSubjectsOf", "targetObjectsOf", "deactivated", "order",
              "group", "select", "prefixes"}
_TARGETS = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")


def ontology_files(ontology_dir: str | Path) -> list[Path]:
    """The ontology's Turtle files (all of ``ontology_dir`` but the code lists), as loaded."""
    return sorted(p for p in Path(ontology_dir).glob("*.ttl") if p.name != CODELISTS)


def shapes_files(shapes_dir: str | Path) -> list[Path]:
    return sorted(Path(shapes_dir).glob("*.ttl"))


def read_triples(files: list[Path]) -> list[ox.Triple]:
    """The triples of ``files`` (blank nodes kept apart per file)."""
    return [q.triple for path in files for q in parse_file(path)]


def serialise(triples: list[ox.Triple], fmt: ox.RdfFormat) -> bytes:
    """``triples`` in ``fmt``, with the project's prefixes where the format has them."""
    if fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
        return ox.serialize(triples, format=fmt)
    return ox.serialize(triples, format=fmt, prefixes=METADATA_PREFIXES)


def local_names(triples: list[ox.Triple], namespace: str) -> set[str]:
    """Local names of the IRIs in ``namespace`` that are described (appear as subjects)."""
    return {t.subject.value[len(namespace):] for t in triples
            if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(namespace)
            and len(t.subject.value) > len(namespace)}


# -- the ontology as a document in one language ---------------------------------------------

_KINDS = (("class", "Class"), ("object", "ObjectProperty"), ("data", "DatatypeProperty"),
          ("annotation", "AnnotationProperty"))
_OWL = "http://www.w3.org/2002/07/owl#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_DCT = "http://purl.org/dc/terms/"


@dataclass
class TermDoc:
    """One term of the ontology in one language: label, definition, and links to terms."""

    id: str
    iri: str
    kind: str
    label: str
    label_lang: str
    definition: str = ""
    definition_lang: str = ""
    relations: list[tuple[str, list[str]]] = field(default_factory=list)  # (key, terms)


@dataclass
class OntologyDoc:
    iri: str
    title: str
    description: str
    version: str
    version_iri: str
    license: str
    terms: dict[str, list[TermDoc]]
    labels: dict[str, tuple[str, str]]  # IRI -> (label, language) of every described term


def _in(graph: rdflib.Graph, s: rdflib.term.Node, p: str, lang: str) -> tuple[str, str]:
    """The literal of ``s p`` in ``lang``, else in the other language, else untagged."""
    by_lang = {(o.language or ""): str(o) for o in graph.objects(s, rdflib.URIRef(p))
               if isinstance(o, rdflib.Literal)}
    for key in (lang, "", "en" if lang == "de" else "de"):
        if key in by_lang:
            return " ".join(by_lang[key].split()), key
    return "", ""


def describe_ontology(files: list[Path], lang: str) -> OntologyDoc:
    """The ontology ``files`` as a document in ``lang``: its header, and per kind of term
    (classes, object, datatype and annotation properties) each term of the regio namespace
    with its label and definition in ``lang`` and its relations to other terms."""
    graph = rdflib.Graph()
    for path in files:
        graph.parse(path, format="turtle")
    onto = next(iter(graph.subjects(RDF.type, rdflib.URIRef(_OWL + "Ontology"))), None)
    labels = {}
    for s in set(graph.subjects()):
        if isinstance(s, rdflib.URIRef):
            text, tag = _in(graph, s, _RDFS + "label", lang)
            if text:
                labels[str(s)] = (text, tag)
    terms: dict[str, list[TermDoc]] = {}
    for key, owl_kind in _KINDS:
        docs = []
        for s in graph.subjects(RDF.type, rdflib.URIRef(_OWL + owl_kind)):
            if not str(s).startswith(REGIO_IRI):
                continue
            label, label_lang = labels.get(str(s), (str(s)[len(REGIO_IRI):], ""))
            definition, def_lang = _in(graph, s, _SKOS + "definition", lang)
            if not definition:
                definition, def_lang = _in(graph, s, _RDFS + "comment", lang)
            doc = TermDoc(str(s)[len(REGIO_IRI):], str(s), key, label, label_lang, definition,
                          def_lang)
            for rel, pred in (("subclass_of", _RDFS + "subClassOf"),
                              ("subproperty_of", _RDFS + "subPropertyOf"),
                              ("domain", _RDFS + "domain"), ("range", _RDFS + "range"),
                              ("inverse_of", _OWL + "inverseOf"),
                              ("close_match", _SKOS + "closeMatch")):
                found = sorted(str(o) for o in graph.objects(s, rdflib.URIRef(pred))
                               if isinstance(o, rdflib.URIRef))
                if found:
                    doc.relations.append((rel, found))
            for rel, pred in (("has_subclasses", _RDFS + "subClassOf"),
                              ("in_domain_of", _RDFS + "domain"), ("in_range_of", _RDFS + "range")):
                found = sorted(str(x) for x in graph.subjects(rdflib.URIRef(pred), s)
                               if isinstance(x, rdflib.URIRef))
                if found:
                    doc.relations.append((rel, found))
            docs.append(doc)
        terms[key] = sorted(docs, key=lambda d: d.label.lower())
    title = _in(graph, onto, _DCT + "title", lang)[0] if onto else ""
    description = _in(graph, onto, _DCT + "description", lang)[0] if onto else ""
    version = str(next(graph.objects(onto, rdflib.URIRef(_OWL + "versionInfo")), "")) if onto else ""
    version_iri = str(next(graph.objects(onto, rdflib.URIRef(_OWL + "versionIRI")), "")) if onto else ""
    licence = str(next(graph.objects(onto, rdflib.URIRef(_DCT + "license")), "")) if onto else ""
    return OntologyDoc(str(onto or ""), title, description, version, version_iri, licence, terms,
                       labels)


# -- shapes documentation ---------------------------------------------------------------------

@dataclass
class ShapeDoc:
    """One named shape, ready to render."""

    id: str
    iri: str
    kind: str
    names: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    messages: dict[str, list[str]] = field(default_factory=dict)
    targets: list[tuple[str, str]] = field(default_factory=list)
    path: str = ""
    severity: str = ""
    constraints: list[tuple[str, str]] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)
    file: str = ""


def _short(graph: rdflib.Graph, node: rdflib.term.Node) -> str:
    if isinstance(node, rdflib.URIRef):
        for prefix, ns in METADATA_PREFIXES.items():
            if str(node).startswith(ns) and len(str(node)) > len(ns):
                return f"{prefix}:{str(node)[len(ns):]}"
        return f"<{node}>"
    if isinstance(node, rdflib.Literal):
        return str(node)
    if (node, RDF.first, None) in graph:
        return "( " + " ".join(_short(graph, n) for n in Collection(graph, node)) + " )"
    pairs = sorted(f"{_short(graph, p)} {_short(graph, o)}" for p, o in graph.predicate_objects(node)
                   if p != SH.select)
    return "[ " + " ; ".join(pairs) + " ]"


def _texts(graph: rdflib.Graph, s: rdflib.term.Node, p: rdflib.URIRef) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for o in sorted(graph.objects(s, p)):
        out.setdefault(getattr(o, "language", None) or "", []).append(str(o))
    return out


def describe_shapes(files: list[Path]) -> list[ShapeDoc]:
    """Every named node and property shape of ``files``, node shapes first, by local name."""
    graph = rdflib.Graph()
    owner: dict[rdflib.term.Node, str] = {}
    for path in files:
        part = rdflib.Graph().parse(path, format="turtle")
        owner.update({s: path.name for s in part.subjects()})
        graph += part
    shapes = {s for kind in (SH.NodeShape, SH.PropertyShape, SH.SPARQLConstraint)
              for s in graph.subjects(RDF.type, kind)}
    docs = [_shape_doc(graph, s, owner.get(s, "")) for s in shapes
            if isinstance(s, rdflib.URIRef) and str(s).startswith(REGIOSH_IRI)]
    order = {"node": 0, "property": 1, "sparql": 2}
    return sorted(docs, key=lambda d: (order[d.kind], d.id.lower()))


def _shape_doc(graph: rdflib.Graph, s: rdflib.URIRef, file: str) -> ShapeDoc:
    kind = ("node" if (s, RDF.type, SH.NodeShape) in graph
            else "property" if (s, RDF.type, SH.PropertyShape) in graph else "sparql")
    doc = ShapeDoc(str(s)[len(REGIOSH_IRI):], str(s), kind, file=file)
    doc.names = {k: v[0] for k, v in _texts(graph, s, SH.name).items()}
    doc.descriptions = {k: v[0] for k, v in _texts(graph, s, SH.description).items()}
    doc.messages = _texts(graph, s, SH.message)
    doc.targets = [(t, _short(graph, o)) for t in _TARGETS for o in sorted(graph.objects(s, SH[t]))]
    path = graph.value(s, SH.path)
    doc.path = _short(graph, path) if path is not None else ""
    severity = graph.value(s, SH.severity)
    doc.severity = _short(graph, severity) if severity is not None else "sh:Violation"
    doc.properties = sorted(str(o)[len(REGIOSH_IRI):] for o in graph.objects(s, SH.property)
                            if str(o).startswith(REGIOSH_IRI))
    doc.queries = [str(q) for q in graph.objects(s, SH.select)]
    for p, o in sorted(graph.predicate_objects(s)):
        name = str(p)[len(str(SH)):] if str(p).startswith(str(SH)) else ""
        if name in _OWN_PLACE or p == RDF.type or not name:
            continue
        doc.constraints.append((name, _short(graph, o)))
    return doc
