"""Helpers shared by the test modules: reading a job's history and state in one value, and
writing a one-job scenario file."""

from __future__ import annotations

from pathlib import Path

import bitslab as bl


def steps(job: bl.Job, since: int = 0) -> list[tuple[float, bl.JobState | None, bl.JobState, str]]:
    """``job.history`` from entry ``since`` as (time rounded to the microsecond, old, new, rule)."""
    return [(round(c.time, 6), c.old, c.new, c.rule) for c in job.history[since:]]


def snapshot(job: bl.Job) -> tuple[object, ...]:
    """Everything a call could change on a job."""
    return (
        job.state,
        list(job.history),
        list(job.files),
        job.progress,
        job.priority,
        job.minimum_retry_delay,
        job.no_progress_timeout,
        {prop: job.get_property(prop) for prop in bl.JobProperty},
    )


def log_rows(sim: bl.Simulation) -> list[tuple[object, ...]]:
    """The event log as plain tuples, to compare two runs (determinism)."""
    return [
        (
            e.id,
            e.time,
            e.method,
            e.job.name,
            None if e.file is None else e.file.local_name,
            e.outcome,
            e.rule,
            e.final,
            e.raised,
            e.ranges,
        )
        for e in sim.log
    ]


def one_job_file(
    path: Path, job: str = "j", *, size: int = 1_000, before: str = "", name_toml: str = ""
) -> Path:
    """Write a scenario file of one job with one file of ``size`` bytes; ``before`` goes
    first (a ``[simulation]`` table, a title); ``name_toml`` is the job's name as a TOML
    string when it needs escapes (default: ``job``, quoted)."""
    name = name_toml or f'"{job}"'
    path.write_text(
        f"{before}[[job]]\nname = {name}\n[[job.file]]\n"
        f'url = "https://example.test/a.bin"\nname = "a.bin"\nsize = {size}\n',
        encoding="utf-8",
    )
    return path
