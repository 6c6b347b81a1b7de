"""A lane: transfers that share the link at one rate each (S5), timed by one virtual clock.

The scheduler keeps two lanes: the foreground jobs, which split their share of the link
equally, and the one background job (S1-S3, S5). Every transfer in a lane moves bytes at
the lane's rate, so one number says how far they have all come: the lane's ``position``,
the bytes any member has moved since the lane began (processor sharing with a virtual
clock). A transfer notes the position when its bytes start to count; its bytes are the
position now minus that. Each transfer's file ends at a known position, kept in a heap, and
one agenda timer waits for the earliest. A change of rate re-plans that one timer, whatever
the number of transfers, so a file's start or end costs the same with 10 jobs as with 1,000.

Between two changes of rate the position grows linearly in time; the lane keeps each change
(:attr:`Lane.changes`), so a job's progress can be drawn exactly without a point per job at
every change (see :meth:`bitslab.Job.progress_trace`).
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from heapq import heappop, heappush
from typing import TYPE_CHECKING

from .agenda import Timer, cancel, fire, pending, unscheduled

if TYPE_CHECKING:
    from .agenda import Agenda
    from .transfer import Transfer

__all__ = ["Lane"]

#: Bytes of rounding within which two ends at one moment count as one (the timer's own
#: member always ends when the timer fires; see :meth:`Lane._due`).
_ROUNDING = 1e-6

#: One expected end: ``(position, order, transfer, handle)``; the handle is cancelled by the
#: transfer when the end no longer applies (its file stopped, or its work was re-planned).
End = tuple[float, int, "Transfer", Timer]


class Lane:
    """Transfers that move bytes at one rate; see the module's docstring."""

    __slots__ = (
        "_agenda",
        "_ends",
        "_order",
        "_planned",
        "_pos",
        "_since",
        "_timer",
        "changes",
        "members",
        "rate",
    )

    def __init__(self, agenda: Agenda) -> None:
        self._agenda = agenda
        self.rate = 0.0
        self.members = 0  # transfers moving bytes in this lane now
        self._pos = 0.0  # the position at ``_since``
        self._since = agenda.now()
        # Ends are kept in a heap by position, not as agenda timers: their times change with
        # every change of rate, and only the earliest needs a timer. A stale end (its handle
        # cancelled) stays in the heap until it reaches the top.
        self._ends: list[End] = []
        self._order = itertools.count()
        self._planned = -1  # the order of the end the timer is set for
        self._timer: Timer | None = None  # pending: set for ``_planned``, at the current rate
        #: ``(time, position, rate)`` at the lane's start and at every change of rate.
        self.changes: list[tuple[float, float, float]] = [(agenda.now(), 0.0, 0.0)]

    def position(self) -> float:
        """Bytes each member has moved since the lane began (the lane's virtual clock)."""
        return self._pos + self.rate * (self._agenda.now() - self._since)

    def position_at(self, time: float) -> float:
        """The position at ``time`` (not after now)."""
        index = bisect_right(self.changes, (time, float("inf"), 0.0)) - 1
        start, position, rate = self.changes[max(index, 0)]
        return position + rate * (time - start)

    def set_rate(self, rate: float) -> None:
        """S5: every member moves at ``rate`` from now; re-plan the timer."""
        if rate == self.rate:
            return
        now = self._agenda.now()
        self._pos += self.rate * (now - self._since)
        self._since = now
        self.rate = rate
        if self.changes[-1][0] == now:
            self.changes[-1] = (now, self._pos, rate)
        else:
            self.changes.append((now, self._pos, rate))
        self._plan(rate_changed=True)  # a timer set at the old rate is wrong now

    def expect(self, transfer: Transfer, end: float) -> Timer:
        """``transfer``'s current file ends when the position reaches ``end``: the lane calls
        ``transfer.file_done()`` then, unless the returned handle is cancelled first."""
        handle = unscheduled(transfer.file_done)
        heappush(self._ends, (end, next(self._order), transfer, handle))
        if self._ends[0][2] is transfer:
            self._plan()
        return handle

    # -- internals ---------------------------------------------------------------------------

    def _plan(self, *, rate_changed: bool = False) -> None:
        """Set the one timer for the earliest end still wanted (unless the timer already
        set is for that end at this rate: a change that moved neither costs no timer)."""
        ends = self._ends
        while ends and not pending(ends[0][3]):
            heappop(ends)
        if ends and self.rate > 0.0:
            end, order = ends[0][0], ends[0][1]
            timer = self._timer
            if timer is not None:
                if not rate_changed and pending(timer) and self._planned == order:
                    return
                cancel(timer)
            self._planned = order
            wait = max(0.0, end - self.position()) / self.rate
            self._timer = self._agenda.after(wait, self._due)
        elif self._timer is not None:
            cancel(self._timer)

    def _due(self) -> None:
        """The planned end is here: finish it, and every other end due at this moment (the
        planned one counts as due whatever the rounding, so a timer always ends something)."""
        ends = self._ends
        planned = self._planned  # what the callbacks below re-plan does not count
        try:
            while ends:
                end, order, _, handle = ends[0]
                if not pending(handle):
                    heappop(ends)
                    continue
                if order != planned and end > self.position() + _ROUNDING:
                    break
                heappop(ends)
                fire(handle)
        finally:
            self._plan()
