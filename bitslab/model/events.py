"""What the model tells the rest of the simulation: typed events, published to subscribers.

The model (jobs, files, transfers, the scheduler, applications) never calls up into delivery,
the log or a view. When something happens that another part cares about, the model publishes
one of these events on the simulation's :class:`Events`; delivery and the simulation's own
bookkeeping subscribe. Subscribers run at once, in the order they subscribed, inside the
change that published the event (so delivery hears of a state change before the scheduler
reacts to it, C1-C3).

Each event is a :class:`~typing.NamedTuple`: immutable, typed, and made at a quarter of the
cost of a frozen dataclass (the model publishes one at every state change and finished file).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from ..constants import JobPriority, JobState

if TYPE_CHECKING:
    from .apps import App
    from .files import File
    from .jobs import Job

__all__ = [
    "CmdlineSet",
    "Events",
    "FileTransferred",
    "InterfaceSet",
    "Modified",
    "OnDemandChanged",
    "PriorityChanged",
    "RangesDone",
    "RunEnded",
    "ServiceStarted",
    "ServiceStopped",
    "StateChanged",
]


class StateChanged(NamedTuple):
    """A job went from ``old`` to ``new`` (C1-C3, and every L rule)."""

    job: Job
    old: JobState
    new: JobState


class PriorityChanged(NamedTuple):
    """S1, S3: the job's priority was ``old`` and is now ``job.priority``."""

    job: Job
    old: JobPriority


class FileTransferred(NamedTuple):
    """C4: every byte of ``file`` has arrived."""

    job: Job
    file: File


class RangesDone(NamedTuple):
    """R4: no requested range of the job is left to fetch (the last one arrived)."""

    job: Job


class Modified(NamedTuple):
    """C3: a file was added or a property of the job changed; ``what`` says which."""

    job: Job
    what: str


class OnDemandChanged(NamedTuple):
    """R4: the job's ON_DEMAND_MODE was set (range reports may start or stop)."""

    job: Job


class InterfaceSet(NamedTuple):
    """I1, I5: ``notifier`` (None: removed) is now the job's registered interface."""

    job: Job
    notifier: object | None


class CmdlineSet(NamedTuple):
    """K1, K4: the job's command line was set or removed."""

    job: Job


class RunEnded(NamedTuple):
    """I4, I7: run ``run`` of ``app`` ended (a crash or a clean exit)."""

    app: App
    run: int


class ServiceStopped(NamedTuple):
    """P2, P3: the BITS service stopped (``reboot``: the machine is going down too). Published
    when the service goes down, and again when a reboot begins while it is already down."""

    reboot: bool


class ServiceStarted(NamedTuple):
    """P2, P3: the BITS service is back (``reboot``: a reboot was part of its down time)."""

    reboot: bool


E = TypeVar("E")


class Events:
    """Subscribers per kind of event; :meth:`publish` calls each, in subscription order."""

    __slots__ = ("_subscribers",)

    def __init__(self) -> None:
        self._subscribers: dict[type, list[Callable[[Any], object]]] = {}

    def subscribe(self, kind: type[E], fn: Callable[[E], object]) -> None:
        """Call ``fn(event)`` for every event of ``kind`` published from now on."""
        self._subscribers.setdefault(kind, []).append(fn)

    def publish(self, event: object) -> None:
        """Tell every subscriber of the event's kind, in the order they subscribed."""
        for fn in self._subscribers.get(type(event), ()):
            fn(event)
