"""The submission path as one object with one call per step, for the web and CLI layers:
templates, submit (store durably, then validate), read, withdraw, review, accept, reject,
publish, and SPARQL over the stored reports. No Flask here.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.errors import InputError
from graph.namespaces import DCT, PROV, RDF, RDFS, SKOS, XSD
from graph.submissions import templates as tpl
from graph.submissions.auth import AuthError, Identity
from graph.submissions.changes import ChangeSet, states
from graph.submissions.parse import (
    MapContext,
    ParseLimits,
    UploadError,
    changes_from_rdf,
    changes_from_rows,
    read_upload,
    upload_format,
)
from graph.submissions.publish import diff, is_published, publish, submission_graph
from graph.submissions.report import (
    REGIOSUB_IRI,
    Labels,
    build_report,
    record_labels,
    report_triples,
    report_turtle,
)
from graph.submissions.storage import StateError, Storage, Submission, now
from graph.submissions.validate import Outcome, background, validate_changes


class NotFound(InputError):
    """No such submission, or not one this token may see (404)."""

    status = 404


@dataclass(frozen=True)
class Config:
    """The settings the submission path uses."""

    base_iri: str
    shapes_dir: str
    ontology_dir: str
    storage_dir: str
    max_bytes: int
    limits: ParseLimits
    validators: int = 0

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Config:
        return cls(
            base_iri=settings["BASE_IRI"], shapes_dir=settings["SHAPES_DIR"],
            ontology_dir=settings["ONTOLOGY_DIR"], storage_dir=settings["SUBMISSIONS_DIR"],
            max_bytes=int(settings["SUBMISSION_MAX_BYTES"]),
            limits=ParseLimits(max_unpacked=int(settings["SUBMISSION_MAX_UNPACKED"]),
                               max_memory=int(settings["SUBMISSION_MAX_MEMORY"]),
                               max_seconds=float(settings["SUBMISSION_PARSE_SECONDS"]),
                               max_blank_nodes=int(settings["INPUT_MAX_BLANK_NODES"]),
                               max_depth=int(settings["INPUT_MAX_DEPTH"])),
            validators=int(settings.get("SUBMISSION_VALIDATORS", 0)))


@dataclass
class Checked:
    """A submission read and validated: its change set, the outcome, the reports."""

    changes: ChangeSet
    outcome: Outcome
    reports: dict[str, dict]
    turtle: str


class SubmissionService:
    """Partner submissions on one store and one storage directory."""

    def __init__(self, store, config: Config) -> None:
        self.store, self.config = store, config
        self.storage = Storage(config.storage_dir)
        self._reports_lock = threading.Lock()
        self._reports: tuple[tuple, ox.Store] | None = None

    # -- templates -------------------------------------------------------------------------
    @property
    def kinds(self) -> dict[str, tpl.Kind]:
        return tpl.load_kinds(self.config.shapes_dir, self.config.ontology_dir)

    def kind(self, name: str) -> tpl.Kind:
        kind = self.kinds.get(name)
        if kind is None:
            raise NotFound(f"no template {name!r}; there are: {', '.join(self.kinds)}")
        return kind

    # -- identity helpers -----------------------------------------------------------------
    def organisation_label(self, organisation: str) -> str:
        rows = self.store.query(f"SELECT ?l WHERE {{ <{organisation}> <{SKOS.prefLabel.value}> ?l }}"
                                ).rows
        labels = {r["l"].language: r["l"].value for r in rows}
        return labels.get("de") or labels.get("en") or next(iter(labels.values()), None) \
            or organisation.rsplit("/", 1)[-1]

    def organisation_exists(self, organisation: str) -> bool:
        return bool(self.store.query(f"ASK {{ <{organisation}> ?p ?o }}").boolean)

    def organisation_iri(self, slug_or_iri: str) -> str:
        if slug_or_iri.startswith(("http://", "https://")):
            return slug_or_iri
        return f"{self.config.base_iri}id/organisation/{slug_or_iri}"

    # -- submitting ------------------------------------------------------------------------
    def submit(self, who: Identity, data: bytes, *, filename: str | None,
               content_type: str | None, kind: str | None = None,
               organisation: str | None = None) -> tuple[Submission, Checked | None]:
        """Store the upload durably (then it is acknowledged), then read and validate it."""
        if who.is_curator and not organisation:
            raise AuthError("a curator submits for an organisation: name it", 403)
        target = self.organisation_iri(organisation) if organisation else who.organisation
        if not who.is_curator and target != who.organisation:
            raise AuthError(f"this token belongs to {who.organisation}; it cannot submit for "
                            f"{target}", 403)
        if not data:
            raise UploadError("the upload is empty", status=400)
        if len(data) > self.config.max_bytes:
            raise UploadError(f"the upload is larger than {self.config.max_bytes:,} bytes; "
                              "refused (limit: SUBMISSION_MAX_BYTES)", status=413)
        fmt = upload_format(content_type, filename)
        if kind is not None and kind not in self.kinds:
            raise UploadError(f"unknown kind {kind!r}; use one of {', '.join(self.kinds)}",
                              status=400)
        sub = self.storage.receive(organisation=target, submitter=who.actor,
                                   filename=filename or "upload", fmt=fmt, kind=kind, data=data,
                                   content_type=(content_type or "").split(";")[0].strip())
        return self.validate(sub, actor=who.actor)

    def read(self, sub: Submission) -> ChangeSet:
        """The change set of a stored submission (read again from its raw file)."""
        suffix = ".gz" if self.storage.file_path(sub.sha256).read_bytes()[:2] == b"\x1f\x8b" \
            else ""
        with tempfile.TemporaryDirectory(prefix="owl40-upload-") as tmp:
            path = Path(tmp) / f"upload{suffix}"
            shutil.copyfile(self.storage.file_path(sub.sha256), path)
            answer = read_upload(path, sub.format, self.config.limits,
                                 base_iri=self.config.base_iri)
        ctx = MapContext(self.kinds, self.config.base_iri, sub.organisation,
                         self.organisation_label(sub.organisation), sub.id, self.store,
                         date.fromisoformat(sub.received_at[:10]))
        if "rows" in answer:
            return changes_from_rows(answer["rows"], ctx, kind_name=sub.kind)
        return changes_from_rdf(answer["nquads"], ctx)

    def check(self, sub: Submission, *, exclude_graph: str | None = None) -> Checked:
        changes = self.read(sub)
        bg = background(self.config.shapes_dir, self.config.ontology_dir)
        outcome = validate_changes(self.store, changes, self.config.base_iri, bg,
                                   exclude_graph=exclude_graph,
                                   workers=self.config.validators)
        names = Labels(self.kinds, bg, record_labels(outcome.states, changes))
        reports = {lang: build_report(outcome, changes, names, lang,
                                      base_iri=self.config.base_iri, submission_id=sub.id)
                   for lang in ("de", "en")}
        report_iri = (f"{changes.submission}/report/{now().replace(':', '')}-"
                      f"{secrets.token_hex(3)}")
        triples = report_triples(report_iri, changes.submission, outcome.findings, changes,
                                 names, self.config.base_iri, conforms=outcome.conforms,
                                 created=now())
        return Checked(changes, outcome, reports, report_turtle(triples))

    def validate(self, sub: Submission, *, actor: str) -> tuple[Submission, Checked | None]:
        """Read and validate a stored submission; its state becomes valid or invalid. An
        upload that cannot be read at all is invalid too, with the reason as its report."""
        try:
            checked = self.check(sub)
        except UploadError as exc:
            report = {"submission": sub.id, "conforms": False, "blocking": 1,
                      "unreadable": {"status": exc.status, "message": exc.message,
                                     "line": exc.line, "column": exc.column}}
            moved = self.storage.move(sub.id, "invalid", actor=actor, note=exc.message,
                                      report_json=json.dumps({"de": report, "en": report}),
                                      report_ttl="")
            raise UploadRefused(moved, exc) from None
        state = "valid" if checked.outcome.conforms else "invalid"
        moved = self.storage.move(sub.id, state, actor=actor,
                                  report_json=json.dumps(checked.reports, ensure_ascii=False),
                                  report_ttl=checked.turtle)
        return moved, checked

    # -- reading -------------------------------------------------------------------------------
    def get(self, who: Identity, number: int) -> Submission:
        sub = self.storage.get(number)
        if sub is None or not who.may_see(sub.organisation):
            raise NotFound(f"no submission {number}")
        return sub

    def list(self, who: Identity, *, state: str | None = None) -> list[Submission]:
        return self.storage.list(None if who.is_curator else who.organisation, state=state)

    def raw_file(self, who: Identity, number: int) -> tuple[Submission, bytes]:
        sub = self.get(who, number)
        return sub, self.storage.file_path(sub.sha256).read_bytes()

    # -- state changes -------------------------------------------------------------------------
    def withdraw(self, who: Identity, number: int) -> Submission:
        sub = self.get(who, number)
        return self.storage.move(sub.id, "withdrawn", actor=who.actor,
                                 allowed_from=("received", "valid", "invalid"))

    def _curator(self, who: Identity) -> None:
        if not who.is_curator:
            raise AuthError("only curators may do this", 403)

    def review(self, who: Identity, number: int) -> tuple[Submission, list]:
        """What the submission adds, changes and removes against the published graph."""
        self._curator(who)
        sub = self.get(who, number)
        changes = self.read(sub)
        graph = submission_graph(self.config.base_iri, sub.id) if sub.state == "published" else None
        st = states(self.store, changes, self.config.base_iri, exclude_graph=graph)
        return sub, diff(changes, st)

    def accept(self, who: Identity, number: int, note: str | None = None) -> Submission:
        """Accept a valid submission: it is validated again first (the published graph may
        have changed since), and stays invalid if it no longer passes."""
        self._curator(who)
        sub = self.get(who, number)
        if sub.state not in ("valid", "invalid"):
            raise StateError(f"submission {number} is {sub.state}; it cannot be accepted")
        sub, checked = self.validate(sub, actor=who.actor)
        if sub.state != "valid":
            raise StateError(f"submission {number} no longer passes validation; see its report")
        return self.storage.move(sub.id, "accepted", actor=who.actor, note=note)

    def reject(self, who: Identity, number: int, note: str | None = None) -> Submission:
        self._curator(who)
        sub = self.get(who, number)
        return self.storage.move(sub.id, "rejected", actor=who.actor, note=note)

    def publish(self, who: Identity, number: int, *, supersede: list[ox.Triple] = ()
                ) -> tuple[Submission, Any]:
        """Publish an accepted submission: one store write, then the state."""
        self._curator(who)
        sub = self.get(who, number)
        if sub.state != "accepted":
            raise StateError(f"submission {number} is {sub.state}; only an accepted one is "
                             "published")
        changes = self.read(sub)
        bg = background(self.config.shapes_dir, self.config.ontology_dir)
        result = publish(self.store, changes, number=sub.id, base_iri=self.config.base_iri,
                         organisation_label=self.organisation_label(sub.organisation),
                         received_at=sub.received_at, published_at=now(), curator=who.label,
                         shapes_version=bg.shapes_version, supersede=list(supersede))
        moved = self.storage.move(sub.id, "published", actor=who.actor,
                                  note=f"graph {result.graph}")
        return moved, result

    def reconcile(self, actor: str = "system:reconcile") -> list[int]:
        """After a crash: validate what was received but not validated, and mark published
        what the store holds but the database does not know as published."""
        done = []
        for sub in self.storage.list(state="received"):
            try:
                self.validate(sub, actor=actor)
            except (UploadRefused, StateError):
                pass
            done.append(sub.id)
        for sub in self.storage.list(state="accepted"):
            if is_published(self.store, self.config.base_iri, sub.id):
                self.storage.move(sub.id, "published", actor=actor, note="found in the store")
                done.append(sub.id)
        return done

    # -- reports as linked data ---------------------------------------------------------------
    def reports_store(self) -> ox.Store:
        """An in-memory store of every stored report (``sh:ValidationReport`` with the
        ``regiosub:`` explanations) and each submission's organisation, state and time."""
        stamp = tuple(self.storage.query("SELECT COUNT(*), MAX(updated_at) FROM submissions")[0])
        with self._reports_lock:
            if self._reports and self._reports[0] == stamp:
                return self._reports[1]
            store = ox.Store()
            sub = lambda n: ox.NamedNode(REGIOSUB_IRI + n)  # noqa: E731
            for row in self.storage.query("SELECT id, organisation, state, received_at, "
                                          "report_ttl FROM submissions"):
                node = ox.NamedNode(f"{self.config.base_iri}id/submission/{row['id']}")
                quads = [ox.Quad(node, RDF.type, sub("Submission")),
                         ox.Quad(node, PROV.wasAttributedTo, ox.NamedNode(row["organisation"])),
                         ox.Quad(node, sub("state"), ox.Literal(row["state"])),
                         ox.Quad(node, DCT.created, ox.Literal(row["received_at"],
                                                                datatype=XSD.dateTime)),
                         ox.Quad(node, RDFS.label, ox.Literal(f"submission {row['id']}"))]
                store.extend(quads)
                if row["report_ttl"]:
                    store.load(row["report_ttl"].encode("utf-8"), ox.RdfFormat.TURTLE)
            self._reports = (stamp, store)
            return store


class UploadRefused(Exception):
    """The upload was stored (it has an id) but cannot be read at all."""

    def __init__(self, submission: Submission, error: UploadError) -> None:
        super().__init__(error.message)
        self.submission, self.error = submission, error
