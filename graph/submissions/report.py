"""The report of a submission, entirely in German or English, for people who do not know SHACL.

For each problem: the record's label, the field as the template calls it, the value as it was
written, what is wrong, how to fix it, and, for a sheet, the row and column; beside it the
engine's exact finding (severity, constraint component, shape, message, focus node, path,
value). Problems are grouped by record and field, with counts. The same report is linked data:
a SHACL ``sh:ValidationReport`` whose results carry the explanation, the cell and the rule
(``regiosub:`` terms, https://w3id.org/regio-kg/submission#), so "which rule fails most
often" is a SPARQL query over the stored reports.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH

from graph.namespaces import DCT, RDF, REGIOSH_IRI, SKOS, XSD
from graph.submissions.changes import ChangeSet, States
from graph.submissions.templates import Kind
from graph.submissions.validate import Background, Finding, Outcome

REGIOSUB_IRI = "https://w3id.org/regio-kg/submission#"
SH_IRI = "http://www.w3.org/ns/shacl#"
ORDER = {"Violation": 0, "Warning": 1, "Info": 2}

# (what is wrong, how to fix it) per constraint component or problem code, German and English.
# Placeholders: {field} {value} {max} {hint} {codes} {text} {row} {kind} {prefix}
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "MinCount": {"de": ("Die Angabe „{field}“ fehlt.", "Tragen Sie „{field}“ ein. {hint}"),
                 "en": ("\"{field}\" is missing.", "Fill in \"{field}\". {hint}")},
    "MaxCount": {"de": ("„{field}“ hat mehr als {max} Wert(e).",
                        "Lassen Sie in „{field}“ nur {max} Wert(e) stehen."),
                 "en": ("\"{field}\" has more than {max} value(s).",
                        "Keep only {max} value(s) in \"{field}\".")},
    "MaxCount-Warning": {
        "de": ("Zu „{field}“ gibt es jetzt mehrere Werte, auch aus anderen Quellen.",
               "Nichts zu tun, wenn Ihr Wert stimmt: die Kuratoren entscheiden, welcher Wert "
               "gilt, und können ältere als überholt markieren."),
        "en": ("\"{field}\" now has several values, also from other sources.",
               "Nothing to do if your value is right: the curators decide which value holds "
               "and can mark older ones as superseded.")},
    "MinCount-Info": {"de": ("„{field}“ ist nicht angegeben (erlaubt, aber hilfreich).",
                             "Wenn Sie es wissen: tragen Sie „{field}“ ein. {hint}"),
                      "en": ("\"{field}\" is not given (allowed, but helpful).",
                             "If you know it, fill in \"{field}\". {hint}")},
    "date": {"de": ("„{value}“ ist kein gültiges Datum.", "{hint}"),
             "en": ("\"{value}\" is not a valid date.", "{hint}")},
    "Or": {"de": ("„{value}“ hat nicht die erwartete Form.", "{hint}"),
           "en": ("\"{value}\" does not have the expected form.", "{hint}")},
    "Datatype": {"de": ("„{value}“ hat nicht die erwartete Form.", "{hint}"),
                 "en": ("\"{value}\" does not have the expected form.", "{hint}")},
    "Pattern": {"de": ("„{value}“ hat nicht die erwartete Form.", "{hint}"),
                "en": ("\"{value}\" does not have the expected form.", "{hint}")},
    "reference": {"de": ("„{value}“ ist kein gültiger Verweis.", "{hint}"),
                  "en": ("\"{value}\" is not a valid reference.", "{hint}")},
    "NodeKind": {"de": ("„{value}“ hat nicht die erwartete Art (Verweis oder Text).", "{hint}"),
                 "en": ("\"{value}\" is not of the expected kind (reference or text).", "{hint}")},
    "web": {"de": ("„{value}“ ist keine Webadresse.",
                   "Schreiben Sie eine vollständige Adresse, die mit https:// beginnt."),
            "en": ("\"{value}\" is not a web address.",
                   "Write a full address starting with https://.")},
    "LanguageIn": {"de": ("Der Text „{value}“ ist weder als deutsch noch als englisch markiert.",
                          "Schreiben Sie den Text in die Spalte für Deutsch oder Englisch "
                          "(in RDF: mit @de oder @en)."),
                   "en": ("The text \"{value}\" is marked neither German nor English.",
                          "Put the text in the German or English column (in RDF: tag it @de or "
                          "@en).")},
    "UniqueLang": {"de": ("„{field}“ hat zwei Werte in derselben Sprache.",
                          "Lassen Sie je Sprache nur einen Wert stehen."),
                   "en": ("\"{field}\" has two values in the same language.",
                          "Keep one value per language.")},
    "In": {"de": ("„{value}“ ist kein erlaubter Wert für „{field}“.", "{hint}"),
           "en": ("\"{value}\" is not an allowed value of \"{field}\".", "{hint}")},
    "MinInclusive": {"de": ("„{value}“ ist negativ.", "Geben Sie einen Wert ab 0 an."),
                     "en": ("\"{value}\" is negative.", "Give a value of 0 or more.")},
    "Xone": {"de": ("Eine Förderung nennt genau ein gefördertes Projekt oder genau eine "
                    "geförderte Phase, nicht beides und nicht keines.",
                    "Füllen Sie genau eine der Spalten „Gefördertes Projekt“ und „Geförderte "
                    "Phase“."),
             "en": ("A funding names exactly one funded project or exactly one funded phase, "
                    "not both and not neither.",
                    "Fill in exactly one of the columns \"Funded project\" and \"Funded "
                    "phase\".")},
    "EndNotBeforeStart": {"de": ("Das Ende ({value}) liegt vor dem Beginn.",
                                 "Prüfen Sie Beginn und Ende; das Ende darf nicht vor dem "
                                 "Beginn liegen."),
                          "en": ("The end ({value}) is before the start.",
                                 "Check start and end; the end must not be before the start.")},
    "EventWhen": {"de": ("Das Ereignis hat weder ein Datum noch einen Zeitpunkt im Wortlaut.",
                         "Tragen Sie „Datum“ ein oder, ohne Datum, „Zeitpunkt im Wortlaut“."),
                  "en": ("The event has neither a date nor a time as stated.",
                         "Fill in \"Date\" or, without one, \"Time as stated\".")},
    "identifier": {"de": ("Die Kennung „{value}“ ist nicht gültig.",
                          "Kleinbuchstaben, Ziffern und Bindestriche, z. B. work-and-care."),
                   "en": ("The identifier \"{value}\" is not valid.",
                          "Lower-case letters, digits and hyphens, e.g. work-and-care.")},
    "generic": {"de": ("Die Angabe „{field}“ verletzt eine Regel.", "{hint}"),
                "en": ("\"{field}\" breaks a rule.", "{hint}")},
    # problems found while reading
    "unknown-column": {"de": ("Die Spalte „{text}“ gehört nicht zur Vorlage.",
                              "Benennen Sie die Spalte wie in der Vorlage oder löschen Sie sie."),
                       "en": ("The column \"{text}\" is not part of the template.",
                              "Name the column as in the template or delete it.")},
    "bad-change": {"de": ("„{text}“ sagt nicht, was die Zeile tun soll.",
                          "Schreiben Sie in „Änderung“: neu, ändern oder entfernen."),
                   "en": ("\"{text}\" does not say what the row does.",
                          "Write in \"Change\": new, change or remove.")},
    "bad-record": {"de": ("„{text}“ ist keine gültige Kennung.",
                          "Kleinbuchstaben, Ziffern und Bindestriche (z. B. work-and-care) oder "
                          "die ganze Adresse ({prefix}…)."),
                   "en": ("\"{text}\" is not a valid identifier.",
                          "Lower-case letters, digits and hyphens (e.g. work-and-care) or the "
                          "whole address ({prefix}…).")},
    "no-record": {"de": ("Die Zeile nennt keinen Datensatz und keinen Namen, aus dem seine "
                         "Kennung gebildet werden kann.",
                         "Tragen Sie die Kennung des Datensatzes oder seinen Namen ein."),
                  "en": ("The row names no record and no name to make its identifier from.",
                         "Fill in the record's identifier or its name.")},
    "duplicate-record": {"de": ("Dieser Datensatz steht schon in Zeile {first_row}.",
                                "Fassen Sie beide Zeilen zu einer zusammen."),
                         "en": ("This record is already on row {first_row}.",
                                "Merge the two rows into one.")},
    "no-source": {"de": ("Die Zeile sagt nicht, wer ihre Angaben belegt.",
                         "Tragen Sie in „Quelle“ die Webadresse der Seite ein, die die Angaben "
                         "nennt, oder „selbst“, wenn Ihre Organisation sie selbst macht."),
                  "en": ("The row does not say who states its facts.",
                         "Write in \"Source\" the web address of the page that states them, or "
                         "\"self\" when your organisation states them itself.")},
    "bad-source": {"de": ("„{text}“ ist weder eine Webadresse noch „selbst“.",
                          "Schreiben Sie eine Adresse, die mit https:// beginnt, oder „selbst“."),
                   "en": ("\"{text}\" is neither a web address nor \"self\".",
                          "Write an address starting with https://, or \"self\".")},
    "unknown-code": {"de": ("„{text}“ ist kein erlaubter Wert für „{field}“.",
                            "Erlaubt sind: {codes}."),
                     "en": ("\"{text}\" is not an allowed value of \"{field}\".",
                            "Allowed are: {codes}.")},
    "not-a-record": {"de": ("Aussagen über „{value}“, das kein Datensatz einer Vorlage ist "
                            "(Projekt, Organisation, Beteiligung, Förderung, Ereignis).",
                            "Geben Sie der Ressource eine dieser Klassen oder lassen Sie die "
                            "Aussagen weg."),
                     "en": ("Statements about \"{value}\", which is no record of a template "
                            "(project, organisation, participation, funding, event).",
                            "Give the resource one of these classes or leave the statements "
                            "out.")},
    "out-of-scope": {"de": ("Sie können nur Angaben zu Ihrer eigenen Organisation und zu den "
                            "Projekten einreichen, an denen sie beteiligt ist.",
                            "Entfernen Sie die Zeile, oder fügen Sie (bei einem neuen Projekt) "
                            "in einer Beteiligungs-Vorlage die Beteiligung Ihrer Organisation "
                            "hinzu."),
                     "en": ("You can only submit facts about your own organisation and the "
                            "projects it takes part in.",
                            "Remove the row, or (for a new project) add your organisation's "
                            "participation in a participation sheet.")},
    "exists": {"de": ("Dieser Datensatz ist schon veröffentlicht.",
                      "Schreiben Sie in „Änderung“ „ändern“ statt „neu“."),
               "en": ("This record is already published.",
                      "Write \"change\" instead of \"new\" in \"Change\".")},
    "missing": {"de": ("Diesen Datensatz gibt es (noch) nicht.",
                       "Prüfen Sie die Kennung, oder schreiben Sie „neu“ in „Änderung“."),
                "en": ("This record does not exist (yet).",
                       "Check the identifier, or write \"new\" in \"Change\".")},
}
WORDS = {
    "de": {"Violation": "Fehler", "Warning": "Warnung", "Info": "Hinweis",
           "general": "Die ganze Datei", "record": "Datensatz", "self": "selbst"},
    "en": {"Violation": "Error", "Warning": "Warning", "Info": "Note",
           "general": "The whole file", "record": "Record", "self": "self"},
}


@dataclass
class Labels:
    """What the report needs to name things: templates, shape names, record labels."""

    kinds: dict[str, Kind]
    bg: Background
    labels: dict[str, dict[str, str]]  # record IRI -> lang -> label

    def shape_name(self, shape: str | None, lang: str) -> str | None:
        if not shape:
            return None
        for name in self.bg.shapes.objects(rdflib.URIRef(shape), SH.name):
            if getattr(name, "language", None) == lang:
                return str(name)
        return None


def record_labels(states: States, changes: ChangeSet) -> dict[str, dict[str, str]]:
    """A label per record in German and English, from the state after the change."""
    preds = (DCT.title.value, SKOS.prefLabel.value, "http://www.w3.org/2000/01/rdf-schema#label")
    out: dict[str, dict[str, str]] = {}
    for t in states.after:
        if t.predicate.value in preds and isinstance(t.object, ox.Literal):
            langs = out.setdefault(t.subject.value, {})
            langs.setdefault(t.object.language or "", t.object.value)
    return out


def _short(term: ox.Term | None, base_iri: str) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        value = term.value
        if value.startswith(base_iri + "id/"):
            return value.rsplit("/", 1)[-1]
        return value.rsplit("/", 1)[-1] if "regio-kg/code/" in value else value
    return term.value


def _column_for(kind: Kind | None, path: str | None, nested: bool):
    if kind is None or path is None:
        return None
    for c in kind.columns:
        if c.path == path and bool(c.nested) == nested:
            return c
    return None


def _text_key(f: Finding, column) -> str:
    if f.code:
        return f.code
    component = (f.component or "").rsplit("#", 1)[-1].replace("ConstraintComponent", "")
    if f.constraint and f.constraint.endswith("EndNotBeforeStart"):
        return "EndNotBeforeStart"
    if f.shape and f.shape.endswith("EventWhenShape"):
        return "EventWhen"
    if component == "MaxCount" and f.severity != "Violation":
        return "MaxCount-Warning"
    if component == "MinCount" and f.severity == "Info":
        return "MinCount-Info"
    if f.path is None and component in ("Pattern", "NodeKind"):
        return "identifier"
    if column is not None and component in ("Or", "Datatype", "Pattern"):
        if column.kind == "date":
            return "date"
        if column.kind == "reference":
            return "reference"
    if column is not None and component == "NodeKind":
        return "web" if column.kind == "iri" else "reference" if column.kind == "reference" else "NodeKind"
    return component if component in TEXTS else "generic"


def explain(f: Finding, changes: ChangeSet, names: Labels, lang: str, base_iri: str) -> dict:
    """One problem in the partner's terms, with the engine's finding beside it."""
    owner = changes.record(f.record or "") if f.record else None
    kind = names.kinds.get(owner.kind) if owner else None
    nested = bool(owner and f.focus and f.focus != owner.iri)
    column = _column_for(kind, f.path, nested)
    if f.cell is not None and f.cell.key and kind is not None and kind.column(f.cell.key):
        cell_column = kind.column(f.cell.key)
        if column is None or cell_column.path == f.path:
            column = cell_column if cell_column.path else column
    field = (f.cell.header if f.cell is not None and column is not None
             and f.cell.key == column.key else None)
    field = field or (column.title(lang) if column else None) or names.shape_name(f.shape, lang) \
        or (f.path.rsplit("#", 1)[-1].rsplit("/", 1)[-1] if f.path else "")
    if f.code == "unknown-column":
        field = f.cell.header if f.cell else ""
    elif f.code or not field:
        field = field if f.code in ("unknown-code",) else WORDS[lang]["record"]
    value = f.cell.text if (f.cell is not None and f.cell.key == (column.key if column else None)
                            and f.value is not None) else _short(f.value, base_iri)
    if f.code in ("unknown-code", "bad-source", "bad-record", "bad-change"):
        value = f.params.get("text", value)
    if f.code == "not-a-record":
        value = f.record or ""
    params = {"field": field, "value": value, "hint": column.hints[lang] if column else "",
              "max": 1, "text": f.params.get("text", ""), "prefix": f.params.get("prefix", ""),
              "first_row": f.params.get("first_row", ""), "kind": f.params.get("kind", ""),
              "codes": ", ".join(f.params.get("codes", []))}
    what, fix = TEXTS[_text_key(f, column)][lang]
    label = names.labels.get(f.record or "", {})
    entry = {
        "severity": f.severity, "severity_label": WORDS[lang][f.severity],
        "blocking": f.severity == "Violation" and not f.existing,
        "record": f.record, "record_label": label.get(lang) or label.get("") or
        next(iter(label.values()), None) or _short(ox.NamedNode(f.record), base_iri)
        if f.record and f.record.startswith("http") else f.record,
        "field": field, "value": value,
        "what": what.format(**params), "fix": " ".join(fix.format(**params).split()),
        "existing": f.existing,
        "finding": {
            "severity": f"sh:{f.severity}", "component": f.component, "shape": f.shape,
            "constraint": f.constraint, "focus_node": f.focus, "path": f.path,
            "value": str(f.value) if f.value is not None else None,
            "message": f.messages.get(lang) or f.messages.get("") or
            next(iter(f.messages.values()), None),
        },
    }
    if f.cell is not None:
        entry.update(row=f.cell.row, column=f.cell.letter, header=f.cell.header)
    return entry


def build_report(outcome: Outcome, changes: ChangeSet, names: Labels, lang: str, *,
                 base_iri: str, submission_id: int | None = None) -> dict:
    """The report as a JSON-ready dict: totals, then problems grouped by record and field."""
    entries = [explain(f, changes, names, lang, base_iri) for f in outcome.findings]
    entries.sort(key=lambda e: (e.get("row") or 0, ORDER[e["severity"]], e["field"] or ""))
    groups: dict[str | None, dict] = {}
    for e in entries:
        group = groups.setdefault(e["record"], {
            "record": e["record"], "label": e["record_label"] or WORDS[lang]["general"],
            "row": e.get("row"), "counts": Counter(), "fields": {}})
        group["counts"][e["severity"]] += 1
        field = group["fields"].setdefault(e["field"] or "", {
            "field": e["field"], "column": e.get("column"), "counts": Counter(), "problems": []})
        field["counts"][e["severity"]] += 1
        field["problems"].append(e)
    totals = Counter(e["severity"] for e in entries)
    blocking = sum(1 for e in entries if e["blocking"])
    records = []
    for g in groups.values():
        g["counts"] = dict(g["counts"])
        g["fields"] = [{**f, "counts": dict(f["counts"])} for f in g["fields"].values()]
        records.append(g)
    return {"submission": submission_id, "lang": lang, "conforms": blocking == 0,
            "blocking": blocking, "counts": {s: totals.get(s, 0) for s in ORDER},
            "records_submitted": len(changes.records), "shapes_version": outcome.shapes_version,
            "records": records}


def report_triples(report_iri: str, submission_iri: str, findings: list[Finding],
                   changes: ChangeSet, names: Labels, base_iri: str, *, conforms: bool,
                   created: str) -> list[ox.Triple]:
    """The report as a SHACL ``sh:ValidationReport`` with the explanations in German and
    English and the cells (``regiosub:``), for the store of reports."""
    sh = lambda n: ox.NamedNode(SH_IRI + n)  # noqa: E731
    sub = lambda n: ox.NamedNode(REGIOSUB_IRI + n)  # noqa: E731
    report = ox.NamedNode(report_iri)
    out = [ox.Triple(report, RDF.type, sh("ValidationReport")),
           ox.Triple(report, sh("conforms"), ox.Literal("true" if conforms else "false",
                                                        datatype=XSD.boolean)),
           ox.Triple(report, sub("reportOf"), ox.NamedNode(submission_iri)),
           ox.Triple(report, DCT.created, ox.Literal(created, datatype=XSD.dateTime))]
    for n, f in enumerate(findings, start=1):
        node = ox.NamedNode(f"{report_iri}-r{n}")
        out += [ox.Triple(report, sh("result"), node),
                ox.Triple(node, RDF.type, sh("ValidationResult")),
                ox.Triple(node, sh("resultSeverity"), sh(f.severity))]
        rule = f.constraint or f.shape or f"{REGIOSUB_IRI}{f.code}"
        out.append(ox.Triple(node, sub("rule"), ox.NamedNode(rule)))
        if f.code is None:
            if f.focus:
                out.append(ox.Triple(node, sh("focusNode"), ox.NamedNode(f.focus)))
            if f.path:
                out.append(ox.Triple(node, sh("resultPath"), ox.NamedNode(f.path)))
            if f.value is not None:
                out.append(ox.Triple(node, sh("value"), f.value))
            if f.shape:
                out.append(ox.Triple(node, sh("sourceShape"), ox.NamedNode(f.shape)))
            if f.constraint:
                out.append(ox.Triple(node, sh("sourceConstraint"), ox.NamedNode(f.constraint)))
            if f.component:
                out.append(ox.Triple(node, sh("sourceConstraintComponent"),
                                     ox.NamedNode(f.component)))
            for lang, message in f.messages.items():
                out.append(ox.Triple(node, sh("resultMessage"),
                                     ox.Literal(message, language=lang) if lang
                                     else ox.Literal(message)))
        else:
            out.append(ox.Triple(node, sub("problem"), ox.Literal(f.code)))
        if f.record and f.record.startswith("http"):
            out.append(ox.Triple(node, sub("record"), ox.NamedNode(f.record)))
        if f.existing:
            out.append(ox.Triple(node, sub("alreadyPublished"),
                                 ox.Literal("true", datatype=XSD.boolean)))
        for lang in ("de", "en"):
            e = explain(f, changes, names, lang, base_iri)
            out += [ox.Triple(node, sub("field"), ox.Literal(e["field"] or "", language=lang)),
                    ox.Triple(node, sub("explanation"), ox.Literal(e["what"], language=lang)),
                    ox.Triple(node, sub("fix"), ox.Literal(e["fix"], language=lang))]
        if f.cell is not None:
            out += [ox.Triple(node, sub("row"), ox.Literal(str(f.cell.row), datatype=XSD.integer)),
                    ox.Triple(node, sub("column"), ox.Literal(f.cell.letter)),
                    ox.Triple(node, sub("cellText"), ox.Literal(f.cell.text))]
    return out


def report_turtle(triples: list[ox.Triple]) -> str:
    prefixes = {"sh": SH_IRI, "regiosub": REGIOSUB_IRI, "regiosh": REGIOSH_IRI,
                "xsd": "http://www.w3.org/2001/XMLSchema#", "dct": "http://purl.org/dc/terms/",
                "regio": "https://w3id.org/regio-kg/ontology#"}
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes).decode("utf-8")
