"""Linked-data pages (issue 5): dereferencing with 303 and content negotiation, HTML pages.

URI policy (W3C "Cool URIs for the Semantic Web", the 303 variant; docs/linked-data.md): a
thing ``{BASE_IRI}id/{kind}/{slug}`` is not a document, so ``GET /id/{kind}/{slug}`` answers
**303 See Other** to its document ``/doc/{kind}/{slug}``. The document negotiates HTML,
Turtle, JSON-LD, RDF/XML and N-Triples (Accept, ``?format=``, or a file extension such as
``/doc/{kind}/{slug}.ttl``) and says so (``Vary: Accept``, ``Content-Location`` of the variant,
``Link: rel="alternate"`` for the others). Named graphs ``{BASE_IRI}graph/...`` and code-list
concepts ``https://w3id.org/regio-kg/code/...`` resolve the same way. The app root serves
BASE_IRI, so the IRIs stay the canonical ones whatever host the server runs on; HTML links
point to this server (`api.pageview.Links`), RDF keeps the canonical IRIs. The kinds
``graph`` and ``code`` are reserved (their /doc/ paths are the named graphs and code lists).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, abort, redirect, request

from api import pagelists
from api.app import get_store
from api.formats import HTML, RDF, Format, NotAcceptable, UnknownFormat, by_name, negotiate
from api.i18n import translator
from api.pagerender import (
    PICTURES,
    Target,
    base_iri,
    code_lists_page,
    current_language,
    graph_page,
    links,
    render_page,
    resource_page,
    root,
    sparql_link,
)
from api.pageview import VOCAB_BASE
from graph.describe import check_iri, describe, describe_graph, graph_exists, resource_exists
from graph.errors import InputError
from graph.listing import plan_iris, stats_query
from graph.namespaces import PREFIXES

bp = Blueprint("pages", __name__)

DOC_FORMATS: tuple[Format, ...] = (HTML, *RDF)
BY_EXTENSION = {f.extension: f for f in DOC_FORMATS}
OX_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
              "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}
RESERVED_KINDS = ("graph", "code")
_SEGMENT = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._~-]*[A-Za-z0-9])?$")
_EXTENSION = re.compile(r"^(?P<rest>.+)\.(?P<ext>html|ttl|jsonld|rdf|nt)$")
PRIMARY_TOPIC = "http://xmlns.com/foaf/0.1/primaryTopic"


def target_of(rest: str) -> Target | None:
    """The IRI a local path names, or None (a path we do not serve: 404)."""
    parts = rest.split("/")
    if not all(_SEGMENT.match(p) for p in parts):
        return None
    if parts[0] == "graph" and len(parts) >= 2:
        iri, is_graph = base_iri() + rest, True
    elif parts[0] == "code" and len(parts) <= 3:
        iri, is_graph = VOCAB_BASE + rest, len(parts) == 1
    elif len(parts) == 2:
        iri, is_graph = f"{base_iri()}id/{rest}", False
    else:
        return None
    try:
        check_iri(iri)
    except InputError:
        return None
    return Target(iri, is_graph, "doc/" + rest)


def _exists(target: Target) -> bool:
    store = get_store()
    return graph_exists(store, target.iri) if target.is_graph else resource_exists(store, target.iri)


# -- errors ---------------------------------------------------------------------------------
def _wants_html(ext: str | None = None) -> bool:
    if ext:
        return ext == "html"
    accept = request.accept_mimetypes
    if not accept or not accept.values():
        return True
    best = accept.best_match(["text/html", *[f.media_type for f in RDF], "text/plain"])
    return best == "text/html"


def not_found(ext: str | None = None) -> Response:
    """404 in the variant asked for: an HTML page for browsers, plain text otherwise."""
    if _wants_html(ext):
        response = render_page("pages/error.html", status=404, message_key="not_found_text",
                               title="404")
    else:
        response = Response(f"404 Not Found: no resource at {request.path}\n", 404,
                            mimetype="text/plain")
    response.vary.add("Accept")
    return response


def _plain(status: int, message: str) -> Response:
    response = Response(message + "\n", status, mimetype="text/plain")
    response.vary.add("Accept")
    return response


# -- dereferencing -------------------------------------------------------------------------
def _alternates(target: Target, exclude: Format | None = None) -> str:
    return ", ".join(f'<{root()}{target.doc_path}.{f.extension}>; rel="alternate"; '
                     f'type="{f.media_type}"' for f in DOC_FORMATS if f is not exclude)


def _choose(ext: str | None) -> tuple[Format, bool]:
    """The format of a document request and whether it was negotiated on Accept."""
    if ext:
        return BY_EXTENSION[ext], False
    if request.args.get("format"):
        return by_name(request.args["format"], DOC_FORMATS), False
    return negotiate(request.accept_mimetypes, DOC_FORMATS), True


def see_other(rest: str) -> Response:
    """303 from a thing (or graph) IRI to its document; 404 and 406 come first."""
    target = target_of(rest)
    if target is None or not _exists(target):
        return not_found()
    try:
        _choose(None)
    except NotAcceptable as exc:
        return _not_acceptable(target, exc)
    except UnknownFormat as exc:
        return _plain(400, str(exc))
    location = root() + target.doc_path
    if request.query_string:
        location += "?" + request.query_string.decode("latin-1")
    response = redirect(location, 303)
    response.vary.add("Accept")
    response.headers["Link"] = f'<{location}>; rel="describedby"'
    return response


def _not_acceptable(target: Target, exc: NotAcceptable) -> Response:
    response = _plain(406, f"406 Not Acceptable: {exc}")
    response.headers["Link"] = _alternates(target)
    return response


@bp.get("/id/<kind>/<path:slug>")
def thing(kind: str, slug: str) -> Response:
    if kind in RESERVED_KINDS:
        return not_found()
    return see_other(f"{kind}/{slug}")


@bp.get("/graph/<path:rest>")
def graph(rest: str) -> Response:
    return see_other("graph/" + rest)


@bp.get("/code", defaults={"rest": ""})
@bp.get("/code/<path:rest>")
def code(rest: str) -> Response:
    return see_other("code/" + rest if rest else "code")


@bp.get("/doc/<path:rest>")
def document(rest: str) -> Response:
    """The document about a thing, a named graph or a code-list concept, in any format."""
    match = _EXTENSION.match(rest)
    ext = match["ext"] if match else None
    target = target_of(match["rest"] if match else rest)
    if target is None:
        return not_found(ext)
    store = get_store()
    subject: Any = (describe_graph(store, target.iri, with_labels=False) if target.is_graph
                    else describe(store, target.iri))
    if not subject.exists:
        return not_found(ext)
    try:
        fmt, negotiated = _choose(ext)
    except NotAcceptable as exc:
        return _not_acceptable(target, exc)
    except UnknownFormat as exc:
        return _plain(400, str(exc))
    if fmt is HTML and target.iri == VOCAB_BASE + "code":
        response = code_lists_page(target)
    elif fmt is HTML:
        response = (graph_page(target, subject) if target.is_graph
                    else resource_page(target, subject))
    else:
        triples = subject.all_triples() if target.is_graph else subject.triples()
        response = Response(serialize(triples, fmt), mimetype=fmt.media_type)
        if fmt.media_type.startswith("text/"):
            response.mimetype_params["charset"] = "utf-8"
    if negotiated:
        response.vary.add("Accept")
    response.headers["Content-Location"] = f"{root()}{target.doc_path}.{fmt.extension}"
    response.headers["Link"] = (_alternates(target, fmt)
                                + f', <{target.iri}>; rel="{PRIMARY_TOPIC}"')
    return _conditional(response, fmt)


def serialize(triples: list[ox.Triple], fmt: Format) -> bytes:
    """RDF in ``fmt`` with the project's prefixes where the syntax has them."""
    return ox.serialize(triples, format=OX_FORMATS[fmt.name], prefixes=PREFIXES)


def _conditional(response: Response, fmt: Format) -> Response:
    """ETag from the store version, the URL, the format and (HTML) the language."""
    version = getattr(get_store(), "current_version", None)
    if version and response.status_code == 200:
        key = "|".join([version, request.url, fmt.name, response.headers.get("Content-Language", "")])
        response.set_etag(hashlib.sha256(key.encode()).hexdigest()[:32])
        response.make_conditional(request)
    return response


@bp.get("/")
def home() -> Response:
    row = get_store().query(stats_query()).rows
    stats = {k: int(v.value) for k, v in (row[0] if row else {}).items()}
    return render_page("pages/home.html", stats=stats, pictures=PICTURES["home"],
                       plan_href=_plan_href(), title=translator(current_language())("site"))


def _plan_href() -> str | None:
    """The page of the first action plan that has one on this server."""
    mapping = links()
    return next((href for iri in plan_iris(get_store()) if (href := mapping.local(iri))), None)


@bp.get("/plan")
def plan() -> Response:
    href = _plan_href()
    if href is None:
        abort(404)
    return redirect(href, 303)


@bp.get("/projects")
def projects() -> Response:
    return _list("projects")


@bp.get("/organisations")
def organisations() -> Response:
    return _list("organisations")


@bp.get("/themes")
def themes() -> Response:
    return _list("themes")


@bp.get("/sources")
def sources() -> Response:
    return _list("sources")


def _list(name: str) -> Response:
    lang = current_language()
    table = pagelists.build(get_store(), name, lang, links(), translator(lang))
    return render_page("pages/list.html", table=table, name=name,
                       query_link=sparql_link(table.query), title=translator(lang)(name))
