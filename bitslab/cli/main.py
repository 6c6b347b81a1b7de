"""The command line's parser and entry point: ``main()`` dispatches to each command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from ..budget import RunBudgetError
from ..classroom import cli as classroom
from ..constants import NotifyFlags
from ..rulebook import FAMILIES, rules
from ..scenarios.file import ScenarioFileError
from ..simulation import Simulation
from ..views.cli_text import format_rules
from .demos import DEMOS
from .files import explain_file, run_file
from .output import Output
from .sweep import add_command as add_sweep_command
from .sweep import run_command as run_sweep_command

__all__ = ["main"]


def _rules(io: Output, args: argparse.Namespace) -> int:
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


def _outputs(sim: Simulation, args: argparse.Namespace, io: Output) -> int:
    """Write what ``--plot`` and ``--log`` asked for."""
    if getattr(args, "plot", None):
        try:
            from ..plots import timeline
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


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
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
        choices=tuple(DEMOS),
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
    add_sweep_command(commands)
    return parser


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    *,
    prog: str = "python -m bitslab",
) -> int:
    """Entry point of ``python -m bitslab`` (``prog`` is how usage lines name the command);
    returns the exit status."""
    parser = _parser(prog)
    args = parser.parse_args(argv)
    io = Output(
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


def _simulate(io: Output, args: argparse.Namespace) -> int:
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
            sim = DEMOS[args.scenario](io, args.seed)
        elif args.command == "run":
            sim = run_file(io, args)
        else:
            sim = explain_file(io, args)
    except (ScenarioFileError, RunBudgetError) as error:
        io.error(str(error))
        return 2
    except MemoryError:
        io.error("out of memory: the scenario is too large for this machine")
        return 2
    return _outputs(sim, args, io)


def exit_status(run: Callable[[], int]) -> int:
    """Run the command line and return its exit status; a reader that goes away (``| head``)
    ends it quietly, with status 0, as Unix tools do, not with a traceback."""
    try:
        status = run()
        sys.stdout.flush()
    except BrokenPipeError:  # later writes, and the flush at exit, go nowhere
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 0
    return status


def script() -> NoReturn:
    """Entry point of the installed ``bitslab`` command (``python -m bitslab`` does the same)."""
    raise SystemExit(exit_status(lambda: main(prog="bitslab")))
