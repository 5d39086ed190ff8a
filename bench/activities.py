"""Projects, participations, fundings, stated counts and events of one invented region.

A mixin of bench.region.Region (it uses the region's emitter, random generator, sources,
phases, themes and organisations); split off only to keep the modules short.
"""

from __future__ import annotations

import random

from pyoxigraph import NamedNode

from graph.build import code
from graph.emit import Emitter, date_literal, decimal, text
from graph.namespaces import DCT, FOAF, ORG, RDF, RDFS, REGIO

PARTNER_ROLES = [("partner", "partner", 80), ("associated-partner", "associated partner", 12),
                 ("consortium-member", "consortium member", 8)]
EVENT_TYPES = ["funding-decision", "launch", "kick-off", "interim-review", "conference",
               "campaign", "meeting", "designation", "project-start", "closing-event"]
LINK_STATUS = (["confirmed", "probable", "candidate"], [60, 25, 15])
Org = tuple[NamedNode, str]


class Activities:
    """What happens in a region: projects with partners and grants, counts, events."""

    e: Emitter
    rng: random.Random
    idx: int
    np: int
    extra: int
    y0: int
    plan: NamedNode
    progs: list[NamedNode]
    phase_nodes: list[NamedNode]
    phase_years: list[tuple[int, int]]
    themes_all: list[NamedNode]
    n_top: int
    orgs: list[Org]
    cum: list[float]
    hubs: list[Org]
    seats: list[str]
    source_ids: list[str]

    # -- helpers ---------------------------------------------------------------------
    def names(self, de: str, en: str, n: int | str) -> tuple[str, str]:
        return (f"{de} {n} der Beispielregion {self.idx} (erfunden)",
                f"{en} {n} of example region {self.idx} (invented)")

    def srcs(self, lo: int = 1, hi: int = 2) -> list[str]:
        return sorted(self.rng.sample(self.source_ids, self.rng.randint(lo, hi)))

    def day(self, year_lo: int, year_hi: int, last: bool = False) -> str:
        y, m = self.rng.randint(year_lo, year_hi), self.rng.randint(1, 12)
        return f"{y}-{m:02d}-{28 if last else 1:02d}"

    def partners(self, k: int) -> list[Org]:
        """``k`` distinct organisations, drawn with power-law weights (some from other regions)."""
        chosen: list[tuple[NamedNode, str]] = []
        while len(chosen) < k:
            if self.hubs and chosen and self.rng.random() < 0.04:
                cand = self.rng.choice(self.hubs)
            else:
                cand = self.rng.choices(self.orgs, cum_weights=self.cum)[0]
            if cand not in chosen:
                chosen.append(cand)
        return chosen

    # -- sections --------------------------------------------------------------------
    def projects(self) -> None:
        for k, node in enumerate(self.phase_nodes, start=1):
            self.funding(f"phase-{k}", node, REGIO.fundedPhase, self.progs[:1], 1.0)
        self.project_nodes: list[NamedNode] = []
        n1 = max(1, int(self.np * 0.45))
        for i in range(1, self.np + 1):
            self.project(i, 0 if i <= n1 else 1, hub=i in (1, n1 + 1))

    def project(self, i: int, ph: int, hub: bool) -> None:
        pid, src = f"p{i}", self.srcs(1, 3)
        node, rec = self.e.iri("project", pid), ("project", pid)
        self.project_nodes.append(node)
        de, en = self.names("Beispielprojekt", "Example project", i)
        for p, o in ((RDF.type, REGIO.Project), (RDFS.label, text(de, "de")),
                     (DCT.title, text(de, "de")),
                     (DCT.description, text(f"{en}: invented, for benchmarks.", "en")),
                     (REGIO.inPhase, self.phase_nodes[ph])):
            self.e.record(node, p, o, *rec, src)
        if self.rng.random() < 0.3:
            self.e.record(node, REGIO.acronym, text(f"BP{self.idx}-{i}"), *rec, src)
        status = code("link-status", self.rng.choices(*LINK_STATUS)[0])
        if self.rng.random() < 0.25:
            lsrc = self.srcs(1, 1)
            self.e.stated(node, REGIO.partOfPlan, self.plan, lsrc)
            self.e.stated(node, REGIO.linkStatus, status, lsrc)
            self.e.stated(node, REGIO.linkNote, text("Invented link note.", "en"), lsrc)
        else:
            self.e.record(node, REGIO.partOfPlan, self.plan, *rec, src)
            self.e.record(node, REGIO.linkStatus, status, *rec, src)
        if hub:
            self.e.record(self.phase_nodes[ph], REGIO.hubProject, node, *rec, src)
            self.e.record(node, REGIO.roleInPlan, text("hub project (invented)", "en"), *rec, src)
        lo, hi = self.phase_years[ph]
        start = self.day(lo, hi)
        y = int(start[:4])
        psrc = src[:1]
        self.e.stated(node, REGIO.startDate, date_literal(start), psrc)
        self.e.stated(node, REGIO.endDate, date_literal(self.day(y + 1, y + 4, last=True)), psrc)
        self.e.stated(node, REGIO.periodText, text(f"{y}–{y + 3}", "en"), psrc)
        if self.rng.random() < 0.1:
            self.e.stated(node, REGIO.endDate, date_literal(self.day(y + 2, y + 5, last=True)),
                          self.srcs(1, 1))
        keywords = self.themes_all[self.n_top:]
        for t in self.rng.sample(keywords, self.rng.randint(1, 3)):
            self.e.record(node, REGIO.hasTheme, t, *rec, src)
        if self.rng.random() < 0.4:
            self.e.curated(node, REGIO.hasTheme, self.rng.choice(self.themes_all[: self.n_top]))
        self.participations(pid, node, src)
        if self.rng.random() < 0.7:
            self.funding(pid, node, REGIO.fundedProject, self.rng.sample(self.progs, 1 + (
                self.rng.random() < 0.2)), 0.85)

    def participations(self, pid: str, project: NamedNode, src: list[str]) -> None:
        k = min(15, 3 + int(self.rng.expovariate(1 / 4)))
        members = self.partners(k)
        if self.rng.random() < 0.25:
            members.append(self.orgs[1])  # the invented state body as funder
        for j, (org, name) in enumerate(members):
            if org == self.orgs[1][0]:
                roles = [("funder", "funding body")]
            elif j == 0:
                roles = [("lead", "lead partner")] + (
                    [("coordinator", "coordinator")] if self.rng.random() < 0.3 else [])
            else:
                c, t, _ = self.rng.choices(PARTNER_ROLES, weights=[r[2] for r in PARTNER_ROLES])[0]
                roles = [(c, t)]
            oslug = org.value.split("/invented/", 1)[1].replace("/id/organisation/", "-")
            node = self.e.iri("participation", f"{pid}--{oslug}")
            stated = j == 0 and self.rng.random() < 0.2
            put_src = self.srcs(1, 1) if stated else src
            label = text(f"{name} – {pid}", "de")
            for s, p, o in ((node, RDF.type, REGIO.Participation), (node, RDFS.label, label),
                            (node, REGIO.participant, org), (node, REGIO.participationIn, project),
                            (project, REGIO.hasParticipation, node)) + tuple(
                                (node, REGIO.roleText, text(t, "en")) for _, t in roles):
                if stated:
                    self.e.stated(s, p, o, put_src)
                else:
                    self.e.record(s, p, o, "project", pid, src)
            for c, _ in roles:
                self.e.curated(node, ORG.role, code("role", c))

    def funding(self, fid: str, target: NamedNode, prop: NamedNode, progs: list[NamedNode],
                p_amount: float) -> None:
        node, src = self.e.iri("funding", fid), self.srcs(1, 2)
        for s, p, o in ((node, RDF.type, REGIO.Funding),
                        (node, RDFS.label, text(f"Förderung {fid} (erfunden)", "de")),
                        (node, RDFS.label, text(f"Funding of {fid} (invented)", "en")),
                        (node, prop, target), (target, REGIO.hasFunding, node),
                        (node, REGIO.decisionDate, date_literal(self.day(self.y0, self.y0 + 6))),
                        (node, REGIO.funder, self.orgs[1][0])) + tuple(
                            (node, REGIO.fundingProgramme, g) for g in progs):
            self.e.stated(s, p, o, src)
        if self.rng.random() >= p_amount:
            self.e.stated(node, REGIO.note, text("Amount not stated (invented).", "en"), src)
            return
        value = self.rng.randrange(50, 3000) * (1000 if prop == REGIO.fundedProject else 10000)
        amounts = [(value, "exact", src)]
        if self.rng.random() < 0.1:
            amounts.append((value + self.rng.randrange(1, 50) * 1000, "about", self.srcs(1, 1)))
        for n, (v, q, asrc) in enumerate(amounts, start=1):
            amt = self.e.iri("amount", f"{fid}-{n}")
            for p, o in ((RDF.type, REGIO.MonetaryAmount), (REGIO.value, decimal(v)),
                         (REGIO.currency, text("EUR")), (REGIO.statedValue, text(f"{v} EUR"))):
                self.e.stated(amt, p, o, asrc)
            self.e.curated(amt, REGIO.amountQualifier, code("qualifier", q))
            self.e.stated(node, REGIO.amount, amt, asrc)

    def counts(self) -> None:
        about = [(self.plan, "projects", self.np),
                 (self.plan, "partner organisations", len(self.orgs))]
        about += [(ph, "projects", self.rng.randint(3, self.np)) for ph in self.phase_nodes]
        about += [(p, "partners", self.rng.randint(3, 15)) for p in self.project_nodes
                  if self.rng.random() < 0.2]
        for n, (target, what, value) in enumerate(about, start=1):
            node, src = self.e.iri("count", str(n)), self.srcs(1, 2)
            q = self.rng.choice(["exact", "exact", "about", "over"])
            for p, o in ((RDF.type, REGIO.StatedCount),
                         (RDFS.label, text(f"{what}: {value} (invented)", "en")),
                         (REGIO.countOf, target), (REGIO.countedThing, text(what, "en")),
                         (REGIO.statedValue, text(f"{'' if q == 'exact' else q + ' '}{value}")),
                         (REGIO.numericValue, decimal(value))):
                self.e.stated(node, p, o, src)
            self.e.curated(node, REGIO.amountQualifier, code("qualifier", q))

    def events(self) -> None:
        people = [self.e.iri("person", f"person-{k}") for k in range(1, self.rng.randint(2, 5) + 1)]
        for k, node in enumerate(people, start=1):
            src, name = self.srcs(1, 1), self.names("Beispielperson", "", k)[0]
            for p, o in ((RDF.type, REGIO.Person), (RDFS.label, text(name)),
                         (FOAF.name, text(name)),
                         (REGIO.publicRole, text("Beispielamt (erfunden)", "de"))):
                self.e.stated(node, p, o, src)
        targets = [self.plan, *self.phase_nodes, *self.project_nodes]
        for k in range(1, 4 + self.np // 10 + self.extra + 1):
            date, src = self.day(self.y0, self.y0 + 7), self.srcs(1, 2)
            node = self.e.iri("event", f"{date}-event-{k}")
            _, en = self.names("Example event", "Example event", k)
            for p, o in ((RDF.type, REGIO.Event), (DCT.description, text(en + ".", "en")),
                         (REGIO.date, date_literal(date)),
                         (REGIO.concerns, self.rng.choice(targets)),
                         (REGIO.location, text(self.rng.choice(self.seats)))):
                self.e.stated(node, p, o, src)
            if self.rng.random() < 0.3:
                self.e.stated(node, REGIO.involvedPerson, self.rng.choice(people), src)
            self.e.curated(node, RDFS.label, text(en, "en"))
            self.e.curated(node, DCT.title, text(en, "en"))
            self.e.curated(node, REGIO.eventType, code("event-type", self.rng.choice(EVENT_TYPES)))
