"""What a log holds: an entry per attempt or decision, a pending notification, and the
plain records of a job and a file that stand in for the live ones when a log is pickled."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from ..constants import JobPriority, JobProperty, JobState, JobType, NotifyFlags

if TYPE_CHECKING:
    from ..model.files import File
    from ..model.jobs import Job

__all__ = ["FileRecord", "JobRecord", "LogEntry", "Pending", "Records", "detached"]


class JobRecord(NamedTuple):
    """A job as plain data: what a pickled log entry holds instead of the live :class:`Job`
    (which belongs to its simulation). It answers what :meth:`EventLog.explain` asks of a
    job, as it was when the log was pickled."""

    name: str
    id: uuid.UUID
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


class Records:
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
        return (LogEntry, tuple(detached(self, Records())))

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
        return (Pending, tuple(detached(self, Records())))


Row = TypeVar("Row", LogEntry, Pending)


def detached(row: Row, records: Records) -> Row:
    """``row`` with its job and file as records, which answer what a reader asks of them."""
    job: Any = records.job(row.job)
    file: Any = records.file(row.file)
    return row._replace(job=job, file=file)
