"""Bad input to the submissions API (issue 12, §6): each gets a clear 4xx that says what is
wrong and where; nothing is fetched, expanded or computed."""

from __future__ import annotations

import gzip
import http.server
import io
import threading
import zipfile

import pytest

from graph.submissions.auth import create_token, revoke_token
from tests.submissionkit import FH_BIELEFELD, WORK_AND_CARE, Kit, make_kit, problems, sheet

LIMIT = 256 * 1024
UNPACKED = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    return make_kit(tmp_path_factory.mktemp("submission-input"), SUBMISSION_MAX_BYTES=LIMIT,
                    SUBMISSION_MAX_UNPACKED=UNPACKED, SUBMISSION_RATE_LIMIT="1000 per minute")


def post(kit: Kit, data: bytes, content_type: str | None, *, token: str | None = "partner",
         **params: str):
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if token:
        headers["Authorization"] = f"Bearer {getattr(kit, token, token)}"
    return kit.app.test_client().post("/api/submissions", data=data, headers=headers,
                                      query_string=params)


def assert_error(response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert body["status"] == status
    for word in words:
        assert word in body["message"], body["message"]
    return body


# -- malformed files --------------------------------------------------------------------------
@pytest.mark.parametrize(("content_type", "data", "line", "column"), [
    ("text/turtle", b"@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ;\n  ex:d .\n", 3, None),
    ("application/ld+json", b'{"@id": "http://example.org/a",\n "http://example.org/b": [1, }', 2, None),
    ("application/rdf+xml", b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
                            b'<rdf:Description></rdf:RDF>', 2, None),
])
def test_malformed_rdf_gives_line_and_column(kit: Kit, content_type: str, data: bytes,
                                            line: int, column: int | None) -> None:
    body = assert_error(post(kit, data, content_type), 400)
    assert body["line"] == line and body["column"] is not None
    assert body["state"] == "invalid" and isinstance(body["submission"], int)


def test_malformed_csv_gives_its_line(kit: Kit) -> None:
    data = "Änderung;Datensatz (Kennung);Quelle;Ende\nändern;work-and-care;\"selbst;2023\n"
    body = assert_error(post(kit, data.encode(), "text/csv"), 400, "CSV")
    assert body["line"] == 2


def test_a_csv_without_a_template_header_is_refused(kit: Kit) -> None:
    assert_error(post(kit, b"a;b;c\n1;2;3\n", "text/csv"), 422, "header of a template")


# -- content type, emptiness, size -----------------------------------------------------------
def test_wrong_content_type_is_415(kit: Kit) -> None:
    body = assert_error(post(kit, b"\x89PNG....", "image/png"), 415, "image/png", "text/csv")
    assert "submission" not in body  # refused before it is stored


def test_missing_content_type_without_file_name_is_415(kit: Kit) -> None:
    assert_error(post(kit, b"<a> <b> <c> .", None), 415, "file name")
    assert_error(post(kit, b"<a> <b> <c> .", "application/octet-stream"), 415)


def test_missing_content_type_with_a_file_name_is_read(kit: Kit) -> None:
    data = f"<{WORK_AND_CARE}> <https://w3id.org/regio-kg/ontology#acronym> \"WC\" .".encode()
    response = post(kit, data, "application/octet-stream", filename="fix.nt")
    assert response.status_code == 201 and response.json["format"] == "ntriples"


def test_an_xlsx_sent_as_csv_is_415(kit: Kit) -> None:
    data = kit.app.test_client().get("/api/templates/project.xlsx").data
    assert_error(post(kit, data, "text/csv"), 415, "Excel")


def test_empty_upload_is_400(kit: Kit) -> None:
    assert_error(post(kit, b"", "text/csv"), 400, "empty")


def test_upload_over_the_limit_is_413(kit: Kit) -> None:
    body = assert_error(post(kit, b"x" * (LIMIT + 70_000), "text/csv"), 413,
                        f"{LIMIT:,} bytes", "SUBMISSION_MAX_BYTES")
    assert "submission" not in body


def test_multipart_upload_over_the_limit_is_413(kit: Kit) -> None:
    client = kit.app.test_client()
    response = client.post("/api/submissions", headers=kit.headers(kit.partner), data={
        "file": (io.BytesIO(b"x" * (LIMIT + 70_000)), "big.csv", "text/csv")})
    assert_error(response, 413, "SUBMISSION_MAX_BYTES")


# -- hostile files ---------------------------------------------------------------------------
def test_xml_entity_expansion_is_refused(kit: Kit) -> None:
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            b'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/a">'
            b'<ex:b>&lol2;</ex:b></rdf:Description></rdf:RDF>')
    body = assert_error(post(kit, bomb, "application/rdf+xml"), 400, "DOCTYPE")
    assert body["line"] == 2


def test_xml_entities_inside_an_excel_file_are_refused(kit: Kit) -> None:
    source = zipfile.ZipFile(io.BytesIO(kit.app.test_client().get(
        "/api/templates/project.xlsx").data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                doctype = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
                data = (data.replace(b"?>", b"?>" + doctype, 1) if data.startswith(b"<?xml")
                        else doctype + data)
            target.writestr(name, data)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert_error(post(kit, out.getvalue(), xlsx), 400, "DOCTYPE", "sheet1.xml")


class _Counter(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits += 1
        body = b'{"@context": {"b": "http://example.org/b"}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_jsonld_remote_context_is_never_fetched(kit: Kit) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/context.jsonld"
        data = f'{{"@context": "{url}", "@id": "{WORK_AND_CARE}", "b": "x"}}'.encode()
        assert_error(post(kit, data, "application/ld+json"), 400, "remote JSON-LD contexts")
        assert _Counter.hits == 0
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_gzip_bomb_is_413(kit: Kit) -> None:
    bomb = gzip.compress(b"0" * (UNPACKED * 8), 9)
    assert len(bomb) < LIMIT
    assert_error(post(kit, bomb, "text/csv"), 413, "unpacked", "SUBMISSION_MAX_UNPACKED")
    assert_error(post(kit, bomb, "application/gzip", filename="x.ttl.gz"), 413)


def test_zip_bomb_in_an_excel_file_is_413(kit: Kit) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr("xl/worksheets/sheet1.xml", b" " * (UNPACKED * 4))
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert_error(post(kit, out.getvalue(), xlsx), 413, "unpacks", "SUBMISSION_MAX_UNPACKED")


def test_wrong_encoding_gives_line_and_column(kit: Kit) -> None:
    data = "Änderung;Datensatz (Kennung);Quelle;Ende\nändern;work-and-care;selbst;2023\n"
    body = assert_error(post(kit, data.encode("latin-1"), "text/csv"), 400, "UTF-8")
    assert (body["line"], body["column"]) == (1, 1)


def test_ill_typed_literal_gives_line_and_column(kit: Kit) -> None:
    data = (b"@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
            b"<" + WORK_AND_CARE.encode() + b"> <https://w3id.org/regio-kg/ontology#endDate>\n"
            b'    "2023-02-30"^^xsd:date .\n')
    body = assert_error(post(kit, data, "text/turtle"), 400, "ill-typed", "2023-02-30")
    assert (body["line"], body["column"]) == (3, 5)


def test_cells_that_look_like_formulas_stay_text(kit: Kit) -> None:
    cells = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+49 521 1234", "-minus", "@user"]
    data = sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                   "source": "selbst", "acronym": cells[0],
                                   "keyword_de": "; ".join(cells[1:])}])
    response = post(kit, data, "text/csv")
    assert response.status_code == 201
    changes = kit.service.read(kit.service.storage.get(response.json["id"]))
    record = changes.records[0]
    acronym = record.values["https://w3id.org/regio-kg/ontology#acronym"]
    keywords = record.values["https://w3id.org/regio-kg/ontology#keyword"]
    assert [v.value for v in acronym] == cells[:1]
    assert sorted(v.value for v in keywords) == sorted(cells[1:])
    # an Excel file with a real formula: its text is read, never its result
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    template = kit.service.kind("project")
    for i, c in enumerate(template.columns, start=1):
        ws.cell(1, i, c.title("de"))
    ws.cell(2, 1, "ändern")
    ws.cell(2, 2, "work-and-care")
    ws.cell(2, 3, "selbst")
    ws.cell(2, [c.key for c in template.columns].index("acronym") + 1, "=1+1")
    out = io.BytesIO()
    book.save(out)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = post(kit, out.getvalue(), xlsx)
    assert response.status_code == 201, response.json
    changes = kit.service.read(kit.service.storage.get(response.json["id"]))
    assert [v.value for v in changes.records[0].values[
        "https://w3id.org/regio-kg/ontology#acronym"]] == ["=1+1"]


# -- tokens ------------------------------------------------------------------------------------
def test_missing_token_is_401(kit: Kit) -> None:
    response = post(kit, b"x", "text/csv", token=None)
    assert_error(response, 401, "token")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_forged_token_is_401(kit: Kit) -> None:
    assert_error(post(kit, b"x", "text/csv", token="owl40_" + "A" * 43), 401, "not a valid token")
    assert_error(post(kit, b"x", "text/csv", token="Basic abc"), 401)


def test_revoked_token_is_401(kit: Kit) -> None:
    number, token = create_token(kit.service.storage, role="partner", organisation=FH_BIELEFELD,
                                 label="short-lived")
    assert revoke_token(kit.service.storage, number)
    assert_error(post(kit, b"x", "text/csv", token=token), 401, "revoked")


def test_token_of_another_organisation_is_403(kit: Kit) -> None:
    data = sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                   "source": "selbst", "end": "2023"}])
    assert_error(post(kit, data, "text/csv", token="other", organisation="fh-bielefeld"), 403,
                 "organisation/init", "cannot submit for")
    # and a record of a project the other organisation does not take part in is refused
    report = post(kit, sheet(kit, "organisation", [
        {"change": "ändern", "record": "fh-bielefeld", "source": "selbst", "seat": "Bielefeld"}]),
        "text/csv", token="other").json["report"]
    assert report["conforms"] is False
    assert any("eigenen Organisation" in p["what"] for p in problems(report))


def test_rate_limit_is_429(tmp_path_factory: pytest.TempPathFactory) -> None:
    kit = make_kit(tmp_path_factory.mktemp("rate"), SUBMISSION_RATE_LIMIT="2 per minute")
    codes = [post(kit, b"", "text/csv").status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    response = post(kit, b"", "text/csv")
    assert_error(response, 429, "too many")
    assert "Retry-After" in response.headers


def test_reading_an_upload_is_bounded_in_memory(tmp_path) -> None:
    """The child process that reads an upload has its own address-space limit: a sheet whose
    rows need more memory than allowed is refused (413), and the parent is unharmed."""
    from graph.submissions.parse import ParseLimits, UploadError, read_upload

    path = tmp_path / "many-rows.csv"
    path.write_text("a;b;c\n" + "x;y;z\n" * 1_500_000)
    with pytest.raises(UploadError) as caught:
        read_upload(path, "csv", ParseLimits(max_memory=192 << 20, max_unpacked=64 << 20),
                    base_iri="https://w3id.org/owl40/")
    assert caught.value.status == 413 and "SUBMISSION_MAX_MEMORY" in caught.value.message
    small = tmp_path / "few-rows.csv"
    small.write_text("a;b;c\nx;y;z\n")
    rows = read_upload(small, "csv", ParseLimits(max_memory=192 << 20),
                       base_iri="https://w3id.org/owl40/")["rows"]
    assert rows == [[1, ["a", "b", "c"]], [2, ["x", "y", "z"]]]


def test_reading_an_upload_is_bounded_in_time(tmp_path) -> None:
    """The child process has a CPU-time limit: a sheet that takes longer to read is refused
    (422) with the limit named; the parent does not wait for it."""
    import time

    from graph.submissions.parse import ParseLimits, UploadError, read_upload

    path = tmp_path / "slow.csv"
    path.write_text("a;b;c\n" + "x;y;z\n" * 3_000_000)
    started = time.monotonic()
    with pytest.raises(UploadError) as caught:
        read_upload(path, "csv", ParseLimits(max_memory=4 << 30, max_unpacked=64 << 20,
                                             max_seconds=0.5), base_iri="https://w3id.org/owl40/")
    assert caught.value.status == 422 and "SUBMISSION_PARSE_SECONDS" in caught.value.message
    assert time.monotonic() - started < 6
