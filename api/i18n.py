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
    "viz_network": ("Netzwerk der Projekte und Organisationen",
                    "Network of projects and organisations"),
    "viz_timeline": ("Zeitleiste der Phasen und Projekte", "Timeline of phases and projects"),
    "viz_districts": ("Beteiligte Organisationen je Kreis", "Participating organisations by district"),
    "viz_themes": ("Themen und ihre Projekte", "Themes and their projects"),
    "viz_funding": ("Förderung je Phase und Programm", "Funding by phase and programme"),
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
