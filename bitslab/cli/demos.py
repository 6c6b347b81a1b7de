"""``python -m bitslab demo``: the ready scenarios told for a terminal."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..scenarios import MediaPlayer, flaky_network, media_player, restart_story
from ..simulation import Simulation
from ..views.cli_text import (
    describe_world,
    format_history,
    plural,
    rules_cited,
    significant_moments,
)
from ..views.words import flag_names
from ..vocabulary import Method
from .output import Output

__all__ = ["DEMOS"]


def _demo_restart_story(io: Output, seed: int) -> Simulation:
    sim = restart_story(seed=seed, run=False)
    io.run(sim)
    io.heading(f"bitslab demo: an application crashes mid-download and restarts (seed {seed})")
    io.write()
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
    for time, what in significant_moments(sim, io.style):
        io.write(f"  {time:8.2f} s  {what}")
    io.write("\nWhat BITS raised, what arrived, and why (sim.log.explain()):\n")
    io.explain(sim)
    io.rules(rules_cited(sim))
    return sim


def _demo_flaky_network(io: Output, seed: int) -> Simulation:
    sim = flaky_network(seed=seed, run=False)
    io.run(sim)
    io.heading(f"bitslab demo: a flaky network (seed {seed})")
    io.write(describe_world(sim) + "\n")
    for job in sim.jobs:
        io.write(format_history(job, io.style) + "\n")
    io.write(f"quiet at {sim.now:.2f} s.\n")
    io.rules({change.rule for job in sim.jobs for change in job.history})
    return sim


def _ranges_text(ranges: Sequence[tuple[int, int]]) -> str:
    """``0-999,999`` style byte ranges (inclusive ends, as HTTP writes them)."""
    return ", ".join(f"{offset:,}-{offset + length - 1:,}" for offset, length in ranges)


def _demo_media_player(io: Output, seed: int) -> Simulation:
    sim = media_player(seed=seed, run=False)
    io.run(sim)
    film = sim.jobs[0]
    movie = film.files[0]
    player = film.get_notify_interface()
    assert isinstance(player, MediaPlayer)
    io.heading(f"bitslab demo: a media player streams a film on demand (seed {seed})")
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
    io.explain(sim)
    io.rules(rules_cited(sim) | {"R1", "R2", "R3", "R4", "F7"})
    return sim


DEMOS: dict[str, Callable[[Output, int], Simulation]] = {
    "restart-story": _demo_restart_story,
    "flaky-network": _demo_flaky_network,
    "media-player": _demo_media_player,
}
