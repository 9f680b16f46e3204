"""The board report's renderings (HTML, CSV, zip, JSON) of one ``Report``: what a reader sees,
what a spreadsheet gets, and the same bytes every time (product.md capability 5)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import replace
from html import escape
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest

from application.reporting.model import Chart, Column, Report, Table
from application.reporting.render_csv import render_csv, render_zip
from application.reporting.render_html import format_instant, format_period, format_value, render_html
from application.reporting.render_json import render_json
from tests.unit.report_sample import sample_report

SVG = "{http://www.w3.org/2000/svg}"
VOID = {"meta", "br", "link", "img", "hr", "input", "col", "wbr"}


class Page(HTMLParser):
    """The parsed HTML: every element with its attributes and text, nesting checked strictly
    (the renderer closes every element it opens)."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str], list[str]]] = []
        self.stack: list[tuple[str, dict[str, str], list[str]]] = []
        self.doctype = ""
        self.feed(markup)
        self.close()
        assert not self.stack, f"unclosed elements: {[tag for tag, _, _ in self.stack]}"

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = (tag, {k: v or "" for k, v in attrs}, [])
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}, []))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1][0] == tag, f"</{tag}> closes {self.stack[-1][0] if self.stack else None}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for _, _, text in self.stack:
            text.append(data)

    def find(self, tag: str, **attrs: str) -> list[tuple[str, dict[str, str], list[str]]]:
        return [e for e in self.elements if e[0] == tag and all(e[1].get(k) == v for k, v in attrs.items())]

    def text(self, tag: str, **attrs: str) -> list[str]:
        return ["".join(e[2]) for e in self.find(tag, **attrs)]


def html_of(report: Report) -> str:
    return render_html(report).decode("utf-8")


def svg_of(markup: str, chart_id: str) -> ElementTree.Element:
    """One chart's ``<svg>`` parsed as XML: inline SVG must also be well-formed on its own."""
    attribute = re.escape(f'data-chart="{escape(chart_id)}"')
    found = re.findall(rf"<svg [^>]*{attribute}.*?</svg>", markup, re.S)
    assert len(found) == 1, f"{len(found)} svg elements for chart {chart_id}"
    return ElementTree.fromstring(found[0])


def texts(svg: ElementTree.Element) -> list[str]:
    return ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]


def one_table_report(table: Table, *charts: Chart, **changes: object) -> Report:
    base = sample_report()
    return replace(base, tables=(table,), charts=charts, **changes)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the same bytes


@pytest.mark.parametrize("publishable", [False, True])
def test_every_rendering_is_the_same_bytes_for_the_same_report(publishable: bool) -> None:
    first, second = sample_report(publishable), sample_report(publishable)
    assert render_html(first) == render_html(second)
    assert render_json(first) == render_json(second)
    assert render_csv(first) == render_csv(second)
    assert render_zip(first) == render_zip(second)


def test_a_different_report_gives_different_bytes() -> None:
    """The determinism test above would pass for a renderer that ignored its input."""
    changed = replace(sample_report(), as_known_at="2026-04-08T08:30:00")
    assert render_html(changed) != render_html(sample_report())
    assert render_zip(changed) != render_zip(sample_report())
    assert render_json(changed) != render_json(sample_report())


# --------------------------------------------------------------------------- JSON


def test_json_is_the_whole_report_sorted_and_utf8() -> None:
    report = replace(sample_report(), title="Rapport de l’année – Café")
    data = render_json(report)
    assert data.endswith(b"}\n")
    assert "Rapport de l’année – Café".encode() in data  # not \u escapes
    assert json.loads(data) == json.loads(json.dumps(report.to_dict()))
    keys = list(json.loads(data))
    assert keys == sorted(keys)
    assert data.startswith(b'{\n  "as_at"')


# --------------------------------------------------------------------------- CSV and zip


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_one_csv_per_table_named_by_its_id() -> None:
    report = sample_report()
    assert list(render_csv(report)) == [f"{table.id}.csv" for table in report.tables]


def test_csv_header_is_the_column_labels_and_numbers_are_plain() -> None:
    files = render_csv(sample_report())
    timeliness = read_csv(files["timeliness.csv"])
    assert timeliness[0] == [
        "Deadline", "Fell due", "Met on time", "On time, net of pauses", "On time, gross",
        "Median days taken", "Overdue now",
    ]  # fmt: skip
    assert timeliness[2] == ["Agency returns (IMR and chronology)", "22", "17", "77.3", "72.7", "31.5", "4"]
    assert timeliness[5] == ["Home Office quality assurance", "0", "0", "", "", "", "0"]  # None is empty
    land = read_csv(files["encampments-by-land.csv"])
    assert land[1] == ["Council land", "6", "52.5", "3", "4850"]  # money without £ or separators
    assert land[3][4] == ""
    assert files["caseload.csv"].endswith(b"\r\n") and b"\r\n" in files["caseload.csv"]


def test_csv_keeps_a_suppressed_count_and_writes_large_numbers_without_separators() -> None:
    table = Table(
        "big", "S", "Big", (Column("name", "Name", "text"), Column("n", "Cases"), Column("r", "Rate", "percent")),
        ({"name": "A, with a comma", "n": 1234567, "r": 12.345678}, {"name": "B", "n": "<5", "r": None}),
    )  # fmt: skip
    rows = read_csv(render_csv(one_table_report(table))["big.csv"])
    assert rows == [["Name", "Cases", "Rate"], ["A, with a comma", "1234567", "12.345678"], ["B", "<5", ""]]


def test_an_empty_table_is_a_header_only_csv() -> None:
    assert read_csv(render_csv(sample_report())["asb-appeals.csv"]) == [["Outcome", "Appeals"]]


def test_two_tables_with_one_id_are_refused() -> None:
    report = sample_report()
    with pytest.raises(ValueError, match="caseload.csv"):
        render_csv(replace(report, tables=(report.tables[0], report.tables[0])))


def test_the_zip_holds_every_csv_and_a_summary_with_fixed_metadata() -> None:
    report = sample_report(publishable=True)
    archive = zipfile.ZipFile(io.BytesIO(render_zip(report)))
    csvs = render_csv(report)
    assert archive.namelist() == sorted([*csvs, "report.txt"])
    for info in archive.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.external_attr >> 16 == 0o100644
    for name, data in csvs.items():
        assert archive.read(name) == data
    summary = archive.read("report.txt").decode("utf-8")
    assert summary.startswith("Community safety reviews: quarterly board report\n")
    for line in (
        "Scope: Safer Cumbria",
        "Partnerships: Cumberland Community Safety Partnership, Westmorland and Furness Community Safety Partnership",
        "Period: 1 January to 31 March 2026 (2026-01-01 to 2026-03-31)",
        "As known at: 7 April 2026, 09:30 BST (2026-04-07T08:30:00 UTC)",
        "As at: 31 March 2026, 23:59 BST (2026-03-31T22:59:59 UTC)",
        "Publishable: yes",
        "Counts under 5 are shown as <5.",
        "  - Working days exclude weekends and bank holidays in England.",
    ):
        assert line in summary.splitlines()


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (1234, "count", "1,234"),
        (0, "count", "0"),
        (1234567, "count", "1,234,567"),
        (87.5, "percent", "87.5%"),
        (100, "percent", "100.0%"),
        (33.33333, "percent", "33.3%"),
        (12.5, "days", "13"),  # whole days, half up
        (9.4, "days", "9"),
        (30.25, "hours", "30.3"),  # half up, as people round
        (201, "days", "201"),
        (1234.0, "days", "1,234"),
        (1234, "money", "£1,234"),
        (1234.5, "money", "£1,235"),
        (-50, "money", "-£50"),
        (None, "count", "–"),
        (None, "percent", "–"),
        ("<5", "count", "<5"),
        ("Cumbria Constabulary", "text", "Cumbria Constabulary"),
    ],
)
def test_values_are_formatted_by_column_kind(value: object, kind: str, shown: str) -> None:
    assert format_value(value, kind) == shown


def test_times_are_shown_in_london_time_in_summer_and_in_winter() -> None:
    assert format_instant("2026-04-07T08:30:00") == "7 April 2026, 09:30 BST"
    assert format_instant("2026-01-15T08:30:00+00:00") == "15 January 2026, 08:30 GMT"
    assert format_period({"from": "2025-10-01", "to": "2026-03-31"}) == "1 October 2025 to 31 March 2026"


def test_table_cells_show_formatted_numbers_right_aligned() -> None:
    page = Page(html_of(sample_report()))
    cells = page.text("td", **{"class": "num"})
    for shown in ("77.3%", "32", "£4,850", "£6,050", "201", "52.5"):
        assert shown in cells
    nil = page.text("td", **{"class": "num nil"})
    assert nil.count("–") == 8  # timeliness 3, trend 2, overdue returns 2, encampment costs 1
    table = Table("big", "S", "Big", (Column("n", "Cases"),), ({"n": 1234567},))
    assert '<td class="num">1,234,567</td>' in html_of(one_table_report(table))


# --------------------------------------------------------------------------- the HTML document


def test_the_page_is_a_self_contained_html5_document_in_british_english() -> None:
    markup = html_of(sample_report())
    page = Page(markup)
    assert page.doctype.lower() == "doctype html"
    assert page.find("html")[0][1]["lang"] == "en-GB"
    assert page.find("meta", charset="utf-8")
    assert page.text("title")[0] == "Community safety reviews: quarterly board report – Safer Cumbria"
    assert not page.find("script") and not page.find("link") and not page.find("img")
    assert not re.search(r"(src|href)=\"(?!#)", markup), "a reference outside the file"
    assert "url(http" not in markup and "@import" not in markup
    ids = [attrs["id"] for _, attrs, _ in page.elements if "id" in attrs]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for _, attrs, _ in page.find("a"):
        assert attrs["href"][1:] in ids, f"a link to a missing anchor {attrs['href']}"


def test_the_header_says_what_when_and_for_whom() -> None:
    page = Page(html_of(sample_report()))
    assert page.text("h1") == ["Community safety reviews: quarterly board report"]
    meta = dict(zip(page.text("dt"), page.text("dd"), strict=True))
    assert meta["Scope"] == "Safer Cumbria"
    assert meta["Partnerships"] == (
        "Cumberland Community Safety PartnershipWestmorland and Furness Community Safety Partnership"
    )
    assert meta["Period"] == "1 January to 31 March 2026"
    assert meta["As known at"].startswith("7 April 2026, 09:30 BST")
    assert meta["As at"].startswith("31 March 2026, 23:59 BST")


def test_the_publishable_version_says_small_counts_are_suppressed() -> None:
    published = Page(html_of(sample_report(publishable=True)))
    notice = published.text("p", **{"class": "notice"})
    assert notice and "Counts under 5 are shown as “<5”" in notice[0]
    restricted = Page(html_of(sample_report()))
    assert not restricted.find("p", **{"class": "notice"})
    assert "Not for publication." in restricted.text("p", **{"class": "notice restricted"})[0]


def test_sections_come_in_the_order_tables_first_name_them() -> None:
    report = sample_report()
    a, b, c = report.tables[:3]
    interleaved = replace(
        report,
        tables=(replace(a, section="Beta"), replace(b, section="Alpha"), replace(c, section="Beta")),
        charts=(),
    )
    page = Page(html_of(interleaved))
    assert page.text("h2") == ["Contents", "1 Beta", "2 Alpha", "About these figures"]
    markup = html_of(interleaved)
    assert markup.index('data-table="timeliness"') < markup.index('data-table="dardr-pipeline"')


def test_every_table_and_chart_is_there_with_its_caption_and_note() -> None:
    report = sample_report()
    markup = html_of(report)
    page = Page(markup)
    captions = page.text("caption")
    for number, table in enumerate(report.tables, start=1):
        assert len(page.find("table", **{"data-table": table.id})) == 1
        assert f"Table {number} {table.title}" in captions
    assert "Net of pauses: a deadline moves on" in " ".join(page.text("p", **{"class": "note"}))
    for chart in report.charts:
        assert len(page.find("svg", **{"data-chart": chart.id})) == 1
    # Each figure comes before the table it is drawn from, and links to it.
    assert markup.index('data-chart="overdue-chart"') < markup.index('data-table="overdue-returns-by-agency"')
    assert page.find("a", href="#table-5")


def test_each_chart_is_an_accessible_image_and_well_formed_svg() -> None:
    report = sample_report(publishable=True)
    markup = html_of(report)
    page = Page(markup)
    for chart in report.charts:
        (_, attrs, _), = page.find("svg", **{"data-chart": chart.id})
        assert attrs["role"] == "img"
        assert chart.title in attrs["aria-label"]
        svg = svg_of(markup, chart.id)
        assert svg.find(f"{SVG}title") is not None and svg.find(f"{SVG}title").text == chart.title
        assert "nan" not in ElementTree.tostring(svg, encoding="unicode").lower()


def test_series_are_told_apart_without_colour() -> None:
    markup = html_of(sample_report())
    bars = svg_of(markup, "actions-chart")
    patterns = bars.findall(f".//{SVG}pattern")
    assert len(patterns) == 2  # the 2nd and 3rd series are hatched; the 1st is solid
    fills = {r.get("fill") for r in bars.iter(f"{SVG}rect") if r.get("width") == "14"}  # legend swatches
    assert len(fills) == 3
    lines = svg_of(markup, "trend-chart")
    dashes = {p.get("stroke-dasharray") for p in lines.iter(f"{SVG}path") if " L" in (p.get("d") or "")}
    assert dashes == {None, "7 4"}
    markers = {child.tag for child in lines if child.tag in (f"{SVG}circle", f"{SVG}rect")}
    assert markers == {f"{SVG}circle", f"{SVG}rect"}


def test_bars_carry_their_values_and_total_rows_are_not_drawn() -> None:
    markup = html_of(sample_report())
    caseload = texts(svg_of(markup, "caseload-chart"))
    for value in ("3", "2", "27", "25", "11", "12"):
        assert value in caseload
    assert "Total" not in caseload and "41" not in caseload
    pipeline = texts(svg_of(markup, "pipeline-chart"))
    stages = ["Notified", "Scoping", "Under review", "Home Office qualityassurance", "Awaiting publication"]
    values = pipeline[pipeline.index("3") + 1:pipeline.index("Notified")]  # after the axis's 0..3
    # each stage: its segments' values (zeros unlabelled), then the stack's total above the bar
    assert values == ["1", "1", "1", "1", "2", "2", "1", "3", "1", "1", "2", "2", "2"]
    assert pipeline[-5:] == stages
    overdue = texts(svg_of(markup, "overdue-chart"))
    assert "Cumbria Constabulary" in overdue and "Home Group" in overdue


def test_a_percent_line_runs_from_0_to_100_and_breaks_where_there_is_no_value() -> None:
    markup = html_of(sample_report())
    svg = svg_of(markup, "trend-chart")
    labels = texts(svg)
    assert "0%" in labels and "100%" in labels
    assert "87.5%" in labels and "71.4%" in labels
    runs = [p for p in svg.iter(f"{SVG}path") if " L" in (p.get("d") or "")]
    assert len(runs) == 4  # two series, each broken by the quarter without a value
    assert "–: no value, not drawn." in Page(markup).text("p", **{"class": "chart-key"})


def test_suppressed_counts_are_marked_not_drawn() -> None:
    markup = html_of(sample_report(publishable=True))
    svg = svg_of(markup, "overdue-chart")
    assert texts(svg).count("<5") == 4
    drawn = [r for r in svg.iter(f"{SVG}rect") if float(r.get("width", "0")) > 0]
    assert drawn == []  # the two zeros have no width and the four suppressed are not drawn
    page = Page(markup)
    assert "<5: a small count, suppressed and not drawn." in page.text("p", **{"class": "chart-key"})
    assert "<5" in page.text("td", **{"class": "num sup"})
    unsuppressed = svg_of(html_of(sample_report()), "overdue-chart")
    assert len([r for r in unsuppressed.iter(f"{SVG}rect") if float(r.get("width", "0")) > 0]) == 4


def test_an_empty_table_says_so_in_the_table_and_the_chart() -> None:
    markup = html_of(sample_report())
    page = Page(markup)
    assert page.text("td", **{"class": "empty"}) == ["No cases in this period"]
    svg = svg_of(markup, "appeals-chart")
    assert texts(svg) == ["No cases in this period"]
    assert "No cases in this period" in page.find("svg", **{"data-chart": "appeals-chart"})[0][1]["aria-label"]


@pytest.mark.parametrize(("kind", "zeros"), [("bar", 4 + 1), ("hbar", 4), ("line", 2 + 1)])
def test_all_zero_data_draws_zeros(kind: str, zeros: int) -> None:
    """Every value labelled (where two lines meet, once), plus the axis's 0 tick where there is one."""
    table = Table("zeros", "S", "Zeros", (Column("k", "Kind", "text"), Column("a", "A"), Column("b", "B")),
                  ({"k": "One", "a": 0, "b": 0}, {"k": "Two", "a": 0, "b": 0}))  # fmt: skip
    chart = Chart("zeros-chart", "Zeros", kind, "zeros", "k", ("a", "b"))
    svg = svg_of(html_of(one_table_report(table, chart)), "zeros-chart")
    assert texts(svg).count("0") == zeros
    assert "nan" not in ElementTree.tostring(svg, encoding="unicode").lower()


@pytest.mark.parametrize("stacked", [False, True])
@pytest.mark.parametrize("kind", ["bar", "hbar"])
def test_stacked_and_grouped_bars_draw_every_value(kind: str, stacked: bool) -> None:
    table = Table("t", "S", "T", (Column("k", "Kind", "text"), Column("a", "A"), Column("b", "B")),
                  ({"k": "One", "a": 40, "b": 30}, {"k": "Two", "a": 20, "b": 60}))  # fmt: skip
    chart = Chart("c", "C", kind, "t", "k", ("a", "b"), stacked=stacked)
    svg = svg_of(html_of(one_table_report(table, chart)), "c")
    bars = [r for r in svg.iter(f"{SVG}rect") if r.get("stroke-width") == "0.75"]
    assert len(bars) == 4 + 2  # four bars and two legend swatches
    shown = texts(svg)
    for value in ("40", "30", "20", "60"):
        assert value in shown
    if stacked:
        assert "70" in shown and "80" in shown  # totals


def test_strings_are_escaped_everywhere() -> None:
    evil = '<script>alert("x")</script> & \'quotes\''
    table = Table(
        "t<1>", evil, evil,
        (Column("k", evil, "text"), Column("n", "Cases")),
        ({"k": evil, "n": 3}, {"k": "Other", "n": evil}),
        note=evil,
    )  # fmt: skip
    chart = Chart("c\"1", evil, "hbar", "t<1>", "k", ("n",))
    report = one_table_report(
        table, chart, title=evil, notes=(evil,), scope={"kind": "partnership", "name": evil, "partnerships": []}
    )
    markup = html_of(report)
    assert "<script>" not in markup
    page = Page(markup)
    assert not page.find("script")
    assert page.text("h1") == [evil]
    assert page.find("table", **{"data-table": "t<1>"})
    assert page.find("svg", **{"data-chart": 'c"1'})
    assert evil in page.text("th", scope="row")
    svg = svg_of(markup, 'c"1')
    assert svg.find(f"{SVG}title").text == evil
    assert any(t.startswith("<script>alert(") for t in texts(svg))  # drawn as text
    assert "</style>" not in markup.split("<style>", 1)[1].split("</style>", 1)[0]


def test_a_chart_of_a_missing_table_or_of_an_unknown_kind_is_refused() -> None:
    report = sample_report()
    with pytest.raises(ValueError, match="no-such-table"):
        render_html(replace(report, charts=(Chart("x", "X", "bar", "no-such-table", "k", ("n",)),)))
    with pytest.raises(ValueError, match="pie"):
        render_html(replace(report, charts=(Chart("x", "X", "pie", "caseload", "type", ("opened",)),)))


def test_the_page_prints_on_a4_with_tables_kept_together() -> None:
    markup = html_of(sample_report())
    style = markup.split("<style>", 1)[1].split("</style>", 1)[0]
    assert re.search(r"@page \{\s*size: A4;\s*margin: 14mm;", style)
    assert "thead { display: table-header-group; }" in style
    assert ".table-wrap.keep { break-inside: avoid; }" in style
    assert "figure { margin: 0 0 14px; break-inside: avoid; }" in style
    assert "width: 210mm" in style
    page = Page(markup)
    kept = page.find("div", **{"class": "table-wrap keep"})
    assert len(kept) == len(sample_report().tables)  # all small
