"""Every page kind in headless Chromium, in German and English (issue 14).

A live server serves the real app over a loaded store; Chromium opens the first page of every
kind (tests/test_languages.py lists them) in both languages, checks that the page says its
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

from api.app import create_app
from tests.browser import ARTIFACTS, chromium
from tests.langcheck import other_language
from tests.stores import loaded_settings
from tests.test_languages import NAMES, page_kinds
from tests.test_pages import serving

pytestmark = [pytest.mark.live, pytest.mark.slow]

WAIT = 30


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    app = create_app(loaded_settings(tmp_path_factory.mktemp("screenshots")))
    kinds = page_kinds(app.test_client())
    with serving(app) as (url, _):
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


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_page_kind_renders_in_its_language(browser, site, lang):
    url, kinds = site
    problems: dict[str, list[str]] = {}
    for path in kinds:
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
        browser.save_screenshot(str(ARTIFACTS / f"kind-{name}-{lang}.png"))
        html = browser.execute_script(VISIBLE_HTML)
        here += [str(f) for f in other_language(html, lang, names=NAMES)[:3]]
        if here:
            problems[path] = here
    assert not problems, "\n".join(f"{p}: {v}" for p, v in problems.items())
