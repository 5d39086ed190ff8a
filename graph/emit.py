"""Emitter: collects triples into provenance named graphs (see docs/model.md, Provenance)."""

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


@dataclass
class Emitter:
    """Mints IRIs under ``base`` and files each triple into the named graph of its provenance."""

    base: str
    quads: list[Quad] = field(default_factory=list)
    graph_sources: dict[str, set[str]] = field(default_factory=dict)
    resource_sources: dict[str, set[str]] = field(default_factory=dict)
    _seen: set[tuple[str, str, str, str]] = field(default_factory=set)

    # -- IRIs -----------------------------------------------------------------------
    def iri(self, kind: str, slug: str) -> NamedNode:
        return NamedNode(f"{self.base}id/{kind}/{slug}")

    def source(self, source_id: str) -> NamedNode:
        return self.iri("source", source_id)

    def graph_iri(self, path: str) -> NamedNode:
        return NamedNode(f"{self.base}graph/{path}")

    # -- emitting -------------------------------------------------------------------
    def _put(self, s: Term, p: NamedNode, o: Term, g: NamedNode) -> None:
        key = (str(s), str(p), str(o), str(g))
        if key not in self._seen:
            self._seen.add(key)
            self.quads.append(Quad(s, p, o, g))

    def stated(self, s: Term, p: NamedNode, o: Term | None, sources: Iterable[str]) -> None:
        """A triple that each of ``sources`` states: one copy in each source's graph."""
        if o is None:
            return
        sources = list(sources)
        if not sources:
            raise ValueError(f"stated() without sources for {s} {p}")
        for sid in sources:
            g = self.graph_iri(f"source/{sid}")
            self.graph_sources.setdefault(g.value, set()).add(sid)
            self._put(s, p, o, g)
            if isinstance(s, NamedNode):
                self.resource_sources.setdefault(s.value, set()).add(sid)

    def record(self, s: Term, p: NamedNode, o: Term | None, kind: str, rid: str,
               sources: Iterable[str]) -> None:
        """A triple the sheet gives at record level: graph record/{kind}/{id}."""
        if o is None:
            return
        g = self.graph_iri(f"record/{kind}/{rid}")
        srcs = set(sources)
        if not srcs:
            raise ValueError(f"record {kind}/{rid} has no sources")
        self.graph_sources.setdefault(g.value, set()).update(srcs)
        if isinstance(s, NamedNode):
            self.resource_sources.setdefault(s.value, set()).update(srcs)
        self._put(s, p, o, g)

    def curated(self, s: Term, p: NamedNode, o: Term | None) -> None:
        """A classification or translation by the curators: graph curation."""
        if o is None:
            return
        g = self.graph_iri("curation")
        self.graph_sources.setdefault(g.value, set())
        self._put(s, p, o, g)

    def finish(self) -> None:
        """Describe every assertion graph (graph meta) and add dct:source on resources."""
        meta = self.graph_iri("meta")
        for g, sids in sorted(self.graph_sources.items()):
            gnode = NamedNode(g)
            self._put(gnode, RDF.type, REGIO.AssertionGraph, meta)
            for sid in sorted(sids):
                self._put(gnode, PROV.wasDerivedFrom, self.source(sid), meta)
            if g.endswith("/curation"):
                self._put(gnode, RDFS.comment, text(
                    "Classifications, parsed values and translations by the curators.", "en"),
                    meta)
                self._put(gnode, RDFS.comment, text(
                    "Klassifikationen, ausgewertete Werte und Übersetzungen der Kuratoren.",
                    "de"), meta)
        for res, sids in sorted(self.resource_sources.items()):
            for sid in sorted(sids):
                if res != self.source(sid).value:
                    self._put(NamedNode(res), DCT.source, self.source(sid), meta)

    @property
    def graphs(self) -> set[str]:
        return {q.graph_name.value for q in self.quads}


