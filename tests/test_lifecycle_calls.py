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
