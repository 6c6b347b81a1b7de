"""S5: how foreground jobs share the link, exactly, and the progress trace that shows it.

The scheduler gives the foreground jobs one rate each (S5), kept by a lane with a virtual
clock (bitslab.model.lane): these tests check the times a processor-sharing link gives, worked
out by hand, for many jobs at once, and that ``job.progress_trace()`` bends exactly where
the rate changed, though no job is touched when another one's file ends.
"""

from __future__ import annotations

import itertools

import pytest

import bitslab as bl

MB = 1_000_000


def foreground(sim: bl.Simulation, name: str, sizes: list[int]) -> bl.Job:
    job = sim.create_job(name, priority=bl.JobPriority.FOREGROUND)
    for index, size in enumerate(sizes):
        job.add_file(f"https://example.test/{name}/{index}", f"{name}-{index}", size=size)
    job.resume()
    return job


def finished_at(job: bl.Job) -> float:
    return next(change.time for change in job.history if change.new is bl.JobState.TRANSFERRED)


def processor_sharing(sizes: list[int], bandwidth: float) -> list[float]:
    """When each of ``sizes`` (started together) finishes on a link split equally among the
    transfers still running: worked out size by size, smallest first."""
    ends: dict[int, float] = {}
    now = done = 0.0
    left = sorted(range(len(sizes)), key=lambda i: sizes[i])
    for index in list(left):
        now += (sizes[index] - done) * len(left) / bandwidth
        done = sizes[index]
        ends[index] = now
        left.remove(index)
    return [ends[i] for i in range(len(sizes))]


@pytest.mark.parametrize("count", [2, 5, 40])
def test_s5_foreground_jobs_finish_when_processor_sharing_says(count: int) -> None:
    """S5: N foreground jobs split the link equally; as each ends, the rest speed up."""
    sim = bl.Simulation(bandwidth=MB, latency=0.0)
    sizes = [MB * (1 + (7 * i) % count) + 1_000 * i for i in range(count)]
    jobs = [foreground(sim, f"j{i}", [size]) for i, size in enumerate(sizes)]
    sim.run()
    expected = processor_sharing(sizes, MB)
    assert [finished_at(job) for job in jobs] == pytest.approx(expected, rel=1e-9)


def test_s5_a_job_of_many_files_shares_the_link_file_by_file() -> None:
    """S4, S5: between two files a job does not move bytes (L3: it connects), so for the
    latency the other job has the whole link."""
    sim = bl.Simulation(bandwidth=MB, latency=0.5)
    two = foreground(sim, "two", [MB, MB])
    one = foreground(sim, "one", [4 * MB])
    sim.run()
    # 0.5 s connecting; both at 0.5 MB/s: "two"'s first file ends at 2.5 s, with "one" at
    # 1 MB; alone for 0.5 s (1.5 MB); both again from 3.0 s: "two" ends at 5.0 s (one at
    # 2.5 MB), "one" alone for its last 1.5 MB: 6.5 s.
    assert finished_at(two) == pytest.approx(5.0)
    assert finished_at(one) == pytest.approx(6.5)


def test_s5_progress_trace_bends_exactly_where_another_job_left_the_link() -> None:
    """S5: "big" runs at half the link until "small" ends at 2 s, then at the whole link;
    its trace has a point at 2 s, so drawn as lines it is exact."""
    sim = bl.Simulation(bandwidth=MB, latency=0.0)
    foreground(sim, "small", [MB])
    big = foreground(sim, "big", [4 * MB])
    sim.run()
    trace = big.progress_trace()
    assert trace[0] == (0.0, 0)
    assert (2.0, MB) in [(pytest.approx(t), b) for t, b in trace]
    assert trace[-1] == (pytest.approx(5.0), 4 * MB)
    for (t0, b0), (t1, b1) in itertools.pairwise(trace):
        assert t1 >= t0
        assert b1 >= b0
        if t1 > t0:  # between two points the rate is one of the two it ever had
            assert (b1 - b0) / (t1 - t0) in (pytest.approx(MB / 2, abs=2), pytest.approx(MB, abs=2))


def test_s5_progress_trace_while_running_is_exact_at_every_point() -> None:
    """S5: asked mid-run, the trace ends now, and every point matches the bytes the job had
    at that moment (probed with call_at)."""
    sim = bl.Simulation(bandwidth=MB, latency=0.0)
    jobs = [foreground(sim, f"j{i}", [MB * (i + 1)]) for i in range(4)]
    watched = jobs[-1]
    seen: dict[float, int] = {}
    for moment in (4.0, 7.0, 9.0):  # 4 jobs: the first ends at 4 s, the next at 7 s, 9 s
        sim.call_at(moment, lambda m=moment: seen.update({m: watched.progress.bytes_transferred}))
    sim.run(until=9.5)
    trace = dict(watched.progress_trace())
    for moment, transferred in seen.items():
        nearest = min(trace, key=lambda t: abs(t - moment))
        assert nearest == pytest.approx(moment)
        assert trace[nearest] == pytest.approx(transferred, abs=1)
    last_time, last_bytes = watched.progress_trace()[-1]
    assert last_time == 9.5
    assert last_bytes == watched.progress.bytes_transferred


def test_s5_background_job_takes_the_link_the_foreground_jobs_leave() -> None:
    """S5: a background job keeps the trickle while foreground jobs run, and the whole link
    once they are done."""
    sim = bl.Simulation(bandwidth=MB, latency=0.0, trickle=0.01)
    background = sim.create_job("background", priority=bl.JobPriority.NORMAL)
    background.add_file("https://example.test/bg", "bg", size=2 * MB)
    background.resume()
    foreground(sim, "fg", [MB])
    sim.run()
    # fg gets 0.99 MB/s: it ends at 1/0.99 s, when bg has 0.01 MB/s * that; bg then alone.
    fg_end = MB / (0.99 * MB)
    bg_end = fg_end + (2 * MB - 0.01 * MB * fg_end) / MB
    assert finished_at(background) == pytest.approx(bg_end)
