"""Helpers shared by the scheduler tests (S1-S5): the default link's numbers, probing a value
while a run goes on, and reading when a job changed state.

Every expected time is worked out from the model's defaults: a 1,000,000 B/s link, 0.05 s to
connect for each file, a 10 s time slice and a background trickle of 1% of the link. A background
job's slice starts when its bytes start to flow in its turn, so a full turn lasts the latency plus
the slice (S2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import bitslab as bl

S = bl.JobState
P = bl.JobPriority

LINK = 1_000_000  # bytes per second (default)
LATENCY = 0.05  # seconds per connection (default)
SLICE = 10.0  # seconds (default)
TRICKLE = 0.01 * LINK  # bytes per second a background job keeps (default 1%)
MB = 1_000_000


def probe(sim: bl.Simulation, times: Iterable[float], fn: Callable[[], Any]) -> dict[float, Any]:
    """Record ``fn()`` at each of ``times``; the dict fills in while the simulation runs."""
    seen: dict[float, Any] = {}
    for t in times:
        sim.call_at(t, lambda t=t: seen.__setitem__(t, fn()))
    return seen


def sent(job: bl.Job) -> int:
    return job.progress.bytes_transferred


def changes(job: bl.Job, rule: str | None = None, new: S | None = None) -> list[bl.StateChange]:
    """History entries of ``job``, filtered by rule and by new state."""
    return [
        c for c in job.history if (rule is None or c.rule == rule) and (new is None or c.new is new)
    ]


def times(entries: Iterable[bl.StateChange]) -> list[float]:
    return [c.time for c in entries]


def done_at(job: bl.Job) -> float:
    """When the job entered TRANSFERRED (it must have, exactly once)."""
    (entry,) = changes(job, new=S.TRANSFERRED)
    return entry.time


def rate(seen: dict[float, int], t0: float, t1: float) -> float:
    return (seen[t1] - seen[t0]) / (t1 - t0)
