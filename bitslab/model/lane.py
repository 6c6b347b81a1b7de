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

if TYPE_CHECKING:
    from ..simulation import Simulation
    from .transfer import Transfer

__all__ = ["Lane"]

#: Bytes of rounding within which two ends at one moment count as one (the timer's own
#: member always ends when the timer fires; see :meth:`Lane._due`).
_ROUNDING = 1e-6


class Lane:
    """Transfers that move bytes at one rate; see the module's docstring."""

    __slots__ = (
        "_armed",
        "_ends",
        "_env",
        "_gen",
        "_order",
        "_planned",
        "_pos",
        "_sim",
        "_since",
        "changes",
        "members",
        "rate",
    )

    def __init__(self, sim: Simulation) -> None:
        self._sim = sim
        self._env = sim.env
        self.rate = 0.0
        self.members = 0  # transfers moving bytes in this lane now
        self._pos = 0.0  # the position at ``_since``
        self._since = sim.now
        self._ends: list[tuple[float, int, Transfer, int]] = []  # (position, order, who, gen)
        self._order = itertools.count()
        self._gen = 0  # bumped when the timer is re-planned; an older timer does nothing
        self._planned = -1  # the order of the end the timer is set for
        self._armed = False  # a timer is set for the end ``_planned``, at the current rate
        #: ``(time, position, rate)`` at the lane's start and at every change of rate.
        self.changes: list[tuple[float, float, float]] = [(sim.now, 0.0, 0.0)]

    def position(self) -> float:
        """Bytes each member has moved since the lane began (the lane's virtual clock)."""
        return self._pos + self.rate * (self._env._now - self._since)

    def position_at(self, time: float) -> float:
        """The position at ``time`` (not after now)."""
        index = bisect_right(self.changes, (time, float("inf"), 0.0)) - 1
        start, position, rate = self.changes[max(index, 0)]
        return position + rate * (time - start)

    def set_rate(self, rate: float) -> None:
        """S5: every member moves at ``rate`` from now; re-plan the timer."""
        if rate == self.rate:
            return
        now = self._env._now
        self._pos += self.rate * (now - self._since)
        self._since = now
        self.rate = rate
        self._armed = False  # a timer set at the old rate is wrong now
        if self.changes[-1][0] == now:
            self.changes[-1] = (now, self._pos, rate)
        else:
            self.changes.append((now, self._pos, rate))
        self._plan()

    def expect(self, transfer: Transfer, end: float, gen: int) -> None:
        """``transfer``'s current file ends when the position reaches ``end`` (if the
        transfer is still at generation ``gen`` then)."""
        heappush(self._ends, (end, next(self._order), transfer, gen))
        if self._ends[0][2] is transfer:
            self._plan()

    # -- internals ---------------------------------------------------------------------------

    def _plan(self) -> None:
        """Set the one timer for the earliest end still wanted (unless the timer already
        set is for that end at this rate: a change that moved neither costs no timer)."""
        ends = self._ends
        while ends and ends[0][2].stale(ends[0][3]):
            heappop(ends)
        if ends and self.rate > 0.0:
            end, order = ends[0][0], ends[0][1]
            if self._armed and self._planned == order:
                return
            self._gen += 1
            self._planned = order
            self._armed = True
            wait = max(0.0, end - self.position()) / self.rate
            self._sim._after(wait, self._due, self._gen)
        else:
            self._gen += 1
            self._armed = False

    def _due(self, gen: int) -> None:
        """The planned end is here: finish it, and every other end due at this moment (the
        planned one counts as due whatever the rounding, so a timer always ends something)."""
        if gen != self._gen:
            return
        self._armed = False  # this timer has fired
        ends = self._ends
        planned = self._planned  # what the callbacks below re-plan does not count
        try:
            while ends:
                end, order, transfer, tgen = ends[0]
                if transfer.stale(tgen):
                    heappop(ends)
                    continue
                if order != planned and end > self.position() + _ROUNDING:
                    break
                heappop(ends)
                transfer.file_done(tgen)
        finally:
            self._plan()
