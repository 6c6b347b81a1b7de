"""Running a sweep's points: in this process, or in chunks on an executor's workers."""

from __future__ import annotations

import math
import numbers
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._check import got, safe_text
from ..simulation import Simulation
from .plan import ERROR, Plan, Row, Summarize, name_of

if TYPE_CHECKING:
    import concurrent.futures as cf

__all__ = [
    "MAX_CHUNK",
    "NoBar",
    "cores",
    "each",
    "ignore_interrupts",
    "progress_bar",
    "run_chunk",
    "run_on",
    "run_point",
]

#: Chunks are at most this many runs: enough to make a task's overhead negligible (about
#: 0.3 ms a task in a process pool, for runs of about 1.4 ms), few enough to balance the load.
MAX_CHUNK = 64

#: What a summary row may hold: values that pickle, compare and go into a table as they are.
_PLAIN = (str, bool, int, float, type(None), numbers.Number)


def run_point(
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
        return plain_row(summarize(sim), names)
    except Exception as error:
        return {
            ERROR: f"{step}: {type(error).__name__}: {safe_text(error, limit=300, use_str=True)}"
        }


def run_chunk(
    scenario: Callable[..., Simulation],
    summarize: Summarize,
    names: Sequence[str],
    points: Sequence[Sequence[Any]],
) -> list[Row]:
    """What a worker does: the rows of a chunk of points (plain dicts, cheap to send back)."""
    return [run_point(scenario, summarize, names, point) for point in points]


def plain_row(row: object, names: Sequence[str]) -> Row:
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


def run_on(
    executor: cf.Executor,
    plan: Plan,
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
        probe(executor, plan)
    try:
        for index, chunk in enumerate(chunks):
            future = executor.submit(run_chunk, plan.scenario, plan.summarize, plan.names, chunk)
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


def probe(executor: cf.Executor, plan: Plan) -> None:
    """Send the scenario and the summary to a worker once, before any run: a worker that
    cannot load them (a function of a notebook's ``__main__`` under spawn, a module the
    cluster lacks) is found here, with one clear message, not once per chunk."""
    try:
        executor.submit(received, plan.scenario, plan.summarize).result()
    except Exception as error:
        where = [
            f"; {name} is defined in __main__ (a notebook or an interactive session), which "
            "workers started by spawn or forkserver cannot import"
            for name, value in (("scenario", plan.scenario), ("summarize", plan.summarize))
            if getattr(value, "__module__", None) == "__main__"
        ]
        hint = where[0] if where else ""
        raise TypeError(
            f"the executor's workers cannot load scenario {name_of(plan.scenario)} and "
            f"summarize {name_of(plan.summarize)} ({type(error).__name__}: "
            f"{safe_text(error, limit=200, use_str=True)}){hint}: define them at module level "
            "in a module the workers can import"
        ) from None


def received(*functions: object) -> bool:
    """The probe's task: arriving was the test."""
    return True


def each(points: list[tuple[Any, ...]], bar: Any) -> Iterable[tuple[Any, ...]]:
    for point in points:
        yield point
        bar.update(1)


def cores() -> int:
    """The cores this process may run on (its affinity), as a process pool should use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS and Windows have no affinity call
        return os.cpu_count() or 1


def ignore_interrupts() -> None:
    """A pool worker's initializer: Ctrl-C is for the main process to handle."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


class NoBar:
    def __enter__(self) -> NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def progress_bar(total: int, shown: bool | None) -> Any:
    """tqdm's auto bar (a widget in Jupyter, text on a terminal; None: only there)."""
    if shown is False:
        return NoBar()
    from tqdm.auto import tqdm

    # No monitor thread (tqdm starts one per program to watch for stalled bars): a thread
    # left running would make the next fork of a process pool unsafe (Python 3.12 warns).
    bar = type("SweepBar", (tqdm,), {"monitor_interval": 0})
    return bar(total=total, unit="run", desc="sweep", disable=None if shown is None else False)
