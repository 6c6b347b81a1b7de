"""Running a simulation: one ``run()`` at a time, in one thread, within budgets, and Ctrl-C
between two events.

:class:`Runner` is the part of :class:`~bitslab.Simulation` behind :meth:`Simulation.run`: it
drives the agenda (:meth:`bitslab.model.agenda.Agenda.drive`) until the run's end, counts each
job's entries into each state (``max_reentries``), turns a spent budget into
:class:`~bitslab.RunBudgetError`, and installs the SIGINT handler of a run in the main thread.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from math import inf
from typing import TYPE_CHECKING, NoReturn

from .budget import Budgets, RunBudgetError, RunMark, diagnose, mark
from .constants import JobState

if TYPE_CHECKING:
    from .model.events import StateChanged
    from .model.jobs import Job
    from .simulation import Simulation

__all__ = ["Runner"]


class Runner:
    """Runs one simulation (see the module's docstring)."""

    def __init__(self, sim: Simulation, quiet: Callable[[], bool]) -> None:
        self._sim = sim
        self._quiet = quiet  # the simulation's test that a run without until may stop
        self._running = False  # inside run(): a callback must not call run() again
        self._thread: int | None = None  # the thread inside run()
        self._broken: str | None = None  # why run() cannot go on, once it cannot
        self._entries: dict[tuple[Job, JobState], int] = {}  # entries into states this run
        self._max_entries = 0  # max_reentries of the run under way (0: not counted)

    def check_can_run(self) -> None:
        """Refuse a run from a callback, from a second thread, or after a torn interrupt."""
        if self._running:
            if self._thread != threading.get_ident():
                raise RuntimeError(
                    "run() called from another thread while this simulation is running: a "
                    "Simulation is single-threaded; give each thread its own"
                )
            raise RuntimeError(
                "run() called while the simulation is running (from a notifier callback, an "
                "on_start function or a call_at function): let the running run() go on"
            )
        if self._broken is not None:
            raise RuntimeError(f"this simulation cannot run again: {self._broken}")

    def run(
        self,
        end: float | None,
        budgets: Budgets,
        progress: Callable[[Simulation], object] | None,
    ) -> None:
        """Run until ``end`` (None: until quiet) within ``budgets``; see Simulation.run."""
        sim = self._sim
        agenda = sim.agenda
        start = mark(sim)
        horizon = end
        if budgets.max_simulated_time is not None:
            cap = sim.now + budgets.max_simulated_time
            if horizon is None or cap < horizon:
                horizon = cap
        step: Callable[[], None] | None = None
        if progress is not None:
            steps = 0

            def step() -> None:
                nonlocal steps
                steps += 1
                if steps % sim.PROGRESS_EVERY == 0:
                    progress(sim)

        try:
            self._running = True
            self._thread = threading.get_ident()
            self._entries.clear()
            self._max_entries = budgets.max_reentries or 0
            with self._sigint():
                spent = agenda.drive(
                    horizon,
                    _never if end is not None else self._quiet,
                    step,
                    max_events=inf if budgets.max_events is None else budgets.max_events,
                    wall_deadline=inf
                    if budgets.max_wall_time is None
                    else time.monotonic() + budgets.max_wall_time,
                )
                if spent is None and horizon is not end:  # the horizon came first: is
                    upcoming = agenda.next_time()  # anything left before until, or quiet?
                    if upcoming < (inf if end is None else end) and not (
                        end is None and self._quiet()
                    ):
                        spent = "max_simulated_time"
                if spent is None and end is not None and end > sim.now:
                    sim.env.run(until=end)  # nothing is due before end: this moves the clock
                agenda.raise_interrupt()  # a Ctrl-C that came after the last event
        except KeyboardInterrupt:
            if agenda.torn:
                self._broken = (
                    f"a KeyboardInterrupt stopped it in the middle of an event at "
                    f"{sim.now:g} s, so its state may be inconsistent; build it again (the "
                    "same seed gives the same history)"
                )
            raise
        finally:
            self._running = False
            self._thread = None
            self._max_entries = 0
            self._entries.clear()  # counted for this run alone: nothing keeps them after it
        if spent is not None:
            self._out_of_budget(spent, getattr(budgets, spent), start)
        if progress is not None:
            progress(sim)

    def count_entry(self, event: StateChanged) -> None:
        """max_reentries: a job that keeps coming back into one state is in a cycle."""
        if self._max_entries:
            key = (event.job, event.new)
            count = self._entries[key] = self._entries.get(key, 0) + 1
            if count > self._max_entries:  # its first entry in this run was no re-entry
                self._sim.agenda.stop_soon("max_reentries")

    # -- internals -------------------------------------------------------------------------

    def _out_of_budget(self, spent: str, limit: float, start: RunMark) -> NoReturn:
        sim = self._sim
        job, cycle = diagnose(sim, start, stuck=sim.agenda.cut_short)
        shown = f"{limit:g} s" if spent.endswith("_time") else f"{limit:,}"
        raise RunBudgetError(
            f"run() spent {spent}={shown} at {sim.now:g} s without becoming quiet: {cycle}. "
            "It stopped between two events: inspect the simulation, or run() again to go on",
            budget=spent,
            limit=limit,
            job=job,
            cycle=cycle,
        )

    @contextmanager
    def _sigint(self) -> Iterator[None]:
        """During run(), in the main thread, Ctrl-C stops the run between two events: the
        first SIGINT asks the agenda to interrupt; a second before then interrupts at once.
        Another handler than Python's default one (a notebook kernel's) is left alone."""
        if (
            threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        ):
            yield
            return
        asked = False
        agenda = self._sim.agenda

        def handler(signum: int, frame: object) -> None:
            nonlocal asked
            if asked:  # the user insists: stop now, wherever the run is
                raise KeyboardInterrupt
            asked = True
            agenda.interrupt()

        signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def _never() -> bool:
    return False
