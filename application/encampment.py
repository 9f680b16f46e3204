"""Reporting an encampment, with the no-return look-up (processes/unauthorised-encampments.md).

A new report for the same land (same location key) or the same group, on a day inside a no-return
window stored on an earlier encampment case of the partnership, is flagged at report time: the
finding ``{case, power, from, until}`` is stored in ``EncampmentReported.within_no_return_window``.

Earlier cases are found through the read model (``views.list_cases(partnership, "encampment",
None)``) and loaded from the event store to read their windows. Without a read model (the demo
opener), the earlier cases are found from the gap-free reference counters instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from application.ports import ReadModel
from application.service import CaseResult, CaseService, Meta
from domain import times
from domain.case import Case, CommandContext
from domain.encampment import DEFINITION, EncampmentCase, location_key
from domain.errors import NotFound
from domain.policy import CasePolicy
from domain.setup import reference_prefix


def earlier_references(cases: CaseService, partnership: str, views: ReadModel | None,
                       up_to_year: int) -> list[str]:
    """References of the partnership's encampment cases (from the views, else the counters)."""
    if views is not None:
        return [str(row["reference"]) for row in views.list_cases(partnership, "encampment", None)]
    code = cases.partnership(partnership).code
    found: list[str] = []
    for year in range(up_to_year - 2, up_to_year + 1):  # windows last at most 12 months
        number = 1
        while True:
            reference = f"{reference_prefix(code, DEFINITION.reference_code, year)}-{number:03d}"
            try:
                cases.resolve(reference)
            except NotFound:
                break
            found.append(reference)
            number += 1
    return found


def find_no_return_window(earlier: Iterable[Case], key: str, group: str | None,
                          on: date) -> dict[str, str] | None:
    """The window (latest ``until`` first) of an earlier case for the same land or group that
    ``on`` falls inside, as ``{case, power, from, until}``; None if there is none."""
    hits: list[dict[str, str]] = []
    for case in earlier:
        if not isinstance(case, EncampmentCase):
            continue
        same_land = case.location_key == key
        same_group = bool(group) and case.group == group
        if not (same_land or same_group):
            continue
        for w in case.no_return_windows:
            if date.fromisoformat(w["from"]) <= on <= date.fromisoformat(w["until"]):
                hits.append({"case": case.reference, "power": w["power"], "from": w["from"],
                             "until": w["until"]})
    return max(hits, key=lambda h: h["until"]) if hits else None


def report_encampment(
    cases: CaseService, views: ReadModel | None, meta: Meta, *, partnership: str,
    hub: str | None, location: str, grid_ref: str | None = None, lat: float | None = None,
    lon: float | None = None, caravans: int = 0, vehicles: int = 0, group: str | None = None,
    reporter: str | None = None,
) -> CaseResult:
    """`encampment report`: open the case; flag a return within a no-return window.

    ``views`` should be up to date (the CLI catches up first); ``None`` falls back to the
    reference counters.
    """
    on = times.effective_date(times.parse_effective(meta.on)) if meta.on else \
        times.effective_date(cases.context(meta).effective)
    key = location_key(grid_ref, lat, lon, location)
    earlier = [cases.load_case(ref) for ref in earlier_references(cases, partnership, views, on.year)]
    finding = find_no_return_window(earlier, key, (group or "").strip() or None, on)

    def create(ctx: CommandContext, case_id: UUID, reference: str, policy: CasePolicy) -> Case:
        return EncampmentCase.report(
            ctx, case_id=case_id, reference=reference, partnership=partnership, hub=hub,
            policy=policy, location=location, grid_ref=grid_ref, lat=lat, lon=lon,
            caravans=caravans, vehicles=vehicles, group=group, reporter=reporter,
            within_no_return_window=finding,
        )

    result = cases.open_case(meta, EncampmentCase, partnership, hub, create)
    detail: dict[str, Any] = {"within_no_return_window": finding}
    return CaseResult(result.id, result.reference, result.version, result.stage,
                      result.notification_id, detail)
