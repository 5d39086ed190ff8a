"""An instance: one region's deployment, as configuration and files (issue 13 §2, §3).

- :mod:`graph.instance.layout`: where an instance's files are (core ontology and shapes from
  the package, the region's extensions, example questions, sheets) and the named graphs the
  background files go to;
- :mod:`graph.instance.region`: the region's settings (names per language, languages, tile map);
- :mod:`graph.instance.kinds`: the sheets of an instance, generated from the shapes like the
  partner submission templates (graph.submissions.templates), with a source column on every row;
- :mod:`graph.instance.sheets`: filled sheets -> RDF in provenance named graphs, each
  statement remembering its file, row and column;
- :mod:`graph.instance.check`: SHACL validation of the built data (core and extension shapes),
  reported by file, row and column in German or English, before anything is written;
- :mod:`graph.instance.scaffold`: ``owl40 init DIR --region NAME``.
"""
