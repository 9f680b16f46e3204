"""The no-return look-up when an encampment is reported (processes/unauthorised-encampments.md).

A new report for the same land (same location key) or the same group, on a day inside a no-return
window stored on an earlier encampment case of the partnership, is flagged at report time: the
finding ``{case, power, from, until}`` is stored in ``EncampmentReported.within_no_return_window``.
The earlier cases are the partnership's encampment cases, found by ``CaseService.open``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from domain.case import Case
from domain.encampment import EncampmentCase


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
