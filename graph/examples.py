"""The example queries published in the graph, in the SIB SPARQL-examples style.

Each ``queries/*.rq`` becomes a resource ``{base}id/example/{slug}`` in the named graph
``{base}graph/examples``, typed ``sh:SPARQLExecutable`` and ``sh:SPARQL<Form>Executable``
(SHACL, https://www.w3.org/TR/shacl-af/#SPARQLExecutable) and ``schema:CreativeWork``, with
``rdfs:label``/``schema:name`` (the titles) and ``rdfs:comment``/``schema:description`` in German
and English, the query text in ``sh:select`` (``sh:ask``, ``sh:construct``), and
``sh:prefixes`` pointing at the project's prefix declarations (``sh:declare``). This is the
layout of https://github.com/sib-swiss/sparql-examples, so tools that read examples from an
endpoint (e.g. SIB's sparql-editor) find them with a query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from graph.errors import InputError
from graph.namespaces import OWL, PREFIXES, RDF, RDFS, SCHEMA, XSD, Vocab
from graph.queries import LANGUAGES, ExampleQuery, with_base_iri

EXAMPLES_GRAPH = "graph/examples"
EXAMPLE_PATH = "id/example/"

SH = Vocab(PREFIXES["sh"], """
    SPARQLExecutable SPARQLSelectExecutable SPARQLAskExecutable SPARQLConstructExecutable
    select ask construct prefixes declare prefix namespace
""")
SDO = Vocab(SCHEMA.iri, "CreativeWork name description target")
# SIB's term for DESCRIBE examples, which SHACL does not cover
SPEX_DESCRIBE = NamedNode("https://purl.expasy.org/sparql-examples/ontology#describe")

_FORMS = {
    "SELECT": (SH.SPARQLSelectExecutable, SH.select),
    "ASK": (SH.SPARQLAskExecutable, SH.ask),
    "CONSTRUCT": (SH.SPARQLConstructExecutable, SH.construct),
    "DESCRIBE": (None, SPEX_DESCRIBE),
}
_HEADER_LINE = re.compile(r"^#\s*(title|description)@[A-Za-z-]+\s*:")
# IRIs, strings and comments, matched left to right so a '#' inside an IRI is no comment
_SKIP = re.compile(r"<[^>\s]*>|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|#[^\n]*")
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def example_text(query: ExampleQuery, base_iri: str) -> str:
    """The runnable query of an example: the file without its ``# title@..``/``# description@..``
    header lines (they are published as labels), with IRIs rewritten for ``base_iri``."""
    lines = query.text.splitlines()
    start = 0
    while start < len(lines):
        stripped = lines[start].strip()
        if stripped and not _HEADER_LINE.match(stripped):
            break
        start += 1
    return with_base_iri("\n".join(lines[start:]).strip() + "\n", base_iri)


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first query-form keyword outside comments,
    IRIs and strings (InputError when there is none, e.g. for an update)."""
    match = _FORM.search(_SKIP.sub(" ", text))
    if not match:
        raise InputError("not a SPARQL query (no SELECT, ASK, CONSTRUCT or DESCRIBE)",
                         source="query")
    return match[1].upper()


def example_iri(base_iri: str, slug: str) -> str:
    """The IRI of the published example ``slug``."""
    return f"{base_iri}{EXAMPLE_PATH}{slug}"


def examples_quads(queries: Iterable[ExampleQuery], base_iri: str, *,
                   endpoint: str | None = None) -> list[Quad]:
    """The example queries as quads in ``{base_iri}graph/examples``.

    ``endpoint`` (the public SPARQL endpoint) becomes ``schema:target`` when given.
    Raises InputError naming the file when a query has no query form.
    """
    graph = NamedNode(base_iri + EXAMPLES_GRAPH)
    prefixes = BlankNode()
    quads = [Quad(prefixes, RDF.type, OWL.Ontology, graph)]
    for prefix, namespace in PREFIXES.items():
        declaration = BlankNode()
        quads += [Quad(prefixes, SH.declare, declaration, graph),
                  Quad(declaration, SH.prefix, Literal(prefix), graph),
                  Quad(declaration, SH.namespace, Literal(namespace, datatype=XSD.anyURI), graph)]
    for query in queries:
        quads += _example(query, base_iri, graph, prefixes, endpoint)
    return quads


def _example(query: ExampleQuery, base_iri: str, graph: NamedNode, prefixes: BlankNode,
             endpoint: str | None) -> list[Quad]:
    node = NamedNode(example_iri(base_iri, query.slug))
    text = example_text(query, base_iri)
    try:
        form_class, text_property = _FORMS[query_form(text)]
    except InputError as exc:
        raise InputError(exc.message, source=str(query.path)) from None
    types = [SH.SPARQLExecutable, SDO.CreativeWork] + ([form_class] if form_class else [])
    quads = [Quad(node, RDF.type, t, graph) for t in types]
    for lang in LANGUAGES:
        title = Literal(query.title[lang], language=lang)
        description = Literal(query.description[lang], language=lang)
        quads += [Quad(node, RDFS.label, title, graph), Quad(node, SDO.name, title, graph),
                  Quad(node, RDFS.comment, description, graph),
                  Quad(node, SDO.description, description, graph)]
    quads += [Quad(node, text_property, Literal(text), graph),
              Quad(node, SH.prefixes, prefixes, graph)]
    if endpoint:
        quads.append(Quad(node, SDO.target, NamedNode(endpoint), graph))
    return quads
