"""The command line: ``python -m bitslab demo``.

Plain text, so that it reads the same in a terminal, a log file and a notebook.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from typing import TextIO

from .constants import BG_SIZE_UNKNOWN, JobState
from .explain import flag_names
from .jobs import Job
from .rulebook import rules
from .scenarios import MediaPlayer, flaky_network, media_player, restart_story
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


_RULE_ID = re.compile(r"\b([A-Z]\d{1,2})\b")


def _write_rules(out: TextIO, cited: Iterable[str]) -> None:
    wanted = set(cited)
    out.write("The rules cited above (bits-rules.md):\n")
    for rule in rules.values():
        if rule.id in wanted:
            out.write(f"  {rule}\n")


def demo_flaky_network(out: TextIO, seed: int = 0) -> int:
    """Run the flaky-network scenario and print each job's state history."""
    sim = flaky_network(seed=seed)
    out.write(f"bitslab demo: a flaky network (seed {seed})\n")
    out.write(_describe_world(sim) + "\n\n")
    for job in sim.jobs:
        out.write(format_history(job) + "\n\n")
    out.write(f"quiet at {sim.now:.2f} s.\n\n")
    _write_rules(out, (change.rule for job in sim.jobs for change in job.history))
    return 0


def _timeline(sim: Simulation) -> list[tuple[float, str]]:
    """The moments a reader needs: apps crashing and starting, jobs finishing or failing."""
    events: list[tuple[float, str]] = []
    for app in sim.apps:
        for run in app.runs:
            if run.number > 1:
                events.append((run.start, f"app {app.name!r} starts again (run {run.number})"))
            if run.end is not None:
                how = "crashes" if run.how == "crash" else "exits"
                events.append((run.end, f"app {app.name!r} {how} (run {run.number} ends)"))
    for job in sim.jobs:
        for change in job.history:
            if change.new in (JobState.TRANSFERRED, JobState.ERROR) or change.new.is_final:
                events.append((change.time, f"job {job.name!r} is {change.new.name}"))
    return sorted(events, key=lambda event: event[0])


def demo(out: TextIO, seed: int = 0) -> int:
    """Run the restart story and print what was raised, what arrived, and why."""
    sim = restart_story(seed=seed)
    out.write(f"bitslab demo: an application crashes mid-download and restarts (seed {seed})\n\n")
    for job in sim.jobs:
        notifier = job.get_notify_interface()
        program = job.get_notify_cmdline()[0]
        how = "no interface" if notifier is None else "a notifier"
        if program:
            how += f", command line {program}"
        out.write(
            f"  job {job.name!r}: {_plural(len(job.files), 'file')}, flags "
            f"{flag_names(job.get_notify_flags())}, {how}\n"
        )
    out.write("\nWhat happened:\n")
    for time, what in _timeline(sim):
        out.write(f"  {time:8.2f} s  {what}\n")
    out.write("\nWhat BITS raised, what arrived, and why (sim.log.explain()):\n\n")
    out.write(sim.log.explain() + "\n\n")
    cited: set[str] = set()
    for entry in sim.log:
        if entry.rule is not None:
            cited.add(entry.rule)
        cited.update(_RULE_ID.findall(entry.reason + " " + entry.trigger))
    _write_rules(out, cited)
    return 0


def _ranges_text(ranges: Iterable[tuple[int, int]]) -> str:
    """``0-999,999`` style byte ranges (inclusive ends, as HTTP writes them)."""
    return ", ".join(f"{offset:,}-{offset + length - 1:,}" for offset, length in ranges)


def demo_media_player(out: TextIO, seed: int = 0) -> int:
    """Run the media-player scenario: what the player asked for, and the range reports."""
    sim = media_player(seed=seed)
    film = sim.jobs[0]
    movie = film.files[0]
    player = film.get_notify_interface()
    assert isinstance(player, MediaPlayer)
    out.write(f"bitslab demo: a media player streams a film on demand (seed {seed})\n")
    out.write(_describe_world(sim) + "\n")
    out.write(
        f"  job {film.name!r}: {movie.local_name} ({movie.size:,} bytes), on-demand mode, "
        f"flags {flag_names(film.get_notify_flags())}\n\n"
    )
    out.write("What the player asked of BITS:\n")
    for action in player.actions:
        out.write(f"  {action.time:8.2f} s  {action.what}: {action.result}\n")
    out.write("\n" + format_history(film) + "\n\n")
    out.write("Range reports the player received (file_ranges_transferred, R4):\n")
    for call in player.calls:
        if call.method == "file_ranges_transferred":
            out.write(f"  {call.time:8.2f} s  bytes {_ranges_text(call.ranges or ())}\n")
    out.write(
        "  (none after on-demand mode was turned off: range reports exist only for "
        "on-demand jobs, F7)\n\n"
    )
    out.write("What BITS raised, what arrived, and why (sim.log.explain()):\n\n")
    out.write(sim.log.explain() + "\n\n")
    cited = {change.rule for change in film.history}
    cited.update(entry.rule for entry in sim.log if entry.rule is not None)
    cited.update({"R1", "R2", "R3", "R4", "F7"})
    _write_rules(out, cited)
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
        "demo",
        help="an app crashes mid-download and restarts: what arrived, and why",
        description="Run a ready scenario and print what happened, with the rules behind it.",
    )
    demo_parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo_parser.add_argument(
        "--scenario",
        choices=("restart-story", "flaky-network", "media-player"),
        default="restart-story",
        help="restart-story (default): notifications across a crash and restart; "
        "flaky-network: job states through outages and server errors; "
        "media-player: an on-demand job, byte ranges and range reports",
    )
    args = parser.parse_args(argv)
    if args.command == "demo":
        if args.scenario == "flaky-network":
            return demo_flaky_network(stream, seed=args.seed)
        if args.scenario == "media-player":
            return demo_media_player(stream, seed=args.seed)
        return demo(stream, seed=args.seed)
    parser.print_help(stream)
    return 0
