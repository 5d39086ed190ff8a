"""Vocabulary constants. Closed namespaces: a typo in a term name raises AttributeError."""

from __future__ import annotations

from pyoxigraph import NamedNode


class Vocab:
    """A closed namespace whose attributes are pyoxigraph ``NamedNode`` terms."""

    def __init__(self, iri: str, terms: str) -> None:
        self.iri = iri
        self._terms = frozenset(terms.split())

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("_") or name not in self._terms:
            raise AttributeError(f"{name!r} is not a term of <{self.iri}>")
        return NamedNode(self.iri + name)

    def __getitem__(self, name: str) -> NamedNode:
        return self.__getattr__(name)

    def __contains__(self, name: str) -> bool:
        return name in self._terms


REGIO_IRI = "https://w3id.org/regio-kg/ontology#"
REGIOCODE_IRI = "https://w3id.org/regio-kg/code/"
REGIOSH_IRI = "https://w3id.org/regio-kg/shapes#"
ONTOLOGY_IRI = "https://w3id.org/regio-kg/ontology"
SHAPES_IRI = "https://w3id.org/regio-kg/shapes"

REGIO = Vocab(REGIO_IRI, """
    ActionPlan PlanPeriod Phase StrategyPeriod Goal Theme ThemeScheme Project Organisation
    Participation Funding MonetaryAmount FundingProgramme Region District StatedCount Event
    Person Source AssertionGraph
    motto planType startYear hasPhase hasGoal coordinatedBy region basis fundingCall
    hasThemeScheme periodOf startDate endDate periodText phaseNumber hubProject hasTheme
    lessonsLearned goalOf themeKind fullTitle titleVariant acronym inPhase partOfPlan linkStatus
    linkNote projectStatus result hasParticipation hasFunding roleInPlan successor shortName
    organisationType typeText isSME seat district note participant participationIn roleText
    fundedProject fundedPhase fundingProgramme funder amount decisionDate programmeText handedOverBy value
    currency amountQualifier statedValue programmePeriod partOfProgramme regionType
    officialCode codeType partOfRegion countOf countedThing numericValue date eventType
    concerns involvedPerson location publicRole sourceKey modelCharacter developedWith
    successClaim communicationPlatform PlanLink hasPlanLink linkedPlan suggestedPhase keyword
    hasKeyword competenceField
""")

RDF = Vocab("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "type first rest nil langString")
RDFS = Vocab("http://www.w3.org/2000/01/rdf-schema#", "label comment subClassOf seeAlso")
OWL = Vocab("http://www.w3.org/2002/07/owl#", "Ontology Class sameAs versionIRI versionInfo imports")
XSD = Vocab("http://www.w3.org/2001/XMLSchema#", """
    string boolean decimal integer date gYear gYearMonth anyURI dateTime
""")
SKOS = Vocab("http://www.w3.org/2004/02/skos/core#", """
    Concept ConceptScheme Collection prefLabel altLabel definition notation broader narrower
    inScheme hasTopConcept topConceptOf member closeMatch exactMatch
""")
DCT = Vocab("http://purl.org/dc/terms/", """
    title description source publisher issued modified created license creator date
    identifier isPartOf hasPart conformsTo
""")
FOAF = Vocab("http://xmlns.com/foaf/0.1/", "name homepage page Person Document Agent")
ORG = Vocab("http://www.w3.org/ns/org#", "Membership Role Organization role member memberDuring")
SCHEMA = Vocab("https://schema.org/", "url name startDate endDate")
PROV = Vocab("http://www.w3.org/ns/prov#", """
    wasDerivedFrom Entity Activity Plan generatedAtTime wasAttributedTo wasGeneratedBy
    wasAssociatedWith used startedAtTime invalidatedAtTime wasInvalidatedBy Agent
""")

#: One prefix per code list (issue 14): a code IRI holds a "/" after ``regiocode:``
#: (``regiocode:link-status/confirmed`` is no prefixed name), ``linkstatus:confirmed`` is.
CODE_PREFIXES: dict[str, str] = {
    name.replace("-", ""): f"{REGIOCODE_IRI}{name}/"
    for name in ("org-type", "role", "link-status", "event-type", "qualifier", "theme-kind")}

PREFIXES: dict[str, str] = {
    "regio": REGIO_IRI,
    "regiocode": REGIOCODE_IRI,
    **CODE_PREFIXES,
    "regiosh": REGIOSH_IRI,
    "rdf": RDF.iri,
    "rdfs": RDFS.iri,
    "owl": OWL.iri,
    "xsd": XSD.iri,
    "skos": SKOS.iri,
    "dct": DCT.iri,
    "foaf": FOAF.iri,
    "org": ORG.iri,
    "schema": SCHEMA.iri,
    "prov": PROV.iri,
    "sh": "http://www.w3.org/ns/shacl#",
    "eurio": "http://data.europa.eu/s66#",
}


def sparql_prefixes(extra: dict[str, str] | None = None) -> str:
    """The PREFIX header for the project's queries (plus ``extra`` prefixes)."""
    items = {**PREFIXES, **(extra or {})}
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in items.items())
