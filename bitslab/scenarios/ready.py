"""Ready scenarios: plain functions with keyword arguments that return a simulation that has run.

The command line, the notebooks and (later) the widgets share these, so that a student sees the
same story everywhere.
"""

from __future__ import annotations

import uuid

from .._check import check_choice, check_int, check_number
from ..constants import JobPriority, JobProperty, JobState, NotifyFlags
from ..errors import BitsError
from ..model.apps import App
from ..model.notifiers import RecordingNotifier
from ..simulation import Simulation
from .media import MediaPlayer, media_player
from .parts import (
    MIRROR,
    NOTIFY_PROGRAM,
    Action,
    CompletingNotifier,
    check_switches,
    fault_window,
    notify_program,
    time_or_never,
)

__all__ = [
    "DOWNLOADER_CLSID",
    "MIRROR",
    "NOTIFY_PROGRAM",
    "ROUTES",
    "Action",
    "CompletingNotifier",
    "MediaPlayer",
    "flags_tour",
    "flaky_network",
    "media_player",
    "restart_story",
    "two_apps_racing",
]


#: The callback class the downloader serves in restart_story(route="clsid") (N1, N2).
DOWNLOADER_CLSID = uuid.UUID("0b2a1f3c-6d5e-4f7a-9b8c-1d2e3f4a5b6c")
#: How the downloader hears back in restart_story: its interface alone, with a command line
#: beside it (K3), or with a callback class beside it (N2).
ROUTES = ("interface", "cmdline", "clsid")


def restart_story(
    seed: int = 0,
    *,
    flags: int = NotifyFlags.JOB_TRANSFERRED | NotifyFlags.JOB_ERROR | NotifyFlags.FILE_TRANSFERRED,
    route: str = "interface",
    crash_at: float | None = 6.0,
    restart_at: float | None = 30.0,
    retry_delay: float = 10.0,
    reregister: bool = True,
    poll: bool = False,
    outage: tuple[float, float] | None = None,
    server_error: tuple[float, float] | None = None,
    service_restart: tuple[float, float] | None = None,
    reboot: tuple[float, float] | None = None,
    run: bool = True,
) -> Simulation:
    """An application registers for notifications, crashes mid-download and restarts.

    - The app ``downloader`` owns job ``nightly`` (three 4 MB files). It sets ``flags``
      (default JOB_TRANSFERRED, JOB_ERROR and FILE_TRANSFERRED) and registers a
      :class:`CompletingNotifier`, which acknowledges the job when it is told it is done.
    - The app crashes at ``crash_at`` (None: never): its notifier is dead (I4). The next file
      finishes while it is down, so BITS's call fails (app_down) and is retried every
      ``retry_delay`` seconds (C5); the last file's notification and job_transferred wait
      behind it (C4).
    - The app starts again at ``restart_at`` (None: never). With ``reregister`` (the right
      thing to do) its ``on_start`` function registers a new notifier on each of its jobs;
      BITS then retries the pending notifications at once (C5) and they arrive, in order.
      Without it, they stay pending: the dead notifier is never called successfully again.
    - With ``poll``, the restarted app then also polls its jobs for what it missed (I4), and
      completes a job it finds TRANSFERRED itself; a notification still pending for it is
      then stale (C11).
    - ``route`` says how else ``nightly`` can be heard from besides its interface:
      ``"interface"`` (nothing else), ``"cmdline"`` (a command line, ``notify.exe /complete
      nightly``, which completes the job: it runs for job_transferred when the interface
      cannot take it, K3, but never for a file, K2) or ``"clsid"`` (the callback class
      ``DOWNLOADER_CLSID``, which the downloader serves: with no live interface BITS
      starts the downloader itself and calls the notifier it makes, N2). The app's own
      restart at ``restart_at`` does nothing if BITS has started it already.
    - Job ``report`` has no interface, only a command line, ``C:\\Tools\\notify.exe``
      (a simulated program, K6): when it transfers, the command line runs (K3), crash or not.
    - Faults, both ``(start, duration)`` in seconds: ``outage`` takes the network down (L4);
      ``server_error`` makes the mirror answer every request (both jobs') with HTTP 503, a
      transient error that BITS retries after the job's retry delay (L5, L7). Both jobs'
      minimum retry delay is ``retry_delay``.
    - ``service_restart`` and ``reboot``, both ``(start, duration)``: the BITS service
      restarts (P2: every interface is lost, jobs and their command lines and classes stay),
      or the machine reboots (P3: the same, and the downloader crashes; nothing starts it
      again but BITS through its class, or its own restart after the machine is back).

    >>> sim = restart_story()
    >>> {job.name: job.state.name for job in sim.jobs}
    {'nightly': 'ACKNOWLEDGED', 'report': 'TRANSFERRED'}
    >>> [(e.method, e.outcome) for e in sim.log.entries(sim.jobs[0], final=True)
    ...  if e.method != "job_modification"]  # doctest: +NORMALIZE_WHITESPACE
    [('file_transferred', 'delivered'), ('file_transferred', 'delivered'),
     ('file_transferred', 'delivered'), ('job_transferred', 'delivered')]
    """
    crash = time_or_never("crash_at", crash_at)
    restart = time_or_never("restart_at", restart_at)
    check_number("retry_delay", retry_delay, minimum=0.0)
    check_switches(reregister=reregister, poll=poll, run=run)
    check_choice("route", route, ROUTES)
    if crash is not None and restart is not None and restart <= crash:
        raise ValueError(
            f"restart_at must come after crash_at ({crash_at!r}), got {restart_at!r}: "
            "an application that is running cannot start again"
        )
    outage_window = fault_window("outage", outage)
    error_window = fault_window("server_error", server_error)
    restart_window = fault_window("service_restart", service_restart)
    reboot_window = fault_window("reboot", reboot)
    sim = Simulation(seed=seed, bandwidth=1_000_000, latency=0.05)
    app = sim.add_app("downloader")
    nightly = sim.create_job("nightly")
    for name in ("base.cab", "fonts.cab", "lang.cab"):
        nightly.add_file(MIRROR + name, name, size=4_000_000)
    nightly.minimum_retry_delay = retry_delay
    nightly.set_notify_flags(flags)
    nightly.set_notify_interface(CompletingNotifier(app))

    report = sim.create_job("report", priority=JobPriority.FOREGROUND)
    report.add_file(MIRROR + "report.pdf", "report.pdf", size=1_000_000)
    report.minimum_retry_delay = retry_delay
    sim.register_program(NOTIFY_PROGRAM, notify_program)
    report.set_notify_cmdline(NOTIFY_PROGRAM, f"{NOTIFY_PROGRAM} /done {report.name}")
    if route == "cmdline":  # K3: the command line takes job_transferred the interface cannot
        nightly.set_notify_cmdline(NOTIFY_PROGRAM, f"{NOTIFY_PROGRAM} /complete {nightly.name}")
    elif route == "clsid":  # N2: BITS starts the downloader when no live interface is set
        nightly.set_property(JobProperty.NOTIFICATION_CLSID, DOWNLOADER_CLSID)
        app.register_server(DOWNLOADER_CLSID, CompletingNotifier)

    nightly_id = nightly.id  # what the app keeps on disk: its job's GUID

    def register_again(app: App) -> None:
        """What a well-behaved app does at start: find its job again by its GUID (GetJob)
        and register a new notifier on it (I4); a job that has left the queue is not found."""
        try:
            job = app.sim.get_job(nightly_id)
        except BitsError:  # BG_E_NOT_FOUND: the job is final, there is nothing to hear
            return
        job.set_notify_interface(CompletingNotifier(app))

    def poll_jobs(app: App) -> None:
        """I4: poll for what was missed while down; a job found TRANSFERRED is completed."""
        if nightly.state is JobState.TRANSFERRED:
            nightly.complete()

    if reregister:
        app.on_start(register_again)
    if poll:
        app.on_start(poll_jobs)
    if outage_window is not None:
        sim.network.outage(*outage_window)
    if error_window is not None:
        sim.network.fail(MIRROR, 503, *error_window)
    if restart_window is not None:
        sim.restart_service(*restart_window)
    if reboot_window is not None:
        sim.reboot(*reboot_window)
    if crash is not None:
        sim.call_at(crash, _crash_if_running, app)
        if restart is not None:
            sim.call_at(restart, _start_if_down, app)
    nightly.resume()
    sim.call_at(6.0 if crash is None else crash + 1.0, report.resume)
    if run:
        sim.run()
    return sim


def _crash_if_running(app: App) -> None:
    """The app's crash, unless a reboot has already ended its run (P3)."""
    if app.running:
        app.crash()


def _start_if_down(app: App) -> None:
    """The app's own restart, unless BITS has started it already (N2) or the machine is down
    for a reboot then (P3: the restart does not happen)."""
    if not app.running and app.sim.service.machine_down() is None:
        app.start()


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
    check_number("outage_start", outage_start, minimum=0.0)
    check_number("outage_duration", outage_duration, strictly_positive=True)
    check_number("server_error_until", server_error_until, strictly_positive=True)
    check_number("retry_delay", retry_delay, minimum=0.0)
    check_switches(run=run)
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


def flags_tour(
    seed: int = 0,
    *,
    flags: int = NotifyFlags.JOB_TRANSFERRED | NotifyFlags.JOB_ERROR,
    interval_ms: int = 500,
    run: bool = True,
) -> Simulation:
    """Three jobs that between them raise every kind of notification, all with ``flags``.

    - ``tour``: three 2 MB files; raises modifications (C3), file_transferred (C4) and
      job_transferred (C1).
    - ``broken``: its file is missing on the server (404, L7): job_error (C2).
    - ``ranges``: an on-demand job asking for two ranges of a 4 MB file: range reports (R4);
      it ends SUSPENDED (R5), so it raises no job_transferred.

    The app ``viewer`` registers one :class:`~bitslab.RecordingNotifier` on all three. Which
    notifications arrive depends only on ``flags`` (F5-F8; the default is BITS's, 0x3): the
    rest are logged as filtered, or disabled under DISABLE. ``interval_ms`` is the minimum
    notification interval of every job (C7).

    >>> sim = flags_tour()
    >>> sorted({c.method for c in sim.jobs[0].get_notify_interface().calls})
    ['job_error', 'job_transferred']
    """
    check_int("interval_ms", interval_ms, minimum=0)
    check_switches(run=run)
    sim = Simulation(seed=seed, bandwidth=1_000_000, latency=0.05)
    app = sim.add_app("viewer")
    notifier = RecordingNotifier(app)
    tour = sim.create_job("tour")
    for name in ("a.cab", "b.cab", "c.cab"):
        tour.add_file(MIRROR + name, name, size=2_000_000)
    broken = sim.create_job("broken")
    broken.add_file(MIRROR + "missing.cab", "missing.cab", size=1_000_000)
    sim.network.fail(MIRROR + "missing.cab", 404)
    ranges = sim.create_job("ranges")
    video = ranges.add_file(MIRROR + "video.mp4", "video.mp4", size=4_000_000)
    ranges.set_property(JobProperty.ON_DEMAND_MODE, True)
    video.request_ranges([(0, 500_000), (3_000_000, 500_000)])
    for job in sim.jobs:
        job.set_notify_flags(flags)
        job.set_property(JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, interval_ms)
        job.set_notify_interface(notifier)
        job.resume()
    if run:
        sim.run()
    return sim


def two_apps_racing(
    seed: int = 0,
    *,
    second_at: float = 3.0,
    first_again_at: float | None = None,
    crash_second_at: float | None = None,
    run: bool = True,
) -> Simulation:
    """Two applications register notifiers on one job: the last caller wins (I1).

    - App ``first`` registers at 0 on job ``shared`` (four 2 MB files, flags
      JOB_TRANSFERRED, JOB_ERROR and FILE_TRANSFERRED, retry delay 5 s).
    - App ``second`` registers at ``second_at``: from then on every call goes to it; the
      first app hears nothing more, although it is still running.
    - With ``first_again_at``, the first app registers again then, and wins back the calls.
    - With ``crash_second_at``, the second app crashes then: calls into its notifier fail
      (I4) and wait for a retry (C5) until some app registers again.

    >>> sim = two_apps_racing()
    >>> [(c.method, c.job.name) for c in sim.jobs[0].get_notify_interface().calls][-1]
    ('job_transferred', 'shared')
    """
    check_number("second_at", second_at, minimum=0.0)
    time_or_never("first_again_at", first_again_at)
    time_or_never("crash_second_at", crash_second_at)
    check_switches(run=run)
    sim = Simulation(seed=seed, bandwidth=1_000_000, latency=0.05)
    first = sim.add_app("first")
    second = sim.add_app("second")
    job = sim.create_job("shared")
    for name in ("one.cab", "two.cab", "three.cab", "four.cab"):
        job.add_file(MIRROR + name, name, size=2_000_000)
    job.minimum_retry_delay = 5.0
    job.set_notify_flags(
        NotifyFlags.JOB_TRANSFERRED | NotifyFlags.JOB_ERROR | NotifyFlags.FILE_TRANSFERRED
    )
    job.set_notify_interface(RecordingNotifier(first))

    def register(app: App) -> None:
        if app.running and not job.state.is_final:
            job.set_notify_interface(RecordingNotifier(app))

    sim.call_at(second_at, register, second)
    if first_again_at is not None:
        sim.call_at(first_again_at, register, first)
    if crash_second_at is not None:
        sim.call_at(crash_second_at, second.crash)
    job.resume()
    if run:
        sim.run()
    return sim
