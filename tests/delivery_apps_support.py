"""Helpers shared by the tests of delivery to applications and command lines (I4-I8, K2-K6,
P1): jobs run until quiet, simulated programs, and the app-restart story.

Times are exact: on the default link (1,000,000 B/s, latency 0.05 s) a 100,000-byte file
resumed at t=0 is done at 0.15, the next one at 0.30. Jobs get a 5 s retry delay (the floor,
L1) so retries come at 0.15 + 5k. Notifiers are ``bl.RecordingNotifier``s, whose ``.calls``
show what was really called; the log shows what BITS decided and why.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from support import make_job

import bitslab as bl

F = bl.NotifyFlags
S = bl.JobState
SIZE = 100_000  # 0.1 s of the default link, so a file takes 0.15 s with the latency
FIRST_DONE = 0.15  # the first file of a job resumed at 0 is done (and TRANSFERRED if alone)
RETRY = 5.0  # minimum_retry_delay of the jobs below
PROGRAM = "C:\\Tools\\notify.exe"


def settled(state: bl.JobState, **kwargs: Any) -> bl.Job:
    """A job run until quiet in TRANSFERRED or ERROR (no interface, no command line)."""
    job = make_job(
        name="nightly",
        size=SIZE,
        fail=404 if state is S.ERROR else None,
        retry=RETRY,
        **kwargs,
    )
    job.resume()
    job.sim.run()
    assert job.state is state
    return job


def method_for(state: bl.JobState) -> str:
    return "job_transferred" if state is S.TRANSFERRED else "job_error"


def entries(job: bl.Job, method: str, **kwargs: Any) -> list[bl.LogEntry]:
    return job.sim.log.entries(job, method=method, **kwargs)


def ids(found: list[bl.LogEntry]) -> list[int]:
    """The distinct notification ids, in order of first appearance."""
    return list(dict.fromkeys(entry.id for entry in found))


def methods(notifier: bl.RecordingNotifier) -> list[str]:
    return [call.method for call in notifier.calls]


class Program:
    """A simulated program (K6): records each run; exits with ``codes`` in turn (the last
    one repeats), or raises ``exc``."""

    def __init__(self, *codes: object, exc: Exception | None = None) -> None:
        self.codes = list(codes) or [0]
        self.exc = exc
        self.runs: list[tuple[float, bl.Job, str]] = []

    def __call__(self, job: bl.Job, parameters: str) -> object:
        self.runs.append((job.sim.now, job, parameters))
        if self.exc is not None:
            raise self.exc
        return self.codes[min(len(self.runs), len(self.codes)) - 1]

    @property
    def times(self) -> list[float]:
        return [run[0] for run in self.runs]


class Story(NamedTuple):
    sim: bl.Simulation
    app: bl.App
    job: bl.Job
    old: bl.RecordingNotifier
    new: list[bl.RecordingNotifier]


def restart_story(
    *, crash_at: float = 0.01, start_at: float | None = 12.0, until: float | None = None
) -> Story:
    """App ``downloader`` registers a notifier on a two-file job (JOB_TRANSFERRED and
    FILE_TRANSFERRED), crashes at ``crash_at`` and starts again at ``start_at``; its
    ``on_start`` registers a new notifier of the new run."""
    sim = bl.Simulation(seed=0)
    app = sim.add_app("downloader")
    job = make_job(
        sim,
        name="nightly",
        files=2,
        size=SIZE,
        retry=RETRY,
        flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED,
    )
    old = bl.RecordingNotifier(app)
    job.set_notify_interface(old)
    new: list[bl.RecordingNotifier] = []

    @app.on_start
    def register(app: bl.App) -> None:
        notifier = bl.RecordingNotifier(app)
        new.append(notifier)
        job.set_notify_interface(notifier)

    sim.call_at(crash_at, app.crash)
    if start_at is not None:
        sim.call_at(start_at, app.start)
    job.resume()
    sim.run(until)
    return Story(sim, app, job, old, new)
