"""The minimum notification interval (C7): one limiter per job and kind.

The first modification (or range report) goes out at once. Any raised within the interval
after the last one sent are folded into a single notification, sent when the interval ends;
the later ones are logged as ``coalesced``. The interval is measured between the times
notifications are sent, and read from the job's MINIMUM_NOTIFICATION_INTERVAL_MS property each
time (so changing it takes effect at the next decision).

Bytes arrive continuously, so "bytes transferred" modifications are raised by the limiter's
own clock: while the job is TRANSFERRING, each time an interval ends with new bytes and nothing
held, a modification is raised and sent (model choice; a job with a zero interval reports
bytes every ``progress_interval`` seconds of the simulation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..constants import JobProperty, JobState

if TYPE_CHECKING:
    from ..jobs import Job
    from .dispatcher import Dispatcher
    from .notification import Notification

__all__ = ["Limiter"]


class Limiter:
    """C7 for one job and one kind (``job_modification`` or ``file_ranges_transferred``)."""

    __slots__ = ("_dispatcher", "_gen", "_reported", "held", "job", "last_sent", "method")

    def __init__(self, dispatcher: Dispatcher, job: Job, method: str) -> None:
        self._dispatcher = dispatcher
        self.job = job
        self.method = method
        self.last_sent: float | None = None
        self.held: Notification | None = None
        self._gen = 0
        self._reported = 0.0  # the job's bytes at the last modification sent

    def interval(self) -> float:
        """The job's minimum notification interval, in seconds."""
        ms = self.job.get_property(JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS)
        assert isinstance(ms, int)
        return ms / 1000.0

    def offer(self, note: Notification) -> None:
        """C7: send ``note`` now, hold it for the end of the interval, or fold it in."""
        if self.held is not None:
            self._dispatcher.end(note, "coalesced", "C7", f"folded into #{self.held.id}")
            return
        now = self._dispatcher.sim.now
        if self.last_sent is None or now >= self.last_sent + self.interval() - 1e-9:
            self._send(note)
            return
        self.held = note
        self._dispatcher.set_status(note, "held")
        self._arm(self.last_sent + self.interval())

    def drop_held(self) -> None:
        """Forget the held notification (the dispatcher has ended it, C11)."""
        self.held = None

    def _send(self, note: Notification, trigger: str = "") -> None:
        sim = self._dispatcher.sim
        self.last_sent = sim.now
        if self.method == "job_modification":
            self._reported = self.job._bytes_now()
            if self.job.state is JobState.TRANSFERRING:  # keep reporting bytes while they flow
                self._arm_tick()
        self._dispatcher.dispatch(note, trigger)

    def _arm_tick(self) -> None:
        """Look for new bytes one interval from now (at least ``progress_interval``)."""
        sim = self._dispatcher.sim
        self._arm(sim.now + max(self.interval(), self._dispatcher.progress_interval))

    def _arm(self, when: float) -> None:
        self._gen += 1
        self._dispatcher.sim._at(when, self._fire, self._gen)

    def _fire(self, gen: int) -> None:
        if gen != self._gen:
            return
        held = self.held
        if held is not None:
            self.held = None
            self._send(held, "held until the minimum notification interval ended (C7)")
        elif self.method == "job_modification" and self.job.state is JobState.TRANSFERRING:
            if self.job._bytes_now() > self._reported:
                self._dispatcher.raise_("job_modification", self.job, None, "bytes arrived (C3)")
            else:  # no bytes this interval (a trickle, or still connecting): look again later
                self._arm_tick()
