"""A SPARQL update as steps that also record which triples they may change.

The default graph is kept as the union of the public named graphs. After an update only the
triples the update touched can need a change there, so the writer needs them (and nothing
else). Each operation of the update becomes one or more steps, run one after another on the
writer's private copy of the store; each step also writes the triples it inserts or deletes
into a log graph (the same template instantiated a second time, into
``GRAPH <log> { ... }``), which the writer reads and empties after every step:

- ``INSERT DATA { Q }``: ``Q`` is also inserted into the log;
- ``DELETE DATA { Q }``: the operation, then ``INSERT DATA { GRAPH <log> { Q } }``;
- ``DELETE WHERE { P }``, ``[WITH g] DELETE { D } INSERT { I } [USING ...] WHERE { P }``: the
  templates ``D`` and ``I`` also go into the log in the same operation (same solutions, so the
  same terms and the same fresh blank nodes);
- ``CLEAR``/``DROP GRAPH g``, ``LOAD ... INTO GRAPH g``, ``ADD``/``COPY``/``MOVE`` between named
  graphs: the graphs' whole content is logged before (and after) the operation;
- an operation whose template has anonymous blank nodes (``[ ]``, collections) is logged graph
  by graph like ``CLEAR GRAPH``: a second instantiation would mint other blank nodes.

What cannot be bounded this way (``DROP``/``CLEAR`` of ``DEFAULT``, ``NAMED`` or ``ALL``,
``LOAD`` or ``ADD``/``COPY``/``MOVE`` involving the default graph, templates with anonymous
blank nodes outside a named graph) makes :func:`plan_steps` return None: the writer then
recomputes the union over the whole store, as before.

The rewriting works on the original text (token spans), so literals, language tags and
datatypes are copied byte for byte; prologues (``PREFIX``/``BASE``) are repeated in every step.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from graph.updatepolicy import _TOKEN


@dataclass(frozen=True)
class Tok:
    kind: str
    value: str  # words upper-cased
    start: int
    end: int


def _tokens(text: str) -> list[Tok]:
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        value = match.group(0)
        out.append(Tok(kind, value.upper() if kind == "word" else value,
                       match.start(), match.end()))
    return out


def _split(toks: list[Tok]) -> list[list[Tok]]:
    ops: list[list[Tok]] = [[]]
    depth = 0
    for tok in toks:
        if tok.kind == "punct" and tok.value in "{([":
            depth += 1
        elif tok.kind == "punct" and tok.value in "})]":
            depth -= 1
        if depth == 0 and tok.kind == "punct" and tok.value == ";":
            ops.append([])
        else:
            ops[-1].append(tok)
    return [op for op in ops if op]


def _block(op: list[Tok], i: int) -> tuple[int, int] | None:
    """Indexes of the ``{`` at ``i`` (or the next one) and of its matching ``}``."""
    while i < len(op) and not (op[i].kind == "punct" and op[i].value == "{"):
        i += 1
    depth = 0
    for j in range(i, len(op)):
        if op[j].kind == "punct" and op[j].value == "{":
            depth += 1
        elif op[j].kind == "punct" and op[j].value == "}":
            depth -= 1
            if depth == 0:
                return i, j
    return None


class _Unbounded(Exception):
    """This operation's changes cannot be bounded: recompute the union."""


@dataclass
class Plan:
    """Steps to run in order, and the log graph they write to."""

    log: str
    steps: list[str]


class _Writer:
    def __init__(self, text: str, log: str) -> None:
        self.text, self.log = text, log
        self.prologue = ""
        self.steps: list[str] = []

    def span(self, toks: list[Tok]) -> str:
        return self.text[toks[0].start:toks[-1].end] if toks else ""

    def emit(self, body: str) -> None:
        self.steps.append(f"{self.prologue}\n{body}" if self.prologue else body)

    def log_graph(self, graph: Tok) -> None:
        if graph.kind not in ("iri", "pname"):
            raise _Unbounded
        self.emit(f"INSERT {{ GRAPH <{self.log}> {{ ?s ?p ?o }} }} "
                  f"WHERE {{ GRAPH {self.span([graph])} {{ ?s ?p ?o }} }}")

    def strip(self, inner: list[Tok]) -> tuple[str, list[Tok], bool]:
        """The triples of a quad block without their GRAPH wrappers, the graph terms named
        (a Tok per GRAPH block; a bare part is the default or WITH graph), and whether there
        are triples outside any GRAPH block."""
        pieces: list[list[Tok]] = []
        graphs: list[Tok] = []
        bare = False
        i = 0
        current: list[Tok] = []
        while i < len(inner):
            tok = inner[i]
            if tok.kind == "word" and tok.value == "GRAPH":
                if current:
                    pieces.append(current)
                    bare = bare or _has_triples(current)
                    current = []
                if i + 2 >= len(inner):
                    raise _Unbounded
                graphs.append(inner[i + 1])
                found = _block(inner, i + 2)
                if found is None:
                    raise _Unbounded
                a, b = found
                pieces.append(inner[a + 1:b])
                i = b + 1
                continue
            current.append(tok)
            i += 1
        if current:
            pieces.append(current)
            bare = bare or _has_triples(current)
        parts = []
        for piece in pieces:
            while piece and piece[-1].kind == "punct" and piece[-1].value == ".":
                piece = piece[:-1]
            if piece:
                parts.append(self.span(piece))
        return " .\n".join(parts), graphs, bare

    def operation(self, op: list[Tok]) -> None:
        i = 0
        while i < len(op) and op[i].kind == "word" and op[i].value in ("PREFIX", "BASE"):
            end = i + 2 if op[i].value == "BASE" else i + 3
            self.prologue += self.span(op[i:end]) + "\n"
            i = end
        body = op[i:]
        if not body:
            return
        head = body[0].value if body[0].kind == "word" else ""
        nxt = body[1].value if len(body) > 1 and body[1].kind == "word" else ""
        if head == "INSERT" and nxt == "DATA":
            self.insert_data(body)
        elif head == "DELETE" and nxt == "DATA":
            self.delete_data(body)
        elif head == "DELETE" and nxt == "WHERE":
            self.delete_where(body)
        elif head in ("WITH", "DELETE", "INSERT"):
            self.modify(body)
        elif head in ("CLEAR", "DROP"):
            self.clear(body)
        elif head == "CREATE":
            self.emit(self.span(body))
        elif head == "LOAD":
            self.load(body)
        elif head in ("ADD", "COPY", "MOVE"):
            self.copy(body)
        else:
            raise _Unbounded

    def _graphs_whole(self, graphs: list[Tok], with_graph: Tok | None, bare: bool) -> list[Tok]:
        """The graphs to log whole (templates with anonymous blank nodes)."""
        named = list(graphs)
        if bare:
            if with_graph is None:
                raise _Unbounded
            named.append(with_graph)
        if any(g.kind == "var" for g in named):
            raise _Unbounded
        return named

    def insert_data(self, body: list[Tok]) -> None:
        found = _block(body, 2)
        if found is None:
            raise _Unbounded
        a, b = found
        inner = body[a + 1:b]
        stripped, graphs, bare = self.strip(inner)
        if _anonymous(inner):
            whole = self._graphs_whole(graphs, None, bare)
            for g in whole:
                self.log_graph(g)
            self.emit(self.span(body))
            for g in whole:
                self.log_graph(g)
            return
        text = self.text[body[0].start:body[b].start]
        self.emit(f"{text} GRAPH <{self.log}> {{\n{stripped}\n}} }}")

    def delete_data(self, body: list[Tok]) -> None:
        found = _block(body, 2)
        if found is None:
            raise _Unbounded
        a, b = found
        stripped, _, _ = self.strip(body[a + 1:b])
        self.emit(self.span(body))
        if stripped:
            self.emit(f"INSERT DATA {{ GRAPH <{self.log}> {{\n{stripped}\n}} }}")

    def delete_where(self, body: list[Tok]) -> None:
        found = _block(body, 2)
        if found is None:
            raise _Unbounded
        a, b = found
        pattern = self.text[body[a].start:body[b].end]
        stripped, _, _ = self.strip(body[a + 1:b])
        log = f"INSERT {{ GRAPH <{self.log}> {{\n{stripped}\n}} }} " if stripped else ""
        self.emit(f"DELETE {pattern} {log}WHERE {pattern}")

    def modify(self, body: list[Tok]) -> None:
        i = 0
        with_graph = None
        if body[0].value == "WITH":
            if len(body) < 3:
                raise _Unbounded
            with_graph, i = body[1], 2
        delete = insert = None
        if body[i].kind == "word" and body[i].value == "DELETE":
            delete = _block(body, i + 1)
            if delete is None:
                raise _Unbounded
            i = delete[1] + 1
        if i < len(body) and body[i].kind == "word" and body[i].value == "INSERT":
            insert = _block(body, i + 1)
            if insert is None:
                raise _Unbounded
            i = insert[1] + 1
        if delete is None and insert is None:
            raise _Unbounded
        templates = [body[blk[0] + 1:blk[1]] for blk in (delete, insert) if blk is not None]
        if any(_anonymous(t) for t in templates):
            whole: list[Tok] = []
            for t in templates:
                _, graphs, bare = self.strip(t)
                whole += self._graphs_whole(graphs, with_graph, bare)
            for g in whole:
                self.log_graph(g)
            self.emit(self.span(body))
            for g in whole:
                self.log_graph(g)
            return
        stripped = [s for s in (self.strip(t)[0] for t in templates) if s]
        if not stripped:
            self.emit(self.span(body))
            return
        log = f" GRAPH <{self.log}> {{\n" + " .\n".join(stripped) + "\n}"
        if insert is not None:
            close = body[insert[1]]
            self.emit(self.text[body[0].start:close.start] + log + "\n"
                      + self.text[close.start:body[-1].end])
        else:
            close = body[delete[1]]  # type: ignore[index]
            self.emit(self.text[body[0].start:close.end] + f" INSERT {{{log} }}\n"
                      + self.text[close.end:body[-1].end])

    def clear(self, body: list[Tok]) -> None:
        i = 1
        if i < len(body) and body[i].value == "SILENT":
            i += 1
        if i + 1 < len(body) and body[i].value == "GRAPH":
            self.log_graph(body[i + 1])
            self.emit(self.span(body))
            return
        raise _Unbounded

    def load(self, body: list[Tok]) -> None:
        for j, tok in enumerate(body):
            if tok.kind == "word" and tok.value == "INTO" and j + 2 < len(body) \
                    and body[j + 1].value == "GRAPH":
                self.emit(self.span(body))
                self.log_graph(body[j + 2])
                return
        raise _Unbounded

    def copy(self, body: list[Tok]) -> None:
        i = 1
        if i < len(body) and body[i].value == "SILENT":
            i += 1
        graphs = []
        for _ in range(2):
            if i < len(body) and body[i].kind == "word" and body[i].value == "DEFAULT":
                raise _Unbounded
            if i < len(body) and body[i].kind == "word" and body[i].value == "GRAPH":
                i += 1
            if i >= len(body):
                raise _Unbounded
            graphs.append(body[i])
            i += 2  # the graph, then TO
        for g in graphs:
            self.log_graph(g)
        self.emit(self.span(body))
        self.log_graph(graphs[1])


def _has_triples(toks: list[Tok]) -> bool:
    return any(not (t.kind == "punct" and t.value == ".") for t in toks)


def _anonymous(toks: list[Tok]) -> bool:
    """Whether a template mints anonymous blank nodes (``[ ]`` or a collection)."""
    return any(t.kind == "punct" and t.value in "[(" for t in toks)


def plan_steps(text: str) -> Plan | None:
    """The update as logged steps, or None when its changes cannot be bounded."""
    log = f"urn:owl40:write-log:{uuid.uuid4().hex}"
    writer = _Writer(text, log)
    try:
        for op in _split(_tokens(text)):
            writer.operation(op)
    except (_Unbounded, IndexError):
        return None
    return Plan(log, writer.steps)
