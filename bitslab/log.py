"""The event log: one entry per delivery attempt or decision (D1).

Every notification BITS raises gets an ``id``. Each attempt to deliver it, and each decision
not to, adds a :class:`LogEntry` with that id. Once a notification is no longer pending it has
exactly one *final* entry: ``delivered``, ``cmdline`` or a reason that is not retried. Entries
are frozen; a DataFrame is made only when asked for (:meth:`EventLog.to_dataframe`), and
:meth:`EventLog.explain` turns the log into prose (see :mod:`bitslab.explain`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from ._check import check_bool, check_choice, check_instance, got
from .jobs import Job
from .notifiers import CALLBACK_FLAGS

if TYPE_CHECKING:
    import pandas as pd

    from .files import File

__all__ = ["OUTCOMES", "EventLog", "LogEntry", "Pending"]

#: Every outcome a log entry can have (api.md), in the order D1 checks them.
OUTCOMES = (
    "coalesced",
    "stale",
    "disabled",
    "not_on_demand",
    "filtered",
    "no_interface",
    "not_implemented",
    "app_down",
    "failed",
    "cmdline",
    "delivered",
)


#: What a spreadsheet may take for the start of a formula (OWASP's list for CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _defuse(value: object) -> object:
    """A text that a spreadsheet would run as a formula, with a ``'`` in front."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


class LogEntry(NamedTuple):
    """One delivery attempt or decision: an immutable record (a named tuple, so a long log
    stays small; compare entries by their fields, not by identity).

    - ``id``: the notification's number, shared by all its attempts; ``attempt`` counts them
      from 1 (0 for a decision made before any attempt, such as ``coalesced``).
    - ``time``: when the attempt began (for ``coalesced``: when the notification was raised);
      ``duration``: how long the callback took, in simulated seconds.
    - ``method``: the callback's name (``"job_transferred"``, ...); ``job`` and ``file`` are
      the job and file it is about (``file`` is None for job-level notifications).
    - ``outcome``: ``"delivered"`` or why not (:data:`OUTCOMES`); ``rule``: the ID of the rule
      that decided, None for a delivery; ``final``: True for the entry that ends it.
    - ``raised`` and ``reason``: when and why BITS raised the notification.
    - ``target``: what was called (a notifier, or a command line), None if nothing was.
    - ``detail``: anything else worth knowing, e.g. what a failing callback returned.
    - ``trigger``: what started this attempt when it was not the first (a retry delay, a new
      interface, its turn in the job's queue...), with the rule behind it.
    - ``ranges``: for ``file_ranges_transferred``, the ``(offset, length)`` pairs it reports
      (R4); None for every other method.
    """

    id: int
    time: float
    method: str
    job: Job
    file: File | None
    outcome: str
    rule: str | None
    final: bool
    attempt: int
    raised: float
    reason: str
    target: str | None = None
    detail: str = ""
    duration: float = 0.0
    trigger: str = ""
    ranges: tuple[tuple[int, int], ...] | None = None

    def __str__(self) -> str:
        file = f" {self.file.local_name!r}" if self.file is not None else ""
        rule = f" ({self.rule})" if self.rule else ""
        end = "" if self.final else ", pending"
        return (
            f"#{self.id} {self.time:.2f} s {self.method} job {self.job.name!r}{file}: "
            f"{self.outcome}{rule}{end}"
        )


class Pending(NamedTuple):
    """A notification raised and not yet ended: what :meth:`EventLog.pending` lists.

    ``status`` says where it stands: ``held`` (C7), ``waiting`` (behind notification
    ``behind`` of the same job, C4), ``delayed`` (C8), ``ready`` (C9), ``in_flight``,
    ``running`` (a command line), ``retry`` (C5, K5).
    """

    id: int
    method: str
    job: Job
    file: File | None
    raised: float
    reason: str
    status: str
    behind: int | None


class EventLog(Sequence[LogEntry]):
    """The simulation's event log (``sim.log``): a read-only sequence of :class:`LogEntry`.

    Entries are in the order they were written; an attempt is written when its outcome is
    known, so a slow callback's entry comes after entries that began later.
    :meth:`to_dataframe` sorts by time.
    """

    def __init__(self, pending: Callable[[], list[Pending]] | None = None) -> None:
        self._entries: list[LogEntry] = []
        self._pending = pending

    def _add(self, entry: LogEntry) -> None:
        self._entries.append(entry)

    def _check_job(self, job: object) -> None:
        """``job`` is None or a Job whose simulation keeps this log."""
        if job is None:
            return
        mine = check_instance("job", job, Job, "a Job (from sim.create_job()) or None")
        if self._pending is not None and mine.sim.log is not self:
            raise ValueError(
                f"job {mine.name!r} belongs to another Simulation: ask that simulation's log"
            )

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> LogEntry: ...

    @overload
    def __getitem__(self, index: slice) -> list[LogEntry]: ...

    def __getitem__(self, index: int | slice) -> LogEntry | list[LogEntry]:
        return self._entries[index]

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(self._entries)

    def __repr__(self) -> str:
        finals = sum(entry.final for entry in self._entries)
        return f"<EventLog {len(self._entries)} entries, {finals} notifications ended>"

    def entries(
        self,
        job: Job | None = None,
        *,
        method: str | None = None,
        outcome: str | None = None,
        final: bool | None = None,
    ) -> list[LogEntry]:
        """The entries that match every argument given (None matches anything).

        A misspelt ``method`` or ``outcome`` is a ValueError naming the nearest one, not an
        empty list; ``job`` must be a job of this log's simulation.
        """
        self._check_job(job)
        if method is not None:
            check_choice("method", method, CALLBACK_FLAGS)
        if outcome is not None:
            check_choice("outcome", outcome, OUTCOMES)
        if final is not None and not isinstance(final, bool):
            raise TypeError(f"final must be True, False or None, got {got(final)}")
        return [
            entry
            for entry in self._entries
            if (job is None or entry.job is job)
            and (method is None or entry.method == method)
            and (outcome is None or entry.outcome == outcome)
            and (final is None or entry.final == final)
        ]

    def pending(self, job: Job | None = None) -> list[Pending]:
        """The notifications raised and not yet ended (of ``job``, if given), oldest first:
        those waiting to retry, queued behind another (C4), held (C7) or under way."""
        self._check_job(job)
        found = self._pending() if self._pending is not None else []
        return [p for p in found if job is None or p.job is job]

    def to_dataframe(self) -> pd.DataFrame:
        """The log as a :class:`pandas.DataFrame`, one row per entry, sorted by time.

        ``job`` and ``file`` hold names (the job's name, the file's local name); ``job_id``
        tells apart jobs that share a name; ``ranges`` is a list of ``(offset, length)``
        pairs for range reports, None otherwise.
        """
        import pandas as pd  # imported here: the simulation core does not need pandas

        columns = [
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
        ]
        rows: list[dict[str, Any]] = [
            {
                "id": e.id,
                "time": e.time,
                "method": e.method,
                "job": e.job.name,
                "job_id": e.job.id,
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
            for e in self._entries
        ]
        frame = pd.DataFrame(rows, columns=columns)
        ordered = frame.sort_values("time", kind="stable", ignore_index=True)
        assert isinstance(ordered, pd.DataFrame)
        return ordered

    def to_csv(self, path: str | Path | None = None, *, raw: bool = False) -> str | None:
        """Write :meth:`to_dataframe` as CSV to ``path`` (or return it as a str when None).

        Safe to open in a spreadsheet: every text field is quoted, so a name with a line
        break or a carriage return stays one field of one row, and a text that begins with
        ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (which a spreadsheet may run as
        a formula) gets a ``'`` in front. ``raw=True`` keeps such text as it is.

        >>> import bitslab as bl
        >>> sim = bl.Simulation()
        >>> job = sim.create_job("=HYPERLINK(0)")
        >>> _ = job.add_file("https://example.test/a", "a", size=10)
        >>> sim.run()
        >>> print(sim.log.to_csv().splitlines()[1].split(",")[3])
        "'=HYPERLINK(0)"
        """
        check_bool("raw", raw)
        frame = self.to_dataframe()
        if not raw:
            for column in ("method", "job", "file", "outcome", "reason", "target", "detail",
                           "trigger"):  # fmt: skip
                frame[column] = frame[column].map(_defuse)
        text: str | None = frame.to_csv(path, index=False, quoting=csv.QUOTE_NONNUMERIC)
        return text

    def explain(self, job: Job | None = None) -> str:
        """A plain-English account, per job, of what was raised and why each notification did
        or did not arrive. With ``job``, only that job."""
        from .explain import explain

        self._check_job(job)
        return explain(self, self.pending(job), job)
