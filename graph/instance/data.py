"""Build an instance's data: its fact sheet (``DATA_DIR``: facts.yaml and curation.yaml, the
format of the repository's first instance, graph.build) and its filled sheets (``SHEETS_DIR``,
graph.instance.sheets), the sheets checked against the shapes first (graph.instance.check).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import Quad

from graph.errors import InputError
from graph.instance.check import NotConforming, SheetReport, check_sheets
from graph.instance.kinds import instance_kinds
from graph.instance.layout import codelist_files, data_dir, shape_files, sheets_dir

FACT_FILES = ("facts.yaml", "curation.yaml")


@dataclass
class InstanceBuild:
    """The built data: quads in provenance graphs, a summary line, the sheets' report."""

    quads: list[Quad] = field(default_factory=list)
    graphs: set[str] = field(default_factory=set)
    parts: list[str] = field(default_factory=list)
    report: SheetReport | None = None

    @property
    def summary(self) -> str:
        return "; ".join(self.parts) or "no data: neither a fact sheet (DATA_DIR) nor sheets " \
                                        "(SHEETS_DIR)"

    @property
    def warnings(self) -> list[str]:
        """The lines of the sheets' report that do not block (warnings and notes)."""
        if self.report is None:
            return []
        return [f.line("en") for f in self.report.findings if f.severity != "Violation"]


def kinds_of(settings: Mapping[str, Any]) -> dict:
    """The sheets of this instance (from its core and extension shapes)."""
    codes = codelist_files(settings)
    return instance_kinds(shape_files(settings), codes[0] if codes else None)


def check_instance_sheets(settings: Mapping[str, Any]) -> tuple[Any, SheetReport | None]:
    """Read and check the instance's sheets: (the build, its report); (None, None) without
    sheets."""
    from graph.instance.sheets import build_sheets

    directory = sheets_dir(settings)
    if directory is None:
        return None, None
    kinds = kinds_of(settings)
    built = build_sheets(directory, kinds, settings["BASE_IRI"],
                         publisher=settings.get("PUBLISHER_NAME") or "",
                         publisher_url=settings.get("PUBLISHER_URI") or "")
    return built, check_sheets(built, kinds, settings, directory=str(directory))


def build_instance(settings: Mapping[str, Any]) -> InstanceBuild:
    """The instance's data. Raises :class:`NotConforming` when its sheets do not conform
    (nothing is built then), :class:`InputError` when its fact sheet cannot be read."""
    out = InstanceBuild()
    facts = data_dir(settings)
    if facts is not None:
        missing = [name for name in FACT_FILES if not (facts / name).is_file()]
        if missing:
            raise InputError(f"DATA_DIR names a fact sheet, but {', '.join(missing)} is missing "
                             "(a fact sheet is facts.yaml with curation.yaml; an instance made "
                             "by 'owl40 init' keeps its data in sheets instead: leave DATA_DIR "
                             "empty)", source=str(facts))
        from graph.build import build_owl40

        built = build_owl40(Path(facts), settings["BASE_IRI"])
        out.quads += built.quads
        out.graphs |= built.graphs
        out.parts.append(f"fact sheet {facts.name}: {len(built.quads)} statements")
    sheets, report = check_instance_sheets(settings)
    if sheets is not None:
        out.report = report
        if not report.conforms:
            raise NotConforming(report)
        out.quads += sheets.quads
        out.graphs |= sheets.graphs
        out.parts.append(f"sheets: {len(sheets.records)} records from {len(sheets.files)} files, "
                         f"{len(sheets.quads)} statements")
    return out
