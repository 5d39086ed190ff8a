"""Partner submissions (issue 12): templates from the shapes, validation in the context of the
published graph, the report in the partner's terms, curation and publication."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from api.config import PROJECT_DIR
from graph.submissions import templates as tpl
from tests.submissionkit import (
    FH_BIELEFELD,
    WORK_AND_CARE,
    Kit,
    column_letter,
    make_kit,
    problems,
    sheet,
)

END_DATE = "https://w3id.org/regio-kg/ontology#endDate"


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    return make_kit(tmp_path_factory.mktemp("submissions"))


def submit(kit: Kit, data: bytes, *, token: str | None = None, content_type: str = "text/csv",
           lang: str = "de", **params: str):
    client = kit.app.test_client()
    return client.post("/api/submissions", data=data, query_string={"lang": lang, **params},
                       headers=kit.headers(token or kit.partner, **{"Content-Type": content_type}))


def end_dates(kit: Kit) -> set[str]:
    rows = kit.store.query(f"SELECT ?o WHERE {{ <{WORK_AND_CARE}> <{END_DATE}> ?o }}").rows
    return {r["o"].value for r in rows}


# -- templates -------------------------------------------------------------------------------
def test_templates_follow_the_shapes(kit: Kit) -> None:
    shapes = rdflib.Graph()
    for path in (PROJECT_DIR / "shapes").glob("*.ttl"):
        shapes.parse(path)
    project = kit.service.kind("project")
    keys = [c.key for c in project.columns]
    assert keys[:3] == ["change", "record", "source"]
    for title in ("Titel (deutsch)", "Ende", "Akronym"):
        assert title in [c.title("de") for c in project.columns]
    # the plan link, phase and the curators' themes are no columns (curators set them)
    paths = {c.path for c in project.columns}
    assert "https://w3id.org/regio-kg/ontology#hasPlanLink" not in paths
    assert "https://w3id.org/regio-kg/ontology#hasTheme" not in paths
    role = kit.service.kind("participation").column("role")
    assert role.curators and {c.code for c in role.codes} >= {"lead", "partner", "coordinator"}
    assert role.codes[0].labels["de"] and role.codes[0].labels["en"]


def test_a_change_of_shape_changes_the_template(tmp_path: Path) -> None:
    shapes = tmp_path / "shapes"
    shutil.copytree(PROJECT_DIR / "shapes", shapes)
    extra = shapes / "project.ttl"
    extra.write_text(extra.read_text(encoding="utf-8") + """
regiosh:ProjectShape sh:property regiosh:Project-budgetNote .
regiosh:Project-budgetNote a sh:PropertyShape ;
    sh:path regio:budgetNote ;
    sh:name "Haushaltsvermerk"@de, "Budget note"@en ;
    sh:description "Ein Vermerk zum Haushalt."@de, "A note on the budget."@en ;
    sh:maxCount 1 ;
    sh:datatype <http://www.w3.org/2001/XMLSchema#string> .
""", encoding="utf-8")
    before = tpl.load_kinds(PROJECT_DIR / "shapes", PROJECT_DIR / "ontology")["project"]
    after = tpl.load_kinds(shapes, PROJECT_DIR / "ontology")["project"]
    added = [c for c in after.columns if c.key not in {b.key for b in before.columns}]
    assert [(c.key, c.names, c.multiple) for c in added] == [
        ("budget_note", {"de": "Haushaltsvermerk", "en": "Budget note"}, False)]
    assert "Haushaltsvermerk" in tpl.template_csv(after)


def test_csv_template_and_csvw_metadata_describe_the_same_columns(kit: Kit) -> None:
    client = kit.app.test_client()
    text = client.get("/api/templates/project.csv").get_data(as_text=True)
    rows = [r for r in text.splitlines() if not r.startswith("#")]
    meta = client.get("/api/templates/project.csv-metadata.json")
    assert meta.mimetype == "application/csvm+json"
    doc = meta.json
    assert doc["@context"][0] == "http://www.w3.org/ns/csvw"
    assert doc["dialect"]["headerRowCount"] == 2 and doc["dialect"]["commentPrefix"] == "#"
    columns = [c for c in doc["tableSchema"]["columns"] if not c.get("virtual")]
    assert rows[0].split(",") == [c["titles"]["de"][0] for c in columns]
    assert rows[1].split(",") == [c["titles"]["en"][0] for c in columns]
    end = next(c for c in columns if c["name"] == "end")
    assert end["propertyUrl"] == END_DATE
    assert end["aboutUrl"] == "https://w3id.org/owl40/id/project/{record}"
    role = next(c for c in kit.app.test_client().get(
        "/api/templates/participation.csv-metadata.json").json["tableSchema"]["columns"]
        if c["name"] == "role")
    assert "coordinator" in role["datatype"]["format"] and role["separator"] == ";"


def test_excel_template_has_two_header_rows_hints_and_code_lists(kit: Kit) -> None:
    import openpyxl

    data = kit.app.test_client().get("/api/templates/organisation.xlsx").data
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet_ = book.worksheets[0]
    assert sheet_.cell(1, 1).value == "Änderung" and sheet_.cell(2, 1).value == "Change"
    assert sheet_.cell(1, 1).comment is not None
    formulas = [v.formula1 for v in sheet_.data_validations.dataValidation]
    assert any("company" in f for f in formulas)
    assert book.worksheets[1].cell(1, 4).value == "Hint"


def test_text_starting_like_a_formula_is_written_as_text() -> None:
    import openpyxl

    kind = tpl.load_kinds(PROJECT_DIR / "shapes", PROJECT_DIR / "ontology")["event"]
    cells = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)"]
    book = openpyxl.load_workbook(io.BytesIO(tpl.template_xlsx(kind, [cells])))
    row = [book.worksheets[0].cell(3, i + 1) for i in range(4)]
    assert [c.value for c in row] == cells and {c.data_type for c in row} == {"s"}
    csv_text = tpl.template_csv(kind, [cells])
    assert csv_text.endswith('"\'=HYPERLINK(""http://x"")",\'+1,\'-2,\'@SUM(A1)\r\n')


# -- the report --------------------------------------------------------------------------------
def test_correction_is_checked_against_the_record_with_row_and_column_in_german(kit: Kit) -> None:
    data = sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                   "source": "selbst", "end": "31.13.2023"}])
    response = submit(kit, data)
    assert response.status_code == 201
    body = response.json
    assert body["state"] == "invalid"
    report = body["report"]
    assert report["conforms"] is False and report["blocking"] == 1
    wrong = [p for p in problems(report) if p["blocking"]]
    assert len(wrong) == 1
    p = wrong[0]
    assert (p["row"], p["column"], p["field"], p["value"]) == (2, column_letter(kit, "project", "end"),
                                                              "Ende", "31.13.2023")
    assert p["record_label"] == "work & care"
    assert p["what"] == "„31.13.2023“ ist kein gültiges Datum."
    assert "JJJJ-MM-TT" in p["fix"]
    # the engine's exact finding beside it
    assert p["finding"]["component"].endswith("OrConstraintComponent")
    assert p["finding"]["shape"].endswith("Dated-endDate")
    assert p["finding"]["message"].startswith("Ende muss ein Datum")
    # no jargon, no English, no prefixes in the partner's text
    for item in problems(report):
        text = item["what"] + " " + item["fix"] + " " + item["field"]
        for word in ("Fokusknoten", "Pfad", "regio:", "xsd:", "sh:", "focus", "before the start"):
            assert word not in text
    # the three published end dates from other sources are not the partner's error
    others = [p for p in problems(report) if not p["blocking"]]
    assert [p["severity"] for p in others] == ["Warning"]


def test_report_in_english_and_grouped_with_counts(kit: Kit) -> None:
    data = sheet(kit, "project", [
        {"change": "change", "record": "work-and-care", "source": "self", "end": "2023-13"},
        {"change": "new", "source": "https://example.org/news", "title_de": "Neu", "start": "2024",
         "end": "2023"}], lang="en")
    report = submit(kit, data, lang="en").json["report"]
    assert report["lang"] == "en"
    records = {r["label"]: r for r in report["records"]}
    assert set(records) == {"work & care", "Neu"}
    assert records["work & care"]["counts"]["Violation"] == 1
    new = records["Neu"]
    assert sum(f["counts"].get("Violation", 0) for f in new["fields"]) == 2  # end<start, scope
    texts = [p["what"] for p in problems(report)]
    assert "The end (2023) is before the start." in texts
    assert any("only submit facts about your own organisation" in t for t in texts)


def test_engine_message_of_a_sparql_constraint_in_the_reports_language(kit: Kit) -> None:
    # pySHACL fills in {?value} and drops the message's language tag: both the German and
    # the English message come back untagged; each report shows the one in its language
    data = sheet(kit, "project", [{"change": "neu", "source": "selbst", "title_de": "Spät",
                                   "start": "2024", "end": "2023"}])
    number = submit(kit, data).json["id"]
    client = kit.app.test_client()
    for lang, start in (("de", "Ende (2023) liegt vor dem Beginn (2024)"),
                        ("en", "End (2023) is before the start (2024)")):
        report = client.get(f"/api/submissions/{number}/report", query_string={"lang": lang},
                            headers=kit.headers(kit.partner)).json
        found = [p["finding"] for p in problems(report)
                 if (p["finding"]["constraint"] or "").endswith("EndNotBeforeStart")]
        assert [f["message"] for f in found] == [start + "."]
    ttl = client.get(f"/api/submissions/{number}/report.ttl", headers=kit.headers(kit.partner))
    graph = rdflib.Graph().parse(data=ttl.data, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    messages = {(str(m), m.language) for m in graph.objects(None, sh.resultMessage)
                if str(m).startswith(("Ende (2023)", "End (2023)"))}
    assert messages == {("Ende (2023) liegt vor dem Beginn (2024).", "de"),
                        ("End (2023) is before the start (2024).", "en")}


def test_curators_rules_are_never_the_partners_error(kit: Kit) -> None:
    # an RDF submission of a participation without a role code (regiosh:curatorsOnly) and a
    # new project without plan link or phase (curators set them)
    turtle = f"""
    @prefix regio: <https://w3id.org/regio-kg/ontology#> .
    @prefix dct: <http://purl.org/dc/terms/> .
    <https://w3id.org/owl40/id/participation/work-and-care--fh-bielefeld> a regio:Participation ;
        regio:participant <{FH_BIELEFELD}> ; regio:participationIn <{WORK_AND_CARE}> ;
        regio:roleText "Verbundpartner" .
    """.encode()
    report = submit(kit, turtle, content_type="text/turtle").json["report"]
    components = [p["finding"]["shape"] or "" for p in problems(report)]
    assert not any("Participation-role" in c for c in components)
    assert report["conforms"] is True


def test_warnings_do_not_block(kit: Kit) -> None:
    data = sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                   "source": "selbst", "end": "2023-05-31"}])
    body = submit(kit, data).json
    assert body["state"] == "valid"
    assert body["report"]["counts"]["Warning"] >= 1 and body["report"]["blocking"] == 0


def test_sheet_problems_are_reported_with_their_cells(kit: Kit) -> None:
    data = sheet(kit, "participation", [
        {"change": "vielleicht", "source": "selbst"},
        {"change": "neu", "source": "irgendwo", "participating_organisation": "fh-bielefeld",
         "participation_in": "work-and-care", "role": "chef"}])
    report = submit(kit, data).json["report"]
    by_what = {p["what"]: p for p in problems(report)}
    bad_change = by_what["„vielleicht“ sagt nicht, was die Zeile tut soll."] \
        if "„vielleicht“ sagt nicht, was die Zeile tut soll." in by_what else \
        by_what["„vielleicht“ sagt nicht, was die Zeile tun soll."]
    assert (bad_change["row"], bad_change["column"]) == (2, "A")
    code = by_what["„chef“ ist kein erlaubter Wert für „Rolle“."]
    assert code["row"] == 3 and "coordinator" in code["fix"]
    source = by_what["„irgendwo“ ist weder eine Webadresse noch „selbst“."]
    assert source["column"] == "C"


def test_report_is_linked_data_and_queryable(kit: Kit) -> None:
    data = sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                   "source": "selbst", "end": "nie"}])
    number = submit(kit, data).json["id"]
    client = kit.app.test_client()
    ttl = client.get(f"/api/submissions/{number}/report.ttl", headers=kit.headers(kit.partner))
    graph = rdflib.Graph().parse(data=ttl.data, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    report = next(graph.subjects(rdflib.RDF.type, sh.ValidationReport))
    assert graph.value(report, sh.conforms).toPython() is False
    sub = rdflib.Namespace("https://w3id.org/regio-kg/submission#")
    explanations = [{str(x) for x in graph.objects(r, sub.explanation)}
                    for r in graph.subjects(sub.row, None)]
    assert {"„nie“ ist kein gültiges Datum.", "\"nie\" is not a valid date."} in explanations
    query = ("PREFIX regiosub: <https://w3id.org/regio-kg/submission#> "
             "SELECT ?rule (COUNT(*) AS ?n) WHERE { ?r regiosub:rule ?rule } "
             "GROUP BY ?rule ORDER BY DESC(?n) ?rule")
    answer = client.get("/api/reports/sparql", query_string={"query": query},
                        headers=kit.headers(kit.curator))
    assert answer.status_code == 200
    rules = [b["rule"]["value"] for b in json.loads(answer.data)["results"]["bindings"]]
    assert "https://w3id.org/regio-kg/shapes#Dated-endDate" in rules
    partner = client.get("/api/reports/sparql", query_string={"query": query},
                         headers=kit.headers(kit.partner))
    assert partner.status_code == 403


# -- curation and publication ------------------------------------------------------------------
def test_review_accept_publish_and_replace_own_value(kit: Kit) -> None:
    client = kit.app.test_client()
    curator = kit.headers(kit.curator)
    before = end_dates(kit)
    first = submit(kit, sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                                "source": "selbst", "end": "2023-06-30"}])).json
    assert first["state"] == "valid"
    changes = client.get(f"/api/submissions/{first['id']}/changes", headers=curator).json
    record = changes["records"][0]
    end = next(f for f in record["fields"] if f["predicate"] == END_DATE)
    assert end["change"] == "adds" and end["added"][0]["value"] == "2023-06-30"
    assert {o["value"]["value"] for o in end["others"]} == before
    assert client.post(f"/api/submissions/{first['id']}/publish", headers=curator).status_code == 409
    assert client.post(f"/api/submissions/{first['id']}/accept", headers=curator,
                       json={"note": "ok"}).json["state"] == "accepted"
    published = client.post(f"/api/submissions/{first['id']}/publish", headers=curator).json
    assert published["state"] == "published"
    assert end_dates(kit) == before | {"2023-06-30"}
    graph = published["graph"]
    prov = kit.store.query(f"SELECT ?p ?o WHERE {{ GRAPH <{published['prov_graph']}> "
                           f"{{ <{graph}> ?p ?o }} }}").rows
    props = {r["p"].value: r["o"] for r in prov}
    assert props["http://www.w3.org/ns/prov#wasAttributedTo"].value == FH_BIELEFELD
    assert "http://www.w3.org/ns/prov#generatedAtTime" in props
    assert "https://w3id.org/regio-kg/submission#shapesVersion" in props
    # the same partner corrects itself: its new value replaces its own earlier one and the
    # curator sets an older value of another source aside
    second = submit(kit, sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                                 "source": "selbst", "end": "2023-07-31"}])).json
    review = client.get(f"/api/submissions/{second['id']}/changes", headers=curator).json
    end = next(f for f in review["records"][0]["fields"] if f["predicate"] == END_DATE)
    assert end["change"] == "changes" and end["removed"][0]["value"] == "2023-06-30"
    client.post(f"/api/submissions/{second['id']}/accept", headers=curator)
    oldest = sorted(before)[0]
    result = client.post(f"/api/submissions/{second['id']}/publish", headers=curator, json={
        "supersede": [{"subject": WORK_AND_CARE, "predicate": END_DATE,
                       "object": f'"{oldest}"^^<http://www.w3.org/2001/XMLSchema#date>'}]}).json
    assert (result["replaced"], result["superseded"]) == (1, 1)
    assert end_dates(kit) == (before - {oldest}) | {"2023-07-31"}
    # history stays: the replaced and superseded statements are described in the prov graph
    history = kit.store.query(
        "SELECT ?why ?o WHERE { GRAPH ?g { ?s <https://w3id.org/regio-kg/submission#reason> ?why ;"
        " <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?o } }").rows
    assert {(r["why"].value, r["o"].value) for r in history} >= {
        ("replaced", "2023-06-30"), ("superseded", oldest)}
    # the public page names the partner's submission as the source of the new value
    page = client.get("/doc/project/work-and-care", headers={"Accept": "text/html"})
    html = page.get_data(as_text=True)
    assert "2023-07-31" in html and f"Einreichung {second['id']}" in html


def test_states_withdraw_and_reject(kit: Kit) -> None:
    client = kit.app.test_client()
    data = sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                   "source": "selbst", "acronym": "W&C"}])
    number = submit(kit, data).json["id"]
    partner = kit.headers(kit.partner)
    assert client.post(f"/api/submissions/{number}/accept", headers=partner).status_code == 403
    assert client.post(f"/api/submissions/{number}/withdraw", headers=partner).json["state"] == \
        "withdrawn"
    assert client.post(f"/api/submissions/{number}/withdraw",
                       headers=partner).status_code == 409
    other = submit(kit, data).json["id"]
    rejected = client.post(f"/api/submissions/{other}/reject", headers=kit.headers(kit.curator),
                           json={"note": "no source page"}).json
    assert rejected["state"] == "rejected" and rejected["note"] == "no source page"
    events = client.get(f"/api/submissions/{other}", headers=partner).json["events"]
    assert [e["to_state"] for e in events] == ["received", "valid", "rejected"]


def test_a_partner_sees_only_its_own_submissions(kit: Kit) -> None:
    client = kit.app.test_client()
    mine = submit(kit, sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                               "source": "selbst", "end": "2023"}])).json["id"]
    assert client.get(f"/api/submissions/{mine}", headers=kit.headers(kit.other)).status_code == 404
    listed = client.get("/api/submissions", headers=kit.headers(kit.other)).json
    assert all(s["organisation"] != FH_BIELEFELD for s in listed)
    assert any(s["id"] == mine for s in client.get(
        "/api/submissions", headers=kit.headers(kit.curator)).json)


def test_submission_is_stored_with_hash_and_raw_file(kit: Kit) -> None:
    import hashlib

    data = sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                   "source": "selbst", "end": "2023"}])
    body = submit(kit, data).json
    assert body["sha256"] == hashlib.sha256(data).hexdigest() and body["size"] == len(data)
    raw = kit.app.test_client().get(f"/api/submissions/{body['id']}/file",
                                    headers=kit.headers(kit.partner))
    assert raw.data == data
    assert ox.parse  # the stored report is there too
    assert kit.service.storage.get(body["id"]).report_ttl


def test_owl40_load_keeps_published_submissions(kit: Kit) -> None:
    from graph.store import load_project

    published = [g for g in kit.store.graph_names() if "/graph/submission/" in g]
    assert published, "an earlier test publishes submissions"
    load_project(kit.store, kit.app.config)
    assert set(published) <= set(kit.store.graph_names())


def test_the_issue_example_new_end_date_and_one_new_partner(kit: Kit) -> None:
    """The correction of issue 12: a new end date for work & care and one new partner (an
    invented organisation), as a sheet each; both conform, the partner's one is in scope."""
    end = submit(kit, sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                              "source": "selbst", "end": "31.05.2023"}])).json
    assert end["state"] == "valid"
    partner = sheet(kit, "participation", [
        {"change": "neu", "record": "work-and-care--beispiel-gmbh",
         "source": "https://example.org/invented/news", "participating_organisation":
         "beispiel-gmbh", "participation_in": "work-and-care", "role_as_stated": "Praxispartner",
         "role": "partner"}])
    body = submit(kit, partner).json
    assert body["state"] == "valid", body["report"]
    changes = kit.service.read(kit.service.storage.get(body["id"]))
    record = changes.records[0]
    assert record.iri == "https://w3id.org/owl40/id/participation/work-and-care--beispiel-gmbh"
    assert record.source.startswith("https://w3id.org/owl40/id/source/web-")
