"""The scheduler: priorities, time slices, foreground jobs, file order and bandwidth (S1-S5).

Every expected time is worked out from the model's defaults: a 1,000,000 B/s link, 0.05 s to
connect for each file, a 10 s time slice and a background trickle of 1% of the link. A background
job's slice starts when its bytes start to flow in its turn, so a full turn lasts the latency plus
the slice (S2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from support import make_job, steps

import bitslab as bl

S = bl.JobState
P = bl.JobPriority

LINK = 1_000_000  # bytes per second (default)
LATENCY = 0.05  # seconds per connection (default)
SLICE = 10.0  # seconds (default)
TRICKLE = 0.01 * LINK  # bytes per second a background job keeps (default 1%)
MB = 1_000_000


# -- helpers ------------------------------------------------------------------------------------


def probe(sim: bl.Simulation, times: Iterable[float], fn: Callable[[], Any]) -> dict[float, Any]:
    """Record ``fn()`` at each of ``times``; the dict fills in while the simulation runs."""
    seen: dict[float, Any] = {}
    for t in times:
        sim.call_at(t, lambda t=t: seen.__setitem__(t, fn()))
    return seen


def sent(job: bl.Job) -> int:
    return job.progress.bytes_transferred


def changes(job: bl.Job, rule: str | None = None, new: S | None = None) -> list[bl.StateChange]:
    """History entries of ``job``, filtered by rule and by new state."""
    return [
        c for c in job.history if (rule is None or c.rule == rule) and (new is None or c.new is new)
    ]


def times(entries: Iterable[bl.StateChange]) -> list[float]:
    return [c.time for c in entries]


def done_at(job: bl.Job) -> float:
    """When the job entered TRANSFERRED (it must have, exactly once)."""
    (entry,) = changes(job, new=S.TRANSFERRED)
    return entry.time


def rate(seen: dict[float, int], t0: float, t1: float) -> float:
    return (seen[t1] - seen[t0]) / (t1 - t0)


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
    """S2: the file that ends with the slice completes, then the job yields its turn."""
    sim = bl.Simulation(seed=0, latency=0)
    first = make_job(sim, name="first", sizes=[10 * MB, 1 * MB], resume_at=0.0)
    waiting = make_job(sim, name="waiting", sizes=[1 * MB], resume_at=0.0)
    at_slice_end = probe(sim, [10.0 + 1e-9], lambda: [f.progress.completed for f in first.files])
    sim.run()

    assert changes(first, "S2") == [bl.StateChange(10.0, S.TRANSFERRING, S.QUEUED, "S2")]
    assert at_slice_end[10.0 + 1e-9] == [True, False]
    assert times(changes(waiting, new=S.CONNECTING)) == [10.0]
    assert done_at(waiting) == pytest.approx(11.0)
    assert times(changes(first, new=S.CONNECTING)) == [0.0, 11.0]
    assert done_at(first) == pytest.approx(12.0)


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


# -- S4: files in order -----------------------------------------------------------------------


def test_s4_files_transfer_one_at_a_time_in_the_order_added(sim: bl.Simulation) -> None:
    """S4: the second file gets no byte while the first is incomplete; they finish in order."""
    job = sim.create_job("ordered")
    for url, size in [("z.bin", 2 * MB), ("a.bin", 1 * MB), ("m.bin", 0)]:
        job.add_file(f"https://example.test/{url}", url, size)
    job.resume()
    grid = [round(0.01 * k + 0.005, 3) for k in range(330)]
    seen = probe(sim, grid, lambda: [f.progress for f in job.files])
    sim.run()

    for t in grid:
        progress = seen[t]
        done = [p.completed for p in progress]
        # Completed files are a prefix; files after the one in flight have no byte.
        assert done == sorted(done, reverse=True), t
        current = done.index(False) if False in done else len(done)
        assert all(p.bytes_transferred == 0 for p in progress[current + 1 :]), t
    # Bytes and sizes at chosen instants (L14: a size is known once BITS connected for it).
    assert [p.bytes_transferred for p in seen[1.005]] == [pytest.approx(955_000, abs=1), 0, 0]
    assert seen[1.005][1].bytes_total == bl.BG_SIZE_UNKNOWN
    assert [p.bytes_transferred for p in seen[2.075]] == [2 * MB, 0, 0]
    assert [p.bytes_transferred for p in seen[2.505]] == [2 * MB, pytest.approx(405_000, abs=1), 0]
    assert seen[2.505][1].bytes_total == 1 * MB
    # Completion times, from the samples: 2.05, then 2.05 + 0.05 + 1.0, then one more connection.
    first_done = [next(t for t in grid if seen[t][i].completed) for i in range(3)]
    assert first_done == [2.055, 3.105, 3.155]
    assert done_at(job) == pytest.approx(3.15)


def test_s4_preempted_job_continues_its_unfinished_file_first(sim: bl.Simulation) -> None:
    """S4: after a preemption the job resumes its first, partial file, not the next one."""
    job = make_job(sim, name="two-files", sizes=[3 * MB, 1 * MB], resume_at=0.0)
    make_job(sim, name="high", sizes=[1 * MB], priority=P.HIGH, resume_at=1.0)
    seen = probe(sim, [1.5, 3.0], lambda: [f.bytes_transferred for f in job.files])
    sim.run()

    assert seen[1.5] == [pytest.approx(0.95 * MB, abs=1), 0]
    assert seen[3.0] == [pytest.approx(0.95 * MB + (3.0 - 2.10) * LINK, abs=1), 0]
    first_done = 2.10 + (3 * MB - 0.95 * MB) / LINK
    assert done_at(job) == pytest.approx(first_done + LATENCY + 1.0)


# -- S5: bandwidth ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trickle", "traffic", "expected"),
    [
        (0.01, 300_000, 700_000),
        (0.01, 990_000, 10_000),
        (0.01, 1_000_000, 10_000),  # the link is full: the trickle
        (0.01, 2_500_000, 10_000),
        (0.05, 900_000, 100_000),
        (0.05, 2_500_000, 50_000),  # the trickle is a model parameter
    ],
)
def test_s5_background_job_uses_only_bandwidth_left_by_other_traffic(
    trickle: float, traffic: int, expected: int
) -> None:
    """S5: a background job gets link - traffic, never less than the trickle."""
    sim = bl.Simulation(seed=0, trickle=trickle)
    job = make_job(sim, name="background", sizes=[20 * MB], resume_at=0.0)
    sim.network.traffic(start=2.0, duration=10.0, bandwidth=traffic)
    seen = probe(sim, [0.5, 1.5, 4.0, 6.0, 13.0, 14.0], lambda: sent(job))
    sim.run()

    assert rate(seen, 0.5, 1.5) == pytest.approx(LINK, abs=2)
    assert rate(seen, 4.0, 6.0) == pytest.approx(expected, abs=1)
    assert rate(seen, 13.0, 14.0) == pytest.approx(LINK, abs=2)
    during = 10.0 * expected
    assert done_at(job) == pytest.approx(12.0 + (20 * MB - 1.95 * MB - during) / LINK)


@pytest.mark.parametrize(
    ("foreground", "background", "traffic", "fg_rate"),
    [
        (1, False, 200_000, 800_000),  # traffic asks less than a fair half: fg takes the rest
        (1, False, 700_000, 500_000),  # traffic asks more: a fair half each
        (2, False, 200_000, 400_000),
        (2, False, 500_000, LINK / 3),
        (1, True, 200_000, LINK - TRICKLE - 200_000),  # the background job keeps its trickle
        (1, True, 700_000, (LINK - TRICKLE) / 2),
    ],
)
def test_s5_foreground_jobs_share_link_fairly_with_other_traffic(
    sim: bl.Simulation, foreground: int, background: bool, traffic: int, fg_rate: float
) -> None:
    """S5: foreground jobs and other traffic share the link max-min fairly (model choice)."""
    sim.network.traffic(start=0.0, duration=100.0, bandwidth=traffic)
    fg = [
        make_job(sim, name=f"fg{i}", sizes=[2 * MB], priority=P.FOREGROUND, resume_at=0.0)
        for i in range(foreground)
    ]
    bg = make_job(sim, name="bg", sizes=[5 * MB], resume_at=0.0) if background else None
    watched = [*fg, *([bg] if bg else [])]
    seen = probe(sim, [0.5, 1.5], lambda: [sent(job) for job in watched])
    sim.run()

    rates = [(seen[1.5][i] - seen[0.5][i]) / 1.0 for i in range(len(watched))]
    assert rates[:foreground] == [pytest.approx(fg_rate, abs=2)] * foreground
    if bg is not None:
        assert rates[-1] == pytest.approx(TRICKLE, abs=2)
    for job in fg:
        assert done_at(job) == pytest.approx(LATENCY + 2 * MB / fg_rate)


@pytest.mark.parametrize(
    ("time_slice", "size"), [(0.3, 600_000), (1.1, 8_800_000), (3.3, 2_363_289)]
)
def test_s2_slice_ending_a_rounding_error_before_the_file_does_not_stall_time(
    time_slice: float, size: int
) -> None:
    """S2, L3: when float rounding puts the file's end a hair after the slice's, the file
    completes and simulated time moves on (this once looped forever at one instant)."""
    sim = bl.Simulation(seed=0, time_slice=time_slice)
    job = sim.create_job("job")
    job.add_file("https://example.test/a", "a", size)
    job.resume()
    for _ in range(10_000):  # bounded, so a regression fails instead of hanging
        if job.state is bl.JobState.TRANSFERRED:
            break
        sim.env.step()
    assert job.state is bl.JobState.TRANSFERRED
    assert job.history[-1].time == pytest.approx(LATENCY + size / LINK)
