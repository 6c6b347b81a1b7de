"""Simulation: one SimPy environment, one seeded random generator, one network, one BITS service.

All randomness goes through ``sim.rng``, so the same seed gives the same history.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import simpy

from ._check import check_callable, check_enum, check_int, check_number, check_str
from .agenda import Agenda
from .apps import App
from .constants import JobPriority, JobState, JobType
from .jobs import Job
from .log import EventLog
from .network import Network
from .notify.dispatcher import Dispatcher
from .notify.programs import Handler
from .scheduler import Scheduler

__all__ = ["Simulation"]


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
    - ``callback_timeout``: simulated seconds after which BITS gives up on a callback that
      has not returned and counts it as failed (default 60; None waits for ever; C5, C9,
      model choice).
    - ``progress_interval``: the shortest gap between two "bytes transferred" modifications
      while bytes flow (default 0.1); the job's minimum notification interval, usually longer,
      applies on top (C7, model choice).

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
        callback_timeout: float | None = 60.0,
        progress_interval: float = 0.1,
    ) -> None:
        # Negative seeds are refused: random.Random(-n) is random.Random(n), a silent twin.
        self.seed = check_int("seed", seed, minimum=0)
        link = check_number("bandwidth", bandwidth, strictly_positive=True)
        delay = check_number("latency", latency, minimum=0.0)
        slice_ = check_number("time_slice", time_slice, strictly_positive=True)
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
        self.env = simpy.Environment(initial_time=0.0)  # a float clock from the start
        self._agenda = Agenda(self.env)
        self.rng = random.Random(self.seed)
        self.network = Network(self, link, delay, share)
        self._scheduler = Scheduler(self, self.network, slice_)
        self._delivery = Dispatcher(
            self,
            dispatch_delay=dispatch,
            modification_delay=modification,
            callback_timeout=timeout,
            progress_interval=progress,
        )
        self.jobs: list[Job] = []
        self.apps: list[App] = []
        self._busy = 0  # jobs in QUEUED, CONNECTING, TRANSFERRING or TRANSIENT_ERROR
        self._pending_calls = 0  # call_at functions not yet called
        self._runs_ended = 0  # app runs ended so far (I4: a call re-checks its app if this moved)
        self._running = False  # inside run(): a callback must not call run() again

    @property
    def now(self) -> float:
        """Simulated seconds since the start."""
        return self.env.now

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
        return self._scheduler.time_slice

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
    ) -> None:
        """Advance simulated time.

        ``until`` is an absolute time; events scheduled exactly at ``until`` have not happened
        yet when ``run`` returns (as in SimPy). With no ``until``, run until quiet (see
        :attr:`quiet`); ``now`` is then the time of the last thing that happened.
        ``progress``, if given, is called with the simulation every
        ``PROGRESS_EVERY`` steps (a SimPy event, or the model's timers due at one moment) and
        once at the end (the command line draws its
        progress bar with it); it changes nothing in the run.
        ``run`` cannot be called from a callback or a ``call_at`` function (RuntimeError).
        """
        if self._running:
            raise RuntimeError(
                "run() called while the simulation is running (from a notifier callback, an "
                "on_start function or a call_at function): let the running run() go on"
            )
        end = None if until is None else check_number("until", until)
        if progress is not None:
            check_callable("progress", progress)
        if end is not None and end < self.now:
            raise ValueError(
                f"until={until!r} is before the current time {self.now:g}: "
                "simulated time cannot run backwards"
            )
        self._running = True
        try:
            if progress is None:
                self._agenda.drive(end, self._stop(end))
            else:
                steps = 0

                def step() -> None:
                    nonlocal steps
                    steps += 1
                    if steps % self.PROGRESS_EVERY == 0:
                        progress(self)

                self._agenda.drive(end, self._stop(end), step)
            if end is not None and end > self.now:
                self.env.run(until=end)  # nothing is due before end: this moves the clock
        finally:
            self._running = False
        if progress is not None:
            progress(self)

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
        self._at(when, self._call, fn, args)

    # -- internals -------------------------------------------------------------------------

    def _call(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._pending_calls -= 1
        fn(*args)

    def _after(self, delay: float, fn: Callable[..., Any], *args: Any) -> None:
        """Call ``fn(*args)`` after ``delay`` simulated seconds (internal timers)."""
        self._agenda.at(self.env._now + delay, fn, args)

    def _at(self, time: float, fn: Callable[..., Any], *args: Any) -> None:
        """Call ``fn(*args)`` at simulated ``time`` (internal timers; never in the past)."""
        now = self.env._now
        self._agenda.at(time if time > now else now, fn, args)

    def _stop(self, end: float | None) -> Callable[[], bool]:
        """When :meth:`run` stops early: with no ``until``, once the simulation is quiet."""
        return _never if end is not None else self._quiet

    def _job_state_changed(self, job: Job, old: JobState, new: JobState) -> None:
        self._busy += new.is_busy - old.is_busy
        self._delivery.on_state_change(job, old, new)  # raised before the scheduler reacts
        self._scheduler.on_state_change(job, old, new)


def _never() -> bool:
    return False
