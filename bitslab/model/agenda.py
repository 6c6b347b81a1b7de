"""The agenda: bitslab's internal timers, kept in one heap beside SimPy's own queue.

Every timer of the model (a transfer's next file, a retry, a notification's dispatch delay,
the end of a time slice...) is a call due at a simulated time. A SimPy event per timer would
cost an Event object, a callback list and a pass of SimPy's loop each; instead the agenda
keeps ``[time, order, function, arguments]`` entries (:data:`Timer`) in its own heap, and
every entry due at one moment runs in one batch, oldest first, including entries added
meanwhile for the same moment.

Two ways the batches run:

- Inside :meth:`bitslab.Simulation.run`, the simulation *drives* the agenda
  (:meth:`Agenda.drive`): it takes the earlier of the agenda's next time and SimPy's next
  event, moves SimPy's clock to it and runs that, so a moment costs no SimPy event at all.
- Outside it (a caller steps ``sim.env`` directly), the agenda keeps one SimPy event
  scheduled for its earliest time, and runs that time's batch when the event fires.

Budgets and interrupts (see :meth:`Agenda.drive`): the agenda counts every entry it runs and
every SimPy event it steps (:attr:`Agenda.events`), stops when a budget is spent, and turns
a requested interrupt into a KeyboardInterrupt between two of them, never in the middle of
one, so the model is left as it is between two events.

Order: entries due at one moment run in the order they were added. Model choice (the
simulation's timing is exact either way): a SimPy event due at the same moment as a batch,
such as the resumption of a callback that takes simulated time (C9), runs before the batch;
the batch runs whole, never split by one.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from heapq import heappop, heappush
from math import inf
from typing import Any, TypeAlias

import simpy

__all__ = ["Agenda", "Timer", "cancel", "fire", "pending", "unscheduled"]


#: A timer's handle, which is also the agenda's heap entry: ``[when, order, call, arguments]``.
#: A plain list, so that making, ordering and firing one costs no Python call (the model sets
#: thousands; lists compare item by item: by time, then by the order they were set in, which
#: is unique, so two calls are never compared). Treat it as opaque: :func:`cancel` it, ask
#: whether it is :func:`pending`. A spent or cancelled timer holds None for its call.
Timer: TypeAlias = list[Any]


def cancel(timer: Timer | None) -> None:
    """Never make ``timer``'s call (a no-op for None, or for a timer made or cancelled)."""
    if timer is not None:
        timer[2] = None


def pending(timer: Timer | None) -> bool:
    """True until ``timer``'s call is made or cancelled (False for None)."""
    return timer is not None and timer[2] is not None


def fire(timer: Timer) -> None:
    """Make ``timer``'s call now, if it is still pending (once: the handle is spent after it)."""
    fn = timer[2]
    if fn is not None:
        timer[2] = None
        fn(*timer[3])


def unscheduled(fn: Callable[..., Any], *args: Any) -> Timer:
    """A handle for a call whose time another heap keeps (a lane's ends): :func:`fire` it."""
    return [inf, 0, fn, args]


#: Events between two looks at the wall clock; a budget spent after this many at one moment
#: is a stuck clock.
_STUCK = 1_000


class Agenda:
    """Calls due at simulated times, for one SimPy environment."""

    __slots__ = (
        "_driven",
        "_heap",
        "_interrupt",
        "_limit",
        "_next",
        "_order",
        "_reason",
        "_waking",
        "cut_short",
        "env",
        "events",
        "interrupted_cleanly",
        "torn",
    )

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._heap: list[Timer] = []
        self._order = itertools.count()
        self._next: float | None = None  # the earliest time a wake-up event is set for
        self._waking: set[float] = set()  # every time a wake-up event is set for
        self._driven = False  # inside drive(): no wake-up events are needed
        self.events = 0  # entries run and SimPy events stepped, ever (budgets count these)
        self._limit = inf  # drive() stops once events reaches this (the event budget)
        self._reason: str | None = None  # why drive() must stop at the next gap, if it must
        #: True when the last KeyboardInterrupt out of drive() came between two events.
        self.interrupted_cleanly = False
        #: True once a KeyboardInterrupt left drive() in the middle of an event (a second
        #: Ctrl-C, or user code that raised it where nothing catches it): the model may be
        #: half-way through a change.
        self.torn = False
        #: True when the last drive() stopped after at least :data:`_STUCK` events at one
        #: moment (a step of the model vanished, and the clock could not move on).
        self.cut_short = False

    def __len__(self) -> int:
        """Entries not yet run (cancelled ones included until their time comes)."""
        return len(self._heap)

    def now(self) -> float:
        """The simulation's clock (SimPy's, read here: the one place that knows where). A
        method, not a property: the model reads it at every step, and on Python 3.11 a
        property read costs several times a method call."""
        return self.env._now  # SimPy 4 keeps its clock in _now; the agenda owns this read

    def at(self, when: float, fn: Callable[..., Any], *args: Any) -> Timer:
        """Call ``fn(*args)`` at ``when`` (a time in the past means now); returns its handle."""
        now = self.env._now  # the clock, as in now (every timer of the model comes here)
        return self._push(now if when < now else when, fn, args)

    def after(self, delay: float, fn: Callable[..., Any], *args: Any) -> Timer:
        """Call ``fn(*args)`` ``delay`` simulated seconds from now; returns its handle."""
        return self._push(self.env._now + delay, fn, args)  # the clock, as in now

    def interrupt(self) -> None:
        """Ask :meth:`drive` to raise KeyboardInterrupt at the next gap between two events
        (a real Ctrl-C, or a callback that raised KeyboardInterrupt and was settled)."""
        self.stop_soon("interrupt")

    def stop_soon(self, reason: str) -> None:
        """Ask :meth:`drive` to stop at the next gap between two events and return
        ``reason`` (a budget the model itself counts, such as ``"max_reentries"``), or raise
        KeyboardInterrupt for ``"interrupt"``. An interrupt outranks any other reason."""
        if self._reason != "interrupt":
            self._reason = reason
        if self._driven:
            self._limit = self.events  # the batch under way stops after this entry

    def drive(
        self,
        end: float | None,
        stop: Callable[[], bool],
        step: Callable[[], None] | None = None,
        *,
        max_events: float = inf,
        wall_deadline: float = inf,
    ) -> str | None:
        """Run the agenda's batches and SimPy's events in time order, until ``stop()`` is
        true (checked before each moment), nothing is left, or the next thing is due at or
        after ``end``. ``step``, if given, is called after each batch or SimPy event.

        Budgets: once ``max_events`` entries and SimPy events have run in this call (a batch
        that never ends, because a time step vanished, is cut there too), or once
        :func:`time.monotonic` passes ``wall_deadline``, it stops between two events and
        returns ``"max_events"`` or ``"max_wall_time"``; otherwise None. A requested
        :meth:`interrupt` raises KeyboardInterrupt between two events.

        SimPy's clock is moved to each batch's time; it is the one clock of the simulation.
        """
        env = self.env
        queue = env._queue  # SimPy 4's heap of (time, priority, id, event): env.peek(), inlined
        heap = self._heap
        limit = inf if end is None else end
        self._limit = self.events + max_events
        if self._reason is not None:  # asked for between two runs: at once
            self._limit = self.events
        self._driven = True
        self.interrupted_cleanly = self.cut_short = False
        checkpoint = self.events + _STUCK  # every _STUCK events, a look at the wall clock
        moment, moment_events = self.now(), self.events  # the clock's time, since which event
        try:
            while not stop():
                if self.events >= self._limit:
                    self.cut_short = self.now() == moment and self.events - moment_events >= _STUCK
                    return self._stopped() or "max_events"
                if self.events >= checkpoint:
                    checkpoint = self.events + _STUCK
                    if time.monotonic() > wall_deadline:
                        return "max_wall_time"
                upcoming = queue[0][0] if queue else inf  # env.peek(), without its call
                when = heap[0][0] if heap else inf
                if upcoming <= when:  # a SimPy event first, also at a tie (model choice)
                    if upcoming >= limit or upcoming == inf:
                        break
                    if upcoming != moment:
                        moment, moment_events = upcoming, self.events
                    self.events += 1
                    env.step()
                else:
                    if when >= limit:
                        break
                    if when != moment:
                        moment, moment_events = when, self.events
                    env._now = when  # SimPy keeps its clock in _now (SimPy 4)
                    self._run(when)
                if step is not None:
                    step()
            return self._stopped()  # a stop asked for by the last event still counts
        except KeyboardInterrupt:
            if not self.interrupted_cleanly:
                self.torn = True
            raise
        finally:
            self._limit = inf
            self._driven = False
            self._next = None
            if heap:  # a caller may step sim.env directly next
                self._set_wake(heap[0][0])

    def raise_interrupt(self) -> None:
        """Raise the KeyboardInterrupt asked for since the last :meth:`drive` ended, if any
        (the caller is between two events); a stop for another reason is dropped."""
        self._stopped()

    def _stopped(self) -> str | None:
        """The reason a stop was asked for (raising KeyboardInterrupt for an interrupt)."""
        reason, self._reason = self._reason, None
        if reason == "interrupt":
            self.interrupted_cleanly = True
            raise KeyboardInterrupt
        return reason

    def next_time(self) -> float:
        """When the next entry or SimPy event is due (inf when nothing is)."""
        mine = self._heap[0][0] if self._heap else inf
        return min(mine, self.env.peek())

    # -- internals ---------------------------------------------------------------------------

    def _push(self, when: float, fn: Callable[..., Any], args: tuple[Any, ...]) -> Timer:
        """Set a timer for ``when`` (not before now), with a wake-up outside :meth:`drive`."""
        timer = [when, next(self._order), fn, args]
        heappush(self._heap, timer)
        if not self._driven:
            upcoming = self._next
            if upcoming is None or when < upcoming:
                self._set_wake(when)
        return timer

    def _run(self, when: float) -> None:
        """Run every entry due by ``when``, oldest first (entries added for this moment join
        the batch); inside :meth:`drive`, stop early once the event budget is spent or an
        interrupt is asked for (what is left runs at the same moment next time)."""
        heap = self._heap
        while heap and heap[0][0] <= when:
            if self.events >= self._limit:
                return
            self.events += 1  # a cancelled timer counts too: the budgets count entries
            fire(heappop(heap))

    def _set_wake(self, when: float) -> None:
        """Have SimPy wake the agenda at ``when`` (a plain timeout event, once per time)."""
        self._next = when
        if when not in self._waking:
            self._waking.add(when)
            env = self.env
            wake = env.timeout(max(0.0, when - env.now))
            wake.callbacks.append(lambda _: self._wake(when))

    def _wake(self, when: float) -> None:
        """Run every entry due by ``when``, then set the next wake-up."""
        self._waking.discard(when)
        if self._driven:  # drive() runs the batch itself, after SimPy's events of this moment
            return
        self._next = when  # entries added for this moment join this batch
        try:
            self._run(when)
        finally:  # even if a call_at function raised: what is left keeps its wake-up
            heap = self._heap
            if heap:
                self._set_wake(heap[0][0])
            else:
                self._next = None
