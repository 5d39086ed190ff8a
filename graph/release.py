"""The one release description: what the store holds, in which versions, as which files.

A :class:`Release` is built from the statistics of one store version (graph.stats: kept up
to date by every write, no pass over the store), a few look-ups, and the publication
settings. The VoID description, the DCAT-AP.de catalog and the SPARQL
Service Description are all generated from it (``void_graph``, ``dcat_graph``,
``service_description``, defined in :mod:`graph.catalog` and :mod:`graph.service` and
re-exported here), so the three
can never disagree about counts, licence, version or endpoint.

Versions: ``data_version`` is 12 hex digits naming the content of every named graph
(graph.stats.Stats.data_version: sizes and multiset hashes of the graphs, blank nodes
unlabelled; so it also changes when the ontology or the shapes change);
``ontology_version`` is the ontology's ``owl:versionInfo``; ``shapes_version`` the shapes
graph's ``owl:versionInfo`` or, when it has none, a hash of the shapes graph's digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import pyoxigraph as ox

from graph.namespaces import DCT, ONTOLOGY_IRI, OWL, REGIO, SHAPES_IRI, Vocab
from graph.patterns import matching
from graph.stats import Stats
from graph.writer import PRIVATE_GRAPHS

#: The licence of data, ontology and shapes: CC BY 4.0 from the DCAT-AP.de licence list.
LICENSE = "http://dcat-ap.de/def/licenses/cc-by/4.0"
LICENSE_DEED = "https://creativecommons.org/licenses/by/4.0/"
DEFAULT_PUBLISHER = "Regional knowledge graph"
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


def _literal(store: ox.Store, graph: str, subject: str, predicate: ox.NamedNode) -> str:
    for q in matching(store, ox.NamedNode(subject), predicate, None, ox.NamedNode(graph)):
        return q.object.value
    return ""


def _rows(store: ox.Store, query: str) -> list[Any]:
    return list(store.query(query))


def describe(store: ox.Store, stats: Stats, base_iri: str) -> dict[str, Any]:
    """The data facts of one store version: versions, counts per graph, class and property
    partitions, from the version's statistics (graph.stats, which must be complete) and a
    few look-ups (ontology and shapes versions, the plans, districts and plan links)."""
    fig = stats.default or {}
    shapes_version = _literal(store, SHAPES_IRI, SHAPES_IRI, _OWL.versionInfo)
    if not shapes_version and stats.graphs.get(SHAPES_IRI):
        digest = hashlib.sha256(stats.graph_digest(SHAPES_IRI).encode()).hexdigest()
        shapes_version = "sha256-" + digest[:12]
    plan = f"<{REGIO.ActionPlan.value}>"
    examples = _rows(store, f"SELECT ?s WHERE {{ ?s a {plan} FILTER(isIRI(?s)) }} "
                            "ORDER BY STR(?s) LIMIT 3")
    return {
        "data_version": stats.data_version(),
        "ontology_version": _literal(store, ONTOLOGY_IRI, ONTOLOGY_IRI, _OWL.versionInfo)
        or "unversioned",
        "ontology_version_iri": _literal(store, ONTOLOGY_IRI, ONTOLOGY_IRI, _OWL.versionIRI),
        "shapes_version": shapes_version or "none",
        "triples": fig.get("triples", 0),
        "quads": stats.quads,
        "graphs": stats.counts(),
        "classes": dict(sorted(fig.get("classes", {}).items())),
        "properties": dict(sorted(fig.get("predicates", {}).items())),
        "distinct_subjects": fig.get("subjects", 0),
        "distinct_objects": fig.get("objects", 0),
        "entities": fig.get("entities", 0),
        "examples": tuple(row["s"].value for row in examples),
        "titles": _plan_titles(store),
        "district_codes": _district_codes(store),
        "project_links": _project_links(store),
    }


def _project_links(store: ox.Store) -> dict[str, int]:
    """How many projects have a plan link of each status (confirmed, probable, candidate)."""
    rows = _rows(store, f"SELECT ?status (COUNT(DISTINCT ?p) AS ?n) WHERE {{ "
                        f"?p <{REGIO.hasPlanLink.value}> ?l . ?l <{REGIO.linkStatus.value}> "
                        "?status } GROUP BY ?status")
    counts: dict[str, int] = {}
    for row in rows:
        code = row["status"].value.rsplit("/", 1)[-1]
        counts[code] = counts.get(code, 0) + int(row["n"].value)
    return dict(sorted(counts.items()))


def _plan_titles(store: ox.Store) -> dict[str, str]:
    rows = _rows(store, f"SELECT ?s ?t WHERE {{ ?s a <{REGIO.ActionPlan.value}> ; "
                        f"<{DCT.title.value}> ?t FILTER(isLiteral(?t)) }}")
    titles: dict[str, str] = {}
    for triple in sorted((ox.Triple(r["s"], DCT.title, r["t"]) for r in rows), key=str):
        titles.setdefault(triple.object.language or "", triple.object.value)
    return titles


def _district_codes(store: ox.Store) -> tuple[str, ...]:
    """Kreisschlüssel (5 digits) of the regio:District resources, from their official codes
    (a Kreisschlüssel, or the 8-digit Gemeindeschlüssel of a kreisfreie Stadt)."""
    rows = _rows(store, f"SELECT ?code WHERE {{ ?d a <{REGIO.District.value}> ; "
                        f"<{REGIO.officialCode.value}> ?code }}")
    codes = {r["code"].value[:5] for r in rows
             if r["code"].value.isdigit() and len(r["code"].value) in (5, 8)}
    return tuple(sorted(codes))


def public_graphs(release: Release) -> dict[str, int]:
    """The named graphs whose union is the default graph, with their sizes."""
    return {g: n for g, n in release.graphs.items() if g not in PRIVATE_GRAPHS}


from graph.catalog import dcat_graph, void_graph  # noqa: E402
from graph.service import service_description  # noqa: E402

__all__ = ["DumpFile", "Release", "Urls", "dcat_graph", "describe", "publication",
           "service_description", "void_graph"]
