"""The agenda: bitslab's internal timers, kept in one heap beside SimPy's own queue.

Every timer of the model (a transfer's next file, a retry, a notification's dispatch delay,
the end of a time slice...) is a call due at a simulated time. A SimPy event per timer would
cost an Event object, a callback list and a pass of SimPy's loop each; instead the agenda
keeps ``(time, order, function, arguments)`` entries in its own heap, and every entry due at
one moment runs in one batch, oldest first, including entries added meanwhile for the same
moment.

Two ways the batches run:

- Inside :meth:`bitslab.Simulation.run`, the simulation *drives* the agenda
  (:meth:`Agenda.drive`): it takes the earlier of the agenda's next time and SimPy's next
  event, moves SimPy's clock to it and runs that, so a moment costs no SimPy event at all.
- Outside it (a caller steps ``sim.env`` directly), the agenda keeps one SimPy event
  scheduled for its earliest time, and runs that time's batch when the event fires.

Order: entries due at one moment run in the order they were added. Model choice (the
simulation's timing is exact either way): a SimPy event due at the same moment as a batch,
such as the resumption of a callback that takes simulated time (C9), runs before the batch;
the batch runs whole, never split by one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from heapq import heappop, heappush
from math import inf
from typing import Any

import simpy
from simpy.events import NORMAL

__all__ = ["Agenda"]

Entry = tuple[float, int, Callable[..., Any], tuple[Any, ...]]


class _Wake(simpy.Event):
    """The SimPy event that wakes the agenda at ``when``: already triggered, so SimPy only
    needs its callbacks (the Event constructor's work is skipped on purpose)."""

    def __init__(self, agenda: Agenda, when: float) -> None:
        self.env = agenda.env
        self.callbacks = [agenda._wake]
        self._ok = True
        self._value = None
        self.when = when


class Agenda:
    """Calls due at simulated times, for one SimPy environment."""

    __slots__ = ("_driven", "_heap", "_next", "_order", "_waking", "env")

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._heap: list[Entry] = []
        self._order = itertools.count()
        self._next: float | None = None  # the earliest time a wake-up event is set for
        self._waking: set[float] = set()  # every time a wake-up event is set for
        self._driven = False  # inside drive(): no wake-up events are needed

    def __len__(self) -> int:
        """Entries not yet run (stale ones included: timers are never cancelled)."""
        return len(self._heap)

    def at(self, when: float, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        """Call ``fn(*args)`` at ``when`` (not before the current time)."""
        heappush(self._heap, (when, next(self._order), fn, args))
        if not self._driven:
            upcoming = self._next
            if upcoming is None or when < upcoming:
                self._set_wake(when)

    def drive(
        self,
        end: float | None,
        stop: Callable[[], bool],
        step: Callable[[], None] | None = None,
    ) -> None:
        """Run the agenda's batches and SimPy's events in time order, until ``stop()`` is
        true (checked before each moment), nothing is left, or the next thing is due at or
        after ``end``. ``step``, if given, is called after each batch or SimPy event.

        SimPy's clock is moved to each batch's time; it is the one clock of the simulation.
        """
        env = self.env
        queue = env._queue  # SimPy's own heap of (time, priority, id, event) (SimPy 4)
        heap = self._heap
        limit = inf if end is None else end
        self._driven = True
        try:
            while not stop():
                upcoming = queue[0][0] if queue else inf  # env.peek(), without the call
                when = heap[0][0] if heap else inf
                if upcoming <= when:  # a SimPy event first, also at a tie (model choice)
                    if upcoming >= limit or upcoming == inf:
                        return
                    env.step()
                else:
                    if when >= limit:
                        return
                    env._now = when  # SimPy keeps its clock in _now (SimPy 4)
                    self._run(when)
                if step is not None:
                    step()
        finally:
            self._driven = False
            self._next = None
            if heap:  # a caller may step sim.env directly next
                self._set_wake(heap[0][0])

    # -- internals ---------------------------------------------------------------------------

    def _run(self, when: float) -> None:
        """Run every entry due by ``when``, oldest first (entries added for this moment join
        the batch)."""
        heap = self._heap
        while heap and heap[0][0] <= when:
            _, _, fn, args = heappop(heap)
            fn(*args)

    def _set_wake(self, when: float) -> None:
        self._next = when
        if when not in self._waking:
            self._waking.add(when)
            env = self.env
            env.schedule(_Wake(self, when), NORMAL, max(0.0, when - env.now))

    def _wake(self, event: simpy.Event) -> None:
        """Run every entry due by the event's time, then set the next wake-up."""
        assert isinstance(event, _Wake)
        when = event.when
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
