"""Experiment: issue 7's ratio with bitslab's core compiled by mypyc, beside the pure package.

bitslab is a pure-Python package. This script answers "what would a compiled core give?"
without changing that: it copies the installed package to a temporary directory, compiles
the simulation's core modules there with mypyc (part of mypy, a test dependency; it needs a
C compiler and Python's headers), and runs the same measurement in two fresh interpreters,
one importing the pure package and one the compiled copy. Each interpreter times plain SimPy
and ``busy_machine`` in turns, so each ratio is measured in one process as issue 7 asks. It
also checks that both give the same log, entry for entry.

Run ``python benchmarks/bench_compiled.py`` (``--repeats N``; ``--keep DIR`` builds in DIR
and keeps it). The build takes about a minute on two cores. Nothing is installed; the
package in use is not touched. Without mypyc or a compiler it says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bitslab

HERE = Path(__file__).resolve().parent

#: The modules compiled: the simulation's core. Left out: what users subclass or catch
#: (notifiers, errors), the enums (constants), and everything above the core (views, CLI).
CORE = (
    "_check.py",
    "agenda.py",
    "apps.py",
    "files.py",
    "jobs.py",
    "lane.py",
    "log.py",
    "network.py",
    "ranges.py",
    "scheduler.py",
    "simulation.py",
    "transfer.py",
    "notify/calls.py",
    "notify/decide.py",
    "notify/dispatcher.py",
    "notify/limiter.py",
    "notify/notification.py",
    "notify/programs.py",
    "notify/settings.py",
)

#: What each interpreter runs: rounds of plain SimPy and busy_machine, then a digest of the log.
PROBE = """\
import hashlib, json, statistics, sys
sys.path.insert(0, {benchmarks!r})
import bitslab
from bench_speed import PLAIN_PROCESSES, PLAIN_TIMEOUTS_EACH, busy_run, plain_simpy_run
from workloads import busy_machine
ratios, per_decision = [], []
busy_run({jobs})  # warm-up
for _ in range({repeats}):
    plain = PLAIN_PROCESSES * PLAIN_TIMEOUTS_EACH / plain_simpy_run()
    run = busy_run({jobs})
    ratios.append(run.decisions_per_second / plain)
    per_decision.append(run.us_per_decision)
log = "\\n".join(str(entry) for entry in busy_machine(50).log)
print(json.dumps({{
    "location": bitslab.__file__,
    "compiled": [m.__name__ for m in list(sys.modules.values())
                 if getattr(m, "__file__", "") and m.__name__.startswith("bitslab")
                 and not m.__file__.endswith(".py")],
    "ratio": statistics.median(ratios),
    "ratios": [min(ratios), max(ratios)],
    "us_per_decision": statistics.median(per_decision),
    "log": hashlib.sha256(log.encode()).hexdigest(),
}}))
"""


def why_not() -> str:
    """Why mypyc cannot build here, or "" if it can."""
    try:
        import mypyc  # noqa: F401
    except ImportError:
        return "mypyc is not installed (pip install mypy)"
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler!r} not found)"
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not headers.exists():
        return f"no Python headers ({headers} is missing)"
    return ""


def build(where: Path) -> None:
    """Copy the installed package to ``where``/bitslab and compile CORE there."""
    source = Path(bitslab.__file__).resolve().parent
    shutil.copytree(source, where / "bitslab", ignore=shutil.ignore_patterns("__pycache__"))
    command = [sys.executable, "-m", "mypyc", *(f"bitslab/{name}" for name in CORE)]
    print(f"... compiling {len(CORE)} modules with mypyc in {where}", file=sys.stderr, flush=True)
    done = subprocess.run(command, cwd=where, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"mypyc failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


@dataclass(frozen=True)
class Report:
    """What one interpreter measured."""

    location: str  # where bitslab was imported from
    compiled: int  # bitslab modules that were extension modules
    ratio: float  # median decisions/s over plain SimPy timeouts/s
    low: float  # the lowest and highest ratio of one round
    high: float
    us_per_decision: float  # median
    log: str  # sha256 of busy_machine(50)'s log, one entry per line


def measure(path: Path | None, jobs: int, repeats: int) -> Report:
    """Run PROBE in a fresh interpreter, importing bitslab from ``path`` (None: installed)."""
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(path), env.get("PYTHONPATH")]))
    code = PROBE.format(benchmarks=str(HERE), jobs=jobs, repeats=repeats)
    with tempfile.TemporaryDirectory() as empty:  # no source tree in the working directory
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=empty, env=env, capture_output=True, text=True
        )
    if done.returncode != 0:
        raise SystemExit(f"the measurement failed:\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    low, high = report["ratios"]
    return Report(
        str(report["location"]),
        len(report["compiled"]),
        float(report["ratio"]),
        float(low),
        float(high),
        float(report["us_per_decision"]),
        str(report["log"]),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Build, measure both, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs each (default 5)")
    parser.add_argument("--jobs", type=int, default=300, help="jobs of busy_machine (300)")
    parser.add_argument("--keep", type=Path, default=None, help="build here and keep it")
    args = parser.parse_args(argv)
    problem = why_not()
    if problem:
        print(f"bench_compiled: skipped: {problem}")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        where = args.keep or Path(scratch)
        where.mkdir(parents=True, exist_ok=True)
        if not (where / "bitslab").exists():
            build(where)
        print("... measuring the pure package", file=sys.stderr, flush=True)
        pure = measure(None, args.jobs, args.repeats)
        print("... measuring the compiled copy", file=sys.stderr, flush=True)
        compiled = measure(where, args.jobs, args.repeats)
    print(f"busy_machine({args.jobs}), {args.repeats} timed runs each, one interpreter each\n")
    print("| build | bitslab from | modules compiled | us/decision | ratio | per run |")
    print("|:--|:--|--:|--:|--:|--:|")
    for name, report in (("pure Python", pure), ("mypyc core", compiled)):
        print(
            f"| {name} | {report.location} | {report.compiled} "
            f"| {report.us_per_decision:.2f} | {report.ratio:.3f} "
            f"| {report.low:.3f}-{report.high:.3f} |"
        )
    speedup = pure.us_per_decision / compiled.us_per_decision
    same = pure.log == compiled.log
    print(f"\ncompiled over pure: {speedup:.2f}x faster per decision")
    print(f"same log for busy_machine(50): {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
