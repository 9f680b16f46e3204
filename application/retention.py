"""Retention in use: which closed cases are due for erasure, and erasing them.

The rule a case is assessed under is the national rule for its type in force on the day of
assessment, with its partnership's local policy version in force that day applied
(domain/retention.py). Erasure is two steps, in this order:

1. ``PersonalDataErased`` is saved on the case (who, when, the rule, the days retention started
   and ended); the domain refuses it while the case is open or held, before retention ends and
   once erased.
2. The case's data key is destroyed through the ``PersonalDataCipher`` port (crypto-shredding):
   every personal field of its events and its return documents, sealed under that key, can no
   longer be read by anyone.

Every way a command arrives (the command line, the HTTP API, the web pages) goes through
``CaseService.execute``, which does both. A crash between the two leaves a case marked erased
whose key is still present: ``due`` lists it as an erasure to finish, and erasing it again
destroys the key and records nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from application.ports import PersonalDataCipher, ReadModel
from domain.case import Case
from domain.retention import RetentionRule, retention_due, retention_started, rule_in_force
from domain.setup import Partnership


class Cases(Protocol):
    """What assessing retention reads of the cases (``CaseService`` gives it)."""

    def load_case(self, ref: str) -> Case: ...

    def partnership(self, slug: str) -> Partnership: ...


def rule_for(partnership: Partnership, case_type: str, on: date) -> RetentionRule:
    """The retention rule for the partnership's cases of a type, in force on a day."""
    return rule_in_force(case_type, on, partnership.policy_in_force(case_type, on.isoformat()))


def erasure_unfinished(cipher: PersonalDataCipher | None, case: Case) -> bool:
    """Marked erased while its data key is still there (a crash between the two steps)."""
    return (case.personal_data_erased is not None and cipher is not None
            and not cipher.is_destroyed(case.id))


@dataclass(frozen=True)
class RetentionDue:
    """``retention due``: closed cases whose retention has ended and that are neither held nor
    erased; closed cases under legal hold (their retention's end, reached or not); erasures
    whose key destruction is still to finish. No personal data: references, types, dates,
    rules and hold labels."""

    as_at: date
    due: list[dict[str, Any]]
    held: list[dict[str, Any]]
    unfinished: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"as_at": self.as_at.isoformat(), "due": self.due, "held": self.held,
                "erasures_to_finish": self.unfinished}


def due(cases: Cases, views: ReadModel, cipher: PersonalDataCipher | None, as_at: date,
        partnership: str | None = None) -> RetentionDue:
    """Assess every closed case (of one partnership, or all) as at a day. The case list (views,
    up to date) says which cases are closed; each is loaded to read its holds and erasure."""
    found = RetentionDue(as_at, [], [], [])
    partnerships: dict[str, Partnership] = {}
    for row in views.list_cases(partnership, None, None):
        if not row.get("closed_on"):
            continue
        case = cases.load_case(str(row["case_id"]))
        if not case.is_closed:  # the view is behind a re-opening
            continue
        if case.personal_data_erased is not None:
            if erasure_unfinished(cipher, case):
                found.unfinished.append({**_entry(case), "erased_on": case.personal_data_erased["on"]})
            continue
        if case.partnership not in partnerships:
            partnerships[case.partnership] = cases.partnership(case.partnership)
        rule = rule_for(partnerships[case.partnership], case.case_type, as_at)
        ends = retention_due(case, rule)
        started = retention_started(case, rule)
        entry = {**_entry(case), "retention_started": started.isoformat() if started else None,
                 "due": ends.isoformat() if ends else None, "rule": rule.says(),
                 "rule_source": rule.source}
        if case.open_holds:
            found.held.append({**entry, "holds": sorted(case.open_holds)})
        elif ends is not None and ends <= as_at:
            found.due.append(entry)
    found.due.sort(key=lambda e: (e["due"], e["reference"]))
    return found


def _entry(case: Case) -> dict[str, Any]:
    return {"reference": case.reference, "type": case.case_type,
            "partnership": case.partnership}
