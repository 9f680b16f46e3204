"""The ASB Case Review threshold, as pure functions (processes/asb-case-review.md, "The threshold").

Legal basis: Anti-social Behaviour, Crime and Policing Act 2014 s.104. The engine *evaluates*: it
says which rule is met, or why none is, complaint by complaint. The decision itself is recorded by a
person (``AsbCaseReview.decide_threshold``), who may not record "not met" when the statutory rule is
met (s.104(4)) and may use discretion (s.104(5)) with reasons.

Local variants are dated policy settings (``CasePolicy.settings``), in force when the setting's
date is on or before the application date:

- ``threshold_minimum``: the partnership's number of qualifying complaints (at most 3; default 3);
- ``variant_five_complaints_from``: complaints about the same problem from different
  complainants, ``complainants_number`` of them (default 5) within ``complainants_window_months``
  (default 6) before the application. Only complaints with a complainant key count: a complaint
  whose complainant is unknown is never taken to be a different person;
- ``variant_hate_incident_from``: one hate incident or crime within ``hate_incident_window_months``
  (default 3) before the application;
- ``variant_senior_manager_from``: a senior manager may start a review (applicant type
  ``senior-manager``).

The numbers and windows are the partnership's policy data (``SETTING_DEFAULTS``), not constants:
local procedures differ (a hate incident within three months in legacy Allerdale, six months in
others; research A.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from domain.calendar import add_calendar_months
from domain.errors import InvalidInput
from domain.plain import Json

STATUTORY_MINIMUM = 3


class ThresholdRule(StrEnum):
    """The rules a threshold decision may rest on: the statutory minimum, the local variants in
    RULES order, and discretion (s.104(5), with reasons)."""

    STATUTORY_MINIMUM = "statutory-minimum"
    FIVE_COMPLAINTS = "five-complaints"
    HATE_INCIDENT = "hate-incident"
    SENIOR_MANAGER = "senior-manager"
    DISCRETION = "discretion"


STATUTORY = ThresholdRule.STATUTORY_MINIMUM
DISCRETION = ThresholdRule.DISCRETION
RULES = (STATUTORY, ThresholdRule.FIVE_COMPLAINTS, ThresholdRule.HATE_INCIDENT,
         ThresholdRule.SENIOR_MANAGER)
"""The rules in the order they are evaluated (the first met is named)."""
SETTING_DEFAULTS = {
    "complainants_number": 5,
    "complainants_window_months": 6,
    "hate_incident_window_months": 3,
}
"""The local variants' numbers and windows when a partnership's policy does not set them."""
SETTING_LIMITS = {
    "complainants_number": (2, 50),
    "complainants_window_months": (1, 24),
    "hate_incident_window_months": (1, 24),
}
VARIANT_SETTINGS = {
    ThresholdRule.FIVE_COMPLAINTS: "variant_five_complaints_from",
    ThresholdRule.HATE_INCIDENT: "variant_hate_incident_from",
    ThresholdRule.SENIOR_MANAGER: "variant_senior_manager_from",
}


@dataclass(frozen=True)
class Complaint:
    """One complaint about the behaviour. ``complainant`` is an opaque key (no names), used only to
    tell different complainants apart; ``duplicate_of`` is set when the coordinator recorded it as
    the same incident as another complaint."""

    id: str
    behaviour: date
    reported: date
    agency: str
    reference: str | None = None
    hate: bool = False
    complainant: str | None = None
    duplicate_of: str | None = None
    duplicate_reason: str | None = None

    def to_dict(self) -> dict[str, Json]:
        return {"id": self.id, "behaviour": self.behaviour.isoformat(),
                "reported": self.reported.isoformat(), "agency": self.agency,
                "reference": self.reference, "hate": self.hate}


@dataclass(frozen=True)
class ComplaintFinding:
    complaint: Complaint
    qualifying: bool
    reason: str
    counted: bool  # False for a duplicate of another complaint

    def to_dict(self) -> dict[str, Json]:
        return {**self.complaint.to_dict(), "qualifying": self.qualifying,
                "counted": self.counted, "reason": self.reason}


@dataclass(frozen=True)
class RuleFinding:
    rule: str
    met: bool
    explanation: str

    def to_dict(self) -> dict[str, Json]:
        return {"rule": self.rule, "met": self.met, "explanation": self.explanation}


@dataclass(frozen=True)
class Evaluation:
    """Which rule is met (the first in RULES order), or why none is."""

    met: bool
    rule: str | None
    complaints: list[ComplaintFinding]
    rules: list[RuleFinding] = field(default_factory=list)

    @property
    def statutory_met(self) -> bool:
        return any(r.rule == STATUTORY and r.met for r in self.rules)

    @property
    def met_rules(self) -> list[str]:
        return [r.rule for r in self.rules if r.met]

    def to_dict(self) -> dict[str, Json]:
        return {"met": self.met, "rule": self.rule,
                "complaints": [c.to_dict() for c in self.complaints],
                "rules": [r.to_dict() for r in self.rules]}


# --------------------------------------------------------------------------- settings


def local_minimum(settings: Mapping[str, str]) -> int:
    """The number of qualifying complaints: three, or the partnership's own number (ASBCPA 2014
    s.104(4)(b): "at least three (or, if a different number is specified in the review procedures,
    at least that number of)"; the Explanatory Notes, para 231: "no higher than three")."""
    raw = settings.get("threshold_minimum", str(STATUTORY_MINIMUM))
    try:
        number = int(raw)
    except ValueError:
        raise InvalidInput(f"The policy setting threshold_minimum '{raw}' is not a number.") from None
    if not 1 <= number <= STATUTORY_MINIMUM:
        raise InvalidInput(
            f"The policy setting threshold_minimum is {number}; it may be 1 to 3 (s.104(4) and "
            "its Explanatory Notes: the local number may be lower than three, never higher)."
        )
    return number


def number_setting(settings: Mapping[str, str], key: str) -> int:
    """A local variant's number or window (months) from the policy, or its default."""
    raw = settings.get(key)
    if raw is None:
        return SETTING_DEFAULTS[key]
    low, high = SETTING_LIMITS[key]
    try:
        number = int(raw)
    except ValueError:
        raise InvalidInput(f"The policy setting {key} '{raw}' is not a whole number.") from None
    if not low <= number <= high:
        raise InvalidInput(f"The policy setting {key} is {number}; it may be {low} to {high}.")
    return number


def setting_problems(settings: Mapping[str, str]) -> list[str]:
    """Every ASB threshold setting that cannot be used (for the set-up import)."""
    problems: list[str] = []
    checks: list[tuple[str, ThresholdRule | None]] = [
        ("threshold_minimum", None), *[(key, None) for key in SETTING_DEFAULTS],
        *[("", rule) for rule in VARIANT_SETTINGS]]
    for key, rule in checks:
        try:
            if rule is not None:
                variant_in_force(settings, rule, date.min)
            elif key == "threshold_minimum":
                local_minimum(settings)
            else:
                number_setting(settings, key)
        except InvalidInput as error:
            problems.append(error.message)
    return problems


def variant_in_force(settings: Mapping[str, str], rule: ThresholdRule, on: date) -> bool:
    since = settings.get(VARIANT_SETTINGS[rule])
    if not since:
        return False
    try:
        return date.fromisoformat(since) <= on
    except ValueError:
        raise InvalidInput(f"The policy setting {VARIANT_SETTINGS[rule]} '{since}' is not a date.") from None


# --------------------------------------------------------------------------- complaints


def duplicates(complaints: Iterable[Complaint], application: date | None = None) -> dict[str, str]:
    """Complaint id → why it does not count: the same incident reported to several agencies counts
    once (same incident reference, or recorded as a duplicate by the coordinator).

    Of the complaints sharing a reference, the one counted is chosen by what they say, never by
    the order they were recorded in: a qualifying one (as at ``application``, when given) before
    one that does not qualify, then the earliest reported."""
    listed = list(complaints)
    out: dict[str, str] = {}
    counted_by_reference: dict[str, str] = {}
    for c in sorted(listed, key=lambda c: _counted_first(c, application)):
        if c.duplicate_of:
            out[c.id] = (f"the same incident as {c.duplicate_of} (recorded by the coordinator"
                         f"{': ' + c.duplicate_reason if c.duplicate_reason else ''}); counted once")
            continue
        key = (c.reference or "").strip().lower()
        if not key:
            continue
        if key in counted_by_reference:
            out[c.id] = (f"the same incident reference {c.reference} as "
                         f"{counted_by_reference[key]}; counted once")
        else:
            counted_by_reference[key] = c.id
    return out


def _counted_first(c: Complaint, application: date | None) -> tuple[bool, date, date, str, str, bool, str]:
    qualifies = application is not None and complaint_qualifies(c, application)[0]
    return (not qualifies, c.reported, c.behaviour, c.agency, c.complainant or "", not c.hate, c.id)


def complaint_qualifies(c: Complaint, application: date) -> tuple[bool, str]:
    """ASBCPA 2014 s.104(11): a complaint qualifies when made within one month of the behaviour
    (calendar month, clamped to the month's last day) and the application is made within six
    months of the complaint."""
    report_by = add_calendar_months(c.behaviour, 1)
    apply_by = add_calendar_months(c.reported, 6)
    if c.reported < c.behaviour:
        return False, f"reported ({c.reported}) before the behaviour ({c.behaviour})"
    if c.reported > report_by:
        return False, (f"reported {c.reported}, more than one month after the behaviour on "
                       f"{c.behaviour} (by {report_by})")
    if application > apply_by:
        return False, (f"the application ({application}) is more than six months after the "
                       f"complaint ({c.reported}; by {apply_by})")
    if application < c.reported:
        return False, f"made after the application ({application})"
    return True, (f"reported {c.reported}, within one month of the behaviour on {c.behaviour}; "
                  f"application within six months")


def findings(complaints: Iterable[Complaint], application: date) -> list[ComplaintFinding]:
    listed = list(complaints)
    dups = duplicates(listed, application)
    out = []
    for c in listed:
        qualifying, reason = complaint_qualifies(c, application)
        if c.id in dups:
            out.append(ComplaintFinding(c, qualifying, f"{reason}; {dups[c.id]}", counted=False))
        else:
            out.append(ComplaintFinding(c, qualifying, reason, counted=True))
    return out


# --------------------------------------------------------------------------- rules


def qualifies_by_statutory_minimum(found: list[ComplaintFinding], settings: Mapping[str, str]) -> RuleFinding:
    """ASBCPA 2014 s.104(4),(11): met when at least three (or the local lower number) qualifying
    complaints were made about the behaviour; duplicates count once."""
    minimum = local_minimum(settings)
    counted = [f.complaint.id for f in found if f.qualifying and f.counted]
    met = len(counted) >= minimum
    listed = ", ".join(counted) or "none"
    return RuleFinding(STATUTORY, met,
                       f"{len(counted)} qualifying complaint(s) ({listed}); {minimum} needed")


def qualifies_by_five_complaints(found: list[ComplaintFinding], settings: Mapping[str, str],
                                 application: date) -> RuleFinding | None:
    """Local variant: complaints about the same problem from ``complainants_number`` (5) different
    complainants within ``complainants_window_months`` (6) of the application (a local threshold
    under s.104(5)). Complainants are told apart by their keys only: complaints without a key are
    not counted as different people."""
    if not variant_in_force(settings, ThresholdRule.FIVE_COMPLAINTS, application):
        return None
    needed = number_setting(settings, "complainants_number")
    since = add_calendar_months(application, -number_setting(settings, "complainants_window_months"))
    in_window = [f for f in found if f.counted and since <= f.complaint.reported <= application]
    complainants = {f.complaint.complainant for f in in_window if f.complaint.complainant}
    unknown = sum(1 for f in in_window if not f.complaint.complainant)
    met = len(complainants) >= needed
    note = (f"; {unknown} complaint(s) without a complainant key not counted as different people"
            if unknown else "")
    return RuleFinding(ThresholdRule.FIVE_COMPLAINTS, met,
                       f"{len(complainants)} different complainant(s) since {since}; {needed} "
                       f"needed{note}")


def qualifies_by_hate_incident(found: list[ComplaintFinding], settings: Mapping[str, str],
                               application: date) -> RuleFinding | None:
    """Local variant: one hate incident or crime within ``hate_incident_window_months`` (3) of
    the application."""
    if not variant_in_force(settings, ThresholdRule.HATE_INCIDENT, application):
        return None
    since = add_calendar_months(application, -number_setting(settings, "hate_incident_window_months"))
    hate = [f.complaint.id for f in found
            if f.counted and f.complaint.hate and since <= f.complaint.behaviour <= application]
    return RuleFinding(ThresholdRule.HATE_INCIDENT, bool(hate),
                       f"hate-related complaint(s) since {since}: {', '.join(hate) or 'none'}")


def qualifies_by_senior_manager(applicant_type: str, settings: Mapping[str, str],
                                application: date) -> RuleFinding | None:
    """Local variant: a senior council manager may start a review for a vulnerable victim."""
    if not variant_in_force(settings, ThresholdRule.SENIOR_MANAGER, application):
        return None
    met = applicant_type == "senior-manager"
    return RuleFinding(ThresholdRule.SENIOR_MANAGER, met,
                       "started by a senior manager" if met else "not started by a senior manager")


def evaluate(complaints: Iterable[Complaint], application: date, settings: Mapping[str, str],
             applicant_type: str) -> Evaluation:
    """Every rule in force, in order; met when any is (the first met rule is named)."""
    found = findings(complaints, application)
    rules: list[RuleFinding] = [qualifies_by_statutory_minimum(found, settings)]
    for maybe in (qualifies_by_five_complaints(found, settings, application),
                  qualifies_by_hate_incident(found, settings, application),
                  qualifies_by_senior_manager(applicant_type, settings, application)):
        if maybe is not None:
            rules.append(maybe)
    met = [r.rule for r in rules if r.met]
    return Evaluation(met=bool(met), rule=met[0] if met else None, complaints=found, rules=rules)
