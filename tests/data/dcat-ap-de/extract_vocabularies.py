"""Write vocabularies.nt: the scheme membership (``skos:inScheme``) of the controlled
vocabularies that GovData's DCAT-AP.de 2.0 profile imports (dcat-ap-de-imports.ttl), taken
from published copies of those vocabularies (README.md names each source and commit).

The validator of GovData (ITB) loads the imported vocabularies into the data before it
validates; these shapes check ``value skos:inScheme <scheme>``. The test machine cannot fetch
the vocabularies from their home (publications.europa.eu, dcat-ap.de), so this script keeps
only the ``skos:inScheme`` statements of each, one N-Triples file, small enough to vendor.

    python tests/data/dcat-ap-de/extract_vocabularies.py SOURCE_DIR > tests/data/dcat-ap-de/vocabularies.nt
"""

from __future__ import annotations

import sys
from pathlib import Path

import rdflib
from rdflib.namespace import RDF, SKOS

DE = "http://dcat-ap.de/def/"
EU = "http://publications.europa.eu/resource/authority/"
#: dcat-ap-de-lists.ttl (GovData, DCAT-AP.de 1.0.2 lists): list name -> scheme
GOVDATA_LISTS = {
    "hashAlgorithms/1_0/": DE + "hashAlgorithms",
    "politicalGeocoding/Level/1_0/": DE + "politicalGeocoding/Level",
    "politicalGeocoding/districtKey/20190731/": DE + "politicalGeocoding/districtKey",
    "politicalGeocoding/stateKey/20100401/": DE + "politicalGeocoding/stateKey",
}
#: Codes of the EU language table (http://publications.europa.eu/resource/authority/language),
#: of which no published copy could be fetched: only the two this project states.
LANGUAGES = ("DEU", "ENG")


def _members(graph: rdflib.Graph, list_node: rdflib.term.Node) -> list[rdflib.term.Node]:
    """Items of an rdf:List whose first item is rdf:nil (the layout of GovData's lists)."""
    rest = graph.value(list_node, RDF.rest)
    return [m for m in rdflib.collection.Collection(graph, rest)] if rest else []


def extract(source: Path) -> rdflib.Graph:
    out = rdflib.Graph()
    lists = rdflib.Graph().parse(source / "dcat-ap-de-lists.ttl")
    for node, version in lists.subject_objects(rdflib.DCTERMS.isVersionOf):
        for suffix, scheme in GOVDATA_LISTS.items():
            if str(version).endswith(suffix):
                out += [(m, SKOS.inScheme, rdflib.URIRef(scheme)) for m in _members(lists, node)]
    nal = rdflib.Graph().parse(source / "nal-lists.ttl")
    for node in nal.subjects(rdflib.DCTERMS.isVersionOf, rdflib.URIRef(EU + "frequency/")):
        out += [(m, SKOS.inScheme, rdflib.URIRef(EU + "frequency")) for m in _members(nal, node)]
    for name, fmt in (("filetypes-skos.rdf", "xml"), ("data-theme-skos-ap-act.ttl", "turtle"),
                      ("ADMS_SKOS_v1.00.rdf", "xml")):
        graph = rdflib.Graph().parse(source / name, format=fmt)
        out += graph.triples((None, SKOS.inScheme, None))
    out += [(rdflib.URIRef(EU + "language/" + c), SKOS.inScheme, rdflib.URIRef(EU + "language"))
            for c in LANGUAGES]
    return out


if __name__ == "__main__":
    lines = sorted(extract(Path(sys.argv[1])).serialize(format="nt").splitlines())
    sys.stdout.write("".join(line + "\n" for line in lines if line.strip()))
