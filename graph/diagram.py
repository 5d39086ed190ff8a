"""A class diagram of the ontology, generated from it: the classes of the ontology as boxes, the
object properties between them (``rdfs:domain`` → ``rdfs:range``, unions expanded, a property
and its ``owl:inverseOf`` drawn once) as labelled arrows, ``rdfs:subClassOf`` as dashed arrows,
and code-list values (``skos:Concept``) as one box. Deterministic SVG (graph.svg's conventions:
no scripts, every text escaped), laid out in layers by distance from the action plan.

``python -m graph.diagram ontology/regio.ttl > docs/model-diagram.svg`` regenerates the picture
in docs/ (tests/test_docs.py checks that it is up to date).
"""

from __future__ import annotations

import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from graph.namespaces import REGIO_IRI
from graph.svg import esc

ROOT = "ActionPlan"
CONCEPT = "skos:Concept"
BOX_H, ROW_GAP, COL_GAP, MARGIN, CHAR = 30, 110, 36, 30, 7.2


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    subclass: bool = False


def _name(node: rdflib.term.Node) -> str | None:
    text = str(node)
    if text.startswith(REGIO_IRI):
        return text[len(REGIO_IRI):]
    return CONCEPT if node == SKOS.Concept else None


def _members(graph: rdflib.Graph, node: rdflib.term.Node) -> list[str]:
    """The classes a domain or range names (a union's members)."""
    union = graph.value(node, OWL.unionOf)
    nodes = list(Collection(graph, union)) if union is not None else [node]
    return [n for n in (_name(x) for x in nodes) if n]


def read_model(graph: rdflib.Graph) -> tuple[list[str], list[Edge]]:
    """The classes and the edges between them."""
    classes = sorted({n for c in graph.subjects(RDF.type, OWL.Class) if (n := _name(c))
                      and n != CONCEPT})
    edges: list[Edge] = []
    drawn: set[rdflib.term.Node] = set()
    for prop in sorted(graph.subjects(RDF.type, OWL.ObjectProperty)):
        label = _name(prop)
        if label is None or label == CONCEPT:
            continue
        inverses = set(graph.objects(prop, OWL.inverseOf)) | set(graph.subjects(OWL.inverseOf, prop))
        if inverses & drawn:
            continue
        drawn.add(prop)
        for domain in graph.objects(prop, RDFS.domain):
            for rng in graph.objects(prop, RDFS.range):
                for s in _members(graph, domain):
                    for t in _members(graph, rng):
                        edges.append(Edge(s, t, label))
    for cls in classes:
        for parent in graph.objects(rdflib.URIRef(REGIO_IRI + cls), RDFS.subClassOf):
            name = _name(parent)
            if name and name != CONCEPT:
                edges.append(Edge(cls, name, "", subclass=True))
    if any(e.target == CONCEPT for e in edges):
        classes.append(CONCEPT)
    return classes, sorted(set(edges), key=lambda e: (e.source, e.target, e.label))


def layers(classes: list[str], edges: list[Edge]) -> list[list[str]]:
    """Classes by distance from the action plan (edges taken both ways), each layer ordered
    by the mean position of its neighbours in the layer above (then by name)."""
    neighbours: dict[str, set[str]] = {c: set() for c in classes}
    for e in edges:
        neighbours[e.source].add(e.target)
        neighbours[e.target].add(e.source)
    depth = {ROOT: 0} if ROOT in neighbours else {}
    queue = deque(depth)
    while queue:
        node = queue.popleft()
        for other in sorted(neighbours[node]):
            if other not in depth:
                depth[other] = depth[node] + 1
                queue.append(other)
    bottom = max(depth.values(), default=-1) + 1
    out: list[list[str]] = [[] for _ in range(bottom + 1)]
    for c in classes:
        out[depth.get(c, bottom)].append(c)
    out = [layer for layer in out if layer]
    position: dict[str, float] = {}
    for row in out:
        def key(c: str) -> tuple[float, str]:
            above = [position[n] for n in neighbours[c] if n in position]
            return (sum(above) / len(above) if above else 0.0, c)
        row.sort(key=key)
        for i, c in enumerate(row):
            position[c] = i - (len(row) - 1) / 2
    return out


def render(classes: list[str], edges: list[Edge], *, title: str = "") -> str:
    """The diagram as SVG text."""
    rows = layers(classes, edges)
    width_of = {c: len(c) * CHAR + 20 for c in classes}
    row_width = [sum(width_of[c] for c in row) + COL_GAP * (len(row) - 1) for row in rows]
    width = max(row_width) + 2 * MARGIN
    boxes: dict[str, tuple[float, float, float]] = {}
    for r, row in enumerate(rows):
        x = MARGIN + (width - 2 * MARGIN - row_width[r]) / 2
        y = MARGIN + 30 + r * (BOX_H + ROW_GAP)
        for c in row:
            boxes[c] = (x, y, width_of[c])
            x += width_of[c] + COL_GAP
    height = MARGIN + 30 + len(rows) * (BOX_H + ROW_GAP) - ROW_GAP + MARGIN
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
             f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{esc(title)}">',
             "<style>text{font-family:sans-serif;font-size:12px;fill:#222}.t{font-size:15px;"
             "font-weight:bold}.p{font-size:10px;fill:#1f5f99}.e{stroke:#6b8fb5;fill:none}"
             ".s{stroke:#999;stroke-dasharray:5 3;fill:none}.b{fill:#eef4fa;stroke:#1f5f99}"
             ".c{fill:#f5f5f5;stroke:#888}</style>",
             '<defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#6b8fb5"/></marker>'
             '<marker id="h" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" '
             'markerHeight="9" orient="auto"><path d="M0,0L10,5L0,10z" fill="#fff" '
             'stroke="#999"/></marker></defs>',
             f'<text x="{MARGIN}" y="{MARGIN + 4}" class="t">{esc(title)}</text>']
    labels_at: dict[tuple[int, int], int] = {}
    for e in edges:
        parts.append(_edge(e, boxes, labels_at))
    for c, (x, y, w) in boxes.items():
        klass = "c" if c == CONCEPT else "b"
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{BOX_H}" rx="4" '
                     f'class="{klass}"/><text x="{x + w / 2:.1f}" y="{y + 19:.1f}" '
                     f'text-anchor="middle">{esc(c)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _bezier(points: list[tuple[float, float]], t: float) -> tuple[float, float]:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
    u = 1 - t
    return (u ** 3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t ** 3 * x3,
            u ** 3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t ** 3 * y3)


def _edge(e: Edge, boxes: dict[str, tuple[float, float, float]],
          labels_at: dict[tuple[int, int], int]) -> str:
    sx, sy, sw = boxes[e.source]
    tx, ty, tw = boxes[e.target]
    klass, marker = ("s", "h") if e.subclass else ("e", "a")
    if e.source == e.target:  # a loop on the box's right side
        x, y = sx + sw, sy + BOX_H / 2
        points = [(x, y - 8), (x + 40, y - 30), (x + 40, y + 30), (x, y + 8)]
        lx, ly = x + 20, y - 24
    else:
        if abs(sy - ty) < 1:  # same layer: from the top, arching above
            x1, y1, x2, y2 = sx + sw / 2, sy, tx + tw / 2, ty
            lift = 40 + abs(x2 - x1) / 8
            points = [(x1, y1), (x1, y1 - lift), (x2, y2 - lift), (x2, y2)]
        else:
            down = ty > sy
            x1, y1 = sx + sw / 2, sy + (BOX_H if down else 0)
            x2, y2 = tx + tw / 2, ty + (0 if down else BOX_H)
            mid = (y1 + y2) / 2
            points = [(x1, y1), (x1, mid), (x2, mid), (x2, y2)]
        lx, ly = _bezier(points, 0.72)  # near the target: labels of a fan spread out
        slot = (round(lx / 60), round(ly / 12))
        ly += 11 * labels_at.get(slot, 0)  # labels that would overlap move down
        labels_at[slot] = labels_at.get(slot, 0) + 1
    (a, b), (c, d), (f, g), (h, k) = points
    path = f"M{a:.1f},{b:.1f} C{c:.1f},{d:.1f} {f:.1f},{g:.1f} {h:.1f},{k:.1f}"
    label = (f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle" class="p">{esc(e.label)}</text>'
             if e.label else "")
    return f'<path d="{path}" class="{klass}" marker-end="url(#{marker})"/>{label}'


def diagram(ontology_files: list[Path], *, title: str = "regio ontology") -> str:
    """The class diagram of the ontology in ``ontology_files`` as SVG text."""
    graph = rdflib.Graph()
    for path in ontology_files:
        graph.parse(path, format="turtle")
    classes, edges = read_model(graph)
    return render(classes, edges, title=title)


if __name__ == "__main__":
    sys.stdout.write(diagram([Path(p) for p in sys.argv[1:]],
                             title="regio ontology: classes and object properties"))
