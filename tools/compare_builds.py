"""Compare the OWL 4.0 build of a git revision (default: main) with the working tree's build.

Counts, per class of statement, the triples that were removed (no graph states them any more),
moved (still stated, but in other named graphs, e.g. from source graphs to a record or the
curation graph) and added. The classes follow issue 9 ("data truth"):

  1 plan-links   membership of a project in the plan (partOfPlan, inPhase, link status, notes)
  2 attribution  statements filed in the graph of a source that does not state them alone
  3 themes       project keywords, programme themes, the plan's themes, the theme hierarchy
  4 qualifiers   the qualifiers and variants of stated figures
  5 curation     the description of the curation graph and of the fact sheet (graph meta)
  6 new sheet    statements about resources that only the newer fact sheet has (added
                 projects, sources, organisations, people, events, counts, amounts)
  meta           provenance bookkeeping that follows from the above (graph meta: dct:source,
                 descriptions of assertion graphs)

Usage: python tools/compare_builds.py [--base main] [--by-predicate]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/owl40/"
R = "https://w3id.org/regio-kg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
LINK = {R + p for p in ("partOfPlan", "inPhase", "linkStatus", "linkNote", "hasPlanLink",
                        "linkedPlan", "suggestedPhase")}
THEME = {R + p for p in ("hasTheme", "themeKind", "keyword", "hasKeyword", "competenceField",
                         "hasThemeScheme")} | {SKOS + p for p in ("broader", "narrower",
                                                                   "topConceptOf", "hasTopConcept",
                                                                   "inScheme", "altLabel")}
QUALIFIER = {R + p for p in ("amountQualifier", "numericValue", "statedValue")}
Triple = tuple[str, str, str]

BUILD = """
import sys
from pathlib import Path
import pyoxigraph as ox
sys.path.insert(0, sys.argv[1])
from graph.build import build_owl40
sheet = Path(sys.argv[1]) / "instances" / "owl40" / "data"  # before issue 13: data/owl40
build = build_owl40(sheet if sheet.is_dir() else Path(sys.argv[1]) / "data" / "owl40", sys.argv[2])
sys.stdout.buffer.write(ox.serialize(build.quads, format=ox.RdfFormat.N_QUADS))
"""


def build_at(rev: str | None) -> bytes:
    """N-Quads of the build at git revision ``rev`` (None: the working tree)."""
    if rev is None:
        return _run(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "graph", "data"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        return _run(Path(tmp))


def _run(tree: Path) -> bytes:
    return subprocess.run([sys.executable, "-c", BUILD, str(tree), BASE], capture_output=True,
                          check=True, cwd=tree).stdout


def graphs_by_triple(nquads: bytes) -> dict[Triple, set[str]]:
    out: dict[Triple, set[str]] = defaultdict(set)
    for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        out[(str(q.subject), str(q.predicate), str(q.object))].add(
            q.graph_name.value.removeprefix(BASE + "graph/"))
    return out


def kind(graph: str) -> str:
    return graph.split("/")[0]


MODEL_KINDS = ("/id/plan-link/", "/id/keyword/", "/id/fact-sheet/", "/id/theme-scheme/",
               "/id/count/")


def new_resources(old: dict[Triple, set[str]], new: dict[Triple, set[str]]) -> set[str]:
    """IRIs the newer build mints that the older does not know, leaving out the new model's
    own nodes (plan links, keyword concepts, the fact sheet, count variants)."""
    def minted(data: dict[Triple, set[str]]) -> set[str]:
        return {x for s, _, o in data for x in (s, o) if x.startswith(f"<{BASE}id/")}
    return {x for x in minted(new) - minted(old) if not any(k in x for k in MODEL_KINDS)}


def classify(t: Triple, old: set[str], new: set[str], fresh: set[str] = frozenset()) -> str:
    """The class (see the module docstring) of a triple that was removed, moved or added."""
    s, p, o = t
    p = p.strip("<>")
    if not old and (s in fresh or o in fresh):
        return "6 new sheet"
    if {kind(g) for g in old | new} == {"meta"}:
        return "5 curation" if "/graph/curation>" in s or "/id/fact-sheet/" in s else "meta"
    if p in LINK or "/id/plan-link/" in s:
        return "1 plan-links"
    if p in THEME or "/id/theme/" in s or "/id/keyword/" in s or "/id/theme-scheme/" in s:
        return "3 themes"
    if p in QUALIFIER or "/id/count/" in s:
        return "4 qualifiers"
    return "2 attribution"


def compare(old: dict[Triple, set[str]], new: dict[Triple, set[str]]
            ) -> tuple[Counter, Counter]:
    """Counts per (class, change) and per (class, change, predicate)."""
    per_class: Counter = Counter()
    per_pred: Counter = Counter()
    fresh = new_resources(old, new)
    for t in old.keys() | new.keys():
        before, after = old.get(t, set()), new.get(t, set())
        if before == after:
            continue
        change = "removed" if not after else "added" if not before else "moved"
        cls = classify(t, before, after, fresh)
        per_class[(cls, change)] += 1
        per_pred[(cls, change, t[1].strip("<>").rsplit("#", 1)[-1].rsplit("/", 1)[-1])] += 1
    return per_class, per_pred


def moves(old: dict[Triple, set[str]], new: dict[Triple, set[str]]) -> Counter:
    """For moved triples: (graph kinds before, graph kinds after) counts."""
    out: Counter = Counter()
    for t in old.keys() & new.keys():
        if old[t] != new[t]:
            out[("+".join(sorted({kind(g) for g in old[t]})),
                 "+".join(sorted({kind(g) for g in new[t]})))] += 1
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="main", help="git revision to compare with")
    parser.add_argument("--by-predicate", action="store_true", help="also count per predicate")
    args = parser.parse_args(argv)
    old, new = graphs_by_triple(build_at(args.base)), graphs_by_triple(build_at(None))
    per_class, per_pred = compare(old, new)
    print(f"triples: {args.base} {len(old)}, working tree {len(new)}")
    print(f"{'class':<16}{'removed':>9}{'moved':>9}{'added':>9}")
    for cls in sorted({c for c, _ in per_class}):
        print(f"{cls:<16}" + "".join(f"{per_class[(cls, ch)]:>9}"
                                     for ch in ("removed", "moved", "added")))
    print("moved between kinds of graph (before -> after):")
    for (before, after), n in moves(old, new).most_common():
        print(f"  {before:>24} -> {after:<24}{n:>6}")
    if args.by_predicate:
        for (cls, ch, pred), n in sorted(per_pred.items()):
            print(f"  {cls:<16}{ch:<9}{pred:<28}{n:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
