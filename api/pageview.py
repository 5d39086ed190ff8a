"""From a graph description to what a page shows: values with their sources, rows, links.

Every value carries footnote references to the sources behind it: ``stated`` when a source's
own graph states it, ``record`` when it comes from the record's sources as a whole, and a
``curated`` flag for the curators' classifications and translations (docs/model.md). Links to
IRIs we publish point to this server (`Links`); RDF keeps the canonical IRIs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pyoxigraph as ox

from graph.describe import Description, SourceInfo, Statement
from graph.namespaces import DCT, FOAF, PREFIXES, RDF, RDFS, REGIO, SKOS, XSD

VOCAB_BASE = "https://w3id.org/regio-kg/"
MONTHS = {"de": "Jan. Feb. März Apr. Mai Juni Juli Aug. Sep. Okt. Nov. Dez.".split(),
          "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()}
#: Properties a resource has once; several values mean the sources disagree.
SINGLE_VALUED = {REGIO[p].value for p in ("startDate", "endDate", "decisionDate", "phaseNumber",
                                          "date", "value", "numericValue", "isSME")}
LABELS = {RDFS.label.value, SKOS.prefLabel.value, DCT.title.value, FOAF.name.value}
#: Literals that are names (places, publishers, short names): proper names keep their form in
#: either language and are marked translate="no".
NAME_PROPERTIES = {REGIO[p].value for p in ("seat", "location", "shortName", "acronym")} | {
    FOAF.name.value, DCT.publisher.value}
#: Literals that are code (SPARQL of the example questions), shown as code.
CODE_PROPERTIES = {"http://www.w3.org/ns/shacl#" + p for p in ("select", "ask", "construct",
                                                                 "describe", "prefix", "namespace")}


class Links:
    """Maps published IRIs (under BASE_IRI and the regio-kg namespace) to URLs on this server.

    The app root serves BASE_IRI: ``{base}id/k/s`` → ``{root}doc/k/s``, ``{base}graph/g`` →
    ``{root}doc/graph/g``; code lists → ``{root}doc/code/...``; ontology and shapes terms
    (hash IRIs) → ``{root}ontology#T`` / ``{root}shapes#T``.
    """

    def __init__(self, base_iri: str, root: str) -> None:
        self.base, self.root = base_iri, root if root.endswith("/") else root + "/"

    def local(self, iri: str) -> str | None:
        """The URL on this server of a published IRI, else None (also for an IRI whose rest
        would make a protocol-relative link, ``{base}//host/x``)."""
        if iri.startswith(self.base):
            rest = iri[len(self.base):]
            if rest.startswith(("/", "\\")) or "\\" in rest:
                return None
            if rest.startswith(("id/", "graph/")):
                rest = "doc/" + rest.removeprefix("id/")
            return self.root + rest
        if iri.startswith(VOCAB_BASE):
            rest = iri[len(VOCAB_BASE):]
            if rest.startswith(("/", "\\")) or "\\" in rest:
                return None
            if rest == "code" or rest.startswith("code/"):
                return self.root + "doc/" + rest
            return self.root + rest
        return None

    def href(self, iri: str) -> str | None:
        """Where a link to ``iri`` goes: this server, an external http(s) page, or nowhere."""
        return self.local(iri) or safe_external(iri)


def safe_external(url: str) -> str | None:
    """``url`` when it is an http(s) URL (never ``javascript:`` or ``data:``), else None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def compact_iri(iri: str) -> str:
    """``prefix:local`` for IRIs in known namespaces, else the IRI."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and re.fullmatch(r"[\w-]+", iri[len(ns):]):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def tail(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/"))[-1] or iri


def format_number(text: str, lang: str) -> str:
    """Thousands separators: 5400000 → 5.400.000 (de) / 5,400,000 (en)."""
    try:
        number = float(text)
    except ValueError:
        return text
    whole = f"{number:,.2f}".rstrip("0").rstrip(".") if number % 1 else f"{int(number):,}"
    return whole.translate(str.maketrans(",.", ".,")) if lang == "de" else whole


def format_literal(lit: ox.Literal, lang: str) -> str:
    """Dates, year-months and numbers in the page language; other literals as they are."""
    dt, value = lit.datatype.value, lit.value
    if dt == XSD.date.value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        y, m, d = value.split("-")
        return f"{int(d)}.{int(m)}.{y}" if lang == "de" else f"{int(d)} {MONTHS['en'][int(m) - 1]} {y}"
    if dt == XSD.gYearMonth.value and re.fullmatch(r"\d{4}-\d{2}", value):
        y, m = value.split("-")
        return f"{MONTHS[lang][int(m) - 1]} {y}"
    if dt in (XSD.decimal.value, XSD.integer.value):
        return format_number(value, lang)
    if dt == XSD.boolean.value:
        yes = value in ("true", "1")
        return {"de": ("ja", "nein"), "en": ("yes", "no")}[lang][0 if yes else 1]
    return value


@dataclass
class Ref:
    """A footnote mark beside a value: number, kind (stated/record) and the source."""

    n: int
    kind: str
    title: str
    lang: str = ""  # the language of the source's title


@dataclass
class RefGroup:
    """Footnote marks of one kind shown together: ``[2, 5]`` or ``[1–13]``.

    ``parts`` holds runs of consecutive numbers as (first, last, first's title, its
    language)."""

    kind: str
    parts: list[tuple[int, int, str, str]]


def group_refs(refs: list[Ref]) -> list[RefGroup]:
    """Marks grouped by kind (stated first), with runs of three or more numbers as ranges."""
    groups = []
    for kind in ("stated", "record"):
        numbers = sorted({(r.n, r.title, r.lang) for r in refs if r.kind == kind})
        parts: list[tuple[int, int, str, str]] = []
        for n, title, lang in numbers:
            if parts and n == parts[-1][1] + 1:
                parts[-1] = (parts[-1][0], n, parts[-1][2], parts[-1][3])
            else:
                parts.append((n, n, title, lang))
        split = []
        for first, last, title, lang in parts:  # 1–2 reads better as "1, 2"
            if last == first + 1:
                split += [(first, first, title, lang), (last, last, "", "")]
            else:
                split.append((first, last, title, lang))
        if split:
            groups.append(RefGroup(kind, split))
    return groups


@dataclass
class Val:
    """A value ready for a template: text, link, language, footnotes, curated flag."""

    text: str
    href: str | None = None
    iri: str | None = None
    lang: str | None = None         # language tag of a literal value (picks the language)
    refs: list[Ref] = field(default_factory=list)
    curated: bool = False
    status: str | None = None       # link-status code of the resource linked to
    status_label: str | None = None
    text_lang: str | None = None    # the language of ``text`` (a literal's, or a label's)
    translation: bool = False       # the curators' translation of a text in another language
    code: bool = False              # an IRI, a prefixed name or a query: shown as code
    name: bool = False              # a proper name (translate="no")


@dataclass
class Row:
    """One property of a resource with its values."""

    label: str
    iri: str
    href: str | None
    values: list[Val]
    disagree: bool = False
    originals: list[Val] = field(default_factory=list)  # the texts the values translate
    code: bool = False  # the label is the property's prefixed name (it has no label)


@dataclass
class Note:
    """An entry of a page's source list."""

    n: int
    source: SourceInfo
    href: str | None        # the source's page (external)
    local: str | None       # the source's document here
    label: str              # title (publisher)
    title: str = ""
    title_lang: str = ""


class Page:
    """Turns one Description into values, rows and footnotes in one language."""

    def __init__(self, desc: Description, lang: str, links: Links, t: Callable[[str], str],
                 base_iri: str) -> None:
        self.desc, self.lang, self.links, self.t, self.base = desc, lang, links, t, base_iri
        self.notes: dict[str, Note] = {}

    # -- labels and plain values ------------------------------------------------------
    def label(self, iri: str) -> str:
        """The label in the page language; else ``prefix:local``, the IRI's last segment
        (IRIs we publish) or the IRI itself."""
        return self.label_and_language(iri)[0]

    def label_and_language(self, iri: str) -> tuple[str, str | None]:
        """:meth:`label` and its language when that is not the page's (for ``lang=``)."""
        found = self.desc.label_and_language(iri, self.lang)
        if found:
            return found[0], (found[1] if found[1] and found[1] != self.lang else None)
        if iri == RDF.type.value:
            return self.t("type"), None
        short = compact_iri(iri)
        if short != iri:
            return short, None
        if iri.startswith(self.base + "graph/"):  # a named graph: its path says what it holds
            return iri[len(self.base):], None
        return (tail(iri) if iri.startswith((self.base, VOCAB_BASE)) else iri), None

    def status_of(self, iri: str) -> tuple[str | None, str | None]:
        info = self.desc.linked.get(iri)
        if not info or not info.link_status:
            return None, None
        return tail(info.link_status), self.label(info.link_status)

    def term(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Val:
        """A value without footnotes."""
        if isinstance(term, ox.NamedNode):
            status, status_label = self.status_of(term.value)
            text, lang = self.label_and_language(term.value)
            return Val(text, self.links.href(term.value), term.value, text_lang=lang,
                       status=status, status_label=status_label,
                       code=self.desc.label(term.value, self.lang) is None
                       and term.value != RDF.type.value)
        if isinstance(term, ox.BlankNode):
            return Val(f"_:{term.value}", code=True)
        href = safe_external(term.value) if term.datatype == XSD.anyURI else None
        return Val(format_literal(term, self.lang), href, lang=term.language or None,
                   text_lang=term.language or None, code=term.datatype == XSD.anyURI)

    # -- provenance -------------------------------------------------------------------
    def cite(self, sources: Iterable[str], kind: str) -> list[Ref]:
        refs = []
        for src in sources:
            note = self.note(src)
            refs.append(Ref(note.n, kind, note.title, note.title_lang))
        return refs

    def note(self, src: str) -> Note:
        if src not in self.notes:
            info = self.desc.sources.get(src) or SourceInfo(src)
            title = info.title or tail(src)
            label = f"{title} ({info.publisher})" if info.publisher else title
            self.notes[src] = Note(len(self.notes) + 1, info, safe_external(info.url),
                                   self.links.local(src), label, title,
                                   info.title_language if info.title else "")
        return self.notes[src]

    def value(self, st: Statement) -> Val:
        """The object of ``st`` with footnotes to the sources that state it."""
        val = self._cited(self.term(st.object), st)
        if isinstance(st.object, ox.Literal):
            val.name = st.predicate.value in NAME_PROPERTIES
            val.code = st.predicate.value in CODE_PROPERTIES
        return val

    def subject_value(self, st: Statement) -> Val:
        """The subject of ``st`` (an incoming link) with footnotes to its sources."""
        return self._cited(self.term(st.subject), st)

    def _cited(self, val: Val, st: Statement) -> Val:
        stated: list[str] = []
        record: list[str] = []
        for g in st.graphs:
            srcs = self.desc.graph_sources.get(g, ())
            if g.startswith(self.base + "graph/record/"):
                record += [s for s in srcs if s not in record]
            elif g == self.base + "graph/curation":
                val.curated = True
            else:
                stated += [s for s in srcs if s not in stated]
        val.refs = self.cite(stated, "stated") + self.cite(
            [s for s in record if s not in stated], "record")
        return val

    # -- rows -------------------------------------------------------------------------
    def values(self, subject: str, prop: ox.NamedNode) -> list[Val]:
        return self.values_and_originals(subject, prop)[0]

    def values_and_originals(self, subject: str, prop: ox.NamedNode) -> tuple[list[Val], list[Val]]:
        """The values in the page language and, when they are the curators' translations,
        the texts they translate (with their sources): the originals stay on the page."""
        vals = [self.value(st) for st in self.desc.objects(subject, prop)]
        picked = self._pick_language(vals)
        translated = [v for v in picked if v.curated and v.lang == self.lang and not v.refs]
        originals = [v for v in vals if v.lang and v.lang != self.lang] if translated else []
        if originals:
            for v in translated:
                v.translation = True
        return picked, originals

    def _pick_language(self, vals: list[Val]) -> list[Val]:
        tagged = [v for v in vals if v.lang]
        if any(v.lang == self.lang for v in tagged):
            return [v for v in vals if not v.lang or v.lang == self.lang]
        if tagged and len({v.lang for v in tagged}) > 1:  # no match: prefer one language
            other = "en" if any(v.lang == "en" for v in tagged) else tagged[0].lang
            return [v for v in vals if not v.lang or v.lang == other]
        return vals

    def rows(self, subject: str, props: Iterable[ox.NamedNode] | None = None,
             skip: Iterable[ox.NamedNode] = ()) -> list[Row]:
        """Rows of ``subject``'s properties: ``props`` in that order, or every property."""
        skipped = {p.value for p in skip}
        if props is None:
            seen: list[str] = []
            for st in self.desc.about(subject):
                if st.predicate.value not in seen and st.predicate.value not in skipped:
                    seen.append(st.predicate.value)
            order = sorted(seen, key=lambda p: (p == RDF.type.value and -1 or 0, self.label(p)))
            props = [ox.NamedNode(p) for p in order]
        out = []
        for prop in props:
            vals, originals = self.values_and_originals(subject, prop)
            if vals:
                distinct = {v.text for v in vals}
                out.append(Row(self.label(prop.value), prop.value, self.links.href(prop.value),
                               vals, prop.value in SINGLE_VALUED and len(distinct) > 1,
                               originals, self.desc.label(prop.value, self.lang) is None
                               and prop.value != RDF.type.value))
        return out

    def sources_list(self) -> list[Note]:
        """Every source cited on the page, plus every source the record cites."""
        for st in self.desc.objects(self.desc.iri, DCT.source):
            if isinstance(st.object, ox.NamedNode):
                self.note(st.object.value)
        return sorted(self.notes.values(), key=lambda n: n.n)
