"""The integrity chain over the whole event log (product.md capability 4; issue 5).

SKELETON — being written. Public API (keep these names):

- ``GENESIS``: the hash before the first event (64 zeros).
- ``link_hash(prev, notification_id, originator_id, originator_version, topic, state) -> str``.
- ``IntegrityChain(app, database_url)``:
  - ``verify(progress=None) -> VerifyReport`` with ``to_dict()`` = {"ok", "events", "first_broken", …};
  - ``head() -> dict`` = {"notification_id", "hash", "events"} (what ``audit anchor`` prints);
  - ``proof_for_case(case_id: UUID) -> list[dict]``: for each stored event of the case, in log
    order: {"notification_id", "originator_id", "originator_version", "topic", "state" (base64),
    "prev", "hash"}.
"""

from __future__ import annotations

from typing import Any


class IntegrityChain:
    def __init__(self, app: Any, database_url: str) -> None:
        self.app = app
        self.database_url = database_url
