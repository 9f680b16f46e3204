"""Pages: the case list and the case page, for coordinators and hub officers (auditors read them
too, without personal data).

- ``GET /cases``: the cases the person may see (``policy.visible_cases``), filtered by a GET form
  (type, stage, hub, agency, open or closed), 50 a page. A case they may see only listed shows
  its listing fields alone (``policy.LISTING_FIELDS``).
- ``GET /cases/{ref}``: one case, as the API's ``show_case`` reads it (``visible_case`` at
  LISTING: 404 for a case they may not see at all, recorded as denied), the read recorded in the
  access log. Personal fields only at FULL visibility; at LISTING only ``LISTING_CASE_FIELDS``.
  Every command allowed at the current stage for this person is a link to its form
  (``/cases/{ref}/do/{command}``); the others are explained.

Titles and URLs carry the case reference at most, never personal data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from starlette.convertors import Convertor, register_url_convertor

from application import access_policy as policy
from application.audit import history_row
from application.commands import REGISTRY, CorrectPersonalData
from application.commands.common import (
    ErasePersonalData,
    LiftRestriction,
    MigratePolicy,
    RestrictCase,
)
from application.ports import DeadlineFilter
from application.principals import Principal, Role
from application.queries import (
    SetupNames,
    case_to_dict,
    current_personal,
    personal_events_needed,
    shown_personal,
)
from domain import plain
from domain.calendar import LONDON
from interfaces.bootstrap import Services
from interfaces.http.cases import DEFINITIONS, route_name, visible_case
from interfaces.http.deps import services
from interfaces.web.paging import pagination
from interfaces.web.render import render
from interfaces.web.session import SignedIn
from interfaces.web.steps import ANY_STAGE, COMMANDS

router = APIRouter(include_in_schema=False)

Built = Annotated[Services, Depends(services)]
PER_PAGE = 50
CASE_TYPES = ("dardr", "asb", "encampment")
STATUSES = {"open": "Open", "closed": "Closed", "any": "Open or closed"}


class _CaseReference(Convertor[str]):
    """A case reference in a URL: anything but ``new`` (``/cases/new`` opens a case: its page is
    another module's, included after this one)."""

    regex = "(?!new$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("case_reference", _CaseReference())


# --------------------------------------------------------------------------- words shared with home


def setup_names(built: Services) -> SetupNames:
    """The set-up's names, to show agencies, partnerships and hubs as people know them."""
    return SetupNames.read(built.views, lambda slug: built.cases.partnership(slug).hubs)


def day(value: str | None) -> str | None:
    """A stored effective time as its London day (``2026-09-03``)."""
    if not value:
        return None
    if len(value) <= 10:
        return value
    return datetime.fromisoformat(value).astimezone(LONDON).date().isoformat()


STEP = re.compile(r"^(\d+)(wd|d)-(before|overdue)$")


def reminder_words(step: str | None, on_day: str | None) -> str | None:
    """The reminder last sent for a deadline, in words: ``3wd-overdue`` on 2026-03-04 → "3 working
    days after the due date (escalated), on 2026-03-04"."""
    if not step:
        return None
    match = STEP.match(step)
    if step == "due-day":
        what = "On the due day"
    elif match:
        amount, unit, when = int(match[1]), match[2], match[3]
        units = ("working day" if unit == "wd" else "day") + ("" if amount == 1 else "s")
        what = f"{amount} {units} {'before' if when == 'before' else 'after'} the due date"
    else:
        what = plain.words(step).capitalize()
    return f"{what}, sent {on_day}" if on_day else what


def command_label(command: type[BaseModel]) -> str:
    """``DecideReview`` → "Decide review"."""
    return route_name(command).replace("-", " ").capitalize()


# --------------------------------------------------------------------------- commands of a case type


_ALL: list[type[BaseModel]] = [*REGISTRY.case_commands(), *REGISTRY.opening_commands(),
                                MigratePolicy]
LABELS = {route_name(c): command_label(c) for c in _ALL}
"""Each command's name in a URL → its label ("decide-review" → "Decide review")."""


@dataclass(frozen=True)
class CommandChoice:
    """A command on the case page: a link to its form, or why not."""

    label: str
    href: str | None = None
    why_not: str | None = None


def command_choices(who: Principal, scope: policy.CaseScope, stage: str,
                    restricted: bool, erased: bool = False
                    ) -> tuple[list[CommandChoice], list[CommandChoice]]:
    """(what the person can do now, what they cannot and why), each in the definition's order.
    Nothing, once the case's personal data is erased: nothing more is recorded on it."""
    if erased:
        return [], []
    definition = DEFINITIONS[scope.case_type]
    classes = COMMANDS[scope.case_type]
    allowed_here = set(definition.allowed_commands(stage))
    can: list[CommandChoice] = []
    cannot: list[CommandChoice] = []
    for name, transition in definition.transitions.items():
        command = classes.get(name)
        if command is None:
            continue
        label = command_label(command)
        if name not in allowed_here:
            stages = [plain.stage_label(scope.case_type, s) for s in definition.stages
                      if s in transition.allowed_in]
            where = f"allowed at {plain.listed(stages)}" if stages else "not a step of this case"
            cannot.append(CommandChoice(label, why_not=f"not at this stage — {where}"))
            continue
        _offer(who, scope, command, label, can, cannot)
    for command in ANY_STAGE:
        if command in (RestrictCase, LiftRestriction) and (command is LiftRestriction) != restricted:
            continue
        if command is ErasePersonalData and stage != definition.closed_stage:
            continue
        _offer(who, scope, command, command_label(command), can, cannot)
    return can, cannot


def correction_links(reference: str, personal: dict[str, Any]) -> dict[str, str]:
    """Each personal detail shown from the opening fact (version 1) that is a text → the form to
    correct it, with the version and the field's name (never its value) in the address."""
    return {plain.words(k).capitalize():
            f"/cases/{reference}/do/{route_name(CorrectPersonalData)}?version=1&field={k}"
            for k, v in personal.items() if isinstance(v, str)}


def _offer(who: Principal, scope: policy.CaseScope, command: type[BaseModel], label: str,
           can: list[CommandChoice], cannot: list[CommandChoice]) -> None:
    if policy.may_execute(who, command, scope):
        can.append(CommandChoice(label, href=f"/cases/{scope.reference}/do/{route_name(command)}"))
    else:
        cannot.append(CommandChoice(label, why_not="not in your role"))


# --------------------------------------------------------------------------- the case list


@dataclass(frozen=True)
class ListFilters:
    """The case list's filters as the GET form gives them (unknown values are ignored)."""

    case_type: str = ""
    stage: str = ""
    hub: str = ""
    agency: str = ""
    status: str = "open"
    page: int = 1

    def query(self, **changes: Any) -> str:
        values = {"type": self.case_type, "stage": self.stage, "hub": self.hub,
                  "agency": self.agency, "status": self.status, "page": self.page, **changes}
        return "?" + urlencode({k: v for k, v in values.items() if v not in ("", None)})


Filter = Annotated[str, Query(max_length=64)]


@router.get("/cases")
def case_list(request: Request, who: SignedIn, built: Built,
              case_type: Annotated[str, Query(alias="type", max_length=20)] = "",
              stage: Filter = "", hub: Filter = "", agency: Filter = "",
              status: Filter = "open",
              page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> HTMLResponse:
    filters = ListFilters(case_type if case_type in CASE_TYPES else "", stage, hub, agency,
                          status if status in STATUSES else "open", page)
    principal = who.principal
    partnerships = policy.case_list_partnerships(principal)
    only = next(iter(partnerships)) if partnerships is not None and len(partnerships) == 1 else None
    rows = policy.visible_cases(principal, built.views.list_cases(
        only, filters.case_type or None, filters.stage or None))
    rows = _filtered(built, rows, filters)
    names = setup_names(built)
    start = (filters.page - 1) * PER_PAGE
    shown = rows[start:start + PER_PAGE]
    next_due = _next_deadlines(built, principal, only, {r["case_id"] for r, _ in shown}, names)
    pages = max(1, -(-len(rows) // PER_PAGE))
    return render(
        request, "cases/list.html", title="Cases", viewer=who,
        rows=[_list_row(row, seen, names, next_due.get(row["case_id"])) for row, seen in shown],
        total=len(rows), filters=filters, pages=pages,
        pagination_links=pagination(filters.page, pages, lambda n: filters.query(page=n),
                                    "Pages of cases"),
        options=_filter_options(built, principal, names),
        may_open=_may_open_any(principal))


def _filtered(built: Services, rows: list[tuple[dict[str, Any], policy.Visibility]],
              filters: ListFilters) -> list[tuple[dict[str, Any], policy.Visibility]]:
    if filters.hub:
        rows = [(r, v) for r, v in rows if r.get("hub") == filters.hub]
    if filters.status == "open":
        rows = [(r, v) for r, v in rows if not r.get("closed_on")]
    elif filters.status == "closed":
        rows = [(r, v) for r, v in rows if r.get("closed_on")]
    if filters.agency:
        asked = {d["case_id"] for d in built.views.open_deadlines(
            DeadlineFilter(agency=filters.agency, include_closed_statuses=True))}
        rows = [(r, v) for r, v in rows if r["case_id"] in asked]
    return rows


def _next_deadlines(built: Services, who: Principal, partnership: str | None,
                    case_ids: set[str], names: SetupNames) -> dict[str, dict[str, Any]]:
    """Each listed case's next open deadline the person may see: its words, due and status."""
    if not case_ids:
        return {}
    now = built.clock.now()
    found: dict[str, dict[str, Any]] = {}
    for row in built.views.open_deadlines(DeadlineFilter(partnership=partnership)):
        case_id = row["case_id"]
        if case_id not in case_ids or case_id in found or row["status"] != "open":
            continue
        if not policy.may_see_deadline(who, row):
            continue
        due = datetime.fromisoformat(row["due"])
        found[case_id] = {
            "label": names.deadline(row["case_type"], row["name"], row["responsible"],
                                    row["partnership"], row["hub"]),
            "due": plain.due_label(due), "overdue": due < now}
    return found


def _list_row(row: Mapping[str, Any], seen: policy.Visibility, names: SetupNames,
              next_due: dict[str, Any] | None) -> dict[str, Any]:
    case_type, partnership = str(row["case_type"]), str(row["partnership"])
    return {
        "reference": row["reference"],
        "type": plain.case_type_label(case_type, short=True),
        "stage": plain.stage_label(case_type, str(row["stage"])),
        "partnership": names.partnership(partnership),
        "hub": names.hub(partnership, row.get("hub")),
        "restricted": row.get("restricted_to") is not None,
        "listing_only": seen is policy.Visibility.LISTING,
        "closed": bool(row.get("closed_on")),
        "next": next_due,
    }


def _filter_options(built: Services, who: Principal, names: SetupNames) -> dict[str, Any]:
    partnerships = policy.case_list_partnerships(who)
    hubs = [(hub, names.hub(str(p["slug"]), hub) or hub) for p in built.views.partnerships()
            if partnerships is None or p["slug"] in partnerships for hub in p["hubs"]]
    stages = [(plain.case_type_label(t, short=True),
               [(s, plain.stage_label(t, s)) for s in DEFINITIONS[t].stages]) for t in CASE_TYPES]
    return {
        "types": [("", "Any type"), *((t, plain.case_type_label(t, short=True)) for t in CASE_TYPES)],
        "stages": stages,
        "hubs": [("", "Any hub"), *hubs],
        "agencies": [("", "Any agency"), *sorted(names.agencies.items(), key=lambda a: a[1])],
        "statuses": list(STATUSES.items()),
    }


def _may_open_any(who: Principal) -> bool:
    return any(g.role in (Role.COORDINATOR, Role.HUB_OFFICER) for g in who.grants) \
        or policy.is_local_operator(who)


# --------------------------------------------------------------------------- the case page


@router.get("/cases/{ref:case_reference}")
def case_page(ref: str, request: Request, who: SignedIn, built: Built,
              recorded: Annotated[str | None, Query(max_length=80)] = None) -> HTMLResponse:
    principal = who.principal
    scope, seen = visible_case(built, principal, ref, "show", policy.Visibility.LISTING)
    case, as_at = built.cases.case_as(scope.case_id)
    names = setup_names(built)
    full = seen is policy.Visibility.FULL
    # Personal data lives in the events alone: the opening event's, and each action's text.
    store = built.cases.app.repository.event_store
    events = list(store.get(case.id, lte=case.version if case.actions else personal_events_needed(case))) \
        if full else []
    data = case_to_dict(case, as_at, personal=shown_personal(events) if full else None, names=names)
    if seen is policy.Visibility.LISTING:
        data = {k: data[k] for k in policy.LISTING_CASE_FIELDS if k in data}
    built.audit.record_read(scope.case_id, actor=principal.actor, what="show",
                            reference=scope.reference)
    history = [history_row(r) for r in built.views.history(scope.case_id)] \
        if seen >= policy.Visibility.DETAILS else []
    can, cannot = command_choices(principal, scope, case.stage, case.restricted_to is not None,
                                  erased=case.personal_data_erased is not None)
    page = CasePage(data, names, seen, events).context()
    page["correct"] = (correction_links(scope.reference, data.get("personal") or {})
                       if full and policy.may_execute(principal, CorrectPersonalData, scope)
                       and not data.get("personal_data_erased") else {})
    return render(
        request, "cases/case.html", title=f"Case {scope.reference}", viewer=who,
        case=page,
        facts=[_fact(r, data, names) for r in reversed(history)],
        can=can, cannot=cannot, recorded=LABELS.get(recorded or ""),
        may_audit=bool(policy.may_audit(principal, scope.partnership)),
        listing_only=seen is policy.Visibility.LISTING)


class CasePage:
    """What the case page shows of ``case_to_dict``'s answer, in words."""

    def __init__(self, data: dict[str, Any], names: SetupNames, seen: policy.Visibility,
                 events: Sequence[object]) -> None:
        self.data, self.names, self.seen, self.events = data, names, seen, events
        self.case_type, self.partnership, self.hub = data["type"], data["partnership"], data["hub"]

    def party(self, slug: str | None) -> str:
        return self.names.party(slug, self.partnership, self.hub) if slug else "Not recorded"

    def context(self) -> dict[str, Any]:
        data = self.data
        details = dict(data.get("details") or {})
        return {
            "reference": data["reference"],
            "type": plain.case_type_label(self.case_type),
            "stage": plain.stage_label(self.case_type, data["stage"]),
            "closed": data.get("closed_on") is not None,
            "summary": self.summary(),
            "deadlines": [self.deadline(d) for d in data.get("deadlines", [])],
            "returns": [self.agency_return(r) for r in data.get("returns", [])],
            "actions": [self.action(a) for a in data.get("actions", [])],
            "processes": [self.process(p) for p in data.get("parallel_processes", [])],
            "family": self.family(details) if self.case_type == "dardr" else None,
            "complaints": [self.complaint(c) for c in data.get("complaints", [])],
            "welfare": self.welfare(details) if self.case_type == "encampment" else None,
            "details": self.details(details),
            "personal": [(plain.words(k).capitalize(), shown(v))
                         for k, v in (data.get("personal") or {}).items()],
        }

    def summary(self) -> list[tuple[str, str]]:
        data = self.data
        rows = [("Type", plain.case_type_label(self.case_type)),
                ("Partnership", self.names.partnership(self.partnership)),
                ("Hub", self.names.hub(self.partnership, self.hub) or "None")]
        if "opened_on" in data:
            rows.append(("Opened", day(data["opened_on"]) or "Not recorded"))
            if data.get("closed_on"):
                rows.append(("Closed", day(data["closed_on"]) or ""))
            rows.append(("Paused", f"Yes, since {day(data['paused_since'])}" if data["paused"]
                         else "No"))
            restricted = data.get("restricted_to")
            rows.append(("Restricted", f"Yes, to {plain.listed(restricted)}" if restricted else "No"))
            rows.append(("Policy", str(data["policy_version"])))
            holds = data.get("legal_holds") or {}
            if holds:
                rows.append(("Legal holds", plain.listed(sorted(holds))))
            erased = data.get("personal_data_erased")
            if erased:
                rule = erased.get("rule") or {}
                rows.append(("Personal data", f"Erased on {day(str(erased.get('on')))} at the end "
                                              f"of its retention ({rule.get('says', 'the rule in force')})"))
        return rows

    def deadline(self, d: Mapping[str, Any]) -> dict[str, Any]:
        return {"label": d.get("label") or d["name"], "status": d["status"],
                "basis": d.get("basis"), "due": plain.due_label(d["due"], hourly=d.get("hours", False)),
                "responsible": self.party(d.get("responsible")),
                "reminders": self.reminders(d)}

    @staticmethod
    def reminders(d: Mapping[str, Any]) -> str | None:
        """The reminders already sent for the deadline: how many, the last one's day."""
        count = int(d.get("reminders") or 0)
        if not count:
            return None
        last = d.get("last_reminder_day")
        return f"{count} sent" + (f", the last on {last}" if last else "")

    def agency_return(self, r: Mapping[str, Any]) -> dict[str, Any]:
        documents = r.get("documents") or []
        return {"agency": self.names.agencies.get(r["agency"], r["agency"]),
                "kind": plain.RETURN_KINDS.get(r["kind"], plain.words(r["kind"]).capitalize()),
                "requested": day(r.get("requested")), "due": plain.due_label(r["due"]),
                "status": plain.words(r["status"]).capitalize(),
                "documents": f"{len(documents)} document{'' if len(documents) == 1 else 's'}"}

    def action(self, a: Mapping[str, Any]) -> dict[str, Any]:
        return {"id": a["id"], "owner": self.party(a.get("owner")),
                "level": plain.ACTION_LEVELS.get(a.get("level") or "", a.get("level")),
                "description": self.recommendations().get(a["id"]),
                "due": plain.due_label(a["due"]) if a.get("due") else None,
                "rag": a.get("rag"), "status": plain.words(a.get("status") or "").capitalize()}

    def recommendations(self) -> dict[str, str]:
        """Each action's recommendation text (personal data: read from the events at FULL)."""
        found: dict[str, str] = {}
        current = current_personal(self.events)  # as corrected: a superseded text is not shown
        for event in self.events:
            personal = current.get(int(getattr(event, "originator_version", 0)))
            action_id = getattr(event, "action_id", None)
            if type(event).__name__ == "ActionAdded" and action_id and isinstance(personal, dict):
                text = personal.get("recommendation")
                if isinstance(text, str):
                    found[str(action_id)] = text
        return found

    def process(self, p: Mapping[str, Any]) -> dict[str, Any]:
        return {"id": p["id"], "kind": plain.choice_label("process-kind", p["kind"]).capitalize(),
                "status": plain.words(p.get("status") or "").capitalize(),
                "linked": day(p.get("linked_on")), "concluded": day(p.get("concluded_on")),
                "pauses": "Yes" if p.get("pauses_case") else "No",
                "key_dates": ", ".join(f"{plain.words(k)} {v}"
                                       for k, v in (p.get("key_dates") or {}).items()) or "None"}

    def family(self, details: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [("Leaflet given", shown(details.get("family_leaflet_given"))),
                ("Advocacy", shown(details.get("advocacy"))),
                ("Family engaged", shown(details.get("family_engaged")))]

    def complaint(self, c: Mapping[str, Any]) -> dict[str, Any]:
        return {"id": c["id"], "behaviour": c.get("behaviour"), "reported": c.get("reported"),
                "agency": self.party(c.get("agency")), "hate": "Yes" if c.get("hate") else "No",
                "duplicate_of": c.get("duplicate_of")}

    def welfare(self, details: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [("Visited", shown(details.get("visited_on"))),
                ("Adults", shown(details.get("adults"))),
                ("Children", shown(details.get("children"))),
                ("Welfare assessed", shown(details.get("welfare_assessed"))),
                ("Needs", shown(plain.detail_label("encampment", "needs", details.get("needs")))),
                ("Referrals", shown(details.get("referrals")))]

    SHOWN_ELSEWHERE = frozenset({"family_leaflet_given", "advocacy", "family_engaged", "visited_on",
                                 "adults", "children", "welfare_assessed", "needs", "referrals",
                                 "complaints"})

    def details(self, details: Mapping[str, Any]) -> list[tuple[str, str]]:
        rows = []
        for key, value in details.items():
            if key in self.SHOWN_ELSEWHERE or value in (None, "", 0, [], {}):
                continue
            if key in ("notified_by", "lead_agency"):
                value = self.party(str(value))
            rows.append((plain.words(key).capitalize(),
                         shown(plain.detail_label(self.case_type, key, value))))
        return rows


def shown(value: Any) -> str:
    """A value for people: yes or no, lists with commas, records as ``key value`` pairs."""
    if value is None or value == "":
        return "Not recorded"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        return ", ".join(shown(v) for v in value) or "None"
    if isinstance(value, dict):
        return ", ".join(f"{plain.words(str(k))} {shown(v)}" for k, v in value.items()) or "None"
    return str(value)


CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _fact(row: Mapping[str, Any], data: Mapping[str, Any], names: SetupNames) -> dict[str, Any]:
    """A fact of the case's history for the timeline: when, what in plain words, who."""
    facts: dict[str, Any] = row["data"] if isinstance(row["data"], dict) else {}
    what = CAMEL.sub(" ", str(row["event"])).lower().capitalize()
    case_type = str(data["type"])
    more = []
    if isinstance(facts.get("stage"), str):
        more.append(f"stage now {plain.stage_label(case_type, facts['stage'])}")
    if isinstance(facts.get("name"), str):
        more.append(names.deadline(case_type, facts["name"], str(facts.get("responsible") or ""),
                                   str(data["partnership"]), data.get("hub")))
    elif isinstance(facts.get("agency"), str) and isinstance(facts.get("kind"), str):
        more.append(f"{plain.RETURN_KINDS.get(facts['kind'], plain.words(facts['kind']))} from "
                    f"{names.agencies.get(facts['agency'], facts['agency'])}")
    if isinstance(facts.get("due"), str):
        more.append(f"due {plain.due_label(facts['due'])}")
    return {"when": day(row["effective"]), "what": what + (": " + "; ".join(more) if more else ""),
            "who": row["actor"], "recorded": str(row["recorded"] or "")[:16].replace("T", " ")}
