"""Headless Chromium (Debian's chromium + chromium-driver) for the browser tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from api.config import PROJECT_DIR

ARTIFACTS = PROJECT_DIR / "tests" / "artifacts"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run", "--window-size=1400,1000")


@contextmanager
def chromium(profile_dir: Path, *, wait: float, languages: str | None = None) -> Iterator[Any]:
    """A Chromium driver with a throw-away profile and a readable console log."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    if not Path(CHROMEDRIVER).exists() or not shutil.which("chromium"):
        pytest.fail("chromium and chromium-driver are not installed: run `make install-test`")
    options = webdriver.ChromeOptions()
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={profile_dir}")
    if languages:
        options.add_experimental_option("prefs", {"intl.accept_languages": languages})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(wait)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def gone(element: Any) -> Any:
    """A WebDriverWait condition: ``element`` has left the document (the page was replaced).
    Like selenium's ``staleness_of``, and also when Chromium, asked about the element in the
    middle of the navigation, answers "Node with given id does not belong to the document"
    instead of reporting it stale (seen in CI)."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    def check(_driver: Any) -> bool:
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False
    return check
