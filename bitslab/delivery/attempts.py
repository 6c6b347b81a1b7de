"""Delivery attempts: the four slots (C9), the call (C5), the command line (K3-K6), retries.

A notification that reaches dispatch takes a free slot, or waits for one (modifications
after the others, C8, C9). Each attempt is an :class:`Attempt`: it asks
:func:`~bitslab.delivery.decision.before_call` what to do, carries the decision out, and
writes its own log entry; what follows the call or the command line is decided by
:func:`~bitslab.delivery.decision.after_call` and
:func:`~bitslab.delivery.decision.after_cmdline`.

Callbacks run from timers, never from inside the API call that raised them, so a callback
may call the API again (C10). A callback that raises, returns junk or runs too long is a
failed call: it is logged and never stops the simulation.
"""

from __future__ import annotations

import heapq
import itertools
from typing import TYPE_CHECKING, Any

from ..vocabulary import Method, Status
from .calls import call
from .decision import (
    Action,
    Decision,
    after_call,
    after_cmdline,
    before_call,
    describe_target,
    is_stale,
    retry_trigger,
)
from .notification import TEXT

if TYPE_CHECKING:
    from ..log import EventLog
    from .dispatcher import Dispatcher
    from .notification import Notification

__all__ = ["MAX_IN_FLIGHT", "Attempt", "Attempts"]

# Members read for every notification, bound once: on Python 3.11 reading a member off
# its enum class takes EnumType's slow attribute path (about 0.2 us a read).
_FILE_TRANSFERRED = Method.FILE_TRANSFERRED
_JOB_ERROR = Method.JOB_ERROR
_JOB_MODIFICATION = Method.JOB_MODIFICATION
_JOB_TRANSFERRED = Method.JOB_TRANSFERRED
_ATTEMPTED = Status.ATTEMPTED
_IN_FLIGHT = Status.IN_FLIGHT
_READY = Status.READY
_RETRY = Status.RETRY
_RUNNING = Status.RUNNING
# The actions, compared at every decision, bound once for the same reason.
_CALL = Action.CALL
_CMDLINE = Action.CMDLINE
_END = Action.END
_RETRY_AFTER_DELAY = Action.RETRY

#: C9: notifications in flight at once, per user (bitslab models one user).
MAX_IN_FLIGHT = 4


class Attempt:
    """One delivery attempt at a notification (or one decision made without an attempt):
    when it began, what started it and what it called; it writes its own log entries."""

    __slots__ = ("again", "callee", "log", "note", "runs", "start", "target", "trigger")

    def __init__(self, log: EventLog, note: Notification, start: float, trigger: str = "") -> None:
        self.log = log
        self.note = note
        self.start = start
        self.trigger = trigger  # what started it when it is not the first ("" for a decision)
        self.target: str | None = None  # what was called: a notifier or a command line
        self.callee: object = None  # the notifier, while the call is under way
        self.runs = 0  # I4: how many app runs had ended when the call began
        self.again = False  # I5: an interface was set during the call; replay on success

    def write(self, decision: Decision, final: bool, now: float) -> None:
        """Write the entry of ``decision`` (the trigger goes with the first entry only)."""
        note = self.note
        outcome = decision.outcome
        assert outcome is not None
        start = self.start
        ranges = note.ranges
        self.log.write(
            id=note.id,
            time=start,
            method=TEXT[note.method],
            job=note.job,
            file=note.file,
            outcome=TEXT[outcome],
            rule=decision.rule,
            final=final,
            attempt=note.attempts,
            raised=note.raised,
            reason=note.reason,
            target=self.target,
            detail=decision.detail,
            duration=0.0 if start == now else now - start,
            trigger=self.trigger,
            ranges=tuple(ranges) if ranges is not None else None,
        )
        self.trigger = ""


class Attempts:
    """The attempts of one dispatcher: slots (C9), calls, command lines and retries."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher
        self._agenda = dispatcher.sim.agenda
        self._env = dispatcher.sim.env
        self._ready: list[tuple[int, int, Notification, str, float]] = []
        self._seq = itertools.count()
        self._pumping = False
        self._calls: dict[Notification, Attempt] = {}  # C9: the calls under way

    @property
    def in_flight(self) -> int:
        """C9: calls under way."""
        return len(self._calls)

    def replay(self, note: Notification, notifier: object) -> None:
        """I5: ``notifier`` was set during ``note``'s call into another notifier: if the old
        one takes it, the new one gets it too (it is raised again on success)."""
        attempt = self._calls[note]
        if attempt.callee is not notifier:
            attempt.again = True

    def arrive(self, note: Notification, trigger: str) -> None:
        """C8, C9: ``note`` reached dispatch; it takes a free slot or waits for one."""
        now = self._agenda.now()
        if len(self._calls) < MAX_IN_FLIGHT and not self._ready and not self._pumping:
            self._attempt(note, trigger, now, now)  # C9: a slot is free and nothing else waits
            return
        self._dispatcher.set_status(note, _READY)
        priority = 1 if note.method is _JOB_MODIFICATION else 0  # C8
        heapq.heappush(self._ready, (priority, next(self._seq), note, trigger, now))
        self._pump()

    def _pump(self) -> None:
        """C9: start attempts while fewer than four notifications are in flight."""
        if self._pumping:
            return
        self._pumping = True
        try:
            while len(self._calls) < MAX_IN_FLIGHT and self._ready:
                _, _, note, trigger, arrived = heapq.heappop(self._ready)
                if note.status is _READY:
                    self._attempt(note, trigger, arrived, self._agenda.now())
        finally:
            self._pumping = False

    def _attempt(self, note: Notification, trigger: str, arrived: float, now: float) -> None:
        """D1: decide, then carry the decision out."""
        note.attempts += 1
        if now > arrived:  # C9: all four slots were taken
            slot = f"waited {now - arrived:.2f} s for a free slot (C9)"
            trigger = f"{trigger}; {slot}" if trigger else slot
        attempt = Attempt(self._dispatcher.log, note, now, trigger)
        self._carry_out(attempt, before_call(note))

    def _carry_out(self, attempt: Attempt, decision: Decision) -> None:
        """Do what ``decision`` says, writing ``attempt``'s entries."""
        if decision.target is not None:
            attempt.target = decision.target
        action = decision.action
        if action == _CALL:
            self._call(attempt)
        elif action == _END:
            self._dispatcher.end(attempt, decision)
        elif action == _CMDLINE:
            self._run_cmdline(attempt, decision)
        else:
            note = attempt.note
            now = self._agenda.now()
            attempt.write(decision, False, now)
            if action == _RETRY_AFTER_DELAY:
                self._dispatcher.set_status(note, _RETRY)
                delay = note.job.minimum_retry_delay
                note.set_timer(self._agenda.after(delay, self._retry_due, note))
            else:  # Action.THEN: a decision follows, made now and without an attempt
                assert decision.then is not None
                self._carry_out(Attempt(attempt.log, note, now), decision.then)

    def _call(self, attempt: Attempt) -> None:
        """C5, C9: call the interface's method; :meth:`_settle` hears how it went."""
        note = attempt.note
        job = note.job
        notifier = job.get_notify_interface()
        attempt.target = describe_target(notifier)
        method = note.method
        args: tuple[Any, ...]
        if method is _JOB_MODIFICATION or method is _JOB_TRANSFERRED:
            args = (job,)
        elif method is _FILE_TRANSFERRED:
            args = (job, note.file)
        elif method is _JOB_ERROR:
            args = (job, job.get_error())
        else:
            args = (job, note.file, list(note.ranges or ()))
        dispatcher = self._dispatcher
        dispatcher.set_status(note, _IN_FLIGHT)
        attempt.callee = notifier
        attempt.runs = dispatcher.runs_ended
        self._calls[note] = attempt
        result = call(
            self._env,
            notifier,
            TEXT[method],
            args,
            dispatcher.callback_timeout,
            self._settle,
            (attempt,),
            dispatcher.interrupted,
            dispatcher.s_ok_only,
        )
        if result is not None:  # a plain method has returned already
            self._settle(attempt, *result)

    def _settle(self, attempt: Attempt, ok: bool, detail: str) -> None:
        """C5, I4: the call returned; :func:`after_call` says what follows."""
        note = attempt.note
        del self._calls[note]
        dispatcher = self._dispatcher
        dispatcher.set_status(note, _ATTEMPTED)
        target = attempt.target
        assert target is not None
        ended = attempt.runs != dispatcher.runs_ended
        decision = after_call(note, attempt.callee, target, ok, detail, ended)
        attempt.callee = None
        delivered = decision.rule is None  # a delivery is the one decision without a rule
        if delivered:
            dispatcher.handled(note)
        self._carry_out(attempt, decision)
        if delivered and attempt.again and not is_stale(note):
            # I5: a new interface was set during the call; it gets the notification too
            reason = f"an interface was set while {note.method} was being delivered (I5)"
            dispatcher.raise_(note.method, note.job, None, reason)
        if self._ready:
            self._pump()

    def _run_cmdline(self, attempt: Attempt, decision: Decision) -> None:
        """K3-K6: run the job's (simulated) command line instead of the callback.

        The program may call the API (complete() is what Microsoft's page asks of it); the
        notification is 'running' meanwhile, so a state change does not end it under it.
        """
        note = attempt.note
        program, parameters = note.job.get_notify_cmdline()
        note.via_cmdline = True  # K5: from now on only the command line is tried
        note.cmdline_ran = True
        dispatcher = self._dispatcher
        dispatcher.set_status(note, _RUNNING)
        ok, what = dispatcher.programs.run(note.job, program, parameters)
        attempt.target = f"command line {program}"
        self._carry_out(attempt, after_cmdline(note, decision, ok, what))

    def _retry_due(self, note: Notification) -> None:
        """C5, K5: the retry delay has passed."""
        if note.status is _RETRY:
            self._dispatcher.dispatch(note, retry_trigger(note))
