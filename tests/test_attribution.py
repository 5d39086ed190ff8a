"""Every statement of a source's graph is one the sheet attributes to that source (issue 9).

The checks read facts.yaml and curation.yaml themselves (tests/sheetcheck.py): the build only
says which sheet block a quad comes from, and the test verifies that block against the sheet.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from graph.emit import Block
from graph.namespaces import PROV, REGIO, XSD
from tests.conftest import BASE
from tests.sheetcheck import CUR, FACTS, problems, sources_at

META = NamedNode(BASE + "graph/meta")
CURATION = NamedNode(BASE + "graph/curation")


@pytest.fixture(scope="module")
def derived(owl40_build) -> dict[str, set[str]]:
    """Graph IRI -> the source ids graph meta derives it from."""
    out: dict[str, set[str]] = defaultdict(set)
    for q in owl40_build.quads:
        if q.graph_name == META and q.predicate == PROV.wasDerivedFrom and \
                "/id/source/" in q.object.value:
            out[q.subject.value].add(q.object.value.rsplit("/", 1)[1])
    return out


def _data_quads(build) -> list[Quad]:
    return [q for q in build.quads
            if q.graph_name.value.startswith((BASE + "graph/source/", BASE + "graph/record/"))]


def test_every_quad_of_a_source_or_record_graph_is_attributed_by_the_sheet(owl40_build, derived):
    found = []
    for q in _data_quads(owl40_build):
        found += problems(q, owl40_build.attribution.get(q, []), derived[q.graph_name.value])
    assert not found, f"{len(found)} problems:\n" + "\n".join(found[:40])


def test_the_data_graphs_hold_most_of_the_data(owl40_build):
    by_kind = defaultdict(int)
    for q in owl40_build.quads:
        by_kind[q.graph_name.value.removeprefix(BASE + "graph/").split("/")[0]] += 1
    assert by_kind["source"] > 1000 and by_kind["record"] > 800
    sources = {q.graph_name.value for q in owl40_build.quads if "/graph/source/" in q.graph_name.value}
    assert len(sources) == len(FACTS["sources"])  # every source has its graph (its own record)


def _move(build, quad: Quad, graph: str, block: Block) -> tuple[Quad, list[Block]]:
    return Quad(quad.subject, quad.predicate, quad.object, NamedNode(BASE + graph)), [block]


def test_the_check_finds_a_value_filed_under_a_page_that_does_not_state_it(owl40_build, derived):
    """The issue's examples, put back as they were: the check must reject them."""
    funding = NamedNode(BASE + "id/funding/arbeit-40")
    date = next(q for q in owl40_build.quads
                if q.subject == funding and q.predicate == REGIO.decisionDate)
    link = Block("projects/arbeit-40/link_to_owl40", ("s-unibi-arbeit40",), "x")
    fund = Block("projects/arbeit-40/funding", ("s-unibi-arbeit40",), "x")
    for blk in (link, fund):
        quad, blocks = _move(owl40_build, date, "graph/source/s-unibi-arbeit40", blk)
        assert problems(quad, blocks, set()), blk.sheet
    amount = NamedNode(BASE + "id/amount/klimaschutz-energie-bauen-40-1")
    value = next(q for q in owl40_build.quads if q.subject == amount and q.predicate == REGIO.value)
    quad, blocks = _move(owl40_build, value, "graph/source/s-ihk-energie", Block(
        "projects/klimaschutz-energie-bauen-40/funding", ("s-ihk-energie",), "x"))
    assert problems(quad, blocks, set())
    land = Quad(NamedNode(BASE + "id/region/nrw"), REGIO.regionType, Literal("Land", language="de"),
                NamedNode(BASE + "graph/source/s-wp-lippe"))
    assert problems(land, [Block("regions/owl", ("s-wp-lippe",), "x")], set())
    # and a pick whose evidence is not in the sheet
    end = Quad(NamedNode(BASE + "id/project/work-and-care"), REGIO.endDate,
               Literal("2023-03-31", datatype=XSD.date), NamedNode(BASE + "graph/source/s-init-workcare"))
    assert problems(end, [Block("projects/work-and-care/period", ("s-init-workcare",), "x",
                                "31 Mar 2023 (inIT)")], set())


def test_values_of_several_source_blocks_are_in_the_record_graph(owl40_build):
    graphs = defaultdict(set)
    for q in owl40_build.quads:
        graphs[(q.subject.value, q.predicate.value, str(q.object))].add(
            q.graph_name.value.removeprefix(BASE + "graph/"))
    date = graphs[(BASE + "id/funding/arbeit-40", REGIO.decisionDate.value,
                   str(Literal("2016-04-08", datatype=XSD.date)))]
    assert date == {"record/project/arbeit-40/funding"}
    keb = [g for (s, p, o), g in graphs.items()
           if p == REGIO.value.value and o == str(Literal("450000", datatype=XSD.decimal))]
    assert keb == [{"record/project/klimaschutz-energie-bauen-40/funding"}]
    counted = {g for (s, p, o), gs in graphs.items() if p == REGIO.numericValue.value
               and o == str(Literal("450000", datatype=XSD.decimal)) for g in gs}
    assert counted == {"source/s-pressemeldung-hsowl-klima"}  # the only page the sheet credits


def test_curators_values_are_only_in_the_curation_graph(owl40_build):
    curated = {REGIO.fundingProgramme, REGIO.organisationType, REGIO.linkStatus, REGIO.themeKind,
               REGIO.amountQualifier, REGIO.eventType, REGIO.hasTheme, REGIO.hasKeyword,
               REGIO.phaseNumber, REGIO.regionType}
    phases = {NamedNode(BASE + f"id/phase/{p['id']}") for p in FACTS["phases"]}
    for q in _data_quads(owl40_build):
        if q.predicate == REGIO.hasTheme:  # a phase's programme themes are the sheet's
            assert q.subject in phases, q
        elif q.predicate == REGIO.regionType:
            assert q.object.value != "Land", q
        else:
            assert q.predicate not in curated, q
        assert "/id/keyword/" not in str(q), q


def test_picks_quote_the_sheet(owl40_build):
    """Every value the curators attribute to one source of a several-source block quotes the
    sheet verbatim, and the build files it under that source."""
    picks = [b for blocks in owl40_build.attribution.values() for b in blocks if b.evidence]
    assert {b.sheet for b in picks} >= {"projects/work-and-care/period"}
    for b in picks:
        assert b.sources[0] in sources_at(b.sheet) and len(sources_at(b.sheet)) > 1
    ends = CUR["project_periods"]["work-and-care"]["ends"]
    rows = {(q.object.value, q.graph_name.value.rsplit("/", 1)[1]) for q in owl40_build.quads
            if q.subject.value.endswith("/project/work-and-care") and q.predicate == REGIO.endDate}
    assert rows == {(e["value"], e["source"]) for e in ends}
    # a main amount cited to the one page whose own block states it (events[5]: "480,000 EUR")
    amount = NamedNode(BASE + "id/amount/ostwestfalenlippe-2025-1")
    assert {q.graph_name.value.rsplit("/", 1)[1] for q in owl40_build.quads
            if q.subject == amount and q.predicate == REGIO.value} == {"s-owljournal-owl2025"}
