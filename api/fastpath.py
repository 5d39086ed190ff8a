"""The fast path of /sparql: the common query request answered without Flask.

A plain query request (GET ``?query=`` or a POST form with only ``query``, no dataset, no
``format=``, no conditional headers) whose query the engine has proven fast on the current
store version (``graph.engine``) is answered here, in the WSGI layer, with exactly the
response the Flask view would give (same checks through ``api.sparql.prepare``, same headers
including CORS, plus Content-Length). Everything else, including every error, goes on to the
Flask app unchanged, which also proves queries for next time. Measured reason: Flask's routing,
request objects and extensions cost more CPU per request than evaluating a lookup query
(``bench/README.md``).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import SecurityError
from werkzeug.http import parse_accept_header
from werkzeug.wsgi import get_host

from api import formats
from api.protocol import FORM_TYPE, ProtocolRequest
from api.sparql import Prepared, content_type, prepare, wants_ui
from graph.engine import PROVEN_MAX_TEXT, QueryEngine
from graph.errors import InputError

StartResponse = Callable[..., Any]
PASS = None  # "let the Flask app answer"
# what browsers (YASGUI), SPARQLWrapper and curl send for a form; anything else goes to Flask
FORM_TYPES = {FORM_TYPE, f"{FORM_TYPE}; charset=UTF-8", f"{FORM_TYPE}; charset=utf-8",
              f"{FORM_TYPE};charset=UTF-8", f"{FORM_TYPE};charset=utf-8"}


class SparqlFastPath:
    """WSGI middleware in front of the Flask app (install as ``app.wsgi_app``)."""

    def __init__(self, app: Flask, engine: QueryEngine, store_dir: str,
                 cors_headers: list[tuple[str, str]]) -> None:
        self.next = app.wsgi_app
        self.cfg = app.config
        self.engine = engine
        self.store_dir = store_dir
        self.cors = cors_headers
        self.max_body = 3 * int(app.config["MAX_QUERY_LENGTH"]) + 16
        self._accept: dict[tuple[str, bool], tuple[formats.Format | None, ...] | None] = {}
        # (store version, method, raw query string or body, Accept) -> checked request
        self._prepared: dict[tuple[str, str, str | bytes, str], Prepared | None] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/sparql":
            answer = self._try(environ)
            if answer is not PASS:
                status, headers, body = answer
                start_response(status, headers)
                return [body]
        return self.next(environ, start_response)

    # -- request ---------------------------------------------------------------------------

    def _read_body(self, environ: dict[str, Any]) -> bytes:
        """The form body (b"" when its length is missing or too large); the Flask app can
        still read it afterwards."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            return b""
        if not 0 < length <= self.max_body:
            return b""
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        return body

    @staticmethod
    def _query_text(raw: str | bytes) -> str | None:
        """The query of a plain request (only ``query=``), or None when it is anything else."""
        try:
            decoded = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            params = parse_qsl(decoded, keep_blank_values=True, strict_parsing=True,
                               errors="strict")
        except (ValueError, UnicodeDecodeError):
            return None
        if len(params) != 1 or params[0][0] != "query" or not params[0][1]:
            return None
        return params[0][1]

    def _formats(self, accept: str, is_get: bool) -> tuple[formats.Format | None, ...] | None:
        """(results format, RDF format) for an Accept header; None when a browser asks for
        the query UI. Cached per header value (clients send few distinct ones)."""
        key = (accept, is_get)
        if key in self._accept:
            return self._accept[key]
        parsed = parse_accept_header(accept, MIMEAccept)
        choice: tuple[formats.Format | None, ...] | None = None
        if not (is_get and wants_ui(parsed, False)):
            picked: list[formats.Format | None] = []
            for offered in (formats.RESULTS, formats.RDF):
                try:
                    picked.append(formats.negotiate(parsed, offered))
                except formats.NotAcceptable:
                    picked.append(None)  # the Flask app answers 406
            choice = tuple(picked)
        if len(self._accept) > 256:
            self._accept.clear()
        self._accept[key] = choice
        return choice

    # -- answer ----------------------------------------------------------------------------

    def _try(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
            return PASS
        if self.cfg["TRUSTED_HOSTS"] is not None:
            try:
                get_host(environ, self.cfg["TRUSTED_HOSTS"])
            except SecurityError:
                return PASS  # the Flask app answers 400
        version = self.engine.version()
        if version is None:
            return PASS
        method = environ.get("REQUEST_METHOD")
        if method == "GET":
            raw: str | bytes = environ.get("QUERY_STRING", "")
        elif method == "POST" and environ.get("CONTENT_TYPE") in FORM_TYPES \
                and not environ.get("QUERY_STRING"):
            raw = self._read_body(environ)
        else:
            return PASS
        key = (version, method, raw, environ.get("HTTP_ACCEPT", ""))
        if key in self._prepared:
            prep = self._prepared[key]
        else:
            prep = self._prepare(method, raw, key[3])
            if len(raw) <= PROVEN_MAX_TEXT:  # bounded: at most 1024 entries of 16 KB
                if len(self._prepared) >= 1024:
                    self._prepared.clear()
                self._prepared[key] = prep
        if prep is None:
            return PASS
        if not self.engine.is_proven(prep.job, version):
            return PASS
        outcome, body = self.engine.evaluate_inline(prep.job, version)
        if outcome.error:
            return PASS
        headers = list(prep.headers.items())
        if outcome.truncated:
            headers.append(("Results-Truncated", "true"))
        headers += [("Content-Type", content_type(prep.fmt)),
                    ("Content-Length", str(len(body)))]
        return "200 OK", headers + self.cors, body

    def _prepare(self, method: str, raw: str | bytes, accept: str) -> Prepared | None:
        """Decode, check and negotiate a plain request once; None for anything else."""
        text = self._query_text(raw)
        if text is None:
            return None
        chosen = self._formats(accept, method == "GET")
        if chosen is None:
            return None

        def negotiated(offered: tuple[formats.Format, ...]) -> formats.Format:
            fmt = chosen[0] if offered is formats.RESULTS else chosen[1]
            if fmt is None:
                raise formats.NotAcceptable(offered)
            return fmt

        try:
            return prepare(self.cfg, self.store_dir,
                           ProtocolRequest(text=text, operation="query"), negotiated)
        except (InputError, formats.NotAcceptable, formats.UnknownFormat):
            return None  # the Flask app gives the error response
