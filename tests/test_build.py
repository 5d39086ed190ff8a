"""The OWL 4.0 build: every fact-sheet record becomes data, with provenance, nothing invented."""

from __future__ import annotations

import yaml
from pyoxigraph import Dataset, NamedNode, Quad, Store

from graph.build import build_owl40
from graph.namespaces import sparql_prefixes
from tests.conftest import BASE, DATA_DIR

FACTS = yaml.safe_load((DATA_DIR / "facts.yaml").read_text(encoding="utf-8"))


def _store(build) -> Store:
    store = Store()
    store.extend(build.quads)
    return store


def _select(store: Store, query: str) -> list[tuple]:
    res = store.query(sparql_prefixes() + query, use_default_graph_as_union=True)
    return [tuple(t.value if t is not None else None for t in row) for row in res]


def test_every_record_of_the_sheet_becomes_a_resource(owl40_build):
    store = _store(owl40_build)
    for kind, key, cls in [("project", "projects", "Project"),
                           ("organisation", "organisations", "Organisation"),
                           ("source", "sources", "Source")]:
        for rec in FACTS[key]:
            iri = NamedNode(f"{BASE}id/{kind}/{rec['id']}")
            assert store.query(f"ASK {{ GRAPH ?g {{ <{iri.value}> a "
                               f"<https://w3id.org/regio-kg/ontology#{cls}> }} }}"), iri
    counts = owl40_build.counts
    assert counts["projects"] == len(FACTS["projects"]) == 19
    assert counts["organisations"] == len(FACTS["organisations"]) == 46
    assert counts["sources"] == len(FACTS["sources"]) == 99
    roles = {(r["of"], r["org"]) for r in FACTS["roles"]}
    assert counts["participations"] >= len(roles)


def test_every_triple_is_in_a_provenance_graph_with_a_source(owl40_build):
    assert all(isinstance(q.graph_name, NamedNode) for q in owl40_build.quads)
    store = _store(owl40_build)
    orphans = _select(store, f"""
        SELECT DISTINCT ?g WHERE {{
          GRAPH ?g {{ ?s ?p ?o }}
          FILTER(?g != <{BASE}graph/meta> && ?g != <{BASE}graph/curation>)
          FILTER NOT EXISTS {{ GRAPH <{BASE}graph/meta> {{ ?g prov:wasDerivedFrom ?src }} }}
        }}""")
    assert orphans == []


def test_disagreeing_counts_are_kept_with_their_sources(owl40_build):
    rows = _select(_store(owl40_build), f"""
        SELECT ?n (COUNT(DISTINCT ?src) AS ?sources) WHERE {{
          ?c a regio:StatedCount ; regio:countOf <{BASE}id/phase/phase-1> ;
             regio:countedThing "phase-1 projects"@en ; regio:numericValue ?n .
          GRAPH ?g {{ ?c regio:numericValue ?n }}
          GRAPH <{BASE}graph/meta> {{ ?g prov:wasDerivedFrom ?src }}
        }} GROUP BY ?n ORDER BY ?n""")
    assert [(float(n), int(s)) for n, s in rows] == [(10.0, 13), (11.0, 2)]


def test_link_status_tells_confirmed_from_unconfirmed(owl40_build):
    rows = _select(_store(owl40_build), """
        SELECT ?status (COUNT(DISTINCT ?p) AS ?n) WHERE {
          ?p a regio:Project ; regio:hasPlanLink/regio:linkStatus ?s .
          BIND(STRAFTER(STR(?s), "link-status/") AS ?status) } GROUP BY ?status ORDER BY ?status""")
    assert [(s, int(n)) for s, n in rows] == [("candidate", 4), ("confirmed", 10), ("probable", 5)]


def test_end_dates_that_sources_disagree_on_are_all_kept(owl40_build):
    rows = _select(_store(owl40_build), f"""
        SELECT ?end ?key WHERE {{ GRAPH ?g {{ <{BASE}id/project/work-and-care> regio:endDate ?end }}
          ?g prov:wasDerivedFrom ?src . ?src regio:sourceKey ?key }} ORDER BY ?end""")
    assert rows == [("2022-10-31", "s-init-workcare"), ("2022-11-14", "s-caretech-workcare"),
                    ("2023-03-31", "s-hsbi-workcare")]


def test_build_is_deterministic_and_base_iri_is_a_setting():
    a = build_owl40(DATA_DIR, "http://127.0.0.1:5000/")
    b = build_owl40(DATA_DIR, "http://127.0.0.1:5000/")
    assert [str(q) for q in a.quads] == [str(q) for q in b.quads]
    subjects = {q.subject.value for q in a.quads if isinstance(q.subject, NamedNode)}
    minted = {s for s in subjects if "/id/" in s}
    assert minted and all(s.startswith("http://127.0.0.1:5000/id/") for s in minted)
    assert not any(BASE in str(q) for q in a.quads)


def test_no_duplicate_quads(owl40_build):
    ds = Dataset(owl40_build.quads)
    assert len(ds) == len(owl40_build.quads)
    assert all(isinstance(q, Quad) for q in owl40_build.quads)
