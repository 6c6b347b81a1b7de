"""Invariants of random scenarios: legal transitions, monotone progress, outcomes, determinism.

Hypothesis draws up to five download jobs (one to three files each, sizes from 0 bytes, any
priority, a resume time, a retry delay and a no-progress timeout), up to two outages, up to two
server failures (4xx or 5xx, on one file's URL or on a whole server) and some other traffic.
The outcome each job must reach is decided from the drawn data alone (see ``expected_outcome``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bitslab as bl

S = bl.JobState
P = bl.JobPriority

# -- the legal state machine, from the rules (L1-L11, S1, S2) ----------------------------------

LEGAL: dict[tuple[S | None, S], set[str]] = {
    (None, S.SUSPENDED): {"L1"},  # a new job
    (S.SUSPENDED, S.QUEUED): {"L2"},  # resume()
    (S.QUEUED, S.CONNECTING): {"L3"},  # the scheduler starts it
    (S.QUEUED, S.TRANSIENT_ERROR): {"L4"},  # the network is down
    (S.CONNECTING, S.TRANSFERRING): {"L3"},  # the server answered
    (S.CONNECTING, S.TRANSIENT_ERROR): {"L4", "L5"},  # disconnect, 5xx
    (S.CONNECTING, S.ERROR): {"L6", "L7"},  # 5xx past the no-progress deadline, 4xx
    (S.CONNECTING, S.QUEUED): {"S1"},  # preempted (its slice only starts once bytes flow)
    (S.TRANSFERRING, S.TRANSFERRED): {"L3"},  # every file done
    (S.TRANSFERRING, S.QUEUED): {"S1", "S2"},  # preempted, end of its time slice
    (S.TRANSFERRING, S.TRANSIENT_ERROR): {"L4", "L5"},
    (S.TRANSFERRING, S.ERROR): {"L6", "L7"},
    (S.TRANSIENT_ERROR, S.QUEUED): {"L4", "L5"},  # reconnect; retry delay over or resume()
    (S.TRANSIENT_ERROR, S.ERROR): {"L6"},  # the retry timer finds the deadline passed
    (S.ERROR, S.QUEUED): {"L8"},  # resume()
    (S.TRANSFERRED, S.QUEUED): {"L3"},  # a file added to a TRANSFERRED job (model choice)
}
for _state in S:  # L9-L11: suspend(), cancel(), complete() from any non-final state (L12)
    if not _state.is_final:
        if _state is not S.SUSPENDED:
            LEGAL[(_state, S.SUSPENDED)] = {"L9"}
        LEGAL[(_state, S.CANCELLED)] = {"L10"}
        LEGAL[(_state, S.ACKNOWLEDGED)] = {"L11"}

ACTION = {S.QUEUED, S.CONNECTING, S.TRANSFERRING}
RUNNING = {S.CONNECTING, S.TRANSFERRING}
BUSY = ACTION | {S.TRANSIENT_ERROR}
SAMPLE_EVERY = 0.5
SAMPLE_OFFSET = 1 / 7  # samples fall between the scripted events, which are on a 0.1 s grid

# -- scenarios -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobPlan:
    priority: P
    files: tuple[tuple[str, int], ...]  # (url, size)
    resume_at: float
    retry_delay: int
    no_progress_timeout: int


@dataclass(frozen=True)
class FailurePlan:
    url: str  # a file's URL, or a server prefix ending in "/"
    status: int
    start: float
    duration: float | None  # None: never recovers (4xx only; 5xx windows are finite)

    @property
    def end(self) -> float:
        return math.inf if self.duration is None else self.start + self.duration

    def matches(self, url: str) -> bool:
        return url.startswith(self.url) if self.url.endswith("/") else url == self.url

    def in_force(self, url: str, t: float) -> bool:
        return self.matches(url) and self.start <= t < self.end


@dataclass(frozen=True)
class Scenario:
    seed: int
    time_slice: float
    jobs: tuple[JobPlan, ...]
    outages: tuple[tuple[float, float], ...]
    failures: tuple[FailurePlan, ...]
    traffic: tuple[tuple[float, float, int], ...]

    @property
    def last_scripted(self) -> float:
        """When the last resume, outage, failure or traffic boundary is due."""
        ends = [plan.resume_at for plan in self.jobs]
        ends += [start + length for start, length in self.outages]
        ends += [f.start if f.duration is None else f.end for f in self.failures]
        ends += [start + length for start, length, _ in self.traffic]
        return max(ends)


def tenths(low: int, high: int) -> st.SearchStrategy[float]:
    """Times on a 0.1 s grid."""
    return st.integers(low, high).map(lambda n: n / 10)


@st.composite
def job_plans(draw: st.DrawFn, index: int) -> JobPlan:
    server = draw(st.integers(0, 1))
    size = st.one_of(
        st.just(0),
        st.integers(1, 4_000_000),
        st.integers(1, 40).map(lambda k: k * 100_000),  # ends on the 0.05 s grid: ties
    )
    sizes = draw(st.lists(size, min_size=1, max_size=3))
    return JobPlan(
        priority=draw(st.sampled_from(list(P))),
        files=tuple(
            (f"https://srv{server}.test/job{index}/file{k}.bin", size)
            for k, size in enumerate(sizes)
        ),
        resume_at=draw(st.one_of(tenths(0, 30), tenths(0, 200))),
        retry_delay=draw(st.integers(0, 60)),  # under 5 s is raised to 5 (L1)
        no_progress_timeout=draw(st.one_of(st.integers(0, 90), st.just(1_209_600))),
    )


@st.composite
def failure_plans(draw: st.DrawFn, urls: list[str]) -> FailurePlan:
    url = draw(st.sampled_from([*urls, "https://srv0.test/", "https://srv1.test/"]))
    status = draw(st.sampled_from([400, 403, 404, 410, 451, 500, 502, 503, 504, 599]))
    start = draw(st.one_of(st.just(0.0), tenths(0, 50), tenths(0, 300)))
    # 4xx may never end; 5xx windows are finite, so every retry cycle ends (outcome decidable).
    durations = st.one_of(st.none(), tenths(1, 400)) if status < 500 else tenths(1, 400)
    duration = draw(durations)
    return FailurePlan(url, status, start, duration)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    jobs = tuple(draw(job_plans(i)) for i in range(draw(st.integers(1, 5))))
    urls = [url for plan in jobs for url, _ in plan.files]
    return Scenario(
        seed=draw(st.integers(0, 2**32 - 1)),
        time_slice=draw(st.sampled_from([0.5, 1.0, 2.5, 10.0])),
        jobs=jobs,
        outages=tuple(draw(st.lists(st.tuples(tenths(0, 300), tenths(1, 200)), max_size=2))),
        failures=tuple(draw(st.lists(failure_plans(urls), max_size=2))),
        traffic=tuple(
            draw(
                st.lists(
                    st.tuples(tenths(0, 300), tenths(1, 200), st.integers(1, 2_000_000)),
                    max_size=1,
                )
            )
        ),
    )


# -- running a scenario, sampling progress -------------------------------------------------------


@dataclass
class Run:
    sim: bl.Simulation
    jobs: list[bl.Job]
    samples: list[tuple[float, list[Any]]]


def snapshot(job: bl.Job) -> tuple[Any, ...]:
    return (
        job.state,
        job.progress,
        tuple(f.progress for f in job.files),
        tuple(f.transferred for f in job.files),
    )


def run(scenario: Scenario) -> Run:
    """Build the scenario in a new Simulation, sample every job every 0.5 s, run until quiet."""
    sim = bl.Simulation(seed=scenario.seed, time_slice=scenario.time_slice)
    for start, length in scenario.outages:
        sim.network.outage(start, length)
    for failure in scenario.failures:
        sim.network.fail(failure.url, failure.status, failure.start, failure.duration)
    for start, length, bandwidth in scenario.traffic:
        sim.network.traffic(start, length, bandwidth)
    jobs = []
    for index, plan in enumerate(scenario.jobs):
        job = sim.create_job(f"job{index}", priority=plan.priority)
        job.minimum_retry_delay = plan.retry_delay
        job.no_progress_timeout = plan.no_progress_timeout
        for url, size in plan.files:
            job.add_file(url, url.rsplit("/", 1)[1], size)
        sim.call_at(plan.resume_at, job.resume)
        jobs.append(job)
    result = Run(sim, jobs, [])

    def sample() -> None:
        result.samples.append((sim.now, [snapshot(job) for job in jobs]))
        if sim.now < scenario.last_scripted or any(job.state in BUSY for job in jobs):
            sim.call_at(sim.now + SAMPLE_EVERY, sample)

    sim.call_at(SAMPLE_OFFSET, sample)
    sim.run()
    result.samples.append((sim.now, [snapshot(job) for job in jobs]))
    return result


def history(job: bl.Job) -> list[tuple[float, S | None, S, str]]:
    return [(round(c.time, 9), c.old, c.new, c.rule) for c in job.history]


# -- the checks ------------------------------------------------------------------------------------


def check_transitions(job: bl.Job, time_slice: float, everyone: list[bl.Job]) -> None:
    """(a) L1-L11, S1, S2: every history entry is a legal transition, named by a legal rule."""
    first, *rest = job.history
    assert (first.time, first.old, first.new, first.rule) == (0.0, None, S.SUSPENDED, "L1")
    previous = first
    for change in rest:
        assert change.old is previous.new, (job.name, change)
        assert change.time >= previous.time, (job.name, change)
        assert change.rule in LEGAL.get((change.old, change.new), set()), (job.name, change)
        previous = change
    if job.priority is P.FOREGROUND:  # no priority changes here: S1, S2 are for background jobs
        assert not [c for c in job.history if c.rule in ("S1", "S2")], job.name
    flowing: float | None = None  # when bytes started to flow in the job's current turn
    for change in job.history:
        if change.new is S.CONNECTING:
            flowing = None
        elif change.old is S.CONNECTING and change.new is S.TRANSFERRING:
            flowing = change.time
        elif change.rule == "S2":
            # S2: only at the end of a time slice, counted from when its bytes began to flow.
            assert flowing is not None, (job.name, change)
            slices = (change.time - flowing) / time_slice
            assert slices >= 1 - 1e-9, (job.name, change)
            assert abs(slices - round(slices)) < 1e-6, (job.name, change)
        elif change.rule == "S1":  # S1: a job of higher background priority starts right then
            assert any(
                other.priority < job.priority
                and (change.time, S.QUEUED, S.CONNECTING)
                in [(c.time, c.old, c.new) for c in other.history]
                for other in everyone
                if other.priority is not P.FOREGROUND
            ), (job.name, change)


def check_errors_and_retries(job: bl.Job, scenario: Scenario) -> None:
    """L4-L6: when a job enters and leaves TRANSIENT_ERROR, and when the no-progress clock fires.

    L4: a disconnect happens inside an outage and ends at an outage's end, by rule L4. L5: a 5xx
    ends after exactly the retry delay, by rule L5. L6: the clock starts at the first transient
    (non-disconnect) error, restarts with progress (TRANSFERRING), pauses while disconnected;
    a 5xx or a retry at the deadline means ERROR, none before it; a timeout of 0 or one shorter
    than the retry delay sends every 5xx straight to ERROR. (No resume() is called here.)
    """
    timeout, delay = job.no_progress_timeout, job.minimum_retry_delay
    straight = timeout == 0 or delay > timeout
    outage_ends = [start + length for start, length in scenario.outages]
    eps = 1e-6
    clock: float | None = None  # when the no-progress clock started
    paused = 0.0  # time spent disconnected since then
    entered: bl.StateChange | None = None  # how the job entered TRANSIENT_ERROR
    for change in job.history[1:]:
        deadline = math.inf if clock is None else clock + paused + timeout
        if change.old is S.TRANSIENT_ERROR:
            assert entered is not None
            if entered.rule == "L4":
                assert (change.new, change.rule) == (S.QUEUED, "L4"), (job.name, change)
                assert min(abs(change.time - end) for end in outage_ends) < eps, (job.name, change)
                paused += change.time - entered.time
            elif change.new is S.QUEUED:
                assert change.rule == "L5", (job.name, change)
                assert abs(change.time - (entered.time + delay)) < eps, (job.name, change)
                assert change.time < deadline + eps, (job.name, change, deadline)
            else:
                assert (change.new, change.rule) == (S.ERROR, "L6"), (job.name, change)
                assert abs(change.time - deadline) < eps, (job.name, change, deadline)
        if change.new is S.TRANSFERRING:
            clock, paused = None, 0.0  # progress
        elif change.new is S.TRANSIENT_ERROR:
            entered = change
            if change.rule == "L4":
                assert any(
                    start <= change.time < start + length for start, length in scenario.outages
                ), (job.name, change)
            else:
                assert not straight, (job.name, change)
                if clock is None:
                    clock, paused, deadline = change.time, 0.0, change.time + timeout
                assert change.time < deadline + eps, (job.name, change, deadline)
        elif change.new is S.ERROR and change.rule == "L6" and change.old in RUNNING:
            assert straight or change.time >= deadline - eps, (job.name, change, deadline)


def check_schedule(jobs: list[bl.Job]) -> None:
    """S1, S3: after everything that happens at one instant, the link is used as the rules say.

    At most one background job runs; none runs while a higher background priority is in an
    action state; no foreground job is left QUEUED; and a background job is left QUEUED only
    while one of at least its priority holds the link.
    """
    instants = sorted({c.time for job in jobs for c in job.history})
    for t in instants:
        states = [[c.new for c in job.history if c.time <= t][-1] for job in jobs]
        background = [
            (job.priority, state)
            for job, state in zip(jobs, states, strict=True)
            if job.priority is not P.FOREGROUND
        ]
        running = [priority for priority, state in background if state in RUNNING]
        assert len(running) <= 1, (t, states)
        for priority in running:
            assert not [p for p, state in background if state in ACTION and p < priority], t
        for job, state in zip(jobs, states, strict=True):
            if state is S.QUEUED:
                assert job.priority is not P.FOREGROUND, (t, job.name)
                assert any(p <= job.priority for p in running), (t, job.name, states)


def check_progress(result: Run) -> None:
    """(b) L14, S4: progress never falls, never exceeds the sizes, files go in order; a
    download file is never completed before complete(), and files_transferred counts the files
    whose bytes have all arrived."""
    for index, job in enumerate(result.jobs):
        sizes = [f.size for f in job.files]
        last_job_bytes, last_file_bytes = 0, [0] * len(sizes)
        for t, snapshots in result.samples:
            state, progress, files, whole = snapshots[index]
            assert progress.bytes_total in (sum(sizes), bl.BG_SIZE_UNKNOWN), (job.name, t)
            assert last_job_bytes <= progress.bytes_transferred <= sum(sizes), (job.name, t)
            assert progress.files_total == len(sizes)
            assert progress.files_transferred == sum(whole), (job.name, t)
            for k, (file_progress, size) in enumerate(zip(files, sizes, strict=True)):
                assert file_progress.bytes_total in (size, bl.BG_SIZE_UNKNOWN), (job.name, t, k)
                where = (job.name, t, k)
                assert last_file_bytes[k] <= file_progress.bytes_transferred <= size, where
                assert not whole[k] or file_progress.bytes_transferred == size
                assert file_progress.completed is (whole[k] and state is S.ACKNOWLEDGED), where
                if k > 0 and file_progress.bytes_transferred > 0:  # S4: one at a time, in order
                    assert whole[k - 1], (job.name, t, k)
            last_job_bytes = progress.bytes_transferred
            last_file_bytes = [f.bytes_transferred for f in files]


def expected_outcome(scenario: Scenario, plan: JobPlan, retry_delay: float, end: float) -> S | None:
    """(c) The state the job must end in, or None when either TRANSFERRED or ERROR may be right.

    - A 4xx on one of its URLs from time 0 that never ends: the job must fail (L7, or L6 first).
    - No 4xx anywhere on its URLs and no way to reach L6: it must finish (L3). L6 needs a
      transient error on its own URLs (a 5xx), and a deadline inside the run: the deadline is at
      least no_progress_timeout after the start, so a timeout longer than the whole run (with a
      retry delay within it) cannot fire.
    """
    urls = [url for url, _ in plan.files]
    mine = [f for f in scenario.failures if any(f.matches(url) for url in urls)]
    if any(f.status < 500 and f.start == 0.0 and f.duration is None for f in mine):
        return S.ERROR
    fatal_possible = any(f.status < 500 for f in mine)
    timeout = plan.no_progress_timeout
    l6_possible = any(f.status >= 500 for f in mine) and not (
        timeout > end and retry_delay <= timeout
    )
    return None if fatal_possible or l6_possible else S.TRANSFERRED


def check_outcome(scenario: Scenario, result: Run) -> None:
    """(c) L3, L6, L7, L14: jobs finish unless a 4xx blocks them or L6 ends them."""
    end = result.sim.now
    for plan, job in zip(scenario.jobs, result.jobs, strict=True):
        assert job.state in (S.TRANSFERRED, S.ERROR), (job.name, job.state)
        expected = expected_outcome(scenario, plan, job.minimum_retry_delay, end)
        if expected is not None:
            assert job.state is expected, (job.name, job.history)
        progress = job.progress
        if job.state is S.TRANSFERRED:
            sizes = sum(size for _, size in plan.files)
            assert progress == (sizes, sizes, len(plan.files), len(plan.files)), job.name
            assert all(f.transferred and not f.progress.completed for f in job.files)
            continue
        last = job.history[-1]
        error = job.get_error()
        assert error.file is not None, job.name
        assert error.file in job.files, job.name
        assert not error.file.transferred
        assert error.context is bl.ErrorContext.REMOTE_FILE
        url = error.file.remote_name
        if last.rule == "L7":  # a 4xx in force for the file at that moment
            answers = [f.status for f in scenario.failures if f.in_force(url, last.time)]
            assert any(s < 500 and error.hresult == bl.http_error_hresult(s) for s in answers)
        else:  # L6 keeps the last error: a 5xx for that file
            assert last.rule == "L6", (job.name, last)
            statuses = [f.status for f in scenario.failures if f.matches(url) and f.status >= 500]
            assert error.hresult in [bl.http_error_hresult(s) for s in statuses], job.name


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_l1_to_l8_l14_s1_to_s4_random_scenarios_keep_lifecycle_invariants(
    scenario: Scenario,
) -> None:
    """L1-L8, L13, L14, S1-S4: legal transitions, monotone progress, outcomes, determinism."""
    first = run(scenario)
    for job in first.jobs:
        check_transitions(job, scenario.time_slice, first.jobs)
        check_errors_and_retries(job, scenario)
    check_schedule(first.jobs)
    check_progress(first)
    check_outcome(scenario, first)
    # (d) The same scenario and seed give the same history, sample for sample.
    second = run(scenario)
    assert [history(job) for job in second.jobs] == [history(job) for job in first.jobs]
    assert [job.id for job in second.jobs] == [job.id for job in first.jobs]
    assert second.samples == first.samples
