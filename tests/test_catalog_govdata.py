"""The /catalog that Open.NRW and GovData harvest, validated against GovData's own DCAT-AP.de 2.0
SHACL profile (issue 13 §7): the DCAT-AP 2.1.1 shapes it builds on, GovData's German
additions, messages and deprecations ("DCAT-AP.de 2.0 - Spezifikation"), and its conventions
("Spezifikation + Konventionen"), with the controlled vocabularies the profile imports merged
into the data as GovData's validator does. Vendored in tests/data/dcat-ap-de/ (README there).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from pyshacl import validate
from rdflib.namespace import SH

from api.app import create_app
from tests.stores import loaded_settings

PROFILE = Path(__file__).parent / "data" / "dcat-ap-de"
SPECIFICATION = ["dcat-ap/dcat-ap_2.1.1_shacl_shapes.ttl", "govdata/dcat-ap-spec-german-messages.ttl",
                 "govdata/dcat-ap-spec-german-additions.ttl", "govdata/dcat-ap-de-deprecated.ttl"]
CONVENTIONS = [*SPECIFICATION, "govdata/dcat-ap-konventionen.ttl"]
#: Stand-ins for the profile's owl:imports (dcat-ap-de-imports.ttl), read offline.
IMPORTS = [("vocabularies.nt", "nt"), ("govdata/dcat-ap-de-contributors.rdf", "xml"),
           ("govdata/dcat-ap-de-licenses-open.rdf", "xml"), ("govdata/vcard.ttl", "turtle")]
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
#: Listed in GovData's contributor list (govdata/dcat-ap-de-contributors.rdf).
CONTRIBUTOR = "openNRW"


def _shapes(files: list[str]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for name in files:
        graph.parse(PROFILE / name, format="turtle")
    return graph


@pytest.fixture(scope="module")
def vocabularies() -> rdflib.Graph:
    graph = rdflib.Graph()
    for name, fmt in IMPORTS:
        graph.parse(PROFILE / name, format=fmt)
    return graph


def catalog(directory: Path, **settings: str) -> rdflib.Graph:
    """/catalog of a freshly loaded instance, as a harvester gets it (RDF/XML)."""
    client = create_app(loaded_settings(directory, **settings)).test_client()
    response = client.get("/catalog")
    assert response.status_code == 200 and response.mimetype == "application/rdf+xml"
    return rdflib.Graph().parse(data=response.data, format="xml")


@pytest.fixture(scope="module")
def default_catalog(tmp_path_factory: pytest.TempPathFactory) -> rdflib.Graph:
    return catalog(tmp_path_factory.mktemp("catalog-default"))


@pytest.fixture(scope="module")
def contributor_catalog(tmp_path_factory: pytest.TempPathFactory) -> rdflib.Graph:
    return catalog(tmp_path_factory.mktemp("catalog-contributor"), DCATDE_CONTRIBUTOR_ID=CONTRIBUTOR)


def results(data: rdflib.Graph, vocabularies: rdflib.Graph, profile: list[str]) -> dict[str, list[str]]:
    """The report's results by severity (Violation, Warning, Info), each as 'path: message'."""
    merged = rdflib.Graph()
    for triple in data:
        merged.add(triple)
    for triple in vocabularies:
        merged.add(triple)
    _, report, _ = validate(merged, shacl_graph=_shapes(profile), inference="none",
                            allow_warnings=True, allow_infos=True)
    found: dict[str, list[str]] = {"Violation": [], "Warning": [], "Info": []}
    for result in report.objects(None, SH.result):  # top-level results, not their details
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        found[severity].append(f"{report.value(result, SH.focusNode)} "
                               f"{report.value(result, SH.resultPath)}: "
                               f"{report.value(result, SH.resultMessage)}")
    return found


def test_catalog_has_no_violation_of_the_dcat_ap_de_specification(default_catalog, vocabularies):
    found = results(default_catalog, vocabularies, SPECIFICATION)
    assert found["Violation"] == [], "\n".join(found["Violation"])


def test_catalog_with_a_contributor_id_meets_the_govdata_conventions(contributor_catalog, vocabularies):
    found = results(contributor_catalog, vocabularies, CONVENTIONS)
    assert found["Violation"] == [], "\n".join(found["Violation"])


def test_without_a_contributor_id_only_the_contributor_convention_fails(default_catalog, vocabularies):
    """K12/13: a catalog delivered straight to GovData needs OWL40_DCATDE_CONTRIBUTOR_ID."""
    found = results(default_catalog, vocabularies, CONVENTIONS)
    assert len(found["Violation"]) == 1 and "contributorID" in found["Violation"][0]


def test_the_profile_reports_what_govdata_would_refuse(contributor_catalog, vocabularies):
    broken = rdflib.Graph()
    for triple in contributor_catalog:
        broken.add(triple)
    dataset = next(broken.subjects(rdflib.RDF.type, DCAT.Dataset))
    distribution = next(broken.objects(dataset, DCAT.distribution))
    broken.remove((distribution, DCT["format"], None))
    broken.add((distribution, DCT["format"],
                rdflib.URIRef("http://publications.europa.eu/resource/authority/file-type/TURTEL")))
    broken.remove((dataset, DCT["title"], None))
    broken.remove((None, DCT.license, None))
    found = "\n".join(results(broken, vocabularies, CONVENTIONS)["Violation"])
    assert "dct:format" in found and "dct:title" in found and "dct:license" in found, found
