"""Signing in to the pages, on both backends: the sign-in page in the GOV.UK pattern (error
summary, field errors), who is signed in on every page, signing out, the session timing out,
and the pages' own files from this server alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pyotp

from application.principals import Grant, Role
from tests.e2e.http_support import live_server
from tests.web.support import axe_violations, follow, new_page, person, screenshot, sign_in

COORDINATOR = Grant(Role.COORDINATOR, partnership="cumberland")


def test_a_person_signs_in_sees_who_they_are_and_signs_out(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        anna = person(server, "anna", COORDINATOR)
        page = new_page(browser)
        hosts: set[str] = set()
        page.on("request", lambda request: hosts.add(request.url.split("/")[2]))

        # Given no session, when a page is asked for, then the sign-in page, accessible
        page.goto(f"{server.url}/")
        assert page.url.startswith(f"{server.url}/sign-in")
        assert page.title() == "Sign in – caseledger"
        assert axe_violations(page) == []
        screenshot(page, "sign-in")

        # When the code is wrong, then the error summary links to the field, nothing is said of which part
        page.get_by_label("Username").fill("anna")
        page.get_by_label("Password").fill(anna.password)
        page.get_by_label("Code from your authenticator app").fill("000000")
        follow(page, page.get_by_role("button", name="Sign in"))
        assert page.title().startswith("Error: ")
        summary = page.locator(".govuk-error-summary")
        assert "There is a problem" in summary.inner_text()
        assert page.locator(".govuk-error-message").count() >= 1
        assert axe_violations(page) == []

        # When it is right, then back to the page asked for, saying who is signed in
        sign_in(browser, server, anna, page=page, path="/sign-in?next=/accessibility")
        assert page.url == f"{server.url}/accessibility"
        assert "Signed in as anna" in page.locator("#signed-in").inner_text()
        assert "Coordinator (cumberland)" in page.locator("#signed-in").inner_text()
        assert axe_violations(page) == []

        # When they sign out, then a page needs signing in again
        follow(page, page.get_by_role("button", name="Sign out"))
        assert "You have signed out" in page.content()
        page.goto(f"{server.url}/")
        assert page.url.startswith(f"{server.url}/sign-in")
        assert hosts == {server.url.split("/")[2]}, "a page contacted another host"


def test_the_session_times_out_after_thirty_idle_minutes(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        page = sign_in(browser, server, person(server, "ben", COORDINATOR))
        assert "Signed in as ben" in page.locator("#signed-in").inner_text()
        server.clock.set(server.clock.current + timedelta(minutes=31))
        page.goto(f"{server.url}/")
        assert page.url.startswith(f"{server.url}/sign-in")
        assert "Your session has ended" in page.content()


def test_a_form_without_its_csrf_token_is_refused(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        cara = person(server, "cara", COORDINATOR)
        page = sign_in(browser, server, cara)
        cookie = next(c for c in page.context.cookies() if c["name"] == "caseledger_session")
        posted = httpx.post(f"{server.url}/sign-out", cookies={cookie["name"]: cookie["value"]},
                            headers={"Accept": "text/html"}, data={"csrf_token": "forged"})
        assert posted.status_code == 403 and "text/html" in posted.headers["content-type"]
        assert "This form has expired" in posted.text
        page.goto(f"{server.url}/")
        assert "Signed in as cara" in page.locator("#signed-in").inner_text()  # still signed in: nothing was done

        # a sign-in posted from another site (right details, but not the sign-in page's form
        # token) is refused and starts no session: someone else cannot sign you in as them
        server.clock.set(server.clock.current + timedelta(seconds=30))
        forged = httpx.post(f"{server.url}/sign-in", headers={"Accept": "text/html"}, data={
            "username": "cara", "password": cara.password, "form_token": "forged",
            "code": pyotp.TOTP(cara.totp_secret).at(server.clock.current)})
        assert forged.status_code == 400 and "The sign-in form had expired" in forged.text
        assert "caseledger_session" not in forged.cookies


def test_pages_fit_a_320_pixel_screen_and_work_from_the_keyboard(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        page = new_page(browser, width=320, height=640)
        page.goto(f"{server.url}/accessibility")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert axe_violations(page) == []
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        assert focused == "Skip to main content"
        page.keyboard.press("Enter")
        assert page.url.endswith("#main-content")


def test_an_unknown_page_is_a_page_not_a_problem(browser: Any, database_url: str) -> None:
    with live_server(database_url) as server:
        page = new_page(browser)
        response = page.goto(f"{server.url}/no-such-page")
        assert response is not None and response.status == 404
        assert page.title() == "Not found – caseledger"
        api = httpx.get(f"{server.url}/api/v1/no-such-thing")
        assert api.headers["content-type"] == "application/problem+json"
