"""Screenshots of pages in headless Chromium, for before/after comparisons of the UI.

    .venv/bin/python tools/screenshots.py OUT_DIR [PATH ...]

Loads the project into a throw-away store, serves the app on 127.0.0.1 (canonical base
https://w3id.org/owl40/), and saves one PNG per page and language (``home-de.png`` ...),
1280 px wide and at most ``--height`` px high (the top of the page), as small palette PNGs.
Without PATHs it takes the home, a project and the ontology page. ``--element CSS`` saves
only that part of each page (e.g. ``section.pictures``, the project's network further down).
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
import threading
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

DEFAULT_PAGES = {"home": "/", "project": "/doc/project/smart-country-side", "ontology": "/ontology"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("paths", nargs="*", help="name=/path (default: home, project, ontology)")
    parser.add_argument("--height", type=int, default=2400)
    parser.add_argument("--langs", default="de,en")
    parser.add_argument("--element", help="CSS selector: save only this part of each page "
                        "(e.g. section.pictures)")
    args = parser.parse_args()
    pages = dict(p.split("=", 1) for p in args.paths) if args.paths else DEFAULT_PAGES
    args.out.mkdir(parents=True, exist_ok=True)

    from werkzeug.serving import make_server

    from api.app import create_app
    from tests.browser import chromium
    from tests.stores import loaded_settings

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(loaded_settings(Path(tmp)))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_port}"
        try:
            with chromium(Path(tmp) / "profile", wait=60) as driver:
                for name, path in pages.items():
                    for lang in args.langs.split(","):
                        sep = "&" if "?" in path else "?"
                        driver.set_window_size(1280, 1000)
                        driver.get(f"{url}{path}{sep}lang={lang}")
                        settle(driver)
                        height = driver.execute_script(
                            "return document.documentElement.scrollHeight")
                        driver.set_window_size(1280, min(max(height, 800), args.height))
                        target = args.out / f"{re.sub(r'[^a-z0-9-]', '-', name)}-{lang}.png"
                        if args.element:
                            from selenium.webdriver.common.by import By

                            part = driver.find_element(By.CSS_SELECTOR, args.element)
                            driver.execute_script("arguments[0].scrollIntoView()", part)
                            settle(driver, scroll_back=False)
                            save_small(part.screenshot_as_png, target)
                        else:
                            save_small(driver.get_screenshot_as_png(), target)
                        print(target)
        finally:
            server.shutdown()
            thread.join(10)


def settle(driver, *, scroll_back: bool = True) -> None:
    """Scroll every lazy picture into view and wait until it has loaded (or failed); one in
    a closed ``<details>`` is not loaded until it is opened and is left out."""
    from selenium.webdriver.support.ui import WebDriverWait

    script = """return [...document.querySelectorAll('img')]
        .filter(img => !img.closest('details:not([open])')).map(img => {
        img.scrollIntoView(); return img.complete; }).every(Boolean);"""
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(script))
    if scroll_back:
        driver.execute_script("window.scrollTo(0, 0)")


def save_small(png: bytes, target: Path) -> None:
    """``png`` as a 256-colour PNG (a fraction of the size; screenshots are flat colours)."""
    try:
        from PIL import Image
    except ImportError:
        target.write_bytes(png)
        return
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)


if __name__ == "__main__":
    main()
