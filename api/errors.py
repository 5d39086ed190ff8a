"""One JSON error body for the API and SPARQL routes; HTML for pages asked for by browsers."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from graph.errors import InputError, StoreError

SPEC = {
    "protocol": "https://www.w3.org/TR/sparql11-protocol/",
    "query": "https://www.w3.org/TR/sparql11-query/#grammar",
}


def error_body(status: int, message: str, **extra: Any) -> dict[str, Any]:
    """The shape of every error response: status, error (reason phrase), message, extras."""
    from http import HTTPStatus

    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    body = {"status": status, "error": reason, "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def json_error(status: int, message: str, **extra: Any) -> Response:
    response = jsonify(error_body(status, message, **extra))
    response.status_code = status
    return response


def _wants_json() -> bool:
    if request.path.startswith(("/sparql", "/api", "/health")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def init_app(app: Flask) -> None:
    """Register the handlers: domain errors become 4xx, HTTP errors JSON on API routes."""

    @app.errorhandler(InputError)
    def input_error(exc: InputError) -> Response:
        status = getattr(exc, "status", 400)
        return json_error(status, exc.message, line=exc.line, column=exc.column,
                          source=exc.source)

    @app.errorhandler(StoreError)
    def store_error(exc: StoreError) -> Response:
        current_app.logger.error("store error: %s", exc)
        return json_error(503, f"the store is not available: {exc}")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if not _wants_json():
            return exc
        response = json_error(exc.code or 500, exc.description or exc.name)
        for key, value in (exc.get_headers() or []):
            if key.lower() not in ("content-type", "content-length"):
                response.headers[key] = value
        return response
