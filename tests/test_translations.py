"""The curators' translations (instances/owl40/data/translations.yaml, graph/translate.py), issue 14.

Every English text of the data has a German translation; a translation is the curators'
work and lives in the curation graph only, beside an original that stays in a source's or a
record's graph; no translation is stale.
"""

from __future__ import annotations

from collections import defaultdict

from pyoxigraph import Literal

from graph.translate import read_translations, translator, unused
from tests.conftest import BASE, DATA_DIR

CURATION = BASE + "graph/curation"
META = BASE + "graph/meta"


def _texts(build, lang: str) -> dict[tuple[str, str], dict[str, set[str]]]:
    """(subject, predicate) -> text -> graphs, for the literals in ``lang``."""
    out: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for q in build.quads:
        if isinstance(q.object, Literal) and q.object.language == lang and q.graph_name.value != META:
            out[(q.subject.value, q.predicate.value)][q.object.value].add(q.graph_name.value)
    return out


def test_every_english_text_has_german(owl40_build):
    tr = translator(read_translations(DATA_DIR / "translations.yaml"))
    english, german = _texts(owl40_build, "en"), _texts(owl40_build, "de")
    missing = sorted({text for key, texts in english.items() if key not in german
                      for text in texts if tr(text) is None})
    assert owl40_build.counts["untranslated"] == 0
    assert not missing, f"{len(missing)} English texts without German: {missing[:10]}"


def test_a_translation_is_the_curators_and_keeps_its_original(owl40_build):
    """A German text that translates an English one of the same statement is in the
    curation graph only, and the English original is in a source's or record's graph."""
    tr = translator(read_translations(DATA_DIR / "translations.yaml"))
    english, german = _texts(owl40_build, "en"), _texts(owl40_build, "de")
    checked = 0
    for key, texts in german.items():
        originals = english.get(key, {})
        for text, graphs in texts.items():
            sources = [o for o in originals if tr(o) == text and o != text]
            if not sources:
                continue  # a German text of its own (a label, a sourced German title)
            assert graphs == {CURATION}, (key, text, graphs)
            assert any(g != CURATION for o in sources for g in originals[o]) or \
                all(originals[o] == {CURATION} for o in sources), key
            checked += 1
    assert checked > 400


def test_no_translation_is_stale(owl40_build):
    table = read_translations(DATA_DIR / "translations.yaml")
    assert not unused(table, owl40_build.quads)


def test_a_count_label_is_translated_from_its_parts():
    tr = translator({"phase-1 funding": "Förderung der Phase 1", "about 2.9 Mio EUR": "etwa 2,9 Mio. EUR"})
    assert tr("phase-1 funding: about 2.9 Mio EUR") == "Förderung der Phase 1: etwa 2,9 Mio. EUR"
    assert tr("phase-1 funding: 16 (6 / 10)") == "Förderung der Phase 1: 16 (6 / 10)"
    assert tr("phase-1 projects: 10") is None
