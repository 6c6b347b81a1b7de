"""The scheduler: foreground jobs (S3).

What these tests share (how the expected values are worked out, what is observed) is
said once in ``scheduler_support.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from scheduler_support import (
    LATENCY,
    LINK,
    MB,
    SLICE,
    TRICKLE,
    P,
    S,
    changes,
    done_at,
    probe,
    rate,
    sent,
    times,
)
from support import make_job, steps

import bitslab as bl

# -- S3: foreground jobs ----------------------------------------------------------------------


def foreground_pair_beside_background(sim: bl.Simulation) -> tuple[list[bl.Job], bl.Job, bl.Job]:
    """Two 2 MB foreground jobs, a 10 MB NORMAL job and a 1 MB LOW job, all resumed at 0."""
    fg = [
        make_job(sim, name=f"fg{i}", sizes=[2 * MB], priority=P.FOREGROUND, resume_at=0.0)
        for i in range(2)
    ]
    return (
        fg,
        make_job(sim, name="normal", sizes=[10 * MB], resume_at=0.0),
        make_job(sim, name="low", sizes=[1 * MB], priority=P.LOW, resume_at=0.0),
    )


def foreground_joins_background(sim: bl.Simulation) -> tuple[bl.Job, bl.Job]:
    """A 5 MB NORMAL job from 0, and a 1 MB foreground job resumed at 1.0."""
    background = make_job(sim, name="background", sizes=[5 * MB], resume_at=0.0)
    return background, make_job(
        sim, name="fg", sizes=[1 * MB], priority=P.FOREGROUND, resume_at=1.0
    )


def made_foreground(sim: bl.Simulation, changed: str) -> tuple[bl.Job, bl.Job]:
    """NORMAL jobs of 5 MB (running) and 2 MB (queued); one becomes FOREGROUND at 1.0.

    Returns (the job made foreground, the other one).
    """
    jobs = {
        "running": make_job(sim, name="running", sizes=[5 * MB], resume_at=0.0),
        "queued": make_job(sim, name="queued", sizes=[2 * MB], resume_at=0.0),
    }
    target = jobs.pop(changed)
    sim.call_at(1.0, setattr, target, "priority", P.FOREGROUND)
    (other,) = jobs.values()
    return target, other


def test_s3_foreground_jobs_run_concurrently_beside_one_background_job(
    sim: bl.Simulation,
) -> None:
    """S3: every foreground job transfers at once, beside one background job only."""
    fg, normal, low = foreground_pair_beside_background(sim)
    everyone = [*fg, normal, low]
    seen = probe(sim, [1.0], lambda: [(job.state, sent(job)) for job in everyone])
    sim.run()

    fg_rate = (LINK - TRICKLE) / 2  # S5: the foreground pair shares what the trickle leaves
    assert seen[1.0] == [
        (S.TRANSFERRING, pytest.approx(fg_rate * 0.95, abs=1)),
        (S.TRANSFERRING, pytest.approx(fg_rate * 0.95, abs=1)),
        (S.TRANSFERRING, pytest.approx(TRICKLE * 0.95, abs=1)),
        (S.QUEUED, 0),
    ]
    for job in fg:
        assert done_at(job) == pytest.approx(LATENCY + 2 * MB / fg_rate)
    # The LOW job waits for the one background slot (S1), then runs.
    assert times(changes(low, new=S.CONNECTING)) == [pytest.approx(done_at(normal))]
    assert done_at(low) == pytest.approx(done_at(normal) + LATENCY + 1.0)


def test_s3_foreground_job_does_not_preempt_running_background_job(sim: bl.Simulation) -> None:
    """S3: a foreground job resumed mid-transfer runs beside the background job, at the trickle."""
    background, fg = foreground_joins_background(sim)
    seen = probe(sim, [1.5, 1.9], lambda: sent(background))
    sim.run()

    assert [c.new for c in background.history] == [
        S.SUSPENDED,
        S.QUEUED,
        S.CONNECTING,
        S.TRANSFERRING,
        S.TRANSFERRED,
    ]
    assert seen[1.5] == pytest.approx(1 * MB + 0.45 * TRICKLE, abs=1)
    assert rate(seen, 1.5, 1.9) == pytest.approx(TRICKLE, abs=5)
    assert done_at(fg) == pytest.approx(1.0 + LATENCY + 1 * MB / (LINK - TRICKLE))


def test_s3_foreground_jobs_are_not_time_sliced(sim: bl.Simulation) -> None:
    """S3: foreground jobs keep running together past the time slice (no S2 turns)."""
    fg = [
        make_job(sim, name=f"fg{i}", sizes=[25 * MB], priority=P.FOREGROUND, resume_at=0.0)
        for i in range(2)
    ]
    sim.run()

    for job in fg:
        assert changes(job, "S2") == []
        assert len(changes(job, new=S.CONNECTING)) == 1
        assert done_at(job) == pytest.approx(LATENCY + 50.0)


@pytest.mark.parametrize("changed", ["running", "queued"])
def test_s3_job_made_foreground_runs_beside_the_background_job(
    sim: bl.Simulation, changed: str
) -> None:
    """S3: job.priority = FOREGROUND takes effect: it runs beside the one background job."""
    target, other = made_foreground(sim, changed)
    seen = probe(sim, [1.5, 1.9], lambda: (target.state, other.state, sent(other)))
    sim.run()

    assert target.priority is P.FOREGROUND
    assert seen[1.5][:2] == (S.TRANSFERRING, S.TRANSFERRING)
    assert (seen[1.9][2] - seen[1.5][2]) / 0.4 == pytest.approx(TRICKLE, abs=5)
    # From 1.05, when the other job's bytes flow, the target gets the link less the trickle.
    if changed == "running":
        # It keeps running in place (no new connection), on the whole link from 0.05 to 1.05.
        left = target.files[0].size - 1.0 * LINK
        assert len(changes(target, new=S.CONNECTING)) == 1
        assert len(changes(target, new=S.QUEUED)) == 1  # resume() only
    else:  # it connects at 1.0
        left = target.files[0].size
    assert done_at(target) == pytest.approx(1.0 + LATENCY + left / (LINK - TRICKLE))
    # A running background job is not interrupted by the change of another job.
    if changed == "queued":
        assert len(changes(other, new=S.CONNECTING)) == 1


def test_s3_running_background_job_made_foreground_keeps_running_in_place(
    sim: bl.Simulation,
) -> None:
    """S3: a running job made FOREGROUND keeps its connection and frees the background slot."""
    target = make_job(sim, name="target", sizes=[5 * MB], resume_at=0.0)
    other = make_job(sim, name="other", sizes=[2 * MB], resume_at=0.0)
    sim.call_at(1.0, setattr, target, "priority", P.FOREGROUND)
    sim.run()

    # At 1.05 the target has 1 MB (the whole link since 0.05); then the link less the trickle.
    fg_time = 4 * MB / (LINK - TRICKLE)
    target_done = 1.0 + LATENCY + fg_time
    assert steps(target, 1) == [
        (0.0, S.SUSPENDED, S.QUEUED, "L2"),
        (0.0, S.QUEUED, S.CONNECTING, "L3"),
        (0.05, S.CONNECTING, S.TRANSFERRING, "L3"),
        (round(target_done, 6), S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]
    assert done_at(target) == pytest.approx(target_done)  # 5.0904...
    # The slot it left goes at once to the waiting background job, which moves the trickle.
    other_done = target_done + (2 * MB - TRICKLE * fg_time) / LINK
    assert steps(other, 1) == [
        (0.0, S.SUSPENDED, S.QUEUED, "L2"),
        (1.0, S.QUEUED, S.CONNECTING, "L3"),
        (1.05, S.CONNECTING, S.TRANSFERRING, "L3"),
        (round(other_done, 6), S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]
    assert done_at(other) == pytest.approx(other_done)  # 7.05


def test_s3_running_foreground_job_made_background_keeps_running_when_the_slot_is_free(
    sim: bl.Simulation,
) -> None:
    """S3: a running FOREGROUND job made background keeps running; its slice starts then (S2)."""
    target = make_job(sim, name="target", sizes=[20 * MB], priority=P.FOREGROUND, resume_at=0.0)
    peer = make_job(sim, name="peer", sizes=[1 * MB], resume_at=2.0)
    sim.call_at(1.0, setattr, target, "priority", P.NORMAL)
    seen = probe(sim, [5.0], lambda: (target.state, peer.state))
    sim.run()

    slice_end = 1.0 + SLICE  # the slice counts from the priority change
    assert seen[5.0] == (S.TRANSFERRING, S.QUEUED)  # one background job at a time
    peer_done = slice_end + LATENCY + 1.0
    kept = (slice_end - LATENCY) * LINK
    target_done = peer_done + LATENCY + (20 * MB - kept) / LINK
    assert steps(target, 1) == [
        (0.0, S.SUSPENDED, S.QUEUED, "L2"),
        (0.0, S.QUEUED, S.CONNECTING, "L3"),
        (0.05, S.CONNECTING, S.TRANSFERRING, "L3"),
        (slice_end, S.TRANSFERRING, S.QUEUED, "S2"),
        (round(peer_done, 6), S.QUEUED, S.CONNECTING, "L3"),
        (round(peer_done + LATENCY, 6), S.CONNECTING, S.TRANSFERRING, "L3"),
        (round(target_done, 6), S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]
    assert times(changes(peer, new=S.CONNECTING)) == [pytest.approx(slice_end)]
    assert done_at(peer) == pytest.approx(peer_done)  # 12.05
    assert done_at(target) == pytest.approx(target_done)  # 21.15


def test_s3_running_foreground_job_made_background_queues_while_another_holds_the_slot(
    sim: bl.Simulation,
) -> None:
    """S3: only one background job runs: a FOREGROUND job made background waits for the slot."""
    target = make_job(sim, name="target", sizes=[5 * MB], priority=P.FOREGROUND, resume_at=0.0)
    holder = make_job(sim, name="holder", sizes=[5 * MB], resume_at=0.0)
    sim.call_at(1.0, setattr, target, "priority", P.NORMAL)
    seen = probe(sim, [1.5], lambda: (target.state, sent(target)))
    sim.run()

    kept = 0.95 * (LINK - TRICKLE)  # the target's bytes by 1.0, beside the holder's trickle
    holder_done = 1.0 + (5 * MB - 0.95 * TRICKLE) / LINK
    assert seen[1.5] == (S.QUEUED, pytest.approx(kept, abs=1))
    assert steps(holder, 1) == [
        (0.0, S.SUSPENDED, S.QUEUED, "L2"),
        (0.0, S.QUEUED, S.CONNECTING, "L3"),
        (0.05, S.CONNECTING, S.TRANSFERRING, "L3"),
        (round(holder_done, 6), S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]
    assert done_at(holder) == pytest.approx(holder_done)  # 5.9905
    target_done = holder_done + LATENCY + (5 * MB - kept) / LINK
    assert steps(target, 1) == [
        (0.0, S.SUSPENDED, S.QUEUED, "L2"),
        (0.0, S.QUEUED, S.CONNECTING, "L3"),
        (0.05, S.CONNECTING, S.TRANSFERRING, "L3"),
        (1.0, S.TRANSFERRING, S.QUEUED, "S3"),
        (round(holder_done, 6), S.QUEUED, S.CONNECTING, "L3"),
        (round(holder_done + LATENCY, 6), S.CONNECTING, S.TRANSFERRING, "L3"),
        (round(target_done, 6), S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]
    assert done_at(target) == pytest.approx(target_done)  # 10.1


# S5 after S3: once foreground jobs finish, their share goes back to the jobs still running.
def _normal_beside_foreground_pair(sim: bl.Simulation) -> tuple[bl.Job, float]:
    _, normal, _ = foreground_pair_beside_background(sim)
    fg_time = 2 * MB / ((LINK - TRICKLE) / 2)
    return normal, LATENCY + fg_time + (10 * MB - TRICKLE * fg_time) / LINK  # 14.05


def _background_after_foreground_job(sim: bl.Simulation) -> tuple[bl.Job, float]:
    background, _ = foreground_joins_background(sim)
    fg_time = 1 * MB / (LINK - TRICKLE)
    return background, 1.0 + LATENCY + fg_time + (4 * MB - TRICKLE * fg_time) / LINK  # 6.05


def _background_after_job_made_foreground(sim: bl.Simulation) -> tuple[bl.Job, float]:
    _, other = made_foreground(sim, "running")
    fg_time = 4 * MB / (LINK - TRICKLE)  # what the job made foreground has left at 1.05
    return other, 1.0 + LATENCY + fg_time + (2 * MB - TRICKLE * fg_time) / LINK  # 7.05


def _big_foreground_after_small_one(sim: bl.Simulation) -> tuple[bl.Job, float]:
    make_job(sim, name="small", sizes=[1 * MB], priority=P.FOREGROUND, resume_at=0.0)
    big = make_job(sim, name="big", sizes=[4 * MB], priority=P.FOREGROUND, resume_at=0.0)
    return big, LATENCY + 2.0 + 3.0  # half the link for 2 s, then all of it


@pytest.mark.parametrize(
    "scenario",
    [
        _normal_beside_foreground_pair,
        _background_after_foreground_job,
        _background_after_job_made_foreground,
        _big_foreground_after_small_one,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_s5_share_of_a_finished_job_goes_back_to_the_jobs_still_running(
    sim: bl.Simulation, scenario: Callable[[bl.Simulation], tuple[bl.Job, float]]
) -> None:
    """S5: once a foreground job is TRANSFERRED, the others get the link it leaves idle."""
    job, expected_done = scenario(sim)
    sim.run()

    assert done_at(job) == pytest.approx(expected_done)
