"""VoID and DCAT-AP.de (and, in graph.service, the Service Description) from one :class:`Release`.

The three documents share the dataset IRI (``{BASE_IRI}dataset``), its triple count, licence,
version and the SPARQL endpoint, because each is computed from the same release object.

- VoID: https://www.w3.org/TR/void/ (dataset, partitions, one subset per named graph).
- DCAT-AP.de 2.0: https://www.dcat-ap.de/def/dcatde/2.0/spec/ and its conventions handbook
  (https://www.dcat-ap.de/def/dcatde/2.0/implRules/): licence from the DCAT-AP.de licence list
  on dataset, distributions and data service (convention 32) with the attribution text
  (convention 35); EU authority tables for theme, file type and language (30, 31);
  ``dcatde:politicalGeocodingURI`` mirrored in ``dct:spatial`` (8, 11); ``dcatde:contributorID``
  when configured (12); compression via ``dcat:compressFormat``; SPDX checksums with the
  algorithm from DCAT-AP.de's hash algorithm list; ``dcat:byteSize`` as ``xsd:decimal``
  (DCAT-AP 2.1). GovData's own SHACL profile (tests/data/dcat-ap-de/) checks all of it.
- The SPARQL 1.1 Service Description is built in :mod:`graph.service` from the same release.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from graph import namespaces as ns
from graph.namespaces import PREFIXES, RDF, RDFS, SKOS, Vocab

if TYPE_CHECKING:
    from graph.release import Release, Urls

# Closed vocabularies of the terms used here (graph/namespaces.py holds the data model's).
DCT = Vocab(ns.DCT.iri, """
    title description publisher issued modified license identifier conformsTo spatial language
    accessRights accrualPeriodicity format
""")
FOAF = Vocab(ns.FOAF.iri, "Agent name homepage primaryTopic")
OWL = Vocab(ns.OWL.iri, "versionInfo versionIRI")
XSD = Vocab(ns.XSD.iri, "boolean integer decimal date nonNegativeInteger hexBinary")
SCHEMA = Vocab(ns.SCHEMA.iri, "PropertyValue additionalProperty propertyID value unitCode name")
VOID = Vocab("http://rdfs.org/ns/void#", """
    Dataset DatasetDescription sparqlEndpoint dataDump uriSpace exampleResource vocabulary
    feature triples entities distinctSubjects distinctObjects classes properties
    classPartition propertyPartition class property subset
""")
DCAT = Vocab("http://www.w3.org/ns/dcat#", """
    Catalog Dataset Distribution DataService dataset service distribution theme themeTaxonomy
    keyword contactPoint landingPage downloadURL accessURL accessService mediaType
    compressFormat byteSize endpointURL endpointDescription servesDataset
""")
DCATDE = Vocab("http://dcat-ap.de/def/dcatde/", """
    politicalGeocodingURI politicalGeocodingLevelURI contributorID licenseAttributionByText
""")
SD = Vocab("http://www.w3.org/ns/sparql-service-description#", """
    Service Dataset Graph NamedGraph endpoint supportedLanguage SPARQL11Query resultFormat
    feature BasicFederatedQuery defaultDataset defaultGraph namedGraph name graph
""")
SPDX = Vocab("http://spdx.org/rdf/terms#", "Checksum checksum algorithm checksumValue")
VCARD = Vocab("http://www.w3.org/2006/vcard/ns#", "Organization fn hasURL")
ADMS = Vocab("http://www.w3.org/ns/adms#", "status versionNotes")

EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
FORMATS = "http://www.w3.org/ns/formats/"
GEO = "http://dcat-ap.de/def/politicalGeocoding/"
#: DCAT-AP.de's hash algorithm list (spdx:algorithm, not SPDX's own algorithm IRIs).
SHA256 = "http://dcat-ap.de/def/hashAlgorithms/sha/256"
THEMES = ("ECON", "GOVE", "REGI", "TECH")
LANGUAGES = ("DEU", "ENG")
#: dump format -> (EU file type, W3C format IRI)
FILE_TYPES = {"nquads": ("RDF_N_QUADS", "N-Quads"), "turtle": ("RDF_TURTLE", "Turtle"),
              "jsonld": ("JSON_LD", "JSON-LD")}
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"

Triples = list[ox.Triple]
N = ox.NamedNode


def lit(value: Any, lang: str | None = None) -> ox.Literal:
    """A literal typed after the Python value (bool, int, float), else a (tagged) string."""
    if isinstance(value, bool):
        return ox.Literal(str(value).lower(), datatype=XSD.boolean)
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=XSD.integer)
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=XSD.decimal)
    return ox.Literal(str(value), language=lang) if lang else ox.Literal(str(value))


def _date(value: str) -> ox.Literal:
    return ox.Literal(value, datatype=XSD.date)


def add_texts(out: Triples, s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode,
              texts: dict[str, str]) -> None:
    """One language-tagged literal per entry of ``texts`` (language → text)."""
    out.extend(ox.Triple(s, p, lit(v, lang)) for lang, v in texts.items())


def dataset_titles(release: Release) -> dict[str, str]:
    plan_de = release.titles.get("de") or release.titles.get("") or "Handlungskonzept"
    plan_en = release.titles.get("en") or release.titles.get("") or "action plan"
    return {"de": f"Wissensgraph „{plan_de}“", "en": f"Knowledge graph “{plan_en}”"}


def project_counts(release: Release) -> dict[str, str]:
    """How many projects the release holds and how many of them are confirmed projects of
    the plan, probable or candidates (empty when the data has no plan links)."""
    n = release.project_links
    if not n:
        return {"de": "", "en": ""}
    total = sum(n.values())
    c, p, k = n.get("confirmed", 0), n.get("probable", 0), n.get("candidate", 0)
    return {"de": f" {total} Projekte: {c} bestätigt, {p} wahrscheinlich, {k} Kandidaten "
                  "(nur bestätigte sind als Projekte des Konzepts angegeben).",
            "en": f" {total} projects: {c} confirmed, {p} probable, {k} candidates "
                  "(only confirmed ones are stated as projects of the plan)."}


def dataset_descriptions(release: Release) -> dict[str, str]:
    versions = (f"ontology {release.ontology_version}, shapes {release.shapes_version}, "
                f"data {release.data_version}")
    counts = project_counts(release)
    return {
        "de": "Das regionale Handlungskonzept als Linked Open Data: Phasen, Ziele, Themen, "
              "Projekte, beteiligte Organisationen und ihre Rollen, Förderungen, Kreise und "
              "Quellen. Jede Aussage steht in einem benannten Graphen, der ihre Quelle nennt."
              f"{counts['de']} Stand: {versions}.",
        "en": "The regional action plan as linked open data: phases, goals, themes, projects, "
              "participating organisations and their roles, funding, districts and sources. "
              f"Every statement lives in a named graph that names its source.{counts['en']} "
              f"Release: {versions}.",
    }


def _publisher(out: Triples, release: Release) -> ox.NamedNode:
    agent = N(release.publisher_uri or release.catalog_iri + "#publisher")
    out += [ox.Triple(agent, RDF.type, FOAF.Agent),
            ox.Triple(agent, FOAF.name, lit(release.publisher_name))]
    return agent


def add_release_facts(out: Triples, release: Release, s: ox.NamedNode) -> None:
    """Version, licence and dates: stated identically in VoID, DCAT and the SD."""
    out += [ox.Triple(s, OWL.versionInfo, lit(release.version)),
            ox.Triple(s, DCT.license, N(release.license))]
    if release.issued:
        out.append(ox.Triple(s, DCT.issued, _date(release.issued)))
    if release.modified:
        out.append(ox.Triple(s, DCT.modified, _date(release.modified)))
    if release.ontology_version_iri:
        out.append(ox.Triple(s, DCT.conformsTo, N(release.ontology_version_iri)))


VANN = "http://purl.org/vocab/vann/"


def code_list_prefixes(ds: ox.NamedNode) -> Triples:
    """Each code list as a vocabulary of the dataset with its prefix (vann), the one the
    query UI, the examples and docs/model.md declare: ``linkstatus:confirmed``."""
    from graph.namespaces import CODE_PREFIXES

    out: Triples = []
    for prefix, namespace in CODE_PREFIXES.items():
        scheme = N(namespace.rstrip("/"))
        out += [ox.Triple(ds, VOID.vocabulary, scheme),
                ox.Triple(scheme, N(VANN + "preferredNamespacePrefix"), lit(prefix)),
                ox.Triple(scheme, N(VANN + "preferredNamespaceUri"), lit(namespace))]
    return out


def void_graph(release: Release, urls: Urls) -> Triples:
    """The VoID description of the dataset (served at ``/.well-known/void``)."""
    out: Triples = []
    ds, doc = N(release.dataset_iri), N(urls.void)
    out += [ox.Triple(doc, RDF.type, VOID.DatasetDescription),
            ox.Triple(doc, FOAF.primaryTopic, ds),
            ox.Triple(ds, RDF.type, VOID.Dataset),
            ox.Triple(ds, DCT.publisher, _publisher(out, release)),
            ox.Triple(ds, VOID.sparqlEndpoint, N(urls.endpoint)),
            ox.Triple(ds, VOID.uriSpace, lit(release.uri_space)),
            ox.Triple(ds, RDFS.seeAlso, N(urls.catalog)),
            ox.Triple(N(release.license), RDFS.seeAlso, N(_deed(release)))]
    add_texts(out, ds, DCT.title, dataset_titles(release))
    add_texts(out, ds, DCT.description, dataset_descriptions(release))
    add_release_facts(out, release, ds)
    for f in release.files:
        out.append(ox.Triple(ds, VOID.dataDump, N(urls.dump(f.name))))
        out.append(ox.Triple(ds, VOID.feature, N(FORMATS + FILE_TYPES[f.format][1])))
    out += [ox.Triple(ds, VOID.exampleResource, N(e)) for e in release.examples]
    out += [ox.Triple(ds, VOID.vocabulary, N(v)) for v in _vocabularies(release)]
    out += code_list_prefixes(ds)
    for p, value in (("triples", release.triples), ("entities", release.entities),
                     ("distinctSubjects", release.distinct_subjects),
                     ("distinctObjects", release.distinct_objects),
                     ("classes", len(release.classes)), ("properties", len(release.properties))):
        out.append(ox.Triple(ds, VOID[p], lit(value)))
    for cls, n in release.classes.items():
        part = ox.BlankNode()
        out += [ox.Triple(ds, VOID.classPartition, part), ox.Triple(part, VOID["class"], N(cls)),
                ox.Triple(part, VOID.entities, lit(n))]
    for prop, n in release.properties.items():
        part = ox.BlankNode()
        out += [ox.Triple(ds, VOID.propertyPartition, part),
                ox.Triple(part, VOID.property, N(prop)), ox.Triple(part, VOID.triples, lit(n))]
    for graph, n in release.graphs.items():
        sub = ox.BlankNode()
        out += [ox.Triple(ds, VOID.subset, sub), ox.Triple(sub, RDF.type, VOID.Dataset),
                ox.Triple(sub, SD.name, N(graph)), ox.Triple(sub, VOID.triples, lit(n))]
    return out


def _deed(release: Release) -> str:
    from graph.release import LICENSE, LICENSE_DEED

    return LICENSE_DEED if release.license == LICENSE else release.license


def _vocabularies(release: Release) -> list[str]:
    known = sorted(set(PREFIXES.values()), key=len, reverse=True)
    used = {next((ns for ns in known if p.startswith(ns)), None) for p in release.properties}
    return sorted(v for v in used if v)


def _spatial(out: Triples, release: Release, ds: ox.NamedNode) -> None:
    """DCAT-AP.de political geocoding of the districts in the data (Kreisschlüssel: Land 2
    digits, Regierungsbezirk 1, Kreis 2), mirrored in dct:spatial (conventions 8, 9, 11)."""
    codes = release.district_codes
    if not codes:
        return
    geocodes = [GEO + "districtKey/" + c for c in codes]
    bezirke = sorted({c[:3] for c in codes})
    if len(bezirke) == 1:
        geocodes.insert(0, GEO + "governmentDistrictKey/" + bezirke[0])
    for iri in geocodes:
        out += [ox.Triple(ds, DCATDE.politicalGeocodingURI, N(iri)),
                ox.Triple(ds, DCT.spatial, N(iri))]
    for state in sorted({c[:2] for c in codes}):
        out.append(ox.Triple(ds, DCT.spatial, N(GEO + "stateKey/" + state)))
    out.append(ox.Triple(ds, DCATDE.politicalGeocodingLevelURI,
                         N(GEO + "Level/administrativeDistrict")))


def _distribution(out: Triples, release: Release, urls: Urls, ds: ox.NamedNode,
                  f: Any, attribution: str) -> None:
    dist = N(f"{release.catalog_iri}#distribution-{f.format}")
    url = N(urls.dump(f.name))
    checksum = ox.BlankNode()
    out += [ox.Triple(ds, DCAT.distribution, dist), ox.Triple(dist, RDF.type, DCAT.Distribution),
            ox.Triple(dist, DCAT.downloadURL, url), ox.Triple(dist, DCAT.accessURL, url),
            ox.Triple(dist, DCT.format, N(EU + "file-type/" + FILE_TYPES[f.format][0])),
            ox.Triple(dist, DCAT.mediaType, N(IANA + f.media_type)),
            ox.Triple(dist, DCAT.compressFormat, N(IANA + "application/gzip")),
            ox.Triple(dist, DCAT.byteSize, ox.Literal(str(f.size), datatype=XSD.decimal)),
            ox.Triple(dist, SPDX.checksum, checksum), ox.Triple(checksum, RDF.type, SPDX.Checksum),
            ox.Triple(checksum, SPDX.algorithm, N(SHA256)),
            ox.Triple(checksum, SPDX.checksumValue, ox.Literal(f.sha256, datatype=XSD.hexBinary)),
            ox.Triple(dist, DCATDE.licenseAttributionByText, lit(attribution)),
            ox.Triple(dist, ADMS.status, N("http://purl.org/adms/status/Completed"))]
    what = "named graphs with provenance" if f.format == "nquads" else "merged default graph"
    add_texts(out, dist, DCT.title, {"en": f"{f.name} ({what}, gzip)"})
    add_release_facts(out, release, dist)


def dcat_graph(release: Release, urls: Urls) -> Triples:
    """The DCAT-AP.de catalog: catalog, dataset, dump distributions, the SPARQL data service."""
    out: Triples = []
    cat, ds, svc = N(release.catalog_iri), N(release.dataset_iri), N(urls.endpoint + "#service")
    agent = _publisher(out, release)
    home = N(urls.base)
    attribution = f"{release.publisher_name}: {dataset_titles(release)['en']}, {release.version}"
    out += [ox.Triple(cat, RDF.type, DCAT.Catalog), ox.Triple(cat, DCT.publisher, agent),
            ox.Triple(cat, DCAT.dataset, ds), ox.Triple(cat, DCAT.service, svc),
            ox.Triple(cat, FOAF.homepage, home), ox.Triple(cat, DCT.license, N(release.license)),
            ox.Triple(cat, DCAT.themeTaxonomy, N(EU + "data-theme"))]
    add_texts(out, cat, DCT.title, {"de": f"Katalog: {dataset_titles(release)['de']}",
                                 "en": f"Catalog: {dataset_titles(release)['en']}"})
    add_texts(out, cat, DCT.description, dataset_descriptions(release))
    for lang in LANGUAGES:
        out += [ox.Triple(cat, DCT.language, N(EU + "language/" + lang)),
                ox.Triple(ds, DCT.language, N(EU + "language/" + lang))]
    if release.modified:
        out.append(ox.Triple(cat, DCT.modified, _date(release.modified)))
    contact = N(release.catalog_iri + "#contact")
    out += [ox.Triple(ds, RDF.type, DCAT.Dataset), ox.Triple(ds, DCT.publisher, agent),
            ox.Triple(ds, DCT.identifier, lit(release.dataset_iri)),
            ox.Triple(ds, DCAT.landingPage, home), ox.Triple(ds, DCAT.contactPoint, contact),
            ox.Triple(contact, RDF.type, VCARD.Organization),
            ox.Triple(contact, VCARD.fn, lit(release.publisher_name)),
            ox.Triple(contact, VCARD.hasURL, N(release.publisher_uri or urls.base)),
            ox.Triple(ds, DCT.accessRights, N(EU + "access-right/PUBLIC")),
            ox.Triple(ds, DCT.accrualPeriodicity, N(EU + "frequency/IRREG")),
            ox.Triple(ds, ADMS.versionNotes, lit(release.notes or "first release", "en")),
            ox.Triple(ds, VOID.triples, lit(release.triples)),
            ox.Triple(N(release.license), RDFS.seeAlso, N(_deed(release)))]
    add_texts(out, ds, DCT.title, dataset_titles(release))
    add_texts(out, ds, DCT.description, dataset_descriptions(release))
    add_release_facts(out, release, ds)
    out += [ox.Triple(ds, DCAT.theme, N(EU + "data-theme/" + t)) for t in THEMES]
    for lang, words in (("de", ("Handlungskonzept", "Innovation", "Regionalentwicklung",
                                "Förderung", "Linked Open Data")),
                        ("en", ("action plan", "innovation", "regional development", "funding",
                                "linked open data"))):
        out += [ox.Triple(ds, DCAT.keyword, lit(w, lang)) for w in words]
    if release.contributor_id:
        cid = release.contributor_id
        cid = cid if "://" in cid else "http://dcat-ap.de/def/contributors/" + cid
        out.append(ox.Triple(ds, DCATDE.contributorID, N(cid)))
    _spatial(out, release, ds)
    for f in release.files:
        _distribution(out, release, urls, ds, f, attribution)
    out += _data_service(release, urls, ds, svc, agent, attribution)
    return out


def _data_service(release: Release, urls: Urls, ds: ox.NamedNode, svc: ox.NamedNode,
                  agent: ox.NamedNode, attribution: str) -> Triples:
    out: Triples = []
    dist = N(release.catalog_iri + "#distribution-sparql")
    endpoint = N(urls.endpoint)
    out += [ox.Triple(svc, RDF.type, DCAT.DataService), ox.Triple(svc, DCAT.endpointURL, endpoint),
            ox.Triple(svc, DCAT.endpointDescription, endpoint),
            ox.Triple(svc, DCAT.servesDataset, ds), ox.Triple(svc, DCT.publisher, agent),
            ox.Triple(svc, DCT.conformsTo, N(SPARQL_PROTOCOL)),
            ox.Triple(svc, DCT.license, N(release.license)),
            ox.Triple(svc, DCT.accessRights, N(EU + "access-right/PUBLIC")),
            ox.Triple(svc, DCATDE.licenseAttributionByText, lit(attribution)),
            ox.Triple(ds, DCAT.distribution, dist), ox.Triple(dist, RDF.type, DCAT.Distribution),
            ox.Triple(dist, DCAT.accessURL, endpoint), ox.Triple(dist, DCAT.accessService, svc),
            ox.Triple(dist, DCT.format, N(EU + "file-type/SPARQLQ")),
            ox.Triple(dist, DCATDE.licenseAttributionByText, lit(attribution))]
    add_texts(out, svc, DCT.title, {"de": "SPARQL-Endpunkt", "en": "SPARQL endpoint"})
    add_texts(out, dist, DCT.title, {"de": "SPARQL-Endpunkt", "en": "SPARQL endpoint"})
    add_release_facts(out, release, dist)
    return out


#: Prefixes for serialising the metadata documents.
METADATA_PREFIXES = {**PREFIXES, "void": VOID.iri, "dcat": DCAT.iri, "dcatde": DCATDE.iri,
                     "sd": SD.iri, "spdx": SPDX.iri, "vcard": VCARD.iri, "adms": ADMS.iri,
                     "skos": SKOS.iri}
