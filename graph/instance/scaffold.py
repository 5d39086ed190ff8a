"""``owl40 init DIR --region NAME``: a new instance directory for a region.

It holds the settings (``owl40.toml``), one empty sheet per kind of record (generated from the
shapes, graph.instance.kinds, with the CSVW metadata of each), the region's extension files
(an ontology that imports the core ontology, a shapes file; both empty of rules), a folder for
the region's own example questions, and a README in German and English that documents every
sheet and column. The core ontology and shapes are not copied: they come from the package.
"""

from __future__ import annotations

import json
from pathlib import Path

from graph.instance.kinds import ORDER
from graph.namespaces import ONTOLOGY_IRI, SHAPES_IRI
from graph.submissions.templates import Kind, csvw_metadata, template_csv, template_xlsx

DEFAULT_BASE = "http://127.0.0.1:8040/"
FORMATS = ("csv", "xlsx")


class InstanceExists(FileExistsError):
    """The target directory exists and is not empty."""


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a TOML basic string is JSON-compatible here


def settings_text(region: str, base_iri: str) -> str:
    """The instance's ``owl40.toml``."""
    q = _toml_string
    return f"""# Settings of the instance for the region {region} (made by owl40 init).
# Keys are the settings of the README ("Configuration") in lower case; an OWL40_* variable
# overrides a key. Relative directories are relative to this file's directory.

site_name_de = {q(f"{region} – Wissensgraph")}
site_name_en = {q(f"{region} knowledge graph")}
tagline_de = {q(f"Das Handlungskonzept der Region {region} als Linked Open Data")}
tagline_en = {q(f"The action plan of the region {region} as linked open data")}
region_name = {q(region)}
languages = "de en"

# Base of every IRI the data mints. Before publishing, set the persistent address the
# IRIs should keep for good (e.g. a w3id.org redirect), see docs/publishing.md.
base_iri = {q(base_iri)}
publisher_name = {q(region)}
# publisher_uri = "https://www.example.org/"
# dcatde_contributor_id = ""

# The filled sheets (one per kind of record) and the region's own extensions and questions.
sheets_dir = "sheets"
extensions_dir = "extensions"
region_queries_dir = "queries"

# Schematic tile map of the districts on the pages: official code -> [column, row],
# north at the top. Without it the districts stand in a row.
[district_tiles]
# "05999" = [0, 0]
"""


def extension_files(base_iri: str, region: str) -> dict[str, str]:
    """The region's extension files: an ontology importing the core one, a shapes file."""
    ontology = f"""# The ontology extension of {region}: more classes, properties and code-list concepts of
# the region. The core ontology is imported, not copied; add subclasses of its terms here, e.g.
#   <{base_iri}ontology#Cluster> a owl:Class ; rdfs:subClassOf regio:Organisation ;
#       rdfs:label "Cluster"@de, "Cluster"@en .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix regio: <{ONTOLOGY_IRI}#> .

<{base_iri}ontology> a owl:Ontology ;
    owl:imports <{ONTOLOGY_IRI}> ;
    rdfs:label "Erweiterung der Ontologie: {region}"@de, "Ontology extension: {region}"@en .
"""
    shapes = f"""# Extra SHACL shapes of {region}: validated together with the core shapes (which are
# imported, not copied). Example: every project of the region has an English title too.
#   <{base_iri}shapes#ProjectEnglishTitle> a sh:NodeShape ; sh:targetClass regio:Project ;
#       sh:property [ sh:path dct:title ; sh:languageIn ("de" "en") ; sh:minCount 2 ;
#           sh:message "Titel auf Deutsch und Englisch."@de, "Title in German and English."@en ] .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<{base_iri}shapes> a owl:Ontology ;
    owl:imports <{SHAPES_IRI}> ;
    rdfs:label "Zusätzliche Prüfregeln: {region}"@de, "Extra shapes: {region}"@en .
"""
    return {"ontology/region.ttl": ontology, "shapes/region.ttl": shapes}


def sheet_reference(kinds: dict[str, Kind], lang: str) -> str:
    """Markdown: every sheet with its columns and hints, in ``lang``."""
    other = "en" if lang == "de" else "de"
    head = {"de": ("Spalte", "auf Englisch", "Hinweis"),
            "en": ("Column", "in German", "Hint")}[lang]
    parts = []
    for name in ORDER:
        kind = kinds[name]
        parts.append(f"### `{name}.csv`: {kind.labels[lang]}\n")
        parts.append(f"| {head[0]} | {head[1]} | {head[2]} |\n|---|---|---|")
        for c in kind.columns:
            hint = c.hints[lang].replace("|", "\\|").replace("\n", " ")
            parts.append(f"| {c.title(lang)} | {c.title(other)} | {hint} |")
        parts.append("")
    return "\n".join(parts)


def readme_text(region: str, kinds: dict[str, Kind]) -> str:
    """The instance's README, in German and English, with the reference of its sheets."""
    return f"""# {region}: Wissensgraph / knowledge graph

**Deutsch.** Dieses Verzeichnis ist die Instanz der Region {region}: ihre Einstellungen
(`owl40.toml`), ihre Daten als Tabellen (`sheets/`, eine je Art von Datensatz), ihre eigenen
Erweiterungen der Ontologie und der Prüfregeln (`extensions/`) und ihre eigenen Beispielfragen
(`queries/`). Die Ontologie, die Codelisten und die Prüfregeln des Kerns kommen aus dem Paket
und werden nicht kopiert.

1. Tabellen füllen: in `sheets/` eine Zeile je Datensatz, unter den zwei Kopfzeilen (deutsch,
   englisch). Zuerst die Quellen (`source.csv`), dann Region, Kreise, Handlungskonzept, Themen,
   Phasen, Organisationen, Projekte, Beteiligungen, Förderungen, Ereignisse. Jede Zeile nennt
   in der Spalte „Quelle“, wer ihre Angaben belegt. Zeilen verweisen aufeinander mit der
   Kennung (Spalte „Datensatz“). CSV als UTF-8; statt einer CSV-Datei geht auch eine
   Excel-Datei gleichen Namens (`project.xlsx`).
2. Prüfen: `owl40 validate` zeigt jeden Fehler mit Datei, Zeile und Spalte.
3. Laden: `owl40 load` prüft die Tabellen und schreibt nur, wenn kein Fehler bleibt.
4. Anzeigen: `owl40 serve`, dann <http://127.0.0.1:8040/>.

Vor der Veröffentlichung `base_iri` in `owl40.toml` auf die dauerhafte Adresse setzen.

**English.** This directory is the instance of the region {region}: its settings
(`owl40.toml`), its data as sheets (`sheets/`, one per kind of record), its own extensions of
the ontology and the shapes (`extensions/`) and its own example questions (`queries/`). The
core ontology, code lists and shapes come from the package and are not copied.

1. Fill the sheets: in `sheets/`, one row per record below the two header rows (German,
   English). Sources first (`source.csv`), then region, districts, action plan, themes,
   phases, organisations, projects, participations, fundings, events. Every row names in the
   column "Source" who states its facts. Rows refer to each other by identifier (column
   "Record"). CSV as UTF-8; an Excel file of the same name (`project.xlsx`) works instead.
2. Check: `owl40 validate` shows every problem with file, row and column.
3. Load: `owl40 load` checks the sheets and writes only when no error remains.
4. Look: `owl40 serve`, then <http://127.0.0.1:8040/>.

Before publishing, set `base_iri` in `owl40.toml` to the permanent address.

## Tabellen / Sheets (Deutsch)

{sheet_reference(kinds, "de")}
## Sheets (English)

{sheet_reference(kinds, "en")}"""


def init_instance(directory: Path, region: str, kinds: dict[str, Kind], *,
                  base_iri: str = DEFAULT_BASE, fmt: str = "csv") -> list[Path]:
    """Write a new instance into ``directory`` (created; it must be missing or empty) and
    return the files written."""
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise InstanceExists(f"{directory} exists and is not empty; owl40 init writes a new "
                             "instance into a new (or empty) directory")
    if not region.strip():
        raise ValueError("the region needs a name (--region \"Name\")")
    if fmt not in FORMATS:
        raise ValueError(f"sheet format {fmt!r}: one of {', '.join(FORMATS)}")
    if not base_iri.endswith(("/", "#")):
        base_iri += "/"
    files: dict[str, str | bytes] = {
        "owl40.toml": settings_text(region, base_iri),
        "README.md": readme_text(region, kinds),
        "queries/README.md": "Eigene Beispielfragen der Region (*.rq) / the region's own "
                             "example questions (*.rq): see the generic ones for the header "
                             "lines (# title@de: …, # title@en: …, # description@de/en: …).\n",
    }
    for path, text in extension_files(base_iri, region).items():
        files[f"extensions/{path}"] = text
    for name in ORDER:
        kind = kinds[name]
        files[f"sheets/{name}.{fmt}"] = template_csv(kind) if fmt == "csv" else template_xlsx(kind)
        meta = csvw_metadata(kind, base_iri=base_iri, table_url=f"{name}.csv")
        files[f"sheets/{name}.csv-metadata.json"] = json.dumps(meta, ensure_ascii=False, indent=2)
    written = []
    for relative, content in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def sheets_document(kinds: dict[str, Kind]) -> str:
    """docs/sheets.md: the input format of an instance, every sheet and column (generated from
    the shapes; ``python -m graph.instance.scaffold > docs/sheets.md``)."""
    return f"""# The sheets of an instance (input format)

Generated from the shapes by `python -m graph.instance.scaffold > docs/sheets.md`
(`tests/test_docs.py` checks that it is current); `owl40 init` writes the same reference into
each new instance's README, for that instance's shapes (with its extensions).

An instance's data are its sheets in `sheets/` (`SHEETS_DIR`): one file per kind of record,
named after the kind (`project.csv`, or `project.xlsx` from Excel), read in the order below, so
that a row can refer to the rows of the sheets before it. Each file has two header rows
(German titles, then English titles; either row alone is enough, a column may also be headed
by its key), then one row per record; lines starting with `#` are comments (the templates
carry a hint per column there). CSV files are UTF-8 (Excel: "CSV UTF-8"), separated by
commas, semicolons or tabs. A missing file means no records of that kind; a file of another
name, an unknown column, or two files for one kind are errors.

- **Record (identifier)**: the part of the record's address after `…/id/<kind>/`, lower-case
  letters, digits and hyphens; empty: made from the name (participations: project and
  organisation, `project--organisation`; fundings: the funded project or phase; events: date
  and title). Other rows refer to a record by it (or by its whole address).
- **Source**, on every row except the sources' own: the identifier of a row of `source.csv`,
  a web address (a source of its own, titled by the address), or `self`/`selbst` (the
  publisher's own statement). Every statement of the row is filed in the named graph of that
  source (`graph/source/<id>`, docs/model.md), so each region keeps its provenance.
- Several values in one cell are separated by `;`. Dates are `YYYY-MM-DD`, `YYYY-MM` or `YYYY`
  (also `DD.MM.YYYY`); numbers may use a decimal comma; yes/no is `ja`/`nein` or `yes`/`no`.
  Codes are given by their code, or their German or English label.
- Derived, not typed: a phase belongs to the plan of `plan.csv`, themes to its theme scheme
  (top themes are those without a broader theme), a district to the region of `region.csv`
  (when there is one), inverse links (a project's participations and fundings, narrower
  themes). A project's plan link is made from its link status: `confirmed` makes it part of the
  plan in its phase; `probable` or `candidate` keeps the phase as a suggestion only.

`owl40 validate` (or `owl40 load`, which writes nothing while an error remains) reports every
problem with file, row and column, in German (`--lang de`) or English.

## Sheets and columns

{sheet_reference(kinds, "en")}
## Tabellen und Spalten (Deutsch)

{sheet_reference(kinds, "de")}"""


if __name__ == "__main__":
    import sys

    from graph.instance.kinds import instance_kinds
    from graph.resources import resource_dir

    shapes = sorted(resource_dir("shapes").glob("*.ttl"))
    sys.stdout.write(sheets_document(instance_kinds(shapes, resource_dir("ontology") / "codelists.ttl")))
