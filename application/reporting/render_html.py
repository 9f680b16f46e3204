"""The board report as one self-contained HTML file: inline CSS, charts as inline SVG, no script.

Written for the people who read it: a board member on screen or on paper (A4 portrait, printed in
black and white), and a screen-reader user. So

- every figure is in a table; a chart is a picture of the table that follows it, with its values
  written on it and a legend, and series told apart by greyscale fills, hatching, marker shapes and
  dash patterns, never by colour alone;
- numbers are formatted by their column kind (``1,234``, ``87.5%``, ``12.5``, ``£1,234``), a value
  that does not exist is ``–``, and a suppressed small count (``<5``) is shown as it is and never drawn;
- times are Europe/London local times, because that is the clock the partnerships work to.

The bytes depend on the ``Report`` alone: no time of rendering, no random ids, everything in the
report's own order (product.md capability 5, reproducible reports).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Any

from application.reporting.model import Chart, Column, Report, Table
from domain.calendar import LONDON

NO_CASES = "No cases in this period"
NIL = "–"
"""How a value that does not exist is shown (an en dash)."""

NUMERIC_KINDS = frozenset({"count", "percent", "days", "hours", "money"})
CHART_KINDS = frozenset({"bar", "hbar", "line"})
SMALL_TABLE_ROWS = 25
"""Tables up to this many rows are kept on one printed page."""

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


# ----------------------------------------------------------------------------- formatting


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def format_value(value: Any, kind: str) -> str:
    """A value as the report shows it: ``count`` 1,234; ``percent`` 87.5%; ``days`` 13 (whole
    days); ``hours`` 12.5; ``money`` £1,234; None ``–``; a string (a label, or a suppressed
    count) as it is."""
    if value is None:
        return NIL
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str) or not _is_number(value) or kind == "text":
        return str(value)
    if kind == "percent":
        return f"{_fixed(value, 1)}%"
    if kind == "days":
        return _fixed(value, 0)
    if kind == "hours":  # a whole number of days in a table of hours and days stays whole
        return f"{value:,}" if isinstance(value, int) else _fixed(value, 1)
    if kind == "money":
        sign = "-" if value < 0 else ""
        return f"{sign}£{_fixed(abs(value), 0)}"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return _fixed(value, 1)


def _fixed(value: float, places: int) -> str:
    """Rounded half up, as people (and official statistics) round: 30.25 → 30.3, not 30.2."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{abs(rounded) if rounded == 0 else rounded:,}"


def format_date(day: str | date) -> str:
    """``2026-04-01`` → ``1 April 2026``."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def format_period(period: Mapping[str, str]) -> str:
    """``{"from": "2026-01-01", "to": "2026-03-31"}`` → ``1 January to 31 March 2026``."""
    start, end = period.get("from"), period.get("to")
    if not start or not end:
        only = start or end
        return format_date(only) if only else NIL
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    if first.year == last.year:
        return f"{first.day} {MONTHS[first.month - 1]} to {format_date(last)}"
    return f"{format_date(first)} to {format_date(last)}"


def london_time(instant: str) -> datetime:
    """An ISO instant (UTC when it has no offset) as a Europe/London local time."""
    moment = datetime.fromisoformat(instant)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON)


def format_instant(instant: str) -> str:
    """``2026-04-01T08:30:00`` (UTC) → ``1 April 2026, 09:30 BST``."""
    local = london_time(instant)
    return f"{format_date(local.date())}, {local:%H:%M} {local.tzname()}"


def _e(text: Any) -> str:
    return escape(str(text), quote=True)


def _css_string(text: str) -> str:
    """A CSS string literal that cannot end the string or the ``<style>`` element."""
    safe = "".join(ch if ch.isalnum() or ch in " ,.-:;()&'" else f"\\{ord(ch):x} " for ch in text)
    return f'"{safe}"'


# ----------------------------------------------------------------------------- the document


@dataclass(frozen=True)
class _Block:
    """A table of the report and the charts drawn from it, numbered as they appear."""

    table: Table
    number: int
    charts: tuple[tuple[Chart, int], ...]

    @property
    def anchor(self) -> str:
        return f"table-{self.number}"


@dataclass(frozen=True)
class _Section:
    number: int
    name: str
    blocks: tuple[_Block, ...]

    @property
    def anchor(self) -> str:
        return f"section-{self.number}"


def _plan(report: Report) -> tuple[_Section, ...]:
    """Sections in the order they first appear; tables and figures numbered in reading order."""
    table_ids = {table.id for table in report.tables}
    charts_of: dict[str, list[Chart]] = {}
    for chart in report.charts:
        if chart.table not in table_ids:
            raise ValueError(f"chart {chart.id!r} is drawn from table {chart.table!r}, which the report does not have")
        if chart.kind not in CHART_KINDS:
            raise ValueError(f"chart {chart.id!r} has kind {chart.kind!r}; expected one of {sorted(CHART_KINDS)}")
        charts_of.setdefault(chart.table, []).append(chart)
    by_section: dict[str, list[Table]] = {}
    for table in report.tables:
        by_section.setdefault(table.section, []).append(table)
    sections: list[_Section] = []
    table_number = figure_number = 0
    for section_number, (name, tables) in enumerate(by_section.items(), start=1):
        blocks = []
        for table in tables:
            table_number += 1
            numbered = []
            for chart in charts_of.get(table.id, ()):
                figure_number += 1
                numbered.append((chart, figure_number))
            blocks.append(_Block(table, table_number, tuple(numbered)))
        sections.append(_Section(section_number, name, tuple(blocks)))
    return tuple(sections)


def render_html(report: Report) -> bytes:
    """The report as one self-contained, printable, accessible HTML5 file (UTF-8)."""
    sections = _plan(report)
    scope_name = str(report.scope.get("name") or report.scope.get("slug") or "")
    page_title = f"{report.title} – {scope_name}" if scope_name else report.title
    parts = [
        "<!DOCTYPE html>\n",
        '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{_e(page_title)}</title>\n",
        f"<style>\n{_stylesheet(page_title)}</style>\n",
        "</head>\n<body>\n",
        _masthead(report),
        _contents(sections),
        '<main id="content">\n',
        *(_section(section) for section in sections),
        _about(report),
        "</main>\n",
        _footer(report),
        "</body>\n</html>\n",
    ]
    return "".join(parts).encode("utf-8")


def _masthead(report: Report) -> str:
    scope = report.scope
    kind = "County" if scope.get("kind") == "county" else "Partnership"
    partnerships = [str(p.get("name") or p.get("slug") or "") for p in scope.get("partnerships", ())]
    scope_name = str(scope.get("name") or scope.get("slug") or NIL)
    rows = [("Scope", _e(scope_name))]
    if partnerships and partnerships != [scope_name]:
        label = "Partnership" if len(partnerships) == 1 else "Partnerships"
        rows.append((label, "<br>".join(_e(name) for name in partnerships)))
    rows += [
        ("Period", _e(format_period(report.period))),
        (
            "As known at",
            f"{_e(format_instant(report.as_known_at))}"
            '<span class="hint"> – the facts recorded by then; later entries are not included</span>',
        ),
        (
            "As at",
            f"{_e(format_instant(report.as_at))}"
            '<span class="hint"> – when cases are judged open, overdue or paused</span>',
        ),
    ]
    meta = "".join(f"<dt>{label}</dt><dd>{value}</dd>\n" for label, value in rows)
    return (
        '<header class="masthead">\n'
        f'<p class="kicker">{kind} board report</p>\n'
        f"<h1>{_e(report.title)}</h1>\n"
        f'<dl class="meta">\n{meta}</dl>\n'
        f"{_notice(report)}"
        "</header>\n"
    )


def _notice(report: Report) -> str:
    n = report.suppress_below
    if report.publishable:
        return (
            '<p class="notice"><strong>For publication.</strong> '
            f"Counts under {n} are shown as “&lt;{n}” so that no one can be identified; "
            "they are not drawn in the charts.</p>\n"
        )
    return (
        '<p class="notice restricted"><strong>Not for publication.</strong> '
        "This version shows every count, including small numbers that could identify the people "
        f"involved. The publishable version shows counts under {n} as “&lt;{n}”.</p>\n"
    )


def _contents(sections: Sequence[_Section]) -> str:
    if len(sections) < 2:
        return ""
    items = "".join(f'<li><a href="#{s.anchor}">{_e(s.name)}</a></li>\n' for s in sections)
    items += '<li class="about-link"><a href="#about">About these figures</a></li>\n'
    return (
        '<nav class="contents" aria-labelledby="contents-h">\n<h2 id="contents-h">Contents</h2>\n'
        f"<ol>\n{items}</ol>\n</nav>\n"
    )


def _section(section: _Section) -> str:
    blocks = "".join(_block(block) for block in section.blocks)
    return (
        f'<section id="{section.anchor}" aria-labelledby="{section.anchor}-h">\n'
        f'<h2 id="{section.anchor}-h"><span class="no">{section.number}</span> {_e(section.name)}</h2>\n'
        f"{blocks}</section>\n"
    )


def _block(block: _Block) -> str:
    figures = "".join(_figure(chart, number, block) for chart, number in block.charts)
    return f'<div class="block">\n{figures}{_table(block)}</div>\n'


def _figure(chart: Chart, number: int, block: _Block) -> str:
    svg, key = render_chart_svg(chart, block.table, uid=f"f{number}", table_number=block.number)
    key_html = f'<p class="chart-key">{_e(key)}</p>\n' if key else ""
    return (
        f'<figure class="chart" id="figure-{number}">\n'
        f'<figcaption><span class="no">Figure {number}</span> {_e(chart.title)}</figcaption>\n'
        f"{svg}\n{key_html}"
        f'<p class="chart-source">The figures are in <a href="#{block.anchor}">Table {block.number}</a>.</p>\n'
        "</figure>\n"
    )


def _table(block: _Block) -> str:
    table = block.table
    keep = " keep" if len(table.rows) <= SMALL_TABLE_ROWS else ""
    described = f' aria-describedby="{block.anchor}-note"' if table.note else ""
    head = "".join(
        f'<th scope="col"{_num_class(column)}>{_e(column.label)}</th>' for column in table.columns
    )
    if table.rows:
        body = "".join(_row(table.columns, row) for row in table.rows)
    else:
        body = f'<tr><td class="empty" colspan="{max(len(table.columns), 1)}">{NO_CASES}</td></tr>\n'
    note = f'<p class="note" id="{block.anchor}-note">{_e(table.note)}</p>\n' if table.note else ""
    return (
        f'<div class="table-wrap{keep}">\n'
        f'<table id="{block.anchor}" data-table="{_e(table.id)}"{described}>\n'
        f'<caption><span class="no">Table {block.number}</span> {_e(table.title)}</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n{note}</div>\n"
    )


def _num_class(column: Column) -> str:
    return ' class="num"' if column.kind in NUMERIC_KINDS else ""


def _is_total(value: Any) -> bool:
    return isinstance(value, str) and (value.strip().lower().startswith("total") or value.strip().lower() == "all")


def _row(columns: Sequence[Column], row: Mapping[str, Any]) -> str:
    cells = []
    for index, column in enumerate(columns):
        value = row.get(column.key)
        classes = []
        if column.kind in NUMERIC_KINDS:
            classes.append("num")
            if value is None:
                classes.append("nil")
            elif isinstance(value, str):
                classes.append("sup")
        elif value is None:
            classes.append("nil")
        attrs = f' class="{" ".join(classes)}"' if classes else ""
        text = _e(format_value(value, column.kind))
        if index == 0 and column.kind == "text":
            cells.append(f'<th scope="row"{attrs}>{text}</th>')
        else:
            cells.append(f"<td{attrs}>{text}</td>")
    first = row.get(columns[0].key) if columns else None
    total = ' class="total"' if _is_total(first) else ""
    return f"<tr{total}>{''.join(cells)}</tr>\n"


def _about(report: Report) -> str:
    n = report.suppress_below
    items = [
        f"<strong>As known at {_e(format_instant(report.as_known_at))}.</strong> The figures are made from the "
        "facts recorded by then. Anything recorded later, including corrections, is not included, so the "
        "same report can be made again, exactly, at any time.",
        f"<strong>As at {_e(format_instant(report.as_at))}.</strong> Cases are counted as open, overdue or "
        "paused at this time.",
        f"<strong>{NIL}</strong> means there is no value (for example, no deadline fell due).",
    ]
    if report.publishable:
        items.append(f"<strong>&lt;{n}</strong> is a count under {n}, suppressed so that no one can be identified.")
    items += [_e(note) for note in report.notes]
    listed = "".join(f"<li>{item}</li>\n" for item in items)
    return (
        '<section id="about" class="about" aria-labelledby="about-h">\n'
        f'<h2 id="about-h">About these figures</h2>\n<ul>\n{listed}</ul>\n</section>\n'
    )


def _footer(report: Report) -> str:
    return (
        '<footer class="colophon">\n'
        f"<p>{_e(report.title)} · made by caseledger from the case records as known at "
        f"{_e(format_instant(report.as_known_at))}.</p>\n</footer>\n"
    )


def _stylesheet(page_title: str) -> str:
    footer_font = 'font: 7.5pt Arial, "Liberation Sans", sans-serif; color: #505a5f;'
    page = (
        "@page {\n  size: A4;\n  margin: 14mm;\n"
        f"  @bottom-left {{ content: {_css_string(page_title)}; {footer_font} }}\n"
        f'  @bottom-right {{ content: "Page " counter(page) " of " counter(pages); {footer_font} }}\n'
        "}\n"
    )
    return page + STYLESHEET


STYLESHEET = """\
:root { --ink: #0b0c0c; --muted: #505a5f; --rule: #b1b4b6; --light: #dfe3e6; --accent: #1d3a57; --wash: #f3f2f1; }
* { box-sizing: border-box; }
html { background: var(--wash); -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body {
  width: 210mm; max-width: 100%; margin: 24px auto; padding: 16mm 14mm 14mm;
  background: #fff; color: var(--ink); box-shadow: 0 1px 3px rgba(11, 12, 12, 0.18);
  font: 10pt/1.45 Arial, "Liberation Sans", "Helvetica Neue", Helvetica, sans-serif;
}
a { color: var(--accent); }
.masthead { border-top: 6px solid var(--accent); padding-top: 12px; margin-bottom: 20px; }
.kicker {
  margin: 0; color: var(--muted); font-size: 8.5pt; font-weight: bold;
  letter-spacing: 0.06em; text-transform: uppercase;
}
h1 { margin: 4px 0 14px; font-size: 22pt; line-height: 1.15; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; font-size: 9.5pt; }
.meta dt { color: var(--muted); font-weight: bold; }
.meta dd { margin: 0; }
.hint { color: var(--muted); }
.notice {
  margin: 16px 0 0; padding: 8px 12px; border-left: 5px solid var(--accent);
  background: var(--wash); font-size: 9.5pt;
}
.notice.restricted { border-left-color: var(--ink); }
.contents { margin: 0 0 8px; padding: 10px 0; border-top: 1px solid var(--rule); border-bottom: 1px solid var(--rule); }
.contents h2 { margin: 0 0 4px; padding: 0; border: 0; font-size: 10pt; }
.contents ol { columns: 2; column-gap: 24px; margin: 0; padding-left: 1.6em; }
.contents li.about-link { list-style: none; }
h2 {
  margin: 26px 0 10px; padding-top: 8px; border-top: 2px solid var(--ink);
  font-size: 14pt; line-height: 1.2; break-after: avoid;
}
h2 .no, caption .no, figcaption .no { color: var(--muted); margin-right: 0.35em; }
caption .no, figcaption .no { font-weight: normal; }
.block { margin: 0 0 20px; }
figure { margin: 0 0 14px; break-inside: avoid; }
figcaption { margin: 0 0 6px; font-size: 10.5pt; font-weight: bold; break-after: avoid; }
svg.chart { display: block; width: 100%; max-width: 100%; height: auto; }
.chart-key, .chart-source, .note { margin: 4px 0 0; color: var(--muted); font-size: 8.5pt; }
.table-wrap { margin: 0 0 6px; }
.table-wrap.keep { break-inside: avoid; }
table { width: 100%; border-collapse: collapse; font-size: 9.5pt; font-variant-numeric: tabular-nums; }
caption {
  caption-side: top; padding: 0 0 6px; text-align: left;
  font-size: 10.5pt; font-weight: bold; break-after: avoid;
}
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--light); text-align: left; vertical-align: top; }
th:first-child, td:first-child { padding-left: 0; }
th:last-child, td:last-child { padding-right: 0; }
thead th { border-bottom: 2px solid var(--ink); font-size: 8.5pt; vertical-align: bottom; }
thead th:first-child { width: 34%; }
tbody th { font-weight: normal; }
.num { text-align: right; white-space: nowrap; }
thead th.num { white-space: normal; }
td.nil { color: var(--muted); }
td.sup { font-style: italic; }
tr.total th, tr.total td { border-top: 1.5px solid var(--ink); border-bottom: 2px solid var(--ink); font-weight: bold; }
td.empty { padding: 10px 0; color: var(--muted); font-style: italic; text-align: center; }
.about { break-inside: avoid; }
.about ul { margin: 0; padding-left: 1.2em; font-size: 9pt; }
.about li { margin: 0 0 4px; }
.colophon {
  margin-top: 24px; padding-top: 6px; border-top: 1px solid var(--rule);
  color: var(--muted); font-size: 8pt;
}
.colophon p { margin: 0; }
@media print {
  html { background: none; }
  body { width: auto; margin: 0; padding: 0; box-shadow: none; font-size: 9.5pt; }
  a { color: inherit; text-decoration: none; }
  .colophon { display: none; }
}
"""


# ----------------------------------------------------------------------------- charts

WIDTH = 680.0
"""The charts' drawing width: the A4 text width (182 mm) at 96 px per inch, rounded down."""

FONT = 12.0
SMALL = 11.0
LINE = 14.0
INK = "#0b0c0c"
MUTED = "#505a5f"
GRID = "#dfe3e6"
NAVY = "#1d3a57"
FONT_FAMILY = "Arial, Liberation Sans, Helvetica Neue, Helvetica, sans-serif"


@dataclass(frozen=True)
class _Style:
    """How one series is told apart without colour: a fill (a greyscale tone, with hatching for
    some) for bars, and a stroke, dash pattern and marker shape for lines."""

    background: str
    hatch: str  # "", "diagonal", "dots", "cross", "horizontal", "vertical"
    stroke: str
    dash: str
    marker: str  # circle, square, triangle, diamond, cross
    hollow: bool


STYLES = (
    _Style("#1d3a57", "", "#1d3a57", "", "circle", False),
    _Style("#c3ccd5", "diagonal", "#5b6b7a", "7 4", "square", True),
    _Style("#ffffff", "dots", "#0b0c0c", "2 3", "triangle", False),
    _Style("#7d8b99", "", "#1d3a57", "10 3 2 3", "diamond", True),
    _Style("#edf0f2", "cross", "#5b6b7a", "4 2", "cross", False),
    _Style("#ffffff", "horizontal", "#0b0c0c", "1 3", "square", False),
    _Style("#a9b4be", "vertical", "#1d3a57", "12 4", "triangle", True),
)


def _style(index: int) -> _Style:
    return STYLES[index % len(STYLES)]


def _n(x: float) -> str:
    """A coordinate, rounded to 0.1 px so the bytes do not depend on float noise."""
    r = round(x, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


_NARROW = frozenset("fijlrtI.,:;'|!()[] ")
_WIDE = frozenset("mwMW@%")


def _em(ch: str) -> float:
    """The width of a character in em, in four classes: close enough to place labels."""
    if ch in _NARROW:
        return 0.29
    if ch in _WIDE:
        return 0.86
    if ch.isupper():
        return 0.67
    if ch.isdigit() or ch in "£$€#?":
        return 0.556
    return 0.52


_EM = {chr(code): _em(chr(code)) for code in range(32, 127)} | {"£": 0.556, "–": 0.556, "…": 1.0}


def text_width(text: str, size: float = FONT, bold: bool = False) -> float:
    """An estimate of the drawn width of ``text`` in Arial (or its metric twin, Liberation Sans)."""
    em = sum(_EM.get(ch) or _em(ch) for ch in text)
    return em * size * (1.07 if bold else 1.0)


def _ellipsize(text: str, width: float, size: float) -> str:
    """``text`` cut with … to fit ``width``."""
    if text_width(text, size) <= width:
        return text
    room = width / size - _EM["…"]
    used = 0.0
    for end, ch in enumerate(text):
        used += _EM.get(ch) or _em(ch)
        if used > room:
            return text[:end].rstrip() + "…"
    return text


def wrap(text: str, width: float, size: float = FONT, max_lines: int = 2) -> list[str]:
    """``text`` broken into at most ``max_lines`` lines that fit ``width``; the last is cut with …"""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1 :])
        lines = [*lines[: max_lines - 1], _ellipsize(rest, width, size)]
    return [_ellipsize(line, width, size) for line in lines] or [""]


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    size: float | None = None,
    bold: bool = False,
    fill: str | None = None,
    italic: bool = False,
    halo: bool = False,
) -> str:
    attrs = [f'x="{_n(x)}"', f'y="{_n(y)}"']
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if size is not None and size != FONT:
        attrs.append(f'font-size="{_n(size)}"')
    if bold:
        attrs.append('font-weight="bold"')
    if italic:
        attrs.append('font-style="italic"')
    if fill:
        attrs.append(f'fill="{fill}"')
    if halo:
        attrs.append('stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"')
    return f"<text {' '.join(attrs)}>{_e(text)}</text>"


def _inside_label(cx: float, cy: float, text: str, size: float = SMALL) -> str:
    """A value inside a bar, on a white label so that it reads on any fill or hatching."""
    width, height = text_width(text, size) + 6, size + 3
    return (
        f'<rect x="{_n(cx - width / 2)}" y="{_n(cy - height / 2)}" width="{_n(width)}" height="{_n(height)}" '
        f'rx="2" fill="#ffffff" stroke="{INK}" stroke-width="0.5"/>'
        + _text(cx, cy + size * 0.35, text, anchor="middle", size=size)
    )


def _lines_text(x: float, y: float, lines: Sequence[str], *, anchor: str, size: float = FONT, full: str = "") -> str:
    """Several lines of text from the baseline ``y`` down; ``full`` is the uncut text, as a tooltip."""
    spans = "".join(
        f'<tspan x="{_n(x)}" y="{_n(y + i * LINE)}">{_e(line)}</tspan>' for i, line in enumerate(lines)
    )
    tip = f"<title>{_e(full)}</title>" if full and full != " ".join(lines) else ""
    size_attr = f' font-size="{_n(size)}"' if size != FONT else ""
    anchor_attr = f' text-anchor="{anchor}"' if anchor != "start" else ""
    return f"<text{anchor_attr}{size_attr}>{tip}{spans}</text>"


@dataclass(frozen=True)
class _Series:
    key: str
    label: str
    values: tuple[Any, ...]
    style: _Style


@dataclass(frozen=True)
class _ChartData:
    chart: Chart
    categories: tuple[str, ...]
    series: tuple[_Series, ...]
    uid: str

    @property
    def unit(self) -> str:
        return self.chart.unit

    def fill(self, index: int) -> str:
        style = self.series[index].style
        return f"url(#{self.uid}-s{index})" if style.hatch else style.background

    def numbers(self) -> list[float]:
        return [float(v) for s in self.series for v in s.values if _is_number(v)]

    def marks(self) -> set[str]:
        """The values that exist but are not drawn (suppressed counts), and ``–`` for missing ones."""
        found: set[str] = set()
        for s in self.series:
            for v in s.values:
                if v is None:
                    found.add(NIL)
                elif not _is_number(v):
                    found.add(str(v))
        return found


def _chart_data(chart: Chart, table: Table, uid: str) -> _ChartData:
    """The chart's categories and series; a total row ("Total", "All") is in the table, not drawn."""
    labels = {column.key: column.label for column in table.columns}
    rows = [row for row in table.rows if not _is_total(row.get(chart.label))][:chart.limit]
    categories = tuple(NIL if row.get(chart.label) is None else str(row.get(chart.label)) for row in rows)
    series = tuple(
        _Series(key, labels.get(key, key), tuple(row.get(key) for row in rows), _style(index))
        for index, key in enumerate(chart.series)
    )
    return _ChartData(chart, categories, series, uid)


def render_chart_svg(chart: Chart, table: Table, *, uid: str, table_number: int | None = None) -> tuple[str, str]:
    """A chart of ``table`` as an inline ``<svg>``, and the key to the values it does not draw
    (empty when there are none). ``uid`` prefixes the ids inside the SVG (its hatch patterns)."""
    data = _chart_data(chart, table, uid)
    if not data.categories or not data.series:
        body, height = _empty_chart()
    elif chart.kind == "hbar":
        body, height = _hbar_chart(data)
    elif chart.kind == "line":
        body, height = _line_chart(data)
    else:
        body, height = _bar_chart(data)
    where = f" The figures are in Table {table_number}." if table_number is not None else ""
    label = f"{_describe(data)}{where}"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{_e(chart.id)}" role="img" '
        f'aria-label="{_e(label)}" viewBox="0 0 {_n(WIDTH)} {_n(height)}" width="{_n(WIDTH)}" height="{_n(height)}" '
        f'font-family="{FONT_FAMILY}" font-size="{_n(FONT)}" fill="{INK}">'
        f"<title>{_e(chart.title)}</title>{_defs(data)}{''.join(body)}</svg>"
    )
    return svg, _key(data)


def _describe(data: _ChartData) -> str:
    chart = data.chart
    kind = {"hbar": "Horizontal bar chart", "line": "Line chart"}.get(chart.kind, "Bar chart")
    if chart.kind != "line" and chart.stacked and len(data.series) > 1:
        kind = f"Stacked {kind[0].lower()}{kind[1:]}"
    if not data.categories:
        return f"{kind}: {chart.title}. {NO_CASES}."
    series = "; ".join(s.label for s in data.series)
    return f"{kind}: {chart.title}. {len(data.categories)} categories; series: {series}."


def _key(data: _ChartData) -> str:
    marks = data.marks()
    if not data.categories or not marks:
        return ""
    parts = []
    suppressed = sorted(m for m in marks if m != NIL)
    if suppressed:
        parts.append(f"{', '.join(suppressed)}: a small count, suppressed and not drawn.")
    if NIL in marks:
        parts.append(f"{NIL}: no value, not drawn.")
    return " ".join(parts)


def _defs(data: _ChartData) -> str:
    patterns = "".join(
        _pattern(f"{data.uid}-s{index}", s.style) for index, s in enumerate(data.series) if s.style.hatch
    )
    return f"<defs>{patterns}</defs>" if patterns else ""


def _pattern(pattern_id: str, style: _Style) -> str:
    ink = style.stroke
    marks = {
        "diagonal": f'<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="{ink}" stroke-width="1.3"/>',
        "cross": f'<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2 M-1,5 l2,2 M0,0 l6,6 M5,-1 l2,2" stroke="{ink}" '
        'stroke-width="0.9"/>',
        "dots": f'<circle cx="3" cy="3" r="1.3" fill="{ink}"/>',
        "horizontal": f'<path d="M0,3 h6" stroke="{ink}" stroke-width="1.3"/>',
        "vertical": f'<path d="M3,0 v6" stroke="{ink}" stroke-width="1.3"/>',
    }[style.hatch]
    return (
        f'<pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{style.background}"/>{marks}</pattern>'
    )


def _empty_chart() -> tuple[list[str], float]:
    height = 64.0
    return [
        f'<rect x="0.5" y="0.5" width="{_n(WIDTH - 1)}" height="{_n(height - 1)}" fill="#ffffff" '
        f'stroke="{GRID}" stroke-dasharray="4 3"/>',
        _text(WIDTH / 2, height / 2 + 4, NO_CASES, anchor="middle", fill=MUTED, italic=True),
    ], height


# --- legend and axes


def _legend(data: _ChartData, y: float, line: bool = False) -> tuple[list[str], float]:
    """Swatches and series names in rows across the top; returns the markup and its height."""
    if len(data.series) < 2 and not line:
        return [], 0.0
    out: list[str] = []
    x, row = 0.0, 0
    swatch = 26.0 if line else 14.0
    for index, s in enumerate(data.series):
        width = swatch + 6 + text_width(s.label) + 18
        if x > 0 and x + width > WIDTH:
            x, row = 0.0, row + 1
        top = y + row * 18
        if line:
            out.append(_line_swatch(x, top + 6, swatch, s.style))
        else:
            out.append(
                f'<rect x="{_n(x + 0.5)}" y="{_n(top + 0.5)}" width="{_n(swatch)}" height="11" '
                f'fill="{data.fill(index)}" stroke="{INK}" stroke-width="0.75"/>'
            )
        out.append(_text(x + swatch + 6, top + 10, s.label))
        x += width
    return out, (row + 1) * 18 + 8


def _line_swatch(x: float, y: float, length: float, style: _Style) -> str:
    dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
    return (
        f'<path d="M{_n(x)},{_n(y)} h{_n(length)}" stroke="{style.stroke}" stroke-width="2"{dash} fill="none"/>'
        + _marker(x + length / 2, y, style)
    )


def _marker(x: float, y: float, style: _Style) -> str:
    fill = "#ffffff" if style.hollow else style.stroke
    common = f'fill="{fill}" stroke="{style.stroke}" stroke-width="1.5"'
    if style.marker == "square":
        return f'<rect x="{_n(x - 3.5)}" y="{_n(y - 3.5)}" width="7" height="7" {common}/>'
    if style.marker == "triangle":
        return f'<path d="M{_n(x)},{_n(y - 4.5)} l4.5,8 h-9 Z" {common}/>'
    if style.marker == "diamond":
        return f'<path d="M{_n(x)},{_n(y - 5)} l5,5 l-5,5 l-5,-5 Z" {common}/>'
    if style.marker == "cross":
        return (
            f'<path d="M{_n(x - 4)},{_n(y - 4)} L{_n(x + 4)},{_n(y + 4)} M{_n(x - 4)},{_n(y + 4)} '
            f'L{_n(x + 4)},{_n(y - 4)}" stroke="{style.stroke}" stroke-width="2" fill="none"/>'
        )
    return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4" {common}/>'


def ticks(lo: float, hi: float, unit: str, count: int = 5) -> list[float]:
    """Round axis ticks from at most ``lo`` (and 0) to at least ``hi``; percentages run 0–100."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if unit == "percent" and lo >= 0 and hi <= 100:
        return [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    if hi == lo:
        hi = lo + 1
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if unit in ("count", "money") else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in steps if m * magnitude >= raw)
    if unit in ("count", "money"):
        step = max(step, 1.0)
    first, last = math.floor(lo / step), math.ceil(hi / step)
    return [round(i * step, 10) for i in range(first, last + 1)]


def tick_label(value: float, unit: str) -> str:
    if unit == "percent":
        return f"{value:g}%"
    if unit == "money":
        return f"£{value:,.0f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


@dataclass(frozen=True)
class _Axis:
    """A vertical value axis: the ticks and the pixel range they cover."""

    ticks: tuple[float, ...]
    top: float
    bottom: float

    def y(self, value: float) -> float:
        lo, hi = self.ticks[0], self.ticks[-1]
        return self.bottom - (value - lo) / (hi - lo) * (self.bottom - self.top)

    def draw(self, left: float, right: float, unit: str) -> list[str]:
        out = []
        for t in self.ticks:
            y = self.y(t)
            colour, width = (INK, "1") if t == 0 else (GRID, "1")
            out.append(f'<path d="M{_n(left)},{_n(y)} H{_n(right)}" stroke="{colour}" stroke-width="{width}"/>')
            out.append(_text(left - 6, y + 3.5, tick_label(t, unit), anchor="end", size=SMALL, fill=MUTED))
        return out


def _category_labels(
    categories: Sequence[str], left: float, band: float, y: float, max_lines: int
) -> tuple[list[str], float]:
    wrapped = [wrap(c, band - 6, SMALL, max_lines) for c in categories]
    out = [
        _lines_text(left + band * (i + 0.5), y, lines, anchor="middle", size=SMALL, full=c)
        for i, (c, lines) in enumerate(zip(categories, wrapped, strict=True))
    ]
    return out, max(len(lines) for lines in wrapped) * LINE


# --- vertical bars


def _bar_chart(data: _ChartData) -> tuple[list[str], float]:
    stacked = data.chart.stacked and len(data.series) > 1
    out, legend_h = _legend(data, 0)
    if stacked:
        tops = [_stack_total(data, i) for i in range(len(data.categories))]
        lows = [_stack_negative(data, i) for i in range(len(data.categories))]
        scale = ticks(min(lows, default=0.0), max(tops, default=0.0), data.unit)
    else:
        numbers = data.numbers()
        scale = ticks(min(numbers, default=0.0), max(numbers, default=0.0), data.unit)
    left = max(text_width(tick_label(t, data.unit), SMALL) for t in scale) + 12
    right = WIDTH - 4
    axis = _Axis(tuple(scale), legend_h + 18, legend_h + 18 + 200)
    band = (right - left) / len(data.categories)
    out += axis.draw(left, right, data.unit)
    labels, labels_h = _category_labels(data.categories, left, band, axis.bottom + 16, 3)
    if stacked:
        out += _stacked_bars(data, axis, left, band)
    else:
        out += _grouped_bars(data, axis, left, band)
    out += labels
    out.append(f'<path d="M{_n(left)},{_n(axis.y(0))} H{_n(right)}" stroke="{INK}" stroke-width="1.2"/>')
    return out, axis.bottom + 16 + labels_h


def _stack_total(data: _ChartData, index: int) -> float:
    return sum(float(v) for s in data.series if _is_number(v := s.values[index]) and v > 0)


def _stack_negative(data: _ChartData, index: int) -> float:
    return sum(float(v) for s in data.series if _is_number(v := s.values[index]) and v < 0)


def _bar(x: float, y0: float, y1: float, width: float, fill: str) -> str:
    top, height = min(y0, y1), abs(y1 - y0)
    return (
        f'<rect x="{_n(x)}" y="{_n(top)}" width="{_n(width)}" height="{_n(height)}" fill="{fill}" '
        f'stroke="{INK}" stroke-width="0.75"/>'
    )


def _grouped_bars(data: _ChartData, axis: _Axis, left: float, band: float) -> list[str]:
    k = len(data.series)
    gap = 2.0 if k > 1 else 0.0
    width = min((band * 0.72 - gap * (k - 1)) / k, 56.0)
    group = width * k + gap * (k - 1)
    size = FONT if k == 1 else SMALL
    out: list[str] = []
    zero = axis.y(0)
    for i in range(len(data.categories)):
        x0 = left + band * i + (band - group) / 2
        for j, s in enumerate(data.series):
            x = x0 + j * (width + gap)
            value = s.values[i]
            centre = x + width / 2
            if not _is_number(value):
                out.append(_text(centre, zero - 4, format_value(value, data.unit), anchor="middle", size=SMALL,
                                 fill=MUTED, italic=True))
                continue
            y = axis.y(float(value))
            out.append(_bar(x, zero, y, width, data.fill(j)))
            label = format_value(value, data.unit)
            if text_width(label, size) <= width + gap + 4:
                above = y - 4 if value >= 0 else y + size + 2
                out.append(_text(centre, above, label, anchor="middle", size=size, bold=k == 1, halo=True))
    return out


def _stacked_bars(data: _ChartData, axis: _Axis, left: float, band: float) -> list[str]:
    width = min(band * 0.6, 72.0)
    out: list[str] = []
    for i in range(len(data.categories)):
        x = left + band * i + (band - width) / 2
        base_up = base_down = 0.0
        hidden = []
        for j, s in enumerate(data.series):
            value = s.values[i]
            if not _is_number(value):
                if value is not None:
                    hidden.append(str(value))
                continue
            start = base_up if value >= 0 else base_down
            end = start + float(value)
            if value >= 0:
                base_up = end
            else:
                base_down = end
            y0, y1 = axis.y(start), axis.y(end)
            out.append(_bar(x, y0, y1, width, data.fill(j)))
            label = format_value(value, data.unit)
            if value and abs(y1 - y0) >= SMALL + 5 and text_width(label, SMALL) + 10 <= width:
                out.append(_inside_label(x + width / 2, (y0 + y1) / 2, label))
        total = format_value(_stack_total(data, i) + _stack_negative(data, i), data.unit)
        if hidden:
            total = " + ".join([total, *hidden]) if base_up or base_down else " + ".join(hidden)
        out.append(_text(x + width / 2, axis.y(base_up) - 5, total, anchor="middle", bold=True, halo=True))
    return out


# --- horizontal bars


def _hbar_chart(data: _ChartData) -> tuple[list[str], float]:
    stacked = data.chart.stacked and len(data.series) > 1
    k = 1 if stacked else len(data.series)
    out, legend_h = _legend(data, 0)
    longest = max(text_width(c, FONT) for c in data.categories)
    label_w = min(longest, WIDTH * 0.38)
    wrapped = [wrap(c, label_w, FONT, 2) for c in data.categories]
    values = [_stack_total(data, i) for i in range(len(data.categories))] if stacked else data.numbers()
    lows = [_stack_negative(data, i) for i in range(len(data.categories))] if stacked else data.numbers()
    hi, lo = max([0.0, *values]), min([0.0, *lows])
    if hi == lo:
        hi = lo + 1
    value_w = max(
        [text_width(format_value(v, data.unit), FONT, bold=True) for s in data.series for v in s.values]
        + [text_width(_hbar_total(data, i), FONT, bold=True) for i in range(len(data.categories)) if stacked]
    )
    plot_left = label_w + 14
    plot_right = WIDTH - value_w - 10

    def x_of(value: float) -> float:
        return plot_left + (value - lo) / (hi - lo) * (plot_right - plot_left)

    bar_h = 18.0 if k == 1 else 13.0
    y = legend_h + 4
    for i, lines in enumerate(wrapped):
        row_h = max(k * bar_h + (k - 1) * 2 + 10, len(lines) * LINE + 8)
        label_top = y + row_h / 2 - (len(lines) * LINE) / 2 + 10
        out.append(_lines_text(label_w, label_top, lines, anchor="end", full=data.categories[i]))
        bars_top = y + (row_h - (k * bar_h + (k - 1) * 2)) / 2
        if stacked:
            out += _hbar_stack(data, i, x_of, bars_top, bar_h)
        else:
            for j, s in enumerate(data.series):
                out += _hbar_one(data, j, s.values[i], x_of, bars_top + j * (bar_h + 2), bar_h, k)
        y += row_h
        if i < len(wrapped) - 1:
            out.append(f'<path d="M0,{_n(y)} H{_n(WIDTH)}" stroke="{GRID}" stroke-width="0.5"/>')
    out.append(f'<path d="M{_n(x_of(0))},{_n(legend_h)} V{_n(y + 2)}" stroke="{INK}" stroke-width="1.2"/>')
    return out, y + 4


def _hbar_one(
    data: _ChartData, j: int, value: Any, x_of: Callable[[float], float], top: float, bar_h: float, k: int
) -> list[str]:
    size = FONT if k == 1 else SMALL
    baseline = top + bar_h / 2 + size * 0.36
    if not _is_number(value):
        return [_text(x_of(0) + 6, baseline, format_value(value, data.unit), size=size, fill=MUTED, italic=True)]
    x0, x1 = x_of(0), x_of(float(value))
    out = [
        f'<rect x="{_n(min(x0, x1))}" y="{_n(top)}" width="{_n(abs(x1 - x0))}" height="{_n(bar_h)}" '
        f'fill="{data.fill(j)}" stroke="{INK}" stroke-width="0.75"/>'
    ]
    label = format_value(value, data.unit)
    out.append(_text(max(x0, x1) + 5, baseline, label, size=size, bold=k == 1))
    return out


def _hbar_total(data: _ChartData, i: int) -> str:
    hidden = [str(s.values[i]) for s in data.series if s.values[i] is not None and not _is_number(s.values[i])]
    known = any(_is_number(s.values[i]) for s in data.series)
    total = format_value(_stack_total(data, i) + _stack_negative(data, i), data.unit)
    return " + ".join(([total] if known or not hidden else []) + hidden)


def _hbar_stack(data: _ChartData, i: int, x_of: Callable[[float], float], top: float, bar_h: float) -> list[str]:
    out: list[str] = []
    base = 0.0
    for j, s in enumerate(data.series):
        value = s.values[i]
        if not _is_number(value) or value < 0:
            continue
        x0, x1 = x_of(base), x_of(base + float(value))
        base += float(value)
        out.append(
            f'<rect x="{_n(x0)}" y="{_n(top)}" width="{_n(x1 - x0)}" height="{_n(bar_h)}" '
            f'fill="{data.fill(j)}" stroke="{INK}" stroke-width="0.75"/>'
        )
        label = format_value(value, data.unit)
        if value and text_width(label, SMALL) + 10 <= x1 - x0 and bar_h >= SMALL + 3:
            out.append(_inside_label((x0 + x1) / 2, top + bar_h / 2, label))
    out.append(_text(x_of(base) + 5, top + bar_h / 2 + 4, _hbar_total(data, i), bold=True))
    return out


# --- lines


def _line_chart(data: _ChartData) -> tuple[list[str], float]:
    out, legend_h = _legend(data, 0, line=True)
    numbers = data.numbers()
    scale = ticks(min(numbers, default=0.0), max(numbers, default=0.0), data.unit)
    left = max(text_width(tick_label(t, data.unit), SMALL) for t in scale) + 12
    every = len(data.series) <= 2
    margin = 0.0 if every else max(text_width(format_value(v, data.unit), SMALL, bold=True) for v in numbers or [0])
    right = WIDTH - 8 - (margin + 10 if margin else 0)
    axis = _Axis(tuple(scale), legend_h + 16, legend_h + 16 + 200)
    n = len(data.categories)
    band = (right - left) / n
    out += axis.draw(left, right, data.unit)
    labels, labels_h = _category_labels(data.categories, left, band, axis.bottom + 16, 2)
    out += labels
    positions = [left + band * (i + 0.5) for i in range(n)]
    for s in data.series:
        out += _line_path(s, positions, axis)
    out += _point_labels(data, positions, axis) if every else _end_labels(data, positions, axis)
    out += _line_marks(data, positions, axis)
    return out, axis.bottom + 16 + labels_h


def _line_path(s: _Series, positions: Sequence[float], axis: _Axis) -> list[str]:
    """The series as runs of consecutive values: a value that is not drawn breaks the line."""
    runs: list[list[str]] = [[]]
    markers = []
    for x, value in zip(positions, s.values, strict=True):
        if _is_number(value):
            y = axis.y(float(value))
            runs[-1].append(f"{_n(x)},{_n(y)}")
            markers.append(_marker(x, y, s.style))
        elif runs[-1]:
            runs.append([])
    dash = f' stroke-dasharray="{s.style.dash}"' if s.style.dash else ""
    paths = [
        f'<path d="M{" L".join(run)}" fill="none" stroke="{s.style.stroke}" stroke-width="2"{dash} '
        'stroke-linejoin="round"/>'
        for run in runs
        if len(run) > 1
    ]
    return paths + markers


def _point_labels(data: _ChartData, positions: Sequence[float], axis: _Axis) -> list[str]:
    """A value on every point of one or two series: the higher above its point, the lower below
    (or above the other label, where below would run into the axis)."""
    out: list[str] = []
    for i, x in enumerate(positions):
        present = sorted(((float(s.values[i]), j) for j, s in enumerate(data.series) if _is_number(s.values[i])),
                         reverse=True)  # fmt: skip
        top = previous = None
        for value, j in present:
            if value == previous:
                continue  # the same point: one label
            y = axis.y(value)
            if top is None:
                label_y = top = y - 9
            elif y + 17 <= axis.bottom - 3:
                label_y = y + 17
            else:
                label_y = top = top - LINE
            label = format_value(data.series[j].values[i], data.unit)
            out.append(_text(x, label_y, label, anchor="middle", size=SMALL, bold=j == 0, halo=True))
            previous = value
    return out


def _end_labels(data: _ChartData, positions: Sequence[float], axis: _Axis) -> list[str]:
    """For three or more series, the last value of each, right of its last point, kept apart."""
    ends = sorted(
        (axis.y(float(s.values[last])), positions[last], format_value(s.values[last], data.unit))
        for s in data.series
        if (last := _last_drawn(s)) >= 0
    )
    out: list[str] = []
    floor = -math.inf
    for y, x, label in ends:
        y = max(y, floor + LINE)
        floor = y
        out.append(_text(x + 9, y + 4, label, size=SMALL, bold=True, halo=True))
    return out


def _line_marks(data: _ChartData, positions: Sequence[float], axis: _Axis) -> list[str]:
    """Values that are not drawn, marked once per category just above the axis."""
    out: list[str] = []
    for i, x in enumerate(positions):
        missing = sorted({format_value(s.values[i], data.unit) for s in data.series if not _is_number(s.values[i])})
        for m, mark in enumerate(missing):
            y = axis.y(axis.ticks[0]) - 6 - m * LINE
            out.append(_text(x, y, mark, anchor="middle", size=SMALL, fill=MUTED, italic=True))
    return out


def _last_drawn(s: _Series) -> int:
    return max((i for i, v in enumerate(s.values) if _is_number(v)), default=-1)

