"""Pages: the board report, for board members and the coordinators and auditors who may read
reports (access.md, board member).

- ``GET /reports``: the partnerships (and county boards) the person may read, and a GET form
  choosing the period (default: the last full quarter), the "as known at" date and the version
  (full, or publishable with small numbers suppressed): the choices of ``caseledger report
  board`` and the API's ``reports/board``.
- ``GET /reports/board?partnership=…&from=…&to=…&as_known_at=…[&publishable=1]``: the report,
  made by the report service (``built.reports``) exactly as the command line and the API make it:
  its figures in GOV.UK tables and its SVG charts inline. ``&format=csv`` downloads its tables as
  CSV files in a zip; ``&format=printable`` downloads the report's own self-contained HTML (it
  carries a ``<style>`` element, which this server's Content-Security-Policy does not allow in a
  page, so it is a file to open or print, not a page here).
- ``GET /reports/asb-annual?partnership=…&year=…``: the statutory annual ASB Case Review figures.

A report made without an "as known at" instant is made as known now, and every link from it
(CSV, printable, publishable, "link to this report") carries the instant it states: the same
choices give the same figures, however much is recorded later.

The report holds figures only: no case, victim or applicant is named in it (access.md: never
case pages for a board member).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from application import access_policy as policy
from application.principals import Principal
from application.queries import parse_instant
from application.reporting.model import Chart, Column, Report, Table
from application.reporting.render_csv import render_zip
from application.reporting.render_html import (
    NUMERIC_KINDS,
    format_instant,
    format_period,
    format_value,
    render_chart_svg,
    render_html,
)
from application.reporting.window import last_complete_quarter
from domain import times
from domain.errors import CaseledgerError, InvalidInput
from interfaces.bootstrap import Services
from interfaces.http.deps import services
from interfaces.http.problems import ApiProblem
from interfaces.web.render import Viewer, render
from interfaces.web.session import SignedIn

router = APIRouter(include_in_schema=False)

Built = Annotated[Services, Depends(services)]

NO_REPORTS = ("Reports are outside your role: they are for board members, and for the "
              "coordinators and auditors of a partnership.")
DATES = {"from": "first day of the period", "to": "last day of the period",
         "known": "as known at date"}


# --------------------------------------------------------------------------- who reads what


@dataclass(frozen=True)
class Readable:
    """A partnership or county board whose reports the person may read."""

    kind: str  # "partnership" | "county"
    slug: str
    name: str

    @property
    def value(self) -> str:
        """How the chooser names it: the slug, ``county:slug`` for a county board."""
        return f"county:{self.slug}" if self.kind == "county" else self.slug

    @property
    def label(self) -> str:
        return f"{self.name} (county board)" if self.kind == "county" else self.name


def counties_of(built: Services, partnership: str) -> list[str]:
    """The counties the set-up puts the partnership in (their board members read its reports)."""
    return [c["slug"] for c in built.views.counties() if partnership in c.get("partnerships", ())]


def readable(built: Services, who: Principal) -> list[Readable]:
    """The partnerships, then the county boards, whose reports ``who`` may read."""
    counties = list(built.views.counties())
    found = [Readable("partnership", str(p["slug"]), str(p["name"]))
             for p in built.views.partnerships()
             if policy.may_read_reports(who, str(p["slug"]), [
                 str(c["slug"]) for c in counties if p["slug"] in c.get("partnerships", ())])]
    found += [Readable("county", str(c["slug"]), str(c["name"])) for c in counties
              if policy.may_read_county_reports(who, str(c["slug"]))]
    return found


def _may_read(built: Services, who: Principal, scope: Readable) -> None:
    decision = (policy.may_read_county_reports(who, scope.slug) if scope.kind == "county"
                else policy.may_read_reports(who, scope.slug, counties_of(built, scope.slug)))
    if not decision:
        raise ApiProblem(403, decision.why, kind="forbidden")


# --------------------------------------------------------------------------- the choices


@dataclass
class Choices:
    """What a report is made from: the scope, the period, the instant and the version. Dates are
    kept as given (``texts``) so that a form with a mistake shows what was typed."""

    scope: Readable | None
    date_from: date | None
    date_to: date | None
    as_known_at: str | None  # as given: a date, or the exact instant a report stated
    publishable: bool
    texts: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # day, month, year
    errors: list[tuple[str, str]] = field(default_factory=list)

    def query(self, report: Report | None = None, **more: str) -> str:
        """The canonical query of this report (the instant it stated, when made)."""
        assert self.scope is not None and self.date_from and self.date_to
        params = {self.scope.kind: self.scope.slug, "from": self.date_from.isoformat(),
                  "to": self.date_to.isoformat()}
        known = report.as_known_at if report is not None else self.as_known_at
        if known:
            params["as_known_at"] = known
        if self.publishable:
            params["publishable"] = "1"
        return urlencode({**params, **more})


def _date_parts(params: Mapping[str, str], name: str) -> tuple[str, str, str]:
    return tuple(params.get(f"{name}-{part}", "").strip()[:8]  # type: ignore[return-value]
                 for part in ("day", "month", "year"))


def _parts_of(day: date | None) -> tuple[str, str, str]:
    return (str(day.day), str(day.month), str(day.year)) if day else ("", "", "")


def _read_date(params: Mapping[str, str], name: str, choices: Choices) -> date | None:
    """A date given whole (``from=2026-07-01``) or in the GOV.UK date input's three fields
    (``from-day``, ``from-month``, ``from-year``); None when not given; an error when wrong."""
    label = DATES[name]
    whole = params.get(name, "").strip()
    if whole:
        try:
            found = date.fromisoformat(whole[:10])
        except ValueError:
            choices.errors.append((f"{name}-day", f"The {label} must be a real date"))
            return None
        choices.texts[name] = _parts_of(found)
        return found
    parts = _date_parts(params, name)
    choices.texts[name] = parts
    if not any(parts):
        return None
    missing = [p for p, given in zip(("day", "month", "year"), parts, strict=True) if not given]
    if missing:
        choices.errors.append((f"{name}-{missing[0]}",
                               f"The {label} must include a {' and '.join(missing)}"))
        return None
    try:
        day, month, year = (int(p) for p in parts)
        if year < 1000:
            raise ValueError
        return date(year, month, day)
    except ValueError:
        choices.errors.append((f"{name}-day", f"The {label} must be a real date"))
        return None


def _read_scope(params: Mapping[str, str], scopes: Sequence[Readable],
                choices: Choices) -> Readable | None:
    given = params.get("scope", "").strip()
    if params.get("county"):
        given = f"county:{params['county'].strip()}"
    elif params.get("partnership"):
        given = params["partnership"].strip()
    if not given:
        return scopes[0] if scopes else None
    for scope in scopes:
        if scope.value == given:
            return scope
    kind, _, slug = given.rpartition(":")
    return Readable(kind or "partnership", slug[:64], slug[:64])  # refused by the policy later


def read_choices(params: Mapping[str, str], scopes: Sequence[Readable], today: date,
                 *, defaults: bool = True) -> Choices:
    """The choices asked for, with the defaults (the first scope, the last full quarter, now,
    the full version) for what was not given."""
    choices = Choices(None, None, None, None, params.get("publishable", "") in ("1", "yes", "true"))
    choices.scope = _read_scope(params, scopes, choices)
    choices.date_from = _read_date(params, "from", choices)
    choices.date_to = _read_date(params, "to", choices)
    if defaults and not choices.errors:
        first, last = last_complete_quarter(today)
        if choices.date_from is None and not any(choices.texts.get("from", ())):
            choices.date_from = first
            choices.texts["from"] = _parts_of(first)
        if choices.date_to is None and not any(choices.texts.get("to", ())):
            choices.date_to = last
            choices.texts["to"] = _parts_of(last)
    for name in ("from", "to"):
        if getattr(choices, f"date_{name}") is None and not any(e[0].startswith(name) for e in choices.errors):
            choices.errors.append((f"{name}-day", f"Enter the {DATES[name]}"))
    exact = params.get("as_known_at", "").strip()[:40]
    if exact:
        choices.as_known_at = exact
        choices.texts["known"] = ("", "", "")
    else:
        known = _read_date(params, "known", choices)
        choices.as_known_at = known.isoformat() if known else None
    if choices.date_from and choices.date_to and choices.date_from > choices.date_to:
        choices.errors.append(("to-day", "The last day of the period must be the same as or "
                                         "after the first day"))
    return choices


def known_instant(text: str | None, now: datetime) -> datetime | None:
    """The instant to read as known at: a date is the end of that day (as the command line
    reads it), except today's, which has not ended yet: now."""
    if not text:
        return None
    instant = parse_instant(text, "as_known_at")
    if times.is_date_only(text) and instant > now and date.fromisoformat(text) <= now.date():
        return now
    return instant


# --------------------------------------------------------------------------- the report as a page


@dataclass(frozen=True)
class Figure:
    number: int
    title: str
    svg: Markup
    key: str


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool
    header: bool


@dataclass(frozen=True)
class Block:
    number: int
    table: Table
    figures: tuple[Figure, ...]
    rows: tuple[tuple[Cell, ...], ...]

    @property
    def anchor(self) -> str:
        return f"table-{self.number}"

    def numeric(self, column: Column) -> bool:
        return column.kind in NUMERIC_KINDS


@dataclass(frozen=True)
class Section:
    number: int
    name: str
    blocks: tuple[Block, ...]

    @property
    def anchor(self) -> str:
        return f"section-{self.number}"


def _cells(table: Table, row: Mapping[str, Any]) -> tuple[Cell, ...]:
    return tuple(Cell(format_value(row.get(c.key), c.kind), c.kind in NUMERIC_KINDS,
                      i == 0 and c.kind == "text") for i, c in enumerate(table.columns))


def sections(report: Report) -> list[Section]:
    """The report's tables by section, each with the charts drawn from it, numbered in reading
    order as the printable version numbers them."""
    charts: dict[str, list[Chart]] = {}
    for chart in report.charts:
        charts.setdefault(chart.table, []).append(chart)
    by_section: dict[str, list[Table]] = {}
    for table in report.tables:
        by_section.setdefault(table.section, []).append(table)
    found, table_number, figure_number = [], 0, 0
    for section_number, (name, tables) in enumerate(by_section.items(), start=1):
        blocks = []
        for table in tables:
            table_number += 1
            figures = []
            for chart in charts.get(table.id, ()):
                figure_number += 1
                svg, key = render_chart_svg(chart, table, uid=f"f{figure_number}",
                                            table_number=table_number)
                figures.append(Figure(figure_number, chart.title, Markup(svg), key))  # noqa: S704 (escaped by the renderer)
            blocks.append(Block(table_number, table, tuple(figures),
                                tuple(_cells(table, row) for row in table.rows)))
        found.append(Section(section_number, name, tuple(blocks)))
    return found


def _file_name(report: Report, choices: Choices, suffix: str) -> str:
    scope = choices.scope.slug if choices.scope else "report"
    version = "-publishable" if report.publishable else ""
    return f"{scope}-board-report-{report.period['from']}-to-{report.period['to']}{version}.{suffix}"


def _download(content: bytes, media_type: str, name: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _choose_page(request: Request, who: Viewer, scopes: Sequence[Readable], choices: Choices,
                 status: int = 200) -> HTMLResponse:
    return render(request, "board/choose.html", title="Reports", viewer=who, scopes=scopes,
                  choices=choices, errors=choices.errors, status=status)


def _scopes_or_refuse(built: Services, who: Viewer) -> list[Readable]:
    scopes = readable(built, who.principal)
    if not scopes:
        raise ApiProblem(403, NO_REPORTS, kind="forbidden")
    return scopes


@router.get("/reports")
def choose(request: Request, who: SignedIn, built: Built) -> HTMLResponse:
    built.catch_up(wait=False)
    scopes = _scopes_or_refuse(built, who)
    choices = read_choices(request.query_params, scopes, built.clock.now().date())
    return _choose_page(request, who, scopes, choices)


def _field_of(error: CaseledgerError) -> str:
    return {"as_known_at": "known-day", "partnership": "scope"}.get(error.field or "", "from-day")


@router.get("/reports/board", response_model=None)
def board_report(request: Request, who: SignedIn, built: Built) -> Response:
    built.catch_up(wait=False)
    scopes = _scopes_or_refuse(built, who)
    now = built.clock.now()
    choices = read_choices(request.query_params, scopes, now.date(), defaults=False)
    if choices.scope is not None:
        _may_read(built, who.principal, choices.scope)
    if choices.errors or choices.scope is None or not choices.date_from or not choices.date_to:
        return _choose_page(request, who, scopes, choices, status=400)
    scope = choices.scope
    try:
        report = built.reports.board(
            partnership=scope.slug if scope.kind == "partnership" else None,
            county=scope.slug if scope.kind == "county" else None,
            date_from=choices.date_from, date_to=choices.date_to,
            as_known_at=known_instant(choices.as_known_at, now), publishable=choices.publishable)
    except InvalidInput as refused:  # a date it cannot read
        choices.errors.append((_field_of(refused), refused.message))
        return _choose_page(request, who, scopes, choices, status=400)
    except CaseledgerError as refused:  # an "as known at" in the future
        choices.errors.append((_field_of(refused), refused.message))
        return _choose_page(request, who, scopes, choices, status=422)
    wanted = request.query_params.get("format", "")
    if wanted == "csv":
        return _download(render_zip(report), "application/zip", _file_name(report, choices, "zip"))
    if wanted == "printable":
        return _download(render_html(report), "text/html; charset=utf-8",
                         _file_name(report, choices, "html"))
    other = Choices(scope, choices.date_from, choices.date_to, report.as_known_at,
                    not choices.publishable)
    return render(request, "board/report.html", title=report.title, viewer=who, report=report,
                  sections=sections(report), choices=choices, scopes=scopes,
                  here=choices.query(report), other=other.query(),
                  period=format_period(report.period),
                  known=format_instant(report.as_known_at), as_at=format_instant(report.as_at),
                  errors=[])


# --------------------------------------------------------------------------- ASB statutory figures

ASB_FIGURES = (
    ("applications", "Applications for an ASB Case Review received"),
    ("threshold_not_met", "Applications where the threshold was not met"),
    ("reviews_carried_out", "ASB Case Reviews carried out"),
    ("reviews_with_recommendations", "ASB Case Reviews that made recommendations"),
)


def financial_year_of(day: date) -> int:
    """The financial year (from 1 April) a day falls in."""
    return day.year if day.month >= 4 else day.year - 1


@router.get("/reports/asb-annual")
def asb_annual(request: Request, who: SignedIn, built: Built) -> HTMLResponse:
    """The statutory annual ASB Case Review figures (ASBCPA 2014 s.104(10)) for a financial
    year, counted as the board report counts them; partnerships only (not county boards)."""
    built.catch_up(wait=False)
    scopes = [s for s in _scopes_or_refuse(built, who) if s.kind == "partnership"]
    if not scopes:
        raise ApiProblem(403, NO_REPORTS, kind="forbidden")
    params = request.query_params
    choices = Choices(None, None, None, None, False)
    scope = _read_scope(params, scopes, choices) or scopes[0]
    _may_read(built, who.principal, scope)
    now = built.clock.now()
    latest = financial_year_of(now.date())
    years = list(range(latest, latest - 6, -1))
    given = params.get("year", "").strip()
    year = int(given) if given.isdigit() and int(given) in years else latest - 1
    figures = built.reports.asb_annual(scope.slug, year, None)
    rows = [(label, figures.get(key)) for key, label in ASB_FIGURES]
    return render(request, "board/asb_annual.html", title="ASB Case Review annual figures",
                  viewer=who, scopes=scopes, scope=scope, years=years, year=year, rows=rows,
                  figures=figures, known=format_instant(str(figures["as_known_at"])), errors=[])
