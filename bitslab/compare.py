"""Two runs side by side: which notifications ended differently, for ``widgets.Compare``.

A notification is matched across runs by its job's name and what it is about (method and
file), and compared by its outcome and, if it arrived, when; a kind raised several times
(job_modification, range reports) is compared by its count of each outcome.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from ._check import check_bool, check_instance
from .simulation import Simulation
from .timeline import ARRIVED, Arrival, arrivals

__all__ = ["Difference", "differences", "summary"]


class Difference(NamedTuple):
    """One notification that ended differently: how in the left run, how in the right
    (``"not raised"`` if that run never raised it)."""

    job: str
    notification: str
    left: str
    right: str


def summary(rows: list[Arrival]) -> str:
    """How the notifications of one kind ended: ``delivered at 30.00 s``, ``stale``, or for
    a kind raised several times ``1 coalesced, 3 delivered`` (outcomes in name order)."""
    if not rows:
        return "not raised"
    if len(rows) == 1:
        (row,) = rows
        arrived = row.outcome in ARRIVED and row.ended is not None
        return f"{row.outcome} at {row.ended:.2f} s" if arrived else row.outcome
    counts = Counter(row.outcome for row in rows)
    return ", ".join(f"{counts[outcome]} {outcome}" for outcome in sorted(counts))


def _outcomes(sim: Simulation, modifications: bool) -> dict[tuple[str, str], list[Arrival]]:
    found: dict[tuple[str, str], list[Arrival]] = {}
    for row in arrivals(sim, modifications=modifications):
        found.setdefault((row.job, row.notification), []).append(row)
    return found


def differences(
    left: Simulation, right: Simulation, *, modifications: bool = False
) -> list[Difference]:
    """The notifications that ended differently (or arrived at other times) in ``left`` and
    ``right``, in the order the left run raised them, then those only the right run raised.
    job_modification, often dozens, is compared only with ``modifications``.

    >>> from bitslab.scenarios import restart_story
    >>> for d in differences(restart_story(), restart_story(reregister=False)):
    ...     print(f"{d.notification}: {d.left} / {d.right}")
    file_transferred 'fonts.cab': delivered at 30.00 s / pending
    file_transferred 'lang.cab': delivered at 30.00 s / pending
    job_transferred: delivered at 30.00 s / pending
    """
    check_instance("left", left, Simulation, "a Simulation")
    check_instance("right", right, Simulation, "a Simulation")
    check_bool("modifications", modifications)
    before, after = _outcomes(left, modifications), _outcomes(right, modifications)
    keys = list(before) + [key for key in after if key not in before]
    rows = []
    for key in keys:
        was, now = summary(before.get(key, [])), summary(after.get(key, []))
        if was != now:
            rows.append(Difference(key[0], key[1], was, now))
    return rows
