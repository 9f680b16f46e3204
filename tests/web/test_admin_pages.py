"""The administrator's pages, on both backends: the set-up with its policy versions in force
when; adding a user with a role (by keyboard alone) whose shown secrets sign them in; giving
and taking away a role; disabling them so that they can no longer sign in; a coordinator
refused."""

from __future__ import annotations

from typing import Any

from application.principals import Grant, Role
from application.service import Meta
from tests.e2e.http_support import Server, live_server
from tests.web.support import Person, axe_violations, new_page, person, screenshot, sign_in


def follow(page: Any, target: Any) -> None:
    """Click a link or button and wait for the page it leads to (an assertion must not read
    the page it left)."""
    with page.expect_navigation():
        target.click()


def adopt_two_policy_versions(server: Server) -> None:
    cases = server.services.cases
    for on, version, threshold in (("2024-04-01", "2024-1", "6"), ("2026-06-01", "2026-1", "10")):
        cumberland = cases.partnership("cumberland")
        cumberland.adopt_policy(cases.context(Meta(actor="admin", on=on)), "dardr", version,
                                {"suppress_below": threshold}, {})
        server.services.app.save(cumberland)
    server.services.catch_up()


def tab_to(page: Any, selector: str, most: int = 40) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_an_administrator_manages_users_and_reads_the_setup(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        adopt_two_policy_versions(server)
        ada = person(server, "ada", Grant(Role.ADMINISTRATOR))
        page = sign_in(browser, server, ada, path="/admin")
        assert page.title() == "Administration – caseledger"
        assert axe_violations(page) == []

        # The set-up: partnerships, hubs, policy versions shown as what is in force when, agencies
        follow(page, page.get_by_role("link", name="Partnerships and agencies").first)
        policies = page.locator("#policies-cumberland").inner_text()
        assert "From 2024-04-01 to 2026-05-31" in policies
        assert "From 2026-06-01 until replaced" in policies and "In force" in policies
        assert "allerdale" in page.locator("#hubs-cumberland").inner_text()
        assert "Cumbria Police" in page.locator("#agencies").inner_text()
        assert axe_violations(page) == []
        screenshot(page, "admin-partnerships")

        # Users: the list, and the form's errors in the GOV.UK pattern
        follow(page, page.get_by_role("link", name="Users").first)
        assert "Administrator" in page.locator("#users").inner_text()
        assert axe_violations(page) == []
        follow(page, page.get_by_role("button", name="Add a user"))
        assert axe_violations(page) == []
        follow(page, page.get_by_role("button", name="Add user"))
        assert page.title().startswith("Error: ")
        summary = page.locator(".govuk-error-summary").inner_text()
        assert "Enter a username" in summary and "Choose a role" in summary
        assert axe_violations(page) == []

        # When they add a user by keyboard alone, then the secrets, shown once
        page.get_by_label("Username").focus()
        page.keyboard.type("bea")
        page.keyboard.press("Tab")
        page.keyboard.type("Bea Example")
        page.keyboard.press("Tab")
        page.keyboard.type("bea@example.test")
        tab_to(page, "#role")
        page.keyboard.type("Board member")
        assert page.locator("#role").input_value() == "board-member"
        tab_to(page, "#partnership")
        page.keyboard.type("Cumberland")
        assert page.locator("#partnership").input_value() == "cumberland"
        tab_to(page, "button.govuk-button:not(.govuk-button--secondary)")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Account bea added" in page.locator("h1").inner_text()
        password = page.locator("#password").inner_text().strip()
        secret = page.locator("#totp-secret").inner_text().strip()
        assert page.locator("#totp-uri").inner_text().startswith("otpauth://totp/")
        assert axe_violations(page) == []

        # Then the new user signs in with what was shown, as a board member of Cumberland
        bea = Person("bea", password, secret)
        theirs = sign_in(browser, server, bea, page=new_page(browser), path="/reports")
        assert theirs.url.endswith("/reports")
        assert "Board member (cumberland)" in theirs.locator("#signed-in").inner_text()

        # The list shows them; a role given and taken away; every change recorded as by ada
        page.goto(f"{server.url}/admin/users")
        assert "Board member (cumberland)" in page.locator("#users").inner_text()
        screenshot(page, "admin-users")
        follow(page, page.get_by_role("link", name="bea"))
        page.get_by_label("Role", exact=True).select_option("auditor")
        page.get_by_label("Partnership or county board").select_option("cumberland")
        follow(page, page.get_by_role("button", name="Give role"))
        assert "Role given to bea" in page.locator(".govuk-notification-banner").inner_text()
        assert "Auditor (cumberland)" in page.locator("#roles").inner_text()
        follow(page, page.get_by_role("button", name="Remove Auditor (cumberland)"))
        assert "Auditor" not in page.locator("#roles").inner_text()
        page.get_by_label("Role", exact=True).select_option("hub-officer")
        follow(page, page.get_by_role("button", name="Give role"))
        assert "Choose the hub" in page.locator(".govuk-error-summary").inner_text()
        assert axe_violations(page) == []

        # When the administrator disables them, then they can no longer sign in
        follow(page, page.get_by_role("button", name="Disable account"))
        assert "Account bea disabled" in page.locator(".govuk-notification-banner").inner_text()
        changes = page.locator("#changes").inner_text()
        assert "disabled" in changes and "ada" in changes and "added with" in changes
        theirs.goto(f"{server.url}/reports")
        assert theirs.url.startswith(f"{server.url}/sign-in")  # their session ended
        sign_in(browser, server, bea, page=theirs)
        assert theirs.url.startswith(f"{server.url}/sign-in")
        assert "There is a problem" in theirs.locator(".govuk-error-summary").inner_text()


def test_only_an_administrator_administers(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        cora = person(server, "cora", Grant(Role.COORDINATOR, partnership="cumberland"))
        page = sign_in(browser, server, cora)
        for path in ("/admin", "/admin/users", "/admin/partnerships", "/admin/users/cora"):
            response = page.goto(f"{server.url}{path}")
            assert response is not None and response.status == 403, path
        assert "Administration is outside your role" in page.locator("main").inner_text()
        assert axe_violations(page) == []
        posted = page.request.post(f"{server.url}/admin/users/cora/disable",
                                   form={"csrf_token": "x"})
        assert posted.status == 403
