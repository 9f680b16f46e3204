"""ASB Case Review use cases: receiving an application, evaluating the threshold, and the
statutory annual figures (processes/asb-case-review.md, "Annual publication").

The annual figures are computed from the events, not from the read models, so that the table for
any financial year can be reproduced exactly "as known on" any date: every ASB case of the
partnership is replayed from the events recorded by that instant.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from caseledger.application.service import CaseResult, CaseService, Meta
from caseledger.domain import times
from caseledger.domain.asb import (
    AppealDetermined,
    ApplicationReceived,
    AsbCaseReview,
    CaseReviewMeetingHeld,
    RecommendationsMade,
    ThresholdDecided,
)
from caseledger.domain.case import CommandContext
from caseledger.domain.errors import InvalidInput
from caseledger.domain.policy import CasePolicy

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


class _CaseLister(Protocol):
    def list_cases(self, partnership: str | None, case_type: str | None,
                   stage: str | None) -> Any: ...


def financial_year(year: int) -> tuple[date, date]:
    """The financial year starting 1 April ``year`` and ending 31 March ``year + 1``."""
    return date(year, 4, 1), date(year + 1, 3, 31)


def annual_figures(cases: CaseService, views: _CaseLister, partnership: str, year: int,
                   as_known_at: datetime | None = None) -> dict[str, Any]:
    """The statutory annual figures for the financial year ``year``/``year+1`` and a partnership:
    applications; times the threshold was not met; reviews carried out; reviews that resulted in
    recommendations, counted by effective date, from events recorded by ``as_known_at``."""
    cases.partnership(partnership)  # NotFound for an unknown partnership
    start, end = financial_year(year)
    known_at = as_known_at or cases.clock.now()
    counts = {"applications": 0, "threshold_not_met": 0, "reviews_carried_out": 0,
              "reviews_with_recommendations": 0, "appeals_determined": 0}

    def in_year(effective: str) -> bool:
        return start <= times.effective_date(effective) <= end

    for row in views.list_cases(partnership, "asb", None):
        events = [e for e in cases.app.repository.event_store.get(UUID(str(row["case_id"])))
                  if getattr(e, "timestamp") <= known_at]  # noqa: B009
        held = recommended = False
        for event in events:
            effective = getattr(event, "effective", None)
            if effective is None or not in_year(effective):
                continue
            if isinstance(event, ApplicationReceived):
                counts["applications"] += 1
            elif isinstance(event, ThresholdDecided) and not event.met:
                counts["threshold_not_met"] += 1
            elif isinstance(event, CaseReviewMeetingHeld) and not held:
                held = True
                counts["reviews_carried_out"] += 1
            elif isinstance(event, RecommendationsMade) and not recommended:
                recommended = True
                counts["reviews_with_recommendations"] += 1
            elif isinstance(event, AppealDetermined):
                counts["appeals_determined"] += 1
    return {"partnership": partnership, "year": f"{year}/{str(year + 1)[-2:]}",
            "from": start.isoformat(), "to": end.isoformat(),
            "as_known_at": known_at.isoformat(), **counts}
