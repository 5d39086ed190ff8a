"""The example SPARQL queries in ``queries/*.rq``: parse their bilingual headers.

Each file starts with four comment lines, one line each, then the PREFIX lines and the query::

    # title@en: Projects per theme
    # title@de: Projekte je Thema
    # description@en: ...
    # description@de: ...
    PREFIX regio: <https://w3id.org/regio-kg/ontology#>
    SELECT ...

The header ends at the first line that is not a comment. A header line that is not of the form
``# field@lang: text`` is an ordinary comment and ignored. A region's own question that names
its resources declares the instance's base (``BASE <https://…/>``) and writes their IRIs
relative to it (``<id/project/…>``); :func:`with_base_iri` sets the declaration to the base of
the store it runs on (``OWL40_BASE_IRI``), so the question works under any base.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from graph.errors import InputError

LANGUAGES = ("de", "en")
FIELDS = ("title", "description")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_HEADER = re.compile(r"^#\s*(?P<field>[A-Za-z]+)@(?P<lang>[A-Za-z-]+)\s*:\s*(?P<text>.*?)\s*$")


@dataclass(frozen=True)
class ExampleQuery:
    """One example query: ``slug`` (file stem), ``title`` and ``description`` by language
    (``{'de': ..., 'en': ...}``), the full file ``text`` (header included) and its ``path``."""

    slug: str
    title: dict[str, str] = field(hash=False)
    description: dict[str, str] = field(hash=False)
    text: str = field(repr=False)
    path: Path


def parse_header(text: str, source: str) -> dict[str, dict[str, str]]:
    """The header fields of a query file: ``{'title': {'de': ..., 'en': ...}, 'description': ...}``.

    Raises :class:`InputError` naming ``source`` (and the line) when a required field is
    missing, empty or given twice.
    """
    found: dict[str, dict[str, str]] = {name: {} for name in FIELDS}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _HEADER.match(stripped)
        if not match or match["field"] not in FIELDS:
            continue
        name, lang, value = match["field"], match["lang"].lower(), match["text"]
        if lang not in LANGUAGES:
            continue
        if lang in found[name]:
            raise InputError(f"header field '{name}@{lang}' is given twice", source=source,
                             line=number)
        if not value:
            raise InputError(f"header field '{name}@{lang}' is empty", source=source, line=number)
        found[name][lang] = value
    missing = [f"{name}@{lang}" for name in FIELDS for lang in LANGUAGES
               if lang not in found[name]]
    if missing:
        raise InputError("missing header field(s) " + ", ".join(f"'# {m}:'" for m in missing),
                         source=source)
    return found


def read_query(path: Path) -> ExampleQuery:
    """Read one ``.rq`` file into an :class:`ExampleQuery` (InputError when it is malformed)."""
    path = Path(path)
    slug = path.stem
    if path.suffix != ".rq" or not _SLUG.match(slug):
        raise InputError("query files must be named lower-hyphen.rq", source=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read query file: {exc}", source=str(path)) from exc
    header = parse_header(text, str(path))
    return ExampleQuery(slug=slug, title=header["title"], description=header["description"],
                        text=text, path=path)


def load_queries(queries_dir: Path) -> list[ExampleQuery]:
    """All example queries in ``queries_dir`` (``*.rq``), sorted by slug.

    Raises :class:`InputError` naming the file when a header field is missing, and when the
    directory does not exist.
    """
    queries_dir = Path(queries_dir)
    if not queries_dir.is_dir():
        raise InputError("the queries directory does not exist", source=str(queries_dir))
    return [read_query(path) for path in sorted(queries_dir.glob("*.rq"))]


def load_query_dirs(directories: list[Path]) -> list[ExampleQuery]:
    """The example queries of several directories, sorted by slug; a later directory's query
    replaces an earlier one of the same slug (a region's own question over a generic one)."""
    found: dict[str, ExampleQuery] = {}
    for directory in directories:
        for query in load_queries(directory):
            found[query.slug] = query
    return [found[slug] for slug in sorted(found)]


_BASE = re.compile(r"^(\s*BASE\s*)<[^>]*>", re.IGNORECASE | re.MULTILINE)


def with_base_iri(text: str, base_iri: str) -> str:
    """``text`` with its ``BASE`` declaration (if any) set to ``base_iri``: the relative IRIs of
    a region's question then name the resources of the store it runs on."""
    if not base_iri.endswith(("/", "#")):
        base_iri += "/"
    return _BASE.sub(lambda m: f"{m.group(1)}<{base_iri}>", text, count=1)


_PROLOGUE = re.compile(r"\A(?:\s+|#[^\n]*\n|(?:PREFIX\s+[^\s:]*:\s*<[^>]*>)|(?:BASE\s+<[^>]*>))*",
                       re.IGNORECASE)
_MODIFIERS = re.compile(r"\b(ORDER\s+BY|LIMIT|OFFSET)\b", re.IGNORECASE)


def federated(text: str, endpoints: list[str]) -> str:
    """The SELECT query ``text`` asked of this store and of each of ``endpoints`` at once
    (SPARQL 1.1 Federated Query: ``SERVICE``), their rows together.

    The prologue (comments, PREFIX, BASE) stays on top; the query without its ORDER BY,
    LIMIT and OFFSET runs as a subquery here and inside ``SERVICE <endpoint>`` for each
    endpoint; the order applies to all rows. The endpoint this query is sent to must allow
    the others (``SERVICE_ALLOWLIST``). An aggregate (COUNT per plan) is computed per store:
    rows of the same plan from two stores stay two rows.
    """
    prologue = _PROLOGUE.match(text)
    head, body = text[:prologue.end()], text[prologue.end():].strip()
    if not re.match(r"SELECT\b", body, re.IGNORECASE):
        raise InputError("only a SELECT query can be federated", source="query")
    tail_start = body.rfind("}") + 1
    modifiers = _MODIFIERS.search(body, tail_start)
    order = ""
    if modifiers:
        order, body = body[modifiers.start():].strip(), body[:modifiers.start()].rstrip()
    parts = [f"  {{ {body} }}"] + [f"  UNION {{ SERVICE <{e}> {{ {body} }} }}" for e in endpoints]
    columns = " ".join(f"?{v}" for v in projected(body)) or "*"
    return (head + f"SELECT {columns} WHERE {{\n" + "\n".join(parts) + "\n}\n" + order
            + ("\n" if order else ""))


def projected(select: str) -> list[str]:
    """The variables a SELECT query projects, in order (``?v`` and ``(… AS ?v)``); empty for
    ``SELECT *``."""
    match = re.match(r"SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?", select, re.IGNORECASE)
    names: list[str] = []
    depth, i = 0, match.end() if match else 0
    while i < len(select):
        char = select[i]
        if depth == 0 and re.match(r"(WHERE\b|\{)", select[i:], re.IGNORECASE):
            break
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char in "?$":
            name = re.match(r"[?$](\w+)", select[i:])
            if name and (depth == 0 or re.search(r"\bAS\s*$", select[:i], re.IGNORECASE)):
                names.append(name[1])
            if name:
                i += len(name[0])
                continue
        i += 1
    return names
