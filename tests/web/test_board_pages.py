"""The board member's pages, on both backends: choosing a board report, reading it with its
charts, changing the period, downloading its CSV and printable files, the publishable version,
the report as known at an instant unchanged by a later fact, the ASB annual figures; a board
member of another partnership refused, and no case pages for a board member."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from application.principals import Grant, Role
from application.service import Meta
from domain.setup import Partnership
from tests.e2e.http_support import live_server
from tests.integration.support import notify
from tests.web.support import axe_violations, person, screenshot, sign_in

BOARD = Grant(Role.BOARD_MEMBER, partnership="cumberland")
Q3 = "1 July 2026 to 30 September 2026"


def follow(page: Any, target: Any) -> None:
    """Click a link or button and wait for the page it leads to (an assertion must not read
    the page it left)."""
    with page.expect_navigation():
        target.click()


def caseload(page: Any) -> str:
    return str(page.locator("table[data-table=caseload]").inner_text())


def fill_date(page: Any, legend: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_a_board_member_reads_the_board_report(browser: Any, database_url: str,
                                               tmp_path: Path) -> None:
    with live_server(database_url) as server:
        reference = notify(server.services, on="2026-08-10")
        server.services.catch_up()
        bob = person(server, "bob", BOARD)

        # Given a board member, when they open Reports, then what they may read and the choices
        page = sign_in(browser, server, bob, path="/reports")
        assert page.title() == "Reports – caseledger"
        assert page.locator("#readable").inner_text().strip() == "Cumberland CSP"
        group = page.get_by_role("group", name="First day of the period")
        assert group.get_by_label("Month").input_value() == "7"  # the last full quarter
        assert axe_violations(page) == []
        screenshot(page, "reports-choose")

        # When they show the report, then its figures in tables and its charts in the page
        follow(page, page.get_by_role("button", name="Show report"))
        assert Q3 in page.locator("h1").inner_text()
        assert page.locator("svg[data-chart]").count() >= 3
        assert page.locator("table[data-table]").count() >= 10
        assert "Not for publication" in page.locator("main").inner_text()
        assert reference not in page.content() and "Anna" not in page.content()
        before = caseload(page)
        assert axe_violations(page) == []
        screenshot(page, "board-report")
        link = page.get_by_role("link", name="Link to this report as known at")
        exact = f"{server.url}{link.get_attribute('href')}"
        assert "as_known_at=" in exact

        # When they download the CSV, then a zip of the report's tables, figures as shown
        with page.expect_download() as downloaded:
            page.get_by_role("link", name="Download CSV").click()
        assert downloaded.value.suggested_filename == \
            "cumberland-board-report-2026-07-01-to-2026-09-30.zip"
        saved = tmp_path / "report.zip"
        downloaded.value.save_as(saved)
        with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
            assert "caseload.csv" in archive.namelist()
        with page.expect_download() as printable:
            page.get_by_role("link", name="Printable version").click()
        printed = tmp_path / "report.html"
        printable.value.save_as(printed)
        assert "<svg" in printed.read_text(encoding="utf-8")

        # When they ask for the publishable version, then small numbers are suppressed
        follow(page, page.get_by_role("link", name="Publishable version"))
        assert "For publication" in page.locator("main").inner_text()
        assert "<5" in caseload(page)

        # When they change the period, then the report for it
        page.get_by_text("Change the period, date or version").click()
        fill_date(page, "First day of the period", "1", "1", "2026")
        fill_date(page, "Last day of the period", "31", "3", "2026")
        page.get_by_label("Full version (not for publication)").check()
        follow(page, page.get_by_role("button", name="Show report"))
        assert "1 January 2026 to 31 March 2026" in page.locator("h1").inner_text()

        # When a later fact is recorded, then the report as known at the instant is unchanged
        server.clock.set(server.clock.current + timedelta(minutes=5))
        notify(server.services, on="2026-09-01")
        server.services.catch_up()
        page.goto(exact)
        assert caseload(page) == before
        page.goto(f"{server.url}/reports/board?partnership=cumberland&from=2026-07-01&to=2026-09-30")
        assert caseload(page) != before

        # When the as-known-at date is in the future, then the error in the GOV.UK pattern
        page.goto(f"{server.url}/reports")
        fill_date(page, "As known at (optional)", "1", "1", "2027")
        follow(page, page.get_by_role("button", name="Show report"))
        assert page.title().startswith("Error: ")
        assert "in the future" in page.locator(".govuk-error-summary").inner_text()
        assert axe_violations(page) == []

        # The statutory annual ASB figures
        follow(page, page.get_by_role("link", name="ASB Case Review annual figures"))
        assert "Applications for an ASB Case Review received" in page.locator("#asb-annual").inner_text()
        assert axe_violations(page) == []


def test_what_a_board_member_may_not_read(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        ctx = server.services.cases.context(Meta(actor="admin", on="2024-04-01"))
        server.services.app.save(Partnership.register(ctx, "westmorland", "WAF",
                                                      "Westmorland and Furness CSP"))
        reference = notify(server.services, on="2026-08-10")
        server.services.catch_up()
        wendy = person(server, "wendy", Grant(Role.BOARD_MEMBER, partnership="westmorland"))
        page = sign_in(browser, server, wendy, path="/reports")
        assert page.locator("#readable").inner_text().strip() == "Westmorland and Furness CSP"

        # Given a board member of another partnership, then Cumberland's report is refused
        response = page.goto(f"{server.url}/reports/board?partnership=cumberland"
                             "&from=2026-07-01&to=2026-09-30")
        assert response is not None and response.status == 403
        assert "outside your role" in page.locator("main").inner_text()
        assert axe_violations(page) == []
        csv = page.request.get(f"{server.url}/reports/board?partnership=cumberland"
                               "&from=2026-07-01&to=2026-09-30&format=csv")
        assert csv.status == 403

        # A board member opens no case page, and the API shows them no case
        bob = person(server, "bob", BOARD)
        page = sign_in(browser, server, bob)
        response = page.goto(f"{server.url}/cases/{reference}")
        assert response is not None and response.status in (403, 404)
        assert page.request.get(f"{server.url}/api/v1/cases/{reference}").status == 404

