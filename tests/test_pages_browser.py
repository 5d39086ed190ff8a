"""The linked-data pages in headless Chromium (Debian's chromium + chromium-driver, selenium).

A live server (werkzeug, 127.0.0.1) serves the real app over a loaded store with the canonical
base https://w3id.org/owl40/, so every link followed here is a local rewrite of a canonical IRI.
The browser loads the home page, a project (Smart Country Side), an organisation (OWL GmbH) and
a theme by clicking links, filters a list, switches the language, and proves that a label
holding ``<script>`` never runs. Screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.app import create_app
from tests.browser import ARTIFACTS, chromium, gone
from tests.sheetcheck import CUR, FACTS
from tests.test_pages import SCS, XSS, build_xss_app, loaded_settings, serving

pytestmark = [pytest.mark.live, pytest.mark.slow]

WAIT = 20


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app = create_app(loaded_settings(tmp_path_factory.mktemp("pages-browser")))
    with serving(app) as (url, _):
        yield url


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over a store with an extra graph whose values try to inject script."""
    with serving(build_xss_app(tmp_path_factory.mktemp("pages-browser-xss"))) as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium with a throw-away profile, English preferred, console log readable."""
    with chromium(tmp_path_factory.mktemp("chromium-pages"), wait=WAIT, languages="en-US,en") as driver:
        yield driver


def settle_pictures(driver: Any) -> list[str]:
    """Scroll every picture into view and wait until each is shown or marked missing (a
    picture in a closed ``<details>`` is loaded only when it is opened, and is left out)."""
    from selenium.webdriver.support.ui import WebDriverWait

    states = """return [...document.querySelectorAll('figure.picture')]
      .filter(f => !f.closest('details:not([open])')).map(f => {
        const img = f.querySelector('img');
        if (!img) { return f.classList.contains('missing') ? 'missing' : 'empty'; }
        img.scrollIntoView();
        return img.complete ? (img.naturalWidth > 0 ? 'shown' : 'broken') : 'loading';
      });"""
    WebDriverWait(driver, WAIT).until(
        lambda d: all(s in ("shown", "missing", "empty") for s in d.execute_script(states)))
    driver.execute_script("window.scrollTo(0, 0)")
    return driver.execute_script(states)


def shot(driver: Any, name: str) -> None:
    """A screenshot of the whole page (the window grows to the page's height)."""
    settle_pictures(driver)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(height, 800), 6000))
    driver.save_screenshot(str(ARTIFACTS / f"pages-{name}.png"))
    driver.set_window_size(1280, 1000)


def click(driver: Any, css: str) -> None:
    """Click the first element matching ``css`` and wait for the next page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    element = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("arguments[0].scrollIntoView()", element)
    element.click()
    WebDriverWait(driver, WAIT).until(gone(element))


def text_of(driver: Any, css: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css).text


def visible_rows(driver: Any) -> int:
    return driver.execute_script(
        "return [...document.querySelectorAll('table.list tbody tr')].filter(r => !r.hidden).length")


def script_errors(driver: Any) -> list[str]:
    """Console errors other than missing pictures (/viz/ is served by the metadata module)."""
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "/viz/" not in e["message"]]


def test_browse_home_project_theme_plan_and_organisation(browser, site):
    from selenium.webdriver.common.by import By

    browser.get(site + "/")
    assert text_of(browser, "h1") == "OWL 4.0"
    assert browser.find_element(By.CSS_SELECTOR, "html").get_attribute("lang") == "en"
    shot(browser, "home-en")

    click(browser, 'nav a[data-nav="projects"]')
    assert text_of(browser, "h1") == "Projects"
    total = visible_rows(browser)
    assert total == len(FACTS["projects"]) == 19
    browser.find_element(By.CSS_SELECTOR, "input[data-search]").send_keys("smart country")
    assert visible_rows(browser) == 1
    shot(browser, "projects-search")

    click(browser, f'table.list a[href="/doc/{SCS}"]')
    assert browser.current_url == f"{site}/doc/{SCS}"
    assert text_of(browser, "h1") == "Smart Country Side"
    assert "confirmed" in text_of(browser, ".link-status")
    assert "Kreis Lippe" in text_of(browser, "section.participants")
    shot(browser, "project")

    click(browser, 'dl.facts a[href="/doc/theme/rural-services"]')
    assert text_of(browser, "h1") == "Services of general interest in rural areas"
    assert "Smart Country Side" in text_of(browser, "section.theme-projects")
    shot(browser, "theme")

    click(browser, 'nav a[data-nav="plan"]')
    assert "OWL 4.0" in text_of(browser, "h1")
    assert "Wir gestalten unser Morgen" in text_of(browser, "section.facts-section")
    shot(browser, "plan")

    click(browser, 'dl.facts a[href="/doc/organisation/owl-gmbh"]')
    assert text_of(browser, "h1") == "OstWestfalenLippe GmbH"
    assert "business development agency" in text_of(browser, "section.facts-section")
    assert "OWL Arena 4.0" in text_of(browser, "section.participants")
    shot(browser, "organisation-en")
    assert not script_errors(browser)


def test_switch_language_and_keep_it(browser, site):
    from selenium.webdriver.common.by import By

    browser.get(site + "/doc/organisation/owl-gmbh")
    click(browser, '.lang a[data-lang="de"]')
    assert browser.find_element(By.CSS_SELECTOR, "html").get_attribute("lang") == "de"
    assert "Wirtschaftsförderung" in text_of(browser, "section.facts-section")
    assert text_of(browser, 'nav a[data-nav="projects"]') == "Projekte"
    shot(browser, "organisation-de")
    click(browser, 'nav a[data-nav="themes"]')  # the cookie keeps German
    assert text_of(browser, "h1") == "Themen"
    click(browser, '.lang a[data-lang="en"]')
    assert text_of(browser, "h1") == "Themes"


def test_list_filters_in_the_browser(browser, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(site + "/projects?lang=en")
    Select(browser.find_element(By.CSS_SELECTOR, 'select[data-filter="status"]')
           ).select_by_visible_text("candidate")
    candidates = sum(s == "candidate" for s in CUR["link_status"].values())
    assert visible_rows(browser) == candidates == 4
    assert f"{candidates} of {len(FACTS['projects'])}" in text_of(browser, "output[data-count]")
    browser.get(site + "/organisations?lang=en&district=Bielefeld")
    bielefeld = visible_rows(browser)
    assert 0 < bielefeld < 45
    sparql = browser.find_element(By.CSS_SELECTOR, "a[data-sparql]").get_attribute("href")
    assert sparql.startswith(site + "/sparql?query=")


@pytest.mark.parametrize(("path", "count"), [("/", 2), ("/doc/action-plan/owl-40", 3),
                                             (f"/doc/{SCS}", 1)])
def test_pictures_are_shown_or_leave_a_note(browser, site, path, count):
    """Each picture slot holds a loaded image or the 'picture not available' note."""
    browser.get(f"{site}{path}?lang=en")
    states = settle_pictures(browser)
    assert len(states) == count and "empty" not in states


def test_the_keyword_chart_loads_when_asked_for(browser, site):
    """The home page's theme chart shows the plan's themes; the keyword chart is in a closed
    <details> and is loaded only when a reader opens it."""
    from selenium.webdriver.common.by import By

    browser.get(f"{site}/?lang=de")
    settle_pictures(browser)
    hidden = browser.find_element(By.CSS_SELECTOR, "details.keywords-picture img")
    assert not hidden.is_displayed()
    assert browser.execute_script("return arguments[0].naturalWidth", hidden) == 0  # not loaded
    browser.find_element(By.CSS_SELECTOR, "details.keywords-picture summary").click()
    assert settle_pictures(browser) == ["shown"] * 3
    assert hidden.is_displayed()


@pytest.mark.parametrize("width", [1280, 1024, 800, 390])
def test_no_tile_of_the_home_page_clips_its_text(browser, site, width):
    """Every tile's number or name fits its box (the "Handlungskonzept" tile was cut off)."""
    for lang in ("de", "en"):
        browser.set_window_size(width, 900)
        browser.get(f"{site}/?lang={lang}")
        clipped = browser.execute_script("""return [...document.querySelectorAll(
            '.tiles a, .tiles strong, .tiles .link-summary')].filter(
            el => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right >
                  el.closest('li').getBoundingClientRect().right + 1).map(el => el.textContent)""")
        assert clipped == [], (width, lang, clipped)
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    browser.set_window_size(1280, 1000)


def test_a_script_in_a_label_never_runs(browser, xss_site):
    browser.get(f"{xss_site}/doc/{SCS}?lang=en")
    assert browser.execute_script("return typeof window.__xss") == "undefined"
    body = text_of(browser, "body")
    assert XSS in body  # shown literally
    assert "javascript:window.__xss=3" in body
    browser.execute_script("document.querySelector('details.all-statements').open = true")
    shot(browser, "escaping")
    links = browser.execute_script(
        "return [...document.links].map(a => a.protocol).filter(p => p === 'javascript:')")
    assert links == []
    assert browser.execute_script("return typeof window.__xss") == "undefined"
