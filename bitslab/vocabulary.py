"""The words that cross layers: callback methods, outcomes and statuses, as string enums.

The model, delivery, the log and the views all speak of a notification's *method* (which
callback), its *outcome* (how an attempt or decision ended) and its *status* (where a pending
one stands). Each is a :class:`StrEnum` whose members are also plain strings, so
``entry.outcome == "delivered"`` holds and a log's CSV is unchanged; each member carries what
the layers above need (the flag that lets a method through, whether an outcome means the
application heard of the event, the rule behind a status), so no layer keeps its own copy.
"""

from __future__ import annotations

import enum
import sys

from .constants import NotifyFlags

__all__ = ["NOT_ENDED", "PENDING", "Method", "Outcome", "Status", "StrEnum"]

#: What a notification not ended yet is counted as, where outcomes are counted or listed.
PENDING = "pending"

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - Python 3.10 has no enum.StrEnum; this is what it does

    class StrEnum(str, enum.Enum):
        """An enum whose members are strings and print as their value."""

        def __str__(self) -> str:
            return str(self.value)


class Method(StrEnum):
    """A callback of IBackgroundCopyCallback (C1-C4, R4), named as the notifier's method.

    Each member carries, as plain attributes (delivery reads them at every decision):
    ``flag``, the notify flag that lets it through (F1); ``job_level``, True for
    job_transferred and job_error, the two that may run a command line (C1, C2, K2); and
    ``retried``, True when BITS calls it again after a failed call, which C4 also queues
    per job (C5, C6).
    """

    flag: NotifyFlags
    job_level: bool
    retried: bool

    JOB_TRANSFERRED = "job_transferred"
    JOB_ERROR = "job_error"
    JOB_MODIFICATION = "job_modification"
    FILE_TRANSFERRED = "file_transferred"
    FILE_RANGES_TRANSFERRED = "file_ranges_transferred"


# What each method carries: (flag, job_level, retried).
_METHODS = {
    Method.JOB_TRANSFERRED: (NotifyFlags.JOB_TRANSFERRED, True, True),
    Method.JOB_ERROR: (NotifyFlags.JOB_ERROR, True, True),
    Method.JOB_MODIFICATION: (NotifyFlags.JOB_MODIFICATION, False, False),
    Method.FILE_TRANSFERRED: (NotifyFlags.FILE_TRANSFERRED, False, True),
    Method.FILE_RANGES_TRANSFERRED: (NotifyFlags.FILE_RANGES_TRANSFERRED, False, False),
}
for _method, (_flag, _job_level, _retried) in _METHODS.items():
    _method.flag, _method.job_level, _method.retried = _flag, _job_level, _retried
del _method, _flag, _job_level, _retried


class Outcome(StrEnum):
    """How a delivery attempt or decision ended (D1); the order is the contract's."""

    COALESCED = "coalesced"
    STALE = "stale"
    DISABLED = "disabled"
    NOT_ON_DEMAND = "not_on_demand"
    FILTERED = "filtered"
    NO_INTERFACE = "no_interface"
    NOT_IMPLEMENTED = "not_implemented"
    APP_DOWN = "app_down"
    FAILED = "failed"
    CMDLINE = "cmdline"
    DELIVERED = "delivered"

    @property
    def arrived(self) -> bool:
        """True when the application heard of the event: its callback returned success, or
        its command line ran instead (K3-K5)."""
        return self in (Outcome.DELIVERED, Outcome.CMDLINE)

    @property
    def lost(self) -> bool:
        """True when BITS tried to tell the application and could not, or gave up on telling
        it: the call failed or the app was down (C5, I4), no interface (C6), stale (C11)."""
        return self in (Outcome.APP_DOWN, Outcome.FAILED, Outcome.NO_INTERFACE, Outcome.STALE)


class Status(StrEnum):
    """Where a raised notification stands until its final log entry (see EventLog.pending)."""

    NEW = "new"  # just raised
    HELD = "held"  # C7: the rate limiter holds it until the interval ends
    WAITING = "waiting"  # C4: behind the job's earlier notification
    DELAYED = "delayed"  # C8: on its way to dispatch
    READY = "ready"  # C9: waiting for one of the four slots
    SERVICE_DOWN = "service_down"  # P2: reached dispatch while the BITS service is down
    IN_FLIGHT = "in_flight"  # C5, C9: its callback is running
    RUNNING = "running"  # K3-K5: its command line is running
    ATTEMPTED = "attempted"  # its call has returned; what follows is being decided
    RETRY = "retry"  # C5, K5: waiting for the retry delay
    DONE = "done"  # ended: its final entry is in the log

    @property
    def active(self) -> bool:
        """True while the notification keeps ``sim.run()`` going (not waiting to retry)."""
        return self in _ACTIVE

    @property
    def rule(self) -> str | None:
        """The rule that keeps a notification in this status, if one does."""
        return _STATUS_RULES.get(self)

    def rule_for(self, *, cmdline: bool = False) -> str | None:
        """The rule that keeps it here; K5 for a retry once its command line has run."""
        return "K5" if cmdline and self is Status.RETRY else self.rule

    def story(self, behind: int | None = None, *, cmdline: bool = False) -> str:
        """Where a pending notification stands, as ``explain()`` tells it (``behind``: the
        notification it queues behind, C4; ``cmdline``: a retry of its command line, K5)."""
        if self is Status.RETRY:
            return _RETRY_STORIES[cmdline]
        return "still pending: " + _STORIES.get(self, str(self)).format(behind=behind)

    def waiting_for(self, *, cmdline: bool = False) -> str:
        """What a pending notification waits for, as the table of arrivals says it."""
        if cmdline and self is Status.RETRY:
            return "its command line failed; waiting to run it again"
        return _WAITING_FOR.get(self, NOT_ENDED)


_ACTIVE = frozenset(
    {
        Status.HELD,
        Status.DELAYED,
        Status.READY,
        Status.SERVICE_DOWN,
        Status.IN_FLIGHT,
        Status.RUNNING,
    }
)
_STATUS_RULES = {
    Status.HELD: "C7",
    Status.WAITING: "C4",
    Status.DELAYED: "C8",
    Status.READY: "C9",
    Status.SERVICE_DOWN: "P2",
    Status.IN_FLIGHT: "C9",
    Status.RUNNING: "K5",
    Status.RETRY: "C5",
}

#: explain()'s words for where a pending notification stands (pinned by the golden logs).
_STORIES = {
    Status.NEW: "just raised",
    Status.HELD: "held until the minimum notification interval ends (C7)",
    Status.WAITING: "queued behind #{behind} of the same job (C4)",
    Status.DELAYED: "on its way to dispatch (C8)",
    Status.READY: "waiting for one of the four slots (C9)",
    Status.SERVICE_DOWN: "waiting for the BITS service to return (P2)",
    Status.IN_FLIGHT: "its callback is running",
    Status.RUNNING: "its command line is running",
    Status.ATTEMPTED: "its call has just returned",
}
_RETRY_STORIES = {
    False: "still pending: BITS will call again after the retry delay, or at once when an "
    "interface is set (C5)",
    True: "still pending: BITS will run the command line again (K5)",
}
#: The arrivals table's words for what a pending notification waits for.
_WAITING_FOR = {
    Status.RETRY: "waiting for its retry delay or a new interface",
    Status.WAITING: "queued behind the job's earlier notification",
    Status.HELD: "held back by the minimum notification interval",
    Status.DELAYED: "waiting for dispatch",
    Status.READY: "waiting for a free delivery slot",
    Status.SERVICE_DOWN: "waiting for the BITS service to return",
    Status.IN_FLIGHT: "the callback has not returned yet",
    Status.RUNNING: "its command line is running",
}
#: What a notification pending for no known reason waits for, in the table of arrivals.
NOT_ENDED = "not ended when the run stopped"
