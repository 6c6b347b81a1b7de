"""The BITS service itself: up, or down for a restart or a reboot (P2, P3).

:class:`Service` is the one owner of whether BITS runs (``sim.service``). Its down periods are
set by :meth:`bitslab.Simulation.restart_service` and :meth:`bitslab.Simulation.reboot`; the
agenda's timers for the start and the end of each are set at that call. When the service
stops it drops every job's registered interface (P2: a callback object does not outlive the
service) and publishes :class:`~bitslab.model.events.ServiceStopped`; the parts that must
react subscribe (the scheduler, delivery) or ask :attr:`Service.up` (a job's retry timer,
L5, L6, waits with :meth:`Service.defer`). A reboot also ends every application's run as a
crash (P3, I4), and no application starts until the machine is back.

Overlaps (model choice): the service is down while any down period covers the moment, and
the machine is down while any reboot does. Periods that overlap or touch make one down time:
the service stops once, when the first begins, and returns once, when the last ends. A
reboot that begins while the service is already down still ends every application's run
(and drops the interfaces set since the stop) when it begins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from .._check import check_number
from .agenda import fire, unscheduled
from .events import ServiceStarted, ServiceStopped

if TYPE_CHECKING:
    from .agenda import Agenda, Timer
    from .apps import App
    from .events import Events
    from .jobs import Job

__all__ = ["DownPeriod", "Service"]


class DownPeriod(NamedTuple):
    """The service is down in [start, end); ``reboot``: the machine is down too (P3)."""

    start: float
    end: float
    reboot: bool


class Service:
    """Whether the BITS service runs now, and when it is down (see the module's notes)."""

    __slots__ = (
        "_agenda",
        "_apps",
        "_events",
        "_jobs",
        "_rebooted",
        "_waiting",
        "periods",
        "up",
    )

    def __init__(self, agenda: Agenda, events: Events, jobs: list[Job], apps: list[App]) -> None:
        self._agenda = agenda
        self._events = events
        self._jobs = jobs  # every job of the simulation (P2: their interfaces are dropped)
        self._apps = apps  # every application (P3: a reboot crashes the running ones)
        #: Every down period set so far, in the order set (read it; never change it).
        self.periods: list[DownPeriod] = []
        #: P2: False from the moment the service stops until it returns (a plain attribute,
        #: as delivery reads it at every dispatch: read it, never set it).
        self.up = True
        self._rebooted = False  # a reboot began during the current down time
        self._waiting: list[Timer] = []  # calls that fell due while down (L5, L6)

    def machine_down(self) -> DownPeriod | None:
        """P3: the reboot covering now, from its start until the machine is back (overlapping
        reboots joined), or None while the machine is up."""
        now = self._agenda.now()
        reboots = [p for p in self.periods if p.reboot]
        covering = [p for p in reboots if p.start <= now < p.end]
        if not covering:
            return None
        start = min(p.start for p in covering)
        back = max(p.end for p in covering)
        grown = True
        while grown:  # a reboot that begins before the machine is back keeps it down
            later = [p.end for p in reboots if p.start <= back < p.end]
            grown = bool(later)
            back = max([back, *later])
        return DownPeriod(start, back, True)

    def require_machine_up(self, what: str) -> None:
        """P3: no application starts while the machine is down: ValueError naming the reboot
        and when the machine is back (``what``: the call refused, for the message)."""
        down = self.machine_down()
        if down is not None:
            raise ValueError(
                f"{what}: the machine is down for a reboot from {down.start:g} s until "
                f"{down.end:g} s (P3); no application starts before {down.end:g} s"
            )

    def restart(self, start: float, duration: float) -> None:
        """P2: the service goes down at ``start`` (absolute) for ``duration`` seconds."""
        self._add(start, duration, reboot=False)

    def reboot(self, start: float, duration: float) -> None:
        """P3: the machine (the service and every application) goes down at ``start``."""
        self._add(start, duration, reboot=True)

    def defer(self, fn: Callable[..., Any], *args: Any) -> Timer:
        """P2: call ``fn(*args)`` when the service returns (a timer that fell due while it was
        down); returns a handle that :func:`~bitslab.model.agenda.cancel` withdraws."""
        timer = unscheduled(fn, *args)
        self._waiting.append(timer)
        return timer

    # -- internals -------------------------------------------------------------------------

    def _add(self, start: float, duration: float, *, reboot: bool) -> None:
        """Check the arguments (changing nothing if one is wrong), then set both timers."""
        what = "reboot" if reboot else "restart_service"
        rule = "P3" if reboot else "P2"
        try:
            begin = check_number("start", start, minimum=0.0)
            length = check_number("duration", duration, strictly_positive=True)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{what}(): {error} ({rule})") from None
        now = self._agenda.now()
        if begin < now:
            raise ValueError(
                f"{what}(): start={start!r} is before the current time {now:g}: a down "
                f"period cannot begin in the past ({rule})"
            )
        end = begin + length
        if end == begin:  # a duration lost to floating point at this start
            raise ValueError(
                f"{what}(): duration={duration!r} vanishes at start={start!r} ({rule})"
            )
        period = DownPeriod(begin, end, reboot)
        self.periods.append(period)
        self._agenda.at(begin, self._begins, period)
        self._agenda.at(end, self._ends)

    def _begins(self, period: DownPeriod) -> None:
        """P2, P3: a down period begins: the service stops, unless it is down already."""
        if not self.up and not period.reboot:
            return
        self.up = False
        self._rebooted = self._rebooted or period.reboot
        for job in self._jobs:  # P2: no callback object outlives the service
            if not job.state.is_final:
                job.forget_interface()
        self._events.publish(ServiceStopped(period.reboot))
        if period.reboot:  # P3, I4: every application's run ends as a crash
            for app in self._apps:
                if app.running:
                    app.crash()

    def _ends(self) -> None:
        """P2: a down period ends; the service returns once no other covers now (one that
        begins at this very moment makes the two one down time)."""
        now = self._agenda.now()
        if self.up or any(p.start <= now < p.end for p in self.periods):
            return
        self.up = True
        rebooted, self._rebooted = self._rebooted, False
        self._events.publish(ServiceStarted(rebooted))
        waiting, self._waiting = self._waiting, []
        for timer in waiting:  # L5, L6: in the order they fell due
            fire(timer)
