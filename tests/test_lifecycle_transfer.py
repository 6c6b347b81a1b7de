"""The job lifecycle on the way to TRANSFERRED: a new job (L1), resume (L2), the transfer
(L3) and progress (L14), through the public API.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``lifecycle_support.py``.
"""

from __future__ import annotations

import itertools

import pytest
from lifecycle_support import BANDWIDTH, LATENCY, SIZE, S, job_in
from support import make_job, snapshot, steps

import bitslab as bl

# -- L1: a new job ---------------------------------------------------------------------------


def test_l1_new_job_is_suspended_normal_with_default_delays(sim: bl.Simulation) -> None:
    """L1: a new job is SUSPENDED, NORMAL, retry delay 600 s, no-progress timeout 1,209,600 s."""
    sim.run(until=3.0)
    job = sim.create_job("new")
    assert job.state is S.SUSPENDED
    assert job.priority is bl.JobPriority.NORMAL
    assert job.type is bl.JobType.DOWNLOAD
    assert job.minimum_retry_delay == 600
    assert job.no_progress_timeout == 1_209_600
    assert job.files == []
    assert steps(job) == [(3.0, None, S.SUSPENDED, "L1")]


@pytest.mark.parametrize(
    ("requested", "expected"), [(0, 5), (2, 5), (4.9, 5), (5, 5), (7.5, 7.5), (3600, 3600)]
)
def test_l1_minimum_retry_delay_under_5_seconds_is_raised_to_5(
    requested: float, expected: float
) -> None:
    """L1: values of the minimum retry delay under 5 s are raised to 5."""
    job = make_job()
    job.minimum_retry_delay = requested
    assert job.minimum_retry_delay == expected


def test_l1_floored_retry_delay_is_the_delay_the_retry_actually_waits() -> None:
    """L1: a retry delay set to 2 s makes the job retry 5 s after a transient error."""
    job = make_job()
    job.minimum_retry_delay = 2
    job.sim.network.fail(job.files[0].remote_name, 503, duration=1.0)
    job.resume()
    job.sim.run()
    assert steps(job, 3) == [
        (0.05, S.CONNECTING, S.TRANSIENT_ERROR, "L5"),
        (5.05, S.TRANSIENT_ERROR, S.QUEUED, "L5"),
        (5.05, S.QUEUED, S.CONNECTING, "L3"),
        (5.1, S.CONNECTING, S.TRANSFERRING, "L3"),
        (6.1, S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]


# -- L2: resume from SUSPENDED ---------------------------------------------------------------


def test_l2_resume_without_files_fails_with_bg_e_empty_and_stays_suspended() -> None:
    """L2: resume() on a job with no files fails with BG_E_EMPTY; the job stays SUSPENDED."""
    job = make_job(files=0)
    before = snapshot(job)
    with pytest.raises(bl.BitsError, match="no files") as info:
        job.resume()
    assert info.value.hresult == bl.BG_E_EMPTY
    assert info.value.name == "BG_E_EMPTY"
    job.sim.run(until=100.0)
    assert snapshot(job) == before


def test_l2_resume_moves_suspended_job_to_queued_at_once() -> None:
    """L2: resume() moves SUSPENDED to QUEUED, at the time of the call."""
    job = make_job()
    job.sim.run(until=3.0)
    job.resume()
    assert job.state is S.QUEUED
    assert steps(job, 1) == [(3.0, S.SUSPENDED, S.QUEUED, "L2")]


# -- L3: QUEUED -> CONNECTING -> TRANSFERRING -> TRANSFERRED ---------------------------------


def test_l3_job_moves_queued_connecting_transferring_transferred_at_exact_times() -> None:
    """L3: QUEUED at resume, CONNECTING at once, TRANSFERRING after latency, TRANSFERRED."""
    job = make_job()
    sim = job.sim
    job.resume()
    assert job.state is S.QUEUED  # the scheduler acts after the call returns
    sim.run(until=0.01)
    assert job.state is S.CONNECTING
    sim.run(until=LATENCY)  # events at exactly `until` have not happened yet
    assert job.state is S.CONNECTING
    sim.run(until=0.06)
    assert job.state is S.TRANSFERRING
    sim.run(until=1.05)
    assert job.state is S.TRANSFERRING
    sim.run()
    assert job.state is S.TRANSFERRED
    assert job.history[-1].time == pytest.approx(1.05)
    assert steps(job) == [
        (0.0, None, S.SUSPENDED, "L1"),
        (0.0, S.SUSPENDED, S.QUEUED, "L2"),
        (0.0, S.QUEUED, S.CONNECTING, "L3"),
        (0.05, S.CONNECTING, S.TRANSFERRING, "L3"),
        (1.05, S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]


def test_l3_job_stays_transferring_between_its_files() -> None:
    """L3: each file needs a new connection, but the job stays TRANSFERRING between files."""
    job = make_job(files=2)
    job.resume()
    between: list[tuple[bl.JobState, int]] = []
    job.sim.call_at(1.07, lambda: between.append((job.state, job.progress.files_transferred)))
    job.sim.run()
    assert between == [(S.TRANSFERRING, 1)]
    assert steps(job, 3) == [
        (0.05, S.CONNECTING, S.TRANSFERRING, "L3"),
        (2.1, S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]


def test_l3_job_goes_back_to_queued_when_its_slice_ends_and_another_waits() -> None:
    """L3: at the end of its time slice, with a job of its priority waiting, it goes QUEUED.

    A slice starts when the job's bytes start to flow (S2), so each turn lasts the latency plus
    the 2.0 s slice: 0.05 + 2.0 = 2.05 s.
    """
    first = make_job(bl.Simulation(seed=0, time_slice=2.0), size=30 * SIZE)
    second = make_job(first.sim, size=30 * SIZE)
    first.resume()
    second.resume()
    first.sim.run(until=4.2)
    assert steps(first, 1) == [
        (0.0, S.SUSPENDED, S.QUEUED, "L2"),
        (0.0, S.QUEUED, S.CONNECTING, "L3"),
        (0.05, S.CONNECTING, S.TRANSFERRING, "L3"),
        (2.05, S.TRANSFERRING, S.QUEUED, "S2"),
        (4.1, S.QUEUED, S.CONNECTING, "L3"),
        (4.15, S.CONNECTING, S.TRANSFERRING, "L3"),
    ]
    assert steps(second, 1) == [
        (0.0, S.SUSPENDED, S.QUEUED, "L2"),
        (2.05, S.QUEUED, S.CONNECTING, "L3"),
        (2.1, S.CONNECTING, S.TRANSFERRING, "L3"),
        (4.1, S.TRANSFERRING, S.QUEUED, "S2"),
    ]


def test_l3_lone_job_keeps_the_link_when_its_slice_ends() -> None:
    """L3: with no other job of its priority waiting, a job is not requeued at slice end."""
    job = make_job(bl.Simulation(seed=0, time_slice=2.0), size=30 * SIZE)
    job.resume()
    job.sim.run()
    assert [c.new for c in job.history] == [
        S.SUSPENDED,
        S.QUEUED,
        S.CONNECTING,
        S.TRANSFERRING,
        S.TRANSFERRED,
    ]
    assert job.history[-1].time == pytest.approx(30.05)


# -- L14: progress -------------------------------------------------------------------------------


def test_l14_new_job_reports_zero_progress() -> None:
    """L14: a new job reports zeros for bytes and files."""
    job = make_job(files=0)
    assert job.progress == (0, 0, 0, 0)
    assert job.progress.bytes_total == 0


def test_l14_download_sizes_are_unknown_until_bits_connects_for_each_file() -> None:
    """L14: bytes_total is BG_SIZE_UNKNOWN until BITS has connected for every file."""
    job = make_job(files=2)
    unknown = bl.BG_SIZE_UNKNOWN
    assert unknown == 2**64 - 1
    assert job.progress == (unknown, 0, 2, 0)
    assert [f.progress for f in job.files] == [(unknown, 0, False)] * 2
    samples: dict[float, tuple[int, ...]] = {}

    def sample(t: float) -> None:
        samples[t] = (job.progress.bytes_total, *(f.progress.bytes_total for f in job.files))

    for t in (0.01, 0.06, 1.07, 1.11):  # connecting, file 1 flowing, connecting 2, file 2
        job.sim.call_at(t, sample, t)
    job.resume()
    job.sim.run()
    assert samples == {
        0.01: (unknown, unknown, unknown),
        0.06: (unknown, SIZE, unknown),
        1.07: (unknown, SIZE, unknown),
        1.11: (2 * SIZE, SIZE, SIZE),
    }


def test_l14_progress_rises_in_small_steps_while_bytes_flow() -> None:
    """L14: bytes_transferred rises continuously during a transfer, not only per file."""
    job = make_job(size=2 * SIZE)
    times = [0.05 + 0.1 * i for i in range(1, 20)]  # every 0.1 s while the file flows
    seen: list[int] = []
    for t in times:
        job.sim.call_at(t, lambda: seen.append(job.files[0].progress.bytes_transferred))
    job.resume()
    job.sim.run()
    assert len(seen) == len(times)
    assert all(0 < b - a <= 100_001 for a, b in itertools.pairwise(seen))  # 0.1 s at a time
    for t, got in zip(times, seen, strict=True):
        assert got == pytest.approx((t - LATENCY) * BANDWIDTH, abs=2)
    assert seen[-1] < 2 * SIZE


def test_l14_bytes_transferred_equals_bytes_total_when_transferred() -> None:
    """L14: once the job is TRANSFERRED, bytes_transferred equals bytes_total, and
    files_transferred counts every file (BG_JOB_PROGRESS: FilesTransferred)."""
    job = make_job(files=3, size=333_333)
    job.resume()
    job.sim.run()
    assert job.state is S.TRANSFERRED
    assert job.progress == (3 * 333_333, 3 * 333_333, 3, 3)
    assert [f.progress[:2] for f in job.files] == [(333_333, 333_333)] * 3


def test_l14_a_download_file_is_completed_only_after_complete() -> None:
    """L14: a download file whose bytes have all arrived is not yet completed; it is once
    complete() makes it available to the user (BG_FILE_PROGRESS: Completed is "TRUE if the
    file is available to the user"). files_transferred counts it before that."""
    job = make_job(files=2)
    seen: list[tuple[bool, bool]] = []
    job.sim.call_at(1.5, lambda: seen.append((job.files[0].transferred, job.files[0].completed)))
    job.resume()
    job.sim.run()
    assert seen == [(True, False)]  # the first file's bytes are all here at 1.05 s
    assert job.state is S.TRANSFERRED
    assert job.progress.files_transferred == 2
    assert [f.progress.completed for f in job.files] == [False, False]
    job.complete()
    assert [f.progress for f in job.files] == [(SIZE, SIZE, True)] * 2
    assert [f.completed for f in job.files] == [True, True]
    assert job.progress.files_transferred == 2


def test_l14_complete_of_an_unfinished_download_completes_only_its_whole_files() -> None:
    """L14: complete() makes available only the files whose bytes all arrived; the one
    still partial is never completed (BG_FILE_PROGRESS: Completed)."""
    job = make_job(files=2)
    job.resume()
    job.sim.run(until=1.5)
    job.complete()
    assert job.state is S.ACKNOWLEDGED
    assert [f.progress.completed for f in job.files] == [True, False]
    assert job.progress.files_transferred == 1


def test_l14_an_upload_file_is_completed_once_its_bytes_reached_the_server() -> None:
    """L14: for an upload, Completed is TRUE once the file's bytes reached the server,
    before complete() (BG_FILE_PROGRESS: Completed)."""
    job = make_job(type=bl.JobType.UPLOAD)
    job.resume()
    job.sim.run()
    assert job.state is S.TRANSFERRED
    assert job.files[0].progress == (SIZE, SIZE, True)
    assert job.progress.files_transferred == 1


def test_l14_upload_sizes_are_known_at_once() -> None:
    """L14: an upload's file is local, so its size is known before any connection."""
    job = make_job(type=bl.JobType.UPLOAD)
    assert job.progress == (SIZE, 0, 1, 0)
    assert job.files[0].progress == (SIZE, 0, False)


def test_l14_adding_a_file_to_a_transferred_job_makes_the_total_unknown_again() -> None:
    """L14: a new download file's size is unknown until BITS connects for it."""
    job = job_in(S.TRANSFERRED)
    job.add_file("https://example.test/more.bin", "more.bin", 500)
    assert job.state is S.QUEUED
    assert job.progress == (bl.BG_SIZE_UNKNOWN, SIZE, 2, 1)
    job.sim.run()
    assert job.progress == (SIZE + 500, SIZE + 500, 2, 2)
