"""Delivery: raising notifications and carrying each one to its final log entry.

- Raising: a state change, a finished file or a change to the job raises a notification
  (C1-C3); a new interface replays job-level ones (I5); a new command line runs (K4).
- Rate limits: modifications and range reports pass the job's :class:`Limiter` (C7).
- Order: a job's file_transferred calls go one at a time, then its job_transferred or
  job_error (C4); each notification reaches dispatch after a delay, modifications after a
  longer one (C8); at most four are in flight at once (C9).
- Attempts: :func:`decide` (D1) says what to do; a callback's result is read by
  :func:`read_result` (C5); a failure is retried after the job's retry delay, or the command
  line runs instead (K3, K5); a pending notification whose event has passed is dropped (C11).

Callbacks run from SimPy timers, never from inside the API call that raised them, so a
callback may call the API again (C10). A callback that raises, returns junk or runs too long
is a failed call: it is logged and never stops the simulation.
"""

from __future__ import annotations

import heapq
import inspect
import itertools
from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from .._check import safe_text
from ..constants import JobState
from ..log import EventLog, LogEntry
from ..notifiers import CALLBACK_FLAGS, Notifier
from .decide import cmdline_applies, decide, describe_target, is_stale, read_result
from .limiter import Limiter
from .notification import ACTIVE, JOB_LEVEL, RATE_LIMITED, RETRIED, SERIAL, Notification
from .programs import Programs

if TYPE_CHECKING:
    from ..files import File
    from ..jobs import Job
    from ..simulation import Simulation

__all__ = ["MAX_IN_FLIGHT", "Dispatcher"]

#: C9: notifications in flight at once, per user (bitslab models one user).
MAX_IN_FLIGHT = 4

_STATE_METHOD = {JobState.TRANSFERRED: "job_transferred", JobState.ERROR: "job_error"}


class _Raised:
    """What a generator callback's process returns when the callback raised."""

    __slots__ = ("exc",)

    def __init__(self, exc: Exception) -> None:
        self.exc = exc


def _raised(exc: BaseException) -> str:
    """C5: how the log describes a callback that raised: one line, without file paths."""
    message = safe_text(exc, limit=100, use_str=True)
    name = type(exc).__name__
    return f"raised {name}: {message}" if message else f"raised {name}"


def _drive(gen: Generator[Any, Any, Any], env: simpy.Environment) -> Generator[Any, Any, Any]:
    """Run a generator callback as a SimPy process; its return value is its result (C9).

    The callback may yield only events of this simulation's environment; anything else is
    thrown back into it as a TypeError. Whatever it raises ends it as a failed call (C5).
    """
    send: Any = None
    throw: BaseException | None = None
    while True:
        try:
            item = gen.throw(throw) if throw is not None else gen.send(send)
        except StopIteration as stop:
            return stop.value
        except Exception as exc:  # a failing callback is a failed call (C5), not a crash
            return _Raised(exc)
        send = throw = None
        if not isinstance(item, simpy.Event) or item.env is not env:
            throw = TypeError(
                f"a callback may yield only events of its simulation's env, got {item!r}"
            )
            continue
        try:
            send = yield item
        except Exception as exc:  # a failed event, or the interrupt of callback_timeout
            throw = exc


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
    ) -> None:
        self.sim = sim
        self.log = EventLog()
        self.programs = Programs()
        self.dispatch_delay = dispatch_delay
        self.modification_delay = modification_delay
        self.callback_timeout = callback_timeout
        self.progress_interval = progress_interval
        self.active = 0  # notifications held, on their way, ready or in flight
        self.in_flight = 0
        self._ids = itertools.count(1)
        self._seq = itertools.count()
        self._pending: dict[Job, dict[Notification, None]] = {}
        self._queues: dict[Job, deque[Notification]] = {}
        self._limiters: dict[tuple[Job, str], Limiter] = {}
        self._ready: list[tuple[int, int, Notification]] = []
        self._pumping = False
        self._succeeded: dict[tuple[Job, str], int] = {}  # K4: episodes an interface handled

    # -- what raises notifications (called by jobs and files) --------------------------------

    def on_state_change(self, job: Job, old: JobState, new: JobState) -> None:
        """C1, C2, C3: job_transferred, job_error, or a modification for any other state."""
        self._sweep(job)
        method = _STATE_METHOD.get(new)
        if method is not None:
            rule = "C1" if method == "job_transferred" else "C2"
            self.raise_(method, job, None, f"the job entered {new.name} ({rule})")
        elif not new.is_final:  # C3: nothing at all for a final job
            self.raise_("job_modification", job, None, f"state {old.name} -> {new.name} (C3)")

    def on_file_transferred(self, job: Job, file: File) -> None:
        """C4: a file is complete."""
        self.raise_("file_transferred", job, file, f"file {file.local_name!r} finished (C4)")

    def on_modified(self, job: Job, what: str) -> None:
        """C3: a file was added or a property changed."""
        self.raise_("job_modification", job, None, f"{what} (C3)")

    def on_interface_set(self, job: Job, notifier: object | None) -> None:
        """C5, I5: retry pending notifications at once; replay a job-level one if due."""
        if notifier is None:
            return
        for note in list(self._pending.get(job, ())):
            if note.status == "retry":
                note.via_cmdline = False  # model choice: the new interface is called (I5)
                self.dispatch(note, "a new interface was set (C5)")
        method = _STATE_METHOD.get(job.state)
        if method is None or not job.get_notify_flags() & CALLBACK_FLAGS[method]:
            return
        pending = self._pending_for(job, method)
        if pending is None:
            self.raise_(method, job, None, f"an interface was set on the {job.state.name} job (I5)")
        elif pending.status == "in_flight":
            pending.again = True  # I5: if the old interface takes it, the new one gets it too

    def on_cmdline_set(self, job: Job) -> None:
        """K4: a command line set on a TRANSFERRED or ERROR job runs, unless an interface
        already handled that event."""
        method = _STATE_METHOD.get(job.state)
        if method is None or not job.get_notify_cmdline()[0]:
            return
        if self._succeeded.get((job, method)) == job._episode:
            return
        note = self._pending_for(job, method)
        if note is None:
            reason = f"a command line was set on the {job.state.name} job (K4)"
            self.raise_(method, job, None, reason, via_cmdline=True)
            return
        note.via_cmdline = True
        if note.status == "retry":
            self.dispatch(note, "a command line was set (K4)")

    # -- the path of a notification ---------------------------------------------------------

    def new(
        self,
        method: str,
        job: Job,
        file: File | None,
        reason: str,
        ranges: list[tuple[int, int]] | None = None,
    ) -> Notification:
        """Create a notification (it is pending from now until its final entry)."""
        note = Notification(next(self._ids), method, job, file, self.sim.now, reason, ranges)
        self._pending.setdefault(job, {})[note] = None
        return note

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
        """Raise a notification: through the rate limiter (C7) or the job's queue (C4)."""
        note = self.new(method, job, file, reason, ranges)
        note.via_cmdline = via_cmdline
        if method in RATE_LIMITED:
            self._limiter(job, method).offer(note)
        elif method in SERIAL and not via_cmdline:
            queue = self._queues.setdefault(job, deque())
            queue.append(note)
            if len(queue) == 1:
                self.dispatch(note)
            else:
                self.set_status(note, "waiting")
        else:
            self.dispatch(note)
        return note

    def dispatch(self, note: Notification, trigger: str = "") -> None:
        """C8: the notification reaches dispatch after its kind's delay.

        ``trigger`` says why, for the log, when this is not the notification's first go.
        """
        delay = (
            self.modification_delay if note.method == "job_modification" else self.dispatch_delay
        )
        self.set_status(note, "delayed")
        note.trigger = trigger
        note.token += 1
        self.sim._after(delay, self._arrive, note, note.token)

    def set_status(self, note: Notification, status: str) -> None:
        """Move a notification to ``status``, keeping count of the active ones."""
        self.active += (status in ACTIVE) - (note.status in ACTIVE)
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
        self.set_status(note, "done")
        note.token += 1
        job = note.job
        del self._pending[job][note]
        limiter = self._limiters.get((job, note.method))
        if limiter is not None and limiter.held is note:
            limiter.drop_held()
        queue = self._queues.get(job)
        if queue and note in queue:
            head = queue[0] is note
            queue.remove(note)
            if head and queue and queue[0].status == "waiting":
                self.dispatch(queue[0], f"its turn came when #{note.id} ended (C4)")

    # -- internals ------------------------------------------------------------------------

    def _limiter(self, job: Job, method: str) -> Limiter:
        limiter = self._limiters.get((job, method))
        if limiter is None:
            limiter = self._limiters[job, method] = Limiter(self, job, method)
        return limiter

    def _pending_for(self, job: Job, method: str) -> Notification | None:
        """The pending notification of ``method`` for the job's current stay in its state."""
        for note in self._pending.get(job, ()):
            if note.method == method and note.episode == job._episode:
                return note
        return None

    def _sweep(self, job: Job) -> None:
        """C11: drop the job's pending notifications whose event no longer holds."""
        for note in list(self._pending.get(job, ())):
            if note.status != "in_flight" and is_stale(note):
                self.end(note, "stale", "C11", decide(note).detail)

    def _arrive(self, note: Notification, token: int) -> None:
        if token != note.token:
            return
        self.set_status(note, "ready")
        note.arrived = self.sim.now
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
        waited = self.sim.now - note.arrived
        if waited > 0:  # C9: all four slots were taken
            slot = f"waited {waited:.2f} s for a free slot (C9)"
            note.trigger = f"{note.trigger}; {slot}" if note.trigger else slot
        decision = decide(note)
        if decision.action == "end":
            assert decision.outcome is not None
            self.end(note, decision.outcome, decision.rule, decision.detail)
        elif decision.action == "cmdline":
            assert decision.rule is not None
            self._run_cmdline(note, decision.rule, decision.detail, None, self.sim.now)
        elif decision.action == "app_down":
            target = describe_target(note.job.get_notify_interface())
            if cmdline_applies(note):  # K3: a call into a dead app failed
                self._run_cmdline(note, "K3", decision.detail, target, self.sim.now)
            else:
                self._failed(note, "app_down", decision.detail, target, self.sim.now)
        else:
            self._call(note)

    def _call(self, note: Notification) -> None:
        job = note.job
        notifier = job.get_notify_interface()
        target = describe_target(notifier)
        method = getattr(notifier, note.method)
        if note.method == "job_error":
            args: tuple[Any, ...] = (job, job.get_error())
        elif note.method == "file_transferred":
            args = (job, note.file)
        elif note.method == "file_ranges_transferred":
            args = (job, note.file, list(note.ranges or ()))
        else:
            args = (job,)
        self.set_status(note, "in_flight")
        note.callee = notifier
        note.again = False
        self.in_flight += 1
        start = self.sim.now
        token = note.token
        try:
            result = method(*args)
        except Exception as exc:  # a failing callback is a failed call (C5)
            self._settle(note, False, _raised(exc), target, start)
            return
        if not inspect.isgenerator(result):
            self._settle(note, *read_result(result), target, start)
            return
        process = self.sim.env.process(_drive(result, self.sim.env))
        process.callbacks.append(
            lambda event: self._returned(note, token, event.value, target, start)
        )
        if self.callback_timeout is not None:
            self.sim._after(
                self.callback_timeout, self._timed_out, note, token, process, target, start
            )

    def _returned(
        self, note: Notification, token: int, value: Any, target: str, start: float
    ) -> None:
        """A generator callback finished (C9)."""
        if token != note.token or note.status != "in_flight":
            return  # it ran past callback_timeout and was given up on
        if isinstance(value, _Raised):
            self._settle(note, False, _raised(value.exc), target, start)
        else:
            self._settle(note, *read_result(value), target, start)

    def _timed_out(
        self, note: Notification, token: int, process: simpy.Process, target: str, start: float
    ) -> None:
        if token != note.token or note.status != "in_flight":
            return
        note.token += 1
        if process.is_alive:
            process.interrupt("callback_timeout")
        detail = f"did not return within callback_timeout={self.callback_timeout:g} s"
        self._settle(note, False, detail, target, start)

    def _settle(self, note: Notification, ok: bool, detail: str, target: str, start: float) -> None:
        """C5: a call returned: delivered, or a failure to retry or hand to the command line."""
        self.in_flight -= 1
        self.set_status(note, "attempted")
        notifier = note.callee
        note.callee = None
        if ok and isinstance(notifier, Notifier) and not notifier.alive:
            # I4: the app died while the call ran; the call fails as RPC does
            self._failed(note, "app_down", "the app ended during the call", target, start)
        elif ok:
            if note.method in JOB_LEVEL:
                self._succeeded[note.job, note.method] = note.episode
            self.end(note, "delivered", None, detail, target=target, start=start)
            if note.again and not is_stale(note):  # I5: a new interface came during the call
                reason = f"an interface was set while {note.method} was being delivered (I5)"
                self.raise_(note.method, note.job, None, reason)
        elif cmdline_applies(note):  # K3: the interface's call failed
            self._fall_back(note, f"{note.method} {detail}", target, start)
        else:
            self._failed(note, "failed", detail, target, start)
        self._pump()

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

    def _failed(
        self, note: Notification, outcome: str, detail: str, target: str | None, start: float
    ) -> None:
        """C5, C6, I4, I8: retry a failed job or file notification; drop the others."""
        rule = "I4" if outcome == "app_down" else "C5"
        if note.method not in RETRIED:
            self.end(
                note,
                outcome,
                "C6" if outcome == "failed" else rule,
                detail,
                target=target,
                start=start,
            )
            return
        self._retry_later(note, outcome, rule, detail, target, start)

    def _run_cmdline(
        self, note: Notification, rule: str, why: str, target: str | None, start: float
    ) -> None:
        """K3-K6: run the job's (simulated) command line instead of the callback."""
        program, parameters = note.job.get_notify_cmdline()
        note.via_cmdline = True  # K5: from now on only the command line is tried
        note.cmdline_runs += 1
        ok, what = self.programs.run(note.job, program, parameters)
        detail = f"{why}; {what}" if why else what
        if target is not None:
            detail = f"called {target}: {detail}"
        if ok:
            self.end(note, "cmdline", rule, detail, target=f"command line {program}", start=start)
        else:
            self._retry_later(note, "failed", "K5", detail, f"command line {program}", start)

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
        delay = note.job.minimum_retry_delay
        self._write(note, outcome, rule, False, f"{detail}; retry in {delay:g} s", target, start)
        if is_stale(note):  # C11: e.g. the callback itself moved the job on
            self.end(note, "stale", "C11", decide(note).detail)
            return
        self.set_status(note, "retry")
        note.token += 1
        self.sim._after(delay, self._retry_due, note, note.token)

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
        now = self.sim.now
        time = now if start is None else start
        self.log._add(
            LogEntry(
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
                now - time,
                note.trigger,
            )
        )
        note.trigger = ""  # it explained this attempt; the next one has its own
