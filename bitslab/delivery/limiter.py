"""The minimum notification interval (C7): one limiter per job and kind.

The first modification goes out at once. Any raised within the interval after the last one
sent are folded into a single notification, sent when the interval ends; the later ones are
logged as ``coalesced``. The interval is measured between the times notifications are sent,
and read from the job's MINIMUM_NOTIFICATION_INTERVAL_MS property each time (so changing it
takes effect at the next decision).

Bytes arrive continuously, so "bytes transferred" modifications are raised by the limiter's
own clock: while the job is TRANSFERRING, each time an interval ends with new bytes and nothing
held, a modification is raised and sent (model choice; a job with a zero interval reports
bytes every ``progress_interval`` seconds of the simulation).

Range reports (R4) work the same way with their own limiter, :class:`RangeLimiter`: while an
on-demand job is TRANSFERRING it looks for new ranges every ``progress_interval`` (the grain at
which the model sees bytes arrive, model choice). The first report goes out at once, at the
first look that finds requested bytes (C7: the first notification is not rate limited); each
later one waits until the interval since the report before it has ended, and lists, per file,
the ranges filled since then. When the last requested range arrives it reports at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..constants import JobProperty, JobState
from ..model.agenda import cancel
from ..vocabulary import Method, Status

if TYPE_CHECKING:
    from ..model.agenda import Timer
    from ..model.jobs import Job
    from .dispatcher import Dispatcher
    from .notification import Notification

__all__ = ["Limiter", "RangeLimiter"]

# Members read for every notification, bound once: on Python 3.11 reading a member off
# its enum class takes EnumType's slow attribute path (about 0.2 us a read).
_FILE_RANGES_TRANSFERRED = Method.FILE_RANGES_TRANSFERRED
_JOB_MODIFICATION = Method.JOB_MODIFICATION
_HELD = Status.HELD
_TRANSFERRING = JobState.TRANSFERRING

_INTERVAL = JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS
_BYTES_ARRIVED = "bytes arrived (C3)"


class Limiter:
    """C7 for one job and one kind (``job_modification`` or ``file_ranges_transferred``)."""

    __slots__ = (
        "_agenda",
        "_dispatcher",
        "_reported",
        "_timer",
        "held",
        "job",
        "last_sent",
        "method",
    )

    def __init__(self, dispatcher: Dispatcher, job: Job, method: Method) -> None:
        self._dispatcher = dispatcher
        self._agenda = dispatcher.sim.agenda
        self.job = job
        self.method = method
        self.last_sent: float | None = None
        self.held: Notification | None = None
        self._timer: Timer | None = None  # the next look at the interval's end
        self._reported = 0.0  # the job's bytes at the last modification sent

    def interval(self) -> float:
        """The job's minimum notification interval, in seconds."""
        ms: int = self.job.get_property(_INTERVAL)  # type: ignore[assignment]
        return ms / 1000.0

    def offer(self, note: Notification) -> None:
        """C7: send ``note`` now, or hold it for the end of the interval (one raised while
        another is held is coalesced, see :func:`~bitslab.delivery.decision.when_raised`)."""
        last = self.last_sent
        if last is None or self._agenda.now() >= last + self.interval() - 1e-9:
            self._send(note)
            return
        self.held = note
        self._dispatcher.set_status(note, _HELD)
        self._arm(last + self.interval())

    def drop_held(self) -> None:
        """Forget the held notification (the dispatcher has ended it, C11)."""
        self.held = None

    def _send(self, note: Notification, trigger: str = "") -> None:
        dispatcher = self._dispatcher
        self.last_sent = self._agenda.now()
        if self.method is _JOB_MODIFICATION:
            job = self.job
            self._reported = job.bytes_arrived()
            if job.state is _TRANSFERRING:  # keep reporting bytes while they flow
                self._arm_tick()
        dispatcher.dispatch(note, trigger)

    def _arm_tick(self) -> None:
        """Look for new bytes one interval from now (at least ``progress_interval``)."""
        progress = self._dispatcher.progress_interval
        self._arm(self._agenda.now() + max(self.interval(), progress))

    def _arm(self, when: float) -> None:
        """Look again at ``when`` (instead of at the time set before)."""
        cancel(self._timer)
        self._timer = self._agenda.at(when, self._fire)

    def _fire(self) -> None:
        held = self.held
        if held is not None:
            self.held = None
            self._send(held, "held until the minimum notification interval ended (C7)")
        elif self.method is _JOB_MODIFICATION and self.job.state is _TRANSFERRING:
            if self.job.bytes_arrived() > self._reported:
                self._dispatcher.raise_(_JOB_MODIFICATION, self.job, None, _BYTES_ARRIVED)
            else:  # no bytes this interval (a trickle, or still connecting): look again later
                self._arm_tick()


class RangeLimiter(Limiter):
    """C7 and R4 for file_ranges_transferred: each report lists the ranges of one file
    filled since the previous report, as ``(offset, length)`` pairs.

    Model choice: bytes of two files that arrive within one interval (S4: one file ends, the
    next begins) make two reports at the same moment, one per file, since the callback names
    one file.
    """

    __slots__ = ("_watching",)

    def __init__(self, dispatcher: Dispatcher, job: Job) -> None:
        super().__init__(dispatcher, job, _FILE_RANGES_TRANSFERRED)
        self._watching = False

    def due(self) -> bool:
        """True while a report of ranges that arrived is still to come (the simulation is
        not quiet until it has gone out)."""
        return (
            self._watching
            and not self.job.state.is_final
            and any(file.has_unreported_ranges() for file in self.job.files)
        )

    def watch(self) -> None:
        """The job may move bytes on demand: look for new ranges one ``progress_interval``
        from now, or when the interval since the last report ends if that is later (C7: the
        first report is not rate limited, R4)."""
        if self._watching:
            return
        self._watching = True
        self._dispatcher.watching.add(self)
        when = self._agenda.now() + self._dispatcher.progress_interval
        if self.last_sent is not None:
            when = max(when, self.last_sent + self.interval())
        self._arm(when)

    def flush(self) -> None:
        """R4: the last requested range arrived: report what is unreported now, whatever
        the interval."""
        self._report("the last requested range arrived (R4)")

    def _fire(self) -> None:
        self._watching = False
        self._dispatcher.watching.discard(self)
        job = self.job
        if job.state.is_final:  # C3: nothing is raised for a final job
            return
        if self.last_sent is None:  # C7: the first report goes at once
            self._report("the first requested bytes arrived (R4; C7: the first is not held)")
        else:
            self._report("ranges arrived since the last report (R4, C7)")
        if job.on_demand and job.state is _TRANSFERRING:
            self.watch()

    def _report(self, why: str) -> None:
        job = self.job
        sent = False
        for file in job.files:
            ranges = file.take_unreported_ranges()
            if not ranges:
                continue
            count = len(ranges)
            reason = (
                f"{ranges.total:,} bytes of {file.local_name!r} in {count} "
                f"range{'s' if count != 1 else ''}: {why}"
            )
            self._dispatcher.raise_(_FILE_RANGES_TRANSFERRED, job, file, reason, ranges.pairs())
            sent = True
        if sent:
            now = self._agenda.now()
            self.last_sent = now
            if self._watching:  # C7: the next look waits a whole interval from this report
                self._arm(now + max(self.interval(), self._dispatcher.progress_interval))
