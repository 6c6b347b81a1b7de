"""Run budgets: a run always ends, and says why when it ends early.

``run()`` without ``until`` goes on until the simulation is quiet. A world that never becomes
quiet (a ``job_error`` that calls ``resume()`` on a job whose server answers 404, a file of
2**63 bytes, a time slice too short to matter) would run for ever, so every run has budgets:

- ``max_events``: entries of the model's agenda and SimPy events one ``run()`` may process
  (default :data:`DEFAULT_MAX_EVENTS`, over a hundred times what the largest classroom
  scenario needs);
- ``max_reentries``: times one job may enter one state in one ``run()`` (default
  :data:`DEFAULT_MAX_REENTRIES`): a cycle such as job_error -> resume() -> 404 -> ERROR
  spends it within a second;
- ``max_simulated_time``: simulated seconds one ``run()`` may advance (default None: no
  limit);
- ``max_wall_time``: seconds of the wall clock one ``run()`` may take (default None).

A spent budget stops the run between two events and raises :class:`RunBudgetError`, whose
message names the job and the cycle that kept it busy (:func:`diagnose`). The simulation is
consistent: it can be inspected, and ``run()`` again goes on with fresh budgets.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, NamedTuple

from ._check import check_int, check_number, safe_text
from .constants import JobState

if TYPE_CHECKING:
    from .model.jobs import Job, StateChange
    from .simulation import Simulation

__all__ = [
    "DEFAULT_MAX_EVENTS",
    "DEFAULT_MAX_REENTRIES",
    "SIMULATION_BUDGET",
    "Budgets",
    "RunBudgetError",
    "RunMark",
    "SimulationBudget",
    "diagnose",
]


class SimulationBudget:
    """The type of :data:`SIMULATION_BUDGET`: a ``run()`` budget not given, so the
    simulation's own applies."""

    def __repr__(self) -> str:
        return "<the simulation's budget>"


#: A ``run()`` budget not given: the simulation's own applies.
SIMULATION_BUDGET = SimulationBudget()

#: The default event budget of one ``run()``. The largest scenario the project ships
#: (benchmarks/workloads.py's busy_machine: 300 jobs, 3,000 files, an outage and a failing
#: server) processes about 19,000 events; a classroom scenario (the examples, the ready
#: scenarios, the notebooks) at most a few hundred. At the model's speed (30,000 to 150,000
#: events a second) the budget is spent within seconds.
DEFAULT_MAX_EVENTS = 500_000

#: The default of ``max_reentries``: no shipped scenario has a job enter one state more than
#: a few dozen times in a run.
DEFAULT_MAX_REENTRIES = 10_000

#: A job whose state changed at least this often in one run is looked at for a cycle.
_CYCLE_MIN = 20

S = JobState
#: Transitions an API call makes (from a callback, a call_at or on_start function), and the
#: call: the cycle is named by the state the application reacts to (the old one).
_API = {
    (S.ERROR, S.QUEUED, "L8"): "resume()",
    (S.SUSPENDED, S.QUEUED, "L2"): "resume()",
    (S.TRANSFERRED, S.QUEUED, "L3"): "add_file()",
    **{(old, S.SUSPENDED, "L9"): "suspend()" for old in S},
}
#: Transitions the model makes itself, how they read, and the state they name.
_MODEL = {
    "S1": ("preemption (S1)", "new"),
    "S2": ("time slices (S2)", "new"),
    "S3": ("the foreground's turn (S3)", "new"),
    "L4": ("reconnection (L4)", "old"),
    "L5": ("the retry delay or resume() (L5)", "old"),
}
#: The callback a job gets on entering a state (C1, C2, C3).
_CALLBACK = {S.ERROR: "job_error", S.TRANSFERRED: "job_transferred"}


class RunBudgetError(RuntimeError):
    """``run()`` spent a budget before the simulation became quiet.

    ``budget`` is the option that was spent (``"max_events"``, ``"max_reentries"``,
    ``"max_simulated_time"`` or ``"max_wall_time"``), ``limit`` its value, ``job`` the name
    of the job blamed (or None) and ``cycle`` what keeps the run going. The simulation
    stopped between two events: it is consistent, and ``run()`` again goes on.
    """

    def __init__(
        self, message: str, *, budget: str, limit: float, job: str | None, cycle: str
    ) -> None:
        super().__init__(message)
        self.budget = budget
        self.limit = limit
        self.job = job
        self.cycle = cycle

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (str(self), self.budget, self.limit, self.job, self.cycle))


def _rebuild(
    message: str, budget: str, limit: float, job: str | None, cycle: str
) -> RunBudgetError:
    return RunBudgetError(message, budget=budget, limit=limit, job=job, cycle=cycle)


class Budgets(NamedTuple):
    """The budgets of a run; None means no limit."""

    max_events: int | None
    max_reentries: int | None
    max_simulated_time: float | None
    max_wall_time: float | None

    @classmethod
    def checked(
        cls,
        max_events: object,
        max_reentries: object,
        max_simulated_time: object,
        max_wall_time: object,
    ) -> Budgets:
        """Each budget is None or a positive number (the counts whole ones)."""
        events = None if max_events is None else check_int("max_events", max_events, minimum=1)
        entries = (
            None if max_reentries is None else check_int("max_reentries", max_reentries, minimum=1)
        )
        simulated = (
            None
            if max_simulated_time is None
            else check_number("max_simulated_time", max_simulated_time, strictly_positive=True)
        )
        wall = (
            None
            if max_wall_time is None
            else check_number("max_wall_time", max_wall_time, strictly_positive=True)
        )
        return cls(events, entries, simulated, wall)


class RunMark(NamedTuple):
    """Where a run began: what :func:`diagnose` compares the end with."""

    time: float
    log_length: int
    histories: dict[Job, int]


def mark(sim: Simulation) -> RunMark:
    """The simulation's position at the start of a run."""
    return RunMark(sim.now, len(sim.log), {job: len(job.history) for job in sim.jobs})


def diagnose(sim: Simulation, start: RunMark, *, stuck: bool) -> tuple[str | None, str]:
    """``(job name or None, what keeps the run going)``, from the run's public record.

    A job that keeps changing state is in a cycle: named by the state it re-enters most,
    how it leaves it and which callback led there (``"job 'j' has re-entered ERROR 10,000
    times through job_error -> resume(); see L8, C10"``). Otherwise, a clock that stopped
    (``stuck``: a batch at one moment never ended) or the busy job furthest from done.
    """
    job, changes = _busiest(sim, start)
    if job is not None and changes > _CYCLE_MIN:
        return job.name, _cycle(sim, job, job.history[-changes:], start)
    if stuck:
        return None, (
            f"simulated time is stuck at {sim.now:g} s, where a step shorter than "
            f"{math.ulp(sim.now):.3g} s vanishes in floating point (time_slice is "
            f"{sim.time_slice:g} s)"
        )
    busy = [job for job in sim.jobs if job.state.is_busy]
    if busy:
        job = max(busy, key=_bytes_left)
        progress = job.progress
        total = (
            "an unknown number of" if _bytes_left(job) == math.inf else f"{progress.bytes_total:,}"
        )
        return job.name, (
            f"job {safe_text(job.name)} is still {job.state.name}: "
            f"{progress.bytes_transferred:,} of {total} bytes after "
            f"{sim.now - start.time:g} simulated seconds of this run"
        )
    pending = sim.log.pending()
    if pending:
        first = pending[0]
        return first.job.name, (
            f"{len(pending):,} notifications are still pending, the first "
            f"#{first.id} {first.method} of job {safe_text(first.job.name)} ({first.status})"
        )
    return None, "call_at functions are still to come"


def _busiest(sim: Simulation, start: RunMark) -> tuple[Job | None, int]:
    best: Job | None = None
    most = 0
    for job in sim.jobs:
        changes = len(job.history) - start.histories.get(job, 1)
        if changes > most:
            best, most = job, changes
    return best, most


def _bytes_left(job: Job) -> float:
    total, done = job.progress.bytes_total, job.progress.bytes_transferred
    return math.inf if total >= 2**64 - 1 else total - done  # BG_SIZE_UNKNOWN (L14)


def _cycle(sim: Simulation, job: Job, window: list[StateChange], start: RunMark) -> str:
    """Name a job's cycle by the transition that drives it: an API call if there is one
    (``job_error -> resume()``), else the model's own reason (``time slices (S2)``)."""
    moves = Counter((change.old, change.new, change.rule) for change in window)
    entered = Counter(change.new for change in window)
    api = [move for move in moves.most_common() if move[0] in _API]
    model = [move for move in moves.most_common() if move[0][2] in _MODEL]
    rules: list[str] = []
    if api:
        (old, new, rule), _ = api[0]
        assert old is not None
        state, how = old, _API[old, new, rule]
        callback = _CALLBACK.get(state, "job_modification")
        delivered = any(
            entry.job is job and entry.method == callback and entry.outcome == "delivered"
            for entry in sim.log[start.log_length :]
        )
        rules.append(rule)
        if delivered:
            how = f"{callback} -> {how}"
            rules.append("C10")
    elif model:
        (old, new, rule), _ = model[0]
        how, which = _MODEL[rule]
        state = new if which == "new" or old is None else old
        rules.append(rule)
    else:
        (old, new, rule), _ = moves.most_common(1)[0]
        state, how = new, f"rule {rule}"
        rules.append(rule)
    count = entered[state] - 1  # the first entry of the run is not a re-entry
    return (
        f"job {safe_text(job.name)} has re-entered {state.name} {count:,} times through "
        f"{how}; see {', '.join(rules)}"
    )
