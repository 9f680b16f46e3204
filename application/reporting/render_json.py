"""The board report as JSON: every figure, table and chart of the ``Report``, as it is.

Keys are sorted and nothing depends on the time of rendering, so the same report gives the same
bytes (product.md capability 5, reproducible reports).
"""

from __future__ import annotations

import json

from application.reporting.model import Report


def render_json(report: Report) -> bytes:
    """The report as UTF-8 JSON (two-space indents, sorted keys, a final newline)."""
    text = json.dumps(report.to_dict(), sort_keys=True, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")
