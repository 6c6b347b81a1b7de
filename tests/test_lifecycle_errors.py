"""The job lifecycle when things go wrong: disconnects (L4), transient errors (L5), the
no-progress timeout (L6), fatal errors (L7) and resume from ERROR (L8), through the
public API.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``lifecycle_support.py``.
"""

from __future__ import annotations

import pytest
from lifecycle_support import BANDWIDTH, LATENCY, SIZE, S, job_in
from support import make_job, snapshot, steps

import bitslab as bl


def time_of(job: bl.Job, new: bl.JobState) -> float:
    """The time of the job's first move into ``new``."""
    return next(round(c.time, 6) for c in job.history if c.new is new)


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


# -- L15: what the error says -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "words", "state"),
    [
        (404, "HTTP 404 Not Found", S.ERROR),
        (403, "HTTP 403 Forbidden", S.ERROR),
        (503, "HTTP 503 Service Unavailable", S.TRANSIENT_ERROR),
        (499, "HTTP 499", S.ERROR),  # no standard reason phrase
    ],
)
def test_l15_an_http_error_names_its_file_and_says_the_status_and_its_reason(
    status: int, words: str, state: bl.JobState
) -> None:
    """L15: the error of an HTTP failure names the file it is about (IBackgroundCopyError::
    GetFile) and describes itself in words (GetErrorDescription): the status, its reason
    phrase and the URL asked for."""
    job = make_job(files=2)
    url = job.files[1].remote_name
    job.sim.network.fail(url, status)
    job.resume()
    job.sim.run(until=2.0)
    assert job.state is state
    error = job.get_error()
    assert error.file is job.files[1]
    assert error.description == f"{words} from {url}"


def test_l15_a_disconnect_is_about_no_file_and_says_what_the_network_did() -> None:
    """L15: an error that is not about one file, such as a network disconnect, has no file
    (IBackgroundCopyError::GetFile: "the error is not associated with a local or remote file")
    and says what the network did (GetErrorDescription)."""
    job = make_job()
    job.sim.network.outage(0.5, 1.0)
    job.resume()
    job.sim.run(until=1.0)
    error = job.get_error()
    assert (error.file, error.hresult) == (None, bl.BG_E_NETWORK_DISCONNECTED)
    assert error.description == "the network is disconnected"
    assert error.context is bl.ErrorContext.GENERAL_TRANSPORT


def test_l15_job_error_hands_the_notifier_the_same_error_with_file_and_description() -> None:
    """L15: job_error(job, error) receives the error get_error() returns, file and words
    included (IBackgroundCopyCallback::JobError: "pError ... the error that occurred")."""
    seen: list[tuple[object, str]] = []

    class Reader(bl.Notifier):
        def job_error(self, job: bl.Job, error: bl.JobError) -> None:
            seen.append((error.file, error.description))

    job = make_job(fail=404, notifier=Reader())
    job.resume()
    job.sim.run()
    assert seen == [(job.files[0], f"HTTP 404 Not Found from {job.files[0].remote_name}")]
