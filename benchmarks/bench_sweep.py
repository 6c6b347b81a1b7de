"""Sweep speed: runs per second in this process, in 2 worker processes, and on Dask (issue 25).

    python benchmarks/bench_sweep.py              # 3,072 restart-story runs, 3 rounds
    python benchmarks/bench_sweep.py --rounds 5
    python benchmarks/bench_sweep.py --quick      # 384 runs, 1 round: a smoke run
    python benchmarks/bench_sweep.py --check      # exit 1 if 2 processes give < 1.6x serial

The grid is the restart story (``bl.scenarios.restart_story``) over every notify flag value
(0x00-0x3F), 8 crash times, re-registering or not, and 3 retry delays; each run is summarised
by the default summary. Each round times, one after the other:

- **plain loop**: ``default_summary(restart_story(**point))`` for every point, no sweep: the
  floor a sweep's own bookkeeping adds to;
- **serial**: ``bl.sweep(..., executor=None)``;
- **process pool**: ``bl.sweep(..., executor=pool)`` on a 2-worker ``process_pool(2)``
  started (and warmed: bitslab imported in each worker) before the round;
- **Dask**: ``bl.sweep(..., executor=client.get_executor())`` on a
  ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)``, started before;
- **"processes"**: ``bl.sweep(..., executor="processes")``, timing included the pool's start
  and shutdown, as a user calling it sees it.

**CPU ms/run** is the CPU time all processes (this one, the pool's, Dask's) used per run,
however the machine shared its cores: 2 x serial's over the pool's is the most 2 worker
processes could give on 2 free cores. The ratios are each round's rate over that same round's
serial rate (side by side, so a load change between rounds moves both); the table prints the
median over rounds, and beside it each executor's best round over the best serial round (what
it does when the machine lets it, as timeit reports the fastest repeat). Every table is
compared with the serial one. The machine's load (``/proc/loadavg``) is printed before, during
and after: on a shared machine it says how far the wall-clock figures can be trusted.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

import bitslab as bl
from bitslab.scenarios import restart_story
from bitslab.sweep import default_summary, process_pool

#: Done when (issue 25): 2 worker processes give at least this times the serial rate.
TARGET = 1.6

GRID: dict[str, list[Any]] = {
    "flags": list(range(64)),
    "crash_at": [1.0, 3.0, 5.0, 7.0, 9.0, 11.0, 13.0, 15.0],
    "reregister": [True, False],
    "retry_delay": [5.0, 10.0, 20.0],
}
QUICK: dict[str, list[Any]] = {**GRID, "crash_at": [3.0, 9.0], "retry_delay": [10.0]}


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:  # pragma: no cover - not Linux
        return "unknown"


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and its children, running or ended: the
    work done, whatever share of the cores other programs left us (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    running = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # it ended while we looked
                continue
            if int(fields[1]) == os.getpid():
                running += int(fields[11]) + int(fields[12])  # utime, stime
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + running / ticks + ended.ru_utime + ended.ru_stime


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    """Wall seconds, CPU seconds (all processes) and the result of ``fn()``."""
    gc.collect()
    cpu = cpu_seconds()
    start = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - start
    return wall, cpu_seconds() - cpu, result


def plain_loop(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    names = list(grid)
    return [
        default_summary(restart_story(**dict(zip(names, point, strict=True))))
        for point in itertools.product(*grid.values())
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds to take the median of")
    parser.add_argument("--quick", action="store_true", help="384 runs, 1 round")
    parser.add_argument("--check", action="store_true", help=f"exit 1 below {TARGET}x")
    parser.add_argument("--no-dask", action="store_true", help="skip Dask")
    args = parser.parse_args(argv)
    grid = QUICK if args.quick else GRID
    rounds = 1 if args.quick else args.rounds
    runs = 1
    for values in grid.values():
        runs *= len(values)
    sizes = " x ".join(str(len(values)) for values in grid.values())
    print(
        f"bench_sweep: {runs:,} restart-story runs ({sizes}: {', '.join(grid)}), {rounds} round(s)"
    )
    print(
        f"python {sys.version.split()[0]}, bitslab {bl.__version__}, pandas {pd.__version__}, "
        f"{os.cpu_count()} cores; load before: {load()}"
    )

    def run(executor: Any) -> pd.DataFrame:
        return bl.sweep(restart_story, grid, executor=executor, progress=False)

    warm = {"seed": [0, 1, 2, 3]}
    started, _, pool = timed(lambda: process_pool(2))
    warmed, _, _ = timed(lambda: bl.sweep(restart_story, warm, executor=pool, chunksize=1,
                                       progress=False))  # fmt: skip
    print(f"process pool: started in {started * 1000:.0f} ms, warmed in {warmed * 1000:.0f} ms")
    client = cluster = None
    if not args.no_dask:
        try:
            import distributed
        except ImportError:
            print("Dask: not installed (pip install -e '.[dask]'); skipped")
        else:
            began = time.perf_counter()
            cluster = distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
            )  # fmt: skip
            client = distributed.Client(cluster)
            bl.sweep(restart_story, warm, executor=client.get_executor(), chunksize=1,
                     progress=False)  # fmt: skip
            print(f"Dask LocalCluster: started and warmed in {time.perf_counter() - began:.1f} s")

    rates: dict[str, list[float]] = {}
    ratios: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    try:
        for number in range(1, rounds + 1):
            seconds: dict[str, float] = {}
            cpu: dict[str, float] = {}
            seconds["plain loop"], cpu["plain loop"], _ = timed(lambda: plain_loop(grid))
            seconds["serial"], cpu["serial"], serial = timed(lambda: run(None))
            assert isinstance(serial, pd.DataFrame)
            cases: dict[str, Any] = {"process pool (2)": pool}
            if client is not None:
                cases["Dask (2 workers)"] = client.get_executor()
            cases['"processes" (with start)'] = "processes"
            for name, executor in cases.items():
                seconds[name], cpu[name], table = timed(lambda executor=executor: run(executor))
                assert isinstance(table, pd.DataFrame)
                pd.testing.assert_frame_equal(table, serial)  # the same table
            line = []
            for name, took in seconds.items():
                rates.setdefault(name, []).append(runs / took)
                ratios.setdefault(name, []).append(seconds["serial"] / took)
                cpus.setdefault(name, []).append(cpu[name] / runs * 1000)
                line.append(f"{name} {runs / took:,.0f}/s")
            print(f"round {number}: " + ", ".join(line) + f"; load {load()}")
    finally:
        pool.shutdown()
        if client is not None and cluster is not None:
            client.close()
            cluster.close()

    header = [("runs/s", 8), ("x serial", 9), ("best/s", 8), ("x best", 7), ("CPU ms/run", 11)]
    print(f"\n{'executor':<26}" + "".join(f" {title:>{width}}" for title, width in header))
    best_serial = max(rates["serial"])
    for name in rates:
        rate = statistics.median(rates[name])
        best = max(rates[name])
        print(
            f"{name:<26} {rate:>8,.0f} {statistics.median(ratios[name]):>9.2f} {best:>8,.0f}"
            f" {best / best_serial:>7.2f} {statistics.median(cpus[name]):>11.2f}"
        )
    bound = 2 * statistics.median(cpus["serial"]) / statistics.median(cpus["process pool (2)"])
    print(
        f"CPU per run, all processes: 2 processes could give at most {bound:.2f}x serial on 2 "
        "free cores (2 x serial CPU/run / pool CPU/run)"
    )
    print(f"load after: {load()}; every table equal to the serial one")
    pooled = statistics.median(ratios["process pool (2)"])
    verdict = "PASS" if pooled >= TARGET else "BELOW"
    print(
        f"2 worker processes: {pooled:.2f}x serial (median of rounds; target {TARGET}x): {verdict}"
    )
    return 1 if args.check and pooled < TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
