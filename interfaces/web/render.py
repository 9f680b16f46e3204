"""Pages: Jinja2 templates in the GOV.UK Design System's markup (``templates/``), rendered with
what every page shows (who is signed in, the navigation their roles open, the CSRF token forms
carry).

Titles and URLs never carry personal data: a page is titled by what it is ("Case CUM-DARDR-2026-003"),
never by whom it is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from application.principals import Principal, Role

SERVICE_NAME = "caseledger"
TEMPLATES = Path(__file__).resolve().parent / "templates"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
)


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    roles: frozenset[Role]  # shown to anyone holding one of these


NAVIGATION = (
    NavItem("Home", "/", frozenset(Role)),
    NavItem("Cases", "/cases", frozenset({Role.COORDINATOR, Role.HUB_OFFICER, Role.AUDITOR})),
    NavItem("Requests to my agency", "/agency", frozenset({Role.AGENCY_CONTACT})),
    NavItem("Audit", "/audit", frozenset({Role.AUDITOR})),
    NavItem("Reports", "/reports", frozenset({Role.COORDINATOR, Role.AUDITOR, Role.BOARD_MEMBER})),
    NavItem("Subject access", "/subject-access", frozenset({Role.COORDINATOR})),
    NavItem("Administration", "/admin", frozenset({Role.ADMINISTRATOR})),
)

ROLE_NAMES = {
    Role.COORDINATOR: "Coordinator", Role.HUB_OFFICER: "Hub officer",
    Role.AGENCY_CONTACT: "Agency contact", Role.AUDITOR: "Auditor",
    Role.BOARD_MEMBER: "Board member", Role.ADMINISTRATOR: "Administrator",
}


@dataclass(frozen=True)
class Viewer:
    """The person signed in to the pages, and the token their forms carry against CSRF."""

    principal: Principal
    csrf: str

    @property
    def username(self) -> str:
        return self.principal.username

    @property
    def roles(self) -> tuple[str, ...]:
        """The names of their roles with scopes, e.g. "Coordinator (cumberland)"."""
        return tuple(f"{ROLE_NAMES[g.role]}{_scope(g)}" for g in self.principal.grants)

    def navigation(self) -> list[NavItem]:
        held = {g.role for g in self.principal.grants}
        return [item for item in NAVIGATION if item.roles & held]


def _scope(grant: Any) -> str:
    parts = [p for p in (grant.partnership, grant.hub, grant.agency, grant.county) if p]
    return f" ({', '.join(parts)})" if parts else ""


def render(request: Request, template: str, *, title: str, viewer: Viewer | None,
           status: int = 200, headers: Mapping[str, str] | None = None, **context: Any) -> HTMLResponse:
    """The page, titled ``title`` (no personal data) for ``viewer`` (None: not signed in)."""
    html = _environment.get_template(template).render(
        title=title, viewer=viewer, service_name=SERVICE_NAME, path=request.url.path,
        **context)
    return HTMLResponse(html, status_code=status, headers=dict(headers or {}))
