"""The curators' translations of the fact sheet's texts (instances/owl40/data/translations.yaml).

The sheet is written in English (keeping German names and quotes). A German page needs every
text in German: those translations are the curators' work, never a source's statement, so
each one lands in the curation graph next to the original, which stays in its source's graph
(docs/model.md, Provenance). A translation is applied to every statement whose English text
is exactly the key, when the resource has no German text of its own for that property.

A stated count's label is "what: value"; its translation is made of the translations of both
parts (a bare number needs none).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from graph.errors import InputError

#: A text without a word (a number, "16 (6 / 10)") reads the same in both languages.
_WORD = re.compile(r"[^\W\d_]{2,}")
_NEUTRAL = {"EUR", "Mio", "MdB"}


def read_translations(path: Path) -> dict[str, str]:
    """The German translations (English text -> German), empty when the file is missing.
    The names under ``names`` (English names of projects and organisations) stay as they
    are: they map to themselves."""
    import yaml

    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh) or {}
    table = data.get("de") or {}
    bad = [k for k, v in table.items() if not isinstance(k, str) or not isinstance(v, str) or not v]
    if bad:
        raise InputError(f"translations without text: {bad[:5]}", source=str(path))
    names = data.get("names") or []
    return {" ".join(k.split()): v for k, v in table.items()} | {n: n for n in names}


def neutral(text: str) -> bool:
    """True when ``text`` has no word that belongs to a language (numbers, currency codes)."""
    return not [w for w in _WORD.findall(text) if w not in _NEUTRAL]


def translator(table: dict[str, str]) -> Callable[[str], str | None]:
    """``tr(text)``: the German of ``text``, of both halves of "what: value", or None."""

    def tr(text: str) -> str | None:
        key = " ".join(text.split())
        if key in table:
            return table[key]
        if neutral(key):
            return key
        head, sep, last = key.rpartition(": ")
        if sep and head:
            first, second = tr(head), tr(last)
            if first is not None and second is not None:
                return f"{first}: {second}"
        return None

    return tr


def translations(quads: Iterable[Quad], table: dict[str, str], *, skip_graphs: tuple[str, ...]
                 ) -> tuple[list[tuple[NamedNode, NamedNode, Literal]], list[str]]:
    """(subject, predicate, German literal) for every English text in ``quads`` (outside the
    graphs ``skip_graphs``) whose resource has no German text for that property, and the
    English texts with no translation."""
    quads = [q for q in quads if not q.graph_name.value.startswith(skip_graphs)]
    has_german = {(q.subject, q.predicate) for q in quads
                  if isinstance(q.object, Literal) and q.object.language == "de"}
    tr = translator(table)
    out: dict[tuple[Any, Any, Literal], None] = {}
    missing: dict[str, None] = {}
    for q in quads:
        o = q.object
        if not isinstance(o, Literal) or o.language != "en" or (q.subject, q.predicate) in has_german:
            continue
        german = tr(o.value)
        if german is None:
            missing[o.value] = None
        elif german != o.value:  # a number or a name reads the same: nothing to add
            out[(q.subject, q.predicate, Literal(german, language="de"))] = None
    return list(out), list(missing)


def unused(table: dict[str, str], quads: Iterable[Quad]) -> list[str]:
    """Keys of ``table`` that no English text of ``quads`` uses (stale translations)."""
    texts = {" ".join(q.object.value.split()) for q in quads
             if isinstance(q.object, Literal) and q.object.language == "en"}
    parts = set()
    for text in texts:
        while ": " in text:
            head, _, last = text.rpartition(": ")
            parts.update((head, last))
            text = head
    return [k for k in table if k not in texts and k not in parts]
