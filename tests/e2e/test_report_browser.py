"""The board report's HTML in a real browser (headless Chromium): it loads, the charts and tables
are in the page Chromium built, it renders to a screen (a screenshot kept in test-artifacts/) and
it prints on A4."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from application.reporting.render_html import render_html
from tests.browser import (
    A4_WINDOW,
    ARTIFACTS,
    chromium_or_skip,
    dump_dom,
    pdf_page_count,
    pdf_page_sizes,
    png_distinct_rows,
    png_size,
    print_to_pdf,
    screenshot,
)
from tests.unit.report_sample import sample_report

A4_POINTS = (595.28, 841.89)


@pytest.fixture(scope="module")
def browser() -> str:
    return chromium_or_skip()


def write_page(directory: Path, publishable: bool = False) -> Path:
    page = directory / "board-report.html"
    page.write_bytes(render_html(sample_report(publishable)))
    return page


@pytest.mark.parametrize("publishable", [False, True])
def test_chromium_builds_every_chart_and_table(browser: str, tmp_path: Path, publishable: bool) -> None:
    report = sample_report(publishable)
    dom = dump_dom(write_page(tmp_path, publishable))
    assert "<h1>Community safety reviews: quarterly board report</h1>" in dom
    for chart in report.charts:
        svg = re.search(rf'<svg [^>]*data-chart="{re.escape(chart.id)}"[^>]*>(.*?)</svg>', dom, re.S)
        assert svg, f"chart {chart.id} is not in the page Chromium built"
        assert 'role="img"' in svg.group(0) and "<title>" in svg.group(1)
        assert "<text" in svg.group(1)
    for table in report.tables:
        assert re.search(rf'<table [^>]*data-table="{re.escape(table.id)}"', dom), f"table {table.id} is missing"
    # Chromium puts what it cannot parse elsewhere: the figures are still where they were written.
    assert dom.index('data-chart="overdue-chart"') < dom.index('data-table="overdue-returns-by-agency"')


def test_the_page_renders_to_a_screen(browser: str, tmp_path: Path) -> None:
    out = ARTIFACTS / "board-report-sample.png"
    png = screenshot(write_page(tmp_path), out)
    assert png_size(png) == A4_WINDOW
    assert len(png) > 50_000, "the screenshot is too small to hold a rendered report"
    # A blank or one-colour page has a handful of different pixel rows; the report has hundreds.
    assert png_distinct_rows(png) > 300


def test_the_page_prints_on_a4(browser: str, tmp_path: Path) -> None:
    pdf = print_to_pdf(write_page(tmp_path), tmp_path / "board-report.pdf")
    pages = pdf_page_count(pdf)
    sizes = pdf_page_sizes(pdf)
    assert pages >= 2  # the sample does not fit on one page
    assert len(sizes) == pages
    for width, height in sizes:
        assert abs(width - A4_POINTS[0]) <= 1 and abs(height - A4_POINTS[1]) <= 1, (width, height)


def test_the_demo_board_report_renders_with_its_charts(browser: str, tmp_path: Path) -> None:
    """The report `caseledger demo` writes for Safer Cumbria, as a board member opens it."""
    from tests.e2e.support import Cli

    summary = Cli(f"sqlite:///{tmp_path}/unused.db", tmp_path).json("demo", "--out", "out")
    county = summary["reports"]["files"][0]
    assert county["scope"] == "Safer Cumbria"
    page = tmp_path / county["html"]
    dom = dump_dom(page)
    for chart in ("pipeline", "timeliness_trend", "caseload_trend", "overdue_by_agency"):
        svg = re.search(rf'<svg [^>]*data-chart="{chart}"[^>]*>(.*?)</svg>', dom, re.S)
        assert svg, f"chart {chart} is not in the page Chromium built"
        drawn = "<path" if chart == "timeliness_trend" else "<rect"
        assert drawn in svg.group(1), f"chart {chart} draws nothing"
    assert "Cumbria Constabulary" in dom and "Safer Cumbria" in dom
    png = screenshot(page, ARTIFACTS / "board-report-demo.png", (A4_WINDOW[0], 8000))
    assert png_size(png) == (A4_WINDOW[0], 8000) and png_distinct_rows(png) > 500
    pdf = print_to_pdf(page, tmp_path / "demo.pdf")
    assert pdf_page_count(pdf) >= 4
    assert all(abs(w - A4_POINTS[0]) < 1.5 and abs(h - A4_POINTS[1]) < 1.5 for w, h in pdf_page_sizes(pdf))
