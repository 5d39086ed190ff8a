"""Build sections: the fact sheet, sources, regions, funding programmes, the plan, its phases."""

from __future__ import annotations

import re

from pyoxigraph import Literal, NamedNode

from graph.build import Builder, code
from graph.emit import Block, date_literal, text
from graph.namespaces import DCT, FOAF, PROV, RDF, RDFS, REGIO, SCHEMA, SKOS, XSD
from graph.sheet import resolve


def build(b: Builder) -> None:
    fact_sheet(b)
    sources(b)
    regions(b)
    programmes(b)
    action_plan(b)
    phases(b)
    reorientation(b)


def fact_sheet(b: Builder) -> None:
    """The fact sheet as a prov:Entity in graph meta: what the curation graph derives from."""
    fs, meta, cur = b.fact_sheet, b.f["meta"], b.c["fact_sheet"]
    b.e.meta(fs, RDF.type, PROV.Entity)
    b.e.meta(fs, RDF.type, FOAF.Document)
    for lang in ("de", "en"):
        b.e.meta(fs, DCT.title, text(cur[f"title_{lang}"], lang))
        b.e.meta(fs, RDFS.label, text(cur[f"title_{lang}"], lang))
    b.e.meta(fs, DCT.description, text(
        f"{meta['note']} Compiled {meta['compiled']}; {meta['status']}. "
        f"Kept with the project's data as {cur['file']}.", "en"))
    for s in b.f["sources"]:
        b.e.meta(fs, PROV.wasDerivedFrom, b.e.source(s["id"]))
    for question in b.f.get("open_questions", []):  # the compilers' own words, no source
        b.e.meta(fs, REGIO.note, text("Open question: " + question, "en"))


def sources(b: Builder) -> None:
    for s in b.f["sources"]:
        node, sid = b.e.source(s["id"]), s["id"]
        blk = b.block(f"sources/{sid}")
        b.e.put(node, RDF.type, REGIO.Source, blk)
        lang = b.c.get("source_title_languages", {}).get(sid, "de")  # the curators' reading
        b.e.put(node, RDFS.label, text(s["title"], lang), blk)
        b.e.put(node, DCT.title, text(s["title"], lang), blk)
        b.e.put(node, SCHEMA.url, Literal(s["url"], datatype=XSD.anyURI), blk)
        b.e.put(node, DCT.publisher, text(s["publisher"]), blk)
        b.e.put(node, REGIO.sourceKey, text(sid), blk)
        if s.get("date"):
            b.e.put(node, DCT.issued, date_literal(str(s["date"])), blk)
    b.counts["sources"] = len(b.f["sources"])


def regions(b: Builder) -> None:
    cur = b.c["regions"]
    nrw = b.e.iri("region", "nrw")
    owl_node = b.e.iri("region", "owl")
    # regions[owl].state names the Land; its type "Land" is the curators' word
    owl = b.block("regions/owl")
    name = b.verbatim(owl, cur["nrw"]["name"], "regions.nrw.name")
    b.e.put(nrw, RDF.type, REGIO.Region, owl)
    b.e.put(nrw, RDFS.label, text(name, "de"), owl)
    b.e.put(nrw, SKOS.prefLabel, text(name, "de"), owl)
    b.e.curated(nrw, REGIO.regionType, text(cur["nrw"]["type"], "de"))
    b.e.put(owl_node, REGIO.partOfRegion, nrw, owl)
    for r in b.f["regions"]:
        node = b.e.iri("region", r["id"])
        blk = b.block(f"regions/{r['id']}")
        cls = REGIO.Region if r["id"] == "owl" else REGIO.District
        b.e.put(node, RDF.type, cls, blk)
        b.e.put(node, RDFS.label, text(r["name"], "de"), blk)
        b.e.put(node, SKOS.prefLabel, text(r["name"], "de"), blk)
        b.e.put(node, REGIO.regionType, text(r["type"], "de"), blk)
        if r.get("code"):
            b.e.put(node, REGIO.officialCode, text(re.sub(r"\(.*\)|\s", "", r["code"])), blk)
            b.e.put(node, REGIO.codeType, text(r["code_type"], "de"), blk)
        if r.get("seat"):
            b.e.put(node, REGIO.seat, text(r["seat"]), blk)
        if r["id"] != "owl":
            # the OWL entry's note: "all seven are in Regierungsbezirk Detmold (per the
            # Wikipedia infoboxes)" - which seven is the curators' reading
            b.e.curated(node, REGIO.partOfRegion, owl_node)
    b.counts["regions"] = len(b.f["regions"]) + 1


def programmes(b: Builder) -> None:
    for slug, p in b.c["programmes"].items():
        node = b.e.iri("programme", slug)
        b.e.curated(node, RDF.type, REGIO.FundingProgramme)
        for lang in ("de", "en"):
            b.e.curated(node, RDFS.label, text(p[lang], lang))
            b.e.curated(node, SKOS.prefLabel, text(p[lang], lang))
        if p.get("period"):
            blk = b.cite(p["period"])
            b.e.put(node, REGIO.programmePeriod,
                    text(b.verbatim(blk, p["period"]["value"], f"programmes.{slug}.period")), blk)
        if p.get("part_of"):
            b.e.curated(node, REGIO.partOfProgramme, b.e.iri("programme", p["part_of"]))
        if p.get("note_from"):
            blk = b.block(p["note_from"])
            value = _value_of(b, p["note_from"])
            b.e.put(node, REGIO.note, text(value, "en"), blk)
    b.counts["programmes"] = len(b.c["programmes"])


def _value_of(b: Builder, path: str) -> str:
    return str(resolve(b.f, path)["value"])


def action_plan(b: Builder) -> None:
    pr, ca, node = b.f["programme"], b.c["action_plan"], b.plan
    rec = b.block("programme")

    def blk(key: str) -> Block:
        return b.block(f"programme/{key}")

    b.typed(node, REGIO.ActionPlan, text(pr["name_de"], "de"), rec)
    b.e.put(node, DCT.title, text(pr["name_de"], "de"), rec)
    b.e.curated(node, DCT.title, text(ca["title_en"], "en"))
    b.e.curated(node, RDFS.label, text(ca["title_en"], "en"))
    plan_de, _, plan_en = pr["type"].partition(" / ")  # "… Handlungskonzept / … action plan"
    b.e.put(node, REGIO.planType, text(plan_de, "de"), rec)
    if plan_en:
        b.e.put(node, REGIO.planType, text(plan_en, "en"), rec)
    b.e.put(node, REGIO.region, b.e.iri("region", ca["region"]), rec)
    for i, v in enumerate(pr["name_variants"]):
        b.e.put(node, REGIO.titleVariant, text(v["value"], "de"), blk(f"name_variants/{i}"))
    motto = blk("motto")
    b.e.put(node, REGIO.motto, text(b.verbatim(motto, ca["motto"], "action_plan.motto"), "de"),
            motto)
    b.e.put(node, REGIO.note, text("Motto: " + pr["motto"]["value"], "en"), motto)
    b.e.put(node, REGIO.coordinatedBy, b.e.iri("organisation", pr["coordinator"]["org"]),
            blk("coordinator"))
    for i, st in enumerate(pr["start"]):
        start = blk(f"start/{i}")
        year = b.verbatim(start, ca["start_years"][i], f"action_plan.start_years.{i}")
        b.e.put(node, REGIO.startYear, Literal(year, datatype=XSD.gYear), start)
        b.e.put(node, REGIO.note, text("Start: " + st["value"], "en"), start)
    simple = {"basis": REGIO.basis, "developed_with": REGIO.developedWith,
              "model_character": REGIO.modelCharacter, "success_claim": REGIO.successClaim,
              "communication_platform": REGIO.communicationPlatform,
              "innovation_networks": REGIO.note}
    for key, prop in simple.items():
        b.e.put(node, prop, text(pr[key]["value"], "en"), blk(key))
    platform = blk("communication_platform")
    b.verbatim(platform, ca["homepage"].split("//", 1)[1].rstrip("/"), "action_plan.homepage")
    b.e.put(node, FOAF.homepage, NamedNode(ca["homepage"]), platform)
    call = blk("funding_call")
    b.e.put(node, REGIO.fundingCall, b.e.iri("programme", ca["funding_call"]), call)
    b.e.put(node, REGIO.note, text("Funding call: " + pr["funding_call"]["value"], "en"), call)
    b.e.curated(node, REGIO.hasThemeScheme, b.theme_scheme)
    for i, g in enumerate(pr["goals"]):
        goal, gb = b.e.iri("goal", str(i + 1)), blk(f"goals/{i}")
        b.e.put(goal, RDF.type, REGIO.Goal, gb)
        b.e.put(goal, RDFS.label, text(g["value"], "en"), gb)
        b.e.put(goal, SKOS.prefLabel, text(g["value"], "en"), gb)
        b.e.put(goal, REGIO.goalOf, node, gb)
        b.e.put(node, REGIO.hasGoal, goal, gb)
    b.counts["goals"] = len(pr["goals"])


PHASE_NOTES = ("start_status_2016", "partner_types", "start", "regio_nrw_recommendation")


def phases(b: Builder) -> None:
    for ph in b.f["phases"]:
        pid, cur = ph["id"], b.c["phases"][ph["id"]]
        node = b.e.iri("phase", pid)
        rec = b.block(f"phases/{pid}")

        def blk(key: str, pid: str = pid) -> Block:
            return b.block(f"phases/{pid}/{key}")

        cls = REGIO.Phase if pid.startswith("phase-") else REGIO.StrategyPeriod
        b.typed(node, cls, text(ph["label"], "en"), rec)
        b.e.put(node, SKOS.prefLabel, text(ph["label"], "en"), rec)
        b.e.curated(node, SKOS.prefLabel, text(cur["de"], "de"))
        b.e.curated(node, RDFS.label, text(cur["de"], "de"))
        b.e.put(node, REGIO.periodOf, b.plan, rec)
        if cls == REGIO.Phase:
            b.e.put(b.plan, REGIO.hasPhase, node, rec)
            b.e.curated(node, REGIO.phaseNumber, Literal(str(cur["number"]), datatype=XSD.integer))
        key = "period" if ph.get("period") else "date" if ph.get("date") else None
        if key:
            period = blk(key)
            b.e.put(node, REGIO.periodText, text(ph[key]["value"], "en"), period)
            for end, prop in (("start", REGIO.startDate), ("end", REGIO.endDate)):
                if cur.get(end):
                    year = b.verbatim(period, cur[end], f"phases.{pid}.{end}")
                    b.e.put(node, prop, date_literal(year), period)
        for i, v in enumerate(ph.get("period_variants", [])):
            b.e.put(node, REGIO.periodText, text(v["value"], "en"), blk(f"period_variants/{i}"))
        if ph.get("hub_project"):
            b.e.put(node, REGIO.hubProject, b.e.iri("project", ph["hub_project"]), rec)
        if ph.get("lessons_learned"):
            b.e.put(node, REGIO.lessonsLearned, text(ph["lessons_learned"]["value"], "en"),
                    blk("lessons_learned"))
        for note in PHASE_NOTES:
            if ph.get(note):
                b.e.put(node, REGIO.note, text(ph[note]["value"], "en"), blk(note))
        if ph.get("link_to_owl40"):
            b.e.put(node, REGIO.linkNote, text(ph["link_to_owl40"]["value"], "en"),
                    blk("link_to_owl40"))
        for i, sc in enumerate(ph.get("stated_project_counts", [])):
            if sc.get("note"):
                b.e.put(node, REGIO.note, text(sc["note"], "en"),
                        blk(f"stated_project_counts/{i}"))


def reorientation(b: Builder) -> None:
    ro = b.c["reorientation"]
    node = b.e.iri("event", f"{ro['date']}-{ro['slug']}")
    blk = b.block(f"phases/{ro['phase']}/date")
    date = b.verbatim(blk, ro["date"], "reorientation.date")
    b.e.put(node, RDF.type, REGIO.Event, blk)
    b.e.curated(node, RDFS.label, text(ro["title"], "en"))
    b.e.curated(node, DCT.title, text(ro["title"], "en"))
    b.e.put(node, REGIO.date, date_literal(date), blk)
    b.e.put(node, REGIO.periodText, text(b.phases[ro["phase"]]["date"]["value"], "en"), blk)
    b.e.curated(node, REGIO.concerns, b.e.iri("phase", ro["phase"]))
    b.e.curated(node, REGIO.concerns, b.plan)
    b.e.curated(node, REGIO.eventType, code("event-type", "reorientation"))
