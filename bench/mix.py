"""The benchmark's query mix: bench/queries/*.rq, their headers, and parameter variants.

Each query file starts with comment lines ``# title:``, ``# kind: cheap|heavy`` (a lookup of
one resource, or an aggregate), optionally ``# adapted-from:`` and ``# description:``, then the
query. Placeholders ``{{REGION}}`` (a regio:Region that has an action plan), ``{{PROJECT}}``
(a regio:Project) and ``{{ORG}}`` (an organisation that takes part in a project) stand for IRIs
and are filled by :func:`query_variants` with IRIs that exist in the data, chosen
deterministically from a seed, so that a benchmark does not measure one cached answer.
"""

from __future__ import annotations

import gzip
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

QUERIES_DIR = Path(__file__).resolve().parent / "queries"
KINDS = ("cheap", "heavy")
PLACEHOLDER = re.compile(r"\{\{([A-Z]+)\}\}")
_HEADER = re.compile(r"^#\s*([a-z-]+)\s*:\s*(.*?)\s*$")
_REGIO = "https://w3id.org/regio-kg/ontology#"
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
# placeholder -> SPARQL that lists its candidates (on a store)
CANDIDATE_QUERIES = {
    "REGION": f"SELECT DISTINCT ?x WHERE {{ ?plan a <{_REGIO}ActionPlan> ; <{_REGIO}region> ?x }}",
    "PROJECT": f"SELECT DISTINCT ?x WHERE {{ ?x a <{_REGIO}Project> }}",
    "ORG": f"SELECT DISTINCT ?x WHERE {{ ?p <{_REGIO}participant> ?x ; "
           f"<{_REGIO}participationIn> ?project . ?project a <{_REGIO}Project> }}",
}


@dataclass(frozen=True)
class BenchQuery:
    """One query of the mix: file stem, header fields, placeholders used, full text."""

    name: str
    title: str
    kind: str
    description: str
    adapted_from: str | None
    params: tuple[str, ...]
    text: str


def read_query(path: str | Path) -> BenchQuery:
    """Read one bench query; ValueError when ``title`` or ``kind`` is missing or wrong."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            header.setdefault(match[1], match[2])
    if not header.get("title"):
        raise ValueError(f"{path}: no '# title:' line")
    if header.get("kind") not in KINDS:
        raise ValueError(f"{path}: '# kind:' must be one of {', '.join(KINDS)}")
    params = tuple(sorted(set(PLACEHOLDER.findall(text))))
    unknown = set(params) - set(CANDIDATE_QUERIES)
    if unknown:
        raise ValueError(f"{path}: unknown placeholder(s) {sorted(unknown)}")
    return BenchQuery(path.stem, header["title"], header["kind"], header.get("description", ""),
                      header.get("adapted-from"), params, text)


def load_queries(directory: str | Path = QUERIES_DIR) -> list[BenchQuery]:
    """All bench queries of ``directory``, sorted by name."""
    return [read_query(p) for p in sorted(Path(directory).glob("*.rq"))]


def _scan_file(path: Path) -> dict[str, list[str]]:
    """Candidates from a generated N-Quads file (gzip or plain), reading default-graph lines
    ``<s> <p> <o> .`` only; much faster than parsing every quad."""
    found: dict[str, set[str]] = {name: set() for name in CANDIDATE_QUERIES}
    project_type = f"<{_REGIO}Project>"
    region_p, participant_p = f"<{_REGIO}region>", f"<{_REGIO}participant>"
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if not line.endswith("> .\n"):
                continue
            parts = line.split(" ")
            if len(parts) != 4 or not parts[2].startswith("<"):
                continue
            s, p, o = parts[0], parts[1], parts[2]
            if p == _RDF_TYPE and o == project_type:
                found["PROJECT"].add(s[1:-1])
            elif p == participant_p:
                found["ORG"].add(o[1:-1])
            elif p == region_p:
                found["REGION"].add(o[1:-1])
    return {name: sorted(values) for name, values in found.items()}


def candidates(data: str | Path | ox.Store) -> dict[str, list[str]]:
    """IRIs for each placeholder, sorted: from a generated data file or from a loaded store."""
    if isinstance(data, ox.Store):
        return {name: sorted(row[0].value for row in data.query(q))  # type: ignore[union-attr]
                for name, q in CANDIDATE_QUERIES.items()}
    return _scan_file(Path(data))


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``{{NAME}}`` replaced by ``<values[NAME]>``."""
    return PLACEHOLDER.sub(lambda m: f"<{values[m[1]]}>", text)


def query_variants(data: str | Path | ox.Store | Mapping[str, Sequence[str]], n: int,
                   seed: int = 0, queries: Sequence[BenchQuery] | None = None
                   ) -> list[tuple[str, str]]:
    """``n`` variants of every bench query as ``(name, query_text)``, query by query.

    ``data`` is a generated data file, a store holding it, or ready candidates
    (``{'REGION': [...], 'PROJECT': [...], 'ORG': [...]}``). Each variant fills the placeholders
    with other existing IRIs (a deterministic sample under ``seed``; repeated only when the data
    has fewer than ``n``); a query without placeholders is repeated ``n`` times as it is.
    """
    pool = data if isinstance(data, Mapping) else candidates(data)
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for q in queries if queries is not None else load_queries():
        picks: dict[str, list[str]] = {}
        for param in q.params:
            values = sorted(pool.get(param, []))
            if not values:
                raise ValueError(f"no candidates for {{{{{param}}}}} (query {q.name})")
            sample = rng.sample(values, min(n, len(values)))
            picks[param] = [sample[i % len(sample)] for i in range(n)]
        for i in range(n):
            out.append((q.name, fill(q.text, {p: picks[p][i] for p in q.params})))
    return out
