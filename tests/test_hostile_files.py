"""Every command that reads a file treats it as untrusted (issue 10, part 4).

A corpus of broken and hostile files (syntax errors in each format, wrong encodings, NUL
bytes, empty files, XML entities, remote JSON-LD contexts, gzip bombs, ill-typed literals,
deep nesting, too many blank nodes) is fed to ``owl40 load`` and ``owl40 validate``: each ends
with exit code 2 and one readable line on stderr, no traceback, nothing written (the store,
the dumps, the report file) and no request to the network (a recording server on 127.0.0.1
is the only target any file names).
"""

from __future__ import annotations

import gzip
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from graph.inputlimits import InputLimitError, InputLimits, bounded, checked
from graph.rdfio import parse_file

XSD = "http://www.w3.org/2001/XMLSchema#"
T = "<http://example.org/invented/a> <http://example.org/invented/p>"
RDFXML_HEAD = ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
               'syntax-ns#" xmlns:e="http://example.org/invented/">\n')


def _nested_turtle(n: int) -> bytes:
    return (f"{T} " + "[ <http://example.org/invented/p> " * n + '"x"' + " ]" * n + " .\n").encode()


def _nested_jsonld(n: int) -> bytes:
    inner = '{"http://example.org/invented/p": ' * n + '"x"' + "}" * n
    return ('{"@id": "http://example.org/invented/a", "http://example.org/invented/p": '
            + inner + "}").encode()


def _nested_rdfxml(n: int) -> bytes:
    return (RDFXML_HEAD + '<rdf:Description rdf:about="http://example.org/invented/a">'
            + "<e:p><rdf:Description>" * n + "<e:p>x</e:p>" + "</rdf:Description></e:p>" * n
            + "</rdf:Description></rdf:RDF>\n").encode()


def _many_blank_nodes(n: int) -> bytes:
    return "".join(f'_:b{i} <http://example.org/invented/p> "{i}" .\n' for i in range(n)).encode()


def _bomb(mib: int) -> bytes:
    """A gzip file that expands to ``mib`` MiB of spaces (valid, empty Turtle): one small
    gzip member repeated (a gzip file may hold many; readers decompress them in turn)."""
    return gzip.compress(b" " * (1 << 20), compresslevel=9) * mib


#: The corpus runs with this decompressed-size limit (the default, 1 GiB, is tested once, in a
#: real process, at the end): the gzip bomb of the corpus expands to just beyond it.
CORPUS_MAX_BYTES = 64 << 20
ENV = {"OWL40_INPUT_MAX_BYTES": str(CORPUS_MAX_BYTES)}


LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
          b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
          + RDFXML_HEAD.split("\n", 1)[1].encode() + b"<rdf:Description rdf:about="
          b'"http://example.org/invented/a"><e:p>&c;</e:p></rdf:Description></rdf:RDF>\n')
XXE = LAUGHS.replace(b'<!ENTITY a "aaaaaaaaaa">', b'<!ENTITY a SYSTEM "{url}/secret">')

#: name -> (file name, content; "{url}" is the recording server).
CORPUS: dict[str, tuple[str, bytes | Callable[[], bytes]]] = {
    "turtle syntax error": ("bad.ttl", f"{T} .\n".encode()),
    "n-triples syntax error": ("bad.nt", f"{T} <http://example.org/invented/o>\n".encode()),
    "n-quads syntax error": ("bad.nq", f"{T} <urn:o> <urn:g> <urn:x> .\n".encode()),
    "trig syntax error": ("bad.trig", f"<urn:g> {{ {T} <urn:o> .\n".encode()),
    "json-ld syntax error": ("bad.jsonld", b'{"@id": "urn:a", "urn:p": [1, 2}'),
    "rdf/xml syntax error": ("bad.rdf", RDFXML_HEAD.encode() + b"<rdf:Description>\n"),
    "latin-1 text": ("latin1.ttl", f'{T} "Gr\xfc\xdfe" .\n'.encode("latin-1")),
    "utf-16 text": ("utf16.ttl", f'{T} "x" .\n'.encode("utf-16")),
    "nul bytes": ("nul.nt", f'{T} "a\x00b" .\n'.encode()),
    "nul bytes in turtle": ("nul.ttl", b"\x00" * 64),
    "binary garbage": ("garbage.ttl", os.urandom(4096)),
    "empty turtle": ("empty.ttl", b""),
    "only comments": ("comments.ttl", b"# nothing here\n@prefix e: <http://example.org/> .\n"),
    "empty json-ld": ("empty.jsonld", b"{}"),
    "empty gzip": ("empty.nt.gz", gzip.compress(b"")),
    "truncated gzip": ("cut.ttl.gz", gzip.compress(f'{T} "x" .\n'.encode() * 100)[:40]),
    "not gzip at all": ("fake.ttl.gz", b"plain text, not gzip"),
    "gzip bomb": ("bomb.ttl.gz", lambda: _bomb(65)),
    "billion laughs": ("laughs.rdf", LAUGHS),
    "external entity": ("xxe.rdf", XXE),
    "remote json-ld context": (
        "remote.jsonld", b'{"@context": "{url}/context.jsonld", "@id": "urn:a", "name": "x"}'),
    "remote json-ld import": (
        "import.jsonld", b'{"@context": {"@import": "{url}/c.jsonld"}, "@id": "urn:a", "n": "x"}'),
    "ill-typed integer": ("illtyped.ttl", f'{T}\n  "abc"^^<{XSD}integer> .\n'.encode()),
    "ill-typed date": ("illtyped.nt", f'{T} "2019-02-29"^^<{XSD}date> .\n'.encode()),
    "ill-typed json-ld": ("illtyped.jsonld", (
        '{"@id": "urn:a", "urn:p": {"@value": "1e3", "@type": "' + XSD + 'decimal"}}').encode()),
    "deep turtle": ("deep.ttl", lambda: _nested_turtle(50_000)),
    "deep json-ld": ("deep.jsonld", lambda: _nested_jsonld(5_000)),
    "deep rdf/xml": ("deep.rdf", lambda: _nested_rdfxml(5_000)),
    "long list": ("list.ttl", lambda: f"{T} ({' 1' * 5000} ) .\n".encode()),
    "too many blank nodes": ("blank.nt", lambda: _many_blank_nodes(100_001)),
    "unknown extension": ("data.xyz", f'{T} "x" .\n'.encode()),
}


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits.append(self.path)
        body = b'{"@context": {"name": "http://schema.org/name"}}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    folder = tmp_path_factory.mktemp("corpus")
    for name, (file_name, content) in CORPUS.items():
        data = content() if callable(content) else content
        target = folder / name.replace(" ", "-").replace("/", "") / file_name
        target.parent.mkdir()
        target.write_bytes(data.replace(b"{url}", url.encode()))
    try:
        yield folder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
        assert _Recorder.hits == [], f"a file made the command fetch {_Recorder.hits}"


def _file(corpus: Path, name: str) -> Path:
    folder = corpus / name.replace(" ", "-").replace("/", "")
    return next(folder.iterdir())


def _state(directory: Path) -> list[tuple[str, int]]:
    """What a directory holds (names and sizes), to prove nothing was written."""
    if not directory.exists():
        return []
    return sorted((str(p.relative_to(directory)), p.stat().st_size if p.is_file() else 0)
                  for p in directory.rglob("*") if p.name != "write.lock")


def _assert_refused(result, path: Path) -> None:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and lines[0].startswith(str(path)), lines[0]
    assert len(lines[0]) < 600 and lines[0].isprintable(), lines[0]


@pytest.fixture(scope="module")
def store(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A store with one good file loaded (its dumps written), and its dumps directory."""
    fine, work = corpus / "fine.nt", tmp_path_factory.mktemp("hostile-store")
    fine.write_text(f'{T} "fine" .\n', encoding="utf-8")
    env = {"OWL40_DUMPS_DIR": str(work / "dumps"), "OWL40_CACHE_DIR": str(work / "cache"),
           "OWL40_INPUT_MAX_BYTES": str(CORPUS_MAX_BYTES)}
    first = CliRunner(env=env).invoke(main, ["--store", str(work / "store"), "load", str(fine)])
    assert first.exit_code == 0, first.stderr
    return work / "store", work / "dumps"


@pytest.mark.parametrize("name", list(CORPUS))
def test_load_refuses_the_file_and_writes_nothing(corpus, store, name):
    path, (store_dir, dumps) = _file(corpus, name), store
    before = (_state(store_dir), _state(dumps))
    result = CliRunner(env=ENV | {"OWL40_DUMPS_DIR": str(dumps)}).invoke(
        main, ["--store", str(store_dir), "load", str(path)], catch_exceptions=False)
    _assert_refused(result, path)
    assert (_state(store_dir), _state(dumps)) == before


@pytest.mark.parametrize("name", list(CORPUS))
def test_validate_refuses_the_file_and_writes_no_report(corpus, tmp_path, name):
    path, report = _file(corpus, name), tmp_path / "report.ttl"
    result = CliRunner(env=ENV).invoke(main, ["validate", "-o", str(report), str(path)],
                                catch_exceptions=False)
    _assert_refused(result, path)
    assert not report.exists()


def test_the_messages_say_what_is_wrong(corpus):
    expected = {"gzip bomb": "INPUT_MAX_BYTES", "empty turtle": "no statements",
                "ill-typed integer": "ill-typed literal", "deep turtle": "INPUT_MAX_DEPTH",
                "deep rdf/xml": "INPUT_MAX_DEPTH", "long list": "INPUT_MAX_DEPTH",
                "too many blank nodes": "INPUT_MAX_BLANK_NODES", "latin-1 text": "UTF-8",
                "billion laughs": "DOCTYPE", "remote json-ld context": "remote JSON-LD"}
    for name, words in expected.items():
        result = CliRunner(env=ENV).invoke(main, ["validate", str(_file(corpus, name))])
        assert words in result.stderr, (name, result.stderr)


def test_an_ill_typed_literal_is_reported_at_its_line_and_column(corpus):
    path = _file(corpus, "ill-typed integer")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.stderr.startswith(f"{path}:2:3: ill-typed literal"), result.stderr


def test_the_limits_are_settings(corpus, tmp_path, monkeypatch):
    small = tmp_path / "small.nt.gz"
    small.write_bytes(gzip.compress(f'{T} "x" .\n'.encode() * 100))
    monkeypatch.setenv("OWL40_INPUT_MAX_BYTES", "1000")
    result = CliRunner().invoke(main, ["validate", str(small)])
    assert result.exit_code == 2 and "larger than 1,000 bytes" in result.stderr
    monkeypatch.setenv("OWL40_INPUT_MAX_BYTES", "100000")
    monkeypatch.setenv("OWL40_INPUT_MAX_DEPTH", "3")
    deep = tmp_path / "deep.ttl"
    deep.write_bytes(_nested_turtle(5))
    assert "INPUT_MAX_DEPTH" in CliRunner().invoke(main, ["validate", str(deep)]).stderr
    monkeypatch.setenv("OWL40_INPUT_MAX_DEPTH", "10")
    assert CliRunner().invoke(main, ["validate", str(deep)]).exit_code in (0, 1)


def test_limits_work_on_streams_for_other_readers():
    """The bounded reader and the quad check are public, for uploads and submissions."""
    import io

    import pyoxigraph as ox

    with pytest.raises(InputLimitError, match="INPUT_MAX_BYTES"):
        bounded(io.BytesIO(b"x" * 100), 10, "upload").read()
    quads = ox.parse(_nested_turtle(20), ox.RdfFormat.TURTLE)
    with pytest.raises(InputLimitError, match="INPUT_MAX_DEPTH"):
        list(checked(quads, InputLimits(max_depth=5), "upload"))
    assert len(parse_file(Path(__file__).parent.parent / "ontology" / "regio.ttl")) > 100


def test_a_gzip_bomb_in_a_real_process_exits_2_without_a_traceback(tmp_path):
    """At the default limit (1 GiB): a 1 MB file that expands to 1.001 GiB."""
    path = tmp_path / "bomb.ttl.gz"
    path.write_bytes(_bomb(1025))
    done = subprocess.run([sys.executable, "-m", "api.cli", "--store", str(tmp_path / "s"),
                           "load", str(path)], capture_output=True, timeout=600,
                          cwd=Path(__file__).parent.parent,
                          env=os.environ | {"OWL40_DUMPS_DIR": str(tmp_path / "dumps")})
    assert done.returncode == 2, done.stderr
    assert b"Traceback" not in done.stderr and b"INPUT_MAX_BYTES" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
