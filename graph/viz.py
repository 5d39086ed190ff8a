"""The data behind the pictures: project–partner network, project timeline, partners per
district, projects per theme, funding amounts. Each function queries the default graph (the
public union) and returns plain Python values; :mod:`graph.svg` draws them.

Labels are picked per language (``lang``, then the other language, then untagged, then the
IRI's last segment). Nothing here is invented: a missing date or amount stays missing and the
pictures say so.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field

import pyoxigraph as ox

from graph.namespaces import sparql_prefixes
from graph.sparql import Queryable

LABELS = "rdfs:label|skos:prefLabel|dct:title|foaf:name"


@dataclass(frozen=True)
class Item:
    """A resource with its label in the chosen language."""

    iri: str
    label: str
    status: str = ""  # a project's link status to the plan (confirmed, probable, candidate)


def _query(store: Queryable, body: str) -> list[dict[str, ox.NamedNode | ox.Literal]]:
    return store.query(sparql_prefixes() + body).rows  # type: ignore[return-value]


def _pick(values: list[ox.Literal], lang: str) -> str:
    order = (lang, "en" if lang == "de" else "de", "")
    for want in order:
        for v in sorted(values, key=lambda x: x.value):
            if (v.language or "") == want:
                return v.value
    return sorted(values, key=lambda x: x.value)[0].value if values else ""


def labels(store: Queryable, iris: set[str], lang: str, *, short: bool = False) -> dict[str, str]:
    """The label of each IRI (``short``: prefer ``regio:shortName``/``regio:acronym``)."""
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in sorted(iris))
    found: dict[str, list[ox.Literal]] = {}
    shorts: dict[str, list[ox.Literal]] = {}
    rows = _query(store, f"SELECT ?s ?l ?short WHERE {{ VALUES ?s {{ {values} }} "
                         f"{{ ?s {LABELS} ?l }} UNION {{ ?s regio:shortName|regio:acronym ?short }} }}")
    for row in rows:
        if "l" in row:
            found.setdefault(row["s"].value, []).append(row["l"])
        if "short" in row:
            shorts.setdefault(row["s"].value, []).append(row["short"])
    out = {}
    for iri in iris:
        chosen = shorts.get(iri) if short and shorts.get(iri) else found.get(iri, [])
        out[iri] = _pick(chosen, lang) or iri.rstrip("/").rsplit("/", 1)[-1]
    return out


def is_project(store: Queryable, iri: str) -> bool:
    """True when ``iri`` is a regio:Project of the graph."""
    return bool(store.query(sparql_prefixes() + f"ASK {{ <{iri}> a regio:Project }}").boolean)


def network(store: Queryable, lang: str, *, project: str | None = None
            ) -> tuple[list[Item], list[Item], list[tuple[str, str]]]:
    """Projects, organisations and (project, organisation) participation edges; with
    ``project`` (an IRI) only that project's partners and their other projects."""
    rows = _query(store, """SELECT DISTINCT ?p ?o WHERE { ?x a regio:Participation ;
        regio:participant ?o ; regio:participationIn ?p . ?p a regio:Project }""")
    edges = sorted({(r["p"].value, r["o"].value) for r in rows})
    if project is not None:
        partners = {o for p, o in edges if p == project}
        edges = [(p, o) for p, o in edges if o in partners]
    names = labels(store, {p for p, _ in edges} | {o for _, o in edges}, lang, short=True)
    status = {r["p"].value: r["s"].value.rsplit("/", 1)[-1] for r in _query(store, """
        SELECT ?p ?s WHERE { ?p a regio:Project ; regio:hasPlanLink/regio:linkStatus ?s }""")}
    projects = sorted({Item(p, names[p], status.get(p, "")) for p, _ in edges},
                      key=lambda i: i.label.lower())
    orgs = sorted({Item(o, names[o]) for _, o in edges}, key=lambda i: i.label.lower())
    return projects, orgs, edges


@dataclass
class Span:
    """A project's period: years as fractions; several end values when sources disagree."""

    item: Item
    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)
    text: str = ""


def year_fraction(value: ox.Literal, *, end: bool) -> float | None:
    """A date, year-month or year as a fractional year; an end covers its whole month/year."""
    text = value.value
    try:
        year = int(text[:4])
        if len(text) == 4:
            return year + (1.0 if end else 0.0)
        month = int(text[5:7])
        days = 366 if calendar.isleap(year) else 365
        if len(text) == 7:
            day = calendar.monthrange(year, month)[1] if end else 1
        else:
            day = int(text[8:10])
        offset = sum(calendar.monthrange(year, m)[1] for m in range(1, month)) + day
        return year + (offset if end else offset - 1) / days
    except (ValueError, IndexError):
        return None


def timeline(store: Queryable, lang: str) -> list[Span]:
    """Every project with its start and end values (empty when unknown) and period text."""
    rows = _query(store, """SELECT ?p ?s ?e ?t WHERE { ?p a regio:Project .
        OPTIONAL { ?p regio:startDate ?s } OPTIONAL { ?p regio:endDate ?e }
        OPTIONAL { ?p regio:periodText ?t } }""")
    names = labels(store, {r["p"].value for r in rows}, lang)
    spans: dict[str, Span] = {}
    texts: dict[str, list[ox.Literal]] = {}
    for r in rows:
        iri = r["p"].value
        span = spans.setdefault(iri, Span(Item(iri, names[iri])))
        for key, target, end in (("s", span.starts, False), ("e", span.ends, True)):
            if key in r:
                value = year_fraction(r[key], end=end)
                if value is not None and value not in target:
                    target.append(value)
        if "t" in r:
            texts.setdefault(iri, []).append(r["t"])
    for iri, span in spans.items():
        span.text = _pick(texts.get(iri, []), lang)
        span.starts.sort()
        span.ends.sort()
    return sorted(spans.values(), key=lambda s: (min(s.starts or s.ends or [9999]),
                                                 s.item.label.lower()))


@dataclass
class District:
    iri: str
    label: str
    code: str
    partners: int


def districts(store: Queryable, lang: str) -> tuple[list[District], int]:
    """The districts (code = Kreisschlüssel) with their number of partner organisations, and
    the number of organisations whose district no source states."""
    rows = _query(store, """SELECT ?d ?code (COUNT(DISTINCT ?o) AS ?n) WHERE { ?d a regio:District .
        OPTIONAL { ?d regio:officialCode ?code }
        OPTIONAL { ?o a regio:Organisation ; regio:district ?d } } GROUP BY ?d ?code""")
    names = labels(store, {r["d"].value for r in rows}, lang)
    found = [District(r["d"].value, names[r["d"].value],
                      r["code"].value[:5] if "code" in r else "", int(r["n"].value)) for r in rows]
    unknown = _query(store, """SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a regio:Organisation
        FILTER NOT EXISTS { ?o regio:district ?d } }""")
    return sorted(found, key=lambda d: d.code or d.label), int(unknown[0]["n"].value)


#: The theme kind of the curators' keyword concepts (not themes of the plan).
KEYWORD_KIND = "https://w3id.org/regio-kg/code/theme-kind/project-keyword"


def themes(store: Queryable, lang: str, *, keywords: bool = False) -> list[tuple[Item, int, int]]:
    """The plan's themes (every theme that is not a keyword concept, with or without projects)
    with the number of projects placed under each (regio:hasTheme) and how many of those are
    confirmed projects of a plan (regio:partOfPlan), most first; ``keywords``: the concepts the
    curators read the projects' keywords as, with the projects that have them
    (regio:hasKeyword). The counts are those of the list of themes and of the example
    "Projects per theme"."""
    if keywords:
        found = "?p a regio:Project ; regio:hasKeyword ?t ."
        counted = "?p regio:hasKeyword ?t"
    else:
        found = (f"{{ ?t a regio:Theme FILTER NOT EXISTS {{ ?t regio:themeKind <{KEYWORD_KIND}> }} }}"
                 " UNION { ?x a regio:Project ; regio:hasTheme ?t }")
        counted = "?p regio:hasTheme ?t"
    rows = _query(store, f"""SELECT ?t (COUNT(DISTINCT ?p) AS ?n) (COUNT(DISTINCT ?m) AS ?c) WHERE {{
        {found}
        OPTIONAL {{ ?p a regio:Project . {counted} .
                   OPTIONAL {{ ?p regio:partOfPlan ?plan . BIND(?p AS ?m) }} }} }} GROUP BY ?t""")
    names = labels(store, {r["t"].value for r in rows}, lang)
    items = [(Item(r["t"].value, names[r["t"].value]), int(r["n"].value), int(r["c"].value))
             for r in rows]
    return sorted(items, key=lambda x: (-x[1], x[0].label.lower()))


@dataclass
class Grant:
    """The funding of one project or phase: its stated amounts (several when sources differ)."""

    item: Item
    currency: str = ""
    values: list[float] = field(default_factory=list)
    qualifiers: list[str] = field(default_factory=list)
    amounts: list[tuple[float, str]] = field(default_factory=list)  # (value, its qualifier)


def funding(store: Queryable, lang: str) -> list[Grant]:
    """Funded projects and phases with their amounts; those without an amount have none."""
    rows = _query(store, """SELECT ?x ?v ?c ?q WHERE { ?f a regio:Funding .
        { ?f regio:fundedProject ?x } UNION { ?f regio:fundedPhase ?x }
        OPTIONAL { ?f regio:amount ?a . ?a regio:value ?v ; regio:currency ?c .
                   OPTIONAL { ?a regio:amountQualifier ?q } } }""")
    names = labels(store, {r["x"].value for r in rows}, lang)
    grants: dict[str, Grant] = {}
    for r in rows:
        iri = r["x"].value
        grant = grants.setdefault(iri, Grant(Item(iri, names[iri])))
        if "v" in r:
            value = float(r["v"].value)
            if value not in grant.values:
                grant.values.append(value)
            grant.currency = r["c"].value
            qualifier = r["q"].value.rsplit("/", 1)[-1] if "q" in r else ""
            if qualifier and qualifier not in grant.qualifiers:
                grant.qualifiers.append(qualifier)
            if (value, qualifier) not in grant.amounts:
                grant.amounts.append((value, qualifier))
    for g in grants.values():
        g.values.sort()
        g.qualifiers.sort()
        g.amounts.sort()
    return sorted(grants.values(), key=lambda g: (-(max(g.values) if g.values else -1),
                                                  g.item.label.lower()))
