"""The command line: ``python -m bitslab demo``.

Plain text, so that it reads the same in a terminal, a log file and a notebook.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from .constants import BG_SIZE_UNKNOWN, JobState
from .jobs import Job
from .rulebook import rules
from .scenarios import flaky_network
from .simulation import Simulation

__all__ = ["format_history", "main"]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def format_history(job: Job) -> str:
    """A job's state history, one line per state change with the rule that caused it."""
    progress = job.progress
    total = "unknown" if progress.bytes_total == BG_SIZE_UNKNOWN else f"{progress.bytes_total:,}"
    lines = [
        f"job {job.name!r} ({job.priority.name}, {_plural(progress.files_total, 'file')}, "
        f"{total} bytes)"
    ]
    for change in job.history:
        why = f"{change.rule} {rules[change.rule].title}"
        lines.append(f"  {change.time:9.2f} s  {change.new.name:<16} {why}")
    ending = f"  ends {job.state.name}: {progress.bytes_transferred:,} bytes transferred"
    if job.state in (JobState.ERROR, JobState.TRANSIENT_ERROR):
        error = job.get_error()
        ending += f"; error {error.name} ({error.description})"
    lines.append(ending)
    return "\n".join(lines)


def _describe_world(sim: Simulation) -> str:
    net = sim.network
    parts = [f"link {net.bandwidth:,.0f} bytes/s, latency {net.latency:g} s"]
    parts += [f"outage {s.start:g}-{s.end:g} s" for s in net.outages]
    for failure in net.failures:
        until = "for good" if failure.end == float("inf") else f"until {failure.end:g} s"
        parts.append(f"{failure.url} answers {failure.status} {until}")
    return "\n".join("  " + part for part in parts)


def demo(out: TextIO, seed: int = 0) -> int:
    """Run the flaky-network scenario and print each job's state history."""
    sim = flaky_network(seed=seed)
    out.write(f"bitslab demo: a flaky network (seed {seed})\n")
    out.write(_describe_world(sim) + "\n\n")
    for job in sim.jobs:
        out.write(format_history(job) + "\n\n")
    out.write(f"quiet at {sim.now:.2f} s.\n\nThe rules cited above (bits-rules.md):\n")
    cited = {change.rule for job in sim.jobs for change in job.history}
    for rule in rules.values():
        if rule.id in cited:
            out.write(f"  {rule}\n")
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Entry point of ``python -m bitslab``; returns the exit status."""
    stream = out if out is not None else sys.stdout
    parser = argparse.ArgumentParser(
        prog="python -m bitslab",
        description="bitslab: a simulated Windows BITS for learning how it notifies applications.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo_parser = commands.add_parser(
        "demo", help="run a small scenario (outage, server errors) and print what happened"
    )
    demo_parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo(stream, seed=args.seed)
    parser.print_help(stream)
    return 0
