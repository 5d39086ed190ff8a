"""Bounds on untrusted RDF input, applied while it streams: bytes after decompression, blank
nodes, how deeply blank nodes nest, and well-typed literals.

Both checks compose with any parser: :func:`bounded` wraps the byte stream a parser reads and
:func:`checked` wraps the quads it yields, so nothing is ever held in memory for the check
beyond the blank nodes seen. Reused by every reader of files and uploads
(``graph.rdfio.read_quads``), with limits taken from the settings or given by the caller.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

import pyoxigraph as ox

from graph.errors import InputError
from graph.xsdcheck import ill_typed

MIB = 1 << 20


class InputLimitError(InputError):
    """The input is larger, deeper or has more blank nodes than the limits allow."""


class IllTypedLiteral(InputError):
    """A literal whose lexical form is not in its datatype's lexical space, or that holds a
    control character XML cannot carry (U+0000 and the like: RDF/XML dumps would break)."""

    def __init__(self, literal: ox.Literal, *, source: str | None = None) -> None:
        self.literal = literal
        control = _CONTROL.search(literal.value)
        if control:
            message = (f"a literal holds the control character U+{ord(control[0]):04X}, which "
                       "RDF/XML and many tools cannot carry")
        else:
            message = (f"ill-typed literal {literal}: {literal.value!r} is not a valid "
                       f"<{literal.datatype.value}>")
        super().__init__(message, source=source)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class InputLimits:
    """Limits for one document: decompressed bytes, distinct blank nodes, blank-node nesting
    (nested ``[ ]`` / JSON-LD objects / RDF/XML descriptions, and the items of a list)."""

    max_bytes: int = 1024 * MIB
    max_blank_nodes: int = 100_000
    max_depth: int = 100

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> InputLimits:
        """The limits named by the settings INPUT_MAX_BYTES, INPUT_MAX_BLANK_NODES and
        INPUT_MAX_DEPTH (defaults for those missing)."""
        return cls(max_bytes=int(settings.get("INPUT_MAX_BYTES", cls.max_bytes)),
                   max_blank_nodes=int(settings.get("INPUT_MAX_BLANK_NODES",
                                                    cls.max_blank_nodes)),
                   max_depth=int(settings.get("INPUT_MAX_DEPTH", cls.max_depth)))


class _Bounded(io.RawIOBase):
    """A byte stream that stops with InputLimitError after ``limit`` bytes."""

    def __init__(self, raw: IO[bytes], limit: int, source: str | None) -> None:
        self._raw, self._limit, self._source = raw, limit, source
        self.read_bytes = 0
        self.exceeded = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer) or 0  # type: ignore[attr-defined]
        self.read_bytes += n
        if self.read_bytes > self._limit:
            self.exceeded = True
            raise too_large(self._limit, self._source)
        return n


def too_large(limit: int, source: str | None) -> InputLimitError:
    return InputLimitError(f"the data is larger than {limit:,} bytes (after decompression); "
                           "refused (limit: INPUT_MAX_BYTES)", source=source)


def bounded(raw: IO[bytes], limit: int, source: str | None = None) -> _Bounded:
    """``raw`` as a stream that raises InputLimitError once more than ``limit`` bytes were
    read (``.exceeded`` tells afterwards, should a parser swallow the exception)."""
    return _Bounded(raw, limit, source)


_JSON_CODE = re.compile(rb'[{}\[\]"]')
_JSON_STRING_REST = re.compile(rb'(?:[^"\\]++|\\.)*+"', re.S)


class JsonDepth:
    """Nesting of JSON objects and arrays, checked on the bytes as they stream (pyoxigraph's
    JSON-LD parser recurses and overflows the native stack on deep nesting)."""

    def __init__(self, limit: int, source: str | None) -> None:
        self.limit, self.source = limit, source
        self.depth, self.in_string, self.pending = 0, False, b""
        self.line, self.column = 1, 1  # position of the start of the next chunk

    def feed(self, data: bytes) -> None:
        buf, i = self.pending + data, 0
        self.pending = b""
        while i < len(buf):
            if self.in_string:
                match = _JSON_STRING_REST.match(buf, i)
                if match is None:  # the string goes on; keep an unfinished escape
                    tail = len(buf) - len(buf.rstrip(b"\\"))
                    self.pending = b"\\" if tail % 2 else b""
                    buf = buf[:len(buf) - len(self.pending)]
                    break
                i, self.in_string = match.end(), False
                continue
            match = _JSON_CODE.search(buf, i)
            if match is None:
                break
            char, i = buf[match.start()], match.end()
            if char == 0x22:
                self.in_string = True
            elif char in b"{[":
                self.depth += 1
                if self.depth > self.limit:
                    self._fail(buf, match.start())
            else:
                self.depth -= 1
        self._advance(buf)

    def _advance(self, buf: bytes) -> None:
        newlines = buf.count(b"\n")
        self.line += newlines
        self.column = (self.column if not newlines else 1) + len(buf) - (buf.rfind(b"\n") + 1)

    def _fail(self, buf: bytes, at: int) -> None:
        newlines = buf.count(b"\n", 0, at)
        column = (self.column if not newlines else 1) + at - (buf.rfind(b"\n", 0, at) + 1)
        raise InputLimitError(f"JSON objects and arrays are nested more than {self.limit} "
                              "levels deep; refused (limit: INPUT_MAX_DEPTH)",
                              source=self.source, line=self.line + newlines, column=column)


class _Scanned(io.RawIOBase):
    """A byte stream whose bytes also go through a scanner (e.g. JsonDepth) as they are read;
    ``error`` keeps what the scanner raised, should a parser swallow it."""

    def __init__(self, raw: IO[bytes], scanner: JsonDepth) -> None:
        self._raw, self._scanner = raw, scanner
        self.error: InputError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer) or 0  # type: ignore[attr-defined]
        try:
            self._scanner.feed(bytes(memoryview(buffer)[:n]))
        except InputError as exc:
            self.error = exc
            raise
        return n


def scanned(raw: IO[bytes], scanner: JsonDepth) -> _Scanned:
    """``raw`` as a stream whose bytes ``scanner.feed`` sees first."""
    return _Scanned(raw, scanner)


class _Nesting:
    """Longest chain of blank nodes (``_:a :p _:b``) seen so far, kept up to date edge by edge:
    ``up[n]`` is the longest chain ending at n, ``down[n]`` the longest starting at n."""

    def __init__(self, limit: int, source: str | None) -> None:
        self.limit, self.source = limit, source
        self.up: dict[ox.BlankNode, int] = {}
        self.down: dict[ox.BlankNode, int] = {}
        self.children: dict[ox.BlankNode, list[ox.BlankNode]] = {}
        self.parents: dict[ox.BlankNode, list[ox.BlankNode]] = {}

    def add(self, parent: ox.BlankNode, child: ox.BlankNode) -> None:
        self.children.setdefault(parent, []).append(child)
        self.parents.setdefault(child, []).append(parent)
        self._spread(child, self.up.get(parent, 0) + 1, self.up, self.children, self.down)
        self._spread(parent, self.down.get(child, 0) + 1, self.down, self.parents, self.up)

    def _spread(self, start: ox.BlankNode, value: int, mine: dict, links: dict,
                other: dict) -> None:
        """Raise ``mine`` along ``links`` from ``start`` (each node once: cycles end)."""
        stack, seen = [(start, value)], set()
        while stack:
            node, v = stack.pop()
            if node in seen or v <= mine.get(node, 0):
                continue
            seen.add(node)
            mine[node] = v
            if v + other.get(node, 0) > self.limit:
                raise InputLimitError(
                    f"blank nodes are nested more than {self.limit} levels deep (nested "
                    "[ ] or objects, or a list that long); refused (limit: INPUT_MAX_DEPTH)",
                    source=self.source)
            stack.extend((n, v + 1) for n in links.get(node, ()))


def checked(quads: Iterable[ox.Quad], limits: InputLimits,
            source: str | None = None) -> Iterator[ox.Quad]:
    """Pass ``quads`` on, one by one, raising InputLimitError for too many or too deeply
    nested blank nodes and IllTypedLiteral for a literal outside its datatype."""
    blank: set[ox.BlankNode] = set()
    nesting = _Nesting(limits.max_depth, source)
    blank_node, literal = ox.BlankNode, ox.Literal
    unchecked = _UNCHECKED_DATATYPES
    for quad in quads:  # (this loop runs for every quad of a load: kept lean)
        s, o = quad.subject, quad.object
        s_blank, o_type = type(s) is blank_node, type(o)
        if s_blank:
            _count_blank(s, blank, limits, source)
        if o_type is literal:
            if _CONTROL.search(o.value) or (
                    o.datatype.value not in unchecked and ill_typed(o)):
                raise IllTypedLiteral(o, source=source)
        elif o_type is blank_node:
            _count_blank(o, blank, limits, source)
            if s_blank:
                nesting.add(s, o)
        yield quad


#: Datatypes whose every lexical form is valid (no check needed).
_UNCHECKED_DATATYPES = frozenset({"http://www.w3.org/2001/XMLSchema#string",
                                  "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"})


def _count_blank(node: ox.BlankNode, blank: set[ox.BlankNode], limits: InputLimits,
                 source: str | None) -> None:
    if node not in blank:
        blank.add(node)
        if len(blank) > limits.max_blank_nodes:
            raise InputLimitError(
                f"more than {limits.max_blank_nodes:,} blank nodes; refused (limit: "
                "INPUT_MAX_BLANK_NODES)", source=source)
