"""The SPARQL query UI: YASGUI, self-hosted, with the project's examples, prefixes and a chart view.

YASGUI is @zazuko/yasgui (the maintained fork of TriplyDB's YASGUI; MIT licence), pinned in
tools/ui/package.json and installed by ``make install`` (``npm ci --prefix tools/ui``); its built
files are served from ``/ui/assets/`` with long cache headers, nothing comes from a CDN. The
page itself is shown by the SPARQL endpoint: ``GET /sparql`` from a browser (HTML preferred)
calls :func:`render_ui`, with ``query=`` when the URL carries one (a permalink).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request, send_from_directory

from api.config import PROJECT_DIR
from api.i18n import region_text, translator
from graph.examples import example_iri, example_text
from graph.instance.layout import query_dirs
from graph.namespaces import PREFIXES
from graph.queries import load_query_dirs

bp = Blueprint("ui", __name__, static_folder="static/ui", static_url_path="/ui/static")



def _yasgui_dir() -> Path:
    """YASGUI's package: in the wheel under api/yasgui/ (pyproject.toml maps it there), in a
    source checkout where npm installed it."""
    installed = Path(__file__).resolve().parent / "yasgui"
    if (installed / "package.json").is_file():
        return installed
    return PROJECT_DIR / "tools" / "ui" / "node_modules" / "@zazuko" / "yasgui"


YASGUI_DIR = _yasgui_dir()
#: The files of YASGUI's build that the page loads (and the source maps, for debugging).
ASSETS = ("yasgui.min.js", "yasgui.min.css", "yasgui.min.js.map")
ASSET_MAX_AGE = 365 * 24 * 3600  # the URL carries the version, so a new release is a new URL
LANGUAGES = ("de", "en")
DEFAULT_QUERY_BODY = """SELECT ?class (COUNT(?resource) AS ?resources)
WHERE {
  ?resource a ?class .
}
GROUP BY ?class
ORDER BY DESC(?resources)
LIMIT 25
"""

TEXT: dict[str, dict[str, str]] = {
    "de": {
        "title": "SPARQL-Abfrage – {site}",
        "heading": "SPARQL-Abfrage",
        "intro": "Abfragen an „{site}“ (SPARQL 1.1). Wählen Sie ein Beispiel "
                 "oder schreiben Sie eine eigene Abfrage; Strg+Enter führt sie aus.",
        "examples": "Beispielabfragen",
        "examples_hint": "Klick lädt die Abfrage in den Editor und führt sie aus.",
        "endpoint": "Endpunkt",
        "other_language": "English",
        "tab": "Abfrage",
        "table": "Tabelle",
        "response": "Antwort",
        "chart": "Diagramm",
        "chart_value": "Wert",
        "chart_label": "Beschriftung",
        "chart_none": "Für ein Diagramm braucht das Ergebnis eine Spalte mit Zahlen.",
        "chart_more": "Die ersten {n} von {total} Zeilen.",
        "missing_assets": "Die Oberfläche ist nicht installiert: bitte „make install“ ausführen "
                          "(npm ci --prefix tools/ui).",
        "noscript": "Die Abfrageoberfläche braucht JavaScript. Der Endpunkt selbst antwortet "
                    "auch ohne: GET /sparql?query=…",
        "home": "Startseite",
        "model": "Datenmodell",
        "ontology": "Ontologie",
        "shapes": "SHACL-Formen",
        "example_list": "Liste der Beispiele",
        "built_with": "Abfrageoberfläche",
        "licence": "Lizenz",
        "error": "Die Abfrage ist fehlerhaft",
        "error_at": "Zeile {line}, Spalte {column}",
    },
    "en": {
        "title": "SPARQL query – {site}",
        "heading": "SPARQL query",
        "intro": "Query the {site} (SPARQL 1.1). Pick an example or write your "
                 "own query; Ctrl+Enter runs it.",
        "examples": "Example queries",
        "examples_hint": "A click loads the query into the editor and runs it.",
        "endpoint": "Endpoint",
        "other_language": "Deutsch",
        "tab": "Query",
        "table": "Table",
        "response": "Response",
        "chart": "Chart",
        "chart_value": "Value",
        "chart_label": "Label",
        "chart_none": "A chart needs a result column with numbers.",
        "chart_more": "The first {n} of {total} rows.",
        "missing_assets": "The query UI is not installed: run 'make install' "
                          "(npm ci --prefix tools/ui).",
        "noscript": "The query UI needs JavaScript. The endpoint itself does not: "
                    "GET /sparql?query=…",
        "home": "Home",
        "model": "Data model",
        "ontology": "Ontology",
        "shapes": "SHACL shapes",
        "example_list": "List of the examples",
        "built_with": "Query UI",
        "licence": "licence",
        "error": "The query has an error",
        "error_at": "line {line}, column {column}",
    },
}


_PACKAGE: dict[str, str] = {}


def yasgui_package() -> dict[str, str]:
    """Name, version and licence of the installed YASGUI (empty while it is not installed)."""
    if not _PACKAGE:
        try:
            data = json.loads((YASGUI_DIR / "package.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        _PACKAGE.update(name=data.get("name", ""), version=data.get("version", ""),
                        license=data.get("license", ""))
    return _PACKAGE


def ui_language() -> str:
    """``?lang=de|en`` if given, else the best match of Accept-Language, else English."""
    asked = request.args.get("lang", "").lower()
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


def _examples(queries_dirs: list[Path], base_iri: str) -> list[dict[str, Any]]:
    """The example queries (generic and the region's own) as the page needs them."""
    return [{"slug": q.slug, "iri": example_iri(base_iri, q.slug), "title": q.title,
             "description": q.description, "query": example_text(q, base_iri)}
            for q in load_query_dirs(queries_dirs)]


def _text(lang: str) -> dict[str, str]:
    """The page's texts, the site's name (the instance's SITE_NAME_DE/_EN) filled in."""
    site = region_text("site", lang) or translator(lang)("site")
    return {k: v.replace("{site}", site) for k, v in TEXT[lang].items()}


def _language_links() -> dict[str, str]:
    """This page in each language (the open tabs live in the browser, not in the URL)."""
    return {code: f"{request.script_root}{request.path}?lang={code}" for code in LANGUAGES}


def render_ui(query: str | None = None) -> Response:
    """The query UI page (HTML); ``query`` (e.g. from a permalink) is loaded into the editor.

    Called by the SPARQL endpoint for browser navigations to ``/sparql``.
    """
    lang = ui_language()
    cfg = current_app.config
    package = yasgui_package()
    prefix_lines = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
    page_config = {
        "lang": lang,
        "endpoint": f"{request.script_root}/sparql",
        "prefixes": PREFIXES,
        "defaultQuery": prefix_lines + "\n" + DEFAULT_QUERY_BODY,
        "query": query,
        "examples": _examples(query_dirs(cfg), cfg["BASE_IRI"]),
        "text": _text(lang),
        "otherTab": TEXT["en" if lang == "de" else "de"]["tab"],
        "baseIri": cfg["BASE_IRI"],
        "root": f"{request.script_root}/",
    }
    html = render_template("ui/index.html", lang=lang, text=page_config["text"], config=page_config,
                           package=package, languages=_language_links(),
                           examples=page_config["examples"])
    response = Response(html, mimetype="text/html")
    response.headers["Content-Language"] = lang
    response.vary.update(("Accept", "Accept-Language"))
    # Scripts only from this site (the page config is JSON data, not script); YASGUI sets
    # inline styles. Queries may go to other endpoints typed into the endpoint field.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src *; object-src 'none'; base-uri 'self'; "
        "frame-ancestors 'self'")
    return response


@bp.get("/ui/assets/<name>")
def asset(name: str) -> Response:
    """A file of YASGUI's build (see ASSETS), cached for a year: its URL carries the version."""
    if name not in ASSETS:
        abort(404, f"no UI asset {name!r}")
    if not (YASGUI_DIR / "build" / name).is_file():
        abort(404, "the query UI is not installed: run 'make install' (npm ci --prefix tools/ui)")
    response = send_from_directory(YASGUI_DIR / "build", name, max_age=ASSET_MAX_AGE)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response
