"""Server-side SVG pictures of the data (no scripts, no web fonts, no map tiles).

Every piece of text and every attribute value goes through :func:`esc`, so a label such as
``<script>`` arrives as text. Layouts are deterministic: the same data gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from xml.sax.saxutils import escape

from graph.viz import District, Grant, Item, Span

Href = Callable[[str], str | None]

TEXT = {
    "de": {"network": "Projekte und ihre Partner",
           "network_sub": "{p} Projekte mit genannten Partnern ({c} bestätigt, {u} wahrscheinlich "
                          "oder Kandidaten: hohle Punkte), {o} Organisationen, {e} Beteiligungen",
           "timeline": "Laufzeiten der Projekte",
           "timeline_sub": "Balken: Laufzeit; heller: Quellen nennen verschiedene Daten",
           "dates_unknown": "Laufzeit unbekannt", "end_unknown": "Ende unbekannt",
           "start_unknown": "Beginn unbekannt", "disagree": "Quellen nennen verschiedene Daten",
           "districts": "Partnerorganisationen je Kreis",
           "schematic": "Schematische Kachelkarte: ungefähre Lage der Kreise, keine Grenzen",
           "no_district": "Organisationen ohne angegebenen Kreis: {n}",
           "themes": "Projekte je Thema",
           "themes_sub": "Die Themen des Handlungskonzepts mit den Projekten, die die Kuratoren "
                         "ihnen zuordnen; in Klammern: davon bestätigte Projekte des Handlungskonzepts",
           "keywords": "Projekte je Schlagwort",
           "keywords_sub": "Die Schlagwörter der Projekte, wie die Kuratoren sie lesen (ein "
                           "Schlagwort ist kein Thema); in Klammern: davon bestätigte Projekte",
           "network_of": "Partner von {p} und ihre weiteren Projekte",
           "confirmed": "bestätigt",
           "funding": "Förderung je Projekt und Phase",
           "funding_sub": "höchster genannter Betrag; Strich: niedrigerer Betrag einer anderen "
                          "Quelle; „a / b“: Quellen nennen den Betrag verschieden",
           "no_amount": "Betrag nicht angegeben", "none": "keine Daten",
           "about": "etwa", "over": "über", "almost": "fast", "up-to": "bis zu", "exact": "genau"},
    "en": {"network": "Projects and their partners",
           "network_sub": "{p} projects with named partners ({c} confirmed, {u} probable or "
                          "candidates: hollow dots), {o} organisations, {e} participations",
           "timeline": "Project periods",
           "timeline_sub": "Bar: period; lighter: sources give different dates",
           "dates_unknown": "dates unknown", "end_unknown": "end unknown",
           "start_unknown": "start unknown", "disagree": "sources give different dates",
           "districts": "Partner organisations per district",
           "schematic": "Schematic tile map: approximate positions of the districts, not borders",
           "no_district": "Organisations without a stated district: {n}",
           "themes": "Projects per theme",
           "themes_sub": "The themes of the action plan with the projects the curators place "
                         "under them; in brackets: of them confirmed projects of the action plan",
           "keywords": "Projects per keyword",
           "keywords_sub": "The projects' keywords as the curators read them (a keyword is not "
                           "a theme); in brackets: of them confirmed projects",
           "network_of": "Partners of {p} and their other projects",
           "confirmed": "confirmed",
           "funding": "Funding per project and phase",
           "funding_sub": "highest stated amount; tick: lower amount of another source; "
                          "“a / b”: sources state the amount differently",
           "no_amount": "amount not stated", "none": "no data",
           "about": "about", "over": "over", "almost": "almost", "up-to": "up to",
           "exact": "exactly"},
}
STYLE = ("text{font-family:sans-serif;font-size:12px;fill:#222}.t{font-size:16px;"
         "font-weight:bold}.s{fill:#555}.e{stroke:#6b8fb5;stroke-opacity:.45;fill:none}"
         ".n{fill:#1f5f99}.u{fill:#fff;stroke:#1f5f99;stroke-dasharray:2 1.5}.o{fill:#c0602b}"
         ".b{fill:#3b7dbd}.l{fill:#9dc1e3}.g{stroke:#ddd}")
CHAR = 6.6  # average width of a 12px sans-serif character


def esc(text: object) -> str:
    """Text or attribute value, escaped for XML (quotes too)."""
    return escape(str(text), {'"': "&quot;", "'": "&apos;"})


def fit(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(chars - 1, 1)] + "…"


def text(x: float, y: float, value: str, *, cls: str = "", anchor: str = "start",
         title: str = "") -> str:
    tip = f"<title>{esc(title)}</title>" if title else ""
    klass = f' class="{cls}"' if cls else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{tip}'
            f"{esc(value)}</text>")


def link(body: str, href: str | None) -> str:
    return f'<a href="{esc(href)}">{body}</a>' if href else body


def document(width: float, height: float, title: str, subtitle: str, body: list[str],
             lang: str) -> str:
    """A standalone SVG document with a title and a subtitle line."""
    head = [text(16, 26, title, cls="t"), text(16, 46, subtitle, cls="s")]
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
            f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'role="img" xml:lang="{esc(lang)}"><title>{esc(title)}</title>'
            f"<style>{STYLE}</style>" + "".join(head + body) + "</svg>\n")


def bar_chart(title: str, subtitle: str, rows: list[tuple[Item, float, str]], lang: str,
              href: Href, *, ticks: dict[str, float] | None = None,
              footer: list[str] | None = None) -> str:
    """Horizontal bars: (item, value, value text) per row, longest bar = largest value;
    ``ticks`` marks a second value on a bar, ``footer`` adds lines of text underneath."""
    label_w = min(max((len(i.label) for i, _, _ in rows), default=10) * CHAR + 20, 360)
    bar_w, row_h, top = 420, 22, 70
    top_value = max((v for _, v, _ in rows), default=0) or 1
    body: list[str] = []
    for n, (item, value, shown) in enumerate(rows):
        y = top + n * row_h
        label = text(label_w - 8, y + 14, fit(item.label, int(label_w / CHAR)), anchor="end",
                     title=item.label)
        body.append(link(label, href(item.iri)))
        width = bar_w * value / top_value
        body.append(f'<rect class="b" x="{label_w}" y="{y + 3}" width="{width:.1f}" '
                    f'height="{row_h - 6}"><title>{esc(item.label)}: {esc(shown)}</title></rect>')
        low = (ticks or {}).get(item.iri)
        if low is not None:
            lx = label_w + bar_w * low / top_value
            body.append(f'<line x1="{lx:.1f}" x2="{lx:.1f}" y1="{y + 1}" y2="{y + row_h - 1}" '
                        'stroke="#fff" stroke-width="2"/>')
        body.append(text(label_w + width + 6, y + 14, shown))
    if not rows:
        body.append(text(16, top + 14, TEXT[lang]["none"]))
    bottom = top + max(len(rows), 1) * row_h + 20
    for n, line in enumerate(footer or []):
        body.append(text(16, bottom + n * 18, line))
    return document(label_w + bar_w + 140, bottom + len(footer or []) * 18, title,
                    subtitle, body, lang)


def network_svg(projects: list[Item], orgs: list[Item], edges: list[tuple[str, str]],
                lang: str, href: Href, *, title: str | None = None) -> str:
    """Bipartite layout: projects left, organisations right (ordered by the mean position of
    their projects, which keeps crossings few), one curve per participation."""
    t = TEXT[lang]
    row_h, top = 20, 80
    p_index = {p.iri: n for n, p in enumerate(projects)}
    partners: dict[str, list[int]] = {}
    for p, o in edges:
        partners.setdefault(o, []).append(p_index[p])
    orgs = sorted(orgs, key=lambda o: (sum(partners[o.iri]) / len(partners[o.iri]),
                                       o.label.lower()))
    left_w = min(max((len(p.label) for p in projects), default=8) * CHAR + 24, 300)
    right_w = min(max((len(o.label) for o in orgs), default=8) * CHAR + 24, 300)
    width = left_w + 420 + right_w
    rows = max(len(projects), len(orgs), 1)

    def ys(count: int) -> list[float]:
        """Spread ``count`` nodes evenly over the height of the longer column."""
        step = rows * row_h / max(count, 1)
        return [top + (n + 0.5) * step - row_h / 2 for n in range(count)]

    py = dict(zip((p.iri for p in projects), ys(len(projects)), strict=True))
    oy = dict(zip((o.iri for o in orgs), ys(len(orgs)), strict=True))
    x1, x2 = left_w, left_w + 420
    body = [f'<path class="e" d="M{x1} {py[p]:.1f} C{x1 + 180} {py[p]:.1f} {x2 - 180} '
            f'{oy[o]:.1f} {x2} {oy[o]:.1f}"/>' for p, o in edges]
    degree = {p.iri: 0 for p in projects} | {o.iri: len(partners[o.iri]) for o in orgs}
    for p, _ in edges:
        degree[p] += 1
    for items, pos, x, cls, anchor, dx in ((projects, py, x1, "n", "end", -8),
                                           (orgs, oy, x2, "o", "start", 8)):
        limit = int((left_w if anchor == "end" else right_w) / CHAR) - 2
        for item in items:
            r = 3 + 1.5 * math.sqrt(degree[item.iri])
            kind = f"{cls} u" if cls == "n" and item.status not in ("", "confirmed") else cls
            node = (f'<circle class="{kind}" cx="{x}" cy="{pos[item.iri]:.1f}" r="{r:.1f}">'
                    f"<title>{esc(item.label)}</title></circle>"
                    + text(x + dx, pos[item.iri] + 4, fit(item.label, limit), anchor=anchor,
                           title=item.label))
            body.append(link(node, href(item.iri)))
    confirmed = sum(p.status == "confirmed" for p in projects)
    subtitle = t["network_sub"].format(p=len(projects), c=confirmed, u=len(projects) - confirmed,
                                       o=len(orgs), e=len(edges))
    return document(width, top + rows * row_h + 20, title or t["network"], subtitle, body, lang)


def timeline_svg(spans: list[Span], lang: str, href: Href) -> str:
    """One row per project with known dates; projects without dates listed underneath."""
    t = TEXT[lang]
    dated = [s for s in spans if s.starts or s.ends]
    undated = [s for s in spans if not (s.starts or s.ends)]
    years = [v for s in dated for v in s.starts + s.ends]
    first, last = (math.floor(min(years)), math.ceil(max(years))) if years else (2016, 2024)
    last = max(last, first + 1)
    label_w, plot_w, row_h, top = 260, 560, 22, 90
    scale = plot_w / (last - first)

    def x(v: float) -> float:
        return label_w + (v - first) * scale

    body = []
    height = top + len(dated) * row_h
    for year in range(first, last + 1):
        body += [f'<line class="g" x1="{x(year):.1f}" x2="{x(year):.1f}" y1="{top - 6}" '
                 f'y2="{height}"/>', text(x(year), top - 10, str(year), anchor="middle")]
    for n, s in enumerate(dated):
        y = top + n * row_h
        body.append(link(text(label_w - 8, y + 15, fit(s.item.label, 38), anchor="end",
                              title=s.item.label), href(s.item.iri)))
        body += _span_bars(s, y, x, label_w, label_w + plot_w, t)
    lines = _wrap([s.item.label for s in undated], 110)
    for n, line in enumerate(lines):
        prefix = f"{t['dates_unknown']}: " if n == 0 else ""
        body.append(text(16, height + 28 + n * 18, prefix + line))
    return document(label_w + plot_w + 120, height + 40 + len(lines) * 18, t["timeline"],
                    t["timeline_sub"], body, lang)


def _span_bars(s: Span, y: float, x: Callable[[float], float], left: float, right: float,
               t: dict[str, str]) -> list[str]:
    tip = esc(s.text or s.item.label)
    h, out = 14, []

    def rect(a: float, b: float, cls: str, title: str) -> str:
        return (f'<rect class="{cls}" x="{x(a):.1f}" y="{y + 4}" width="{max(x(b) - x(a), 2):.1f}" '
                f'height="{h}"><title>{title}</title></rect>')

    if s.starts and s.ends:
        start, end = s.starts[-1], s.ends[0]
        if s.starts[0] < start:
            out.append(rect(s.starts[0], start, "l", esc(t["disagree"])))
        out.append(rect(start, max(end, start), "b", tip))
        if s.ends[-1] > end:
            out.append(rect(end, s.ends[-1], "l", esc(t["disagree"])))
    elif s.starts:
        out.append(rect(s.starts[0], s.starts[0] + 0.25, "b", tip))
        out.append(f'<line x1="{x(s.starts[0] + 0.25):.1f}" x2="{right:.1f}" y1="{y + 11}" '
                   f'y2="{y + 11}" stroke="#3b7dbd" stroke-dasharray="4 3"/>')
        out.append(text(right + 4, y + 15, t["end_unknown"], cls="s"))
    else:
        out.append(f'<line x1="{left:.1f}" x2="{x(s.ends[-1] - 0.25):.1f}" y1="{y + 11}" '
                   f'y2="{y + 11}" stroke="#3b7dbd" stroke-dasharray="4 3"/>')
        out.append(rect(s.ends[-1] - 0.25, s.ends[-1], "b", tip))
        out.append(text(x(s.ends[-1]) + 4, y + 15, t["start_unknown"], cls="s"))
    return out


def _wrap(words: list[str], width: int) -> list[str]:
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + len(word) + 2 <= width:
            lines[-1] += ", " + word
        else:
            lines.append(word)
    return lines


def _tile(d: District, tiles: Mapping[str, Sequence[int]]) -> tuple[int, int] | None:
    """The (column, row) the instance's tile map (DISTRICT_TILES) gives a district, by its
    official code or its identifier."""
    spot = tiles.get(d.code) or tiles.get(d.iri.rstrip("/").rsplit("/", 1)[-1])
    return (int(spot[0]), int(spot[1])) if spot and len(spot) == 2 else None


def districts_svg(found: list[District], unknown: int, lang: str, href: Href, *,
                  tiles: Mapping[str, Sequence[int]] | None = None) -> str:
    """A tile map of the districts coloured and labelled by their number of partners; the
    positions are the instance's (``tiles``: a schematic map with the districts' approximate
    relative positions, north at the top, not their borders), the others follow in rows."""
    t = TEXT[lang]
    tile_w, tile_h, gap, left, top = 170, 96, 8, 16, 70
    placed = {d.iri: spot for d in found if (spot := _tile(d, tiles or {})) is not None}
    extra_row = 1 + max((r for _, r in placed.values()), default=-1)
    for n, d in enumerate(d for d in found if d.iri not in placed):
        placed[d.iri] = (n % 3, extra_row + n // 3)
    most = max((d.partners for d in found), default=0) or 1
    body = []
    for d in found:
        col, row = placed[d.iri]
        x, y = left + col * (tile_w + gap), top + row * (tile_h + gap)
        share = d.partners / most
        fill = f"rgb({int(235 - 175 * share)},{int(242 - 140 * share)},{int(250 - 90 * share)})"
        ink = "#fff" if share > 0.55 else "#222"
        words = d.label.split(" ", 1) if d.label.startswith("Kreis ") else [d.label]
        tile = [f'<rect x="{x}" y="{y}" width="{tile_w}" height="{tile_h}" rx="6" '
                f'fill="{fill}" stroke="#fff"><title>{esc(d.label)}: {d.partners}</title></rect>']
        for n, word in enumerate(words):
            tile.append(f'<text x="{x + tile_w / 2:.1f}" y="{y + 22 + n * 15}" '
                        f'text-anchor="middle" style="fill:{ink}">{esc(fit(word, 24))}</text>')
        tile.append(f'<text x="{x + tile_w / 2:.1f}" y="{y + tile_h - 16}" text-anchor="middle" '
                    f'style="fill:{ink};font-size:24px;font-weight:bold">{d.partners}</text>')
        body.append(link("".join(tile), href(d.iri)))
    rows = 1 + max((r for _, r in placed.values()), default=0)
    bottom = top + rows * (tile_h + gap)
    body.append(text(left, bottom + 18, t["no_district"].format(n=unknown)))
    body.append(text(left + 3 * (tile_w + gap) - 8, top + 14, "N ↑", anchor="end", cls="s"))
    if not found:
        body.append(text(left, top + 14, t["none"]))
    return document(max(3 * (tile_w + gap) + 2 * left, 560), bottom + 34, t["districts"],
                    t["schematic"], body, lang)


def money(value: float, currency: str) -> str:
    return f"{value:,.0f} {currency}".replace(",", " ").strip()


def funding_svg(grants: list[Grant], lang: str, href: Href) -> str:
    t = TEXT[lang]
    with_amount = [g for g in grants if g.values]
    rows, ticks = [], {}
    for g in with_amount:
        shown = amount_label(g, lang)
        rows.append((g.item, g.values[-1], shown))
        if len(g.values) > 1:
            ticks[g.item.iri] = g.values[0]
    missing = _wrap([g.item.label for g in grants if not g.values], 100)
    footer = [(f"{t['no_amount']}: " if n == 0 else "") + line for n, line in enumerate(missing)]
    return bar_chart(t["funding"], t["funding_sub"], rows, lang, href, ticks=ticks,
                     footer=footer)


def amount_label(grant: Grant, lang: str) -> str:
    """The stated amounts of a grant as text. One reading (all exact, or all with the same
    qualifier): the qualifier once and the range of the values ("etwa 450 000 EUR",
    "5 400 000 EUR – 5 500 000 EUR"); sources that qualify it differently: each amount with its
    own qualifier ("480 000 EUR / über 480 000 EUR"), never the qualifiers alone
    ("genau / über ...")."""
    t = TEXT[lang]

    def word(q: str) -> str:
        return f"{t[q]} " if q in t else ""

    readings = sorted({(v, "" if q in ("", "exact") else q) for v, q in grant.amounts})
    if len({q for _, q in readings}) <= 1:
        q = readings[0][1] if readings else ""
        return word(q) + " – ".join(money(v, grant.currency)
                                    for v in sorted({grant.values[0], grant.values[-1]}))
    return " / ".join(word(q) + money(v, grant.currency) for v, q in readings)


def themes_svg(items: list[tuple[Item, int, int]], lang: str, href: Href, *,
               keywords: bool = False) -> str:
    """Projects per theme (or per keyword concept); the label says how many of them are
    confirmed projects."""
    t = TEXT[lang]
    rows = [(i, n, f"{n} ({c} {t['confirmed']})") for i, n, c in items]
    if keywords:
        return bar_chart(t["keywords"], t["keywords_sub"], rows, lang, href)
    return bar_chart(t["themes"], t["themes_sub"], rows, lang, href)
