"""The scheduler: which jobs transfer now (S1-S5, L3, L4).

- S1: a background job runs only while no job of a higher background priority is in an
  action state; a higher priority that becomes queued preempts the running job.
- S2: background jobs of one priority take turns in time slices (``Simulation(time_slice=)``).
- S3: every foreground job runs, beside the one background job.
- S5: bandwidth is split by :meth:`Network.shares` between two lanes
  (:class:`~bitslab.model.lane.Lane`): the foreground jobs, and the background job.
- L4: a disconnect moves every job in an action state to TRANSIENT_ERROR; reconnecting
  queues them again at once.
- P2: while the BITS service is down nothing starts; when it stops, the running jobs go back
  to the front of their queues (bytes kept), and the network's news waits for its return.

The scheduler learns of every state change through :meth:`Scheduler.on_state_change`, the
one place that keeps its queues, so that a job suspended, cancelled or failed by any path
leaves the link. It owns the link between a running job and its :class:`Transfer`
(:meth:`Scheduler.transfer_of`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..constants import (
    BG_E_NETWORK_DISCONNECTED,
    ErrorContext,
    JobPriority,
    JobState,
)
from .agenda import cancel
from .events import PriorityChanged, ServiceStarted, ServiceStopped, StateChanged
from .lane import Lane
from .network import Failure, Network
from .transfer import Transfer

if TYPE_CHECKING:
    from .agenda import Agenda, Timer
    from .jobs import Job
    from .service import Service

__all__ = ["Scheduler"]

_RUNNING = frozenset({JobState.CONNECTING, JobState.TRANSFERRING})
_BACKGROUND = (JobPriority.HIGH, JobPriority.NORMAL, JobPriority.LOW)


class Scheduler:
    """Decides, at each change, which queued jobs start and which running job yields."""

    def __init__(
        self,
        agenda: Agenda,
        network: Network,
        jobs: list[Job],
        time_slice: float,
        service: Service,
    ) -> None:
        self.agenda = agenda
        self.network = network
        self.service = service  # P2: nothing starts while the BITS service is down
        self._jobs = jobs  # every job of the simulation, oldest first (L4: reconnect order)
        self.time_slice = time_slice
        # Queued jobs per priority, in the order they were queued (dicts as ordered sets).
        self._waiting: dict[JobPriority, dict[Job, None]] = {p: {} for p in JobPriority}
        self._running: dict[Job, Transfer] = {}
        #: Each running job's transfer, read-only (the scheduler owns the link; the jobs read it).
        self.running: Mapping[Job, Transfer] = MappingProxyType(self._running)
        self._background: Job | None = None  # the background job holding the slot
        self.foreground = Lane(agenda)  # S3, S5: every foreground job, at one shared rate
        self.background = Lane(agenda)  # S1, S5: the background job holding the slot
        self._slice: Timer | None = None  # S2: the end of the background job's slice
        self._pass_pending = False
        network.listen(self)

    def transfer_of(self, job: Job) -> Transfer | None:
        """The running job's transfer (None when the job is not CONNECTING or TRANSFERRING)."""
        return self._running.get(job)

    # -- bookkeeping, from the model's events --------------------------------------------------

    def on_state_change(self, event: StateChanged) -> None:
        """Keep the queues in step with a job's state; called on every transition."""
        job, old, new = event.job, event.old, event.new
        if old is JobState.QUEUED:
            del self._waiting[job.priority][job]
        if old in _RUNNING and new not in _RUNNING:
            self._release(job)
        if new is JobState.QUEUED:
            self._waiting[job.priority][job] = None
            self.kick()

    def on_priority_change(self, event: PriorityChanged) -> None:
        """A job's priority changed: re-file it, and let the next pass re-decide (S1, S3)."""
        job, old = event.job, event.old
        queue = self._waiting[old]
        if job in queue:
            del queue[job]
            self._waiting[job.priority][job] = None
        elif job in self._running:
            background = job.priority is not JobPriority.FOREGROUND
            if background and job is not self._background:  # foreground -> background
                if self._background is None:
                    self._background = job
                    self._arm_slice(job)
                else:  # S3: only one background job runs beside the foreground ones
                    job.lifecycle.enter(JobState.QUEUED, "S3")
            elif not background and job is self._background:  # background -> foreground
                self._background = None
                self._cancel_slice()
            transfer = self._running.get(job)
            if transfer is not None:
                transfer.move_to(self.lane_for(job))
            self.reallocate()
        self.kick()

    def _release(self, job: Job) -> None:
        self._running[job].stop()
        del self._running[job]
        if job is self._background:
            self._background = None
            self._cancel_slice()
        self.reallocate()  # S5: its share goes back to the jobs still running
        self.kick()

    # -- the scheduling pass ---------------------------------------------------------------

    def kick(self) -> None:
        """Run a scheduling pass at the current time, after the caller returns."""
        if not self._pass_pending:
            self._pass_pending = True
            self.agenda.after(0.0, self._pass)

    def _pass(self) -> None:
        self._pass_pending = False
        if not self.service.up:  # P2: it goes on when the service returns
            return
        if not self.network.connected:
            self._disconnect_waiting()
            return
        for job in list(self._waiting[JobPriority.FOREGROUND]):
            self._start(job)  # S3
        best = next((p for p in _BACKGROUND if self._waiting[p]), None)
        running = self._background
        if running is not None and best is not None and best < running.priority:
            self._preempt(running)
            running = None
        if running is None and best is not None:
            self._start(next(iter(self._waiting[best])))

    def _start(self, job: Job) -> None:
        transfer = Transfer(self, job)
        self._running[job] = transfer
        if job.priority is not JobPriority.FOREGROUND:
            self._background = job
            self._cancel_slice()  # its slice starts when bytes flow (arm_slice)
        job.lifecycle.enter(JobState.CONNECTING, "L3")
        if self._running.get(job) is transfer:  # unless the state change stopped it already
            transfer.begin()

    def arm_slice(self, job: Job) -> None:
        """S2: a background job's slice starts when its bytes start to flow in this turn."""
        if job is self._background:
            self._arm_slice(job)

    def _arm_slice(self, job: Job) -> None:
        self._cancel_slice()
        self._slice = self.agenda.after(self.time_slice, self._slice_ends, job)

    def _cancel_slice(self) -> None:
        cancel(self._slice)
        self._slice = None

    def _preempt(self, job: Job) -> None:
        """S1: send a running job back to the front of its queue."""
        job.lifecycle.enter(JobState.QUEUED, "S1")
        queue = self._waiting[job.priority]
        rest = [other for other in queue if other is not job]
        queue.clear()
        queue[job] = None
        queue.update(dict.fromkeys(rest))

    def _slice_ends(self, job: Job) -> None:
        """S2, L3: at the end of a slice the job yields to a queued job of its priority."""
        self._slice = None
        if job is not self._background:
            return
        # A file whose last byte arrives at this very moment completes first (L3).
        self._running[job].finish_due_file()
        if job is not self._background:  # it was the last file: the job is TRANSFERRED
            return
        if self._waiting[job.priority]:
            job.lifecycle.enter(JobState.QUEUED, "S2")
        else:
            self._arm_slice(job)

    def lane_for(self, job: Job) -> Lane:
        """The lane a running job's bytes flow in: background for the job holding the
        background slot, foreground for the others (S3)."""
        return self.background if job is self._background else self.foreground

    def reallocate(self) -> None:
        """S5: give every transfer that moves bytes its share of the link: one rate per lane,
        whatever the number of transfers in it."""
        foreground, background = self.foreground, self.background
        fg_rate, bg_rate = self.network.shares(foreground.members, background.members > 0)
        foreground.set_rate(fg_rate)
        background.set_rate(bg_rate)

    # -- the network's news ----------------------------------------------------------------

    def _disconnect(self, job: Job) -> None:
        job.lifecycle.transient_error(
            ErrorContext.GENERAL_TRANSPORT,
            BG_E_NETWORK_DISCONNECTED,
            None,
            "the network is disconnected",
            disconnect=True,
        )

    def on_disconnect(self) -> None:
        """L4: every job in an action state moves to TRANSIENT_ERROR (P2: once the service
        is up; the pass after its return finds the network down)."""
        if not self.service.up:
            return
        for job in list(self._running):
            self._disconnect(job)
        self._disconnect_waiting()

    def _disconnect_waiting(self) -> None:
        for queue in self._waiting.values():
            for job in list(queue):
                self._disconnect(job)

    def on_reconnect(self) -> None:
        """L4: jobs that the disconnect stopped are queued again at once, without the delay
        (P2: once the service is up; its return does this if the network is back)."""
        if not self.service.up:
            return
        for job in self._jobs:
            if job.state is JobState.TRANSIENT_ERROR and job.lifecycle.disconnected:
                job.lifecycle.enter(JobState.QUEUED, "L4")

    # -- the BITS service's news (P2) --------------------------------------------------------

    def on_service_stopped(self, event: ServiceStopped) -> None:
        """P2: the service stopped: each running job moves to QUEUED, its bytes kept, at the
        front of its queue (in the order they ran), to go on when the service returns."""
        stopped = list(self._running)
        for job in stopped:
            job.lifecycle.enter(JobState.QUEUED, "P2")
        for queue in self._waiting.values():
            first = [job for job in stopped if job in queue]
            if first:
                rest = [job for job in queue if job not in first]
                queue.clear()
                queue.update(dict.fromkeys([*first, *rest]))

    def on_service_started(self, event: ServiceStarted) -> None:
        """P2: the service is back: the network's news of the down time applies now (L4), and
        the queued jobs go on."""
        if self.network.connected:
            self.on_reconnect()
        self.kick()

    def on_bandwidth_change(self) -> None:
        """S5: other traffic started or stopped."""
        self.reallocate()

    def on_failure(self, failure: Failure) -> None:
        """A server starts failing: a matching file in flight fails now (L5, L7)."""
        for transfer in list(self._running.values()):
            file = transfer.file
            # L17: the bytes come from the URL of the last connection (file.source)
            if file is not None and failure.matches(file.source):
                # The failure that answers now: an exact URL may outrank this prefix.
                answer = self.network.status_for(file.source)
                transfer.fail(answer or failure, file)
