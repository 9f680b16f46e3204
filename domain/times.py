"""Effective times: when something happened in the world (processes/common.md, "Two times").

An effective time is kept as an ISO 8601 string: a date (``2026-03-02``) when the user gave
a date, or an offset date-time (``2026-03-02T14:30:00+00:00``) where the clock counts hours.
Comparisons between a date and a date-time are made at day precision, so that a decision
recorded "on 2 March" is never refused for preceding a notification at 14:30 on 2 March.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from domain.calendar import LONDON
from domain.errors import DateRuleViolated, InvalidInput
from domain.limits import year_problem

FORMAT_HELP = ("use YYYY-MM-DD or YYYY-MM-DDTHH:MM (Europe/London unless an offset such as "
               "+01:00 is given)")


def sortable_utc(moment: datetime) -> str:
    """An instant as UTC text that sorts as it compares, to the second (``YYYY-MM-DDTHH:MM:SS``)."""
    # isoformat, not strftime: strftime("%Y") does not pad a year before 1000 on every platform.
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


def is_date_only(effective: str) -> bool:
    return "T" not in effective


def parse_effective(text: str) -> str:
    """Normalise a user-supplied date or date-time to the stored form.

    A date-time without an offset is read as Europe/London local time. An empty text is refused
    (it is not "now"), and so is a year outside ``FIRST_YEAR``..``LAST_YEAR`` (domain/limits.py):
    the reads could not format or count it.
    """
    text = text.strip()
    if not text:
        raise InvalidInput(f"The date is empty; {FORMAT_HELP}.")
    try:
        if "T" not in text and " " not in text:
            day = date.fromisoformat(text)
            _check_year(day)
            return day.isoformat()
        moment = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        raise InvalidInput(f"{_quoted(text)} is not a date or date-time; {FORMAT_HELP}.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    _check_year(moment.date())
    _check_year(moment.astimezone(LONDON).date())
    return moment.isoformat(timespec="seconds")


def _check_year(day: date) -> None:
    problem = year_problem(day)
    if problem is not None:
        raise InvalidInput(f"The date {problem}.")


def _quoted(text: str) -> str:
    """The text quoted back when it is short and printable (a mistyped date), else a description:
    what a person typed into a date may be anything, and is never echoed whole."""
    if len(text) <= 40 and text.isprintable():
        return f"'{text}'"
    return "This"


def effective_from_instant(moment: datetime) -> str:
    """The stored form of an aware instant (used for 'now' when no --on is given)."""
    return moment.astimezone(LONDON).isoformat(timespec="seconds")


def effective_date(effective: str) -> date:
    """The Europe/London calendar date of an effective time."""
    if is_date_only(effective):
        return date.fromisoformat(effective)
    return datetime.fromisoformat(effective).astimezone(LONDON).date()


def effective_instant(effective: str) -> datetime:
    """The aware instant of an effective time; a date means the start of that London day."""
    if is_date_only(effective):
        return datetime.combine(date.fromisoformat(effective), time(0), tzinfo=LONDON)
    return datetime.fromisoformat(effective)


def effective_end(effective: str) -> datetime:
    """The latest instant an effective time could denote (a date: the end of that day)."""
    if is_date_only(effective):
        return datetime.combine(date.fromisoformat(effective), time(23, 59, 59), tzinfo=LONDON)
    return datetime.fromisoformat(effective)


def is_before(a: str, b: str) -> bool:
    """True when ``a`` is certainly earlier than ``b`` (day precision if either is a date)."""
    if is_date_only(a) or is_date_only(b):
        return effective_date(a) < effective_date(b)
    return effective_instant(a) < effective_instant(b)


def must_not_be_in_future(effective: str, now: datetime, what: str = "The effective time") -> None:
    """processes/common.md: an effective time (or a date a fact carries, named by ``what``) may
    not be in the future."""
    future = (
        effective_date(effective) > now.astimezone(LONDON).date()
        if is_date_only(effective)
        else effective_instant(effective) > now
    )
    if future:
        raise DateRuleViolated(
            f"{what} {effective} is in the future; record facts once they have "
            f"happened (today is {now.astimezone(LONDON).date().isoformat()})."
        )


def must_not_precede(effective: str, earlier: str, what: str) -> None:
    """processes/common.md: an effective time may not precede the fact it depends on."""
    if is_before(effective, earlier):
        raise DateRuleViolated(
            f"The effective time {effective} is earlier than {what} ({earlier}); "
            f"it must be on or after {earlier}."
        )
