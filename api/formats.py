"""One table of media types and short names, shared by the SPARQL endpoint and the pages.

Content negotiation uses werkzeug's Accept parsing (q-values, specificity); ``format=`` (or a
file extension on pages) overrides the Accept header for links typed into a browser.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept


@dataclass(frozen=True)
class Format:
    """A serialisation: short name (``format=``), canonical media type, file extension."""

    name: str
    media_type: str
    extension: str
    aliases: tuple[str, ...] = ()


# SELECT and ASK results (SPARQL 1.1 Query Results formats)
RESULTS = (
    Format("json", "application/sparql-results+json", "srj", ("application/json",)),
    Format("xml", "application/sparql-results+xml", "srx", ("application/xml", "text/xml")),
    Format("csv", "text/csv", "csv"),
    Format("tsv", "text/tab-separated-values", "tsv"),
)

# CONSTRUCT and DESCRIBE results, and RDF documents
RDF = (
    Format("turtle", "text/turtle", "ttl", ("application/x-turtle",)),
    Format("ntriples", "application/n-triples", "nt", ("text/plain",)),
    Format("jsonld", "application/ld+json", "jsonld", ("application/json",)),
    Format("rdfxml", "application/rdf+xml", "rdf", ("application/xml", "text/xml")),
)

# Datasets (several graphs): dumps and the Service Description's graph view
DATASETS = (
    Format("nquads", "application/n-quads", "nq"),
    Format("trig", "application/trig", "trig"),
)

HTML = Format("html", "text/html", "html", ("application/xhtml+xml",))

_SHORT = {"ttl": "turtle", "nt": "ntriples", "n-triples": "ntriples", "json-ld": "jsonld",
          "rdf": "rdfxml", "rdf/xml": "rdfxml", "srj": "json", "srx": "xml", "nq": "nquads"}


class NotAcceptable(Exception):
    """Nothing the client accepts can be produced (HTTP 406)."""

    def __init__(self, offered: tuple[Format, ...]) -> None:
        self.offered = offered
        super().__init__("none of the accepted media types can be produced; available: "
                         + ", ".join(f.media_type for f in offered))


class UnknownFormat(Exception):
    """A ``format=`` value or file extension names no format offered here (HTTP 400)."""


def by_name(name: str, offered: tuple[Format, ...]) -> Format:
    """The offered format called ``name`` (short name, extension or media type)."""
    key = _SHORT.get(name.lower(), name.lower())
    for fmt in offered:
        if key in (fmt.name, fmt.extension, fmt.media_type) or key in fmt.aliases:
            return fmt
    raise UnknownFormat(f"unknown format {name!r}; use one of "
                        + ", ".join(f.name for f in offered))


def negotiate(accept: MIMEAccept, offered: tuple[Format, ...], *,
              override: str | None = None) -> Format:
    """Pick the format: ``override`` first, then the best Accept match, then the first offered.

    No Accept header (or ``*/*``) gives the first offered format; an Accept header that
    matches nothing raises NotAcceptable.
    """
    if override:
        return by_name(override, offered)
    if not accept or not accept.values():
        return offered[0]
    candidates: list[str] = []
    owner: dict[str, Format] = {}
    for fmt in offered:
        for mt in (fmt.media_type, *fmt.aliases):
            if mt not in owner:
                candidates.append(mt)
                owner[mt] = fmt
    # canonical types first, so a wildcard ("text/*") picks CSV rather than the alias text/xml;
    # an alias wins only when the client names it with a higher quality
    best = accept.best_match([f.media_type for f in offered])
    alias = accept.best_match(candidates)
    if alias is not None and (best is None or accept.quality(alias) > accept.quality(best)):
        best = alias
    if best is None:
        raise NotAcceptable(offered)
    # "*/*" matches the first candidate: that is the offered default, as intended
    return owner[best]
