"""The child process that reads one upload, within resource limits (run as a module).

It is started ahead of time (imports done), reads one job as a JSON line on stdin, sets its
limits (address space, CPU seconds, no file writes), reads the file and answers one JSON
document on stdout, then exits. What it reads is untrusted: a crash, a memory error or a
hang here costs this process only (the parent kills it after its time limit).

Job: ``{"path", "format": "csv"|"xlsx"|"rdf", "rdf_format", "max_unpacked", "max_memory",
"max_seconds", "max_blank_nodes", "max_depth", "base_iri"}``. Answer: ``{"ok": true, "rows":
[[line, [cells…]], …]}`` for sheets, ``{"ok": true, "nquads": "…"}`` for RDF, or
``{"ok": false, "status": 4xx, "message", "line", "column"}``.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import resource
import sys
import zipfile
import zlib
from decimal import Decimal

import pyoxigraph as ox

from graph.errors import InputError
from graph.inputlimits import InputLimits, bounded
from graph.rdfio import parse_file

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
MAX_ZIP_MEMBERS = 2000


class Refused(Exception):
    def __init__(self, status: int, message: str, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.line, self.column = status, message, line, column


def set_limits(job: dict) -> None:
    """Address space, CPU time and file size limits of this process."""
    memory = int(job["max_memory"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    seconds = max(1, int(job["max_seconds"]))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def read_bytes(path: str, max_unpacked: int) -> bytes:
    """The upload's bytes, gunzipped when it is gzip, at most ``max_unpacked`` of them."""
    with open(path, "rb") as fh:
        head = fh.read(2)
        fh.seek(0)
        if head != GZIP_MAGIC:
            data = fh.read(max_unpacked + 1)
        else:
            try:
                data = bounded(gzip.GzipFile(fileobj=fh), max_unpacked).read(max_unpacked + 1)
            except InputError:
                data = b"x" * (max_unpacked + 1)
            except (OSError, EOFError, zlib.error) as exc:
                raise Refused(400, f"not a valid gzip file ({exc})") from None
    if len(data) > max_unpacked:
        raise Refused(413, f"the upload is larger than {max_unpacked:,} bytes once unpacked; "
                           "refused (limit: SUBMISSION_MAX_UNPACKED)")
    return data


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def read_csv(data: bytes) -> list[list]:
    """Rows of a CSV file as (line, cells); UTF-8 (BOM allowed), delimiter , ; or tab."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise Refused(400, f"the file is not UTF-8 text (byte 0x{data[exc.start]:02X}); in "
                           "Excel save it as \"CSV UTF-8\"", line, column) from None
    if "\x00" in text:
        line, column = _position(data, data.index(b"\x00"))
        raise Refused(400, "the file holds a NUL character: not a text file", line, column)
    lines = text.splitlines(keepends=True)
    first = next((ln for ln in lines if ln.strip() and not ln.startswith("#")), "")
    delimiter = max((";", ",", "\t"), key=first.count) if first else ","
    rows: list[list] = []
    start = 0
    while start < len(lines) and (lines[start].startswith("#") or not lines[start].strip()):
        start += 1
    reader = csv.reader(io.StringIO("".join(lines[start:])), delimiter=delimiter, strict=True)
    previous = 0
    try:
        for cells in reader:
            line = start + previous + 1
            previous = reader.line_num
            if cells and any(c.strip() for c in cells) and not cells[0].startswith("#"):
                rows.append([line, cells])
    except csv.Error as exc:
        raise Refused(400, f"the CSV does not parse: {exc}", start + reader.line_num) from None
    return rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def read_xlsx(path: str, max_unpacked: int) -> list[list]:
    """Rows of the first sheet of an Excel workbook as (row number, cells). Formulas are
    read as their text (never computed); the archive's unpacked size is checked first."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            if len(members) > MAX_ZIP_MEMBERS or total > max_unpacked:
                raise Refused(413, f"the workbook unpacks to {total:,} bytes in {len(members)} "
                                   f"parts; more than {max_unpacked:,} bytes is refused "
                                   "(limit: SUBMISSION_MAX_UNPACKED)")
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    with archive.open(member) as fh:
                        if b"<!DOCTYPE" in fh.read(64 * 1024):
                            raise Refused(400, f"{member.filename} in the workbook declares an "
                                               "XML DOCTYPE (DTDs, entities); refused")
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise Refused(400, f"not a valid Excel (.xlsx) file: {exc}") from None
    import openpyxl

    try:  # a file object: openpyxl would judge a path by its extension
        book = openpyxl.load_workbook(open(path, "rb"), read_only=True,  # noqa: SIM115
                                      data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for broken or hostile files
        raise Refused(400, f"the Excel file cannot be read: {type(exc).__name__}: {exc}") from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            texts = [_cell_text(v) for v in cells]
            while texts and not texts[-1].strip():
                texts.pop()
            if texts and not texts[0].startswith("#"):
                rows.append([number, texts])
        return rows
    finally:
        book.close()


def read_rdf(job: dict) -> str:
    """The upload as N-Quads, parsed with the project's safe reader (no network, no XML
    DOCTYPE, limits on size, blank nodes and nesting, ill-typed literals refused)."""
    limits = InputLimits(max_bytes=int(job["max_unpacked"]),
                         max_blank_nodes=int(job["max_blank_nodes"]),
                         max_depth=int(job["max_depth"]))
    path = job["path"]  # the parent names a gzip file *.gz: the reader looks through it
    try:
        quads = parse_file(path, format=job["rdf_format"], base_iri=job.get("base_iri"),
                           limits=limits)
    except InputError as exc:
        status = 413 if "larger than" in exc.message else 400
        raise Refused(status, exc.message, exc.line, exc.column) from None
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")


def run(job: dict) -> dict:
    set_limits(job)
    fmt = job["format"]
    if fmt == "rdf":
        return {"ok": True, "nquads": read_rdf(job)}
    if fmt == "xlsx":
        with open(job["path"], "rb") as fh:
            if fh.read(4) != ZIP_MAGIC:
                raise Refused(400, "not an Excel (.xlsx) file: it is not a zip archive")
        return {"ok": True, "rows": read_xlsx(job["path"], int(job["max_unpacked"]))}
    data = read_bytes(job["path"], int(job["max_unpacked"]))
    if data.startswith(ZIP_MAGIC):
        raise Refused(415, "this looks like an Excel file, not CSV: upload it as .xlsx")
    return {"ok": True, "rows": read_csv(data)}


def main() -> None:
    import openpyxl  # noqa: F401  (imported before the job arrives: a warm start)

    line = sys.stdin.readline()
    if not line:
        return
    job = json.loads(line)
    try:
        answer = run(job)
    except Refused as exc:
        answer = {"ok": False, "status": exc.status, "message": exc.message, "line": exc.line,
                  "column": exc.column}
    except MemoryError:
        answer = {"ok": False, "status": 413, "message": "reading the upload needs more memory "
                  "than allowed; refused (limit: SUBMISSION_MAX_MEMORY)"}
    except RecursionError:
        answer = {"ok": False, "status": 400, "message": "the upload is nested too deeply"}
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
