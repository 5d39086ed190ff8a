"""Response hardening in one place: security headers, redirects that never follow the Host
header, trusted hosts, and the ``http_url`` template filter for links taken from data.

Every HTML response gets a Content-Security-Policy without inline script or style (pages load
their scripts and styles from /static; a view may set a stricter or its own policy, as the
query UI does), ``frame-ancestors``, a Referrer-Policy and ``nosniff``; every other response
gets ``nosniff``. A redirect to this server (Werkzeug's trailing-slash and merged-slash
redirects build absolute URLs from the Host header) keeps only path and query.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'self'")
#: Headers of every response, also sent by the WSGI fast path of /sparql (api.fastpath).
COMMON_HEADERS = (("X-Content-Type-Options", "nosniff"),)
HTML_HEADERS = (("Content-Security-Policy", CSP),
                ("Referrer-Policy", "strict-origin-when-cross-origin"),
                ("X-Frame-Options", "SAMEORIGIN"))


def trusted_hosts(setting: str) -> list[str] | None:
    """The TRUSTED_HOSTS setting as Flask wants it (None: any host)."""
    hosts = setting.split() if isinstance(setting, str) else list(setting or [])
    return hosts or None


def http_url(value: Any) -> str | None:
    """``value`` when it is an absolute http(s) URL, else None (never ``javascript:``,
    ``data:`` or a protocol-relative ``//host``)."""
    text = str(value or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme in ("http", "https") and parts.netloc else None


def local_location(location: str, host: str) -> str:
    """A Location on this server as path and query (a redirect elsewhere stays as it is)."""
    parts = urlsplit(location)
    if parts.netloc and parts.netloc.lower() == host.lower():
        path = "/" + parts.path.lstrip("/")
        return path + (f"?{parts.query}" if parts.query else "")
    return location


def _harden(response: Response) -> Response:
    for name, value in COMMON_HEADERS:
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        for name, value in HTML_HEADERS:
            response.headers.setdefault(name, value)
    location = response.headers.get("Location")
    if location and "://" in location:
        response.headers["Location"] = local_location(location, request.host)
    return response


def init_app(app: Flask) -> None:
    """Apply TRUSTED_HOSTS, add the headers to every response, register ``http_url``."""
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config.get("TRUSTED_HOSTS", ""))
    app.after_request(_harden)
    app.add_template_filter(http_url, "http_url")
