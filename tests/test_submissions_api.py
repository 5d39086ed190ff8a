"""The submissions API document, the token commands and the form pages (Flask test client)."""

from __future__ import annotations

import html
import re

import pytest
from click.testing import CliRunner

from api.cli import main
from graph.submissions.auth import identify
from tests.submissionkit import Kit, make_kit, sheet


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    return make_kit(tmp_path_factory.mktemp("submission-api"))


def test_openapi_document_is_valid_openapi_31(kit: Kit) -> None:
    from openapi_spec_validator import validate

    doc = kit.app.test_client().get("/api/openapi.json").json
    assert doc["openapi"] == "3.1.0"
    validate(doc)
    routes = {r.rule.replace("<int:number>", "{number}").replace("<name>", "{kind}")
              for r in kit.app.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert routes - {"/api/openapi.json"} == set(doc["paths"])


def test_token_commands_create_list_revoke(kit: Kit, tmp_path) -> None:
    runner = CliRunner()
    settings = ["--store", str(kit.app.config["STORE"])]
    env = {"OWL40_SUBMISSIONS_DIR": kit.app.config["SUBMISSIONS_DIR"]}
    made = runner.invoke(main, [*settings, "token", "create", "--org", "fh-bielefeld",
                                "--label", "Frau Muster"], env=env)
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    who = identify(kit.service.storage, token)
    assert who.organisation.endswith("/id/organisation/fh-bielefeld") and who.role == "partner"
    listed = runner.invoke(main, [*settings, "token", "list"], env=env)
    assert "Frau Muster" in listed.stdout and token not in listed.stdout
    stored = kit.service.storage.query("SELECT token_hash FROM tokens")
    assert all(token not in row["token_hash"] for row in stored)
    revoked = runner.invoke(main, [*settings, "token", "revoke", str(who.token_id)], env=env)
    assert revoked.exit_code == 0
    again = runner.invoke(main, [*settings, "token", "revoke", str(who.token_id)], env=env)
    assert again.exit_code == 2
    assert runner.invoke(main, [*settings, "token", "create"], env=env).exit_code == 2
    curator = runner.invoke(main, [*settings, "token", "create", "--curator"], env=env)
    assert identify(kit.service.storage, curator.stdout.strip()).is_curator


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html)[1]


def test_form_pages_sign_in_upload_and_report_in_german(kit: Kit) -> None:
    client = kit.app.test_client()
    page = client.get("/submit?lang=de")
    assert page.status_code == 200 and "Zugangsschlüssel" in page.get_data(as_text=True)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    csrf = _csrf(page.get_data(as_text=True))
    wrong = client.post("/submit/login", data={"token": "owl40_nope", "csrf": csrf})
    assert wrong.status_code == 401 and "gilt nicht" in wrong.get_data(as_text=True)
    assert client.post("/submit/login", data={"token": kit.partner}).status_code == 400  # no CSRF
    signed = client.post("/submit/login", data={"token": kit.partner, "csrf": csrf})
    assert signed.status_code == 303
    home = client.get("/submit").get_data(as_text=True)
    assert "fh-bielefeld" in home and "/api/templates/project.xlsx" in home
    data = sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                   "source": "selbst", "end": "31.13.2023"}])
    import io

    uploaded = client.post("/submit/upload", data={
        "csrf": _csrf(home), "kind": "", "file": (io.BytesIO(data), "korrektur.csv", "text/csv")})
    assert uploaded.status_code == 303
    report = client.get(uploaded.headers["Location"]).get_data(as_text=True)
    assert "„31.13.2023“ ist kein gültiges Datum." in report
    assert "fehlerhaft" in report and "Zurückziehen" in report
    assert "<script>" not in report and "style=" not in report
    english = html.unescape(client.get(uploaded.headers["Location"] + "?lang=en")
                            .get_data(as_text=True))
    assert "\"31.13.2023\" is not a valid date." in english


def test_pages_of_another_organisation_are_404(kit: Kit) -> None:
    number = kit.app.test_client().post(
        "/api/submissions", data=sheet(kit, "project", [
            {"change": "ändern", "record": "work-and-care", "source": "selbst", "end": "2023"}]),
        headers=kit.headers(kit.partner, **{"Content-Type": "text/csv"})).json["id"]
    client = kit.app.test_client()
    csrf = _csrf(client.get("/submit").get_data(as_text=True))
    client.post("/submit/login", data={"token": kit.other, "csrf": csrf})
    assert client.get(f"/submit/{number}").status_code == 404


@pytest.mark.slow
def test_submission_pages_are_valid_html(kit: Kit, tmp_path) -> None:
    import io
    import json
    import shutil
    import subprocess
    from pathlib import Path

    from tests.test_pages import vnu_jar

    jar = vnu_jar()
    if jar is None or shutil.which("java") is None:
        pytest.skip("the Nu HTML checker is not installed (pip install '.[test]', Java 17)")
    pages: dict[str, bytes] = {}
    partner, curator = kit.app.test_client(), kit.app.test_client()
    pages["login"] = partner.get("/submit?lang=de").data
    for client, token in ((partner, kit.partner), (curator, kit.curator)):
        client.post("/submit/login", data={"token": token, "csrf": _csrf(
            client.get("/submit").get_data(as_text=True))})
    home = partner.get("/submit?lang=en").get_data(as_text=True)
    pages["home"] = home.encode()
    data = sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                   "source": "selbst", "end": "31.13.2023", "acronym": "W&C"}])
    location = partner.post("/submit/upload", data={
        "csrf": _csrf(home), "file": (io.BytesIO(data), "k.csv", "text/csv")}).headers["Location"]
    pages["report"] = partner.get(location).data
    good = sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                   "source": "selbst", "end": "2023-08-31"}])
    number = kit.app.test_client().post("/api/submissions", data=good, headers=kit.headers(
        kit.partner, **{"Content-Type": "text/csv"})).json["id"]
    pages["review"] = curator.get(f"/submit/{number}").data
    kit.app.test_client().post(f"/api/submissions/{number}/accept", headers=kit.headers(kit.curator))
    pages["publish"] = curator.get(f"/submit/{number}?lang=en").data
    files = []
    for name, body in pages.items():
        target = tmp_path / f"{name}.html"
        target.write_bytes(body)
        files.append(str(target))
    result = subprocess.run(["java", "-jar", str(jar), "--format", "json", *files],
                            capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages
              if m["type"] == "error"]
    assert not errors, "\n".join(errors[:20])
