"""Who is acting: an authenticated account, its roles and the scope of each (``access.md``).

The interfaces resolve a ``Principal`` (an HTTP session or API token, or the local operator at
the server's command line) and the access policy (``application/access_policy.py``) decides from
it what may be read and done. The default is no access: a principal without grants sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """The roles of ``access.md``, each held within a scope (a ``Grant``)."""

    COORDINATOR = "coordinator"
    HUB_OFFICER = "hub-officer"
    AGENCY_CONTACT = "agency-contact"
    AUDITOR = "auditor"
    BOARD_MEMBER = "board-member"
    ADMINISTRATOR = "administrator"


class PrincipalKind(StrEnum):
    PERSON = "person"  # signed in with a password and second factor, or single sign-on
    SYSTEM = "system"  # an API token, scoped like a person
    LOCAL_OPERATOR = "local-operator"  # the command line on the server: every right, recorded as such


@dataclass(frozen=True)
class Grant:
    """One role within its scope: a partnership (slug) for coordinators, auditors and board
    members, a hub of a partnership for hub officers, an agency (slug) for agency contacts; a
    county (slug) lets a board member read its partnerships' reports. Administrators hold no
    scope."""

    role: Role
    partnership: str | None = None
    hub: str | None = None
    agency: str | None = None
    county: str | None = None


@dataclass(frozen=True)
class Principal:
    account_id: str
    username: str
    kind: PrincipalKind
    grants: tuple[Grant, ...] = field(default=())

    @property
    def actor(self) -> str:
        """The actor recorded on the facts this principal records."""
        if self.kind is PrincipalKind.SYSTEM:
            return f"{self.username} (API token)"
        return self.username

    def holds(self, role: Role) -> bool:
        return any(g.role is role for g in self.grants)

    def grants_of(self, role: Role) -> tuple[Grant, ...]:
        return tuple(g for g in self.grants if g.role is role)
