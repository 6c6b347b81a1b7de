"""Applications: the processes that register notifiers, and their runs (I4, I7, P1).

An application is running from the moment it is added. Each ``start()`` begins a new *run*.
A notifier made with ``app=`` belongs to the run that was current when it was made: once that
run ends, by ``crash()`` or ``exit()``, every call into the notifier fails as a call into a
dead COM server does (RPC_S_SERVER_UNAVAILABLE), and it stays dead after the application
starts again (I4). Jobs, their flags and command lines are BITS's, not the application's, so
they survive (P1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from .._check import check_callable, check_guid
from .events import RunEnded
from .servers import Factory

if TYPE_CHECKING:
    from ..simulation import Simulation

__all__ = ["App", "Run"]


class Run(NamedTuple):
    """One run of an application: ``number`` counts from 1; ``end`` is None while it runs."""

    number: int
    start: float
    end: float | None
    how: str  # "running", "crash" or "exit"


class App:
    """A simulated application process. Make one with :meth:`Simulation.add_app`.

    >>> import bitslab as bl
    >>> sim = bl.Simulation()
    >>> app = sim.add_app("downloader")
    >>> app.running, app.run
    (True, 1)
    >>> app.crash()
    >>> app.start()
    >>> [(r.number, r.how) for r in app.runs]
    [(1, 'crash'), (2, 'running')]
    """

    def __init__(self, sim: Simulation, name: str) -> None:
        self.sim = sim
        self.name = name
        self.runs: list[Run] = [Run(1, sim.now, None, "running")]
        self._live: int | None = 1  # the number of the run under way, None while down
        self._on_start: list[Callable[[App], object]] = []
        self._on_exit: list[Callable[[App], object]] = []

    @property
    def running(self) -> bool:
        """True while the current run has not ended."""
        return self._live is not None

    @property
    def run(self) -> int:
        """The number of the current (or last) run, from 1."""
        return self.runs[-1].number

    def owns(self, run: int) -> bool:
        """I4: True while run ``run`` is the current one and still running."""
        return run == self._live

    def crash(self) -> None:
        """I4, I7: die now; interfaces are left behind and calls into them will fail."""
        self._end("crash")

    def exit(self) -> None:
        """I7: end now, cleanly: the functions given to :meth:`on_exit` run first.

        A clean exit is the application's own code setting its interfaces to None; put that
        code in an ``on_exit`` function.
        """
        self._require_running("exit")
        for fn in list(self._on_exit):
            fn(self)
        self._end("exit")

    def start(self) -> None:
        """Begin a new run, then call each ``on_start`` function with this app.

        Fails with ValueError while the app runs, and while the machine is down for a reboot
        (P3).
        """
        if self.running:
            raise ValueError(f"start() on app {self.name!r}: it is already running")
        self.sim.service.require_machine_up(f"start() on app {self.name!r}")  # P3
        self.runs.append(Run(self.run + 1, self.sim.now, None, "running"))
        self._live = self.run
        for fn in list(self._on_start):
            fn(self)

    def on_start(self, fn: Callable[[App], object]) -> Callable[[App], object]:
        """Call ``fn(app)`` each time :meth:`start` begins a new run: re-register and poll there.

        Not called now, nor for the first run. Returns ``fn``, so it works as a decorator.
        """
        self._on_start.append(check_callable("fn", fn))
        return fn

    def on_exit(self, fn: Callable[[App], object]) -> Callable[[App], object]:
        """Call ``fn(app)`` when :meth:`exit` ends a run cleanly (never on a crash, I7)."""
        self._on_exit.append(check_callable("fn", fn))
        return fn

    def register_server(self, clsid: object, factory: Factory) -> None:
        """N2: this application is the out-of-process COM server of the class ``clsid``.

        When BITS needs a callback object for a job whose NOTIFICATION_CLSID is ``clsid`` and
        that has no live interface (N2, N3), it starts this application if it is not running
        (a new run, whose ``on_start`` functions run) and calls ``factory(app)``; the object
        returned is the notifier BITS calls. The registration is the machine's: it outlives
        the application's runs and service restarts (N5). Registering the class again
        replaces its server (model choice: the last registration wins).

        ``clsid`` is a :class:`uuid.UUID` or its string form, not GUID_NULL (ValueError);
        ``factory`` must be callable (TypeError).

        >>> import bitslab as bl, uuid
        >>> sim = bl.Simulation()
        >>> app = sim.add_app("downloader")
        >>> app.register_server(uuid.UUID(int=7), lambda app: bl.RecordingNotifier(app=app))
        """
        key = check_guid("clsid", clsid)
        self.sim.servers.register(key, self, check_callable("factory", factory))

    def _require_running(self, what: str) -> None:
        if not self.running:
            raise ValueError(f"{what}() on app {self.name!r}: it is not running")

    def _end(self, how: str) -> None:
        self._require_running(how)
        number, start, _, _ = self.runs[-1]
        self.runs[-1] = Run(number, start, self.sim.now, how)
        self._live = None
        self.sim.events.publish(RunEnded(self, number))

    def __repr__(self) -> str:
        status = "running" if self.running else "down"
        return f"<App {self.name!r} run {self.run} {status}>"
