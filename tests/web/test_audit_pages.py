"""The auditor's pages, on both backends: a case's history, the case as known at an instant
beside now with the difference highlighted, the access log holding the reads just made, the
integrity chain verified, an export downloaded with its purpose (from the keyboard alone); and
the audit pages refused to a coordinator and to an auditor of another partnership."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

from application.commands import NotifyDeath
from application.commands.common import RequestReturn
from application.principals import Grant, Role
from application.service import Meta
from tests.e2e.http_support import Server, live_server
from tests.web.support import axe_violations, person, screenshot, sign_in

PSEUDONYM = "Orrin Velasquith"  # a victim pseudonym seen nowhere else
AUDITOR = Grant(Role.AUDITOR, partnership="cumberland")


def follow(page: Any, target: Any) -> None:
    """Click a link or button and wait for the page it leads to (an assertion must not read
    the page it left, which may hold the same element)."""
    with page.expect_navigation():
        target.click()


def opened_review(server: Server) -> str:
    """Given: a DARDR review notified at the server's time (12:00 on 22 November 2026)."""
    opened = server.services.cases.open(NotifyDeath(
        partnership="cumberland", date_of_death="2026-11-10", victim_pseudonym=PSEUDONYM,
        notified_by="cumbria-police", relationship="intimate-partner", death_type="homicide"),
        Meta(actor="cora", on="2026-11-16"))
    server.services.catch_up()
    return opened.reference


def test_an_auditor_reads_history_travels_in_time_checks_the_chain_and_exports(
        browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        ref = opened_review(server)
        # … and two hours later, a return asked of the police: after the instant looked at
        server.clock.set(server.clock.current + timedelta(hours=2))
        server.services.cases.execute(ref, RequestReturn(agency="cumbria-police", kind="scoping"),
                                      Meta(actor="cora"))
        server.services.catch_up()
        page = sign_in(browser, server, person(server, "audrey", AUDITOR))
        seen: list[str] = []

        # The start page: find the case by its reference
        follow(page, page.get_by_role("link", name="Audit").first)
        assert page.title() == "Audit – caseledger"
        assert ref in page.get_by_role("table").inner_text()  # among the cases they audit
        assert axe_violations(page) == []
        follow(page, page.get_by_role("button", name="Find case"))
        assert "Enter a case reference" in page.locator(".govuk-error-summary").inner_text()
        page.get_by_label("Find a case by its reference").fill(ref.lower())
        follow(page, page.get_by_role("button", name="Find case"))

        # Its history: every recorded fact, with its times and actor
        assert page.url == f"{server.url}/audit/cases/{ref}"
        history = page.locator("#history").inner_text()
        assert "Death notified" in history and "Return requested" in history and "cora" in history
        assert "2026-11-22 14:00:00 GMT" in history  # when the request was recorded
        assert axe_violations(page) == []
        screenshot(page, "audit-history")
        seen.append(page.content())

        # The case as known at 13:00, beside now: the return asked later is highlighted
        follow(page, page.get_by_role("link", name="As at a time"))
        page.get_by_label("As known at").check()
        page.get_by_label("Date, or date and time").fill("22 November")
        follow(page, page.get_by_role("button", name="Show the case"))
        assert page.title().startswith("Error: ")
        assert axe_violations(page) == []
        page.get_by_label("Date, or date and time").fill("2026-11-22T13:00")
        follow(page, page.get_by_role("button", name="Show the case"))
        changed = page.locator("#comparison tr", has=page.locator(".app-difference"))
        assert changed.count() >= 2  # the version and the return at least
        returned = page.locator("#comparison tr", has_text="Return: Scoping response from Cumbria Police")
        assert "(changed)" in returned.inner_text() and "—" in returned.inner_text()
        assert "requested" in returned.locator("td").nth(1).inner_text()
        unchanged = page.locator("#comparison tr", has_text="Opened on")
        assert unchanged.locator(".app-difference").count() == 0
        assert axe_violations(page) == []
        screenshot(page, "audit-time-travel")
        seen.append(page.content())

        # The access log holds the reads just made
        follow(page, page.get_by_role("link", name="Access log").first)
        log = page.locator("#access-log").inner_text()
        assert "history" in log and "show --as-known-at 2026-11-22T13:00" in log and "audrey" in log
        page.get_by_label("Outcome").select_option("denied")
        follow(page, page.get_by_role("button", name="Filter"))
        assert "Nothing matches these filters" in page.locator("#access-log").inner_text()
        page.get_by_label("Outcome").select_option("read")
        follow(page, page.get_by_role("button", name="Filter"))
        assert axe_violations(page) == []
        screenshot(page, "audit-access-log")

        # The integrity chain: the anchor, and verified now
        page.goto(f"{server.url}/audit/chain")
        events = int(page.locator("#anchor dd").nth(2).inner_text())
        follow(page, page.get_by_role("button", name="Verify now"))
        banner = page.locator(".govuk-notification-banner").inner_text()
        assert "The chain is intact" in banner and f"Verified {events} recorded events" in banner
        assert axe_violations(page) == []
        screenshot(page, "audit-chain")

        # An export needs its purpose; given one, from the keyboard alone, it downloads
        page.goto(f"{server.url}/audit/cases/{ref}/export")
        follow(page, page.get_by_role("button", name="Download export"))
        assert "Enter why you are exporting the case" in page.locator(".govuk-error-summary").inner_text()
        assert axe_violations(page) == []
        page.get_by_label("Why are you exporting this case?").focus()
        page.keyboard.type("Home Office QA request 2026/14")
        page.keyboard.press("Tab")  # the personal data box, left unticked
        page.keyboard.press("Tab")
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        assert download.value.suggested_filename == f"{ref}-export.zip"
        with zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())) as archive:
            history_json = json.loads(archive.read(f"{ref}/history.json"))
            assert [row["event"] for row in history_json["rows"]][-1] == "ReturnRequested"
            assert PSEUDONYM not in "".join(archive.read(n).decode() for n in archive.namelist())
        # Ticked, the personal data comes in personal.json
        page.get_by_label("Include the case's personal data").check()
        with page.expect_download() as download:
            page.get_by_role("button", name="Download export").click()
        with zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())) as archive:
            assert PSEUDONYM in archive.read(f"{ref}/personal.json").decode()
        page.goto(f"{server.url}/audit/access?case={ref}")
        exported = page.locator("#access-log tr", has_text="Home Office QA request 2026/14")
        assert sorted(" with personal data" in row for row in exported.all_inner_texts()) == [
            False, True]
        seen.append(page.content())
        assert all(PSEUDONYM not in html for html in seen)


def test_the_audit_pages_are_refused_to_others(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        ref = opened_review(server)

        # A coordinator works the case but does not audit it: 403 pages, the attempt recorded
        cora = sign_in(browser, server, person(server, "cora", Grant(Role.COORDINATOR,
                                                                     partnership="cumberland")))
        for path in ("/audit", f"/audit/cases/{ref}", f"/audit/cases/{ref}/as-at",
                     "/audit/access", "/audit/chain", f"/audit/cases/{ref}/export"):
            response = cora.goto(f"{server.url}{path}")
            assert response is not None and response.status == 403, path
            assert cora.title() == "Not allowed – caseledger"
        assert axe_violations(cora) == []

        # An auditor of another partnership: the case does not exist for them
        other = sign_in(browser, server, person(server, "otto", Grant(Role.AUDITOR,
                                                                      partnership="westmorland")))
        response = other.goto(f"{server.url}/audit/cases/{ref}")
        assert response is not None and response.status == 404
        assert PSEUDONYM not in other.content()
        other.goto(f"{server.url}/audit/access")
        assert ref not in other.locator("#access-log").inner_text()
        denied = server.services.audit.access(case=ref, outcome="denied")
        assert {(d["actor"], d["what"]) for d in denied} == {
            ("cora", "history"), ("cora", "show as at"), ("cora", "export"), ("otto", "history")}
