#!/usr/bin/env node
// Second SHACL engine for the test suite: rdf-validate-shacl (SHACL Core) plus the
// sh:select queries of SHACL-SPARQL constraints run by Oxigraph's SPARQL engine, because
// rdf-validate-shacl has no SHACL-SPARQL (see its README, "Limitations").
//
// Usage:
//   node validate.mjs --shapes shapes/a.ttl shapes/b.ttl --data data.ttl [--ont ontology/x.ttl]
//
// Prints one JSON object on stdout:
//   {"conforms": bool, "results": [{"focus", "path", "severity", "sourceShape",
//     "sourceConstraintComponent", "value", "messages"}]}
// "conforms" means "no result of severity sh:Violation" (warnings and infos do not count),
// the same definition as graph/validation.py. IRIs are printed as they are, blank nodes as
// "_:id", literals in N-Triples form; severity is the local name (Violation, Warning, Info).
// Data files are read as one graph (named graphs of TriG/N-Quads are merged). From --ont
// files only rdfs:subClassOf triples are added to the data, as background knowledge for
// sh:targetClass and sh:class, in the spirit of pySHACL's ont_graph.
// Exit status: 0 after a report was printed, 2 on bad usage or unreadable input.
//
// SHACL-SPARQL support is limited to what the shapes use: sh:sparql on node shapes with
// sh:select, sh:prefixes/sh:declare, sh:message with {?var}/{$var}, sh:severity and
// sh:deactivated. $this is pre-bound with a VALUES block that lists the shape's IRI focus
// nodes (blank-node focus nodes cannot be listed and are refused).

import { readFile } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import rdf from '@zazuko/env'
import { Parser } from 'n3'
import oxigraph from 'oxigraph'
import SHACLValidator from 'rdf-validate-shacl'

const SH = 'http://www.w3.org/ns/shacl#'
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type'
const RDFS_CLASS = 'http://www.w3.org/2000/01/rdf-schema#Class'
const SUBCLASS_OF = 'http://www.w3.org/2000/01/rdf-schema#subClassOf'

const FORMATS = {
  '.ttl': 'text/turtle',
  '.nt': 'application/n-triples',
  '.nq': 'application/n-quads',
  '.trig': 'application/trig'
}

class UsageError extends Error {}

function parseArgs (argv) {
  const args = { shapes: [], data: [], ont: [] }
  let current = null
  for (const arg of argv) {
    if (arg === '--shapes' || arg === '--data' || arg === '--ont') {
      current = arg.slice(2)
    } else if (current === null) {
      throw new UsageError(`unexpected argument ${arg}; start with --shapes, --data or --ont`)
    } else {
      args[current].push(arg)
    }
  }
  if (!args.shapes.length || !args.data.length) {
    throw new UsageError('usage: validate.mjs --shapes FILE... --data FILE... [--ont FILE...]')
  }
  return args
}

function formatOf (path) {
  const format = FORMATS[extname(path).toLowerCase()]
  if (!format) throw new UsageError(`${path}: unknown RDF file extension`)
  return format
}

async function readQuads (path) {
  const text = await readFile(path, 'utf8')
  const parser = new Parser({ format: formatOf(path), baseIRI: pathToFileURL(resolve(path)).href })
  try {
    // one graph: named graphs are merged into the default graph
    return parser.parse(text).map(q => rdf.quad(q.subject, q.predicate, q.object))
  } catch (err) {
    throw new UsageError(`${path}: ${err.message}`)
  }
}

function termString (term) {
  if (!term) return null
  if (term.termType === 'NamedNode') return term.value
  if (term.termType === 'BlankNode') return `_:${term.value}`
  if (term.termType === 'Literal') {
    const lexical = JSON.stringify(term.value)
    if (term.language) return `${lexical}@${term.language}`
    return `${lexical}^^<${term.datatype.value}>`
  }
  return term.value
}

function localName (iri) {
  return iri ? iri.slice(iri.lastIndexOf('#') + 1) : null
}

function ntTerm (term) {
  if (term.termType === 'NamedNode') return `<${term.value}>`
  throw new UsageError(`cannot pre-bind $this to a ${term.termType}`)
}

// --- SHACL-SPARQL ----------------------------------------------------------------------

function objects (dataset, subject, predicate) {
  return [...dataset.match(subject, rdf.namedNode(predicate), null)].map(q => q.object)
}

function isTrue (dataset, subject, predicate) {
  return objects(dataset, subject, predicate).some(t => t.value === 'true')
}

function focusNodes (store, shapes, shape) {
  const queries = []
  for (const cls of objects(shapes, shape, SH + 'targetClass')) {
    queries.push(`SELECT DISTINCT ?x { ?x a/<${SUBCLASS_OF}>* <${cls.value}> }`)
  }
  if (shapes.match(shape, rdf.namedNode(RDF_TYPE), rdf.namedNode(RDFS_CLASS)).size) {
    queries.push(`SELECT DISTINCT ?x { ?x a/<${SUBCLASS_OF}>* <${shape.value}> }`)
  }
  for (const p of objects(shapes, shape, SH + 'targetSubjectsOf')) {
    queries.push(`SELECT DISTINCT ?x { ?x <${p.value}> ?o }`)
  }
  for (const p of objects(shapes, shape, SH + 'targetObjectsOf')) {
    queries.push(`SELECT DISTINCT ?x { ?s <${p.value}> ?x }`)
  }
  const nodes = new Map(objects(shapes, shape, SH + 'targetNode').map(t => [termString(t), t]))
  for (const q of queries) {
    for (const row of store.query(q, { use_default_graph_as_union: true })) {
      const x = row.get('x')
      nodes.set(termString(x), x)
    }
  }
  return [...nodes.values()]
}

function prefixHeader (shapes, constraint) {
  let header = ''
  for (const owner of objects(shapes, constraint, SH + 'prefixes')) {
    for (const decl of objects(shapes, owner, SH + 'declare')) {
      const prefix = objects(shapes, decl, SH + 'prefix')[0]
      const ns = objects(shapes, decl, SH + 'namespace')[0]
      header += `PREFIX ${prefix.value}: <${ns.value}>\n`
    }
  }
  return header
}

function formatMessage (literal, row) {
  const text = literal.value.replace(/\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name) => {
    const term = row.get(name)
    return term ? term.value : m
  })
  return { value: text, language: literal.language || null }
}

function sparqlResults (store, shapes) {
  const results = []
  for (const quad of shapes.match(null, rdf.namedNode(SH + 'sparql'), null)) {
    const shape = quad.subject
    const constraint = quad.object
    if (objects(shapes, shape, SH + 'path').length) {
      throw new UsageError(`${termString(shape)}: sh:sparql on property shapes is not supported`)
    }
    if (isTrue(shapes, shape, SH + 'deactivated') || isTrue(shapes, constraint, SH + 'deactivated')) continue
    const select = objects(shapes, constraint, SH + 'select')[0]
    if (!select) throw new UsageError(`${termString(constraint)}: sh:SPARQLConstraint without sh:select`)
    const focus = focusNodes(store, shapes, shape)
    if (!focus.length) continue
    const values = `VALUES ?this { ${focus.map(ntTerm).join(' ')} }`
    const body = select.value.replace(/\$this\b/g, '?this')
      .replace(/WHERE\s*\{/i, match => `${match}\n${values}\n`)
    const severity = objects(shapes, shape, SH + 'severity')[0]?.value || SH + 'Violation'
    const messages = objects(shapes, constraint, SH + 'message')
    for (const row of store.query(prefixHeader(shapes, constraint) + body, { use_default_graph_as_union: true })) {
      results.push({
        focus: termString(row.get('this')),
        path: termString(row.get('path')),
        severity: localName(severity),
        sourceShape: termString(shape),
        sourceConstraintComponent: SH + 'SPARQLConstraintComponent',
        value: termString(row.get('value') || row.get('this')),
        messages: messages.map(m => formatMessage(m, row))
      })
    }
  }
  return results
}

// --- main ------------------------------------------------------------------------------

async function main () {
  const args = parseArgs(process.argv.slice(2))
  const shapes = rdf.dataset((await Promise.all(args.shapes.map(readQuads))).flat())
  const dataQuads = (await Promise.all(args.data.map(readQuads))).flat()
  for (const q of (await Promise.all(args.ont.map(readQuads))).flat()) {
    if (q.predicate.value === SUBCLASS_OF) dataQuads.push(q)
  }
  const data = rdf.dataset(dataQuads)

  // rdf-validate-shacl knows sh:SPARQLConstraintComponent but has no validator for it and
  // throws; it checks the Core part, sparqlResults() the sh:sparql part.
  const coreShapes = rdf.dataset([...shapes].filter(q => q.predicate.value !== SH + 'sparql'))
  const validator = new SHACLValidator(coreShapes, { factory: rdf })
  const report = await validator.validate(data)
  const results = report.results.map(r => ({
    focus: termString(r.focusNode),
    path: termString(r.path),
    severity: localName(r.severity?.value),
    sourceShape: termString(r.sourceShape),
    sourceConstraintComponent: r.sourceConstraintComponent?.value || null,
    value: termString(r.value),
    messages: r.message.map(m => ({ value: m.value, language: m.language || null }))
  }))

  const store = new oxigraph.Store()
  for (const q of dataQuads) store.add(q)
  results.push(...sparqlResults(store, shapes))

  const conforms = !results.some(r => r.severity === 'Violation')
  process.stdout.write(JSON.stringify({ conforms, results }, null, 1) + '\n')
}

main().catch(err => {
  process.stderr.write(`validate.mjs: ${err instanceof UsageError ? err.message : err.stack}\n`)
  process.exit(2)
})
