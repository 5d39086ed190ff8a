"""Exceptions raised by the graph layer; the web and CLI layers map them to 4xx / exit codes."""

from __future__ import annotations


class GraphError(Exception):
    """Base class of every error the graph layer raises on purpose."""


class InputError(GraphError):
    """Bad input from a user: a file that does not parse, an unknown format, a bad query.

    ``source`` names the file (or "query"), ``line``/``column`` the position when known.
    """

    def __init__(self, message: str, *, source: str | None = None,
                 line: int | None = None, column: int | None = None) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        super().__init__(self.describe())

    def describe(self) -> str:
        where = self.source or ""
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return f"{where}: {self.message}" if where else self.message


class RDFSyntaxError(InputError):
    """An RDF document does not parse (Turtle, N-Triples, JSON-LD, RDF/XML, ...)."""


class QuerySyntaxError(InputError):
    """A SPARQL query or update does not parse."""


class UnsupportedFormatError(InputError):
    """A file extension or media type names no RDF format we read or write."""


class StoreError(GraphError):
    """The store cannot be opened or written (locked directory, remote store down, ...)."""


class ConsistencyError(GraphError):
    """The reasoner found the ontology together with the data inconsistent."""
