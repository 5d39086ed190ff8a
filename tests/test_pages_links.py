"""Issue 9 on the pages: unconfirmed links are shown as such, and every count of projects says
how many are confirmed and how many probable or candidates (Flask test client, real store)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from api.app import create_app
from tests.sheetcheck import CUR, FACTS
from tests.stores import loaded_settings

PROJECTS = {p["id"]: p for p in FACTS["projects"]}
STATUS = Counter(CUR["link_status"].values())
PHASE_LABEL = {ph["id"]: ph["label"] for ph in FACTS["phases"]}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    return create_app(loaded_settings(tmp_path_factory.mktemp("links"))).test_client()


def page(client, path: str, lang: str = "en") -> str:
    response = client.get(path, query_string={"lang": lang})
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def link_box(text: str) -> tuple[str, str, str]:
    m = re.search(r'<div class="(link-status[^"]*)" data-status="(\w+)">(.*?)\n  </div>', text, re.S)
    assert m, "no link box"
    return m[1], m[2], m[3]


@pytest.mark.parametrize("pid", sorted(PROJECTS))
def test_every_project_page_shows_its_link_as_the_sheet_gives_it(client, pid):
    p, status = PROJECTS[pid], CUR["link_status"][pid]
    text = page(client, f"/doc/project/{pid}")
    css, code, box = link_box(text)
    assert code == status and f'class="badge status-{status}"' in box
    for sid in (p.get("link_to_owl40") or p)["sources"]:  # the sources that suggest the link
        assert f'href="/doc/source/{sid}"' in box, sid
    if p.get("link_to_owl40"):
        note = p["link_to_owl40"]["value"].replace("'", "&#39;").replace('"', "&#34;")
        assert note[:60] in box
    facts = re.search(r'<section class="facts-section">(.*?)</section>', text, re.S)[1]
    if status == "confirmed":
        assert "unconfirmed" not in css and "Confirmed:" in box
        assert "part of plan" in facts and "in phase" in facts
    else:
        assert "unconfirmed" in css and "Not confirmed" in box
        assert "part of plan" not in facts and "in phase" not in facts
        if p.get("phase"):
            assert "Suggested phase" in box and f'href="/doc/phase/{p["phase"]}"' in box


def test_german_page_says_not_confirmed(client):
    _, _, box = link_box(page(client, "/doc/project/work-and-care", "de"))
    assert "Nicht bestätigt" in box and "Vorgeschlagene Phase" in box and "wahrscheinlich" in box


def test_the_plan_page_lists_confirmed_and_unconfirmed_projects_apart(client):
    text = page(client, "/doc/action-plan/owl-40")
    confirmed = re.search(r'<section class="plan-projects" data-confirmed="(\d+)">(.*?)</section>',
                          text, re.S)
    others = re.search(r'<section class="unconfirmed-projects" data-probable="(\d+)" '
                       r'data-candidate="(\d+)">(.*?)</section>', text, re.S)
    assert int(confirmed[1]) == STATUS["confirmed"] == 10
    assert (int(others[1]), int(others[2])) == (STATUS["probable"], STATUS["candidate"]) == (5, 4)
    for pid, status in CUR["link_status"].items():
        section = confirmed[2] if status == "confirmed" else others[3]
        assert f'href="/doc/project/{pid}"' in section, pid
    assert "status-probable" not in confirmed[2] and "status-confirmed" not in others[3]


def test_home_and_project_list_say_how_many_are_confirmed(client):
    home = page(client, "/")
    summary = re.search(r'<span class="link-summary"[^>]*>(.*?)</span>', home, re.S)[1]
    assert f"{STATUS['confirmed']} confirmed" in summary
    assert f"{STATUS['probable']} probable" in summary
    assert f"{STATUS['candidate']} candidates" in summary
    listing = page(client, "/projects")
    line = re.search(r'<p class="link-summary">(.*?)</p>', listing, re.S)[1]
    assert f"{len(PROJECTS)} Projects" in line
    for code, n in STATUS.items():
        assert f"{n} {code}" in re.sub(r"<[^>]+>", "", line).replace("candidates", "candidate")
    rows = re.findall(r"<tr [^>]*data-phase=[^>]*>(.*?)</tr>", listing, re.S)
    assert len(rows) == len(PROJECTS)
    suggested = sum("(suggested)" in r for r in rows)
    assert suggested == sum(1 for pid, s in CUR["link_status"].items()
                            if s != "confirmed" and PROJECTS[pid].get("phase"))


def test_theme_page_separates_the_classification_from_keywords(client):
    text = page(client, "/doc/theme/qualification")
    themed = re.search(r'<section class="theme-projects">(.*?)</section>', text, re.S)[1]
    tagged = re.search(r'<section class="keyword-projects">(.*?)</section>', text, re.S)[1]
    assert "lebensmittel-40" not in themed and "lebensmittel-40" in tagged
    assert 'href="/doc/project/weiterbildung-4-owl"' in themed and "status-candidate" in themed
    assert "food technology" in page(client, "/doc/theme/food")  # an alternative label


def test_void_and_the_dataset_page_say_how_many_projects_are_confirmed(client):
    void = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert void.status_code == 200
    text = void.get_data(as_text=True)
    expected = (f"{len(PROJECTS)} projects: {STATUS['confirmed']} confirmed, "
                f"{STATUS['probable']} probable, {STATUS['candidate']} candidates")
    assert expected in text
    assert f"{len(PROJECTS)} Projekte: {STATUS['confirmed']} bestätigt" in text


def test_pictures_say_how_many_projects_are_confirmed(client):
    network = client.get("/viz/network.svg?lang=en").get_data(as_text=True)
    in_network = {p for p, s in CUR["link_status"].items()}  # every project has a partner
    in_network -= {pid for pid, p in PROJECTS.items() if not p.get("lead") and not p.get("partners")
                   and not any(r["of"] == pid for r in FACTS["roles"])}
    confirmed = sum(CUR["link_status"][p] == "confirmed" for p in in_network)
    assert (f"{len(in_network)} projects with named partners ({confirmed} confirmed, "
            f"{len(in_network) - confirmed} probable or candidates") in network
    assert network.count('class="n u"') == len(in_network) - confirmed
    themes = client.get("/viz/themes.svg?lang=en").get_data(as_text=True)
    assert "2 (0 confirmed)" in themes  # Qualification: Weiterbildung 4.OWL, Bildung 4.OWL
