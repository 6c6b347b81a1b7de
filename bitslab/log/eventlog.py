"""The simulation's event log (``sim.log``) and its queries."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from .._check import check_bool, check_choice, check_instance, got
from ..model.jobs import Job
from ..vocabulary import Method, Outcome
from . import export
from .columns import Columns
from .records import JobRecord, LogEntry, Pending, Records, detached

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["OUTCOMES", "EventLog"]

#: Every outcome a log entry can have (the API contract), in the order D1 checks them.
OUTCOMES = tuple(outcome.value for outcome in Outcome)
#: Every callback method, as :meth:`EventLog.entries` takes it.
_METHODS = tuple(method.value for method in Method)


class EventLog(Sequence[LogEntry]):
    """The simulation's event log (``sim.log``): a read-only sequence of :class:`LogEntry`.

    Entries are in the order they were written; an attempt is written when its outcome is
    known, so a slow callback's entry comes after entries that began later.
    :meth:`to_dataframe` sorts by time.
    """

    def __init__(
        self,
        pending: Callable[[], list[Pending]] | None = None,
        *,
        entries: Iterable[LogEntry] = (),
    ) -> None:
        self._entries = Columns()
        self._entries.extend(entries)
        self._pending = pending
        #: Write one entry, field by field and by keyword (the fields are :class:`LogEntry`'s):
        #: delivery writes every entry through here. Not for users: the log is BITS's record.
        self.write = self._entries.add

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as plain data: the entries and the notifications pending now, with
        records for jobs and files (:class:`JobRecord`), no simulation. The copy is a
        read-only log of the run so far: ``explain()``, ``entries()``, ``pending()`` and
        ``to_dataframe()`` answer as the original did when it was pickled."""
        records = Records()
        entries = [detached(entry, records) for entry in self._entries]
        pending = [detached(note, records) for note in self.pending()]
        return (_restore, ([tuple(entry) for entry in entries], [tuple(p) for p in pending]))

    def _check_job(self, job: object) -> None:
        """``job`` is None or a Job whose simulation keeps this log (a JobRecord, in a log
        that was pickled)."""
        if job is None:
            return
        if isinstance(job, JobRecord) and isinstance(self._pending, _Frozen):
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
            check_choice("method", method, _METHODS)
        if outcome is not None:
            check_choice("outcome", outcome, OUTCOMES)
        if final is not None and not isinstance(final, bool):
            raise TypeError(f"final must be True, False or None, got {got(final)}")
        return [
            entry
            for entry in self._entries
            if (job is None or entry.job is job or entry.job == job)
            and (method is None or entry.method == method)
            and (outcome is None or entry.outcome == outcome)
            and (final is None or entry.final == final)
        ]

    def pending(self, job: Job | None = None) -> list[Pending]:
        """The notifications raised and not yet ended (of ``job``, if given), oldest first:
        those waiting to retry, queued behind another (C4), held (C7) or under way."""
        self._check_job(job)
        found = self._pending() if self._pending is not None else []
        return [p for p in found if job is None or p.job is job or p.job == job]

    def to_dataframe(self) -> pd.DataFrame:
        """The log as a :class:`pandas.DataFrame`, one row per entry, sorted by time.

        ``job`` and ``file`` hold names (the job's name, the file's local name); ``job_id``
        tells apart jobs that share a name; ``ranges`` is a list of ``(offset, length)``
        pairs for range reports, None otherwise.
        """
        return export.to_dataframe(self._entries)

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
        return export.to_csv(self.to_dataframe(), path, raw=raw)

    def explain(self, job: Job | None = None) -> str:
        """A plain-English account, per job, of what was raised and why each notification did
        or did not arrive. With ``job``, only that job."""
        from ..views.explain import explain

        self._check_job(job)
        return explain(self, self.pending(job), job)


class _Frozen:
    """The pending notifications of a pickled log: those of the moment it was pickled."""

    def __init__(self, pending: list[Pending]) -> None:
        self.pending = pending

    def __call__(self) -> list[Pending]:
        return list(self.pending)


def _restore(entries: list[tuple[Any, ...]], pending: list[tuple[Any, ...]]) -> EventLog:
    frozen = _Frozen([Pending(*p) for p in pending])
    return EventLog(frozen, entries=(LogEntry(*entry) for entry in entries))
