"""Dataset metadata and files: VoID, the DCAT-AP.de catalog, the sitemap, dumps and releases,
the ontology and the shapes as documents, and pictures of the data (SVG).

Every metadata document comes from one :class:`graph.release.Release` (:func:`get_release`),
which :mod:`graph.dumps` keeps in step with the store: the first request after the store
changed writes new dumps and a release entry. The SPARQL endpoint serves
``graph.release.service_description(get_release(), get_urls(), limits)`` from the same object.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pyoxigraph as ox
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    request,
    send_file,
)
from markupsafe import Markup

from api.app import get_store
from api.formats import HTML, RDF, Format, NotAcceptable, UnknownFormat, negotiate
from api.i18n import translator
from api.pagerender import current_language, render_page, root
from graph import svg, viz
from graph.catalog import METADATA_PREFIXES, dataset_descriptions, dataset_titles
from graph.dumps import DUMPS, dump_path, read_releases, store_marker
from graph.namespaces import PREFIXES, REGIO_IRI, REGIOCODE_IRI
from graph.ontodoc import (
    OntologyDoc,
    ShapeDoc,
    describe_ontology,
    describe_shapes,
    ontology_files,
    read_triples,
    serialise,
    shapes_files,
)
from graph.publish import latest_release
from graph.release import Release, Urls, dcat_graph, void_graph
from graph.resources import doc_file
from graph.service import limits_text

bp = Blueprint("metadata", __name__)

RELEASE_KEY = "owl40_release"
#: Seconds a release of a remote store (whose version cannot be seen) is reused.
REMOTE_TTL = 60.0
TURTLE, NTRIPLES, JSONLD, RDFXML = RDF
VOID_FORMATS = (TURTLE, JSONLD, RDFXML, NTRIPLES, HTML)
CATALOG_FORMATS = (RDFXML, TURTLE, JSONLD, NTRIPLES, HTML)
DOC_FORMATS = (TURTLE, RDFXML, JSONLD, NTRIPLES, HTML)
JSON = Format("json", "application/json", "json")
LISTING_FORMATS = (HTML, JSON)
SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org protocol)
VIZ = {"network": (viz.network, svg.network_svg), "timeline": (viz.timeline, svg.timeline_svg),
       "districts": (viz.districts, lambda found, unknown, lang, href: svg.districts_svg(
           found, unknown, lang, href, tiles=current_app.config.get("DISTRICT_TILES") or {})),
       "themes": (viz.themes, svg.themes_svg),
       "funding": (viz.funding, svg.funding_svg)}


# -- the release ------------------------------------------------------------------------------

def get_release() -> Release:
    """The release of the store's current content (cached per store version)."""
    store = get_store()
    marker = store_marker(store)
    cached = current_app.extensions.get(RELEASE_KEY)
    if cached and cached[0] == marker and (marker or time.monotonic() - cached[1] < REMOTE_TTL):
        return cached[2]
    release, live = latest_release(store, current_app.config)
    if live:  # a release still being made is not cached: the next request looks again
        current_app.extensions[RELEASE_KEY] = (marker, time.monotonic(), release)
    return release


def get_urls() -> Urls:
    """Where the app answers (``PUBLIC_URL``, else ``BASE_IRI``)."""
    return Urls.from_settings(current_app.config)


def doc_href(iri: str) -> str | None:
    """The local page of a minted IRI (``{BASE_IRI}id/x`` → ``/doc/x``), else None."""
    base = current_app.config["BASE_IRI"] + "id/"
    return request.script_root + "/doc/" + iri[len(base):] if iri.startswith(base) else None


# -- helpers ----------------------------------------------------------------------------------

def _choose(offered: tuple[Format, ...], override: str | None = None) -> Format:
    try:
        return negotiate(request.accept_mimetypes, offered,
                         override=override or request.args.get("format"))
    except NotAcceptable as exc:
        abort(406, str(exc))
    except UnknownFormat as exc:
        abort(400, str(exc))


def _rdf(triples: list[ox.Triple], fmt: Format, etag: str) -> Response:
    body = serialise(triples, ox.RdfFormat.from_media_type(fmt.media_type))
    response = Response(body, mimetype=fmt.media_type)
    return _finish(response, etag)


def _finish(response: Response, etag: str, *, vary: bool = True) -> Response:
    if vary:
        response.vary.add("Accept")
    response.set_etag(etag)
    response.headers.setdefault("Cache-Control", "public, max-age=300")
    return response.make_conditional(request)


def _lang() -> str:
    lang = request.args.get("lang") or request.accept_languages.best_match(["de", "en"]) or "en"
    if lang not in ("de", "en"):
        abort(400, "lang must be de or en")
    return lang


def _page(template: str, etag: str, *, current: str, **context: Any) -> Response:
    """A metadata page in the site's layout and the request's language (``?lang``, cookie,
    Accept-Language); ``current`` names it in the metadata navigation."""
    release = get_release()
    lang = current_language()
    t = translator(lang)
    log = read_releases(current_app.config["DUMPS_DIR"])
    context.setdefault("title", t(current))
    response = render_page(template, release=release, urls=get_urls(), current=current,
                           titles=dataset_titles(release), latest=log[-1] if log else None,
                           summary=_summary(t), **context)
    return _finish(response, f"{etag}-{lang}")


def _summary(t: Any) -> Any:
    """``summary(entry)``: one line on what a release changed, in the page language."""
    def summary(entry: dict[str, Any] | None) -> str:
        if not entry or not entry.get("changes"):
            return ""
        c = entry["changes"]
        if entry.get("number") == 1:
            return t("release_summary_first") % (len(c["graphs_added"]), c["statements_added"])
        return t("release_summary") % (len(c["graphs_added"]), len(c["graphs_removed"]),
                                        len(c["graphs"]), c["statements_added"],
                                        c["statements_removed"])
    return summary


# -- VoID, DCAT, the dataset IRI --------------------------------------------------------------

@bp.get("/.well-known/void")
def void() -> Response:
    """The VoID description (Turtle by default; JSON-LD, RDF/XML, N-Triples; HTML summary)."""
    fmt = _choose(VOID_FORMATS)
    release, urls = get_release(), get_urls()
    if fmt is HTML:
        return _dataset_page(release, f"void-{release.version}-html")
    return _rdf(void_graph(release, urls), fmt, f"void-{release.version}-{fmt.name}")


@bp.get("/catalog")
def catalog() -> Response:
    """The DCAT-AP.de catalog (RDF/XML by default, for harvesters; Turtle, JSON-LD; HTML)."""
    fmt = _choose(CATALOG_FORMATS)
    release, urls = get_release(), get_urls()
    if fmt is HTML:
        return _dataset_page(release, f"catalog-{release.version}-html")
    return _rdf(dcat_graph(release, urls), fmt, f"catalog-{release.version}-{fmt.name}")


@bp.get("/dataset")
def dataset() -> Response:
    """The dataset's IRI names a thing, not a document: 303 to its VoID description."""
    response = redirect(request.script_root + "/.well-known/void", code=303)
    response.vary.add("Accept")
    return response


def _dataset_page(release: Release, etag: str) -> Response:
    current = "catalog" if request.endpoint == "metadata.catalog" else "dataset"
    return _page("metadata/dataset.html", etag, current=current, title=t_title(release),
                 descriptions=dataset_descriptions(release), limits=limits_text(_limits()),
                 dumps=DUMPS)


def t_title(release: Release) -> str:
    return dataset_titles(release)[current_language()]


def _limits() -> dict[str, Any]:
    c = current_app.config
    return {"timeout_s": c["QUERY_TIMEOUT"], "max_rows": c["MAX_ROWS"],
            "max_query_length": c["MAX_QUERY_LENGTH"], "max_nesting": c["MAX_NESTING"],
            "service_allowlist": c["SERVICE_ALLOWLIST"]}


# -- dumps and releases -----------------------------------------------------------------------

@bp.get("/dumps/")
def dumps() -> Response:
    """The current dump files with size, SHA-256 and version (HTML or JSON)."""
    fmt = _choose(LISTING_FORMATS)
    release, urls = get_release(), get_urls()
    if fmt is JSON:
        body = {"version": release.version, "data_version": release.data_version,
                "ontology_version": release.ontology_version,
                "shapes_version": release.shapes_version, "release": release.number,
                "date": release.modified, "notes": release.notes,
                "files": [{**f.__dict__, "url": urls.dump(f.name)} for f in release.files]}
        return _finish(jsonify(body), f"dumps-{release.version}-json")
    return _page("metadata/dumps.html", f"dumps-{release.version}-html", current="downloads")


@bp.get("/dumps/<name>")
def dump_file(name: str) -> Response:
    """One dump file (gzip), with Content-Length and its SHA-256 as ETag."""
    release = get_release()
    entry = next((f for f in release.files if f.name == name), None)
    path = dump_path(current_app.config, name, release)
    if entry is None or path is None:
        abort(404, f"no dump file {name!r}; see /dumps/")
    if entry.sha256 in request.if_none_match:  # answered without opening the file
        response = Response(status=304)
        response.set_etag(entry.sha256)
        return response
    response = send_file(path, mimetype="application/gzip", as_attachment=True,
                         download_name=name, etag=entry.sha256, conditional=True,
                         max_age=300)
    response.headers["Digest"] = f"sha-256={_b64(entry.sha256)}"
    return response


def _b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


@bp.get("/releases")
def releases() -> Response:
    """Every release with its changes since the one before (HTML or JSON), newest first."""
    fmt = _choose(LISTING_FORMATS)
    release = get_release()
    log = list(reversed(read_releases(current_app.config["DUMPS_DIR"])))
    if fmt is JSON:
        return _finish(jsonify({"releases": log}), f"releases-{release.version}-json")
    return _page("metadata/releases.html", f"releases-{release.version}-html", log=log,
                 short=_short, current="releases")


def _short(iri: str) -> str:
    for prefix, ns in METADATA_PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    base = current_app.config["BASE_IRI"]
    return iri[len(base) - 1:] if iri.startswith(base) else iri


# -- sitemap ----------------------------------------------------------------------------------

@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """The sitemap (https://www.sitemaps.org/protocol.html): pages, lists and every /doc page;
    a sitemap index when there are more than 50,000 URLs."""
    pages = _sitemap_urls()
    release = get_release()
    if len(pages) <= SITEMAP_LIMIT:
        return _urlset(pages, release)
    urls = get_urls()
    parts = (len(pages) + SITEMAP_LIMIT - 1) // SITEMAP_LIMIT
    entries = "".join(f"<sitemap><loc>{escape(urls.path(f'sitemap-{n}.xml'))}</loc>"
                      f"<lastmod>{release.modified}</lastmod></sitemap>" for n in range(1, parts + 1))
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org'
            f'/schemas/sitemap/0.9">{entries}</sitemapindex>\n')
    return _finish(Response(body, mimetype="application/xml"), f"sitemap-{release.version}", vary=False)


@bp.get("/sitemap-<int:part>.xml")
def sitemap_part(part: int) -> Response:
    pages = _sitemap_urls()
    chunk = pages[(part - 1) * SITEMAP_LIMIT: part * SITEMAP_LIMIT]
    if part < 1 or not chunk or len(pages) <= SITEMAP_LIMIT:
        abort(404, "no such sitemap part")
    return _urlset(chunk, get_release())


def _urlset(pages: list[str], release: Release) -> Response:
    entries = "".join(f"<url><loc>{escape(u)}</loc><lastmod>{release.modified}</lastmod></url>"
                      for u in pages)
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
            f'schemas/sitemap/0.9">{entries}</urlset>\n')
    return _finish(Response(body, mimetype="application/xml"),
                   f"sitemap-{release.version}-{len(pages)}", vary=False)


def _sitemap_urls() -> list[str]:
    """Home, the fixed pages, the argument-free GET pages of the other blueprints, and the
    /doc page of every resource: things ``{BASE_IRI}id/{kind}/{slug}``, named graphs
    ``{BASE_IRI}graph/...`` and code-list concepts (the layout api/pages.py serves)."""
    urls = get_urls()
    fixed = ["", "sparql", "ontology", "shapes", "dumps/", "releases", ".well-known/void"]
    for rule in current_app.url_map.iter_rules():
        if (rule.endpoint.split(".")[0] in ("pages", "ui") and not rule.arguments
                and "GET" in (rule.methods or ()) and not rule.rule.endswith(
                    (".js", ".css", ".map", ".json", ".xml"))):
            fixed.append(rule.rule.lstrip("/"))
    base = current_app.config["BASE_IRI"]
    store = get_store()
    rows = store.query(f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && (STRSTARTS('
                       f'STR(?s), "{_sparql_string(base)}id/") || STRSTARTS(STR(?s), '
                       f'"{REGIOCODE_IRI}"))) }}').rows
    docs = []
    for row in rows:
        iri = row["s"].value
        if iri.startswith(base + "id/") and iri.count("/", len(base + "id/")) == 1:
            docs.append("doc/" + iri[len(base + "id/"):])
        elif iri.startswith(REGIOCODE_IRI) and iri.count("/", len(REGIOCODE_IRI)) <= 1:
            docs.append("doc/code/" + iri[len(REGIOCODE_IRI):])
    docs += ["doc/" + g[len(base):] for g in store.graph_names() if g.startswith(base + "graph/")]
    return list(dict.fromkeys(urls.path(p) for p in fixed + sorted(docs)))


def _sparql_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


# -- the ontology and the shapes --------------------------------------------------------------

@bp.get("/ontology")
@bp.get("/ontology.<ext>")
@bp.get("/ontology/<version>")
def ontology(ext: str | None = None, version: str | None = None) -> Response:
    """The ontology: HTML in the page language for browsers (graph.ontodoc), Turtle (default),
    RDF/XML, JSON-LD, N-Triples;
    ``/ontology/{version}`` answers for the current ``owl:versionInfo`` only."""
    files = ontology_files(current_app.config["ONTOLOGY_DIR"])
    triples = read_triples(files)
    current = _version_info(triples)
    if version is not None and version != current:
        abort(404, f"ontology version {version!r} is not published here (current: {current})")
    fmt = _choose(DOC_FORMATS, ext)
    etag = f"ontology-{current}-{_content_tag(files)}-{fmt.name}"
    if fmt is HTML:
        doc = _ontology_doc(files, current_language())
        code = [(p, ns) for p, ns in PREFIXES.items() if ns.startswith(REGIOCODE_IRI)]
        return _page("metadata/ontology.html", etag, current="ontology", doc=doc,
                     title=doc.title, regio=REGIO_IRI, short=_short, code_prefixes=code)
    return _rdf(triples, fmt, etag)


_ONTOLOGY_DOCS: dict[tuple[str, str], OntologyDoc] = {}


def _ontology_doc(files: list[Path], lang: str) -> OntologyDoc:
    """The ontology document in ``lang``, made once per content and language."""
    key = (_content_tag(files), lang)
    if key not in _ONTOLOGY_DOCS:
        _ONTOLOGY_DOCS[key] = describe_ontology(files, lang)
    return _ONTOLOGY_DOCS[key]


@bp.get("/model")
def model() -> Response:
    """docs/model.md, the model's terms, IRIs and provenance rules, as a page of the site."""
    path = doc_file("model.md")
    if not path.is_file():
        abort(404, "docs/model.md is not installed with this copy of the application")
    text = path.read_text(encoding="utf-8")
    etag = "model-" + hashlib.sha256(text.encode()).hexdigest()[:16]
    # docs/model.md links its neighbours (model-diagram.svg, adopters.md): served at /docs/
    body = re.sub(r'(href|src)="(?![a-z]+:|/|#)([^"]+)"', lambda m: f'{m[1]}="{root()}docs/{m[2]}"',
                  str(_markdown(text)))
    return _page("metadata/model.html", etag, current="model", body=Markup(body))


@bp.get("/docs/<name>")
def docs(name: str) -> Response:
    """The documentation in docs/ as pages of the site: a guide (``adopters.md``,
    ``publishing.md``, ``sheets.md``, ``model.md``…) rendered in the site's layout, a picture
    (``model-diagram.svg``, the ontology's class diagram) as it is. Relative links between the
    documents work: they are served side by side."""
    try:
        path = doc_file(name)
    except KeyError:
        abort(404, f"no document {name!r} in docs/")
    if not path.is_file():
        abort(404, f"docs/{name} is not installed with this copy of the application")
    data = path.read_bytes()
    etag = "doc-" + hashlib.sha256(data).hexdigest()[:16]
    if path.suffix == ".svg":
        response = Response(data, mimetype="image/svg+xml")
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        return _finish(response, etag)
    text = data.decode("utf-8")
    heading = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), name)
    return _page("metadata/model.html", etag, current="model", title=heading,
                 body=_markdown(text))


def _markdown(text: str) -> Markup:
    """Markdown (with tables and heading anchors) as HTML; the text is the project's own."""
    import markdown

    return Markup(markdown.markdown(text, extensions=["tables", "toc", "fenced_code"]))


@bp.get("/shapes")
@bp.get("/shapes.<ext>")
def shapes(ext: str | None = None) -> Response:
    """The SHACL shapes: HTML documentation per shape, Turtle (default), RDF/XML, JSON-LD."""
    files = shapes_files(current_app.config["SHAPES_DIR"])
    fmt = _choose(DOC_FORMATS, ext)
    tag = _content_tag(files)
    etag = f"shapes-{tag}-{fmt.name}"
    if fmt is HTML:
        return _page("metadata/shapes.html", etag, shapes=_shapes_doc(files, tag), current="shapes")
    return _rdf(read_triples(files), fmt, etag)


_SHAPES_DOCS: dict[str, list[ShapeDoc]] = {}


def _shapes_doc(files: list[Path], tag: str) -> list[ShapeDoc]:
    """The shapes' documentation, made once per content (0.1 s with rdflib for ~170 shapes)."""
    if tag not in _SHAPES_DOCS:
        _SHAPES_DOCS.clear()  # one set of shapes per instance: keep the current one only
        _SHAPES_DOCS[tag] = describe_shapes(files)
    return _SHAPES_DOCS[tag]


def _version_info(triples: list[ox.Triple]) -> str:
    for t in triples:
        if t.predicate.value == "http://www.w3.org/2002/07/owl#versionInfo":
            return t.object.value
    return "unversioned"


def _content_tag(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# -- pictures ---------------------------------------------------------------------------------

@bp.get("/viz/<name>.svg")
def picture(name: str) -> Response:
    """An SVG picture of the data (``network``, ``timeline``, ``districts``, ``themes``,
    ``funding``), labels in ``?lang=de|en``."""
    if name not in VIZ:
        abort(404, f"no picture {name!r}; available: {', '.join(VIZ)}")
    lang = _lang()
    store = get_store()
    project, keywords = request.args.get("project"), request.args.get("keywords")
    if project is not None and name != "network":
        abort(400, f"?project= is a parameter of the network picture, not of {name!r}")
    if keywords not in (None, "0", "1") or (keywords is not None and name != "themes"):
        abort(400, "?keywords= takes 0 or 1 and is a parameter of the themes picture only")
    keywords = keywords == "1"
    if project is not None:  # one project's partners and their other projects
        iri = f"{current_app.config['BASE_IRI']}id/project/{project}"
        if not re.fullmatch(r"[A-Za-z0-9._~-]+", project) or not viz.is_project(store, iri):
            abort(404, f"?project={project!r}: no project with the IRI {iri}")
        data = viz.network(store, lang, project=iri)
        title = svg.TEXT[lang]["network_of"].format(p=viz.labels(store, {iri}, lang)[iri])
        body = svg.network_svg(*data, lang, doc_href, title=title)
    elif keywords:
        body = svg.themes_svg(viz.themes(store, lang, keywords=True), lang, doc_href,
                              keywords=True)
    else:
        query, draw = VIZ[name]
        data = query(store, lang)
        body = draw(*data, lang, doc_href) if isinstance(data, tuple) else draw(data, lang, doc_href)
    response = Response(body, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.vary.add("Accept-Language")
    return _finish(response, f"viz-{name}-{lang}-{project}-{keywords}-{get_release().version}",
                   vary=False)
