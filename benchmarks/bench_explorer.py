"""Benchmark: how long the explorer takes to re-run the restart story after a control change.

Issue 5 asks that "re-running the explorer's classroom-size scenario after a control change
takes under 50 ms of simulation". The explorer (:class:`bitslab.widgets.Explorer`) calls
:func:`bitslab.scenarios.restart_story` with its controls as keyword arguments, then reads
the run into models (:func:`bitslab.timeline.timeline`, :func:`~bitslab.timeline.outcome_counts`,
:func:`~bitslab.timeline.arrivals`) and draws them. This script times the simulation and the
models, separately, for the control changes a student makes one at a time, and times a plain
SimPy model of comparable work beside them, to show what bitslab costs over the bare engine;
then the widget's own re-run with drawing off, if ipywidgets is installed.

Last, the pictures (issue 20), if ipywidgets and matplotlib are installed: for each control
change, a **click** (setting that control on an :class:`~bitslab.widgets.Explorer` with its
pictures on: the re-run, the summary, the table, the HTML outcome matrix and the timeline
redrawn in place as a PNG) side by side with **drawing the same pictures from scratch**
(``bitslab.plots.timeline`` and ``bitslab.plots.outcome_matrix`` of the same run, each saved
as a PNG with ``savefig``, as the Explorer did before). Issue 20 asks that the median click
take at most a quarter of the median drawing from scratch.

Run ``python benchmarks/bench_explorer.py`` (``--quick`` for a short run, ``--stress`` to add
long 503 windows, ``--check`` to exit 1 if a simulation median is over the budget or the
median click over a quarter of drawing from scratch). Timing is wall time from
:func:`time.perf_counter`, after a warm-up run, with garbage collected before each repeat;
this is a benchmark to read, never a timed test.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

import simpy
from timing import Timing, time_calls

from bitslab.constants import NotifyFlags
from bitslab.scenarios import restart_story
from bitslab.simulation import Simulation
from bitslab.timeline import arrivals, outcome_counts, timeline
from bitslab.views.explain import flag_names

#: The issue's budget for one re-run of the simulation, in milliseconds.
BUDGET_MS = 50.0

#: The control changes a student makes in the explorer, one at a time from the defaults.
CHANGES: tuple[dict[str, Any], ...] = (
    {},
    {"flags": 0x1},
    {"flags": 0x3},
    {"flags": 0x13},
    {"flags": 0x17},
    {"flags": int(NotifyFlags.DISABLE)},
    {"reregister": False},
    {"poll": True},
    {"crash_at": None},
    {"restart_at": None},
    {"outage": (3.0, 5.0)},
    {"server_error": (0.0, 20.0)},
    # the longest 503 window the Explorer's slider offers (0-120 s) at its shortest retry delay
    {"server_error": (0.0, 120.0), "retry_delay": 5.0},
    {"route": "cmdline"},
    {"route": "clsid"},
    {"service_restart": (6.0, 10.0)},
    {"reboot": (6.0, 20.0), "route": "clsid"},
    {"seed": 1},
    {"seed": 2},
    {"seed": 42},
)

#: With ``--stress``: the one control whose work grows with its value. Every retry of a
#: job held by a 503 goes round TRANSIENT_ERROR, QUEUED and CONNECTING again, so a long
#: window at the shortest retry delay BITS allows (5 s, L1) makes the run longest. The
#: last row is meant to go OVER: it shows where the budget ends (so ``--stress --check``
#: exits 1).
STRESS: tuple[dict[str, Any], ...] = (
    {"server_error": (0.0, 600.0), "retry_delay": 5.0},
    {"server_error": (0.0, 1800.0), "retry_delay": 5.0},
    {"server_error": (0.0, 3600.0), "retry_delay": 5.0},
)


@dataclass(frozen=True)
class Row:
    """The figures for one control change (or for the plain SimPy baseline)."""

    label: str
    simulation: Timing
    model: Timing | None
    rows_of_arrivals: Timing | None
    events: int
    log_entries: int | None
    state_changes: int | None


def count_steps(env: simpy.Environment, run: Callable[[], object]) -> int:
    """Call ``run`` while counting the events ``env`` processes (its successful steps).

    The count wraps ``step`` on this one environment object, from outside bitslab; the
    wrapper costs time, so counting runs are never the timed ones.
    """
    step = env.step
    processed = 0

    def counting_step() -> None:
        nonlocal processed
        step()
        processed += 1

    env.step = counting_step  # type: ignore[method-assign]
    try:
        run()
    finally:
        del env.step  # the class's step again
    return processed


def count_sim_steps(sim: Simulation) -> int:
    """Run ``sim`` until quiet, counting its steps: SimPy events, and the batches of bitslab's
    own timers due at one moment (``run`` drives those without a SimPy event each).

    ``run(progress=...)`` reports every ``PROGRESS_EVERY`` steps and once at the end; with
    ``PROGRESS_EVERY`` set to 1 on this one object, it reports every step.
    """
    calls = 0

    def count(_sim: Simulation) -> None:
        nonlocal calls
        calls += 1

    sim.PROGRESS_EVERY = 1  # type: ignore[misc]
    sim.run(progress=count)
    return calls - 1  # the last call is the one at the end


def label_of(controls: dict[str, Any]) -> str:
    """``flags=0x17 retry_delay=5`` for a change; ``defaults`` for none."""
    if not controls:
        return "defaults"
    parts = []
    for name, value in controls.items():
        if name == "flags":
            shown = f"{value:#x}"
        elif isinstance(value, tuple):
            shown = "(" + ", ".join(f"{part:g}" for part in value) + ")"
        elif isinstance(value, float):
            shown = f"{value:g}"
        else:
            shown = str(value)
        parts.append(f"{name}={shown}")
    return " ".join(parts)


def read_run(sim: Simulation) -> None:
    """The models the explorer's views are drawn from: the timeline, and the outcome counts
    of all jobs and of each job."""
    timeline(sim)
    outcome_counts(sim.log)
    for job in sim.jobs:
        outcome_counts(sim.log, job)


def measure_change(controls: dict[str, Any], repeats: int) -> Row:
    """Time ``restart_story(**controls)`` and the reading of its result; count its work."""
    simulation = time_calls(lambda: restart_story(**controls), repeats)
    sim = restart_story(**controls)
    model = time_calls(lambda: read_run(sim), repeats)
    rows_of_arrivals = time_calls(lambda: arrivals(sim), repeats)
    counted = restart_story(**controls, run=False)
    events = count_sim_steps(counted)
    changes = sum(len(job.history) for job in counted.jobs)
    return Row(
        label_of(controls), simulation, model, rows_of_arrivals, events, len(counted.log), changes
    )


# -- the plain SimPy baseline ----------------------------------------------------------------


class PlainLink:
    """A link whose bandwidth the transfers moving bytes share equally."""

    def __init__(self, bandwidth: float) -> None:
        self.bandwidth = bandwidth
        self.active = 0

    def rate(self) -> float:
        """Bytes per second for one transfer now."""
        return self.bandwidth / max(self.active, 1)


class PlainApp:
    """An application that is up or down; ``started`` fires when it starts again."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.up = True
        self.started = env.event()

    def crash_and_restart(
        self, crash_at: float, restart_at: float | None
    ) -> Generator[simpy.Event, object, None]:
        """Go down at ``crash_at`` and, unless it is None, up again at ``restart_at``."""
        yield self.env.timeout(crash_at)
        self.up = False
        if restart_at is None:
            return
        yield self.env.timeout(restart_at - crash_at)
        self.up = True
        started, self.started = self.started, self.env.event()
        started.succeed()


def plain_transfer(
    env: simpy.Environment,
    link: PlainLink,
    sizes: Sequence[int],
    outbox: simpy.Store,
    *,
    start: float,
    latency: float,
    step: float,
) -> Generator[simpy.Event, object, None]:
    """Move one job's files in turn in ``step``-second slices; post a note as each ends."""
    yield env.timeout(start)
    for index, size in enumerate(sizes):
        yield env.timeout(latency)
        link.active += 1
        left = float(size)
        while left > 1e-6:
            rate = link.rate()
            slice_ = min(step, left / rate)
            yield env.timeout(slice_)
            left -= rate * slice_
        link.active -= 1
        outbox.put(("file_transferred", index))
    outbox.put(("job_transferred", None))


def plain_callbacks(
    env: simpy.Environment,
    app: PlainApp,
    outbox: simpy.Store,
    delivered: list[tuple[float, str]],
    retry_delay: float,
) -> Generator[simpy.Event, Any, None]:
    """Deliver one job's notes in order; while the app is down, retry after ``retry_delay``
    or as soon as it starts again, whichever comes first."""
    while True:
        method, _ = yield outbox.get()
        while not app.up:
            yield env.timeout(retry_delay) | app.started
        delivered.append((env.now, method))


def build_plain_story(
    env: simpy.Environment,
    *,
    crash_at: float = 6.0,
    restart_at: float | None = 30.0,
    retry_delay: float = 10.0,
) -> list[tuple[float, str]]:
    """The restart story's work in bare SimPy: two jobs (three 4 MB files, then one 1 MB file
    a second after the crash) on a shared 1 MB/s link in 0.1 s steps, an app that crashes and
    restarts, and a callback process per job that retries. Returns the list of deliveries,
    filled as ``env`` runs."""
    link = PlainLink(1_000_000)
    app = PlainApp(env)
    always_up = PlainApp(env)  # the command line of ``report`` needs no application
    delivered: list[tuple[float, str]] = []
    jobs = (
        (app, (4_000_000, 4_000_000, 4_000_000), 0.0),
        (always_up, (1_000_000,), crash_at + 1.0),
    )
    for owner, sizes, start in jobs:
        outbox = simpy.Store(env)
        env.process(plain_transfer(env, link, sizes, outbox, start=start, latency=0.05, step=0.1))
        env.process(plain_callbacks(env, owner, outbox, delivered, retry_delay))
    env.process(app.crash_and_restart(crash_at, restart_at))
    return delivered


def run_plain_story() -> list[tuple[float, str]]:
    """Build the plain story in a new environment and run it until nothing is scheduled."""
    env = simpy.Environment()
    delivered = build_plain_story(env)
    env.run()
    return delivered


def measure_plain(repeats: int) -> Row:
    """Time and count the plain SimPy baseline."""
    simulation = time_calls(run_plain_story, repeats)
    env = simpy.Environment()
    build_plain_story(env)
    events = count_steps(env, env.run)
    return Row("plain SimPy baseline", simulation, None, None, events, None, None)


# -- the report ------------------------------------------------------------------------------


LEGEND = """\
sim: restart_story(**controls), ms; read: timeline(sim) and outcome_counts (of all jobs and
of each), ms; arr: arrivals(sim), the explorer's table, ms; events: SimPy events processed
(bitslab: steps of sim.run(), each a SimPy event or the batch of its timers due at one moment);
log: log entries; changes: job state changes; x plain: sim median / the plain SimPy baseline's
median (a fair ratio only for rows of like work; compare us/event for the others)
"""


def verdict(row: Row) -> str:
    """PASS when the simulation's median is within the budget, OVER otherwise."""
    return "PASS" if row.simulation.median <= BUDGET_MS else "OVER"


def format_table(rows: Sequence[Row], plain: Row) -> str:
    """The figures as an aligned plain-text table, the baseline last."""
    header = (
        "control change",
        "sim med",
        "sim max",
        "read med",
        "read max",
        "arr med",
        "events",
        "us/event",
        "log",
        "changes",
        "x plain",
        "budget",
    )
    lines: list[tuple[str, ...]] = [header]

    def optional(value: float | None, spec: str) -> str:
        return "-" if value is None else format(value, spec)

    for row in [*rows, plain]:
        is_plain = row is plain
        model, rows_of_arrivals = row.model, row.rows_of_arrivals
        lines.append(
            (
                row.label,
                f"{row.simulation.median:.2f}",
                f"{row.simulation.max:.2f}",
                optional(None if model is None else model.median, ".2f"),
                optional(None if model is None else model.max, ".2f"),
                optional(None if rows_of_arrivals is None else rows_of_arrivals.median, ".2f"),
                str(row.events),
                f"{1000.0 * row.simulation.median / max(row.events, 1):.1f}",
                optional(row.log_entries, "d"),
                optional(row.state_changes, "d"),
                "1.0" if is_plain else f"{row.simulation.median / plain.simulation.median:.1f}",
                "-" if is_plain else verdict(row),
            )
        )
    return aligned(lines, rules_after=(0, len(lines) - 2))


def aligned(lines: Sequence[tuple[str, ...]], rules_after: tuple[int, ...] = (0,)) -> str:
    """Rows of cells as plain text: the first column left-aligned, the others right-aligned,
    a rule under each row numbered in ``rules_after``."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = []
    for number, line in enumerate(lines):
        cells = [line[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
        out.append("  ".join(cells))
        if number in rules_after:
            out.append("-" * len(out[-1]))
    return "\n".join(out)


def flags_legend(rows: Sequence[dict[str, Any]]) -> str:
    """One line per notify-flags value in the changes, with its flags' names."""
    values = sorted({controls["flags"] for controls in rows if "flags" in controls})
    return "\n".join(f"  flags={value:#x}: {flag_names(value)}" for value in values)


def measure_widget(repeats: int) -> Timing | None:
    """Time the Explorer widget's own re-run, drawing off; None without ipywidgets."""
    try:
        from bitslab.widgets import Explorer
    except ImportError:
        return None
    explorer = Explorer(draw=False)
    return time_calls(explorer.rerun, repeats)


# -- the pictures (issue 20) ------------------------------------------------------------------

#: The median click may take at most this share of drawing the same pictures from scratch.
PICTURE_SHARE = 0.25


@dataclass(frozen=True)
class PictureRow:
    """One control change: its click on a drawn Explorer, and the pictures from scratch."""

    label: str
    click: Timing
    scratch: Timing
    rebuilt: int  # how many of the timed clicks rebuilt the timeline's layout
    rendered: int  # how many rendered it again (a rebuild, or only a new time axis)


def set_controls(explorer: Any, controls: dict[str, Any]) -> None:
    """Set the Explorer's controls to stand for ``controls`` (restart_story's keyword
    arguments), as a student's clicks would; several together re-run once (``hold``)."""
    with explorer.hold():
        for name, value in controls.items():
            if name == "crash_at":
                explorer.crashes.value = value is not None
            elif name == "restart_at":
                explorer.restarts.value = value is not None
            elif name in ("outage", "server_error", "service_restart", "reboot"):
                box, span = explorer.controls[name], explorer.controls[f"{name}_span"]
                if value is not None:
                    span.value = (value[0], value[0] + value[1])
                box.value = value is not None
            else:
                explorer.controls[name].value = value


def measure_pictures(controls: dict[str, Any], repeats: int) -> PictureRow:
    """Time a click that makes ``controls`` (from the defaults, put back untimed after each)
    and drawing that run's timeline and outcome matrix from scratch with savefig."""
    import io

    from bitslab import plots
    from bitslab.widgets import Explorer

    explorer = Explorer()
    defaults = explorer.settings
    picture = explorer._picture  # the benchmark reads its count of rebuilds; the app never
    set_controls(explorer, {**defaults, **controls})  # warm-up
    set_controls(explorer, defaults)
    times, rebuilt, rendered = [], 0, 0
    for _ in range(repeats):
        gc.collect()
        before = picture.builds, picture.renders
        start = time.perf_counter()
        set_controls(explorer, {**defaults, **controls})
        times.append((time.perf_counter() - start) * 1000.0)
        rebuilt += picture.builds - before[0]
        rendered += picture.renders - before[1]
        set_controls(explorer, defaults)  # untimed: only the click is counted
    sim = restart_story(**controls)
    wanted = bool(sim.jobs[0].get_notify_flags() & NotifyFlags.JOB_MODIFICATION)

    def scratch() -> None:
        for figure in (
            plots.timeline(sim, modifications=wanted),
            plots.outcome_matrix(sim, title="how each notification ended"),
        ):
            figure.savefig(io.BytesIO(), format="png", dpi=80)

    click_timing = Timing(statistics.median(times), max(times))
    scratch_timing = time_calls(scratch, repeats)
    return PictureRow(label_of(controls), click_timing, scratch_timing, rebuilt, rendered)


def format_pictures(rows: Sequence[PictureRow]) -> str:
    """The clicks against the pictures from scratch, as an aligned table."""
    header = ("control change", "click med", "click max", "scratch med", "scratch max", "ratio")
    lines = [header]
    for row in rows:
        lines.append(
            (
                row.label,
                f"{row.click.median:.1f}",
                f"{row.click.max:.1f}",
                f"{row.scratch.median:.1f}",
                f"{row.scratch.max:.1f}",
                f"{row.click.median / row.scratch.median:.3f}",
            )
        )
    return aligned(lines)


def format_timing(timing: Timing) -> str:
    """``median 1.02 ms, max 1.50 ms``."""
    return f"median {timing.median:.2f} ms, max {timing.max:.2f} ms"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: --quick, --stress, --check and --repeats."""
    parser = argparse.ArgumentParser(
        description="Time the explorer's re-run of restart_story against a 50 ms budget."
    )
    parser.add_argument("--quick", action="store_true", help="3 repeats: a smoke run")
    parser.add_argument(
        "--stress", action="store_true", help="add long 503 windows at a 5 s retry delay"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a simulation median is over budget"
    )
    parser.add_argument("--repeats", type=int, default=None, help="repeats per row (50)")
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 3 if args.quick else 50
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the table, and return the exit status (1 only under --check)."""
    args = parse_args(argv)
    changes = CHANGES + (STRESS if args.stress else ())
    plain = measure_plain(args.repeats)  # first, on a heap the stress rows have not grown
    rows = [measure_change(controls, args.repeats) for controls in changes]
    over = [row for row in rows if verdict(row) == "OVER"]

    print(
        f"bitslab explorer re-run: restart_story(**controls), {args.repeats} repeats per row, "
        f"Python {platform.python_version()}, SimPy {simpy.__version__}"
    )
    print(LEGEND)
    print(format_table(rows, plain))
    print(f"\n{flags_legend(changes)}")
    base = rows[0]
    per_event = (base.simulation.median / base.events) / (plain.simulation.median / plain.events)
    print(
        f"\nbitslab over plain SimPy ({label_of(CHANGES[0])}): "
        f"{base.simulation.median / plain.simulation.median:.1f}x per run, "
        f"{per_event:.1f}x per event processed"
    )
    widget = measure_widget(args.repeats)
    print(
        "\nthe widget itself, Explorer(draw=False).rerun() at its first settings (simulation, "
        "arrivals,\nsummary and table; no drawing): "
        + ("skipped, ipywidgets is not installed" if widget is None else format_timing(widget))
    )
    print(
        f"\nbudget: {BUDGET_MS:g} ms of simulation per re-run (median). "
        f"{len(rows) - len(over)} of {len(rows)} rows PASS"
        + (f"; OVER: {', '.join(row.label for row in over)}" if over else "")
    )
    slow_pictures = widget is not None and not report_pictures(args)
    return 1 if args.check and (over or slow_pictures) else 0


def report_pictures(args: argparse.Namespace) -> bool:
    """Measure and print the clicks against the pictures from scratch; True if the median
    click is within PICTURE_SHARE of the median drawing from scratch."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("\npictures: skipped, matplotlib is not installed")
        return True
    import subprocess

    code = "import time; t = time.perf_counter(); import bitslab.widgets\n"
    code += "print(time.perf_counter() - t)"
    took = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    repeats = max(2, args.repeats // 10)
    defaults = restart_story().jobs[0].get_notify_flags()
    clicks = [c for c in CHANGES if c and c != {"flags": defaults}]  # each changes something
    rows = [measure_pictures(controls, repeats) for controls in clicks]
    click = statistics.median(row.click.median for row in rows)
    scratch = statistics.median(row.scratch.median for row in rows)
    print(
        f"\npictures (issue 20): a click on Explorer() (re-run, summary, table, HTML matrix, "
        f"timeline redrawn\nin place) against plots.timeline + plots.outcome_matrix of the same "
        f"run saved with savefig,\n{repeats} repeats per row, ms; ratio: click / scratch\n"
    )
    print(format_pictures(rows))
    rebuilt = sum(row.rebuilt for row in rows)
    rendered = sum(row.rendered for row in rows)
    ok = click <= PICTURE_SHARE * scratch
    print(
        f"\nmedian click {click:.1f} ms, median from scratch {scratch:.1f} ms: ratio "
        f"{click / scratch:.3f} (target at most {PICTURE_SHARE:g}): {'PASS' if ok else 'OVER'}; "
        f"of {repeats * len(rows)} timed clicks, {rebuilt} rebuilt the timeline's layout and "
        f"{rendered} rendered it again ({', '.join(r.label for r in rows if r.rendered) or '-'})"
        f"\nimport bitslab.widgets (fresh interpreter, matplotlib not loaded): "
        f"{float(took.stdout) * 1000:.0f} ms"
    )
    return ok


if __name__ == "__main__":
    sys.exit(main())
