"""UI strings in German and English, and the choice of the page language.

The language is, in this order: ``?lang=`` (the switch on every page, which also sets a
cookie), the ``lang`` cookie, the browser's Accept-Language, then the first of the instance's
``LANGUAGES`` (German unless set). The site's name, tagline and brand are the instance's
settings (a region is configuration).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Request, current_app, has_app_context

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
COOKIE = "lang"
NAMES = {"de": "Deutsch", "en": "English"}

STRINGS: dict[str, tuple[str, str]] = {  # key: (de, en)
    # site, tagline and brand are the instance's (SITE_NAME_*, TAGLINE_*, SHORT_NAME); these
    # are the fallbacks outside an app
    "site": ("Regionaler Wissensgraph", "Regional knowledge graph"),
    "tagline": ("Ein regionales Handlungskonzept als Linked Open Data",
                "A regional action plan as linked open data"),
    "brand": ("Wissensgraph", "Knowledge graph"),
    "home": ("Start", "Home"),
    "projects": ("Projekte", "Projects"),
    "organisations": ("Organisationen", "Organisations"),
    "themes": ("Themen", "Themes"),
    "submit": ("Daten einreichen", "Submit data"),
    "sources": ("Quellen", "Sources"),
    "plan": ("Handlungskonzept", "Action plan"),
    "sparql": ("SPARQL", "SPARQL"),
    "data": ("Daten & Metadaten", "Data & metadata"),
    "language": ("Sprache", "Language"),
    "skip": ("Zum Inhalt springen", "Skip to content"),
    "main_nav": ("Hauptnavigation", "Main navigation"),
    "search": ("Suchen", "Search"),
    "search_placeholder": ("Text in der Liste suchen", "Search the list"),
    "filter_all": ("alle", "all"),
    "shown": ("angezeigt", "shown"),
    "of": ("von", "of"),
    "list_query": ("SPARQL-Abfrage dieser Liste", "SPARQL query of this list"),
    "describe_query": ("In SPARQL ansehen (DESCRIBE)", "View in SPARQL (DESCRIBE)"),
    "formats": ("Als Daten herunterladen", "Download as data"),
    "iri": ("IRI", "IRI"),
    "type": ("Art", "Type"),
    "facts": ("Angaben", "Facts"),
    "all_statements": ("Alle Aussagen über diese Ressource", "All statements about this resource"),
    "incoming": ("Verweise auf diese Ressource", "Links to this resource"),
    "more_incoming": ("weitere Verweise nicht angezeigt", "more links not shown"),
    "property": ("Eigenschaft", "Property"),
    "value": ("Wert", "Value"),
    "source_list": ("Quellen", "Sources"),
    "cited_sources": ("Vom Datensatz zitierte Quellen", "Sources cited by the record"),
    "source_page": ("Seite der Quelle", "source page"),
    "record_level": ("aus den Quellen des Datensatzes (belegen den Datensatz als Ganzes)",
                     "from the record's sources (they support the record as a whole)"),
    "stated_by": ("ausdrücklich genannt von", "stated by"),
    "curated": ("kuratiert", "curated"),
    "translation": ("Übersetzung der Kuratoren", "curators' translation"),
    "translation_note": ("Übersetzung durch die Kuratoren (Graph curation); das Original steht "
                         "mit seiner Quelle darunter",
                         "translated by the curators (graph curation); the original is shown "
                         "below with its source"),
    "original": ("Original", "Original"),
    "curated_note": ("Einordnung oder Übersetzung durch die Kuratoren",
                     "classification or translation by the curators"),
    "disagree": ("Die Quellen widersprechen sich; jeder Wert steht bei seiner Quelle.",
                 "The sources disagree; each value is shown with its source."),
    "link_status": ("Verknüpfung mit dem Handlungskonzept", "Link to the action plan"),
    "unconfirmed_link": ("Nicht bestätigt: keine gelesene Quelle nennt das Projekt als Teil des "
                         "Handlungskonzepts. Es ist daher nicht als Projekt des Konzepts "
                         "(regio:partOfPlan) und keiner Phase zugeordnet.",
                         "Not confirmed: no source read names the project as part of the action "
                         "plan. It is therefore not stated as a project of the plan "
                         "(regio:partOfPlan) nor placed in a phase."),
    "confirmed_link": ("Bestätigt: eine Quelle nennt das Projekt als Teil des Handlungskonzepts.",
                       "Confirmed: a source names the project as part of the action plan."),
    "suggested_phase": ("Vorgeschlagene Phase", "Suggested phase"),
    "suggested": ("vorgeschlagen", "suggested"),
    "link_sources": ("Quellen, die die Verknüpfung nahelegen", "Sources that suggest the link"),
    "n_confirmed": ("bestätigt", "confirmed"),
    "n_probable": ("wahrscheinlich", "probable"),
    "n_candidate": ("Kandidaten", "candidates"),
    "count_confirmed": ("davon bestätigt", "of them confirmed"),
    "count_keyword_projects": ("Projekte mit Schlagwort", "Projects with keyword"),
    "keyword_projects": ("Projekte mit diesem Schlagwort (Lesart der Kuratoren)",
                         "Projects with this keyword (the curators' reading)"),
    "unconfirmed_projects": ("Projekte mit unbestätigter Verknüpfung",
                             "Projects with an unconfirmed link"),
    "unconfirmed_projects_note": ("Keine gelesene Quelle nennt diese Projekte als Projekte des "
                                  "Handlungskonzepts; die Quellen machen es wahrscheinlich "
                                  "oder nennen sie als Kandidaten.",
                                  "No source read names these as projects of the action plan; "
                                  "the sources make it probable or name them as candidates."),
    "participants": ("Beteiligte Organisationen", "Participating organisations"),
    "organisation": ("Organisation", "Organisation"),
    "roles": ("Rollen", "Roles"),
    "role_text": ("Rolle laut Quelle", "Role as the source states it"),
    "funding": ("Förderung", "Funding"),
    "amount": ("Betrag", "Amount"),
    "projects_of_org": ("Projekte und Rollen", "Projects and roles"),
    "project": ("Projekt", "Project"),
    "phase": ("Phase", "Phase"),
    "status": ("Status", "Status"),
    "period": ("Zeitraum", "Period"),
    "start": ("Beginn", "Start"),
    "end": ("Ende", "End"),
    "lead": ("Leitung", "Lead"),
    "title": ("Titel", "Title"),
    "acronym": ("Kürzel", "Acronym"),
    "district": ("Kreis", "District"),
    "seat": ("Sitz", "Seat"),
    "count_projects": ("Projekte", "Projects"),
    "count_orgs": ("Organisationen", "Organisations"),
    "kind": ("Art", "Kind"),
    "broader": ("Oberthema", "Broader theme"),
    "sub_themes": ("Unterthemen", "Sub-themes"),
    "theme_projects": ("Projekte zu diesem Thema (Einordnung der Kuratoren)",
                       "Projects on this theme (the curators' classification)"),
    "goals": ("Ziele", "Goals"),
    "phases": ("Phasen", "Phases"),
    "key_figures": ("Kennzahlen", "Key figures"),
    "counts": ("Zahlenangaben", "Stated figures"),
    "counted": ("Gezählt", "Counted"),
    "plan_projects": ("Projekte des Handlungskonzepts (bestätigt)",
                      "Projects of the action plan (confirmed)"),
    "pictures": ("Bilder", "Pictures"),
    "picture_missing": ("Bild nicht verfügbar", "Picture not available"),
    "publisher": ("Herausgeber", "Publisher"),
    "issued": ("Datum", "Date"),
    "cited_by": ("Zitiert von", "Cited by"),
    "graph": ("Benannter Graph", "Named graph"),
    "graph_provenance": ("Herkunft dieses Graphen", "Provenance of this graph"),
    "graph_title_meta": ("Herkunft der benannten Graphen (Metadaten)",
                         "Provenance of the named graphs (metadata)"),
    "graph_title_examples": ("Beispielabfragen", "Example queries"),
    "record_graph_title": ("Angaben des Faktenblatts zu {p} (mehrere Quellen)",
                           "Fact-sheet statements on {p} (several sources)"),
    "graph_statements": ("Aussagen in diesem Graphen", "Statements in this graph"),
    "subject": ("Subjekt", "Subject"),
    "not_found": ("Nicht gefunden", "Not found"),
    "not_found_text": ("Zu dieser Adresse gibt es keine Ressource im Graphen.",
                       "The graph holds no resource at this address."),
    "code_lists": ("Codelisten", "Code lists"),
    "start_here": ("Einstieg", "Start here"),
    "home_intro": ("Projekte, Organisationen, Themen und Förderungen des Handlungskonzepts, "
                   "jede Angabe mit ihrer Quelle.", "Projects, organisations, themes and "
                   "funding of the action plan, every fact with its source."),
    "endpoint": ("SPARQL-Endpunkt", "SPARQL endpoint"),
    "stats": ("Umfang", "Size"),
    "js_hint": ("Suche und Filter brauchen JavaScript; ohne es zeigt die Liste alle Einträge.",
                "Search and filters need JavaScript; without it the list shows every entry."),
    "document_about": ("Dokument über", "Document about"),
    "view_graph": ("Graph ansehen", "view graph"),
    "about": ("betrifft", "about"),
    "more_statements": ("Die ersten %s von %s Aussagen; alle stehen in den Datenformaten.",
                        "The first %s of %s statements; the data formats hold all of them."),
    "viz_network": ("Projekte und ihre Partner", "Projects and their partners"),
    "viz_network_project": ("Partner von {p} und ihre weiteren Projekte",
                            "Partners of {p} and their other projects"),
    "viz_timeline": ("Laufzeiten der Projekte", "Project periods"),
    "viz_districts": ("Partnerorganisationen je Kreis", "Partner organisations per district"),
    "viz_themes": ("Projekte je Thema", "Projects per theme"),
    "viz_keywords": ("Projekte je Schlagwort", "Projects per keyword"),
    "viz_keywords_show": ("Auch die Schlagwörter der Projekte zeigen (Projekte je Schlagwort)",
                          "Show the projects' keywords too (projects per keyword)"),
    "themes_list": ("Liste der Themen und Schlagwörter", "List of themes and keywords"),
    "and_keywords": ("und %s Schlagwörter", "and %s keywords"),
    "viz_funding": ("Förderung je Projekt und Phase", "Funding per project and phase"),
}

STATUS_HINT = {
    "confirmed": ("eine Quelle nennt es als Projekt des Handlungskonzepts",
                  "a source names it as a project of the action plan"),
    "probable": ("wahrscheinlich, von keiner Quelle bestätigt", "probable, not confirmed by a source"),
    "candidate": ("unbestätigter Kandidat", "unconfirmed candidate"),
}


#: UI strings that are the instance's settings (a region is configuration): key -> setting
#: prefix (``SITE_NAME`` -> ``SITE_NAME_DE`` / ``SITE_NAME_EN``).
REGION_STRINGS = {"site": "SITE_NAME", "tagline": "TAGLINE"}


def region_text(key: str, lang: str) -> str:
    """The instance's own text for ``key`` in ``lang`` (site, tagline, brand), or ''."""
    if not has_app_context():
        return ""
    config = current_app.config
    if key == "brand":
        return config.get("SHORT_NAME") or config.get("REGION_NAME") \
            or config.get(f"SITE_NAME_{lang.upper()}", "")
    prefix = REGION_STRINGS.get(key)
    return config.get(f"{prefix}_{lang.upper()}", "") if prefix else ""


def languages() -> tuple[str, ...]:
    """The page languages of the instance (``LANGUAGES``; the first is the default)."""
    wanted = current_app.config.get("LANGUAGES", "") if has_app_context() else ""
    chosen = tuple(x for x in str(wanted).split() if x in LANGUAGES)
    return chosen or (DEFAULT_LANGUAGE,) + tuple(x for x in LANGUAGES if x != DEFAULT_LANGUAGE)


def translator(lang: str) -> Callable[[str], str]:
    """``t(key)``: the UI string ``key`` in ``lang`` (the key itself when unknown)."""
    index = LANGUAGES.index(lang) if lang in LANGUAGES else 0

    def t(key: str) -> str:
        own = region_text(key, LANGUAGES[index]) if key in ("site", "tagline", "brand") else ""
        if own:
            return own
        pair = STRINGS.get(key)
        return pair[index] if pair else key

    return t


def pick_language(request: Request) -> tuple[str, bool]:
    """The page language and whether it came from ``?lang=`` (then a cookie is set)."""
    offered = languages()
    asked = request.args.get("lang", "")
    if asked in offered:
        return asked, True
    cookie = request.cookies.get(COOKIE, "")
    if cookie in offered:
        return cookie, False
    best = request.accept_languages.best_match(offered)
    return (best or offered[0]), False


# -- the metadata pages (dataset, catalog, downloads, releases, ontology, shapes, model) -------
STRINGS.update({
    "meta_nav": ("Daten und Metadaten", "Data and metadata"),
    "dataset": ("Datensatz (VoID)", "Dataset (VoID)"),
    "catalog": ("Katalog (DCAT-AP.de)", "Catalog (DCAT-AP.de)"),
    "downloads": ("Downloads", "Downloads"),
    "releases": ("Versionen", "Releases"),
    "ontology": ("Ontologie", "Ontology"),
    "shapes": ("SHACL-Formen", "SHACL shapes"),
    "model": ("Datenmodell", "Data model"),
    "release": ("Version", "Release"),
    "release_n": ("Version %s", "Release %s"),
    "first_release": ("erste Version", "first release"),
    "data_version": ("Datenstand", "Data version"),
    "ontology_version": ("Version der Ontologie", "Ontology version"),
    "shapes_version": ("Version der Shapes", "Shapes version"),
    "changes": ("Änderungen", "Changes"),
    "all_releases": ("alle Versionen", "all releases"),
    "licence": ("Lizenz", "Licence"),
    "dataset_iri": ("IRI des Datensatzes", "Dataset IRI"),
    "limits": ("Grenzen", "Limits"),
    "machine_readable": ("Maschinenlesbar", "Machine-readable"),
    "void_as": ("VoID als", "VoID as"),
    "catalog_as": ("DCAT-AP.de-Katalog als", "DCAT-AP.de catalog as"),
    "size_default": ("Aussagen im Default-Graphen (die vereinigten öffentlichen Graphen)",
                     "statements in the default graph (the merged public graphs)"),
    "size_quads": ("Aussagen in allen benannten Graphen", "statements in all named graphs"),
    "size_graphs": ("benannte Graphen", "named graphs"),
    "size_entities": ("Ressourcen mit IRIs unter", "resources with IRIs under"),
    "size_distinct": ("verschiedene Subjekte / Objekte", "distinct subjects / objects"),
    "file": ("Datei", "File"),
    "content": ("Inhalt", "Content"),
    "statements": ("Aussagen", "Statements"),
    "size_bytes": ("Größe (Bytes)", "Size (bytes)"),
    "uncompressed": ("entpackt", "uncompressed"),
    "sha256_gz": ("SHA-256 (der .gz-Datei)", "SHA-256 (of the .gz file)"),
    "classes": ("Klassen", "Classes"),
    "class": ("Klasse", "Class"),
    "resources": ("Ressourcen", "Resources"),
    "properties": ("Eigenschaften", "Properties"),
    "dump_nquads": ("alle benannten Graphen (Herkunft, Ontologie, Codelisten, Shapes), N-Quads",
                    "every named graph (provenance, ontology, code lists, shapes), N-Quads"),
    "dump_turtle": ("der Default-Graph (vereinigte öffentliche Graphen), Turtle",
                    "the default graph (merged public graphs), Turtle"),
    "dump_jsonld": ("der Default-Graph (vereinigte öffentliche Graphen), JSON-LD",
                    "the default graph (merged public graphs), JSON-LD"),
    "dumps_of": ("Version %s vom %s", "Release %s of %s"),
    "attribution": ("Namensnennung", "attribution"),
    "dumps_note": ("Die Dateien sind gzip-komprimiert (ohne Content-Encoding: die Prüfsumme ist "
                   "die der heruntergeladenen Datei). Leere Knoten sind kanonisiert und die "
                   "Aussagen sortiert, so ergibt derselbe Inhalt immer dieselbe Datei. Prüfen "
                   "Sie einen Download mit",
                   "The files are gzip-compressed (no Content-Encoding: the checksum is that of "
                   "the file as downloaded). Blank nodes are canonicalised and statements sorted, "
                   "so the same content always gives the same file. Check a download with"),
    "releases_note": ("Eine Version wird festgehalten, sobald sich der Inhalt des Speichers von "
                      "der vorigen Version unterscheidet. Verglichen werden die Aussagen je "
                      "benanntem Graphen, leere Knoten nach der Kanonisierung.",
                      "A release is recorded whenever the content of the store differs from the "
                      "release before. Statements are compared per named graph; blank nodes are "
                      "compared after canonicalisation."),
    "release_summary_first": ("Erste Version: %s benannte Graphen, %s Aussagen.",
                              "First release: %s named graphs, %s statements."),
    "release_summary": ("%s Graphen hinzugefügt, %s entfernt, %s geändert; %s Aussagen "
                        "hinzugefügt, %s entfernt.",
                        "%s graphs added, %s removed, %s changed; %s statements added, "
                        "%s removed."),
    "release_counts": ("%s Aussagen im Default-Graphen, %s in %s benannten Graphen.",
                       "%s statements in the default graph, %s in %s named graphs."),
    "graphs_added": ("Hinzugefügte Graphen", "Graphs added"),
    "graphs_removed": ("Entfernte Graphen", "Graphs removed"),
    "added": ("hinzugefügt", "added"),
    "removed": ("entfernt", "removed"),
    "before": ("vorher", "before"),
    "after": ("nachher", "after"),
    "resources_added": ("Ressourcen hinzugefügt", "resources added"),
    "no_release": ("Noch keine Version.", "No release yet."),
    "shapes_intro": ("Die Regeln, mit denen Einreichungen und der Graph geprüft werden "
                     "(Namensraum", "The rules that submissions and the graph are checked with "
                     "(namespace"),
    "shapes_intro2": ("), mit deutschen und englischen Namen, Beschreibungen und Meldungen.",
                      "), with their German and English names, descriptions and messages."),
    "as_rdf": ("Als RDF", "As RDF"),
    "contents": ("Inhalt", "Contents"),
    "node_shape": ("Knoten-Shape", "node shape"),
    "property_shape": ("Eigenschafts-Shape", "property shape"),
    "path": ("Pfad", "path"),
    "severity": ("Schweregrad", "severity"),
    "property_shapes": ("Eigenschafts-Shapes", "property shapes"),
    "message": ("Meldung", "message"),
    "target": ("Ziel", "target"),
    "picture_links": ("Bilder der Daten", "Pictures of the data"),
    "other_language_doc": ("Dieses Dokument gibt es nur auf Englisch.",
                           "This document is in English."),
    "adopters_link": ("Das Modell und die Software für eine andere Region nutzen: die Anleitung",
                      "Using the model and the software for another region: the guide"),
})
STRINGS.update({
    "prefix": ("Präfix", "prefix"),
    "ontology_intro": ("Die Begriffe des Vokabulars in einer Sprache; die andere über den "
                       "Sprachschalter. Wie die Daten sie verwenden, erklärt das",
                       "The terms of the vocabulary in one language; the other one through the "
                       "language switch. How the data uses them is explained in the"),
    "onto_class": ("Klassen", "Classes"),
    "onto_object": ("Objekteigenschaften", "Object properties"),
    "onto_data": ("Dateneigenschaften", "Datatype properties"),
    "onto_annotation": ("Annotationseigenschaften", "Annotation properties"),
    "onto_subclass_of": ("Unterklasse von", "Subclass of"),
    "onto_subproperty_of": ("Untereigenschaft von", "Subproperty of"),
    "onto_domain": ("Definitionsbereich", "Domain"),
    "onto_range": ("Wertebereich", "Range"),
    "onto_inverse_of": ("Invers zu", "Inverse of"),
    "onto_close_match": ("Entspricht ungefähr", "Close match"),
    "onto_has_subclasses": ("Unterklassen", "Subclasses"),
    "onto_in_domain_of": ("Definitionsbereich von", "In the domain of"),
    "onto_in_range_of": ("Wertebereich von", "In the range of"),
})
STRINGS.update({
    "vocabulary": ("Vokabular", "Vocabulary"),
    "vocabulary_intro": ("Welche Begriffe der Graph verwendet, wie sie zusammenhängen und woher "
                         "jede Aussage stammt:",
                         "Which terms the graph uses, how they relate and where each statement "
                         "comes from:"),
    "examples": ("Beispielabfragen", "Example queries"),
})
STRINGS.update({
    "code_lists_intro": ("Die Codelisten (SKOS) der Ontologie, jede mit ihrem Präfix: ein Code "
                         "ist ein Name wie linkstatus:confirmed.",
                         "The code lists (SKOS) of the ontology, each with its prefix: a code is "
                         "a name such as linkstatus:confirmed."),
    "concepts": ("Begriffe", "concepts"),
})
STRINGS.update({
    "themes_note": ("„Projekte“ zählt die Projekte, die die Kuratoren genau diesem Thema "
                    "zuordnen; „Projekte mit Schlagwort“ die Projekte, deren Schlagwort dieses "
                    "Thema oder ein engerer Begriff darunter ist (skos:broader*). Die "
                    "Beispielabfrage „Projekte je Thema“ zählt ebenso (projectCount, "
                    "keywordProjectCount). Ein Schlagwort ist kein Thema: die beiden Zahlen "
                    "werden nie addiert.",
                    "“Projects” counts the projects the curators place under exactly this theme; "
                    "“Projects with keyword” the projects whose keyword is this theme or a "
                    "narrower concept below it (skos:broader*). The example query “Projects per "
                    "theme” counts the same way (projectCount, keywordProjectCount). A keyword "
                    "is not a theme: the two numbers are never added."),
})
