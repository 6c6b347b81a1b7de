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

import difflib
import inspect
import itertools
import math
import numbers
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Literal

from ._check import check_bool, check_int, got, safe_text
from .log import OUTCOMES
from .simulation import Simulation
from .vocabulary import PENDING as _PENDING
from .vocabulary import Method

if TYPE_CHECKING:
    import concurrent.futures as cf

    import pandas as pd

    from .scenarios.file import ScenarioFile

__all__ = ["default_summary", "process_pool", "sweep"]

Summarize = Callable[[Simulation], Mapping[str, Any]]
Row = dict[str, Any]

#: Chunks are at most this many runs: enough to make a task's overhead negligible (about
#: 0.3 ms a task in a process pool, for runs of about 1.4 ms), few enough to balance the load.
MAX_CHUNK = 64

#: The column that says why a point failed (None where it did not).
ERROR = "error"

#: What a summary row may hold: values that pickle, compare and go into a table as they are.
_PLAIN = (str, bool, int, float, type(None), numbers.Number)


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

    plan = _Plan.make(scenario, grid, summarize)
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
    with _bar(len(points), shown) as bar:
        if executor is None:
            rows = [
                _run_point(plan.scenario, plan.summarize, plan.names, p) for p in _each(points, bar)
            ]
        elif executor == "processes":
            with process_pool(max(1, min(_cores(), len(points)))) as pool:
                try:
                    rows = _run_on(pool, plan, points, size, bar)
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
        else:
            assert isinstance(executor, cf.Executor)
            rows = _run_on(executor, plan, points, size, bar)
    return _table(plan.names, points, rows, tidy=summarize is None)


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
        counts[waiting.method, _PENDING] = counts.get((waiting.method, _PENDING), 0) + 1
    row: dict[str, Any] = {f"{method}.{outcome}": n for (method, outcome), n in sorted(
        counts.items(), key=lambda item: _count_order(*item[0])
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

    count = _cores() if workers is None else check_int("workers", workers, minimum=1)
    return cf.ProcessPoolExecutor(max_workers=count, initializer=_ignore_interrupts)


# -- the plan: what runs at each point ----------------------------------------------------------


class _Plan:
    """A checked sweep: the function to call at each point, its grid and its summary."""

    def __init__(
        self,
        scenario: Callable[..., Simulation],
        names: list[str],
        values: list[list[Any]],
        summarize: Summarize,
    ) -> None:
        self.scenario = scenario
        self.names = names
        self.values = values
        self.summarize = summarize

    @classmethod
    def make(cls, scenario: object, grid: object, summarize: Summarize | None) -> _Plan:
        names, values = _check_grid(grid)
        if summarize is not None and not callable(summarize):
            raise TypeError(f"summarize must be a function of the simulation, got {got(summarize)}")
        from .scenarios.file import ScenarioFile  # imported when needed: see bitslab/__init__
        from .scenarios.sweepfile import FileScenario

        if isinstance(scenario, str | PurePath | ScenarioFile):
            function: Callable[..., Simulation] = FileScenario.make(scenario, names, values)
        elif callable(scenario):
            _check_keywords(scenario, names)
            function = scenario
        else:
            raise TypeError(
                "scenario must be a function that returns a Simulation (such as "
                "bl.scenarios.restart_story), a ScenarioFile or the path of a scenario file, "
                f"got {got(scenario)}"
            )
        return cls(function, names, values, summarize or default_summary)

    def points(self) -> list[tuple[Any, ...]]:
        return list(itertools.product(*self.values))

    def check_picklable(self) -> None:
        """Refuse, before anything runs, what another process could not receive."""
        import pickle

        for name, value in (("scenario", self.scenario), ("summarize", self.summarize)):
            try:
                pickle.dumps(value)
            except Exception as error:
                raise TypeError(
                    f"{name} {_name_of(value)} cannot be sent to worker processes "
                    f"({type(error).__name__}: {safe_text(error, limit=120, use_str=True)}): "
                    "define it at module level (a def in a module, not a lambda or a function "
                    "inside another), or run the sweep with executor=None"
                ) from None
        for name, values in zip(self.names, self.values, strict=True):
            try:
                pickle.dumps(values)
            except Exception as error:
                raise TypeError(
                    f"grid[{name!r}] holds a value that cannot be sent to worker processes "
                    f"({type(error).__name__}: {safe_text(error, limit=120, use_str=True)})"
                ) from None


def _check_grid(grid: object) -> tuple[list[str], list[list[Any]]]:
    if not isinstance(grid, Mapping):
        raise TypeError(f"grid must be a dict of keyword -> list of values, got {got(grid)}")
    names: list[str] = []
    values: list[list[Any]] = []
    for name, given in grid.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"grid keys must be keyword names (str), got {got(name)}")
        if name == ERROR:
            raise ValueError(f"grid key {name!r} is taken: the table's {ERROR!r} column")
        if isinstance(given, str | bytes) or not isinstance(given, Iterable):
            raise TypeError(
                f"grid[{name!r}] must be a list of values, got {got(given)}"
                f" (for one value, write [{safe_text(given)}])"
            )
        listed = list(given)
        if not listed:
            raise ValueError(f"grid[{name!r}] must hold at least one value, got none")
        names.append(name)
        values.append(listed)
    return names, values


def _check_keywords(scenario: Callable[..., Any], names: Sequence[str]) -> None:
    """Each grid key must be a keyword argument of the scenario function."""
    try:
        parameters = inspect.signature(scenario).parameters
    except (TypeError, ValueError):  # a builtin without a signature: let the call decide
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    keywords = [
        name
        for name, p in parameters.items()
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    ]
    for name in names:
        if name not in keywords:
            near = difflib.get_close_matches(name, keywords, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise TypeError(
                f"grid[{name!r}]: {_name_of(scenario)} has no keyword argument {name!r}{hint}"
                f" (its keywords: {', '.join(keywords)})"
            )


def _name_of(value: object) -> str:
    """A function's module and name, for messages (never a repr with a memory address)."""
    name = getattr(value, "__qualname__", None) or type(value).__qualname__
    module = getattr(value, "__module__", None)
    return f"{module}.{name}" if module and module != "builtins" else str(name)


# -- running ------------------------------------------------------------------------------------


def _run_point(
    scenario: Callable[..., Simulation],
    summarize: Summarize,
    names: Sequence[str],
    point: Sequence[Any],
) -> Row:
    """One run and its summary row; a failure is the row's ``error``, never raised."""
    step = "scenario"
    try:
        sim = scenario(**dict(zip(names, point, strict=True)))
        if not isinstance(sim, Simulation):
            raise TypeError(f"returned {got(sim)}, not a Simulation")
        step = "summarize"
        return _plain_row(summarize(sim), names)
    except Exception as error:
        return {
            ERROR: f"{step}: {type(error).__name__}: {safe_text(error, limit=300, use_str=True)}"
        }


def _run_chunk(
    scenario: Callable[..., Simulation],
    summarize: Summarize,
    names: Sequence[str],
    points: Sequence[Sequence[Any]],
) -> list[Row]:
    """What a worker does: the rows of a chunk of points (plain dicts, cheap to send back)."""
    return [_run_point(scenario, summarize, names, point) for point in points]


def _plain_row(row: object, names: Sequence[str]) -> Row:
    """Check what ``summarize`` returned: a flat mapping of plain values, no grid column."""
    if not isinstance(row, Mapping):
        raise TypeError(f"returned {got(row)}, not a mapping of column -> value")
    plain: Row = {}
    for key, value in row.items():
        if not isinstance(key, str):
            raise TypeError(f"returned a column name that is not a str: {got(key)}")
        if key in names or key == ERROR:
            raise ValueError(f"returned the column {key!r}, which is the grid's or the table's")
        if not isinstance(value, _PLAIN):
            raise TypeError(
                f"returned {got(value)} for {key!r}: a row holds plain values "
                "(str, int, float, bool or None)"
            )
        plain[sys.intern(key)] = value  # one object per column name: pickled once per chunk
    return plain


def _run_on(
    executor: cf.Executor,
    plan: _Plan,
    points: list[tuple[Any, ...]],
    chunksize: int | None,
    bar: Any,
) -> list[Row]:
    """Submit the points in chunks; gather rows in grid order as chunks finish."""
    import concurrent.futures as cf

    size = chunksize or max(1, min(MAX_CHUNK, math.ceil(len(points) / 100)))
    chunks = [points[start : start + size] for start in range(0, len(points), size)]
    futures: dict[cf.Future[list[Row]], int] = {}
    done: list[list[Row]] = [[] for _ in chunks]
    if not isinstance(executor, cf.ThreadPoolExecutor):
        _probe(executor, plan)
    try:
        for index, chunk in enumerate(chunks):
            future = executor.submit(_run_chunk, plan.scenario, plan.summarize, plan.names, chunk)
            futures[future] = index
        for future in cf.as_completed(futures):
            index = futures[future]
            try:
                done[index] = future.result()
            except Exception as error:  # the worker itself failed (died, or could not load)
                reason = (
                    f"worker: {type(error).__name__}: {safe_text(error, limit=300, use_str=True)}"
                )
                done[index] = [{ERROR: reason} for _ in chunks[index]]
            bar.update(len(chunks[index]))
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return [row for rows in done for row in rows]


def _probe(executor: cf.Executor, plan: _Plan) -> None:
    """Send the scenario and the summary to a worker once, before any run: a worker that
    cannot load them (a function of a notebook's ``__main__`` under spawn, a module the
    cluster lacks) is found here, with one clear message, not once per chunk."""
    try:
        executor.submit(_received, plan.scenario, plan.summarize).result()
    except Exception as error:
        where = [
            f"; {name} is defined in __main__ (a notebook or an interactive session), which "
            "workers started by spawn or forkserver cannot import"
            for name, value in (("scenario", plan.scenario), ("summarize", plan.summarize))
            if getattr(value, "__module__", None) == "__main__"
        ]
        hint = where[0] if where else ""
        raise TypeError(
            f"the executor's workers cannot load scenario {_name_of(plan.scenario)} and "
            f"summarize {_name_of(plan.summarize)} ({type(error).__name__}: "
            f"{safe_text(error, limit=200, use_str=True)}){hint}: define them at module level "
            "in a module the workers can import"
        ) from None


def _received(*functions: object) -> bool:
    """The probe's task: arriving was the test."""
    return True


def _each(points: list[tuple[Any, ...]], bar: Any) -> Iterable[tuple[Any, ...]]:
    for point in points:
        yield point
        bar.update(1)


def _cores() -> int:
    """The cores this process may run on (its affinity), as a process pool should use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS and Windows have no affinity call
        return os.cpu_count() or 1


def _ignore_interrupts() -> None:
    """A pool worker's initializer: Ctrl-C is for the main process to handle."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def _bar(total: int, shown: bool | None) -> Any:
    """tqdm's auto bar (a widget in Jupyter, text on a terminal; None: only there)."""
    if shown is False:
        return _NoBar()
    from tqdm.auto import tqdm

    # No monitor thread (tqdm starts one per program to watch for stalled bars): a thread
    # left running would make the next fork of a process pool unsafe (Python 3.12 warns).
    bar = type("SweepBar", (tqdm,), {"monitor_interval": 0})
    return bar(total=total, unit="run", desc="sweep", disable=None if shown is None else False)


# -- the table ----------------------------------------------------------------------------------


def _count_order(method: str, outcome: str) -> tuple[int, int]:
    """Default-summary columns in a fixed order: methods as BITS lists them, outcomes as D1
    checks them, then pending."""
    methods = [method.value for method in Method]
    outcomes = [*OUTCOMES, _PENDING]
    return (
        methods.index(method) if method in methods else len(methods),
        outcomes.index(outcome) if outcome in outcomes else len(outcomes),
    )


def _table(
    names: list[str], points: list[tuple[Any, ...]], rows: list[Row], *, tidy: bool
) -> pd.DataFrame:
    """The grid's columns, the summary's (in order of first appearance; the default
    summary's counts in a fixed order, 0 where a run had none), then ``error``. A summary
    column of whole numbers stays whole (pandas' Int64) in rows that failed."""
    import pandas as pd

    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(key for key in row if key != ERROR))
    summary = list(columns)
    counts: list[str] = []
    if tidy:
        counts = sorted(
            (c for c in summary if c.rsplit(".", 1)[-1] in (*OUTCOMES, _PENDING)),
            key=lambda c: _count_order(*c.rsplit(".", 1)),
        )
        summary = counts + [c for c in summary if c not in counts]
    data: dict[str, Any] = {name: [p[i] for p in points] for i, name in enumerate(names)}
    for column in summary:
        cells = [row.get(column, 0 if column in counts and ERROR not in row else None)
                 for row in rows]  # fmt: skip
        whole = all(c is None or (isinstance(c, int) and not isinstance(c, bool)) for c in cells)
        data[column] = pd.Series(cells, dtype="Int64") if whole and None in cells else cells
    data[ERROR] = pd.Series([row.get(ERROR) for row in rows], dtype="string")
    table: pd.DataFrame = pd.DataFrame(data)
    return table
