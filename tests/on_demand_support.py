"""Helpers shared by the on-demand tests (R1-R6): jobs in a known state, what a notifier
received, and the check that a refused call changed nothing.

The arithmetic behind the times: the default link moves 1,000,000 bytes per second and a
connection takes 0.05 s (L3), so a job resumed at 0 is TRANSFERRING at 0.05 and 300,000
requested bytes arrive by 0.35. Each further file of a turn connects again (0.05 s, S4). Range
reports (R4): the first look is progress_interval (0.1 s) after the job enters TRANSFERRING,
and what it finds goes out at once (C7: the first report is not rate limited), so a job
resumed at 0 reports its first 100,000 bytes at 0.15; after a report the next look is
max(interval, progress_interval) seconds later, 0.5 s by default
(MINIMUM_NOTIFICATION_INTERVAL_MS 500 beats progress_interval 0.1); the last requested range
is reported at once.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from support import log_rows, make_job, snapshot, steps

import bitslab as bl

F = bl.NotifyFlags
S = bl.JobState
P = bl.JobProperty
EOF = bl.BG_LENGTH_TO_EOF
MB = 1_000_000
K = 1_000
RANGES = F.FILE_RANGES_TRANSFERRED
FLAGS = F.JOB_TRANSFERRED | F.JOB_ERROR | F.FILE_TRANSFERRED | RANGES
REPORT = "file_ranges_transferred"
Pairs = list[tuple[int, int]]


def reports(rec: bl.RecordingNotifier) -> list[tuple[float, str, Pairs]]:
    """The range reports a notifier received: (time, file, ranges)."""
    out: list[tuple[float, str, Pairs]] = []
    for call in rec.calls:
        if call.method == REPORT:
            assert call.file is not None
            assert call.ranges is not None
            out.append((round(call.time, 6), call.file.local_name, call.ranges))
    return out


def methods(rec: bl.RecordingNotifier) -> list[tuple[float, str]]:
    return [(round(c.time, 6), c.method) for c in rec.calls]


def count_bytes(pairs: Pairs) -> int:
    return sum(length for _, length in pairs)


def world(job: bl.Job) -> tuple[object, ...]:
    """What a call could change, seen from outside: the job, its files' ranges, the log."""
    files = job.files
    return (
        snapshot(job),
        [f.filled_ranges() for f in files],
        [f.outstanding_ranges() for f in files],
        [f.progress for f in files],
        len(job.sim.log),
    )


def story(job: bl.Job) -> tuple[object, ...]:
    """Everything a finished run shows: history, ranges, progress and the whole log."""
    return (
        steps(job),
        [f.filled_ranges() for f in job.files],
        [f.outstanding_ranges() for f in job.files],
        job.progress,
        log_rows(job.sim),
    )


ERRORS = (TypeError, ValueError, bl.BitsError)


def assert_no_effect(
    build: Callable[[bl.Simulation], bl.Job],
    act: Callable[[bl.Job], object],
    *,
    at: float = 0.0,
    then: Callable[[bl.Job], object] | None = None,
    fails: bool = True,
) -> BaseException | None:
    """Build the same scenario twice. In one, run until ``at`` and ``act`` (which must raise
    one of ERRORS if ``fails``): nothing visible may change. Then ``then`` (e.g. resume) in
    both, run both until quiet, and they must tell the same story: as if ``act`` never was.
    Returns the error raised."""

    def run(acting: bool) -> tuple[tuple[object, ...], BaseException | None]:
        sim = bl.Simulation(seed=0)
        job = build(sim)
        if at:
            sim.run(until=at)
        error: BaseException | None = None
        if acting:
            before = world(job)
            if fails:
                with pytest.raises(ERRORS) as info:
                    act(job)
                error = info.value
            else:
                act(job)
            assert world(job) == before
        if then is not None:
            then(job)
        sim.run()
        return story(job), error

    control, _ = run(False)
    seen, error = run(True)
    assert seen == control
    return error


def suspended_job(sim: bl.Simulation) -> bl.Job:
    """An on-demand job of one 1,000,000-byte file, nothing requested, SUSPENDED."""
    return make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=bl.RecordingNotifier())


def transferring_job(sim: bl.Simulation) -> bl.Job:
    """An on-demand job that asked for its first 600,000 bytes and was resumed at 0."""
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=bl.RecordingNotifier())
    job.files[0].request_ranges([(0, 600 * K)])
    job.resume()
    return job


def resume(job: bl.Job) -> None:
    job.resume()
