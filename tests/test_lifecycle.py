"""The job lifecycle, rules L1-L14 (bitslab.rules), through the public API.

Times are exact: on the default link (1,000,000 B/s, latency 0.05 s) a 1,000,000-byte file
resumed at t=0 connects at once, starts moving bytes at 0.05 and is done at 1.05.
``job.history`` names the rule behind every transition, so tests assert the cause too.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from support import make_job, snapshot, steps

import bitslab as bl

S = bl.JobState
SIZE = 1_000_000  # one second of the default link
LATENCY = 0.05  # the default connection set-up
BANDWIDTH = 1_000_000

NON_FINAL = [
    S.SUSPENDED,
    S.QUEUED,
    S.CONNECTING,
    S.TRANSFERRING,
    S.TRANSIENT_ERROR,
    S.ERROR,
    S.TRANSFERRED,
]
FINAL = [S.ACKNOWLEDGED, S.CANCELLED]


# -- helpers -------------------------------------------------------------------------------


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


def time_of(job: bl.Job, new: bl.JobState) -> float:
    """The time of the job's first move into ``new``."""
    return next(round(c.time, 6) for c in job.history if c.new is new)


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


# -- L4: network disconnects ------------------------------------------------------------------


@pytest.mark.parametrize(("start", "running_state"), [(0.02, S.CONNECTING), (0.5, S.TRANSFERRING)])
def test_l4_disconnect_moves_action_jobs_to_transient_error_and_reconnect_queues_them_at_once(
    start: float, running_state: bl.JobState
) -> None:
    """L4: a disconnect moves action-state jobs to TRANSIENT_ERROR; reconnecting queues them."""
    running = make_job()
    waiting = make_job(running.sim)  # same priority: QUEUED behind the running job
    sim = running.sim
    sim.network.outage(start, duration=2.0)
    running.resume()
    waiting.resume()
    sim.run(until=start)
    assert (running.state, waiting.state) == (running_state, S.QUEUED)
    done = running.progress.bytes_transferred
    sim.run(until=start + 1.0)
    for job in (running, waiting):
        assert job.state is S.TRANSIENT_ERROR
        error = job.get_error()
        assert error.context is bl.ErrorContext.GENERAL_TRANSPORT
        assert error.hresult == bl.BG_E_NETWORK_DISCONNECTED
        assert error.file is None
    assert running.progress.bytes_transferred == done  # partial progress is kept
    sim.run()
    end = start + 2.0  # reconnect; minimum_retry_delay (600 s) is not waited for
    assert steps(running, 3)[-5:] == [
        (start, running_state, S.TRANSIENT_ERROR, "L4"),
        (end, S.TRANSIENT_ERROR, S.QUEUED, "L4"),
        (end, S.QUEUED, S.CONNECTING, "L3"),
        (round(end + LATENCY, 6), S.CONNECTING, S.TRANSFERRING, "L3"),
        (round(end + LATENCY + (SIZE - done) / BANDWIDTH, 6), S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]
    assert steps(waiting, 2)[:2] == [
        (start, S.QUEUED, S.TRANSIENT_ERROR, "L4"),
        (end, S.TRANSIENT_ERROR, S.QUEUED, "L4"),
    ]
    assert waiting.state is S.TRANSFERRED


def test_l4_job_resumed_during_outage_goes_queued_then_transient_error_until_reconnect() -> None:
    """L4: a job resumed while the network is down is QUEUED, then at once TRANSIENT_ERROR."""
    job = make_job()
    sim = job.sim
    sim.network.outage(1.0, duration=5.0)
    sim.call_at(2.0, job.resume)
    sim.run()
    assert steps(job, 1) == [
        (2.0, S.SUSPENDED, S.QUEUED, "L2"),
        (2.0, S.QUEUED, S.TRANSIENT_ERROR, "L4"),
        (6.0, S.TRANSIENT_ERROR, S.QUEUED, "L4"),
        (6.0, S.QUEUED, S.CONNECTING, "L3"),
        (6.05, S.CONNECTING, S.TRANSFERRING, "L3"),
        (7.05, S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]


@pytest.mark.parametrize("order", ["first-then-second", "second-then-first"])
def test_l4_outages_that_meet_are_one_down_time_with_no_reconnection_between(order: str) -> None:
    """L4: [1, 3) and [3, 6) leave no moment with the network up: the job goes to
    TRANSIENT_ERROR at 1 s and is queued again at 6 s, not at 3 s (regression: it was queued
    and sent back to TRANSIENT_ERROR at 3 s, raising two needless modifications)."""
    job = make_job()
    sim = job.sim
    outages = [(1.0, 2.0), (3.0, 3.0)]
    for start, duration in outages if order == "first-then-second" else outages[::-1]:
        sim.network.outage(start, duration)
    job.resume()
    sim.run(until=3.0)
    assert not sim.network.connected
    sim.run(until=3.5)
    assert not sim.network.connected
    sim.run()
    assert [step for step in steps(job) if step[3] == "L4"] == [
        (1.0, S.TRANSFERRING, S.TRANSIENT_ERROR, "L4"),
        (6.0, S.TRANSIENT_ERROR, S.QUEUED, "L4"),
    ]
    assert job.state is S.TRANSFERRED


@pytest.mark.parametrize("state", [S.SUSPENDED, S.ERROR, S.TRANSFERRED])
def test_l4_disconnect_leaves_jobs_outside_action_states_alone(state: bl.JobState) -> None:
    """L4: only QUEUED, CONNECTING and TRANSFERRING jobs are moved by a disconnect."""
    job = job_in(state)
    before = snapshot(job)
    job.sim.network.outage(job.sim.now + 1.0, duration=5.0)
    job.sim.run(until=job.sim.now + 10.0)
    assert snapshot(job) == before


# -- L5: transient errors ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503, 599])
def test_l5_http_5xx_moves_job_to_transient_error_then_queued_after_retry_delay(
    status: int,
) -> None:
    """L5: a 5xx moves the job to TRANSIENT_ERROR; after the minimum retry delay it is QUEUED."""
    job = make_job()
    sim = job.sim
    job.minimum_retry_delay = 30
    sim.network.fail(job.files[0].remote_name, status, duration=1.0)
    job.resume()
    sim.run(until=30.0)
    assert job.state is S.TRANSIENT_ERROR
    error = job.get_error()
    assert error.context is bl.ErrorContext.REMOTE_FILE
    assert error.hresult == bl.http_error_hresult(status) == 0x80190000 + status
    assert error.file is job.files[0]
    sim.run()
    assert steps(job, 3) == [
        (0.05, S.CONNECTING, S.TRANSIENT_ERROR, "L5"),
        (30.05, S.TRANSIENT_ERROR, S.QUEUED, "L5"),
        (30.05, S.QUEUED, S.CONNECTING, "L3"),
        (30.1, S.CONNECTING, S.TRANSFERRING, "L3"),
        (31.1, S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]


def test_l5_resume_moves_transient_error_to_queued_without_waiting_for_the_delay() -> None:
    """L5: resume() moves TRANSIENT_ERROR to QUEUED at once; the old retry timer is void."""
    job = make_job()
    sim = job.sim
    sim.network.fail(job.files[0].remote_name, 503, duration=1.0)
    job.resume()
    sim.call_at(2.0, job.resume)
    sim.run(until=1000.0)  # past the 600 s retry timer of the first error
    assert steps(job, 3) == [
        (0.05, S.CONNECTING, S.TRANSIENT_ERROR, "L5"),
        (2.0, S.TRANSIENT_ERROR, S.QUEUED, "L5"),
        (2.0, S.QUEUED, S.CONNECTING, "L3"),
        (2.05, S.CONNECTING, S.TRANSFERRING, "L3"),
        (3.05, S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]


def test_l5_transient_error_starting_mid_transfer_keeps_partial_progress() -> None:
    """L5: a 5xx that starts while a file is in flight stops it; the bytes so far are kept."""
    job = make_job()
    sim = job.sim
    job.minimum_retry_delay = 10
    sim.network.fail(job.files[0].remote_name, 503, start=0.55, duration=1.0)
    job.resume()
    sim.run(until=5.0)
    assert job.state is S.TRANSIENT_ERROR
    assert job.progress.bytes_transferred == 500_000
    sim.run()
    assert steps(job, 4) == [
        (0.55, S.TRANSFERRING, S.TRANSIENT_ERROR, "L5"),
        (10.55, S.TRANSIENT_ERROR, S.QUEUED, "L5"),
        (10.55, S.QUEUED, S.CONNECTING, "L3"),
        (10.6, S.CONNECTING, S.TRANSFERRING, "L3"),
        (11.1, S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]


# -- L6: the no-progress timeout ---------------------------------------------------------------


def _failing_job(timeout: float, retry_delay: float = 5, size: int = SIZE) -> bl.Job:
    """A resumed job whose only file gets 503 from t=0 on, with the given L6 settings."""
    job = make_job(size=size)
    job.minimum_retry_delay = retry_delay
    job.no_progress_timeout = timeout
    job.sim.network.fail(job.files[0].remote_name, 503)
    job.resume()
    return job


def test_l6_no_progress_timeout_moves_job_to_error_keeping_its_last_error() -> None:
    """L6: no progress for the timeout after the first transient error moves the job to ERROR."""
    job = _failing_job(timeout=12)
    job.sim.run(until=12.05)
    assert job.state is S.TRANSIENT_ERROR
    job.sim.run()
    # First error at 0.05; retries at 5.05 and 10.10 fail; the deadline is 0.05 + 12.
    assert [c.rule for c in job.history].count("L5") == 5
    assert steps(job)[-1] == (12.05, S.TRANSIENT_ERROR, S.ERROR, "L6")
    error = job.get_error()
    assert error.context is bl.ErrorContext.REMOTE_FILE
    assert error.hresult == bl.http_error_hresult(503)
    assert error.file is job.files[0]


@pytest.mark.parametrize(
    ("timeout", "retry_delay"),
    [(0, 5), (0, 600), (100, 600), (3, 2)],  # (3, 2): the delay is floored to 5 > 3 (L1)
    ids=["timeout-0", "timeout-0-default-delay", "delay-above-timeout", "floored-delay-above"],
)
def test_l6_zero_timeout_or_retry_delay_above_timeout_sends_transient_error_to_error(
    timeout: float, retry_delay: float
) -> None:
    """L6: a timeout of 0, or a retry delay above the timeout, sends a 5xx straight to ERROR."""
    job = _failing_job(timeout=timeout, retry_delay=retry_delay)
    job.sim.run()
    assert steps(job, 3) == [(0.05, S.CONNECTING, S.ERROR, "L6")]
    assert job.get_error().hresult == bl.http_error_hresult(503)


def test_l6_transient_error_after_the_deadline_goes_straight_to_error() -> None:
    """L6: a transient error at or after the deadline moves the job to ERROR, not a retry."""
    job = _failing_job(timeout=8)  # deadline 8.05
    high = make_job(job.sim, size=20 * SIZE)
    high.priority = bl.JobPriority.HIGH  # keeps the link from 4.0 to 24.05 (S1)
    job.sim.call_at(4.0, high.resume)
    job.sim.run()
    assert steps(job, 4) == [
        (5.05, S.TRANSIENT_ERROR, S.QUEUED, "L5"),  # the retry comes before the deadline
        (24.05, S.QUEUED, S.CONNECTING, "L3"),
        (24.1, S.CONNECTING, S.ERROR, "L6"),
    ]


def test_l6_progress_resets_the_no_progress_clock() -> None:
    """L6: bytes flowing reset the clock; a later error gets a full timeout of its own."""
    job = make_job(size=100 * SIZE)
    sim, url = job.sim, job.files[0].remote_name
    job.minimum_retry_delay = 5
    job.no_progress_timeout = 20
    sim.network.fail(url, 503, start=0.0, duration=12.0)  # retries until 15.15 fail, then bytes
    sim.network.fail(url, 503, start=30.0)  # fails in flight at 30, for good
    job.resume()
    sim.run()
    assert time_of(job, S.TRANSFERRING) == 15.2
    # Without the reset the deadline would be 20.05, so the error at 30 would be fatal at once.
    assert steps(job)[-1] == (50.0, S.TRANSIENT_ERROR, S.ERROR, "L6")
    assert [c.time for c in job.history if c.new is S.TRANSIENT_ERROR][3] == pytest.approx(30.0)


def test_l6_time_spent_disconnected_does_not_count_toward_the_timeout() -> None:
    """L6: a disconnect (L4) pauses the no-progress clock; it runs again at reconnect."""
    job = _failing_job(timeout=20)
    job.sim.network.outage(5.07, duration=30.0)  # hits the job while it is CONNECTING
    job.sim.run()
    changes = steps(job)
    assert (5.07, S.CONNECTING, S.TRANSIENT_ERROR, "L4") in changes
    assert (35.07, S.TRANSIENT_ERROR, S.QUEUED, "L4") in changes
    # 0.05 + 20 s of timeout + 30 s of outage; 20.05 if the outage counted.
    assert changes[-1] == (50.05, S.TRANSIENT_ERROR, S.ERROR, "L6")
    assert job.get_error().hresult == bl.http_error_hresult(503)  # not the disconnect


def test_l6_zero_timeout_does_not_turn_a_disconnect_into_error() -> None:
    """L6: disconnects never count, even with a no-progress timeout of 0."""
    job = make_job()
    job.no_progress_timeout = 0
    job.sim.network.outage(0.5, duration=1.0)
    job.resume()
    job.sim.run()
    assert (0.5, S.TRANSFERRING, S.TRANSIENT_ERROR, "L4") in steps(job)
    assert job.state is S.TRANSFERRED


# -- L7: fatal errors --------------------------------------------------------------------------


def test_l7_http_404_moves_job_to_error_with_remote_file_context_and_hresult() -> None:
    """L7: a 404 moves the job to ERROR with BG_E_HTTP_ERROR_404 in context REMOTE_FILE."""
    job = make_job()
    job.sim.network.fail(job.files[0].remote_name, 404)
    job.resume()
    job.sim.run(until=10_000.0)
    assert steps(job, 3) == [(0.05, S.CONNECTING, S.ERROR, "L7")]  # no retry
    error = job.get_error()
    assert error.context is bl.ErrorContext.REMOTE_FILE
    assert error.hresult == 0x80190194
    assert error.name == "BG_E_HTTP_ERROR_404"
    assert error.file is job.files[0]


@pytest.mark.parametrize("status", [400, 403, 410, 499])
def test_l7_every_4xx_is_fatal(status: int) -> None:
    """L7: any HTTP 4xx moves the job to ERROR (model choice), with 0x80190000 + status."""
    job = make_job()
    job.sim.network.fail(job.files[0].remote_name, status)
    job.resume()
    job.sim.run()
    assert steps(job)[-1] == (0.05, S.CONNECTING, S.ERROR, "L7")
    assert job.get_error().hresult == 0x80190000 + status


def test_l7_404_on_second_file_names_that_file_and_keeps_the_first() -> None:
    """L7: the error names the failing file; files already transferred stay transferred."""
    job = make_job(files=2)
    job.sim.network.fail(job.files[1].remote_name, 404)
    job.resume()
    job.sim.run()
    assert steps(job)[-1] == (1.1, S.TRANSFERRING, S.ERROR, "L7")
    assert job.get_error().file is job.files[1]
    assert job.progress.files_transferred == 1
    assert job.progress.bytes_transferred == SIZE


def test_l7_404_starting_mid_transfer_stops_the_file_keeping_partial_progress() -> None:
    """L7: a 4xx that starts while the file is in flight moves the job to ERROR at once."""
    job = make_job()
    job.sim.network.fail(job.files[0].remote_name, 404, start=0.55)
    job.resume()
    job.sim.run()
    assert steps(job)[-1] == (0.55, S.TRANSFERRING, S.ERROR, "L7")
    assert job.progress.bytes_transferred == 500_000


# -- L8: resume from ERROR -----------------------------------------------------------------------


def test_l8_resume_moves_error_to_queued_and_the_job_finishes() -> None:
    """L8: resume() moves ERROR to QUEUED; once the server answers, the job transfers."""
    job = make_job()
    job.sim.network.fail(job.files[0].remote_name, 404, duration=10.0)
    job.resume()
    job.sim.call_at(20.0, job.resume)
    job.sim.run()
    assert steps(job, 3) == [
        (0.05, S.CONNECTING, S.ERROR, "L7"),
        (20.0, S.ERROR, S.QUEUED, "L8"),
        (20.0, S.QUEUED, S.CONNECTING, "L3"),
        (20.05, S.CONNECTING, S.TRANSFERRING, "L3"),
        (21.05, S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]


def test_l8_resume_after_no_progress_timeout_retries_the_job() -> None:
    """L8: a job sent to ERROR by the no-progress timeout (L6) is queued again by resume()."""
    job = _failing_job(timeout=0)
    job.sim.run()
    assert job.state is S.ERROR
    job.resume()
    assert steps(job)[-2][0] == pytest.approx(0.05)  # ERROR at once (L6)
    assert steps(job)[-1] == (job.sim.now, S.ERROR, S.QUEUED, "L8")


# -- L9, L10, L11: suspend, cancel, complete -----------------------------------------------------


def _assert_moves_and_stays(
    job: bl.Job, action: Callable[[], None], new: bl.JobState, rule: str
) -> None:
    """``action`` moves ``job`` to ``new`` under ``rule``, and nothing moves it afterwards."""
    old, now, bytes_before = job.state, job.sim.now, job.progress.bytes_transferred
    action()
    assert steps(job)[-1] == (round(now, 6), old, new, rule)
    after = snapshot(job)
    job.sim.run(until=now + 1000.0)  # past retry timers (600 s) and transfer ends
    assert snapshot(job) == after
    assert job.progress.bytes_transferred == bytes_before


@pytest.mark.parametrize("state", [s for s in NON_FINAL if s is not S.SUSPENDED])
def test_l9_suspend_moves_any_non_final_job_to_suspended(state: bl.JobState) -> None:
    """L9: suspend() moves any non-final job to SUSPENDED, where it stays."""
    job = job_in(state)
    _assert_moves_and_stays(job, job.suspend, S.SUSPENDED, "L9")


def test_l9_suspend_of_a_suspended_job_changes_nothing() -> None:
    """L9: suspending a SUSPENDED job leaves it SUSPENDED with no new history entry."""
    job = job_in(S.SUSPENDED)
    before = snapshot(job)
    job.suspend()
    assert snapshot(job) == before


def test_l9_suspend_mid_transfer_keeps_partial_progress_and_resume_continues() -> None:
    """L9: a file suspended mid-transfer keeps its bytes; resume() continues from there."""
    job = make_job()
    sim = job.sim
    job.resume()
    sim.call_at(0.55, job.suspend)
    sim.call_at(5.0, job.resume)
    sim.run(until=3.0)
    assert job.state is S.SUSPENDED
    assert job.progress == (SIZE, 500_000, 1, 0)
    assert job.files[0].progress == (SIZE, 500_000, False)
    sim.run()
    assert steps(job, 4) == [
        (0.55, S.TRANSFERRING, S.SUSPENDED, "L9"),
        (5.0, S.SUSPENDED, S.QUEUED, "L2"),
        (5.0, S.QUEUED, S.CONNECTING, "L3"),
        (5.05, S.CONNECTING, S.TRANSFERRING, "L3"),
        (5.55, S.TRANSFERRING, S.TRANSFERRED, "L3"),  # only the other half is sent
    ]


@pytest.mark.parametrize("state", NON_FINAL)
def test_l10_cancel_moves_any_non_final_job_to_cancelled(state: bl.JobState) -> None:
    """L10: cancel() moves any non-final job to CANCELLED, where it stays."""
    job = job_in(state)
    _assert_moves_and_stays(job, job.cancel, S.CANCELLED, "L10")


@pytest.mark.parametrize("state", NON_FINAL)
def test_l11_complete_moves_download_job_to_acknowledged_from_any_non_final_state(
    state: bl.JobState,
) -> None:
    """L11: complete() moves a download job to ACKNOWLEDGED from any non-final state."""
    job = job_in(state)
    _assert_moves_and_stays(job, job.complete, S.ACKNOWLEDGED, "L11")


@pytest.mark.parametrize("state", [s for s in NON_FINAL if s is not S.TRANSFERRED])
def test_l11_complete_on_upload_job_before_transferred_fails_with_invalid_state(
    state: bl.JobState,
) -> None:
    """L11: complete() on an upload job that is not TRANSFERRED fails with BG_E_INVALID_STATE."""
    job = job_in(state, type=bl.JobType.UPLOAD)
    before = snapshot(job)
    with pytest.raises(bl.BitsError, match="TRANSFERRED") as info:
        job.complete()
    assert info.value.hresult == bl.BG_E_INVALID_STATE
    assert snapshot(job) == before


@pytest.mark.parametrize("job_type", [bl.JobType.UPLOAD, bl.JobType.UPLOAD_REPLY])
def test_l11_complete_moves_transferred_upload_job_to_acknowledged(
    job_type: bl.JobType,
) -> None:
    """L11: an upload job is completed from TRANSFERRED."""
    job = job_in(S.TRANSFERRED, type=job_type)
    _assert_moves_and_stays(job, job.complete, S.ACKNOWLEDGED, "L11")


# -- L12: final states ---------------------------------------------------------------------------


def _set(name: str, value: object) -> Callable[[bl.Job], None]:
    return lambda job: setattr(job, name, value)


STATE_CHANGING_CALLS: dict[str, Callable[[bl.Job], object]] = {
    "resume": lambda job: job.resume(),
    "suspend": lambda job: job.suspend(),
    "cancel": lambda job: job.cancel(),
    "complete": lambda job: job.complete(),
    "add_file": lambda job: job.add_file("https://example.test/more.bin", "more.bin", 10),
    "priority": _set("priority", bl.JobPriority.HIGH),
    "minimum_retry_delay": _set("minimum_retry_delay", 30),
    "no_progress_timeout": _set("no_progress_timeout", 30),
    "notification_interval": lambda job: job.set_property(
        bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, 100
    ),
    "on_demand_mode": lambda job: job.set_property(bl.JobProperty.ON_DEMAND_MODE, True),
}


@pytest.mark.parametrize("call", STATE_CHANGING_CALLS)
@pytest.mark.parametrize("state", FINAL)
def test_l12_every_state_changing_call_on_a_final_job_fails_and_changes_nothing(
    state: bl.JobState, call: str
) -> None:
    """L12: on ACKNOWLEDGED/CANCELLED every state-changing call fails with BG_E_INVALID_STATE."""
    job = job_in(state)
    before = snapshot(job)
    with pytest.raises(bl.BitsError, match=state.name) as info:
        STATE_CHANGING_CALLS[call](job)
    assert info.value.hresult == bl.BG_E_INVALID_STATE
    assert snapshot(job) == before
    job.sim.run(until=job.sim.now + 1000.0)
    assert snapshot(job) == before


# -- L13: get_error ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state", [s for s in [*NON_FINAL, *FINAL] if s not in (S.ERROR, S.TRANSIENT_ERROR)]
)
def test_l13_get_error_outside_error_states_fails_with_information_unavailable(
    state: bl.JobState,
) -> None:
    """L13: get_error() fails with BG_E_ERROR_INFORMATION_UNAVAILABLE outside the error states."""
    job = job_in(state)
    with pytest.raises(bl.BitsError, match="get_error") as info:
        job.get_error()
    assert info.value.hresult == bl.BG_E_ERROR_INFORMATION_UNAVAILABLE


@pytest.mark.parametrize(("state", "status"), [(S.TRANSIENT_ERROR, 503), (S.ERROR, 404)])
def test_l13_get_error_answers_in_error_and_transient_error(
    state: bl.JobState, status: int
) -> None:
    """L13: get_error() answers in ERROR and TRANSIENT_ERROR with context and HRESULT."""
    job = job_in(state)
    error = job.get_error()
    assert error.context is bl.ErrorContext.REMOTE_FILE
    assert error.hresult == bl.http_error_hresult(status)
    assert error.name == f"BG_E_HTTP_ERROR_{status}"


@pytest.mark.parametrize("leave", ["resume", "suspend"])
def test_l13_error_is_unavailable_once_the_job_leaves_error(leave: str) -> None:
    """L13: once a job leaves ERROR (resume or suspend), get_error() fails again."""
    job = job_in(S.ERROR)
    STATE_CHANGING_CALLS[leave](job)
    with pytest.raises(bl.BitsError) as info:
        job.get_error()
    assert info.value.hresult == bl.BG_E_ERROR_INFORMATION_UNAVAILABLE


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
    """L14: once the job is TRANSFERRED, bytes_transferred equals bytes_total."""
    job = make_job(files=3, size=333_333)
    job.resume()
    job.sim.run()
    assert job.state is S.TRANSFERRED
    assert job.progress == (3 * 333_333, 3 * 333_333, 3, 3)
    assert [f.progress for f in job.files] == [(333_333, 333_333, True)] * 3


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
