"""The README documents every setting, every CLI command and the two set-up commands."""

from __future__ import annotations

import re

from api.cli import main
from api.config import PROJECT_DIR, SETTINGS

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme():
    missing = [name for name in SETTINGS if f"`OWL40_{name}`" not in README]
    assert missing == []


def test_every_cli_command_is_in_the_readme():
    missing = [name for name in main.commands if f"`owl40 {name}" not in README]
    assert missing == []


def test_readme_has_exactly_two_setup_commands_and_ci_calls_the_test_one():
    setup = README.split("## Set-up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", setup, flags=re.S)
    assert [b.strip() for b in blocks] == ["make serve", "make test"]
    ci = (PROJECT_DIR / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert commands == ["make test"]


def test_the_generated_docs_are_current():
    """docs/model-diagram.svg (the ontology's class diagram) and docs/sheets.md (the input
    format of an instance) are generated; a change of ontology or shapes regenerates them."""
    from graph.diagram import diagram
    from graph.instance.kinds import instance_kinds
    from graph.instance.scaffold import sheets_document

    docs = PROJECT_DIR / "docs"
    svg = diagram([PROJECT_DIR / "ontology" / "regio.ttl"],
                  title="regio ontology: classes and object properties")
    assert svg == (docs / "model-diagram.svg").read_text(encoding="utf-8"), \
        "run: python -m graph.diagram ontology/regio.ttl > docs/model-diagram.svg"
    kinds = instance_kinds(sorted((PROJECT_DIR / "shapes").glob("*.ttl")),
                           PROJECT_DIR / "ontology" / "codelists.ttl")
    assert sheets_document(kinds) == (docs / "sheets.md").read_text(encoding="utf-8"), \
        "run: python -m graph.instance.scaffold > docs/sheets.md"


def test_the_diagram_shows_every_class_of_the_ontology():
    import rdflib

    from graph.diagram import read_model

    graph = rdflib.Graph().parse(PROJECT_DIR / "ontology" / "regio.ttl")
    classes, edges = read_model(graph)
    svg = (PROJECT_DIR / "docs" / "model-diagram.svg").read_text(encoding="utf-8")
    assert {"ActionPlan", "Project", "PlanLink", "Participation", "Funding", "District"} <= set(classes)
    assert all(f">{c}</text>" in svg for c in classes)
    assert any(e.source == "Project" and e.target == "PlanLink" and e.label == "hasPlanLink"
               for e in edges)


def test_the_guide_to_writes_is_shipped_and_linked():
    """docs/writes.md (issue 11) ships in the wheel like the other guides and the README's
    table of documents links it."""
    from graph.resources import SHIPPED_DOCS, doc_file

    assert "writes.md" in SHIPPED_DOCS and doc_file("writes.md").is_file()
    pyproject = (PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8")
    package_data = pyproject.split('"graph.share.docs" = [', 1)[1].split("]", 1)[0]
    assert '"writes.md"' in package_data
    assert "| [docs/writes.md](docs/writes.md) |" in README
    guide = doc_file("writes.md").read_text(encoding="utf-8")
    for setting in ("KEEP_VERSIONS", "COMPACT_AFTER_FILES", "LOAD_BATCH"):
        assert f"`OWL40_{setting}`" in guide, setting
        assert f"`OWL40_{setting}`" in README, setting
