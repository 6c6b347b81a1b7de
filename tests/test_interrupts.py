"""Ctrl-C: a KeyboardInterrupt never leaves a call in flight, a slot held or a scheduler map
inconsistent; run() afterwards goes on as if the interrupt had come between two events, or
says plainly that the simulation cannot continue (issue 22; C5, C9, K5).

The real-signal test sends SIGINT to this very process at seeded moments of a busy run,
continues the run, and checks every invariant of ``test_invariants.py`` on the result, and
that the continued run wrote the same log as an uninterrupted one.
"""

from __future__ import annotations

import io
import os
import random
import signal
import threading
import time
from typing import Any

import pytest
from random_worlds import (
    EXIT_CODES,
    METHODS,
    PROGRAMS,
    STEPS,
    JobPlan,
    NotifierPlan,
    Scenario,
    run,
)
from support import log_rows
from test_invariants import check_all

import bitslab as bl
from bitslab.cli import main

pytestmark = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(), reason="signals need main"
)


class Interrupting(bl.RecordingNotifier):
    """The user presses Ctrl-C while job_transferred runs, ``times`` times."""

    def __init__(self, times: int) -> None:
        super().__init__()
        self.times = times

    def job_transferred(self, job: bl.Job) -> Any:
        if self.times:
            self.times -= 1
            raise KeyboardInterrupt
        return super().job_transferred(job)


def small_jobs(sim: bl.Simulation, count: int, notifier: object) -> list[bl.Job]:
    jobs = []
    for number in range(count):
        job = sim.create_job(f"job{number}")
        job.add_file(f"https://example.test/{number}.bin", f"{number}.bin", size=10_000)
        job.minimum_retry_delay = 5
        job.set_notify_interface(notifier)
        job.resume()
        jobs.append(job)
    return jobs


def run_through_interrupts(sim: bl.Simulation) -> int:
    """run() until it returns, counting the KeyboardInterrupts it raised."""
    interrupts = 0
    while True:
        try:
            sim.run()
        except KeyboardInterrupt:
            interrupts += 1
            assert not sim.log.pending() or all(
                p.status not in ("in_flight", "running") for p in sim.log.pending()
            )
        else:
            return interrupts


def test_c5_a_callback_interrupted_by_ctrl_c_is_a_failed_call_and_the_run_goes_on(
    sim: bl.Simulation,
) -> None:
    """C5, C9: five interrupted job_transferred calls (more than the four slots) leave
    nothing in flight; each is retried after the retry delay, and all arrive."""
    notifier = Interrupting(times=5)
    jobs = small_jobs(sim, 6, notifier)
    assert run_through_interrupts(sim) == 5
    assert sim.quiet  # quiet: the five wait for their retry delay (C5), none is in flight
    assert [p.status for p in sim.log.pending()] == ["retry"] * 5
    sim.run(until=sim.now + 10)
    assert sim.log.pending() == []
    failed = sim.log.entries(method="job_transferred", outcome="failed")
    assert len(failed) == 5
    assert all(e.detail.startswith("raised KeyboardInterrupt") and e.rule == "C5" for e in failed)
    delivered = sim.log.entries(method="job_transferred", outcome="delivered")
    assert sorted(e.job.name for e in delivered) == [job.name for job in jobs]


def test_a_call_at_function_interrupted_by_ctrl_c_stops_the_run_between_two_events(
    sim: bl.Simulation,
) -> None:
    jobs = small_jobs(sim, 2, bl.RecordingNotifier())
    seen: list[float] = []

    def press_ctrl_c() -> None:
        seen.append(sim.now)
        raise KeyboardInterrupt

    sim.call_at(0.02, press_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        sim.run()
    assert seen == [0.02]
    assert sim.now == 0.02
    sim.run()
    assert sim.quiet
    assert all(job.state is bl.JobState.TRANSFERRED for job in jobs)


def test_k5_a_program_interrupted_by_ctrl_c_is_a_failed_run_retried_later(
    sim: bl.Simulation,
) -> None:
    codes = iter([KeyboardInterrupt, 0])

    def program(job: bl.Job, parameters: str) -> int:
        code = next(codes)
        if code is KeyboardInterrupt:
            raise KeyboardInterrupt
        return 0

    sim.register_program("/usr/bin/notify", program)
    job = sim.create_job("j")
    job.add_file("https://example.test/a", "a", size=1_000)
    job.minimum_retry_delay = 5
    job.set_notify_cmdline("/usr/bin/notify", "notify j")
    job.resume()
    assert run_through_interrupts(sim) == 1
    sim.run(until=sim.now + 10)  # K5: the retry delay passes, the program runs again
    entries = sim.log.entries(job, method="job_transferred")
    assert [(e.outcome, e.rule) for e in entries] == [("failed", "K5"), ("cmdline", "K5")]
    assert "crashed: KeyboardInterrupt" in entries[0].detail


def test_a_ctrl_c_in_the_middle_of_an_event_leaves_a_simulation_that_refuses_to_run(
    sim: bl.Simulation,
) -> None:
    """Where bitslab cannot settle the interrupt (here looking the callback up raises it, in
    the middle of D1's decision), the simulation says plainly that it cannot go on."""

    class Touchy:
        armed = False

        def job_error(self, job: bl.Job, error: bl.JobError) -> None: ...

        def __getattr__(self, name: str) -> Any:
            if Touchy.armed:
                raise KeyboardInterrupt
            raise AttributeError(name)

    small_jobs(sim, 1, Touchy())
    Touchy.armed = True
    with pytest.raises(KeyboardInterrupt):
        sim.run()
    with pytest.raises(RuntimeError, match="cannot run again: a KeyboardInterrupt stopped it"):
        sim.run()


# -- real signals ------------------------------------------------------------------------------


def busy_world(seed: int = 22) -> Scenario:
    """A seeded busy world of ``random_worlds``: 40 jobs of up to three files, two apps whose
    notifiers succeed, fail, raise and take time, command lines, an outage and failing
    servers (one 404 for ever)."""
    rng = random.Random(seed)

    def plan() -> NotifierPlan:
        script = {m: tuple(rng.choice(STEPS) for _ in range(3)) for m in METHODS}
        return NotifierPlan(rng.choice(("recording", "generator")), frozenset(METHODS), script)

    jobs = tuple(
        JobPlan(
            sizes=tuple(rng.randint(0, 3_000_000) for _ in range(rng.randint(1, 3))),
            flags=rng.choice([0x3, 0xB, 0x13, 0x1B, 0x17]),
            retry_delay=rng.randint(5, 20),
            interval_ms=rng.choice([500, 0, 100, 2_000]),
            resume_at=rng.choice([0.0, 5.0, 20.0, 45.0]),
            app=rng.choice([0, 1, None]),
            duck=None,
            cmdline=rng.choice([None, None, 0, 1, 2]),
            finish=rng.choice(["cancel", "complete"]),
        )
        for _ in range(40)
    )
    return Scenario(
        seed=seed,
        callback_timeout=60.0,
        apps=(plan(), plan()),
        exit_codes=tuple(tuple(rng.choice(EXIT_CODES) for _ in range(3)) for _ in PROGRAMS[:-1]),
        jobs=jobs,
        actions=tuple((rng.randint(0, 599) / 10, "crash", rng.randint(0, 1)) for _ in range(3)),
        outages=((30.0, 10.0),),
        failures=(
            ("https://srv.test/job3/file0.bin", 404, 0.0, None),
            ("https://srv.test/", 503, 10.0, 20.0),
        ),
    )


class Ctrl:
    """Sends one real SIGINT to this process ``delay`` seconds of run() time after it is
    armed (a SIGALRM timer fires it, and it waits while the harness is between runs)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.inside = False
        self.sent = False
        self.caught = 0

    def alarm(self, signum: int, frame: object) -> None:
        if self.sent:
            return
        if self.inside:
            self.sent = True
            os.kill(os.getpid(), signal.SIGINT)
        else:
            signal.setitimer(signal.ITIMER_REAL, 0.001)  # between two runs: a moment later

    def drive(self, sim: bl.Simulation, until: float | None) -> None:
        while True:
            try:
                self.inside = True
                sim.run(until=until)
                self.inside = False
                return
            except KeyboardInterrupt:
                self.inside = False
                self.caught += 1


def test_c5_c9_twenty_real_sigints_at_seeded_moments_leave_every_invariant_and_the_same_log() -> (
    None
):
    world = busy_world()
    start = time.perf_counter()
    plain = run(world)
    took = time.perf_counter() - start
    check_all(plain)
    moments = random.Random(2022).sample(range(1, 100), 20)  # percent of the plain run's time
    previous = signal.signal(signal.SIGALRM, signal.SIG_DFL)
    try:
        for percent in moments:
            delay = took * percent / 100
            while True:  # a signal that came after the last event tested nothing: earlier
                ctrl = Ctrl(delay)
                signal.signal(signal.SIGALRM, ctrl.alarm)
                signal.setitimer(signal.ITIMER_REAL, ctrl.delay)
                result = run(world, ctrl.drive)
                signal.setitimer(signal.ITIMER_REAL, 0)
                if ctrl.sent:
                    break
                delay /= 2
            assert ctrl.caught == 1, percent  # the run stopped with KeyboardInterrupt, once
            check_all(result)  # every invariant of test_invariants.py
            assert log_rows(result.sim) == log_rows(plain.sim), percent
            assert [j.history for j in result.jobs] == [j.history for j in plain.jobs], percent
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_sigint_handler_is_put_back_after_run(sim: bl.Simulation) -> None:
    small_jobs(sim, 1, bl.RecordingNotifier())
    before = signal.getsignal(signal.SIGINT)
    sim.run()
    assert signal.getsignal(signal.SIGINT) is before


def test_the_cli_exits_130_with_one_line_on_ctrl_c(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(bl.Simulation, "run", interrupted)
    out, err = io.StringIO(), io.StringIO()
    assert main(["demo"], out, err) == 130
    assert err.getvalue() == "error: interrupted (Ctrl-C)\n"
