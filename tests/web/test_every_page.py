"""Every page each role can reach, found the way a person finds them: from the home page, by
following the links the pages show (a crawl over cases of all three types, on SQLite: what is
checked here is what the pages present; the journeys and role tests run on both backends).

For every page reached: it answers 200 (a role is never shown a link it may not follow), its URL
and title carry no personal data (a victim's pseudonym and an applicant's name planted in the
cases), it says who is signed in; and for each kind of page (its path with references as {ref}):
no WCAG 2.2 AA violation found by axe-core, and nothing wider than a 320 px screen."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from application.principals import Grant, Role
from tests.e2e.http_support import Server, live_server
from tests.web.support import axe_violations, person, sign_in
from tests.web.test_case_pages import APPLICANT, VICTIM, seeded

ROLES = {
    "coordinator": Grant(Role.COORDINATOR, partnership="cumberland"),
    "hub-officer": Grant(Role.HUB_OFFICER, partnership="cumberland", hub="allerdale"),
    "agency-contact": Grant(Role.AGENCY_CONTACT, agency="cumbria-police"),
    "auditor": Grant(Role.AUDITOR, partnership="cumberland"),
    "board-member": Grant(Role.BOARD_MEMBER, partnership="cumberland"),
    "administrator": Grant(Role.ADMINISTRATOR),
}
MAX_PAGES = 40  # per role: enough for every kind of page, bounded
PER_KIND = 2  # pages of one kind visited (the second finds what depends on which case it is)
NOT_PAGES = ("/static/", "/assets/", "/docs", "/auth/", "/api/", "/sign-out")
REFERENCE = re.compile(r"[A-Z]{2,4}-(DARDR|ASB|UE)-\d{4}-\d{3}")


def kind_of(path: str) -> str:
    """The kind of page: the path with references as {ref} and only the query's names."""
    parts = urlsplit(path)
    names = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return REFERENCE.sub("{ref}", parts.path) + (f"?{'&'.join(names)}" if names else "")


def followable(href: str) -> bool:
    return (href.startswith("/") and not href.startswith("//")
            and not any(href.startswith(prefix) for prefix in NOT_PAGES)
            and "format=csv" not in href and "download" not in href)


def crawl(page: Any, server: Server) -> dict[str, list[str]]:
    """Every page reachable from home (up to MAX_PAGES): kind → the paths of that kind."""
    kinds: dict[str, list[str]] = {}
    queue, visited = ["/"], set()
    while queue and len(visited) < MAX_PAGES:
        path = queue.pop(0).split("#")[0]
        if path in visited or not path or len(kinds.get(kind_of(path), ())) >= PER_KIND:
            continue
        visited.add(path)
        response = page.goto(f"{server.url}{path}")
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        for planted in (VICTIM, APPLICANT):
            assert planted not in page.url and planted not in page.title(), f"{path} names a person"
        assert "Signed in as" in page.locator("#signed-in").inner_text(), path
        kind = kind_of(path)
        if kind not in kinds:
            assert axe_violations(page) == [], f"{path}"
            page.set_viewport_size({"width": 320, "height": 640})
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, f"{path} at 320 px"
            page.set_viewport_size({"width": 1280, "height": 900})
        kinds.setdefault(kind, []).append(path)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        queue.extend(h for h in hrefs if followable(h) and h.split("#")[0] not in visited)
    return kinds


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # presentation: the journeys
@pytest.mark.parametrize("role", list(ROLES))                          # cover both backends
def test_every_page_a_role_reaches(browser: Any, database_url: str, role: str) -> None:
    with live_server(database_url) as server:
        seeded(server)
        page = sign_in(browser, server, person(server, role.replace("-", ""), ROLES[role]))
        kinds = crawl(page, server)
        assert "/" in kinds and len(kinds) >= 2, kinds  # home, and at least one page of their work
