/* The query UI around YASGUI (window.Yasgui, served from /ui/assets/): configuration, the
 * example buttons, a chart view (a YASR plugin drawing SVG), and autocompletion that stays on
 * this site (YASGUI's defaults ask lov.linkeddata.es for classes and properties).
 * The page configuration arrives as JSON in <script id="ui-config"> (see api/ui.py). */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("ui-config").textContent);
  const text = config.text;
  const Yasgui = window.Yasgui;
  if (!Yasgui) {
    return;
  }
  const Yasr = Yasgui.Yasr;
  const Yasqe = Yasgui.Yasqe;
  const endpoint = new URL(config.endpoint, window.location.href).href;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const NUMERIC = new Set([
    "integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
  ].map((name) => XSD + name));
  const MAX_BARS = 100;
  const ID_COLUMN = /(number|num|id|year|order|rank|index|code)$/i;
  const LABEL_COLUMN = /(label|title|name)(de|en)?$/i;
  const VOCAB = "https://w3id.org/regio-kg/";

  // -- small DOM helpers (textContent only: result values are never parsed as HTML) ------
  function el(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function svg(tag, attributes, content) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      node.setAttribute(name, String(value));
    }
    if (content !== undefined) node.textContent = content;
    return node;
  }

  // -- terms ------------------------------------------------------------------------------
  function isNumeric(term) {
    return !!term && (term.type === "literal" || term.type === "typed-literal") &&
      NUMERIC.has(term.datatype) && Number.isFinite(parseFloat(term.value));
  }

  function numericColumns(variables, bindings) {
    return variables.filter((name) => {
      let seen = 0;
      for (const row of bindings) {
        const term = row[name];
        if (!term) continue;
        if (!isNumeric(term)) return false;
        seen += 1;
      }
      return seen > 0;
    });
  }

  function shorten(iri, prefixes) {
    let best = "";
    let bestPrefix = null;
    for (const [prefix, namespace] of Object.entries(prefixes || {})) {
      if (iri.startsWith(namespace) && namespace.length > best.length) {
        best = namespace;
        bestPrefix = prefix;
      }
    }
    return bestPrefix === null ? iri : bestPrefix + ":" + iri.slice(best.length);
  }

  function display(term, prefixes) {
    if (!term) return "";
    if (term.type === "uri") return shorten(term.value, prefixes);
    if (term.type === "bnode") return "_:" + term.value;
    return term.value;
  }

  // -- the chart view: a horizontal bar chart of one numeric column -----------------------
  class ChartPlugin {
    constructor(yasr) {
      this.yasr = yasr;
      this.priority = 5;
      this.label = text.chart;
      this.svg = null;
    }

    columns() {
      const results = this.yasr.results;
      if (!results || !results.getBindings) return null;
      const bindings = results.getBindings();
      if (!bindings || !bindings.length) return null;
      const variables = results.getVariables();
      const numeric = numericColumns(variables, bindings);
      return numeric.length ? { variables, bindings, numeric } : null;
    }

    canHandleResults() {
      return this.columns() !== null;
    }

    getIcon() {
      const icon = svg("svg", { viewBox: "0 0 16 16", width: 16, height: 16, "aria-hidden": "true" });
      for (const [x, h] of [[1, 8], [6, 13], [11, 5]]) {
        icon.appendChild(svg("rect", { x, y: 15 - h, width: 4, height: h, fill: "currentColor" }));
      }
      return icon;
    }

    /** A measure, not an identifier: the first numeric column whose name does not say it
     * is a number, an id, a year or an order (?phaseNumber), else the first numeric one. */
    defaultValue(columns) {
      const measure = columns.numeric.find((name) => !ID_COLUMN.test(name));
      return measure || columns.numeric[0];
    }

    /** A label: a text column named like one (label, title, name) in the page's language,
     * else any text column in that language, else the first text column, else any other. */
    defaultLabel(columns, value) {
      const others = columns.variables.filter((name) => name !== value);
      const textual = others.filter((name) => columns.bindings.some((row) =>
        row[name] && row[name].type !== "uri" && !isNumeric(row[name])));
      const inLanguage = (name) => columns.bindings.some((row) =>
        row[name] && row[name]["xml:lang"] === config.lang);
      const named = textual.filter((name) => LABEL_COLUMN.test(name));
      return named.find(inLanguage) || named[0] || textual.find(inLanguage) || textual[0] ||
        others[0] || value;
    }

    draw(saved) {
      const columns = this.columns();
      const root = el("div", "owl40-chart");
      this.yasr.resultsEl.appendChild(root);
      this.svg = null;
      if (!columns) {
        root.appendChild(el("p", "owl40-chart-note", text.chart_none));
        return;
      }
      const state = {
        value: saved && columns.numeric.includes(saved.value) ? saved.value
          : this.defaultValue(columns),
      };
      state.label = saved && columns.variables.includes(saved.label)
        ? saved.label : this.defaultLabel(columns, state.value);
      const holder = el("div");
      const redraw = () => {
        holder.replaceChildren(...this.chart(columns, state));
        this.yasr.updateExportHeaders();
      };
      const controls = el("div", "owl40-chart-controls");
      controls.appendChild(this.select(text.chart_value, columns.numeric, state, "value", redraw));
      controls.appendChild(this.select(text.chart_label, columns.variables, state, "label", redraw));
      root.appendChild(controls);
      root.appendChild(holder);
      holder.replaceChildren(...this.chart(columns, state));
    }

    select(caption, options, state, key, redraw) {
      const label = el("label", null, caption + " ");
      const select = el("select", "owl40-chart-" + key);
      for (const name of options) {
        const option = el("option", null, "?" + name);
        option.value = name;
        option.selected = name === state[key];
        select.appendChild(option);
      }
      select.addEventListener("change", () => {
        state[key] = select.value;
        this.yasr.storePluginConfig("chart", { value: state.value, label: state.label });
        redraw();
      });
      label.appendChild(select);
      return label;
    }

    chart(columns, state) {
      const prefixes = this.yasr.getPrefixes();
      const rows = columns.bindings.slice(0, MAX_BARS).map((row) => ({
        label: display(row[state.label], prefixes),
        value: isNumeric(row[state.value]) ? parseFloat(row[state.value].value) : NaN,
      }));
      const values = rows.map((row) => row.value).filter(Number.isFinite);
      const low = Math.min(0, ...values);
      const span = (Math.max(0, ...values) - low) || 1;
      const width = 960, labelWidth = 300, valueWidth = 110, rowHeight = 22;
      const barArea = width - labelWidth - valueWidth;
      const x = (v) => labelWidth + ((v - low) / span) * barArea;
      const height = rows.length * rowHeight + 8;
      const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
                                 "aria-label": `${text.chart}: ?${state.value} / ?${state.label}` });
      chart.appendChild(svg("line", { class: "axis", x1: x(0), x2: x(0), y1: 0, y2: height }));
      const format = new Intl.NumberFormat(config.lang, { maximumFractionDigits: 2 });
      rows.forEach((row, i) => {
        const y = 4 + i * rowHeight;
        const name = row.label.length > 44 ? row.label.slice(0, 43) + "…" : row.label;
        const label = svg("text", { x: labelWidth - 8, y: y + 15, "text-anchor": "end" }, name);
        label.appendChild(svg("title", {}, row.label));
        chart.appendChild(label);
        if (!Number.isFinite(row.value)) return;
        const start = x(Math.min(0, row.value));
        const bar = svg("rect", { class: "bar", x: start, y: y + 3, height: rowHeight - 6,
                                  width: Math.max(1, Math.abs(x(row.value) - x(0))) });
        bar.appendChild(svg("title", {}, `${row.label}: ${format.format(row.value)}`));
        chart.appendChild(bar);
        chart.appendChild(svg("text", { class: "value", x: x(Math.max(0, row.value)) + 4,
                                        y: y + 15 }, format.format(row.value)));
      });
      this.svg = chart;
      const parts = [chart];
      if (columns.bindings.length > MAX_BARS) {
        parts.push(el("p", "owl40-chart-note", text.chart_more
          .replace("{n}", MAX_BARS).replace("{total}", columns.bindings.length)));
      }
      return parts;
    }

    download(filename) {
      if (!this.svg) return undefined;
      const chart = this.svg;
      return {
        contentType: "image/svg+xml",
        getData: () => new XMLSerializer().serializeToString(chart),
        filename: (filename || "chart") + ".svg",
        title: "SVG",
      };
    }
  }

  // YASR's own views, with their names in the page's language
  for (const [name, label] of [["table", text.table], ["response", text.response]]) {
    const Base = Yasr.plugins[name];
    Yasr.registerPlugin(name, class extends Base {
      constructor(yasr) {
        super(yasr);
        this.label = label;
      }
    });
  }
  Yasr.registerPlugin("chart", ChartPlugin);
  Yasr.defaults.pluginOrder = ["table", "chart", "response"];

  // -- autocompletion from this site only ---------------------------------------------------
  const ownPrefixes = Object.entries(config.prefixes).map(([p, iri]) => `${p}: <${iri}>`);
  const ownNames = new Set(Object.keys(config.prefixes));
  Yasqe.forkAutocompleter("prefixes", {
    name: "owl40-prefixes",
    persistenceId: null,
    get: (yasqe) => Promise.resolve(Yasqe.Autocompleters.prefixes.get(yasqe)).then((bundled) =>
      ownPrefixes.concat((bundled || []).filter((line) => !ownNames.has(line.split(":")[0])))),
  }, false);

  const termCache = {};
  function endpointTerms(kind) {
    if (!termCache[kind]) {
      const query = kind === "class"
        ? "SELECT DISTINCT ?term WHERE { [] a ?term } LIMIT 5000"
        : "SELECT DISTINCT ?term WHERE { [] ?term [] } LIMIT 5000";
      termCache[kind] = fetch(endpoint, {
        method: "POST",
        headers: { Accept: "application/sparql-results+json" },
        body: new URLSearchParams({ query }),
      }).then((response) => (response.ok ? response.json() : { results: { bindings: [] } }))
        .then((json) => json.results.bindings.filter((b) => b.term && b.term.type === "uri")
          .map((b) => b.term.value).sort())
        .catch(() => []);
    }
    return termCache[kind];
  }

  function endpointOf(yasqe) {
    const rc = yasqe.config.requestConfig;
    const resolved = typeof rc === "function" ? rc(yasqe) : rc;
    return resolved && resolved.endpoint;
  }

  for (const kind of ["class", "property"]) {
    Yasqe.forkAutocompleter(kind, {
      name: "owl40-" + kind,
      get: (yasqe, token) => {
        const start = token && token.autocompletionString;
        if (!start || endpointOf(yasqe) !== endpoint) return Promise.resolve([]);
        return endpointTerms(kind).then((terms) =>
          terms.filter((iri) => iri.startsWith(start)).slice(0, 100));
      },
    }, false);
  }
  const completers = ["variables", "owl40-prefixes", "owl40-property", "owl40-class"];
  Yasqe.defaults.autocompleters = completers.slice();

  // -- YASGUI ---------------------------------------------------------------------------
  function hasQuery(params) {
    return new URLSearchParams(params).has("query");
  }
  const queryInUrl = hasQuery(window.location.search) || hasQuery(window.location.hash.slice(1));

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: "owl40-sparql",
    tabName: text.tab,
    // a permalink (?query=… or YASGUI's #query=…): every other URL parameter would become a
    // request argument; the page's own ?lang= is not one
    populateFromUrl: (tab) => {
      tab.requestConfig.args = (tab.requestConfig.args || []).filter((a) => a.name !== "lang");
      return tab;
    },
    endpointCatalogueOptions: { getData: () => [{ endpoint }] },
    yasqe: { value: config.defaultQuery, autocompleters: completers.slice() },
    yasr: { prefixes: config.prefixes, defaultPlugin: "table" },
  });
  window.owl40Yasgui = yasgui;
  // a tab kept from a visit in the other language keeps that language's default name
  for (const tab of Object.values(yasgui._tabs || {})) {
    if (tab && tab.getName && tab.getName() === config.otherTab) tab.setName(text.tab);
  }

  // -- YASGUI's own tooltips and labels in the page's language ---------------------------
  // YASGUI speaks English only; on a German page its titles and aria-labels are rewritten
  // (also those it adds later, e.g. for a new tab).
  const GERMAN = [
    [/^Close tab$/, "Tab schließen"], [/^Add a new tab$/, "Neuen Tab öffnen"],
    [/^Open settings$/, "Einstellungen öffnen"], [/^Clear endpoint$/, "Endpunkt leeren"],
    [/^Shows (.+) view$/, "Ansicht „$1“ zeigen"], [/^Download Results$/, "Ergebnis herunterladen"],
    [/^View documentation of (.+)$/, "Dokumentation zu „$1“"], [/^Share query$/, "Abfrage teilen"],
    [/^Run query$/, "Abfrage ausführen"], [/^Format query$/, "Abfrage formatieren"],
    [/^Copy to clipboard$/, "In die Zwischenablage kopieren"],
    [/^Fullscreen$/, "Vollbild"], [/^Close fullscreen$/, "Vollbild beenden"],
  ];
  function localise(root) {
    if (config.lang !== "de") return;
    for (const node of root.querySelectorAll("[title], [aria-label]")) {
      for (const attr of ["title", "aria-label"]) {
        const value = node.getAttribute(attr);
        if (!value) continue;
        for (const [pattern, german] of GERMAN) {
          if (pattern.test(value)) {
            node.setAttribute(attr, value.replace(pattern, german));
            break;
          }
        }
      }
    }
  }
  const yasguiRoot = document.getElementById("yasgui");
  localise(yasguiRoot);
  new MutationObserver(() => localise(yasguiRoot)).observe(yasguiRoot, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["title", "aria-label"],
  });
  document.getElementById("endpoint-url").textContent = endpoint;

  const normalise = (query) => (query || "").replace(/\s+/g, " ").trim();
  const known = new Set([config.defaultQuery, ...config.examples.map((e) => e.query)]
    .map(normalise));

  /** Load ``query`` into the editor and run it: into the current tab unless the user has
   * typed a query of their own there, else into a new tab. */
  function openQuery(query, name) {
    let tab = yasgui.getTab();
    const current = tab && normalise(tab.getQuery());
    if (!tab || (current && !known.has(current) && current !== normalise(query))) {
      tab = yasgui.addTab(true, name ? { name } : {});
    }
    tab.setEndpoint(endpoint);
    tab.setQuery(query);
    if (name) tab.setName(name);
    return tab.query().catch(() => undefined);  // YASR shows the error
  }

  // -- errors: the message with line and column, marked in the editor --------------------
  const errorBox = document.getElementById("query-error");
  let marks = [];

  function clearError(yasqe) {
    errorBox.hidden = true;
    document.body.classList.remove("owl40-has-error");
    for (const mark of marks) mark.clear();
    marks = [];
    if (yasqe) {
      for (let line = 0; line < yasqe.lineCount(); line += 1) {
        yasqe.removeLineClass(line, "background", "owl40-error-line");
      }
    }
  }

  function showError(yasqe, error) {
    let body = null;
    try {
      body = JSON.parse(error && error.message);
    } catch (e) {
      body = { message: (error && error.message) || String(error) };
    }
    clearError(yasqe);
    const where = body.line ? text.error_at.replace("{line}", body.line)
      .replace("{column}", body.column || 1) : "";
    errorBox.replaceChildren(el("strong", null, where ? `${text.error} (${where}):` : text.error + ":"),
                             el("span", "owl40-error-message", " " + (body.message || "")));
    errorBox.hidden = false;
    document.body.classList.add("owl40-has-error");
    if (yasqe && body.line) {
      const line = Math.min(body.line - 1, yasqe.lineCount() - 1);
      const column = Math.max((body.column || 1) - 1, 0);
      yasqe.addLineClass(line, "background", "owl40-error-line");
      marks.push(yasqe.markText({ line, ch: Math.max(column - 1, 0) }, { line, ch: column + 1 },
                                { className: "owl40-error", attributes: { title: body.message } }));
      yasqe.scrollIntoView({ line, ch: column });
    }
  }

  function watch(tab) {
    const yasqe = tab && tab.getYasqe && tab.getYasqe();
    if (!yasqe || yasqe.owl40Watched) return;
    yasqe.owl40Watched = true;
    yasqe.on("error", (...args) => showError(yasqe, args.find((a) => a instanceof Error)));
    yasqe.on("query", () => clearError(yasqe));
  }
  watch(yasgui.getTab());
  for (const event of ["tabSelect", "tabAdd", "tabChange"]) {
    yasgui.on(event, () => setTimeout(() => watch(yasgui.getTab()), 0));
  }

  // -- links in results: to this server's pages when the base IRI is served elsewhere -----
  const here = window.location.origin + config.root;
  const rewrite = !config.baseIri.startsWith(here);
  function localHref(iri) {
    if (iri.startsWith(config.baseIri)) {
      const rest = iri.slice(config.baseIri.length);
      if (rest.startsWith("id/")) return config.root + "doc/" + rest.slice(3);
      if (rest.startsWith("graph/")) return config.root + "doc/" + rest;
      return null;
    }
    if (iri.startsWith(VOCAB + "code")) return config.root + "doc/" + iri.slice(VOCAB.length);
    if (iri.startsWith(VOCAB + "ontology#")) {
      return config.root + "ontology" + iri.slice(VOCAB.length + "ontology".length);
    }
    if (iri.startsWith(VOCAB + "shapes#")) {
      return config.root + "shapes" + iri.slice(VOCAB.length + "shapes".length);
    }
    return null;
  }
  function localiseLinks(root) {
    if (!rewrite) return;
    for (const a of root.querySelectorAll(".yasr a[href]")) {
      const local = a.dataset.iri ? null : localHref(a.getAttribute("href"));
      if (local) {
        a.dataset.iri = a.getAttribute("href");
        a.setAttribute("href", local);
        a.setAttribute("title", a.dataset.iri);
        a.removeAttribute("target");
      }
    }
  }
  new MutationObserver(() => localiseLinks(yasguiRoot)).observe(yasguiRoot,
                                                              { subtree: true, childList: true });

  // -- the example's description (and its caveats) stays visible while it is loaded -------
  const exampleNote = document.getElementById("example-note");
  function showExample(example) {
    exampleNote.replaceChildren(el("strong", null, example.title[config.lang]),
                                el("p", null, example.description[config.lang]));
    exampleNote.hidden = false;
  }

  const examples = new Map(config.examples.map((example) => [example.slug, example]));
  for (const button of document.querySelectorAll("#examples .example")) {
    button.addEventListener("click", () => {
      const example = examples.get(button.dataset.slug);
      if (!example) return;
      for (const other of document.querySelectorAll("#examples .example.active")) {
        other.classList.remove("active");
      }
      button.classList.add("active");
      showExample(example);
      openQuery(example.query, example.title[config.lang]);
    });
  }

  // A query handed over by the server (e.g. a form POST) that is not in the URL
  if (config.query && !queryInUrl) {
    openQuery(config.query);
  }

  // YASGUI has read the permalink; keep the address tidy (and the language choice)
  const lang = new URLSearchParams(window.location.search).get("lang");
  const clean = window.location.pathname + (lang ? "?lang=" + encodeURIComponent(lang) : "");
  if (window.location.pathname + window.location.search + window.location.hash !== clean ||
      window.location.href.endsWith("#")) {
    window.history.replaceState(null, "", clean);
  }
})();
