"""Simulation: one SimPy environment, one seeded random generator, one network, one BITS service.

All randomness goes through ``sim.rng``, so the same seed gives the same history.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, NoReturn

import simpy

from ._check import check_callable, check_enum, check_int, check_number, check_str, got
from .budget import DEFAULT_MAX_EVENTS, DEFAULT_MAX_REENTRIES, Budgets
from .constants import JobPriority, JobType
from .delivery.dispatcher import Dispatcher
from .delivery.programs import Handler
from .log import EventLog
from .model.agenda import Agenda
from .model.apps import App
from .model.events import Events, PriorityChanged, StateChanged
from .model.jobs import Job
from .model.network import Network
from .model.scheduler import Scheduler
from .runner import Runner

__all__ = ["Simulation"]


class _Default:
    """The type of :data:`_DEFAULT`: a run() budget not given (the simulation's applies)."""

    def __repr__(self) -> str:
        return "<the simulation's budget>"


_DEFAULT = _Default()


class Simulation:
    """A simulated machine running BITS, its network, and the applications that use it.

    Model parameters (all keyword arguments after ``seed`` have defaults):

    - ``bandwidth``: bytes per second of the link (default 1,000,000).
    - ``latency``: seconds to set up a connection for a file (default 0.05, L3).
    - ``time_slice``: seconds a background job runs before one of its priority takes a turn
      (default 10, S2).
    - ``trickle``: the share of the link a background job keeps when other traffic or
      foreground jobs take the rest (default 0.01, S5).
    - ``dispatch_delay``: seconds from raising a job or file notification to its dispatch
      (default 0, C8).
    - ``modification_delay``: the same for job_modification, which BITS dispatches at a lower
      priority, so a later job_transferred can overtake it (default 0.1, C8, model choice).
    - ``callback_timeout``: simulated seconds after which bitslab counts a callback that has
      not returned as failed (default None: off). BITS itself never gives up on a blocking
      call (C9, IBackgroundCopyCallback: "blocked until one or more of the blocking
      notifications return"), so a slow callback holds back the others until it returns; the
      option is a model choice (C5, C9).
    - ``s_ok_only``: when True, only S_OK (0), None and True count as a callback's success,
      and a success HRESULT that is not S_OK (S_FALSE, 1) is a failed call, retried like any
      other (C5). Default False: any success HRESULT succeeds (a model choice: the
      JobTransferred page says BITS calls again "until S_OK is returned", while the
      FileTransferred page retries only a failure). The log's detail says when it decided.
    - ``progress_interval``: the shortest gap between two "bytes transferred" modifications
      while bytes flow (default 0.1); the job's minimum notification interval, usually longer,
      applies on top (C7, model choice).
    - ``max_events``, ``max_reentries``, ``max_simulated_time``, ``max_wall_time``: the
      budgets of each :meth:`run` (default 500,000 events, 10,000 re-entries of one job into
      one state, no limit on simulated or wall time; None for no limit); a run that spends one
      raises :class:`~bitslab.RunBudgetError` naming the job
      and the cycle that kept it busy (see :class:`~bitslab.RunBudgetError`). :meth:`run` takes the
      same options for one call.

    Limits of the model's clock: ``bandwidth`` is at least 1 byte per second and
    ``time_slice`` at least 0.001 s, so that no step of the model vanishes or lasts for ever.

    One thread: a Simulation is not thread-safe. Build it, change it and run it from one
    thread (a worker thread or process may own a whole simulation; see :func:`bitslab.sweep`
    for many). ``run()`` from a second thread while one runs is refused. A Simulation cannot
    be copied (``copy.copy``, ``copy.deepcopy`` and pickle refuse it: its timers and callbacks
    are live code); build another with the same seed, which gives the same history. What it
    produced leaves the process as plain data: the log, its entries, job histories.

    Ctrl-C: during :meth:`run` in the main thread, a SIGINT stops the run between two events
    with KeyboardInterrupt, and ``run()`` again goes on as if nothing had happened. A second
    Ctrl-C before that gap stops at once; the simulation then refuses to run again.

    >>> import bitslab as bl
    >>> sim = bl.Simulation(seed=1, bandwidth=500_000)
    >>> job = sim.create_job("docs")
    >>> _ = job.add_file("https://example.test/manual.pdf", "manual.pdf", size=1_000_000)
    >>> job.resume()
    >>> sim.run(until=1.0)
    >>> job.state.name, 0 < job.progress.bytes_transferred < 1_000_000
    ('TRANSFERRING', True)
    >>> sim.run()
    >>> job.state.name, round(job.history[-1].time, 2)
    ('TRANSFERRED', 2.05)
    """

    #: How many steps (SimPy events, or batches of the model's timers) pass between two calls
    #: of ``run(progress=...)``.
    PROGRESS_EVERY = 2_000

    def __init__(
        self,
        seed: int = 0,
        bandwidth: float = 1_000_000,
        latency: float = 0.05,
        time_slice: float = 10.0,
        *,
        trickle: float = 0.01,
        dispatch_delay: float = 0.0,
        modification_delay: float = 0.1,
        callback_timeout: float | None = None,
        s_ok_only: bool = False,
        progress_interval: float = 0.1,
        max_events: int | None = DEFAULT_MAX_EVENTS,
        max_reentries: int | None = DEFAULT_MAX_REENTRIES,
        max_simulated_time: float | None = None,
        max_wall_time: float | None = None,
    ) -> None:
        # Negative seeds are refused: random.Random(-n) is random.Random(n), a silent twin.
        self.seed = check_int("seed", seed, minimum=0)
        # Floors: below them a file's time or a slice's end leaves floating point's reach.
        link = check_number("bandwidth", bandwidth, minimum=MIN_BANDWIDTH)
        delay = check_number("latency", latency, minimum=0.0)
        slice_ = check_number("time_slice", time_slice, minimum=MIN_TIME_SLICE)
        share = check_number("trickle", trickle, minimum=0.0)
        if share >= 1.0:  # S5: foreground jobs need some of the link
            raise ValueError(f"trickle must be a share of the link below 1, got {trickle!r}")
        dispatch = check_number("dispatch_delay", dispatch_delay, minimum=0.0)
        modification = check_number("modification_delay", modification_delay, minimum=0.0)
        timeout = (
            None
            if callback_timeout is None
            else check_number("callback_timeout", callback_timeout, strictly_positive=True)
        )
        progress = check_number("progress_interval", progress_interval, strictly_positive=True)
        if not isinstance(s_ok_only, bool):  # C5: "yes" or 1 is not an answer
            raise TypeError(
                "s_ok_only must be True or False (C5: whether only S_OK, None and True count "
                f"as a callback's success), got {got(s_ok_only)}"
            )
        self.budgets = Budgets.checked(max_events, max_reentries, max_simulated_time, max_wall_time)
        self.env = simpy.Environment(initial_time=0.0)  # a float clock from the start
        #: What the model publishes (see :mod:`bitslab.model.events`); not a BITS name.
        self.events = Events()
        #: The model's timers and clock (see :mod:`bitslab.model.agenda`); not a BITS name.
        self.agenda = Agenda(self.env)
        self.rng = random.Random(self.seed)
        self.network = Network(self.agenda, link, delay, share)
        self.jobs: list[Job] = []
        self.apps: list[App] = []
        #: Which jobs transfer now (see :mod:`bitslab.model.scheduler`); not a BITS name.
        self.scheduler = Scheduler(self.agenda, self.network, self.jobs, slice_)
        self._delivery = Dispatcher(
            self,
            dispatch_delay=dispatch,
            modification_delay=modification,
            callback_timeout=timeout,
            s_ok_only=s_ok_only,
            progress_interval=progress,
            interrupted=self.agenda.interrupt,
        )
        # A state change is counted here first, then raises notifications (C1-C3), then
        # the scheduler reacts (the order of the subscriptions).
        self.events.subscribe(StateChanged, self._job_state_changed)
        self._delivery.subscribe(self.events)
        self.events.subscribe(StateChanged, self.scheduler.on_state_change)
        self.events.subscribe(PriorityChanged, self.scheduler.on_priority_change)
        self._busy = 0  # jobs in QUEUED, CONNECTING, TRANSFERRING or TRANSIENT_ERROR
        self._pending_calls = 0  # call_at functions not yet called
        self._runner = Runner(self, self._quiet)

    @property
    def now(self) -> float:
        """Simulated seconds since the start."""
        return self.agenda.now()

    def __repr__(self) -> str:
        """``<Simulation seed 0 at 2.05 s: 1 job, 0 apps>``: what an error message shows."""
        jobs, apps = len(self.jobs), len(self.apps)
        return (
            f"<Simulation seed {self.seed} at {self.now:g} s: {jobs} job{'s' * (jobs != 1)}, "
            f"{apps} app{'s' * (apps != 1)}>"
        )

    @property
    def time_slice(self) -> float:
        """Seconds of a scheduler slice (S2)."""
        return self.scheduler.time_slice

    @property
    def log(self) -> EventLog:
        """The event log: one entry per notification delivery attempt or decision (D1)."""
        return self._delivery.log

    @property
    def quiet(self) -> bool:
        """True when no job is queued, connecting, transferring or waiting to retry, no
        notification is on its way or in flight (retries waiting for their delay do not
        count), no report of ranges that arrived is still due (R4), and no ``call_at``
        function is still to come: ``run()`` stops here."""
        return self._quiet()

    def _quiet(self) -> bool:
        return self._busy == 0 and self._pending_calls == 0 and self._delivery.quiet

    def create_job(
        self,
        name: str,
        type: JobType = JobType.DOWNLOAD,
        priority: JobPriority = JobPriority.NORMAL,
    ) -> Job:
        """Create a job: SUSPENDED, with no files, priority NORMAL by default (L1)."""
        check_str("name", name)
        job_type = check_enum("type", type, JobType)
        job_priority = check_enum("priority", priority, JobPriority)
        job = Job(self, name, job_type, job_priority)
        self.jobs.append(job)
        return job

    def add_app(self, name: str) -> App:
        """Add an application, running from now (its run 1). See :class:`bitslab.App`."""
        check_str("name", name)
        if any(app.name == name for app in self.apps):
            raise ValueError(f"name {name!r} is taken: this simulation already has that app")
        app = App(self, name)
        self.apps.append(app)
        return app

    def register_program(self, path: str, handler: Handler) -> None:
        """K6: make ``path`` a simulated program; running it calls ``handler(job, parameters)``,
        which returns the exit code (0 is success). No operating-system process is started.

        >>> import bitslab as bl
        >>> sim = bl.Simulation()
        >>> sim.register_program("/usr/bin/notify", lambda job, parameters: 0)
        """
        self._delivery.programs.register(path, handler)

    def run(
        self,
        until: float | None = None,
        *,
        progress: Callable[[Simulation], object] | None = None,
        max_events: int | _Default | None = _DEFAULT,
        max_reentries: int | _Default | None = _DEFAULT,
        max_simulated_time: float | _Default | None = _DEFAULT,
        max_wall_time: float | _Default | None = _DEFAULT,
    ) -> None:
        """Advance simulated time.

        ``until`` is an absolute time; events scheduled exactly at ``until`` have not happened
        yet when ``run`` returns (as in SimPy). With no ``until``, run until quiet (see
        :attr:`quiet`); ``now`` is then the time of the last thing that happened.
        ``progress``, if given, is called with the simulation every
        ``PROGRESS_EVERY`` steps (a SimPy event, or the model's timers due at one moment) and
        once at the end (the command line draws its
        progress bar with it); it changes nothing in the run.

        ``max_events``, ``max_reentries``, ``max_simulated_time`` and ``max_wall_time``
        override the simulation's budgets for this call (None: no limit). A spent budget
        stops the run between two events and raises :class:`~bitslab.RunBudgetError`, which
        names the job and the cycle that kept it busy; the simulation is consistent, and
        ``run()`` again goes on.

        ``run`` cannot be called from a callback or a ``call_at`` function, nor from a second
        thread while it runs (RuntimeError). Ctrl-C stops it between two events
        (KeyboardInterrupt); see the class's notes.

        >>> import bitslab as bl
        >>> sim = bl.Simulation(seed=0)
        >>> job = sim.create_job("j")
        >>> _ = job.add_file("https://example.test/gone", "gone", size=1_000)
        >>> sim.network.fail("https://example.test/gone", 404)
        >>> class Again(bl.Notifier):
        ...     def job_error(self, job, error):
        ...         job.resume()  # C10: a 404 never heals, so this never ends
        >>> job.set_notify_interface(Again())
        >>> job.resume()
        >>> try:
        ...     sim.run(max_reentries=1_000)
        ... except bl.RunBudgetError as error:
        ...     print(error.budget, error.job)
        ...     print(error.cycle)
        max_reentries j
        job 'j' has re-entered ERROR 999 times through job_error -> resume(); see L8, C10
        >>> job.cancel()  # the simulation is consistent: end the cycle, and run on
        >>> sim.run()
        >>> job.state.name, sim.quiet
        ('CANCELLED', True)
        """
        self._runner.check_can_run()
        end = None if until is None else check_number("until", until)
        if progress is not None:
            check_callable("progress", progress)
        mine = self.budgets
        budgets = Budgets.checked(
            mine.max_events if max_events is _DEFAULT else max_events,
            mine.max_reentries if max_reentries is _DEFAULT else max_reentries,
            mine.max_simulated_time if max_simulated_time is _DEFAULT else max_simulated_time,
            mine.max_wall_time if max_wall_time is _DEFAULT else max_wall_time,
        )
        if end is not None and end < self.now:
            raise ValueError(
                f"until={until!r} is before the current time {self.now:g}: "
                "simulated time cannot run backwards"
            )
        self._runner.run(end, budgets, progress)

    def call_at(self, time: float, fn: Callable[..., Any], *args: Any) -> None:
        """Call ``fn(*args)`` at simulated ``time`` (absolute, not before now)."""
        when = check_number("time", time)
        check_callable("fn", fn)
        if when < self.now:
            raise ValueError(
                f"time={time!r} is before the current time {self.now:g}: "
                "call_at cannot schedule in the past"
            )
        self._pending_calls += 1
        self.agenda.at(when, self._call, fn, args)

    def __copy__(self) -> NoReturn:
        raise TypeError(_NO_COPY)

    def __deepcopy__(self, memo: object) -> NoReturn:
        raise TypeError(_NO_COPY)

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError(_NO_COPY)

    # -- internals -------------------------------------------------------------------------

    def _call(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._pending_calls -= 1
        try:
            fn(*args)
        except KeyboardInterrupt:  # Ctrl-C in a call_at function: the run stops once this
            self.agenda.interrupt()  # event has ended, between two events

    def _job_state_changed(self, event: StateChanged) -> None:
        old, new = event.old, event.new
        self._busy += new.is_busy - old.is_busy
        self._runner.count_entry(event)


#: Floors of the model's clock (see the class's notes).
MIN_BANDWIDTH = 1.0
MIN_TIME_SLICE = 0.001

_NO_COPY = (
    "a Simulation cannot be copied or pickled: its timers and callbacks are live code. Build "
    "another with the same seed for the same history, and send results as plain data "
    "(sim.log, sim.log.to_dataframe(), job.history)"
)
