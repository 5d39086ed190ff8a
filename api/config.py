"""Settings: one table of name -> (default, explanation). Read by the factory and the CLI only.

Order of precedence: defaults, then an optional TOML file (named by OWL40_CONFIG, else
``owl40.toml`` in the instance directory when it exists), then environment variables
``OWL40_<NAME>``, then explicit overrides (CLI options, test mapping).

An instance's own files (settings, data, store, dumps, caches) live in its instance directory
(``INSTANCE_DIR``, the current directory unless set); relative paths in the settings are
resolved against it. The shipped files (ontology, code lists, shapes, generic example
questions) come from the installed package (graph/resources.py) unless a setting names another
directory.

A region is configuration: its names (site name and tagline per language, region name), the
languages of its pages, the layout of its district tile map, its base IRI and publisher are
settings of its instance, and its data (fact sheet or filled sheets), its own example questions
and its extensions of the ontology and shapes are files of its instance directory. The
repository's first instance is ``instances/owl40/``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from graph.resources import resource_dir

#: The source checkout (tests and tools use it); an installed package never reads from here.
PROJECT_DIR = Path(__file__).resolve().parent.parent

SETTINGS: dict[str, tuple[Any, str]] = {
    "INSTANCE_DIR": ("", "Directory of this instance's own files (owl40.toml, store, dumps, "
                         "caches); relative paths in the settings are resolved against it; "
                         "empty = the current directory."),
    "STORE": ("var/store", "Directory of the embedded Oxigraph store (created when missing)."),
    "BASE_IRI": ("http://127.0.0.1:8040/",
                 "Base of every IRI minted for the data; must end with '/'. Set the instance's "
                 "persistent base (e.g. a w3id.org address) before publishing."),
    "SITE_NAME_DE": ("Regionaler Wissensgraph", "Name of the site on the German pages."),
    "SITE_NAME_EN": ("Regional knowledge graph", "Name of the site on the English pages."),
    "TAGLINE_DE": ("Ein regionales Handlungskonzept als Linked Open Data",
                   "One line under the site name on the German home page."),
    "TAGLINE_EN": ("A regional action plan as linked open data",
                   "One line under the site name on the English home page."),
    "REGION_NAME": ("", "Name of the region the instance describes (pages, README, catalog)."),
    "SHORT_NAME": ("", "Short name on every page (the brand, the home page heading); empty = "
                       "REGION_NAME, else SITE_NAME_DE/_EN."),
    "LANGUAGES": ("de en", "Space-separated languages of the pages (de, en), the first is the "
                           "default when the browser asks for neither."),
    "DISTRICT_TILES": ({}, "Tile map of the districts: official code (Kreisschlüssel, 5 "
                           "digits) -> [column, row]; in owl40.toml a table [district_tiles], "
                           "as a variable 'CODE=COL,ROW CODE=COL,ROW'; empty = districts in a "
                           "row by code."),
    "KEEP_VERSIONS": (5, "Store versions kept on disk (the live one included); older ones are "
                         "removed after each write. Listed by 'owl40 versions', restored by "
                         "'owl40 restore N'."),
    "COMPACT_AFTER_FILES": (40, "After a write: when the live store version has this many "
                                "more RocksDB files than after its last compaction, it is "
                                "compacted in the background (graph/compaction.py); 0 = never."),
    "LOAD_BATCH": (300000, "Quads handed to the bulk loader per call when loading files: "
                           "bounds a load's memory (1M triples: ~0.4 GB, bench/README.md); "
                           "0 = all in one call (pyoxigraph's loader then holds up to 1M "
                           "quads per thread, ~2 GB on two cores)."),
    "SPARQL_URL": ("", "Query endpoint of a remote SPARQL 1.1 store; empty = embedded store."),
    "UPDATE_URL": ("", "Update endpoint of the remote store (defaults to SPARQL_URL)."),
    "GSP_URL": ("", "Graph Store Protocol endpoint of the remote store (optional, faster loads)."),
    "REMOTE_USER": ("", "User name for the remote store's update and GSP endpoints; empty = none."),
    "REMOTE_PASSWORD": ("", "Password of REMOTE_USER."),
    "REMOTE_AUTH": ("basic", "HTTP authentication of the remote store: basic or digest "
                             "(Virtuoso's /sparql-auth)."),
    "REMOTE_DEFAULT_GRAPH": ("", "Named graph that holds the default-graph union on Virtuoso, "
                                 "whose own default graph is a view of all graphs; queries "
                                 "name it as their default graph (default-graph-uri; see "
                                 "docs/stores.md for other servers). Empty = the server's real "
                                 "default graph (Oxigraph, Fuseki)."),
    "REMOTE_SYSTEM_GRAPHS": ("", "Space-separated IRI prefixes of the graphs a remote store "
                                 "keeps for itself, left out of graph lists, counts, dumps and "
                                 "the default-graph union (Virtuoso: see docs/stores.md)."),
    "DATA_DIR": ("", "Directory of a fact sheet (facts.yaml and curation.yaml, the format of "
                     "the repository's first instance, graph.build); empty = none."),
    "SHEETS_DIR": ("sheets", "Directory of the instance's filled sheets (one CSV or Excel file "
                             "per kind of record, made by owl40 init); used when it exists."),
    "EXTENSIONS_DIR": ("extensions", "Directory of the region's own extensions: ontology/*.ttl "
                                     "(imports the core ontology) and shapes/*.ttl (validated "
                                     "together with the core shapes); used when it exists."),
    "REGION_QUERIES_DIR": ("queries", "Directory of the region's own example questions (*.rq), "
                                      "published beside the generic ones; used when it exists."),
    "ONTOLOGY_DIR": ("", "Directory of the ontology Turtle files; empty = the packaged ones."),
    "SHAPES_DIR": ("", "Directory of the SHACL shapes; empty = the packaged ones."),
    "QUERIES_DIR": ("", "Directory of the generic example queries (*.rq); empty = the packaged "
                        "ones."),
    "QUERY_TIMEOUT": (30.0, "Seconds a SPARQL query may run before it is stopped."),
    "FAST_PATH_MAX": (0.5, "Seconds under which a query answered by a killable engine process "
                           "is afterwards evaluated in the web worker (same store version); "
                           "0 = always use the engine process."),
    "ENGINES": (1, "Engine processes per web worker; each runs one first-seen query at a "
                   "time (more: more concurrent first-seen queries, 40-60 MB each at 1M)."),
    "ALLOCATOR": ("jemalloc", "Memory allocator of the server's worker processes: jemalloc "
                              "(preloaded by owl40 serve when installed) or system."),
    "MAX_ROWS": (10000, "Most result rows one query returns; the response says when it cut."),
    "MAX_QUERY_LENGTH": (100000, "Longest accepted query or update, in bytes (413 beyond)."),
    "MAX_NESTING": (64, "Deepest accepted nesting of groups and brackets in a query."),
    "INPUT_MAX_BYTES": (1 << 30, "Largest RDF input accepted from a file, in bytes after "
                                 "decompression (a gzip bomb stops there)."),
    "INPUT_MAX_BLANK_NODES": (100_000, "Most distinct blank nodes in one input file."),
    "INPUT_MAX_DEPTH": (100, "Deepest nesting of blank nodes in one input file (nested [ ] or "
                             "JSON-LD objects, and the items of one list)."),
    "SERVICE_ALLOWLIST": ("", "Space-separated endpoint IRI prefixes SERVICE may call; "
                              "empty = federated queries refused."),
    "UPDATE_TOKEN": ("", "Bearer token of the curators' update endpoint; empty = disabled."),
    "LOAD_ALLOWLIST": ("", "Space-separated http(s) IRI prefixes the update endpoint's LOAD "
                           "may fetch; empty = LOAD refused."),
    "TRUSTED_HOSTS": ("", "Space-separated host names the web app answers to (others: 400); "
                          "empty = any Host header."),
    "PUBLIC_URL": ("", "Public URL of the web app, for links in VoID, DCAT, the sitemap and "
                       "the dumps; empty = BASE_IRI (w3id redirects there)."),
    "PUBLISHER_NAME": ("", "Publisher of the dataset named in VoID and the DCAT-AP.de catalog; "
                           "empty = SITE_NAME_EN."),
    "PUBLISHER_URI": ("", "IRI (e.g. home page) of the publisher; empty = a local IRI."),
    "DCATDE_CONTRIBUTOR_ID": ("", "GovData contributor id (dcatde:contributorID), a name or a "
                                  "full http://dcat-ap.de/def/contributors/... IRI; empty = none."),
    "DUMPS_DIR": ("var/dumps", "Directory of the dump files, their manifest and the release log."),
    "CACHE_DIR": ("var/cache",
                  "Directory of generated files that can be rebuilt (ontology documentation)."),
    "SUBMISSIONS_DIR": ("var/submissions",
                        "Directory of partner submissions: their SQLite database, raw files and "
                        "tokens (keep it, and back it up, with the store)."),
    "SUBMISSION_MAX_BYTES": (10 << 20, "Largest accepted upload in bytes, as sent (413 beyond)."),
    "SUBMISSION_MAX_UNPACKED": (64 << 20, "Largest upload once unpacked (gzip, the zip inside an "
                                          ".xlsx), in bytes (413 beyond: a zip or gzip bomb)."),
    "SUBMISSION_MAX_MEMORY": (1 << 30, "Address space of the child process that reads an "
                                       "upload, in bytes."),
    "SUBMISSION_PARSE_SECONDS": (20.0, "Seconds the child process may take to read an upload."),
    "SUBMISSION_VALIDATORS": (2, "Validator processes per web worker for large submissions "
                                 "(their records are split among them); 0 = validate in the "
                                 "web worker."),
    "SUBMISSION_RATE_LIMIT": ("30 per minute; 300 per hour",
                              "Uploads one token (or address) may send (429 beyond), in "
                              "Flask-Limiter's notation."),
    "SECRET_KEY": ("", "Key that signs the submission pages' session cookie; empty = a random key "
                       "kept in SUBMISSIONS_DIR/secret.key."),
}

#: Settings naming a directory: relative values are resolved against INSTANCE_DIR.
PATH_SETTINGS = ("STORE", "DATA_DIR", "SHEETS_DIR", "EXTENSIONS_DIR", "REGION_QUERIES_DIR",
                 "ONTOLOGY_DIR", "SHAPES_DIR", "QUERIES_DIR", "DUMPS_DIR", "CACHE_DIR",
                 "SUBMISSIONS_DIR")
#: Directory settings whose empty default means the files shipped with the package.
SHIPPED_DEFAULTS = {"ONTOLOGY_DIR": "ontology", "SHAPES_DIR": "shapes", "QUERIES_DIR": "queries"}
#: The settings file an instance directory may hold (used when OWL40_CONFIG is not set).
INSTANCE_CONFIG = "owl40.toml"


def _coerce(value: Any, default: Any) -> Any:
    if isinstance(default, dict):
        return _table(value)
    if isinstance(default, bool):
        return str(value).lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


def load_settings(overrides: dict[str, Any] | None = None,
                  environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Resolve every setting: defaults < settings file (OWL40_CONFIG or INSTANCE_DIR/owl40.toml)
    < OWL40_* variables < overrides; directories made absolute (see the module docstring)."""
    env = os.environ if environ is None else environ
    values = {name: default for name, (default, _) in SETTINGS.items()}
    instance = Path((overrides or {}).get("INSTANCE_DIR") or env.get("OWL40_INSTANCE_DIR")
                    or os.getcwd()).absolute()
    config_file = env.get("OWL40_CONFIG")
    if not config_file and (instance / INSTANCE_CONFIG).is_file():
        config_file = str(instance / INSTANCE_CONFIG)
    if config_file:
        with open(config_file, "rb") as fh:
            for key, value in tomllib.load(fh).items():
                name = key.upper()
                if name in SETTINGS:
                    values[name] = _coerce(value, SETTINGS[name][0])
    for name, (default, _) in SETTINGS.items():
        if f"OWL40_{name}" in env:
            values[name] = _coerce(env[f"OWL40_{name}"], default)
    for name, value in (overrides or {}).items():
        if value is not None:
            default = SETTINGS.get(name.upper(), (None,))[0]
            values[name.upper()] = _table(value) if isinstance(default, dict) else value
    if not values["BASE_IRI"].endswith(("/", "#")):
        values["BASE_IRI"] += "/"
    values["INSTANCE_DIR"] = str(instance)
    for name in PATH_SETTINGS:
        if not values[name] and name in SHIPPED_DEFAULTS:
            values[name] = str(resource_dir(SHIPPED_DEFAULTS[name]))
        elif values[name]:
            values[name] = str(instance / Path(values[name]).expanduser())
    values["PUBLISHER_NAME"] = values["PUBLISHER_NAME"] or values["SITE_NAME_EN"]
    return values


def environment_value(value: Any) -> str:
    """A resolved setting as an OWL40_* variable that :func:`load_settings` reads back."""
    if isinstance(value, dict):
        return " ".join(f"{k}={','.join(map(str, v if isinstance(v, list) else [v]))}"
                        for k, v in value.items())
    return str(value)


def _table(value: Any) -> dict[str, Any]:
    """A table setting from TOML (a table) or a variable ('KEY=A,B KEY=A,B')."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    out: dict[str, Any] = {}
    for item in str(value).split():
        key, sep, rest = item.partition("=")
        if not sep:
            raise ValueError(f"{item!r} is not KEY=VALUE")
        parts = [p.strip() for p in rest.split(",")]
        out[key] = [int(p) if p.lstrip("-").isdigit() else p for p in parts]
    return out
