"""The columnar store behind an event log: entries kept by column, made when read."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from typing import Any, overload

from .records import LogEntry

__all__ = ["Columns"]


class _Codes(dict[Any, int]):
    """The table of distinct values: ``codes[value]`` is the value's number, given to it the
    first time it is met (texts, None, jobs and files: no two of them are equal)."""

    __slots__ = ("by_code",)

    def __init__(self) -> None:
        super().__init__()
        self.by_code: list[Any] = []  # the values, by number

    def __missing__(self, value: Any) -> int:
        code = self[value] = len(self.by_code)
        self.by_code.append(value)
        return code


class Columns:
    """A log's entries by column: each :class:`LogEntry` is made when it is read.

    Numbers go into typed arrays; every other field (method, job, file, outcome, rule, reason,
    target, detail, trigger) is a number into one table of the distinct values met so far, as
    the same few texts and jobs recur in entry after entry; durations and ranges, rarely set,
    are kept only where they are.
    """

    __slots__ = (
        "_codes",
        "attempts",
        "durations",
        "finals",
        "ids",
        "objects",
        "raised",
        "ranges",
        "times",
    )

    #: The fields kept as numbers into the table of values, in LogEntry's order.
    OBJECTS = ("method", "job", "file", "outcome", "rule", "reason", "target", "detail", "trigger")

    def __init__(self) -> None:
        self.ids = array("q")
        self.times = array("d")
        self.raised = array("d")
        self.attempts = array("i")
        self.finals = bytearray()
        self.objects = tuple(array("I") for _ in self.OBJECTS)  # 4 bytes each
        self.durations: dict[int, float] = {}
        self.ranges: dict[int, tuple[tuple[int, int], ...]] = {}
        self._codes = _Codes()

    def __len__(self) -> int:
        return len(self.ids)

    def add(
        self,
        *,
        id: int,
        time: float,
        method: str,
        job: Any,
        file: Any,
        outcome: str,
        rule: str | None,
        final: bool,
        attempt: int,
        raised: float,
        reason: str,
        target: str | None = None,
        detail: str = "",
        duration: float = 0.0,
        trigger: str = "",
        ranges: tuple[tuple[int, int], ...] | None = None,
    ) -> None:
        row = len(self.ids)
        self.ids.append(id)
        self.times.append(time)
        self.raised.append(raised)
        self.attempts.append(attempt)
        self.finals.append(final)
        code = self._codes
        m, j, f, o, r, why, to, what, how = self.objects
        m.append(code[method])
        j.append(code[job])
        f.append(code[file])
        o.append(code[outcome])
        r.append(code[rule])
        why.append(code[reason])
        to.append(code[target])
        what.append(code[detail])
        how.append(code[trigger])
        if duration:
            self.durations[row] = duration
        if ranges is not None:
            self.ranges[row] = ranges

    def extend(self, entries: Iterable[LogEntry]) -> None:
        for entry in entries:
            self.add(**entry._asdict())

    def entry(self, row: int) -> LogEntry:
        values = self._codes.by_code
        method, job, file, outcome, rule, reason, target, detail, trigger = (
            values[column[row]] for column in self.objects
        )
        return LogEntry(
            self.ids[row],
            self.times[row],
            method,
            job,
            file,
            outcome,
            rule,
            bool(self.finals[row]),
            self.attempts[row],
            self.raised[row],
            reason,
            target,
            detail,
            self.durations.get(row, 0.0),
            trigger,
            self.ranges.get(row),
        )

    @overload
    def __getitem__(self, index: int) -> LogEntry: ...

    @overload
    def __getitem__(self, index: slice) -> list[LogEntry]: ...

    def __getitem__(self, index: int | slice) -> LogEntry | list[LogEntry]:
        rows = range(len(self.ids))
        if isinstance(index, slice):
            return [self.entry(row) for row in rows[index]]
        return self.entry(rows[index])

    def __iter__(self) -> Iterator[LogEntry]:
        entry = self.entry
        return (entry(row) for row in range(len(self.ids)))
