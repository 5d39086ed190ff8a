"""Metadata routes: VoID, DCAT-AP.de and the Service Description agree with each other and with
the store; the catalog passes DCAT-AP.de checks; negotiation, 303, 404/406/400; the sitemap;
dumps and their checksums; the ontology and the shapes as documents. Real stores, the Flask
test client, no mocks."""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from pyshacl import validate
from rdflib.compare import isomorphic

from api.app import create_app, get_store
from api.config import PROJECT_DIR
from api.metadata import get_release, get_urls
from graph.namespaces import REGIO_IRI, REGIOSH_IRI
from graph.release import service_description
from graph.store import PRIVATE_GRAPHS
from tests.stores import loaded_settings

BASE = "https://w3id.org/owl40/"
DATA = Path(__file__).parent / "data"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SD = "http://www.w3.org/ns/sparql-service-description#"
DCT = "http://purl.org/dc/terms/"
OWL_VERSION = "http://www.w3.org/2002/07/owl#versionInfo"
LIMITS = {"timeout_s": 12.5, "max_rows": 777, "max_query_length": 4096, "max_nesting": 9,
          "service_allowlist": "https://query.wikidata.org/"}
RDF_TYPES = {"turtle": "text/turtle", "jsonld": "application/ld+json",
             "rdfxml": "application/rdf+xml", "ntriples": "application/n-triples"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    return create_app(loaded_settings(tmp_path_factory.mktemp("metadata"),
                                      PUBLISHER_NAME="Test publisher <&>",
                                      DCATDE_CONTRIBUTOR_ID="testContributor"))


@pytest.fixture
def client(app):
    return app.test_client()


def parse(body: bytes, media_type: str) -> list[ox.Quad]:
    return list(ox.parse(body, ox.RdfFormat.from_media_type(media_type)))


def objects(ds: list[ox.Quad], s: ox.NamedNode | ox.BlankNode | None, p: str) -> list[Any]:
    return [q.object for q in ds if (s is None or q.subject == s) and q.predicate.value == p]


def one(ds: list[ox.Quad], s: Any, p: str) -> Any:
    found = objects(ds, s, p)
    assert len(found) == 1, (s, p, found)
    return found[0]


# -- one release description, three documents -------------------------------------------------

def test_void_dcat_and_service_description_agree(app, client):
    void = parse(client.get("/.well-known/void", headers={"Accept": "text/turtle"}).data,
                 "text/turtle")
    dcat = parse(client.get("/catalog", headers={"Accept": "text/turtle"}).data, "text/turtle")
    with app.test_request_context():
        sd = [ox.Quad(*t) for t in service_description(get_release(), get_urls(), LIMITS)]
    dataset = ox.NamedNode(BASE + "dataset")
    counts = {int(one(d, dataset, VOID + "triples").value) for d in (void, dcat, sd)}
    default_graph = one(sd, one(sd, None, SD + "defaultDataset"), SD + "defaultGraph")
    counts.add(int(one(sd, default_graph, VOID + "triples").value))
    assert len(counts) == 1
    licences = {one(d, dataset, DCT + "license") for d in (void, dcat, sd)}
    assert licences == {ox.NamedNode("http://dcat-ap.de/def/licenses/cc-by/4.0")}
    versions = {one(d, dataset, OWL_VERSION).value for d in (void, dcat, sd)}
    assert len(versions) == 1
    endpoint = one(void, dataset, VOID + "sparqlEndpoint")
    assert endpoint == one(sd, None, SD + "endpoint") == one(dcat, None, DCAT + "endpointURL")
    assert endpoint == ox.NamedNode(BASE + "sparql")
    per_graph = {}
    for d, link, name, node in ((void, VOID + "subset", SD + "name", None),
                                (sd, SD + "namedGraph", SD + "name", SD + "graph")):
        sizes = {}
        for sub in objects(d, dataset, link):
            holder = one(d, sub, node) if node else sub
            sizes[one(d, sub, name).value] = int(one(d, holder, VOID + "triples").value)
        per_graph[link] = sizes
    assert per_graph[VOID + "subset"] == per_graph[SD + "namedGraph"]


def test_counts_are_those_of_the_store(app, client):
    void = parse(client.get("/.well-known/void").data, "text/turtle")
    dataset = ox.NamedNode(BASE + "dataset")
    with app.app_context():
        store = get_store()
        default = int(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"].value)
        graphs = {g: store.count(g) for g in store.graph_names()}
    assert int(one(void, dataset, VOID + "triples").value) == default
    subsets = {one(void, s, SD + "name").value: int(one(void, s, VOID + "triples").value)
               for s in objects(void, dataset, VOID + "subset")}
    assert subsets == graphs
    assert set(PRIVATE_GRAPHS) <= set(graphs)
    partitions = {one(void, p, VOID + "class").value: int(one(void, p, VOID + "entities").value)
                  for p in objects(void, dataset, VOID + "classPartition")}
    assert partitions[REGIO_IRI + "Project"] == int(store_count(app, "regio:Project"))


def store_count(app, cls: str) -> str:
    with app.app_context():
        rows = get_store().query(f"PREFIX regio: <{REGIO_IRI}> SELECT (COUNT(DISTINCT ?s) AS ?n) "
                                 f"WHERE {{ ?s a {cls} }}").rows
    return rows[0]["n"].value


def test_service_description_states_the_limits(app):
    with app.test_request_context():
        sd = [ox.Quad(*t) for t in service_description(get_release(), get_urls(), LIMITS)]
        no_fed = [ox.Quad(*t) for t in service_description(
            get_release(), get_urls(), {**LIMITS, "service_allowlist": ""})]
    service = one(sd, None, SD + "endpoint")
    values = {one(sd, n, "https://schema.org/propertyID").value:
              one(sd, n, "https://schema.org/value").value
              for n in objects(sd, None, "https://schema.org/additionalProperty")}
    assert values == {"timeout_s": "12.5", "max_rows": "777", "max_query_length": "4096",
                      "max_nesting": "9", "service_allowlist": "https://query.wikidata.org/"}
    assert service == ox.NamedNode(BASE + "sparql")
    feature = ox.NamedNode(SD + "BasicFederatedQuery")
    assert feature in objects(sd, None, SD + "feature")
    assert feature not in objects(no_fed, None, SD + "feature")
    comments = [c.value for c in objects(sd, None, "http://www.w3.org/2000/01/rdf-schema#comment")]
    assert any("777 rows" in c for c in comments) and any("777 Zeilen" in c for c in comments)


# -- DCAT-AP.de ---------------------------------------------------------------------------------

def catalog_graph(client) -> rdflib.Graph:
    response = client.get("/catalog")
    assert response.status_code == 200
    assert response.mimetype == "application/rdf+xml"  # the harvesting format is the default
    return rdflib.Graph().parse(data=response.data, format="xml")


def test_catalog_passes_the_dcat_ap_de_checks(client):
    shapes = rdflib.Graph().parse(DATA / "dcatap-de-min.ttl")
    conforms, _, text = validate(catalog_graph(client), shacl_graph=shapes)
    assert conforms, text


def test_the_dcat_ap_de_checks_can_fail(client):
    graph = catalog_graph(client)
    dist = rdflib.URIRef(BASE + "catalog#distribution-nquads")
    graph.remove((dist, rdflib.URIRef(DCT + "license"), None))
    graph.add((dist, rdflib.URIRef(DCT + "format"), rdflib.URIRef("https://example.org/nq")))
    conforms, _, text = validate(graph, shacl_graph=rdflib.Graph().parse(DATA / "dcatap-de-min.ttl"))
    assert not conforms
    assert "K32" in text and "K31" in text


def test_catalog_uses_the_official_code_lists_and_settings(client):
    graph = catalog_graph(client)
    dataset = rdflib.URIRef(BASE + "dataset")
    value = {str(o) for o in graph.objects(dataset, rdflib.URIRef("http://dcat-ap.de/def/dcatde/contributorID"))}
    assert value == {"http://dcat-ap.de/def/contributors/testContributor"}
    geo = {str(o) for o in graph.objects(dataset, rdflib.URIRef("http://dcat-ap.de/def/dcatde/politicalGeocodingURI"))}
    assert "http://dcat-ap.de/def/politicalGeocoding/districtKey/05754" in geo  # Kreis Gütersloh
    assert "http://dcat-ap.de/def/politicalGeocoding/districtKey/05711" in geo  # Bielefeld
    assert "http://dcat-ap.de/def/politicalGeocoding/governmentDistrictKey/057" in geo
    spatial = {str(o) for o in graph.objects(dataset, rdflib.URIRef(DCT + "spatial"))}
    assert "http://dcat-ap.de/def/politicalGeocoding/stateKey/05" in spatial and geo <= spatial
    names = {str(o) for o in graph.objects(None, rdflib.URIRef("http://xmlns.com/foaf/0.1/name"))}
    assert names == {"Test publisher <&>"}  # the setting, not the programme's coordinator
    formats = {str(o) for o in graph.objects(None, rdflib.URIRef(DCT + "format"))}
    assert {"http://publications.europa.eu/resource/authority/file-type/RDF_N_QUADS",
            "http://publications.europa.eu/resource/authority/file-type/RDF_TURTLE",
            "http://publications.europa.eu/resource/authority/file-type/JSON_LD"} <= formats


# -- negotiation, status codes ----------------------------------------------------------------

@pytest.mark.parametrize("path", ["/.well-known/void", "/catalog", "/ontology", "/shapes"])
@pytest.mark.parametrize("name", sorted(RDF_TYPES))
def test_rdf_documents_negotiate(client, path, name):
    by_accept = client.get(path, headers={"Accept": RDF_TYPES[name]})
    by_param = client.get(f"{path}?format={name}")
    for response in (by_accept, by_param):
        assert response.status_code == 200
        assert response.mimetype == RDF_TYPES[name]
        assert "Accept" in response.headers.get("Vary", "")
        assert len(parse(response.data, RDF_TYPES[name])) > 10
    again = client.get(path, headers={"Accept": RDF_TYPES[name],
                                      "If-None-Match": by_accept.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("path", ["/.well-known/void", "/catalog", "/ontology", "/shapes",
                                  "/dumps/", "/releases"])
def test_browsers_get_html(client, path):
    response = client.get(path, headers={"Accept": "text/html,application/xhtml+xml,"
                                                   "application/xml;q=0.9,*/*;q=0.8"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert b"<script>" not in response.data.replace(b'<script id="schema.org"', b"")


def test_defaults_and_errors(client):
    assert client.get("/.well-known/void", headers={"Accept": "*/*"}).mimetype == "text/turtle"
    assert client.get("/ontology").mimetype == "text/turtle"
    assert client.get("/catalog", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/catalog?format=docx").status_code == 400
    assert client.get("/dumps/owl40.zip").status_code == 404
    assert client.get("/dumps/manifest.json").status_code == 404
    assert client.get("/ontology/99.0").status_code == 404
    assert client.get("/viz/pie.svg").status_code == 404
    assert client.get("/viz/network.svg?lang=fr").status_code == 400
    response = client.get("/dataset")
    assert response.status_code == 303 and response.headers["Location"].endswith("/.well-known/void")


def test_html_summary_escapes_settings(client):
    page = client.get("/.well-known/void?format=html").data.decode()
    assert "Test publisher &lt;&amp;&gt;" in page and "Test publisher <&>" not in page


# -- sitemap ------------------------------------------------------------------------------------

def test_sitemap_lists_every_doc_page(app, client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {e.text for e in root.findall("s:url/s:loc", ns)}
    with app.app_context():
        rows = get_store().query(f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '
                                 f'"{BASE}id/")) }}').rows
    minted = {BASE + "doc/" + r["s"].value[len(BASE + "id/"):] for r in rows}
    assert len(minted) > 300
    assert minted <= locs
    with app.app_context():
        graphs = {BASE + "doc/" + g[len(BASE):] for g in get_store().graph_names()
                  if g.startswith(BASE + "graph/")}
    assert len(graphs) > 100 and graphs <= locs
    assert BASE + "doc/code/role/lead" in locs
    samples = [BASE + "doc/project/smart-country-side", BASE + "doc/code/role/lead",
               sorted(graphs)[0], BASE + "projects"]
    for loc in samples:  # the pages really exist (api/pages.py serves them)
        assert loc in locs
        assert client.get(loc[len(BASE) - 1:], headers={"Accept": "text/turtle"}).status_code == 200
    assert {BASE, BASE + "ontology", BASE + "shapes", BASE + "dumps/"} <= locs
    assert not any("/id/" in loc for loc in locs)


# -- dumps --------------------------------------------------------------------------------------

def test_dumps_are_listed_and_their_bytes_match(app, client):
    listing = client.get("/dumps/?format=json").get_json()
    with app.app_context():
        release = get_release()
    assert listing["version"] == release.version and len(listing["files"]) == 3
    for entry in listing["files"]:
        response = client.get(f"/dumps/{entry['name']}")
        assert response.status_code == 200
        assert int(response.headers["Content-Length"]) == entry["size"] == len(response.data)
        assert response.headers["ETag"].strip('"') == entry["sha256"]
        assert hashlib.sha256(response.data).hexdigest() == entry["sha256"]
        assert entry["url"] == BASE + "dumps/" + entry["name"]
        raw = gzip.decompress(response.data)
        fmt = {"nquads": ox.RdfFormat.N_QUADS, "turtle": ox.RdfFormat.TURTLE,
               "jsonld": ox.RdfFormat.JSON_LD}[entry["format"]]
        parsed = list(ox.parse(io.BytesIO(raw), fmt))
        expected = release.quads if entry["format"] == "nquads" else release.triples
        assert len(parsed) == entry["statements"] == expected
        response.close()
        with client.get(f"/dumps/{entry['name']}",
                        headers={"If-None-Match": response.headers["ETag"]}) as cached:
            assert cached.status_code == 304 and cached.data == b""


# -- the ontology and the shapes ----------------------------------------------------------------

def _terms(files: list[Path], namespace: str) -> set[str]:
    graph = rdflib.Graph()
    for path in files:
        graph.parse(path)
    return {str(s)[len(namespace):] for s in graph.subjects()
            if isinstance(s, rdflib.URIRef) and str(s).startswith(namespace) and str(s) != namespace}


def _ids(html: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', html))


def test_ontology_html_has_an_anchor_for_every_term(client):
    response = client.get("/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 200
    terms = _terms([PROJECT_DIR / "ontology" / "regio.ttl"], REGIO_IRI)
    assert {"ActionPlan", "Participation", "hasParticipation", "officialCode"} <= terms
    assert terms <= _ids(response.data.decode())


@pytest.mark.parametrize("path,files", [
    ("/ontology", [PROJECT_DIR / "ontology" / "regio.ttl"]),
    ("/shapes", sorted((PROJECT_DIR / "shapes").glob("*.ttl")))])
@pytest.mark.parametrize("name", ["turtle", "rdfxml", "jsonld"])
def test_documents_hold_the_same_triples_as_the_files(client, path, files, name):
    expected = rdflib.Graph()
    for f in files:
        expected.parse(f)
    response = client.get(path, headers={"Accept": RDF_TYPES[name]})
    got = rdflib.Graph().parse(data=response.data, format={"turtle": "turtle", "rdfxml": "xml",
                                                           "jsonld": "json-ld"}[name])
    assert len(got) == len(expected) and isomorphic(got, expected)


def test_versioned_ontology_iri_and_extensions(client):
    assert client.get("/ontology/0.1.0").status_code == 200
    assert client.get("/ontology.rdf").mimetype == "application/rdf+xml"
    assert client.get("/ontology.html").mimetype == "text/html"
    assert client.get("/shapes.jsonld").mimetype == "application/ld+json"


def test_shapes_html_documents_every_shape_in_both_languages(client):
    html = client.get("/shapes", headers={"Accept": "text/html"}).data.decode()
    shapes = rdflib.Graph()
    for f in (PROJECT_DIR / "shapes").glob("*.ttl"):
        shapes.parse(f)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    named = {str(s)[len(REGIOSH_IRI):] for kind in (sh.NodeShape, sh.PropertyShape)
             for s in shapes.subjects(rdflib.RDF.type, kind) if str(s).startswith(REGIOSH_IRI)}
    assert len(named) > 100 and named <= _ids(html)
    project = rdflib.URIRef(REGIOSH_IRI + "ProjectShape")
    for lang in ("de", "en"):
        name = next(str(o) for o in shapes.objects(project, sh.name) if o.language == lang)
        message = next(str(o) for o in shapes.objects(project, sh.message) if o.language == lang)
        assert name in html
        assert message.replace("<", "&lt;").replace(">", "&gt;") in html
