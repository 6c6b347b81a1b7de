"""The agenda: bitslab's internal timers, kept in one heap and run from SimPy in batches.

Every timer of the model (a transfer's next file, a retry, a notification's dispatch delay,
the end of a time slice...) is a call due at a simulated time. A SimPy event per timer would
cost an Event object, a callback list and a pass of SimPy's loop each; instead the agenda
keeps ``(time, order, function, arguments)`` entries in its own heap and schedules a SimPy
event only for the earliest time it must wake at. When that event fires, every entry due by
then runs, oldest first, including entries added meanwhile for the same moment.

Order: entries due at one moment run in the order they were added. Model choice (the
simulation's timing is exact either way): the whole batch for one moment runs when the
agenda's event for that moment fires, so a SimPy event of a callback (C9: a callback that
takes simulated time) due at the same moment runs before or after the whole batch, never
between two of its entries.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from heapq import heappop, heappush
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

    __slots__ = ("_heap", "_next", "_order", "_waking", "env")

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._heap: list[Entry] = []
        self._order = itertools.count()
        self._next: float | None = None  # the earliest time a wake-up event is set for
        self._waking: set[float] = set()  # every time a wake-up event is set for

    def __len__(self) -> int:
        """Entries not yet run (stale ones included: timers are never cancelled)."""
        return len(self._heap)

    def at(self, when: float, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        """Call ``fn(*args)`` at ``when`` (not before the current time)."""
        heappush(self._heap, (when, next(self._order), fn, args))
        upcoming = self._next
        if upcoming is None or when < upcoming:
            self._set_wake(when)

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
        heap = self._heap
        self._next = when  # entries added for this moment join this batch
        try:
            while heap and heap[0][0] <= when:
                _, _, fn, args = heappop(heap)
                fn(*args)
        finally:  # even if a call_at function raised: what is left keeps its wake-up
            if heap:
                self._set_wake(heap[0][0])
            else:
                self._next = None
