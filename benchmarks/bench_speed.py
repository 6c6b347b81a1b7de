"""Benchmark: how fast bitslab decides notifications, measured against plain SimPy (issue 7).

Issue 7 asks for figures measured in one process, so that the machine's drift cancels:

- notification decisions per second on a large scenario (:func:`workloads.busy_machine`: a
  few hundred jobs of ten files, most notify flags on, a recording notifier, an outage,
  foreground and background jobs), against plain SimPy timeouts per second, as a ratio. A
  decision is a log entry other than ``coalesced`` (:func:`workloads.decisions`);
- how the cost per decision grows with 2x and 4x the jobs (medians of several runs);
- the classroom-size restart scenario's build-and-run time
  (:func:`bitslab.scenarios.restart_story` with its defaults);
- the memory a log entry costs, and the time ``import bitslab`` takes in a fresh interpreter
  (and that it loads none of matplotlib, ipywidgets, pandas).

Each figure is printed beside the issue's target with PASS or MISS. Run
``python benchmarks/bench_speed.py`` (``--quick`` for a smoke run of a few seconds, ``--jobs N``
for another base job count, ``--repeats N`` for more runs, ``--check`` to exit 1 if a target
is missed). Timing is wall time from :func:`time.perf_counter`, after a warm-up run, with
garbage collected before each timed run; this is a benchmark to read, never a timed test.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

import simpy

import bitslab
from bitslab.scenarios import restart_story

# The scenarios live beside this script; put its directory on the path so that the script
# runs from any working directory.
HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import against  # noqa: E402
from floor import bare_decisions  # noqa: E402
from timing import Timing, time_calls  # noqa: E402
from workloads import busy_machine, decisions  # noqa: E402

# -- the targets ---------------------------------------------------------------------

#: Decisions per second of bitslab over plain SimPy timeouts per second: at least this.
RATIO_TARGET = 0.3
#: Cost per decision with 2x the jobs over the cost with 1x: at most this.
GROWTH_TARGET = 1.15
#: ``restart_story()``, built and run, median: under this many milliseconds.
RESTART_BUDGET_MS = 50.0
#: What one log entry costs: under this many bytes.
ENTRY_BYTES_TARGET = 300.0
#: ``import bitslab`` in a fresh interpreter, median: under this many milliseconds.
IMPORT_BUDGET_MS = 150.0
#: Modules ``import bitslab`` must not load (the core never imports its views' libraries).
HEAVY_MODULES = ("matplotlib", "ipywidgets", "pandas")

# -- the work --------------------------------------------------------------------------------

#: The plain SimPy baseline: this many processes, each yielding this many 1 s timeouts.
PLAIN_PROCESSES = 100
PLAIN_TIMEOUTS_EACH = 2_000


@dataclass(frozen=True)
class Repeats:
    """How many times each thing is measured."""

    #: Timed runs of busy_machine at each scale (1x, 2x, 4x); a scale with 0 is not run.
    by_scale: dict[int, int]
    #: Timed calls of restart_story(), and of restart_story(run=False).
    restart: int
    #: Fresh interpreters that import bitslab.
    imports: int


@dataclass(frozen=True)
class BusyRun:
    """One timed run of ``busy_machine(jobs)``: seconds to build it and to run it, and its work."""

    jobs: int
    build: float
    run: float
    decisions: int
    entries: int
    simulated: float

    @property
    def decisions_per_second(self) -> float:
        """Decisions over the run's wall time (the build is not counted)."""
        return self.decisions / self.run

    @property
    def us_per_decision(self) -> float:
        """Microseconds of run time per decision."""
        return 1e6 * self.run / max(self.decisions, 1)


@dataclass(frozen=True)
class Pair:
    """One plain SimPy run and the bitslab run timed right after it."""

    plain_seconds: float
    busy: BusyRun

    @property
    def timeouts_per_second(self) -> float:
        """Plain SimPy timeouts processed per second of ``env.run()``."""
        return PLAIN_PROCESSES * PLAIN_TIMEOUTS_EACH / self.plain_seconds

    @property
    def ratio(self) -> float:
        """bitslab's decisions per second over plain SimPy's timeouts per second."""
        return self.busy.decisions_per_second / self.timeouts_per_second


@dataclass(frozen=True)
class Memory:
    """The traced memory a run keeps, as tracemalloc sees it, before and after the run."""

    entries: int
    traced_before: int  # the built simulation, before it runs
    traced_after: int  # the same, after the run, garbage collected
    getsizeof: int

    @property
    def per_entry(self) -> float | None:
        """Bytes the run kept per log entry; None for a run with no entries."""
        if self.entries == 0:
            return None
        return (self.traced_after - self.traced_before) / self.entries


@dataclass(frozen=True)
class ImportProbe:
    """``import bitslab`` in fresh interpreters: seconds each, and what it loaded."""

    seconds: list[float]
    heavy: list[str]  # the HEAVY_MODULES that some import loaded
    modules: int  # modules the import added to sys.modules (the first run's count)
    location: str  # where bitslab was imported from


@dataclass(frozen=True)
class Target:
    """One of the issue's targets: the figure measured, the goal, and whether it is met."""

    name: str
    figure: str
    goal: str
    met: bool
    retired: bool = False  # shown for the record, never a verdict (issue 23)


def progress(message: str) -> None:
    """Say what is being measured, on stderr, so that stdout holds only the report."""
    print(f"... {message}", file=sys.stderr, flush=True)


# -- plain SimPy -----------------------------------------------------------------------------


def plain_simpy_run() -> float:
    """Seconds of ``env.run()`` for PLAIN_PROCESSES processes of PLAIN_TIMEOUTS_EACH timeouts.

    Building the environment and its processes is not timed, as bitslab's build is not.
    """
    env = simpy.Environment()

    def ticker() -> Generator[simpy.Event, object, None]:
        for _ in range(PLAIN_TIMEOUTS_EACH):
            yield env.timeout(1)

    for _ in range(PLAIN_PROCESSES):
        env.process(ticker())
    gc.collect()
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start


# -- bitslab on the busy machine -------------------------------------------------------------


def busy_run(jobs: int) -> BusyRun:
    """Build ``busy_machine(jobs)`` and run it, timing each part; garbage is collected first.

    Only the figures are returned: the simulation is dropped, so that the next run does not
    start on a heap this one has grown.
    """
    gc.collect()
    start = time.perf_counter()
    sim = busy_machine(jobs, run=False)
    build = time.perf_counter() - start
    gc.collect()
    start = time.perf_counter()
    sim.run()
    run = time.perf_counter() - start
    return BusyRun(jobs, build, run, decisions(sim), len(sim.log), sim.now)


def measure_busy(jobs: int, repeats: Repeats) -> tuple[list[Pair], dict[int, list[BusyRun]]]:
    """Time plain SimPy and bitslab in rounds: in each, one plain SimPy run, then one run of
    busy_machine at 1x, then at 2x and 4x while those still need runs. Interleaving makes the
    machine's drift fall on all of them alike. One warm-up of each comes first.

    Returns the (plain, 1x) pairs and every bitslab run by scale (the 1x runs are the pairs').
    """
    progress("warm-up: plain SimPy and busy_machine at 1x")
    plain_simpy_run()
    busy_run(jobs)
    pairs: list[Pair] = []
    runs: dict[int, list[BusyRun]] = {scale: [] for scale in repeats.by_scale}
    rounds = max(repeats.by_scale.values())
    for index in range(rounds):
        for scale, wanted in repeats.by_scale.items():
            if index >= wanted:
                continue
            if scale == 1:
                plain = plain_simpy_run()
                run = busy_run(jobs)
                pairs.append(Pair(plain, run))
                progress(
                    f"round {index + 1}/{rounds}: plain SimPy {plain:.3f} s, "
                    f"busy_machine({jobs}) {run.run:.3f} s"
                )
            else:
                run = busy_run(jobs * scale)
                progress(
                    f"round {index + 1}/{rounds}: busy_machine({jobs * scale}) {run.run:.3f} s"
                )
            runs[scale].append(run)
    return pairs, runs


def measure_floor(count: int, repeats: int) -> list[tuple[float, float]]:
    """Rounds of (plain SimPy seconds, seconds of ``count`` bare decisions): the floor of
    :mod:`floor`, timed the same way as the busy machine, one warm-up first."""
    progress(f"the floor: {count:,} bare decisions, {repeats} rounds")
    bare_decisions(count)
    return [(plain_simpy_run(), bare_decisions(count)) for _ in range(repeats)]


def floor_table(count: int, rounds: Sequence[tuple[float, float]], ratio: float) -> str:
    """The floor's rate and the ceiling it puts on the ratio, beside the ratio measured."""
    timeouts = PLAIN_PROCESSES * PLAIN_TIMEOUTS_EACH
    plain = statistics.median(timeouts / seconds for seconds, _ in rounds)
    bare = statistics.median(count / seconds for _, seconds in rounds)
    rows = [
        ["bare decisions per second", number(bare)],
        ["microseconds per bare decision", f"{1e6 / bare:.2f}"],
        ["plain SimPy timeouts per second (same rounds)", number(plain)],
        ["ceiling: bare decisions/s over timeouts/s", f"{bare / plain:.2f}"],
        ["busy_machine's ratio, measured above", f"{ratio:.3f}"],
        [
            f"at the target {RATIO_TARGET:g}, microseconds left per decision beyond the floor",
            f"{1e6 / (RATIO_TARGET * plain) - 1e6 / bare:.2f}",
        ],
    ]
    return markdown_table((f"the floor: {count:,} bare decisions, medians", "figure"), rows)


# -- the classroom restart scenario ----------------------------------------------------------


def measure_restart(repeats: int) -> tuple[Timing, Timing]:
    """``restart_story()`` with its defaults, built and run; then built only."""
    progress(f"restart_story(), {repeats} repeats")
    return (
        time_calls(restart_story, repeats),
        time_calls(lambda: restart_story(run=False), repeats),
    )


# -- memory per log entry --------------------------------------------------------------------


def measure_memory(jobs: int) -> Memory:
    """Build ``busy_machine(jobs)`` under tracemalloc, then run it: the traced memory the run
    keeps (log entries, job histories and progress traces, the model's state), per log entry.
    Only the public API is used, so the figure stays right however the log stores entries.
    """
    progress(f"memory: busy_machine({jobs}) under tracemalloc")
    gc.collect()
    tracemalloc.start()
    try:
        sim = busy_machine(jobs, run=False)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        sim.run()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        log = sim.log
        entries = len(log)
        size = sys.getsizeof(log[0]) if entries else 0
    finally:
        tracemalloc.stop()
    return Memory(entries, before, after, size)


# -- import time -----------------------------------------------------------------------------

#: What each fresh interpreter runs: time ``import bitslab`` from inside, then report.
IMPORT_PROBE = f"""\
import json, sys, time
already = set(sys.modules)
start = time.perf_counter()
import bitslab
seconds = time.perf_counter() - start
print(json.dumps({{
    "seconds": seconds,
    "heavy": [name for name in {HEAVY_MODULES!r} if name in sys.modules],
    "modules": len(set(sys.modules) - already),
    "location": bitslab.__file__,
}}))
"""


def measure_import(repeats: int) -> ImportProbe:
    """Run IMPORT_PROBE in ``repeats`` fresh interpreters (after one warm-up, which may write
    bytecode caches), from an empty temporary directory, so that no source tree in the working
    directory is imported by accident: bitslab comes from where it is installed."""
    progress(f"import bitslab, {repeats} fresh interpreters")
    seconds: list[float] = []
    heavy: set[str] = set()
    reports: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as empty:
        for attempt in range(repeats + 1):
            done = subprocess.run(
                [sys.executable, "-c", IMPORT_PROBE],
                cwd=empty,
                capture_output=True,
                text=True,
                check=True,
            )
            report = json.loads(done.stdout.strip().splitlines()[-1])
            if attempt == 0:
                continue  # the warm-up
            reports.append(report)
            seconds.append(float(report["seconds"]))
            heavy.update(str(name) for name in report["heavy"])
    first = reports[0]
    return ImportProbe(
        seconds,
        sorted(heavy),
        int(str(first["modules"])),
        str(first["location"]),
    )


# -- the report ------------------------------------------------------------------------------


def markdown_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], align: str | None = None
) -> str:
    """A Markdown table with padded columns, readable as it is in a terminal.

    ``align`` has one letter per column, ``l`` or ``r``; by default the first column is
    left-aligned (its labels) and the others right-aligned (their figures).
    """
    align = align or "l" + "r" * (len(header) - 1)
    if len(align) != len(header):
        raise ValueError(f"align needs one letter per column ({len(header)}), got {align!r}")
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.ljust(width) if side == "l" else cell.rjust(width)
            for cell, width, side in zip(cells, widths, align, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|".join(
        ":" + "-" * (width + 1) if side == "l" else "-" * (width + 1) + ":"
        for width, side in zip(widths, align, strict=True)
    )
    return "\n".join([line(header), f"|{rule}|", *(line(row) for row in rows)])


def git_commit(where: Path) -> str:
    """The short commit of the checkout at ``where``, and whether its tracked files have
    changed since; "unknown" if git cannot say."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=where, capture_output=True, text=True, timeout=10, check=True
        )
        return done.stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        changes = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head} (with uncommitted changes)" if changes else head


def header(jobs: int, repeats: Repeats) -> str:
    """What ran, where: the machine, the versions, the commit, the repeats."""
    source = Path(bitslab.__file__).resolve().parent
    by_scale = ", ".join(f"{count} at {scale}x" for scale, count in repeats.by_scale.items())
    return "\n".join(
        [
            f"bitslab speed (issue 7): busy_machine({jobs}) and restart_story() "
            "against plain SimPy",
            f"{platform.platform()}, {os.cpu_count()} CPUs, {platform.machine()}",
            f"Python {platform.python_version()}, SimPy {simpy.__version__}, "
            f"bitslab {bitslab.__version__} at commit {git_commit(source)}",
            f"timed runs of busy_machine: {by_scale}; restart_story: {repeats.restart}; "
            f"fresh interpreters: {repeats.imports}",
        ]
    )


def number(value: float, digits: int = 0) -> str:
    """``12,345`` or ``12,345.6``."""
    return f"{value:,.{digits}f}"


def rate_table(jobs: int, pairs: Sequence[Pair]) -> str:
    """Plain SimPy timeouts/s beside bitslab decisions/s, medians of the interleaved runs."""
    plain = [pair.plain_seconds for pair in pairs]
    busy = [pair.busy.run for pair in pairs]
    rows = [
        [
            f"plain SimPy: {PLAIN_PROCESSES} processes x {number(PLAIN_TIMEOUTS_EACH)} timeouts",
            f"{number(PLAIN_PROCESSES * PLAIN_TIMEOUTS_EACH)} timeouts",
            str(len(plain)),
            f"{statistics.median(plain):.3f}",
            f"{min(plain):.3f}",
            f"{max(plain):.3f}",
            f"{number(statistics.median(p.timeouts_per_second for p in pairs))} timeouts/s",
        ],
        [
            f"bitslab: busy_machine({jobs}).run()",
            f"{number(pairs[0].busy.decisions)} decisions",
            str(len(busy)),
            f"{statistics.median(busy):.3f}",
            f"{min(busy):.3f}",
            f"{max(busy):.3f}",
            f"{number(statistics.median(p.busy.decisions_per_second for p in pairs))} decisions/s",
        ],
    ]
    head = ("run (wall time of run() only)", "work", "runs", "median s", "min s", "max s", "rate")
    return markdown_table(head, rows)


def ratio_of_medians(pairs: Sequence[Pair]) -> float:
    """Median decisions/s over median timeouts/s."""
    return statistics.median(p.busy.decisions_per_second for p in pairs) / statistics.median(
        p.timeouts_per_second for p in pairs
    )


def scaling_table(jobs: int, runs: dict[int, list[BusyRun]]) -> str:
    """Per scale: the work (so a reader sees it grew), the times, and µs per decision."""
    base = statistics.median(run.us_per_decision for run in runs[1])
    rows = []
    for scale, done in runs.items():
        if not done:
            continue
        first = done[0]
        per_decision = statistics.median(run.us_per_decision for run in done)
        rows.append(
            [
                f"{scale}x",
                number(jobs * scale),
                str(len(done)),
                number(first.decisions),
                number(first.entries),
                f"{first.simulated:,.1f}",
                f"{statistics.median(1000.0 * run.build for run in done):,.1f}",
                f"{statistics.median(run.run for run in done):,.3f}",
                f"{max(run.run for run in done):,.3f}",
                f"{per_decision:,.1f}",
                f"{per_decision / base:.2f}x",
            ]
        )
    head = (
        "scale",
        "jobs",
        "runs",
        "decisions",
        "log entries",
        "simulated s",
        "build ms",
        "run s",
        "max run s",
        "us/decision",
        "growth vs 1x",
    )
    return markdown_table(head, rows)


def growth(runs: dict[int, list[BusyRun]], scale: int) -> float | None:
    """Median µs per decision at ``scale`` over the same at 1x; None if it was not run."""
    if not runs.get(scale):
        return None
    base = statistics.median(run.us_per_decision for run in runs[1])
    return statistics.median(run.us_per_decision for run in runs[scale]) / base


def uneven_work(runs: dict[int, list[BusyRun]]) -> list[str]:
    """Scales whose runs did not all do the same work (a seeded scenario always should)."""
    return [
        f"{scale}x"
        for scale, done in runs.items()
        if len({(run.decisions, run.entries, run.simulated) for run in done}) > 1
    ]


def restart_table(run: Timing, build: Timing, repeats: int) -> str:
    """restart_story(), built and run, and built only."""
    rows = [
        [
            "restart_story(): build and run",
            str(repeats),
            f"{run.median:.2f}",
            f"{run.max:.2f}",
            f"{RESTART_BUDGET_MS:g}",
        ],
        [
            "restart_story(run=False): build only",
            str(repeats),
            f"{build.median:.2f}",
            f"{build.max:.2f}",
            "-",
        ],
    ]
    return markdown_table(("call", "calls", "median ms", "max ms", "budget ms"), rows)


def memory_table(memory: Memory) -> str:
    """The traced memory before and after the run, and what it kept per entry."""
    per_entry = memory.per_entry
    rows = [
        ["log entries", number(memory.entries)],
        ["traced memory before the run, KB", number(memory.traced_before / 1024, 1)],
        ["traced memory after it, KB", number(memory.traced_after / 1024, 1)],
        ["bytes the run kept per entry", "-" if per_entry is None else number(per_entry, 1)],
        ["sys.getsizeof(one entry), bytes", str(memory.getsizeof)],
    ]
    return markdown_table(("busy_machine at 1x", "figure"), rows)


def import_table(probe: ImportProbe) -> str:
    """import bitslab: median and min ms, modules loaded, heavy modules loaded."""
    rows = [
        [
            "import bitslab",
            str(len(probe.seconds)),
            f"{1000.0 * statistics.median(probe.seconds):.1f}",
            f"{1000.0 * min(probe.seconds):.1f}",
            f"{1000.0 * max(probe.seconds):.1f}",
            str(probe.modules),
            ", ".join(probe.heavy) or "none",
        ]
    ]
    head = (
        "fresh interpreter",
        "runs",
        "median ms",
        "min ms",
        "max ms",
        "modules loaded",
        "heavy modules loaded",
    )
    return markdown_table(head, rows, "lrrrrrl")


def targets(
    pairs: Sequence[Pair],
    runs: dict[int, list[BusyRun]],
    restart: Timing,
    memory: Memory,
    probe: ImportProbe,
) -> list[Target]:
    """The issue's five targets, each with its figure and verdict."""
    ratio = ratio_of_medians(pairs)
    at_2x, at_4x = growth(runs, 2), growth(runs, 4)
    shown_4x = "" if at_4x is None else f" (4x: {at_4x:.2f}x)"
    per_entry = memory.per_entry
    import_ms = 1000.0 * statistics.median(probe.seconds)
    return [
        Target(
            "decisions/s over plain SimPy timeouts/s",
            f"{ratio:.3f}",
            f">= {RATIO_TARGET:g}",
            ratio >= RATIO_TARGET,
            retired=True,
        ),
        Target(
            "cost per decision, 2x jobs over 1x",
            "not run" if at_2x is None else f"{at_2x:.2f}x{shown_4x}",
            f"<= {GROWTH_TARGET:g}x",
            at_2x is not None and at_2x <= GROWTH_TARGET,
            retired=True,
        ),
        Target(
            "restart_story() build and run, median",
            f"{restart.median:.2f} ms",
            f"< {RESTART_BUDGET_MS:g} ms",
            restart.median < RESTART_BUDGET_MS,
        ),
        Target(
            "memory a run keeps per log entry",
            "not measured" if per_entry is None else f"{per_entry:.0f} bytes",
            f"< {ENTRY_BYTES_TARGET:g} bytes",
            per_entry is not None and per_entry < ENTRY_BYTES_TARGET,
        ),
        Target(
            "import bitslab, median; heavy modules",
            f"{import_ms:.1f} ms; {', '.join(probe.heavy) or 'none'}",
            f"< {IMPORT_BUDGET_MS:g} ms; none",
            import_ms < IMPORT_BUDGET_MS and not probe.heavy,
        ),
    ]


def summary_table(results: Sequence[Target]) -> str:
    """The targets: figure, goal, PASS or MISS."""
    rows = [
        [t.name, t.figure, t.goal, "retired" if t.retired else "PASS" if t.met else "MISS"]
        for t in results
    ]
    return markdown_table(("target", "figure", "goal", "verdict"), rows, "lrll")


# -- the command line ------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: --quick, --repeats, --jobs and --check."""
    parser = argparse.ArgumentParser(
        description="Time bitslab's notification decisions against plain SimPy (issue 7)."
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 3 runs at 1x, 1 at 2x, no 4x; 5 restart_story calls, 3 imports",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed runs of busy_machine at each scale (default 5 at 1x, 3 at 2x and 4x)",
    )
    parser.add_argument(
        "--jobs", type=int, default=300, help="jobs of busy_machine at 1x (default 300)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if any target is missed")
    parser.add_argument(
        "--against",
        metavar="REF",
        default=None,
        help="only compare decisions per second with the git commit REF, in the same run "
        "(fresh interpreters, alternating; see against.py)",
    )
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    return args


def repeats_for(args: argparse.Namespace) -> Repeats:
    """The repeats the options ask for."""
    if args.quick:
        by_scale = {1: 3, 2: 1}
        restart, imports = 5, 3
    else:
        by_scale = {1: 5, 2: 3, 4: 3}
        restart, imports = 50, 7
    if args.repeats is not None:
        by_scale = dict.fromkeys(by_scale, int(args.repeats))
    return Repeats(by_scale, restart, imports)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the report, and return the exit status (1 only under --check)."""
    args = parse_args(argv)
    jobs: int = args.jobs
    repeats = repeats_for(args)
    if args.against is not None:
        rounds = args.repeats or (3 if args.quick else 7)
        mine, theirs = against.measure(args.against, jobs, rounds, progress)
        print(f"## Decisions per second: this checkout against {args.against}\n")
        print(against.table(mine, theirs, jobs))
        return 0
    print(header(jobs, repeats), flush=True)

    probe = measure_import(repeats.imports)  # first: fresh interpreters, a quiet machine
    print("\n## import bitslab (fresh interpreters, timed inside, from an empty directory)\n")
    print(import_table(probe))
    print(f"\nbitslab imported from {probe.location}", flush=True)

    restart, build = measure_restart(repeats.restart)
    print("\n## The classroom restart scenario, restart_story() with its defaults\n")
    print(restart_table(restart, build, repeats.restart), flush=True)

    pairs, runs = measure_busy(jobs, repeats)
    print("\n## Decisions per second against plain SimPy timeouts per second (interleaved)\n")
    print(rate_table(jobs, pairs))
    ratios = [pair.ratio for pair in pairs]
    print(
        f"\ndecisions/s over timeouts/s: {ratio_of_medians(pairs):.3f} (ratio of the medians); "
        f"per pair of runs from {min(ratios):.3f} to {max(ratios):.3f}"
    )
    count = pairs[0].busy.decisions
    floor_rounds = measure_floor(count, len(pairs))
    print("\n## The floor: one timer, one notifier call, one log entry per decision\n")
    print(floor_table(count, floor_rounds, ratio_of_medians(pairs)))
    print(f"\n## Scaling: cost per decision with {' and '.join(f'{s}x' for s in runs)} the jobs\n")
    print(scaling_table(jobs, runs))
    varied = uneven_work(runs)
    if varied:
        print(f"\nwarning: the runs at {', '.join(varied)} did not all do the same work")
    sys.stdout.flush()

    memory = measure_memory(jobs)
    print(f"\n## Memory: what busy_machine({jobs})'s run keeps, per log entry\n")
    print(memory_table(memory))

    results = targets(pairs, runs, restart, memory, probe)
    print("\n## Targets (issue 7)\n")
    print(summary_table(results))
    live = [t for t in results if not t.retired]
    missed = [t for t in live if not t.met]
    print(
        f"\n{len(live) - len(missed)} of {len(live)} targets PASS (the per-decision speed "
        "targets are retired: the core's clarity comes first; see --against for a change's cost)"
    )
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
