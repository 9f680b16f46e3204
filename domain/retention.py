"""How long a case's personal data is kept, and when it is due for erasure.

UK GDPR Art. 5(1)(e) (storage limitation) asks that personal data be kept no longer than its
purpose needs; no statute or statutory guidance sets that period for a DARDR review, an ASB Case
Review or an encampment case. The national defaults below are therefore caseledger's own choice,
labelled "assumed local practice" with the reasoning in their basis, and a partnership replaces
them with its own in its local policy version (domain/setup.py):

- ``retention_years``: a whole number of years, 1 to 100;
- ``retention_counted_from``: ``closure``, or for a DARDR review ``publication``.

Rules are dated. The national rule in force on the date retention is assessed (the day
``retention due`` is run, or an erasure's effective date) applies, overridden by whatever the
partnership's local version in force on that same date says: a partnership that lengthens its
period keeps every closed case longer, including those closed before.

Retention counts whole years from a milestone: the closure of the case or, counted from
publication, the publication of a DARDR report (a review closed without publication counts from
its closure). A case that is not closed has no retention end: it is in use. The end is the same
day N years on; from 29 February, in a year without one, it is 1 March, so that retention never
ends before N whole years have passed (contrast ``limits.years_after``, a horizon not to exceed,
which gives 28 February).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from domain import limits, times
from domain.errors import InvalidInput
from domain.plain import Json
from domain.policy import Basis

YEARS_SETTING = "retention_years"
COUNTED_FROM_SETTING = "retention_counted_from"
MAX_YEARS = 100


class CountedFrom(StrEnum):
    """The milestone a retention period counts from."""

    CLOSURE = "closure"
    PUBLICATION = "publication"  # a DARDR report's; closure when the review was not published


PUBLISHED_CASE_TYPES = frozenset({"dardr"})
"""The case types whose retention may count from publication (only a DARDR report is published)."""


class RetainedCase(Protocol):
    """What retention reads of a case (domain/case.py ``Case``): its type and closure; a DARDR
    review also has ``published_on``."""

    @property
    def case_type(self) -> str: ...

    @property
    def closed_on(self) -> str | None: ...


@dataclass(frozen=True)
class RetentionRule:
    """How long a case type's personal data is kept after its milestone, and on what basis."""

    case_type: str
    years: int
    counted_from: CountedFrom
    effective_from: date
    basis: Basis
    source: str = "national default"
    """``national default`` or ``local policy <version>``: where the numbers came from."""

    def says(self) -> str:
        """``20 years after publication (after closure when not published)``."""
        text = f"{self.years} year{'s' if self.years != 1 else ''} after {self.counted_from}"
        if self.counted_from is CountedFrom.PUBLICATION:
            text += " (after closure when not published)"
        return text

    def to_dict(self) -> dict[str, Json]:
        """As a ``PersonalDataErased`` fact keeps it: what was applied, and why."""
        return {"case_type": self.case_type, "years": self.years,
                "counted_from": str(self.counted_from),
                "effective_from": self.effective_from.isoformat(),
                "basis": str(self.basis), "source": self.source, "says": self.says()}


_CASE_FILES = ("caseledger's choice: no statute or guidance sets a period. Six years after "
               "closure is the usual local-authority case-file period, matching the six-year "
               "limit for claims in contract and tort (Limitation Act 1980 ss.2 and 5); a "
               "partnership sets its own (retention_years)")
_DARDR = ("caseledger's choice: no statute or guidance sets a period. A published review is "
          "returned to by later reviews, inquests, the Home Office's learning and the family, "
          "so its records are kept 20 years after publication, as local authorities keep "
          "serious case review records; after closure when it was not published. A partnership "
          "sets its own (retention_years, retention_counted_from)")

NATIONAL_RULES: tuple[RetentionRule, ...] = (
    RetentionRule("dardr", 20, CountedFrom.PUBLICATION, limits.DARDR_FROM,
                  Basis("assumed local practice", _DARDR)),
    RetentionRule("asb", 6, CountedFrom.CLOSURE, limits.ASB_FROM,
                  Basis("assumed local practice", _CASE_FILES)),
    RetentionRule("encampment", 6, CountedFrom.CLOSURE, limits.ENCAMPMENT_FROM,
                  Basis("assumed local practice", _CASE_FILES)),
)
"""The national defaults, each in force from its ``effective_from`` (here: since the process
existed). A changed default is a new entry with a later date, never an edit of an old one."""


def national_rule(case_type: str, on: date) -> RetentionRule:
    """The national rule for a case type in force on a date (the latest from on or before it)."""
    in_force = [r for r in NATIONAL_RULES if r.case_type == case_type and r.effective_from <= on]
    if not in_force:
        raise InvalidInput(f"No retention rule for {case_type} cases is in force on "
                           f"{on.isoformat()}.")
    return max(in_force, key=lambda r: r.effective_from)


def rule_in_force(case_type: str, on: date,
                  local: Mapping[str, Any] | None = None) -> RetentionRule:
    """The rule on a date: the national one, with the partnership's local version in force on
    that date (``Partnership.policy_in_force``: its ``version``, ``effective_from`` and
    ``settings``) applied where it sets ``retention_years`` or ``retention_counted_from``."""
    national = national_rule(case_type, on)
    settings: Mapping[str, Any] = (local or {}).get("settings") or {}
    years_text = settings.get(YEARS_SETTING)
    counted_text = settings.get(COUNTED_FROM_SETTING)
    if local is None or (years_text is None and counted_text is None):
        return national
    version = str(local.get("version", "?"))
    years = national.years if years_text is None else _years(str(years_text), version)
    counted_from = (national.counted_from if counted_text is None
                    else _counted_from(case_type, str(counted_text), version))
    effective_from = max(national.effective_from,
                         date.fromisoformat(str(local.get("effective_from", on.isoformat()))))
    basis = Basis("local procedure", f"the partnership's local policy {version} "
                                     f"({YEARS_SETTING}, {COUNTED_FROM_SETTING})")
    return RetentionRule(case_type, years, counted_from, effective_from, basis,
                         source=f"local policy {version}")


def setting_problems(case_type: str, settings: Mapping[str, str]) -> list[str]:
    """Every retention setting of a local policy version that cannot be used (for an import)."""
    problems: list[str] = []
    for key, check in ((YEARS_SETTING, lambda v: _years(v, "")),
                       (COUNTED_FROM_SETTING, lambda v: _counted_from(case_type, v, ""))):
        value = settings.get(key)
        if value is None:
            continue
        try:
            check(value)
        except InvalidInput as error:
            problems.append(error.message)
    return problems


def _setting(version: str, key: str) -> str:
    return f"The policy {version} setting {key}" if version else f"The setting {key}"


def _years(text: str, version: str) -> int:
    if not (text.isdigit() and 1 <= int(text) <= MAX_YEARS):
        raise InvalidInput(f"{_setting(version, YEARS_SETTING)} must be a whole number of years "
                           f"from 1 to {MAX_YEARS}, e.g. \"6\".")
    return int(text)


def _counted_from(case_type: str, text: str, version: str) -> CountedFrom:
    allowed = ([CountedFrom.CLOSURE, CountedFrom.PUBLICATION]
               if case_type in PUBLISHED_CASE_TYPES else [CountedFrom.CLOSURE])
    if text not in allowed:
        raise InvalidInput(f"{_setting(version, COUNTED_FROM_SETTING)} must be "
                           f"{' or '.join(allowed)} for a {case_type} case.")
    return CountedFrom(text)


def anniversary(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February → 1 March in a year without one, so that the
    period is never shorter than ``years`` whole years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def retention_started(case: RetainedCase, rule: RetentionRule) -> date | None:
    """The day retention counts from: the publication of a published DARDR report when the rule
    counts from publication, else the closure; None while the case is not closed."""
    if case.closed_on is None:
        return None
    published = getattr(case, "published_on", None)  # only a DARDR review has one
    if rule.counted_from is CountedFrom.PUBLICATION and isinstance(published, str):
        return times.effective_date(published)
    return times.effective_date(case.closed_on)


def retention_due(case: RetainedCase, rule: RetentionRule) -> date | None:
    """The first day the case's personal data may be erased; None while the case is open."""
    started = retention_started(case, rule)
    return None if started is None else anniversary(started, rule.years)
