"""One INVENTED region in the exact shape of the regio: model (see bench/generate.py).

Every IRI lies under ``http://example.org/invented/<region-slug>/``, every label says
"(erfunden)" / "(invented)", source URLs lie under ``http://example.org/invented/sources/``.
Statements go into provenance named graphs through graph.emit.Emitter, as graph/build.py does.
This module builds the frame (sources, places, programmes, plan, phases, themes,
organisations); bench/activities.py adds projects, participations, grants, counts and events.
"""

from __future__ import annotations

import itertools
import random

from pyoxigraph import Literal, NamedNode, Quad, Triple

from bench.activities import Activities
from graph.build import code
from graph.emit import Emitter, Term, date_literal, text
from graph.namespaces import DCT, FOAF, RDF, RDFS, REGIO, SCHEMA, SKOS, XSD

INVENTED = "http://example.org/invented/"
SOURCE_URLS = INVENTED + "sources/"
# org-type code, how common, how central (weight in the partner draw), typeText
ORG_TYPES = [
    ("company", 40, 1.0, "invented company"), ("university", 3, 4.0, "invented university"),
    ("university-of-applied-sciences", 4, 3.0, "invented university of applied sciences"),
    ("research-institute", 5, 3.0, "invented research institute"),
    ("network", 5, 2.5, "invented cluster initiative"), ("chamber", 2, 2.5, "invented chamber"),
    ("association", 6, 1.5, "invented association"),
    ("business-development-agency", 3, 2.5, "invented business development agency"),
    ("district-administration", 3, 1.5, "invented district administration"),
    ("municipality", 4, 1.0, "invented municipality"),
    ("education-provider", 4, 1.0, "invented education provider"),
    ("start-up-support", 3, 1.5, "invented start-up centre"),
    ("foundation", 2, 1.0, "invented foundation"), ("other", 2, 1.0, "invented other body"),
    ("state-ministry", 0, 0.0, "invented state ministry"),  # o2 only: the funder, never drawn
]
THEME_KINDS = ["application-field", "application-field", "application-field", "programme-theme",
               "programme-theme", "cluster-field", "cluster-field"]


def region_slug(idx: int) -> str:
    return f"region-{idx:04d}"


class _Emitter(Emitter):
    """graph.emit.Emitter with the same graphs and output, but a faster duplicate check (pyoxigraph
    quads are hashable) and cached graph IRIs; the generator emits millions of statements."""

    def __init__(self, base: str) -> None:
        super().__init__(base)
        self._seen_quads: set[Quad] = set()
        self._graph_nodes: dict[str, NamedNode] = {}

    def graph_iri(self, path: str) -> NamedNode:
        node = self._graph_nodes.get(path)
        if node is None:
            node = self._graph_nodes[path] = NamedNode(f"{self.base}graph/{path}")
        return node

    def _put(self, s: Term, p: NamedNode, o: Term, g: NamedNode) -> None:
        quad = Quad(s, p, o, g)
        if quad not in self._seen_quads:
            self._seen_quads.add(quad)
            self.quads.append(quad)


class Region(Activities):
    """One invented region with its action plan and everything around it.

    ``idx`` numbers the region (its slug and labels), ``n_projects`` sets its size,
    ``extra_events`` pads it, ``hubs`` are organisations of earlier regions that may take part
    in its projects. The same arguments give the same statements.
    """

    def __init__(self, seed: int, idx: int, n_projects: int, extra_events: int,
                 hubs: list[tuple[NamedNode, str]]) -> None:
        self.idx, self.np, self.extra, self.hubs = idx, n_projects, extra_events, hubs
        self.slug = region_slug(idx)
        self.e = _Emitter(f"{INVENTED}{self.slug}/")
        self.rng = random.Random(f"{seed}:{idx}")
        self.plan = self.e.iri("action-plan", "plan")
        self.region = self.e.iri("region", self.slug)

    # -- helpers ---------------------------------------------------------------------
    def labelled(self, node: NamedNode, cls: NamedNode, de: str, en: str, src: list[str],
                 record: tuple[str, str] | None = None) -> None:
        """rdf:type, rdfs:label and skos:prefLabel in German (stated, or record-level when
        ``record`` is given) and in English (curated, a translation)."""
        for p, o in ((RDF.type, cls), (RDFS.label, text(de, "de")),
                     (SKOS.prefLabel, text(de, "de"))):
            if record:
                self.e.record(node, p, o, record[0], record[1], src)
            else:
                self.e.stated(node, p, o, src)
        self.e.curated(node, RDFS.label, text(en, "en"))
        self.e.curated(node, SKOS.prefLabel, text(en, "en"))

    # -- sections --------------------------------------------------------------------
    def build(self) -> int:
        """Emit the region: ``quads`` (named graphs) and ``union`` (the default graph: each
        triple of any named graph once, as graph.build.default_graph_quads); returns the size."""
        for step in (self.sources, self.places, self.programmes, self.action_plan, self.phases,
                     self.themes, self.organisations, self.projects, self.counts, self.events):
            step()
        self.e.finish()
        self.quads: list[Quad] = self.e.quads
        self.union: list[Triple] = list(dict.fromkeys(q.triple for q in self.quads))
        self.size = len(self.quads) + len(self.union)
        return self.size

    def sources(self) -> None:
        self.y0 = 2012 + self.rng.randint(0, 10)
        self.source_ids = [f"s{k:03d}" for k in range(1, 9 + self.np // 4)]
        for sid in self.source_ids:
            node = self.e.source(sid)
            de, _ = self.names("Beispielquelle", "Example source", sid[1:])
            for p, o in ((RDF.type, REGIO.Source), (RDFS.label, text(de, "de")),
                         (DCT.title, text(de, "de")),
                         (SCHEMA.url, Literal(f"{SOURCE_URLS}{self.slug}/{sid}",
                                              datatype=XSD.anyURI)),
                         (DCT.publisher,
                          text(f"Beispielverlag {self.rng.randint(1, 6)} (erfunden)")),
                         (REGIO.sourceKey, text(f"{self.slug}-{sid}")),
                         (DCT.issued, date_literal(self.day(self.y0, self.y0 + 8)))):
                self.e.stated(node, p, o, [sid])

    def places(self) -> None:
        src = self.srcs(1, 1)
        de, en = f"Beispielregion {self.idx} (erfunden)", f"Example region {self.idx} (invented)"
        self.labelled(self.region, REGIO.Region, de, en, src)
        self.e.stated(self.region, REGIO.regionType, text("Region (erfunden)", "de"), src)
        self.districts = [self.e.iri("region", f"{self.slug}-d{d}")
                          for d in range(1, self.rng.randint(4, 9) + 1)]
        self.seats = []
        for d, node in enumerate(self.districts, start=1):
            de, en = self.names("Beispielkreis", "Example district", d)
            self.labelled(node, REGIO.District, de, en, src)
            self.seats.append(f"Beispielstadt {d} der Beispielregion {self.idx} (erfunden)")
            for p, o in ((REGIO.regionType, text("Kreis", "de")),
                         (REGIO.officialCode, text(f"9{self.idx % 1000:03d}{d}")),
                         (REGIO.codeType, text("Kreisschlüssel", "de")),
                         (REGIO.seat, text(self.seats[-1])), (REGIO.partOfRegion, self.region)):
                self.e.stated(node, p, o, src)

    def programmes(self) -> None:
        self.progs = [self.e.iri("programme", f"prog-{k}") for k in range(1, 5)]
        for k, node in enumerate(self.progs, start=1):
            de, en = self.names("Beispielprogramm", "Example programme", k)
            self.e.curated(node, RDF.type, REGIO.FundingProgramme)
            for lang, label in (("de", de), ("en", en)):
                self.e.curated(node, RDFS.label, text(label, lang))
                self.e.curated(node, SKOS.prefLabel, text(label, lang))
            self.e.curated(node, REGIO.programmePeriod, text(f"{self.y0}–{self.y0 + 6}"))
            if k > 2:
                self.e.curated(node, REGIO.partOfProgramme, self.progs[0])

    def action_plan(self) -> None:
        node, src, rec = self.plan, self.srcs(2, 3), ("action-plan", "plan")
        de, en = (f"Beispiel-Handlungskonzept der Beispielregion {self.idx} (erfunden)",
                  f"Example action plan of example region {self.idx} (invented)")
        self.labelled(node, REGIO.ActionPlan, de, en, src, rec)
        self.e.record(node, DCT.title, text(de, "de"), *rec, src)
        self.e.curated(node, DCT.title, text(en, "en"))
        self.e.record(node, REGIO.planType, text("Handlungskonzept (erfunden)", "de"), *rec, src)
        self.e.record(node, REGIO.region, self.region, *rec, src)
        motto = text(f"Beispielmotto {self.idx} (erfunden)", "de")
        self.e.stated(node, REGIO.motto, motto, src[:1])
        self.e.stated(node, REGIO.startYear, Literal(str(self.y0), datatype=XSD.gYear), src[:1])
        self.e.stated(node, REGIO.fundingCall, self.progs[0], src[-1:])
        self.e.stated(node, FOAF.homepage, NamedNode(f"{self.e.base}web/"), src[:1])
        for g in range(1, self.rng.randint(3, 6) + 1):
            goal, gsrc = self.e.iri("goal", str(g)), self.srcs()
            _, label = self.names("Example goal", "Example goal", g)
            for s, p, o in ((goal, RDF.type, REGIO.Goal), (goal, RDFS.label, text(label, "en")),
                            (goal, SKOS.prefLabel, text(label, "en")), (goal, REGIO.goalOf, node),
                            (node, REGIO.hasGoal, goal)):
                self.e.stated(s, p, o, gsrc)

    def phases(self) -> None:
        self.phase_nodes, self.phase_years = [], []
        for k, (lo, hi) in enumerate(((0, 2), (3, 6)), start=1):
            rec = ("phase", f"phase-{k}")
            node, src = self.e.iri(*rec), self.srcs(1, 3)
            self.phase_nodes.append(node)
            self.phase_years.append((self.y0 + lo, self.y0 + hi))
            de, en = self.names("Phase", "Phase", k)
            self.labelled(node, REGIO.Phase, de, en, src, rec)
            self.e.record(node, REGIO.periodOf, self.plan, *rec, src)
            self.e.record(self.plan, REGIO.hasPhase, node, *rec, src)
            self.e.curated(node, REGIO.phaseNumber, Literal(str(k), datatype=XSD.integer))
            self.e.stated(node, REGIO.startDate, date_literal(f"{self.y0 + lo}-01-01"), src[:1])
            self.e.stated(node, REGIO.endDate, date_literal(f"{self.y0 + hi}-12-31"), src[:1])
            period = text(f"{self.y0 + lo}–{self.y0 + hi}", "en")
            self.e.stated(node, REGIO.periodText, period, src[:1])

    def themes(self) -> None:
        scheme = self.e.iri("theme-scheme", "themes")
        self.e.curated(scheme, RDF.type, REGIO.ThemeScheme)
        self.e.curated(self.plan, REGIO.hasThemeScheme, scheme)
        de, en = self.names("Themenschema", "Theme scheme", 1)
        self.e.curated(scheme, SKOS.prefLabel, text(de, "de"))
        self.e.curated(scheme, SKOS.prefLabel, text(en, "en"))
        n_top = self.rng.randint(5, 7)
        self.themes_all: list[NamedNode] = []
        for t in range(1, n_top + self.rng.randint(13, 16) + 1):
            node, src = self.e.iri("theme", f"t{t}"), self.srcs(1, 1)
            de, en = self.names("Beispielthema", "Example theme", t)
            self.labelled(node, REGIO.Theme, de, en, src)
            self.e.curated(node, SKOS.inScheme, scheme)
            if t <= n_top:
                kind = THEME_KINDS[t - 1]
                self.e.curated(node, SKOS.topConceptOf, scheme)
                self.e.curated(scheme, SKOS.hasTopConcept, node)
                target = self.plan if kind == "cluster-field" else self.rng.choice(self.phase_nodes)
                self.e.stated(target, REGIO.hasTheme, node, src)
            else:
                kind = "project-keyword"
                deep = self.rng.random() < 0.25 and len(self.themes_all) > n_top
                pool = self.themes_all[n_top:] if deep else self.themes_all[:n_top]
                broader = self.rng.choice(pool)
                self.e.curated(node, SKOS.broader, broader)
                self.e.curated(broader, SKOS.narrower, node)
            self.e.curated(node, REGIO.themeKind, code("theme-kind", kind))
            self.themes_all.append(node)
        self.n_top = n_top

    def organisations(self) -> None:
        n = max(20, self.np * 3 // 2)
        codes = [t[0] for t in ORG_TYPES]
        kinds = self.rng.choices(range(len(ORG_TYPES)), weights=[t[1] for t in ORG_TYPES], k=n)
        kinds[0] = codes.index("business-development-agency")  # o1 coordinates the plan
        kinds[1] = codes.index("state-ministry")  # o2 funds
        ranks = list(range(1, n + 1))
        self.rng.shuffle(ranks)
        self.orgs: list[tuple[NamedNode, str]] = []
        weights = []
        for k in range(1, n + 1):
            oid, (tcode, _, central, ttext) = f"o{k}", ORG_TYPES[kinds[k - 1]]
            node, src, rec = self.e.iri("organisation", oid), self.srcs(1, 2), ("organisation", oid)
            de, _ = self.names("Beispielorganisation", "Example organisation", k)
            for p, o in ((RDF.type, REGIO.Organisation), (RDFS.label, text(de, "de")),
                         (SKOS.prefLabel, text(de, "de")), (FOAF.name, text(de)),
                         (REGIO.typeText, text(ttext, "en"))):
                self.e.record(node, p, o, *rec, src)
            d = self.rng.randrange(len(self.districts))
            self.e.record(node, REGIO.district, self.districts[d], *rec, src)
            self.e.record(node, REGIO.seat, text(self.seats[d]), *rec, src)
            if self.rng.random() < 0.4:
                self.e.record(node, REGIO.shortName, text(f"BO-{self.idx}-{k}"), *rec, src)
            if tcode == "company" and self.rng.random() < 0.5:
                self.e.record(node, REGIO.isSME, Literal("true", datatype=XSD.boolean), *rec, src)
            self.e.curated(node, REGIO.organisationType, code("org-type", tcode))
            self.orgs.append((node, de))
            weights.append(central / ranks[k - 1] ** 0.8)
        self.cum = list(itertools.accumulate(weights))
        self.e.stated(self.plan, REGIO.coordinatedBy, self.orgs[0][0], self.srcs(1, 1))
        order = sorted(range(n), key=lambda i: -weights[i])
        self.hubs_out = [self.orgs[i] for i in order[:5]]
