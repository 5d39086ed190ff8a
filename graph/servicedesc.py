"""SPARQL 1.1 Service Description of the endpoint (https://www.w3.org/TR/sparql11-service-description/)."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                  "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML")


def service_description_triples(endpoint: str, limits: dict[str, Any], media_type: str) -> bytes:
    """The description of ``endpoint`` with its limits, serialised as ``media_type``."""
    svc = ox.NamedNode(endpoint)
    ds, dg = ox.BlankNode(), ox.BlankNode()
    t: list[ox.Triple] = [
        ox.Triple(svc, RDF_TYPE, ox.NamedNode(SD + "Service")),
        ox.Triple(svc, ox.NamedNode(SD + "endpoint"), svc),
        ox.Triple(svc, ox.NamedNode(SD + "supportedLanguage"), ox.NamedNode(SD + "SPARQL11Query")),
        ox.Triple(svc, ox.NamedNode(SD + "defaultDataset"), ds),
        ox.Triple(ds, RDF_TYPE, ox.NamedNode(SD + "Dataset")),
        ox.Triple(ds, ox.NamedNode(SD + "defaultGraph"), dg),
        ox.Triple(dg, RDF_TYPE, ox.NamedNode(SD + "Graph")),
        ox.Triple(dg, ox.NamedNode(RDFS + "comment"), ox.Literal(
            "The default graph is the union (RDF merge) of the public named graphs, "
            "materialised by the store; every named graph is also reachable with GRAPH.", language="en")),
    ]
    for name in RESULT_FORMATS:
        t.append(ox.Triple(svc, ox.NamedNode(SD + "resultFormat"), ox.NamedNode(FORMATS + name)))
    allow = limits.get("service_allowlist") or []
    if allow:
        t.append(ox.Triple(svc, ox.NamedNode(SD + "feature"), ox.NamedNode(SD + "BasicFederatedQuery")))
    text = (f"Limits: a query runs at most {limits['timeout_s']:g} s; results are cut at "
            f"{limits['max_rows']} rows (the response header Results-Truncated says so); queries "
            f"are at most {limits['max_query_length']} bytes and {limits['max_nesting']} levels "
            "deep; federated SERVICE calls are "
            + (f"limited to: {' '.join(allow)}." if allow else "refused."))
    t.append(ox.Triple(svc, ox.NamedNode(RDFS + "comment"), ox.Literal(text, language="en")))
    return ox.serialize(t, format=ox.RdfFormat.from_media_type(media_type))
