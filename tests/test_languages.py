"""Every page kind reads in its language (issue 14, WCAG 3.1.1 and 3.1.2).

Each kind of page is rendered in German and English; every text a person reads must be in
the page's language or sit in an element whose ``lang`` says which language it is in. The
language detector is lingua (``lingua-language-detector``, tests/langcheck.py); proper names
of the fact sheet (projects, organisations, people, places, publishers) and quotations are
not counted as words of either language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from api.app import create_app
from tests.langcheck import other_language, page_texts
from tests.sheetcheck import CUR, FACTS
from tests.stores import loaded_settings

FIXED = ["/", "/projects", "/organisations", "/themes", "/sources", "/sparql", "/ontology",
         "/shapes", "/.well-known/void", "/catalog?format=html", "/dumps/", "/releases",
         "/model", "/doc/code", "/doc/graph/curation", "/doc/graph/meta", "/doc/project/no-such-project"]


def _names() -> tuple[str, ...]:
    """The proper names the sheet gives (they keep their form in either language)."""
    names: set[str] = set()
    for p in FACTS["projects"]:
        names |= {p["title"], p.get("acronym") or "", p.get("full_title") or ""}
        names |= {v["value"] for v in p.get("title_variants", [])}
    for o in FACTS["organisations"]:
        names |= {o["name"], o.get("short_name") or "", o.get("seat") or ""}
    for person in FACTS["people"]:
        names |= {person["name"], person.get("role") or ""}
    for s in FACTS["sources"]:
        names |= {s["publisher"], s["title"]}
    for r in FACTS["regions"]:
        names.add(r.get("name") or "")
    names |= {t.get("label_de") or "" for t in FACTS["themes"]}  # the plan's themes, named
    names |= {p["de"] for p in CUR["programmes"].values()}  # programmes and calls
    names |= {e.get("location") or "" for e in CUR["events"].values()}
    names.add(CUR["action_plan"]["motto"])
    # German titles of office and a name variant that the sheet's English keeps as they are
    names |= {"Regierungspräsidentin", "Klimaschutz Energie und Bauen"}
    return tuple(n for n in names if n)


NAMES = _names()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    app = create_app(loaded_settings(tmp_path_factory.mktemp("languages")))
    yield app.test_client()


def page_kinds(client) -> list[str]:
    """The fixed pages and the first /doc/ page of every kind of resource and named graph."""
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    paths = sorted(re.sub(r"^https?://[^/]+/(owl40/)?", "/", u)
                   for u in re.findall(r"<loc>([^<]+)</loc>", sitemap))
    kinds: dict[str, str] = {}
    for path in paths:
        parts = path.split("/")
        if len(parts) >= 4 and parts[1] == "doc":
            kind = "/".join(parts[2:4]) if parts[2] in ("graph", "code") else parts[2]
            kinds.setdefault(kind, path)
    return FIXED + sorted(kinds.values())


def test_the_pages_cover_every_kind(client):
    kinds = page_kinds(client)
    for kind in ("project", "organisation", "theme", "keyword", "action-plan", "phase", "event",
                 "source", "person", "region", "funding", "count", "graph/source", "code/role"):
        assert any(p == f"/doc/{kind}" or p.startswith(f"/doc/{kind}/") for p in kinds), kind


@pytest.mark.parametrize("lang", ["de", "en"])
def test_no_page_holds_unmarked_text_in_the_other_language(client, lang):
    found = {}
    for path in page_kinds(client):
        sep = "&" if "?" in path else "?"
        response = client.get(f"{path}{sep}lang={lang}", headers={"Accept": "text/html"})
        assert response.status_code in (200, 404), path
        html = response.get_data(as_text=True)
        assert re.search(rf'<html lang="{lang}"', html), f"{path}: not a page in {lang}"
        problems = other_language(html, lang, names=NAMES)
        if problems:
            found[path] = [str(p) for p in problems[:5]]
    assert not found, "\n".join(f"{p}:\n  " + "\n  ".join(v) for p, v in found.items())


def test_the_check_finds_unmarked_text_and_accepts_marked_text():
    english = "<p>The sources disagree; each value is shown with its source.</p>"
    assert other_language(f'<html lang="de"><body>{english}</body></html>', "de")
    marked = '<p lang="en">The sources disagree; each value is shown with its source.</p>'
    assert not other_language(f'<html lang="de"><body>{marked}</body></html>', "de")
    german = "<td title='Die Quellen widersprechen sich; jeder Wert steht bei seiner Quelle.'>1</td>"
    assert other_language(f'<html lang="en"><body><table><tr>{german}</tr></table></body></html>',
                          "en")
    code = "<p>Abfrage: <code>SELECT ?project WHERE { ?project a regio:Project }</code></p>"
    assert [t for t, _, _ in page_texts(code)] == ["Abfrage:"]
