"""The submissions' SHACL validation finds exactly what plain pySHACL finds.

graph/submissions/validate.py makes pySHACL fast (the shapes parsed once, the ontology mixed
in once, single-graph stores, constraint components built once per shape, sh:or stopping at
the first conforming member, a SHACL-SPARQL query run once per validation instead of once per
focus node). None of that may change a finding: each case here is validated by
``shacl_report`` and by plain ``pyshacl.validate`` in a fresh Python process without those
changes (tests/shacl_reference.py), and the results must be the same, message for message:
every example of tests/data/shapes, and the bench's submissions, valid and broken, with the
partners' shapes and with all shapes (the curators' rules, whose SPARQL constraints are run
per focus node). The reports are built from these findings alone, so they stay the same too
(the whole reports of these inputs were compared before and after when the speed-ups came
in, see bench/README.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from bench.submissions import sheet, turtle
from graph.submissions import validate as val
from tests.shacl_reference import results

ROOT = Path(__file__).resolve().parent.parent
SHAPES, ONTOLOGY = ROOT / "shapes", ROOT / "ontology"
REGIOSH = "https://w3id.org/regio-kg/shapes#"
EXAMPLES = sorted((ROOT / "tests" / "data" / "shapes").glob("*/*.ttl"))


def fast(triples: set[ox.Triple], bg: val.Background) -> list[dict]:
    """The results of the submissions' pySHACL run, as the reference gives them."""
    focus = sorted({t.subject.value for t in triples})
    report = val.shacl_report(triples, focus, bg)
    return results(report, set(bg.curator_shapes)) if report is not None else []


def canonical(found: list[dict]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in found)


def read(data: bytes, fmt: ox.RdfFormat) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(data, fmt)}


def sheet_triples(data: bytes) -> set[ox.Triple]:
    """What a bench sheet states, as the mapping makes it (participations with a source),
    without a store: the rows' columns straight into RDF."""
    base, regio = "https://w3id.org/owl40/id/", "https://w3id.org/regio-kg/ontology#"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    out = set()
    for n, line in enumerate(data.decode().splitlines()[1:]):
        _change, _record, _source, org, target, role_text, start, end, role = line.split(";")
        me = ox.NamedNode(f"{base}participation/{target}--{org}")
        day = start.split(".")
        start_value = (ox.Literal(f"{day[2]}-{int(day[1]):02d}-{int(day[0]):02d}",
                                  datatype=ox.NamedNode(xsd + "date")) if len(day) == 3
                       else ox.Literal(start))
        end_value = (ox.Literal(end, datatype=ox.NamedNode(xsd + ("gYearMonth" if "-" in end
                                                                 else "gYear")))
                     if end[:4].isdigit() else ox.Literal(end))
        out |= {ox.Triple(me, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                          ox.NamedNode(regio + "Participation")),
                ox.Triple(me, ox.NamedNode(regio + "participant"),
                          ox.NamedNode(f"{base}organisation/{org}")),
                ox.Triple(me, ox.NamedNode(regio + "participationIn"),
                          ox.NamedNode(f"{base}project/{target}")),
                ox.Triple(me, ox.NamedNode(regio + "roleText"), ox.Literal(role_text)),
                ox.Triple(me, ox.NamedNode(regio + "startDate"), start_value),
                ox.Triple(me, ox.NamedNode(regio + "endDate"), end_value),
                ox.Triple(me, ox.NamedNode("http://www.w3.org/ns/org#role"),
                          ox.NamedNode(f"https://w3id.org/regio-kg/code/role/{role}")),
                ox.Triple(me, ox.NamedNode("http://purl.org/dc/terms/source"),
                          ox.NamedNode(f"{base}source/submission-{n % 3}"))}
    return out


CASES = {
    **{f"example:{p.parent.name}/{p.stem}": (lambda p=p: read(p.read_bytes(), ox.RdfFormat.TURTLE))
       for p in EXAMPLES},
    "bench:rdf-1000": lambda: read(turtle(1000, "same"), ox.RdfFormat.TURTLE),
    "bench:rdf-1000-broken": lambda: read(turtle(1000, "same", broken=True),
                                          ox.RdfFormat.TURTLE),
    "bench:csv-300-broken": lambda: sheet_triples(sheet(300, "same", broken=True)),
}


MODES = {"partner": False, "all shapes": True}  # background(curators_rules=...)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    """Plain pySHACL's results of every case in every mode, from one fresh process."""
    tmp = tmp_path_factory.mktemp("plain-pyshacl")
    cases = []
    for name, make in CASES.items():
        data = tmp / f"{len(cases)}.nt"
        data.write_bytes(ox.serialize(make(), format=ox.RdfFormat.N_TRIPLES))
        for mode, curators_rules in MODES.items():
            bg = val.background(SHAPES, ONTOLOGY, curators_rules=curators_rules)
            cases.append({"name": f"{mode} {name}", "data": str(data),
                          "deactivated": sorted(bg.curator_shapes)})
    job = tmp / "job.json"
    job.write_text(json.dumps({"shapes_dir": str(SHAPES), "ontology_dir": str(ONTOLOGY),
                               "cases": cases}))
    answer = subprocess.run([sys.executable, str(ROOT / "tests" / "shacl_reference.py"),
                             str(job)], capture_output=True, check=True, cwd=tmp)
    return json.loads(answer.stdout)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("case", sorted(CASES))
def test_same_results_as_plain_pyshacl(case: str, mode: str,
                                       plain: dict[str, list[dict]]) -> None:
    bg = val.background(SHAPES, ONTOLOGY, curators_rules=MODES[mode])
    assert canonical(fast(CASES[case](), bg)) == canonical(plain[f"{mode} {case}"])


def test_the_bench_cases_find_something() -> None:
    """The broken bench submissions break several rules, with every severity, so that the
    comparison above covers findings, not only their absence."""
    bg = val.background(SHAPES, ONTOLOGY)

    def rules(case: str) -> set[tuple[str, str]]:
        triples = CASES[case]()
        return {(f.severity, f.constraint or f.shape) for f in
                val.run_shacl(triples, sorted({t.subject.value for t in triples}), bg)}

    rdf = rules("bench:rdf-1000-broken")
    assert {s for s, _ in rdf} == {"Violation", "Warning", "Info"} and len(rdf) >= 5, rdf
    assert len(rules("bench:csv-300-broken")) >= 3
    assert not rules("bench:rdf-1000") - {("Warning", REGIOSH + "Sourced-source")}


def test_only_queries_that_allow_it_run_once_for_all_focus_nodes() -> None:
    from rdflib.plugins.sparql import prepareQuery

    def batchable(where: str, select: str = "$this ?value") -> bool:
        return val._batchable(prepareQuery(
            f"PREFIX ex: <http://example.org/> SELECT {select} WHERE {{ {where} }}"))

    assert batchable("$this ex:start ?s . $this ex:end ?value . BIND (STR(?s) AS ?t) "
                     "FILTER (REGEX(?t, '^[0-9]{4}') && ?t > STR(?value))")
    assert not batchable("$this ex:end ?value", select="?value")  # $this not selected
    assert not batchable("?x ex:end ?value")  # $this not in the pattern
    assert not batchable("$this ex:end ?value FILTER NOT EXISTS { $this ex:start ?s }")
    assert not batchable("$this ex:end ?value OPTIONAL { $this ex:start ?s }")
    assert not batchable("{ $this ex:end ?value } UNION { $this ex:start ?value }")
    assert not batchable("$this ex:end ?value MINUS { $this ex:start ?value }")
    assert not batchable("$this ex:end ?value BIND (RAND() AS ?r)")
    assert not batchable("$this ex:end ?value { SELECT ?value WHERE { ?x ex:start ?value } }")
    assert not batchable("$this ex:end ?value VALUES ?value { 1 }")


def test_the_parallel_split_finds_the_same() -> None:
    """Large submissions are validated in two processes, split by subject."""
    bg = val.background(SHAPES, ONTOLOGY)
    triples = read(turtle(1000, "split", broken=True), ox.RdfFormat.TURTLE)
    focus = sorted({t.subject.value for t in triples})
    key = lambda f: json.dumps({**f.__dict__, "value": str(f.value)}, sort_keys=True)  # noqa: E731
    one = sorted(map(key, val.run_shacl(triples, focus, bg)))
    two = sorted(map(key, val.run_shacl_split(triples, focus, bg, workers=2)))
    assert one == two and one


def test_pyshacl_called_elsewhere_in_the_process_is_plain_pyshacl(
        plain: dict[str, list[dict]], tmp_path: Path) -> None:
    """The faster components are for the submissions' own shapes graph only: pySHACL called
    directly in a process that has imported the submissions' validation (the web app, the
    CLI) builds pySHACL's own classes and finds what it finds in a fresh process."""
    import pyshacl
    from pyshacl.constraints.core.logical_constraints import OrConstraintComponent
    from rdflib.namespace import SH

    from tests.shacl_reference import read_background, validate_case

    shapes, ontology = read_background(str(SHAPES), str(ONTOLOGY))
    ours = val.background(SHAPES, ONTOLOGY).shapes_graph()
    others = pyshacl.ShapesGraph(shapes)
    with_or = [s for s in others.shapes if (s.node, SH["or"], None) in shapes]
    make_or = pyshacl.shape.CONSTRAINT_PARAMS[1][SH["or"]]
    assert with_or
    for shape in with_or:
        assert type(make_or(shape)) is OrConstraintComponent
        assert make_or(shape) is not make_or(shape)  # built anew, as pySHACL does
        mine = ours.lookup_shape_from_node(shape.node)
        assert type(make_or(mine)) is not OrConstraintComponent
        assert make_or(mine) is make_or(mine)
    for name in ("bench:rdf-1000-broken", "bench:csv-300-broken"):
        data = tmp_path / "data.nt"
        data.write_bytes(ox.serialize(CASES[name](), format=ox.RdfFormat.N_TRIPLES))
        for mode, curators_rules in MODES.items():
            off = set(val.background(SHAPES, ONTOLOGY, curators_rules=curators_rules)
                      .curator_shapes)
            assert canonical(validate_case(shapes, ontology, str(data), off)) == \
                canonical(plain[f"{mode} {name}"])
