"""A sweep's table: the grid's columns, the summary's in a fixed order, then ``error``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..log import OUTCOMES
from ..vocabulary import PENDING as _PENDING
from ..vocabulary import Method
from .plan import ERROR, Row

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["count_order", "table"]


def count_order(method: str, outcome: str) -> tuple[int, int]:
    """Default-summary columns in a fixed order: methods as BITS lists them, outcomes as D1
    checks them, then pending."""
    methods = [method.value for method in Method]
    outcomes = [*OUTCOMES, _PENDING]
    return (
        methods.index(method) if method in methods else len(methods),
        outcomes.index(outcome) if outcome in outcomes else len(outcomes),
    )


def table(
    names: list[str], points: list[tuple[Any, ...]], rows: list[Row], *, tidy: bool
) -> pd.DataFrame:
    """The grid's columns, the summary's (in order of first appearance; the default
    summary's counts in a fixed order, 0 where a run had none), then ``error``. A summary
    column of whole numbers stays whole (pandas' Int64) in rows that failed."""
    import pandas as pd

    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(key for key in row if key != ERROR))
    summary = list(columns)
    counts: list[str] = []
    if tidy:
        counts = sorted(
            (c for c in summary if c.rsplit(".", 1)[-1] in (*OUTCOMES, _PENDING)),
            key=lambda c: count_order(*c.rsplit(".", 1)),
        )
        summary = counts + [c for c in summary if c not in counts]
    data: dict[str, Any] = {name: [p[i] for p in points] for i, name in enumerate(names)}
    for column in summary:
        cells = [row.get(column, 0 if column in counts and ERROR not in row else None)
                 for row in rows]  # fmt: skip
        whole = all(c is None or (isinstance(c, int) and not isinstance(c, bool)) for c in cells)
        data[column] = pd.Series(cells, dtype="Int64") if whole and None in cells else cells
    data[ERROR] = pd.Series([row.get(ERROR) for row in rows], dtype="string")
    table: pd.DataFrame = pd.DataFrame(data)
    return table
