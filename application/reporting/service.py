"""Board reports as a use case: who the report is for, the facts as known at an instant, and
what changed between two instants (product.md capability 5).

Everything a report shows is read *as known at* one instant T: the cases' facts (from the
``report_cases`` read model, re-folded from history where a case changed after T) and the
set-up (partnership, county and agency names, the small-number threshold), replayed from the
set-up's own events recorded by T. So a report run again later with the same T has the same
bytes, whatever was recorded or renamed since.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from application.ports import Clock
from application.reporting import tables_asb
from application.reporting.board import (
    DEFAULT_SUPPRESS_BELOW,
    build_board_report,
    relevant_from,
)
from application.reporting.diff import changed_figures
from application.reporting.model import Report
from application.reporting.shape import CaseFacts, QuarterFigures
from application.reporting.window import Window
from application.service import CaseService
from domain import times
from domain.errors import DateRuleViolated, InvalidInput, NotFound
from domain.setup import agency_id, county_id, partnership_id

CASE_TYPES = ("dardr", "asb", "encampment")


@dataclass(frozen=True)
class ReportInputs:
    """Cases' report facts (each parsed as it is consumed, so a report holds one at a time), and
    the summed trend figures of settled cases left unread."""

    cases: Iterable[CaseFacts]
    settled_quarters: QuarterFigures = field(default_factory=dict)


class ReportFactsSource(Protocol):
    def facts(self, partnerships: Sequence[str], as_known_at: datetime | None = None,
              relevant_from: str | None = None, summarise_before: str | None = None,
              opened_by: str | None = None) -> ReportInputs: ...


class ViewsSource(Protocol):
    def history_across_cases(self, *, partnership: str | None = None,
                             recorded_from: datetime | None = None,
                             recorded_before: datetime | None = None) -> Sequence[dict[str, Any]]: ...

    def agencies(self) -> Sequence[dict[str, Any]]: ...


class SetupAsKnown:
    """The set-up (partnerships, agencies, county boards) as known at one instant: each
    aggregate replayed from its own events recorded by then, once per report."""

    def __init__(self, cases: CaseService, known: datetime) -> None:
        self.cases = cases
        self.known = known
        self._found: dict[UUID, Any] = {}

    def get(self, aggregate_id: UUID) -> Any | None:
        if aggregate_id not in self._found:
            self._found[aggregate_id] = self.cases.aggregate_known_at(aggregate_id, self.known)
        return self._found[aggregate_id]


class ReportService:
    def __init__(self, cases: CaseService, source: ReportFactsSource, views: ViewsSource,
                 clock: Clock) -> None:
        self.cases = cases
        self.source = source
        self.views = views
        self.clock = clock

    def board(self, *, partnership: str | None = None, county: str | None = None,
              date_from: date, date_to: date, as_known_at: datetime | None = None,
              publishable: bool = False) -> Report:
        """The board report for one partnership or a county, for the period, as known at
        ``as_known_at`` (default: now; the report states the instant, to run it again)."""
        known = self.known_at(as_known_at)
        check_period(date_from, date_to)
        setup = SetupAsKnown(self.cases, known)
        scope = self.scope(partnership, county, setup)
        slugs = [p["slug"] for p in scope["partnerships"]]
        at_day = Window.of(date_from, date_to, known).at_day
        inputs = self.source.facts(
            slugs, as_known_at=known,
            relevant_from=relevant_from(date_from, date.fromisoformat(at_day)).isoformat(),
            summarise_before=date_from.isoformat(), opened_by=at_day)
        return build_board_report(
            inputs.cases, settled_quarters=inputs.settled_quarters, scope=scope,
            date_from=date_from, date_to=date_to, as_known_at=known, publishable=publishable,
            suppress_below=self.suppress_below(slugs, date_to, setup),
            agency_names=self.agency_names(setup))

    def asb_annual(self, partnership: str, year: int,
                   as_known_at: datetime | None = None) -> dict[str, Any]:
        """The statutory annual ASB Case Review figures (ASBCPA 2014 s.104(10)) for the
        financial year 1 April ``year`` – 31 March ``year + 1``, counted exactly as the board
        report counts them, from the same facts, as known at ``as_known_at`` (default: now)."""
        known = self.known_at(as_known_at)
        self.scope(partnership, None, SetupAsKnown(self.cases, known))  # NotFound for an unknown partnership
        start, end = financial_year(year)
        inputs = self.source.facts([partnership], as_known_at=known, relevant_from=start.isoformat())
        asb = (f for f in inputs.cases if f["type"] == "asb")
        figures = tables_asb.statutory_figures(asb, Window.of(start, end, known))
        return {"partnership": partnership, "year": f"{year}/{str(year + 1)[-2:]}",
                "from": start.isoformat(), "to": end.isoformat(),
                "as_known_at": known.isoformat(), **figures}

    def diff(self, *, partnership: str | None = None, county: str | None = None,
             date_from: date, date_to: date, earlier: datetime,
             later: datetime | None = None) -> dict[str, Any]:
        """The figures that changed between the reports known at ``earlier`` and ``later``
        (default: now), and the facts recorded in between effective by the period's end."""
        later_known = self.known_at(later)
        if earlier >= later_known:
            raise InvalidInput(f"The earlier instant ({earlier.isoformat()}) must be before the "
                               f"later one ({later_known.isoformat()}).", field="earlier")
        before = self.board(partnership=partnership, county=county, date_from=date_from,
                            date_to=date_to, as_known_at=earlier)
        after = self.board(partnership=partnership, county=county, date_from=date_from,
                           date_to=date_to, as_known_at=later_known)
        entries = []
        for p in after.scope["partnerships"]:
            for row in self.views.history_across_cases(
                    partnership=p["slug"], recorded_from=earlier + timedelta(microseconds=1),
                    recorded_before=later_known + timedelta(microseconds=1)):
                if times.effective_date(row["effective"]) <= date_to:
                    entries.append({k: row.get(k) for k in (
                        "reference", "version", "event", "effective", "recorded", "actor", "reason")})
        entries.sort(key=lambda e: (e["recorded"], e["reference"], e["version"]))
        return {"scope": after.scope, "period": after.period, "earlier": before.as_known_at,
                "later": after.as_known_at, "figures": changed_figures(before, after),
                "late_entries": entries}

    def known_at(self, as_known_at: datetime | None) -> datetime:
        now = self.clock.now()
        if as_known_at is None:  # the report states the instant, to the microsecond
            return now
        if as_known_at > now:
            raise DateRuleViolated(
                f"{as_known_at.isoformat()} is in the future; a report can only show what was "
                f"known by now ({now.isoformat(timespec='seconds')}): give an earlier time, or "
                "none for now.", field="as_known_at")
        return as_known_at

    # -- the set-up as known at T ---------------------------------------------------------

    def scope(self, partnership: str | None, county: str | None,
              setup: SetupAsKnown) -> dict[str, Any]:
        if (partnership is None) == (county is None):
            raise InvalidInput("Give either a partnership or a county board (one of them).",
                               field="partnership")
        known = setup.known
        if county is not None:
            found = setup.get(county_id(county))
            if found is None:
                raise NotFound(f"Unknown county '{county}' (as known at {_text(known)}); "
                               "county boards are set up with [[county]] in the set-up file.")
            slugs, kind, slug, name = list(found.partnerships), "county", county, found.name
        else:
            slugs, kind, slug, name = [str(partnership)], "partnership", str(partnership), None
        partnerships = []
        for each in slugs:
            found = setup.get(partnership_id(each))
            if found is None:
                raise NotFound(f"Unknown partnership '{each}' (as known at {_text(known)}).",
                               field="partnership")
            partnerships.append({"slug": each, "name": found.name})
        return {"kind": kind, "slug": slug, "name": name or partnerships[0]["name"],
                "partnerships": partnerships}

    def agency_names(self, setup: SetupAsKnown) -> dict[str, str]:
        """Every agency's name as known at T. Agencies are never removed, so those known then
        are among those listed now; one registered later replays to nothing."""
        names = {}
        for row in self.views.agencies():
            found = setup.get(agency_id(row["slug"]))
            if found is not None:
                names[row["slug"]] = found.name
        return names

    def suppress_below(self, slugs: Sequence[str], date_to: date, setup: SetupAsKnown) -> int:
        """The largest small-number threshold among the partnerships' policies in force at the
        period's end (policy setting ``suppress_below``), else the national default of 5."""
        thresholds = [DEFAULT_SUPPRESS_BELOW]
        for slug in slugs:
            partnership = setup.get(partnership_id(slug))
            if partnership is None:
                continue
            for case_type in CASE_TYPES:
                value = partnership.local_setting(case_type, date_to.isoformat(), "suppress_below")
                if value is not None and value.isdigit():
                    thresholds.append(int(value))
        return max(thresholds)


def financial_year(year: int) -> tuple[date, date]:
    """The financial year starting 1 April ``year`` and ending 31 March ``year + 1``."""
    return date(year, 4, 1), date(year + 1, 3, 31)


def check_period(date_from: date, date_to: date) -> None:
    if date_from > date_to:
        raise InvalidInput(f"The period starts ({date_from.isoformat()}) after it ends "
                           f"({date_to.isoformat()}): its first day must be on or before its last.")


def _text(moment: datetime) -> str:
    return times.effective_from_instant(moment)
