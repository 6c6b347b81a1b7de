"""``job.progress_trace()``: the exact bytes-over-time a job made, never going backwards (L3, S5).

:func:`bitslab.plots.progress` draws this trace, so a wrong point is a picture that lies: a job
whose line rises while it waits QUEUED, or falls back when it transfers again. The properties
below hold for every job of every random world:

- the points are in time order, the bytes never decrease (a job never loses what arrived);
- the last point is ``(sim.now, job.progress.bytes_transferred)``;
- the bytes rise only while the job is TRANSFERRING (L3): QUEUED, SUSPENDED, CONNECTING, in an
  error or done, its line is flat;
- exact at every moment: the trace read at the end passes through the bytes the job reported
  whenever the run was stopped and looked at, and a trace read mid-run ends there (S5: the
  rate changes with the jobs sharing the link).

The worlds come from ``random_worlds.py``: its full scenarios (notifiers that misbehave, apps
that crash, outages, 404 and 503 windows), and jobs of every priority sharing the link, with
suspends, resumes and priority changes, stopped at drawn moments.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from random_worlds import SIZE, Scenario, run, scenarios, tenths

import bitslab as bl

S = bl.JobState
PROPERTY = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _state_after(job: bl.Job, time: float) -> S:
    """The job's state just after ``time``, once every change at that moment is made."""
    index = bisect_right([change.time for change in job.history], time) - 1
    return job.history[index].new


def check_trace(job: bl.Job) -> list[tuple[float, int]]:
    """L3: in order, never down, rising only while TRANSFERRING, ending at the job's bytes now."""
    trace = job.progress_trace()
    assert trace, job.name
    assert trace[-1] == (job.sim.now, job.progress.bytes_transferred), (job.name, trace[-1])
    changes = [change.time for change in job.history]
    for (t0, b0), (t1, b1) in itertools.pairwise(trace):
        assert t0 < t1, (job.name, t0, t1)
        assert b0 <= b1, f"{job.name}: bytes went down from {b0} at {t0} to {b1} at {t1}"
        if b1 > b0:  # rose: TRANSFERRING all the way from t0 to t1
            assert _state_after(job, t0) is S.TRANSFERRING, (job.name, t0, b0, t1, b1)
            inside = job.history[bisect_right(changes, t0) : bisect_right(changes, t1 - 1e-12)]
            assert all(change.new is S.TRANSFERRING for change in inside), (job.name, inside)
    return trace


def bytes_at(trace: list[tuple[float, int]], time: float) -> float:
    """The trace drawn as a line, read at ``time``."""
    index = bisect_right([t for t, _ in trace], time) - 1
    t0, b0 = trace[index]
    if index + 1 == len(trace):
        return float(b0)
    t1, b1 = trace[index + 1]
    return b0 + (b1 - b0) * (time - t0) / (t1 - t0)


@PROPERTY
@given(scenarios(reentrant=True))
def test_l3_progress_trace_never_decreases_and_is_flat_unless_transferring(
    scenario: Scenario,
) -> None:
    """L3: in the widest random worlds, every job's trace is ordered, never goes down, rises
    only while TRANSFERRING and ends at ``progress.bytes_transferred``."""
    result = run(scenario)
    for job in result.jobs:
        check_trace(job)


PRIORITIES = st.sampled_from(list(bl.JobPriority))


@st.composite
def shared_links(draw: st.DrawFn) -> tuple[bl.Simulation, list[float]]:
    """Two to five jobs of any priority (S1-S5) with files of random_worlds' sizes, started,
    suspended, resumed and re-prioritised at drawn times, maybe an outage (L4) and a 503
    window (L5); and the moments the run is stopped to be looked at."""
    sim = bl.Simulation(seed=draw(st.integers(0, 2**16)))
    for index in range(draw(st.integers(2, 5))):
        job = sim.create_job(f"job{index}", priority=draw(PRIORITIES))
        for number, size in enumerate(draw(st.lists(SIZE, min_size=1, max_size=3))):
            job.add_file(f"https://srv.test/{index}/{number}", f"f{number}", size)
        job.minimum_retry_delay = 5
        sim.call_at(draw(tenths(0, 100)), job.resume)
        for _ in range(draw(st.integers(0, 3))):
            what = draw(st.sampled_from(["suspend", "resume", "priority"]))
            when = draw(tenths(0, 300))
            if what == "priority":
                sim.call_at(when, _set_priority, job, draw(PRIORITIES))
            else:
                sim.call_at(when, _if_live, job, what)
    if draw(st.booleans()):
        sim.network.outage(draw(tenths(0, 200)), draw(tenths(1, 100)))
    if draw(st.booleans()):
        sim.network.fail("https://srv.test/1/", 503, draw(tenths(0, 100)), draw(tenths(1, 100)))
    stops = sorted(set(draw(st.lists(tenths(1, 400), min_size=1, max_size=6))))
    return sim, stops


def _if_live(job: bl.Job, what: str) -> None:
    if not job.state.is_final:
        getattr(job, what)()


def _set_priority(job: bl.Job, priority: bl.JobPriority) -> None:
    if not job.state.is_final:
        job.priority = priority


@PROPERTY
@given(shared_links())
def test_s5_progress_trace_is_exact_at_every_moment_the_run_was_looked_at(
    world: tuple[bl.Simulation, list[float]],
) -> None:
    """S5, L3: stopped at drawn moments, each job's trace (read then) ends at its bytes then;
    the trace read at the end passes through every one of those (to a byte), so the line drawn
    is what the job really had, while links are shared, jobs preempted and the network down."""
    sim, stops = world
    seen: list[tuple[bl.Job, float, int]] = []
    for stop in stops:
        sim.run(until=stop)
        for job in sim.jobs:
            check_trace(job)
            seen.append((job, sim.now, job.progress.bytes_transferred))
    sim.run(until=stops[-1] + 200.0)
    final = {job: check_trace(job) for job in sim.jobs}
    for job, time, done in seen:
        assert abs(bytes_at(final[job], time) - done) <= 1.0, (job.name, time, done)


def test_l3_flaky_network_updates_waits_flat_while_queued_and_never_falls_back() -> None:
    """L3, S2: in notebook 04's flaky network, ``updates`` gives the link to ``photos`` at
    10.05 s (QUEUED) with 10 MB, keeps exactly 10 MB through the outage and takes up again
    from there at 25.05 s; ``photos`` keeps its 4.9 MB until it transfers again."""
    sim = bl.scenarios.flaky_network()
    updates, photos = sim.jobs[0], sim.jobs[1]
    trace = check_trace(updates)
    waiting = [done for time, done in trace if 10.05 <= time <= 25.05]
    assert waiting == [10_000_000] * len(waiting)
    assert len(waiting) >= 2  # the line is drawn flat from 10.05 s to 25.05 s
    assert max(done for _, done in check_trace(photos)) == photos.progress.bytes_total
    held = [done for time, done in check_trace(photos) if 15.0 <= time <= 31.15]
    assert held == [4_900_000] * len(held)
