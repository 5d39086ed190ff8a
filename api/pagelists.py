"""The list pages (projects, organisations, themes, sources): columns, cells and filters.

Rows come from the list queries in `graph.listing`; the page filters them in the browser
(static/pages/pages.js) by the ``data-*`` values each row carries, and without JavaScript
shows them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from api.pageview import Links, format_literal, safe_external, tail
from graph.emit import date_literal
from graph.listing import run_list
from graph.sparql import Queryable, Term


@dataclass
class Cell:
    text: str = ""
    href: str | None = None
    status: str | None = None  # link-status code: shown as a badge
    numeric: bool = False
    lang: str = ""             # the text's language when the data says it (a name, a title)
    name: bool = False         # a proper name without a language (publisher, seat)
    code: bool = False         # a web address


@dataclass
class ListRow:
    cells: list[Cell]
    filters: dict[str, str]
    search: str


@dataclass
class Table:
    query: str
    columns: list[str]
    rows: list[ListRow]
    filters: list[tuple[str, str, list[str]]] = field(default_factory=list)  # key, label, values
    summary: list[tuple[str, int, str]] = field(default_factory=list)  # status, count, label


# column spec: (UI string key, text variable, link variable, kind); kind: text|status|number
COLUMNS: dict[str, list[tuple[str, str, str | None, str]]] = {
    "projects": [("title", "title", "project", "text"), ("acronym", "acronym", None, "text"),
                 ("phase", "phaseLabel", "phase", "phase"), ("status", "statusLabel", "status",
                                                             "status"),
                 ("start", "startDate", None, "text"), ("end", "endDates", None, "dates"),
                 ("lead", "leads", None, "text"), ("count_orgs", "organisations", None, "number")],
    "organisations": [("organisation", "name", "organisation", "text"),
                      ("acronym", "shortName", None, "text"), ("type", "typeLabel", "type", "text"),
                      ("district", "districtLabel", "district", "text"),
                      ("seat", "seat", None, "text"), ("count_projects", "projects", None, "number"),
                      ("count_confirmed", "confirmedProjects", None, "number")],
    "themes": [("title", "label", "theme", "text"), ("kind", "kindLabel", "kind", "text"),
               ("broader", "broaderLabel", "broader", "text"),
               ("count_projects", "projects", None, "number"),
               ("count_confirmed", "confirmedProjects", None, "number"),
               ("count_keyword_projects", "keywordProjects", None, "number"),
               ("sub_themes", "subThemes", None, "number")],
    "sources": [("title", "title", "source", "text"), ("publisher", "publisher", None, "text"),
                ("issued", "issued", None, "text"), ("source_page", "url", "url", "text"),
                ("cited_by", "cited", None, "number")],
}
#: Columns whose values are proper names (no language of their own).
NAME_COLUMNS = {"publisher", "seat", "shortName", "acronym", "leads"}
# filters: (data key, UI string key, variable holding the value shown in the select)
FILTERS: dict[str, list[tuple[str, str, str]]] = {
    "projects": [("phase", "phase", "phaseLabel"), ("status", "status", "statusLabel")],
    "organisations": [("type", "type", "typeLabel"), ("district", "district", "districtLabel")],
    "themes": [("kind", "kind", "kindLabel")],
    "sources": [("publisher", "publisher", "publisher")],
}


def _text(term: Term | None, lang: str) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return format_literal(term, lang)
    return term.value


def _date(text: str) -> ox.Literal:
    try:
        return date_literal(text)
    except ValueError:
        return ox.Literal(text)


def _href(term: Term | None, links: Links) -> str | None:
    if isinstance(term, ox.NamedNode):
        return links.href(term.value)
    if isinstance(term, ox.Literal):
        return safe_external(term.value)
    return None


def build(store: Queryable, name: str, lang: str, links: Links,
          t: Callable[[str], str]) -> Table:
    """The table of list ``name`` in ``lang``: the query text, columns, rows and filters."""
    query, rows = run_list(store, name, lang)
    table = Table(query, [t(key) for key, *_ in COLUMNS[name]], [])
    values: dict[str, set[str]] = {key: set() for key, _, _ in FILTERS[name]}
    for row in rows:
        cells = []
        for _key, var, link, kind in COLUMNS[name]:
            text = _text(row.get(var), lang)
            if kind == "status":
                code = tail(row[link].value) if link and link in row else None
                cells.append(Cell(text, status=code))
            elif kind == "phase":  # an unconfirmed link only suggests the phase
                suggested = _text(row.get("phaseSuggested"), lang) in ("true", "ja", "yes")
                cells.append(Cell(f"{text} ({t('suggested')})" if text and suggested else text,
                                  _href(row.get(link), links)))
            elif kind == "dates":  # "2022-10-31 / 2023-03-31": each one formatted
                cells.append(Cell(" / ".join(format_literal(_date(d), lang)
                                             for d in text.split(" / ") if d)))
            elif link == "url":  # a web address: code, not words
                cells.append(Cell(text, _href(row.get(var), links), code=True))
            else:
                term = row.get(var)
                cells.append(Cell(text, _href(row.get(link), links) if link else None,
                                  numeric=kind == "number",
                                  lang=getattr(term, "language", None) or "",
                                  name=var in NAME_COLUMNS and not getattr(term, "language", None)))
        filters = {key: _text(row.get(var), lang) for key, _, var in FILTERS[name]}
        for key, value in filters.items():
            if value:
                values[key].add(value)
        table.rows.append(ListRow(cells, filters, " ".join(c.text for c in cells).lower()))
    table.filters = [(key, t(label), sorted(values[key], key=str.lower))
                     for key, label, _ in FILTERS[name]]
    if name == "projects":
        table.summary = status_summary(rows, t)
    return table


def status_summary(rows: list[dict[str, Term]], t: Callable[[str], str]
                   ) -> list[tuple[str, int, str]]:
    """How many projects have a confirmed, probable or candidate link: (code, n, label)."""
    counts: dict[str, int] = {}
    for row in rows:
        code = tail(row["status"].value) if "status" in row else "unknown"
        counts[code] = counts.get(code, 0) + 1
    return [(code, counts.get(code, 0), t(f"n_{code}"))
            for code in ("confirmed", "probable", "candidate")]
