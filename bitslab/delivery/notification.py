"""A raised notification, from the moment BITS raises it until its final log entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model.files import File
    from ..model.jobs import Job

__all__ = [
    "ACTIVE",
    "JOB_LEVEL",
    "RATE_LIMITED",
    "RETRIED",
    "SERIAL",
    "Notification",
]

#: C1, C2: the job-level notifications; they alone can run the command line (K2).
JOB_LEVEL = frozenset({"job_transferred", "job_error"})
#: C5, C6: the kinds BITS calls again after a failure.
RETRIED = frozenset({"job_transferred", "job_error", "file_transferred"})
#: C4: the kinds that wait their turn in the job's queue (files first, then the job's own).
SERIAL = RETRIED
#: C7: the kinds whose raising goes through the job's :class:`Limiter`, which may fold them.
#: Range reports are paced too, but by their own RangeLimiter, which raises them when due.
RATE_LIMITED = frozenset({"job_modification"})
#: Statuses in which a notification keeps ``sim.run()`` going (it is not waiting to retry).
ACTIVE = frozenset({"held", "delayed", "ready", "in_flight", "running"})


class Notification:
    """One notification: what it is about, why it was raised, and where it stands.

    ``status`` is one of ``new`` (just raised), ``held`` (the rate limiter holds it, C7),
    ``waiting`` (behind the job's earlier notifications, C4), ``delayed`` (on its way to
    dispatch, C8), ``ready`` (waiting for one of the four slots, C9), ``in_flight`` (the
    callback is running), ``running`` (the command line is running, K3), ``attempted`` (the
    call has returned; what follows is being decided), ``retry`` (waiting for the retry
    delay, C5, K5) or ``done``.
    """

    __slots__ = (
        "again",
        "arrived",
        "attempts",
        "callee",
        "cmdline_ran",
        "episode",
        "file",
        "id",
        "job",
        "method",
        "queued",
        "raised",
        "ranges",
        "reason",
        "status",
        "token",
        "trigger",
        "via_cmdline",
    )

    def __init__(
        self,
        id: int,
        method: str,
        job: Job,
        file: File | None,
        raised: float,
        reason: str,
        ranges: list[tuple[int, int]] | None = None,
    ) -> None:
        self.id = id
        self.method = method
        self.job = job
        self.file = file
        self.raised = raised
        self.reason = reason
        self.ranges = ranges
        self.episode = job.episode  # C11: which stay in a state a job-level one is about
        self.attempts = 0
        self.status = "new"
        self.token = 0  # bumped whenever the notification is rescheduled; old timers see it
        self.via_cmdline = False  # K4, K5: only the command line is tried for this event
        self.cmdline_ran = False  # K5: the command line has run once for this event
        self.queued = False  # C4: in its job's queue of file and job notifications
        self.callee: object | None = None  # the notifier being called while in flight
        self.again = False  # I5: an interface was set during the call; replay on success
        self.trigger = ""  # what started the coming attempt, for the log ("" for the first)
        self.arrived = raised  # when it last reached dispatch (C9 waits are measured from here)

    def __repr__(self) -> str:
        return f"<Notification #{self.id} {self.method} job {self.job.name!r} {self.status}>"
