"""The job lifecycle's calls: suspend, cancel and complete (L9-L11), final states (L12) and
get_error (L13), through the public API.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``lifecycle_support.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lifecycle_support import SIZE, S, job_in
from support import make_job, snapshot, steps

import bitslab as bl

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
    """L13: before its first error, a job in any other state has no error to read:
    BG_E_ERROR_INFORMATION_UNAVAILABLE (GetError)."""
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


def _errored(status: int) -> bl.Job:
    """A job whose one file the server answers with ``status`` until 5 s, then serves (ERROR
    at 0.05 s for a 4xx, TRANSIENT_ERROR for a 5xx with a 10 s retry delay)."""
    job = make_job(retry=10.0)
    job.sim.network.fail(job.files[0].remote_name, status, duration=5.0)
    job.resume()
    job.sim.run(until=1.0)
    return job


@pytest.mark.parametrize(
    ("status", "leave", "state"),
    [
        (404, lambda job: job.suspend(), S.SUSPENDED),
        (404, lambda job: job.resume(), S.QUEUED),
        (503, lambda job: job.suspend(), S.SUSPENDED),
        (404, lambda job: (job.suspend(), job.resume()), S.QUEUED),
    ],
    ids=["error-suspend", "error-resume", "transient-suspend", "error-suspend-resume"],
)
def test_l13_the_last_error_stays_readable_after_the_job_leaves_the_error_state(
    status: int, leave: Callable[[bl.Job], object], state: bl.JobState
) -> None:
    """L13: suspending or resuming a job keeps its last error readable, and so does waiting in
    QUEUED (GetError: the error is "available until BITS begins transferring data")."""
    job = _errored(status)
    error = job.get_error()
    leave(job)
    assert job.state is state
    assert job.get_error() == error
    assert job.get_error().hresult == bl.http_error_hresult(status)


def test_l13_a_job_waiting_in_connecting_still_reports_its_last_error() -> None:
    """L13: after a 503 the retry queues the job and it connects again; while CONNECTING (no
    data moving yet) the 503 is still readable (GetError: "available until BITS begins
    transferring data")."""
    job = _errored(503)  # TRANSIENT_ERROR at 0.05 s, retried at 10.05 s
    job.sim.run(until=10.06)
    assert job.state is S.CONNECTING
    assert job.get_error().hresult == bl.http_error_hresult(503)


@pytest.mark.parametrize("status", [404, 503])
def test_l13_the_error_is_gone_once_the_job_transfers_data_again(status: int) -> None:
    """L13: once the job enters TRANSFERRING, get_error() fails again with
    BG_E_ERROR_INFORMATION_UNAVAILABLE (GetError: "available until BITS begins transferring
    data"), and stays so once the job is TRANSFERRED."""
    job = _errored(status)
    job.sim.run(until=6.0)  # the server serves from 5 s
    job.resume()  # from ERROR (L8) or TRANSIENT_ERROR (L5): queued at once
    job.sim.run(until=6.5)  # bytes flow from 6.05 s
    assert job.state is S.TRANSFERRING
    for _ in range(2):
        with pytest.raises(bl.BitsError, match=r"get_error.*\(L13") as info:
            job.get_error()
        assert info.value.hresult == bl.BG_E_ERROR_INFORMATION_UNAVAILABLE
        job.sim.run()
    assert job.state is S.TRANSFERRED


@pytest.mark.parametrize("end", [lambda job: job.cancel(), lambda job: job.complete()])
def test_l13_a_final_job_has_no_error_to_read(end: Callable[[bl.Job], object]) -> None:
    """L13: a job that reaches a final state from ERROR no longer reports its error
    (GetError: BG_E_ERROR_INFORMATION_UNAVAILABLE when no error is available)."""
    job = _errored(404)
    end(job)
    assert job.state.is_final
    with pytest.raises(bl.BitsError) as info:
        job.get_error()
    assert info.value.hresult == bl.BG_E_ERROR_INFORMATION_UNAVAILABLE


def test_l13_a_disconnect_then_a_suspend_keeps_the_disconnect_readable() -> None:
    """L13: a disconnect's error (L4) is kept while the job is suspended during the outage
    and resumed after it, until data flows again."""
    job = make_job()
    job.sim.network.outage(0.5, 2.0)
    job.resume()
    job.sim.run(until=1.0)
    job.suspend()
    job.sim.run(until=3.0)
    assert job.get_error().hresult == bl.BG_E_NETWORK_DISCONNECTED
    job.resume()
    job.sim.run(until=3.02)  # QUEUED, then CONNECTING: the error is still there
    assert job.state is S.CONNECTING
    assert job.get_error().hresult == bl.BG_E_NETWORK_DISCONNECTED
    job.sim.run(until=3.1)
    assert job.state is S.TRANSFERRING
    with pytest.raises(bl.BitsError):
        job.get_error()
