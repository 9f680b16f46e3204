"""The web pages as people use them: Debian's Chromium driven by Playwright (never a downloaded
browser) against ``live_server`` (uvicorn on loopback serving the API and its pages).

    from tests.web.support import browser, person, sign_in, axe_violations, screenshot

    def test_…(browser, database_url):              # the fixture is re-exported by conftest.py
        with live_server(database_url) as server:
            anna = person(server, "anna", Grant(Role.COORDINATOR, partnership="cumberland"))
            page = sign_in(browser, server, anna)     # a fresh context, signed in; on the home page
            page.get_by_role("link", name="Cases").click()
            assert axe_violations(page) == []

- ``person``: an account as an administrator makes one (password and authenticator secret).
- ``sign_in``: the sign-in page, filled in as a person would, with the code their app would show
  at the server's clock (the clock moves on 30 seconds first: a code can be used only once).
- ``axe_violations``: axe-core (pinned in web/package-lock.json) run in the page against WCAG 2.0,
  2.1 and 2.2 A and AA; each violation as "rule: help (selectors)".
- ``screenshot``: a full-page PNG in test-artifacts/screenshots, and in docs/screenshots when
  CASELEDGER_UPDATE_SCREENSHOTS=1 (how the README's pictures are made).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest

from application.principals import Grant
from tests.browser import ARTIFACTS, FLAGS, INSTALL_HINT, REPO_ROOT, chromium_path
from tests.e2e.http_support import Server

AXE = REPO_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
GOVUK = REPO_ROOT / "web" / "node_modules" / "govuk-frontend"
DOCS_SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
PASSWORD = "correct horse battery staple"
AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium per test process."""
    executable = chromium_path()
    if executable is None:
        pytest.skip(f"Chromium is not installed: {INSTALL_HINT}")
    if not AXE.exists() or not GOVUK.exists():
        pytest.skip("the front-end packages are not installed: run `bash scripts/web.sh ensure`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed: run `make test` (it installs the dev dependencies)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True,
            args=[flag for flag in FLAGS if flag != "--headless"])
        yield launched
        launched.close()


@dataclass(frozen=True)
class Person:
    username: str
    password: str
    totp_secret: str


def person(server: Server, username: str, *grants: Grant) -> Person:
    """An account for a person, made as an administrator would (``caseledger users add``)."""
    from application.identity import AccountService
    from infrastructure.accounts import SqlAccountStore

    accounts = AccountService(SqlAccountStore(server.services.engine), server.services.clock)
    added = accounts.add(username, display_name=username.title(), email=f"{username}@example.test",
                         grants=list(grants), password=PASSWORD, by="test-admin")
    assert added.totp_secret is not None
    return Person(username, PASSWORD, added.totp_secret)


def new_page(browser: Any, *, width: int = 1280, height: int = 900, **options: Any) -> Any:
    """A page in a fresh context (no cookies). axe-core is injected by the test, so the
    context lets a test script past the page's Content-Security-Policy; the pages' own scripts
    still come from the server alone."""
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True,
                                  **options)
    context.set_default_timeout(15_000)
    return context.new_page()


def sign_in(browser: Any, server: Server, who: Person, *, page: Any = None, path: str = "/") -> Any:
    """Sign ``who`` in through the sign-in page; returns the page, on ``path`` (default: home)."""
    page = page or new_page(browser)
    clock = server.clock
    clock.set(clock.current + timedelta(seconds=30))  # a fresh one-time code
    page.goto(f"{server.url}{path}")
    page.get_by_label("Username").fill(who.username)
    page.get_by_label("Password").fill(who.password)
    page.get_by_label("Code from your authenticator app").fill(
        pyotp.TOTP(who.totp_secret).at(clock.current))
    follow(page, page.get_by_role("button", name="Sign in"))
    return page


def follow(page: Any, target: Any) -> None:
    """Click what loads a new page and wait for that page: under load, an assertion right
    after a bare click can read the page being left."""
    with page.expect_navigation():
        target.click()


def axe_violations(page: Any) -> list[str]:
    """The WCAG 2.2 AA violations axe-core finds on the page as it is now."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async (tags) => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return r.violations.map(v => v.id + ': ' + v.help + ' (' +
            v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ') + ')');
    }""", AA_TAGS)
    return list(result)


def screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot of what people see, for the docs."""
    out = ARTIFACTS / "screenshots" / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out), full_page=True)
    if os.environ.get("CASELEDGER_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (DOCS_SCREENSHOTS / f"{name}.png").write_bytes(out.read_bytes())
    return out
