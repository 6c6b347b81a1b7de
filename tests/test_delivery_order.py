"""Notification delivery: the order of D1's decisions.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``delivery_support.py``.
"""

from __future__ import annotations

from collections import Counter

import pytest
from delivery_support import ALL, PROGRAM, RETRY, SIZE, F, Program, Scripted, check_log_invariants
from support import (
    assert_known_outcomes_and_rules,
    assert_one_final_entry_each,
    make_job,
)

import bitslab as bl

# -- D1: the order of decisions ---------------------------------------------------------------


def only_job_transferred(sim: bl.Simulation, job: bl.Job) -> tuple[str, str | None]:
    """The outcome and rule of the job's single job_transferred notification."""
    (entry,) = sim.log.entries(job, method="job_transferred")
    return entry.outcome, entry.rule


def test_d1_disabled_beats_filtered(sim: bl.Simulation) -> None:
    """D1: DISABLE with the JOB_TRANSFERRED flag clear is logged as disabled (F5)."""
    job = make_job(sim, size=SIZE, retry=RETRY, flags=F.DISABLE, notifier=bl.RecordingNotifier())
    job.resume()
    sim.run()
    assert only_job_transferred(sim, job) == ("disabled", "F5")


def test_d1_stale_beats_disabled(sim: bl.Simulation) -> None:
    """D1: a pending notification that is stale is logged stale even under DISABLE."""
    rec = bl.RecordingNotifier(returns={"job_transferred": False})
    job = make_job(sim, size=SIZE, retry=RETRY, notifier=rec)
    job.resume()
    sim.run()
    job.set_notify_flags(F.DISABLE | F.JOB_TRANSFERRED)
    job.suspend()
    sim.run(until=30.0)
    outcomes = [(e.outcome, e.rule) for e in sim.log.entries(job, method="job_transferred")]
    assert outcomes == [("failed", "C5"), ("stale", "C11")]


def test_d1_filtered_beats_no_interface(sim: bl.Simulation) -> None:
    """D1: with no interface and the flag clear, the outcome is filtered (F8)."""
    job = make_job(sim, size=SIZE, retry=RETRY, flags=F.JOB_ERROR)
    job.resume()
    sim.run()
    assert only_job_transferred(sim, job) == ("filtered", "F8")


def test_d1_no_interface_and_not_implemented(sim: bl.Simulation) -> None:
    """D1: no interface and no command line gives no_interface (I8); an interface without the
    method gives not_implemented (I6)."""
    bare = make_job(sim, size=SIZE, retry=RETRY, flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED)

    class OnlyTransferred:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def job_transferred(self, job: bl.Job) -> None:
            self.calls.append(job.name)

    partial_notifier = OnlyTransferred()
    partial = make_job(sim, size=SIZE, retry=RETRY, flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED)
    partial.set_notify_interface(partial_notifier)
    bare.resume()
    partial.resume()
    sim.run()
    assert only_job_transferred(sim, bare) == ("no_interface", "I8")
    (ft,) = sim.log.entries(bare, method="file_transferred")
    assert (ft.outcome, ft.rule, ft.final) == ("no_interface", "I8", True)
    (ft,) = sim.log.entries(partial, method="file_transferred")
    assert (ft.outcome, ft.rule, ft.final) == ("not_implemented", "I6", True)
    assert only_job_transferred(sim, partial) == ("delivered", None)
    assert partial_notifier.calls == [partial.name]


def test_d1_not_implemented_beats_app_down(sim: bl.Simulation) -> None:
    """D1: a dead app's notifier that lacks the method gives not_implemented, not app_down."""
    app = sim.add_app("downloader")

    class NoFiles(bl.Notifier):
        file_transferred = None  # type: ignore[assignment]

    job = make_job(
        sim,
        size=SIZE,
        retry=RETRY,
        flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED,
        notifier=NoFiles(app),
    )
    app.crash()
    job.resume()
    sim.run()
    (ft,) = sim.log.entries(job, method="file_transferred")
    assert (ft.outcome, ft.rule, ft.final) == ("not_implemented", "I6", True)
    jt = sim.log.entries(job, method="job_transferred")[0]
    assert (jt.outcome, jt.rule, jt.final) == ("app_down", "I4", False)


def test_d1_app_down_beats_failed(sim: bl.Simulation) -> None:
    """D1: a dead app's notifier is not called: app_down (I4) rather than failed."""
    app = sim.add_app("downloader")
    rec = bl.RecordingNotifier(app, returns={"job_transferred": False})
    job = make_job(sim, size=SIZE, retry=RETRY, notifier=rec)
    app.crash()
    job.resume()
    sim.run(until=30.0)
    assert rec.calls == []
    entries = sim.log.entries(job, method="job_transferred")
    assert len(entries) >= 2
    assert all((e.outcome, e.rule, e.final) == ("app_down", "I4", False) for e in entries)
    assert entries[1].time == pytest.approx(entries[0].time + RETRY)


def test_d1_every_notification_has_one_final_entry_written_last(sim: bl.Simulation) -> None:
    """D1: in a busy run, each id ends with exactly one final entry and nothing after it."""
    app = sim.add_app("downloader")
    program = Program(1)
    sim.register_program(PROGRAM, program)
    flaky = Scripted(
        app, job_transferred=[False, 0x80004005], file_transferred=[False], job_error=[False]
    )
    jobs = [
        make_job(sim, files=2, size=SIZE, retry=RETRY, flags=ALL, notifier=flaky) for _ in range(3)
    ]
    sim.network.fail(jobs[1].files[1].remote_name, 503, duration=8.0)
    sim.network.fail(jobs[2].files[0].remote_name, 404)
    jobs[2].set_notify_cmdline(PROGRAM, f"{PROGRAM} {jobs[2].name}")
    dead = make_job(
        sim, size=SIZE, retry=RETRY, flags=F.JOB_TRANSFERRED, notifier=bl.RecordingNotifier(app)
    )
    for job in (*jobs, dead):
        job.resume()
    sim.call_at(6.0, app.crash)
    sim.call_at(20.0, app.start)
    fresh: list[bl.RecordingNotifier] = []

    def register_again() -> None:  # on the restarted app's run (I4)
        fresh.append(bl.RecordingNotifier(app))
        jobs[0].set_notify_interface(fresh[0])

    sim.call_at(21.0, register_again)
    sim.run(until=40.0)
    for job in (*jobs, dead):
        if not job.state.is_final:
            job.cancel()
    sim.run(until=100.0)
    check_log_invariants(sim)
    assert [c.method for c in fresh[0].calls] == ["job_transferred"]
    assert len(program.runs) == 2  # the failed job_error ran it (K3), it failed once (K5)
    assert_one_final_entry_each(sim)
    outcomes = Counter(e.outcome for e in sim.log)
    for wanted in ("delivered", "failed", "app_down", "stale", "coalesced", "filtered", "cmdline"):
        assert outcomes[wanted] > 0, wanted
    assert_known_outcomes_and_rules(sim)
    for entry in sim.log:
        if entry.final and entry.outcome in ("failed", "app_down"):
            assert entry.method == "job_modification"  # C6: the only kind not retried
