"""ASB Case Review use cases: receiving an application, evaluating the threshold, and the
statutory annual figures (processes/asb-case-review.md, "Annual publication").

The annual figures are computed from the events, not from the read models, so that the table for
any financial year can be reproduced exactly "as known on" any date: every ASB case of the
partnership is replayed from the events recorded by that instant.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from application.service import CaseResult, CaseService, Meta
from domain.asb import (
    AsbCaseReview,
)
from domain.case import CommandContext
from domain.errors import InvalidInput
from domain.policy import CasePolicy

COMPLAINT_HELP = "behaviour=DATE,reported=DATE,agency=AGENCY[,reference=R][,hate]"


def parse_complaint(text: str) -> dict[str, Any]:
    """``behaviour=DATE,reported=DATE,agency=AGENCY[,reference=R][,hate]`` → a complaint."""
    out: dict[str, Any] = {"hate": False}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part == "hate":
            out["hate"] = True
            continue
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in ("behaviour", "reported", "agency", "reference", "complainant"):
            raise InvalidInput(f"'{part}' is not understood in --complaint; use {COMPLAINT_HELP}.")
        out[key] = value.strip()
    missing = [k for k in ("behaviour", "reported", "agency") if not out.get(k)]
    if missing:
        raise InvalidInput(f"--complaint needs {', '.join(missing)}; use {COMPLAINT_HELP}.")
    return out


def receive_application(
    cases: CaseService, meta: Meta, *, partnership: str, hub: str, channel: str,
    applicant_type: str, applicant_name: str, applicant_contact: str = "", consent: bool = True,
    complaints: Iterable[dict[str, Any]] = (),
) -> CaseResult:
    """`asb receive`: creates the case (gap-free reference ``CUM-ASB-2026-001``)."""
    listed = [dict(c) for c in complaints]

    def create(ctx: CommandContext, case_id: UUID, reference: str, policy: CasePolicy) -> AsbCaseReview:
        return AsbCaseReview.receive(
            ctx, case_id=case_id, reference=reference, partnership=partnership, hub=hub,
            policy=policy, channel=channel, applicant_type=applicant_type,
            applicant_name=applicant_name, applicant_contact=applicant_contact, consent=consent,
            complaints=listed,
        )

    return cases.open_case(meta, AsbCaseReview, partnership, hub, create,
                           agencies=sorted({str(c.get("agency", "")) for c in listed}))


def evaluate_threshold(cases: CaseService, ref: str) -> dict[str, Any]:
    """`asb evaluate-threshold`: {met, rule, complaints[{…, qualifying, reason}], rules[…]}."""
    case = cases.load_case(ref)
    if not isinstance(case, AsbCaseReview):
        raise InvalidInput(f"{case.reference} is not an ASB Case Review.")
    return {"reference": case.reference, **case.evaluate_threshold().to_dict()}
