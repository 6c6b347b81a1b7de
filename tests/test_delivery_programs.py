"""Delivery to command lines: a failing command line is retried (K5); simulated programs
(K6), through the public API and the event log.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``delivery_apps_support.py``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

import pytest
from delivery_apps_support import (
    FIRST_DONE,
    PROGRAM,
    RETRY,
    SIZE,
    Program,
    S,
    entries,
    ids,
    methods,
)
from support import make_job

import bitslab as bl

# -- K5: a failing command line is retried ------------------------------------------------


def test_k5_a_nonzero_exit_is_retried_after_the_retry_delay_with_only_the_command_line() -> None:
    """K5: a non-zero exit is retried after the retry delay, command line only, until 0."""
    job = make_job(name="nightly", size=SIZE, retry=RETRY)
    sim = job.sim
    job.minimum_retry_delay = 7.0
    program = Program(1, 2, 0)
    sim.register_program(PROGRAM, program)
    failing = bl.RecordingNotifier(returns={"job_transferred": False})
    job.set_notify_interface(failing)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    sim.run(until=100.0)
    assert program.times == pytest.approx([FIRST_DONE, FIRST_DONE + 7, FIRST_DONE + 14])
    assert methods(failing) == ["job_transferred"]
    found = entries(job, "job_transferred")
    assert len(ids(found)) == 1
    assert [(e.outcome, e.rule, e.final) for e in found] == [
        ("failed", "K5", False),
        ("failed", "K5", False),
        ("cmdline", "K5", True),
    ]
    assert [e.time for e in found] == pytest.approx(program.times)


def never_registered(sim: bl.Simulation) -> None:
    pass


def raising_handler(sim: bl.Simulation) -> None:
    sim.register_program(PROGRAM, Program(exc=OSError("access denied")))


def nonzero_handler(sim: bl.Simulation) -> None:
    sim.register_program(PROGRAM, Program(3))


def junk_handler(sim: bl.Simulation) -> None:
    sim.register_program(PROGRAM, Program("ok"))


@pytest.mark.parametrize(
    "setup", [never_registered, raising_handler, nonzero_handler, junk_handler]
)
def test_k5_a_command_line_that_fails_is_retried_until_it_exits_zero(
    setup: Callable[[bl.Simulation], None],
) -> None:
    """K5: failing to launch, raising or a bad exit is failed (K5) and retried until exit 0."""
    job = make_job(name="nightly", size=SIZE, retry=RETRY)
    sim = job.sim
    setup(sim)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run(until=7.0)
    fixed = Program(0)
    sim.register_program(PROGRAM, fixed)  # a later registration replaces the first
    sim.run(until=50.0)
    found = entries(job, "job_transferred")
    assert len(ids(found)) == 1
    assert [(e.outcome, e.rule, e.final) for e in found] == [
        ("failed", "K5", False),
        ("failed", "K5", False),
        ("cmdline", "K5", True),
    ]
    assert fixed.times == pytest.approx([FIRST_DONE + 2 * RETRY])


def test_k5_retries_end_stale_when_the_job_leaves_transferred() -> None:
    """K5: a failing command line is retried until the job leaves TRANSFERRED: stale (C11)."""
    job = make_job(name="nightly", size=SIZE, retry=RETRY)
    sim = job.sim
    program = Program(3)
    sim.register_program(PROGRAM, program)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    sim.call_at(12.0, job.complete)
    job.resume()
    sim.run(until=100.0)
    assert program.times == pytest.approx([FIRST_DONE + RETRY * k for k in range(3)])
    found = entries(job, "job_transferred")
    assert len(ids(found)) == 1
    last = found[-1]
    assert (last.outcome, last.rule, last.final) == ("stale", "C11", True)
    assert last.time == pytest.approx(12.0)
    assert [e.final for e in found] == [False, False, False, True]


def test_k5_a_program_that_completes_its_job_ends_the_notification_once(sim: bl.Simulation) -> None:
    """K5, C10: a command-line program may complete() its job, as Microsoft's page asks; the
    notification ends once, as cmdline, and nothing escapes run()."""
    sim.register_program(PROGRAM, lambda job, parameters: (job.complete(), 0)[1])
    job = sim.create_job("j")
    job.add_file("https://example.test/a", "a", size=1_000)
    job.set_notify_cmdline(PROGRAM, None)
    job.resume()
    sim.run()
    assert job.state is S.ACKNOWLEDGED
    ends = sim.log.entries(job, method="job_transferred")
    assert [(e.outcome, e.rule, e.final) for e in ends] == [("cmdline", "K3", True)]


def test_k5_a_failing_program_that_resumes_its_job_ends_stale_not_retried(
    sim: bl.Simulation,
) -> None:
    """K5, C11: a program that exits non-zero after moving the job on is not run again."""
    runs: list[float] = []

    def handler(job: bl.Job, parameters: str) -> int:
        runs.append(job.sim.now)
        job.cancel()
        return 1

    sim.register_program(PROGRAM, handler)
    job = sim.create_job("j")
    job.add_file("https://example.test/a", "a", size=1_000)
    job.set_notify_cmdline(PROGRAM, None)
    job.resume()
    sim.run()
    sim.run(until=sim.now + 3 * RETRY)
    assert len(runs) == 1
    ends = sim.log.entries(job, method="job_transferred")
    assert [(e.outcome, e.final) for e in ends] == [("failed", False), ("stale", True)]
    assert "retry in" not in ends[0].detail


# -- K5, I5: an interface set after the command line failed (one notification) ------------


def _failing_cmdline_job(
    *codes: object, returns: dict[str, object] | None = None, register_in_program: bool = False
) -> tuple[bl.Simulation, bl.Job, Program, bl.RecordingNotifier]:
    """A job whose command line runs (no interface) at FIRST_DONE and exits with ``codes`` in
    turn; its later interface returns ``returns``; with ``register_in_program`` the program
    itself sets that interface during its first run."""
    job = make_job(name="nightly", size=SIZE, retry=RETRY)
    sim = job.sim
    program = Program(*codes)
    late = bl.RecordingNotifier(returns=returns)

    def handler(job: bl.Job, parameters: str) -> object:
        code = program(job, parameters)
        if register_in_program and len(program.runs) == 1:
            job.set_notify_interface(late)
        return code

    sim.register_program(PROGRAM, handler)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    return sim, job, program, late


def test_k5_i5_an_interface_set_after_the_command_line_failed_gets_the_replay_and_ends_it() -> None:
    """K5, I5 (model choice): the command line failed and waits to retry; an interface set
    then is called at once (SetNotifyInterface: "BITS will call your callback even if the
    event for which you registered already occurred"); it succeeds first, so the one
    notification ends delivered and the command line is not run again."""
    sim, job, program, late = _failing_cmdline_job(1)
    sim.call_at(2.0, job.set_notify_interface, late)
    sim.run(until=40.0)
    found = entries(job, "job_transferred")
    assert len(ids(found)) == 1
    assert [(e.outcome, e.rule, e.final) for e in found] == [
        ("failed", "K5", False),
        ("delivered", None, True),
    ]
    assert found[1].time == pytest.approx(2.0)
    assert found[1].trigger == "a new interface was set (C5)"
    assert program.times == pytest.approx([FIRST_DONE])  # its retry (5.15) was withdrawn
    assert [(round(c.time, 6), c.method) for c in late.calls] == [(2.0, "job_transferred")]


def test_k5_i5_when_the_replay_fails_the_command_line_succeeds_first_and_ends_it() -> None:
    """K5, I5, K3: the replay to the late interface fails, so the command line runs instead
    (JobTransferred: "if this method fails and you called the
    IBackgroundCopyJob2::SetNotifyCmdLine method, the command line is executed and this
    method is not called again"); it exits 0 first: one notification, one final entry."""
    sim, job, program, late = _failing_cmdline_job(1, 0, returns={"job_transferred": False})
    sim.call_at(2.0, job.set_notify_interface, late)
    sim.run(until=40.0)
    found = entries(job, "job_transferred")
    assert len(ids(found)) == 1
    assert [(e.outcome, e.rule, e.final) for e in found] == [
        ("failed", "K5", False),
        ("cmdline", "K3", True),
    ]
    assert "called RecordingNotifier: job_transferred returned False" in found[1].detail
    assert program.times == pytest.approx([FIRST_DONE, 2.0])
    assert methods(late) == ["job_transferred"]  # not called again


def test_k5_i5_after_a_failed_replay_only_the_command_line_is_retried_until_it_succeeds() -> None:
    """K5, I5: the replay fails and the command line it hands over to fails too: from then
    on only the command line is retried, and its success ends the notification (JobTransferred:
    "the command line is executed and this method is not called again")."""
    sim, job, program, late = _failing_cmdline_job(1, 1, 0, returns={"job_transferred": False})
    sim.call_at(2.0, job.set_notify_interface, late)
    sim.run(until=40.0)
    found = entries(job, "job_transferred")
    assert len(ids(found)) == 1
    assert [(e.outcome, e.rule, e.final) for e in found] == [
        ("failed", "K5", False),
        ("failed", "K5", False),
        ("cmdline", "K5", True),
    ]
    assert program.times == pytest.approx([FIRST_DONE, 2.0, 2.0 + RETRY])
    assert methods(late) == ["job_transferred"]
    assert [e.final for e in sim.log.entries(job, method="job_transferred", final=True)] == [True]


def test_k5_i5_a_command_line_that_succeeds_while_an_interface_is_set_ends_it_alone() -> None:
    """K5, I5: the program registers an interface while it runs and then exits 0: the
    command line succeeded first, so the one notification ends as cmdline and the
    interface is not called for it (SetNotifyCmdLine's program is the other route to the
    same event)."""
    sim, job, program, late = _failing_cmdline_job(0, register_in_program=True)
    sim.run(until=40.0)
    found = entries(job, "job_transferred")
    assert [(e.outcome, e.rule, e.final) for e in found] == [("cmdline", "K3", True)]
    assert program.times == pytest.approx([FIRST_DONE])
    assert late.calls == []


def test_k5_i5_an_interface_set_while_a_failing_command_line_runs_gets_the_next_attempt() -> None:
    """K5, I5 (model choice): the program registers an interface while it runs, then exits
    1; the next attempt, after the retry delay, goes to the interface, not the command line
    (SetNotifyInterface: "BITS will call your callback even if the event for which you
    registered already occurred"), and its success ends the one notification."""
    sim, job, program, late = _failing_cmdline_job(1, register_in_program=True)
    sim.run(until=40.0)
    found = entries(job, "job_transferred")
    assert len(ids(found)) == 1
    assert [(e.outcome, e.rule, e.final) for e in found] == [
        ("failed", "K5", False),
        ("delivered", None, True),
    ]
    assert found[1].time == pytest.approx(FIRST_DONE + RETRY)
    assert program.times == pytest.approx([FIRST_DONE])
    assert [(round(c.time, 6), c.method) for c in late.calls] == [
        (FIRST_DONE + RETRY, "job_transferred")
    ]


# -- K6: simulated programs ----------------------------------------------------------------


def test_k6_the_handler_receives_the_job_and_the_parameters(sim: bl.Simulation) -> None:
    """K6: running the command line calls handler(job, parameters)."""
    program = Program(0)
    sim.register_program(PROGRAM, program)
    job = make_job(sim, name="nightly", size=SIZE, retry=RETRY)
    parameters = f'{PROGRAM} /job "nightly" --quiet'
    job.set_notify_cmdline(PROGRAM, parameters)
    job.resume()
    sim.run()
    assert [(j, p) for _, j, p in program.runs] == [(job, parameters)]


def test_k6_an_unknown_program_fails_to_launch(sim: bl.Simulation) -> None:
    """K6: a command line naming an unregistered program fails to launch (K5)."""
    sim.register_program("C:\\Tools\\other.exe", Program(0))
    job = make_job(sim, name="nightly", size=SIZE, retry=RETRY)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    [found] = entries(job, "job_transferred")
    assert (found.outcome, found.rule, found.final) == ("failed", "K5", False)
    assert "failed to launch" in found.detail


@pytest.mark.parametrize("path", ["notify.exe", "Tools\\notify.exe", "./notify", "C:notify.exe"])
def test_k6_register_program_rejects_a_relative_path(path: str, sim: bl.Simulation) -> None:
    """K6: register_program needs a full path (K1): ValueError naming the path."""
    with pytest.raises(ValueError, match="path"):
        sim.register_program(path, Program(0))


@pytest.mark.parametrize("handler", ["C:\\Tools\\notify.exe", 0, None])
def test_k6_register_program_rejects_a_handler_that_is_not_callable(
    handler: object, sim: bl.Simulation
) -> None:
    """K6: register_program needs a callable handler: TypeError naming it."""
    with pytest.raises(TypeError, match="handler"):
        sim.register_program(PROGRAM, handler)  # type: ignore[arg-type]


def test_k6_no_operating_system_process_is_started(
    monkeypatch: pytest.MonkeyPatch, sim: bl.Simulation
) -> None:
    """K6: with every way to start a process booby-trapped, the command line still runs."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("bitslab tried to start an operating-system process")

    monkeypatch.setattr(subprocess, "Popen", forbidden)
    monkeypatch.setattr(subprocess, "run", forbidden)
    for name in ("system", "popen", "fork", "posix_spawn", "posix_spawnp", "execv", "spawnv"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, forbidden)
    program = Program(0)
    sim.register_program("/usr/bin/notify", program)
    job = make_job(sim, name="nightly", size=SIZE, retry=RETRY)
    job.set_notify_cmdline("/usr/bin/notify", "/usr/bin/notify done")
    job.resume()
    sim.run()
    assert len(program.runs) == 1
    [found] = entries(job, "job_transferred")
    assert (found.outcome, found.final) == ("cmdline", True)
