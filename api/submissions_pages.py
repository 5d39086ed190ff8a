"""The submission pages under /submit (German and English): sign in with a token, download a
template, upload, read the report, withdraw; curators review, accept, reject and publish.
Registered on the ``submissions`` blueprint (api.submissions)."""

from __future__ import annotations

import secrets
from typing import Any

import pyoxigraph as ox
from flask import Response, abort, redirect, request, session

from api.pagerender import current_language, render_page
from api.submissions import bp, limiter, service, upload_limit
from graph.submissions.auth import AuthError, Identity, identify, identify_hash, token_hash
from graph.submissions.parse import UploadError
from graph.submissions.service import NotFound, UploadRefused
from graph.submissions.storage import StateError

TEXT: dict[str, tuple[str, str]] = {  # key: (de, en)
    "title": ("Daten einreichen", "Submit data"),
    "intro": ("Partnerorganisationen reichen hier Korrekturen und neue Angaben ein: eine "
              "ausgefüllte Vorlage (CSV oder Excel) oder RDF (Turtle, JSON-LD, RDF/XML). Sie "
              "bekommen sofort einen Prüfbericht; Kuratoren prüfen und veröffentlichen.",
              "Partner organisations submit corrections and new facts here: a filled template "
              "(CSV or Excel) or RDF (Turtle, JSON-LD, RDF/XML). You get a report at once; "
              "curators review and publish."),
    "token": ("Zugangsschlüssel", "Access token"),
    "sign_in": ("Anmelden", "Sign in"),
    "sign_out": ("Abmelden", "Sign out"),
    "signed_in_as": ("Angemeldet für", "Signed in for"),
    "curator": ("Kuratorin / Kurator", "Curator"),
    "templates": ("Vorlagen", "Templates"),
    "templates_note": ("Eine Vorlage je Art von Datensatz; jede Spalte erklärt sich in den "
                       "Hinweiszeilen (CSV) bzw. im Blatt „Hinweise“ (Excel).",
                       "One template per kind of record; each column is explained in the hint "
                       "lines (CSV) or the sheet \"Hints\" (Excel)."),
    "upload": ("Hochladen", "Upload"),
    "file": ("Datei", "File"),
    "kind": ("Art der Datensätze", "Kind of records"),
    "kind_auto": ("aus der Kopfzeile erkennen", "tell from the header"),
    "organisation": ("Für Organisation (Kennung)", "For organisation (identifier)"),
    "your_submissions": ("Ihre Einreichungen", "Your submissions"),
    "all_submissions": ("Alle Einreichungen", "All submissions"),
    "none": ("Noch keine.", "None yet."),
    "number": ("Nr.", "No."),
    "received": ("Eingegangen", "Received"),
    "state": ("Stand", "State"),
    "report": ("Prüfbericht", "Report"),
    "submission": ("Einreichung", "Submission"),
    "conforms": ("Keine Fehler: die Einreichung kann von den Kuratoren übernommen werden.",
                 "No errors: the curators can take the submission over."),
    "blocking": ("Fehler, die Sie beheben müssen", "Errors you need to fix"),
    "warnings": ("Warnungen (blockieren nicht)", "Warnings (do not block)"),
    "infos": ("Hinweise", "Notes"),
    "row": ("Zeile", "Row"),
    "column": ("Spalte", "Column"),
    "field": ("Feld", "Field"),
    "value": ("Wert", "Value"),
    "what": ("Was nicht stimmt", "What is wrong"),
    "fix": ("So beheben Sie es", "How to fix it"),
    "engine": ("Befund der Prüfung (technisch)", "The validator's finding (technical)"),
    "already": ("schon so veröffentlicht", "already so in the published data"),
    "unreadable": ("Die Datei lässt sich nicht lesen", "The file cannot be read"),
    "fix_upload": ("Korrigieren Sie die Datei und laden Sie sie erneut hoch.",
                   "Correct the file and upload it again."),
    "withdraw": ("Zurückziehen", "Withdraw"),
    "review": ("Änderungen gegenüber dem veröffentlichten Graphen",
               "Changes against the published graph"),
    "new_record": ("neuer Datensatz", "new record"),
    "adds": ("fügt hinzu", "adds"), "removes": ("entfernt", "removes"),
    "changes": ("ändert", "changes"), "keeps": ("behält", "keeps"),
    "others": ("Werte anderer Quellen", "Values of other sources"),
    "supersede": ("als überholt markieren", "mark as superseded"),
    "accept": ("Annehmen", "Accept"), "reject": ("Ablehnen", "Reject"),
    "publish": ("Veröffentlichen", "Publish"),
    "note": ("Anmerkung", "Note"),
    "history": ("Verlauf", "History"),
    "counts": ("%d Fehler, %d Warnungen, %d Hinweise", "%d errors, %d warnings, %d notes"),
    "state_received": ("eingegangen", "received"), "state_valid": ("gültig", "valid"),
    "state_invalid": ("fehlerhaft", "invalid"), "state_accepted": ("angenommen", "accepted"),
    "state_rejected": ("abgelehnt", "rejected"),
    "state_published": ("veröffentlicht", "published"),
    "state_withdrawn": ("zurückgezogen", "withdrawn"),
    "bad_token": ("Dieser Zugangsschlüssel gilt nicht.", "This token is not valid."),
    "bad_form": ("Das Formular ist abgelaufen; bitte erneut senden.",
                 "The form has expired; please send it again."),
    "published_in": ("Veröffentlicht im Graphen", "Published in the graph"),
}


def s(key: str) -> str:
    pair = TEXT.get(key)
    return pair[0 if current_language() == "de" else 1] if pair else key


def _me() -> Identity | None:
    try:
        return identify_hash(service().storage, session.get("token_hash"))
    except AuthError:
        return None


def _csrf() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def _check_csrf() -> None:
    sent = request.form.get("csrf", "")
    if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
        abort(400, "the form has expired or was not sent by this site; reload the page")


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return render_page(template, status=status, s=s, me=_me(), csrf=_csrf(), **context)


@bp.get("/submit")
def submit_home() -> Response:
    me = _me()
    if me is None:
        return _page("submissions/login.html", title=s("title"))
    subs = service().list(me)
    return _page("submissions/home.html", title=s("title"), kinds=service().kinds.values(),
                 submissions=subs)


@bp.post("/submit/login")
def submit_login() -> Response:
    _check_csrf()
    try:
        me = identify(service().storage, request.form.get("token", "").strip())
    except AuthError:
        return _page("submissions/login.html", status=401, title=s("title"),
                     error=s("bad_token"))
    session["token_hash"] = token_hash(request.form["token"].strip())
    session["csrf"] = secrets.token_urlsafe(24)
    del me
    return redirect("/submit", 303)


@bp.post("/submit/logout")
def submit_logout() -> Response:
    _check_csrf()
    session.clear()
    return redirect("/submit", 303)


def _signed_in() -> Identity:
    me = _me()
    if me is None:
        abort(401, "sign in first")
    return me


@bp.post("/submit/upload")
@limiter.limit(upload_limit)
def submit_upload() -> Response:
    _check_csrf()
    me = _signed_in()
    file = request.files.get("file")
    data = file.read() if file else b""
    try:
        sub, _checked = service().submit(
            me, data, filename=file.filename if file else None,
            content_type=file.mimetype if file else None,
            kind=request.form.get("kind") or None,
            organisation=request.form.get("organisation") or None)
    except UploadRefused as exc:
        sub = exc.submission
    except (UploadError, AuthError) as exc:
        subs = service().list(me)
        return _page("submissions/home.html", status=getattr(exc, "status", 400),
                     title=s("title"), kinds=service().kinds.values(), submissions=subs,
                     error=getattr(exc, "message", str(exc)))
    return redirect(f"/submit/{sub.id}", 303)


@bp.get("/submit/<int:number>")
def submit_show(number: int) -> Response:
    me = _signed_in()
    try:
        sub = service().get(me, number)
    except NotFound:
        abort(404, f"no submission {number}")
    report = sub.report(current_language()) or {}
    review = None
    if me.is_curator and sub.state in ("valid", "accepted", "invalid"):
        review = service().review(me, number)[1]
    return _page("submissions/report.html", title=f"{s('submission')} {sub.id}", sub=sub,
                 report=report, review=review, events=service().storage.events(number),
                 short=_short, term_key=_term_key)


def _short(term: ox.Term) -> str:
    if isinstance(term, ox.NamedNode):
        return term.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return term.value + (f" @{term.language}" if term.language else "")


def _term_key(subject: str, predicate: str, term: ox.Term) -> str:
    return f"{subject}\t{predicate}\t{term}"


@bp.post("/submit/<int:number>/<action>")
def submit_action(number: int, action: str) -> Response:
    _check_csrf()
    me = _signed_in()
    svc = service()
    note = request.form.get("note") or None
    try:
        if action == "withdraw":
            svc.withdraw(me, number)
        elif action == "accept":
            svc.accept(me, number, note)
        elif action == "reject":
            svc.reject(me, number, note)
        elif action == "publish":
            supersede = []
            for key in request.form.getlist("supersede"):
                subject, predicate, obj = key.split("\t", 2)
                text = f"<{subject}> <{predicate}> {obj} ."
                supersede.append(next(iter(ox.parse(text.encode(), ox.RdfFormat.N_TRIPLES))).triple)
            svc.publish(me, number, supersede=supersede)
        else:
            abort(404)
    except (StateError, AuthError) as exc:
        abort(getattr(exc, "status", 409), str(exc))
    except NotFound:
        abort(404, f"no submission {number}")
    return redirect(f"/submit/{number}", 303)
