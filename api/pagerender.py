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
from api.i18n import COOKIE, NAMES, STRINGS, languages, pick_language, translator
from api.pagesections import sections
from api.pageview import CODE_PROPERTIES, Links, Page, Val, group_refs
from graph.describe import Description, GraphDescription, linked_info
from graph.listing import code_lists, key_figures, plan_projects

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
        query, figures, sources = key_figures(get_store(), desc.iri, lang)
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
    pictures: tuple[str, ...] = PICTURES.get(content["kind"], ())
    if content["kind"] == "project":  # its own partners and their other projects, if any
        slug = desc.iri.rsplit("/", 1)[-1]
        pictures = pictures if content["participants"] else ()
        extra["picture_query"] = {"network": f"&project={quote(slug)}"}
        extra["picture_caption"] = {"network": translator(lang)("viz_network_project").split("{p}")}
    return render_page(
        "pages/resource.html", page=page, c=content, iri=desc.iri, notes=page.sources_list(),
        jsonld=jsonld_script(desc.triples()), describe_link=sparql_link(f"DESCRIBE <{desc.iri}>"),
        formats=format_links(target), pictures=pictures,
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
    main = _main_subject(gd)
    mentioned = {t.value for tr in shown + gd.about for t in tr if isinstance(t, ox.NamedNode)}
    mentioned |= {main} if main else set()
    desc = Description(target.iri, linked=linked_info(get_store(), mentioned),
                       sources=gd.sources)
    page = Page(desc, lang, links(), translator(lang), base_iri())
    about = [(page.term(t.predicate), page.term(t.object)) for t in gd.about]
    rows = [(page.term(t.subject), page.term(t.predicate), _code(page, t)) for t in shown]
    notes = [page.note(s) for s in gd.sources]
    title, title_lang = _graph_title(page, gd, notes)
    around = ["", ""]
    known = "graph_title_" + target.doc_path.removeprefix("doc/graph/")
    if not title and known in STRINGS:  # the platform's own graphs (meta, examples)
        title = page.t(known)
    elif not title and main:  # a record graph: the resource its block is about
        title, title_lang = page.label_and_language(main)
        around = page.t("record_graph_title").split("{p}")
    return render_page("pages/graph.html", iri=target.iri, about=about, rows=rows,
                       total=len(gd.triples), notes=notes, formats=format_links(target),
                       jsonld=jsonld_script(gd.about), path=target.doc_path.removeprefix("doc/"),
                       title=(around[0] + title + around[1]) if title
                       else target.doc_path.removeprefix("doc/"),
                       heading=title, heading_lang=title_lang, heading_around=around)


def _main_subject(gd: GraphDescription) -> str | None:
    """What a record graph (``graph/record/...``) is about: the subject of most of its
    statements (a project, a funding, a participation...); None for other graphs."""
    if "/graph/record/" not in gd.iri:
        return None
    counts: dict[str, int] = {}
    for t in gd.triples:
        if isinstance(t.subject, ox.NamedNode):
            counts[t.subject.value] = counts.get(t.subject.value, 0) + 1
    return min(counts, key=lambda iri: (-counts[iri], iri)) if counts else None


def _code(page: Page, triple: ox.Triple) -> Val:
    """The object of a statement of a graph page; queries (sh:select) are shown as code."""
    val = page.term(triple.object)
    if isinstance(triple.object, ox.Literal) and triple.predicate.value in CODE_PROPERTIES:
        val.code = True
    return val


def _graph_title(page: Page, gd: GraphDescription, notes: list) -> tuple[str, str | None]:
    """A named graph's title: its own (dct:title, rdfs:label) in the page language, else the
    title of the one source it holds the statements of; else none (the path is shown)."""
    titles = [t.object for t in gd.about if t.predicate.value in (
        "http://purl.org/dc/terms/title", "http://www.w3.org/2000/01/rdf-schema#label")
        and isinstance(t.object, ox.Literal)]
    for want in (page.lang, "", None):
        for lit in titles:
            if want is None or (lit.language or "") == want:
                lang = lit.language if lit.language and lit.language != page.lang else None
                return lit.value, lang
    if "/graph/source/" in gd.iri and len(notes) == 1:
        note = notes[0]
        return note.title, (note.title_lang if note.title_lang != page.lang else None)
    return "", None


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


def code_lists_page(target: Target) -> Response:
    """The code lists as lists of concepts (label, definition, prefixed name), one section per
    list with its prefix; the statements are in the RDF variants."""
    from graph.namespaces import CODE_PREFIXES

    lang = current_language()
    query, rows = code_lists(get_store(), lang)
    prefix_of = {ns.rstrip("/"): p for p, ns in CODE_PREFIXES.items()}
    mapping = links()
    lists: dict[str, dict[str, Any]] = {}
    for row in rows:
        scheme = row["scheme"].value
        entry = lists.setdefault(scheme, {"label": _text_of(row.get("schemeLabel")),
                                          "href": mapping.href(scheme), "iri": scheme,
                                          "prefix": prefix_of.get(scheme, ""), "concepts": []})
        if row.get("concept"):
            iri = row["concept"].value
            entry["concepts"].append({
                "label": _text_of(row.get("label")), "definition": _text_of(row.get("definition")),
                "href": mapping.href(iri), "name": f"{entry['prefix']}:{iri.rsplit('/', 1)[-1]}"})
    return render_page("pages/codelists.html", lists=list(lists.values()), iri=target.iri,
                       formats=format_links(target), query_link=sparql_link(query),
                       title=translator(lang)("code_lists"))


def _text_of(term: Any) -> tuple[str, str]:
    """(text, language) of a literal, ('', '') of nothing."""
    if term is None:
        return "", ""
    return term.value, getattr(term, "language", "") or ""
