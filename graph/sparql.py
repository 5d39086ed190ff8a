"""SPARQL results in one shape for every backend, rendered as a table, CSV or JSON.

`QueryResult` holds pyoxigraph terms whether the store is embedded or remote, so the CLI,
the tests and (later) the web layer read results the same way. Rendering follows
SPARQL 1.1 Query Results JSON (https://www.w3.org/TR/sparql11-results-json/) and CSV
(https://www.w3.org/TR/sparql11-results-csv-tsv/#csv).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyoxigraph as ox

from graph.errors import QuerySyntaxError, UnsupportedFormatError
from graph.namespaces import PREFIXES

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RESULT_FORMATS = ("table", "csv", "json")
GRAMMAR = "https://www.w3.org/TR/sparql11-query/#grammar"
# Oxigraph ("error at 3:17: ...") and Jena/Fuseki ("... at line 3, column 17") positions.
_OXIGRAPH_POS = re.compile(r"error at (\d+):(\d+)(?:-\d+:\d+)?:\s*(.*)", re.S)
_JENA_POS = re.compile(r"line (\d+), column (\d+)")
_VIRTUOSO_POS = re.compile(r"SPARQL compiler, line (\d+):")
_NUMERIC = {f"http://www.w3.org/2001/XMLSchema#{t}" for t in ("integer", "decimal", "boolean")}


@dataclass
class QueryResult:
    """The result of a SPARQL query: ``kind`` is ``select``, ``ask`` or ``graph``.

    SELECT: ``variables`` and ``rows`` (variable → term; unbound variables are absent).
    ASK: ``boolean``. CONSTRUCT/DESCRIBE: ``triples``.
    """

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Term]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)

    @classmethod
    def from_oxigraph(cls, result: Any) -> QueryResult:
        """Materialise a pyoxigraph QuerySolutions / QueryBoolean / QueryTriples."""
        if isinstance(result, ox.QueryBoolean):
            return cls("ask", boolean=bool(result))
        if isinstance(result, ox.QueryTriples):
            return cls("graph", triples=list(result))
        names = [v.value for v in result.variables]
        rows = [{n: t for n, t in zip(names, solution, strict=True) if t is not None}
                for solution in result]
        return cls("select", variables=names, rows=rows)

    def __len__(self) -> int:
        return len(self.rows) if self.kind == "select" else len(self.triples)


class Queryable(Protocol):
    """Anything with ``query(sparql) -> QueryResult`` (both store backends)."""

    def query(self, sparql: str) -> QueryResult: ...


def query_syntax_error(message: str) -> QuerySyntaxError:
    """A QuerySyntaxError with the line and column found in an engine's error message."""
    line = column = None
    match = _OXIGRAPH_POS.search(message)
    if match:
        line, column, message = int(match[1]), int(match[2]), match[3]
    elif (match := _JENA_POS.search(message)) is not None:
        line, column = int(match[1]), int(match[2])
    elif (match := _VIRTUOSO_POS.search(message)) is not None:
        line = int(match[1])
    return QuerySyntaxError(f"{message.strip()} (SPARQL grammar: {GRAMMAR})",
                            source="query", line=line, column=column)


def locate_syntax_error(text: str, *, base_iri: str | None = None) -> QuerySyntaxError | None:
    """The syntax error of ``text`` itself, parsed on an empty store (the engine ran the
    query with a LIMIT appended, which moves the parser's error position to that line)."""
    import pyoxigraph as ox

    try:
        ox.Store().query(text, base_iri=base_iri)
    except SyntaxError as exc:
        return query_syntax_error(str(exc))
    except (OSError, ValueError, RuntimeError):
        return None
    return None


def run_query(store: Queryable, sparql: str, *, fmt: str = "table") -> str:
    """Run ``sparql`` on ``store`` and render the result as ``table``, ``csv`` or ``json``."""
    return render(store.query(sparql), fmt)


def render(result: QueryResult, fmt: str) -> str:
    """Render a result: table (aligned text), csv (SPARQL CSV), json (SPARQL JSON results).

    Graph results (CONSTRUCT/DESCRIBE) render as Turtle (table), CSV of s,p,o, or JSON-LD.
    """
    if fmt not in RESULT_FORMATS:
        raise UnsupportedFormatError(f"unknown result format {fmt!r} (use table, csv or json)")
    if result.kind == "graph" and fmt != "csv":
        rdf_fmt = ox.RdfFormat.TURTLE if fmt == "table" else ox.RdfFormat.JSON_LD
        return ox.serialize(result.triples, format=rdf_fmt, prefixes=PREFIXES).decode()
    return {"table": to_table, "csv": to_csv, "json": to_json}[fmt](result)


def _columns(result: QueryResult) -> tuple[list[str], list[dict[str, Term]]]:
    if result.kind == "ask":
        return ["boolean"], [{"boolean": ox.Literal(result.boolean)}]
    if result.kind == "graph":
        return ["subject", "predicate", "object"], [
            {"subject": t.subject, "predicate": t.predicate, "object": t.object}
            for t in result.triples]
    return result.variables, result.rows


def to_table(result: QueryResult) -> str:
    """An aligned text table with compact (prefixed) terms and a row count."""
    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\n"
    names, rows = _columns(result)
    cells = [[compact(row[n]) if n in row else "" for n in names] for row in rows]
    widths = [max([len(n)] + [len(c[i]) for c in cells]) for i, n in enumerate(names)]
    lines = [" | ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 CSV: IRIs and literals by their plain value, blank nodes as ``_:id``."""
    names, rows = _columns(result)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([_plain(row[n]) if n in row else "" for n in names])
    return out.getvalue()


def to_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON (ASK: ``{"head": {}, "boolean": ...}``)."""
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": result.boolean})
    names, rows = _columns(result)
    bindings = [{n: term_json(t) for n, t in row.items()} for row in rows]
    return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}},
                      ensure_ascii=False)


def term_json(term: Term) -> dict[str, Any]:
    """One RDF term in the SPARQL JSON results encoding (RDF-star triples included)."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": term_json(term.subject),
                                            "predicate": term_json(term.predicate),
                                            "object": term_json(term.object)}}
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def _plain(term: Term) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def compact(term: Term, prefixes: dict[str, str] | None = None) -> str:
    """A short readable form: ``skos:prefLabel``, ``"Text"@de``, ``42``, ``_:b0``."""
    prefixes = PREFIXES if prefixes is None else prefixes
    if isinstance(term, ox.NamedNode):
        for prefix, ns in prefixes.items():
            local = term.value[len(ns):]
            if term.value.startswith(ns) and re.fullmatch(r"[\w-]*", local):
                return f"{prefix}:{local}"
        return str(term)
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        if term.language:
            return f"{json.dumps(term.value, ensure_ascii=False)}@{term.language}"
        if dt in _NUMERIC:
            return term.value
        text = json.dumps(term.value, ensure_ascii=False)
        return text if dt == XSD_STRING else f"{text}^^{compact(term.datatype, prefixes)}"
    if isinstance(term, ox.Triple):
        return "<< " + " ".join(compact(t, prefixes) for t in term) + " >>"
    return str(term)
