"""The ranges a recorded fact must lie within, stated once, each with its reason.

An append-only ledger cannot take a fact back, so a value the read models, the reports or the
reminders could not hold must be refused before it is recorded. The command models
(``application/commands``) carry these limits into their fields and their ``--help``; the domain
checks the ones that depend on the case (its type, its effective time) again, so that no caller
can get round them.

Dates
    Every date or date-time typed is in the years ``FIRST_YEAR`` to ``LAST_YEAR``. Narrower
    windows then apply: a case opens on or after its process existed (``EARLIEST_EFFECTIVE``), a
    date of death or of behaviour lies in a plausible window before the case, and a date in the
    future (a due date, an extension, a hearing) lies within ``HORIZON_YEARS`` of the fact that
    sets it.

Text
    Every text has a maximum length; control characters are refused (a line break or a tab only
    in free text), the NUL byte and lone surrogates always (PostgreSQL text cannot hold NUL, and
    UTF-8 cannot encode a surrogate).

Counts and money
    Whole numbers and amounts have upper bounds far above anything real, so that a slip of the
    keyboard (an extra three zeros) is caught rather than summed into every report.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

# --------------------------------------------------------------------------- when each process exists

DARDR_FROM = date(2011, 4, 13)
"""Domestic Violence, Crime and Victims Act 2004 s.9 (domestic homicide reviews) commenced on
13 April 2011; no review can have been notified before it."""

ASB_FROM = date(2014, 10, 20)
"""Anti-social Behaviour, Crime and Policing Act 2014 s.104 (the ASB Case Review) commenced on
20 October 2014."""

ENCAMPMENT_FROM = date(1994, 11, 3)
"""The encampment process uses the Criminal Justice and Public Order Act 1994 ss.61 (police) and 77
(council) directions, both commenced on 3 November 1994: the earliest of its powers, so the
earliest an encampment case can be. Later powers (s.62A from 27 February 2004, s.60C from 28 June
2022 under the Police, Crime, Sentencing and Courts Act 2022) are newer still."""

EARLIEST_EFFECTIVE: dict[str, date] = {
    "dardr": DARDR_FROM,
    "asb": ASB_FROM,
    "encampment": ENCAMPMENT_FROM,
}
"""The earliest effective date of a case of each type (the case type's ``case_type``)."""

# --------------------------------------------------------------------------- any date

FIRST_YEAR = 1900
"""No fact the ledger records (a case, a death, a complaint, a period under review) is older than
1900; the reads format and sort four-digit years only."""

LAST_YEAR = 2199
"""No deadline or hearing runs beyond 2199; kept well inside the calendar's year 9999, which a
due date plus a reminder step or a quarter's end would otherwise overflow."""

HORIZON_YEARS = 10
"""A date in the future that a command sets (a due date, an extension, a hearing, a meeting,
a leaving date) is at most 10 years after the command's effective date: the longest real clock
(a DHR held back by a criminal trial and appeals) runs a few years; ten is a generous margin."""

DEATH_LOOKBACK_YEARS = 20
"""A date of death is at most 20 years before the partnership was notified: a death can come to
light long afterwards (remains found, a conviction years later), but not beyond a generation.
It is also on or after ``DARDR_FROM``: the s.9 duty applies to deaths from its commencement."""

COMPLAINT_LOOKBACK_YEARS = 5
"""A complaint's behaviour and its report are at most 5 years before the application (or the
fact that adds it): the threshold counts only the last six months, and five years keeps any
history a victim brings while catching a mistyped year."""

REVIEW_PERIOD_LOOKBACK_YEARS = 50
"""The period a DHR's terms of reference cover starts at most 50 years before the terms are
agreed: a relationship's whole history, not more."""

# --------------------------------------------------------------------------- text

MAX_TEXT = 10_000
"""Free text (a note, a rationale, a description): about four pages."""

MAX_REASON = 2_000
"""The reason given with any fact (``--reason``)."""

MAX_NAME = 200
"""A short name or label on one line (a person's name, a reference, a deadline's name)."""

MAX_SLUG = 64
"""A short id (a partnership, hub or agency)."""

MAX_ACTOR = 200
"""Who records a fact."""

MAX_ITEMS = 100
"""The items of a list given in one command (agencies, recommendations, points)."""

MAX_COMPLAINTS = 500
"""The complaints one ASB application relies on."""

FREE_TEXT_CONTROLS = frozenset("\n\t")
"""The only control characters allowed, and only in free text: a line break and a tab."""

# --------------------------------------------------------------------------- counts and money

MAX_CARAVANS = 500
"""Caravans on one encampment (the largest gatherings in England are a few hundred)."""

MAX_VEHICLES = 1_000
"""Other vehicles on one encampment."""

MAX_PEOPLE = 5_000
"""Adults, or children, counted on one visit."""

MAX_ANIMALS = 5_000
"""Animals counted on one visit (horses and dogs)."""

MAX_COST = 10_000_000
"""One cost of one encampment, in pounds: ten million, far above any clean-up or legal bill."""

MAX_REPORT_VERSION = 1_000
"""A DHR overview report's draft number."""


# --------------------------------------------------------------------------- checks


def text_problem(text: str, *, free_text: bool, maximum: int | None = None) -> str | None:
    """What is wrong with a text's length (beyond ``maximum``) or characters, without quoting it
    (it may be personal data), or None. A line break or tab is allowed only in free text; other
    control characters, lone surrogates, and line or paragraph separators in a one-line value
    never are."""
    if maximum is not None and len(text) > maximum:
        return f"is longer than {maximum:,} characters"
    allowed = FREE_TEXT_CONTROLS if free_text else frozenset()
    for character in text:
        if character == "\x00":
            return "must not contain a NUL character"
        if character in allowed:
            continue
        category = unicodedata.category(character)
        if category == "Cs":
            return "must not contain an unpaired surrogate character"
        if category == "Cc":
            what = "a line break or tab" if character in FREE_TEXT_CONTROLS else (
                f"the control character U+{ord(character):04X}")
            return f"must not contain {what}" + ("" if free_text else " (it is a one-line value)")
        if category in ("Zl", "Zp") and not free_text:
            return "must not contain a line separator (it is a one-line value)"
    return None


def year_problem(day: date) -> str | None:
    """Whether a date's year is one the ledger can hold, said without quoting the date."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return f"must be in the years {FIRST_YEAR} to {LAST_YEAR}"
    return None


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def long_date(day: date) -> str:
    """``13 April 2011``: how a limit is said to people."""
    return f"{day.day} {day.strftime('%B')} {day.year}"


@dataclass(frozen=True)
class DateWindow:
    """Where a dated field may lie relative to its command's effective date, and never before
    ``not_before`` (a statute's commencement)."""

    years_before: int | None = HORIZON_YEARS
    years_after: int | None = HORIZON_YEARS
    not_before: date | None = None
    not_before_why: str = ""

    def problem(self, day: date, effective: date) -> str | None:
        """What is wrong with ``day`` for a command effective on ``effective``, or None."""
        if self.not_before is not None and day < self.not_before:
            why = f" ({self.not_before_why})" if self.not_before_why else ""
            return f"must be on or after {long_date(self.not_before)}{why}"
        if self.years_before is not None and day < years_before(effective, self.years_before):
            return (f"must be no more than {self.years_before} years before the date the fact "
                    f"is recorded as effective ({effective.isoformat()})")
        if self.years_after == 0 and day > effective:
            return (f"must not be after the date the fact is recorded as effective "
                    f"({effective.isoformat()})")
        if self.years_after is not None and day > years_after(effective, self.years_after):
            return (f"must be no more than {self.years_after} years after the date the fact "
                    f"is recorded as effective ({effective.isoformat()})")
        return None

    def describe(self) -> str:
        """The window in words, for ``--help``."""
        parts: list[str] = []
        if self.not_before is not None:
            parts.append(f"on or after {long_date(self.not_before)}")
        if self.years_before == 0 and self.years_after is not None:
            parts.append("not before the effective date")
        elif self.years_before is not None and self.years_before == self.years_after:
            parts.append(f"within {self.years_before} years of the effective date")
        else:
            if self.years_before:
                parts.append(f"at most {self.years_before} years before the effective date")
            if self.years_after == 0:
                parts.append("not after it")
            elif self.years_after:
                parts.append(f"at most {self.years_after} years after it")
        return "; ".join(parts)


NEAR = DateWindow()
"""A date around the fact (a due date, a hearing, a trial date): within the horizon either side."""

# A death or a complaint after the fact that records it is refused by the domain's date rules
# (a rule refused, not a limit): these windows bound only how far back they reach.
DEATH = DateWindow(DEATH_LOOKBACK_YEARS, None, DARDR_FROM, "the s.9 duty applies to deaths from then")
COMPLAINT = DateWindow(COMPLAINT_LOOKBACK_YEARS, None)
REVIEW_PERIOD = DateWindow(REVIEW_PERIOD_LOOKBACK_YEARS, HORIZON_YEARS)
