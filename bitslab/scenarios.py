"""Ready scenarios: plain functions with keyword arguments that return a simulation that has run.

The command line, the notebooks and (later) the widgets share these, so that a student sees the
same story everywhere.
"""

from __future__ import annotations

from typing import Any

from .apps import App
from .constants import JobPriority, NotifyFlags
from .jobs import Job
from .notifiers import RecordingNotifier
from .simulation import Simulation

__all__ = ["CompletingNotifier", "flaky_network", "restart_story"]

MIRROR = "https://mirror.test/"
NOTIFY_PROGRAM = r"C:\Tools\notify.exe"


class CompletingNotifier(RecordingNotifier):
    """A recording notifier that does what a real downloader does on job_transferred: it
    acknowledges the job with ``complete()`` from inside the callback (C10)."""

    def job_transferred(self, job: Job) -> Any:
        result = super().job_transferred(job)
        job.complete()
        return result


def restart_story(
    seed: int = 0,
    *,
    crash_at: float = 6.0,
    restart_at: float = 30.0,
    retry_delay: float = 10.0,
    reregister: bool = True,
    run: bool = True,
) -> Simulation:
    """An application registers for notifications, crashes mid-download and restarts.

    - The app ``downloader`` owns job ``nightly`` (three 4 MB files). It asks for
      JOB_TRANSFERRED, JOB_ERROR and FILE_TRANSFERRED and registers a
      :class:`CompletingNotifier`, which acknowledges the job when it is told it is done.
    - The app crashes at ``crash_at``: its notifier is dead (I4). The next file finishes while
      it is down, so BITS's call fails (app_down) and is retried every ``retry_delay``
      seconds (C5); the last file's notification and job_transferred wait behind it (C4).
    - The app starts again at ``restart_at``. With ``reregister`` (the right thing to do) its
      ``on_start`` function registers a new notifier on each of its jobs; BITS then retries
      the pending notifications at once (C5) and they arrive, in order. Without it, they
      stay pending: the dead notifier is never called successfully again.
    - Job ``report`` has no interface, only a command line, ``C:\\Tools\\notify.exe``
      (a simulated program, K6): when it transfers, the command line runs (K3), crash or not.

    >>> sim = restart_story()
    >>> {job.name: job.state.name for job in sim.jobs}
    {'nightly': 'ACKNOWLEDGED', 'report': 'TRANSFERRED'}
    >>> [(e.method, e.outcome) for e in sim.log.entries(sim.jobs[0], final=True)
    ...  if e.method != "job_modification"]  # doctest: +NORMALIZE_WHITESPACE
    [('file_transferred', 'delivered'), ('file_transferred', 'delivered'),
     ('file_transferred', 'delivered'), ('job_transferred', 'delivered')]
    """
    sim = Simulation(seed=seed, bandwidth=1_000_000, latency=0.05)
    app = sim.add_app("downloader")
    nightly = sim.create_job("nightly")
    for name in ("base.cab", "fonts.cab", "lang.cab"):
        nightly.add_file(MIRROR + name, name, size=4_000_000)
    nightly.minimum_retry_delay = retry_delay
    nightly.set_notify_flags(
        NotifyFlags.JOB_TRANSFERRED | NotifyFlags.JOB_ERROR | NotifyFlags.FILE_TRANSFERRED
    )
    nightly.set_notify_interface(CompletingNotifier(app))

    report = sim.create_job("report", priority=JobPriority.FOREGROUND)
    report.add_file(MIRROR + "report.pdf", "report.pdf", size=1_000_000)
    sim.register_program(NOTIFY_PROGRAM, lambda job, parameters: 0)
    report.set_notify_cmdline(NOTIFY_PROGRAM, f"{NOTIFY_PROGRAM} /done {report.name}")

    def register_again(app: App) -> None:
        """What a well-behaved app does at start: register a new notifier on its jobs (I4)."""
        notifier = CompletingNotifier(app)
        for job in app.sim.jobs:
            if job.get_notify_interface() is not None and not job.state.is_final:
                job.set_notify_interface(notifier)

    if reregister:
        app.on_start(register_again)
    sim.call_at(crash_at, app.crash)
    sim.call_at(restart_at, app.start)
    nightly.resume()
    sim.call_at(crash_at + 1.0, report.resume)
    if run:
        sim.run()
    return sim


def flaky_network(
    seed: int = 0,
    *,
    outage_start: float = 15.0,
    outage_duration: float = 10.0,
    server_error_until: float = 40.0,
    retry_delay: float = 20.0,
    run: bool = True,
) -> Simulation:
    """Three downloads on a flaky network, then one with a missing file.

    - ``updates`` (NORMAL, two files) and ``photos`` (NORMAL) take turns in time slices (S2).
    - ``report`` (FOREGROUND) runs beside them (S3); its server answers 503 until
      ``server_error_until``, so it waits in TRANSIENT_ERROR and retries (L5).
    - The network is down from ``outage_start`` for ``outage_duration`` seconds (L4).
    - ``catalog`` asks for a file the server does not have: 404 is fatal (L7).

    >>> sim = flaky_network()
    >>> {job.name: job.state.name for job in sim.jobs}
    {'updates': 'TRANSFERRED', 'photos': 'TRANSFERRED', 'report': 'TRANSFERRED', 'catalog': 'ERROR'}
    """
    sim = Simulation(seed=seed, bandwidth=1_000_000, latency=0.05, time_slice=10.0)
    updates = sim.create_job("updates")
    updates.add_file(MIRROR + "kb1.cab", "kb1.cab", size=12_000_000)
    updates.add_file(MIRROR + "kb2.cab", "kb2.cab", size=4_000_000)
    photos = sim.create_job("photos")
    photos.add_file(MIRROR + "album.zip", "album.zip", size=6_000_000)
    report = sim.create_job("report", priority=JobPriority.FOREGROUND)
    report.add_file(MIRROR + "report.pdf", "report.pdf", size=2_000_000)
    report.minimum_retry_delay = retry_delay
    catalog = sim.create_job("catalog", priority=JobPriority.LOW)
    catalog.add_file(MIRROR + "catalog.xml", "catalog.xml", size=500_000)

    sim.network.outage(start=outage_start, duration=outage_duration)
    sim.network.fail(MIRROR + "report.pdf", 503, start=0.0, duration=server_error_until)
    sim.network.fail(MIRROR + "catalog.xml", 404)
    for job in sim.jobs:
        job.resume()
    if run:
        sim.run()
    return sim
