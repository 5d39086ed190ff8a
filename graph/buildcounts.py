"""Build sections: stated counts (every variant with its own qualifier), people, events."""

from __future__ import annotations

from typing import Any

from pyoxigraph import NamedNode

from graph.build import Builder, code, stated_text
from graph.emit import Block, date_literal, decimal, text
from graph.namespaces import DCT, FOAF, RDF, RDFS, REGIO


def build(b: Builder) -> None:
    stated_counts(b)
    people(b)
    events(b)


def stated_counts(b: Builder) -> None:
    n = 0
    for i, sc in enumerate(b.f["stated_counts"]):
        entry = b.block(f"stated_counts/{i}")
        for j, part in enumerate(b.c["stated_counts"][i]):
            n += 1
            node = b.e.iri("count", f"{i + 1}" + (f"-{j + 1}" if j else ""))
            count_part(b, node, sc, part, entry)
    b.counts["stated_counts"] = n


def count_part(b: Builder, node: NamedNode, sc: dict[str, Any], part: dict[str, Any],
               entry: Block) -> None:
    """One number of a stated count, in every block of the sheet that states it."""
    if part.get("cite"):
        blocks = [b.cite(part["cite"])]
    elif part.get("block"):
        blocks = [b.block(part["block"])]
    else:
        blocks = [entry]
    blocks += [b.block(path) for path in part.get("also", [])]
    value = str(part.get("value", sc["value"]))
    what = part.get("what", sc["what"])
    target = b.ref(part["of"]) if part.get("of") else b.plan
    for blk in blocks:
        b.e.put(node, RDF.type, REGIO.StatedCount, blk)
        b.e.put(node, REGIO.statedValue, stated_text(b.verbatim(blk, value, str(node))), blk)
        if part.get("numeric") is not None:
            b.e.put(node, REGIO.numericValue, decimal(part["numeric"]), blk)
        if part.get("currency"):
            b.e.put(node, REGIO.currency, text(part["currency"]), blk)
    b.e.curated(node, REGIO.countOf, target)  # what the figure is about: the curators' reading
    if "what" in part:  # the curators' wording of what one part of the entry counts
        b.e.curated(node, REGIO.countedThing, text(what, "en"))
    else:
        b.e.put(node, REGIO.countedThing, text(what, "en"), entry)
    b.e.curated(node, RDFS.label, text(f"{what}: {value}", "en"))
    if part.get("numeric") is not None:
        b.e.curated(node, REGIO.amountQualifier, code("qualifier", part.get("qualifier", "exact")))


def people(b: Builder) -> None:
    for i, p in enumerate(b.f["people"]):
        node, blk = b.person(p["name"]), b.block(f"people/{i}")
        b.e.put(node, RDF.type, REGIO.Person, blk)
        b.e.put(node, RDFS.label, text(p["name"]), blk)
        b.e.put(node, FOAF.name, text(p["name"]), blk)
        b.e.put(node, REGIO.publicRole, text(p["role"]), blk)
    b.counts["people"] = len(b.f["people"])


def event_iri(b: Builder, i: int) -> NamedNode:
    return b.e.iri("event", b.event_id(i))


def events(b: Builder) -> None:
    for i, ev in enumerate(b.f["events"]):
        cur, blk = b.c["events"][i], b.block(f"events/{i}")
        node = event_iri(b, i)
        b.e.put(node, RDF.type, REGIO.Event, blk)
        b.e.curated(node, RDFS.label, text(cur["title"], "en"))
        b.e.curated(node, DCT.title, text(cur["title"], "en"))
        b.e.put(node, DCT.description, text(ev["what"], "en"), blk)
        if ev.get("date"):
            b.e.put(node, REGIO.date, date_literal(str(ev["date"])), blk)
        if cur.get("period_text"):
            b.e.put(node, REGIO.periodText,
                    text(b.verbatim(blk, cur["period_text"], f"events.{i}"), "en"), blk)
        b.e.curated(node, REGIO.eventType, code("event-type", cur["type"]))
        for rid in cur.get("concerns", []):
            b.e.curated(node, REGIO.concerns, b.ref(rid))
        for name in cur.get("people", []):
            sourced(b, blk, name, node, REGIO.involvedPerson, b.person(name))
        if cur.get("location"):
            sourced(b, blk, cur["location"], node, REGIO.location, text(cur["location"]))
    b.counts["events"] = len(b.f["events"]) + 1


def sourced(b: Builder, blk: Block, words: str, s: NamedNode, p: NamedNode, o: Any) -> None:
    """In ``blk``'s graph when the sheet text of ``blk`` has ``words`` verbatim, else the
    curators' reading (graph curation)."""
    if b.says(blk, words):
        b.e.put(s, p, o, blk)
    else:
        b.e.curated(s, p, o)

