"""The benchmark data generator (bench/generate.py) and the bench query mix (bench/mix.py).

A small generation is run twice as the CLI (with different hash seeds) and checked for identical
bytes, the size target, invented IRIs only, the provenance layout of graph/build.py, the model's
shape and code lists; every bench query must parse and answer on it, and the region-scoped
queries must stay inside their region on a multi-region generation.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store, parse

from api.config import PROJECT_DIR
from bench.generate import TOLERANCE, generate, parse_size
from bench.mix import KINDS, candidates, load_queries, query_variants
from bench.region import INVENTED, SOURCE_URLS

SMALL = 5000
MULTI = 40000
META_SUFFIX = "/graph/meta"
REGIO = "https://w3id.org/regio-kg/ontology#"
CODE = "https://w3id.org/regio-kg/code/"
# namespaces an object IRI may use besides the invented data
VOCABS = (CODE, REGIO, "http://www.w3.org/", "http://purl.org/dc/terms/",
          "http://xmlns.com/foaf/0.1/", "https://schema.org/")
PREFIXES = f"""PREFIX regio: <{REGIO}>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
"""


def run_cli(out: Path, hash_seed: str) -> str:
    proc = subprocess.run(
        [sys.executable, "bench/generate.py", "--triples", str(SMALL), "-o", str(out), "-q"],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
        env={"PYTHONHASHSEED": hash_seed, "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def load(path: Path) -> Store:
    store = Store()
    with gzip.open(path) as fh:
        store.load(fh, format=RdfFormat.N_QUADS)
    return store


def ask(store: Store, query: str) -> bool:
    return bool(store.query(PREFIXES + query))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    tmp = tmp_path_factory.mktemp("bench")
    first, second = tmp / "a" / "synthetic.nq.gz", tmp / "b" / "synthetic.nq.gz"
    out = run_cli(first, "1")
    run_cli(second, "2")
    return first, second, out


@pytest.fixture(scope="module")
def small_store(small: tuple[Path, Path, str]) -> Store:
    return load(small[0])


@pytest.fixture(scope="module")
def multi(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Store]:
    path = tmp_path_factory.mktemp("bench-multi") / "multi.nq.gz"
    report = generate(MULTI, path, seed=7)
    assert report.regions >= 2
    return path, load(path)


def test_same_bytes_twice(small: tuple[Path, Path, str]) -> None:
    first, second, _ = small
    assert first.read_bytes() == second.read_bytes()
    header = first.read_bytes()[:10]  # gzip: no file name (FLG.FNAME), no time (MTIME = 0)
    assert header[3] & 0x08 == 0 and header[4:8] == bytes(4)


def test_size_within_two_percent(small: tuple[Path, Path, str],
                                 multi: tuple[Path, Store]) -> None:
    first, _, stdout = small
    with gzip.open(first) as fh:
        quads = list(parse(fh, format=RdfFormat.N_QUADS))
    assert abs(len(quads) - SMALL) <= SMALL * TOLERANCE
    assert f"wrote {len(quads):,} quads" in stdout
    assert abs(len(multi[1]) - MULTI) <= MULTI * TOLERANCE


def test_only_invented_iris(small: tuple[Path, Path, str], small_store: Store) -> None:
    with gzip.open(small[0], "rt", encoding="utf-8") as fh:
        raw = fh.read()
    assert "w3id.org/owl40" not in raw
    for q in small_store:
        assert q.subject.value.startswith(INVENTED), q
        assert isinstance(q.graph_name, DefaultGraph) or q.graph_name.value.startswith(INVENTED)
        if isinstance(q.object, NamedNode):
            assert q.object.value.startswith((INVENTED, *VOCABS)), q
    urls = [r[0].value for r in small_store.query(PREFIXES + "SELECT ?u { ?s schema:url ?u }")]
    assert urls and all(u.startswith(SOURCE_URLS) for u in urls)
    labels = [r[0].value for r in small_store.query(
        "SELECT ?l { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }")]
    assert labels and all("(erfunden)" in label or "(invented)" in label for label in labels)


def test_default_graph_is_the_union_of_the_named_graphs(small_store: Store) -> None:
    named = {q.triple for q in small_store if not isinstance(q.graph_name, DefaultGraph)}
    default = [q.triple for q in small_store.quads_for_pattern(None, None, None, DefaultGraph())]
    assert len(default) == len(set(default)) and set(default) == named


def test_provenance_layout(small_store: Store) -> None:
    graphs = {g.value for g in small_store.named_graphs()}
    kinds = Counter(g.split("/graph/", 1)[1].split("/")[0] for g in graphs)
    assert kinds["source"] > 5 and kinds["record"] > 5
    assert kinds["curation"] == 1 and kinds["meta"] == 1
    # every assertion graph but curation is derived from sources with an invented URL
    assert not ask(small_store, f"""ASK {{
        GRAPH ?g {{ ?s ?p ?o }}
        FILTER(!STRENDS(STR(?g), "{META_SUFFIX}"))
        FILTER NOT EXISTS {{ GRAPH ?meta {{ ?g a regio:AssertionGraph }}
                             FILTER(STRENDS(STR(?meta), "{META_SUFFIX}")) }}
    }}""")
    assert not ask(small_store, """ASK {
        ?g a regio:AssertionGraph . FILTER(!STRENDS(STR(?g), "/graph/curation"))
        FILTER NOT EXISTS { ?g prov:wasDerivedFrom/schema:url ?url }
    }""")
    assert ask(small_store, "ASK { ?project a regio:Project ; dct:source ?source . }")


@pytest.mark.parametrize("violation", [
    "?x a regio:Project . FILTER NOT EXISTS { ?x dct:title ?t }",
    "?x a regio:Project . FILTER NOT EXISTS { ?x regio:inPhase ?p }",
    "?x a regio:Project . FILTER NOT EXISTS { ?x regio:linkStatus ?s }",
    "?x a regio:Project . FILTER NOT EXISTS { ?x regio:partOfPlan ?p }",
    "?x a regio:Participation . FILTER NOT EXISTS { ?x regio:participant ?o ; org:role ?r }",
    "?x a regio:Organisation . FILTER NOT EXISTS { ?x regio:organisationType ?t }",
    "?x regio:inPhase ?p . FILTER NOT EXISTS { ?p a regio:Phase }",
    "?x regio:participant ?o . FILTER NOT EXISTS { ?o a regio:Organisation }",
])
def test_light_shape(small_store: Store, violation: str) -> None:
    assert not ask(small_store, f"ASK {{ {violation} }}")


def test_codes_come_from_the_code_lists(small_store: Store) -> None:
    concepts = {t.subject.value for t in parse(path=str(PROJECT_DIR / "ontology/codelists.ttl"),
                                               format=RdfFormat.TURTLE)}
    used = {q.object.value for q in small_store
            if isinstance(q.object, NamedNode) and q.object.value.startswith(CODE)}
    assert {c.rsplit("/", 2)[1] for c in used} >= {"org-type", "role", "link-status",
                                                   "event-type", "qualifier", "theme-kind"}
    assert used <= concepts


def test_partners_and_brokers(multi: tuple[Path, Store]) -> None:
    store = multi[1]
    rows = store.query(PREFIXES + """
        SELECT ?project (COUNT(DISTINCT ?org) AS ?n) WHERE {
          ?project a regio:Project .
          ?pa regio:participationIn ?project ; regio:participant ?org .
          FILTER NOT EXISTS { ?pa org:role <https://w3id.org/regio-kg/code/role/funder> }
        } GROUP BY ?project""")
    sizes = [int(r["n"].value) for r in rows]
    assert sizes and min(sizes) >= 3 and max(sizes) <= 15
    per_org = [int(r["n"].value) for r in store.query(PREFIXES + """
        SELECT ?org (COUNT(DISTINCT ?project) AS ?n)
        WHERE { ?pa regio:participant ?org ; regio:participationIn ?project . } GROUP BY ?org""")]
    per_org.sort()
    assert per_org[len(per_org) // 2] <= 3 and per_org[-1] >= 10  # few brokers, a long tail


def test_query_headers() -> None:
    queries = load_queries()
    assert len(queries) >= 11
    assert {q.kind for q in queries} == set(KINDS)
    assert {"project-partners", "project-page", "organisation-page", "network-brokers",
            "projects-per-theme", "sources-of-a-fact"} <= {q.name for q in queries}
    assert all(q.title and "{{" not in q.title for q in queries)


def test_every_query_answers(small: tuple[Path, Path, str], small_store: Store) -> None:
    variants = query_variants(small[0], 3)
    assert variants == query_variants(candidates(small_store), 3)
    assert len(variants) == 3 * len(load_queries())
    for name, text in variants:
        assert "{{" not in text.split("\nPREFIX", 1)[1], name
        rows = list(small_store.query(text))
        assert rows, f"{name} returned no row"
    projects = {t for n, t in variants if n == "project-page"}
    assert len(projects) == 3  # three different projects, not one cached answer


def test_region_queries_stay_in_their_region(multi: tuple[Path, Store]) -> None:
    path, store = multi
    scoped = {q.name for q in load_queries() if q.params == ("REGION",)}
    pool = candidates(path)
    assert len(pool["REGION"]) >= 2
    for region in pool["REGION"]:
        base = region.split("/id/", 1)[0] + "/id/"
        for name, text in query_variants({**pool, "REGION": [region]}, 1):
            if name not in scoped:
                continue
            rows = list(store.query(text))
            assert rows, f"{name} returned no row for {region}"
            for row in rows:
                for term in row:
                    value = getattr(term, "value", "")
                    if any(f"/id/{kind}/" in value for kind in ("project", "phase", "event")):
                        assert value.startswith(base), (name, region, value)


def test_too_small_a_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="too small"):
        generate(500, tmp_path / "tiny.nq.gz")


def test_parse_size() -> None:
    assert [parse_size(s) for s in ("5000", "100k", "1M", "10M", "2.5k")] == [
        5000, 100_000, 1_000_000, 10_000_000, 2500]
