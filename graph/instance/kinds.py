"""The sheets of an instance: one per kind of record, generated from the shapes like the partner
submission templates (graph.submissions.templates, same machinery), so a change of shape
changes the sheets.

Every sheet has the columns ``record`` (the identifier, made from the name when empty) and —
on every kind but the sources themselves — ``source``: which source states the row (a key of
the sources sheet, a web address, or "self" for the publisher's own statement), so every
statement of every region keeps its provenance. Unlike a partner, the instance's editors are
the curators: their rules apply (``curator=True``), and the project sheet has the curators'
columns (plan link status and note, phase, themes). Links that follow from other rows (a
phase's plan, a theme's scheme, a project's participations and fundings, inverse links) are
derived when the sheets are read (graph.instance.sheets), not typed twice.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import rdflib
from rdflib.namespace import FOAF, PROV, SKOS

from graph.submissions.templates import (
    DCT,
    FIXED,
    KIND_SPECS,
    REGIO,
    Kind,
    build_kinds,
)

#: The order sheets are read and documented in: what others refer to comes first.
ORDER = ("source", "region", "district", "plan", "theme", "phase", "organisation", "project",
         "participation", "funding", "event")

SPECS: dict[str, dict] = {
    "source": {"cls": REGIO.Source, "id_kind": "source", "fixed": ("record",),
               "labels": {"de": "Quelle", "en": "Source"}, "label": (DCT.title,)},
    "region": {"cls": REGIO.Region, "id_kind": "region",
               "labels": {"de": "Region", "en": "Region"}, "label": (SKOS.prefLabel,)},
    "district": {"cls": REGIO.District, "id_kind": "region",
                 "labels": {"de": "Kreis", "en": "District"}, "label": (SKOS.prefLabel,)},
    "plan": {"cls": REGIO.ActionPlan, "id_kind": "action-plan",
             "labels": {"de": "Handlungskonzept", "en": "Action plan"}, "label": (DCT.title,)},
    "theme": {"cls": REGIO.Theme, "id_kind": "theme",
              "labels": {"de": "Thema", "en": "Theme"}, "label": (SKOS.prefLabel,)},
    "phase": {"cls": REGIO.Phase, "id_kind": "phase",
              "labels": {"de": "Phase", "en": "Phase"}, "label": (SKOS.prefLabel,)},
    **{name: dict(spec) for name, spec in KIND_SPECS.items()},
}
SPECS["project"]["nested"] = {REGIO.hasPlanLink: (REGIO.PlanLink, "plan_link")}

#: Paths no sheet has a column for: the source column gives dct:source, and the links below
#: are derived from other rows (graph.instance.sheets) or belong to the fact-sheet format.
EXCLUDED = {str(p) for p in (
    DCT.source, REGIO.hasParticipation, REGIO.hasFunding, REGIO.partOfPlan, REGIO.hasPhase,
    REGIO.periodOf, REGIO.hasGoal, REGIO.goalOf, REGIO.hasThemeScheme, SKOS.inScheme,
    SKOS.narrower, SKOS.hasTopConcept, REGIO.hasKeyword, REGIO.linkedPlan, REGIO.suggestedPhase,
    PROV.wasDerivedFrom, REGIO.fundingCall, REGIO.fundingProgramme, REGIO.partOfProgramme,
    REGIO.hubProject, REGIO.hasFunding, REGIO.sourceKey, REGIO.handedOverBy,
    REGIO.involvedPerson, REGIO.concerns, FOAF.name)}

FIXED_COLUMNS = {
    "record": ({"de": "Datensatz (Kennung)", "en": "Record (identifier)"},
               {"de": "Die Kennung des Datensatzes in seiner Adresse (z. B. „smart-factory“ in "
                      "…/id/project/smart-factory): Kleinbuchstaben, Ziffern, Bindestriche. "
                      "Leer lassen: die Kennung wird aus dem Namen gebildet. Andere Zeilen "
                      "verweisen mit ihr auf den Datensatz.",
                "en": "The record's identifier in its address (e.g. \"smart-factory\" in "
                      "…/id/project/smart-factory): lower-case letters, digits, hyphens. Leave it "
                      "empty to make it from the name. Other rows refer to the record by it."}),
    "source": ({"de": "Quelle", "en": "Source"},
               {"de": "Wer die Angaben der Zeile belegt: die Kennung einer Zeile der Quellen-"
                      "Tabelle (source.csv), eine Webadresse (https://…) oder „selbst“ für eine "
                      "eigene Angabe des Herausgebers. Pflichtfeld.",
                "en": "Who states the row's facts: the identifier of a row of the sources sheet "
                      "(source.csv), a web address (https://…), or \"self\" for the publisher's "
                      "own statement. Required."}),
}
assert set(FIXED_COLUMNS) <= set(FIXED)


@lru_cache(maxsize=4)
def _cached(files: tuple[tuple[str, int], ...], codelists: str) -> dict[str, Kind]:
    shapes = rdflib.Graph()
    for path, _ in files:
        shapes.parse(path, format="turtle")
    codes = rdflib.Graph()
    if codelists:
        codes.parse(codelists, format="turtle")
    kinds = build_kinds(shapes, codes, specs=SPECS, excluded=EXCLUDED,
                        fixed_columns=FIXED_COLUMNS, curator=True)
    return {name: kinds[name] for name in ORDER}


def instance_kinds(shape_files: list[Path], codelists: Path | None) -> dict[str, Kind]:
    """The sheets of an instance whose shapes are ``shape_files`` (core and extensions), in
    :data:`ORDER` (cached until a file changes)."""
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in shape_files)
    return _cached(stamp, str(codelists) if codelists and codelists.is_file() else "")

