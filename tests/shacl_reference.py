"""Plain pySHACL, the reference of tests/test_submissions_validation.py.

Run in a fresh Python process, so that none of the changes graph/submissions/validate.py
makes to pySHACL for speed are loaded (it imports nothing of the project):

    python tests/shacl_reference.py JOB.json

JOB: ``{"shapes_dir", "ontology_dir", "cases": [{"name", "data" (an N-Triples file),
"deactivated" (shape IRIs)}]}``. Each case's data is validated against the shapes (every
*.ttl of shapes_dir, the deactivated shapes given ``sh:deactivated true``) with the
ontology (*.ttl of ontology_dir) as ``ont_graph``, the way the submissions validated before
they were made faster; printed: ``{name: results}`` as JSON (``results``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyshacl
import rdflib
from rdflib.namespace import RDF, SH, XSD


def term(node: rdflib.term.Node | None) -> list | None:
    """A term as comparable data (blank nodes all alike: their labels differ per run)."""
    if node is None:
        return None
    if isinstance(node, rdflib.URIRef):
        return ["iri", str(node)]
    if isinstance(node, rdflib.BNode):
        return ["blank"]
    if node.language:
        return ["literal", str(node), node.language, None]
    return ["literal", str(node), None, str(node.datatype or XSD.string)]


def results(report: rdflib.Graph, deactivated: set[str]) -> list[dict]:
    """Every result of a pySHACL report (but those of ``deactivated`` shapes) as data."""
    out = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        shape = report.value(node, SH.sourceShape)
        constraint = report.value(node, SH.sourceConstraint)
        if str(shape) in deactivated or (constraint is not None
                                         and str(constraint) in deactivated):
            continue
        path = report.value(node, SH.resultPath)
        out.append({
            "focus": term(report.value(node, SH.focusNode)),
            "path": str(path) if isinstance(path, rdflib.URIRef) else None,
            "value": term(report.value(node, SH.value)),
            "component": str(report.value(node, SH.sourceConstraintComponent)),
            "shape": str(shape) if shape is not None else None,
            "constraint": str(constraint) if isinstance(constraint, rdflib.URIRef) else None,
            "severity": str(report.value(node, SH.resultSeverity)),
            "messages": sorted([str(m), getattr(m, "language", None) or ""]
                               for m in report.objects(node, SH.resultMessage))})
    return out


def read_background(shapes_dir: str, ontology_dir: str) -> tuple[rdflib.Graph, rdflib.Graph]:
    """The shapes and the ontology, each file parsed and added."""
    shapes, ontology = rdflib.Graph(), rdflib.Graph()
    for path in sorted(Path(shapes_dir).glob("*.ttl")):
        shapes += rdflib.Graph().parse(path, format="turtle")
    for path in sorted(Path(ontology_dir).glob("*.ttl")):
        ontology += rdflib.Graph().parse(path, format="turtle")
    return shapes, ontology


def validate_case(shapes: rdflib.Graph, ontology: rdflib.Graph, data: str,
                  deactivated: set[str]) -> list[dict]:
    """``pyshacl.validate`` of the N-Triples file ``data`` (lexical forms kept, as the
    submissions read data), the ``deactivated`` shapes off; its results (``results``)."""
    case_shapes = rdflib.Graph()
    case_shapes += shapes
    for node in deactivated:
        case_shapes.add((rdflib.URIRef(node), SH.deactivated, rdflib.Literal(True)))
    normalize = rdflib.NORMALIZE_LITERALS
    try:
        rdflib.NORMALIZE_LITERALS = False  # as the submissions read data (pySHACL turns it on)
        graph = rdflib.Graph().parse(data, format="nt")
        _conforms, report, _text = pyshacl.validate(
            graph, shacl_graph=case_shapes, ont_graph=ontology, inference="none",
            abort_on_first=False, allow_infos=True, allow_warnings=True, meta_shacl=False,
            advanced=False, inplace=True)
    finally:
        rdflib.NORMALIZE_LITERALS = normalize
    return results(report, deactivated)


def main(job_file: str) -> None:
    job = json.loads(Path(job_file).read_text())
    rdflib.NORMALIZE_LITERALS = False  # lexical forms kept, as the submissions read them
    shapes, ontology = read_background(job["shapes_dir"], job["ontology_dir"])
    answers = {case["name"]: validate_case(shapes, ontology, case["data"],
                                           set(case["deactivated"]))
               for case in job["cases"]}
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
