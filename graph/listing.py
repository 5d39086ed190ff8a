"""The list queries behind the pages: projects, organisations, themes, sources, key figures.

Each list is one SPARQL query; the pages run exactly that text and link it to the query UI, so
a reader can see (and change) what produced the list. The only variable parts are a language
from :data:`LANGUAGES` and IRIs checked by :func:`graph.describe.ref`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from graph.describe import SourceInfo, ref, source_info
from graph.errors import InputError
from graph.namespaces import sparql_prefixes
from graph.sparql import Queryable, Term

LANGUAGES = ("de", "en")
CODE = "https://w3id.org/regio-kg/code/"
_PREFIXES = ("regio", "skos", "dct", "org", "rdfs", "schema", "foaf")


def _head() -> str:
    full = sparql_prefixes()
    return "".join(line + "\n" for line in full.splitlines()
                   if line.split()[1].rstrip(":") in _PREFIXES)


def _order_outside(query: str) -> str:
    """The grouped query ``query`` (prefixes, SELECT … GROUP BY …, ORDER BY …) with its
    ORDER BY moved onto an outer ``SELECT *``: there the aggregates' aliases (``?title`` of
    ``SAMPLE(?t) AS ?title``) are plain variables. Ordering the grouped query by an alias is
    SPARQL 1.1, but Virtuoso 7 refuses it ("used in the result set outside aggregate").

    The orders compare ``STR(LCASE(STR(?x)))`` (Virtuoso fails on ``LCASE`` of a long
    language-tagged literal, "Incomplete RDF box", and sorts ``LCASE(STR(?x))`` of tagged
    labels apart from plain ones) and end with the row's IRI, so every engine gives the same
    order, ties included."""
    body, order = query.rsplit("\nORDER BY ", 1)
    start = body.index("SELECT ")
    return f"{body[:start]}SELECT * WHERE {{\n{{ {body[start:]}\n}}\n}}\nORDER BY {order}"


def _lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise InputError(f"unknown language {lang!r} (use de or en)", source="lang")
    return lang


def _label(var: str, lang: str) -> str:
    """OPTIONALs binding ``?var_l`` to ``?var``'s label in ``lang`` and ``?var_a`` to any
    label; used inside the group that binds ``?var``."""
    return (f"OPTIONAL {{ ?{var} skos:prefLabel ?{var}_l FILTER(LANGMATCHES(LANG(?{var}_l), "
            f"\"{lang}\")) }} OPTIONAL {{ ?{var} skos:prefLabel ?{var}_a }}")


def projects_query(lang: str) -> str:
    """Every project with phase (or the phase an unconfirmed link suggests), link status,
    period, lead organisations and counts."""
    lang = _lang(lang)
    return _order_outside(_head() + f"""SELECT ?project (SAMPLE(?t) AS ?title) (SAMPLE(?acr) AS ?acronym)
       ?phase (SAMPLE(COALESCE(?phase_l, ?phase_a)) AS ?phaseLabel) ?phaseSuggested
       ?status (SAMPLE(COALESCE(?status_l, ?status_a)) AS ?statusLabel)
       (MIN(?start) AS ?startDate) (GROUP_CONCAT(DISTINCT STR(?end); separator=" / ") AS ?endDates)
       (GROUP_CONCAT(DISTINCT ?leadName; separator="; ") AS ?leads)
       (COUNT(DISTINCT ?member) AS ?organisations) (COUNT(DISTINCT ?theme) AS ?themes)
WHERE {{
  ?project a regio:Project .
  OPTIONAL {{ ?project dct:title ?t }}
  OPTIONAL {{ ?project regio:acronym ?acr }}
  OPTIONAL {{ ?project regio:inPhase ?inPhase }}
  OPTIONAL {{ ?project regio:hasPlanLink/regio:suggestedPhase ?suggested }}
  BIND(COALESCE(?inPhase, ?suggested) AS ?phase)
  BIND(!BOUND(?inPhase) && BOUND(?suggested) AS ?phaseSuggested)
  OPTIONAL {{ ?p2 skos:prefLabel ?phase_l FILTER(?p2 = ?phase && LANGMATCHES(LANG(?phase_l), "{lang}")) }}
  OPTIONAL {{ ?p3 skos:prefLabel ?phase_a FILTER(?p3 = ?phase) }}
  OPTIONAL {{ ?project regio:hasPlanLink/regio:linkStatus ?status . {_label("status", lang)} }}
  OPTIONAL {{ ?project regio:startDate ?start }}
  OPTIONAL {{ ?project regio:endDate ?end }}
  OPTIONAL {{ ?project regio:hasTheme ?theme }}
  OPTIONAL {{ ?project regio:hasParticipation/regio:participant ?member }}
  OPTIONAL {{ ?project regio:hasParticipation ?lp .
             ?lp org:role <{CODE}role/lead> ; regio:participant/skos:prefLabel ?leadName }}
}}
GROUP BY ?project ?phase ?phaseSuggested ?status
ORDER BY (!BOUND(?phase)) ?phaseSuggested ?phase STR(LCASE(STR(?title))) ?project
""")


def organisations_query(lang: str) -> str:
    """Every organisation with type, district, seat and the number of its projects (and how
    many of them are confirmed projects of the plan)."""
    lang = _lang(lang)
    return _order_outside(_head() + f"""SELECT ?organisation (SAMPLE(?n) AS ?name) (SAMPLE(?sn) AS ?shortName)
       ?type (SAMPLE(COALESCE(?type_l, ?type_a)) AS ?typeLabel)
       ?district (SAMPLE(COALESCE(?district_l, ?district_a)) AS ?districtLabel)
       (SAMPLE(?s) AS ?seat) (COUNT(DISTINCT ?project) AS ?projects)
       (COUNT(DISTINCT ?member) AS ?confirmedProjects)
WHERE {{
  ?organisation a regio:Organisation .
  OPTIONAL {{ ?organisation skos:prefLabel ?n }}
  OPTIONAL {{ ?organisation regio:shortName ?sn }}
  OPTIONAL {{ ?organisation regio:organisationType ?type . {_label("type", lang)} }}
  OPTIONAL {{ ?organisation regio:district ?district . {_label("district", lang)} }}
  OPTIONAL {{ ?organisation regio:seat ?s }}
  OPTIONAL {{ ?part regio:participant ?organisation ; regio:participationIn ?project .
             ?project a regio:Project .
             OPTIONAL {{ ?project regio:partOfPlan ?plan . BIND(?project AS ?member) }} }}
}}
GROUP BY ?organisation ?type ?district
ORDER BY STR(LCASE(STR(?name))) ?organisation
""")


def themes_query(lang: str) -> str:
    """Every theme and keyword concept with its kind, broader theme, the number of projects
    the curators place under it (of them confirmed), of projects with it or a narrower concept
    as a keyword (skos:broader*, as the example "Projects per theme" counts), and of
    sub-themes."""
    lang = _lang(lang)
    return _order_outside(_head() + f"""SELECT ?theme (SAMPLE(COALESCE(?theme_l, ?theme_a)) AS ?label)
       ?kind (SAMPLE(COALESCE(?kind_l, ?kind_a)) AS ?kindLabel)
       ?broader (SAMPLE(COALESCE(?broader_l, ?broader_a)) AS ?broaderLabel)
       (COUNT(DISTINCT ?project) AS ?projects) (COUNT(DISTINCT ?member) AS ?confirmedProjects)
       (COUNT(DISTINCT ?tagged) AS ?keywordProjects) (COUNT(DISTINCT ?narrower) AS ?subThemes)
WHERE {{
  ?theme a regio:Theme . {_label("theme", lang)}
  OPTIONAL {{ ?theme regio:themeKind ?kind . {_label("kind", lang)} }}
  OPTIONAL {{ ?theme skos:broader ?broader . {_label("broader", lang)} }}
  OPTIONAL {{ ?project regio:hasTheme ?theme ; a regio:Project .
             OPTIONAL {{ ?project regio:partOfPlan ?plan . BIND(?project AS ?member) }} }}
  OPTIONAL {{ ?tagged regio:hasKeyword/skos:broader* ?theme ; a regio:Project }}
  OPTIONAL {{ ?narrower skos:broader ?theme }}
}}
GROUP BY ?theme ?kind ?broader
ORDER BY ?kind STR(LCASE(STR(?label))) ?theme
""")


def sources_query(lang: str) -> str:
    """Every source with title, publisher, date, page URL and how many resources cite it."""
    _lang(lang)
    return _order_outside(_head() + """SELECT ?source (SAMPLE(?t) AS ?title) (SAMPLE(?p) AS ?publisher)
       (SAMPLE(?d) AS ?issued) (SAMPLE(?u) AS ?url) (COUNT(DISTINCT ?resource) AS ?cited)
WHERE {
  ?source a regio:Source .
  OPTIONAL { ?source dct:title ?t }
  OPTIONAL { ?source dct:publisher ?p }
  OPTIONAL { ?source dct:issued ?d }
  OPTIONAL { ?source schema:url ?u }
  OPTIONAL { ?resource dct:source ?source }
}
GROUP BY ?source
ORDER BY STR(LCASE(STR(?publisher))) ?issued ?source
""")


QUERIES = {"projects": projects_query, "organisations": organisations_query,
           "themes": themes_query, "sources": sources_query}


def run_list(store: Queryable, name: str, lang: str) -> tuple[str, list[dict[str, Term]]]:
    """The query text of list ``name`` in ``lang`` and its rows."""
    if name not in QUERIES:
        raise InputError(f"unknown list {name!r}", source="list")
    query = QUERIES[name](lang)
    return query, store.query(query).rows


def key_figures_query(plan_iri: str) -> str:
    """The stated counts of an action plan and of its phases, with the graph stating each."""
    plan = ref(plan_iri)
    return _head() + f"""SELECT ?count ?of ?what ?value ?numeric ?g
WHERE {{
  {{ BIND({plan} AS ?of) }} UNION {{ {plan} regio:hasPhase ?of }}
  ?count a regio:StatedCount ; regio:countOf ?of ; regio:countedThing ?what .
  GRAPH ?g {{ ?count regio:statedValue ?value }}
  OPTIONAL {{ ?count regio:numericValue ?numeric }}
}}
ORDER BY ?of STR(?what) LANG(?what) ?count
"""


@dataclass
class KeyFigure:
    """One stated count: what is counted, the value as stated (in the page language, the
    curators' translation when the sheet's text is in another), and the sources."""

    iri: str
    of: str
    what: str
    value: str
    sources: list[str]
    what_lang: str = ""
    value_lang: str = ""
    originals: list[tuple[str, str]] = field(default_factory=list)  # (text, language)


def _in_language(texts: dict[str, str], lang: str) -> tuple[str, str]:
    for key in (lang, "", "en" if lang == "de" else "de"):
        if key in texts:
            return texts[key], key
    key = next(iter(texts))
    return texts[key], key


def key_figures(store: Queryable, plan_iri: str, lang: str = "en"
                ) -> tuple[str, list[KeyFigure], dict[str, SourceInfo]]:
    """The key figures of the plan (query text, figures, source details)."""
    query = key_figures_query(plan_iri)
    rows = store.query(query).rows
    graphs = {r["g"].value for r in rows if isinstance(r["g"], ox.NamedNode)}
    by_graph, sources = source_info(store, graphs)
    found: dict[str, tuple[str, dict[str, str], dict[str, str], list[str]]] = {}
    for r in rows:
        of, whats, values, srcs = found.setdefault(r["count"].value, (r["of"].value, {}, {}, []))
        whats[getattr(r["what"], "language", "") or ""] = r["what"].value
        values[getattr(r["value"], "language", "") or ""] = r["value"].value
        if not r["g"].value.endswith("/graph/curation"):  # a translation is no source's
            srcs += [s for s in by_graph.get(r["g"].value, ()) if s not in srcs]
    figures = []
    for iri, (of, whats, values, srcs) in found.items():
        what, what_lang = _in_language(whats, lang)
        value, value_lang = _in_language(values, lang)
        originals = [(t, k) for k, t in whats.items() if k and k != lang] if what_lang == lang \
            and len(whats) > 1 else []
        originals += [(t, k) for k, t in values.items() if k and k != lang] if \
            value_lang == lang and len(values) > 1 else []
        figures.append(KeyFigure(iri, of, what, value, srcs, what_lang, value_lang, originals))
    return query, figures, sources


STATUSES = ("confirmed", "probable", "candidate")


def stats_query() -> str:
    """How many projects (and of them with a confirmed, probable or candidate link to the
    plan), organisations, themes of the plan, keyword concepts (also regio:Theme, of the
    theme kind project-keyword) and sources the graph holds."""
    counts = " ".join(f"{{ SELECT (COUNT(DISTINCT ?{v}) AS ?{v}s) WHERE {{ ?{v} a regio:{c} }} }}"
                      for v, c in (("project", "Project"), ("organisation", "Organisation"),
                                   ("source", "Source")))
    keyword = f"<{CODE}theme-kind/project-keyword>"
    counts += (" { SELECT (COUNT(DISTINCT ?theme) AS ?themes) WHERE { ?theme a regio:Theme "
               f"FILTER NOT EXISTS {{ ?theme regio:themeKind {keyword} }} }} }}"
               " { SELECT (COUNT(DISTINCT ?keyword) AS ?keywords) WHERE { ?keyword a regio:Theme ; "
               f"regio:themeKind {keyword} }} }}")
    counts += " " + " ".join(
        f"{{ SELECT (COUNT(DISTINCT ?p_{s}) AS ?{s}) WHERE {{ ?p_{s} a regio:Project ; "
        f"regio:hasPlanLink/regio:linkStatus <{CODE}link-status/{s}> }} }}" for s in STATUSES)
    return _head() + f"SELECT * WHERE {{ {counts} }}\n"


def plan_projects_query(plan_iri: str, lang: str) -> str:
    """The projects linked to a plan, with the status of the link (confirmed first)."""
    plan, lang = ref(plan_iri), _lang(lang)
    return _order_outside(_head() + f"""SELECT ?project (SAMPLE(?t) AS ?title) ?status
       (SAMPLE(COALESCE(?status_l, ?status_a)) AS ?statusLabel)
WHERE {{
  ?project regio:hasPlanLink ?link .
  ?link regio:linkedPlan {plan} ; regio:linkStatus ?status . {_label("status", lang)}
  OPTIONAL {{ ?project dct:title ?t }}
}}
GROUP BY ?project ?status
ORDER BY ?status STR(LCASE(STR(?title))) ?project
""")


def plan_projects(store: Queryable, plan_iri: str, lang: str
                  ) -> tuple[str, dict[str, list[dict[str, Term]]]]:
    """The query and the projects linked to the plan, by link-status code."""
    query = plan_projects_query(plan_iri, lang)
    out: dict[str, list[dict[str, Term]]] = {s: [] for s in STATUSES}
    for row in store.query(query).rows:
        out.setdefault(row["status"].value.rsplit("/", 1)[-1], []).append(row)
    return query, out


def plan_iris(store: Queryable) -> list[str]:
    """The action plans in the graph."""
    rows = store.query(_head() + "SELECT DISTINCT ?plan WHERE { ?plan a regio:ActionPlan } "
                       "ORDER BY ?plan").rows
    return [r["plan"].value for r in rows]


def code_lists_query(lang: str) -> str:
    """Every code list (SKOS concept scheme under the code namespace) with its concepts,
    their labels in ``lang`` (else any) and definitions."""
    lang = _lang(lang)
    return _order_outside(_head() +
                          f"""SELECT ?scheme (SAMPLE(COALESCE(?scheme_l, ?scheme_a)) AS ?schemeLabel)
       ?concept (SAMPLE(COALESCE(?concept_l, ?concept_a)) AS ?label)
       (SAMPLE(COALESCE(?def_l, ?def_a)) AS ?definition)
WHERE {{
  ?scheme a skos:ConceptScheme . FILTER(STRSTARTS(STR(?scheme), "{CODE}"))
  {_label("scheme", lang)}
  OPTIONAL {{ ?concept skos:inScheme ?scheme . {_label("concept", lang)}
             OPTIONAL {{ ?concept skos:definition ?def_l FILTER(LANGMATCHES(LANG(?def_l), "{lang}")) }}
             OPTIONAL {{ ?concept skos:definition ?def_a }} }}
}}
GROUP BY ?scheme ?concept
ORDER BY ?scheme STR(LCASE(STR(?label))) ?concept
""")


def code_lists(store: Queryable, lang: str) -> tuple[str, list[dict[str, Term]]]:
    """The query and the rows of :func:`code_lists_query`."""
    query = code_lists_query(lang)
    return query, store.query(query).rows
