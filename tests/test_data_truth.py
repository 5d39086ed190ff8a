"""Issue 9, sections 1, 3, 4, 5: what the graph asserts is what the sheet says, and no more.

Links the sources do not confirm are never asserted; keywords stay keywords; qualifiers are
kept as stated; the curation graph says what it is. Expectations are derived from
instances/owl40/data/facts.yaml (and the curators' readings from curation.yaml), not from the build.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from pyoxigraph import NamedNode, Quad

from graph.namespaces import DCT, PROV, RDF, RDFS, REGIO, SKOS
from tests.conftest import BASE
from tests.sheetcheck import CUR, FACTS

PROJECTS = {p["id"]: p for p in FACTS["projects"]}
PLAN = NamedNode(BASE + "id/action-plan/owl-40")
CURATION = BASE + "graph/curation"
UNCONFIRMED_WORDS = ("not confirmed", "candidate", "probable", "not stated")


def iri(kind: str, slug: str) -> NamedNode:
    return NamedNode(f"{BASE}id/{kind}/{slug}")


@pytest.fixture(scope="module")
def graphs_of(owl40_build) -> dict[tuple, set[str]]:
    """(s, p, o) -> the named graphs that state it."""
    out: dict[tuple, set[str]] = defaultdict(set)
    for q in owl40_build.quads:
        out[(q.subject, q.predicate, q.object)].add(q.graph_name.value)
    return out


def objects(graphs_of, s, p) -> set:
    return {o for (s2, p2, o) in graphs_of if s2 == s and p2 == p}


def sheet_objects(graphs_of, s, p) -> set:
    """The objects a source's or record's graph states (not the curators' translations)."""
    return {o for o in objects(graphs_of, s, p) if graphs_of[(s, p, o)] != {CURATION}}


# -- 1. a link the sources do not confirm is never asserted -----------------------------------
def test_the_sheet_wording_decides_which_links_are_unconfirmed():
    for pid, p in PROJECTS.items():
        note = (p.get("link_to_owl40") or {}).get("value", "")
        if any(w in note for w in UNCONFIRMED_WORDS):
            assert CUR["link_status"][pid] != "confirmed", pid
    unconfirmed = {pid for pid, s in CUR["link_status"].items() if s != "confirmed"}
    assert unconfirmed == {"work-and-care", "cirqualityowl", "csr-40", "open-innovation-city",
                           "weiterbildung-4-owl", "digitale-modellregion-owl",
                           "bildungscampus-herford", "bildung-4-owl",
                           "intelligentes-bildungsnetz-4owl"}


def test_only_confirmed_projects_are_part_of_the_plan_or_in_a_phase(owl40_build):
    members = {q.subject.value.rsplit("/", 1)[1] for q in owl40_build.quads
               if q.predicate in (REGIO.partOfPlan, REGIO.inPhase)}
    confirmed = {pid for pid, s in CUR["link_status"].items() if s == "confirmed"}
    assert members == confirmed  # in no graph at all, not even the curation graph


def test_every_project_has_one_qualified_plan_link(graphs_of):
    for pid, p in PROJECTS.items():
        project, link = iri("project", pid), iri("plan-link", pid)
        assert objects(graphs_of, project, REGIO.hasPlanLink) == {link}, pid
        assert REGIO.PlanLink in objects(graphs_of, link, RDF.type)
        assert objects(graphs_of, link, REGIO.linkedPlan) == {PLAN}
        status = objects(graphs_of, link, REGIO.linkStatus)
        assert {s.value.rsplit("/", 1)[1] for s in status} == {CUR["link_status"][pid]}
        assert graphs_of[(link, REGIO.linkStatus, next(iter(status)))] == {CURATION}
        block = p.get("link_to_owl40") or p
        assert {s.value.rsplit("/", 1)[1] for s in objects(graphs_of, link, PROV.wasDerivedFrom)} \
            == set(block["sources"]), pid
        notes = {n.value for n in sheet_objects(graphs_of, link, REGIO.linkNote)}
        assert notes == ({p["link_to_owl40"]["value"]} if p.get("link_to_owl40") else set())
        suggested = objects(graphs_of, link, REGIO.suggestedPhase)
        if CUR["link_status"][pid] == "confirmed":
            assert suggested == set()
            assert objects(graphs_of, project, REGIO.inPhase) == {iri("phase", p["phase"])}
        else:
            assert suggested == ({iri("phase", p["phase"])} if p.get("phase") else set()), pid
            assert objects(graphs_of, project, REGIO.inPhase) == set()


def test_a_confirmed_link_rests_on_the_sources_that_confirm_it(graphs_of):
    """arbeit-40 and Smart Country Side are confirmed by their link notes' pages, the
    others by their record: partOfPlan stands in those graphs and no other."""
    for pid in ("arbeit-40", "smart-country-side", "owl-arena-40"):
        p = PROJECTS[pid]
        srcs = (p.get("link_to_owl40") or p)["sources"]
        expected = ({f"{BASE}graph/source/{srcs[0]}"} if len(srcs) == 1 else
                    {f"{BASE}graph/record/project/{pid}" +
                     ("/link-to-owl40" if p.get("link_to_owl40") else "")})
        assert graphs_of[(iri("project", pid), REGIO.partOfPlan, PLAN)] == expected, pid


# -- 3. keywords are not programme themes -------------------------------------------------------
def label_key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[\u2010-\u2015\u2212-]", "-", text.casefold())).strip()


def test_keywords_stay_keywords(graphs_of):
    for pid, p in PROJECTS.items():
        project = iri("project", pid)
        words = {o.value for o in sheet_objects(graphs_of, project, REGIO.keyword)}
        assert words == set(p.get("themes", [])), pid
        themes = {o.value.rsplit("/", 1)[1] for o in objects(graphs_of, project, REGIO.hasTheme)}
        assert themes == set(CUR["project_themes"].get(pid, [])), pid
        for o in objects(graphs_of, project, REGIO.hasTheme) | \
                objects(graphs_of, project, REGIO.hasKeyword):
            for pred in (REGIO.hasTheme, REGIO.hasKeyword):
                if (project, pred, o) in graphs_of:
                    assert graphs_of[(project, pred, o)] == {CURATION}, (pid, o)


def test_no_project_gets_a_theme_of_another_phase(graphs_of):
    phase_of = {t["id"]: t.get("phase") for t in FACTS["themes"]}
    for pid, p in PROJECTS.items():
        for o in objects(graphs_of, iri("project", pid), REGIO.hasTheme):
            tphase = phase_of.get(o.value.rsplit("/", 1)[1])
            assert tphase in (None, p.get("phase")), (pid, o.value)
    food = iri("project", "lebensmittel-40")
    assert objects(graphs_of, food, REGIO.hasTheme) == {iri("theme", "food")}


def test_the_plan_only_builds_on_the_cluster_fields(graphs_of):
    assert objects(graphs_of, PLAN, REGIO.hasTheme) == set()
    assert objects(graphs_of, PLAN, REGIO.competenceField) == \
        {iri("theme", t) for t in CUR["cluster_fields"]}
    basis = FACTS["programme"]["basis"]["value"]
    for names in CUR["cluster_fields"].values():
        assert names["de"] in basis


def test_case_and_spelling_variants_are_one_concept(graphs_of):
    concepts = {s for (s, p, o) in graphs_of if p == RDF.type and o == REGIO.Theme}
    by_key: dict[str, set] = defaultdict(set)
    for (s, p, o) in graphs_of:
        if s in concepts and p in (SKOS.prefLabel, SKOS.altLabel):
            by_key[label_key(o.value)].add(s)
    assert {k: v for k, v in by_key.items() if len(v) > 1} == {}
    for word, tid in (("food technology", "food"), ("work-care balance", "work-care")):
        alt = {o.value for o in objects(graphs_of, iri("theme", tid), SKOS.altLabel)}
        assert word in alt
        assert (iri("keyword", word.replace(" ", "-")), RDF.type, REGIO.Theme) not in graphs_of
    keywords = {label_key(k) for p in PROJECTS.values() for k in p.get("themes", [])}
    assert len(by_key) >= len(keywords)


# -- 4. qualifiers exactly as stated --------------------------------------------------------------
QUALIFIER_WORDS = [("almost", r"^(almost|fast|knapp)\b"), ("about", r"^(about|around|rund|~)"),
                   ("over", r"^(over|more than|über|>)"), ("up-to", r"^(up to|bis zu)\b")]


def qualifier_of(stated: str) -> str:
    for code, pattern in QUALIFIER_WORDS:
        if re.match(pattern, stated.strip()):
            return code
    return "exact"


def test_every_stated_figure_keeps_its_own_qualifier(graphs_of):
    nodes = {s for (s, p, o) in graphs_of
             if p == RDF.type and o in (REGIO.StatedCount, REGIO.MonetaryAmount)}
    checked = 0
    for node in nodes:
        stated = sheet_objects(graphs_of, node, REGIO.statedValue)
        quals = {q.value.rsplit("/", 1)[1] for q in objects(graphs_of, node, REGIO.amountQualifier)}
        if stated and quals:
            (value,) = stated
            assert quals == {qualifier_of(value.value)}, (node.value, value.value, quals)
            checked += 1
    assert checked > 40


def _variants(value: str) -> list[str]:
    """The ' / '-separated variants of a sheet value, not splitting inside parentheses."""
    out, depth, cur = [], 0, ""
    for part in re.split(r"( / |\(|\))", value):
        depth += part == "(" and 1 or part == ")" and -1 or 0
        if part == " / " and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += part
    return out + [cur]


def test_every_variant_of_a_stated_count_is_kept(graphs_of):
    for i, sc in enumerate(FACTS["stated_counts"]):
        parts = {(o.value, s) for (s, p, o) in graphs_of if p == REGIO.statedValue and
                 (s.value == f"{BASE}id/count/{i + 1}" or
                  s.value.startswith(f"{BASE}id/count/{i + 1}-"))}
        for variant in _variants(str(sc["value"])):
            lead = re.match(r"^\D*?([\d.,]+)", variant)
            if not lead:
                continue
            hits = [s for v, s in parts if v.strip() in variant or variant.strip() in v]
            assert hits, (i, variant)
            quals = {q.value.rsplit("/", 1)[1] for s in hits
                     for q in objects(graphs_of, s, REGIO.amountQualifier)}
            assert qualifier_of(variant) in quals, (i, variant, quals)


def test_the_issues_qualifier_examples(graphs_of):
    def qualified(value: str) -> set[str]:
        return {q.value.rsplit("/", 1)[1] for (s, p, o) in graphs_of
                if p == REGIO.statedValue and o.value == value
                for q in objects(graphs_of, s, REGIO.amountQualifier)}
    assert qualified("almost 40") == {"almost"}        # "fast 40" is not "about 40"
    assert qualified("over 600") == {"over"}            # über 600
    assert qualified("~120") == {"about"} and qualified("~600") == {"about"}
    assert qualified("150") == {"exact"} and qualified("about 150") == {"about"}
    assert qualified("over 150") == {"over"}


# -- 5. the curation graph has provenance too ---------------------------------------------------
def test_the_curation_graph_says_what_it_is(owl40_build):
    meta = NamedNode(BASE + "graph/meta")
    cur = NamedNode(CURATION)
    about = defaultdict(set)
    for q in owl40_build.quads:
        if q.graph_name == meta and q.subject == cur:
            about[q.predicate].add(q.object)
    assert REGIO.AssertionGraph in about[RDF.type]
    assert {o.language for o in about[DCT.title]} == {"de", "en"}
    assert {o.language for o in about[RDFS.comment]} == {"de", "en"}
    sheet = iri("fact-sheet", CUR["fact_sheet"]["slug"])
    assert about[PROV.wasDerivedFrom] == {sheet}
    derived = {q.object.value.rsplit("/", 1)[1] for q in owl40_build.quads
               if q.graph_name == meta and q.subject == sheet and q.predicate == PROV.wasDerivedFrom}
    assert derived == {s["id"] for s in FACTS["sources"]}
    notes = {q.object.value for q in owl40_build.quads
             if q.graph_name == meta and q.subject == sheet and q.predicate == REGIO.note}
    assert notes == {"Open question: " + q for q in FACTS["open_questions"]}  # the sheet's gaps


def test_the_efre_period_is_sourced(graphs_of):
    period = objects(graphs_of, iri("programme", "efre-nrw-2014-2020"), REGIO.programmePeriod)
    assert {p.value for p in period} == {"2014–2020"}
    assert graphs_of[(iri("programme", "efre-nrw-2014-2020"), REGIO.programmePeriod,
                      next(iter(period)))] == {BASE + "graph/source/s-efre-regionrw-1"}
    assert "EFRE 2014–2020" in FACTS["programme"]["funding_call_first_round"]["value"]


def test_region_type_land_is_the_curators_word(graphs_of):
    nrw = iri("region", "nrw")
    (land,) = objects(graphs_of, nrw, REGIO.regionType)
    assert land.value == "Land" and graphs_of[(nrw, REGIO.regionType, land)] == {CURATION}


def test_no_quad_is_in_two_kinds_of_graph_by_accident(owl40_build):
    """A triple may be stated by several blocks, but never both sourced and curated."""
    kinds: dict[tuple, set[str]] = defaultdict(set)
    for q in owl40_build.quads:
        kind = q.graph_name.value.removeprefix(BASE + "graph/").split("/")[0]
        kinds[(q.subject, q.predicate, q.object)].add(kind)
    both = [t for t, k in kinds.items() if "curation" in k and k & {"source", "record"}
            and t[1] not in (RDFS.label, SKOS.prefLabel)]
    assert both == []
    assert all(isinstance(q, Quad) for q in owl40_build.quads)
