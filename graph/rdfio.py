"""Safe RDF parsing and serialising: formats, clear errors, no network, no XML entities.

Parsing uses pyoxigraph only. It never dereferences anything: a JSON-LD ``@context`` given
as a URL is refused (pyoxigraph has no document loader unless one is set, and we set none),
and an RDF/XML document with a DOCTYPE (DTD, internal or external entities) is refused
before pyoxigraph sees it (XXE, "billion laughs"). Every failure becomes a
:class:`graph.errors.RDFSyntaxError` naming the file, the line and the column.
"""

from __future__ import annotations

import gzip
import io
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO
from xml.parsers import expat

import pyoxigraph as ox
import rdflib

from graph.errors import InputError, RDFSyntaxError, UnsupportedFormatError
from graph.inputlimits import (
    MIB,
    IllTypedLiteral,
    InputLimitError,
    InputLimits,
    JsonDepth,
    bounded,
    checked,
    scanned,
    too_large,
)

#: (label, done, total) callback, e.g. bytes read of a file being parsed.
Progress = Callable[[str, int, int], None]

EXTENSIONS: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE, "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD, "json": ox.RdfFormat.JSON_LD,
    "rdf": ox.RdfFormat.RDF_XML, "owl": ox.RdfFormat.RDF_XML, "xml": ox.RdfFormat.RDF_XML,
}

#: Short names used by the CLI and the API (``--format``).
FORMAT_NAMES: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML,
}

REMOTE_CONTEXT = "remote JSON-LD contexts are not loaded; inline the @context object instead"
_POSITION_PREFIX = re.compile(r"^Parser error (?:at|between) line [^:]*: ")


def rdf_format(name: str | ox.RdfFormat) -> ox.RdfFormat:
    """An RdfFormat from a short name (``turtle``), a file extension or a media type."""
    if isinstance(name, ox.RdfFormat):
        return name
    key = name.strip().lower().lstrip(".")
    fmt = FORMAT_NAMES.get(key) or EXTENSIONS.get(key) or ox.RdfFormat.from_media_type(key)
    if fmt is None:
        raise UnsupportedFormatError(f"unknown RDF format {name!r}")
    return fmt


def format_for_path(path: str | Path) -> ox.RdfFormat:
    """The RdfFormat named by a file's extension (``.gz`` is looked through)."""
    suffixes = [s.lower().lstrip(".") for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == "gz":
        suffixes.pop()
    if not suffixes or suffixes[-1] not in EXTENSIONS:
        known = ", ".join(f".{e}" for e in EXTENSIONS)
        raise UnsupportedFormatError(f"cannot tell the RDF format from the file name "
                                     f"(known: {known}, optionally .gz)", source=str(path))
    return EXTENSIONS[suffixes[-1]]


def file_slug(path: str | Path) -> str:
    """Lower-case ASCII hyphen slug of a file's stem without its extensions (``My Data.ttl.gz``
    → ``my-data``)."""
    name = Path(path).name.split(".")[0] or Path(path).name
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "file"


class _CountingReader(io.RawIOBase):
    """Wraps a binary file and reports the bytes read so far to a progress callback."""

    def __init__(self, raw: IO[bytes], label: str, total: int, progress: Progress) -> None:
        self._raw, self._label, self._total, self._progress = raw, label, total, progress
        self.done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = self._raw.readinto(buffer) or 0
        self.done += n
        self._progress(self._label, self.done, self._total)
        return n


@contextmanager
def _open(path: Path, progress: Progress | None) -> Iterator[IO[bytes]]:
    """Open ``path`` for reading bytes, reporting progress and looking through ``.gz``."""
    with ExitStack() as stack:
        fh: IO[bytes] = stack.enter_context(open(path, "rb"))
        if progress is not None:
            counting = _CountingReader(fh, path.name, path.stat().st_size, progress)
            fh = stack.enter_context(io.BufferedReader(counting, buffer_size=1 << 20))
        if path.suffix.lower() == ".gz":
            fh = stack.enter_context(gzip.GzipFile(fileobj=fh, mode="rb"))
        yield fh


def parse_file(path: str | Path, *, format: str | ox.RdfFormat | None = None,
               base_iri: str | None = None, progress: Progress | None = None,
               limits: InputLimits | None = None) -> list[ox.Quad]:
    """Parse one RDF file (format from the extension unless given; ``.gz`` transparently)
    within ``limits`` (defaults: :class:`graph.inputlimits.InputLimits`).

    Raises RDFSyntaxError (file, line, column, what is wrong), UnsupportedFormatError or
    InputError (unreadable or empty file, remote JSON-LD context, XML DOCTYPE, a limit).
    """
    return list(read_quads(path, format=format, base_iri=base_iri, progress=progress,
                           limits=limits))


def read_quads(path: str | Path, *, format: str | ox.RdfFormat | None = None,
               base_iri: str | None = None, progress: Progress | None = None,
               limits: InputLimits | None = None) -> Iterator[ox.Quad]:
    """The quads of one RDF file as they are parsed (nothing is held in memory): the bytes
    pass through :func:`graph.inputlimits.bounded`, the quads through ``checked``; a file
    without any statement is an error."""
    path = Path(path)
    fmt = rdf_format(format) if format is not None else format_for_path(path)
    limits = limits or InputLimits()
    source = str(path)
    count = 0
    try:
        if fmt == ox.RdfFormat.RDF_XML:
            with _open(path, None) as fh:
                _refuse_doctype(bounded(fh, limits.max_bytes, source), source,
                                max_depth=2 * limits.max_depth + 8)
        with _open(path, progress) as fh:
            stream = bounded(fh, limits.max_bytes, source)
            reader: IO[bytes] = stream
            if fmt == ox.RdfFormat.JSON_LD:
                reader = json_stream = scanned(stream, JsonDepth(2 * limits.max_depth + 8, source))
            try:
                parsed = ox.parse(io.BufferedReader(reader, 1 << 16), fmt,  # type: ignore[arg-type]
                                  base_iri=base_iri, rename_blank_nodes=True)
                for quad in checked(parsed, limits, source):
                    count += 1
                    yield quad
            except (SyntaxError, OSError, ValueError) as exc:
                if stream.exceeded:  # the parser may wrap the reader's exception
                    raise too_large(limits.max_bytes, source) from None
                if fmt == ox.RdfFormat.JSON_LD and json_stream.error is not None:
                    raise json_stream.error from None
                raise exc
    except IllTypedLiteral as exc:
        exc.line, exc.column = _locate(path, exc.literal.value)
        raise
    except InputError:
        raise
    except SyntaxError as exc:
        raise _syntax_error(exc, source) from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise RDFSyntaxError(f"not a valid gzip file ({exc})", source=source) from None
    except UnicodeDecodeError as exc:
        raise RDFSyntaxError(f"the file is not UTF-8 ({exc.reason})", source=source) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", source=source) from None
    except ValueError as exc:
        raise UnsupportedFormatError(str(exc), source=source) from None
    if count == 0:
        raise InputError("no statements: the file is empty or holds no RDF triples",
                         source=source)


def _locate(path: Path, value: str) -> tuple[int | None, int | None]:
    """Line and column of the first quoted occurrence of a literal's lexical form (the
    parsers give no positions for the quads they yield)."""
    needles = [f'{q}{value}{e}'.encode() for q, e in (('"', '"'), ("'", "'"), (">", "<"))]
    try:
        with _open(path, None) as fh:
            data = fh.read(64 * MIB)
    except (OSError, EOFError, zlib.error):
        return None, None
    found = [i for i in (data.find(n) for n in needles) if i >= 0]
    if not found:
        return None, None
    at = min(found) + (0 if data[min(found):min(found) + 1] in (b'"', b"'") else 1)
    line = data.count(b"\n", 0, at) + 1
    column = len(data[data.rfind(b"\n", 0, at) + 1:at].decode("utf-8", "replace")) + 1
    return line, column


def parse_data(data: bytes | str, *, format: str | ox.RdfFormat, source: str = "input",
               base_iri: str | None = None) -> list[ox.Quad]:
    """Parse RDF given in memory (an upload, a request body) with the same safety rules."""
    fmt = rdf_format(format)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if fmt == ox.RdfFormat.RDF_XML:
            _refuse_doctype(io.BytesIO(raw), source)
        return list(ox.parse(raw, fmt, base_iri=base_iri, rename_blank_nodes=True))
    except SyntaxError as exc:
        raise _syntax_error(exc, source) from None
    except ValueError as exc:
        raise UnsupportedFormatError(str(exc), source=source) from None


def _syntax_error(exc: SyntaxError, source: str) -> InputError:
    message = exc.msg or str(exc)
    if "LoadDocumentCallback" in message:
        return InputError(REMOTE_CONTEXT, source=source)
    message = _POSITION_PREFIX.sub("", message)
    return RDFSyntaxError(message, source=source, line=exc.lineno, column=exc.offset)


class _Doctype(Exception):
    pass


class _TooDeep(Exception):
    pass


def _refuse_doctype(fh: IO[bytes], source: str, *, max_depth: int | None = None) -> None:
    """Check RDF/XML for well-formedness with expat and refuse any DOCTYPE declaration.

    pyoxigraph expands internal entities and reports RDF/XML errors without a position;
    expat gives the position and never fetches anything (no external entity handler is set,
    parameter entities are off), and we stop at the DOCTYPE before any entity is declared.
    """
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def doctype(*_args: object) -> None:
        raise _Doctype

    parser.StartDoctypeDeclHandler = doctype
    depth = [0]

    def start(*_args: object) -> None:
        depth[0] += 1
        if max_depth is not None and depth[0] > max_depth:
            raise _TooDeep

    def end(*_args: object) -> None:
        depth[0] -= 1

    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        parser.ParseFile(fh)
    except _TooDeep:
        raise InputLimitError(f"XML elements are nested more than {max_depth} levels deep; "
                              "refused (limit: INPUT_MAX_DEPTH)", source=source,
                              line=parser.CurrentLineNumber,
                              column=parser.CurrentColumnNumber + 1) from None
    except _Doctype:
        raise RDFSyntaxError("XML DOCTYPE declarations (DTDs, entities) are refused",
                             source=source, line=parser.CurrentLineNumber,
                             column=parser.CurrentColumnNumber + 1) from None
    except expat.ExpatError as exc:
        raise RDFSyntaxError(f"XML is not well-formed: {expat.ErrorString(exc.code)}",
                             source=source, line=exc.lineno, column=exc.offset + 1) from None


def quads_to_ntriples(quads: Iterable[ox.Quad | ox.Triple]) -> bytes:
    """The triples of ``quads`` (graph names dropped, duplicates removed) as N-Triples."""
    triples = {q.triple if isinstance(q, ox.Quad) else q for q in quads}
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


def to_rdflib(quads: Iterable[ox.Quad]) -> rdflib.Dataset:
    """An rdflib Dataset with the same quads (named graphs kept), via N-Quads."""
    dataset = rdflib.Dataset()
    data = ox.serialize(list(quads), format=ox.RdfFormat.N_QUADS)
    if data:
        dataset.parse(data=data, format="nquads")
    return dataset


def to_rdflib_graph(quads: Iterable[ox.Quad | ox.Triple]) -> rdflib.Graph:
    """An rdflib Graph holding the union of the triples of ``quads`` (for SHACL, reasoning)."""
    from graph.validation import parse_rdf  # literals keep their lexical form (same verdicts)

    data = quads_to_ntriples(quads)
    return parse_rdf(data, "nt") if data else rdflib.Graph()
