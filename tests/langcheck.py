"""Which text of an HTML page is in the other language without saying so (WCAG 3.1.2).

Every text node and every text a person reads in an attribute (``title``, ``alt``,
``aria-label``, ``placeholder``) gets the language of its nearest ``lang`` attribute. The
language detector lingua (``lingua-language-detector``, restricted to German and English,
built for short and mixed texts) then reads it; a text that lingua gives to the other
language with high confidence is reported. Code (``code``, ``pre``, ``kbd``, ``samp``),
scripts, styles and texts without a word of three letters are not language and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser

SKIP = {"script", "style", "code", "pre", "kbd", "samp", "template", "svg"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
ATTRS = ("title", "alt", "aria-label", "placeholder")
#: lingua's confidence (0..1, German vs English) from which a text counts as the other language
CONFIDENCE = 0.9
WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True)
class Finding:
    text: str
    declared: str   # the language the page says the text is in
    detected: str   # the language lingua reads
    confidence: float
    where: str      # the element (and attribute) holding it

    def __str__(self) -> str:
        return (f"{self.where}: {self.text[:90]!r} is {self.detected} ({self.confidence:.2f}) "
                f"but marked {self.declared}")


INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "data", "dfn", "em", "i", "mark", "q", "s",
          "small", "span", "strong", "sub", "sup", "time", "u", "var", "label", "output"}


class _Texts(HTMLParser):
    """(text, language, where) of every readable text of a page: the text of a block element
    is read as one, an inline element with a language of its own (or code) as another."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None, bool]] = []  # tag, lang, skipped
        self.out: list[tuple[str, str, str]] = []
        self.buffer: list[str] = []

    def lang(self) -> str:
        return next((lang for _, lang, _ in reversed(self.stack) if lang), "")

    def skipped(self) -> bool:
        return any(skip for _, _, skip in self.stack)

    def flush(self) -> None:
        text = " ".join("".join(self.buffer).split())
        self.buffer = []
        if text and not self.skipped():
            where = ">".join(tag for tag, _, _ in self.stack[-3:])
            self.out.append((text, self.lang(), where))

    def _own_part(self, tag: str, lang: str | None, skip: bool) -> bool:
        return tag not in INLINE or bool(lang) or skip

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        lang = a.get("lang", "").split("-")[0].lower() or None
        skip = tag in SKIP or "hidden" in a or a.get("translate") == "no"
        if self._own_part(tag, lang, skip):
            self.flush()
        if not self.skipped() and not skip:
            for name in ATTRS:
                text = " ".join(a.get(name, "").split())
                if text and not _is_iri(text):
                    self.out.append((text, lang or self.lang(), f"{tag}@{name}"))
        if tag not in VOID:
            self.stack.append((tag, lang, skip))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                if any(self._own_part(*entry) for entry in self.stack[i:]):
                    self.flush()
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.buffer.append(data)


def _is_iri(text: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:\S*$", text.strip()))


def page_texts(html: str) -> list[tuple[str, str, str]]:
    """(text, declared language, where) of every readable text of ``html``."""
    parser = _Texts()
    parser.feed(html)
    parser.close()
    parser.flush()
    return parser.out


@cache
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.GERMAN, Language.ENGLISH).build()


@cache
def detect(text: str) -> tuple[str, float]:
    """("de"|"en", confidence) of ``text`` according to lingua."""
    from lingua import Language

    values = _detector().compute_language_confidence_values(text)
    best = values[0]
    return ("de" if best.language == Language.GERMAN else "en"), best.value


#: Quotations (in their own language by nature) and a glossed original word in parentheses
#: ("Re-orientation (Neuausrichtung)") are not the text's own language.
QUOTED = re.compile(r"„[^“”]*[“”]|“[^”]*”|\"[^\"]*\"|'[^']*'|‚[^‘]*‘|\(\s*[^\s()]+\s*\)")


#: Prefixed names (``role:lead``) and IRIs are code, not words of a language.
PREFIXED = re.compile(r"\b[a-z][\w-]*:[\w/#.-]+")


def prose(text: str, names: tuple[str, ...] = ()) -> str:
    """``text`` without quotations, glosses and the proper ``names`` (longest first): what is
    left is in the text's own language."""
    for name in names:
        if name in text:
            text = text.replace(name, " ")
    return " ".join(PREFIXED.sub(" ", QUOTED.sub(" ", text)).split())


def other_language(html: str, page_lang: str, *, names: tuple[str, ...] = (),
                   confidence: float = CONFIDENCE) -> list[Finding]:
    """Texts of ``html`` that are in the other language than their declared one; ``names``
    (proper names, WCAG 3.1.2's exception) do not count as words of either language. A text
    of one word counts only when lingua is sure (0.97): short words are shared by both."""
    found = []
    names = tuple(sorted(names, key=len, reverse=True))
    for text, declared, where in page_texts(html):
        declared = declared or page_lang
        words = WORD.findall(rest := prose(text, names))
        if declared not in ("de", "en") or not words:
            continue
        lang, value = detect(rest)
        if lang != declared and value >= (confidence if len(words) > 1 else 0.97):
            found.append(Finding(text, declared, lang, value, where))
    return found
