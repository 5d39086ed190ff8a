"""Partner submissions (issue 12): sheets or RDF in, a report a non-expert can act on,
curation and publication, nothing lost.

One concern per module, in the order a submission travels:

* ``templates`` — the sheet templates per kind of record, generated from the shapes, with
  their CSV on the Web (CSVW) metadata;
* ``parse`` — reads an upload in a bounded child process (``parseworker``) and maps sheet
  cells or RDF to a change set;
* ``changes`` — a submission as a change set with provenance, and the published records as
  they will look after it;
* ``validate`` — SHACL in the context of the published graph, partner's view only;
* ``report`` — the report in German or English (JSON, Turtle ``sh:ValidationReport``);
* ``storage`` — SQLite + raw files, durable before acknowledging, states;
* ``auth`` — per-organisation and curator tokens, stored hashed;
* ``publish`` — the curator's diff, publication as a named graph with PROV, superseding;
* ``service`` — the steps above as one call each for the web and CLI layers.
"""
