"""Partner submissions on the web: the REST API under /api/ (OpenAPI 3.1 at /api/openapi.json)
and the form pages under /submit, in German and English. Views parse the request, call one
``graph.submissions.service`` method and render; the work happens there.

Authentication: the API takes ``Authorization: Bearer <token>``; the pages keep the token's
hash in a signed session cookie (HttpOnly, SameSite=Strict) after the partner enters it once,
and every form carries a CSRF token. Rate limits (Flask-Limiter) on uploads: 429.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    request,
    session,
)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from api.errors import json_error
from graph.errors import GraphError, InputError
from graph.submissions import templates as tpl
from graph.submissions.auth import AuthError, Identity, identify, token_hash
from graph.submissions.parse import UploadError
from graph.submissions.service import Config, NotFound, SubmissionService, UploadRefused
from graph.submissions.storage import StateError

bp = Blueprint("submissions", __name__)
SERVICE_KEY = "owl40_submissions"
TURTLE = "text/turtle"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rate_key() -> str:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return "token:" + token_hash(auth[7:].strip())[:32]
    if session.get("token_hash"):
        return "token:" + session["token_hash"][:32]
    return "addr:" + (get_remote_address() or "")


limiter = Limiter(key_func=_rate_key, storage_uri="memory://", default_limits=[],
                  headers_enabled=True)


def upload_limit() -> str:
    return current_app.config["SUBMISSION_RATE_LIMIT"]


def init_app(app: Flask) -> None:
    """The service (store + storage), the session key, the limiter, the blueprint."""
    config = Config.from_settings(app.config)
    svc = SubmissionService(app.extensions["owl40_store"], config)
    app.extensions[SERVICE_KEY] = svc
    try:  # after a crash: finish what was acknowledged but not validated or marked published
        svc.reconcile()
    except (StateError, GraphError) as exc:  # another worker got there first, or no store
        app.logger.warning("submissions: reconcile: %s", exc)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(config.storage_dir))
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict")
    limiter.init_app(app)
    app.register_blueprint(bp)

    @app.errorhandler(429)
    def too_many(exc: Any) -> Response:
        return json_error(429, f"too many uploads: {exc.description}; try again later")


def _secret_key(directory: Path) -> str:
    """A random key kept in the submissions directory, shared by every worker."""
    path = directory / "secret.key"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".secret-{secrets.token_hex(4)}"
        tmp.write_text(secrets.token_hex(32))
        try:
            import os

            os.link(tmp, path)  # first writer wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def service() -> SubmissionService:
    return current_app.extensions[SERVICE_KEY]


# -- errors of this blueprint ---------------------------------------------------------------
@bp.errorhandler(AuthError)
def _auth_error(exc: AuthError) -> Response:
    response = json_error(exc.status, exc.message)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="owl40 submissions"'
    return response


@bp.errorhandler(StateError)
def _state_error(exc: StateError) -> Response:
    return json_error(409, str(exc))


@bp.errorhandler(UploadRefused)
def _refused(exc: UploadRefused) -> Response:
    error = exc.error
    return json_error(error.status, error.message, line=error.line, column=error.column,
                      submission=exc.submission.id, state=exc.submission.state)


def bearer() -> Identity:
    """The identity of the request's bearer token (401 without a valid one)."""
    auth = request.headers.get("Authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    return identify(service().storage, token)


def _max_upload() -> None:
    request.max_content_length = int(current_app.config["SUBMISSION_MAX_BYTES"]) + 64 * 1024


@bp.before_request
def _limits() -> None:
    if request.method == "POST":
        _max_upload()


@bp.app_errorhandler(413)
def _too_large(exc: Any) -> Any:
    if request.path.startswith(("/api/", "/submit")):
        limit = int(current_app.config["SUBMISSION_MAX_BYTES"])
        return json_error(413, f"the upload is larger than {limit:,} bytes; refused "
                               "(limit: SUBMISSION_MAX_BYTES)")
    from api.errors import _wants_json  # elsewhere: the app's usual 413

    return json_error(413, exc.description or exc.name) if _wants_json() else exc


# -- REST API -------------------------------------------------------------------------------
@bp.get("/api/openapi.json")
def openapi() -> Response:
    from api.submissions_openapi import openapi_document

    return jsonify(openapi_document())


@bp.get("/api/templates")
def templates_index() -> Response:
    kinds = service().kinds
    return jsonify([{"kind": k.name, "labels": k.labels,
                     "csv": f"/api/templates/{k.name}.csv", "xlsx": f"/api/templates/{k.name}.xlsx",
                     "csvw": f"/api/templates/{k.name}.csv-metadata.json",
                     "columns": [{"key": c.key, "titles": c.names, "hints": c.hints,
                                  "kind": c.kind, "required": c.required,
                                  "multiple": c.multiple, "curators_decide": c.curators,
                                  "codes": [c2.code for c2 in c.codes]} for c in k.columns]}
                    for k in kinds.values()])


@bp.get("/api/templates/<name>.csv")
def template_csv(name: str) -> Response:
    kind = _kind(name)
    response = Response(tpl.template_csv(kind).encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{kind.name}.csv"'
    response.headers["Link"] = (f'</api/templates/{kind.name}.csv-metadata.json>; '
                                'rel="describedby"; type="application/csvm+json"')
    return response


@bp.get("/api/templates/<name>.xlsx")
def template_xlsx(name: str) -> Response:
    kind = _kind(name)
    response = Response(tpl.template_xlsx(kind), mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{kind.name}.xlsx"'
    return response


@bp.get("/api/templates/<name>.csv-metadata.json")
def template_csvw(name: str) -> Response:
    kind = _kind(name)
    doc = tpl.csvw_metadata(kind, base_iri=current_app.config["BASE_IRI"],
                            table_url=f"{kind.name}.csv")
    return Response(_json(doc), mimetype="application/csvm+json")


def _json(doc: Any) -> str:
    import json

    return json.dumps(doc, ensure_ascii=False, indent=1)


def _kind(name: str) -> tpl.Kind:
    try:
        return service().kind(name)
    except NotFound as exc:
        abort(404, exc.message)


def _upload() -> tuple[bytes, str | None, str | None]:
    """The uploaded bytes, file name and media type: a multipart ``file`` field, or the raw
    request body with its Content-Type (and ``?filename=``)."""
    if request.mimetype == "multipart/form-data":
        file = request.files.get("file")
        if file is None:
            raise UploadError("no file: send the upload in the form field \"file\"")
        return file.read(), file.filename, file.mimetype or None
    return request.get_data(cache=False), request.args.get("filename"), request.content_type


@bp.post("/api/submissions")
@limiter.limit(upload_limit)
def api_submit() -> Response:
    who = bearer()
    data, filename, media = _upload()
    sub, _checked = service().submit(
        who, data, filename=filename, content_type=media,
        kind=request.values.get("kind") or None,
        organisation=request.values.get("organisation") or None)
    lang = _lang()
    body = {**sub.summary(), "report": sub.report(lang),
            "links": _links(sub.id)}
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = f"/api/submissions/{sub.id}"
    return response


def _links(number: int) -> dict[str, str]:
    return {"self": f"/api/submissions/{number}",
            "report": f"/api/submissions/{number}/report",
            "report_turtle": f"/api/submissions/{number}/report.ttl",
            "page": f"/submit/{number}", "file": f"/api/submissions/{number}/file"}


def _lang() -> str:
    asked = request.args.get("lang", "")
    if asked in ("de", "en"):
        return asked
    return request.accept_languages.best_match(("de", "en")) or "de"


@bp.get("/api/submissions")
def api_list() -> Response:
    who = bearer()
    subs = service().list(who, state=request.args.get("state") or None)
    return jsonify([{**s.summary(), "links": _links(s.id)} for s in subs])


@bp.get("/api/submissions/<int:number>")
def api_get(number: int) -> Response:
    who = bearer()
    sub = _get(who, number)
    return jsonify({**sub.summary(), "report": sub.report(_lang()),
                    "events": service().storage.events(number), "links": _links(number)})


def _get(who: Identity, number: int):
    try:
        return service().get(who, number)
    except NotFound as exc:
        abort(404, exc.message)


@bp.get("/api/submissions/<int:number>/report")
def api_report(number: int) -> Response:
    who = bearer()
    sub = _get(who, number)
    best = request.accept_mimetypes.best_match(["application/json", TURTLE, "text/html"])
    if best == TURTLE or request.args.get("format") == "turtle":
        return Response(sub.report_ttl or "", mimetype=TURTLE)
    return jsonify(sub.report(_lang()))


@bp.get("/api/submissions/<int:number>/report.ttl")
def api_report_turtle(number: int) -> Response:
    sub = _get(bearer(), number)
    return Response(sub.report_ttl or "", mimetype=TURTLE)


@bp.get("/api/submissions/<int:number>/file")
def api_file(number: int) -> Response:
    sub, data = service().raw_file(bearer(), number)
    response = Response(data, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(sub.filename)}"
    return response


@bp.post("/api/submissions/<int:number>/withdraw")
def api_withdraw(number: int) -> Response:
    return jsonify(service().withdraw(bearer(), number).summary())


@bp.get("/api/submissions/<int:number>/changes")
def api_changes(number: int) -> Response:
    sub, records = service().review(bearer(), number)
    return jsonify({"submission": sub.id, "state": sub.state,
                    "records": [_record_json(r) for r in records]})


def _term(term: ox.Term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["lang"] = term.language
    elif term.datatype and term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def _record_json(r) -> dict:
    return {"record": r.record, "kind": r.kind, "action": r.action, "new": r.new,
            "fields": [{"subject": f.subject, "predicate": f.predicate, "change": f.kind,
                        "added": [_term(v) for v in f.added],
                        "removed": [_term(v) for v in f.removed],
                        "others": [{"value": _term(v), "graphs": gs} for v, gs in f.others]}
                       for f in r.fields]}


@bp.post("/api/submissions/<int:number>/accept")
def api_accept(number: int) -> Response:
    note = (request.get_json(silent=True) or {}).get("note") or request.form.get("note")
    return jsonify(service().accept(bearer(), number, note).summary())


@bp.post("/api/submissions/<int:number>/reject")
def api_reject(number: int) -> Response:
    note = (request.get_json(silent=True) or {}).get("note") or request.form.get("note")
    return jsonify(service().reject(bearer(), number, note).summary())


@bp.post("/api/submissions/<int:number>/publish")
def api_publish(number: int) -> Response:
    body = request.get_json(silent=True) or {}
    supersede = [_triple(item) for item in body.get("supersede", [])]
    sub, result = service().publish(bearer(), number, supersede=supersede)
    return jsonify({**sub.summary(), "graph": result.graph, "prov_graph": result.prov_graph,
                    "replaced": result.replaced, "superseded": result.superseded})


def _triple(item: Any) -> ox.Triple:
    """A statement to supersede: {"subject", "predicate", "object": <N-Triples term>}."""
    try:
        text = f"<{item['subject']}> <{item['predicate']}> {item['object']} ."
        return next(iter(ox.parse(text.encode(), ox.RdfFormat.N_TRIPLES))).triple
    except (KeyError, TypeError, SyntaxError, StopIteration) as exc:
        raise InputError(f"a statement to supersede needs subject, predicate and object "
                         f"(an N-Triples term): {exc}") from None


@bp.route("/api/reports/sparql", methods=["GET", "POST"])
def api_reports_sparql() -> Response:
    """SPARQL over the stored reports (curators): e.g. which rule fails most often."""
    who = bearer()
    if not who.is_curator:
        raise AuthError("only curators may query the reports", 403)
    query = request.values.get("query", "")
    if not query:
        raise InputError("no query: send query=…")
    try:
        results = service().reports_store().query(query)
    except SyntaxError as exc:
        raise InputError(f"the query does not parse: {exc}") from None
    if isinstance(results, ox.QuerySolutions | ox.QueryBoolean):
        data = results.serialize(format=ox.QueryResultsFormat.JSON)
        return Response(data, mimetype="application/sparql-results+json")
    return Response(ox.serialize(results, format=ox.RdfFormat.TURTLE), mimetype=TURTLE)


from api import submissions_pages  # noqa: E402,F401  (registers the form pages on bp)
