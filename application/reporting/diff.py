"""What changed between two board reports of the same scope and period, known at two instants
(product.md capability 5): every figure that differs, and the facts recorded in between that
are effective in or before the period (late entries and corrections)."""

from __future__ import annotations

from typing import Any

from application.reporting.model import Report, Table


def row_label(table: Table, row: dict[str, Any]) -> str:
    """A row's name: its text columns, joined (e.g. "DARDR · decision")."""
    return " · ".join(str(row.get(c.key)) for c in table.columns if c.kind == "text") or "(row)"


def changed_figures(earlier: Report, later: Report) -> list[dict[str, Any]]:
    """Each figure (table, row, column) whose value differs, in report order."""
    changes = []
    for table in later.tables:
        before_rows = {row_label(table, r): r for r in earlier.table(table.id).rows}
        after_rows = {row_label(table, r): r for r in table.rows}
        labels = list(after_rows) + [k for k in before_rows if k not in after_rows]
        for label in labels:
            before, after = before_rows.get(label, {}), after_rows.get(label, {})
            for column in table.columns:
                if column.kind == "text":
                    continue
                old, new = before.get(column.key), after.get(column.key)
                if old != new:
                    changes.append({"table": table.title, "table_id": table.id, "row": label,
                                    "column": column.label, "before": old, "after": new})
    return changes
