"""``python -m bitslab sweep FILE.toml --vary KEY=VALUES``: a scenario file over a grid."""

from __future__ import annotations

import argparse
import time
from typing import Any, TextIO

from ..scenarios.file import ScenarioFile
from ..scenarios.sweepfile import FileScenario, parse_values

__all__ = ["add_command", "run_command"]


def _vary(text: str) -> tuple[str, list[Any]]:
    """``--vary KEY=VALUES`` (argparse reports a refusal, exit status 2)."""
    key, equals, rest = text.partition("=")
    if not equals or not key.strip() or not rest.strip():
        raise argparse.ArgumentTypeError(f"must be KEY=VALUES, such as flags=0..0x3F; got {text!r}")
    try:
        return key.strip(), parse_values(rest)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{key.strip()}: {error}") from None


def add_command(commands: Any) -> None:
    """Add ``sweep`` to the command line's subcommands."""
    command = commands.add_parser(
        "sweep",
        help="run a scenario file at every combination of values; one CSV row per run",
        description="Run a scenario file at every combination of the values given with "
        "--vary (their product, the last varying fastest), and write one CSV row per run: "
        "the values, how each callback method's notifications ended, each job's final state "
        "and time, and an error column for a combination the model refused.",
        epilog="KEY is a key path into the file (job[0].flags, job[nightly].minimum_retry_delay,"
        " simulation.seed) or a key written once in it (flags). VALUES: comma-separated TOML "
        "values or words, A..B for every whole number from A to B (0..0x3F).",
    )
    command.add_argument("file", metavar="FILE.toml", help="the scenario file")
    command.add_argument(
        "--vary", metavar="KEY=VALUES", type=_vary, action="append", required=True,
        help="a key of the file and its values; repeat for more keys",
    )  # fmt: skip
    where = command.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=int, default=1, metavar="N",
        help="run in N worker processes (default 1: in this process)",
    )  # fmt: skip
    where.add_argument(
        "--dask", metavar="ADDRESS",
        help="run on the Dask scheduler at ADDRESS (tcp://host:8786; pip install 'bitslab[dask]')",
    )  # fmt: skip
    command.add_argument("--out", metavar="FILE.csv", help="write the table here (default: stdout)")


def run_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``python -m bitslab sweep``; a bad file or key raises ScenarioFileError (exit 2)."""
    from ..sweep import process_pool, sweep

    grid = dict(args.vary)
    if args.workers < 1:
        err.write(f"error: --workers must be at least 1, got {args.workers}\n")
        return 2
    if len(grid) < len(args.vary):
        twice = sorted({k for k, _ in args.vary if sum(k == o for o, _ in args.vary) > 1})
        err.write(f"error: --vary {', '.join(twice)} given more than once\n")
        return 2
    file = ScenarioFile.load(args.file)
    scenario = FileScenario.make(file, list(grid), list(grid.values()))
    total = 1
    for values in grid.values():
        total *= len(values)
    mapping = ", ".join(
        f"{key} ({len(grid[key])})"
        if key == path.text
        else f"{key} = {path.text} ({len(grid[key])})"
        for key, path in scenario.paths.items()
    )
    err.write(f"sweep {file.source}: {total:,} runs, varying {mapping}\n")
    began = time.perf_counter()
    try:
        if args.dask:
            try:
                import distributed
            except ImportError:
                err.write("error: --dask needs Dask: pip install 'bitslab[dask]'\n")
                return 2
            try:
                connect: Any = distributed.Client  # its __init__ has no type hints
                client = connect(args.dask, timeout="10s")
            except OSError as error:
                err.write(f"error: --dask {args.dask}: cannot connect ({error})\n")
                return 2
            with client:
                table = sweep(scenario, grid, executor=client.get_executor())
        elif args.workers > 1:
            with process_pool(args.workers) as pool:
                table = sweep(scenario, grid, executor=pool)
        else:
            table = sweep(scenario, grid)
    except KeyboardInterrupt:  # Ctrl-C: the sweep cancelled its pending runs
        err.write("interrupted: no table written\n")
        return 130
    took = time.perf_counter() - began
    failed = int(table["error"].notna().sum())
    if args.out:
        try:
            table.to_csv(args.out, index=False)
        except OSError as error:
            err.write(f"error: --out {args.out}: cannot write ({error.strerror})\n")
            return 2
    else:
        table.to_csv(out, index=False)
    where = f"; wrote {args.out}" if args.out else ""
    errors = f"; {failed:,} failed (see the error column)" if failed else ""
    err.write(f"{len(table):,} runs in {took:.1f} s{errors}{where}\n")
    return 0
