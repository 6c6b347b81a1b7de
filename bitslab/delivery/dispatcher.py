"""Delivery: raising notifications and carrying each one to its final log entry.

- Raising: a state change, a finished file or a change to the job raises a notification
  (C1-C3); a new interface replays job-level ones (I5); a new command line runs (K4).
- Rate limits: modifications and range reports pass the job's :class:`Limiter` (C7).
- Order: a job's file_transferred calls go one at a time, then its job_transferred or
  job_error (C4); each notification reaches dispatch after a delay, modifications after a
  longer one (C8); at most four are in flight at once (C9).
- Attempts: :func:`decide` (D1) says what to do; :func:`call` calls the notifier and reads
  its result (C5); :meth:`Dispatcher._failure` says what follows a failure: a retry after the
  job's retry delay (C5), the command line (K3, K5), or the end (C6, C11).

Callbacks run from SimPy timers, never from inside the API call that raised them, so a
callback may call the API again (C10). A callback that raises, returns junk or runs too long
is a failed call: it is logged and never stops the simulation.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..constants import JobProperty, JobState
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
    StateChanged,
)
from .calls import call
from .decision import (
    CALL,
    app_down_detail,
    cmdline_applies,
    decide,
    describe_target,
    is_stale,
    stale_detail,
)
from .limiter import Limiter, RangeLimiter
from .notification import ACTIVE, JOB_LEVEL, RATE_LIMITED, RETRIED, SERIAL, Notification
from .programs import Programs

if TYPE_CHECKING:
    from ..model.files import File
    from ..model.jobs import Job
    from ..simulation import Simulation

__all__ = ["MAX_IN_FLIGHT", "Dispatcher"]

#: C9: notifications in flight at once, per user (bitslab models one user).
MAX_IN_FLIGHT = 4

_STATE_METHOD = {JobState.TRANSFERRED: "job_transferred", JobState.ERROR: "job_error"}
_BUSY = frozenset({"in_flight", "running"})  # a call or a command line is under way
_STATE_REASONS: dict[tuple[JobState, JobState], str] = {}  # why a state change raised one
_NOBODY = object()  # no notifier named yet


class Dispatcher:
    """The notification side of the BITS service in one simulation."""

    def __init__(
        self,
        sim: Simulation,
        *,
        dispatch_delay: float,
        modification_delay: float,
        callback_timeout: float | None,
        progress_interval: float,
        interrupted: Callable[[], None],
    ) -> None:
        self.sim = sim
        self._interrupted = interrupted  # a callback raised KeyboardInterrupt: stop the run
        self._env = sim.env
        self._timer = sim.agenda.at  # the model's timers (see bitslab.model.agenda)
        self.log = EventLog(self.pending)
        self._append = self.log._append  # written here, one entry per attempt or decision
        self.programs = Programs(interrupted)
        self.dispatch_delay = dispatch_delay
        self.modification_delay = modification_delay
        self.callback_timeout = callback_timeout
        self.progress_interval = progress_interval
        self.active = 0  # notifications held, on their way, ready, in flight or running
        self.in_flight = 0  # C9: callbacks under way
        self._ids = itertools.count(1)
        self._seq = itertools.count()
        self._pending: dict[Job, dict[Notification, None]] = {}
        self._queues: dict[Job, deque[Notification]] = {}
        self._limiters: dict[tuple[Job, str], Limiter] = {}
        self._ready: list[tuple[int, int, Notification]] = []
        self._pumping = False
        self._succeeded: dict[tuple[Job, str], int] = {}  # K4: episodes an interface handled
        self.runs_ended = 0  # I4: app runs ended so far (a call re-checks its app if this moved)
        self.watching: set[RangeLimiter] = set()  # R4: range limiters looking for new ranges
        self._targets: dict[int, tuple[object, str]] = {}  # how the log names each notifier
        self._last_target: tuple[object, str] = (_NOBODY, "")

    @property
    def quiet(self) -> bool:
        """True when nothing is on its way: no notification active, no range report due."""
        return self.active == 0 and not any(limiter.due() for limiter in self.watching)

    def pending(self) -> list[Pending]:
        """Every notification raised and not yet ended, oldest first (for the log's views)."""
        notes = sorted(
            (note for notes in self._pending.values() for note in notes), key=lambda n: n.id
        )
        return [
            Pending(n.id, n.method, n.job, n.file, n.raised, n.reason, n.status, self._blocker(n))
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

    def on_state_change(self, event: StateChanged) -> None:
        """C1, C2, C3: job_transferred, job_error, or a modification for any other state;
        R4: an on-demand job that starts TRANSFERRING starts its range reports."""
        job, old, new = event.job, event.old, event.new
        self._sweep(job)
        if new is JobState.TRANSFERRING:
            self.watch_ranges(job)
        method = _STATE_METHOD.get(new)
        if new.is_final and method is None:  # C3: nothing at all for a final job
            self._forget(job)  # forget its bookkeeping
            return
        reason = _STATE_REASONS.get((old, new))
        if reason is None:  # worked out once per pair of states: a long log shares them
            if method is not None:
                rule = "C1" if method == "job_transferred" else "C2"
                reason = f"the job entered {new.name} ({rule})"
            else:
                reason = f"state {old.name} -> {new.name} (C3)"
            _STATE_REASONS[old, new] = reason
        self.raise_(method or "job_modification", job, None, reason)

    def on_file_transferred(self, event: FileTransferred) -> None:
        """C4: a file is complete."""
        job, file = event.job, event.file
        self.raise_("file_transferred", job, file, f"file {file.local_name!r} finished (C4)")

    def watch_ranges(self, job: Job) -> None:
        """R4: an on-demand job is moving bytes: its range reports start (C7 paces them)."""
        if job.state is JobState.TRANSFERRING and job.get_property(JobProperty.ON_DEMAND_MODE):
            self._range_limiter(job).watch()

    def on_demand_changed(self, event: OnDemandChanged) -> None:
        """R4: ON_DEMAND_MODE was set: range reports may start."""
        self.watch_ranges(event.job)

    def on_run_ended(self, event: RunEnded) -> None:
        """I4: an application run ended; calls under way into it will fail (see _settle)."""
        self.runs_ended += 1

    def on_ranges_done(self, event: RangesDone) -> None:
        """R4: no requested range is left: the pending range report goes out at once."""
        job = event.job
        if any(file.has_unreported_ranges() for file in job.files):
            self._range_limiter(job).flush()

    def on_modified(self, event: Modified) -> None:
        """C3: a file was added or a property changed."""
        self.raise_("job_modification", event.job, None, f"{event.what} (C3)")

    def on_interface_set(self, event: InterfaceSet) -> None:
        """C5, I5: retry pending notifications at once; replay a job-level one if due.

        Model choice: a notification that had fallen back to the command line (K5) is offered
        to the new interface, since I5 says the new interface gets the call.
        """
        job, notifier = event.job, event.notifier
        if notifier is None:
            return
        for note in list(self._pending.get(job, ())):
            if note.status == "retry":
                note.via_cmdline = False
                self.dispatch(note, "a new interface was set (C5)")
        method = _STATE_METHOD.get(job.state)
        if method is None:
            return
        pending = self._pending_for(job, method)
        if pending is None:
            reason = f"an interface was set on the {job.state.name} job (I5)"
            self.raise_(method, job, None, reason)
        elif pending.status == "in_flight" and pending.callee is not notifier:
            pending.again = True  # I5: if the old interface takes it, the new one gets it too

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
        elif note.status == "retry":  # K3: its interface failed; the command line takes over
            note.via_cmdline = True
            self.dispatch(note, "a command line was set (K4)")

    # -- the path of a notification ---------------------------------------------------------

    def raise_(
        self,
        method: str,
        job: Job,
        file: File | None,
        reason: str,
        ranges: list[tuple[int, int]] | None = None,
        *,
        via_cmdline: bool = False,
    ) -> Notification:
        """Raise a notification: through the rate limiter (C7) or the job's queue (C4).

        A range report is raised by its :class:`RangeLimiter` only when it is due (C7,
        R4), so it goes to dispatch at once.
        """
        note = Notification(next(self._ids), method, job, file, self._env._now, reason, ranges)
        note.via_cmdline = via_cmdline
        pending = self._pending.get(job)
        if pending is None:
            pending = self._pending[job] = {}
        pending[note] = None
        if method in RATE_LIMITED:
            self._limiter(job, method).offer(note)
        elif method in SERIAL and not via_cmdline:
            queue = self._queues.setdefault(job, deque())
            queue.append(note)
            note.queued = True
            if len(queue) == 1:
                self.dispatch(note)
            else:
                self.set_status(note, "waiting")
        else:
            self.dispatch(note)
        return note

    def dispatch(self, note: Notification, trigger: str = "", since: float | None = None) -> None:
        """C8: the notification reaches dispatch its kind's delay after ``since`` (default
        now). ``trigger`` says why, for the log, when this is not its first go."""
        delay = (
            self.modification_delay if note.method == "job_modification" else self.dispatch_delay
        )
        now = self._env._now
        when = now + delay if since is None else max(now, since + delay)
        self.set_status(note, "delayed")
        note.trigger = trigger
        note.token += 1
        self._timer(when, self._arrive, note, note.token)

    def set_status(self, note: Notification, status: str) -> None:
        """Move a notification to ``status``, keeping count of active and in-flight ones."""
        old = note.status
        self.active += (status in ACTIVE) - (old in ACTIVE)
        self.in_flight += (status == "in_flight") - (old == "in_flight")
        note.status = status

    def end(
        self,
        note: Notification,
        outcome: str,
        rule: str | None,
        detail: str = "",
        *,
        target: str | None = None,
        start: float | None = None,
    ) -> None:
        """Write the final entry of ``note`` and forget it; the job's next one may go (C4)."""
        self._write(note, outcome, rule, True, detail, target, start)
        status = note.status
        self.set_status(note, "done")
        note.token += 1
        job = note.job
        pending = self._pending.get(job)
        if pending is not None:
            pending.pop(note, None)
        if status == "held":  # C7: its limiter holds it no longer
            limiter = self._limiters.get((job, note.method))
            if limiter is not None and limiter.held is note:
                limiter.drop_held()
        if not note.queued:
            return
        queue = self._queues.get(job)
        note.queued = False
        if queue is not None:
            head = queue[0] is note
            queue.remove(note)
            if head and queue and queue[0].status == "waiting":
                turn = f"its turn came when #{note.id} ended (C4)"
                self.dispatch(queue[0], turn, since=queue[0].raised)

    # -- internals ------------------------------------------------------------------------

    def _limiter(self, job: Job, method: str) -> Limiter:
        limiter = self._limiters.get((job, method))
        if limiter is None:
            limiter = self._limiters[job, method] = Limiter(self, job, method)
        return limiter

    def _range_limiter(self, job: Job) -> RangeLimiter:
        key = (job, "file_ranges_transferred")
        limiter = self._limiters.get(key)
        if not isinstance(limiter, RangeLimiter):
            limiter = RangeLimiter(self, job)
            self._limiters[key] = limiter
        return limiter

    def _pending_for(self, job: Job, method: str) -> Notification | None:
        """The pending notification of ``method`` for the job's current stay in its state."""
        for note in self._pending.get(job, ()):
            if note.method == method and note.episode == job.episode:
                return note
        return None

    def _blocker(self, note: Notification) -> int | None:
        """C4: the notification a waiting one is queued behind."""
        if note.status != "waiting":
            return None
        return self._queues[note.job][0].id

    def _sweep(self, job: Job) -> None:
        """C11: drop the job's pending notifications whose event no longer holds."""
        for note in list(self._pending.get(job, ())):
            if note.status not in _BUSY and is_stale(note):
                note.trigger = ""  # no attempt is made: the entry is a decision
                self.end(note, "stale", "C11", stale_detail(note))

    def _forget(self, job: Job) -> None:
        """A final job raises nothing more: drop what was kept for it (C3, C11)."""
        if not self._pending.get(job):
            self._pending.pop(job, None)
        self._queues.pop(job, None)
        for method in ("job_modification", "file_ranges_transferred"):
            limiter = self._limiters.pop((job, method), None)
            if isinstance(limiter, RangeLimiter):
                self.watching.discard(limiter)
        for method in JOB_LEVEL:
            self._succeeded.pop((job, method), None)

    def _arrive(self, note: Notification, token: int) -> None:
        if token != note.token:
            return
        note.arrived = self._env._now
        if self.in_flight < MAX_IN_FLIGHT and not self._ready and not self._pumping:
            self._attempt(note)  # C9: a slot is free and nothing else waits for one
            return
        self.set_status(note, "ready")
        priority = 1 if note.method == "job_modification" else 0  # C8
        heapq.heappush(self._ready, (priority, next(self._seq), note))
        self._pump()

    def _pump(self) -> None:
        """C9: start attempts while fewer than four notifications are in flight."""
        if self._pumping:
            return
        self._pumping = True
        try:
            while self.in_flight < MAX_IN_FLIGHT and self._ready:
                note = heapq.heappop(self._ready)[2]
                if note.status == "ready":
                    self._attempt(note)
        finally:
            self._pumping = False

    def _attempt(self, note: Notification) -> None:
        """D1: decide, then end it, call the interface or run the command line."""
        note.attempts += 1
        now = self._env._now
        if now > note.arrived:  # C9: all four slots were taken
            slot = f"waited {now - note.arrived:.2f} s for a free slot (C9)"
            note.trigger = f"{note.trigger}; {slot}" if note.trigger else slot
        decision = decide(note)
        if decision is CALL:
            self._call(note)
        elif decision.action == "end":
            assert decision.outcome is not None
            self.end(note, decision.outcome, decision.rule, decision.detail)
        elif decision.action == "cmdline":
            assert decision.rule is not None
            self._run_cmdline(note, decision.rule, decision.detail, None, now)
        else:  # "app_down"
            target = self._target(note.job.get_notify_interface())
            self._failure(note, "app_down", decision.detail, target, now)

    def _call(self, note: Notification) -> None:
        """C5, C9: call the interface's method; :meth:`_settle` hears how it went."""
        job = note.job
        notifier = job.get_notify_interface()
        target = self._target(notifier)
        method = note.method
        args: tuple[Any, ...]
        if method == "job_modification" or method == "job_transferred":
            args = (job,)
        elif method == "file_transferred":
            args = (job, note.file)
        elif method == "job_error":
            args = (job, job.get_error())
        else:
            args = (job, note.file, list(note.ranges or ()))
        self.in_flight += 1  # from delayed or ready, both active: only in_flight changes
        note.status = "in_flight"
        note.callee = notifier
        note.again = False
        start = self._env._now
        ended = self.runs_ended
        result = call(
            self._env,
            notifier,
            method,
            args,
            self.callback_timeout,
            self._settle,
            (note, target, start, ended),
            self._interrupted,
        )
        if result is not None:  # a plain method has returned already
            self._settle(note, target, start, ended, *result)

    def _target(self, notifier: object) -> str:
        """How the log names ``notifier`` (worked out once per notifier; the id is safe as a
        key because the dict keeps the notifier alive)."""
        last = self._last_target
        if last[0] is notifier:  # most calls go to the notifier of the call before
            return last[1]
        known = self._targets.get(id(notifier))
        if known is None:
            known = self._targets[id(notifier)] = (notifier, describe_target(notifier))
        self._last_target = known
        return known[1]

    def _settle(
        self, note: Notification, target: str, start: float, ended: int, ok: bool, detail: str
    ) -> None:
        """C5: the call returned: delivered, or a failure (I4: also when the app died during
        the call, as an RPC call into a process that ends fails; ``ended`` is how many app
        runs had ended when the call began, so only a run ending since is looked for)."""
        notifier, note.callee = note.callee, None
        if note.status == "in_flight":  # the usual way, without the general bookkeeping
            self.active -= 1
            self.in_flight -= 1
            note.status = "attempted"
        else:
            self.set_status(note, "attempted")
        died = app_down_detail(notifier) if ok and ended != self.runs_ended else None
        if died is not None:
            self._failure(note, "app_down", f"{died}, during the call", target, start)
        elif ok:
            if note.method in JOB_LEVEL:
                self._succeeded[note.job, note.method] = note.episode
            self.end(note, "delivered", None, detail, target=target, start=start)
            if note.again and not is_stale(note):  # I5: a new interface came during the call
                reason = f"an interface was set while {note.method} was being delivered (I5)"
                self.raise_(note.method, note.job, None, reason)
        else:
            self._failure(note, "failed", detail, target, start)
        if self._ready:
            self._pump()

    def _failure(
        self, note: Notification, outcome: str, detail: str, target: str, start: float
    ) -> None:
        """What follows a failed call or a dead app: the command line (K3), a retry (C5, I4),
        or the end: not retried (C6) or no longer wanted (C11)."""
        if cmdline_applies(note):
            self._fall_back(note, f"{note.method} {detail}", target, start)
            return
        rule = "I4" if outcome == "app_down" else "C5"
        if note.method in RETRIED:
            self._retry_later(note, outcome, rule, detail, target, start)
        elif not self._ended_stale(note, outcome, rule, detail, target, start):
            self.end(
                note,
                outcome,
                "C6" if outcome == "failed" else rule,
                detail,
                target=target,
                start=start,
            )

    def _fall_back(self, note: Notification, why: str, target: str, start: float) -> None:
        """K3: the call failed, so the command line runs instead, if D1 still lets it: the
        flags are read again, since the callback may have changed them (F5, F6)."""
        note.via_cmdline = True
        decision = decide(note)
        if decision.action == "cmdline":
            self._run_cmdline(note, "K3", why, target, start)
            return
        assert decision.outcome is not None
        self._write(note, "failed", "C5", False, why, target, start)
        self.end(note, decision.outcome, decision.rule, decision.detail)

    def _run_cmdline(
        self, note: Notification, rule: str, why: str, target: str | None, start: float
    ) -> None:
        """K3-K6: run the job's (simulated) command line instead of the callback.

        The program may call the API (complete() is what Microsoft's page asks of it); the
        notification is 'running' meanwhile, so a state change does not end it under it.
        """
        program, parameters = note.job.get_notify_cmdline()
        note.via_cmdline = True  # K5: from now on only the command line is tried
        note.cmdline_ran = True
        self.set_status(note, "running")
        ok, what = self.programs.run(note.job, program, parameters)
        detail = f"{why}; {what}" if why else what
        if target is not None:
            detail = f"called {target}: {detail}"
        command = f"command line {program}"
        if ok:
            self.end(note, "cmdline", rule, detail, target=command, start=start)
        else:
            self._retry_later(note, "failed", "K5", detail, command, start)

    def _retry_later(
        self,
        note: Notification,
        outcome: str,
        rule: str,
        detail: str,
        target: str | None,
        start: float,
    ) -> None:
        """C5, K5: the attempt failed; try again after the job's minimum retry delay."""
        if self._ended_stale(note, outcome, rule, detail, target, start):
            return
        delay = note.job.minimum_retry_delay
        self._write(note, outcome, rule, False, f"{detail}; retry in {delay:g} s", target, start)
        self.set_status(note, "retry")
        note.token += 1
        self.sim._after(delay, self._retry_due, note, note.token)

    def _ended_stale(
        self,
        note: Notification,
        outcome: str,
        rule: str,
        detail: str,
        target: str | None,
        start: float,
    ) -> bool:
        """C11: after a failed attempt, end the notification if its event has passed (e.g.
        the callback itself moved the job on)."""
        if not is_stale(note):
            return False
        self._write(note, outcome, rule, False, detail, target, start)
        self.end(note, "stale", "C11", stale_detail(note))
        return True

    def _retry_due(self, note: Notification, token: int) -> None:
        if token == note.token and note.status == "retry":
            rule = "K5" if note.via_cmdline and cmdline_applies(note) else "C5"
            self.dispatch(note, f"the retry delay passed ({rule})")

    def _write(
        self,
        note: Notification,
        outcome: str,
        rule: str | None,
        final: bool,
        detail: str,
        target: str | None,
        start: float | None,
    ) -> None:
        now = self._env._now
        time = now if start is None else start
        self._append(
            note.id,
            time,
            note.method,
            note.job,
            note.file,
            outcome,
            rule,
            final,
            note.attempts,
            note.raised,
            note.reason,
            target,
            detail,
            0.0 if time == now else now - time,
            note.trigger,
            tuple(note.ranges) if note.ranges is not None else None,
        )
        note.trigger = ""  # it explained this attempt; the next one has its own
