"""Delivery: raising notifications and carrying each one to its final log entry.

- Raising: a state change, a finished file or a change to the job raises a notification
  (C1-C3); a new interface replays job-level ones (I5); a new command line runs (K4).
- Rate limits: modifications and range reports pass the job's :class:`Limiter` (C7).
- Order: a job's file_transferred calls go one at a time, then its job_transferred or
  job_error (C4); each notification reaches dispatch after a delay, modifications after a
  longer one (C8); at most four are in flight at once (C9).
- Attempts: see :mod:`bitslab.delivery.attempts`; every outcome and the rule behind it is
  decided in :mod:`bitslab.delivery.decision`, and carried out here and there.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..constants import JobState
from ..log import EventLog, Pending
from ..model.events import (
    CmdlineSet,
    Events,
    FileTransferred,
    InterfaceSet,
    Modified,
    OnDemandChanged,
    RangesDone,
    RunEnded,
    ServiceStarted,
    ServiceStopped,
    StateChanged,
)
from ..vocabulary import Method, Status
from .attempts import MAX_IN_FLIGHT, Attempt, Attempts
from .decision import Action, Decision, when_raised, when_state_changed
from .limiter import Limiter, RangeLimiter
from .notification import TEXT, Notification
from .programs import Programs

if TYPE_CHECKING:
    from ..model.files import File
    from ..model.jobs import Job
    from ..parameters import Parameters
    from ..simulation import Simulation

__all__ = ["MAX_IN_FLIGHT", "Dispatcher"]

# Members read for every notification, bound once: on Python 3.11 reading a member off
# its enum class takes EnumType's slow attribute path (about 0.2 us a read).
_FILE_RANGES_TRANSFERRED = Method.FILE_RANGES_TRANSFERRED
_FILE_TRANSFERRED = Method.FILE_TRANSFERRED
_JOB_ERROR = Method.JOB_ERROR
_JOB_MODIFICATION = Method.JOB_MODIFICATION
_JOB_TRANSFERRED = Method.JOB_TRANSFERRED
_DELAYED = Status.DELAYED
_DONE = Status.DONE
_HELD = Status.HELD
_IN_FLIGHT = Status.IN_FLIGHT
_RETRY = Status.RETRY
_WAITING = Status.WAITING
_ACTIVE = frozenset(status for status in Status if status.active)
_TRANSFERRING = JobState.TRANSFERRING
# The actions, compared at every raise, bound once for the same reason.
_DISPATCH = Action.DISPATCH
_LIMIT = Action.LIMIT
_QUEUE = Action.QUEUE

_STATE_METHOD = {JobState.TRANSFERRED: _JOB_TRANSFERRED, JobState.ERROR: _JOB_ERROR}
#: Each state's name, for the reasons the log gives (an enum's ``.name`` is a Python-level
#: descriptor on 3.11, and every state change names two states).
_STATE_NAME = {state: state.name for state in JobState}


class Dispatcher:
    """The notification side of the BITS service in one simulation."""

    def __init__(
        self, sim: Simulation, parameters: Parameters, *, interrupted: Callable[[], None]
    ) -> None:
        self.sim = sim
        self.interrupted = interrupted  # a callback raised KeyboardInterrupt: stop the run
        self._agenda = sim.agenda  # the model's timers and clock (see bitslab.model.agenda)
        self.log = EventLog(self.pending)
        self.programs = Programs(interrupted)
        # The parameters delivery reads, bound once (a frozen record: they never change).
        self.dispatch_delay = parameters.dispatch_delay  # C8
        self.modification_delay = parameters.modification_delay  # C8
        self.callback_timeout = parameters.callback_timeout  # C9: None, BITS's own way
        self.s_ok_only = parameters.s_ok_only  # C5: only S_OK, None and True count as success
        self.progress_interval = parameters.progress_interval  # C7
        self.server_start_delay = parameters.server_start_delay  # N2: a server's start
        self.active = 0  # notifications held, on their way, ready, in flight or running
        self.attempts = Attempts(self)
        self._ids = itertools.count(1)
        self._pending: dict[Job, dict[Notification, None]] = {}
        self._queues: dict[Job, deque[Notification]] = {}
        self._limiters: dict[tuple[Job, Method], Limiter] = {}
        self._succeeded: dict[tuple[Job, Method], int] = {}  # K4: episodes an interface handled
        self.runs_ended = 0  # I4: app runs ended so far (a call re-checks its app if this moved)
        self.watching: set[RangeLimiter] = set()  # R4: range limiters looking for new ranges

    @property
    def in_flight(self) -> int:
        """C9: callbacks under way."""
        return self.attempts.in_flight

    @property
    def quiet(self) -> bool:
        """True when nothing is on its way: no notification active, no range report due."""
        if self.active:
            return False
        return not any(limiter.due() for limiter in self.watching)

    def pending(self) -> list[Pending]:
        """Every notification raised and not yet ended, oldest first (for the log's views)."""
        notes = sorted(
            (note for notes in self._pending.values() for note in notes), key=lambda n: n.id
        )
        return [
            Pending(
                id=n.id,
                method=TEXT[n.method],
                job=n.job,
                file=n.file,
                raised=n.raised,
                reason=n.reason,
                status=TEXT[n.status],
                behind=self._blocker(n),
            )
            for n in notes
        ]

    # -- what raises notifications (called by jobs and files) --------------------------------

    def subscribe(self, events: Events) -> None:
        """Hear what the model publishes (see :mod:`bitslab.model.events`)."""
        events.subscribe(StateChanged, self.on_state_change)
        events.subscribe(FileTransferred, self.on_file_transferred)
        events.subscribe(RangesDone, self.on_ranges_done)
        events.subscribe(Modified, self.on_modified)
        events.subscribe(OnDemandChanged, self.on_demand_changed)
        events.subscribe(InterfaceSet, self.on_interface_set)
        events.subscribe(CmdlineSet, self.on_cmdline_set)
        events.subscribe(RunEnded, self.on_run_ended)
        events.subscribe(ServiceStopped, self.on_service_stopped)
        events.subscribe(ServiceStarted, self.on_service_started)

    def on_state_change(self, event: StateChanged) -> None:
        """C1, C2, C3: job_transferred, job_error, or a modification for any other state;
        R4: an on-demand job that starts TRANSFERRING starts its range reports."""
        job, old, new = event.job, event.old, event.new
        self._sweep(job)
        if new is _TRANSFERRING:
            self.watch_ranges(job)
        method = _STATE_METHOD.get(new)
        if method is not None:
            rule = "C1" if method is _JOB_TRANSFERRED else "C2"
            self.raise_(method, job, None, f"the job entered {_STATE_NAME[new]} ({rule})")
        elif new.is_final:  # C3: nothing at all for a final job
            self._forget(job)  # forget its bookkeeping
        else:
            reason = f"state {_STATE_NAME[old]} -> {_STATE_NAME[new]} (C3)"
            self.raise_(_JOB_MODIFICATION, job, None, reason)

    def on_file_transferred(self, event: FileTransferred) -> None:
        """C4: a file is complete."""
        job, file = event.job, event.file
        self.raise_(_FILE_TRANSFERRED, job, file, f"file {file.local_name!r} finished (C4)")

    def watch_ranges(self, job: Job) -> None:
        """R4: an on-demand job is moving bytes: its range reports start (C7 paces them)."""
        if job.state is _TRANSFERRING and job.on_demand:
            self._range_limiter(job).watch()

    def on_demand_changed(self, event: OnDemandChanged) -> None:
        """R4: ON_DEMAND_MODE was set: range reports may start."""
        self.watch_ranges(event.job)

    def on_run_ended(self, event: RunEnded) -> None:
        """I4: an application run ended; calls under way into it will fail (see after_call)."""
        self.runs_ended += 1

    def on_service_stopped(self, event: ServiceStopped) -> None:
        """P2 (P3): the BITS service stopped: calls under way are abandoned as failed (C5
        retries them), and nothing is attempted until it returns. The model has dropped the
        registered interfaces; whatever else delivery holds for a job's callbacks (objects
        made from a callback CLSID, N2) is dropped here."""
        self.attempts.service_stopped()

    def on_service_started(self, event: ServiceStarted) -> None:
        """P2: the BITS service is back: what waited for it is attempted now."""
        self.attempts.service_started()

    def on_ranges_done(self, event: RangesDone) -> None:
        """R4: no requested range is left: the pending range report goes out at once."""
        job = event.job
        if any(file.has_unreported_ranges() for file in job.files):
            self._range_limiter(job).flush()

    def on_modified(self, event: Modified) -> None:
        """C3: a file was added or a property changed."""
        self.raise_(_JOB_MODIFICATION, event.job, None, f"{event.what} (C3)")

    def on_interface_set(self, event: InterfaceSet) -> None:
        """C5, I5: retry pending notifications at once; replay a job-level one if due.

        K5 (model choice): a notification that had fallen back to the command line is I5's
        replay too: one notification, offered to the new interface at its next attempt (at
        once if it waits to retry; after the command line if one is running), so that
        whichever route succeeds first ends it, with one final entry.
        """
        job, notifier = event.job, event.notifier
        self.attempts.activations.forget(job)  # N3: an interface set replaces a CLSID-made object
        if notifier is None:
            return
        for note in list(self._pending.get(job, ())):
            if note.status is _RETRY:
                note.via_cmdline = False
                self.dispatch(note, "a new interface was set (C5)")
        method = _STATE_METHOD.get(job.state)
        if method is None:
            return
        pending = self._pending_for(job, method)
        if pending is None:
            reason = f"an interface was set on the {job.state.name} job (I5)"
            self.raise_(method, job, None, reason)
        elif pending.status is _IN_FLIGHT:
            self.attempts.replay(pending, notifier)
        else:  # K5, I5: on its way, or its command line is running: the interface is next
            pending.via_cmdline = False

    def on_cmdline_set(self, event: CmdlineSet) -> None:
        """K4: a command line set on a TRANSFERRED or ERROR job runs, unless an interface
        already handled that event; one waiting to retry a failed call runs it at once."""
        job = event.job
        method = _STATE_METHOD.get(job.state)
        if method is None or not job.get_notify_cmdline()[0]:
            return
        if self._succeeded.get((job, method)) == job.episode:
            return
        note = self._pending_for(job, method)
        if note is None:
            reason = f"a command line was set on the {job.state.name} job (K4)"
            self.raise_(method, job, None, reason, via_cmdline=True)
        elif note.status is _RETRY:  # K3: its interface failed; the command line takes over
            note.via_cmdline = True
            self.dispatch(note, "a command line was set (K4)")

    # -- the path of a notification ---------------------------------------------------------

    def raise_(
        self,
        method: Method,
        job: Job,
        file: File | None,
        reason: str,
        ranges: list[tuple[int, int]] | None = None,
        *,
        via_cmdline: bool = False,
    ) -> Notification:
        """Raise a notification; :func:`when_raised` says where it goes: folded (C7),
        through the rate limiter (C7), the job's queue (C4), or to dispatch (C8).

        A range report is raised by its :class:`RangeLimiter` only when it is due (C7,
        R4), so it goes to dispatch at once, unless it is folded into its file's last (C7).
        """
        now = self._agenda.now()
        note = Notification(next(self._ids), method, job, file, now, reason, ranges, via_cmdline)
        pending = self._pending.get(job)
        if pending is None:
            pending = self._pending[job] = {}
        pending[note] = None
        limiter = self._limiters.get((job, method))  # C7: modifications and range reports
        if limiter is None and method is _JOB_MODIFICATION:  # the job's first modification
            limiter = self._limiters[job, method] = Limiter(self, job, method)
        if limiter is None:
            decision = when_raised(note)
        else:  # C7: the one it holds, or the last one it released, may absorb this one
            decision = when_raised(note, limiter.held, limiter.released(file))
        action = decision.action
        if action == _DISPATCH:
            self.dispatch(note)
        elif action == _QUEUE:
            queue = self._queues.setdefault(job, deque())
            queue.append(note)
            if len(queue) == 1:
                self.dispatch(note)
            else:
                self.set_status(note, _WAITING)
        elif action == _LIMIT:
            assert limiter is not None
            limiter.offer(note)
        else:
            self.end(Attempt(self.log, note, now), decision)
            if limiter is not None and decision.into is not None:
                limiter.folded(note, decision.into)
        return note

    def dispatch(self, note: Notification, trigger: str = "", since: float | None = None) -> None:
        """C8: the notification reaches dispatch its kind's delay after ``since`` (default
        now). ``trigger`` says why, for the log, when this is not its first go."""
        delay = self.modification_delay if note.method is _JOB_MODIFICATION else self.dispatch_delay
        agenda = self._agenda
        now = agenda.now()
        when = now + delay if since is None else max(now, since + delay)
        self.set_status(note, _DELAYED)
        note.set_timer(agenda.at(when, self.attempts.arrive, note, trigger))

    def set_status(self, note: Notification, status: Status) -> None:
        """Move a notification to ``status`` (the one place that does), keeping count of the
        active ones."""
        self.active += (status in _ACTIVE) - (note.status in _ACTIVE)
        note.status = status

    def handled(self, note: Notification) -> None:
        """K4: an interface handled ``note``'s event: a command line set later does not run."""
        if note.method.job_level:
            self._succeeded[note.job, note.method] = note.episode

    def end(self, attempt: Attempt, decision: Decision) -> None:
        """Write the final entry of ``attempt``'s notification and forget it; the job's next
        one may go (C4)."""
        attempt.write(decision, True, self._agenda.now())
        note = attempt.note
        status = note.status
        self.set_status(note, _DONE)
        note.set_timer(None)
        job = note.job
        pending = self._pending.get(job)
        if pending is not None:
            pending.pop(note, None)
        if status is _HELD:  # C7: its limiter holds it no longer
            limiter = self._limiters.get((job, note.method))
            if limiter is not None and limiter.held is note:
                limiter.drop_held()
        if not note.method.retried:  # C4: only these wait in the job's queue
            return
        queue = self._queues.get(job)
        if queue is None or note not in queue:
            return
        head = queue[0] is note
        queue.remove(note)
        if not queue:  # a job's queue lives while something waits in it
            del self._queues[job]
        elif head and queue[0].status is _WAITING:
            turn = f"its turn came when #{note.id} ended (C4)"
            self.dispatch(queue[0], turn, since=queue[0].raised)

    # -- internals ------------------------------------------------------------------------

    def _range_limiter(self, job: Job) -> RangeLimiter:
        """C7, R4: the job's range-report limiter."""
        key = (job, _FILE_RANGES_TRANSFERRED)
        limiter = self._limiters.get(key)
        if not isinstance(limiter, RangeLimiter):
            limiter = RangeLimiter(self, job)
            self._limiters[key] = limiter
        return limiter

    def _pending_for(self, job: Job, method: Method) -> Notification | None:
        """The pending notification of ``method`` for the job's current stay in its state."""
        for note in self._pending.get(job, ()):
            if note.method is method and note.episode == job.episode:
                return note
        return None

    def _blocker(self, note: Notification) -> int | None:
        """C4: the notification a waiting one is queued behind."""
        if note.status is not _WAITING:
            return None
        return self._queues[note.job][0].id

    def _sweep(self, job: Job) -> None:
        """C11: end the job's pending notifications whose event no longer holds."""
        now = self._agenda.now()
        for note in list(self._pending.get(job, ())):
            decision = when_state_changed(note)
            if decision is not None:  # no attempt is made: the entry is a decision
                self.end(Attempt(self.log, note, now), decision)

    def _forget(self, job: Job) -> None:
        """A final job raises nothing more: drop what was kept for it (C3, C11)."""
        if not self._pending.get(job):
            self._pending.pop(job, None)
        self._queues.pop(job, None)
        self.attempts.activations.forget(job)
        for method in (_JOB_MODIFICATION, _FILE_RANGES_TRANSFERRED):
            limiter = self._limiters.pop((job, method), None)
            if isinstance(limiter, RangeLimiter):
                self.watching.discard(limiter)
        for method in (_JOB_TRANSFERRED, _JOB_ERROR):
            self._succeeded.pop((job, method), None)
