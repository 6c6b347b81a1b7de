"""Two runs side by side: which notifications ended differently, for :class:`Compare`.

A notification is matched across runs by its job's name and what it is about (method and
file); a kind raised several times (job_modification, range reports) is compared by its
count of each outcome.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from .simulation import Simulation
from .timeline import arrivals

__all__ = ["Difference", "differences", "summary"]


class Difference(NamedTuple):
    """One notification that ended differently: how in the left run, how in the right
    (``"not raised"`` if that run never raised it)."""

    job: str
    notification: str
    left: str
    right: str


def summary(outcomes: list[str]) -> str:
    """``delivered``, or ``3 delivered, 1 coalesced`` for a kind raised several times."""
    if not outcomes:
        return "not raised"
    if len(outcomes) == 1:
        return outcomes[0]
    counts = Counter(outcomes)
    return ", ".join(f"{counts[outcome]} {outcome}" for outcome in sorted(counts))


def _outcomes(sim: Simulation) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for row in arrivals(sim, modifications=True):
        found.setdefault((row.job, row.notification), []).append(row.outcome)
    return found


def differences(left: Simulation, right: Simulation) -> list[Difference]:
    """The notifications whose outcomes differ between ``left`` and ``right``, in the order
    the left run raised them, then those only the right run raised.

    >>> from bitslab.scenarios import restart_story
    >>> for d in differences(restart_story(), restart_story(reregister=False)):
    ...     print(f"{d.notification}: {d.left} / {d.right}")
    file_transferred 'fonts.cab': delivered / pending
    file_transferred 'lang.cab': delivered / pending
    job_transferred: delivered / pending
    """
    before, after = _outcomes(left), _outcomes(right)
    keys = list(before) + [key for key in after if key not in before]
    rows = []
    for key in keys:
        was, now = summary(before.get(key, [])), summary(after.get(key, []))
        if was != now:
            rows.append(Difference(key[0], key[1], was, now))
    return rows
