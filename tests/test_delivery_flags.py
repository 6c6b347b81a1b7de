"""Notification delivery: the notify flags, read at delivery (F5-F8).

What these tests share (how the expected values are worked out, what is observed) is
said once in ``delivery_support.py``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from delivery_support import (
    ALL,
    EVERY,
    PROGRAM,
    RETRY,
    SIZE,
    F,
    Program,
    S,
    calls_of,
    finals,
    time_of,
)
from support import (
    make_job,
)

import bitslab as bl

# -- F5-F8: flags, read at delivery ---------------------------------------------------------


def test_f5_disable_delivers_nothing_and_runs_no_command_line(sim: bl.Simulation) -> None:
    """F5: with DISABLE and every other flag, nothing is called and the command line never runs."""
    program = Program()
    sim.register_program(PROGRAM, program)
    rec = bl.RecordingNotifier()
    done = make_job(sim, files=2, size=SIZE, retry=RETRY, flags=EVERY | F.DISABLE, notifier=rec)
    failing = make_job(sim, size=SIZE, retry=RETRY, flags=EVERY | F.DISABLE, notifier=rec)
    sim.network.fail(failing.files[0].remote_name, 404)
    for job in (done, failing):
        job.set_notify_cmdline(PROGRAM, f"{PROGRAM} {job.name}")
        job.resume()
    sim.run()
    assert done.state is S.TRANSFERRED
    assert failing.state is S.ERROR
    # K4 would run a command line set now; DISABLE forbids that too
    done.set_notify_cmdline(PROGRAM, f"{PROGRAM} again")
    sim.run(until=sim.now + 100.0)
    assert rec.calls == []
    assert program.runs == []
    methods = {e.method for e in finals(sim) if e.outcome == "disabled"}
    assert {"job_transferred", "job_error", "file_transferred", "job_modification"} <= methods
    for entry in sim.log:
        assert entry.final
        assert (entry.outcome, entry.rule) in {("disabled", "F5"), ("coalesced", "C7")}
        assert entry.target is None


def test_f5_disable_set_during_a_failing_call_does_not_run_the_command_line(
    sim: bl.Simulation,
) -> None:
    """F5: DISABLE set while job_transferred is in flight: when the call fails, the command
    line (K3) must not run, since DISABLE is set when it would (F6: flags read at delivery)."""
    program = Program()
    sim.register_program(PROGRAM, program)

    class SlowFail(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> Generator[Any, Any, Any]:
            yield job.sim.env.timeout(2.0)
            return False

    job = make_job(sim, size=SIZE, retry=RETRY, notifier=SlowFail())
    job.set_notify_cmdline(PROGRAM, f"{PROGRAM} {job.name}")
    job.resume()
    sim.run(until=1.0)
    assert job.state is S.TRANSFERRED
    job.set_notify_flags(F.DISABLE | F.JOB_TRANSFERRED)
    sim.run(until=30.0)
    assert program.runs == []
    assert sim.log.entries(job, outcome="cmdline") == []
    final = finals(sim, job, "job_transferred")
    assert [(e.outcome, e.rule) for e in final] == [("disabled", "F5")]


def test_f6_flag_cleared_while_waiting_for_retry_filters_the_retry(sim: bl.Simulation) -> None:
    """F6: a job_transferred waiting to retry is filtered if JOB_TRANSFERRED is cleared first."""
    rec = bl.RecordingNotifier(returns={"job_transferred": False})
    job = make_job(sim, size=SIZE, retry=RETRY, notifier=rec)
    job.resume()
    sim.run()
    failed_at = time_of(job, S.TRANSFERRED)
    rec.returns.clear()  # the next call would succeed...
    job.set_notify_flags(F.JOB_ERROR)  # ...but the flag is gone before the retry
    sim.run(until=failed_at + 3 * RETRY)
    assert len(calls_of(rec, "job_transferred")) == 1
    entries = sim.log.entries(job, method="job_transferred")
    assert [(e.outcome, e.rule, e.final) for e in entries] == [
        ("failed", "C5", False),
        ("filtered", "F8", True),
    ]
    assert entries[1].time == pytest.approx(failed_at + RETRY)


def test_f6_flag_cleared_then_set_again_before_the_retry_is_delivered(sim: bl.Simulation) -> None:
    """F6: what counts is the flag at the retry, not while the notification waited."""
    rec = bl.RecordingNotifier(returns={"job_transferred": False})
    job = make_job(sim, size=SIZE, retry=RETRY, notifier=rec)
    job.resume()
    sim.run()
    failed_at = time_of(job, S.TRANSFERRED)
    rec.returns.clear()
    job.set_notify_flags(0)
    sim.call_at(failed_at + 1.0, job.set_notify_flags, F.JOB_TRANSFERRED)
    sim.run(until=failed_at + 3 * RETRY)
    assert [c.time for c in calls_of(rec, "job_transferred")] == pytest.approx(
        [failed_at, failed_at + RETRY]
    )
    entries = sim.log.entries(job, method="job_transferred")
    assert [(e.outcome, e.final) for e in entries] == [("failed", False), ("delivered", True)]


def test_f6_modification_flag_is_read_when_it_reaches_dispatch() -> None:
    """F6: a modification raised with the flag off but set before dispatch is delivered,
    and one raised with the flag on but cleared before dispatch is filtered."""
    sim = bl.Simulation(seed=0, modification_delay=0.5)
    rec = bl.RecordingNotifier()
    late_on = make_job(sim, size=SIZE, retry=RETRY, flags=F.JOB_TRANSFERRED, notifier=rec)
    late_off = make_job(sim, size=SIZE, retry=RETRY, flags=ALL, notifier=rec)
    sim.run()
    start = sim.now
    late_on.set_property(bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, 100)
    late_off.set_property(bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, 100)
    sim.call_at(start + 0.25, late_on.set_notify_flags, ALL)
    sim.call_at(start + 0.25, late_off.set_notify_flags, F.JOB_TRANSFERRED)
    sim.run()
    on = [e for e in sim.log.entries(late_on, method="job_modification") if e.raised == start]
    off = [e for e in sim.log.entries(late_off, method="job_modification") if e.raised == start]
    assert [(e.outcome, e.time) for e in on] == [("delivered", pytest.approx(start + 0.5))]
    assert [(e.outcome, e.rule) for e in off] == [("filtered", "F8")]
    assert [c.job for c in calls_of(rec, "job_modification") if c.time > start] == [late_on]


def test_f7_job_not_on_demand_never_gets_file_ranges_transferred(sim: bl.Simulation) -> None:
    """F7: FILE_RANGES_TRANSFERRED on a job that is not on-demand delivers no range calls."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, files=3, size=400_000, retry=RETRY, flags=EVERY, notifier=rec)
    upload = sim.create_job("up", type=bl.JobType.UPLOAD)
    upload.add_file("https://example.test/up.bin", "up.bin", SIZE)
    upload.set_notify_flags(EVERY)  # may be set on any job, even one that cannot be on-demand
    upload.set_notify_interface(rec)
    assert job.get_notify_flags() & F.FILE_RANGES_TRANSFERRED
    assert upload.get_notify_flags() & F.FILE_RANGES_TRANSFERRED
    job.resume()
    upload.resume()
    sim.run()
    assert (job.state, upload.state) == (S.TRANSFERRED, S.TRANSFERRED)
    assert calls_of(rec, "file_ranges_transferred") == []
    for entry in sim.log.entries(method="file_ranges_transferred"):
        assert (entry.outcome, entry.rule) == ("not_on_demand", "R6")
    # the other kinds did arrive, so the silence is about ranges only
    assert len(calls_of(rec, "file_transferred")) == 4
    transferred = [c.job for c in calls_of(rec, "job_transferred")]
    assert len(transferred) == 2
    assert set(transferred) == {job, upload}
    assert calls_of(rec, "job_modification")


def test_f8_notifications_without_their_flag_are_logged_as_filtered(sim: bl.Simulation) -> None:
    """F8: with the default flags, modifications and file_transferred are filtered, not called."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, files=2, size=SIZE, retry=RETRY, notifier=rec)
    assert job.get_notify_flags() == F.JOB_TRANSFERRED | F.JOB_ERROR
    job.resume()
    sim.run()
    assert [c.method for c in rec.calls] == ["job_transferred"]
    filtered = sim.log.entries(job, outcome="filtered")
    assert {e.method for e in filtered} == {"file_transferred", "job_modification"}
    assert all(e.rule == "F8" and e.final and e.target is None for e in filtered)
    assert sorted(e.file.local_name for e in filtered if e.file is not None) == ["f0.bin", "f1.bin"]
