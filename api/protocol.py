"""Reading a SPARQL 1.1 Protocol request: operation, dataset description, format override.

https://www.w3.org/TR/sparql11-protocol/#query-operation and #update-operation.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask import Request

from graph.errors import InputError

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"


class ProtocolError(InputError):
    """A request that breaks the SPARQL protocol; ``status`` is the HTTP status to send."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class ProtocolRequest:
    """The parts of a query or update request the endpoint needs."""

    text: str | None
    operation: str                       # "query" or "update"
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    format: str | None = None            # the format= / output= override


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise ProtocolError(f"the request carries {len(values)} '{name}' parameters; the SPARQL "
                            f"protocol allows exactly one ({PROTOCOL})")
    return values[0] if values else None


def _utf8(raw: bytes, what: str, *, form: bool) -> None:
    """Refuse a request whose text is not UTF-8 (werkzeug would put U+FFFD in its place)."""
    try:
        text = raw.decode("utf-8")
        if form:
            parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start:exc.start + 1]
        where = f" at byte {exc.start}" if exc.object is raw else ""
        raise ProtocolError(f"the {what} is not valid UTF-8 (byte 0x{bad.hex().upper()}{where}); "
                            "SPARQL requests are UTF-8, percent-encoded in URLs and forms "
                            f"({PROTOCOL})") from None


def read_request(req: Request, *, operation: str) -> ProtocolRequest:
    """Extract the query (or update) and its dataset from GET parameters, a form or a body."""
    params = req.args
    _utf8(req.query_string, "request URL", form=True)
    if req.method == "POST":
        _utf8(req.get_data(), f"{operation} body", form=req.mimetype == FORM_TYPE)
    text: str | None
    if req.method in ("GET", "HEAD"):
        if operation == "update":
            raise ProtocolError("updates must be sent with POST", status=405)
        if "update" in params:
            raise ProtocolError("this is the query endpoint; updates are not accepted here")
        text = _one(params.getlist("query"), "query")
        source = params
    elif req.method == "POST":
        mimetype = req.mimetype or ""
        if mimetype == FORM_TYPE:
            source = req.form
            if operation == "query" and "update" in source:
                raise ProtocolError("this is the query endpoint; updates are not accepted here "
                                    "(the public endpoint is read-only)")
            text = _one(source.getlist(operation), operation)
        elif mimetype == QUERY_TYPE and operation == "query":
            text, source = req.get_data(as_text=True), params
        elif mimetype == UPDATE_TYPE:
            if operation == "query":
                raise ProtocolError("this is the query endpoint; updates are not accepted here "
                                    "(the public endpoint is read-only)")
            text, source = req.get_data(as_text=True), params
        else:
            accepted = f"{FORM_TYPE} or {QUERY_TYPE if operation == 'query' else UPDATE_TYPE}"
            raise ProtocolError(f"unsupported request media type {mimetype or '(none)'!r}; "
                                f"send {accepted}", status=415)
        if text is None:
            raise ProtocolError(f"the request has no '{operation}'")
    else:
        raise ProtocolError(f"method {req.method} is not allowed here", status=405)
    graph_names = ("using-graph-uri", "using-named-graph-uri") if operation == "update" else \
        ("default-graph-uri", "named-graph-uri")
    fmt = req.args.get("format") or req.args.get("output")
    if fmt is None and req.method == "POST" and req.mimetype == FORM_TYPE:
        fmt = req.form.get("format") or req.form.get("output")
    return ProtocolRequest(text=text, operation=operation,
                           default_graphs=tuple(source.getlist(graph_names[0])),
                           named_graphs=tuple(source.getlist(graph_names[1])), format=fmt)


def check_graph_iris(iris: tuple[str, ...]) -> None:
    """Dataset IRIs must be absolute IRIs without spaces or angle brackets."""
    for iri in iris:
        if ":" not in iri or any(c in iri for c in ' <>"{}|^`\\') or any(ord(c) < 0x21 for c in iri):
            raise ProtocolError(f"not an absolute IRI: {iri!r}")


def data_version(store_dir: str | None) -> tuple[str, float] | None:
    """(version id, time it went live) of the embedded store, read from the ``current`` link."""
    if not store_dir:
        return None
    link = os.path.join(store_dir, "current")
    try:
        return os.path.basename(os.readlink(link)), os.lstat(link).st_mtime
    except OSError:
        return None


def etag_for(version: str, *parts: object) -> str:
    """A strong validator of (data version, request): the same answer has the same tag."""
    digest = hashlib.blake2b(digest_size=10)
    for part in parts:
        digest.update(str(part).encode("utf-8"))
        digest.update(b"\x00")
    return f"{version}-{digest.hexdigest()}"
