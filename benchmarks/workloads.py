"""The scenarios the speed benchmarks run: built through bitslab's public API only.

:func:`busy_machine` is the large scenario of issue 7: a machine with a few hundred jobs of
ten files, most notify flags on, one recording notifier, an outage, a server that fails for
a while, foreground and background jobs. Everything random comes from the simulation's
seeded generator (``sim.rng``), so one seed is one history.
"""

from __future__ import annotations

from collections import Counter

import bitslab as bl
from bitslab import JobPriority, NotifyFlags, Simulation

#: Flags of most jobs: every notification but range reports (and DISABLE off).
MOST_FLAGS = (
    NotifyFlags.JOB_TRANSFERRED
    | NotifyFlags.JOB_ERROR
    | NotifyFlags.JOB_MODIFICATION
    | NotifyFlags.FILE_TRANSFERRED
)
#: One job in five leaves job_modification off (its modifications end ``filtered``, F8).
QUIET_FLAGS = NotifyFlags.JOB_TRANSFERRED | NotifyFlags.JOB_ERROR | NotifyFlags.FILE_TRANSFERRED

_BACKGROUND = (JobPriority.HIGH, JobPriority.NORMAL, JobPriority.LOW)


def busy_machine(
    jobs: int = 300, files: int = 10, seed: int = 0, *, run: bool = True
) -> Simulation:
    """``jobs`` jobs of ``files`` files (100 KB to 1 MB each) on a 20 MB/s link.

    - One job in four is FOREGROUND; the rest are HIGH, NORMAL and LOW in turn (S1-S3).
    - Every job notifies one :class:`~bitslab.RecordingNotifier` of the app ``fleet``, with
      :data:`MOST_FLAGS` (one in five with :data:`QUIET_FLAGS`) and the default minimum
      notification interval (500 ms, C7), so a job reports its bytes about twice a second
      while it transfers.
    - The network is down from 20 s to 25 s (L4); the server of every tenth job answers 503
      from 10 s to 40 s (L5, the jobs retry after 5 s).

    With ``run=False`` the simulation is returned before it runs.
    """
    sim = Simulation(seed=seed, bandwidth=20_000_000)
    app = sim.add_app("fleet")
    notifier = bl.RecordingNotifier(app)
    for number in range(jobs):
        priority = JobPriority.FOREGROUND if number % 4 == 0 else _BACKGROUND[number % 3]
        job = sim.create_job(f"job-{number}", priority=priority)
        for index in range(files):
            size = sim.rng.randint(100_000, 1_000_000)
            job.add_file(
                f"https://server-{number % 10}.test/{number}/{index}.bin",
                f"{number}-{index}.bin",
                size=size,
            )
        job.set_notify_flags(QUIET_FLAGS if number % 5 == 4 else MOST_FLAGS)
        job.set_notify_interface(notifier)
        job.minimum_retry_delay = 5.0
        job.resume()
    sim.network.outage(start=20.0, duration=5.0)
    sim.network.fail("https://server-7.test/", 503, start=10.0, duration=30.0)
    if run:
        sim.run()
    return sim


def decisions(sim: Simulation) -> int:
    """Notification decisions: log entries other than ``coalesced`` (issue 7 counts these;
    how many modifications are folded depends on the model's internal step)."""
    return sum(1 for entry in sim.log if entry.outcome != "coalesced")


def outcomes(sim: Simulation) -> Counter[str]:
    """How many log entries of each outcome."""
    return Counter(entry.outcome for entry in sim.log)
