"""Emitter: files each triple into the named graph of its provenance (docs/model.md, Provenance).

A statement comes from one *block* of the fact sheet: a part of the sheet with its own list of
sources (a project's funding, a stated count, a role, a whole record). When the block names
exactly one source, the statement goes into that source's graph ``graph/source/{id}``; when it
names several, it goes into the block's record graph ``graph/record/{path}``, derived from all
of them (the sheet does not say which of them states what). The curators' classifications,
parsed readings and translations go into ``graph/curation``. Every emitted quad remembers its
block (``Emitter.attribution``), so a test can check it against the sheet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from graph.namespaces import DCT, PROV, RDF, RDFS, REGIO, XSD

Term = NamedNode | Literal | BlankNode

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR_MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
_YEAR_RE = re.compile(r"^\d{4}$")


def slugify(text: str) -> str:
    """Lower-case ASCII slug with hyphens: 'Höxter Süd' -> 'hoexter-sued'."""
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = text.replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def date_literal(value: str) -> Literal:
    """A typed literal for 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY' (xsd:date, gYearMonth, gYear)."""
    value = str(value).strip()
    if _DATE_RE.match(value):
        return Literal(value, datatype=XSD.date)
    if _YEAR_MONTH_RE.match(value):
        return Literal(value, datatype=XSD.gYearMonth)
    if _YEAR_RE.match(value):
        return Literal(value, datatype=XSD.gYear)
    raise ValueError(f"not a date, year-month or year: {value!r}")


def text(value: str, lang: str | None = None) -> Literal:
    """A plain or language-tagged literal of trimmed text."""
    return Literal(str(value).strip(), language=lang) if lang else Literal(str(value).strip())


def decimal(value: float | int | str) -> Literal:
    return Literal(str(value), datatype=XSD.decimal)


@dataclass(frozen=True)
class Block:
    """A block of the fact sheet: its path in the sheet (``projects/arbeit-40/funding``), its
    sources, and the path of its record graph (``project/arbeit-40/funding``).

    ``evidence`` is set for a curators' *pick*: a value of a several-source block that the
    curators attribute to one source, quoting the sheet text (in the block at ``sheet``) that
    says so."""

    sheet: str
    sources: tuple[str, ...]
    graph: str
    evidence: str | None = None

    @property
    def single(self) -> bool:
        return len(self.sources) == 1


@dataclass
class Emitter:
    """Mints IRIs under ``base`` and files each triple into the named graph of its provenance."""

    base: str
    quads: list[Quad] = field(default_factory=list)
    graph_sources: dict[str, set[str]] = field(default_factory=dict)
    graph_blocks: dict[str, str] = field(default_factory=dict)
    resource_sources: dict[str, set[str]] = field(default_factory=dict)
    attribution: dict[Quad, list[Block]] = field(default_factory=dict)
    meta_extra: list[tuple[Term, NamedNode, Term]] = field(default_factory=list)
    _seen: set[Quad] = field(default_factory=set)

    # -- IRIs -----------------------------------------------------------------------
    def iri(self, kind: str, slug: str) -> NamedNode:
        return NamedNode(f"{self.base}id/{kind}/{slug}")

    def source(self, source_id: str) -> NamedNode:
        return self.iri("source", source_id)

    def graph_iri(self, path: str) -> NamedNode:
        return NamedNode(f"{self.base}graph/{path}")

    # -- emitting -------------------------------------------------------------------
    def _put(self, s: Term, p: NamedNode, o: Term, g: NamedNode) -> None:
        quad = Quad(s, p, o, g)
        if quad not in self._seen:
            self._seen.add(quad)
            self.quads.append(quad)

    def put(self, s: Term, p: NamedNode, o: Term | None, block: Block) -> None:
        """A triple the sheet gives in ``block``: in the graph of its one source, or in the
        block's record graph when it names several."""
        if o is None:
            return
        if not block.sources:
            raise ValueError(f"block {block.sheet} has no sources ({s} {p})")
        if block.single:
            g = self.graph_iri(f"source/{block.sources[0]}")
        else:
            g = self.graph_iri(f"record/{block.graph}")
            known = self.graph_blocks.setdefault(g.value, block.sheet)
            if set(block.sources) != self.graph_sources.get(g.value, set(block.sources)):
                raise ValueError(f"record graph {g.value} of {known} and {block.sheet} "
                                 "with different sources")
        self.graph_sources.setdefault(g.value, set()).update(block.sources)
        if isinstance(s, NamedNode):
            self.resource_sources.setdefault(s.value, set()).update(block.sources)
        self._put(s, p, o, g)
        blocks = self.attribution.setdefault(Quad(s, p, o, g), [])
        if block not in blocks:
            blocks.append(block)

    def stated(self, s: Term, p: NamedNode, o: Term | None, sources: Iterable[str]) -> None:
        """Low level, for a caller that decides the filing itself (the benchmark's invented
        regions): one copy in the graph of each of ``sources``, each stating the triple."""
        if o is None:
            return
        for sid in sources:
            g = self.graph_iri(f"source/{sid}")
            self.graph_sources.setdefault(g.value, set()).add(sid)
            self._put(s, p, o, g)
            if isinstance(s, NamedNode):
                self.resource_sources.setdefault(s.value, set()).add(sid)

    def record(self, s: Term, p: NamedNode, o: Term | None, kind: str, rid: str,
               sources: Iterable[str]) -> None:
        """Low level (see :meth:`stated`): the record graph ``record/{kind}/{rid}``."""
        if o is None:
            return
        g = self.graph_iri(f"record/{kind}/{rid}")
        srcs = set(sources)
        self.graph_sources.setdefault(g.value, set()).update(srcs)
        if isinstance(s, NamedNode):
            self.resource_sources.setdefault(s.value, set()).update(srcs)
        self._put(s, p, o, g)

    def curated(self, s: Term, p: NamedNode, o: Term | None) -> None:
        """A classification, parsed reading or translation by the curators: graph curation."""
        if o is None:
            return
        g = self.graph_iri("curation")
        self.graph_sources.setdefault(g.value, set())
        self._put(s, p, o, g)

    def cites(self, node: NamedNode, sources: Iterable[str]) -> None:
        """``node`` (a curators' resource) rests on the records of ``sources``: dct:source."""
        self.resource_sources.setdefault(node.value, set()).update(sources)

    def meta(self, s: Term, p: NamedNode, o: Term) -> None:
        """A statement about the provenance itself (graph meta), e.g. the fact sheet."""
        self.meta_extra.append((s, p, o))

    def finish(self, curation_derived_from: NamedNode | None = None) -> None:
        """Describe every assertion graph (graph meta) and add dct:source on resources."""
        meta = self.graph_iri("meta")
        for s, p, o in self.meta_extra:
            self._put(s, p, o, meta)
        for g, sids in sorted(self.graph_sources.items()):
            gnode = NamedNode(g)
            self._put(gnode, RDF.type, REGIO.AssertionGraph, meta)
            for sid in sorted(sids):
                self._put(gnode, PROV.wasDerivedFrom, self.source(sid), meta)
            if g in self.graph_blocks:
                self._describe_block(gnode, self.graph_blocks[g], meta)
            if g.endswith("/curation"):
                self._describe_curation(gnode, meta, curation_derived_from)
        for res, sids in sorted(self.resource_sources.items()):
            for sid in sorted(sids):
                if res != self.source(sid).value:
                    self._put(NamedNode(res), DCT.source, self.source(sid), meta)

    def _describe_block(self, gnode: NamedNode, sheet: str, meta: NamedNode) -> None:
        self._put(gnode, RDFS.comment, text(
            f"Statements of the fact-sheet block '{sheet}', which names several sources "
            "together; each of them supports the block as a whole, not necessarily each "
            "statement.", "en"), meta)
        self._put(gnode, RDFS.comment, text(
            f"Aussagen des Faktenblatt-Abschnitts „{sheet}“, der mehrere Quellen gemeinsam "
            "nennt; jede stützt den Abschnitt als Ganzes, nicht unbedingt jede Aussage.",
            "de"), meta)

    def _describe_curation(self, gnode: NamedNode, meta: NamedNode,
                           derived_from: NamedNode | None) -> None:
        for lang, title, comment in (
                ("en", "Curation of the fact sheet",
                 "The curators' parsing, classification and translation of the fact sheet: "
                 "parsed dates and numbers, code-list classifications (organisation types, "
                 "roles, link status, qualifiers, theme kinds), the mapping of project keywords "
                 "to the plan's themes, English and German labels. No source states these "
                 "statements as they are; they are the curators' reading."),
                ("de", "Kuratierung des Faktenblatts",
                 "Auswertung, Klassifikation und Übersetzung des Faktenblatts durch die "
                 "Kuratoren: gelesene Daten und Zahlen, Einordnungen nach Codelisten "
                 "(Organisationsarten, Rollen, Zuordnungsstatus, Genauigkeit, Themenarten), "
                 "die Zuordnung von Projektschlagwörtern zu den Themen des Konzepts, deutsche "
                 "und englische Bezeichnungen. Keine Quelle sagt diese Aussagen so; sie sind "
                 "die Lesart der Kuratoren.")):
            self._put(gnode, DCT.title, text(title, lang), meta)
            self._put(gnode, RDFS.comment, text(comment, lang), meta)
        if derived_from is not None:
            self._put(gnode, PROV.wasDerivedFrom, derived_from, meta)

    @property
    def graphs(self) -> set[str]:
        return {q.graph_name.value for q in self.quads}
