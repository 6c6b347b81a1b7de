"""Scheduler edge cases found in review: short slices, ties, priority changes (S2, S3, S5)."""

from __future__ import annotations

import pytest
from support import steps

import bitslab as bl

S = bl.JobState
P = bl.JobPriority
MB = 1_000_000


def add(sim: bl.Simulation, name: str, size: int, priority: P = P.NORMAL) -> bl.Job:
    job = sim.create_job(name, priority=priority)
    job.add_file(f"https://example.test/{name}.bin", f"{name}.bin", size)
    job.resume()
    return job


def test_s2_a_slice_shorter_than_the_latency_still_lets_every_job_finish() -> None:
    """S2: the slice starts when bytes flow, so a slice below the latency cannot starve jobs."""
    sim = bl.Simulation(latency=0.5, time_slice=0.2)
    jobs = [add(sim, "a", MB), add(sim, "b", MB)]
    sim.run()
    assert [job.state for job in jobs] == [S.TRANSFERRED, S.TRANSFERRED]
    assert all(
        change.rule == "S2"
        for job in jobs
        for change in job.history
        if change.new is S.QUEUED and change.old is S.TRANSFERRING
    )
    assert sim.now < 20.0


def test_s2_a_file_that_ends_with_its_slice_completes_instead_of_requeueing() -> None:
    """S2, L3: a file whose last byte arrives as the slice ends makes the job TRANSFERRED."""
    sim = bl.Simulation(latency=0.0, time_slice=10.0)
    first = add(sim, "first", 10 * MB)
    second = add(sim, "second", MB)
    sim.run()
    assert steps(first)[-1] == (10.0, S.TRANSFERRING, S.TRANSFERRED, "L3")
    assert "S2" not in [change.rule for change in first.history]
    assert steps(second)[-1] == (11.0, S.TRANSFERRING, S.TRANSFERRED, "L3")


def test_s3_background_job_made_foreground_keeps_running_and_frees_the_slot() -> None:
    """S3: a running NORMAL job made FOREGROUND keeps its connection; another background job
    starts beside it."""
    sim = bl.Simulation()
    moved = add(sim, "moved", 4 * MB)
    waiting = add(sim, "waiting", MB)
    sim.run(until=1.05)
    moved.priority = P.FOREGROUND
    sim.run()
    assert [c.new for c in moved.history[1:]] == [
        S.QUEUED,
        S.CONNECTING,
        S.TRANSFERRING,
        S.TRANSFERRED,
    ]
    # waiting connects at 1.05; once its bytes flow (1.10) it has the trickle, moved the rest
    assert waiting.history[2].time == pytest.approx(1.05)
    assert moved.history[-1].time == pytest.approx(1.10 + 2.95 * MB / (MB * 0.99), abs=1e-6)


@pytest.mark.parametrize("slot_taken", [False, True])
def test_s3_foreground_job_made_background_runs_on_only_if_the_slot_is_free(
    slot_taken: bool,
) -> None:
    """S3: a running FOREGROUND job made NORMAL keeps running if no background job holds the
    slot; otherwise it goes back to QUEUED under S3."""
    sim = bl.Simulation()
    moved = add(sim, "moved", 2 * MB, P.FOREGROUND)
    if slot_taken:
        add(sim, "holder", 10 * MB)
    sim.run(until=0.5)
    moved.priority = P.NORMAL
    sim.run(until=0.6)
    if slot_taken:
        assert steps(moved)[-1] == (0.5, S.TRANSFERRING, S.QUEUED, "S3")
    else:
        assert moved.state is S.TRANSFERRING
        assert [c.new for c in moved.history].count(S.CONNECTING) == 1
        sim.run()
        assert moved.history[-1].time == pytest.approx(2.05)


def test_s5_a_trickle_of_the_whole_link_is_rejected() -> None:
    """S5: trickle must leave foreground jobs some of the link, so it is below 1."""
    with pytest.raises(ValueError, match="trickle"):
        bl.Simulation(trickle=1.0)
