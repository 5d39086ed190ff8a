"""Domain layer of the regional knowledge graph: build, store, query, validate (no Flask)."""
