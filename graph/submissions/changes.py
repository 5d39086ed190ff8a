"""A submission as a change set with provenance, and the published records before and after it.

Each record of a submission says what it does (``new``, ``change``, ``remove``), which record
(its IRI) and which source states it. Applying it to the published graph follows one rule: a
partner's new value for a field replaces the values *this partner* stated earlier for that field
(in the named graphs of its earlier published submissions); values other sources state stay,
and the new value is a further value with its own source. ``remove`` withdraws the partner's
own values (of the fields given, or all of them). Only the curators can set an older value of
another source aside (``graph.submissions.publish``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from graph.namespaces import PROV, REGIO, SHAPES_IRI

ACTIONS = ("new", "change", "remove")
#: Links from a record to nodes that belong to it (their statements travel with the record).
NESTED_LINKS = (REGIO.amount.value, REGIO.hasPlanLink.value)
SUBMISSION_GRAPH = "graph/submission/"


@dataclass(frozen=True)
class Cell:
    """Where a value was written in a sheet: row and column (1-based), header and text."""

    row: int
    column: int
    key: str
    header: str
    text: str

    @property
    def letter(self) -> str:
        n, out = self.column, ""
        while n:
            n, rem = divmod(n - 1, 26)
            out = chr(65 + rem) + out
        return out

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.letter, "column_number": self.column,
                "header": self.header, "text": self.text}


@dataclass
class Problem:
    """Something wrong found while reading the submission (before SHACL): an unknown code,
    an unknown column, a record the partner may not submit, a missing source…"""

    code: str
    severity: str = "Violation"
    record: str | None = None
    column_key: str | None = None  # column key or predicate IRI
    cell: Cell | None = None
    params: dict = field(default_factory=dict)


@dataclass
class RecordChange:
    """One record of a submission: what it does, which source states it, its new values."""

    iri: str
    kind: str
    action: str
    source: str
    values: dict[str, list[ox.Term]] = field(default_factory=dict)  # predicate -> values
    row: int | None = None
    cells: dict[str, Cell] = field(default_factory=dict)  # column key -> cell
    nested: dict[str, str] = field(default_factory=dict)  # link predicate -> nested node IRI
    nested_values: dict[str, dict[str, list[ox.Term]]] = field(default_factory=dict)
    removed_fields: set[str] = field(default_factory=set)  # for remove: predicates (empty = all)

    def triples(self) -> set[ox.Triple]:
        me = ox.NamedNode(self.iri)
        if self.action == "remove":
            return set()
        out = {ox.Triple(me, ox.NamedNode(p), v) for p, vs in self.values.items() for v in vs}
        for link, node in self.nested.items():
            out.add(ox.Triple(me, ox.NamedNode(link), ox.NamedNode(node)))
            for p, vs in self.nested_values.get(node, {}).items():
                out.update(ox.Triple(ox.NamedNode(node), ox.NamedNode(p), v) for v in vs)
        return out

    def touched(self) -> set[str]:
        """Predicates whose values this record sets or removes (nested links included)."""
        if self.action == "remove":
            return set(self.removed_fields)
        fields = set(self.values) | set(self.nested)
        return fields - {"http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
                         "http://purl.org/dc/terms/source"}


@dataclass
class ChangeSet:
    """A whole submission: its records, the sources it names, what went wrong reading it, and
    the map from statements back to the cells they were read from."""

    organisation: str
    submission: str  # the submission's IRI (…/id/submission/<n>)
    records: list[RecordChange] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    source_triples: set[ox.Triple] = field(default_factory=set)
    cells: dict[tuple[str, str, str], Cell] = field(default_factory=dict)  # (s, p, o) -> cell
    sheet: bool = False

    def triples(self) -> set[ox.Triple]:
        """Everything the submission states (records, nested nodes, the sources it names)."""
        out = set(self.source_triples)
        for record in self.records:
            out |= record.triples()
        return out

    def record(self, iri: str) -> RecordChange | None:
        return next((r for r in self.records if r.iri == iri), None)

    def nested_owner(self, iri: str) -> RecordChange | None:
        return next((r for r in self.records if iri in r.nested.values()), None)

    def cell_of(self, subject: str, predicate: str | None, value: ox.Term | None) -> Cell | None:
        """The cell a statement was read from; without a value, the first cell of the field."""
        if predicate and value is not None:
            found = self.cells.get((subject, predicate, str(value)))
            if found:
                return found
        if predicate:
            for (s, p, _), cell in self.cells.items():
                if s == subject and p == predicate:
                    return cell
        return None


@dataclass
class States:
    """The affected part of the published graph before the submission and after it."""

    before: set[ox.Triple]
    after: set[ox.Triple]
    graphs: dict[ox.Triple, set[str]]  # published statement -> the graphs that state it
    own_graphs: set[str]  # the partner's earlier submission graphs among them
    existing: set[str]  # record IRIs that exist in the published graph


def _values(iris: Iterable[str]) -> str:
    return " ".join(f"<{i}>" for i in sorted(set(iris)))


def published_statements(store, subjects: Iterable[str]) -> dict[ox.Triple, set[str]]:
    """The published statements about ``subjects`` and their nested nodes, with the graphs
    stating each (the shapes graph left out)."""
    subjects = sorted(set(subjects))
    found: dict[ox.Triple, set[str]] = {}
    if not subjects:
        return found
    nested = ", ".join(f"<{link}>" for link in NESTED_LINKS)
    # each branch starts from its VALUES and looks up by subject (a VALUES joined with a
    # second VALUES before the graph pattern made the engine scan: 1 s at 1M quads)
    query = (f"SELECT ?s ?p ?o ?g WHERE {{ {{ VALUES ?s {{ {_values(subjects)} }} "
             f"GRAPH ?g {{ ?s ?p ?o }} }} UNION {{ VALUES ?r {{ {_values(subjects)} }} "
             f"?r ?l ?s FILTER(?l IN ({nested})) GRAPH ?g {{ ?s ?p ?o }} }} "
             f"FILTER(?g != <{SHAPES_IRI}>) }}")
    for row in store.query(query).rows:
        found.setdefault(ox.Triple(row["s"], row["p"], row["o"]), set()).add(row["g"].value)
    return found


def own_graphs(store, graphs: Iterable[str], organisation: str, base_iri: str) -> set[str]:
    """Among ``graphs``, the submission graphs of ``organisation`` (PROV in the store)."""
    candidates = sorted(g for g in set(graphs) if g.startswith(base_iri + SUBMISSION_GRAPH))
    if not candidates:
        return set()
    query = (f"SELECT ?g WHERE {{ VALUES ?g {{ {_values(candidates)} }} "
             f"?g <{PROV.wasAttributedTo.value}> <{organisation}> }}")
    return {row["g"].value for row in store.query(query).rows}


def states(store, changes: ChangeSet, base_iri: str, *, exclude_graph: str | None = None
           ) -> States:
    """The records of ``changes`` as published now and as they will look after it.

    ``exclude_graph`` (the submission's own graph, once published) is treated as not there,
    so the result is the same before and after a publication (publishing is idempotent).
    """
    published = published_statements(store, [r.iri for r in changes.records])
    if exclude_graph:
        published = {t: gs - {exclude_graph} for t, gs in published.items()}
        published = {t: gs for t, gs in published.items() if gs}
    mine = own_graphs(store, {g for gs in published.values() for g in gs},
                      changes.organisation, base_iri)
    before = set(published)
    existing = {t.subject.value for t in before}
    after = set(before)
    for record in changes.records:
        if record.action == "new":
            continue
        nested_nodes = {t.object.value for t in before if t.subject.value == record.iri
                        and t.predicate.value in NESTED_LINKS
                        and isinstance(t.object, ox.NamedNode)}
        fields = record.touched() if record.action != "remove" or record.removed_fields else None
        for triple in before:
            subject = triple.subject.value
            if not published[triple] <= mine:
                continue  # another source states it too: it stays
            if subject == record.iri and (fields is None or triple.predicate.value in fields):
                after.discard(triple)
            elif subject in nested_nodes:
                link = next((t.predicate.value for t in before if t.subject.value == record.iri
                             and t.object == ox.NamedNode(subject)), None)
                if fields is None or link in fields:
                    after.discard(triple)
    after |= changes.triples()
    return States(before, after, published, mine, existing)


def organisation_scope(store, organisation: str) -> set[str]:
    """IRIs a partner may submit about: its organisation, the projects, phases and plans it
    takes part in, and their participations and fundings."""
    query = (f"SELECT DISTINCT ?x WHERE {{ {{ ?part <{REGIO.participant.value}> <{organisation}> ; "
             f"<{REGIO.participationIn.value}> ?x }} UNION {{ ?f <{REGIO.funder.value}> "
             f"<{organisation}> ; <{REGIO.fundedProject.value}> ?x }} }}")
    return {organisation} | {row["x"].value for row in store.query(query).rows}
