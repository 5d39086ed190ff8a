"""The fact sheet as the tests read it, independently of graph.build and graph.sheet.

``problems(quad, blocks, derived)`` says why a quad of a source or record graph is not what the
sheet attributes to that graph (an empty list when it is): the block it claims to come from
must exist in facts.yaml, name exactly that graph's source (or, for a curators' pick, name it
among its sources and contain the quoted evidence verbatim), be about the quad's subject and
object, and state its value.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from pyoxigraph import Literal, NamedNode, Quad

from tests.conftest import BASE, DATA_DIR

FACTS = yaml.safe_load((DATA_DIR / "facts.yaml").read_text(encoding="utf-8"))
CUR = yaml.safe_load((DATA_DIR / "curation.yaml").read_text(encoding="utf-8"))
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


# -- the sheet -------------------------------------------------------------------------------
def node_at(path: str) -> Any:
    """The sheet node at ``path`` (list items by id, else by index); KeyError if none."""
    node: Any = FACTS
    for part in path.split("/"):
        if isinstance(node, list):
            by_id = {item.get("id"): item for item in node if isinstance(item, dict)}
            node = by_id[part] if part in by_id else node[int(part)]
        else:
            node = node[part]
    return node


def sources_at(path: str) -> list[str]:
    """The sources the sheet gives for the block at ``path``."""
    node = node_at(path)
    if path.startswith("sources/"):
        return [node["id"]]
    if isinstance(node, dict) and "sources" in node:
        return list(node["sources"])
    found: list[str] = []

    def walk(n: Any) -> None:
        if isinstance(n, dict):
            found.extend(s for s in n.get("sources", []) if s not in found)
            for k, v in n.items():
                if k != "sources":
                    walk(v)
        elif isinstance(n, list):
            for item in n:
                walk(item)
    walk(node)
    return found


def text_at(path: str) -> str:
    """Every ``key: value`` of the block at ``path``, without its sub-blocks."""
    out: list[str] = []

    def walk(n: Any, key: str = "") -> None:
        if isinstance(n, dict):
            for k, v in n.items():
                if k != "sources" and not (isinstance(v, dict) and "sources" in v):
                    walk(v, k)
        elif isinstance(n, list):
            for item in n:
                if not (isinstance(item, dict) and "sources" in item):
                    walk(item, key)
        elif n is not None:
            out.append(f"{key}: {n}")
    walk(node_at(path))
    return "\n".join(out)


# -- what a literal may be ------------------------------------------------------------------
def _has(text: str, needle: str) -> bool:
    """``needle`` in ``text``, not inside a longer word or number."""
    return bool(re.search(r"(?<![\w.,])" + re.escape(needle) + r"(?![\w]|[.,]\d)", text))


def number_forms(value: float) -> set[str]:
    if not value.is_integer():
        return {f"{value:g}"}
    n = int(value)
    forms = {str(n), f"{n:,}", f"{n:,}".replace(",", "."), f"{n:,}".replace(",", " ")}
    if n >= 1_000_000:
        forms.add(f"{n / 1_000_000:g} Mio")
    if n < len(WORDS):
        forms.add(WORDS[n])
    return forms


def date_forms(lit: Literal) -> set[str]:
    value, dt = lit.value, lit.datatype.value
    if dt == XSD + "gYear":
        return {value}
    y, m, *d = value.split("-")
    month = MONTHS[int(m) - 1]
    forms = {value, f"{month} {y}", f"{month[:3]} {y}"}
    if d:
        forms |= {f"{int(d[0])} {month} {y}", f"{int(d[0])} {month[:3]} {y}"}
    return forms


def mentioned(term: Literal | NamedNode, text: str) -> bool:
    """True when ``text`` (sheet text) states the literal (or external IRI) ``term``."""
    flat = re.sub(r"\s+", " ", text)
    if isinstance(term, NamedNode):  # an external page, e.g. foaf:homepage
        bare = re.sub(r"^https?://", "", term.value).rstrip("/")
        return term.value in flat or bare in flat
    dt = term.datatype.value
    if dt in (XSD + "decimal", XSD + "integer"):
        return any(_has(flat, f) for f in number_forms(float(term.value)))
    if dt in (XSD + "date", XSD + "gYearMonth", XSD + "gYear"):
        return any(_has(flat, f) for f in date_forms(term))
    value = re.sub(r"\s+", " ", term.value)
    candidates = {value, re.sub(r"^[A-Z][a-z]+( [a-z]+)?: ", "", value)}
    no_space = re.sub(r"\s", "", flat)
    return any((_has(flat, c) if len(c) < 5 else c in flat) for c in candidates) or \
        (len(value) > 4 and " " not in value and value in no_space)


# -- what an IRI is about -------------------------------------------------------------------
def _kind_slug(iri: str) -> tuple[str, str]:
    rest = iri.removeprefix(BASE + "id/")
    kind, _, slug = rest.partition("/")
    return kind, slug


def _event_ids() -> dict[str, int]:
    out = {}
    for i, ev in enumerate(FACTS["events"]):
        cur = CUR["events"][i]
        out[f"{ev['date']}-{cur['slug']}" if ev.get("date") else f"undated-{cur['slug']}"] = i
    return out


def _count_paths(slug: str) -> list[str]:
    i, _, j = slug.partition("-")
    part = CUR["stated_counts"][int(i) - 1][int(j) - 1 if j else 0]
    paths = [f"stated_counts/{int(i) - 1}", *part.get("also", [])]
    if part.get("block"):
        paths.append(part["block"])
    if part.get("cite"):
        paths.append(part["cite"]["at"])
    return paths


def records_of(iri: str) -> list[str]:
    """The sheet paths of the records an IRI we mint stands for."""
    kind, slug = _kind_slug(iri)
    project = slug.rsplit("-", 1)[0] if kind == "amount" else slug
    simple = {"source": "sources", "project": "projects", "plan-link": "projects",
              "organisation": "organisations", "phase": "phases", "theme": "themes",
              "region": "regions"}
    if kind == "region" and slug == "nrw":
        return ["regions/owl"]
    if kind == "theme" and slug in CUR["cluster_fields"]:
        return ["programme/basis"]
    if kind in simple:
        return [f"{simple[kind]}/{slug}"]
    if kind in ("funding", "amount"):
        return [f"projects/{project}/funding", f"phases/{project}/funding"]
    if kind == "action-plan":
        return ["programme"]
    if kind == "goal":
        return [f"programme/goals/{int(slug) - 1}"]
    if kind == "count":
        return _count_paths(slug)
    if kind == "participation":
        target, _, org = slug.partition("--")
        return [f"roles/{i}" for i, r in enumerate(FACTS["roles"]) if r["org"] == org and
                (r["of"] == target or (r["of"] == "programme" and target == "owl-40"))] + \
            [f"projects/{target}"]
    if kind == "person":
        return [f"people/{i}" for i, p in enumerate(FACTS["people"]) if _slug(p["name"]) == slug]
    if kind == "event":
        events = _event_ids()
        return [f"events/{events[slug]}"] if slug in events else ["phases/phase-2/date"]
    if kind == "programme":
        p = CUR["programmes"][slug]
        return [x for x in (p.get("note_from"), (p.get("period") or {}).get("at")) if x]
    return []


def _slug(name: str) -> str:
    from graph.emit import slugify  # the IRI scheme (docs/model.md), not the builder's logic

    return slugify(name)


def names_of(iri: str) -> set[str]:
    """The words by which sheet text names what an IRI stands for."""
    kind, slug = _kind_slug(iri)
    if kind in ("project", "plan-link", "funding", "amount"):
        pid = slug.rsplit("-", 1)[0] if kind == "amount" else slug
        p = next((p for p in FACTS["projects"] if p["id"] == pid), {})
        return {pid} | {p[k] for k in ("title", "acronym") if p.get(k)}
    if kind == "organisation":
        o = next(o for o in FACTS["organisations"] if o["id"] == slug)
        return {slug, o["name"]} | ({o["short_name"]} if o.get("short_name") else set())
    if kind == "region":
        return {"Nordrhein-Westfalen"} if slug == "nrw" else \
            {slug, next(r["name"] for r in FACTS["regions"] if r["id"] == slug)}
    if kind == "theme":
        labels = {t["id"]: t["label_de"] for t in FACTS["themes"]}
        return {slug, labels.get(slug) or CUR["cluster_fields"][slug]["de"]}
    if kind == "action-plan":  # a phase of the plan or the sheet's programme names the plan
        return {"OWL 4.0", "programme", *(p["id"] for p in FACTS["phases"])}
    if kind == "person":
        return {p["name"] for p in FACTS["people"] if _slug(p["name"]) == slug}
    if kind == "programme":
        p = CUR["programmes"][slug]
        return {slug, p["de"], p["en"]}
    return {slug} if kind == "phase" else set()


def related(iri: str, path: str, text: str, sources: list[str]) -> bool:
    """Whether the block at ``path`` (with ``text``) is about the resource ``iri``."""
    if not iri.startswith(BASE + "id/"):
        return False
    kind, slug = _kind_slug(iri)
    if kind == "source" and slug in sources:
        return True
    if any(path == r or path.startswith(r + "/") for r in records_of(iri)):
        return True
    return any(name and name in text for name in names_of(iri))


# -- the check ------------------------------------------------------------------------------
def problems(quad: Quad, blocks: list[Any], derived: set[str]) -> list[str]:
    """Why ``quad`` (in a source or record graph) is not attributed to its graph by the sheet;
    ``blocks`` are the blocks the build says it comes from, ``derived`` the source ids the
    graph says it derives from (graph meta)."""
    graph = quad.graph_name.value.removeprefix(BASE + "graph/")
    if not blocks:
        return [f"{quad}: no sheet block"]
    why: list[str] = []
    for blk in blocks:
        found = _check(quad, graph, blk, derived)
        if not found:
            return []
        why += found
    return why


def _check(quad: Quad, graph: str, blk: Any, derived: set[str]) -> list[str]:
    try:
        sources, text = sources_at(blk.sheet), text_at(blk.sheet)
    except (KeyError, IndexError, ValueError, TypeError):
        return [f"{quad}: no block {blk.sheet!r} in the sheet"]
    out = []
    if graph.startswith("source/"):
        sid = graph.removeprefix("source/")
        if blk.evidence is None and sources != [sid]:
            out.append(f"{quad}: block {blk.sheet} has sources {sources}, not only {sid}")
        if blk.evidence is not None:
            if sid not in sources or blk.evidence not in text:
                out.append(f"{quad}: evidence {blk.evidence!r} not in {blk.sheet} for {sid}")
            text = blk.evidence
    elif graph.startswith("record/"):
        if len(sources) < 2 or set(sources) != derived:
            out.append(f"{quad}: record graph derived from {sorted(derived)}, "
                       f"block {blk.sheet} has {sources}")
    else:
        out.append(f"{quad}: not a source or record graph")
    s, p, o = quad.subject, quad.predicate, quad.object
    if not related(s.value, blk.sheet, text, sources):
        out.append(f"{quad}: block {blk.sheet} is not about the subject")
    if isinstance(o, Literal) or (isinstance(o, NamedNode) and not o.value.startswith(BASE)
                                  and p.value != RDF_TYPE):
        if not mentioned(o, text):
            out.append(f"{quad}: block {blk.sheet} does not state {o}")
    elif isinstance(o, NamedNode) and p.value != RDF_TYPE and \
            not related(o.value, blk.sheet, text, sources):
        out.append(f"{quad}: block {blk.sheet} is not about the object")
    return out
