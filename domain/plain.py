"""Plain data as events store it (JSON values, the shapes personal fields take), and plain
words for people: the one vocabulary that shows the domain's codes in English.

Personal data (names, contact details, addresses, dates of birth, free text) lives only in an
event's ``personal`` field, never in a case's state, so that it can be encrypted with a per-case
key and erased when retention ends while deadlines, statistics and the audit chain keep working.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import TypeAlias

from domain.calendar import END_OF_DAY, LONDON

Json: TypeAlias = str | int | float | bool | None | Sequence["Json"] | Mapping[str, "Json"]
JsonObject: TypeAlias = Mapping[str, Json]

Text: TypeAlias = dict[str, str]
"""A personal field of named texts: ``{"name": "A. Chair"}``, ``{"note": "…"}``."""

Texts: TypeAlias = dict[str, list[str]]
"""A personal field of lists of texts: ``{"points": ["…", "…"]}``."""

Addressees: TypeAlias = dict[str, list[dict[str, str]]]
"""Who a reminder went to: ``{"to": [{"role", "of", "name", "email"}]}``."""


def stored(fields: Mapping[str, object]) -> dict[str, object]:
    """Event fields as they are stored and read back: a choice (``StrEnum``) as its plain text."""
    return {name: _plain(value) for name, value in fields.items()}


def _plain(value: object) -> object:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# --------------------------------------------------------------------------- plain words
#
# The one vocabulary that turns the codes the domain stores (stages, deadline names, choices)
# into the plain English that people read: in ``case show``, ``case list``, ``deadlines``, the
# reminder emails and the board report. Machine output (JSON) keeps the codes. Agency, hub and
# partnership names come from the set-up: callers pass them in, as ``names``.

CASE_TYPES = {
    "dardr": "Domestic Abuse Related Death Review (DARDR)",
    "asb": "ASB Case Review",
    "encampment": "Unauthorised encampment",
}

CASE_TYPES_SHORT = {"dardr": "DARDR", "asb": "ASB Case Review", "encampment": "Encampment"}
"""The case type where a table has little room (``case list``, the board report)."""

STAGES: dict[str, dict[str, str]] = {
    "dardr": {
        "notified": "Death notified",
        "scoping": "Scoping",
        "decided-no-review": "Decided not to hold a review",
        "awaiting-home-office-view": "Awaiting the Home Office's view",
        "commissioning": "Commissioning the review",
        "evidence-gathering": "Gathering evidence",
        "drafting": "Drafting the report",
        "local-sign-off": "Local sign-off",
        "submitted-to-home-office": "With the Home Office Quality Assurance Panel",
        "amending": "Amending the report",
        "approved": "Approved by the Home Office",
        "published": "Published",
        "closed": "Closed",
    },
    "asb": {
        "received": "Application received",
        "gathering-information": "Gathering information",
        "threshold-not-met": "Threshold not met",
        "review-pending": "Review meeting to be held",
        "review-held": "Review meeting held",
        "outcome-pending": "Outcome to be sent",
        "monitoring-actions": "Monitoring the action plan",
        "appeal": "Appeal",
        "closed": "Closed",
    },
    "encampment": {
        "reported": "Reported",
        "triage": "Triage",
        "assessing": "Assessing welfare and impact",
        "deciding": "Deciding",
        "tolerated": "Tolerated",
        "enforcing": "Enforcing",
        "vacated": "Vacated",
        "closed": "Closed",
    },
}

RETURN_KINDS = {
    "scoping": "Scoping response",
    "chronology": "Chronology",
    "imr": "Individual Management Review (IMR)",
    "short-report": "Short report",
    "information": "Information return",
}

DEADLINES: dict[str, dict[str, str]] = {
    "dardr": {
        "decision": "Decision on whether to hold a review",
        "home-office-notification": "Notification of the decision to the Home Office",
        "chair-appointment": "Appointment of the review's independent chair",
        "review-completion": "Completion of the review",
        "commissioner-copy": "Copy of the report to the Domestic Abuse Commissioner",
        "publication": "Publication of the report",
    },
    "asb": {
        "acknowledgement": "Acknowledgement of the application",
        "threshold-decision": "Decision on whether the threshold for a review is met",
        "threshold-notification": "Telling the applicant whether the threshold is met",
        "review-meeting": "Case Review meeting",
        "outcome-notification": "Telling the applicant the outcome of the review",
        "appeal-window": "Time to appeal",
        "appeal-decision": "Decision on the appeal",
    },
    "encampment": {
        "initial-visit": "Initial visit to the encampment",
        "welfare-assessment": "Welfare assessment",
        "decision": "Decision on the encampment (tolerate, or not allow and by which power)",
        "leaving-date": "Agreed leaving date",
        "direction-compliance": "Compliance with the direction to leave",
        "order-compliance": "Compliance with the court order",
        "cleanup": "Clean-up of the site",
    },
}
"""Deadlines by case type and name. Returns (``return:AGENCY:KIND``) and actions
(``action:ID``) are worded from ``RETURN_KINDS`` and the action's id (``deadline_label``)."""

ACTION_LEVELS = {
    "single-agency": "Single agency", "multi-agency": "Multi-agency", "local": "Local",
    "regional": "Regional", "national": "National",
}
"""The level an action or recommendation of an action plan is addressed at."""

SECOND_REPORT = ("A complainant reported again within six months of an earlier report: tell the "
                 "victim about the ASB case review (statutory guidance, 2025).")

DEADLINE_STATUSES = {
    "open": "open", "overdue": "overdue", "met": "met", "met-late": "met late",
    "paused": "paused", "cancelled": "cancelled",
}

PARTIES = {
    "council": "the council",
    "occupants": "the occupants of the encampment",
    "landowner": "the landowner",
}
"""Who is responsible for a deadline, when it is not an agency, the partnership or its hub."""

_POWERS = {
    "s77": "direction to leave (CJPOA 1994 s.77)",
    "s61": "police direction to leave (CJPOA 1994 s.61)",
    "s62a": "police direction to a pitch (CJPOA 1994 s.62A)",
    "s60c": "police direction (CJPOA 1994 s.60C)",
    "cpr55": "possession claim (Civil Procedure Rules Part 55)",
    "injunction": "injunction",
}

CHOICES: dict[str, dict[str, str]] = {
    # DARDR
    "guidance": {"dhr-2016": "Domestic Homicide Review statutory guidance (2016)",
                 "dardr-2024-draft": "DARDR statutory guidance (2024 draft)"},
    "relationship": {"intimate-partner": "intimate partner", "former-partner": "former partner",
                     "family": "family member", "household": "member of the same household"},
    "death-type": {"homicide": "homicide", "suspected-suicide": "suspected suicide",
                   "other": "other"},
    "age-band": {"under-16": "under 16", "16-17": "16 to 17", "18-24": "18 to 24",
                 "25-34": "25 to 34", "35-44": "35 to 44", "45-54": "45 to 54",
                 "55-64": "55 to 64", "65-74": "65 to 74", "75+": "75 and over",
                 "unknown": "not known"},
    "review-outcome": {"review": "hold a review", "no-review": "no review",
                       "joint-review": "hold a joint review with another review",
                       "referred": "refer to another review"},
    "home-office-view": {"no-review-agreed": "agrees that no review is needed",
                         "reconsider": "asks the partnership to reconsider",
                         "direction": "directs that a review is held"},
    "qa-outcome": {"approved": "approved",
                   "approved-subject-to-amendments": "approved subject to amendments",
                   "resubmission-required": "resubmission required"},
    "deferral-reason": {"criminal-proceedings": "criminal proceedings", "inquest": "inquest",
                        "family": "the family's wishes", "other": "other"},
    "process-kind": {"criminal": "criminal proceedings", "inquest": "inquest",
                     "iopc": "IOPC investigation", "sar": "Safeguarding Adults Review",
                     "cspr": "Child Safeguarding Practice Review",
                     "mhhr": "Mental Health Homicide Review",
                     "owhr": "Offensive Weapons Homicide Review", "civil": "civil proceedings",
                     "other": "other"},
    # ASB Case Reviews
    "channel": {"online": "online", "phone": "by phone", "paper": "on paper",
                "email": "by email", "on-behalf": "on the applicant's behalf"},
    "applicant-type": {"individual": "individual", "business": "business",
                       "community-group": "community group",
                       "third-party-with-consent": "someone else, with the victim's consent",
                       "senior-manager": "senior manager"},
    "notify-method": {"letter": "by letter", "email": "by email", "phone": "by phone",
                      "in-person": "in person"},
    "not-met-category": {"below-threshold": "below the threshold", "vexatious": "vexatious",
                         "malicious": "malicious",
                         "not-anti-social-behaviour": "not anti-social behaviour",
                         "other": "other reasons"},
    "involvement-level": {"attend-meeting": "attend the meeting", "written-views": "written views",
                          "kept-informed": "kept informed", "none": "no involvement"},
    "threshold-rule": {"statutory-minimum": "three complaints in six months (the statutory minimum)",
                       "five-complaints": "five complaints in six months (local variant)",
                       "hate-incident": "a hate incident (local variant)",
                       "senior-manager": "asked for by a senior manager (local variant)",
                       "discretion": "discretion, with reasons"},
    # encampments
    "land-kind": {"council": "council land", "private": "private land", "highway": "highway",
                  "other-public": "other public land"},
    "land": {"the same land": "the same land",
             "any land in the local authority's area": "any land in the local authority's area"},
    "claim-service": {"attached-to-land": "copies attached to the land (CPR 55.6(a))",
                      "stakes": "copies on stakes in the land (CPR 55.6(b))",
                      "court-ordered": "a method the court ordered (CPR 6.15)",
                      "personal": "personal service", "post": "by post",
                      "left-at-address": "left at an address"},
    "s61-ground": {"damage": "damage to the land or property",
                   "threatening-behaviour": "threatening, abusive or insulting behaviour",
                   "disruption": "disruption", "distress": "distress",
                   "six-vehicles": "six or more vehicles"},
    "decision": {"tolerate": "tolerate", "negotiated-stopping": "negotiated stopping place",
                 "not-allow": "not allow"},
    "power": _POWERS,
    "direction-power": _POWERS,
    "police-power": _POWERS,
    "welfare-need": {"health": "health", "pregnancy": "pregnancy", "newborn": "newborn baby",
                     "disability": "disability", "elderly": "elderly people",
                     "education": "education", "mechanical-breakdown": "broken-down vehicle"},
    "premises": {"land": "land", "residential": "residential premises"},
    "hearing-result": {"order-granted": "order granted", "adjourned": "adjourned",
                       "refused": "refused", "withdrawn": "withdrawn"},
    "order-kind": {"s78": "removal order (CJPOA 1994 s.78)", "possession": "possession order",
                   "injunction": "injunction"},
    "enforcement-step": {"scheduled": "scheduled", "executed": "carried out"},
    # every case type
    "rag": {"red": "red", "amber": "amber", "green": "green"},
    "counted-from": {"closure": "after closure",
                     "publication": "after publication (or closure, if not published)"},
    "clock-unit": {"calendar-months": "calendar months", "calendar-days": "calendar days",
                   "working-days": "working days", "hours": "hours"},
}
"""Each choice (a ``StrEnum`` of the domain, named in kebab case) and its members' words."""

DETAIL_CHOICES: dict[str, dict[str, str]] = {
    "dardr": {"guidance": "guidance", "relationship": "relationship", "death_type": "death-type",
              "age_band": "age-band", "decision": "review-outcome", "qa_outcome": "qa-outcome"},
    "asb": {"channel": "channel", "applicant_type": "applicant-type",
            "threshold_rule": "threshold-rule"},
    "encampment": {"land": "land-kind", "decision": "decision", "power": "power",
                   "needs": "welfare-need"},
}
"""Which choice each of a case type's details (``case show``) holds."""


def words(code: str) -> str:
    """A code no table names yet, read as words (``met-late`` → "met late"): an unknown code
    stored by an older version is still shown, never refused."""
    return code.replace("-", " ").replace("_", " ")


def listed(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: a list as people write one."""
    items = list(dict.fromkeys(items))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def case_type_label(case_type: str, *, short: bool = False) -> str:
    return (CASE_TYPES_SHORT if short else CASE_TYPES).get(case_type) or words(case_type)


def stage_label(case_type: str, stage: str) -> str:
    return STAGES.get(case_type, {}).get(stage) or words(stage)


def status_label(status: str) -> str:
    return DEADLINE_STATUSES.get(status) or words(status)


def choice_label(kind: str, code: str) -> str:
    """A member of the choice ``kind`` (``CHOICES``) in words."""
    return CHOICES.get(kind, {}).get(code) or words(code)


def party_label(slug: str, names: Mapping[str, str], partnership: str | None = None,
                hub: str | None = None) -> str:
    """Who is responsible: an agency's name from the set-up, the partnership or its hub by name,
    or the council, the occupants or the landowner."""
    if slug == "partnership":
        return partnership or "the partnership"
    if slug == "hub":
        return hub or (f"the local focus hub of {partnership}" if partnership else "the hub")
    return PARTIES.get(slug) or names.get(slug, slug)


def deadline_label(case_type: str, name: str, names: Mapping[str, str],
                   responsible: str | None = None, partnership: str | None = None,
                   hub: str | None = None) -> str:
    """A deadline in words: ``return:cumbria-police:imr`` → "Individual Management Review (IMR)
    from Cumbria Police"; ``action:A1`` → "Action A1 of the action plan (Cumbria Police)";
    ``commissioner-copy`` → "Copy of the report to the Domestic Abuse Commissioner"."""
    parts = name.split(":")
    if parts[0] == "return" and len(parts) == 3:
        kind = RETURN_KINDS.get(parts[2]) or words(parts[2]).capitalize()
        return f"{kind} from {names.get(parts[1], parts[1])}"
    if parts[0] == "action" and len(parts) == 2:
        owner = f" ({party_label(responsible, names, partnership, hub)})" if responsible else ""
        return f"Action {parts[1]} of the action plan{owner}"
    return DEADLINES.get(case_type, {}).get(name) or words(name).capitalize()


def deadline_kind_label(case_type: str, kind: str) -> str:
    """A kind of deadline, as the board report counts them: ``return:imr`` → "Individual
    Management Review (IMR)", ``action`` → "Actions of the action plan"."""
    if kind.startswith("return:"):
        return RETURN_KINDS.get(kind[len("return:"):]) or words(kind[len("return:"):]).capitalize()
    if kind == "action":
        return "Actions of the action plan"
    return DEADLINES.get(case_type, {}).get(kind) or words(kind).capitalize()


def detail_label(case_type: str, field: str, value: object) -> object:
    """A detail of ``case show`` with its choice codes in words (other values as they are)."""
    kind = DETAIL_CHOICES.get(case_type, {}).get(field)
    if kind is None:
        return value
    if isinstance(value, str):
        return choice_label(kind, value)
    if isinstance(value, list):
        return [choice_label(kind, v) if isinstance(v, str) else v for v in value]
    return value


def due_label(due: datetime | str, *, hourly: bool = False) -> str:
    """When a deadline falls due, in Europe/London: the day alone for a deadline due at the end
    of a day (``2026-03-04``), else the day, the time and the zone (``2026-03-04 15:00 GMT``),
    so an hour-based clock never reads as a whole day and the hour repeated when the clocks go
    back is never ambiguous. ``hourly``: show the time even at the end of the day."""
    moment = (datetime.fromisoformat(due) if isinstance(due, str) else due).astimezone(LONDON)
    if not hourly and moment.time() == END_OF_DAY:
        return moment.date().isoformat()
    return f"{moment:%Y-%m-%d %H:%M} {moment:%Z}"
