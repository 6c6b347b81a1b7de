"""The event log: one entry per delivery attempt or decision (D1).

Every notification BITS raises gets an ``id``. Each attempt to deliver it, and each decision
not to, adds a :class:`LogEntry` with that id. Once a notification is no longer pending it has
exactly one *final* entry: ``delivered``, ``cmdline`` or a reason that is not retried. Entries
are frozen; a DataFrame is made only when asked for (:meth:`EventLog.to_dataframe`), and
:meth:`EventLog.explain` turns the log into prose (see :mod:`bitslab.views.explain`).
"""

from __future__ import annotations

import csv
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from ._check import check_bool, check_choice, check_instance, got
from .constants import JobPriority, JobProperty, JobState, JobType, NotifyFlags
from .model.files import File
from .model.jobs import Job
from .model.notifiers import CALLBACK_FLAGS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["OUTCOMES", "EventLog", "FileRecord", "JobRecord", "LogEntry", "Pending"]

#: Every outcome a log entry can have (the API contract), in the order D1 checks them.
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


class JobRecord(NamedTuple):
    """A job as plain data: what a pickled log entry holds instead of the live :class:`Job`
    (which belongs to its simulation). It answers what :meth:`EventLog.explain` asks of a
    job, as it was when the log was pickled."""

    name: str
    id: str
    type: JobType
    priority: JobPriority
    state: JobState
    flags: NotifyFlags
    on_demand: bool

    @classmethod
    def of(cls, job: Job | JobRecord) -> JobRecord:
        if isinstance(job, JobRecord):
            return job
        return cls(
            job.name,
            job.id,
            job.type,
            job.priority,
            job.state,
            job.get_notify_flags(),
            bool(job.get_property(JobProperty.ON_DEMAND_MODE)),
        )

    def get_notify_flags(self) -> NotifyFlags:
        return self.flags

    def get_property(self, prop: JobProperty) -> object:
        if prop is not JobProperty.ON_DEMAND_MODE:
            raise ValueError(f"a JobRecord keeps only ON_DEMAND_MODE, got {prop!r}")
        return self.on_demand


class FileRecord(NamedTuple):
    """A file as plain data, as :class:`JobRecord` is a job."""

    local_name: str
    remote_name: str
    size: int

    @classmethod
    def of(cls, file: File | FileRecord | None) -> FileRecord | None:
        if file is None or isinstance(file, FileRecord):
            return file
        return cls(file.local_name, file.remote_name, file.size)


class _Records:
    """One record per job and file, so a pickled log stores each once."""

    def __init__(self) -> None:
        self.jobs: dict[object, JobRecord] = {}
        self.files: dict[object, FileRecord | None] = {}

    def job(self, job: Job | JobRecord) -> JobRecord:
        found = self.jobs.get(job)
        if found is None:
            found = self.jobs[job] = JobRecord.of(job)
        return found

    def file(self, file: File | FileRecord | None) -> FileRecord | None:
        if file not in self.files:
            self.files[file] = FileRecord.of(file)
        return self.files[file]


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

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as plain data: the job and file become a :class:`JobRecord` and a
        :class:`FileRecord`, so an entry can leave its process (a worker of a pool)."""
        return self._detached(_Records()).__reduce_plain__()

    def _detached(self, records: _Records) -> LogEntry:
        # A detached entry holds records, which answer what a reader asks of a job or file.
        job: Any = records.job(self.job)
        file: Any = records.file(self.file)
        return self._replace(job=job, file=file)

    def __reduce_plain__(self) -> tuple[object, ...]:
        return (LogEntry, tuple(self))

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

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as plain data, as :class:`LogEntry` is."""
        return (Pending, tuple(self._detached(_Records())))

    def _detached(self, records: _Records) -> Pending:
        job: Any = records.job(self.job)
        file: Any = records.file(self.file)
        return self._replace(job=job, file=file)


class EventLog(Sequence[LogEntry]):
    """The simulation's event log (``sim.log``): a read-only sequence of :class:`LogEntry`.

    Entries are in the order they were written; an attempt is written when its outcome is
    known, so a slow callback's entry comes after entries that began later.
    :meth:`to_dataframe` sorts by time.
    """

    def __init__(self, pending: Callable[[], list[Pending]] | None = None) -> None:
        self._entries = _Columns()
        self._pending = pending

    def _add(self, entry: LogEntry) -> None:
        self._entries.append(entry)

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as plain data: the entries and the notifications pending now, with
        records for jobs and files (:class:`JobRecord`), no simulation. The copy is a
        read-only log of the run so far: ``explain()``, ``entries()``, ``pending()`` and
        ``to_dataframe()`` answer as the original did when it was pickled."""
        records = _Records()
        entries = [entry._detached(records) for entry in self._entries]
        pending = [note._detached(records) for note in self.pending()]
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

    def _append(self, *fields: Any) -> None:
        """Write one entry, given its fields in :class:`LogEntry`'s order (the dispatcher)."""
        self._entries.add(*fields)

    def write(
        self,
        *,
        id: int,
        time: float,
        method: str,
        job: Job,
        file: File | None,
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
        """Write one entry, field by field (delivery writes every entry through here; the
        fields are :class:`LogEntry`'s). Not for users: the log is BITS's record."""
        self._entries.add(
            id, time, method, job, file, outcome, rule, final, attempt, raised, reason,
            target, detail, duration, trigger, ranges,
        )  # fmt: skip

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
        from .views.explain import explain

        self._check_job(job)
        return explain(self, self.pending(job), job)


class _Frozen:
    """The pending notifications of a pickled log: those of the moment it was pickled."""

    def __init__(self, pending: list[Pending]) -> None:
        self.pending = pending

    def __call__(self) -> list[Pending]:
        return list(self.pending)


class _Columns:
    """A log's entries by column: each :class:`LogEntry` is made when it is read.

    Numbers go into typed arrays; every other field (method, job, file, outcome, rule, reason,
    target, detail, trigger) is a number into one table of the distinct values met so far, as
    the same few texts and jobs recur in entry after entry; durations and ranges, rarely set,
    are kept only where they are.
    """

    __slots__ = (
        "_index",
        "_values",
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
        self._values: list[Any] = []
        self._index: dict[Any, int] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def _code(self, value: Any) -> int:
        code = self._index.get(value)  # texts, None, jobs and files: no two of them are equal
        if code is None:
            code = self._index[value] = len(self._values)
            self._values.append(value)
        return code

    def add(
        self,
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
        code = self._code
        m, j, f, o, r, why, to, what, how = self.objects
        m.append(code(method))
        j.append(code(job))
        f.append(code(file))
        o.append(code(outcome))
        r.append(code(rule))
        why.append(code(reason))
        to.append(code(target))
        what.append(code(detail))
        how.append(code(trigger))
        if duration:
            self.durations[row] = duration
        if ranges is not None:
            self.ranges[row] = ranges

    def append(self, entry: LogEntry) -> None:
        self.add(*entry)

    def extend(self, entries: Iterable[LogEntry]) -> None:
        for entry in entries:
            self.add(*entry)

    def entry(self, row: int) -> LogEntry:
        values = self._values
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


def _restore(entries: list[tuple[Any, ...]], pending: list[tuple[Any, ...]]) -> EventLog:
    log = EventLog(_Frozen([Pending(*p) for p in pending]))
    log._entries.extend(LogEntry(*entry) for entry in entries)
    return log
