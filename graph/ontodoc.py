"""The ontology and the shapes as documents: RDF in several formats, and HTML documentation.

- Ontology HTML is made by pyLODE (https://github.com/RDFLib/pyLODE, ``OntPub``) from the
  ontology's Turtle. pyLODE derives fragment ids from labels ("Handlungskonzept"); we seed its
  id table with the local names, so ``https://w3id.org/regio-kg/ontology#ActionPlan`` lands on
  ``id="ActionPlan"``. pyLODE runs in a child process: importing it configures the root logger
  (DEBUG) and it calls ``exit()`` on bad input, neither of which belongs in a web worker. The
  HTML is cached in ``cache_dir`` under a hash of the input and the pyLODE version.
- Shapes documentation is built here: one entry per named shape with its German and English
  name, description and messages, targets, path and constraints, anchored by local name.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from graph.catalog import METADATA_PREFIXES
from graph.errors import GraphError
from graph.namespaces import REGIO_IRI, REGIOSH_IRI
from graph.rdfio import parse_file

PROJECT_DIR = Path(__file__).resolve().parent.parent
CODELISTS = "codelists.ttl"
#: sh: terms shown in their own place rather than in the list of constraints
_OWN_PLACE = {"name", "description", "message", "property", "path", "severity", "targetClass",
              "targetNode", "targetSubjectsOf", "targetObjectsOf", "deactivated", "order",
              "group", "select", "prefixes"}
_TARGETS = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")


def ontology_files(ontology_dir: str | Path) -> list[Path]:
    """The ontology's Turtle files (all of ``ontology_dir`` but the code lists), as loaded."""
    return sorted(p for p in Path(ontology_dir).glob("*.ttl") if p.name != CODELISTS)


def shapes_files(shapes_dir: str | Path) -> list[Path]:
    return sorted(Path(shapes_dir).glob("*.ttl"))


def read_triples(files: list[Path]) -> list[ox.Triple]:
    """The triples of ``files`` (blank nodes kept apart per file)."""
    return [q.triple for path in files for q in parse_file(path)]


def serialise(triples: list[ox.Triple], fmt: ox.RdfFormat) -> bytes:
    """``triples`` in ``fmt``, with the project's prefixes where the format has them."""
    if fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
        return ox.serialize(triples, format=fmt)
    return ox.serialize(triples, format=fmt, prefixes=METADATA_PREFIXES)


def local_names(triples: list[ox.Triple], namespace: str) -> set[str]:
    """Local names of the IRIs in ``namespace`` that are described (appear as subjects)."""
    return {t.subject.value[len(namespace):] for t in triples
            if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(namespace)
            and len(t.subject.value) > len(namespace)}


# -- ontology HTML (pyLODE) -------------------------------------------------------------------

def ontology_html(files: list[Path], cache_dir: str | Path) -> str:
    """pyLODE's HTML documentation of the ontology ``files``, with an ``id`` per term's local
    name; generated once per content and cached in ``cache_dir``."""
    digest = hashlib.sha256(_pylode_version().encode())
    for path in files:
        digest.update(path.read_bytes())
    cache = Path(cache_dir) / f"ontology-{digest.hexdigest()[:16]}.html"
    if cache.is_file():
        return cache.read_text(encoding="utf-8")
    try:
        done = subprocess.run([sys.executable, "-m", "graph.ontodoc", *map(str, files)],
                              cwd=PROJECT_DIR, capture_output=True, timeout=300, check=False,
                              env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GraphError(f"pyLODE could not be run: {exc}") from None
    if done.returncode != 0 or not done.stdout.strip():
        raise GraphError("pyLODE failed: " + done.stderr.decode("utf-8", "replace")[-2000:])
    html = add_missing_anchors(done.stdout.decode("utf-8"), local_names(read_triples(files),
                                                                         REGIO_IRI))
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(f".{cache.name}.{os.getpid()}")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, cache)
    return html


def _pylode_version() -> str:
    try:
        return importlib.metadata.version("pylode")
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def html_ids(html: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', html))


def add_missing_anchors(html: str, names: set[str]) -> str:
    """Give every term that pyLODE did not render an empty anchor element, listed at the end,
    so that no term IRI points at nothing."""
    missing = sorted(names - html_ids(html))
    if not missing:
        return html
    spans = "".join(f'<span id="{n}"></span>' for n in missing)
    block = f'<div id="other-terms" hidden>{spans}</div>'
    return html.replace("</body>", block + "</body>", 1) if "</body>" in html else html + block


def _pylode_main(paths: list[str]) -> None:
    """Child process: print pyLODE's HTML of the ontology in ``paths``."""
    from pylode import OntPub

    graph = rdflib.Graph(bind_namespaces="core")
    for path in paths:
        graph.parse(path, format="turtle")
    doc = OntPub(graph)
    for s in set(graph.subjects()):
        if isinstance(s, rdflib.URIRef) and str(s).startswith(REGIO_IRI):
            doc.fids[str(s)] = str(s)[len(REGIO_IRI):]
    sys.stdout.write(doc.make_html())


# -- shapes documentation ---------------------------------------------------------------------

@dataclass
class ShapeDoc:
    """One named shape, ready to render."""

    id: str
    iri: str
    kind: str
    names: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    messages: dict[str, list[str]] = field(default_factory=dict)
    targets: list[tuple[str, str]] = field(default_factory=list)
    path: str = ""
    severity: str = ""
    constraints: list[tuple[str, str]] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)
    file: str = ""


def _short(graph: rdflib.Graph, node: rdflib.term.Node) -> str:
    if isinstance(node, rdflib.URIRef):
        for prefix, ns in METADATA_PREFIXES.items():
            if str(node).startswith(ns) and len(str(node)) > len(ns):
                return f"{prefix}:{str(node)[len(ns):]}"
        return f"<{node}>"
    if isinstance(node, rdflib.Literal):
        return str(node)
    if (node, RDF.first, None) in graph:
        return "( " + " ".join(_short(graph, n) for n in Collection(graph, node)) + " )"
    pairs = sorted(f"{_short(graph, p)} {_short(graph, o)}" for p, o in graph.predicate_objects(node)
                   if p != SH.select)
    return "[ " + " ; ".join(pairs) + " ]"


def _texts(graph: rdflib.Graph, s: rdflib.term.Node, p: rdflib.URIRef) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for o in sorted(graph.objects(s, p)):
        out.setdefault(getattr(o, "language", None) or "", []).append(str(o))
    return out


def describe_shapes(files: list[Path]) -> list[ShapeDoc]:
    """Every named node and property shape of ``files``, node shapes first, by local name."""
    graph = rdflib.Graph()
    owner: dict[rdflib.term.Node, str] = {}
    for path in files:
        part = rdflib.Graph().parse(path, format="turtle")
        owner.update({s: path.name for s in part.subjects()})
        graph += part
    shapes = {s for kind in (SH.NodeShape, SH.PropertyShape, SH.SPARQLConstraint)
              for s in graph.subjects(RDF.type, kind)}
    docs = [_shape_doc(graph, s, owner.get(s, "")) for s in shapes
            if isinstance(s, rdflib.URIRef) and str(s).startswith(REGIOSH_IRI)]
    order = {"node": 0, "property": 1, "sparql": 2}
    return sorted(docs, key=lambda d: (order[d.kind], d.id.lower()))


def _shape_doc(graph: rdflib.Graph, s: rdflib.URIRef, file: str) -> ShapeDoc:
    kind = ("node" if (s, RDF.type, SH.NodeShape) in graph
            else "property" if (s, RDF.type, SH.PropertyShape) in graph else "sparql")
    doc = ShapeDoc(str(s)[len(REGIOSH_IRI):], str(s), kind, file=file)
    doc.names = {k: v[0] for k, v in _texts(graph, s, SH.name).items()}
    doc.descriptions = {k: v[0] for k, v in _texts(graph, s, SH.description).items()}
    doc.messages = _texts(graph, s, SH.message)
    doc.targets = [(t, _short(graph, o)) for t in _TARGETS for o in sorted(graph.objects(s, SH[t]))]
    path = graph.value(s, SH.path)
    doc.path = _short(graph, path) if path is not None else ""
    severity = graph.value(s, SH.severity)
    doc.severity = _short(graph, severity) if severity is not None else "sh:Violation"
    doc.properties = sorted(str(o)[len(REGIOSH_IRI):] for o in graph.objects(s, SH.property)
                            if str(o).startswith(REGIOSH_IRI))
    doc.queries = [str(q) for q in graph.objects(s, SH.select)]
    for p, o in sorted(graph.predicate_objects(s)):
        name = str(p)[len(str(SH)):] if str(p).startswith(str(SH)) else ""
        if name in _OWN_PLACE or p == RDF.type or not name:
            continue
        doc.constraints.append((name, _short(graph, o)))
    return doc


if __name__ == "__main__":
    _pylode_main(sys.argv[1:])
