"""Sheet templates per kind of record, generated from the SHACL shapes, and their CSVW metadata.

A template is a list of columns. Three fixed columns come first on every row — what the row
does (``change``: new, change, remove), which record (``record``: its identifier) and which
source states it (``source``: a web address or "self", the partner itself) — then one column
per property the shapes define for the kind's class (German or English text gets a column per
language). Names, hints and allowed codes come from the shapes (``sh:name``,
``sh:description``, ``sh:in``) and the code lists (``skos:prefLabel``), so a change of shape
changes the template. Structural links that other templates or the curators set (a project's
plan link, its participations, the curators' themes) are left out (``EXCLUDED``).

The sheet has two header rows, German titles then English titles, and lines starting with
``#`` before them with the hints: exactly what the CSVW metadata says (dialect
``headerRowCount: 2``, ``commentPrefix: "#"``), so any CSVW processor can read a filled sheet
and turn it into RDF (the ``propertyUrl``/``valueUrl``/``aboutUrl`` of each column).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, SKOS, XSD

from graph.namespaces import REGIO_IRI, REGIOSH_IRI

REGIO = rdflib.Namespace(REGIO_IRI)
REGIOSH = rdflib.Namespace(REGIOSH_IRI)
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
LANGS = ("de", "en")
LANG_NAMES = {"de": {"de": "deutsch", "en": "englisch"}, "en": {"de": "German", "en": "English"}}
SEPARATOR = ";"


@dataclass(frozen=True)
class Code:
    """An allowed value of a code column: IRI, code (its last path segment), labels."""

    iri: str
    code: str
    labels: dict[str, str]


@dataclass(frozen=True)
class Column:
    """One column of a template: what the partner writes and how it becomes RDF."""

    key: str
    names: dict[str, str]
    hints: dict[str, str]
    kind: str  # change | record | source | text | date | decimal | boolean | reference | code | iri
    path: str | None = None  # predicate IRI (None for the fixed columns)
    lang: str | None = None  # language tag of a text column
    datatype: str | None = None  # xsd datatype of a plain literal column
    ref_kinds: tuple[str, ...] = ()  # kinds a reference may name (…/id/<kind>/<slug>)
    codes: tuple[Code, ...] = ()
    multiple: bool = False
    required: bool = False
    curators: bool = False  # the curators decide; the partner's value is a suggestion
    nested: str | None = None  # predicate linking the record to the node that carries the value
    shapes: tuple[str, ...] = ()  # property shapes that check this column

    def title(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("en") or self.key


@dataclass(frozen=True)
class Kind:
    """A kind of record a partner can submit."""

    name: str
    cls: str  # class IRI
    id_kind: str  # …/id/<id_kind>/<slug>
    labels: dict[str, str]
    columns: tuple[Column, ...] = ()
    label_paths: tuple[str, ...] = ()

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    def fields(self) -> list[Column]:
        return [c for c in self.columns if c.path]


# The kinds and the structure of their records. Everything else comes from the shapes.
KIND_SPECS: dict[str, dict] = {
    "project": {"cls": REGIO.Project, "id_kind": "project",
                "labels": {"de": "Projekt", "en": "Project"}, "label": (DCT.title,)},
    "organisation": {"cls": REGIO.Organisation, "id_kind": "organisation",
                     "labels": {"de": "Organisation", "en": "Organisation"},
                     "label": (SKOS.prefLabel,)},
    "participation": {"cls": REGIO.Participation, "id_kind": "participation",
                      "labels": {"de": "Beteiligung", "en": "Participation"}, "label": ()},
    "funding": {"cls": REGIO.Funding, "id_kind": "funding",
                "labels": {"de": "Förderung", "en": "Funding"}, "label": (),
                "nested": {REGIO.amount: (REGIO.MonetaryAmount, "amount")}},
    "event": {"cls": REGIO.Event, "id_kind": "event",
              "labels": {"de": "Ereignis", "en": "Event"}, "label": (DCT.title,)},
}

#: Paths a partner does not give in a sheet: the plan link and what follows from its status
#: (curators), links that other templates produce (participations, fundings), the curators'
#: classification under themes and keyword concepts, and dct:source (the source column).
EXCLUDED = {str(p) for p in (REGIO.hasPlanLink, REGIO.partOfPlan, REGIO.inPhase,
                             REGIO.hasParticipation, REGIO.hasFunding, REGIO.hasTheme,
                             REGIO.hasKeyword, DCT.source)}

_IRI_PATTERN = re.compile(r"^/id/(?:\((?P<alts>[a-z|-]+)\)|(?P<one>[a-z-]+))/")
_VALUE_SHAPES = {REGIOSH.IsDate: "date", REGIOSH.IsYearMonth: "date", REGIOSH.IsYear: "date",
                 REGIOSH.IsPlainText: "plain", REGIOSH.IsGermanOrEnglishText: "lang"}

FIXED: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "change": ({"de": "Änderung", "en": "Change"},
               {"de": "Was die Zeile tut: „neu“ (ein neuer Datensatz), „ändern“ (die Felder der "
                      "Zeile ersetzen Ihre früheren Angaben zu diesem Datensatz) oder „entfernen“ "
                      "(Ihre Angaben in den ausgefüllten Feldern, oder alle, zurückziehen).",
                "en": "What the row does: \"new\" (a new record), \"change\" (the row's fields "
                      "replace what you stated earlier about this record) or \"remove\" (withdraw "
                      "what you stated in the filled fields, or everything).",
                }),
    "record": ({"de": "Datensatz (Kennung)", "en": "Record (identifier)"},
               {"de": "Die Kennung des Datensatzes, wie sie in seiner Adresse steht (z. B. "
                      "„work-and-care“ in …/id/project/work-and-care), oder die ganze Adresse. Bei "
                      "„neu“ leer lassen: die Kennung wird aus dem Namen gebildet.",
                "en": "The record's identifier as it appears in its address (e.g. "
                      "\"work-and-care\" in …/id/project/work-and-care), or the whole address. Leave "
                      "it empty for \"new\": the identifier is made from the name."}),
    "source": ({"de": "Quelle", "en": "Source"},
               {"de": "Wer die Angaben der Zeile belegt: die Webadresse (https://…) der Seite, die "
                      "sie nennt, oder „selbst“, wenn Ihre Organisation sie selbst macht.",
                "en": "Who states the row's facts: the web address (https://…) of the page that "
                      "states them, or \"self\" when your organisation states them itself."}),
}
CHANGE_WORDS = {"new": ("neu", "new", "hinzufügen", "add"),
                "change": ("ändern", "aendern", "change", "änderung", "update"),
                "remove": ("entfernen", "remove", "löschen", "delete")}
SELF_WORDS = ("selbst", "self", "eigene angabe", "own", "partner")
CHANGE_CODES = tuple(Code(f"change:{c}", c, {"de": words[0], "en": words[1]})
                     for c, words in CHANGE_WORDS.items())


def _literal_map(graph: rdflib.Graph, node: rdflib.term.Node, prop: rdflib.URIRef) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in graph.objects(node, prop):
        if isinstance(value, rdflib.Literal) and value.language in LANGS:
            out.setdefault(value.language, str(value))
    return out


def _listed(graph: rdflib.Graph, node: rdflib.term.Node, prop: rdflib.URIRef) -> list:
    head = graph.value(node, prop)
    return list(Collection(graph, head)) if head is not None else []


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


@dataclass
class _Merged:
    """Every property shape on one path of one class, merged."""

    path: rdflib.URIRef
    shapes: list[rdflib.term.Node] = field(default_factory=list)
    primary: rdflib.term.Node | None = None
    score: int = -1
    required: bool = False
    single: bool = False
    curators: bool = True
    unique_lang: bool = False


def _property_shapes(shapes: rdflib.Graph, cls: rdflib.URIRef
                     ) -> list[tuple[rdflib.term.Node, bool, bool]]:
    """(property shape, curators only, inside sh:or/sh:xone) of every node shape targeting
    ``cls``, including the property shapes inside its sh:or / sh:xone lists (sorted)."""
    out: list[tuple[rdflib.term.Node, bool, bool]] = []
    for node in sorted(shapes.subjects(SH.targetClass, cls)):
        node_curators = bool(shapes.value(node, REGIOSH.curatorsOnly))
        members = [(m, False) for m in sorted(shapes.objects(node, SH.property))]
        for logic in (SH["or"], SH.xone):
            for member in _listed(shapes, node, logic):
                if (member, SH.path, None) in shapes:
                    members.append((member, True))
                members.extend((m, True) for m in sorted(shapes.objects(member, SH.property)))
        for member, in_logic in members:
            curators = node_curators or bool(shapes.value(member, REGIOSH.curatorsOnly))
            out.append((member, curators, in_logic))
    return out


def _merge(shapes: rdflib.Graph, cls: rdflib.URIRef) -> list[_Merged]:
    merged: dict[rdflib.URIRef, _Merged] = {}
    for shape, curators, in_logic in _property_shapes(shapes, cls):
        path = shapes.value(shape, SH.path)
        if not isinstance(path, rdflib.URIRef) or str(path) in EXCLUDED:
            continue
        item = merged.setdefault(path, _Merged(path))
        item.shapes.append(shape)
        violation = shapes.value(shape, SH.severity) in (None, SH.Violation)
        item.curators = item.curators and curators
        min_count = shapes.value(shape, SH.minCount)
        max_count = shapes.value(shape, SH.maxCount)
        if violation and not curators and not in_logic:
            item.required |= bool(min_count is not None and int(min_count) > 0)
        # one value expected (a second is a violation, or a warning that sources disagree)
        item.single |= bool(max_count is not None and int(max_count) == 1)
        item.unique_lang |= bool(shapes.value(shape, SH.uniqueLang))
        score = sum(1 for p in (SH.datatype, SH["in"], SH.nodeKind, SH.languageIn, SH["or"],
                                SH.pattern) if (shape, p, None) in shapes)
        if score > item.score:
            item.primary, item.score = shape, score
    return list(merged.values())


def _column_kind(shapes: rdflib.Graph, item: _Merged) -> dict:
    """How values of the merged shapes are written: kind, languages, datatype, codes…"""
    info: dict = {"kind": "text", "langs": None, "datatype": None, "ref_kinds": (), "codes": ()}
    for shape in item.shapes:
        ors = {_VALUE_SHAPES.get(m) for m in _listed(shapes, shape, SH["or"])}
        languages = [str(x) for x in _listed(shapes, shape, SH.languageIn)]
        codes = _listed(shapes, shape, SH["in"])
        pattern = shapes.value(shape, SH.pattern)
        datatype = shapes.value(shape, SH.datatype)
        node_kind = shapes.value(shape, SH.nodeKind)
        if "date" in ors:
            info["kind"] = "date"
        elif languages or "lang" in ors:
            info["langs"] = tuple(x for x in (languages or LANGS) if x in LANGS)
        elif codes:
            info.update(kind="code", codes=tuple(str(c) for c in codes))
        elif node_kind == SH.IRI and pattern is not None:
            match = _IRI_PATTERN.match(str(pattern))
            if match:
                kinds = (match["alts"] or match["one"]).split("|")
                info.update(kind="reference", ref_kinds=tuple(kinds))
        elif node_kind == SH.IRI and info["kind"] == "text":
            info["kind"] = "iri"
        elif datatype == XSD.decimal:
            info.update(kind="decimal", datatype=str(XSD.decimal))
        elif datatype == XSD.boolean:
            info.update(kind="boolean", datatype=str(XSD.boolean))
        elif datatype == XSD.string and info["kind"] == "text":
            info["datatype"] = str(XSD.string)
    return info


_JARGON = re.compile(r"\b[a-z]+:[A-Za-z]|…/id/|\bIRI|\b[Ll]iteral")
_DATE_HINT = {"de": "Datum als JJJJ-MM-TT (z. B. 2023-05-31), JJJJ-MM oder JJJJ; auch TT.MM.JJJJ.",
              "en": "Date as YYYY-MM-DD (e.g. 2023-05-31), YYYY-MM or YYYY; also DD.MM.YYYY."}
_MULTI_HINT = {"de": "Mehrere Werte mit „;“ trennen.", "en": "Separate several values with \";\"."}
_CURATORS_HINT = {"de": "Vorschlag für die Kuratoren, die den Wert festlegen.",
                  "en": "A suggestion for the curators, who decide the value."}
_REQUIRED_HINT = {"de": "Pflichtfeld bei neuen Datensätzen.", "en": "Required for new records."}


def _hints(shapes: rdflib.Graph, item: _Merged, info: dict, codes: tuple[Code, ...]) -> dict[str, str]:
    description = _literal_map(shapes, item.primary, SH.description)
    hints = {}
    for lang in LANGS:
        text = description.get(lang, "")
        # a description in the shapes' own terms (xsd:date, regio:…, …/id/…) is no help here
        parts = [] if _JARGON.search(text) else [text]
        if info["kind"] == "date":
            parts.append(_DATE_HINT[lang])
        if info["kind"] == "reference":
            kinds = ", ".join(f"…/id/{k}/…" for k in info["ref_kinds"])
            parts.append({"de": f"Kennung (Teil der Adresse nach {kinds}) oder ganze Adresse.",
                          "en": f"Identifier (the part of the address after {kinds}) or the "
                                "whole address."}[lang])
        if info["kind"] == "iri":
            parts.append({"de": "Webadresse, die mit https:// beginnt.",
                          "en": "Web address starting with https://."}[lang])
        if info["kind"] == "decimal":
            parts.append({"de": "Zahl, z. B. 1250000 oder 1250000,50.",
                          "en": "Number, e.g. 1250000 or 1250000.50."}[lang])
        if info["kind"] == "boolean":
            parts.append({"de": "ja oder nein.", "en": "yes or no."}[lang])
        if codes:
            allowed = ", ".join(f"{c.code} ({c.labels.get(lang, c.code)})" for c in codes)
            parts.append({"de": "Erlaubt: ", "en": "Allowed: "}[lang] + allowed + ".")
        if not item.single and not (info["langs"] and item.unique_lang):
            parts.append(_MULTI_HINT[lang])
        if item.curators:
            parts.append(_CURATORS_HINT[lang])
        if item.required:
            parts.append(_REQUIRED_HINT[lang])
        hints[lang] = " ".join(p for p in parts if p)
    return hints


def _columns_for(shapes: rdflib.Graph, codelists: rdflib.Graph, cls: rdflib.URIRef,
                 nested: str | None = None, prefix: dict[str, str] | None = None) -> list[Column]:
    columns: list[Column] = []
    for item in _merge(shapes, cls):
        info = _column_kind(shapes, item)
        names = _literal_map(shapes, item.primary, SH.name)
        if prefix:
            names = {lang: f"{prefix[lang]}: {names.get(lang, '')}" for lang in LANGS}
        codes = tuple(Code(c, c.rstrip("/").rsplit("/", 1)[-1],
                           _literal_map(codelists, rdflib.URIRef(c), SKOS.prefLabel))
                      for c in info["codes"])
        hints = _hints(shapes, item, info, codes)
        base_key = _slug(names.get("en") or item.path.split("#")[-1].split("/")[-1])
        common = {"path": str(item.path), "multiple": not item.single,
                  "required": item.required, "curators": item.curators, "nested": nested,
                  "shapes": tuple(str(s) for s in item.shapes)}
        if info["langs"]:
            for lang in info["langs"]:
                columns.append(Column(
                    f"{base_key}_{lang}",
                    {ui: f"{names.get(ui, base_key)} ({LANG_NAMES[ui][lang]})" for ui in LANGS},
                    hints, "text", lang=lang, **{**common, "required": common["required"]
                                                 and lang == info["langs"][0],
                                                 "multiple": common["multiple"]
                                                 and not item.unique_lang}))
            continue
        columns.append(Column(base_key, names, hints, info["kind"], datatype=info["datatype"],
                              ref_kinds=info["ref_kinds"], codes=codes, **common))
    rank = {"text": 0, "date": 1, "decimal": 2, "boolean": 2, "reference": 3, "iri": 4, "code": 5}

    def base(c: Column) -> str:
        return c.key.rsplit("_", 1)[0] if c.lang else c.key

    first: dict[str, tuple] = {}
    for c in columns:  # language siblings stay together, where the first of them goes
        key = (not c.required, c.curators, rank.get(c.kind, 6), _PREFERRED.get(base(c), 50))
        first[base(c)] = min(first.get(base(c), key), key)
    columns.sort(key=lambda c: (first[base(c)], base(c), c.key))
    return columns


#: Where a few common fields go among their peers (others follow alphabetically).
_PREFERRED = {"title": 0, "name": 0, "full_title": 1, "title_variant": 2, "acronym": 3,
              "short_name": 3, "start": 0, "end": 1, "date": 0}


def build_kinds(shapes: rdflib.Graph, codelists: rdflib.Graph) -> dict[str, Kind]:
    """Every kind's template, from a shapes graph and the code lists."""
    kinds: dict[str, Kind] = {}
    for name, spec in KIND_SPECS.items():
        fixed = [Column(key, names, hints, key, codes=CHANGE_CODES if key == "change" else (),
                        required=key != "record")
                 for key, (names, hints) in FIXED.items()]
        columns = _columns_for(shapes, codelists, spec["cls"])
        for link, (nested_cls, key) in spec.get("nested", {}).items():
            link_column = next((c for c in columns if c.path == str(link)), None)
            prefix = link_column.names if link_column else {"de": key, "en": key}
            columns = [c for c in columns if c.path != str(link)]
            nested = _columns_for(shapes, codelists, nested_cls, str(link), prefix)
            columns += [Column(c.key, c.names, c.hints, c.kind, c.path, c.lang,
                               c.datatype, c.ref_kinds, c.codes, False, False,
                               c.curators, str(link), c.shapes) for c in nested]
        kinds[name] = Kind(name, str(spec["cls"]), spec["id_kind"], spec["labels"],
                           tuple(fixed + columns), tuple(str(p) for p in spec["label"]))
    return kinds


@lru_cache(maxsize=4)
def _cached(shapes_dir: str, ontology_dir: str, stamp: tuple) -> dict[str, Kind]:
    shapes = rdflib.Graph()
    for path in sorted(Path(shapes_dir).glob("*.ttl")):
        shapes.parse(path, format="turtle")
    codelists = rdflib.Graph()
    path = Path(ontology_dir) / "codelists.ttl"
    if path.exists():
        codelists.parse(path, format="turtle")
    return build_kinds(shapes, codelists)


def load_kinds(shapes_dir: str | Path, ontology_dir: str | Path) -> dict[str, Kind]:
    """The templates of the shapes in ``shapes_dir`` (cached until a file changes)."""
    files = sorted(Path(shapes_dir).glob("*.ttl")) + [Path(ontology_dir) / "codelists.ttl"]
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in files if p.exists())
    return _cached(str(shapes_dir), str(ontology_dir), stamp)


# -- writing templates ---------------------------------------------------------------------
def header_rows(kind: Kind) -> list[list[str]]:
    """The two header rows: German titles, English titles."""
    return [[c.title("de") for c in kind.columns], [c.title("en") for c in kind.columns]]


def comment_lines(kind: Kind) -> list[str]:
    """The hint lines of a CSV template (each starts with ``#``)."""
    lines = [f"# {kind.labels['de']} / {kind.labels['en']}: Vorlage für Einreichungen / "
             "submission template",
             "# Zwei Kopfzeilen (deutsch, englisch), dann eine Zeile je Datensatz. "
             "Two header rows (German, English), then one row per record."]
    for c in kind.columns:
        lines.append(f"# {c.title('de')}: {c.hints['de']}")
        lines.append(f"# {c.title('en')}: {c.hints['en']}")
    return [line.replace("\n", " ") for line in lines]


def template_csv(kind: Kind, rows: Iterable[list[str]] = ()) -> str:
    """The CSV template: hint lines, two header rows, then ``rows`` (made safe for sheets)."""
    out = io.StringIO()
    for line in comment_lines(kind):
        out.write(line + "\r\n")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(header_rows(kind))
    writer.writerows([[sheet_safe(v) for v in row] for row in rows])
    return out.getvalue()


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def sheet_safe(value: object) -> str:
    """Text for a CSV cell that a spreadsheet never runs as a formula: text that starts with
    = + - @ (or a tab or carriage return) gets a leading apostrophe (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def template_xlsx(kind: Kind, rows: Iterable[list[str]] = ()) -> bytes:
    """The Excel template: sheet "Daten/Data" with two header rows, hints as comments and
    drop-down lists of the allowed codes; a sheet "Hinweise/Hints" with every column. Cell
    values are written as text, never as formulas."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "Daten - Data"
    for r, header in enumerate(header_rows(kind), start=1):
        for c, title in enumerate(header, start=1):
            put_text(sheet.cell(row=r, column=c), title)
    for c, column in enumerate(kind.columns, start=1):
        cell = sheet.cell(row=1, column=c)
        cell.comment = Comment(f"{column.hints['de']}\n\n{column.hints['en']}", "OWL 4.0")
        sheet.column_dimensions[get_column_letter(c)].width = max(14, len(column.title("de")) + 2)
        if column.codes and not column.multiple:
            words = [code.labels.get("de", code.code) if column.kind == "change" else code.code
                     for code in column.codes]
            formula = '"' + ",".join(words) + '"'
            if len(formula) <= 255:
                check = DataValidation(type="list", formula1=formula, allow_blank=True)
                check.add(f"{get_column_letter(c)}3:{get_column_letter(c)}1000")
                sheet.add_data_validation(check)
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row, start=1):
            put_text(sheet.cell(row=r, column=c), value)
    sheet.freeze_panes = "A3"
    hints = book.create_sheet("Hinweise - Hints")
    for r, values in enumerate([["Spalte", "Column", "Hinweis", "Hint"]] + [
            [c.title("de"), c.title("en"), c.hints["de"], c.hints["en"]] for c in kind.columns],
            start=1):
        for c, value in enumerate(values, start=1):
            put_text(hints.cell(row=r, column=c), value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def put_text(cell: object, value: object) -> None:
    """Write ``value`` into an openpyxl cell as text: a string starting with ``=`` stays a
    string (openpyxl would otherwise store it as a formula)."""
    text = "" if value is None else str(value)
    cell.value = text  # type: ignore[attr-defined]
    cell.data_type = "s"  # type: ignore[attr-defined]


# -- CSVW metadata ---------------------------------------------------------------------------
_XSD_NAMES = {str(XSD.decimal): "decimal", str(XSD.boolean): "boolean", str(XSD.string): "string"}


def csvw_metadata(kind: Kind, *, base_iri: str, table_url: str) -> dict:
    """W3C CSV on the Web metadata (https://www.w3.org/TR/tabular-metadata/) for a filled
    template: dialect, column titles in German and English, hints, datatypes, allowed codes as
    a format pattern, and the mapping of each column to RDF (aboutUrl, propertyUrl, valueUrl).

    Columns that are derived rather than stated (the record's IRI) are virtual columns; the
    CSVW mapping covers records with a given identifier (a new record without one gets its
    identifier from the platform, which a generic CSVW tool cannot do).
    """
    about = f"{base_iri}id/{kind.id_kind}/{{record}}"
    columns: list[dict] = []
    for c in kind.columns:
        col: dict = {"name": c.key, "titles": {"de": [c.title("de")], "en": [c.title("en")]},
                     "dc:description": [{"@value": c.hints["de"], "@language": "de"},
                                        {"@value": c.hints["en"], "@language": "en"}],
                     "required": False}
        if c.kind in ("change", "record", "source"):
            col["suppressOutput"] = c.kind == "change"
            if c.kind == "change":
                words = sorted({w for ws in CHANGE_WORDS.values() for w in ws})
                col["datatype"] = {"base": "string", "format": "|".join(map(re.escape, words))}
            if c.kind == "source":
                col["propertyUrl"] = str(DCT.source)
                col["aboutUrl"] = about
                col["datatype"] = "string"
            if c.kind == "record":
                col["suppressOutput"] = True
            columns.append(col)
            continue
        subject = about if not c.nested else f"{base_iri}id/amount/{{record}}-1"
        col.update(aboutUrl=subject, propertyUrl=c.path)
        if c.multiple:
            col["separator"] = SEPARATOR
        if c.kind == "text":
            col["datatype"] = "string"
            if c.lang:
                col["lang"] = c.lang
        elif c.kind == "date":
            col["datatype"] = {"base": "string",
                               "format": r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"}
        elif c.kind in ("decimal", "boolean"):
            col["datatype"] = _XSD_NAMES[c.datatype]
        elif c.kind == "reference":
            col["valueUrl"] = f"{base_iri}id/{c.ref_kinds[0]}/{{{c.key}}}"
        elif c.kind == "code":
            col["datatype"] = {"base": "string",
                               "format": "|".join(re.escape(code.code) for code in c.codes)}
            stem = c.codes[0].iri.rsplit("/", 1)[0] if c.codes else ""
            col["valueUrl"] = f"{stem}/{{{c.key}}}"
        elif c.kind == "iri":
            col["valueUrl"] = f"{{+{c.key}}}"
        columns.append(col)
    columns.append({"name": "type", "virtual": True, "aboutUrl": about,
                    "propertyUrl": "rdf:type", "valueUrl": kind.cls})
    for link in {c.nested for c in kind.columns if c.nested}:
        columns.append({"name": "nested_link", "virtual": True, "aboutUrl": about,
                        "propertyUrl": link, "valueUrl": f"{base_iri}id/amount/{{record}}-1"})
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "de"}],
        "url": table_url,
        "dc:title": [{"@value": f"Vorlage: {kind.labels['de']}", "@language": "de"},
                     {"@value": f"Template: {kind.labels['en']}", "@language": "en"}],
        "dialect": {"headerRowCount": 2, "commentPrefix": "#", "encoding": "utf-8",
                    "skipBlankRows": True},
        "tableSchema": {"columns": columns, "aboutUrl": about},
    }


def code_for(column: Column, text: str) -> Code | None:
    """The code a cell names: its code, IRI or a label (case and spaces ignored)."""
    wanted = " ".join(text.split()).casefold()
    for code in column.codes:
        names = {code.code.casefold(), code.iri.casefold(),
                 *(v.casefold() for v in code.labels.values())}
        if wanted in names:
            return code
    return None


def change_of(text: str) -> str | None:
    """'new', 'change' or 'remove' for a cell of the change column (German or English)."""
    wanted = " ".join(text.split()).casefold()
    for code, words in CHANGE_WORDS.items():
        if wanted in words:
            return code
    return None


def rdf_type_iri() -> str:
    return str(RDF.type)
