"""The scheduler: priorities (S1) and round robin with time slices (S2).

What these tests share (how the expected values are worked out, what is observed) is
said once in ``scheduler_support.py``.
"""

from __future__ import annotations

import pytest
from scheduler_support import LATENCY, LINK, MB, SLICE, P, S, changes, done_at, probe, sent, times
from support import make_job, steps

import bitslab as bl

BACKGROUND_PAIRS = [(P.HIGH, P.NORMAL), (P.HIGH, P.LOW), (P.NORMAL, P.LOW)]


# -- S1: priorities ---------------------------------------------------------------------------


@pytest.mark.parametrize(("high", "low"), BACKGROUND_PAIRS, ids=lambda p: p.name)
@pytest.mark.parametrize("arrival", [0.02, 1.0], ids=["while_connecting", "while_transferring"])
def test_s1_higher_priority_job_preempts_running_lower_job(
    sim: bl.Simulation, high: P, low: P, arrival: float
) -> None:
    """S1: a higher background priority queued preempts the running lower job, which waits."""
    lower = make_job(sim, name="lower", sizes=[5 * MB], priority=low, resume_at=0.0)
    higher = make_job(sim, name="higher", sizes=[1 * MB], priority=high, resume_at=arrival)
    kept = max(0.0, arrival - LATENCY) * LINK  # bytes the lower job had when preempted
    while_higher = [arrival + 0.3, arrival + 0.6, arrival + 1.0]
    bytes_seen = probe(sim, [*while_higher, arrival + 2.0], lambda: sent(lower))
    states = probe(sim, while_higher, lambda: (lower.state, higher.state))
    sim.run()

    old = S.CONNECTING if arrival < LATENCY else S.TRANSFERRING
    assert changes(lower, "S1") == [bl.StateChange(arrival, old, S.QUEUED, "S1")]
    for t in while_higher:
        assert bytes_seen[t] == pytest.approx(kept, abs=1)
        assert states[t][0] is S.QUEUED
    assert states[arrival + 1.0][1] is S.TRANSFERRING
    higher_done = arrival + LATENCY + 1 * MB / LINK
    assert done_at(higher) == pytest.approx(higher_done)
    # The lower job reconnects as soon as the higher one is done, and continues its file.
    assert times(changes(lower, new=S.CONNECTING))[-1] == pytest.approx(higher_done)
    restart = higher_done + LATENCY
    assert bytes_seen[arrival + 2.0] == pytest.approx(
        kept + (arrival + 2.0 - restart) * LINK, abs=1
    )
    assert done_at(lower) == pytest.approx(restart + (5 * MB - kept) / LINK)


@pytest.mark.parametrize(("high", "low"), BACKGROUND_PAIRS, ids=lambda p: p.name)
def test_s1_lower_priority_job_waits_queued_while_higher_job_transfers(
    sim: bl.Simulation, high: P, low: P
) -> None:
    """S1: a lower background job queued later does not preempt; it waits with no bytes."""
    higher = make_job(sim, name="higher", sizes=[2 * MB], priority=high, resume_at=0.0)
    lower = make_job(sim, name="lower", sizes=[1 * MB], priority=low, resume_at=0.5)
    seen = probe(sim, [1.0, 2.0], lambda: (lower.state, sent(lower), higher.state))
    sim.run()

    assert seen[1.0] == (S.QUEUED, 0, S.TRANSFERRING)
    assert seen[2.0] == (S.QUEUED, 0, S.TRANSFERRING)
    assert changes(higher, "S1") == []
    assert [c.new for c in higher.history] == [
        S.SUSPENDED,
        S.QUEUED,
        S.CONNECTING,
        S.TRANSFERRING,
        S.TRANSFERRED,
    ]
    assert done_at(higher) == pytest.approx(LATENCY + 2.0)
    assert times(changes(lower, new=S.CONNECTING)) == [pytest.approx(2.05)]
    assert done_at(lower) == pytest.approx(2.05 + LATENCY + 1.0)


def test_s1_lower_job_runs_while_higher_job_is_in_transient_error(sim: bl.Simulation) -> None:
    """S1: TRANSIENT_ERROR is no action state, so a LOW job runs until the NORMAL job retries."""
    normal = make_job(sim, name="normal", sizes=[1 * MB], priority=P.NORMAL, resume_at=0.0)
    normal.minimum_retry_delay = 5
    low = make_job(sim, name="low", sizes=[10 * MB], priority=P.LOW, resume_at=0.0)
    sim.network.fail(normal.files[0].remote_name, 503, start=0.0, duration=5.0)
    seen = probe(sim, [0.02, 3.0, 5.5], lambda: (normal.state, low.state, sent(low)))
    sim.run()

    # The NORMAL job connects first (S1) and the LOW job waits while it does.
    assert seen[0.02] == (S.CONNECTING, S.QUEUED, 0)
    failed = LATENCY  # the 503 answers the NORMAL job's connection
    assert changes(normal, new=S.TRANSIENT_ERROR) == [
        bl.StateChange(pytest.approx(failed), S.CONNECTING, S.TRANSIENT_ERROR, "L5")
    ]
    assert times(changes(low, new=S.CONNECTING))[0] == pytest.approx(failed)
    assert seen[3.0] == (
        S.TRANSIENT_ERROR,
        S.TRANSFERRING,
        pytest.approx((3.0 - 2 * LATENCY) * LINK, abs=1),
    )
    # The retry queues the NORMAL job again, which preempts the LOW one.
    retry = failed + 5.0
    assert changes(normal, "L5", S.QUEUED) == [
        bl.StateChange(pytest.approx(retry), S.TRANSIENT_ERROR, S.QUEUED, "L5")
    ]
    kept = (retry - 2 * LATENCY) * LINK
    assert changes(low, "S1") == [
        bl.StateChange(pytest.approx(retry), S.TRANSFERRING, S.QUEUED, "S1")
    ]
    assert seen[5.5] == (S.TRANSFERRING, S.QUEUED, pytest.approx(kept, abs=1))
    normal_done = retry + LATENCY + 1.0
    assert done_at(normal) == pytest.approx(normal_done)
    assert done_at(low) == pytest.approx(normal_done + LATENCY + (10 * MB - kept) / LINK)


def test_s1_preempted_job_goes_back_to_front_of_its_queue(sim: bl.Simulation) -> None:
    """S1: the preempted job runs again before the job of its priority that was waiting."""
    first = make_job(sim, name="first", sizes=[30 * MB], resume_at=0.0)
    second = make_job(sim, name="second", sizes=[30 * MB], resume_at=0.0)
    high = make_job(sim, name="high", sizes=[1 * MB], priority=P.HIGH, resume_at=1.0)
    sim.run(until=13.0)

    assert changes(first, "S1") == [bl.StateChange(1.0, S.TRANSFERRING, S.QUEUED, "S1")]
    assert done_at(high) == pytest.approx(2.05)
    assert times(changes(first, new=S.CONNECTING)) == [0.0, pytest.approx(2.05)]
    # Its new slice starts when its bytes flow again, after it reconnects; at its end the
    # waiting job gets its turn (S2).
    slice_end = 2.05 + LATENCY + SLICE
    assert times(changes(first, "S2")) == [pytest.approx(slice_end)]
    assert times(changes(second, new=S.CONNECTING)) == [pytest.approx(slice_end)]
    assert sent(first) == pytest.approx(0.95 * MB + SLICE * LINK, abs=1)
    assert sent(second) == pytest.approx((13.0 - slice_end - LATENCY) * LINK, abs=1)


@pytest.mark.parametrize(
    ("first_priority", "second_priority", "changed", "new_priority"),
    [
        (P.NORMAL, P.LOW, "second", P.HIGH),  # a queued job is raised above the running one
        (P.HIGH, P.NORMAL, "first", P.LOW),  # the running job is lowered below a queued one
    ],
    ids=["raise_queued", "lower_running"],
)
def test_s1_priority_change_preempts_running_job(
    sim: bl.Simulation,
    first_priority: P,
    second_priority: P,
    changed: str,
    new_priority: P,
) -> None:
    """S1: setting job.priority re-decides at once: the now-lower running job is preempted."""
    jobs = {
        "first": make_job(
            sim, name="first", sizes=[5 * MB], priority=first_priority, resume_at=0.0
        ),
        "second": make_job(
            sim, name="second", sizes=[1 * MB], priority=second_priority, resume_at=0.0
        ),
    }
    sim.call_at(1.0, setattr, jobs[changed], "priority", new_priority)
    seen = probe(sim, [1.5], lambda: (jobs["first"].state, sent(jobs["first"])))
    sim.run()

    first, second = jobs["first"], jobs["second"]
    assert jobs[changed].priority is new_priority
    assert changes(first, "S1") == [bl.StateChange(1.0, S.TRANSFERRING, S.QUEUED, "S1")]
    assert seen[1.5] == (S.QUEUED, pytest.approx(0.95 * MB, abs=1))
    assert times(changes(second, new=S.CONNECTING)) == [1.0]
    assert done_at(second) == pytest.approx(2.05)
    assert done_at(first) == pytest.approx(2.05 + LATENCY + 4.05)


# -- S2: round robin --------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 3])
@pytest.mark.parametrize("time_slice", [SLICE, 4.0])
def test_s2_jobs_of_one_priority_take_turns_every_time_slice(count: int, time_slice: float) -> None:
    """S2: background jobs of one priority alternate, one time slice each, in round robin."""
    sim = bl.Simulation(seed=0, time_slice=time_slice)
    per_slice = time_slice * LINK  # the slice starts when the bytes flow
    turn = LATENCY + time_slice  # each turn starts with a new connection
    size = int(3 * per_slice) + 150_000  # three full turns and a short fourth one
    jobs = [make_job(sim, name=f"job{j}", sizes=[size], resume_at=0.0) for j in range(count)]
    before_any_done = count * turn + 0.5 * time_slice
    seen = probe(sim, [before_any_done], lambda: [sent(job) for job in jobs])
    sim.run()

    rounds = 3 * count  # full turns in all
    for j, job in enumerate(jobs):
        slice_ends = [turn * (j + 1 + count * k) for k in range(3)]
        assert times(changes(job, "S2")) == pytest.approx(slice_ends)
        assert all(c.old is S.TRANSFERRING and c.new is S.QUEUED for c in changes(job, "S2"))
        # Each turn begins with a connection when the previous job's slice ends.
        starts = [turn * (j + count * k) for k in range(3)]
        assert times(changes(job, new=S.CONNECTING))[:3] == pytest.approx(starts)
        # The short last turns follow one another: 0.05 s to connect, 0.15 s of bytes.
        assert done_at(job) == pytest.approx(rounds * turn + (j + 1) * 0.2)
        assert job.progress.bytes_transferred == size
    # Every job has moved bytes before any of them finished: the first is in its second turn.
    second_turn = (0.5 * time_slice - LATENCY) * LINK
    assert seen[before_any_done] == pytest.approx(
        [per_slice + second_turn] + [per_slice] * (count - 1), abs=2
    )


@pytest.mark.parametrize("other", [None, P.LOW], ids=["alone", "beside_low_job"])
def test_s2_job_with_no_peer_of_its_priority_keeps_running_past_its_slice(
    sim: bl.Simulation, other: P | None
) -> None:
    """S2: with no other job of its priority queued, the running job keeps the link."""
    job = make_job(sim, name="big", sizes=[25 * MB], resume_at=0.0)
    waiting = (
        None
        if other is None
        else make_job(sim, name="waiting", sizes=[1 * MB], priority=other, resume_at=0.0)
    )
    sim.run()

    assert [(c.new, c.rule) for c in job.history] == [
        (S.SUSPENDED, "L1"),
        (S.QUEUED, "L2"),
        (S.CONNECTING, "L3"),
        (S.TRANSFERRING, "L3"),
        (S.TRANSFERRED, "L3"),
    ]
    assert done_at(job) == pytest.approx(25.05)
    if waiting is not None:
        assert times(changes(waiting, new=S.CONNECTING)) == [pytest.approx(25.05)]
        assert done_at(waiting) == pytest.approx(26.10)


def test_s2_slice_no_longer_than_the_latency_still_lets_every_job_progress() -> None:
    """S2: a slice counts from the first byte, so a slice under the latency still moves bytes."""
    latency, time_slice = 0.5, 0.2
    sim = bl.Simulation(seed=0, latency=latency, time_slice=time_slice)
    jobs = [make_job(sim, name=name, sizes=[1 * MB], resume_at=0.0) for name in ("a", "b")]
    seen = probe(sim, [3.0], lambda: [sent(job) for job in jobs])
    sim.run(until=60.0)  # bounded, so a turn that never moves a byte fails instead of hanging

    turn = latency + time_slice  # 0.7 s: connect, then 200,000 bytes
    per_turn = time_slice * LINK
    assert seen[3.0] == [pytest.approx(2 * per_turn, abs=1)] * 2
    for j, job in enumerate(jobs):
        # Four full turns each, alternating; the fifth ends with the file at its slice end.
        slice_ends = [turn * (j + 1 + 2 * k) for k in range(4)]
        assert times(changes(job, "S2")) == pytest.approx(slice_ends)
        starts = [turn * (j + 2 * k) for k in range(5)]
        assert times(changes(job, new=S.CONNECTING)) == pytest.approx(starts)
        assert done_at(job) == pytest.approx(turn * (9 + j))
        assert job.progress.bytes_transferred == 1 * MB
    assert [job.state for job in jobs] == [S.TRANSFERRED] * 2
    sim.run()  # nothing is left to do: run() returns at once
    assert sim.now == 60.0


def test_s2_file_ending_exactly_at_slice_end_completes_instead_of_requeueing() -> None:
    """S2: a file that ends with the slice completes first; the job is TRANSFERRED, not QUEUED."""
    sim = bl.Simulation(seed=0, latency=0)
    first = make_job(
        sim, name="first", sizes=[10 * MB], resume_at=0.0
    )  # 10 s of bytes: ends with its 10 s slice
    waiting = make_job(sim, name="waiting", sizes=[1 * MB], resume_at=0.0)
    sim.run()

    assert steps(first, 1) == [
        (0.0, S.SUSPENDED, S.QUEUED, "L2"),
        (0.0, S.QUEUED, S.CONNECTING, "L3"),
        (0.0, S.CONNECTING, S.TRANSFERRING, "L3"),
        (10.0, S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]
    assert times(changes(waiting, new=S.CONNECTING)) == [10.0]
    assert done_at(waiting) == pytest.approx(11.0)


def test_s2_file_ending_exactly_at_slice_end_completes_before_the_job_yields() -> None:
    """S2: the file that ends with the slice is transferred, then the job yields its turn."""
    sim = bl.Simulation(seed=0, latency=0)
    first = make_job(sim, name="first", sizes=[10 * MB, 1 * MB], resume_at=0.0)
    waiting = make_job(sim, name="waiting", sizes=[1 * MB], resume_at=0.0)
    at_slice_end = probe(sim, [10.0 + 1e-9], lambda: [f.transferred for f in first.files])
    sim.run()

    assert changes(first, "S2") == [bl.StateChange(10.0, S.TRANSFERRING, S.QUEUED, "S2")]
    assert at_slice_end[10.0 + 1e-9] == [True, False]
    assert times(changes(waiting, new=S.CONNECTING)) == [10.0]
    assert done_at(waiting) == pytest.approx(11.0)
    assert times(changes(first, new=S.CONNECTING)) == [0.0, 11.0]
    assert done_at(first) == pytest.approx(12.0)
