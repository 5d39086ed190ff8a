"""Build section: the plan's themes, the cluster fields it builds on, and project keywords.

Keywords stay keywords: a project states its keywords as text (``regio:keyword``, in the
project's record graph). Reading a keyword text as a concept (``regio:hasKeyword``), merging
case and spelling variants into one concept, and mapping keywords to the plan's themes
(``skos:broader``) are the curators' work and live only in the curation graph, as does the
classification of a project under a theme of the plan (``regio:hasTheme``).
"""

from __future__ import annotations

import re

from pyoxigraph import Literal, NamedNode

from graph.build import Builder, code
from graph.emit import slugify, text
from graph.namespaces import RDF, RDFS, REGIO, SKOS

#: Labels of the two schemes; {plan} is the plan's short name (curation.yaml).
SCHEME_LABELS = {
    "themes": {"de": "Themen des Handlungskonzepts {plan}", "en": "Themes of the {plan} action plan"},
    "keywords": {"de": "Schlagwörter der Projekte von {plan}",
                 "en": "Keywords of the {plan} projects"},
}


def label_key(label: str) -> str:
    """A label with case, dash variants and spacing folded: 'Work–care balance' ->
    'work-care balance'. Two concepts never share a key."""
    folded = re.sub(r"[\u2010-\u2015\u2212-]", "-", label.casefold())
    return re.sub(r"\s+", " ", folded).strip()


def build(b: Builder) -> None:
    keyword_scheme = b.e.iri("theme-scheme", f"{b.c['action_plan']['slug']}-keywords")
    for scheme, which in ((b.theme_scheme, "themes"), (keyword_scheme, "keywords")):
        b.e.curated(scheme, RDF.type, REGIO.ThemeScheme)
        for lang, label in ((k, v.format(plan=b.plan_name)) for k, v in SCHEME_LABELS[which].items()):
            b.e.curated(scheme, RDFS.label, text(label, lang))
            b.e.curated(scheme, SKOS.prefLabel, text(label, lang))
        b.e.curated(b.plan, REGIO.hasThemeScheme, scheme)
    labels = plan_themes(b)
    keywords(b, keyword_scheme, labels)
    for pid, tids in b.c["project_themes"].items():
        for tid in tids:
            b.e.curated(b.e.iri("project", pid), REGIO.hasTheme, b.e.iri("theme", tid))


def top_concept(b: Builder, node: NamedNode, scheme: NamedNode, kind: str) -> None:
    b.e.curated(node, SKOS.inScheme, scheme)
    b.e.curated(node, SKOS.topConceptOf, scheme)
    b.e.curated(scheme, SKOS.hasTopConcept, node)
    b.e.curated(node, REGIO.themeKind, code("theme-kind", kind))


def plan_themes(b: Builder) -> dict[str, set[str]]:
    """The sheet's themes and the cluster fields; returns each concept's label texts."""
    app_fields = set(b.c["application_fields"])
    labels: dict[str, set[str]] = {}
    for t in b.f["themes"]:
        tid = t["id"]
        node, blk = b.e.iri("theme", tid), b.block(f"themes/{tid}")
        b.e.put(node, RDF.type, REGIO.Theme, blk)
        b.e.put(node, SKOS.prefLabel, text(t["label_de"], "de"), blk)
        b.e.put(node, RDFS.label, text(t["label_de"], "de"), blk)
        en = b.c["themes_en"][tid]
        b.e.curated(node, SKOS.prefLabel, text(en, "en"))
        b.e.curated(node, RDFS.label, text(en, "en"))
        labels[tid] = {t["label_de"], en}
        top_concept(b, node, b.theme_scheme,
                    "application-field" if tid in app_fields else "programme-theme")
        if t.get("phase"):
            b.e.put(b.e.iri("phase", t["phase"]), REGIO.hasTheme, node, blk)
    # programme.basis: the plan builds on the competences of the cluster it names in these two fields
    basis = b.block("programme/basis")
    for tid, names in b.c["cluster_fields"].items():
        node = b.e.iri("theme", tid)
        de = b.verbatim(basis, names["de"], f"cluster_fields.{tid}")
        b.e.put(node, RDF.type, REGIO.Theme, basis)
        b.e.put(node, SKOS.prefLabel, text(de, "de"), basis)
        b.e.put(node, RDFS.label, text(de, "de"), basis)
        b.e.curated(node, SKOS.prefLabel, text(names["en"], "en"))
        b.e.curated(node, RDFS.label, text(names["en"], "en"))
        labels[tid] = {de, names["en"]}
        top_concept(b, node, b.theme_scheme, "cluster-field")
        b.e.put(b.plan, REGIO.competenceField, node, basis)
    return labels


def keywords(b: Builder, scheme: NamedNode, labels: dict[str, set[str]]) -> None:
    """Each project's keywords as text (record graph) and the curators' concepts for them."""
    is_theme = {label_key(k): tid for k, tid in b.c["keyword_is_theme"].items()}
    taken = {label_key(lab): tid for tid, labs in labels.items() for lab in labs}
    concepts: dict[str, tuple[NamedNode, str]] = {}
    for p in b.f["projects"]:
        pid = p["id"]
        rec = b.block(f"projects/{pid}")
        project = b.e.iri("project", pid)
        for word in p.get("themes", []):
            b.e.put(project, REGIO.keyword, text(word, "en"), rec)
            key = label_key(word)
            if key in is_theme:
                node = b.e.iri("theme", is_theme[key])
                if word not in labels[is_theme[key]]:
                    b.e.curated(node, SKOS.altLabel, text(word, "en"))
            elif key in taken:
                raise ValueError(f"keyword {word!r} of {pid} duplicates the theme "
                                 f"{taken[key]!r}: list it under keyword_is_theme")
            elif key in concepts:
                node, first = concepts[key]
                if word != first:
                    b.e.curated(node, SKOS.altLabel, text(word, "en"))
            else:
                node = keyword_concept(b, scheme, word)
                concepts[key] = (node, word)
            b.e.curated(project, REGIO.hasKeyword, node)
            b.e.cites(node, rec.sources)


def keyword_concept(b: Builder, scheme: NamedNode, word: str) -> NamedNode:
    slug = slugify(word)
    node = b.e.iri("keyword", slug)
    label: Literal = text(word, "en")
    b.e.curated(node, RDF.type, REGIO.Theme)
    b.e.curated(node, SKOS.prefLabel, label)
    b.e.curated(node, RDFS.label, label)
    b.e.curated(node, REGIO.themeKind, code("theme-kind", "project-keyword"))
    b.e.curated(node, SKOS.inScheme, scheme)
    broader = b.c["keyword_broader"].get(slug)
    if broader:
        b.e.curated(node, SKOS.broader, b.e.iri("theme", broader))
        b.e.curated(b.e.iri("theme", broader), SKOS.narrower, node)
    else:
        b.e.curated(node, SKOS.topConceptOf, scheme)
        b.e.curated(scheme, SKOS.hasTopConcept, node)
    return node
