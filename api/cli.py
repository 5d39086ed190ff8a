"""The ``owl40`` command line: init, load, serve, query, validate, export, check, token.

Exit codes: 0 ok, 1 the data does not conform / is inconsistent, 2 bad input or a store or
load error. Messages go to stderr; results (query results, reports, exports) to stdout.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from api.config import environment_value, load_settings
from graph.errors import GraphError, InputError
from graph.inputlimits import InputLimits
from graph.rdfio import parse_file, quads_to_ntriples, to_rdflib_graph
from graph.sparql import RESULT_FORMATS, run_query
from graph.store import Store, load_files, load_project, open_store

BIG_FILE = 5 * 1024 * 1024  # files above this size get a progress bar while parsing
EXPORT_FORMATS = ("nquads", "trig", "turtle", "jsonld")
Settings = dict[str, Any]


def printable(message: str) -> str:
    """One readable line: control characters (NUL, newlines a parser quoted from the input)
    written as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message.strip())


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(printable(message), err=True)
    raise click.exceptions.Exit(code)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn the graph layer's errors into a message on stderr and exit code 2."""
    try:
        yield
    except InputError as exc:
        _fail(exc.describe())
    except GraphError as exc:
        _fail(f"error: {exc}")
    except OSError as exc:
        _fail(f"error: {exc.filename or ''}: {exc.strerror or exc}")


@contextmanager
def _opened(settings: Settings) -> Iterator[Store]:
    store = open_store(settings)
    try:
        yield store
    finally:
        store.close()


class _ProgressBars:
    """A tqdm bar per file larger than BIG_FILE, fed by the parser's byte counts."""

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}

    def __call__(self, label: str, done: int, total: int) -> None:
        if total <= BIG_FILE:
            return
        if label not in self.bars:
            from tqdm import tqdm

            self.bars[label] = tqdm(total=total, desc=label, unit="B", unit_scale=True)
        self.bars[label].update(done - self.bars[label].n)
        if done >= total:  # parsed; the bar should not count the time of the write
            self.bars[label].close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


@click.group()
@click.option("--store", "store", metavar="DIR", help="Embedded store directory (STORE).")
@click.option("--base-iri", metavar="IRI", help="Base of minted IRIs (BASE_IRI).")
@click.option("--sparql-url", metavar="URL", help="Remote query endpoint (SPARQL_URL).")
@click.option("--update-url", metavar="URL", help="Remote update endpoint (UPDATE_URL).")
@click.option("--gsp-url", metavar="URL", help="Remote Graph Store endpoint (GSP_URL).")
@click.pass_context
def main(ctx: click.Context, store: str | None, base_iri: str | None, sparql_url: str | None,
         update_url: str | None, gsp_url: str | None) -> None:
    """A regional action plan as a linked-open-data knowledge graph.

    Commands work on the instance in the current directory (or OWL40_INSTANCE_DIR); 'owl40
    init DIR --region NAME' makes a new one.
    """
    ctx.obj = load_settings({"STORE": store, "BASE_IRI": base_iri, "SPARQL_URL": sparql_url,
                             "UPDATE_URL": update_url, "GSP_URL": gsp_url})


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--region", required=True, metavar="NAME", help="Name of the region.")
@click.option("--base-iri", "base_iri", metavar="IRI", default="http://127.0.0.1:8040/",
              show_default=True, help="Base of the IRIs the data mints (set the persistent one "
              "before publishing).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True, help="Sheets as CSV (UTF-8) or Excel.")
@click.pass_obj
def init(settings: Settings, directory: Path, region: str, base_iri: str, fmt: str) -> None:
    """Make a new instance for a region in DIRECTORY: settings, empty sheets (from the
    shapes), extension files, a README in German and English."""
    from graph.instance.data import kinds_of
    from graph.instance.scaffold import InstanceExists, init_instance

    try:
        written = init_instance(directory, region, kinds_of(settings), base_iri=base_iri, fmt=fmt)
    except (InstanceExists, ValueError) as exc:
        _fail(f"error: {exc}")
    click.echo(f"made the instance of {region} in {directory} ({len(written)} files); next:\n"
               f"  cd {directory}\n  (fill the sheets in sheets/, see README.md)\n"
               "  owl40 validate\n  owl40 load\n  owl40 serve", err=True)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--graph", metavar="IRI", help="Graph for the triples of FILEs "
              "(default: BASE_IRI/graph/file/<file name>).")
@click.option("--lang", type=click.Choice(["en", "de"]), default="en", show_default=True,
              help="Language of the sheets' validation report.")
@click.pass_obj
def load(settings: Settings, files: tuple[Path, ...], graph: str | None, lang: str) -> None:
    """Load the instance (ontology, code lists, shapes, extensions, example questions, and its
    data: fact sheet and sheets), or FILEs (with the ontology, code lists and shapes).

    Everything is parsed, and the sheets are validated, before the live data changes: a bad
    file, or a sheet with an error, changes nothing. FILEs stream into a new store version
    that goes live only when all of them are read. The release (dumps, release entry) is
    written after.
    """
    from graph.instance.check import NotConforming

    bars = _ProgressBars()
    with _errors(), _opened(settings) as store:
        try:
            if files:
                report = load_files(store, files, graph=graph, progress=bars,
                                    limits=InputLimits.from_settings(settings), settings=settings)
            else:
                report = load_project(store, settings, progress=lambda label, done, total:
                                      click.echo(f"[{done}/{total}] {label}", err=True))
        except NotConforming as exc:
            click.echo(exc.report.text(lang), nl=False, err=True)
            raise click.exceptions.Exit(1) from None
        finally:
            bars.close()
        release = _publish_release(store, settings)
    for line in report.warnings:
        click.echo(line, err=True)
    removed = f", removed {len(report.removed)} stale graphs" if report.removed else ""
    click.echo(f"loaded {report.total} triples into {len(report.graphs)} graphs"
               f"{removed} in {report.seconds:.2f} s (live)", err=True)
    click.echo(release, err=True)


def _publish_release(store: Store, settings: Settings) -> str:
    """Write the dumps and the release entry for the new content (graph.dumps)."""
    import time

    from graph.dumps import current_release

    started = time.perf_counter()
    release = current_release(store, settings)
    return (f"release {release.number}: data {release.data_version}, ontology "
            f"{release.ontology_version}, dumps in {settings['DUMPS_DIR']} "
            f"({time.perf_counter() - started:.2f} s)")


def _embedded(store: Store) -> Any:
    from graph.store import EmbeddedStore

    if not isinstance(store, EmbeddedStore):
        _fail("error: versions exist only for the embedded store (no SPARQL_URL)")
    return store


@main.command()
@click.pass_obj
def versions(settings: Settings) -> None:
    """List the kept store versions, newest first (* = live)."""
    with _errors(), _opened(settings) as store:
        for info in _embedded(store).versions.list():
            quads = "" if info.quads is None else f"{info.quads} quads"
            click.echo(f"{'*' if info.live else ' '} {info.number:>5}  {info.created}  "
                       f"{quads:>14}  {printable(info.operation)}")


@main.command()
@click.argument("number", type=int)
@click.pass_obj
def restore(settings: Settings, number: int) -> None:
    """Make kept version NUMBER live again (as a new version; see 'owl40 versions')."""
    with _errors(), _opened(settings) as store:
        target = _embedded(store).versions.restore(number)
        release = _publish_release(store, settings)
    click.echo(f"version {number} restored as version {Path(target).name}", err=True)
    click.echo(release, err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8040, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (about one per core).")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Request threads per worker.")
@click.option("--dev", is_flag=True, help="Flask's development server instead (one process, "
              "for debugging).")
@click.pass_obj
def serve(settings: Settings, host: str, port: int, workers: int, threads: int,
          dev: bool) -> None:
    """Serve the web app: granian (HTTP/1.1 keep-alive, WSGI) with several workers."""
    with _errors():
        store = open_store(settings)  # fail early, with a clear message, if it cannot open
        store.close()
    if dev:
        from api.app import create_app

        with _errors():
            app = create_app(settings)
        app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
        return
    import multiprocessing
    import os

    from granian import Granian
    from granian.constants import Interfaces

    if settings["ALLOCATOR"] == "jemalloc":
        _preload_jemalloc()
    # The workers build the app from the environment (api/wsgi.py): hand the resolved settings on.
    for name, value in settings.items():
        os.environ[f"OWL40_{name}"] = environment_value(value)
    # Workers start as new interpreters (not forks of this process), so LD_PRELOAD applies.
    multiprocessing.set_start_method("spawn", force=True)
    Granian("api.wsgi:app", address=host, port=port, interface=Interfaces.WSGI, workers=workers,
            blocking_threads=threads, websockets=False, respawn_failed_workers=True,
            log_access=False).serve()


JEMALLOC = "libjemalloc.so.2"


def find_jemalloc() -> str | None:
    """Path of the jemalloc library (Debian: ``apt-get install libjemalloc2``), or None."""
    import ctypes.util
    import glob

    for pattern in (f"/usr/lib/*-linux-gnu/{JEMALLOC}", f"/usr/lib64/{JEMALLOC}",
                    f"/usr/lib/{JEMALLOC}", f"/usr/local/lib/{JEMALLOC}"):
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return ctypes.util.find_library("jemalloc")


def _preload_jemalloc() -> None:
    """Preload jemalloc into the worker processes (and their engine processes): pyoxigraph
    allocates heavily while it evaluates, and with glibc's allocator it needs 1.5-2x the CPU
    (measured at 1 M quads: key-figures 154 -> 92 ms, organisation-page 4.1 -> 2.1 ms)."""
    import os

    preload = os.environ.get("LD_PRELOAD", "")
    if "jemalloc" in preload:
        return
    lib = find_jemalloc()
    if lib is None:
        click.echo("warning: jemalloc is not installed (apt-get install libjemalloc2); the "
                   "server runs with the system allocator, about half as fast on queries",
                   err=True)
        return
    os.environ["LD_PRELOAD"] = f"{lib} {preload}".strip()


def _example_file(name: str, settings: Settings) -> str | None:
    """The file of the example question ``name`` (its slug, e.g. plans-compared), if any."""
    import re

    from graph.instance.layout import query_dirs

    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        return None
    found = [d / f"{name}.rq" for d in query_dirs(settings) if (d / f"{name}.rq").is_file()]
    return str(found[-1]) if found else None


def _read_query(text: str, max_bytes: int) -> tuple[str, str | None]:
    """The query text and the file it came from (``.rq`` files and existing paths); a file
    longer than ``max_bytes``, not UTF-8 or holding NUL bytes is refused."""
    try:
        is_file = text.endswith(".rq") or Path(text).is_file()
    except (OSError, ValueError):  # a long query or one with NUL is not a file name
        is_file = False
    if not is_file:
        return text, None
    try:
        with open(text, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        _fail(f"{text}: cannot read the query file: {exc.strerror or exc}")
    if len(raw) > max_bytes:
        _fail(f"{text}: the query file is longer than {max_bytes} bytes (MAX_QUERY_LENGTH)")
    try:
        query = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        _fail(f"{text}: the query file is not UTF-8 (byte {exc.start})")
    if "\x00" in query:
        _fail(f"{text}: the query file holds a NUL byte (byte {query.index(chr(0))})")
    return query, text


@main.command()
@click.argument("query_text", metavar="QUERY|FILE.rq|EXAMPLE")
@click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS), default="table",
              show_default=True, help="table, csv (SPARQL CSV) or json (SPARQL JSON results).")
@click.option("--federate", "endpoints", multiple=True, metavar="URL",
              help="Also ask this SPARQL endpoint (SERVICE; repeatable) and give all rows "
              "together, e.g. another region's server.")
@click.pass_obj
def query(settings: Settings, query_text: str, fmt: str, endpoints: tuple[str, ...]) -> None:
    """Run a SPARQL query (text, a .rq file, or the name of an example question such as
    plans-compared) against the store."""
    from graph.queries import federated

    sparql, source = _read_query(_example_file(query_text, settings) or query_text,
                                 settings["MAX_QUERY_LENGTH"])
    if endpoints:
        with _errors():
            sparql = federated(sparql, list(endpoints))
    with _errors(), _opened(settings) as store:
        try:
            output = run_query(store, sparql, fmt=fmt)
        except InputError as exc:
            exc.source = source or exc.source
            raise
    click.echo(output, nl=False)


def _background(settings: Settings) -> Any:
    """Ontology, code lists and the region's ontology extension as one rdflib graph."""
    from graph.instance.layout import ontology_files

    return to_rdflib_graph([q for path in ontology_files(settings) for q in parse_file(path)])


def _validate(settings: Settings, data: Any) -> Any:
    from graph.instance.layout import shape_files
    from graph.validation import load_graph, validate

    try:
        shapes = load_graph(shape_files(settings))
    except FileNotFoundError as exc:
        _fail(f"error: {exc}")
    return validate(data, shapes=shapes, ont_graph=_background(settings))


def _validate_sheets(settings: Settings, lang: str) -> None:
    """The report of the instance's sheets (exit 0 fine, 1 errors, 2 no sheets)."""
    from graph.instance.data import check_instance_sheets

    with _errors():
        _, report = check_instance_sheets(settings)
    if report is None:
        _fail(f"error: no FILEs given, and the instance has no sheets ({settings['SHEETS_DIR']} "
              "does not exist); 'owl40 init DIR --region NAME' makes an instance")
    click.echo(report.text(lang), nl=False)
    raise click.exceptions.Exit(0 if report.conforms else 1)


@main.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--lang", type=click.Choice(["en", "de"]), default="en", show_default=True,
              help="Language of the readable report.")
@click.option("--turtle", is_flag=True, help="Print the report as Turtle on stdout "
              "(the readable report then goes to stderr).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the report as Turtle to this file.")
@click.pass_obj
def validate_command(settings: Settings, files: tuple[Path, ...], lang: str, turtle: bool,
                     output: Path | None) -> None:
    """Validate FILEs, or without FILEs the instance's sheets, against the SHACL shapes (core
    and the region's extensions; ontology and code lists as background).

    Exit 0 when the data conforms, 1 when it does not, 2 when a file is bad.
    """
    if not files:
        _validate_sheets(settings, lang)
    limits = InputLimits.from_settings(settings)
    with _errors():
        data = to_rdflib_graph([q for path in files for q in parse_file(path, limits=limits)])
        report = _validate(settings, data)
        if output is not None:
            output.write_text(report.turtle(), encoding="utf-8")
    click.echo(report.text(lang), nl=False, err=turtle)
    if turtle:
        click.echo(report.turtle(), nl=False)
    raise click.exceptions.Exit(0 if report.conforms else 1)


@main.command()
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="nquads",
              show_default=True, help="nquads/trig keep the named graphs; turtle/jsonld give "
              "the public union (the default graph).")
@click.option("--gzip", "use_gzip", is_flag=True, help="Compress the output with gzip.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (default: stdout).")
@click.pass_obj
def export(settings: Settings, fmt: str, use_gzip: bool, output: Path | None) -> None:
    """Export the dataset (stdout by default)."""
    with _errors(), _opened(settings) as store:
        chunks = store.dump(fmt)
        first = next(chunks, b"")  # fail before the output file is created
        # "-" is binary stdout; a file is written to a temporary name and renamed at the end
        with click.open_file(str(output) if output else "-", "wb", atomic=bool(output)) as out:
            sink = gzip.GzipFile(fileobj=out, mode="wb", mtime=0) if use_gzip else out
            sink.write(first)
            for chunk in chunks:
                sink.write(chunk)
            if use_gzip:
                sink.close()

@main.command()
@click.pass_obj
def check(settings: Settings) -> None:
    """Check the loaded data: OWL consistency (HermiT) of ontology + code lists + data
    graphs, and SHACL conformance of the data graphs. Exit 1 on any problem."""
    from graph.reasoning import check_consistency

    data_prefix = settings["BASE_IRI"] + "graph/"
    with _errors():
        with _opened(settings) as store:
            triples = store.query(
                "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } "
                f'FILTER(STRSTARTS(STR(?g), "{data_prefix}")) }}').triples
        if not triples:
            _fail(f"error: the store holds no data graphs under {data_prefix}; "
                  "run 'owl40 load' first")
        from graph.instance.layout import ontology_files

        reasoning = check_consistency(ontology_files(settings), quads_to_ntriples(triples))
        report = _validate(settings, to_rdflib_graph(triples))
    ok = reasoning.consistent and not reasoning.unsatisfiable_classes and report.conforms
    click.echo(f"data: {len(triples)} triples in the graphs under {data_prefix}")
    state = "consistent" if reasoning.consistent else f"INCONSISTENT: {reasoning.message}"
    click.echo(f"reasoner (HermiT, {reasoning.seconds:.1f} s): {state}")
    for iri in reasoning.unsatisfiable_classes:
        click.echo(f"  unsatisfiable class: <{iri}>")
    violations = len(report.by_severity("Violation"))
    warnings = len(report.by_severity("Warning"))
    click.echo(f"SHACL: {'conforms' if report.conforms else 'does not conform'} "
               f"({violations} violations, {warnings} warnings)")
    if not report.conforms:
        click.echo(report.text("en"), nl=False)
    click.echo("check: ok" if ok else "check: problems found", err=True)
    raise click.exceptions.Exit(0 if ok else 1)


@main.group()
def token() -> None:
    """Tokens of partner organisations and curators for the submissions API and pages."""


def _storage(settings: Settings) -> Any:
    from graph.submissions.storage import Storage

    return Storage(settings["SUBMISSIONS_DIR"])


@token.command("create")
@click.option("--org", "organisation", metavar="SLUG|IRI",
              help="The partner organisation (…/id/organisation/SLUG).")
@click.option("--curator", is_flag=True, help="A curator token instead.")
@click.option("--label", default="", help="Who holds the token (shown in histories).")
@click.pass_obj
def token_create(settings: Settings, organisation: str | None, curator: bool, label: str) -> None:
    """Create a token; it is printed once (only its hash is stored)."""
    from graph.submissions.auth import create_token

    if curator == bool(organisation):
        _fail("give either --org SLUG or --curator")
    iri = None
    if organisation:
        iri = organisation if organisation.startswith(("http://", "https://")) \
            else f"{settings['BASE_IRI']}id/organisation/{organisation}"
        with _errors(), _opened(settings) as store:
            known = store.query(f"ASK {{ <{iri}> ?p ?o }}").boolean
        if not known:
            click.echo(f"warning: <{iri}> is not in the published graph", err=True)
    number, secret = create_token(_storage(settings), role="curator" if curator else "partner",
                                  organisation=iri, label=label or (organisation or "curator"))
    click.echo(f"token {number} for {iri or 'curators'}:", err=True)
    click.echo(secret)


@token.command("list")
@click.pass_obj
def token_list(settings: Settings) -> None:
    """List tokens (never the tokens themselves)."""
    from graph.submissions.auth import list_tokens

    for row in list_tokens(_storage(settings)):
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
        who = row["organisation"] or "curator"
        click.echo(f"{row['id']}\t{row['role']}\t{who}\t{row['label']}\t"
                   f"{row['created_at']}\t{state}")


@token.command("revoke")
@click.argument("token_id", type=int)
@click.pass_obj
def token_revoke(settings: Settings, token_id: int) -> None:
    """Revoke a token by its number (it stops working at once)."""
    from graph.submissions.auth import revoke_token

    if not revoke_token(_storage(settings), token_id):
        _fail(f"no active token {token_id}")
    click.echo(f"token {token_id} revoked", err=True)


if __name__ == "__main__":
    main()
