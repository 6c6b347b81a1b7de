"""Delivery attempts: the four slots (C9), the call (C5), the command line (K3-K6), retries,
and the activation of a callback class (N2, N4).

A notification that reaches dispatch takes a free slot, or waits for one (modifications
after the others, C8, C9). Each attempt is an :class:`Attempt`: it asks
:func:`~bitslab.delivery.decision.before_call` what to do, carries the decision out, and
writes its own log entry; what follows the call or the command line is decided by
:func:`~bitslab.delivery.decision.after_call` and
:func:`~bitslab.delivery.decision.after_cmdline`.

Callbacks run from timers, never from inside the API call that raised them, so a callback
may call the API again (C10). A callback that raises, returns junk or runs too long is a
failed call: it is logged and never stops the simulation.

While the BITS service is down (P2) nothing is attempted: what reaches dispatch waits, and
is attempted when it returns (:meth:`Attempts.service_stopped`, :meth:`Attempts.service_started`).
"""

from __future__ import annotations

import heapq
import itertools
from typing import TYPE_CHECKING, Any

from ..vocabulary import Method, Status
from .activation import Activations
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
    when_service_stopped,
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
_SERVICE_DOWN = Status.SERVICE_DOWN
# The actions, compared at every decision, bound once for the same reason.
_CALL = Action.CALL
_CMDLINE = Action.CMDLINE
_END = Action.END
_RETRY_AFTER_DELAY = Action.RETRY
_ACTIVATE = Action.ACTIVATE

#: C9: notifications in flight at once, per user (bitslab models one user).
MAX_IN_FLIGHT = 4


class Attempt:
    """One delivery attempt at a notification (or one decision made without an attempt):
    when it began, what started it and what it called; it writes its own log entries."""

    __slots__ = ("again", "callee", "log", "note", "route", "runs", "start", "target", "trigger")

    def __init__(self, log: EventLog, note: Notification, start: float, trigger: str = "") -> None:
        self.log = log
        self.note = note
        self.start = start
        self.trigger = trigger  # what started it when it is not the first ("" for a decision)
        self.target: str | None = None  # what was called: a notifier or a command line
        self.callee: object = None  # the notifier, while the call is under way
        self.runs = 0  # I4: how many app runs had ended when the call began
        self.again = False  # I5: an interface was set during the call; replay on success
        self.route = ""  # N2: how BITS came by the object it calls, when it made it

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
        sim = dispatcher.sim
        #: N2: the objects made from the jobs' callback classes, and their activation.
        self.activations = Activations(sim.agenda, sim.servers, dispatcher.server_start_delay)
        self._service = dispatcher.sim.service  # P2: nothing is attempted while it is down
        self._parked: list[tuple[Notification, str, float]] = []  # P2: waiting for its return

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
        if not self._service.up:  # P2: attempted when the service returns
            self._dispatcher.set_status(note, _SERVICE_DOWN)
            self._parked.append((note, trigger, now))
            return
        if len(self._calls) < MAX_IN_FLIGHT and not self._ready and not self._pumping:
            self._attempt(note, trigger, now, now)  # C9: a slot is free and nothing else waits
            return
        self._dispatcher.set_status(note, _READY)
        priority = 1 if note.method is _JOB_MODIFICATION else 0  # C8
        heapq.heappush(self._ready, (priority, next(self._seq), note, trigger, now))
        self._pump()

    def _pump(self) -> None:
        """C9: start attempts while fewer than four notifications are in flight (P2: while
        the service is up)."""
        if self._pumping or not self._service.up:
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
        self._carry_out(attempt, before_call(note, made=self.activations.made))

    def _carry_out(self, attempt: Attempt, decision: Decision) -> None:
        """Do what ``decision`` says, writing ``attempt``'s entries."""
        if decision.target is not None:
            attempt.target = decision.target
        action = decision.action
        if action == _CALL:
            self._call(attempt, decision)
        elif action == _END:
            self._dispatcher.end(attempt, decision)
        elif action == _CMDLINE:
            self._run_cmdline(attempt, decision)
        elif action == _ACTIVATE:
            self._activate(attempt)
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

    def _call(self, attempt: Attempt, decision: Decision) -> None:
        """C5, C9: call the interface's method (N2: or the object made from the job's
        callback CLSID); :meth:`_settle` hears how it went."""
        note = attempt.note
        job = note.job
        notifier = decision.callee
        if notifier is None:
            notifier = job.get_notify_interface()
        else:
            attempt.route = decision.detail  # N2: says which class's object was called
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
        """C5, I4: the call returned; :func:`after_call` says what follows (P2: nothing, for a
        call abandoned when the service stopped)."""
        note = attempt.note
        if self._calls.get(note) is not attempt:
            return
        del self._calls[note]
        dispatcher = self._dispatcher
        dispatcher.set_status(note, _ATTEMPTED)
        target = attempt.target
        assert target is not None
        ended = attempt.runs != dispatcher.runs_ended
        decision = after_call(note, attempt.callee, target, ok, detail, ended, attempt.route)
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

    def _activate(self, attempt: Attempt) -> None:
        """N2: no live interface, but a callback CLSID: the activation holds one of the four
        slots (C9), as the call it leads to does (see :mod:`~bitslab.delivery.activation`)."""
        self._dispatcher.set_status(attempt.note, _IN_FLIGHT)
        self._calls[attempt.note] = attempt
        self.activations.activate(attempt, self._activated)

    def _activated(self, attempt: Attempt, decision: Decision) -> None:
        """N2, N4: the activation is over; ``decision`` says what follows (the call into
        the object made takes the slot again)."""
        note = attempt.note
        del self._calls[note]
        self._dispatcher.set_status(note, _ATTEMPTED)
        self._carry_out(attempt, decision)
        if self._ready:
            self._pump()

    def service_stopped(self) -> None:
        """P2: the BITS service stopped: each call under way is abandoned as a failed call
        (:func:`when_service_stopped`; whatever it returns later goes nowhere), and the
        notifications waiting for a slot wait for the service's return."""
        dispatcher = self._dispatcher
        self.activations.forget_all()  # P2: BITS holds no callback object any more
        for note, attempt in list(self._calls.items()):
            del self._calls[note]
            dispatcher.set_status(note, _ATTEMPTED)
            target = attempt.target
            assert target is not None
            attempt.callee = None
            self._carry_out(attempt, when_service_stopped(note, target))
        ready, self._ready = sorted(self._ready), []
        for _, _, note, trigger, arrived in ready:
            if note.status is _READY:
                dispatcher.set_status(note, _SERVICE_DOWN)
                self._parked.append((note, trigger, arrived))

    def service_started(self) -> None:
        """P2: the BITS service is back: what reached dispatch while it was down takes the
        slots now, in the order it arrived (modifications after the others, C8, C9)."""
        now = self._agenda.now()
        parked, self._parked = self._parked, []
        for note, trigger, arrived in parked:
            if note.status is not _SERVICE_DOWN:  # ended meanwhile (C11)
                continue
            wait = f"waited {now - arrived:.2f} s for the BITS service to return (P2)"
            self._dispatcher.set_status(note, _READY)
            priority = 1 if note.method is _JOB_MODIFICATION else 0  # C8
            entry = (
                priority,
                next(self._seq),
                note,
                f"{trigger}; {wait}" if trigger else wait,
                now,
            )
            heapq.heappush(self._ready, entry)
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
