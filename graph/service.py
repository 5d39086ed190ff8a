"""The SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/) of
the endpoint, from the same :class:`graph.release.Release` as VoID and DCAT.

The endpoint's limits are stated as ``schema:PropertyValue`` nodes on the service
(``schema:propertyID`` = the key of the limits mapping, ``schema:value``, ``schema:unitCode`` in
UN/CEFACT codes: SEC second, AD byte, C62 one) and in words (``rdfs:comment``, de/en): SPARQL-SD
has no terms for them. ``sd:BasicFederatedQuery`` is claimed only when SERVICE may call
somewhere (a non-empty allow-list).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from graph.catalog import DCT, FORMATS, SCHEMA, SD, VOID, N, Triples, add_release_facts, add_texts, lit
from graph.namespaces import RDF, RDFS

if TYPE_CHECKING:
    from graph.release import Release, Urls

RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                  "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML")
#: limits key -> (German name, English name, UN/CEFACT unit code)
LIMITS = {"timeout_s": ("Höchstdauer einer Anfrage", "query timeout", "SEC"),
          "max_rows": ("Höchstzahl der Ergebniszeilen", "result row cap", "C62"),
          "max_query_length": ("Höchstlänge einer Anfrage", "maximum query length", "AD"),
          "max_nesting": ("Höchste Schachtelungstiefe", "maximum nesting depth", "C62")}


def _allowlist(limits: dict[str, Any]) -> list[str]:
    value = limits.get("service_allowlist") or []
    return value.split() if isinstance(value, str) else [str(v) for v in value]


def limits_text(limits: dict[str, Any]) -> dict[str, str]:
    """The endpoint's limits in words, German and English."""
    allow = _allowlist(limits)
    t, rows = float(limits["timeout_s"]), limits["max_rows"]
    size, depth = limits["max_query_length"], limits["max_nesting"]
    return {
        "de": f"Eine Anfrage läuft höchstens {t:g} s; Ergebnisse werden nach {rows} Zeilen "
              f"abgeschnitten (der Antwort-Header Results-Truncated sagt es); Anfragen sind "
              f"höchstens {size} Bytes lang und {depth} Ebenen tief geschachtelt; föderierte "
              "SERVICE-Aufrufe sind " + (f"nur erlaubt an: {' '.join(allow)}." if allow
                                         else "abgeschaltet."),
        "en": f"A query runs at most {t:g} s; results are cut after {rows} rows (the response "
              f"header Results-Truncated says so); queries are at most {size} bytes long and "
              f"{depth} levels deep; federated SERVICE calls are "
              + (f"allowed only to: {' '.join(allow)}." if allow else "refused."),
    }


def service_description(release: Release, urls: Urls, limits: dict[str, Any], *,
                        result_formats: tuple[str, ...] = RESULT_FORMATS) -> Triples:
    """The SPARQL 1.1 Service Description of ``urls.endpoint``: languages, result formats, the
    default dataset (the release's dataset, with its default graph and every named graph and
    their ``void:triples``) and the limits given as ``limits`` (keys ``timeout_s``,
    ``max_rows``, ``max_query_length``, ``max_nesting``, ``service_allowlist``)."""
    out: Triples = []
    svc, ds, endpoint = N(urls.endpoint + "#service"), N(release.dataset_iri), N(urls.endpoint)
    out += [ox.Triple(svc, RDF.type, SD.Service), ox.Triple(svc, SD.endpoint, endpoint),
            ox.Triple(svc, SD.supportedLanguage, SD.SPARQL11Query),
            ox.Triple(svc, SD.defaultDataset, ds), ox.Triple(svc, DCT.license, N(release.license)),
            ox.Triple(svc, RDFS.seeAlso, N(urls.void)), ox.Triple(svc, RDFS.seeAlso, N(urls.catalog))]
    # the vocabulary for people: the model's terms and rules, the ontology, the shapes
    out += [ox.Triple(svc, RDFS.seeAlso, N(urls.path(p))) for p in ("model", "ontology", "shapes")]
    out += [ox.Triple(svc, SD.resultFormat, N(FORMATS + f)) for f in result_formats]
    allow = _allowlist(limits)
    if allow:
        out.append(ox.Triple(svc, SD.feature, SD.BasicFederatedQuery))
    add_texts(out, svc, RDFS.comment, limits_text(limits))
    for key, (name_de, name_en, unit) in LIMITS.items():
        if limits.get(key) is not None:
            out += _property_value(svc, key, {"de": name_de, "en": name_en}, limits[key], unit)
    for prefix in allow:
        out += _property_value(svc, "service_allowlist", {"de": "erlaubter SERVICE-Endpunkt",
                                                          "en": "allowed SERVICE endpoint"},
                               prefix, None)
    default = ox.BlankNode()
    out += [ox.Triple(ds, RDF.type, SD.Dataset), ox.Triple(ds, RDF.type, VOID.Dataset),
            ox.Triple(ds, VOID.triples, lit(release.triples)),
            ox.Triple(ds, VOID.sparqlEndpoint, endpoint),
            ox.Triple(ds, SD.defaultGraph, default), ox.Triple(default, RDF.type, SD.Graph),
            ox.Triple(default, VOID.triples, lit(release.triples))]
    add_release_facts(out, release, ds)
    add_texts(out, default, RDFS.comment, {
        "de": "Der Standardgraph ist die Vereinigung (RDF-Merge) der öffentlichen benannten "
              "Graphen, vom Speicher vorberechnet (nicht der Shapes-Graph).",
        "en": "The default graph is the union (RDF merge) of the public named graphs, "
              "materialised by the store (not the shapes graph)."})
    for graph, n in release.graphs.items():
        named, g = ox.BlankNode(), ox.BlankNode()
        out += [ox.Triple(ds, SD.namedGraph, named), ox.Triple(named, RDF.type, SD.NamedGraph),
                ox.Triple(named, SD.name, N(graph)), ox.Triple(named, SD.graph, g),
                ox.Triple(g, RDF.type, SD.Graph), ox.Triple(g, VOID.triples, lit(n))]
    return out


def _property_value(svc: ox.NamedNode, key: str, names: dict[str, str], value: Any,
                    unit: str | None) -> Triples:
    node = ox.BlankNode()
    out = [ox.Triple(svc, SCHEMA.additionalProperty, node),
           ox.Triple(node, RDF.type, SCHEMA.PropertyValue),
           ox.Triple(node, SCHEMA.propertyID, lit(key)),
           ox.Triple(node, SCHEMA.value, lit(value))]
    if unit:
        out.append(ox.Triple(node, SCHEMA.unitCode, lit(unit)))
    add_texts(out, node, SCHEMA.name, names)
    return out
