"""Stored names that never move.

Events and snapshots are stored with the topic of their class, and read back by resolving it, so
the topic is part of the stored data: a module moved or a class renamed must not change it. The
library derives a topic from the module path unless a class pins it with a ``TOPIC`` attribute;
every event and aggregate class here pins its own, equal to the name it has always been stored
under (tests/unit/test_stored_names.py fixes the full list).

``PinnedTopic`` makes that mechanical for event classes: a subclass defined without a ``TOPIC``
in its own body is refused, and each one's topic is registered as it is defined, so a stored
event resolves to its class whichever modules have been imported. Aggregates pin theirs the same
way; the library registers those and refuses an aggregate with ``TOPIC`` whose nested ``Event``
or ``Created`` class has none, so each aggregate declares both.
"""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.utils import register_topic


class PinnedTopic:
    """Mixed into the base of a family of event classes: each subclass must pin its topic."""

    TOPIC: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        topic = cls.__dict__.get("TOPIC")
        if not isinstance(topic, str) or not topic:
            raise TypeError(
                f"{cls.__module__}.{cls.__qualname__} has no TOPIC of its own: pin the name its "
                "events are stored under (a new class: its module and name as they are today)"
            )
        register_topic(topic, cls)
