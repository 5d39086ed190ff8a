"""The query UI (api/ui.py + YASGUI) in headless Chromium against the real app and /sparql.

A session-scoped live server (werkzeug, 127.0.0.1, free port) serves the app over a temporary
store loaded with graph.store.load_project; Debian's chromium and chromedriver drive the page
through selenium. Expected titles come from the ``# title@..`` lines of queries/*.rq, expected
results from the endpoint itself (plain HTTP, not through the page). Screenshots go to
tests/artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests

from api.config import PROJECT_DIR
from graph.examples import example_text
from graph.queries import load_query_dirs
from tests.browser import ARTIFACTS, chromium
from tests.test_examples import headers, loaded_settings, running_app

pytestmark = [pytest.mark.slow, pytest.mark.live]

#: the generic questions and the OWL 4.0 instance's own, as its query UI lists them
QUERIES = {q.slug: q for q in load_query_dirs([PROJECT_DIR / "queries",
                                               PROJECT_DIR / "instances" / "owl40" / "queries"])}
BASE = "https://w3id.org/owl40/"
WAIT = 30


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the real app over a freshly loaded store."""
    with running_app(loaded_settings(tmp_path_factory.mktemp("ui-site"))) as url:
        yield url


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium with a throw-away profile; its console log is readable."""
    with chromium(tmp_path_factory.mktemp("chromium-profile"), wait=WAIT) as driver:
        yield driver


@pytest.fixture
def page(browser: Any, site: str) -> Any:
    """The UI at /sparql with empty browser storage (no tabs left from another test)."""
    open_fresh(browser, f"{site}/sparql")
    return browser


# -- helpers -----------------------------------------------------------------------------

def wait(driver: Any, condition: Any, message: str) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT, poll_frequency=0.1).until(condition, message)


def open_fresh(driver: Any, url: str) -> None:
    """Forget YASGUI's stored tabs (same origin), then open ``url`` and wait for the editor."""
    from selenium.webdriver.common.by import By

    site = url.split("/sparql", 1)[0]
    driver.get(f"{site}/health")
    driver.execute_script("window.localStorage.clear();")
    driver.get_log("browser")  # start each page with an empty console log
    driver.get(url)
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#yasgui .CodeMirror"),
         "YASGUI's editor did not appear")


def severe_logs(driver: Any) -> list[dict[str, Any]]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def editor_query(driver: Any) -> str:
    return driver.execute_script("return window.owl40Yasgui.getTab().getQuery();")


def result_chip(driver: Any) -> str:
    """The YASR chip "N results in T seconds" once a response is drawn ('' before)."""
    return driver.execute_script(
        "const c = document.querySelector('.yasr_response_chip');"
        "return c && !c.classList.contains('empty') ? c.textContent : '';")


def wait_for_rows(driver: Any, expected: list[dict[str, Any]]) -> None:
    """Wait until a new response (not the one before the last click) is drawn as a table with
    the ``expected`` rows; the page must hold the same solutions as the endpoint's answer."""
    from selenium.webdriver.common.by import By

    label = f"{len(expected)} result{'' if len(expected) == 1 else 's'}"
    wait(driver, lambda d: d.execute_script(
        "const r = window.owl40Yasgui.getTab().getYasr().results;"
        "return !!r && r !== window.previousResults;")
         and result_chip(d).startswith(label + " ")
         and d.find_elements(By.CSS_SELECTOR, ".yasr table.dataTable tbody tr td"),
         f"the table did not show {label} (chip: {result_chip(driver)!r})")
    shown = driver.execute_script(
        "return window.owl40Yasgui.getTab().getYasr().results.getBindings();")
    assert solutions(shown) == solutions(expected)


def solutions(bindings: list[dict[str, Any]]) -> list[tuple]:
    return sorted(tuple(sorted((k, v["value"]) for k, v in row.items())) for row in bindings)


def remember_results(driver: Any) -> None:
    """Note the response on screen, so that waiting for rows waits for the next one."""
    driver.execute_script(
        "const tab = window.owl40Yasgui.getTab();"
        "window.previousResults = tab && tab.getYasr() ? tab.getYasr().results : null;")


def endpoint_rows(site: str, query: str) -> list[dict[str, Any]]:
    """The query's rows straight from /sparql (JSON), not through the page."""
    response = requests.post(f"{site}/sparql", data={"query": query}, timeout=WAIT,
                             headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text[:500]
    return response.json()["results"]["bindings"]


def click_example(driver: Any, slug: str) -> None:
    from selenium.webdriver.common.by import By

    button = driver.find_element(By.CSS_SELECTOR, f'#examples .example[data-slug="{slug}"]')
    remember_results(driver)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()


def shot(driver: Any, name: str) -> None:
    driver.save_screenshot(str(ARTIFACTS / f"ui-{name}.png"))


# -- the page without a browser -----------------------------------------------------------

def test_language_follows_accept_language_and_lang_switch(site: str) -> None:
    def page_lang(**kwargs: Any) -> str:
        response = requests.get(f"{site}/sparql", timeout=WAIT, **kwargs)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(
            "text/html")
        assert "Accept-Language" in response.headers["Vary"]
        return response.headers["Content-Language"]

    html = {"Accept": "text/html"}
    assert page_lang(headers={**html, "Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}) == "de"
    assert page_lang(headers={**html, "Accept-Language": "fr"}) == "en"
    assert page_lang(headers={**html, "Accept-Language": "de"}, params={"lang": "en"}) == "en"
    assert page_lang(headers=html, params={"lang": "de"}) == "de"


def test_assets_are_self_hosted_with_long_cache_and_nothing_else_is_served(site: str) -> None:
    page = requests.get(f"{site}/sparql", headers={"Accept": "text/html"}, timeout=WAIT).text
    assert "unpkg.com" not in page and "jsdelivr" not in page and "cdn." not in page
    version = yasgui_version()
    assert f"/ui/assets/yasgui.min.js?v={version}" in page and f"{version}, licence MIT" in page
    response = requests.get(f"{site}/ui/assets/yasgui.min.js", timeout=WAIT)
    assert response.status_code == 200 and len(response.content) > 100_000
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    assert requests.get(f"{site}/ui/assets/package.json", timeout=WAIT).status_code == 404
    assert requests.get(f"{site}/ui/assets/..%2Fpackage.json", timeout=WAIT).status_code == 404


def yasgui_version() -> str:
    import json

    lock = json.loads((PROJECT_DIR / "tools" / "ui" / "package-lock.json").read_text())
    version = lock["packages"]["node_modules/@zazuko/yasgui"]["version"]
    assert version.startswith("4.6.")
    return version


def test_a_query_in_the_url_is_escaped_in_the_page(site: str) -> None:
    evil = 'SELECT * WHERE { ?s ?p "</script><script>alert(1)</script>&amp;" } LIMIT 1'
    response = requests.get(f"{site}/sparql", params={"query": evil}, timeout=WAIT,
                            headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(
        "text/html")
    assert "<script>alert(1)" not in response.text and "</script><script>" not in response.text
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


# -- in the browser -----------------------------------------------------------------------

def test_page_loads_without_errors_and_yasgui_points_at_the_endpoint(page: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    assert page.execute_script("return typeof window.Yasgui;") == "function"
    endpoint = page.find_element(By.CSS_SELECTOR, ".yasgui .autocomplete").get_attribute("value")
    assert endpoint == f"{site}/sparql"
    assert page.find_element(By.ID, "endpoint-url").text == f"{site}/sparql"
    query = editor_query(page)
    assert "PREFIX regio: <https://w3id.org/regio-kg/ontology#>" in query  # prefixes pre-filled
    assert "PREFIX sh: <http://www.w3.org/ns/shacl#>" in query
    labels = [e.text for e in page.find_elements(By.CSS_SELECTOR, ".yasr_btnGroup button")]
    assert labels == ["Table", "Chart", "Response"]
    shot(page, "loaded")
    assert severe_logs(page) == []


def test_examples_list_shows_german_and_english_titles(page: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    buttons = page.find_elements(By.CSS_SELECTOR, "#examples .example")
    assert [b.get_attribute("data-slug") for b in buttons] == sorted(QUERIES)
    for button in buttons:
        head = headers(QUERIES[button.get_attribute("data-slug")].path)
        main = button.find_element(By.CSS_SELECTOR, ".example-title")
        other = button.find_element(By.CSS_SELECTOR, ".example-title-other")
        assert (main.get_attribute("lang"), main.get_attribute("textContent")) == \
            ("en", head[("title", "en")])
        assert (other.get_attribute("lang"), other.get_attribute("textContent")) == \
            ("de", head[("title", "de")])
    open_fresh(page, f"{site}/sparql?lang=de")
    assert page.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de"
    first = page.find_element(By.CSS_SELECTOR, "#examples .example .example-title")
    assert first.get_attribute("lang") == "de"
    assert first.text == headers(QUERIES[sorted(QUERIES)[0]].path)[("title", "de")]
    assert page.current_url == f"{site}/sparql?lang=de"
    labels = [e.text for e in page.find_elements(By.CSS_SELECTOR, ".yasr_btnGroup button")]
    assert labels == ["Tabelle", "Diagramm", "Antwort"]
    shot(page, "examples-de")
    assert severe_logs(page) == []


def test_clicking_each_example_runs_it_and_shows_its_rows(page: Any, site: str) -> None:
    for slug, query in QUERIES.items():
        text = example_text(query, BASE)
        expected = endpoint_rows(site, text)
        assert expected, f"{slug} has no rows on the endpoint"
        click_example(page, slug)
        wait_for_rows(page, expected)
        assert editor_query(page).strip() == text.strip()
        tab_name = page.execute_script("return window.owl40Yasgui.getTab().getName();")
        assert tab_name == query.title["en"]
        if slug == "partners-by-district":
            shot(page, "example-table")
    assert severe_logs(page) == []


def test_chart_view_draws_one_bar_per_row_of_a_numeric_column(page: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    slug = "partners-by-organisation-type"
    expected = endpoint_rows(site, example_text(QUERIES[slug], BASE))
    click_example(page, slug)
    wait_for_rows(page, expected)
    page.find_element(By.CSS_SELECTOR, ".yasr .select_chart").click()
    bars = wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, ".owl40-chart svg rect.bar"),
                "no bars were drawn")
    assert len(bars) == len([r for r in expected if "organisations" in r])
    value = page.find_element(By.CSS_SELECTOR, ".owl40-chart-value")
    assert value.get_attribute("value") == "organisations"
    label = page.find_element(By.CSS_SELECTOR, ".owl40-chart-label").get_attribute("value")
    assert label == "typeEn"  # the text column in the page's language
    widths = [float(b.get_attribute("width")) for b in bars]
    biggest = max(expected, key=lambda r: float(r["organisations"]["value"]))
    tallest = bars[widths.index(max(widths))]
    assert tallest.find_element(By.TAG_NAME, "title").get_attribute("textContent").startswith(
        biggest["typeEn"]["value"] + ":")
    shot(page, "chart")
    page.find_element(By.CSS_SELECTOR, ".yasr .select_response").click()
    wait(page, lambda d: "\"organisations\"" in d.find_element(
        By.CSS_SELECTOR, ".yasr_results").text, "the raw response was not shown")
    assert severe_logs(page) == []


def test_share_link_and_query_url_reopen_the_query(page: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    slug = "projects-per-phase"
    text = example_text(QUERIES[slug], BASE)
    expected = endpoint_rows(site, text)
    click_example(page, slug)
    wait_for_rows(page, expected)
    page.find_element(By.CSS_SELECTOR, ".yasqe_share").click()
    link = wait(page, lambda d: d.find_element(By.CSS_SELECTOR, ".yasqe_sharePopup input")
                .get_attribute("value"), "no share link")
    assert link.startswith(f"{site}/sparql#") and "query=" in link
    # YASGUI's share link, in a browser that has never seen the query
    open_fresh(page, link)
    wait_for_rows(page, expected)
    assert editor_query(page).strip() == text.strip()
    # the plain protocol URL, opened as a browser navigation (Accept: text/html)
    open_fresh(page, f"{site}/sparql?query={quote(text)}&lang=en")
    wait_for_rows(page, expected)
    assert editor_query(page).strip() == text.strip()
    assert page.current_url == f"{site}/sparql?lang=en"  # YASGUI has read it: address tidied
    shot(page, "permalink")
    assert severe_logs(page) == []


def test_markup_in_a_query_and_its_results_stays_text(page: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    markup = '<img src=x onerror=window.pwned=1></script><script>window.pwned=2</script>'
    evil = f'SELECT ?x WHERE {{ BIND("{markup}" AS ?x) }}'
    open_fresh(page, f"{site}/sparql?query={quote(evil)}")
    wait_for_rows(page, endpoint_rows(site, evil))
    assert page.execute_script("return window.pwned === undefined;")
    assert editor_query(page) == evil
    cell = page.find_element(By.CSS_SELECTOR, ".yasr table.dataTable tbody td .nonIri")
    assert markup in cell.text
    # YASR's sanitizer (DOMPurify) parses the value in an inert document to clean it; Chrome
    # reports the event-handler attribute it meets there against the page's CSP. Nothing runs.
    unexpected = [e for e in severe_logs(page)
                  if not (e["source"] == "security" and "inline event handler" in e["message"])]
    assert unexpected == []


def test_autocompletion_and_every_request_stay_on_this_site(page: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    query = "PREFIX regio: <https://w3id.org/regio-kg/ontology#>\nSELECT * WHERE { ?s a regio:Proj"
    page.execute_script(
        "const yasqe = window.owl40Yasgui.getTab().getYasqe();"
        "yasqe.setValue(arguments[0]); yasqe.focus();"
        "yasqe.getDoc().setCursor(yasqe.getDoc().lastLine(), 1000); yasqe.autocomplete();", query)
    hints = wait(page, lambda d: [h.text for h in d.find_elements(
        By.CSS_SELECTOR, ".CodeMirror-hints li")], "no class suggestions")
    assert "regio:Project" in hints  # a class used in the data, from this endpoint
    page.execute_script(
        "const yasqe = window.owl40Yasgui.getTab().getYasqe();"
        "yasqe.setValue('PREFIX reg'); yasqe.focus();"
        "yasqe.getDoc().setCursor(0, 1000); yasqe.autocomplete();")
    hints = wait(page, lambda d: [h.text for h in d.find_elements(
        By.CSS_SELECTOR, ".CodeMirror-hints li")], "no prefix suggestions")
    assert "regio: <https://w3id.org/regio-kg/ontology#>" in hints
    requested = page.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name);")
    assert requested and all(url.startswith(site + "/") for url in requested), requested
    assert severe_logs(page) == []


# -- issue 14: errors in the editor, visible caveats, local links, chart axes --------------

def test_a_syntax_error_is_shown_with_line_and_column_and_marked_in_the_editor(
        browser: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    open_fresh(browser, f"{site}/sparql?lang=de")
    browser.execute_script("const t = window.owl40Yasgui.getTab();"
                           "t.setQuery('SELECT * WHERE {\\n  ?s ?p ?o .\\n  FILTER(?x = ) }');"
                           "t.query().catch(() => undefined);")
    box = wait(browser, lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, "#query-error")
                                   if e.is_displayed()], "no error was shown")[0]
    assert "Zeile 3, Spalte" in box.text and "{" not in box.text  # no JSON dump
    marked = browser.find_elements(By.CSS_SELECTOR, "#yasgui .CodeMirror .owl40-error")
    assert marked, "the error is not marked in the editor"
    line = browser.execute_script(
        "const cm = window.owl40Yasgui.getTab().getYasqe();"
        "for (let i = 0; i < cm.lineCount(); i++) {"
        "  const info = cm.lineInfo(i);"
        "  if ((info.bgClass || '').includes('owl40-error-line')) return i; } return -1;")
    assert line == 2  # the third line, where FILTER(?x = ) is
    shot(browser, "syntax-error")
    # a correct query clears it
    browser.execute_script("const t = window.owl40Yasgui.getTab();"
                           "t.setQuery('SELECT * WHERE { ?s ?p ?o } LIMIT 1');"
                           "t.query().catch(() => undefined);")
    wait(browser, lambda d: not d.find_element(By.CSS_SELECTOR, "#query-error").is_displayed(),
         "the error stayed after a correct query")


def test_an_examples_caveat_stays_visible(page: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    slug = "funding-per-phase-and-programme"
    click_example(page, slug)
    note = wait(page, lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, "#example-note")
                                 if e.is_displayed()], "the example's description is hidden")[0]
    assert QUERIES[slug].description["en"][:60] in note.text
    assert "must not be added" in note.text  # the caveat of the example, not a tooltip


def test_result_iris_link_to_this_servers_pages(page: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    page.execute_script("const t = window.owl40Yasgui.getTab();"
                        f"t.setQuery('SELECT ?p WHERE {{ BIND(<{BASE}id/project/smart-country-side> "
                        "AS ?p) }');"
                        "t.query().catch(() => undefined);")
    link = wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, ".yasr table a[data-iri]"),
                "the IRI was not linked to this server")[0]
    assert link.get_attribute("href") == f"{site}/doc/project/smart-country-side"
    assert link.get_attribute("data-iri") == f"{BASE}id/project/smart-country-side"


def test_the_chart_picks_a_measure_and_a_label_not_an_id(page: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    page.execute_script("const t = window.owl40Yasgui.getTab();"
                        "t.setQuery('SELECT ?phaseNumber ?label ?projects WHERE { VALUES "
                        "(?phaseNumber ?label ?projects) { (1 \"Phase 1\"@en 10) "
                        "(2 \"Phase 2\"@en 7) } }');"
                        "t.query().catch(() => undefined);")
    wait(page, lambda d: result_chip(d).startswith("2 results"), "no result")
    page.find_element(By.CSS_SELECTOR, ".yasr .select_chart").click()
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, ".owl40-chart svg rect.bar"), "no bars")
    assert page.find_element(By.CSS_SELECTOR, ".owl40-chart-value").get_attribute("value") == "projects"
    assert page.find_element(By.CSS_SELECTOR, ".owl40-chart-label").get_attribute("value") == "label"
