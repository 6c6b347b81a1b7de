"""The agenda: the model's timers, one batch per moment, driven by run() (bitslab.model.agenda).

Seen from outside: ``call_at`` functions and the model's own timers run at their times, in
the order they were set for one moment; a callback that takes simulated time (C9) still
interleaves with them; a ``call_at`` function that raises stops ``run()`` without losing
what was due after it.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

import bitslab as bl


def test_call_at_functions_of_one_moment_run_in_the_order_they_were_set() -> None:
    sim = bl.Simulation()
    seen: list[tuple[float, str]] = []
    for name, when in [("c", 2.0), ("a", 1.0), ("d", 2.0), ("b", 1.0), ("e", 2.0)]:
        sim.call_at(when, lambda name=name: seen.append((sim.now, name)))
    sim.run()
    assert seen == [(1.0, "a"), (1.0, "b"), (2.0, "c"), (2.0, "d"), (2.0, "e")]


def test_a_call_at_function_may_set_another_for_the_same_moment() -> None:
    sim = bl.Simulation()
    seen: list[tuple[float, str]] = []

    def first() -> None:
        seen.append((sim.now, "first"))
        sim.call_at(sim.now, lambda: seen.append((sim.now, "added now")))

    sim.call_at(1.0, first)
    sim.call_at(1.0, lambda: seen.append((sim.now, "second")))
    sim.run()
    assert seen == [(1.0, "first"), (1.0, "second"), (1.0, "added now")]


def test_run_until_leaves_what_is_due_at_until_for_the_next_run() -> None:
    """As in SimPy: what is set for exactly ``until`` has not happened when run() returns."""
    sim = bl.Simulation()
    seen: list[float] = []
    sim.call_at(5.0, lambda: seen.append(sim.now))
    sim.run(until=5.0)
    assert seen == []
    assert sim.now == 5.0
    sim.run()
    assert seen == [5.0]


def test_a_call_at_function_that_raises_stops_run_and_keeps_the_rest() -> None:
    sim = bl.Simulation()
    seen: list[str] = []

    def broken() -> None:
        raise RuntimeError("instructor's typo")

    sim.call_at(1.0, lambda: seen.append("before"))
    sim.call_at(1.0, broken)
    sim.call_at(1.0, lambda: seen.append("after, same moment"))
    sim.call_at(2.0, lambda: seen.append("later"))
    with pytest.raises(RuntimeError, match="typo"):
        sim.run()
    assert seen == ["before"]
    sim.run()
    assert seen == ["before", "after, same moment", "later"]
    assert sim.now == 2.0


def test_a_callback_that_takes_time_interleaves_with_the_model_timers() -> None:
    """C9: a generator callback waits on SimPy timeouts while the model's timers go on."""
    sim = bl.Simulation(bandwidth=1_000_000, latency=0.0)
    job = sim.create_job("slow-ack")
    job.add_file("https://example.test/a", "a", size=1_000_000)
    job.add_file("https://example.test/b", "b", size=1_000_000)
    job.set_notify_flags(bl.NotifyFlags.FILE_TRANSFERRED | bl.NotifyFlags.JOB_TRANSFERRED)
    times: list[tuple[str, float]] = []

    class Slow(bl.Notifier):
        def file_transferred(self, job: bl.Job, file: bl.File) -> Generator[Any, Any, None]:
            times.append((f"start {file.local_name}", sim.now))
            yield sim.env.timeout(0.25)
            times.append((f"end {file.local_name}", sim.now))

    job.set_notify_interface(Slow())
    job.resume()
    sim.run()
    assert times == [
        ("start a", pytest.approx(1.0)),
        ("end a", pytest.approx(1.25)),
        ("start b", pytest.approx(2.0)),
        ("end b", pytest.approx(2.25)),
    ]
    transferred = sim.log.entries(job, method="job_transferred", outcome="delivered")
    assert len(transferred) == 1
    assert transferred[0].time == pytest.approx(2.25)  # C4: after file b's call ended


def test_same_seed_same_log_with_many_timers_at_one_moment() -> None:
    """Determinism: jobs that all start, end and report at the same moments give the same
    log on every run."""

    def run() -> list[tuple[object, ...]]:
        sim = bl.Simulation(seed=3, bandwidth=10_000_000, latency=0.0)
        notifier = bl.RecordingNotifier()
        for i in range(30):
            job = sim.create_job(f"j{i}", priority=bl.JobPriority.FOREGROUND)
            job.add_file(f"https://example.test/{i}", f"{i}", size=1_000_000)
            job.set_notify_flags(0x1B)
            job.set_notify_interface(notifier)
            job.resume()
        sim.network.outage(start=1.0, duration=1.0)
        sim.run()
        return [(e.id, e.time, e.method, e.job.name, e.outcome, e.rule) for e in sim.log]

    assert run() == run()


def test_a_simpy_event_due_with_a_batch_runs_before_the_batch() -> None:
    """Model choice (bitslab.model.agenda): at a tie, SimPy's event goes first, then the whole
    batch of timers due at that moment."""
    sim = bl.Simulation()
    seen: list[tuple[float, str]] = []

    def process() -> Generator[Any, Any, None]:
        yield sim.env.timeout(2.0)
        seen.append((sim.now, "simpy"))

    sim.call_at(2.0, lambda: seen.append((sim.now, "timer 1")))
    sim.env.process(process())
    sim.call_at(2.0, lambda: seen.append((sim.now, "timer 2")))
    sim.run(until=3.0)
    assert seen == [(2.0, "simpy"), (2.0, "timer 1"), (2.0, "timer 2")]


def test_stepping_env_by_hand_after_a_run_still_runs_the_timers() -> None:
    """Outside run() the agenda keeps one wake-up event in SimPy's queue, so a caller who
    steps ``sim.env`` directly sees the model's timers fire at their times."""
    sim = bl.Simulation()
    seen: list[float] = []
    sim.call_at(1.0, lambda: seen.append(sim.now))
    sim.call_at(4.0, lambda: seen.append(sim.now))
    sim.run(until=2.0)
    assert seen == [1.0]
    sim.env.run(until=5.0)
    assert seen == [1.0, 4.0]
    assert sim.now == 5.0


def test_progress_counts_every_step_of_the_run() -> None:
    """run(progress=) reports every PROGRESS_EVERY steps: a SimPy event, or the batch of the
    model's timers due at one moment (three moments here, one report each), and once at the
    end. (The wake-up event set before the run, for 1.0, is a step of its own.)"""
    sim = bl.Simulation()
    for when in (1.0, 1.0, 2.0, 3.0):
        sim.call_at(when, lambda: None)
    reports: list[float] = []
    sim.PROGRESS_EVERY = 1  # type: ignore[misc]
    sim.run(progress=lambda s: reports.append(s.now))
    assert reports == [1.0, 1.0, 2.0, 3.0, 3.0]
