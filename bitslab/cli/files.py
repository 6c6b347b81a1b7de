"""``python -m bitslab run FILE.toml`` and ``explain FILE.toml``: a scenario file's run."""

from __future__ import annotations

import argparse

from ..scenarios.file import ScenarioFile, ScenarioFileError, ScenarioRun
from ..simulation import Simulation
from ..views.cli_text import (
    describe_world,
    format_history,
    format_notifications,
    rules_cited,
)
from ..views.words import flag_names
from .output import Output

__all__ = ["explain_file", "run_file"]


def _load(
    io: Output, path: str, seed: int | None, job: str | None = None
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


def _header(io: Output, command: str, scenario: ScenarioFile, sim: Simulation) -> None:
    titled = "title" in scenario.data
    io.heading(f"bitslab {command}: {scenario.title}")
    io.write(f"  ({scenario.source}, seed {sim.seed})" if titled else f"  (seed {sim.seed})")
    if scenario.description:
        io.write("  " + scenario.description.strip().replace("\n", "\n  "))
    io.write(describe_world(sim) + "\n")


def _ending(io: Output, scenario: ScenarioFile, sim: Simulation) -> None:
    if scenario.until is not None:
        io.write(f"stopped at {sim.now:.2f} s (simulation.until); quiet: {sim.quiet}.\n")
    else:
        io.write(f"quiet at {sim.now:.2f} s.\n")


def run_file(io: Output, args: argparse.Namespace) -> Simulation:
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


def explain_file(io: Output, args: argparse.Namespace) -> Simulation:
    scenario, (sim, _) = _load(io, args.file, args.seed, args.job)
    _header(io, "explain", scenario, sim)
    for job in sim.jobs:
        if args.job is not None and job.name != args.job:
            continue
        io.explain(sim, job)
    _ending(io, scenario, sim)
    io.rules(rules_cited(sim))
    return sim
