"""Delivery to command lines: what runs the command line (K2), when it runs instead of the
interface (K3) and a command line set after the event (K4), through the public API and
the event log.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``delivery_apps_support.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from delivery_apps_support import (
    FIRST_DONE,
    PROGRAM,
    RETRY,
    SIZE,
    F,
    Program,
    S,
    entries,
    ids,
    method_for,
    methods,
    settled,
)
from support import make_job

import bitslab as bl

# -- K2: what runs the command line ------------------------------------------------------


@pytest.mark.parametrize("state", [S.TRANSFERRED, S.ERROR])
def test_k2_only_the_job_level_notification_runs_the_command_line(
    state: bl.JobState, sim: bl.Simulation
) -> None:
    """K2: with every flag set and no interface, only the job-level notification runs it."""
    program = Program(0)
    sim.register_program(PROGRAM, program)
    flags = F.JOB_TRANSFERRED | F.JOB_ERROR | F.JOB_MODIFICATION | F.FILE_TRANSFERRED
    job = make_job(
        sim,
        name="nightly",
        size=SIZE,
        fail=404 if state is S.ERROR else None,
        retry=RETRY,
        flags=flags,
    )
    job.set_notify_cmdline(PROGRAM, PROGRAM + " /done")
    job.resume()
    sim.run()
    assert job.state is state
    assert len(program.runs) == 1
    method = method_for(state)
    [ran] = entries(job, method)
    assert (ran.outcome, ran.final) == ("cmdline", True)
    others = [e for e in sim.log if e.method != method]
    assert others
    assert {(e.outcome, e.rule) for e in others if e.outcome != "coalesced"} == {
        ("no_interface", "I8")
    }


def test_k2_a_file_transferred_without_interface_is_no_interface_despite_a_command_line(
    sim: bl.Simulation,
) -> None:
    """K2: file_transferred with a command line but no interface is no_interface (I8)."""
    program = Program(0)
    sim.register_program(PROGRAM, program)
    job = make_job(sim, name="nightly", files=2, size=SIZE, retry=RETRY, flags=F.FILE_TRANSFERRED)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    files = entries(job, "file_transferred")
    assert [(e.outcome, e.rule, e.final) for e in files] == [("no_interface", "I8", True)] * 2
    assert program.runs == []  # and job_transferred is filtered (flag off): nothing runs


@pytest.mark.parametrize("state", [S.TRANSFERRED, S.ERROR])
def test_k2_the_command_line_never_runs_under_disable(
    state: bl.JobState, sim: bl.Simulation
) -> None:
    """K2: under DISABLE the command line never runs, at the event or when set later."""
    program = Program(0)
    sim.register_program(PROGRAM, program)
    flags = F.DISABLE | F.JOB_TRANSFERRED | F.JOB_ERROR
    job = make_job(
        sim,
        name="nightly",
        size=SIZE,
        fail=404 if state is S.ERROR else None,
        retry=RETRY,
        flags=flags,
    )
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    job.set_notify_cmdline(PROGRAM, PROGRAM + " again")
    sim.run()
    sim.run(until=sim.now + 3 * RETRY)
    assert job.state is state
    assert program.runs == []
    found = entries(job, method_for(state))
    assert found
    assert {(e.outcome, e.rule) for e in found} == {("disabled", "F5")}


def test_k2_without_job_transferred_set_the_command_line_does_not_run(sim: bl.Simulation) -> None:
    """K2: without JOB_TRANSFERRED set the command line does not run; other flags don't count."""
    program = Program(0)
    sim.register_program(PROGRAM, program)
    job = make_job(
        sim,
        name="nightly",
        size=SIZE,
        retry=RETRY,
        flags=F.FILE_TRANSFERRED | F.JOB_MODIFICATION | F.JOB_ERROR,
    )
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    assert job.state is S.TRANSFERRED
    assert program.runs == []
    [transferred] = entries(job, "job_transferred")
    assert (transferred.outcome, transferred.rule) == ("filtered", "F8")


# -- K3: when the command line runs instead of the interface ----------------------------


def test_k3_the_command_line_runs_when_there_is_no_interface(sim: bl.Simulation) -> None:
    """K3: with no interface job_transferred runs the command line at once (cmdline)."""
    program = Program(0)
    sim.register_program(PROGRAM, program)
    job = make_job(sim, name="nightly", size=SIZE, retry=RETRY)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    assert program.times == pytest.approx([FIRST_DONE])
    [ran] = entries(job, "job_transferred")
    assert (ran.outcome, ran.rule, ran.final) == ("cmdline", "K3", True)
    assert PROGRAM in (ran.target or "")


def returns_false(sim: bl.Simulation) -> bl.RecordingNotifier:
    return bl.RecordingNotifier(returns={"job_transferred": False})


def returns_e_fail(sim: bl.Simulation) -> bl.RecordingNotifier:
    return bl.RecordingNotifier(returns={"job_transferred": bl.E_FAIL})


def raises(sim: bl.Simulation) -> bl.RecordingNotifier:
    class Raising(bl.RecordingNotifier):
        def job_transferred(self, job: bl.Job) -> Any:
            super().job_transferred(job)
            raise RuntimeError("disk full")

    return Raising()


def of_a_crashed_app(sim: bl.Simulation) -> bl.RecordingNotifier:
    app = sim.add_app("downloader")
    notifier = bl.RecordingNotifier(app)
    app.crash()
    return notifier


@pytest.mark.parametrize("failing", [returns_false, returns_e_fail, raises, of_a_crashed_app])
def test_k3_the_command_line_runs_when_the_interface_call_fails(
    failing: Callable[[bl.Simulation], bl.RecordingNotifier],
    sim: bl.Simulation,
) -> None:
    """K3: a failed interface call runs the command line; the interface is not called again."""
    program = Program(0)
    sim.register_program(PROGRAM, program)
    job = make_job(sim, name="nightly", size=SIZE, retry=RETRY)
    notifier = failing(sim)
    job.set_notify_interface(notifier)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    sim.run(until=10 * RETRY)
    assert program.times == pytest.approx([FIRST_DONE])
    assert len(notifier.calls) == (0 if failing is of_a_crashed_app else 1)
    found = entries(job, "job_transferred")
    assert [(e.outcome, e.rule, e.final) for e in found] == [("cmdline", "K3", True)]


def test_k3_the_command_line_does_not_run_when_the_interface_succeeds(sim: bl.Simulation) -> None:
    """K3: a successful interface call means the command line does not run."""
    program = Program(0)
    sim.register_program(PROGRAM, program)
    job = make_job(sim, name="nightly", size=SIZE, retry=RETRY)
    notifier = bl.RecordingNotifier()
    job.set_notify_interface(notifier)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    sim.run(until=10 * RETRY)
    assert program.runs == []
    assert methods(notifier) == ["job_transferred"]
    [found] = entries(job, "job_transferred")
    assert (found.outcome, found.rule) == ("delivered", None)


def test_k3_a_command_line_set_before_a_valid_interface_is_tried_does_not_preempt_it() -> None:
    """K3, K4: while job_transferred is on its way to a valid interface, a new command line
    does not replace the call: the interface gets it and the command line does not run."""
    sim = bl.Simulation(seed=0, dispatch_delay=1.0)
    runs: list[float] = []
    sim.register_program(PROGRAM, lambda job, parameters: runs.append(job.sim.now) or 0)
    recorder = bl.RecordingNotifier()
    job = sim.create_job("j")
    job.add_file("https://example.test/a", "a", size=1_000)
    job.set_notify_interface(recorder)
    job.resume()
    sim.run(until=1.0)  # TRANSFERRED at 0.051; job_transferred dispatches at 1.051
    assert job.state is S.TRANSFERRED
    job.set_notify_cmdline(PROGRAM, None)
    sim.run()
    assert [c.method for c in recorder.calls] == ["job_transferred"]
    assert runs == []


# -- K4: a command line set after the event ----------------------------------------------


@pytest.mark.parametrize("state", [S.TRANSFERRED, S.ERROR])
def test_k4_setting_a_command_line_on_a_settled_job_runs_it(state: bl.JobState) -> None:
    """K4: a command line set on a TRANSFERRED or ERROR job runs at once, logged under K4."""
    job = settled(state)
    sim = job.sim
    program = Program(0)
    sim.register_program(PROGRAM, program)
    [missed] = entries(job, method_for(state))
    assert missed.outcome == "no_interface"
    sim.run(until=sim.now + 1.0)
    when = sim.now
    job.set_notify_cmdline(PROGRAM, PROGRAM + " late")
    sim.run()
    assert [(t, j, p) for t, j, p in program.runs] == [(when, job, PROGRAM + " late")]
    ran = entries(job, method_for(state))[-1]
    assert (ran.outcome, ran.rule, ran.final) == ("cmdline", "K4", True)
    assert ran.id != missed.id
    assert ran.time == pytest.approx(when)


@pytest.mark.parametrize("state", [S.TRANSFERRED, S.ERROR])
def test_k4_not_run_when_the_interface_already_got_the_notification(state: bl.JobState) -> None:
    """K4: no run when the interface already got job_transferred (job_error)."""
    job = make_job(name="nightly", size=SIZE, fail=404 if state is S.ERROR else None, retry=RETRY)
    sim = job.sim
    program = Program(0)
    sim.register_program(PROGRAM, program)
    notifier = bl.RecordingNotifier()
    job.set_notify_interface(notifier)
    job.resume()
    sim.run()
    assert methods(notifier) == [method_for(state)]
    before = entries(job, method_for(state))
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    sim.run()
    sim.run(until=sim.now + 10 * RETRY)
    assert program.runs == []
    assert entries(job, method_for(state)) == before


def test_k4_a_pending_failed_job_transferred_switches_to_the_command_line_at_once() -> None:
    """K4: a job_transferred waiting to retry runs a newly set command line at once."""
    job = make_job(name="nightly", size=SIZE, retry=RETRY)
    sim = job.sim
    program = Program(0)
    sim.register_program(PROGRAM, program)
    failing = bl.RecordingNotifier(returns={"job_transferred": False})
    job.set_notify_interface(failing)
    sim.call_at(2.0, job.set_notify_cmdline, PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    sim.run(until=10 * RETRY)
    assert program.times == pytest.approx([2.0])
    assert methods(failing) == ["job_transferred"]
    found = entries(job, "job_transferred")
    assert len(ids(found)) == 1
    assert [(e.outcome, e.final) for e in found] == [("failed", False), ("cmdline", True)]
