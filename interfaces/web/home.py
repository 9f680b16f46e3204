"""The home page: what the signed-in person has to do today, by role.

A coordinator or hub officer sees what needs doing today: the overdue deadlines and those due
within 10 working days of the cases they may see (``deadline_rows``, ``policy.may_see_deadline``),
grouped by case, with the reminders already sent. Anyone else sees links to their areas. Home
shows no personal data: a case is named by its reference, type and stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from application import access_policy as policy
from application.ports import DeadlineFilter
from application.principals import Principal, Role
from application.queries import SetupNames, deadline_rows, due_within_limit
from domain import plain
from interfaces.bootstrap import Services
from interfaces.http.deps import services
from interfaces.web.cases import reminder_words, setup_names
from interfaces.web.render import render
from interfaces.web.session import SignedIn

router = APIRouter(include_in_schema=False)

Built = Annotated[Services, Depends(services)]
DUE_SOON = "10wd"
SHOWN_CASES = 25  # the most overdue first; the rest are counted and in the case list
WORKS_CASES = (Role.COORDINATOR, Role.HUB_OFFICER)


@dataclass
class CaseToDo:
    """A case with deadlines overdue or due soon."""

    reference: str
    type: str
    stage: str
    rows: list[Mapping[str, Any]] = field(default_factory=list)  # deadline_rows' rows
    deadlines: list[dict[str, Any]] = field(default_factory=list)  # in words, for the page

    @property
    def overdue(self) -> int:
        return sum(1 for d in self.rows if d["status"] == "overdue")

    @property
    def most_overdue(self) -> int:
        return max((d["days_overdue"] for d in self.rows), default=0)


@router.get("/")
def home(request: Request, who: SignedIn, built: Built) -> HTMLResponse:
    principal = who.principal
    works_cases = any(g.role in WORKS_CASES for g in principal.grants) \
        or policy.is_local_operator(principal)
    names = setup_names(built) if works_cases else SetupNames()
    cases = to_do(built, principal, names) if works_cases else []
    shown = in_words(cases[:SHOWN_CASES], names)
    return render(request, "home.html", title="Home", viewer=who, works_cases=works_cases,
                  cases=shown, all_cases=len(cases), overdue=sum(c.overdue for c in cases),
                  due_soon=sum(len(c.rows) - c.overdue for c in cases),
                  links=[item for item in who.navigation() if item.href != "/"])


def to_do(built: Services, who: Principal, names: SetupNames) -> list[CaseToDo]:
    """Overdue and due-soon deadlines the person may see, by case: most overdue first."""
    now = built.clock.now()
    due_by = due_within_limit(DUE_SOON, now, built.calendar)
    partnerships = policy.case_list_partnerships(who)
    only = next(iter(partnerships)) if partnerships is not None and len(partnerships) == 1 else None
    rows = deadline_rows(built.views, DeadlineFilter(partnership=only), now, due_by=due_by,
                         names=names)
    by_case: dict[str, CaseToDo] = {}
    for row in rows:
        if row["status"] not in ("open", "overdue") or not policy.may_see_deadline(who, row):
            continue
        case = by_case.get(row["case"])
        if case is None:
            case = by_case[row["case"]] = CaseToDo(
                row["case"], plain.case_type_label(row["type"], short=True),
                plain.stage_label(row["type"], row["stage"]))
        case.rows.append(row)
    return sorted(by_case.values(), key=lambda c: (-c.most_overdue, -c.overdue, c.reference))


def in_words(cases: list[CaseToDo], names: SetupNames) -> list[CaseToDo]:
    """The deadlines of the cases shown, in words (only those: a coordinator may have hundreds)."""
    for case in cases:
        case.deadlines = [_deadline(row, names) for row in case.rows]
    return cases


def _deadline(row: Mapping[str, Any], names: SetupNames) -> dict[str, Any]:
    return {
        "label": row["label"],
        "due": plain.due_label(row["due"]),
        "status": row["status"] if row["status"] == "overdue" else "due-soon",
        "days_overdue": row["days_overdue"],
        "responsible": names.party(row["responsible"], row["partnership"], row["hub"]),
        "reminder": reminder_words(row.get("last_reminder"), row.get("last_reminder_day")),
    }
