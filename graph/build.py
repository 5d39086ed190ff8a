"""Build the OWL 4.0 graph from the project's fact files (data/owl40/facts.yaml + curation.yaml).

Every triple lands in a provenance named graph (graph.emit.Emitter; docs/model.md explains the
choice). Nothing is invented: facts come from facts.yaml, interpretations from curation.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from graph.emit import Emitter, date_literal, decimal, slugify, text
from graph.errors import InputError
from graph.namespaces import (
    DCT,
    FOAF,
    ORG,
    RDF,
    RDFS,
    REGIO,
    REGIOCODE_IRI,
    SCHEMA,
    SKOS,
    XSD,
)


@dataclass
class BuildResult:
    """The built dataset: quads in named graphs, plus counts for reports."""

    quads: list[Quad]
    graphs: set[str]
    counts: dict[str, int] = field(default_factory=dict)


def code(scheme: str, value: str) -> NamedNode:
    return NamedNode(f"{REGIOCODE_IRI}{scheme}/{value}")


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(str(exc), source=str(path),
                         line=mark.line + 1 if mark else None) from exc


def build_owl40(data_dir: Path, base_iri: str) -> BuildResult:
    """Build the whole OWL 4.0 dataset from ``data_dir`` with IRIs under ``base_iri``."""
    facts = read_yaml(Path(data_dir) / "facts.yaml")
    cur = read_yaml(Path(data_dir) / "curation.yaml")
    b = _Builder(Emitter(base_iri), facts, cur)
    b.build()
    b.e.finish()
    return BuildResult(b.e.quads, b.e.graphs, b.counts)


class _Builder:
    def __init__(self, e: Emitter, facts: dict[str, Any], cur: dict[str, Any]) -> None:
        self.e, self.f, self.c = e, facts, cur
        self.counts: dict[str, int] = {}
        self.plan = e.iri("action-plan", cur["action_plan"]["slug"])
        self.projects = {p["id"]: p for p in facts["projects"]}
        self.orgs = {o["id"]: o for o in facts["organisations"]}
        self.phases = {p["id"]: p for p in facts["phases"]}
        self.people = {p["name"]: p for p in facts["people"]}
        self.participations: dict[tuple[str, str], NamedNode] = {}
        self.role_sets: dict[str, set[str]] = {}

    # -- helpers ---------------------------------------------------------------------
    def typed(self, node: NamedNode, cls: NamedNode, label: Literal, kind: str, rid: str,
              sources: list[str]) -> None:
        self.e.record(node, RDF.type, cls, kind, rid, sources)
        self.e.record(node, RDFS.label, label, kind, rid, sources)

    def ref(self, rid: str) -> NamedNode:
        """IRI of a sheet id that may name a project, phase, organisation, plan or programme."""
        if rid in self.projects:
            return self.e.iri("project", rid)
        if rid in self.phases:
            return self.e.iri("phase", rid)
        if rid in self.orgs:
            return self.e.iri("organisation", rid)
        if rid in self.c["programmes"]:
            return self.e.iri("programme", rid)
        if rid == self.c["action_plan"]["slug"] or rid == "programme":
            return self.plan
        raise InputError(f"unknown id {rid!r}", source="curation.yaml")

    def person(self, name: str) -> NamedNode:
        if name not in self.people:
            raise InputError(f"person {name!r} is not in facts.yaml people", source="curation.yaml")
        return self.e.iri("person", slugify(name))

    def amount(self, owner: str, n: int, value: float, currency: str, qualifier: str | None,
               stated: str | None, sources: list[str]) -> NamedNode:
        node = self.e.iri("amount", f"{owner}-{n}")
        self.e.stated(node, RDF.type, REGIO.MonetaryAmount, sources)
        self.e.stated(node, REGIO.value, decimal(int(value)), sources)
        self.e.stated(node, REGIO.currency, text(currency), sources)
        if stated:
            self.e.stated(node, REGIO.statedValue, text(stated), sources)
        if qualifier:
            self.e.curated(node, REGIO.amountQualifier, code("qualifier", qualifier))
        return node

    # -- sections --------------------------------------------------------------------
    def build(self) -> None:
        self.sources()
        self.regions()
        self.programmes()
        self.action_plan()
        self.phase_records()
        self.themes()
        self.organisations()
        self.project_records()
        self.roles()
        self.fundings()
        self.stated_counts()
        self.people_records()
        self.events()

    def sources(self) -> None:
        for s in self.f["sources"]:
            node, sid = self.e.source(s["id"]), s["id"]
            self.e.stated(node, RDF.type, REGIO.Source, [sid])
            self.e.stated(node, RDFS.label, text(s["title"], "de"), [sid])
            self.e.stated(node, DCT.title, text(s["title"], "de"), [sid])
            self.e.stated(node, SCHEMA.url, Literal(s["url"], datatype=XSD.anyURI), [sid])
            self.e.stated(node, DCT.publisher, text(s["publisher"]), [sid])
            self.e.stated(node, REGIO.sourceKey, text(sid), [sid])
            if s.get("date"):
                self.e.stated(node, DCT.issued, date_literal(str(s["date"])), [sid])
        self.counts["sources"] = len(self.f["sources"])

    def regions(self) -> None:
        cur = self.c["regions"]
        nrw = self.e.iri("region", "nrw")
        owl = next(r for r in self.f["regions"] if r["id"] == "owl")
        state_src = owl["sources"]
        self.e.stated(nrw, RDF.type, REGIO.Region, state_src)
        self.e.stated(nrw, RDFS.label, text(cur["nrw"]["name"], "de"), state_src)
        self.e.stated(nrw, SKOS.prefLabel, text(cur["nrw"]["name"], "de"), state_src)
        self.e.stated(nrw, REGIO.regionType, text(cur["nrw"]["type"], "de"), state_src)
        for r in self.f["regions"]:
            node, src = self.e.iri("region", r["id"]), r["sources"]
            cls = REGIO.Region if r["id"] == "owl" else REGIO.District
            self.e.stated(node, RDF.type, cls, src)
            self.e.stated(node, RDFS.label, text(r["name"], "de"), src)
            self.e.stated(node, SKOS.prefLabel, text(r["name"], "de"), src)
            self.e.stated(node, REGIO.regionType, text(r["type"], "de"), src)
            if r.get("code"):
                self.e.stated(node, REGIO.officialCode, text(re.sub(r"\(.*\)|\s", "", r["code"])), src)
                self.e.stated(node, REGIO.codeType, text(r["code_type"], "de"), src)
            if r.get("seat"):
                self.e.stated(node, REGIO.seat, text(r["seat"]), src)
            parent = nrw if r["id"] == "owl" else self.e.iri("region", "owl")
            # the OWL entry's note places all seven districts in Regierungsbezirk Detmold (OWL)
            self.e.stated(node, REGIO.partOfRegion, parent, owl["sources"])
        self.counts["regions"] = len(self.f["regions"]) + 1

    def programmes(self) -> None:
        for slug, p in self.c["programmes"].items():
            node = self.e.iri("programme", slug)
            self.e.curated(node, RDF.type, REGIO.FundingProgramme)
            for lang in ("de", "en"):
                self.e.curated(node, RDFS.label, text(p[lang], lang))
                self.e.curated(node, SKOS.prefLabel, text(p[lang], lang))
            if p.get("period"):
                self.e.curated(node, REGIO.programmePeriod, text(p["period"]))
            if p.get("part_of"):
                self.e.curated(node, REGIO.partOfProgramme, self.e.iri("programme", p["part_of"]))
        pr = self.f["programme"]
        rnrw = self.e.iri("programme", "regio-nrw")
        first = pr["funding_call_first_round"]
        self.e.stated(rnrw, REGIO.note, text(first["value"], "en"), first["sources"])
        call2 = self.phases["phase-2"]["call_name"]
        self.e.stated(self.e.iri("programme", "regio-nrw-innovation-transfer"), REGIO.note,
                      text(call2["value"], "en"), call2["sources"])
        self.counts["programmes"] = len(self.c["programmes"])

    def action_plan(self) -> None:
        pr, ca, node = self.f["programme"], self.c["action_plan"], self.plan
        all_src = sorted({s for v in pr.values() if isinstance(v, dict) for s in v.get("sources", [])}
                         | {s for v in pr.values() if isinstance(v, list)
                            for item in v for s in item.get("sources", [])})
        kind, rid = "action-plan", ca["slug"]
        self.typed(node, REGIO.ActionPlan, text(pr["name_de"], "de"), kind, rid, all_src)
        self.e.record(node, DCT.title, text(pr["name_de"], "de"), kind, rid, all_src)
        self.e.curated(node, DCT.title, text(ca["title_en"], "en"))
        self.e.curated(node, RDFS.label, text(ca["title_en"], "en"))
        self.e.record(node, REGIO.planType, text(ca["plan_type_de"], "de"), kind, rid, all_src)
        self.e.curated(node, REGIO.planType, text(ca["plan_type_en"], "en"))
        for v in pr["name_variants"]:
            self.e.stated(node, REGIO.titleVariant, text(v["value"], "de"), v["sources"])
        self.e.stated(node, REGIO.motto, text(ca["motto"], "de"), pr["motto"]["sources"])
        self.e.stated(node, REGIO.note, text("Motto: " + pr["motto"]["value"], "en"),
                      pr["motto"]["sources"])
        self.e.record(node, REGIO.region, self.e.iri("region", ca["region"]), kind, rid, all_src)
        self.e.stated(node, REGIO.coordinatedBy, self.e.iri("organisation", pr["coordinator"]["org"]),
                      pr["coordinator"]["sources"])
        for i, st in enumerate(pr["start"]):
            self.e.stated(node, REGIO.startYear, Literal(ca["start_years"][i], datatype=XSD.gYear),
                          st["sources"])
            self.e.stated(node, REGIO.note, text("Start: " + st["value"], "en"), st["sources"])
        simple = {"basis": REGIO.basis, "developed_with": REGIO.developedWith,
                  "model_character": REGIO.modelCharacter, "success_claim": REGIO.successClaim,
                  "communication_platform": REGIO.communicationPlatform,
                  "innovation_networks": REGIO.note}
        for key, prop in simple.items():
            self.e.stated(node, prop, text(pr[key]["value"], "en"), pr[key]["sources"])
        self.e.stated(node, FOAF.homepage, NamedNode(ca["homepage"]),
                      pr["communication_platform"]["sources"])
        self.e.stated(node, REGIO.fundingCall, self.e.iri("programme", ca["funding_call"]),
                      pr["funding_call"]["sources"])
        self.e.stated(node, REGIO.note, text("Funding call: " + pr["funding_call"]["value"], "en"),
                      pr["funding_call"]["sources"])
        for i, g in enumerate(pr["goals"], start=1):
            goal = self.e.iri("goal", str(i))
            self.e.stated(goal, RDF.type, REGIO.Goal, g["sources"])
            self.e.stated(goal, RDFS.label, text(g["value"], "en"), g["sources"])
            self.e.stated(goal, SKOS.prefLabel, text(g["value"], "en"), g["sources"])
            self.e.stated(goal, REGIO.goalOf, node, g["sources"])
            self.e.stated(node, REGIO.hasGoal, goal, g["sources"])
        self.counts["goals"] = len(pr["goals"])

    def phase_records(self) -> None:
        for ph in self.f["phases"]:
            pid, cur = ph["id"], self.c["phases"][ph["id"]]
            node, kind = self.e.iri("phase", pid), "phase"
            srcs = sorted({s for v in ph.values() if isinstance(v, dict) for s in v.get("sources", [])}
                          | {s for v in ph.values() if isinstance(v, list)
                             for item in v for s in item.get("sources", [])})
            cls = REGIO.Phase if pid.startswith("phase-") else REGIO.StrategyPeriod
            self.typed(node, cls, text(ph["label"], "en"), kind, pid, srcs)
            self.e.record(node, SKOS.prefLabel, text(ph["label"], "en"), kind, pid, srcs)
            self.e.curated(node, SKOS.prefLabel, text(cur["de"], "de"))
            self.e.curated(node, RDFS.label, text(cur["de"], "de"))
            self.e.record(node, REGIO.periodOf, self.plan, kind, pid, srcs)
            if cls == REGIO.Phase:
                self.e.record(self.plan, REGIO.hasPhase, node, kind, pid, srcs)
                self.e.curated(node, REGIO.phaseNumber, Literal(str(cur["number"]),
                                                                  datatype=XSD.integer))
            period = ph.get("period") or ph.get("date")
            if period:
                self.e.stated(node, REGIO.periodText, text(period["value"], "en"), period["sources"])
                for key, prop in (("start", REGIO.startDate), ("end", REGIO.endDate)):
                    if cur.get(key):
                        self.e.stated(node, prop, date_literal(cur[key]), period["sources"])
            for v in ph.get("period_variants", []):
                self.e.stated(node, REGIO.periodText, text(v["value"], "en"), v["sources"])
            if ph.get("hub_project"):
                self.e.record(node, REGIO.hubProject, self.e.iri("project", ph["hub_project"]),
                              kind, pid, srcs)
            if ph.get("lessons_learned"):
                ll = ph["lessons_learned"]
                self.e.stated(node, REGIO.lessonsLearned, text(ll["value"], "en"), ll["sources"])
            for key in ("start_status_2016", "partner_types", "start", "regio_nrw_recommendation"):
                if ph.get(key):
                    self.e.stated(node, REGIO.note, text(ph[key]["value"], "en"), ph[key]["sources"])
            if ph.get("link_to_owl40"):
                lk = ph["link_to_owl40"]
                self.e.stated(node, REGIO.linkNote, text(lk["value"], "en"), lk["sources"])
        self.reorientation()

    def reorientation(self) -> None:
        ro = self.c["reorientation"]
        ph = self.phases[ro["phase"]]
        node, src = self.e.iri("event", f"{ro['date']}-{ro['slug']}"), ph["date"]["sources"]
        self.e.stated(node, RDF.type, REGIO.Event, src)
        self.e.stated(node, RDFS.label, text(ro["title"], "en"), src)
        self.e.stated(node, DCT.title, text(ro["title"], "en"), src)
        self.e.stated(node, REGIO.date, date_literal(ro["date"]), src)
        self.e.stated(node, REGIO.periodText, text(ph["date"]["value"], "en"), src)
        self.e.stated(node, REGIO.concerns, self.e.iri("phase", ro["phase"]), src)
        self.e.stated(node, REGIO.concerns, self.plan, src)
        self.e.curated(node, REGIO.eventType, code("event-type", "reorientation"))

    def themes(self) -> None:
        scheme = self.e.iri("theme-scheme", "owl-40")
        self.theme_scheme = scheme
        self.e.curated(scheme, RDF.type, REGIO.ThemeScheme)
        for lang, label in (("de", "Themen des Handlungskonzepts OWL 4.0"),
                            ("en", "Themes of the OWL 4.0 action plan")):
            self.e.curated(scheme, RDFS.label, text(label, lang))
            self.e.curated(scheme, SKOS.prefLabel, text(label, lang))
        self.e.curated(self.plan, REGIO.hasThemeScheme, scheme)
        app_fields = set(self.c["application_fields"])
        self.theme_ids: set[str] = set()
        for t in self.f["themes"]:
            tid, src = t["id"], t["sources"]
            node = self.e.iri("theme", tid)
            self.theme_ids.add(tid)
            self.e.stated(node, RDF.type, REGIO.Theme, src)
            self.e.stated(node, SKOS.prefLabel, text(t["label_de"], "de"), src)
            self.e.stated(node, RDFS.label, text(t["label_de"], "de"), src)
            en = self.c["themes_en"][tid]
            self.e.curated(node, SKOS.prefLabel, text(en, "en"))
            self.e.curated(node, RDFS.label, text(en, "en"))
            kind = "application-field" if tid in app_fields else "programme-theme"
            self.top_concept(node, kind)
            if t.get("phase"):
                self.e.stated(self.e.iri("phase", t["phase"]), REGIO.hasTheme, node, src)
        basis = self.f["programme"]["basis"]["sources"]
        for tid, labels in self.c["cluster_fields"].items():
            node = self.e.iri("theme", tid)
            self.theme_ids.add(tid)
            self.e.stated(node, RDF.type, REGIO.Theme, basis)
            for lang in ("de", "en"):
                self.e.curated(node, SKOS.prefLabel, text(labels[lang], lang))
                self.e.curated(node, RDFS.label, text(labels[lang], lang))
            self.top_concept(node, "cluster-field")
            self.e.stated(self.plan, REGIO.hasTheme, node, basis)

    def top_concept(self, node: NamedNode, kind: str) -> None:
        self.e.curated(node, SKOS.inScheme, self.theme_scheme)
        self.e.curated(node, SKOS.topConceptOf, self.theme_scheme)
        self.e.curated(self.theme_scheme, SKOS.hasTopConcept, node)
        self.e.curated(node, REGIO.themeKind, code("theme-kind", kind))

    def keyword(self, label: str, project_sources: list[str], pid: str) -> NamedNode:
        alias = self.c["keyword_alias"].get(label)
        if alias:
            return self.e.iri("theme", alias)
        slug = slugify(label)
        node = self.e.iri("theme", slug)
        if slug in self.theme_ids:
            return node
        self.e.record(node, RDF.type, REGIO.Theme, "project", pid, project_sources)
        self.e.record(node, SKOS.prefLabel, text(label, "en"), "project", pid, project_sources)
        self.e.record(node, RDFS.label, text(label, "en"), "project", pid, project_sources)
        self.e.curated(node, SKOS.inScheme, self.theme_scheme)
        self.e.curated(node, REGIO.themeKind, code("theme-kind", "project-keyword"))
        broader = self.c["keyword_broader"].get(slug)
        if broader:
            self.e.curated(node, SKOS.broader, self.e.iri("theme", broader))
            self.e.curated(self.e.iri("theme", broader), SKOS.narrower, node)
        else:
            self.e.curated(node, SKOS.topConceptOf, self.theme_scheme)
            self.e.curated(self.theme_scheme, SKOS.hasTopConcept, node)
        return node

    def organisations(self) -> None:
        for o in self.f["organisations"]:
            oid, src = o["id"], o["sources"]
            node, kind = self.e.iri("organisation", oid), "organisation"
            self.typed(node, REGIO.Organisation, text(o["name"], "de"), kind, oid, src)
            self.e.record(node, FOAF.name, text(o["name"]), kind, oid, src)
            self.e.record(node, SKOS.prefLabel, text(o["name"], "de"), kind, oid, src)
            if o.get("short_name"):
                self.e.record(node, REGIO.shortName, text(o["short_name"]), kind, oid, src)
            self.e.record(node, REGIO.typeText, text(o["type"], "en"), kind, oid, src)
            self.e.curated(node, REGIO.organisationType, code("org-type", self.c["org_types"][oid]))
            if o.get("seat"):
                self.e.record(node, REGIO.seat, text(o["seat"]), kind, oid, src)
            if o.get("district"):
                self.e.record(node, REGIO.district, self.e.iri("region", o["district"]),
                              kind, oid, src)
            if o.get("website"):
                self.e.record(node, FOAF.homepage, NamedNode(o["website"]), kind, oid, src)
            if o.get("note"):
                self.e.record(node, REGIO.note, text(o["note"], "en"), kind, oid, src)
        self.counts["organisations"] = len(self.f["organisations"])

    def project_records(self) -> None:
        for p in self.f["projects"]:
            self.project(p)
        self.counts["projects"] = len(self.f["projects"])

    def project(self, p: dict[str, Any]) -> None:
        pid, src = p["id"], p["sources"]
        node, kind = self.e.iri("project", pid), "project"
        self.typed(node, REGIO.Project, text(p["title"], "de"), kind, pid, src)
        self.e.record(node, DCT.title, text(p["title"], "de"), kind, pid, src)
        if p.get("full_title"):
            self.e.record(node, REGIO.fullTitle, text(p["full_title"], "de"), kind, pid, src)
        for v in p.get("title_variants", []):
            self.e.stated(node, REGIO.titleVariant, text(v["value"], "de"), v["sources"])
        if p.get("acronym"):
            self.e.record(node, REGIO.acronym, text(p["acronym"]), kind, pid, src)
        if p.get("description"):
            self.e.record(node, DCT.description, text(p["description"], "en"), kind, pid, src)
        self.e.record(node, REGIO.inPhase, self.e.iri("phase", p["phase"]), kind, pid, src)
        status = code("link-status", self.c["link_status"][pid])
        link = p.get("link_to_owl40")
        if link:
            self.e.stated(node, REGIO.partOfPlan, self.plan, link["sources"])
            self.e.stated(node, REGIO.linkStatus, status, link["sources"])
            self.e.stated(node, REGIO.linkNote, text(link["value"], "en"), link["sources"])
        else:
            self.e.record(node, REGIO.partOfPlan, self.plan, kind, pid, src)
            self.e.record(node, REGIO.linkStatus, status, kind, pid, src)
        if p.get("role_in_programme"):
            self.e.record(node, REGIO.roleInPlan, text(p["role_in_programme"], "en"), kind, pid, src)
        self.project_period(node, p)
        if p.get("website"):
            self.e.record(node, FOAF.homepage, NamedNode(p["website"]), kind, pid, src)
        for label in p.get("themes", []):
            self.e.record(node, REGIO.hasTheme, self.keyword(label, src, pid), kind, pid, src)
        for tid in self.c["project_themes"].get(pid, []):
            self.e.curated(node, REGIO.hasTheme, self.e.iri("theme", tid))
        for v in p.get("lead_variants", []):
            self.e.stated(node, REGIO.note, text("Lead: " + v["value"], "en"), v["sources"])
        if p.get("successor"):
            self.e.record(node, REGIO.successor, text(p["successor"], "en"), kind, pid, src)
        if p.get("background"):
            bg = p["background"]
            self.e.stated(node, REGIO.note, text(bg["value"], "en"), bg["sources"])

    def project_period(self, node: NamedNode, p: dict[str, Any]) -> None:
        period = p.get("period")
        if not period:
            return
        src = period["sources"]
        self.e.stated(node, REGIO.periodText, text(period["value"], "en"), src)
        cur = self.c["project_periods"].get(p["id"], {})
        if cur.get("start"):
            self.e.stated(node, REGIO.startDate, date_literal(cur["start"]), src)
        if cur.get("end"):
            self.e.stated(node, REGIO.endDate, date_literal(cur["end"]), src)
        for end in cur.get("ends", []):
            if end["source"] not in src:
                raise InputError(f"{p['id']}: end date source {end['source']} not in period sources",
                                 source="curation.yaml")
            self.e.stated(node, REGIO.endDate, date_literal(end["value"]), [end["source"]])

    def participation(self, target: str, oid: str, sources: list[str],
                      record: tuple[str, str] | None = None) -> NamedNode:
        """The n-ary role node of organisation ``oid`` in ``target`` (project/phase/plan)."""
        tnode = self.ref(target)
        slug = f"{self.c['action_plan']['slug'] if tnode == self.plan else target}--{oid}"
        node = self.e.iri("participation", slug)
        org = self.e.iri("organisation", oid)
        label = text(f"{self.orgs[oid]['name']} – {tnode.value.rsplit('/', 1)[-1]}", "de")
        triples = [(node, RDF.type, REGIO.Participation), (node, RDFS.label, label),
                   (node, REGIO.participant, org), (node, REGIO.participationIn, tnode),
                   (tnode, REGIO.hasParticipation, node)]
        for s, p, o in triples:
            if record:
                self.e.record(s, p, o, record[0], record[1], sources)
            else:
                self.e.stated(s, p, o, sources)
        self.participations[(target, oid)] = node
        return node

    def role_codes(self, role_text: str) -> list[str]:
        for rule in self.c["role_rules"]:
            if re.search(rule["match"], role_text):
                return rule["codes"]
        raise InputError(f"no role rule matches {role_text!r}", source="curation.yaml")

    def roles(self) -> None:
        for r in self.f["roles"]:
            node = self.participation(r["of"], r["org"], r["sources"])
            self.e.stated(node, REGIO.roleText, text(r["role"], "en"), r["sources"])
            for c in self.role_codes(r["role"]):
                self.role_sets.setdefault(node.value, set()).add(c)
                self.e.curated(node, ORG.role, code("role", c))
        for p in self.f["projects"]:
            pid = p["id"]
            members = ([(p["lead"], "lead")] if p.get("lead") else []) + \
                [(o, "partner") for o in p.get("partners", [])]
            for oid, role in members:
                node = self.participations.get((pid, oid))
                if node is None:
                    node = self.participation(pid, oid, p["sources"], record=("project", pid))
                elif role in self.role_sets[node.value]:
                    continue
                self.role_sets.setdefault(node.value, set()).add(role)
                self.e.record(node, REGIO.roleText, text(role, "en"), "project", pid, p["sources"])
                self.e.curated(node, ORG.role, code("role", role))
        self.counts["participations"] = len(self.participations)

    def fundings(self) -> None:
        n = 0
        for p in self.f["projects"]:
            fu = p.get("funding")
            if not fu:
                continue
            n += 1
            pid, src = p["id"], fu["sources"]
            cur = self.c["funding"].get(pid, {})
            node, proj = self.e.iri("funding", pid), self.e.iri("project", pid)
            self.e.stated(node, RDF.type, REGIO.Funding, src)
            self.e.stated(node, RDFS.label, text(f"Förderung {p['title']}", "de"), src)
            self.e.stated(node, RDFS.label, text(f"Funding of {p['title']}", "en"), src)
            self.e.stated(node, REGIO.fundedProject, proj, src)
            self.e.stated(proj, REGIO.hasFunding, node, src)
            if fu.get("amount") is not None:
                # the pages that state a variant amount do not state the main one
                variant_src = {s for v in fu.get("amount_variants", []) for s in v["sources"]}
                main_src = [s for s in src if s not in variant_src] or src
                amt = self.amount(pid, 1, fu["amount"], fu.get("currency", "EUR"),
                                  cur.get("qualifier"), None, main_src)
                self.e.stated(node, REGIO.amount, amt, main_src)
            for i, v in enumerate(fu.get("amount_variants", [])):
                cv = cur["variants"][i]
                amt = self.amount(pid, i + 2, cv["amount"], "EUR", cv["qualifier"], v["value"],
                                  v["sources"])
                self.e.stated(node, REGIO.amount, amt, v["sources"])
            if fu.get("note"):
                self.e.stated(node, REGIO.note, text(fu["note"], "en"), src)
            if fu.get("programme"):
                self.e.stated(node, REGIO.programmeText, text(fu["programme"], "en"), src)
            date = fu.get("decision_date") or cur.get("decision_date")
            if date:
                self.e.stated(node, REGIO.decisionDate, date_literal(str(date)), src)
            for prog in cur.get("programmes", []):
                self.e.stated(node, REGIO.fundingProgramme, self.e.iri("programme", prog), src)
            if cur.get("funder"):
                self.e.stated(node, REGIO.funder, self.e.iri("organisation", cur["funder"]), src)
            if cur.get("handed_over_by"):
                self.e.stated(node, REGIO.handedOverBy, self.person(cur["handed_over_by"]), src)
        n += self.phase_funding()
        self.counts["fundings"] = n

    def phase_funding(self) -> int:
        for pid, cur in self.c["phase_funding"].items():
            fu = self.phases[pid]["funding"]
            node, src = self.e.iri("funding", pid), fu["sources"]
            phase = self.e.iri("phase", pid)
            self.e.stated(node, RDF.type, REGIO.Funding, src)
            self.e.stated(node, RDFS.label, text(f"Förderung {pid}", "de"), src)
            self.e.stated(node, RDFS.label, text(f"Funding of {pid}", "en"), src)
            self.e.stated(node, REGIO.fundedPhase, phase, src)
            self.e.stated(phase, REGIO.hasFunding, node, src)
            self.e.stated(node, REGIO.programmeText, text(fu["value"], "en"), src)
            amt = self.amount(pid, 1, cur["amount"], cur["currency"], cur["qualifier"],
                              fu["value"], src)
            self.e.stated(node, REGIO.amount, amt, src)
            for prog in cur["programmes"]:
                self.e.stated(node, REGIO.fundingProgramme, self.e.iri("programme", prog), src)
        return len(self.c["phase_funding"])

    def stated_counts(self) -> None:
        n = 0
        for i, sc in enumerate(self.f["stated_counts"]):
            for j, part in enumerate(self.c["stated_counts"][i]):
                n += 1
                node = self.e.iri("count", f"{i + 1}" + (f"-{j + 1}" if j else ""))
                src = part.get("sources", sc["sources"]) + part.get("sources_add", [])
                if not set(part.get("sources", [])) <= set(sc["sources"]):
                    raise InputError(f"stated count {i}: part sources not among the entry's sources",
                                     source="curation.yaml")
                what = part.get("what", sc["what"])
                value = part.get("value", sc["value"])
                self.e.stated(node, RDF.type, REGIO.StatedCount, src)
                self.e.stated(node, RDFS.label, text(f"{what}: {value}", "en"), src)
                self.e.stated(node, REGIO.countedThing, text(what, "en"), src)
                self.e.stated(node, REGIO.statedValue, text(value), src)
                target = self.ref(part["of"]) if part.get("of") else self.plan
                self.e.stated(node, REGIO.countOf, target, src)
                if part.get("numeric") is not None:
                    self.e.stated(node, REGIO.numericValue, decimal(part["numeric"]), src)
                    self.e.curated(node, REGIO.amountQualifier,
                                   code("qualifier", part.get("qualifier", "exact")))
                if part.get("currency"):
                    self.e.stated(node, REGIO.currency, text(part["currency"]), src)
        for ph in self.f["phases"]:
            for sc in ph.get("stated_project_counts", []):
                if sc.get("note"):
                    node = self.e.iri("phase", ph["id"])
                    self.e.stated(node, REGIO.note, text(f"{sc['value']}: {sc['note']}", "en"),
                                  sc["sources"])
        self.counts["stated_counts"] = n

    def people_records(self) -> None:
        for p in self.f["people"]:
            node, src = self.person(p["name"]), p["sources"]
            self.e.stated(node, RDF.type, REGIO.Person, src)
            self.e.stated(node, RDFS.label, text(p["name"]), src)
            self.e.stated(node, FOAF.name, text(p["name"]), src)
            self.e.stated(node, REGIO.publicRole, text(p["role"]), src)
        self.counts["people"] = len(self.f["people"])

    def events(self) -> None:
        for i, ev in enumerate(self.f["events"]):
            cur, src = self.c["events"][i], ev["sources"]
            node = self.e.iri("event", f"{ev['date']}-{cur['slug']}")
            self.e.stated(node, RDF.type, REGIO.Event, src)
            self.e.curated(node, RDFS.label, text(cur["title"], "en"))
            self.e.curated(node, DCT.title, text(cur["title"], "en"))
            self.e.stated(node, DCT.description, text(ev["what"], "en"), src)
            self.e.stated(node, REGIO.date, date_literal(str(ev["date"])), src)
            self.e.curated(node, REGIO.eventType, code("event-type", cur["type"]))
            for rid in cur.get("concerns", []):
                self.e.stated(node, REGIO.concerns, self.ref(rid), src)
            for name in cur.get("people", []):
                self.e.stated(node, REGIO.involvedPerson, self.person(name), src)
            if cur.get("location"):
                self.e.stated(node, REGIO.location, text(cur["location"]), src)
        self.counts["events"] = len(self.f["events"]) + 1


def default_graph_quads(quads: list[Quad]) -> list[Quad]:
    """The union of ``quads``' graphs as default-graph quads, each triple once (an RDF merge).

    The store keeps this materialised union as its default graph, so a SPARQL query without
    GRAPH sees each public statement once, however many sources state it.
    """
    seen: set[tuple[str, str, str]] = set()
    out: list[Quad] = []
    for q in quads:
        key = (str(q.subject), str(q.predicate), str(q.object))
        if key not in seen:
            seen.add(key)
            out.append(Quad(q.subject, q.predicate, q.object, DefaultGraph()))
    return out
