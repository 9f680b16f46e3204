"""The no-return look-up when an encampment is reported (processes/unauthorised-encampments.md).

A new report inside the reach of a no-return window stored on an earlier encampment case of the
partnership (domain/no_return.py ``REACH``: s.77 and s.60C the same land and the persons directed,
s.61 the land, s.62B any land in the area by the persons directed), on a day inside the window,
is flagged at report time: the
finding ``{case, power, from, until}`` is stored in ``EncampmentReported.within_no_return_window``.
The earlier cases are the partnership's encampment cases, found by ``CaseService.open``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from domain.case import Case
from domain.encampment import EncampmentCase
from domain.no_return import within_reach


def find_no_return_window(earlier: Iterable[Case], key: str, group: str | None,
                          on: date) -> dict[str, str] | None:
    """The window (latest ``until`` first) of an earlier case whose reach takes in this land and
    group and that ``on`` falls inside, as ``{case, power, from, until}``; None if there is none."""
    hits: list[dict[str, str]] = []
    for case in earlier:
        if not isinstance(case, EncampmentCase):
            continue
        same_land = case.location_key == key
        same_persons = (case.group == group) if group and case.group else None
        for w in case.no_return_windows:
            if not within_reach(w["power"], same_land, same_persons):
                continue
            if date.fromisoformat(w["from"]) <= on <= date.fromisoformat(w["until"]):
                hits.append({"case": case.reference, "power": w["power"], "from": w["from"],
                             "until": w["until"]})
    return max(hits, key=lambda h: h["until"]) if hits else None
