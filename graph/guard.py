"""Lexical inspection of a SPARQL request before the engine sees it.

The embedded engine overflows its stack on very deeply nested queries and would take the
worker with it, so nesting, size, the query form and SERVICE calls are checked here with a
small tokenizer that skips strings, IRIs and comments. It never evaluates anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin

from graph.errors import InputError

_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
# a prefixed name (SPARQL PNAME_LN / PNAME_NS, loosely: the engine checks the exact grammar)
_PNAME = re.compile(r"(?:[^\W\d_][\w.\-]*)?:(?:[\w\-:%]|\\.|\.(?=[\w\-:%]))*")
_STRING_STARTS = ('"""', "'''", '"', "'")

QUERY_FORMS = {"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"}
UPDATE_FORMS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


class QueryRejected(InputError):
    """The request is refused before parsing (too long, too deeply nested, forbidden SERVICE)."""

    def __init__(self, message: str, *, status: int = 400, line: int | None = None,
                 column: int | None = None) -> None:
        self.status = status
        super().__init__(message, source="query", line=line, column=column)


@dataclass
class Inspection:
    """What the tokenizer learnt about a request."""

    form: str | None = None                       # SELECT, ASK, ..., INSERT, ... (upper case)
    max_depth: int = 0
    services: list[str] = field(default_factory=list)  # <IRI>, prefixed name or ?var after SERVICE
    prefixes: dict[str, str] = field(default_factory=dict)  # PREFIX declarations (name: IRI)
    base: str | None = None                        # the last BASE declaration
    top_limit: tuple[int, int, int] | None = None  # (value, start, end) of a depth-0 LIMIT number
    top_values: bool = False                       # a trailing VALUES clause (depth 0)
    has_from: bool = False                         # a dataset clause (FROM / FROM NAMED)
    length: int = 0

    @property
    def is_update(self) -> bool:
        return self.form in UPDATE_FORMS


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _skip_string(text: str, i: int) -> int:
    for quote in _STRING_STARTS:
        if text.startswith(quote, i):
            j = i + len(quote)
            while j < len(text):
                if text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(quote, j):
                    return j + len(quote)
                if len(quote) == 1 and text[j] == "\n":
                    break
                j += 1
            line, col = _position(text, i)
            raise QueryRejected("unterminated string literal", line=line, column=col)
    return i


def inspect_query(text: str, *, max_length: int, max_depth: int) -> Inspection:
    """Tokenize ``text`` once; raise QueryRejected when it is too long or nested too deeply.

    Results are remembered for recently seen texts (clients repeat their queries); the
    returned Inspection must be treated as read-only.
    """
    return _inspect_cached(text, max_length, max_depth)


@lru_cache(maxsize=4096)
def _inspect_cached(text: str, max_length: int, max_depth: int) -> Inspection:
    size = len(text.encode("utf-8"))
    if size > max_length:
        raise QueryRejected(f"the query is {size} bytes long; this endpoint accepts at most "
                            f"{max_length} bytes", status=413)
    out = Inspection(length=size)
    depth, i, n = 0, 0, len(text)
    expect_service_target = False
    last_word = ""
    declaring: str | None = None  # "BASE", or "PREFIX" / the prefix being declared
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
        elif ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif ch in "\"'":
            i = _skip_string(text, i)
        elif ch == "<" and (m := _IRI.match(text, i)):
            if expect_service_target:
                out.services.append(m.group(0))
                expect_service_target = False
            if declaring == "BASE":
                out.base = m.group(0)[1:-1]
            elif declaring not in (None, "PREFIX"):
                out.prefixes[declaring] = m.group(0)[1:-1]
            declaring = None
            i = m.end()
        elif (ch == ":" or ch.isalpha()) and (m := _PNAME.match(text, i)):
            if expect_service_target:
                out.services.append(m.group(0))
                expect_service_target = False
            declaring = m.group(0)[:-1] if declaring == "PREFIX" else None
            last_word = ""
            i = m.end()
        elif ch in "({[":
            depth += 1
            if depth > max_depth:
                line, col = _position(text, i)
                raise QueryRejected(f"the query nests groups or brackets more than {max_depth} "
                                    "levels deep", line=line, column=col)
            out.max_depth = max(out.max_depth, depth)
            i += 1
        elif ch in ")}]":
            depth = max(depth - 1, 0)
            i += 1
        elif ch in "?$":
            m = _WORD.match(text, i + 1)
            end = m.end() if m else i + 1
            if expect_service_target:
                out.services.append(text[i:end])
                expect_service_target = False
            i = end
        elif m := _WORD.match(text, i):
            word = m.group(0).upper()
            if out.form is None and word in QUERY_FORMS | UPDATE_FORMS:
                out.form = word
            if word == "SERVICE":
                expect_service_target = True
            elif word in ("BASE", "PREFIX"):
                declaring = word
            elif word == "VALUES" and depth == 0:
                out.top_values = True
            elif word == "FROM" and depth == 0:
                out.has_from = True
            last_word = word
            i = m.end()
        elif ch.isdigit() and last_word == "LIMIT" and depth == 0:
            m = re.compile(r"\d+").match(text, i)
            assert m is not None
            out.top_limit = (int(m.group(0)), m.start(), m.end())
            last_word = ""
            i = m.end()
        else:
            last_word = "" if not ch.isspace() else last_word
            i += 1
    return out


def resolve_iri(ref: str, insp: Inspection, base_iri: str | None) -> str | None:
    """The absolute IRI of an ``<IRI>`` or prefixed name written in the inspected text (relative
    IRIs against its BASE, else ``base_iri``); None for an undeclared prefix."""
    if ref.startswith("<"):
        return urljoin(insp.base and urljoin(base_iri or "", insp.base) or base_iri or "",
                       ref[1:-1])
    prefix, _, local = ref.partition(":")
    namespace = insp.prefixes.get(prefix)
    if namespace is None:
        return None
    return resolve_iri(f"<{namespace}>", insp, base_iri) + re.sub(r"\\(.)", r"\1", local)


def cap_limit(text: str, insp: Inspection, cap: int) -> tuple[str, bool]:
    """Make the query return at most ``cap`` rows; True when the cap (not the query) bounds it.

    A depth-0 LIMIT above the cap is lowered; a query without one gets ``LIMIT cap`` appended
    (legal unless a trailing VALUES block follows, which the caller then leaves uncapped).
    """
    if insp.top_limit is not None:
        value, start, end = insp.top_limit
        if value <= cap:
            return text, False
        return text[:start] + str(cap) + text[end:], True
    if insp.top_values:
        # A trailing VALUES block after the WHERE clause; appending LIMIT would be a syntax error.
        return text, False
    return text.rstrip() + f"\nLIMIT {cap}", True
