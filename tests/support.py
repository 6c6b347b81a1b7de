"""Helpers shared by the test modules: making a job, keeping the four call slots busy (C9),
reading a job's history and state in one value, the log's invariants (D1), writing a one-job
scenario file, skipping for want of a set-up."""

from __future__ import annotations

import os
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

import pytest

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


def make_job(
    sim: bl.Simulation | None = None,
    *,
    name: str | None = None,
    files: int = 1,
    size: int = 1_000_000,
    sizes: Sequence[int] | None = None,
    url: str | None = None,
    type: bl.JobType = bl.JobType.DOWNLOAD,
    priority: bl.JobPriority = bl.JobPriority.NORMAL,
    fail: int | None = None,
    on_demand: bool = False,
    retry: float | None = None,
    flags: int | None = None,
    notifier: object | None = None,
    resume_at: float | None = None,
) -> bl.Job:
    """A SUSPENDED job in ``sim`` (a new ``Simulation(seed=0)`` if None), set up in this order.

    - ``name``: default ``job<n>``, n the number of jobs ``sim`` had;
    - its files: ``files`` files of ``size`` bytes, or one per entry of ``sizes``, file i
      fetched from ``https://example.test/<name>/f<i>.bin`` into ``f<i>.bin``; ``url`` names
      the one file's URL instead (its local name is the URL's last part);
    - ``fail``: the server answers the first file's URL with this HTTP status for good;
    - ``on_demand``: ON_DEMAND_MODE turned on (R1); ``retry``: minimum_retry_delay;
      ``flags``: notify flags; ``notifier``: notify interface;
    - ``resume_at``: resumed at that time (None: left SUSPENDED).
    """
    sim = sim if sim is not None else bl.Simulation(seed=0)
    job = sim.create_job(f"job{len(sim.jobs)}" if name is None else name, type, priority)
    if url is not None:
        if sizes is not None or files != 1:
            raise ValueError(f"make_job: url= names the URL of a one-file job, got {sizes=}")
        job.add_file(url, url.rsplit("/", 1)[-1], size)
    else:
        for i, each in enumerate([size] * files if sizes is None else sizes):
            job.add_file(f"https://example.test/{job.name}/f{i}.bin", f"f{i}.bin", each)
    if fail is not None:
        sim.network.fail(job.files[0].remote_name, fail)
    if on_demand:
        job.set_property(bl.JobProperty.ON_DEMAND_MODE, True)
    if retry is not None:
        job.minimum_retry_delay = retry
    if flags is not None:
        job.set_notify_flags(flags)
    if notifier is not None:
        job.set_notify_interface(notifier)
    if resume_at is not None:
        sim.call_at(resume_at, job.resume)
    return job


class SlowModifications(bl.Notifier):
    """Its job_modification takes 3 s of simulated time (C9: it holds a slot meanwhile)."""

    def job_modification(self, job: bl.Job) -> Generator[Any, Any, Any]:
        yield job.sim.env.timeout(3)


def busy_slots(sim: bl.Simulation) -> None:
    """C9: four jobs whose modification, raised at 0 s when their file is added (C3), holds
    one of the four slots each from 0.1 s (its C8 delay) to 3.1 s."""
    for _ in range(4):
        make_job(
            sim, size=1_000, flags=bl.NotifyFlags.JOB_MODIFICATION, notifier=SlowModifications()
        )


def entries_by_id(sim: bl.Simulation) -> dict[int, list[bl.LogEntry]]:
    """The log's entries grouped by notification id, each group in log order."""
    groups: dict[int, list[bl.LogEntry]] = {}
    for entry in sim.log:
        groups.setdefault(entry.id, []).append(entry)
    return groups


def assert_one_final_entry_each(sim: bl.Simulation) -> dict[int, list[bl.LogEntry]]:
    """D1: every notification in the log has exactly one final entry, and it is the last entry
    of its id (nothing is written for a notification after it ended). Returns
    ``entries_by_id(sim)`` for further checks."""
    groups = entries_by_id(sim)
    for ident, group in groups.items():
        finals = [entry.final for entry in group]
        assert finals == [False] * (len(group) - 1) + [True], (ident, [str(e) for e in group])
    return groups


def assert_attempts_share_their_notification(group: Sequence[bl.LogEntry]) -> None:
    """D1: the entries of one notification id agree on what was raised: method, job, file,
    raise time and reason."""
    first = group[0]
    for entry in group:
        assert (entry.method, entry.job, entry.file, entry.raised, entry.reason) == (
            first.method,
            first.job,
            first.file,
            first.raised,
            first.reason,
        ), (str(first), str(entry))


def assert_known_outcomes_and_rules(sim: bl.Simulation) -> None:
    """D1: every entry's outcome is one of bl.OUTCOMES; a rule is named exactly when the
    outcome is not "delivered", and it is a rule of the catalogue."""
    for entry in sim.log:
        assert entry.outcome in bl.OUTCOMES, str(entry)
        assert (entry.rule is None) == (entry.outcome == "delivered"), str(entry)
        assert entry.rule is None or entry.rule in bl.rules, str(entry)


class Requirement(NamedTuple):
    """A set-up a test module needs (a browser, a built docs site): where it is missing the
    tests skip, unless ``variable=1`` in the environment says they must run there."""

    variable: str  # e.g. BITSLAB_REQUIRE_DOCS
    must: str  # what variable=1 says, e.g. "the docs site must be checked here"
    hint: str  # how to get the set-up, shown when skipping

    def missing(self, reason: str) -> NoReturn:
        """Skip with ``reason`` and the hint, or fail where the variable says it must run."""
        if os.environ.get(self.variable) == "1":
            pytest.fail(f"{reason}; {self.variable}=1 says {self.must}")
        pytest.skip(f"{reason} ({self.hint})")
