"""The command line: ``python -m bitslab demo | run FILE.toml | explain FILE.toml | rules``.

Colour and a progress bar on a terminal, plain text when piped (see :mod:`bitslab.views.terminal`).
Exit status: 0 done, 2 a bad command line, a bad scenario file (the message names the key), a
run that spent its budget or an output that cannot be written, 130 Ctrl-C. Every failure is one
line on stderr, never a traceback; text from the scenario file reaches the terminal with its
control characters escaped (:func:`bitslab.views.terminal.printable`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from .budget import RunBudgetError
from .classroom import cli as classroom
from .constants import NotifyFlags
from .rulebook import FAMILIES, rules
from .scenarios import MediaPlayer, flaky_network, media_player, restart_story
from .scenarios.file import ScenarioFile, ScenarioFileError, ScenarioRun
from .scenarios.sweepfile import add_command as add_sweep_command
from .scenarios.sweepfile import run_command as run_sweep_command
from .simulation import Simulation
from .views.explain import flag_names
from .views.report import (
    describe_world,
    format_history,
    format_notifications,
    format_rules,
    plural,
    rules_cited,
    significant_moments,
)
from .views.terminal import ProgressBar, Style, printable, wants_colour
from .vocabulary import Method

__all__ = ["format_history", "main"]


class _Output:
    """Where a command writes: ``out`` for its account, ``err`` for the bar and errors."""

    def __init__(self, out: TextIO, err: TextIO, colour: str) -> None:
        self.out = out
        self.err = err
        self.style = Style(wants_colour(out, colour))
        self.bar = ProgressBar(err)

    def write(self, text: str = "") -> None:
        self.out.write(printable(text, colour=self.style.colour) + "\n")

    def error(self, text: str) -> None:
        """One line on stderr: ``error: ...``, with no control character left raw."""
        self.err.write("error: " + printable(" ".join(text.split())) + "\n")

    def rules(self, cited: set[str]) -> None:
        self.write("The rules cited above (python -m bitslab rules ID says more):")
        for rule in rules.values():
            if rule.id in cited:
                self.write(f"  {rule}")

    def run(self, sim: Simulation, until: float | None = None) -> None:
        try:
            sim.run(until=until, progress=self.bar)
        finally:
            self.bar.clear()


# -- demo -------------------------------------------------------------------------------------


def _demo_restart_story(io: _Output, seed: int) -> Simulation:
    sim = restart_story(seed=seed, run=False)
    io.run(sim)
    io.write(f"bitslab demo: an application crashes mid-download and restarts (seed {seed})\n")
    for job in sim.jobs:
        notifier = job.get_notify_interface()
        program = job.get_notify_cmdline()[0]
        how = "no interface" if notifier is None else "a notifier"
        if program:
            how += f", command line {program}"
        io.write(
            f"  job {job.name!r}: {plural(len(job.files), 'file')}, flags "
            f"{flag_names(job.get_notify_flags())}, {how}"
        )
    io.write("\nWhat happened:")
    for time, what in significant_moments(sim):
        io.write(f"  {time:8.2f} s  {what}")
    io.write("\nWhat BITS raised, what arrived, and why (sim.log.explain()):\n")
    io.write(sim.log.explain() + "\n")
    io.rules(rules_cited(sim))
    return sim


def _demo_flaky_network(io: _Output, seed: int) -> Simulation:
    sim = flaky_network(seed=seed, run=False)
    io.run(sim)
    io.write(f"bitslab demo: a flaky network (seed {seed})")
    io.write(describe_world(sim) + "\n")
    for job in sim.jobs:
        io.write(format_history(job, io.style) + "\n")
    io.write(f"quiet at {sim.now:.2f} s.\n")
    io.rules({change.rule for job in sim.jobs for change in job.history})
    return sim


def _ranges_text(ranges: Sequence[tuple[int, int]]) -> str:
    """``0-999,999`` style byte ranges (inclusive ends, as HTTP writes them)."""
    return ", ".join(f"{offset:,}-{offset + length - 1:,}" for offset, length in ranges)


def _demo_media_player(io: _Output, seed: int) -> Simulation:
    sim = media_player(seed=seed, run=False)
    io.run(sim)
    film = sim.jobs[0]
    movie = film.files[0]
    player = film.get_notify_interface()
    assert isinstance(player, MediaPlayer)
    io.write(f"bitslab demo: a media player streams a film on demand (seed {seed})")
    io.write(describe_world(sim))
    io.write(
        f"  job {film.name!r}: {movie.local_name} ({movie.size:,} bytes), on-demand mode, "
        f"flags {flag_names(film.get_notify_flags())}\n"
    )
    io.write("What the player asked of BITS:")
    for action in player.actions:
        io.write(f"  {action.time:8.2f} s  {action.what}: {action.result}")
    io.write("\n" + format_history(film, io.style) + "\n")
    io.write("Range reports the player received (file_ranges_transferred, R4):")
    for call in player.calls:
        if call.method == Method.FILE_RANGES_TRANSFERRED:
            io.write(f"  {call.time:8.2f} s  bytes {_ranges_text(call.ranges or ())}")
    io.write(
        "  (none after on-demand mode was turned off: range reports exist only for "
        "on-demand jobs, F7)\n"
    )
    io.write("What BITS raised, what arrived, and why (sim.log.explain()):\n")
    io.write(sim.log.explain() + "\n")
    io.rules(rules_cited(sim) | {"R1", "R2", "R3", "R4", "F7"})
    return sim


_DEMOS: dict[str, Callable[[_Output, int], Simulation]] = {
    "restart-story": _demo_restart_story,
    "flaky-network": _demo_flaky_network,
    "media-player": _demo_media_player,
}


# -- run and explain --------------------------------------------------------------------------


def _load(
    io: _Output, path: str, seed: int | None, job: str | None = None
) -> tuple[ScenarioFile, ScenarioRun]:
    """Check and run a scenario file (ScenarioFileError if it is bad, or has no ``job``)."""
    scenario = ScenarioFile.load(path)
    if seed is not None:
        settings = dict(scenario.data.get("simulation", {}), seed=seed)
        scenario = ScenarioFile(scenario.source, dict(scenario.data, simulation=settings))
    result = scenario.simulate(run=False)
    names = [each.name for each in result.sim.jobs]
    if job is not None and job not in names:
        listed = ", ".join(repr(name) for name in names)
        raise ScenarioFileError(scenario.source, "", f"has no job {job!r} (jobs: {listed})")
    io.run(result.sim, scenario.until)
    return scenario, result


def _header(io: _Output, command: str, scenario: ScenarioFile, sim: Simulation) -> None:
    titled = "title" in scenario.data
    io.write(io.style.paint(f"bitslab {command}: {scenario.title}", "bold"))
    io.write(f"  ({scenario.source}, seed {sim.seed})" if titled else f"  (seed {sim.seed})")
    if scenario.description:
        io.write("  " + scenario.description.strip().replace("\n", "\n  "))
    io.write(describe_world(sim) + "\n")


def _ending(io: _Output, scenario: ScenarioFile, sim: Simulation) -> None:
    if scenario.until is not None:
        io.write(f"stopped at {sim.now:.2f} s (simulation.until); quiet: {sim.quiet}.\n")
    else:
        io.write(f"quiet at {sim.now:.2f} s.\n")


def _run_file(io: _Output, args: argparse.Namespace) -> Simulation:
    scenario, (sim, actions) = _load(io, args.file, args.seed)
    _header(io, "run", scenario, sim)
    if actions:
        io.write("Timed calls (the file's *_at keys):")
        for action in actions:
            result = (
                action.result if action.result == "ok" else io.style.paint(action.result, "red")
            )
            io.write(f"  {action.time:9.2f} s  {action.what}: {result}")
        io.write()
    for job in sim.jobs:
        io.write(format_history(job, io.style))
        io.write(f"  notifications (flags {flag_names(job.get_notify_flags())}):")
        io.write(format_notifications(sim, job, io.style) + "\n")
    _ending(io, scenario, sim)
    io.rules(rules_cited(sim))
    return sim


def _explain_file(io: _Output, args: argparse.Namespace) -> Simulation:
    scenario, (sim, _) = _load(io, args.file, args.seed, args.job)
    _header(io, "explain", scenario, sim)
    for job in sim.jobs:
        if args.job is not None and job.name != args.job:
            continue
        io.write(sim.log.explain(job) + "\n")
    _ending(io, scenario, sim)
    io.rules(rules_cited(sim))
    return sim


# -- rules ------------------------------------------------------------------------------------


def _rules(io: _Output, args: argparse.Namespace) -> int:
    wanted = [word.upper() for word in args.ids]
    unknown = [word for word in wanted if word not in rules and word not in FAMILIES]
    if unknown:
        io.err.write(
            f"error: no rule or family {', '.join(unknown)}; families are "
            + ", ".join(f"{key} ({name})" for key, name in FAMILIES.items())
            + "\n"
        )
        return 2
    selected = [
        rule
        for rule in rules.values()
        if (not wanted or rule.id in wanted or rule.family in wanted)
        and (rule.model_choice or not args.model_choices)
    ]
    io.write(format_rules(selected, io.style, sources=args.sources))
    if not wanted and not args.model_choices:
        choices = sum(rule.model_choice for rule in selected)
        io.write(f"\n{len(selected)} rules, {choices} of them model choices.")
    return 0


# -- main -------------------------------------------------------------------------------------


def _seed(text: str) -> int:
    """--seed: a whole number of at least 0 (argparse reports the refusal, exit status 2)."""
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if seed < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {text!r}")
    return seed


def _check_target(option: str, target: str | None) -> str | None:
    """What is wrong with the file --plot or --log would write, or None."""
    if target is None:
        return None
    if not target:
        return f"--{option} '': an empty path; give a file name"
    path = Path(target)
    if path.is_dir():
        return f"--{option} {target}: is a directory; give a file name"
    if not path.parent.is_dir():
        return f"--{option} {target}: no such directory"
    if option == "plot" and not path.suffix:
        return f"--plot {target}: give the file name an extension such as .png or .svg"
    return None


def _outputs(sim: Simulation, args: argparse.Namespace, io: _Output) -> int:
    """Write what ``--plot`` and ``--log`` asked for."""
    if getattr(args, "plot", None):
        try:
            from .plots import timeline
        except ImportError:
            io.error("--plot needs matplotlib: pip install 'bitslab[widgets]'")
            return 2
        asked = any(job.get_notify_flags() & NotifyFlags.JOB_MODIFICATION for job in sim.jobs)
        name = args.scenario if args.command == "demo" else Path(args.file).name
        figure = timeline(  # without modifications, unless asked for: dozens of hollow marks
            sim, modifications=asked, title=f"{name}, seed {sim.seed}: what arrived, and when"
        )
        try:
            figure.savefig(args.plot, dpi=110)
        except (OSError, ValueError) as error:  # ValueError: a format matplotlib lacks
            reason = error.strerror if isinstance(error, OSError) else str(error)
            io.error(f"--plot {args.plot}: cannot write ({reason})")
            return 2
        io.err.write(f"wrote the timeline to {args.plot}\n")
    if getattr(args, "log", None):
        try:
            sim.log.to_csv(args.log, raw=args.log_raw)
        except OSError as error:
            io.error(f"--log {args.log}: cannot write ({error.strerror})")
            return 2
        io.err.write(f"wrote the event log to {args.log}\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bitslab",
        description="bitslab: a simulated Windows BITS for learning how it notifies applications.",
        epilog="Exit status: 0 done, 2 a bad command line or scenario file, a run that spent its "
        "budget or an output that cannot be written, 130 interrupted (Ctrl-C).",
    )
    looks = argparse.ArgumentParser(add_help=False)
    looks.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the output: auto (default) on a terminal unless NO_COLOR is set",
    )
    files = argparse.ArgumentParser(add_help=False)
    files.add_argument("--plot", metavar="FILE.png", help="also draw the timeline into FILE.png")
    files.add_argument("--log", metavar="FILE.csv", help="also write the event log as CSV")
    files.add_argument(
        "--log-raw",
        action="store_true",
        help="write text in --log as it is: no ' before a leading = + - @ (spreadsheets may "
        "run such a cell as a formula)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        parents=[looks, files],
        help="an app crashes mid-download and restarts: what arrived, and why",
        description="Run a ready scenario and print what happened, with the rules behind it.",
    )
    demo.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    demo.add_argument(
        "--scenario",
        choices=tuple(_DEMOS),
        default="restart-story",
        help="restart-story (default): notifications across a crash and restart; "
        "flaky-network: job states through outages and server errors; "
        "media-player: an on-demand job, byte ranges and range reports",
    )
    for name, what in (
        ("run", "run a scenario file: each job's history and notifications"),
        ("explain", "run a scenario file and tell, per job, why each notification did or did "
                    "not arrive"),
    ):  # fmt: skip
        command = commands.add_parser(
            name,
            parents=[looks, files],
            help=what,
            description=what[0].upper() + what[1:] + ". The file's schema is in the README "
            "and in `python -c 'import bitslab.scenarios.file as m; help(m)'`.",
        )
        command.add_argument("file", metavar="FILE.toml", help="the scenario file")
        command.add_argument("--seed", type=_seed, help="override the file's simulation.seed")
        if name == "explain":
            command.add_argument("--job", help="only the job of this name")
    listing = commands.add_parser(
        "rules",
        parents=[looks],
        help="the catalogue of rules (bitslab.rules)",
        description="Print the rules bitslab follows: all, or the IDs and families given.",
    )
    listing.add_argument("ids", nargs="*", metavar="ID", help="rule IDs (F5) or families (C)")
    listing.add_argument("--model-choices", action="store_true", help="only bitslab's choices")
    listing.add_argument("--sources", action="store_true", help="the page each rule comes from")
    classroom.add_parser(commands)
    add_sweep_command(commands)  # bitslab/sweepfile.py
    return parser


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Entry point of ``python -m bitslab``; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    io = _Output(
        out if out is not None else sys.stdout,
        err if err is not None else sys.stderr,
        getattr(args, "color", "auto"),
    )
    if args.command is None:
        parser.print_help(io.out)
        return 0
    if args.command == "rules":
        return _rules(io, args)
    try:
        if args.command == "classroom":
            return classroom.run(args, io.out, io.err)
        return _simulate(io, args)
    except KeyboardInterrupt:
        io.bar.clear()
        io.error("interrupted (Ctrl-C)")
        return 130


def _simulate(io: _Output, args: argparse.Namespace) -> int:
    """demo, run and explain: check the outputs, run, print, write the outputs."""
    targets = {}
    for option in ("plot", "log", "out"):
        target = getattr(args, option, None)
        problem = _check_target(option, target)
        if problem is not None:
            io.error(problem)
            return 2
        if target:
            targets[option] = Path(target).resolve()
    if len(targets) == 2 and targets["plot"] == targets["log"]:
        io.error(f"--plot and --log name the same file {args.log}: give each its own")
        return 2
    try:
        if args.command == "sweep":
            return run_sweep_command(args, io.out, io.err)
        if args.command == "demo":
            sim = _DEMOS[args.scenario](io, args.seed)
        elif args.command == "run":
            sim = _run_file(io, args)
        else:
            sim = _explain_file(io, args)
    except (ScenarioFileError, RunBudgetError) as error:
        io.error(str(error))
        return 2
    except MemoryError:
        io.error("out of memory: the scenario is too large for this machine")
        return 2
    return _outputs(sim, args, io)
