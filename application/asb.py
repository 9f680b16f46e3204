"""ASB Case Review queries beyond the common ones: the threshold evaluation, complaint by complaint
(processes/asb-case-review.md, "Threshold").

The statutory annual figures are computed from the events by the reporting service, so that the
table for any financial year can be reproduced exactly "as known on" any date.
"""

from __future__ import annotations

from typing import Any

from application.service import CaseService
from domain.asb import AsbCaseReview
from domain.errors import InvalidInput


def evaluate_threshold(cases: CaseService, ref: str) -> dict[str, Any]:
    """{reference, met, rule, complaints[{…, qualifying, reason}], rules[…]}."""
    case = cases.load_case(ref)
    if not isinstance(case, AsbCaseReview):
        raise InvalidInput(f"{case.reference} is not an ASB Case Review.")
    return {"reference": case.reference, **case.evaluate_threshold().to_dict()}
