"""Simulation: one SimPy environment, one seeded random generator, one network, one BITS service.

All randomness goes through ``sim.rng``, so the same seed gives the same history.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any, NoReturn

import simpy

from ._check import (
    check_callable,
    check_enum,
    check_int,
    check_number,
    check_str,
)
from .budget import (
    DEFAULT_MAX_EVENTS,
    DEFAULT_MAX_REENTRIES,
    SIMULATION_BUDGET,
    Budgets,
    SimulationBudget,
)
from .constants import JobPriority, JobType
from .delivery.dispatcher import Dispatcher
from .delivery.programs import Handler
from .log import EventLog
from .model.agenda import Agenda
from .model.apps import App
from .model.events import Events, PriorityChanged, ServiceStarted, ServiceStopped, StateChanged
from .model.joblist import JobList
from .model.jobs import Job
from .model.network import Network
from .model.scheduler import Scheduler
from .model.servers import Servers
from .model.service import Service
from .parameters import Parameters
from .runner import Runner

__all__ = ["Simulation"]


class Simulation:
    """A simulated machine running BITS, its network, and the applications that use it.

    Model parameters, keyword arguments with defaults (each explained, with its rule, on
    :class:`~bitslab.parameters.Parameters`; ``sim.parameters`` gives them back):
    ``bandwidth`` (bytes per second, L3), ``latency`` (L3), ``time_slice`` (S2),
    ``trickle`` (S5), ``dispatch_delay`` and ``modification_delay`` (C8),
    ``callback_timeout`` (off by default, C9), ``s_ok_only`` (C5), ``progress_interval``
    (C7), ``server_start_delay`` (N2) and ``max_files_per_job`` (L16).

    Budgets of each :meth:`run`: ``max_events``, ``max_reentries``, ``max_simulated_time``,
    ``max_wall_time`` (default 500,000 events, 10,000 re-entries of one job into one state,
    no limit on simulated or wall time; None for no limit); a run that spends one raises
    :class:`~bitslab.RunBudgetError` naming the job and the cycle that kept it busy.
    :meth:`run` takes the same options for one call.

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
        server_start_delay: float = 1.0,
        max_files_per_job: int = 200,
        max_events: int | None = DEFAULT_MAX_EVENTS,
        max_reentries: int | None = DEFAULT_MAX_REENTRIES,
        max_simulated_time: float | None = None,
        max_wall_time: float | None = None,
    ) -> None:
        # Negative seeds are refused: random.Random(-n) is random.Random(n), a silent twin.
        self.seed = check_int("seed", seed, minimum=0)
        #: The model parameters, as checked (see :class:`~bitslab.parameters.Parameters`).
        self.parameters = p = Parameters(
            bandwidth,
            latency,
            time_slice,
            trickle,
            dispatch_delay,
            modification_delay,
            callback_timeout,
            s_ok_only,
            progress_interval,
            server_start_delay,
            max_files_per_job,
        )
        self.budgets = Budgets.checked(max_events, max_reentries, max_simulated_time, max_wall_time)
        self.env = simpy.Environment(initial_time=0.0)  # a float clock from the start
        #: What the model publishes (see :mod:`bitslab.model.events`); not a BITS name.
        self.events = Events()
        #: The model's timers and clock (see :mod:`bitslab.model.agenda`); not a BITS name.
        self.agenda = Agenda(self.env)
        self.rng = random.Random(self.seed)
        self.network = Network(self.agenda, p.bandwidth, p.latency, p.trickle)
        self.jobs = JobList()  # every job ever created, oldest first (and by GUID)
        self.apps: list[App] = []
        #: The callback classes' servers (N2, see :mod:`bitslab.model.servers`); the machine's.
        self.servers = Servers()
        #: Whether the BITS service runs, and its down periods (see
        #: :mod:`bitslab.model.service`, P2, P3); not a BITS name.
        self.service = Service(self.agenda, self.events, self.jobs, self.apps)
        #: Which jobs transfer now (see :mod:`bitslab.model.scheduler`); not a BITS name.
        self.scheduler = Scheduler(self.agenda, self.network, self.jobs, p.time_slice, self.service)
        self._delivery = Dispatcher(self, p, interrupted=self.agenda.interrupt)
        # A state change is counted here first, then raises notifications (C1-C3), then
        # the scheduler reacts (the order of the subscriptions).
        self.events.subscribe(StateChanged, self._job_state_changed)
        self._delivery.subscribe(self.events)
        self.events.subscribe(StateChanged, self.scheduler.on_state_change)
        self.events.subscribe(PriorityChanged, self.scheduler.on_priority_change)
        # P2: delivery hears of a stop or a return before the scheduler does.
        self.events.subscribe(ServiceStopped, self.scheduler.on_service_stopped)
        self.events.subscribe(ServiceStarted, self.scheduler.on_service_started)
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
    def max_files_per_job(self) -> int:
        """L16: the most files a job may hold (the MaxFilesPerJob policy; default 200)."""
        return self.parameters.max_files_per_job

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
        function is still to come: ``run()`` stops here. Jobs queued and notifications waiting
        behind a stopped BITS service are not quiet: the run goes on to its return (P2)."""
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
        self.jobs.add(job)
        return job

    def enum_jobs(self) -> list[Job]:
        """The jobs in BITS's queue, oldest first: every job not ACKNOWLEDGED or CANCELLED
        (IBackgroundCopyManager::EnumJobs). How a restarted application finds its jobs."""
        return self.jobs.queued()

    def get_job(self, job_id: uuid.UUID | str) -> Job:
        """The job whose GUID is ``job_id``, a :class:`uuid.UUID` or its string form
        (IBackgroundCopyManager::GetJob).

        Fails with BG_E_NOT_FOUND for an id no job has and for a job that is ACKNOWLEDGED or
        CANCELLED (it has left the queue); TypeError for another type, ValueError for a str
        that is not a GUID.
        """
        return self.jobs.find(job_id)

    def add_app(self, name: str) -> App:
        """Add an application, running from now (its run 1). See :class:`bitslab.App`."""
        check_str("name", name)
        if any(app.name == name for app in self.apps):
            raise ValueError(f"name {name!r} is taken: this simulation already has that app")
        self.service.require_machine_up(f"add_app({name!r})")  # P3
        app = App(self, name)
        self.apps.append(app)
        return app

    def restart_service(self, start: float, duration: float) -> None:
        """P2: the BITS service stops at simulated ``start`` (absolute, not before now) for
        ``duration`` seconds.

        Jobs keep their files, bytes, flags, command line and properties; every interface is
        lost. Nothing transfers or is delivered until it returns (what fell due meanwhile
        happens then); the API answers as usual (model choice). Periods may overlap. Fails
        with TypeError or ValueError naming ``start`` or ``duration``.

        >>> import bitslab as bl
        >>> sim = bl.Simulation()
        >>> job = sim.create_job("j")
        >>> _ = job.add_file("https://example.test/a", "a", size=2_000_000)
        >>> job.resume()
        >>> sim.restart_service(start=1.0, duration=5.0)
        >>> sim.run()
        >>> [(round(c.time, 2), c.new.name, c.rule) for c in job.history][-4:-1]
        [(1.0, 'QUEUED', 'P2'), (6.0, 'CONNECTING', 'L3'), (6.05, 'TRANSFERRING', 'L3')]
        """
        self.service.restart(start, duration)

    def reboot(self, start: float, duration: float) -> None:
        """P3: the machine reboots at ``start`` for ``duration`` seconds: a service restart
        (P2) during which every application's run ends as a crash (I4) at ``start``, and
        ``app.start()`` or ``add_app`` fails with ValueError naming the reboot. Nothing starts
        an application again when it ends. Errors as :meth:`restart_service`.

        >>> import bitslab as bl
        >>> sim = bl.Simulation()
        >>> app = sim.add_app("downloader")
        >>> sim.reboot(start=10.0, duration=60.0)
        >>> sim.run(until=20.0)
        >>> app.running, [(run.number, run.how, run.end) for run in app.runs]
        (False, [(1, 'crash', 10.0)])
        """
        self.service.reboot(start, duration)

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
        max_events: int | SimulationBudget | None = SIMULATION_BUDGET,
        max_reentries: int | SimulationBudget | None = SIMULATION_BUDGET,
        max_simulated_time: float | SimulationBudget | None = SIMULATION_BUDGET,
        max_wall_time: float | SimulationBudget | None = SIMULATION_BUDGET,
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
            mine.max_events if max_events is SIMULATION_BUDGET else max_events,
            mine.max_reentries if max_reentries is SIMULATION_BUDGET else max_reentries,
            mine.max_simulated_time
            if max_simulated_time is SIMULATION_BUDGET
            else max_simulated_time,
            mine.max_wall_time if max_wall_time is SIMULATION_BUDGET else max_wall_time,
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


_NO_COPY = (
    "a Simulation cannot be copied or pickled: its timers and callbacks are live code. Build "
    "another with the same seed for the same history, and send results as plain data "
    "(sim.log, sim.log.to_dataframe(), job.history)"
)
