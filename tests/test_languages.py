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
from typing import Any

import pytest

from tests.langcheck import other_language, page_texts
from tests.sheetcheck import CUR, FACTS
from tests.submissionkit import Kit, make_kit, sheet

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


#: The submission pages (issue 12) as who sees them: signed out, a partner, a curator. The
#: numbers are those of :func:`with_submissions` (1: a sheet with an error, 2: a valid one).
SUBMISSION_PAGES = [("/submit", None), ("/submit", "partner"), ("/submit/1", "partner"),
                    ("/submit", "curator"), ("/submit/2", "curator")]


def with_submissions(kit: Kit) -> Kit:
    """``kit`` with two submissions of the partner: 1 with a wrong date (its report lists the
    problem), 2 valid (the curator's page shows the changes to review)."""
    client = kit.app.test_client()
    for end in ("31.04.2023", "30.04.2023"):
        data = sheet(kit, "project", [{"change": "ändern", "record": "work-and-care",
                                       "source": "selbst", "end": end}])
        response = client.post("/api/submissions", data=data, query_string={"lang": "de"},
                               headers=kit.headers(kit.partner, **{"Content-Type": "text/csv"}))
        assert response.status_code in (201, 202, 422), response.get_data(as_text=True)
    return kit


def signed_in(app: Any, token: str | None) -> Any:
    """A test client of ``app``, signed in on the submission pages with ``token`` (through the
    sign-in form, as a person would)."""
    client = app.test_client()
    if token:
        form = client.get("/submit").get_data(as_text=True)
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)[1]
        response = client.post("/submit/login", data={"csrf": csrf, "token": token})
        assert response.status_code == 303, response.get_data(as_text=True)
    return client


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    return with_submissions(make_kit(tmp_path_factory.mktemp("languages")))


@pytest.fixture(scope="module")
def client(kit: Kit) -> Iterator:
    yield kit.app.test_client()


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
def test_no_page_holds_unmarked_text_in_the_other_language(kit, client, lang):
    clients = {who: signed_in(kit.app, getattr(kit, who) if who else None)
               for who in (None, "partner", "curator")}
    pages = [(path, None) for path in page_kinds(client)] + SUBMISSION_PAGES
    found = {}
    for path, who in pages:
        sep = "&" if "?" in path else "?"
        response = clients[who].get(f"{path}{sep}lang={lang}", headers={"Accept": "text/html"})
        assert response.status_code in (200, 404), (path, who)
        html = response.get_data(as_text=True)
        assert re.search(rf'<html lang="{lang}"', html), f"{path}: not a page in {lang}"
        problems = other_language(html, lang, names=NAMES)
        if problems:
            found[f"{path} ({who or 'signed out'})"] = [str(p) for p in problems[:5]]
    assert not found, "\n".join(f"{p}:\n  " + "\n  ".join(v) for p, v in found.items())


def test_the_submission_pages_are_those_of_the_signed_in_person(kit):
    """The pages the language check reads are the real ones: the form when signed out, the
    partner's report with the problem, the curator's review with the change."""
    pages = {(path, who): signed_in(kit.app, getattr(kit, who) if who else None).get(
        path, query_string={"lang": "de"}).get_data(as_text=True) for path, who in SUBMISSION_PAGES}
    assert 'id="login"' in pages[("/submit", None)]
    assert 'id="upload"' in pages[("/submit", "partner")] and 'data-id="2"' in pages[("/submit", "partner")]
    assert "tr class=\"sev-Violation" in pages[("/submit/1", "partner")]
    assert 'class="sub-record sub-diff"' in pages[("/submit/2", "curator")]


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
