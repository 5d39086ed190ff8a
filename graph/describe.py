"""Concise bounded descriptions of resources and named graphs, with provenance.

What a resource's document holds (docs/model.md): its outgoing statements, each with the named
graphs that state it (so the sources behind it), the statements of its *parts* (the n-ary
nodes that only exist for it: participations, fundings, amounts, stated counts, the link to
the plan), the incoming
links, and the labels (de/en), types and link status of every resource mentioned, so that a
client can render it without further requests.

Queries are built here from IRIs only, and every IRI passes :func:`check_iri` (a strict
check plus pyoxigraph's own IRI parser) before it is written as ``<iri>``: text from a URL
never reaches SPARQL unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from graph.errors import InputError
from graph.namespaces import DCT, PROV, RDF, RDFS, REGIO, SCHEMA, SHAPES_IRI, SKOS, sparql_prefixes
from graph.sparql import Queryable

#: An absolute IRI without the characters that N-Triples/SPARQL IRIREF forbid.
_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>"{}|\\^`\x7f]*$')
#: Most incoming links a description lists (the count says when there are more).
INCOMING_CAP = 1000
#: Predicates that lead from a resource to its parts, and from a part to the resource.
PART_OUT = ("hasParticipation", "hasFunding", "amount", "hasPlanLink")
PART_IN = ("participant", "participationIn", "fundedProject", "fundedPhase", "funder", "countOf")
LABEL_PREDICATES = (RDFS.label.value, SKOS.prefLabel.value)

Node = ox.NamedNode | ox.BlankNode


def check_iri(iri: str) -> str:
    """``iri`` when it is an absolute IRI safe to write as ``<iri>`` in SPARQL, else InputError."""
    if not isinstance(iri, str) or not _IRI.match(iri):
        raise InputError(f"not an absolute IRI: {iri!r}", source="iri")
    try:
        ox.NamedNode(iri)
    except ValueError as exc:
        raise InputError(f"not a valid IRI <{iri}>: {exc}", source="iri") from None
    return iri


def ref(iri: str) -> str:
    """``<iri>`` for a SPARQL query, after :func:`check_iri`."""
    return f"<{check_iri(iri)}>"


def _values(iris: Iterable[str]) -> str:
    return " ".join(ref(i) for i in sorted(set(iris)))


@dataclass(frozen=True)
class Statement:
    """One triple and the named graphs that state it (sorted)."""

    subject: Node
    predicate: ox.NamedNode
    object: ox.NamedNode | ox.BlankNode | ox.Literal
    graphs: tuple[str, ...]

    @property
    def triple(self) -> ox.Triple:
        return ox.Triple(self.subject, self.predicate, self.object)


@dataclass
class SourceInfo:
    """A ``regio:Source``: title, page URL, publisher, date (each '' when unknown)."""

    iri: str
    title: str = ""
    url: str = ""
    publisher: str = ""
    issued: str = ""
    title_language: str = ""


@dataclass
class Linked:
    """What a description knows about a mentioned resource: labels, types, link status."""

    iri: str
    labels: list[tuple[str, ox.Literal]] = field(default_factory=list)  # (predicate, label)
    types: set[str] = field(default_factory=set)
    link_status: str | None = None

    def label(self, lang: str) -> str | None:
        """The label in ``lang``, else in another language (en, de, untagged, any)."""
        found = self.label_and_language(lang)
        return found[0] if found else None

    def label_and_language(self, lang: str) -> tuple[str, str] | None:
        """(label, its language tag or '') in ``lang``, else as :meth:`label` falls back."""
        by_lang: dict[str, str] = {}
        for predicate, lit in self.labels:  # skos:prefLabel wins over rdfs:label
            key = lit.language or ""
            if key not in by_lang or predicate == SKOS.prefLabel.value:
                by_lang[key] = lit.value
        for key in (lang, "en" if lang == "de" else "de", ""):
            if key in by_lang:
                return by_lang[key], key
        return next(iter((v, k) for k, v in by_lang.items()), None)


@dataclass
class Description:
    """The concise bounded description of ``iri`` (see the module docstring)."""

    iri: str
    statements: list[Statement] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    incoming: list[tuple[Node, ox.NamedNode]] = field(default_factory=list)
    incoming_total: int = 0
    incoming_graphs: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    linked: dict[str, Linked] = field(default_factory=dict)
    graph_sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sources: dict[str, SourceInfo] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        """True when the store says anything about or pointing to the resource."""
        return bool(self.statements or self.incoming)

    def about(self, subject: str) -> list[Statement]:
        """The statements whose subject is ``subject`` (the resource or one of its parts)."""
        return [s for s in self.statements if s.subject.value == subject]

    def objects(self, subject: str, predicate: ox.NamedNode) -> list[Statement]:
        """Statements ``subject predicate ?o``."""
        return [s for s in self.statements
                if s.subject.value == subject and s.predicate == predicate]

    def types(self, iri: str) -> set[str]:
        info = self.linked.get(iri)
        return info.types if info else set()

    def label(self, iri: str, lang: str) -> str | None:
        info = self.linked.get(iri)
        return info.label(lang) if info else None

    def label_and_language(self, iri: str, lang: str) -> tuple[str, str] | None:
        """(label, language tag) of ``iri`` for a page in ``lang`` (see Linked)."""
        info = self.linked.get(iri)
        return info.label_and_language(lang) if info else None

    def incoming_statement(self, subject: Node, predicate: ox.NamedNode) -> Statement:
        """The incoming link ``subject predicate <iri>`` with the graphs that state it."""
        graphs = self.incoming_graphs.get((subject.value, predicate.value), ())
        return Statement(subject, predicate, ox.NamedNode(self.iri), graphs)

    def sources_of(self, statement: Statement) -> list[str]:
        """Source IRIs behind a statement: the sources of every graph that states it."""
        out: list[str] = []
        for g in statement.graphs:
            for src in self.graph_sources.get(g, ()):
                if src not in out:
                    out.append(src)
        return out

    def triples(self) -> list[ox.Triple]:
        """The description as RDF: statements, incoming links, labels of everything linked."""
        me = ox.NamedNode(self.iri)
        out = {s.triple for s in self.statements}
        out.update(ox.Triple(s, p, me) for s, p in self.incoming)
        for info in self.linked.values():
            node = ox.NamedNode(info.iri)
            out.update(ox.Triple(node, ox.NamedNode(p), lit) for p, lit in info.labels)
        return sorted(out, key=str)


def _parts_query(iri: str) -> str:
    """The parts of ``iri``: one UNION branch per predicate (faster than property paths)."""
    me = ref(iri)
    branches = [f"{{ {me} regio:{p} ?x }}" for p in PART_OUT]
    branches += [f"{{ ?x regio:{p} {me} }}" for p in PART_IN]
    branches += [f"{{ ?f regio:{p} {me} . ?f regio:amount ?x }}" for p in PART_IN]
    branches.append(f"{{ {me} regio:hasFunding ?f . ?f regio:amount ?x }}")
    return (sparql_prefixes() + "SELECT DISTINCT ?x WHERE { " + " UNION ".join(branches)
            + " FILTER(isIRI(?x)) }")


def _statements(store: Queryable, subjects: list[str]) -> list[Statement]:
    query = (f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {_values(subjects)} }} "
             f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{SHAPES_IRI}>) }}")
    graphs: dict[tuple[Node, ox.NamedNode, object], set[str]] = {}
    for row in store.query(query).rows:
        graphs.setdefault((row["s"], row["p"], row["o"]), set()).add(row["g"].value)
    order = {s: i for i, s in enumerate(subjects)}
    items = [Statement(s, p, o, tuple(sorted(g))) for (s, p, o), g in graphs.items()]
    items.sort(key=lambda st: (order.get(st.subject.value, 0), st.predicate.value, str(st.object)))
    return items


def _incoming(store: Queryable, iri: str, cap: int
              ) -> tuple[list[tuple[Node, ox.NamedNode]], int, dict[tuple[str, str], tuple[str, ...]]]:
    """Up to ``cap`` incoming links (sorted), their total, and the graphs stating each."""
    me = ref(iri)
    rows = store.query(f"SELECT ?s ?p ?g WHERE {{ GRAPH ?g {{ ?s ?p {me} }} "
                       f"FILTER(?g != <{SHAPES_IRI}>) }} LIMIT {cap * 20}").rows
    graphs: dict[tuple[Node, ox.NamedNode], set[str]] = {}
    for r in rows:
        graphs.setdefault((r["s"], r["p"]), set()).add(r["g"].value)
    links = sorted(graphs, key=lambda sp: (sp[1].value, str(sp[0])))
    total = len(links)
    if total > cap or len(rows) == cap * 20:
        counted = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p {me} }}").rows
        total = int(counted[0]["n"].value)
        links = links[:cap]
    return links, total, {(s.value, p.value): tuple(sorted(graphs[(s, p)])) for s, p in links}


def linked_info(store: Queryable, iris: Iterable[str]) -> dict[str, Linked]:
    """Labels (rdfs:label, skos:prefLabel), types and link status (of a project: the status
    of its plan link) of ``iris``, plus the labels of those types and link-status codes."""
    wanted = {i for i in iris if _IRI.match(i)}
    info: dict[str, Linked] = {}
    for _ in range(2):
        todo = sorted(wanted - set(info))
        if not todo:
            break
        for iri in todo:
            info[iri] = Linked(iri)
        query = (sparql_prefixes() + "SELECT ?x ?k ?v WHERE { VALUES ?x { " + _values(todo)
                 + " } { ?x ?k ?v FILTER(?k IN (rdfs:label, skos:prefLabel, rdf:type, "
                 "regio:linkStatus)) } UNION { ?x regio:hasPlanLink/regio:linkStatus ?v "
                 "BIND(regio:linkStatus AS ?k) } }")
        for row in store.query(query).rows:
            item, key, value = info[row["x"].value], row["k"].value, row["v"]
            if key in LABEL_PREDICATES and isinstance(value, ox.Literal):
                item.labels.append((key, value))
            elif key == RDF.type.value and isinstance(value, ox.NamedNode):
                item.types.add(value.value)
            elif key == REGIO.linkStatus.value and isinstance(value, ox.NamedNode):
                item.link_status = value.value
        wanted = {t for i in info.values() for t in (*i.types, i.link_status or "") if t}
    for item in info.values():
        item.labels.sort(key=lambda pl: (pl[0], pl[1].language or "", pl[1].value))
    return info


def source_info(store: Queryable, graphs: Iterable[str], extra: Iterable[str] = ()
                ) -> tuple[dict[str, tuple[str, ...]], dict[str, SourceInfo]]:
    """The sources each graph is derived from, and title/url/publisher/date of every source
    (those of the graphs and ``extra`` ones)."""
    graphs, extra = sorted(set(graphs)), sorted(set(extra))
    by_graph: dict[str, list[str]] = {g: [] for g in graphs}
    if graphs:
        query = (f"SELECT ?g ?src WHERE {{ VALUES ?g {{ {_values(graphs)} }} "
                 f"?g <{PROV.wasDerivedFrom.value}> ?src }} ORDER BY ?g ?src")
        for row in store.query(query).rows:
            by_graph[row["g"].value].append(row["src"].value)
    wanted = sorted({s for srcs in by_graph.values() for s in srcs} | set(extra))
    sources = {s: SourceInfo(s) for s in wanted}
    if wanted:
        query = ("SELECT ?src ?k ?v WHERE { VALUES ?src { " + _values(wanted) + " } ?src ?k ?v "
                 f"VALUES ?k {{ <{DCT.title.value}> <{SCHEMA.url.value}> <{DCT.publisher.value}> "
                 f"<{DCT.issued.value}> }} }}")
        attr = {DCT.title.value: "title", SCHEMA.url.value: "url",
                DCT.publisher.value: "publisher", DCT.issued.value: "issued"}
        for row in store.query(query).rows:
            info, value = sources[row["src"].value], row["v"]
            setattr(info, attr[row["k"].value], value.value)
            if row["k"].value == DCT.title.value and isinstance(value, ox.Literal):
                info.title_language = value.language or ""
    return {g: tuple(s) for g, s in by_graph.items()}, sources


def resource_exists(store: Queryable, iri: str) -> bool:
    """True when some public statement has ``iri`` as subject or object."""
    me = ref(iri)
    return bool(store.query(f"ASK {{ {{ {me} ?p ?o }} UNION {{ ?s ?p {me} }} }}").boolean)


def graph_exists(store: Queryable, graph_iri: str) -> bool:
    """True when ``graph_iri`` is a non-empty public named graph or is described."""
    if graph_iri == SHAPES_IRI:
        return False
    me = ref(graph_iri)
    return bool(store.query(f"ASK {{ {{ GRAPH {me} {{ ?s ?p ?o }} }} UNION {{ {me} ?p ?o }} }}"
                            ).boolean)


def describe(store: Queryable, iri: str, *, incoming_cap: int = INCOMING_CAP) -> Description:
    """The concise bounded description of ``iri`` with provenance (see the module docstring).

    ``Description.exists`` is False when the store knows nothing about ``iri``.
    """
    check_iri(iri)
    parts = [r["x"].value for r in store.query(_parts_query(iri)).rows if r["x"].value != iri]
    desc = Description(iri, parts=sorted(set(parts)))
    desc.statements = _statements(store, [iri, *desc.parts])
    desc.incoming, desc.incoming_total, desc.incoming_graphs = _incoming(store, iri, incoming_cap)
    mentioned = {iri, *desc.parts}
    for st in desc.statements:
        mentioned.add(st.predicate.value)
        if isinstance(st.object, ox.NamedNode):
            mentioned.add(st.object.value)
    for s, p in desc.incoming:
        mentioned.add(p.value)
        if isinstance(s, ox.NamedNode):
            mentioned.add(s.value)
    desc.linked = linked_info(store, mentioned)
    cited = [st.object.value for st in desc.statements
             if st.predicate == DCT.source and isinstance(st.object, ox.NamedNode)]
    graphs = {g for st in desc.statements for g in st.graphs}
    graphs.update(g for gs in desc.incoming_graphs.values() for g in gs)
    desc.graph_sources, desc.sources = source_info(store, graphs, cited)
    return desc


@dataclass
class GraphDescription:
    """A named graph: its statements and what graph/meta says about it (provenance)."""

    iri: str
    triples: list[ox.Triple] = field(default_factory=list)
    about: list[ox.Triple] = field(default_factory=list)
    linked: dict[str, Linked] = field(default_factory=dict)
    sources: dict[str, SourceInfo] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return bool(self.triples or self.about)

    def all_triples(self) -> list[ox.Triple]:
        """The graph's statements and its provenance, for the RDF document."""
        return sorted(set(self.triples) | set(self.about), key=str)


def describe_graph(store: Queryable, graph_iri: str, *, with_labels: bool = True
                   ) -> GraphDescription:
    """The statements of the named graph ``graph_iri`` and its description in graph/meta
    (``prov:wasDerivedFrom`` sources, type, comments). The shapes graph is not public."""
    me = ref(graph_iri)
    out = GraphDescription(graph_iri)
    if graph_iri == SHAPES_IRI:
        return out
    rows = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {me} {{ ?s ?p ?o }} }}").rows
    out.triples = sorted((ox.Triple(r["s"], r["p"], r["o"]) for r in rows), key=str)
    rows = store.query(f"SELECT ?p ?o WHERE {{ {me} ?p ?o }}").rows
    node = ox.NamedNode(graph_iri)
    out.about = sorted((ox.Triple(node, r["p"], r["o"]) for r in rows), key=str)
    derived = [t.object.value for t in out.about if t.predicate == PROV.wasDerivedFrom]
    out.sources = source_info(store, (), derived)[1]
    if with_labels:
        mentioned = {t.value for tr in out.triples + out.about for t in tr
                     if isinstance(t, ox.NamedNode)}
        out.linked = linked_info(store, mentioned)
    return out
