"""Memory of long runs (issue 22): bytes per log entry and per simulated hour of transfer.

The long run: one job downloads a file far larger than the run can fetch, on a 1 MB/s link,
with a RecordingNotifier and the default flags (job_transferred and job_error: every
job_modification is raised and then filtered, F8), through ``outages`` network outages of
60 s spread evenly over ``seconds`` simulated seconds (L4). The event budget is lifted
(``max_events=None``): the run is long on purpose.

Two figures, side by side in one process:

- **per entry**: :mod:`tracemalloc`'s growth over a run, divided by the log entries it wrote
  (everything the run kept: log, histories, traces, the model's own state);
- **per simulated hour**: the same growth divided by the simulated hours.

Then the full run (default 1e6 s, 100 outages) in a fresh process, whose peak resident set
(``ru_maxrss``, the interpreter and pandas-free imports included) is what the 200 MB target is
about; the script checks that ``explain()`` still answers on it.

    python benchmarks/bench_memory.py             # 1e5 s measured, then the 1e6 s run
    python benchmarks/bench_memory.py --quick     # 1e4 s measured, a 1e5 s run
"""

from __future__ import annotations

import argparse
import gc
import resource
import subprocess
import sys
import time
import tracemalloc

import bitslab as bl


def long_run(seconds: float, outages: int) -> bl.Simulation:
    """The long run described above (built and run)."""
    sim = bl.Simulation(seed=0, max_events=None, max_reentries=None)
    job = sim.create_job("long")
    job.add_file("https://example.test/huge.bin", "huge.bin", size=2**62)
    job.set_notify_interface(bl.RecordingNotifier())
    job.resume()
    gap = seconds / outages
    for number in range(outages):
        sim.network.outage(start=gap * number + gap / 2, duration=60.0)
    sim.run(until=seconds)
    return sim


def measured(seconds: float, outages: int) -> None:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    sim = long_run(seconds, outages)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    entries = len(sim.log)
    hours = seconds / 3600
    print(f"{seconds:,.0f} simulated s, {outages} outages: {entries:,} log entries")
    print(f"  per log entry:       {grown / entries:8.1f} bytes")
    print(f"  per simulated hour:  {grown / hours / 1e3:8.1f} KB")
    print(f"  total kept:          {grown / 1e6:8.1f} MB")


def full(seconds: float, outages: int) -> None:
    start = time.perf_counter()
    sim = long_run(seconds, outages)
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    text = sim.log.explain()
    print(f"{seconds:,.0f} simulated s, {outages} outages: {len(sim.log):,} log entries")
    print(f"  peak resident set:   {peak:8.1f} MB  (target: under 200 MB)")
    print(f"  wall time:           {took:8.1f} s")
    print(f"  explain():           {len(text.splitlines())} lines, first: {text.splitlines()[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--full-only", type=float, metavar="SECONDS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.full_only is not None:
        full(args.full_only, 100)
        return
    measured(1e4 if args.quick else 1e5, 100)
    length = 1e5 if args.quick else 1e6
    subprocess.run([sys.executable, __file__, "--full-only", str(length)], check=True)


if __name__ == "__main__":
    main()
