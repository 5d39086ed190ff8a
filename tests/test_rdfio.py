"""Parsing RDF files safely: every format, clear positions, no network, no XML entities."""

from __future__ import annotations

import gzip
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from graph.errors import InputError, RDFSyntaxError, UnsupportedFormatError
from graph.rdfio import (
    file_slug,
    parse_data,
    parse_file,
    quads_to_ntriples,
    to_rdflib,
    to_rdflib_graph,
)

A, P, G = "http://example.org/a", "http://example.org/p", "http://example.org/g"
EXPECTED = {ox.Triple(ox.NamedNode(A), ox.NamedNode(P), ox.Literal("Ä", language="de")),
            ox.Triple(ox.NamedNode(A), ox.NamedNode(P), ox.NamedNode("http://example.org/b"))}
RDF_XML = f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="{A}">
    <ex:p xml:lang="de">Ä</ex:p>
    <ex:p rdf:resource="http://example.org/b"/>
  </rdf:Description>
</rdf:RDF>
"""
JSON_LD = f"""{{"@context": {{"ex": "http://example.org/"}},
 "@id": "{A}", "ex:p": [{{"@value": "Ä", "@language": "de"}}, {{"@id": "ex:b"}}]}}"""
GOOD = {
    "ttl": '@prefix ex: <http://example.org/> .\nex:a ex:p "Ä"@de, ex:b .\n',
    "nt": f'<{A}> <{P}> "Ä"@de .\n<{A}> <{P}> <http://example.org/b> .\n',
    "nq": f'<{A}> <{P}> "Ä"@de <{G}> .\n<{A}> <{P}> <http://example.org/b> <{G}> .\n',
    "trig": f'<{G}> {{ <{A}> <{P}> "Ä"@de, <http://example.org/b> }}\n',
    "jsonld": JSON_LD, "json": JSON_LD, "rdf": RDF_XML, "owl": RDF_XML, "xml": RDF_XML,
}


def write(path: Path, text: str) -> Path:
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("ext", [*GOOD, "ttl.gz", "nq.gz", "rdf.gz"])
def test_each_format_parses(tmp_path: Path, ext: str) -> None:
    quads = parse_file(write(tmp_path / f"data.{ext}", GOOD[ext.removesuffix(".gz")]))
    assert {q.triple for q in quads} == EXPECTED
    graphs = {q.graph_name for q in quads}
    assert graphs == ({ox.NamedNode(G)} if ext.split(".")[0] in ("nq", "trig")
                      else {ox.DefaultGraph()})


def test_format_can_be_given(tmp_path: Path) -> None:
    path = write(tmp_path / "data.txt", GOOD["ttl"])
    assert {q.triple for q in parse_file(path, format="turtle")} == EXPECTED
    with pytest.raises(UnsupportedFormatError) as info:
        parse_file(path)
    assert "data.txt" in str(info.value)


@pytest.mark.parametrize(("ext", "text", "line"), [
    ("ttl", '@prefix ex: <http://example.org/> .\nex:a ex:p ex:b .\nex:a ex:p "open .\n', 3),
    ("ttl", "@prefix ex: <http://example.org/> .\n\nex:a ex:p nope:b .\n", 3),
    ("nt", f'<{A}> <{P}> "x" .\n<{A}> <{P}> "y" <{G}> .\n', 2),
    ("jsonld", '{"@context": {"ex": "http://example.org/"},\n "@id": "ex:a",\n "ex:p": x}', 3),
    ("rdf", RDF_XML.replace("</ex:p>", "</ex:q>", 1), 4),
    ("ttl.gz", '@prefix ex: <http://example.org/> .\nex:a ex:p .\n', 2),
])
def test_malformed_files_name_the_file_and_the_line(tmp_path: Path, ext: str, text: str,
                                                    line: int) -> None:
    path = write(tmp_path / f"bad.{ext}", text)
    with pytest.raises(RDFSyntaxError) as info:
        parse_file(path)
    error = info.value
    assert (error.source, error.line) == (str(path), line)
    assert error.column is not None and error.column >= 1
    assert str(error).startswith(f"{path}:{line}:{error.column}: ")
    assert "Parser error" not in error.message


def test_missing_file_and_bad_gzip_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        parse_file(tmp_path / "missing.ttl")
    (tmp_path / "fake.ttl.gz").write_bytes(b"not gzip at all")
    with pytest.raises(RDFSyntaxError, match="gzip"):
        parse_file(tmp_path / "fake.ttl.gz")


@pytest.fixture
def recording_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request it gets (there must be none)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            body = b'{"@context": {"name": "http://schema.org/name"}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.mark.parametrize("context", ['"{url}/ctx.jsonld"', '["{url}/ctx.jsonld"]',
                                     '{{"@import": "{url}/ctx.jsonld"}}'])
def test_remote_json_ld_context_is_refused_without_fetching(
        tmp_path: Path, recording_server: tuple[str, list[str]], context: str) -> None:
    url, hits = recording_server
    text = '{"@context": ' + context.format(url=url) + f', "@id": "{A}", "name": "x"}}'
    path = write(tmp_path / "remote.jsonld", text)
    with pytest.raises(InputError, match="remote JSON-LD contexts are not loaded") as info:
        parse_file(path)
    assert info.value.source == str(path)
    assert hits == []


XXE = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY x SYSTEM "{target}"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/a"><ex:p>&x;</ex:p></rdf:Description>
</rdf:RDF>
"""
LAUGHS = XXE.replace('<!ENTITY x SYSTEM "{target}">',
                     '<!ENTITY l "lol"> <!ENTITY x "&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;">')


@pytest.mark.parametrize("target", ["file:///etc/passwd", "{url}/evil.dtd", None])
def test_xml_entities_and_doctypes_are_refused(
        tmp_path: Path, recording_server: tuple[str, list[str]], target: str | None) -> None:
    url, hits = recording_server
    text = LAUGHS if target is None else XXE.format(target=target.format(url=url))
    for ext in ("rdf", "owl"):
        path = write(tmp_path / f"xxe.{ext}", text)
        with pytest.raises(RDFSyntaxError, match="DOCTYPE") as info:
            parse_file(path)
        assert (info.value.source, info.value.line) == (str(path), 2)
        with pytest.raises(RDFSyntaxError, match="DOCTYPE"):
            parse_data(text, format="rdfxml")
    assert hits == []


def test_blank_nodes_of_two_files_stay_apart(tmp_path: Path) -> None:
    text = '_:b <http://example.org/p> "x" .\n'
    first = parse_file(write(tmp_path / "one.nt", text))
    second = parse_file(write(tmp_path / "two.nt", text))
    assert first[0].subject != second[0].subject


def test_progress_reports_bytes_read(tmp_path: Path) -> None:
    path = write(tmp_path / "big.nt", GOOD["nt"] * 2000)
    seen: list[tuple[str, int, int]] = []
    parse_file(path, progress=lambda label, done, total: seen.append((label, done, total)))
    size = path.stat().st_size
    assert seen and seen[-1] == ("big.nt", size, size)


def test_conversions_to_ntriples_and_rdflib(tmp_path: Path) -> None:
    quads = parse_file(write(tmp_path / "d.trig", GOOD["trig"])) + parse_data(
        GOOD["ttl"], format="turtle")
    assert len(quads_to_ntriples(quads).splitlines()) == 2  # the union, duplicates merged
    dataset = to_rdflib(quads)
    assert len(dataset.graph(rdflib.URIRef(G))) == 2
    assert len(dataset.default_graph) == 2
    assert len(to_rdflib_graph(quads)) == 2


def test_file_slug() -> None:
    assert file_slug("/x/Mein Datensatz_Ü.ttl.gz") == "mein-datensatz-u"
