"""A log as a table: a pandas DataFrame, and CSV that is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .records import LogEntry

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "to_csv", "to_dataframe"]

#: The DataFrame's columns, in order.
COLUMNS = (
    "id",
    "time",
    "method",
    "job",
    "job_id",
    "file",
    "outcome",
    "rule",
    "final",
    "attempt",
    "raised",
    "reason",
    "target",
    "detail",
    "duration",
    "trigger",
    "ranges",
)
#: The columns of text a spreadsheet could take for a formula.
_TEXTS = ("method", "job", "file", "outcome", "reason", "target", "detail", "trigger")
#: What a spreadsheet may take for the start of a formula (OWASP's list for CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _defuse(value: object) -> object:
    """A text that a spreadsheet would run as a formula, with a ``'`` in front."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def to_dataframe(entries: Iterable[LogEntry]) -> pd.DataFrame:
    """The rows behind :meth:`EventLog.to_dataframe`, sorted by time."""
    import pandas as pd  # imported here: the simulation core does not need pandas

    rows: list[dict[str, Any]] = [
        {
            "id": e.id,
            "time": e.time,
            "method": e.method,
            "job": e.job.name,
            "job_id": str(e.job.id),  # the GUID's text: a column of str, as in a CSV
            "file": e.file.local_name if e.file is not None else None,
            "outcome": e.outcome,
            "rule": e.rule,
            "final": e.final,
            "attempt": e.attempt,
            "raised": e.raised,
            "reason": e.reason,
            "target": e.target,
            "detail": e.detail,
            "duration": e.duration,
            "trigger": e.trigger,
            "ranges": list(e.ranges) if e.ranges is not None else None,
        }
        for e in entries
    ]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    ordered = frame.sort_values("time", kind="stable", ignore_index=True)
    assert isinstance(ordered, pd.DataFrame)
    return ordered


def to_csv(frame: pd.DataFrame, path: str | Path | None, *, raw: bool) -> str | None:
    """``frame`` as quoted CSV (see :meth:`EventLog.to_csv`); formulas defused unless ``raw``."""
    if not raw:
        for column in _TEXTS:
            frame[column] = frame[column].map(_defuse)
    text: str | None = frame.to_csv(path, index=False, quoting=csv.QUOTE_NONNUMERIC)
    return text
