"""The ready scenario "three ways to hear back": three applications side by side, each heard
from by its own route, through one accident (I4, K2, K3, N2, N5, P2, P3)."""

from __future__ import annotations

import uuid

from .._check import check_choice, check_number
from ..constants import JobProperty, NotifyFlags
from ..simulation import Simulation
from .parts import MIRROR, NOTIFY_PROGRAM, CompletingNotifier, check_switches, notify_program

__all__ = ["ACCIDENTS", "three_routes"]

#: What can happen to the three applications in :func:`three_routes`.
ACCIDENTS = ("none", "crash", "service_restart", "reboot")
#: The routes, in the order of :data:`bitslab.scenarios.ROUTES`, each with the app's name.
_APPS = {"interface": "by-interface", "cmdline": "by-cmdline", "clsid": "by-clsid"}
#: The callback class the app ``by-clsid`` serves (N1, N2).
_CLSID = uuid.UUID("6c0f6d1e-2b3a-4c5d-8e9f-0a1b2c3d4e5f")


def three_routes(
    seed: int = 0,
    *,
    accident: str = "crash",
    at: float = 6.0,
    duration: float = 20.0,
    run: bool = True,
) -> Simulation:
    """Three applications, each with its own job of three 2 MB files (flags 0x13) and its
    own route, all registering a notifier that completes the job when it is done:

    - ``by-interface`` and job ``interface``: the interface alone (I4: it dies with the app);
    - ``by-cmdline`` and job ``cmdline``: a command line beside it, ``notify.exe /complete``,
      which BITS runs for job_transferred when the interface cannot take it (K3; never for a
      file, K2);
    - ``by-clsid`` and job ``clsid``: a callback class beside it, which the app serves: with
      no live interface BITS starts the app and calls the object it makes (N2, N5).

    At ``at`` seconds ``accident`` happens: ``"crash"`` (every app crashes, and none starts
    again by itself), ``"service_restart"`` (the BITS service is down for ``duration``
    seconds: every interface is lost, the apps run on; P2), ``"reboot"`` (the same, and
    every app crashes; P3) or ``"none"``. The three jobs take turns on the 1,000,000 bytes/s
    link (S2).

    >>> sim = three_routes(accident="service_restart")
    >>> {job.name: job.state.name for job in sim.jobs}
    {'interface': 'TRANSFERRED', 'cmdline': 'ACKNOWLEDGED', 'clsid': 'ACKNOWLEDGED'}
    """
    check_choice("accident", accident, ACCIDENTS)
    start = check_number("at", at, minimum=0.0)
    length = check_number("duration", duration, strictly_positive=True)
    check_switches(run=run)
    sim = Simulation(seed=seed, bandwidth=1_000_000, latency=0.05)
    sim.register_program(NOTIFY_PROGRAM, notify_program)
    for route, name in _APPS.items():
        app = sim.add_app(name)
        job = sim.create_job(route)
        for index in range(1, 4):
            job.add_file(f"{MIRROR}{route}/part{index}.cab", f"part{index}.cab", size=2_000_000)
        job.minimum_retry_delay = 10.0
        job.set_notify_flags(
            NotifyFlags.JOB_TRANSFERRED | NotifyFlags.JOB_ERROR | NotifyFlags.FILE_TRANSFERRED
        )
        job.set_notify_interface(CompletingNotifier(app))
        if route == "cmdline":  # K3
            job.set_notify_cmdline(NOTIFY_PROGRAM, f"{NOTIFY_PROGRAM} /complete {job.name}")
        elif route == "clsid":  # N1, N2
            job.set_property(JobProperty.NOTIFICATION_CLSID, _CLSID)
            app.register_server(_CLSID, CompletingNotifier)
        job.resume()
        if accident == "crash":
            sim.call_at(start, app.crash)
    if accident == "service_restart":
        sim.restart_service(start, length)
    elif accident == "reboot":
        sim.reboot(start, length)
    if run:
        sim.run()
    return sim
