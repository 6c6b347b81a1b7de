"""Helpers shared by the job-lifecycle tests (L1-L14): the default link's numbers and a job
driven to a given state.

Times are exact: on the default link (1,000,000 B/s, latency 0.05 s) a 1,000,000-byte file
resumed at t=0 connects at once, starts moving bytes at 0.05 and is done at 1.05.
``job.history`` names the rule behind every transition, so tests assert the cause too.
"""

from __future__ import annotations

from support import make_job

import bitslab as bl

S = bl.JobState
SIZE = 1_000_000  # one second of the default link
LATENCY = 0.05  # the default connection set-up
BANDWIDTH = 1_000_000


def job_in(state: bl.JobState, type: bl.JobType = bl.JobType.DOWNLOAD) -> bl.Job:
    """A one-file job driven to ``state`` through the public API."""
    job = make_job(type=type)
    sim, url = job.sim, job.files[0].remote_name
    if state is S.TRANSIENT_ERROR:
        sim.network.fail(url, 503)
    elif state is S.ERROR:
        sim.network.fail(url, 404)
    if state is S.CANCELLED:
        job.cancel()
    elif state is not S.SUSPENDED:
        job.resume()
        # QUEUED: right after resume(); CONNECTING: within the latency; TRANSFERRING: mid-file.
        sim.run(until={S.QUEUED: 0.0, S.CONNECTING: 0.01, S.TRANSFERRING: 0.5}.get(state, 2.0))
    if state is S.ACKNOWLEDGED:
        job.complete()
    assert job.state is state
    return job
