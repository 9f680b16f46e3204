"""The shape of a case's report facts: what the fold (reporting/facts.py) writes, what the
``report_cases`` read model stores as JSON, and what every table reads.

Plain dictionaries and lists, so the stored JSON is parsed straight into them with nothing
converted; the types below say which keys each one has. Days are Europe/London dates
(``YYYY-MM-DD``); instants are sortable UTC text (``YYYY-MM-DDTHH:MM:SS``).
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

Day = str
"""A Europe/London calendar date, ``YYYY-MM-DD``."""

UtcText = str
"""An instant as sortable UTC text, ``YYYY-MM-DDTHH:MM:SS`` (``domain.times.sortable_utc``)."""

Span = list[Day | None]
"""``[from_day, to_day]`` of a pause; ``to_day`` is None while it lasts."""

Mark = list[Any]
"""``[day, utc, *detail]``: an event some table counts, with the day and instant it took effect
and the non-personal fields the table reads, in the order ``facts.MARKED`` names them (a list
field is kept as its length)."""

QuarterFigures = dict[str, list[int]]
"""``"2026 Q3"`` → ``[opened, closed, met, on_time, overdue]``."""


class DeadlineFacts(TypedDict):
    """A deadline: who must meet it, from when, by when, and how it ended."""

    kind: str  # the deadline's name without its agency or action id (``return:imr``, ``action``)
    resp: str  # who is responsible for meeting it
    start: Day  # the day its clock starts
    due: UtcText  # its latest due time
    met: Day | None
    on_time: bool | None  # met by its due time, moved by pauses
    on_time_gross: bool | None  # met by its due time as if no pause had been granted
    cancelled: Day | None
    paused_days: int
    set: NotRequired[Day]  # the day it was set, only when that is not its start day
    dues: NotRequired[list[list[str]]]  # [[day, due_utc], …] from the first, once it has moved
    pauses: NotRequired[list[Span]]  # only once it has been paused
    days: NotRequired[int]  # from its start day to the day it was met, once met


class ActionFacts(TypedDict):
    owner: str
    level: str
    due: UtcText
    added: Day
    rags: list[list[str]]  # [[day, rag], …], amber when added
    closed: Day | None


class ProcessFacts(TypedDict):
    """A parallel process (a criminal trial, an inquest …) the case waits on."""

    kind: str
    linked: Day
    concluded: Day | None


class CaseFacts(TypedDict):
    """Everything a board report counts of one case; personal data never reaches it."""

    ref: str | None
    type: str | None  # the case type: ``dardr``, ``asb`` or ``encampment``
    partnership: str | None
    hub: str | None
    opened: Day | None
    opened_utc: UtcText | None
    last: Day | None  # the latest day of any fact
    attrs: dict[str, Any]  # the opening facts tables group by (``facts.OPENING_ATTRIBUTES``)
    stages: list[list[str]]  # [[day, stage], …] in the order they were recorded
    pauses: list[Span]
    deadlines: dict[str, DeadlineFacts]  # by deadline name
    actions: dict[str, ActionFacts]  # by action id
    processes: dict[str, ProcessFacts]  # by process id
    marks: dict[str, list[Mark]]  # by event name (``facts.MARKED``)
    trend: NotRequired[list[Any] | None]  # ``quarters.kept_quarters``, kept by the read model
