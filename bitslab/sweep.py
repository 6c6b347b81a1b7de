"""Sweeps: one scenario run at every point of a grid of its parameters, summarised in one table.

``sweep(restart_story, {"flags": range(64), "crash_at": [2, 4, 8]})`` runs the restart story
192 times and returns a pandas DataFrame with one row per run: the grid's values, then what
``summarize(sim)`` made of the run. The runs go one after another in this process, or to any
:class:`concurrent.futures.Executor`: a process pool (``executor="processes"``), or a Dask
cluster through ``client.get_executor()``. Workers send back summary rows, never simulations,
and every run is seeded, so the table is the same whatever ran it.

A point whose values the scenario refuses becomes a row whose ``error`` column says why; the
sweep goes on. Ctrl-C (KeyboardInterrupt) cancels the work not yet started, and a pool the
sweep made for itself is shut down before the interrupt goes on up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Literal

from ._check import check_bool, check_int, got
from .simulation import Simulation
from .sweeps.plan import Plan, Summarize
from .sweeps.table import count_order, table
from .sweeps.workers import (
    cores,
    each,
    ignore_interrupts,
    progress_bar,
    run_on,
    run_point,
)
from .vocabulary import PENDING

if TYPE_CHECKING:
    import concurrent.futures as cf

    import pandas as pd

    from .scenarios.file import ScenarioFile

__all__ = ["default_summary", "process_pool", "sweep"]


def sweep(
    scenario: Callable[..., Simulation] | ScenarioFile | str | PurePath,
    grid: Mapping[str, Iterable[Any]],
    *,
    summarize: Summarize | None = None,
    executor: cf.Executor | Literal["processes"] | None = None,
    chunksize: int | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Run ``scenario`` at every point of ``grid``; one row per run, in grid order.

    - ``scenario``: a function with keyword arguments that returns a Simulation that has run
      (a ready scenario such as ``bl.scenarios.restart_story``), or a scenario file (a
      :class:`~bitslab.ScenarioFile` or its path), whose grid keys are key paths into the file
      (``job[0].flags``, or a key written once in it, ``flags``; see the how-to guide on sweeps).
    - ``grid``: keyword -> values. The points are the product of the value lists, the last
      keyword varying fastest (``itertools.product``); ``{}`` is one point, the defaults.
    - ``summarize(sim)`` -> a flat mapping of plain values (str, int, float, bool, None) for
      the row. The default, :func:`~bitslab.sweep.default_summary`, counts each callback
      method's outcomes and gives each job's final state and the time it got there.
    - ``executor``: None runs in this process; ``"processes"`` makes a pool of the machine's
      cores for this sweep and shuts it down after; any :class:`concurrent.futures.Executor`
      (a ``ProcessPoolExecutor``, Dask's ``client.get_executor()``) is used as it is. Runs go
      to it in chunks of ``chunksize`` points (default: about 1% of the grid, at most 64).
      For an executor that runs in other processes, ``scenario`` and ``summarize`` must
      pickle: a lambda or a function defined inside another is refused before anything runs.
    - ``progress``: a progress bar (tqdm's: a widget in Jupyter, text on a terminal) counting
      the runs and their rate; None shows it in Jupyter or on a terminal, False never.

    The table has the grid's columns, then the summary's (in the order they first appear),
    then ``error``: empty (``<NA>``) where the run went well, else what went wrong at that
    point (its summary cells are then empty); the other points still run. The same grid
    gives the same table whatever the executor: every run is seeded (the scenario's
    ``seed``).

    KeyboardInterrupt cancels the runs not yet started and is raised again; a pool made for
    ``"processes"`` is shut down first, so no worker process is left behind.

    >>> import bitslab as bl
    >>> table = bl.sweep(
    ...     bl.scenarios.restart_story, {"reregister": [True, False]}, progress=False
    ... )
    >>> table[["reregister", "nightly.state", "file_transferred.delivered"]].values.tolist()
    [[True, 'ACKNOWLEDGED', 3], [False, 'TRANSFERRED', 1]]
    >>> bool(table["error"].isna().all())
    True
    """
    import concurrent.futures as cf  # here, not at the top: `import bitslab` stays quick

    plan = Plan.make(scenario, grid, summarize, default_summary)
    size = None if chunksize is None else check_int("chunksize", chunksize, minimum=1)
    shown = None if progress is None else check_bool("progress", progress)
    if executor is not None and not isinstance(executor, cf.Executor | str):
        raise TypeError(
            'executor must be None, "processes" or a concurrent.futures.Executor '
            f"(such as Dask's client.get_executor()), got {got(executor)}"
        )
    if isinstance(executor, str) and executor != "processes":
        raise ValueError(
            f'executor must be None, "processes" or a concurrent.futures.Executor, got {executor!r}'
        )
    if executor is not None and not isinstance(executor, cf.ThreadPoolExecutor):
        plan.check_picklable()
    points = plan.points()
    with progress_bar(len(points), shown) as bar:
        if executor is None:
            rows = [
                run_point(plan.scenario, plan.summarize, plan.names, p) for p in each(points, bar)
            ]
        elif executor == "processes":
            with process_pool(max(1, min(cores(), len(points)))) as pool:
                try:
                    rows = run_on(pool, plan, points, size, bar)
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
        else:
            assert isinstance(executor, cf.Executor)
            rows = run_on(executor, plan, points, size, bar)
    return table(plan.names, points, rows, tidy=summarize is None)


def default_summary(sim: Simulation) -> dict[str, Any]:
    """The default summary row of a run: counts and final states.

    - ``{method}.{outcome}``: how many of the run's notifications of that callback method
      ended with that outcome (their final log entry, D1), all jobs together; ``pending``
      counts those still pending when the run ended (waiting for a retry, C5).
    - ``{job}.state`` and ``{job}.time``: each job's last state and when it got there.

    >>> import bitslab as bl
    >>> row = default_summary(bl.scenarios.restart_story())
    >>> row["job_transferred.delivered"], row["nightly.state"], row["nightly.time"]
    (1, 'ACKNOWLEDGED', 30.0)
    """
    counts: dict[tuple[str, str], int] = {}
    for entry in sim.log:
        if entry.final:
            counts[entry.method, entry.outcome] = counts.get((entry.method, entry.outcome), 0) + 1
    for waiting in sim.log.pending():
        counts[waiting.method, PENDING] = counts.get((waiting.method, PENDING), 0) + 1
    row: dict[str, Any] = {f"{method}.{outcome}": n for (method, outcome), n in sorted(
        counts.items(), key=lambda item: count_order(*item[0])
    )}  # fmt: skip
    for job in sim.jobs:
        last = job.history[-1]
        row[f"{job.name}.state"] = last.new.name
        row[f"{job.name}.time"] = last.time
    return row


def process_pool(workers: int | None = None) -> cf.ProcessPoolExecutor:
    """A process pool of ``workers`` processes (default: the cores this process may use)
    whose workers ignore Ctrl-C: the sweep in the main process handles it, cancels what has
    not started and shuts the pool down, instead of every worker printing a traceback."""
    import concurrent.futures as cf

    count = cores() if workers is None else check_int("workers", workers, minimum=1)
    return cf.ProcessPoolExecutor(max_workers=count, initializer=ignore_interrupts)
