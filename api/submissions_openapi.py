"""The OpenAPI 3.1 document of the submissions API, written by hand (the API is small and
stable) and checked by openapi-spec-validator in tests/test_submissions_api.py."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}
SUMMARY = {"$ref": "#/components/schemas/Submission"}
NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "integer"}}
LANG = {"name": "lang", "in": "query", "required": False,
        "schema": {"type": "string", "enum": ["de", "en"]},
        "description": "Language of the report (default: Accept-Language, else German)."}


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "Bad input (what and where in `message`, `line`, `column`)",
            401: "Missing, unknown or revoked token", 403: "The token may not do this",
            404: "No such submission (or not yours)", 409: "The state does not allow it",
            413: "Upload too large", 415: "Content type not accepted",
            422: "The upload cannot be read as a submission", 429: "Too many uploads"}
    return {str(c): {"description": text[c],
                     "content": {"application/json": {"schema": ERROR}}} for c in codes}


def _ok(description: str, schema: dict | None = None, media: str = "application/json") -> dict:
    return {"200": {"description": description,
                    "content": {media: {"schema": schema or {"type": "object"}}}}}


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of /api/templates, /api/submissions and /api/reports."""
    upload_types = {t: {"schema": {"type": "string", "contentMediaType": t}} for t in (
        "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples")}
    upload_types["multipart/form-data"] = {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream"},
                       "kind": {"type": "string"}, "organisation": {"type": "string"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "OWL 4.0 partner submissions", "version": "1.0.0",
                 "description": "Partner organisations submit filled templates (CSV, Excel) or "
                                "RDF; every upload is stored, then validated against the shapes "
                                "in the context of the published graph, and gets a report in "
                                "German or English. Curators review, accept and publish.",
                 "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/templates": {"get": {
                "summary": "The templates and their columns", "security": [],
                "responses": _ok("Templates", {"type": "array", "items": {"type": "object"}})}},
            "/api/templates/{kind}.csv": {"get": {
                "summary": "A CSV template", "security": [],
                "parameters": [{"name": "kind", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {**_ok("CSV template", {"type": "string"}, "text/csv"),
                              **_errors(404)}}},
            "/api/templates/{kind}.xlsx": {"get": {
                "summary": "An Excel template", "security": [],
                "parameters": [{"name": "kind", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {**_ok("Excel template", {"type": "string"},
                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                              **_errors(404)}}},
            "/api/templates/{kind}.csv-metadata.json": {"get": {
                "summary": "CSV on the Web metadata: the template's mapping to RDF",
                "security": [],
                "parameters": [{"name": "kind", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {**_ok("CSVW metadata", {"type": "object"},
                                    "application/csvm+json"), **_errors(404)}}},
            "/api/submissions": {
                "get": {"summary": "Your submissions (curators: all)",
                        "parameters": [{"name": "state", "in": "query", "required": False,
                                        "schema": {"type": "string"}}],
                        "responses": {**_ok("Submissions", {"type": "array", "items": SUMMARY}),
                                      **_errors(401)}},
                "post": {"summary": "Submit a file; it is stored, then validated at once",
                         "parameters": [LANG,
                                        {"name": "filename", "in": "query", "required": False,
                                         "schema": {"type": "string"}},
                                        {"name": "kind", "in": "query", "required": False,
                                         "schema": {"type": "string"}}],
                         "requestBody": {"required": True, "content": upload_types},
                         "responses": {"201": {"description": "Stored and validated; the "
                                                              "report says whether it conforms",
                                               "content": {"application/json": {"schema": SUMMARY}}},
                                       **_errors(400, 401, 403, 413, 415, 422, 429)}}},
            "/api/submissions/{number}": {"get": {
                "summary": "One submission with its report and history",
                "parameters": [NUMBER, LANG],
                "responses": {**_ok("The submission", SUMMARY), **_errors(401, 404)}}},
            "/api/submissions/{number}/report": {"get": {
                "summary": "The report: JSON, or Turtle (sh:ValidationReport) by Accept",
                "parameters": [NUMBER, LANG],
                "responses": {"200": {"description": "The report", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Report"}},
                    "text/turtle": {"schema": {"type": "string"}}}}, **_errors(401, 404)}}},
            "/api/submissions/{number}/report.ttl": {"get": {
                "summary": "The report as a Turtle sh:ValidationReport",
                "parameters": [NUMBER],
                "responses": {**_ok("Turtle", {"type": "string"}, "text/turtle"),
                              **_errors(401, 404)}}},
            "/api/submissions/{number}/file": {"get": {
                "summary": "The file as it was uploaded", "parameters": [NUMBER],
                "responses": {**_ok("The raw file", {"type": "string"},
                                    "application/octet-stream"), **_errors(401, 404)}}},
            "/api/submissions/{number}/withdraw": {"post": {
                "summary": "Withdraw a submission not yet accepted", "parameters": [NUMBER],
                "responses": {**_ok("Withdrawn", SUMMARY), **_errors(401, 404, 409)}}},
            "/api/submissions/{number}/changes": {"get": {
                "summary": "Curators: what it adds, changes and removes, record by record",
                "parameters": [NUMBER],
                "responses": {**_ok("The changes"), **_errors(401, 403, 404)}}},
            "/api/submissions/{number}/accept": {"post": {
                "summary": "Curators: accept (validated again first)", "parameters": [NUMBER],
                "requestBody": {"required": False, "content": {"application/json": {
                    "schema": {"type": "object", "properties": {"note": {"type": "string"}}}}}},
                "responses": {**_ok("Accepted", SUMMARY), **_errors(401, 403, 404, 409)}}},
            "/api/submissions/{number}/reject": {"post": {
                "summary": "Curators: reject", "parameters": [NUMBER],
                "requestBody": {"required": False, "content": {"application/json": {
                    "schema": {"type": "object", "properties": {"note": {"type": "string"}}}}}},
                "responses": {**_ok("Rejected", SUMMARY), **_errors(401, 403, 404, 409)}}},
            "/api/submissions/{number}/publish": {"post": {
                "summary": "Curators: publish an accepted submission as a named graph",
                "parameters": [NUMBER],
                "requestBody": {"required": False, "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"supersede": {
                        "type": "array", "description": "Published statements of other "
                        "sources to set aside: subject and predicate IRIs, object as an "
                        "N-Triples term", "items": {"type": "object", "required": [
                            "subject", "predicate", "object"], "properties": {
                            "subject": {"type": "string"}, "predicate": {"type": "string"},
                            "object": {"type": "string"}}}}}}}}},
                "responses": {**_ok("Published", SUMMARY), **_errors(401, 403, 404, 409)}}},
            "/api/reports/sparql": {"get": {
                "summary": "Curators: SPARQL over the stored reports",
                "parameters": [{"name": "query", "in": "query", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {**_ok("SPARQL results", {"type": "object"},
                                    "application/sparql-results+json"),
                              **_errors(400, 401, 403)}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A token from `owl40 token create`"}},
            "schemas": {
                "Error": {"type": "object", "required": ["status", "error", "message"],
                          "properties": {"status": {"type": "integer"},
                                         "error": {"type": "string"},
                                         "message": {"type": "string"},
                                         "line": {"type": "integer"},
                                         "column": {"type": "integer"},
                                         "submission": {"type": "integer"}}},
                "Submission": {"type": "object", "required": ["id", "state"], "properties": {
                    "id": {"type": "integer"}, "organisation": {"type": "string"},
                    "state": {"type": "string", "enum": ["received", "valid", "invalid",
                                                         "accepted", "rejected", "published",
                                                         "withdrawn"]},
                    "received_at": {"type": "string", "format": "date-time"},
                    "sha256": {"type": "string"}, "size": {"type": "integer"},
                    "report": {"$ref": "#/components/schemas/Report"}}},
                "Report": {"type": ["object", "null"], "properties": {
                    "conforms": {"type": "boolean"}, "blocking": {"type": "integer"},
                    "counts": {"type": "object"},
                    "records": {"type": "array", "items": {"type": "object"}}}},
            },
        },
    }
