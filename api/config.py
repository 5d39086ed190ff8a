"""Settings: one table of name -> (default, explanation). Read by the factory and the CLI only.

Order of precedence: defaults, then an optional TOML file named by OWL40_CONFIG, then
environment variables ``OWL40_<NAME>``, then explicit overrides (CLI options, test mapping).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent

SETTINGS: dict[str, tuple[Any, str]] = {
    "STORE": (str(PROJECT_DIR / "var" / "store"),
              "Directory of the embedded Oxigraph store (created when missing)."),
    "KEEP_VERSIONS": (5, "Store versions kept on disk (the live one included); older ones are "
                         "removed after each write. Listed by 'owl40 versions', restored by "
                         "'owl40 restore N'."),
    "LOAD_BATCH": (0, "Quads handed to the bulk loader per call when loading files; 0 = all "
                      "in one call (fastest; pyoxigraph's loader then holds up to 1M quads "
                      "per thread, ~2 GB); e.g. 300000 keeps a load under 1 GB, slower."),
    "BASE_IRI": ("https://w3id.org/owl40/",
                 "Base of every IRI minted for the data; must end with '/'."),
    "SPARQL_URL": ("", "Query endpoint of a remote SPARQL 1.1 store; empty = embedded store."),
    "UPDATE_URL": ("", "Update endpoint of the remote store (defaults to SPARQL_URL)."),
    "GSP_URL": ("", "Graph Store Protocol endpoint of the remote store (optional, faster loads)."),
    "DATA_DIR": (str(PROJECT_DIR / "data" / "owl40"), "Directory of the OWL 4.0 fact files."),
    "ONTOLOGY_DIR": (str(PROJECT_DIR / "ontology"), "Directory of the ontology Turtle files."),
    "SHAPES_DIR": (str(PROJECT_DIR / "shapes"), "Directory of the SHACL shapes."),
    "QUERIES_DIR": (str(PROJECT_DIR / "queries"), "Directory of the example queries (*.rq)."),
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
    "PUBLISHER_NAME": ("OWL 4.0 knowledge graph project",
                       "Publisher of the dataset named in VoID and the DCAT-AP.de catalog."),
    "PUBLISHER_URI": ("", "IRI (e.g. home page) of the publisher; empty = a local IRI."),
    "DCATDE_CONTRIBUTOR_ID": ("", "GovData contributor id (dcatde:contributorID), a name or a "
                                  "full http://dcat-ap.de/def/contributors/... IRI; empty = none."),
    "DUMPS_DIR": (str(PROJECT_DIR / "var" / "dumps"),
                  "Directory of the dump files, their manifest and the release log."),
    "CACHE_DIR": (str(PROJECT_DIR / "var" / "cache"),
                  "Directory of generated files that can be rebuilt (ontology documentation)."),
}


def _coerce(value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        return str(value).lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


def load_settings(overrides: dict[str, Any] | None = None,
                  environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Resolve every setting: defaults < OWL40_CONFIG file < OWL40_* variables < overrides."""
    env = os.environ if environ is None else environ
    values = {name: default for name, (default, _) in SETTINGS.items()}
    config_file = env.get("OWL40_CONFIG")
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
            values[name.upper()] = value
    if not values["BASE_IRI"].endswith(("/", "#")):
        values["BASE_IRI"] += "/"
    return values
