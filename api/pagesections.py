"""The sections of a resource page, by kind: project, organisation, theme, action plan, other.

Each builder reads one `graph.describe.Description` through `api.pageview.Page` and returns
plain data for the templates; nothing here is HTML, so the templates' autoescaping covers
every value from the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from api.pageview import Page, Ref, Row, Val, tail
from graph.describe import Statement
from graph.namespaces import DCT, FOAF, ORG, PROV, RDF, RDFS, REGIO, SKOS

KIND_OF_TYPE = {REGIO.Project.value: "project", REGIO.Organisation.value: "organisation",
                REGIO.Theme.value: "theme", REGIO.ActionPlan.value: "plan",
                REGIO.Source.value: "source"}
ROLE_RANK = {"lead": 0, "coordinator": 1, "executing-body": 2, "consortium-member": 3,
             "partner": 4, "associated-partner": 5, "initiator": 6, "evaluator": 7, "funder": 8}
NAME_PROPS = (SKOS.prefLabel, RDFS.label, DCT.title, FOAF.name)
FACTS = {
    "project": ("fullTitle", "titleVariant", "acronym", "inPhase", "partOfPlan", "startDate",
                "endDate", "periodText", "hasTheme", "keyword", "hasKeyword", "homepage",
                "roleInPlan", "result", "successor", "note"),
    "organisation": ("name", "shortName", "organisationType", "typeText", "isSME", "seat",
                     "district", "homepage", "note"),
    "theme": ("prefLabel", "themeKind", "inScheme", "broader"),
    "plan": ("title", "titleVariant", "motto", "planType", "region", "coordinatedBy", "startYear",
             "basis", "developedWith", "modelCharacter", "successClaim", "communicationPlatform",
             "homepage", "fundingCall", "hasThemeScheme", "competenceField", "note"),
    "source": ("title", "publisher", "issued", "url", "sourceKey"),
}
_OTHER_NS = {"title": DCT.title, "name": FOAF.name, "homepage": FOAF.homepage,
             "prefLabel": SKOS.prefLabel, "inScheme": SKOS.inScheme, "broader": SKOS.broader,
             "publisher": DCT.publisher, "issued": DCT.issued,
             "url": ox.NamedNode("https://schema.org/url")}


def prop(name: str) -> ox.NamedNode:
    return _OTHER_NS.get(name) or REGIO[name]


@dataclass
class Part:
    """An organisation's part in a project, phase or plan (one Participation node)."""

    other: Val
    roles: list[Val]
    texts: list[Val]
    rank: int
    originals: list[Val] = field(default_factory=list)


@dataclass
class Amount:
    text: str
    qualifier: str | None
    stated: str | None
    refs: list[Ref]


@dataclass
class FundingView:
    label: str
    href: str | None
    target: Val | None
    rows: list[Row]
    amounts: list[Amount]
    disagree: bool


@dataclass
class LinkView:
    """A project's link to a plan: its status, whether it is confirmed, the sheet's note,
    the suggested phase (unconfirmed links) and the sources that suggest it."""

    code: str
    status: Val | None
    plan: Val | None
    confirmed: bool
    notes: list[Val]
    suggested: list[Val]
    sources: list[Val]
    originals: list[Val] = field(default_factory=list)  # of the notes, when translated


@dataclass
class Group:
    label: str
    items: list[Val] = field(default_factory=list)


def kind_of(page: Page) -> str:
    for t in sorted(page.desc.types(page.desc.iri)):
        if t in KIND_OF_TYPE:
            return KIND_OF_TYPE[t]
    return "other"


def title_of(page: Page) -> tuple[str, str | None, list[Val]]:
    """The resource's name in the page language (with its language when it is another one),
    and the originals when it is the curators' translation."""
    iri = page.desc.iri
    for name in NAME_PROPS:
        vals, originals = page.values_and_originals(iri, name)
        if vals:
            return vals[0].text, vals[0].text_lang, originals
    if REGIO.MonetaryAmount.value in page.desc.types(iri):  # an amount is named by itself
        value, currency = page.values(iri, REGIO.value), page.values(iri, REGIO.currency)
        if value:
            return " ".join(v.text for v in value[:1] + currency[:1]), None, []
    text, lang = page.label_and_language(iri)
    return text, lang, []


def participations(page: Page) -> list[Part]:
    """Participations of the resource: organisations (for a project, phase or plan) or
    projects (for an organisation), each with roles and the role wording of the sources."""
    desc, me, out = page.desc, page.desc.iri, []
    for part in desc.parts:
        if REGIO.Participation.value not in desc.types(part):
            continue
        who = desc.objects(part, REGIO.participant)
        where = desc.objects(part, REGIO.participationIn)
        if not who or not where:
            continue
        other = where[0] if who[0].object.value == me else who[0]
        roles = [page.value(st) for st in desc.objects(part, ORG.role)]
        rank = min((ROLE_RANK.get(tail(v.iri or ""), 9) for v in roles), default=9)
        texts, originals = page.values_and_originals(part, REGIO.roleText)
        out.append(Part(page.value(other), roles, texts, rank, originals))
    return sorted(out, key=lambda p: (p.rank, p.other.text.lower()))


def fundings(page: Page) -> list[FundingView]:
    desc, out = page.desc, []
    for f in desc.parts:
        if REGIO.Funding.value not in desc.types(f):
            continue
        target = (desc.objects(f, REGIO.fundedProject) + desc.objects(f, REGIO.fundedPhase))
        target_val = page.value(target[0]) if target and target[0].object.value != desc.iri else None
        rows = page.rows(f, [prop(p) for p in ("fundingProgramme", "programmeText", "funder",
                                                 "decisionDate", "handedOverBy", "note")])
        amounts = [amount(page, st) for st in desc.objects(f, REGIO.amount)]
        values = {a.text for a in amounts}
        out.append(FundingView(page.label(f), page.links.href(f), target_val, rows,
                               amounts, len(values) > 1))
    return out


def amount(page: Page, link: Statement) -> Amount:
    desc, node = page.desc, link.object.value
    value = desc.objects(node, REGIO.value)
    currency = desc.objects(node, REGIO.currency)
    qualifier = [q for q in desc.objects(node, REGIO.amountQualifier)
                 if not q.object.value.endswith("/exact")]  # an exact amount is just the amount
    stated = page.values(node, REGIO.statedValue)
    text = page.value(value[0]).text if value else "?"
    if currency:
        text += " " + currency[0].object.value
    refs = page.value(value[0]).refs if value else page.value(link).refs
    return Amount(text, page.label(qualifier[0].object.value) if qualifier else None,
                  stated[0] if stated else None, refs)


def counts(page: Page) -> list[tuple[Val, Val, list[Val]]]:
    """Stated counts about the resource: (what is counted, the value as stated, the
    originals of both when they are translated)."""
    desc, out = page.desc, []
    for c in desc.parts:
        if REGIO.StatedCount.value in desc.types(c):
            what, what_originals = page.values_and_originals(c, REGIO.countedThing)
            value, value_originals = page.values_and_originals(c, REGIO.statedValue)
            if what and value:
                label = what[0]
                label.href = page.links.href(c)
                out.append((label, value[0], what_originals + value_originals))
    return out


def incoming(page: Page, shown: set[tuple[str, str]]) -> list[Group]:
    """Links to the resource, grouped by property. Parts, resources the resource links to
    itself (inverse statements) and the (predicate, subject) pairs in ``shown`` are left out:
    they are on the page already."""
    desc, groups = page.desc, {}
    parts = set(desc.parts)
    linked_out = {st.object.value for st in desc.about(desc.iri)}  # e.g. goalOf ~ hasGoal
    for s, p in desc.incoming:
        if (s.value in parts or s.value in linked_out or (p.value, s.value) in shown
                or not isinstance(s, ox.NamedNode)):
            continue
        group = groups.setdefault(p.value, Group(page.label(p.value)))
        group.items.append(page.subject_value(desc.incoming_statement(s, p)))
    for group in groups.values():
        group.items.sort(key=lambda v: v.text.lower())
    return sorted(groups.values(), key=lambda g: g.label.lower())


def incoming_of_type(page: Page, predicate: ox.NamedNode, cls: ox.NamedNode) -> list[Val]:
    """Resources of class ``cls`` that link here with ``predicate``, with their sources."""
    items = []
    for s, p in page.desc.incoming:
        if p == predicate and cls.value in page.desc.types(s.value):
            items.append(page.subject_value(page.desc.incoming_statement(s, p)))
    return sorted(items, key=lambda v: v.text.lower())


def plan_links(page: Page) -> list[LinkView]:
    """The links of the resource (a project) to action plans, confirmed ones first."""
    desc, out = page.desc, []
    for st in desc.objects(desc.iri, REGIO.hasPlanLink):
        link = st.object.value
        status = desc.objects(link, REGIO.linkStatus)
        plan = desc.objects(link, REGIO.linkedPlan)
        code = tail(status[0].object.value) if status else "unknown"
        notes, originals = page.values_and_originals(link, REGIO.linkNote)
        out.append(LinkView(code, page.value(status[0]) if status else None,
                            page.value(plan[0]) if plan else None, code == "confirmed",
                            notes, page.values(link, REGIO.suggestedPhase),
                            page.values(link, PROV.wasDerivedFrom), originals))
    return sorted(out, key=lambda v: not v.confirmed)


def _drop_repeated_titles(out: dict[str, Any]) -> None:
    """A title variant with the same text as the title or a full title is not shown a second
    time; the sources that give it as a variant are added to the full title's marks."""
    full = {v.text: v for row in out["facts"] if row.iri == REGIO.fullTitle.value
            for v in row.values}
    for row in out["facts"]:
        if row.iri != REGIO.titleVariant.value:
            continue
        kept = []
        for v in row.values:
            if v.text in full:
                known = {(r.n, r.kind) for r in full[v.text].refs}
                full[v.text].refs += [r for r in v.refs if (r.n, r.kind) not in known]
            elif v.text != out["title"]:
                kept.append(v)
        row.values = kept
    out["facts"] = [row for row in out["facts"] if row.values]


def sections(page: Page) -> dict[str, Any]:
    """Everything the resource template needs, for any kind of resource."""
    desc, me = page.desc, page.desc.iri
    kind = kind_of(page)
    title, title_lang, title_originals = title_of(page)
    out: dict[str, Any] = {"kind": kind, "title": title, "title_lang": title_lang,
                           "title_originals": title_originals,
                           "types": [page.term(ox.NamedNode(t)) for t in sorted(desc.types(me))]}
    out["links"] = plan_links(page)
    out["description"], out["description_originals"] = page.values_and_originals(
        me, DCT.description)
    names = FACTS.get(kind)
    out["facts"] = page.rows(me, [prop(n) for n in names]) if names else page.rows(
        me, skip=(RDF.type, RDFS.label, SKOS.prefLabel, DCT.source, DCT.description,
                  REGIO.linkStatus, REGIO.linkNote))
    _drop_repeated_titles(out)
    out["participants"] = participations(page)
    out["fundings"] = fundings(page)
    out["counts"] = counts(page)
    shown: set[tuple[str, str]] = set()
    if kind == "theme":
        narrower = [page.value(st) for st in desc.objects(me, SKOS.narrower)]
        known = {v.iri for v in narrower}
        below = incoming_of_type(page, SKOS.broader, REGIO.Theme)
        narrower += [v for v in below if v.iri not in known]
        out["sub_themes"] = sorted(narrower, key=lambda v: v.text.lower())
        out["theme_projects"] = incoming_of_type(page, REGIO.hasTheme, REGIO.Project)
        out["keyword_projects"] = incoming_of_type(page, REGIO.hasKeyword, REGIO.Project)
        shown = {(SKOS.broader.value, v.iri or "") for v in below}
        shown |= {(REGIO.hasTheme.value, v.iri or "") for v in out["theme_projects"]}
        shown |= {(REGIO.hasKeyword.value, v.iri or "") for v in out["keyword_projects"]}
    if kind == "plan":
        out["goals"] = page.values(me, REGIO.hasGoal)
        out["phases"] = page.values(me, REGIO.hasPhase)
        # the projects and their links are listed by status (api.pagerender, plan_projects)
        shown = {(p.value, s.value) for s, p in desc.incoming
                 if p in (REGIO.partOfPlan, REGIO.linkedPlan)}
    out["incoming"] = incoming(page, shown)
    out["all_rows"] = page.rows(me)
    return out
