"""A job's lifecycle: its state, the history of its changes, its errors and retries (L1-L13, L15).

:class:`Lifecycle` is the part of a :class:`~bitslab.Job` (``job.lifecycle``) that is the
BITS job state machine. Every state change goes through :meth:`Lifecycle.enter`, which records
it in ``job.history`` with the rule that caused it and publishes
:class:`~bitslab.model.events.StateChanged`. The job's public methods, the scheduler and the
transfer drive it; none of its methods is a BITS method.

The no-progress clock (L6) lives here too: a transient error starts it, progress stops it, a
disconnect pauses it, and past its deadline the job moves to ERROR.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from ..constants import (
    BG_E_ERROR_INFORMATION_UNAVAILABLE,
    BG_E_INVALID_STATE,
    ErrorContext,
    JobState,
    hresult_name,
)
from ..errors import BitsError
from .agenda import cancel
from .events import StateChanged

if TYPE_CHECKING:
    from .agenda import Agenda, Timer
    from .events import Events
    from .files import File
    from .jobs import Job
    from .service import Service

__all__ = ["JobError", "Lifecycle", "StateChange", "require_live"]

#: L1: the minimum retry delay BITS enforces, and the defaults of a new job.
MINIMUM_RETRY_DELAY_FLOOR = 5.0
DEFAULT_RETRY_DELAY = 600.0
DEFAULT_NO_PROGRESS_TIMEOUT = 1_209_600.0


class StateChange(NamedTuple):
    """One entry of ``job.history``: at ``time`` the job went from ``old`` to ``new``."""

    time: float
    old: JobState | None
    new: JobState
    rule: str


@dataclass(frozen=True, slots=True)
class JobError:
    """What ``job.get_error()`` returns (L13, L15): the context and HRESULT; ``file``, the
    :class:`~bitslab.File` the error is about (None for one that is not about one file, such
    as a network disconnect); and ``description``, the error in words (the HTTP status and its
    reason phrase, or what the network did)."""

    context: ErrorContext
    hresult: int
    file: File | None
    description: str

    @property
    def name(self) -> str:
        """The HRESULT's symbolic name, e.g. ``BG_E_HTTP_ERROR_404``."""
        return hresult_name(self.hresult)


def require_live(job: Job, what: str, rule: str = "L12") -> None:
    """L12 (and F4, I3, K7): ACKNOWLEDGED and CANCELLED jobs refuse every change."""
    state = job.state
    if state.is_final:
        raise BitsError(
            f"{what} on job {job.name!r}: the job is {state.name}, a final state ({rule})",
            BG_E_INVALID_STATE,
            rule=rule,
        )


class Lifecycle:
    """One job's state, history, error and retry cycle (see the module's docstring)."""

    __slots__ = (
        "_agenda",
        "_deadline",
        "_disconnected",
        "_error",
        "_job",
        "_paused_left",
        "_retry",
        "_service",
        "episode",
        "events",
        "history",
        "no_progress_timeout",
        "retry_delay",
        "state",
    )

    def __init__(self, job: Job, agenda: Agenda, events: Events, service: Service) -> None:
        self._job = job
        self._agenda = agenda
        self._service = service  # P2: a retry that falls due while BITS is down waits for it
        self.events = events  # where the job's changes are published (the simulation's)
        self.history: list[StateChange] = [
            StateChange(agenda.now(), None, JobState.SUSPENDED, "L1")
        ]
        self.state = JobState.SUSPENDED  # the job's BG_JOB_STATE, changed by enter() only
        self.episode = 0  # state changes so far (C11: job-level notifications), by enter()
        self._error: JobError | None = None
        self.retry_delay = DEFAULT_RETRY_DELAY  # L1, L5 (job.minimum_retry_delay)
        self.no_progress_timeout = DEFAULT_NO_PROGRESS_TIMEOUT  # L1, L6
        self._deadline: float | None = None  # L6: when no progress turns into ERROR
        self._paused_left: float | None = None  # L6: deadline time held during a disconnect
        self._disconnected = False  # in TRANSIENT_ERROR because of a disconnect (L4)
        self._retry: Timer | None = None  # L5: the retry, cancelled by any state change

    def get_error(self) -> JobError:
        """L13: the job's last error, readable from the moment the job entered ERROR or
        TRANSIENT_ERROR until it next enters TRANSFERRING or a final state.

        Fails with BG_E_ERROR_INFORMATION_UNAVAILABLE before the first error and after that.
        """
        if self._error is not None:
            return self._error
        raise BitsError(
            f"get_error() on job {self._job.name!r} in state {self.state.name}: there is no "
            "error to read; an error is readable from ERROR or TRANSIENT_ERROR until the job "
            "next transfers data or is final (L13)",
            BG_E_ERROR_INFORMATION_UNAVAILABLE,
            rule="L13",
        )

    @property
    def disconnected(self) -> bool:
        """L4: in TRANSIENT_ERROR because the network went down."""
        return self._disconnected

    def enter(self, new: JobState, rule: str) -> None:
        """Move to ``new`` because of ``rule``; the one place a job's state changes."""
        old = self.state
        if new is old:
            return
        if old is JobState.TRANSIENT_ERROR and self._disconnected:
            self._disconnected = False
            if self._paused_left is not None:  # L6: the clock runs again after a disconnect
                self._deadline = self._agenda.now() + self._paused_left
                self._paused_left = None
        if not new.is_busy:  # L6 model choice: leaving the retry cycle resets the clock
            self._deadline = self._paused_left = None
        cancel(self._retry)  # L5: a retry is for this stay in TRANSIENT_ERROR only
        self._retry = None
        if new is JobState.TRANSFERRING or new.is_final:
            self._error = None  # L13: readable until BITS transfers data again or the job ends
        self.state = new
        self.episode += 1
        self.history.append(StateChange(self._agenda.now(), old, new, rule))
        self.events.publish(StateChanged(self._job, old, new))

    def finish(self) -> None:
        """L3, R5: nothing is left to fetch: TRANSFERRED if every file is whole, else (on
        demand) SUSPENDED."""
        job = self._job
        if all(file.transferred for file in job.files):
            self.enter(JobState.TRANSFERRED, "R5" if job.on_demand else "L3")
        else:
            self.enter(JobState.SUSPENDED, "R5")

    def made_progress(self) -> None:
        """L6: progress resets the no-progress clock."""
        self._deadline = None

    def fatal_error(
        self, context: ErrorContext, hresult: int, file: File | None, description: str
    ) -> None:
        """L7: a fatal error moves the job to ERROR."""
        self._error = JobError(context, hresult, file, description)
        self.enter(JobState.ERROR, "L7")

    def transient_error(
        self,
        context: ErrorContext,
        hresult: int,
        file: File | None,
        description: str,
        *,
        disconnect: bool = False,
    ) -> None:
        """L4, L5, L6: a recoverable error; TRANSIENT_ERROR, then a retry or ERROR."""
        self._error = JobError(context, hresult, file, description)
        now = self._agenda.now()
        if disconnect:  # L4: no retry timer, and the no-progress clock pauses (L6)
            if self._deadline is not None:
                self._paused_left = self._deadline - now
                self._deadline = None
            self._disconnected = True
            self.enter(JobState.TRANSIENT_ERROR, "L4")
            return
        timeout = self.no_progress_timeout
        if timeout == 0 or self.retry_delay > timeout:
            self.enter(JobState.ERROR, "L6")
            return
        if self._deadline is None:
            self._deadline = now + timeout
        if self._out_of_time():
            return
        self.enter(JobState.TRANSIENT_ERROR, "L5")
        wait = min(self.retry_delay, self._deadline - now)
        self._retry = self._agenda.after(wait, self._retry_due)

    # -- internals -------------------------------------------------------------------------------

    def _retry_due(self) -> None:
        """L5: after the retry delay the job queues again; L6: or, past the deadline, ERROR.
        P2: one that falls due while the service is down takes effect when it returns."""
        if not self._service.up:
            self._retry = self._service.defer(self._retry_due)
            return
        self._retry = None
        if not self._out_of_time():
            self.enter(JobState.QUEUED, "L5")

    def _out_of_time(self) -> bool:
        """L6: past the no-progress deadline the job moves to ERROR (checked at a transient
        error and at the retry; model choice: a QUEUED job past it fails at its next try)."""
        if self._deadline is not None and self._agenda.now() >= self._deadline:
            self.enter(JobState.ERROR, "L6")
            return True
        return False
