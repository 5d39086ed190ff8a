"""Rendering of the linked-data pages: layout context, resource and graph pages, JSON-LD.

The views in `api.pages` decide *what* to answer (status, format); this module turns a
description into HTML in the request's language. Links to published IRIs point to this
server (`api.pageview.Links`); the JSON-LD island keeps the canonical IRIs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import Response, current_app, render_template, request
from markupsafe import Markup

from api.app import get_store
from api.formats import RDF
from api.i18n import COOKIE, NAMES, languages, pick_language, translator
from api.pagesections import sections
from api.pageview import Links, Page, Val, group_refs
from graph.describe import Description, GraphDescription, linked_info
from graph.listing import key_figures, plan_projects

GRAPH_ROWS = 500  # most statements a graph's HTML page lists (the RDF has all)
PICTURES = {"home": ("network", "themes"), "plan": ("timeline", "funding", "districts"),
            "project": ("network",)}
RDF_NAMES = {"turtle": "Turtle", "jsonld": "JSON-LD", "rdfxml": "RDF/XML", "ntriples": "N-Triples"}


@dataclass(frozen=True)
class Target:
    """What a /doc/ (or /id/, /graph/, /code/) path names."""

    iri: str
    is_graph: bool
    doc_path: str  # relative to the app root, without extension


def base_iri() -> str:
    """BASE_IRI of the running app (served at the app root)."""
    return current_app.config["BASE_IRI"]


def root() -> str:
    """The app root on this server (``/`` unless mounted below a prefix)."""
    return request.script_root + "/"


def links() -> Links:
    """The IRI-to-URL mapping of this request."""
    return Links(base_iri(), root())


def jsonld_script(triples: list[ox.Triple]) -> Markup:
    """JSON-LD for a ``<script type="application/ld+json">``: ``<``, ``>`` and ``&`` are
    written as JSON escapes, so no ``</script>`` or ``<!--`` can appear in the element."""
    text = ox.serialize(triples, format=ox.RdfFormat.JSON_LD).decode("utf-8")
    text = json.dumps(json.loads(text), ensure_ascii=False, indent=1)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def sparql_link(query: str) -> str:
    """The query UI with ``query`` filled in."""
    return f"{root()}sparql?{urlencode({'query': query}, quote_via=quote)}"


def resource_page(target: Target, desc: Description) -> Response:
    """The HTML page of a resource: sections by kind, sources, JSON-LD, format links."""
    lang = current_language()
    page = Page(desc, lang, links(), translator(lang), base_iri())
    content = sections(page)
    extra: dict[str, Any] = {}
    if content["kind"] == "plan":
        query, figures, sources = key_figures(get_store(), desc.iri)
        desc.sources.update(sources)
        extra["key_figures"] = [(f, page.label(f.of), page.links.href(f.of),
                                 page.cite(f.sources, "stated")) for f in figures]
        extra["key_figures_query"] = sparql_link(query)
        query, linked = plan_projects(get_store(), desc.iri, lang)
        extra["plan_projects"] = {code: [_project_val(page, r, code) for r in rows]
                                  for code, rows in linked.items()}
        extra["plan_projects_query"] = sparql_link(query)
    if content["kind"] == "source":
        graph_iri = f"{base_iri()}graph/source/{target.doc_path.rsplit('/', 1)[-1]}"
        extra["source_graph"] = page.links.local(graph_iri)
    return render_page(
        "pages/resource.html", page=page, c=content, iri=desc.iri, notes=page.sources_list(),
        jsonld=jsonld_script(desc.triples()), describe_link=sparql_link(f"DESCRIBE <{desc.iri}>"),
        formats=format_links(target), pictures=PICTURES.get(content["kind"], ()),
        incoming_more=max(desc.incoming_total - len(desc.incoming), 0),
        title=content["title"], **extra)


def _project_val(page: Page, row: dict[str, Any], code: str) -> Val:
    """A project linked to the plan, with the badge of its link status."""
    iri = row["project"].value
    title = row["title"].value if row.get("title") else page.label(iri)
    label = row["statusLabel"].value if row.get("statusLabel") else code
    return Val(title, page.links.href(iri), iri, status=code, status_label=label)


def graph_page(target: Target, gd: GraphDescription) -> Response:
    """The HTML page of a named graph: its provenance, then (the first GRAPH_ROWS of) its
    statements; the RDF variants hold all of them."""
    lang = current_language()
    shown = gd.triples[:GRAPH_ROWS]
    mentioned = {t.value for tr in shown + gd.about for t in tr if isinstance(t, ox.NamedNode)}
    desc = Description(target.iri, linked=linked_info(get_store(), mentioned),
                       sources=gd.sources)
    page = Page(desc, lang, links(), translator(lang), base_iri())
    about = [(page.term(t.predicate), page.term(t.object)) for t in gd.about]
    rows = [(page.term(t.subject), page.term(t.predicate), page.term(t.object)) for t in shown]
    notes = [page.note(s) for s in gd.sources]
    return render_page("pages/graph.html", iri=target.iri, about=about, rows=rows,
                       total=len(gd.triples), notes=notes, formats=format_links(target),
                       jsonld=jsonld_script(gd.about),
                       title=page.label(target.iri))


def format_links(target: Target) -> list[tuple[str, str, str]]:
    """(name, URL, media type) of the document's RDF variants."""
    names = {"turtle": "Turtle", "jsonld": "JSON-LD", "rdfxml": "RDF/XML", "ntriples": "N-Triples"}
    return [(names[f.name], f"{root()}{target.doc_path}.{f.extension}", f.media_type)
            for f in RDF]


# -- page rendering --------------------------------------------------------------------------
def current_language() -> str:
    """The page language of this request (see api.i18n.pick_language)."""
    return pick_language(request)[0]


def render_page(template: str, *, status: int = 200, **context: Any) -> Response:
    """Render a page in the request's language with the shared layout context."""
    lang, from_query = pick_language(request)
    args = {k: v for k, v in request.args.items() if k != "lang"}
    switch = [(code, NAMES[code], f"{request.path}?{urlencode({**args, 'lang': code})}")
              for code in languages()]
    html = render_template(template, lang=lang, t=translator(lang), switch=switch, root=root(),
                           endpoint=request.endpoint, ref_groups=group_refs, **context)
    response = Response(html, status, mimetype="text/html")
    response.headers["Content-Language"] = lang
    response.vary.update(("Accept-Language", "Cookie"))
    if from_query:
        response.set_cookie(COOKIE, lang, max_age=365 * 86400, samesite="Lax")
    return response
