"""Helpers shared by the delivery tests (F5-F8, C1-C11, D1): scripted notifiers, simulated
programs, and reading calls and log entries.

Everything is observed through the public API: what notifiers record, what command-line
handlers see, and the event log ``sim.log``. Files are small (1,000 bytes take 1 ms on the
default 1,000,000 B/s link), so a job resumed at t is TRANSFERRING at t + 0.05 and each file
is done 1 ms later; times are read from ``job.history`` rather than hard-coded where possible.
"""

from __future__ import annotations

from typing import Any

from support import (
    assert_attempts_share_their_notification,
    assert_one_final_entry_each,
)

import bitslab as bl

F = bl.NotifyFlags
S = bl.JobState
ALL = F.JOB_TRANSFERRED | F.JOB_ERROR | F.JOB_MODIFICATION | F.FILE_TRANSFERRED
EVERY = ALL | F.FILE_RANGES_TRANSFERRED  # every kind, DISABLE left out
SIZE = 1_000
RETRY = 5.0  # the shortest minimum_retry_delay (L1 floor)
PROGRAM = "C:\\Tools\\notify.exe"


def time_of(job: bl.Job, state: bl.JobState) -> float:
    """When the job first entered ``state``."""
    return next(change.time for change in job.history if change.new is state)


def calls_of(notifier: bl.RecordingNotifier, method: str) -> list[bl.Call]:
    return [call for call in notifier.calls if call.method == method]


def finals(sim: bl.Simulation, job: bl.Job | None = None, method: str | None = None) -> list[Any]:
    return sim.log.entries(job, method=method, final=True)


class Scripted(bl.Notifier):
    """Answers each call with the next scripted result of its method (an exception is raised);
    when a method's script is used up it succeeds. Records (time, method, file)."""

    def __init__(self, app: bl.App | None = None, **script: list[Any]) -> None:
        super().__init__(app)
        self.script = {method: list(results) for method, results in script.items()}
        self.calls: list[tuple[float, str, bl.File | None]] = []

    def _answer(self, method: str, job: bl.Job, file: bl.File | None = None) -> Any:
        self.calls.append((job.sim.now, method, file))
        results = self.script.get(method)
        result = results.pop(0) if results else None
        if isinstance(result, BaseException):
            raise result
        return result

    def job_transferred(self, job: bl.Job) -> Any:
        return self._answer("job_transferred", job)

    def job_error(self, job: bl.Job, error: bl.JobError) -> Any:
        return self._answer("job_error", job)

    def job_modification(self, job: bl.Job) -> Any:
        return self._answer("job_modification", job)

    def file_transferred(self, job: bl.Job, file: bl.File) -> Any:
        return self._answer("file_transferred", job, file)


class Program:
    """A simulated command-line handler that records its runs; it exits with the next of
    ``codes``, then 0."""

    def __init__(self, *codes: int) -> None:
        self.codes = list(codes)
        self.runs: list[tuple[float, str]] = []

    def __call__(self, job: bl.Job, parameters: str) -> int:
        self.runs.append((job.sim.now, job.name))
        return self.codes.pop(0) if self.codes else 0


def check_log_invariants(sim: bl.Simulation) -> None:
    """D1: one final entry per notification id, written last; attempts count up."""
    for ident, entries in assert_one_final_entry_each(sim).items():
        assert_attempts_share_their_notification(entries)
        attempts = [e.attempt for e in entries if e.attempt]
        assert attempts == sorted(attempts), ident
        assert all(e.time <= entries[-1].time + e.duration for e in entries), ident
