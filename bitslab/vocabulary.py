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

__all__ = ["Method", "Outcome", "Status", "StrEnum"]

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - Python 3.10 has no enum.StrEnum; this is what it does

    class StrEnum(str, enum.Enum):
        """An enum whose members are strings and print as their value."""

        def __str__(self) -> str:
            return str(self.value)


class Method(StrEnum):
    """A callback of IBackgroundCopyCallback (C1-C4, R4), named as the notifier's method."""

    JOB_TRANSFERRED = "job_transferred"
    JOB_ERROR = "job_error"
    JOB_MODIFICATION = "job_modification"
    FILE_TRANSFERRED = "file_transferred"
    FILE_RANGES_TRANSFERRED = "file_ranges_transferred"

    @property
    def flag(self) -> NotifyFlags:
        """F1: the notify flag that lets this callback through."""
        return _FLAGS[self]

    @property
    def job_level(self) -> bool:
        """C1, C2, K2: job_transferred and job_error (they alone may run a command line)."""
        return self in (Method.JOB_TRANSFERRED, Method.JOB_ERROR)

    @property
    def retried(self) -> bool:
        """C5, C6: BITS calls it again after a failed call (and C4 queues it per job)."""
        return self in (Method.JOB_TRANSFERRED, Method.JOB_ERROR, Method.FILE_TRANSFERRED)


_FLAGS = {
    Method.JOB_TRANSFERRED: NotifyFlags.JOB_TRANSFERRED,
    Method.JOB_ERROR: NotifyFlags.JOB_ERROR,
    Method.JOB_MODIFICATION: NotifyFlags.JOB_MODIFICATION,
    Method.FILE_TRANSFERRED: NotifyFlags.FILE_TRANSFERRED,
    Method.FILE_RANGES_TRANSFERRED: NotifyFlags.FILE_RANGES_TRANSFERRED,
}


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


class Status(StrEnum):
    """Where a raised notification stands until its final log entry (see EventLog.pending)."""

    NEW = "new"  # just raised
    HELD = "held"  # C7: the rate limiter holds it until the interval ends
    WAITING = "waiting"  # C4: behind the job's earlier notification
    DELAYED = "delayed"  # C8: on its way to dispatch
    READY = "ready"  # C9: waiting for one of the four slots
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


_ACTIVE = frozenset({Status.HELD, Status.DELAYED, Status.READY, Status.IN_FLIGHT, Status.RUNNING})
_STATUS_RULES = {
    Status.HELD: "C7",
    Status.WAITING: "C4",
    Status.DELAYED: "C8",
    Status.READY: "C9",
    Status.IN_FLIGHT: "C9",
    Status.RUNNING: "K5",
    Status.RETRY: "C5",
}
