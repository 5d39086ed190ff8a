"""The SPARQL 1.1 Protocol endpoint: /sparql (public, read-only) and /sparql/update (curators).

The view parses the request, checks it lexically (size, nesting, form, SERVICE) before any
engine sees it, negotiates the result format, and hands the query to this worker's engine
process, which serialises natively and streams bytes back. Limits are settings and are stated
in the Service Description and in the response headers.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

import requests
from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.datastructures import MIMEAccept

from api import formats
from api.app import get_engine, get_store
from api.errors import json_error
from api.protocol import ProtocolError, ProtocolRequest, check_graph_iris, data_version, etag_for
from api.protocol import read_request as read_protocol_request
from graph.engine import EngineTimeout, QueryJob
from graph.errors import GraphError, InputError
from graph.guard import QUERY_FORMS, Inspection, QueryRejected, cap_limit, inspect_query, resolve_iri
from graph.sparql import locate_syntax_error, query_syntax_error
from graph.store import EmbeddedStore, RemoteStore, Store
from graph.updatepolicy import CONFIRM_PARAMETER, CONFIRM_VALUE, UpdatePlan, check_update

bp = Blueprint("sparql", __name__)

GRAPH_FORMS = {"CONSTRUCT", "DESCRIBE"}


def _limits() -> dict[str, Any]:
    cfg = current_app.config
    return {"timeout_s": cfg["QUERY_TIMEOUT"], "max_rows": cfg["MAX_ROWS"],
            "max_query_length": cfg["MAX_QUERY_LENGTH"], "max_nesting": cfg["MAX_NESTING"],
            "service_allowlist": cfg["SERVICE_ALLOWLIST"].split()}


def inspect_request(text: str, cfg: Mapping[str, Any]) -> Inspection:
    """The guard: size, nesting and SERVICE policy, before any engine sees the text."""
    insp = inspect_query(text, max_length=cfg["MAX_QUERY_LENGTH"], max_depth=cfg["MAX_NESTING"])
    allowed = cfg["SERVICE_ALLOWLIST"].split()
    for written in insp.services:
        if written.startswith(("?", "$")):
            raise QueryRejected(f"SERVICE {written}: federated queries must name their endpoint")
        target = resolve_iri(written, insp, cfg["BASE_IRI"])
        if target is None:
            raise QueryRejected(f"SERVICE {written}: the prefix is not declared")
        if not any(target.startswith(prefix) for prefix in allowed):
            raise QueryRejected(
                f"SERVICE <{target}> is refused: this endpoint calls no other endpoint"
                + (" outside its allow-list" if allowed else " (federation is switched off)"))
    return insp


def _inspect(text: str) -> Inspection:
    return inspect_request(text, current_app.config)


def wants_ui(accept: MIMEAccept, has_format: bool) -> bool:
    """A browser navigation (HTML explicitly preferred over every result type)."""
    html = accept["text/html"] if "text/html" in accept.values() else 0
    others = max((accept[f.media_type] for f in formats.RESULTS), default=0)
    return html > 0 and html >= others and not has_format


def _wants_ui() -> bool:
    return wants_ui(request.accept_mimetypes, bool(request.args.get("format")))


@bp.route("/sparql", methods=["GET", "POST"])
def query() -> Response:
    """SPARQL query operation; without a query: the Service Description or the query UI."""
    preq = read_protocol_request(request, operation="query")
    if preq.text is None:
        if _wants_ui():
            from api.ui import render_ui

            return render_ui()
        return _service_description(preq.format)
    if request.method == "GET" and _wants_ui():
        from api.ui import render_ui

        return render_ui(query=preq.text)
    return _answer(preq)


@dataclass
class Prepared:
    """A checked query request: the engine job, its format and the response headers."""

    job: QueryJob
    fmt: formats.Format
    headers: dict[str, str]
    etag: str | None


def prepare(cfg: Mapping[str, Any], store_dir: str | None, preq: ProtocolRequest,
            negotiated: Callable[[tuple[formats.Format, ...]], formats.Format]) -> Prepared:
    """Guard, dataset check, negotiation (``negotiated(offered)``), validators and row cap:
    everything before evaluation, shared by the Flask view and the fast path."""
    text = preq.text or ""
    insp = inspect_request(text, cfg)
    if insp.is_update:
        raise ProtocolError("this is the query endpoint; updates are not accepted here "
                            "(the public endpoint is read-only)")
    check_graph_iris(preq.default_graphs + preq.named_graphs)
    fmt = negotiated(formats.RDF if insp.form in GRAPH_FORMS else formats.RESULTS)
    version = data_version(store_dir)
    headers = {"Vary": "Accept", "Cache-Control": "public, max-age=60"}
    etag = None
    if version is not None:
        etag = etag_for(version[0], text, preq.default_graphs, preq.named_graphs, fmt.name)
        headers["ETag"] = f'"{etag}"'
        headers["Last-Modified"] = formatdate(version[1], usegmt=True)
    capped, cap = False, cfg["MAX_ROWS"]
    if insp.form in ("SELECT", "CONSTRUCT", "DESCRIBE"):
        text, capped = cap_limit(text, insp, cap)
        headers["Results-Row-Cap"] = str(cap)
    job = QueryJob(text, fmt.media_type, preq.default_graphs, preq.named_graphs, capped, cap,
                   base_iri=cfg["BASE_IRI"])
    return Prepared(job, fmt, headers, etag)


def _answer(preq: ProtocolRequest) -> Response:
    store = get_store()
    store_dir = str(store.path) if isinstance(store, EmbeddedStore) else None
    prep = prepare(current_app.config, store_dir, preq, lambda offered: formats.negotiate(
        request.accept_mimetypes, offered, override=preq.format))
    headers = prep.headers
    if prep.etag is not None and request.if_none_match.contains(prep.etag):
        return Response(status=304, headers=headers)
    engine = get_engine()
    if engine is None:
        return _proxy(preq, prep.fmt, headers)
    try:
        outcome, stream = engine.execute(prep.job)
    except EngineTimeout as exc:
        return json_error(503, f"{exc}; simplify the query or add a LIMIT",
                          timeout_s=current_app.config["QUERY_TIMEOUT"])
    if outcome.error == "syntax":
        err = (locate_syntax_error(preq.text or "", base_iri=current_app.config["BASE_IRI"])
               or query_syntax_error(outcome.message))
        return json_error(400, err.message, line=err.line, column=err.column, source="query")
    if outcome.error:
        return json_error(400, f"the query could not be evaluated: {outcome.message}")
    if outcome.truncated:
        headers["Results-Truncated"] = "true"
    return Response(_guarded(stream), status=200, headers=headers,
                    content_type=content_type(prep.fmt))


def _guarded(stream: Any) -> Iterator[bytes]:
    """Pass the engine's chunks on; a failure mid-stream ends the body with a clear signal
    (the document is then deliberately incomplete, so a client's parser fails loudly)."""
    try:
        yield from stream
    except EngineTimeout as exc:
        yield f"\n# ERROR: result incomplete: {exc}\n".encode()
    finally:
        stream.close()


def content_type(fmt: formats.Format) -> str:
    text_like = fmt.media_type.startswith("text/") or fmt.name in ("json", "jsonld", "ntriples")
    return f"{fmt.media_type}; charset=utf-8" if text_like else fmt.media_type


def _proxy(preq: ProtocolRequest, fmt: formats.Format, headers: dict[str, str]) -> Response:
    """Remote store: forward the query with the negotiated Accept, within the timeout."""
    cfg = current_app.config
    # relative IRIs resolve against BASE_IRI here too (on the same line: positions stay)
    data: list[tuple[str, str]] = [("query", f"BASE <{cfg['BASE_IRI']}> {preq.text or ''}")]
    data += [("default-graph-uri", g) for g in preq.default_graphs]
    data += [("named-graph-uri", g) for g in preq.named_graphs]
    store = get_store()
    if not (preq.default_graphs or preq.named_graphs) and isinstance(store, RemoteStore):
        # the default-graph union in a named graph (Virtuoso): the query's default graph
        data += store.dataset_parameters(preq.text or "")
    try:
        upstream = requests.post(cfg["SPARQL_URL"], data=data, headers={"Accept": fmt.media_type},
                                 timeout=cfg["QUERY_TIMEOUT"], stream=True)
    except requests.Timeout:
        return json_error(503, f"the remote store did not answer within {cfg['QUERY_TIMEOUT']} s")
    except requests.RequestException as exc:
        return json_error(502, f"the remote store cannot be reached: {exc}")
    if upstream.status_code >= 400:
        return json_error(400 if upstream.status_code < 500 else 502,
                          f"the remote store answered {upstream.status_code}: "
                          f"{upstream.text[:500]}")
    if _inspect(preq.text or "").form == "ASK":
        answer = _ask_answer(upstream, fmt)
        if answer is not None:
            return Response(answer, status=200, headers=headers, content_type=content_type(fmt))
    return Response(upstream.iter_content(65536), status=200, headers=headers,
                    content_type=upstream.headers.get("Content-Type", content_type(fmt)))


def _ask_answer(upstream: requests.Response, fmt: formats.Format) -> bytes | None:
    """An ASK answered as Virtuoso does, as a one-row table of ``__ASK_RETVAL`` (1 or 0), as
    the boolean result the SPARQL JSON / XML formats define; None for any other answer."""
    import pyoxigraph as ox

    kinds = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML}
    if fmt.name not in kinds:
        return None
    body = upstream.content
    if b"__ASK_RETVAL" not in body:
        return None
    try:
        rows = list(ox.parse_query_results(body, kinds[fmt.name]))
    except (SyntaxError, ValueError):
        return None
    value = bool(rows) and rows[0]["__ASK_RETVAL"] is not None and rows[0]["__ASK_RETVAL"].value == "1"
    if fmt.name == "json":
        return b'{"head":{},"boolean":' + (b"true" if value else b"false") + b"}"
    return (b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            b"<head/><boolean>" + (b"true" if value else b"false") + b"</boolean></sparql>")


def _service_description(override: str | None) -> Response:
    """The Service Description, built from the same release description as VoID and DCAT."""
    import pyoxigraph as ox

    from api.metadata import get_release, get_urls
    from graph.ontodoc import serialise
    from graph.service import service_description

    fmt = formats.negotiate(request.accept_mimetypes, formats.RDF, override=override)
    triples = service_description(get_release(), get_urls(), _limits())
    body = serialise(list(triples), ox.RdfFormat.from_media_type(fmt.media_type))
    return Response(body, status=200, headers={"Vary": "Accept"}, content_type=content_type(fmt))


@bp.route("/sparql/update", methods=["POST"])
def update() -> Response:
    """SPARQL update operation for curators, behind a bearer token; never on /sparql."""
    token = current_app.config["UPDATE_TOKEN"]
    if not token:
        return json_error(404, "the update endpoint is switched off (no UPDATE_TOKEN is set)")
    supplied = request.headers.get("Authorization", "")
    if not supplied.startswith("Bearer ") or not hmac.compare_digest(
            supplied[7:].encode(), token.encode()):
        response = json_error(401, "a valid bearer token is required for updates")
        response.headers["WWW-Authenticate"] = 'Bearer realm="owl40-update"'
        return response
    preq = read_protocol_request(request, operation="update")
    text = preq.text or ""
    insp = _inspect(text)
    if insp.form in QUERY_FORMS:  # (an empty update, or one with only a prologue, is valid)
        raise ProtocolError("this is the update endpoint; send queries to /sparql")
    cfg, store = current_app.config, get_store()
    confirmed = request.values.get(CONFIRM_PARAMETER) == CONFIRM_VALUE
    plan = check_update(text, base_iri=cfg["BASE_IRI"], load_allowlist=cfg["LOAD_ALLOWLIST"].split(),
                        confirmed=confirmed, graph_names=store.graph_names,
                        data_outside=store.has_data_outside)
    try:
        # relative IRIs resolve against BASE_IRI (declared on line 1: positions stay); an
        # update without operations (only a prologue) is valid and changes nothing
        changed = (store.update(f"BASE <{cfg['BASE_IRI']}> {text}") if plan.operations
                   else store.count_default())
    except GraphError as exc:
        return _update_failed(exc, plan, store)
    # (default_graph_triples is null while the store's figures are still being computed)
    return jsonify(status=200, message="update applied; the default graph (the union of the "
                   "public named graphs) was recomputed", default_graph_triples=changed)


def _update_failed(exc: GraphError, plan: UpdatePlan, store: Store) -> Response:
    """400 for an update that failed while the store is fine (never showing what a LOAD
    fetched: a parser's message quotes the document), 503 only when the store is down."""
    try:
        store.query("ASK {}")
    except GraphError:
        current_app.logger.error("update failed, store down: %s", exc)
        return json_error(503, f"the store is not available: {exc}")
    if plan.loads:
        sources = ", ".join(f"<{s}>" for s in plan.loads)
        what = ("is not RDF in a format this server reads" if isinstance(exc, InputError)
                else "could not be fetched")
        return json_error(400, f"LOAD failed: {sources} {what}; nothing was changed (the "
                          "fetched content is not shown)", source="update")
    if isinstance(exc, InputError):
        raise exc
    return json_error(400, f"the update could not be applied, nothing was changed: {exc}",
                      source="update")


@bp.errorhandler(ProtocolError)
def protocol_error(exc: ProtocolError) -> Response:
    return json_error(exc.status, exc.message, spec="https://www.w3.org/TR/sparql11-protocol/")


@bp.errorhandler(formats.NotAcceptable)
def not_acceptable(exc: formats.NotAcceptable) -> Response:
    return json_error(406, str(exc))


@bp.errorhandler(formats.UnknownFormat)
def unknown_format(exc: formats.UnknownFormat) -> Response:
    return json_error(400, str(exc))

