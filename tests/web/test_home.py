"""The home page, on both backends: a coordinator's and a hub officer's "what needs doing today"
(overdue and due within 10 working days, by case, with the reminders already sent), other roles'
links to their areas, no personal data, WCAG 2.2 AA (axe-core)."""

from __future__ import annotations

from typing import Any

from application.principals import Grant, Role
from application.service import Meta
from tests.e2e.http_support import live_server
from tests.web.support import axe_violations, follow, person, screenshot, sign_in
from tests.web.test_case_pages import APPLICANT, COORDINATOR, VICTIM, open_asb, open_dardr


def test_home_shows_what_is_overdue_and_due_soon_by_case(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:  # the clock: Sun 22 Nov 2026, 12:00 UTC
        services = server.services
        overdue = open_dardr(services, "2026-10-01", VICTIM)  # decision due Sun 1 Nov: 21 days overdue
        soon = open_dardr(services, "2026-10-30")  # decision due Mon 30 Nov: within 10 working days
        later = open_dardr(services, "2026-11-20")  # decision due 20 Dec: not yet
        asb = open_asb(services, "2026-11-18")
        services.reminders.run(Meta(actor="system:scheduler"))  # as the scheduler would
        services.catch_up()

        page = sign_in(browser, server, person(server, "anna", COORDINATOR))
        assert page.title() == "Home – caseledger"
        main = page.locator("main")
        assert main.get_by_role("heading", name="What needs doing today").count() == 1
        cases = main.locator("section")
        first = cases.nth(0).inner_text()
        assert first.startswith(overdue)  # the most overdue first
        assert "DARDR" in first and "Death notified" in first
        assert "Decision on whether to hold a review" in first and "Overdue" in first
        assert "21" in first and "2026-11-01" in first and "Cumberland CSP" in first
        assert "10 working days after the due date, sent" in first  # the reminder already sent
        due_soon = main.locator("section", has_text=soon).inner_text()
        assert "Due soon" in due_soon and "2026-11-30" in due_soon and "None sent" in due_soon
        assert main.locator("section", has_text=asb).count() == 1
        assert later not in main.inner_text()
        assert VICTIM not in page.content() and APPLICANT not in page.content()
        assert axe_violations(page) == []
        screenshot(page, "home-coordinator")
        follow(page, page.get_by_role("link", name=overdue))
        assert page.url == f"{server.url}/cases/{overdue}"

        # A hub officer: their hub's ASB case, never a DARDR
        officer = sign_in(browser, server, person(server, "hugo", Grant(
            Role.HUB_OFFICER, partnership="cumberland", hub="allerdale")))
        text = officer.locator("main").inner_text()
        assert asb in text and overdue not in text and soon not in text

        # An agency contact: a link to their area, nothing to do on cases here
        contact = sign_in(browser, server, person(server, "paula", Grant(
            Role.AGENCY_CONTACT, agency="cumbria-police")))
        assert contact.locator("main").get_by_role("link", name="Requests to my agency") \
            .get_attribute("href") == "/agency"
        assert "What needs doing today" not in contact.locator("main").inner_text()
        assert axe_violations(contact) == []


def test_home_shows_the_most_overdue_cases_and_counts_the_rest(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        # Given 27 overdue decisions, notified a day apart (the earliest is the most overdue)
        refs = [open_dardr(server.services, f"2026-09-{day:02d}") for day in range(1, 28)]
        server.services.catch_up()
        page = sign_in(browser, server, person(server, "anna", COORDINATOR))
        main = page.locator("main")
        shown = [s.locator("h3").inner_text().strip() for s in main.locator("section").all()]
        assert shown == refs[:25]  # the 25 most overdue, most overdue first
        assert "27 overdue deadlines and 0 due in the next 10 working days, across 27 cases" in main.inner_text()
        assert "these are the 25 most overdue" in main.inner_text()
        main.get_by_role("link", name="case list").click()
        page.wait_for_url(f"{server.url}/cases")
