"""``owl40 init`` and the sheets of an instance (issue 13 §3): the scaffold, the sheets generated
from the shapes with a source column, the core ontology and shapes imported (not copied), the
region's extensions used by validation, the validation report (file, row, column; German and
English) before anything is written, and the provenance of what the sheets give.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from api.config import PROJECT_DIR, load_settings
from graph.instance.kinds import ORDER
from graph.store import open_store

EXAMPLE = PROJECT_DIR / "instances" / "beispiel"
REGIO = "https://w3id.org/regio-kg/ontology#"


def owl40(directory: Path, *args: str):
    """``owl40 ARGS`` run in the instance ``directory`` (as a user types it there)."""
    return CliRunner().invoke(main, list(args), env={"OWL40_INSTANCE_DIR": str(directory)},
                              catch_exceptions=False)


def rows_of(path: Path) -> list[list[str]]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return list(csv.reader(lines))


def add_rows(path: Path, rows: list[dict[str, str]]) -> int:
    """Append rows to a sheet, cells by the English column titles; the first one's line."""
    english = rows_of(path)[1]
    first = len(path.read_text(encoding="utf-8").splitlines()) + 1
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        assert set(row) <= set(english), set(row) - set(english)
        writer.writerow([row.get(title, "") for title in english])
    path.write_text(path.read_text(encoding="utf-8") + out.getvalue(), encoding="utf-8")
    return first


def query(directory: Path, sparql: str) -> list[list[str]]:
    settings = load_settings({"INSTANCE_DIR": str(directory)}, environ={})
    store = open_store(settings)
    try:
        result = store.query(sparql)
        return [[row[v].value if v in row else "" for v in result.variables] for row in result.rows]
    finally:
        store.close()


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    directory = tmp_path / "musterland"
    result = owl40(tmp_path, "init", str(directory), "--region", "Musterland")
    assert result.exit_code == 0, result.output
    return directory


def copy_example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "beispiel", ignore=shutil.ignore_patterns("var")))


def test_init_writes_settings_sheets_extensions_and_a_bilingual_readme(fresh: Path):
    settings = (fresh / "owl40.toml").read_text(encoding="utf-8")
    assert 'region_name = "Musterland"' in settings
    assert 'site_name_de = "Musterland – Wissensgraph"' in settings
    for name in ORDER:
        header_de, header_en = rows_of(fresh / "sheets" / f"{name}.csv")
        assert header_en[0] == "Record (identifier)" and header_de[0] == "Datensatz (Kennung)"
        # provenance for every region: every sheet but the sources themselves has a source column
        assert ("Source" in header_en) == (name != "source"), name
        meta = json.loads((fresh / "sheets" / f"{name}.csv-metadata.json").read_text())
        assert meta["dialect"]["headerRowCount"] == 2
    readme = (fresh / "README.md").read_text(encoding="utf-8")
    assert "**Deutsch.**" in readme and "**English.**" in readme
    assert all(f"`{name}.csv`" in readme for name in ORDER)
    # the core ontology and shapes are imported, not copied
    assert sorted(p.name for p in fresh.rglob("*.ttl")) == ["region.ttl", "region.ttl"]
    ontology = (fresh / "extensions" / "ontology" / "region.ttl").read_text(encoding="utf-8")
    assert "owl:imports <https://w3id.org/regio-kg/ontology>" in ontology


def test_init_refuses_a_directory_that_is_not_empty(fresh: Path):
    result = owl40(fresh, "init", str(fresh), "--region", "Musterland")
    assert result.exit_code == 2 and "not empty" in result.stderr


def test_an_empty_instance_loads_validates_and_has_the_ontology(fresh: Path):
    assert owl40(fresh, "validate").exit_code == 0
    result = owl40(fresh, "load")
    assert result.exit_code == 0, result.output
    labels = query(fresh, f"SELECT ?l WHERE {{ <{REGIO}Project> "
                          "<http://www.w3.org/2000/01/rdf-schema#label> ?l }")
    assert sorted(r[0] for r in labels) == ["Projekt", "project"]


def test_the_report_names_file_row_and_column_and_nothing_is_written(fresh: Path):
    sheets = fresh / "sheets"
    assert owl40(fresh, "load").exit_code == 0
    before = query(fresh, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    org = add_rows(sheets / "organisation.csv", [
        {"Source": "https://example.org/musterland/a", "Name (German)": "Beispiel GmbH",
         "Organisation type": "Firma"},                                    # unknown code
        {"Name (German)": "Ohne Quelle e.V.", "Organisation type": "association"},  # no source
        {"Source": "unbekannt", "Name (German)": "Beispiel-Verein"},      # unknown source key
    ])
    project = add_rows(sheets / "project.csv", [
        {"Source": "self", "Title (English)": "Example project", "Start": "2023-05-01",
         "End": "2021", "Plan link: Link status": "confirmed"},           # end before start
    ])
    result = owl40(fresh, "load", "--lang", "de")
    assert result.exit_code == 1
    report = result.stderr
    assert "nichts wurde geschrieben" in report
    assert (f"organisation.csv, Zeile {org}, Spalte J (Organisationstyp): Fehler: „Firma“ ist kein "
            "erlaubter Wert") in report
    assert f"organisation.csv, Zeile {org + 1}: Fehler: keine Quelle" in report
    assert f"organisation.csv, Zeile {org + 2}, Spalte B (Quelle): Fehler: „unbekannt“ ist weder" in report
    assert (f"project.csv, Zeile {project}, Spalte O (Ende): Fehler: Ende (2021) liegt vor dem "
            "Beginn (2023-05-01)") in report
    assert query(fresh, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }") == before
    english = owl40(fresh, "validate")
    assert english.exit_code == 1
    assert (f"project.csv, row {project}, column O (End): error: End (2021) is before the "
            "start") in english.stdout


def test_unknown_columns_and_duplicate_records_are_reported(fresh: Path):
    path = fresh / "sheets" / "theme.csv"
    text = path.read_text(encoding="utf-8").replace("Art des Themas\n", "Art des Themas,Farbe\n", 1)
    path.write_text(text, encoding="utf-8")
    first = add_rows(path, [{"Source": "self", "Label (German)": "Beispielthema"},
                            {"Source": "self", "Label (German)": "Beispielthema"}])
    result = owl40(fresh, "validate")
    assert result.exit_code == 1
    header = first - 2
    assert f"theme.csv, row {header}, column I (Farbe): error: unknown column \"Farbe\"" in result.stdout
    assert (f"theme.csv, row {first + 1}: error: record http://127.0.0.1:8040/id/theme/beispielthema "
            f"is already in theme.csv, row {first}") in result.stdout


def test_every_statement_of_the_sheets_is_in_the_graph_of_its_source(tmp_path: Path):
    directory = copy_example(tmp_path)
    assert owl40(directory, "load").exit_code == 0
    base = "https://example.org/beispielregion/"
    graphs = {r[0] for r in query(directory, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    data = {g for g in graphs if g.startswith(base + "graph/")
            and not g.endswith(("/meta", "/examples", "/extension"))}
    assert data == {base + "graph/source/beispiel-programm", base + "graph/source/beispiel-jahresbericht",
                    base + "graph/source/self"}
    derived = query(directory, f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?g ?src WHERE {{ GRAPH <{base}graph/meta> {{ ?g prov:wasDerivedFrom ?src }} }} ORDER BY ?g""")
    assert {g: s for g, s in derived} == {g: g.replace("/graph/source/", "/id/source/") for g in data}
    # the phase of an unconfirmed project is only a suggestion of its plan link
    rows = query(directory, f"""PREFIX regio: <{REGIO}>
        SELECT ?p ?phase ?in WHERE {{ ?p regio:hasPlanLink ?l . OPTIONAL {{ ?l regio:suggestedPhase ?phase }}
        OPTIONAL {{ ?p regio:inPhase ?in }} }} ORDER BY ?p""")
    by_project = {p.rsplit("/", 1)[-1]: (s.rsplit("/", 1)[-1], i.rsplit("/", 1)[-1]) for p, s, i in rows}
    assert by_project["beispiel-arbeitswelt"] == ("beispiel-phase-2", "")
    assert by_project["beispiel-ki-werkstatt"] == ("", "beispiel-phase-1")


def test_the_region_s_extension_shapes_are_validated_with_the_core_ones(tmp_path: Path):
    directory = copy_example(tmp_path)
    assert owl40(directory, "validate").exit_code == 0
    extra = directory / "extensions" / "shapes" / "english-titles.ttl"
    extra.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix regio: <https://w3id.org/regio-kg/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://example.org/beispielregion/shapes#EnglishAcronym> a sh:NodeShape ;
    sh:targetClass regio:Project ;
    sh:property [ sh:path regio:acronym ; sh:minCount 1 ;
        sh:message "Beispielregel: jedes Projekt hat ein Akronym."@de,
                   "Example rule: every project has an acronym."@en ] .
""", encoding="utf-8")
    result = owl40(directory, "validate")
    assert result.exit_code == 1
    assert result.stdout.count("Example rule: every project has an acronym.") == 3  # one of four has one
    assert "project.csv, row 48, column I (Acronym): error: Example rule" in result.stdout


def test_the_region_s_ontology_extension_is_loaded_in_its_own_graph(tmp_path: Path):
    directory = copy_example(tmp_path)
    (directory / "extensions" / "ontology" / "region.ttl").write_text(
        (directory / "extensions" / "ontology" / "region.ttl").read_text(encoding="utf-8")
        + '\n<https://example.org/beispielregion/ontology#Beispielcluster> a owl:Class ;\n'
          '    rdfs:subClassOf regio:Organisation ;\n'
          '    rdfs:label "Beispielcluster"@de, "example cluster"@en .\n',
        encoding="utf-8")
    assert owl40(directory, "load").exit_code == 0
    found = query(directory, """SELECT ?g WHERE { GRAPH ?g {
        <https://example.org/beispielregion/ontology#Beispielcluster> ?p ?o } } LIMIT 1""")
    assert found == [["https://example.org/beispielregion/graph/extension"]]


def test_excel_sheets_work_like_csv(tmp_path: Path):
    from openpyxl import load_workbook

    directory = tmp_path / "excel"
    made = owl40(tmp_path, "init", str(directory), "--region", "Musterland", "--format", "xlsx")
    assert made.exit_code == 0
    path = directory / "sheets" / "organisation.xlsx"
    book = load_workbook(path)
    sheet = book.active
    english = [c.value for c in sheet[2]]
    row = {"Source": "self", "Name (German)": "Beispiel-Excel GmbH", "Organisation type": "Unternehmen"}
    sheet.append([row.get(title, None) for title in english])
    book.save(path)
    assert owl40(directory, "load").exit_code == 0
    names = query(directory, "SELECT ?n WHERE { ?o <http://www.w3.org/2004/02/skos/core#prefLabel> "
                             f"?n ; <{REGIO}organisationType> "
                             "<https://w3id.org/regio-kg/code/org-type/company> }")
    assert names == [["Beispiel-Excel GmbH"]]


CLUSTER_SHAPE = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix regio: <https://w3id.org/regio-kg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://example.org/beispielregion/shapes#ClusterNumber> a sh:NodeShape ;
    sh:targetClass regio:Project ;
    sh:property [ sh:path <https://example.org/beispielregion/ontology#clusterNumber> ;
        sh:name "Beispiel-Clusternummer"@de, "Example cluster number"@en ;
        sh:datatype xsd:integer ; sh:maxCount 1 ;
        sh:message "Beispielregel: die Clusternummer ist eine ganze Zahl."@de,
                   "Example rule: the cluster number is a whole number."@en ] .
"""


def test_partner_submissions_use_the_region_s_extension_shapes_too(tmp_path: Path):
    """A region's extension shapes give its sheets, its partners' templates and the check of
    their submissions a column and a rule of their own."""
    from api.app import create_app
    from graph.instance.data import kinds_of
    from graph.submissions.auth import create_token

    directory = copy_example(tmp_path)
    (directory / "extensions" / "shapes" / "cluster.ttl").write_text(CLUSTER_SHAPE, encoding="utf-8")
    settings = load_settings({"INSTANCE_DIR": str(directory)}, environ={})
    sheet_titles = [c.title("en") for c in kinds_of(settings)["project"].columns]
    assert "Example cluster number" in sheet_titles
    assert owl40(directory, "load").exit_code == 0
    app = create_app(settings)
    service = app.extensions["owl40_submissions"]
    _, token = create_token(service.storage, role="partner", label="Beispiel",
                            organisation="https://example.org/beispielregion/id/organisation/beispiel-hochschule")
    client = app.test_client()
    template = client.get("/api/templates/project.csv").get_data(as_text=True)
    assert "Example cluster number" in template
    columns = service.kind("project").columns
    row = {"change": "change", "record": "beispiel-ki-werkstatt", "source": "self",
           "example_cluster_number": "abc"}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.title("en") for c in columns])
    writer.writerow([row.get(c.key, "") for c in columns])
    response = client.post("/api/submissions", data=out.getvalue().encode(), headers={
        "Authorization": f"Bearer {token}", "Content-Type": "text/csv"})
    assert response.status_code == 201, response.json
    assert "die Clusternummer ist eine ganze Zahl" in json.dumps(response.json, ensure_ascii=False) \
        or "the cluster number is a whole number" in json.dumps(response.json)
