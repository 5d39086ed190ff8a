"""Domain layer of the OWL 4.0 knowledge graph: build, store, query, validate (no Flask)."""
