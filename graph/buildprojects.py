"""Build sections: organisations, projects with their link to the plan, roles, funding.

Only a confirmed link is stated as ``regio:partOfPlan`` (and ``regio:inPhase``). Every project
has a qualified link node (``regio:hasPlanLink`` → ``regio:PlanLink``: linked plan, status,
the sheet's note, suggested phase, and the sources that suggest it), after PROV's qualification
pattern; an unconfirmed link is only that node.
"""

from __future__ import annotations

import re
from typing import Any

from pyoxigraph import NamedNode

from graph.build import Builder, code
from graph.emit import Block, date_literal, text
from graph.errors import InputError
from graph.namespaces import DCT, FOAF, ORG, RDF, RDFS, REGIO, SKOS

STATUS_DE = {"confirmed": "bestätigt", "probable": "wahrscheinlich", "candidate": "Kandidat"}


def build(b: Builder) -> None:
    organisations(b)
    for p in b.f["projects"]:
        project(b, p)
    b.counts["projects"] = len(b.f["projects"])
    roles(b)
    fundings(b)


def organisations(b: Builder) -> None:
    for o in b.f["organisations"]:
        oid = o["id"]
        node, rec = b.e.iri("organisation", oid), b.block(f"organisations/{oid}")
        lang = b.c.get("name_languages", {}).get(oid, "de")  # the curators' reading
        b.typed(node, REGIO.Organisation, text(o["name"], lang), rec)
        b.e.put(node, FOAF.name, text(o["name"]), rec)
        b.e.put(node, SKOS.prefLabel, text(o["name"], lang), rec)
        if o.get("short_name"):
            b.e.put(node, REGIO.shortName, text(o["short_name"]), rec)
        b.e.put(node, REGIO.typeText, text(o["type"], "en"), rec)
        b.e.curated(node, REGIO.organisationType, code("org-type", b.c["org_types"][oid]))
        if o.get("seat"):
            b.e.put(node, REGIO.seat, text(o["seat"]), rec)
        if o.get("district"):
            b.e.put(node, REGIO.district, b.e.iri("region", o["district"]), rec)
        if o.get("website"):
            b.e.put(node, FOAF.homepage, NamedNode(o["website"]), rec)
        if o.get("note"):
            b.e.put(node, REGIO.note, text(o["note"], "en"), rec)
    b.counts["organisations"] = len(b.f["organisations"])


def project(b: Builder, p: dict[str, Any]) -> None:
    pid = p["id"]
    node, rec = b.e.iri("project", pid), b.block(f"projects/{pid}")

    def blk(key: str) -> Block:
        return b.block(f"projects/{pid}/{key}")

    lang = b.c.get("name_languages", {}).get(pid, "de")  # the curators' reading
    b.typed(node, REGIO.Project, text(p["title"], lang), rec)
    b.e.put(node, DCT.title, text(p["title"], lang), rec)
    for key, prop, lang in (("full_title", REGIO.fullTitle, "de"), ("acronym", REGIO.acronym, None),
                            ("description", DCT.description, "en"),
                            ("role_in_programme", REGIO.roleInPlan, "en"),
                            ("successor", REGIO.successor, "en"), ("lead_note", REGIO.note, "en")):
        if p.get(key):
            b.e.put(node, prop, text(p[key], lang), rec)
    if p.get("website"):
        b.e.put(node, FOAF.homepage, NamedNode(p["website"]), rec)
    for i, v in enumerate(p.get("title_variants", [])):
        b.e.put(node, REGIO.titleVariant, text(v["value"], "de"), blk(f"title_variants/{i}"))
    plan_link(b, p, node, rec, blk("link_to_owl40") if p.get("link_to_owl40") else rec)
    project_period(b, p, node, blk)
    for i, v in enumerate(p.get("lead_variants", [])):
        b.e.put(node, REGIO.note, text("Lead: " + v["value"], "en"), blk(f"lead_variants/{i}"))
    if p.get("background"):
        b.e.put(node, REGIO.note, text(p["background"]["value"], "en"), blk("background"))


def plan_link(b: Builder, p: dict[str, Any], node: NamedNode, rec: Block, lb: Block) -> None:
    """The qualified link of a project to the plan; partOfPlan/inPhase only when confirmed."""
    pid, status = p["id"], b.c["link_status"][p["id"]]
    link = b.e.iri("plan-link", pid)
    b.e.put(node, REGIO.hasPlanLink, link, lb)
    b.e.put(link, RDF.type, REGIO.PlanLink, lb)
    b.e.put(link, REGIO.linkedPlan, b.plan, lb)
    b.derived(link, lb)
    if p.get("link_to_owl40"):
        b.e.put(link, REGIO.linkNote, text(p["link_to_owl40"]["value"], "en"), lb)
    b.e.curated(link, REGIO.linkStatus, code("link-status", status))
    b.e.curated(link, RDFS.label, text(f"Verknüpfung von „{p['title']}“ mit {b.plan_name} "
                                       f"({STATUS_DE[status]})", "de"))
    b.e.curated(link, RDFS.label, text(f"Link of “{p['title']}” to {b.plan_name} ({status})", "en"))
    phase = b.e.iri("phase", p["phase"]) if p.get("phase") else None
    if status == "confirmed":
        b.e.put(node, REGIO.partOfPlan, b.plan, lb)
        b.e.put(node, REGIO.inPhase, phase, rec)
    else:
        b.e.put(link, REGIO.suggestedPhase, phase, rec)


def project_period(b: Builder, p: dict[str, Any], node: NamedNode, blk: Any) -> None:
    if not p.get("period"):
        return
    period = blk("period")
    b.e.put(node, REGIO.periodText, text(p["period"]["value"], "en"), period)
    cur = b.c["project_periods"].get(p["id"], {})
    if cur.get("start"):
        b.e.put(node, REGIO.startDate, date_literal(cur["start"]), period)
    if cur.get("end"):
        b.e.put(node, REGIO.endDate, date_literal(cur["end"]), period)
    for end in cur.get("ends", []):
        b.e.put(node, REGIO.endDate, date_literal(end["value"]),
                b.cite(end))


def participation(b: Builder, target: str, oid: str, block: Block) -> NamedNode:
    """The n-ary role node of organisation ``oid`` in ``target`` (project/phase/plan)."""
    tnode = b.ref(target)
    slug = f"{b.c['action_plan']['slug'] if tnode == b.plan else target}--{oid}"
    node = b.e.iri("participation", slug)
    b.e.put(node, RDF.type, REGIO.Participation, block)
    b.e.put(node, REGIO.participant, b.e.iri("organisation", oid), block)
    b.e.put(node, REGIO.participationIn, tnode, block)
    b.e.put(tnode, REGIO.hasParticipation, node, block)
    where = (b.projects[target]["title"] if target in b.projects else
                 b.c["phases"].get(target, {}).get("de") or b.plan_name)
    b.e.curated(node, RDFS.label, text(f"{b.orgs[oid]['name']} – {where}", "de"))
    b.participations[(target, oid)] = node
    return node


def role_codes(b: Builder, role_text: str) -> list[str]:
    for rule in b.c["role_rules"]:
        if re.search(rule["match"], role_text):
            return rule["codes"]
    raise InputError(f"no role rule matches {role_text!r}", source="curation.yaml")


def roles(b: Builder) -> None:
    for i, r in enumerate(b.f["roles"]):
        blk = b.block(f"roles/{i}")
        node = participation(b, r["of"], r["org"], blk)
        b.e.put(node, REGIO.roleText, text(r["role"], "en"), blk)
        for c in role_codes(b, r["role"]):
            b.role_sets.setdefault(node.value, set()).add(c)
            b.e.curated(node, ORG.role, code("role", c))
    for p in b.f["projects"]:
        pid = p["id"]
        rec = b.block(f"projects/{pid}")
        members = ([(p["lead"], "lead")] if p.get("lead") else []) + \
            [(o, "partner") for o in p.get("partners", [])]
        for oid, role in members:
            node = b.participations.get((pid, oid))
            if node is None:
                node = participation(b, pid, oid, rec)
            elif role in b.role_sets[node.value]:
                continue
            b.role_sets.setdefault(node.value, set()).add(role)
            b.e.put(node, REGIO.roleText, text(role, "en"), rec)
            b.e.curated(node, ORG.role, code("role", role))
    b.counts["participations"] = len(b.participations)


def fundings(b: Builder) -> None:
    n = 0
    for p in b.f["projects"]:
        if p.get("funding"):
            n += 1
            project_funding(b, p)
    n += phase_funding(b)
    b.counts["fundings"] = n


def project_funding(b: Builder, p: dict[str, Any]) -> None:
    pid, fu = p["id"], p["funding"]
    cur = b.c["funding"].get(pid, {})
    blk = b.block(f"projects/{pid}/funding")
    node, proj = b.e.iri("funding", pid), b.e.iri("project", pid)
    b.e.put(node, RDF.type, REGIO.Funding, blk)
    b.e.put(node, REGIO.fundedProject, proj, blk)
    b.e.put(proj, REGIO.hasFunding, node, blk)
    b.e.curated(node, RDFS.label, text(f"Förderung {p['title']}", "de"))
    b.e.curated(node, RDFS.label, text(f"Funding of {p['title']}", "en"))
    n = 0
    if fu.get("amount") is not None:
        n += 1
        main = b.cite(cur["amount_cite"]) if cur.get("amount_cite") else blk
        amt = b.amount(b.e.iri("amount", f"{pid}-{n}"), fu["amount"], fu.get("currency", "EUR"),
                       cur.get("qualifier"), None, main)
        b.e.put(node, REGIO.amount, amt, main)
    for i, v in enumerate(fu.get("amount_variants", [])):
        n += 1
        vb = b.block(f"projects/{pid}/funding/amount_variants/{i}")
        cv = cur["variants"][i]
        amt = b.amount(b.e.iri("amount", f"{pid}-{n}"), cv["amount"], "EUR", cv["qualifier"],
                       v["value"], vb)
        b.e.put(node, REGIO.amount, amt, vb)
    for rep in cur.get("reports", []):
        n += 1
        rb = b.cite(rep)
        amt = b.amount(b.e.iri("amount", f"{pid}-{n}"), rep["amount"], "EUR", rep["qualifier"],
                       rep["stated"], rb)
        b.e.put(node, REGIO.amount, amt, rb)
    if fu.get("note"):
        b.e.put(node, REGIO.note, text(fu["note"], "en"), blk)
    if fu.get("programme"):
        b.e.put(node, REGIO.programmeText, text(fu["programme"], "en"), blk)
    date = fu.get("decision_date") or cur.get("decision_date")
    if date:
        b.e.put(node, REGIO.decisionDate, date_literal(str(date)), blk)
    for prog in cur.get("programmes", []):
        b.e.curated(node, REGIO.fundingProgramme, b.e.iri("programme", prog))
    if cur.get("funder"):
        org = b.orgs[cur["funder"]]
        named = any(b.says(blk, n) for n in (org["name"], org.get("short_name")) if n)
        (b.e.put if named else _curated(b))(node, REGIO.funder,
                                            b.e.iri("organisation", cur["funder"]), blk)
    if cur.get("handed_over_by"):
        named = b.says(blk, cur["handed_over_by"])
        (b.e.put if named else _curated(b))(node, REGIO.handedOverBy,
                                            b.person(cur["handed_over_by"]), blk)


def _curated(b: Builder) -> Any:
    return lambda s, p, o, _block: b.e.curated(s, p, o)


def phase_funding(b: Builder) -> int:
    for pid, cur in b.c["phase_funding"].items():
        fu = b.phases[pid]["funding"]
        node, phase = b.e.iri("funding", pid), b.e.iri("phase", pid)
        blk = b.block(f"phases/{pid}/funding")
        b.e.put(node, RDF.type, REGIO.Funding, blk)
        b.e.curated(node, RDFS.label, text(f"Förderung {pid}", "de"))
        b.e.curated(node, RDFS.label, text(f"Funding of {pid}", "en"))
        b.e.put(node, REGIO.fundedPhase, phase, blk)
        b.e.put(phase, REGIO.hasFunding, node, blk)
        b.e.put(node, REGIO.programmeText, text(fu["value"], "en"), blk)
        amt = b.amount(b.e.iri("amount", f"{pid}-1"), cur["amount"], cur["currency"],
                       cur["qualifier"], fu["value"], blk)
        b.e.put(node, REGIO.amount, amt, blk)
        for prog in cur["programmes"]:
            b.e.curated(node, REGIO.fundingProgramme, b.e.iri("programme", prog))
    return len(b.c["phase_funding"])
