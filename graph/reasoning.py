"""OWL 2 DL consistency check of the ontology together with data, with HermiT via owlready2.

HermiT is the reasoner bundled with owlready2; it runs in a Java process. Each check loads the
ontology files and the data into a fresh, in-memory owlready2 ``World`` (never the default
world), asks HermiT whether the whole is consistent and which classes are unsatisfiable, and
closes the world again.

Literals of XSD datatypes outside the OWL 2 datatype map (``xsd:date``, ``xsd:gYear``,
``xsd:gYearMonth``, which the data uses for dates as exact as a source states them) are
accepted: HermiT runs with ``--ignoreUnsupportedDatatypes``, so such literals are opaque to it.
HermiT rejects ``xsd:anyURI`` literals with characters outside ASCII (IRIs such as
``https://example.org/höxter``), although XSD allows them; before reasoning they are mapped to
their URI form by percent-encoding those characters as UTF-8 (RFC 3987, section 3.1).
"""

from __future__ import annotations

import io
import shutil
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import owlready2
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse, serialize

from graph.errors import GraphError, RDFSyntaxError, UnsupportedFormatError

OWL_IMPORTS = "http://www.w3.org/2002/07/owl#imports"
OWL_NOTHING = "http://www.w3.org/2002/07/owl#Nothing"
XSD_ANY_URI = NamedNode("http://www.w3.org/2001/XMLSchema#anyURI")
# Characters that may stay as they are in a URI (RFC 3986 reserved + unreserved, and '%').
_URI_SAFE = "!#$%&'()*+,-./:;=?@[]_~"
Term = NamedNode | BlankNode | Literal | Triple
_DOCUMENT_IRI = "urn:x-regio-kg:reasoning:document"

_FORMATS: dict[str, RdfFormat] = {
    "nt": RdfFormat.N_TRIPLES,
    "ntriples": RdfFormat.N_TRIPLES,
    "nq": RdfFormat.N_QUADS,
    "nquads": RdfFormat.N_QUADS,
    "ttl": RdfFormat.TURTLE,
    "turtle": RdfFormat.TURTLE,
    "trig": RdfFormat.TRIG,
    "rdf": RdfFormat.RDF_XML,
    "owl": RdfFormat.RDF_XML,
    "xml": RdfFormat.RDF_XML,
    "rdfxml": RdfFormat.RDF_XML,
    "jsonld": RdfFormat.JSON_LD,
}


class ReasonerError(GraphError):
    """The reasoner could not be run: no Java runtime, HermiT crashed, owlready2 failed."""


@dataclass(frozen=True)
class ReasoningReport:
    """Outcome of one consistency check.

    ``consistent`` is False when HermiT finds a contradiction. ``unsatisfiable_classes`` are
    the IRIs of classes inferred equivalent to ``owl:Nothing`` (only known when consistent).
    ``seconds`` is the wall-clock time of the HermiT run, Java start-up included.
    """

    consistent: bool
    unsatisfiable_classes: list[str] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0


def check_consistency(ontology_files: list[Path], data: bytes | Path | None, *,
                      data_format: str = "nt") -> ReasoningReport:
    """Check ``ontology_files`` plus ``data`` with HermiT and report the result.

    ``ontology_files`` are RDF files, their format chosen by extension (Turtle, N-Triples,
    RDF/XML, ...). ``data`` is an RDF document as bytes or a file (``data_format`` names its
    syntax: ``nt`` by default, also ``nq``, ``ttl``, ``trig``, ``rdf``; graph names of quad
    formats are dropped), or None to check the ontology alone. ``owl:imports`` statements are
    ignored: everything the check needs must be passed in.

    Raises ``RDFSyntaxError`` when a document does not parse, ``UnsupportedFormatError`` for
    an unknown format and ``ReasonerError`` when HermiT cannot be run.
    """
    documents = [(str(path), _to_ntriples(Path(path).read_bytes(), _format_of(path), str(path)))
                 for path in ontology_files]
    if data is not None:
        if isinstance(data, Path):
            documents.append((str(data), _to_ntriples(data.read_bytes(), data_format, str(data))))
        else:
            documents.append(("data", _to_ntriples(data, data_format, "data")))
    _require_java()

    world = owlready2.World()
    try:
        for number, (name, ntriples) in enumerate(documents):
            _load(world, ntriples, name, f"{_DOCUMENT_IRI}/{number}")
        return _reason(world)
    finally:
        world.close()


def _format_of(path: Path | str) -> str:
    suffix = Path(path).suffix.lstrip(".").lower()
    if suffix not in _FORMATS:
        raise UnsupportedFormatError(f"no RDF format for the extension {suffix!r}",
                                     source=str(path))
    return suffix


def _to_ntriples(content: bytes, fmt: str, source: str) -> bytes:
    """Re-serialise any RDF syntax as canonical N-Triples, without graph names or owl:imports."""
    rdf_format = _FORMATS.get(fmt.lower().lstrip("."))
    if rdf_format is None:
        raise UnsupportedFormatError(f"unknown RDF format {fmt!r}", source=source)
    try:
        triples = [Triple(quad.subject, quad.predicate, _uri_form(quad.object))
                   for quad in parse(content, format=rdf_format)
                   if quad.predicate.value != OWL_IMPORTS]
    except SyntaxError as exc:
        raise RDFSyntaxError(str(exc), source=source) from exc
    return serialize(triples, format=RdfFormat.N_TRIPLES) or b""


def _uri_form(term: Term) -> Term:
    """An ``xsd:anyURI`` literal with the characters a URI cannot hold (non-ASCII, spaces, ...)
    percent-encoded as UTF-8; a valid URI stays as it is, and so does every other term."""
    if isinstance(term, Literal) and term.datatype == XSD_ANY_URI:
        return Literal(urllib.parse.quote(term.value, safe=_URI_SAFE), datatype=XSD_ANY_URI)
    return term


def _load(world: owlready2.World, ntriples: bytes, name: str, base_iri: str) -> None:
    """Load N-Triples into ``world`` as an ontology of its own."""
    try:
        world.get_ontology(base_iri).load(fileobj=io.BytesIO(ntriples), format="ntriples")
    except Exception as exc:  # owlready2 raises several kinds; all mean "cannot load"
        raise RDFSyntaxError(f"owlready2 cannot load the document: {exc}", source=name) from exc


def _require_java() -> None:
    java = owlready2.JAVA_EXE
    if shutil.which(java) is None and not Path(java).is_file():
        raise ReasonerError(f"no Java runtime found ({java!r}); HermiT needs one, e.g. "
                            "`apt-get install default-jre-headless`")


def _reason(world: owlready2.World) -> ReasoningReport:
    """Run HermiT on everything in ``world``."""
    started = time.perf_counter()
    try:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0,
                                       ignore_unsupported_datatypes=True)
    except owlready2.OwlReadyInconsistentOntologyError as exc:
        _remove_reasoner_input(exc)
        seconds = time.perf_counter() - started
        return ReasoningReport(False, [], "HermiT: the ontology together with the data is "
                               "inconsistent (it has no model).", seconds)
    except owlready2.OwlReadyJavaError as exc:
        _remove_reasoner_input(exc)
        raise ReasonerError(f"HermiT failed: {str(exc).strip()[-2000:]}") from exc
    except OSError as exc:
        _remove_reasoner_input(exc)
        raise ReasonerError(f"HermiT could not be started: {exc}") from exc
    seconds = time.perf_counter() - started
    unsatisfiable = sorted({cls.iri for cls in world.inconsistent_classes()
                            if getattr(cls, "iri", OWL_NOTHING) != OWL_NOTHING})
    if unsatisfiable:
        message = (f"HermiT: consistent, but {len(unsatisfiable)} class(es) are unsatisfiable: "
                   + ", ".join(unsatisfiable))
    else:
        message = "HermiT: consistent, no unsatisfiable class."
    return ReasoningReport(True, unsatisfiable, message, seconds)


def _remove_reasoner_input(exc: BaseException) -> None:
    """Delete the temporary N-Triples file that owlready2 leaves behind when HermiT fails.

    owlready2 removes it only after a successful run; on failure its name is still a local
    variable (``tmp``) of the frame of ``sync_reasoner_hermit`` in the traceback.
    """
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        tmp = frame.f_locals.get("tmp") if frame.f_code.co_name == "sync_reasoner_hermit" else None
        name = getattr(tmp, "name", None)
        if isinstance(name, str):
            Path(name).unlink(missing_ok=True)
