"""The scheduler: files in the order added (S4) and sharing the bandwidth (S5).

What these tests share (how the expected values are worked out, what is observed) is
said once in ``scheduler_support.py``.
"""

from __future__ import annotations

import pytest
from scheduler_support import LATENCY, LINK, MB, TRICKLE, P, done_at, probe, rate, sent
from support import make_job

import bitslab as bl

# -- S4: files in order -----------------------------------------------------------------------


def test_s4_files_transfer_one_at_a_time_in_the_order_added(sim: bl.Simulation) -> None:
    """S4: the second file gets no byte while the first is incomplete; they finish in order."""
    job = sim.create_job("ordered")
    for url, size in [("z.bin", 2 * MB), ("a.bin", 1 * MB), ("m.bin", 0)]:
        job.add_file(f"https://example.test/{url}", url, size)
    job.resume()
    grid = [round(0.01 * k + 0.005, 3) for k in range(330)]
    seen = probe(sim, grid, lambda: [f.progress for f in job.files])
    whole = probe(sim, grid, lambda: [f.transferred for f in job.files])
    sim.run()

    for t in grid:
        progress = seen[t]
        done = whole[t]
        # Transferred files are a prefix; files after the one in flight have no byte.
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
    first_done = [next(t for t in grid if whole[t][i]) for i in range(3)]
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
