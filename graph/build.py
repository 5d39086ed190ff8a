"""Build a graph from a fact sheet (facts.yaml + curation.yaml; the format of the instance
instances/owl40, whose sheet is instances/owl40/data/).

Every triple lands in a provenance named graph (graph.emit.Emitter; docs/model.md explains the
choice). Nothing is invented: facts come from facts.yaml, interpretations from curation.yaml.
The sections live in graph.buildplan (sources, regions, programmes, plan, phases),
graph.buildprojects (projects, plan links, roles, funding), graph.buildthemes and
graph.buildcounts (stated counts, people, events).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from graph.emit import Block, Emitter, decimal, slugify, text
from graph.errors import InputError
from graph.namespaces import PROV, RDF, RDFS, REGIO, REGIOCODE_IRI
from graph.sheet import block_sources, block_text


@dataclass
class BuildResult:
    """The built dataset: quads in named graphs, counts for reports, and for every quad in a
    source or record graph the sheet blocks it comes from (``attribution``)."""

    quads: list[Quad]
    graphs: set[str]
    counts: dict[str, int] = field(default_factory=dict)
    attribution: dict[Quad, list[Block]] = field(default_factory=dict)


def code(scheme: str, value: str) -> NamedNode:
    return NamedNode(f"{REGIOCODE_IRI}{scheme}/{value}")


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(str(exc), source=str(path),
                         line=mark.line + 1 if mark else None) from exc


def build_owl40(data_dir: Path, base_iri: str) -> BuildResult:
    """Build the whole dataset of the fact sheet in ``data_dir`` with IRIs under ``base_iri``."""
    from graph import buildcounts, buildplan, buildprojects, buildthemes

    facts = read_yaml(Path(data_dir) / "facts.yaml")
    cur = read_yaml(Path(data_dir) / "curation.yaml")
    b = Builder(Emitter(base_iri), facts, cur)
    buildplan.build(b)
    buildthemes.build(b)
    buildprojects.build(b)
    buildcounts.build(b)
    translate(b, Path(data_dir) / "translations.yaml")
    b.e.finish(curation_derived_from=b.fact_sheet)
    return BuildResult(b.e.quads, b.e.graphs, b.counts, b.e.attribution)


class Builder:
    """What every section needs: the emitter, the sheet, the curation and lookups."""

    def __init__(self, e: Emitter, facts: dict[str, Any], cur: dict[str, Any]) -> None:
        self.e, self.f, self.c = e, facts, cur
        self.counts: dict[str, int] = {}
        self.plan = e.iri("action-plan", cur["action_plan"]["slug"])
        #: the plan's short name in labels ("Link of … to <name>"), from the curation
        self.plan_name = cur["action_plan"].get("short_name") or cur["action_plan"]["slug"]
        self.fact_sheet = e.iri("fact-sheet", cur["fact_sheet"]["slug"])
        self.projects = {p["id"]: p for p in facts["projects"]}
        self.orgs = {o["id"]: o for o in facts["organisations"]}
        self.phases = {p["id"]: p for p in facts["phases"]}
        self.people = {p["name"]: p for p in facts["people"]}
        self.theme_scheme = e.iri("theme-scheme", cur["action_plan"]["slug"])
        self.participations: dict[tuple[str, str], NamedNode] = {}
        self.role_sets: dict[str, set[str]] = {}

    # -- blocks ------------------------------------------------------------------------
    def block(self, sheet: str) -> Block:
        """The block at sheet path ``sheet`` with its sources and record graph path."""
        srcs = block_sources(self.f, sheet)
        return Block(sheet, tuple(dict.fromkeys(srcs)), self.graph_of(sheet))

    def graph_of(self, sheet: str) -> str:
        """The record graph path of a sheet block: ``projects/x/funding`` ->
        ``project/x/funding``, ``stated_counts/6`` -> ``count/7``, ``events/0`` ->
        ``event/2016-04-08-first-funding-notices``."""
        head, _, rest = sheet.partition("/")
        first, _, tail = rest.partition("/")
        if head == "programme":
            return "/".join(filter(None, [f"action-plan/{self.c['action_plan']['slug']}",
                                          rest.replace("_", "-")]))
        if head == "stated_counts":
            first = str(int(first) + 1)
        elif head == "events":
            first = self.event_id(int(first))
        elif head == "people":
            first = slugify(self.f["people"][int(first)]["name"])
        kind = {"projects": "project", "phases": "phase", "organisations": "organisation",
                "regions": "region", "themes": "theme", "stated_counts": "count",
                "roles": "role", "events": "event", "people": "person",
                "sources": "source"}[head]
        return "/".join(filter(None, [kind, first, tail.replace("_", "-")]))

    def event_id(self, i: int) -> str:
        ev, cur = self.f["events"][i], self.c["events"][i]
        return f"{ev['date']}-{cur['slug']}" if ev.get("date") else f"undated-{cur['slug']}"

    def cite(self, spec: dict[str, Any]) -> Block:
        """The block a curation cite names (``at``), narrowed to ``source`` when given; a
        source of a several-source block needs ``evidence`` found verbatim in its text."""
        at = spec["at"]
        sources, graph = block_sources(self.f, at), self.graph_of(at)
        if not spec.get("source"):
            return self.block(at)
        sid, evidence = spec["source"], spec.get("evidence")
        if sid not in sources:
            raise InputError(f"cite of {at}: {sid} is not a source of that block",
                             source="curation.yaml")
        if len(sources) > 1 and not (evidence and evidence in block_text(self.f, at)):
            raise InputError(f"cite of {at} for {sid}: evidence {evidence!r} is not in the sheet",
                             source="curation.yaml")
        return Block(at, (sid,), graph, evidence if len(sources) > 1 else None)

    def says(self, block: Block, words: str) -> bool:
        """True when ``words`` stand verbatim in the sheet text of ``block`` (or its evidence)."""
        return words in (block.evidence or block_text(self.f, block.sheet))

    def verbatim(self, block: Block, words: str, what: str) -> str:
        """``words``, after checking that the block's text contains them."""
        if not self.says(block, words):
            raise InputError(f"{what}: {words!r} is not in the sheet at {block.sheet}",
                             source="curation.yaml")
        return words

    # -- shared nodes -------------------------------------------------------------------
    def typed(self, node: NamedNode, cls: NamedNode, label: Literal, block: Block) -> None:
        self.e.put(node, RDF.type, cls, block)
        self.e.put(node, RDFS.label, label, block)

    def ref(self, rid: str) -> NamedNode:
        """IRI of a sheet id that may name a project, phase, organisation, plan or programme."""
        if rid in self.projects:
            return self.e.iri("project", rid)
        if rid in self.phases:
            return self.e.iri("phase", rid)
        if rid in self.orgs:
            return self.e.iri("organisation", rid)
        if rid in self.c["programmes"]:
            return self.e.iri("programme", rid)
        if rid == self.c["action_plan"]["slug"] or rid == "programme":
            return self.plan
        raise InputError(f"unknown id {rid!r}", source="curation.yaml")

    def person(self, name: str) -> NamedNode:
        if name not in self.people:
            raise InputError(f"person {name!r} is not in facts.yaml people", source="curation.yaml")
        return self.e.iri("person", slugify(name))

    def amount(self, node: NamedNode, value: float, currency: str, qualifier: str | None,
               stated: str | None, block: Block) -> NamedNode:
        """A MonetaryAmount: value, currency and wording from ``block``; the qualifier is the
        curators' reading of the wording."""
        self.e.put(node, RDF.type, REGIO.MonetaryAmount, block)
        self.e.put(node, REGIO.value, decimal(_number(value)), block)
        self.e.put(node, REGIO.currency, text(currency), block)
        if stated:
            self.e.put(node, REGIO.statedValue, stated_text(self.verbatim(block, stated, str(node))),
                       block)
        if qualifier:
            self.e.curated(node, REGIO.amountQualifier, code("qualifier", qualifier))
        return node

    def derived(self, node: NamedNode, block: Block) -> None:
        """``node`` prov:wasDerivedFrom each source of ``block`` (in the block's graph)."""
        for sid in block.sources:
            self.e.put(node, PROV.wasDerivedFrom, self.e.source(sid), block)


def stated_text(words: str) -> Literal:
    """A value as the sheet states it: English when it has words ("about 150"), else plain."""
    from graph.translate import neutral

    return text(words) if neutral(words) else text(words, "en")


def _number(value: float | int) -> int | float:
    return int(value) if float(value).is_integer() else value


def translate(b: Builder, path: Path) -> None:
    """The curators' German translations of the English texts (graph curation), see
    :mod:`graph.translate`; the texts still without one are in ``b.counts``."""
    from graph.translate import read_translations, translations

    skip = (b.e.graph_iri("meta").value,)
    done, missing = translations(b.e.quads, read_translations(path), skip_graphs=skip)
    for s, p, o in done:
        b.e.curated(s, p, o)
    b.counts["translations"] = len(done)
    b.counts["untranslated"] = len(missing)


def default_graph_quads(quads: list[Quad]) -> list[Quad]:
    """The union of ``quads``' graphs as default-graph quads, each triple once (an RDF merge).

    The store keeps this materialised union as its default graph, so a SPARQL query without
    GRAPH sees each public statement once, however many sources state it.
    """
    seen: set[tuple[str, str, str]] = set()
    out: list[Quad] = []
    for q in quads:
        key = (str(q.subject), str(q.predicate), str(q.object))
        if key not in seen:
            seen.add(key)
            out.append(Quad(q.subject, q.predicate, q.object, DefaultGraph()))
    return out
