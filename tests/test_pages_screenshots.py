"""Every page kind in headless Chromium, in German and English (issue 14).

A live server serves the real app over a loaded store; Chromium opens the first page of every
kind (tests/test_languages.py lists them, with the submission pages signed out, as a partner
and as a curator, signed in through the form) in both languages, checks that the page says its
language, that its visible text in the other language is marked (the same lingua check as the
HTML test, now on what the browser renders, including text that scripts add), that no script
failed and that the page is not wider than the window, and saves a screenshot of each to
tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import ARTIFACTS, chromium, gone
from tests.langcheck import other_language
from tests.submissionkit import Kit, make_kit
from tests.test_languages import NAMES, SUBMISSION_PAGES, page_kinds, with_submissions
from tests.test_pages import serving

pytestmark = [pytest.mark.live, pytest.mark.slow]

WAIT = 30


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    return with_submissions(make_kit(tmp_path_factory.mktemp("screenshots")))


@pytest.fixture(scope="module")
def site(kit: Kit) -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
    kinds = [(path, None) for path in page_kinds(kit.app.test_client())] + SUBMISSION_PAGES
    with serving(kit.app) as (url, _):
        yield url, kinds


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("chromium-kinds"), wait=WAIT) as driver:
        yield driver


#: The page as rendered, with what is not shown (closed menus, dialogs) marked hidden.
VISIBLE_HTML = """for (const el of document.body.querySelectorAll('*')) {
    const shown = el.checkVisibility({opacityProperty: true, visibilityProperty: true});
    if (!shown && !el.closest('details')) {
      el.setAttribute('hidden', '');
    }
  }
  return document.documentElement.outerHTML;"""


def _errors(driver: Any) -> list[str]:
    """Console errors other than a deliberate 404 and missing pictures."""
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "/viz/" not in e["message"]
            and "404 (NOT FOUND)" not in e["message"].upper()]


def _sign_in(driver: Any, url: str, token: str | None) -> None:
    """Sign out, then (with a token) sign in through the form of /submit."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.delete_all_cookies()
    if token:
        driver.get(f"{url}/submit")
        driver.find_element(By.CSS_SELECTOR, "#token").send_keys(token)
        old = driver.find_element(By.CSS_SELECTOR, "html")
        driver.find_element(By.CSS_SELECTOR, "#login button[type=submit]").click()
        WebDriverWait(driver, WAIT).until(gone(old))
        assert driver.find_elements(By.CSS_SELECTOR, "#upload"), "not signed in"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_page_kind_renders_in_its_language(browser, kit, site, lang):
    url, kinds = site
    problems: dict[str, list[str]] = {}
    signed_in: str | None = None
    for path, who in kinds:
        if who != signed_in:
            _sign_in(browser, url, getattr(kit, who) if who else None)
            signed_in = who
        sep = "&" if "?" in path else "?"
        browser.set_window_size(1280, 1000)
        browser.get(f"{url}{path}{sep}lang={lang}")
        here: list[str] = []
        if browser.execute_script("return document.documentElement.lang") != lang:
            here.append("html lang is not " + lang)
        here += _errors(browser)
        if browser.execute_script("return document.documentElement.scrollWidth") > 1290:
            here.append("wider than the window")
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(1280, min(max(height, 800), 3000))
        name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
        name += f"-{who}" if who else ""
        browser.save_screenshot(str(ARTIFACTS / f"kind-{name}-{lang}.png"))
        html = browser.execute_script(VISIBLE_HTML)
        here += [str(f) for f in other_language(html, lang, names=NAMES)[:3]]
        if here:
            problems[f"{path} ({who or 'signed out'})"] = here
    assert not problems, "\n".join(f"{p}: {v}" for p, v in problems.items())
