"""Ready scenarios: plain functions with keyword arguments that return a simulation that has run.

The command line, the notebooks and (later) the widgets share these, so that a student sees the
same story everywhere.
"""

from __future__ import annotations

from .constants import JobPriority
from .simulation import Simulation

__all__ = ["flaky_network"]

MIRROR = "https://mirror.test/"


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
