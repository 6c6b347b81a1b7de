"""Notification delivery: calls in flight (C9), callbacks that call the API (C10) and stale
notifications (C11).

What these tests share (how the expected values are worked out, what is observed) is
said once in ``delivery_support.py``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from delivery_support import ALL, RETRY, SIZE, F, S, calls_of, check_log_invariants, time_of
from support import (
    make_job,
)

import bitslab as bl

# -- C9: four in flight; generator callbacks; callback_timeout ----------------------------------


def test_c9_at_most_four_callbacks_are_in_flight(sim: bl.Simulation) -> None:
    """C9: six slow job_transferred callbacks: never more than four running at once."""
    running: list[int] = [0]
    peak: list[int] = [0]
    started: dict[str, float] = {}

    class Slow(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> Generator[Any, Any, Any]:
            started[job.name] = job.sim.now
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            yield job.sim.env.timeout(5)
            running[0] -= 1

    jobs = [make_job(sim, size=SIZE, retry=RETRY, notifier=Slow()) for _ in range(6)]
    for job in jobs:
        job.resume()
    sim.run()
    assert peak[0] == 4
    assert running[0] == 0
    done = {job.name: time_of(job, S.TRANSFERRED) for job in jobs}
    assert max(done.values()) < 1.0  # all six were ready within a second
    first_four = sorted(started.values())[:4]
    last_two = sorted(started.values())[4:]
    assert last_two == pytest.approx([first_four[0] + 5, first_four[1] + 5])
    for entry in sim.log.entries(method="job_transferred"):
        assert (entry.outcome, entry.final) == ("delivered", True)
        assert entry.duration == pytest.approx(5.0)


@pytest.mark.parametrize(("value", "outcome"), [(None, "delivered"), (False, "failed")])
def test_c9_a_generator_callbacks_return_value_is_its_result(
    value: Any, outcome: str, sim: bl.Simulation
) -> None:
    """C9: a generator callback takes simulated time; what it returns is read by C5."""

    class Slow(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> Generator[Any, Any, Any]:
            yield job.sim.env.timeout(2)
            return value

    job = make_job(sim, size=SIZE, retry=RETRY, notifier=Slow())
    job.resume()
    sim.run(until=4.0)
    first = sim.log.entries(job, method="job_transferred")[0]
    assert first.outcome == outcome
    assert first.final is (outcome == "delivered")
    assert first.time == pytest.approx(time_of(job, S.TRANSFERRED))
    assert first.duration == pytest.approx(2.0)


def test_c9_a_generator_callback_that_raises_has_failed(sim: bl.Simulation) -> None:
    """C9: a generator callback that raises after taking time is a failed call (C5)."""

    class Slow(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> Generator[Any, Any, Any]:
            yield job.sim.env.timeout(2)
            raise OSError("disk full")

    job = make_job(sim, size=SIZE, retry=RETRY, notifier=Slow())
    job.resume()
    sim.run(until=4.0)
    (entry,) = sim.log.entries(job, method="job_transferred")
    assert (entry.outcome, entry.rule, entry.final) == ("failed", "C5", False)
    assert "OSError" in entry.detail


def test_c9_by_default_bits_never_gives_up_on_a_blocking_callback() -> None:
    """C9: with the default Simulation a callback that takes 500 s is waited for, never
    failed, and holds its slot until it returns, so a fifth notification waits for it; the
    other notifications stay "blocked until one or more of the blocking notifications
    return" (IBackgroundCopyCallback)."""
    sim = bl.Simulation(seed=0)
    started: dict[str, float] = {}

    class Slow(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> Generator[Any, Any, Any]:
            started[job.name] = job.sim.now
            yield job.sim.env.timeout(500 if len(started) <= 4 else 1)

    jobs = [make_job(sim, size=SIZE, retry=RETRY, notifier=Slow()) for _ in range(5)]
    for job in jobs:
        job.resume()
    sim.run()
    first = min(started.values())
    assert started[jobs[4].name] == pytest.approx(first + 500.0)  # C9: after one returned
    entries = sim.log.entries(method="job_transferred")
    assert [(e.outcome, e.final) for e in entries] == [("delivered", True)] * 5
    assert sorted(e.duration for e in entries) == pytest.approx([1.0] + [500.0] * 4)


def test_c9_callback_timeout_abandons_a_callback_that_never_returns() -> None:
    """C9 (model choice, off by default): with callback_timeout set, a generator callback
    still running after it is failed and abandoned; BITS itself would keep the others
    "blocked until one or more of the blocking notifications return"
    (IBackgroundCopyCallback)."""
    sim = bl.Simulation(seed=0, callback_timeout=3.0)
    calls: list[float] = []
    finished: list[float] = []

    class Hang(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> Generator[Any, Any, Any]:
            calls.append(job.sim.now)
            if len(calls) == 1:
                yield job.sim.env.event()  # never triggered
            else:
                yield job.sim.env.timeout(1)
            finished.append(job.sim.now)

    job = make_job(sim, size=SIZE, retry=RETRY, notifier=Hang())
    job.resume()
    sim.run(until=60.0)
    start = time_of(job, S.TRANSFERRED)
    assert calls == pytest.approx([start, start + 3.0 + RETRY])
    assert finished == pytest.approx([start + 3.0 + RETRY + 1.0])  # the first never finished
    first, second = sim.log.entries(job, method="job_transferred")
    assert (first.outcome, first.rule, first.final) == ("failed", "C5", False)
    assert first.duration == pytest.approx(3.0)
    assert (second.outcome, second.final) == ("delivered", True)


def test_c9_an_abandoned_callback_frees_its_slot() -> None:
    """C9 (model choice): callbacks given up on by callback_timeout, an option off by
    default, no longer count against the four (IBackgroundCopyCallback: BITS supports "up
    to four simultaneous notifications per user")."""
    sim = bl.Simulation(seed=0, callback_timeout=3.0)
    started: dict[str, float] = {}

    class Hang(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> Generator[Any, Any, Any]:
            started.setdefault(job.name, job.sim.now)
            yield job.sim.env.event()

    jobs = [make_job(sim, size=SIZE, retry=RETRY, notifier=Hang()) for _ in range(5)]
    for job in jobs:
        job.resume()
    sim.run(until=4.0)
    first = min(started.values())
    assert started[jobs[4].name] == pytest.approx(first + 3.0)


# -- C10: callbacks may call the API ---------------------------------------------------------


def test_c10_complete_inside_job_transferred(sim: bl.Simulation) -> None:
    """C10: complete() inside job_transferred acknowledges the job; the call is delivered."""

    class Completer(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> None:
            job.complete()

    job = make_job(sim, size=SIZE, retry=RETRY, notifier=Completer())
    job.resume()
    sim.run()
    assert job.state is S.ACKNOWLEDGED
    assert [(e.outcome, e.final) for e in sim.log.entries(job, method="job_transferred")] == [
        ("delivered", True)
    ]


def test_c10_resume_inside_job_error(sim: bl.Simulation) -> None:
    """C10: resume() inside job_error requeues the job; the call is delivered."""
    seen: list[bl.JobState] = []

    class Resumer(bl.Notifier):
        def job_error(self, job: bl.Job, error: bl.JobError) -> None:
            seen.append(job.state)
            job.resume()
            seen.append(job.state)

    job = make_job(sim, size=SIZE, retry=RETRY, notifier=Resumer())
    sim.network.fail(job.files[0].remote_name, 404, duration=0.06)
    job.resume()
    sim.run()
    assert seen[:2] == [S.ERROR, S.QUEUED]
    assert job.state is S.TRANSFERRED
    assert [(e.outcome, e.final) for e in sim.log.entries(job, method="job_error")] == [
        ("delivered", True)
    ]
    assert [(e.outcome, e.final) for e in sim.log.entries(job, method="job_transferred")] == [
        ("delivered", True)
    ]


def test_c10_run_inside_a_callback_fails_the_call_without_stopping_the_simulation(
    sim: bl.Simulation,
) -> None:
    """C10: sim.run() inside a callback raises RuntimeError; the call failed (C5) and the
    simulation goes on to the retry."""
    errors: list[BaseException] = []

    class Runner(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> None:
            if errors:
                return
            try:
                job.sim.run()
            except RuntimeError as exc:
                errors.append(exc)
                raise

    job = make_job(sim, size=SIZE, retry=RETRY, notifier=Runner())
    job.resume()
    sim.run(until=30.0)
    assert len(errors) == 1
    assert sim.now == pytest.approx(30.0)
    entries = sim.log.entries(job, method="job_transferred")
    assert [(e.outcome, e.rule, e.final) for e in entries] == [
        ("failed", "C5", False),
        ("delivered", None, True),
    ]
    assert "RuntimeError" in entries[0].detail
    assert entries[1].time == pytest.approx(entries[0].time + RETRY)


# -- C11: stale notifications ----------------------------------------------------------------


def test_c11_pending_job_transferred_is_stale_once_add_file_requeues_the_job(
    sim: bl.Simulation,
) -> None:
    """C11: a job_transferred waiting to retry ends stale when add_file moves the job on."""
    rec = bl.RecordingNotifier(returns={"job_transferred": False})
    job = make_job(sim, size=SIZE, retry=RETRY, notifier=rec)
    job.resume()
    sim.run()
    sim.run(until=2.0)
    rec.returns.clear()
    job.add_file("https://example.test/more.bin", "more.bin", SIZE)
    assert job.state is S.QUEUED
    sim.run(until=30.0)
    entries = sim.log.entries(job, method="job_transferred")
    old = [e for e in entries if e.id == entries[0].id]
    assert [(e.outcome, e.rule, e.final) for e in old] == [
        ("failed", "C5", False),
        ("stale", "C11", True),
    ]
    assert old[1].time == pytest.approx(2.0)
    # the second stay in TRANSFERRED has its own, delivered, notification
    new = [e for e in entries if e.id != entries[0].id]
    assert [(e.outcome, e.final) for e in new] == [("delivered", True)]
    assert len(calls_of(rec, "job_transferred")) == 2


def test_c11_cancel_makes_everything_pending_stale(sim: bl.Simulation) -> None:
    """C11: on cancel(), a retrying file_transferred, the job_transferred queued behind it
    and a held modification all end stale at once, and nothing is called afterwards."""
    rec = bl.RecordingNotifier(returns={"file_transferred": False})
    job = make_job(sim, files=2, size=SIZE, retry=RETRY, flags=ALL, notifier=rec)
    job.resume()
    sim.run()
    sim.run(until=2.0)
    job.set_property(bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, 60_000)  # held (C7)
    assert job.state is S.TRANSFERRED
    calls = len(rec.calls)
    sim.run(until=3.0)
    job.cancel()
    sim.run(until=200.0)
    assert len(rec.calls) == calls
    stale = sim.log.entries(job, outcome="stale")
    assert {e.method for e in stale} == {"file_transferred", "job_transferred", "job_modification"}
    assert all(e.rule == "C11" and e.final and e.time == pytest.approx(3.0) for e in stale)
    assert len({e.id for e in stale}) == len(stale)
    check_log_invariants(sim)


def test_c11_an_in_flight_call_that_fails_after_the_job_moved_on_ends_stale(
    sim: bl.Simulation,
) -> None:
    """C11: a failing callback whose job left TRANSFERRED meanwhile is stale, not retried."""

    class SlowFail(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> Generator[Any, Any, Any]:
            yield job.sim.env.timeout(2.0)
            return False

    job = make_job(sim, size=SIZE, retry=RETRY, notifier=SlowFail())
    job.resume()
    sim.run(until=1.0)
    assert job.state is S.TRANSFERRED
    job.suspend()
    sim.run(until=30.0)
    entries = sim.log.entries(job, method="job_transferred")
    assert [(e.outcome, e.final) for e in entries] == [("failed", False), ("stale", True)]
    assert entries[0].duration == pytest.approx(2.0)


def test_c11_an_in_flight_modification_that_fails_after_cancel_ends_stale(
    sim: bl.Simulation,
) -> None:
    """C11, C6: a job_modification whose call fails after the job was cancelled is stale."""

    class SlowFail(bl.Notifier):
        def job_modification(self, job: bl.Job) -> Generator[Any, Any, bool]:
            yield job.sim.env.timeout(2.0)
            return False

    job = make_job(sim, size=SIZE, retry=RETRY, flags=F.JOB_MODIFICATION, notifier=SlowFail())
    job.resume()
    sim.call_at(0.5, job.cancel)
    sim.run()
    (failed,) = sim.log.entries(job, outcome="failed")
    ends = [e for e in sim.log.entries(job) if e.id == failed.id]
    assert [(e.outcome, e.final) for e in ends] == [("failed", False), ("stale", True)]
