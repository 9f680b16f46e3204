"""Projections: pure functions from one stored event to read-model changes.

The catch-up runner (infrastructure/projection_runner.py) applies the changes for a page of
notifications and the new tracking position in one transaction: exactly once, resumable after a
crash, and rebuildable from zero. Personal data never reaches the views: only the non-personal
fields of an event are projected into the audit history. The one exception passes through: an
event's personal texts go, in memory, to the subject index, which stores blind tokens of them
(``PersonalText``; application/subject_access.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain import access as a
from domain import asb
from domain import case as c
from domain import setup as s
from domain.personal import text_leaves
from domain.plain import Json
from domain.times import sortable_utc

META_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic",
               "effective", "actor", "reason", "basis", "personal"}

VIEW_TABLES = ("cases", "deadlines", "history", "partnerships", "hubs", "agencies", "access_log",
               "counties", "report_cases", "report_quarters", "asb_complaints", "subject_index")


@dataclass(frozen=True)
class Upsert:
    """Insert the row, or update it where the key exists."""

    table: str
    key: dict[str, Any]
    values: dict[str, Any]


@dataclass(frozen=True)
class Update:
    table: str
    key: dict[str, Any]
    values: dict[str, Any]


Change = Upsert | Update


@dataclass(frozen=True)
class PersonalText:
    """The texts of one event's personal data, for the subject index alone: the runner hands
    them, in memory, to the index, which keeps a blind token of each word and never the text
    (application/subject_access.py)."""

    case_id: str
    texts: tuple[str, ...]


@dataclass(frozen=True)
class PersonalDataGone:
    """A case's personal data was erased: the subject index forgets the case."""

    case_id: str


SubjectChange = PersonalText | PersonalDataGone
ViewChange = Change | SubjectChange


def utc(iso: str) -> str:
    """A sortable UTC form of an ISO date-time, for comparisons in SQL."""
    return sortable_utc(datetime.fromisoformat(iso))


def event_data(event: Any) -> dict[str, Any]:
    """The non-personal, non-meta fields of an event, JSON-ready."""
    return {k: _plain(v) for k, v in vars(event).items() if k not in META_FIELDS}


def personal_texts(personal: Any) -> tuple[str, ...]:
    """The non-empty texts inside a personal value (None, once erased: none)."""
    return tuple(text for _, text in text_leaves(personal) if text.strip())


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _subject_changes(event: c.CaseEvent[Any]) -> list[SubjectChange]:
    """The subject index's share of a case event: its personal texts (none once erased: the
    event reads ``None``), or, for the erasure itself, that the case is to be forgotten."""
    case_id = str(event.originator_id)
    if type(event).__name__ == "PersonalDataErased":
        return [PersonalDataGone(case_id)]
    texts = personal_texts(getattr(event, "personal", None))
    return [PersonalText(case_id, texts)] if texts else []


def project(event: Any) -> Sequence[ViewChange]:
    """The read-model changes for one event (empty for events no view needs)."""
    if isinstance(event, c.CaseEvent):
        return [*_case_changes(event), *_subject_changes(event)]
    if isinstance(event, s.SetupEvent):
        return _setup_changes(event)
    if isinstance(event, a.CaseRead | a.CaseAccessDenied):
        return _access_changes(event)
    return []


def _case_changes(event: c.CaseEvent[Any]) -> list[Change]:
    case_id = str(event.originator_id)
    recorded = event.timestamp.isoformat()
    changes: list[Change] = [
        Upsert("history", {"case_id": case_id, "version": event.originator_version}, {
            "event": type(event).__name__, "effective": event.effective, "recorded": recorded,
            "actor": event.actor, "reason": event.reason, "basis": event.basis,
            "data": json.dumps(event_data(event), sort_keys=True),
        }),
    ]
    summary: dict[str, Any] = {"version": event.originator_version, "updated": recorded}
    if isinstance(event, c.CaseOpened):
        summary.update(reference=event.reference, case_type=event.case_type,
                       partnership=event.partnership, hub=event.hub, opened_on=event.effective,
                       closed_on=None, paused=False, policy_version=event.policy["version"],
                       reminder_ladders=_ladders(event.policy))
    if isinstance(event, c.PolicyMigrated):
        summary.update(policy_version=event.policy["version"],
                       reminder_ladders=_ladders(event.policy))
    if isinstance(event, c.StageEntered):
        summary.update(stage=event.stage, stage_since=event.effective,
                       closed_on=event.effective if event.stage == "closed" else None)
    if isinstance(event, c.CasePaused):
        summary["paused"] = True
    if isinstance(event, c.CaseResumed | c.CaseClosed):
        summary["paused"] = False
    if isinstance(event, c.CaseRestricted):
        summary["restricted_to"] = json.dumps(sorted(event.people))
    if isinstance(event, c.CaseRestrictionLifted):
        summary["restricted_to"] = None
    make = Upsert if isinstance(event, c.CaseOpened) else Update
    changes.append(make("cases", {"case_id": case_id}, summary))
    changes.extend(_deadline_changes(case_id, event))
    changes.extend(_complaint_changes(case_id, event))
    return changes


def _complaint_changes(case_id: str, event: c.CaseEvent[Any]) -> list[Change]:
    """An ASB case review's complaints: when, by whom (a digest of the key) and duplicates."""
    if isinstance(event, asb.ApplicationReceived | asb.ComplaintAdded):
        return [Upsert("asb_complaints", {"case_id": case_id, "complaint_id": complaint["id"]}, {
            "complainant": _digest(case_id, complaint.get("complainant")),
            "reported": complaint["reported"],
            "window_end": asb.second_report_window_end(complaint["reported"]),
            "duplicate_of": complaint["duplicate_of"],
        }) for complaint in asb.complaints_recorded(event)]
    if isinstance(event, asb.ComplaintsMarkedDuplicate):
        return [Update("asb_complaints", {"case_id": case_id, "complaint_id": duplicate},
                       {"duplicate_of": event.kept}) for duplicate in event.duplicates]
    return []


def _digest(case_id: str, key: str | None) -> str | None:
    """The complainant key as the view keeps it: equal within a case, and not the key itself."""
    if key is None:
        return None
    return hashlib.sha256(f"{case_id}\0{key}".encode()).hexdigest()[:32]


def _ladders(policy: Mapping[str, Json]) -> str | None:
    """The policy's reminder ladders as JSON (None: the national ladder for every kind)."""
    ladders = policy.get("reminders")
    return json.dumps(ladders, sort_keys=True) if ladders else None


def _deadline_changes(case_id: str, event: c.CaseEvent[Any]) -> list[Change]:
    name = getattr(event, "name", None)
    key = {"case_id": case_id, "name": name}
    if isinstance(event, c.DeadlineSet):
        return [Upsert("deadlines", key, {
            "due": event.due, "due_utc": utc(event.due), "starts": event.starts,
            "responsible": event.responsible, "basis": event.basis, "status": "open",
            "met_on": None, "met_on_time": None, "calendar": event.calendar,
        })]
    if isinstance(event, c.ReminderIssued):
        return [Update("deadlines", key, {"last_reminder": event.step, "reminded_due": event.due,
                                          "reminded_day": event.step_day})]
    if isinstance(event, c.DeadlineMet):
        return [Update("deadlines", key, {"status": "met", "met_on": event.effective,
                                          "met_on_time": event.on_time})]
    if isinstance(event, c.DeadlineExtended | c.DeadlineResumed):
        return [Update("deadlines", key, {"due": event.due, "due_utc": utc(event.due),
                                          "status": "open"})]
    if isinstance(event, c.DeadlinePaused):
        return [Update("deadlines", key, {"status": "paused"})]
    if isinstance(event, c.DeadlineCancelled):
        return [Update("deadlines", key, {"status": "cancelled"})]
    return []


def _setup_changes(event: s.SetupEvent[Any]) -> list[Change]:
    owner = str(event.originator_id)
    if isinstance(event, s.PartnershipRegistered):
        return [Upsert("partnerships", {"partnership_id": owner}, {
            "slug": event.slug, "code": event.code, "name": event.name, "since": event.effective,
        })]
    if isinstance(event, s.PartnershipRenamed):
        return [Update("partnerships", {"partnership_id": owner}, {"name": event.name})]
    if isinstance(event, s.HubAdded):
        return [Upsert("hubs", {"partnership_id": owner, "hub": event.hub}, {"name": event.name})]
    if isinstance(event, s.AgencyRegistered):
        return [Upsert("agencies", {"agency_id": owner}, {
            "slug": event.slug, "name": event.name, "kind": event.kind,
            "partnerships": ",".join(event.partnerships),
        })]
    if isinstance(event, s.AgencyDetailsChanged):
        return [Update("agencies", {"agency_id": owner}, {
            "name": event.name, "kind": event.kind, "partnerships": ",".join(event.partnerships),
        })]
    if isinstance(event, s.CountyRegistered | s.CountyChanged):
        make = Upsert if isinstance(event, s.CountyRegistered) else Update
        values = {"name": event.name, "partnerships": ",".join(event.partnerships)}
        if isinstance(event, s.CountyRegistered):
            values["slug"] = event.slug
        return [make("counties", {"county_id": owner}, values)]
    return []


def recorded_utc(moment: datetime) -> str:
    """A fixed-width, sortable UTC form of a recorded instant (to the microsecond)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _access_changes(event: a.CaseRead | a.CaseAccessDenied) -> list[Change]:
    """product.md capability 4, the access log: one row per read or denied attempt
    (``outcome``: read or denied; ``why``: the policy's reason for a denial). The purpose of a
    read is personal data and stays in the event; ``audit access`` reads it from there."""
    why = event.why if isinstance(event, a.CaseAccessDenied) else None
    return [Upsert("access_log", {"access_id": str(event.originator_id)}, {
        "case_id": event.case_id, "reference": event.reference, "actor": event.actor,
        "what": event.what, "recorded": event.timestamp.isoformat(),
        "recorded_utc": recorded_utc(event.timestamp),
        "outcome": "read" if isinstance(event, a.CaseRead) else "denied", "why": why,
    })]
