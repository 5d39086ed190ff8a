"""The one release description: what the store holds, in which versions, as which files.

A :class:`Release` is built from a :class:`Snapshot` of the store (all named graphs and the
default graph, blank nodes canonicalised so that the same content always gives the same bytes)
and the publication settings. The VoID description, the DCAT-AP.de catalog and the SPARQL
Service Description are all generated from it (``void_graph``, ``dcat_graph``,
``service_description``, defined in :mod:`graph.catalog` and :mod:`graph.service` and
re-exported here), so the three
can never disagree about counts, licence, version or endpoint.

Versions: ``data_version`` is the first 12 hex digits of the SHA-256 of the canonical N-Quads of
every named graph (so it also changes when the ontology or the shapes change);
``ontology_version`` is the ontology's ``owl:versionInfo``; ``shapes_version`` the shapes
graph's ``owl:versionInfo`` or, when it has none, a hash of the canonical shapes graph.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import pyoxigraph as ox

from graph.namespaces import DCT, ONTOLOGY_IRI, OWL, RDF, REGIO, SHAPES_IRI, Vocab
from graph.store import PRIVATE_GRAPHS, Store

#: The licence of data, ontology and shapes: CC BY 4.0 from the DCAT-AP.de licence list.
LICENSE = "http://dcat-ap.de/def/licenses/cc-by/4.0"
LICENSE_DEED = "https://creativecommons.org/licenses/by/4.0/"
DEFAULT_PUBLISHER = "Regional knowledge graph"
_CANON = ox.CanonicalizationAlgorithm.UNSTABLE
_OWL = Vocab(OWL.iri, "versionInfo versionIRI")


@dataclass(frozen=True)
class Urls:
    """Where the web app answers (``PUBLIC_URL``, else ``BASE_IRI``: w3id redirects there)."""

    base: str

    def __post_init__(self) -> None:
        if not self.base.endswith("/"):
            object.__setattr__(self, "base", self.base + "/")

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Urls:
        return cls(settings.get("PUBLIC_URL") or settings["BASE_IRI"])

    def path(self, rel: str) -> str:
        return self.base + rel.lstrip("/")

    @property
    def endpoint(self) -> str:
        return self.path("sparql")

    @property
    def void(self) -> str:
        return self.path(".well-known/void")

    @property
    def catalog(self) -> str:
        return self.path("catalog")

    @property
    def dumps(self) -> str:
        return self.path("dumps/")

    def dump(self, name: str) -> str:
        return self.path("dumps/" + name)


@dataclass(frozen=True)
class DumpFile:
    """One downloadable file of a release (gzip-compressed)."""

    name: str
    format: str
    media_type: str
    size: int
    sha256: str
    content_size: int
    statements: int


@dataclass(frozen=True)
class Release:
    """Everything the metadata documents say about one state of the dataset."""

    data_version: str
    ontology_version: str
    ontology_version_iri: str
    shapes_version: str
    triples: int
    quads: int
    graphs: dict[str, int]
    classes: dict[str, int]
    properties: dict[str, int]
    distinct_subjects: int
    distinct_objects: int
    entities: int
    examples: tuple[str, ...] = ()
    titles: dict[str, str] = field(default_factory=dict)
    district_codes: tuple[str, ...] = ()
    project_links: dict[str, int] = field(default_factory=dict)  # link-status code -> projects
    files: tuple[DumpFile, ...] = ()
    number: int = 0
    issued: str = ""
    modified: str = ""
    notes: str = ""
    base_iri: str = "http://127.0.0.1:8040/"
    publisher_name: str = DEFAULT_PUBLISHER
    publisher_uri: str = ""
    contributor_id: str = ""
    license: str = LICENSE

    @property
    def version(self) -> str:
        """The release's version: the data version (it covers ontology and shapes too)."""
        return self.data_version

    @property
    def dataset_iri(self) -> str:
        return self.base_iri + "dataset"

    @property
    def catalog_iri(self) -> str:
        return self.base_iri + "catalog"

    @property
    def uri_space(self) -> str:
        return self.base_iri + "id/"

    def facts(self) -> dict[str, Any]:
        """The data facts as JSON (no publication settings): what a manifest stores."""
        skip = {"base_iri", "publisher_name", "publisher_uri", "contributor_id", "license"}
        return {k: v for k, v in asdict(self).items() if k not in skip}

    @classmethod
    def from_facts(cls, facts: Mapping[str, Any], settings: Mapping[str, Any]) -> Release:
        """A release from stored facts plus the publication settings."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in facts.items() if k in known}
        values["files"] = tuple(DumpFile(**f) for f in facts.get("files", ()))
        for key in ("examples", "district_codes"):
            values[key] = tuple(values.get(key, ()))
        return cls(**values, **publication(settings))


def publication(settings: Mapping[str, Any]) -> dict[str, str]:
    """The publication settings a release carries (publisher, contributor id, base IRI)."""
    return {"base_iri": settings["BASE_IRI"],
            "publisher_name": settings.get("PUBLISHER_NAME") or DEFAULT_PUBLISHER,
            "publisher_uri": settings.get("PUBLISHER_URI") or "",
            "contributor_id": settings.get("DCATDE_CONTRIBUTOR_ID") or ""}


@dataclass
class Snapshot:
    """The store's content, canonical and sorted: named-graph quads and default-graph triples."""

    quads: list[ox.Quad]
    triples: list[ox.Triple]

    def nquads(self) -> bytes:
        return ox.serialize(self.quads, format=ox.RdfFormat.N_QUADS)

    def graph(self, name: str) -> list[ox.Quad]:
        return [q for q in self.quads if q.graph_name == ox.NamedNode(name)]


def canonical(quads: list[ox.Quad]) -> list[ox.Quad]:
    """The quads with canonical blank-node labels (RDFC), sorted: same content, same list."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(_CANON)
    return sorted(dataset, key=str)


def take_snapshot(store: Store) -> Snapshot:
    """Read every named graph and the default graph (the public union) of ``store``."""
    quads = canonical(store.quads())
    default = canonical([ox.Quad(*t) for t in store.query("CONSTRUCT WHERE { ?s ?p ?o }").triples])
    return Snapshot(quads, [q.triple for q in default])


def graph_hash(quads: list[ox.Quad]) -> str:
    """12 hex digits of the SHA-256 of one graph's canonical N-Triples."""
    triples = [q.triple for q in canonical([ox.Quad(*q.triple) for q in quads])]
    return hashlib.sha256(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)).hexdigest()[:12]


def _literal(quads: list[ox.Quad], subject: str, predicate: ox.NamedNode) -> str:
    for q in quads:
        if q.subject == ox.NamedNode(subject) and q.predicate == predicate:
            return q.object.value
    return ""


def describe_snapshot(snapshot: Snapshot, base_iri: str) -> dict[str, Any]:
    """The data facts of a snapshot: versions, counts per graph, class and property partitions."""
    ontology, shapes = snapshot.graph(ONTOLOGY_IRI), snapshot.graph(SHAPES_IRI)
    triples = snapshot.triples
    classes: dict[str, set[str]] = {}
    for t in triples:
        if t.predicate == RDF.type and isinstance(t.object, ox.NamedNode):
            classes.setdefault(t.object.value, set()).add(str(t.subject))
    subjects = {str(t.subject) for t in triples}
    uri_space = base_iri + "id/"
    return {
        "data_version": hashlib.sha256(snapshot.nquads()).hexdigest()[:12],
        "ontology_version": _literal(ontology, ONTOLOGY_IRI, _OWL.versionInfo) or "unversioned",
        "ontology_version_iri": _literal(ontology, ONTOLOGY_IRI, _OWL.versionIRI),
        "shapes_version": (_literal(shapes, SHAPES_IRI, _OWL.versionInfo)
                           or ("sha256-" + graph_hash(shapes) if shapes else "none")),
        "triples": len(triples),
        "quads": len(snapshot.quads),
        "graphs": dict(sorted(Counter(q.graph_name.value for q in snapshot.quads).items())),
        "classes": {c: len(s) for c, s in sorted(classes.items())},
        "properties": dict(sorted(Counter(t.predicate.value for t in triples).items())),
        "distinct_subjects": len(subjects),
        "distinct_objects": len({str(t.object) for t in triples}),
        "entities": sum(1 for s in subjects if s.startswith(f"<{uri_space}")),
        "examples": tuple(sorted(s[1:-1] for s in classes.get(REGIO.ActionPlan.value, ())
                                 if s.startswith("<"))[:3]),
        "titles": _plan_titles(triples),
        "district_codes": _district_codes(triples),
        "project_links": _project_links(triples),
    }


def _project_links(triples: list[ox.Triple]) -> dict[str, int]:
    """How many projects have a plan link of each status (confirmed, probable, candidate)."""
    links = {t.object: t.subject for t in triples if t.predicate == REGIO.hasPlanLink}
    status: dict[str, set[str]] = {}
    for t in triples:
        if t.predicate == REGIO.linkStatus and t.subject in links:
            status.setdefault(t.object.value.rsplit("/", 1)[-1], set()).add(str(links[t.subject]))
    return {code: len(projects) for code, projects in sorted(status.items())}


def _plan_titles(triples: list[ox.Triple]) -> dict[str, str]:
    plans = {t.subject for t in triples if t.predicate == RDF.type and t.object == REGIO.ActionPlan}
    titles = {}
    for t in sorted(triples, key=str):
        if t.subject in plans and t.predicate == DCT.title and isinstance(t.object, ox.Literal):
            titles.setdefault(t.object.language or "", t.object.value)
    return titles


def _district_codes(triples: list[ox.Triple]) -> tuple[str, ...]:
    """Kreisschlüssel (5 digits) of the regio:District resources, from their official codes
    (a Kreisschlüssel, or the 8-digit Gemeindeschlüssel of a kreisfreie Stadt)."""
    districts = {t.subject for t in triples
                 if t.predicate == RDF.type and t.object == REGIO.District}
    codes = {t.object.value[:5] for t in triples
             if t.subject in districts and t.predicate == REGIO.officialCode
             and t.object.value.isdigit() and len(t.object.value) in (5, 8)}
    return tuple(sorted(codes))


def public_graphs(release: Release) -> dict[str, int]:
    """The named graphs whose union is the default graph, with their sizes."""
    return {g: n for g, n in release.graphs.items() if g not in PRIVATE_GRAPHS}


from graph.catalog import dcat_graph, void_graph  # noqa: E402
from graph.service import service_description  # noqa: E402

__all__ = ["DumpFile", "Release", "Snapshot", "Urls", "dcat_graph", "describe_snapshot",
           "publication", "service_description", "take_snapshot", "void_graph"]
