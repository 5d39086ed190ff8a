"""What a curator's SPARQL update may do, decided before the store is touched.

`check_update` first parses the update with pyoxigraph against an empty read-only store (it
parses, then refuses to open a write transaction, so nothing runs and nothing is fetched), then
reads the operations with a small tokenizer: every ``LOAD`` source must be an http(s) IRI
under a prefix of the allow-list, and an update that would remove all data needs an explicit
confirmation. Destructive means: ``DROP``/``CLEAR`` of ``ALL``, ``DEFAULT`` or ``NAMED``; a
``DELETE`` whose pattern matches every triple (``DELETE WHERE { ?s ?p ?o }``, also inside
``GRAPH ?g``); or removing, by name, every named graph the store holds.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import pyoxigraph as ox

from graph.errors import InputError, QuerySyntaxError
from graph.sparql import query_syntax_error

CONFIRM_PARAMETER = "confirm"
CONFIRM_VALUE = "destructive"

_STRING = (r'"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
           r'|"(?:[^"\\\n\r]|\\.)*"' r"|'(?:[^'\\\n\r]|\\.)*'")
_TOKEN = re.compile(
    r"(?P<ws>\s+)|(?P<comment>#[^\n]*)"
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    rf"|(?P<string>{_STRING})"
    r"|(?P<var>[?$]\w+)"
    r"|(?P<bnode>_:[\w\-]+(?:\.+[\w\-]+)*)"
    r"|(?P<pname>(?:[^\W\d_][\w.\-]*)?:(?:[\w\-:%]|\\.|\.(?=[\w\-:%]))*)"
    r"|(?P<word>[A-Za-z_][\w\-]*)"
    r"|(?P<punct>[{}()\[\].;,])"
    r"|(?P<other>.)", re.S)

Token = tuple[str, str]  # (kind, text); words upper-cased


class UpdateRefused(InputError):
    """The update is valid SPARQL but this endpoint does not run it (HTTP 400)."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message, source="update")


@dataclass
class UpdatePlan:
    """What an update does, as far as the policy cares."""

    operations: int = 0                                     # operations (not prologues)
    loads: list[str] = field(default_factory=list)          # absolute LOAD sources
    destructive: list[str] = field(default_factory=list)    # why it would remove all data
    removed_graphs: set[str] = field(default_factory=set)   # named graphs it empties by name


def tokens(text: str) -> list[Token]:
    """The update's tokens without blanks and comments (strings kept as one token)."""
    out: list[Token] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        value = match.group(0)
        out.append((kind, value.upper() if kind == "word" else value))
    return out


class _Prologue:
    """PREFIX and BASE declarations seen so far; resolves IRIs and prefixed names."""

    def __init__(self, base_iri: str | None) -> None:
        self.base = base_iri or ""
        self.prefixes: dict[str, str] = {}

    def resolve(self, token: Token) -> str | None:
        kind, value = token
        if kind == "iri":
            return urljoin(self.base, value[1:-1]) if self.base else value[1:-1]
        if kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix in self.prefixes:
                return self.prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        return None

    def declare(self, toks: list[Token], i: int) -> int:
        """Read the PREFIX or BASE declaration at ``i``; the index after it."""
        if toks[i][1] == "BASE" and i + 1 < len(toks):
            self.base = self.resolve(toks[i + 1]) or self.base
            return i + 2
        if i + 2 < len(toks):
            self.prefixes[toks[i + 1][1][:-1]] = self.resolve(toks[i + 2]) or ""
        return i + 3


def _operations(toks: list[Token]) -> list[list[Token]]:
    """The token lists of the operations (split at ``;`` outside any brackets)."""
    ops: list[list[Token]] = [[]]
    depth = 0
    for tok in toks:
        if tok[0] == "punct" and tok[1] in "{([":
            depth += 1
        elif tok[0] == "punct" and tok[1] in "})]":
            depth -= 1
        if depth == 0 and tok == ("punct", ";"):
            ops.append([])
        else:
            ops[-1].append(tok)
    return [op for op in ops if op]


def _block(op: list[Token], start: int) -> tuple[list[Token], int]:
    """The tokens inside the ``{ … }`` that opens at or after ``start``; index after it."""
    i = start
    while i < len(op) and op[i] != ("punct", "{"):
        i += 1
    depth, j = 0, i
    while j < len(op):
        if op[j] == ("punct", "{"):
            depth += 1
        elif op[j] == ("punct", "}"):
            depth -= 1
            if depth == 0:
                return op[i + 1:j], j + 1
        j += 1
    return op[i + 1:], len(op)


def _everything(block: list[Token]) -> tuple[bool, Token | None]:
    """Whether a pattern is one triple of three variables (optionally in ``GRAPH x``):
    (matches every triple, the GRAPH term or None)."""
    body = [t for t in block if t != ("punct", ".")]
    if len(body) == 3 and all(k == "var" for k, _ in body) and len({v for _, v in body}) == 3:
        return True, None
    if len(body) == 7 and body[0] == ("word", "GRAPH") and body[2] == ("punct", "{") \
            and body[6] == ("punct", "}"):
        inner, _ = _everything(body[3:6])
        return inner, body[1]
    return False, None


def _graph_ref(op: list[Token], i: int) -> tuple[Token | None, int]:
    """``DEFAULT`` (None) or ``GRAPH? x`` at ``i`` (MOVE/COPY/ADD); the index after it."""
    if i < len(op) and op[i] == ("word", "DEFAULT"):
        return None, i + 1
    if i < len(op) and op[i] == ("word", "GRAPH"):
        i += 1
    return (op[i] if i < len(op) else None), i + 1


def _delete(op: list[Token], i: int, with_graph: str | None, pro: _Prologue,
            plan: UpdatePlan) -> None:
    """DELETE WHERE { P } / DELETE { T } … WHERE { P } matching every triple."""
    if i < len(op) and op[i] == ("word", "WHERE"):
        pattern, _ = _block(op, i)
        template = pattern
    else:
        template, after = _block(op, i)
        j = next((k for k in range(after, len(op)) if op[k] == ("word", "WHERE")), None)
        if j is None:
            return
        pattern, _ = _block(op, j)
    all_p, graph_p = _everything(pattern)
    all_t, graph_t = _everything(template)
    if not (all_p and all_t and graph_p == graph_t):
        return
    if graph_p is None:
        if with_graph:
            plan.removed_graphs.add(with_graph)
        else:
            plan.destructive.append("a DELETE of every triple empties the default graph")
    elif graph_p[0] == "var":
        plan.destructive.append("a DELETE of every triple in GRAPH ?g empties every named graph")
    elif (name := pro.resolve(graph_p)) is not None:
        plan.removed_graphs.add(name)


def _operation(op: list[Token], pro: _Prologue, plan: UpdatePlan) -> None:
    i = 0
    while i < len(op) and op[i][1] in ("PREFIX", "BASE"):
        i = pro.declare(op, i)
    if i >= len(op):
        return
    plan.operations += 1
    head = op[i][1]
    i += 1
    if i < len(op) and op[i] == ("word", "SILENT"):
        i += 1
    if head == "LOAD" and i < len(op):
        plan.loads.append(pro.resolve(op[i]) or op[i][1])
    elif head in ("DROP", "CLEAR") and i < len(op):
        target = op[i][1]
        if target in ("ALL", "DEFAULT", "NAMED"):
            what = {"ALL": "every graph", "DEFAULT": "the default graph",
                    "NAMED": "every named graph"}[target]
            plan.destructive.append(f"{head} {target} removes {what}")
        elif target == "GRAPH" and i + 1 < len(op) and (name := pro.resolve(op[i + 1])):
            plan.removed_graphs.add(name)
    elif head == "MOVE":
        source, j = _graph_ref(op, i)
        target, _ = _graph_ref(op, j + 1)  # skip TO
        if source is not None and (name := pro.resolve(source)) and \
                (target is None or pro.resolve(target) != name):
            plan.removed_graphs.add(name)
    elif head in ("WITH", "DELETE"):
        with_graph = None
        if head == "WITH" and i < len(op):
            with_graph = pro.resolve(op[i])
            i += 1
            if i >= len(op) or op[i] != ("word", "DELETE"):
                return
            i += 1
        _delete(op, i, with_graph, pro, plan)


def check_blank_nodes(text: str) -> None:
    """A blank node label belongs to one operation of a request (SPARQL 1.1 Update, 19.6:
    ``INSERT DATA { _:b … } ; INSERT DATA { _:b … }`` is an error), with its position."""
    owner: dict[str, int] = {}
    operation = depth = 0
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group(0)
        if kind == "punct":
            depth += value in "{([" and 1 or (-1 if value in "})]" else 0)
            operation += depth == 0 and value == ";"
        elif kind == "bnode" and owner.setdefault(value, operation) != operation:
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            raise QuerySyntaxError(f"the blank node {value} is used in two operations of one "
                                   "request; a blank node label belongs to one operation "
                                   "(SPARQL 1.1 Update, section 19.6)", source="update",
                                   line=line, column=column)


def analyse_update(text: str, *, base_iri: str | None = None) -> UpdatePlan:
    """Read the operations of a (syntactically valid) update: LOAD sources, destructive
    operations, named graphs emptied by name."""
    plan = UpdatePlan()
    prologue = _Prologue(base_iri)
    for op in _operations(tokens(text)):
        _operation(op, prologue, plan)
    return plan


_CHECKER: dict[int, tuple[Any, Any]] = {}
_CHECKER_LOCK = threading.Lock()


def _syntax_store() -> Any:
    """An empty read-only store of this process: it parses updates and runs none."""
    with _CHECKER_LOCK:
        pid = os.getpid()
        if pid not in _CHECKER:
            directory = tempfile.TemporaryDirectory(prefix="owl40-update-syntax-")
            writer = ox.Store(directory.name)
            writer.flush()
            del writer
            _CHECKER[pid] = (ox.Store.read_only(directory.name), directory)
        return _CHECKER[pid][0]


def check_syntax(text: str, *, base_iri: str | None = None) -> None:
    """Raise QuerySyntaxError (with line and column) unless ``text`` is a valid update."""
    try:
        _syntax_store().update(text, base_iri=base_iri)
    except SyntaxError as exc:
        error = query_syntax_error(str(exc))
        error.source = "update"
        raise error from None
    except (RuntimeError, OSError):
        return  # parsed: the read-only store refuses to write


def check_loads(plan: UpdatePlan, allowlist: Sequence[str]) -> None:
    """Every LOAD source must be an http(s) IRI under an allow-listed prefix."""
    for source in plan.loads:
        if urlsplit(source).scheme not in ("http", "https"):
            raise UpdateRefused(f"LOAD <{source}> is refused: only http(s) sources can be "
                                "loaded, and only from LOAD_ALLOWLIST")
        if not any(source.startswith(prefix) for prefix in allowlist):
            why = ("it is not under a prefix of LOAD_ALLOWLIST" if allowlist else
                   "this endpoint fetches nothing (LOAD_ALLOWLIST is empty)")
            raise UpdateRefused(f"LOAD <{source}> is refused: {why}")


def check_update(text: str, *, base_iri: str | None, load_allowlist: Sequence[str],
                 confirmed: bool, graph_names: Callable[[], Iterable[str]],
                 data_outside: Callable[[set[str]], bool] | None = None) -> UpdatePlan:
    """Syntax, LOAD allow-list and the destructive-update safeguard, in that order; raises
    QuerySyntaxError or UpdateRefused, else returns the plan. ``graph_names`` (the store's
    non-empty named graphs) is called only when the update empties graphs by name, and then
    only when ``data_outside`` (whether a named graph outside the given ones holds data: a
    store answers that at the first such graph, where listing every graph takes ~0.5 s at
    10M quads) is not given or says no."""
    check_blank_nodes(text)  # pyoxigraph finds this one too, but gives no position
    check_syntax(text, base_iri=base_iri)
    plan = analyse_update(text, base_iri=base_iri)
    check_loads(plan, load_allowlist)
    if confirmed:
        return plan
    reasons = list(plan.destructive)
    if plan.removed_graphs and (data_outside is None
                                or not data_outside(set(plan.removed_graphs))):
        names = set(graph_names())
        if names and names <= plan.removed_graphs:
            reasons.append(f"it removes every named graph of the store ({len(names)})")
    if reasons:
        raise UpdateRefused(
            f"this update would remove all data ({'; '.join(reasons)}); to run it anyway, "
            f"repeat the request with the parameter {CONFIRM_PARAMETER}={CONFIRM_VALUE}")
    return plan
