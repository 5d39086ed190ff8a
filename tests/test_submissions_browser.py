"""End to end in headless Chromium (issue 12, §7): a partner uploads a broken sheet, reads the
report in German, fixes it and uploads again; a curator reviews the change, accepts and
publishes it; the new value appears on the public page with the partner's submission as its
source, and in SPARQL (SPARQLWrapper against the live endpoint)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import ARTIFACTS, chromium, gone
from tests.submissionkit import Kit, column_letter, make_kit, sheet
from tests.test_pages import serving

pytestmark = [pytest.mark.live, pytest.mark.slow]
WAIT = 30


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    return make_kit(tmp_path_factory.mktemp("submission-browser"))


@pytest.fixture(scope="module")
def site(kit: Kit) -> Iterator[str]:
    with serving(kit.app) as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("chromium-submit"), wait=WAIT,
                  languages="de-DE,de") as driver:
        yield driver


def _by(css: str):
    from selenium.webdriver.common.by import By

    return By.CSS_SELECTOR, css


def _submit_form(driver: Any, form_css: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(*_by("html"))
    driver.find_element(*_by(f"{form_css} button[type=submit]")).click()
    WebDriverWait(driver, WAIT).until(gone(old))


def _sign_in(driver: Any, site: str, token: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{site}/submit")
    driver.find_element(*_by("#token")).send_keys(token)
    _submit_form(driver, "#login")


def _upload(driver: Any, path: Path) -> None:
    driver.find_element(*_by("#file")).send_keys(str(path))
    _submit_form(driver, "#upload")


def test_partner_fixes_a_sheet_and_the_curator_publishes_it(kit: Kit, site: str, browser: Any,
                                                            tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    _sign_in(driver, site, kit.partner)
    assert "fh-bielefeld" in driver.find_element(*_by("#who")).text
    broken = tmp_path / "korrektur.csv"
    broken.write_bytes(sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                               "source": "selbst", "end": "31.04.2023"}]))
    _upload(driver, broken)
    assert driver.find_element(*_by("#state")).text == "fehlerhaft"
    row = driver.find_element(*_by("tr.sev-Violation"))
    cells = [td.text for td in row.find_elements(*_by("td"))]
    assert cells[:4] == ["2", column_letter(kit, "project", "end"), "Ende", "31.04.2023"]
    assert "„31.04.2023“ ist kein gültiges Datum." in cells[4]
    assert "JJJJ-MM-TT" in cells[5]
    page = driver.find_element(*_by("main")).text
    for jargon in ("Fokusknoten", "focus node", "regio:", "is before the start"):
        assert jargon not in page
    driver.save_screenshot(str(ARTIFACTS / "submit-report-de.png"))
    fixed = tmp_path / "korrektur-2.csv"
    fixed.write_bytes(sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                              "source": "selbst", "end": "30.04.2023"}]))
    driver.get(f"{site}/submit")
    _upload(driver, fixed)
    assert driver.find_element(*_by("#state")).text == "gültig"
    assert not driver.find_elements(*_by("tr.sev-Violation"))
    number = int(driver.current_url.rstrip("/").rsplit("/", 1)[-1])

    _sign_in(driver, site, kit.curator)
    driver.get(f"{site}/submit/{number}")
    diff = driver.find_element(*_by(".sub-diff")).text
    assert "endDate" in diff and "2023-04-30" in diff
    _submit_form(driver, "#accept-form")
    assert driver.find_element(*_by("#state")).text == "angenommen"
    _submit_form(driver, "#publish-form")
    assert driver.find_element(*_by("#state")).text == "veröffentlicht"

    driver.get(f"{site}/doc/project/work-and-care")
    WebDriverWait(driver, WAIT).until(lambda d: "30.4.2023" in d.find_element(*_by("main")).text)
    main = driver.find_element(*_by("main")).text
    assert f"Einreichung {number}" in main
    driver.save_screenshot(str(ARTIFACTS / "submit-published-page.png"))

    from SPARQLWrapper import JSON, SPARQLWrapper

    endpoint = SPARQLWrapper(f"{site}/sparql")
    endpoint.setReturnFormat(JSON)
    endpoint.setQuery("""
        PREFIX regio: <https://w3id.org/regio-kg/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?g ?who WHERE {
          GRAPH ?g { <https://w3id.org/owl40/id/project/work-and-care> regio:endDate
                      "2023-04-30"^^<http://www.w3.org/2001/XMLSchema#date> }
          ?g prov:wasAttributedTo ?who }""")
    rows = endpoint.query().convert()["results"]["bindings"]
    assert [(r["g"]["value"], r["who"]["value"]) for r in rows] == [
        (f"https://w3id.org/owl40/graph/submission/{number}",
         "https://w3id.org/owl40/id/organisation/fh-bielefeld")]
