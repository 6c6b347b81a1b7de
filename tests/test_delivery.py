"""Notification delivery: flags at delivery (F5-F8), callbacks (C1-C11) and D1's order.

Everything is observed through the public API: what notifiers record, what command-line
handlers see, and the event log ``sim.log``. Files are small (1,000 bytes take 1 ms on the
default 1,000,000 B/s link), so a job resumed at t is TRANSFERRING at t + 0.05 and each file
is done 1 ms later; times are read from ``job.history`` rather than hard-coded where possible.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Generator
from typing import Any

import pytest
from support import (
    assert_attempts_share_their_notification,
    assert_known_outcomes_and_rules,
    assert_one_final_entry_each,
    make_job,
)

import bitslab as bl

F = bl.NotifyFlags
S = bl.JobState
ALL = F.JOB_TRANSFERRED | F.JOB_ERROR | F.JOB_MODIFICATION | F.FILE_TRANSFERRED
EVERY = ALL | F.FILE_RANGES_TRANSFERRED  # every kind, DISABLE left out
SIZE = 1_000
RETRY = 5.0  # the shortest minimum_retry_delay (L1 floor)
PROGRAM = "C:\\Tools\\notify.exe"


# -- helpers -------------------------------------------------------------------------------


def time_of(job: bl.Job, state: bl.JobState) -> float:
    """When the job first entered ``state``."""
    return next(change.time for change in job.history if change.new is state)


def calls_of(notifier: bl.RecordingNotifier, method: str) -> list[bl.Call]:
    return [call for call in notifier.calls if call.method == method]


def finals(sim: bl.Simulation, job: bl.Job | None = None, method: str | None = None) -> list[Any]:
    return sim.log.entries(job, method=method, final=True)


def raised_at(sim: bl.Simulation, job: bl.Job, method: str = "job_modification") -> list[float]:
    """The raise time of each distinct notification of ``method`` in the log, sorted."""
    first: dict[int, float] = {}
    for entry in sim.log.entries(job, method=method):
        first.setdefault(entry.id, entry.raised)
    return sorted(first.values())


class Scripted(bl.Notifier):
    """Answers each call with the next scripted result of its method (an exception is raised);
    when a method's script is used up it succeeds. Records (time, method, file)."""

    def __init__(self, app: bl.App | None = None, **script: list[Any]) -> None:
        super().__init__(app)
        self.script = {method: list(results) for method, results in script.items()}
        self.calls: list[tuple[float, str, bl.File | None]] = []

    def _answer(self, method: str, job: bl.Job, file: bl.File | None = None) -> Any:
        self.calls.append((job.sim.now, method, file))
        results = self.script.get(method)
        result = results.pop(0) if results else None
        if isinstance(result, BaseException):
            raise result
        return result

    def job_transferred(self, job: bl.Job) -> Any:
        return self._answer("job_transferred", job)

    def job_error(self, job: bl.Job, error: bl.JobError) -> Any:
        return self._answer("job_error", job)

    def job_modification(self, job: bl.Job) -> Any:
        return self._answer("job_modification", job)

    def file_transferred(self, job: bl.Job, file: bl.File) -> Any:
        return self._answer("file_transferred", job, file)


class Program:
    """A simulated command-line handler that records its runs; it exits with the next of
    ``codes``, then 0."""

    def __init__(self, *codes: int) -> None:
        self.codes = list(codes)
        self.runs: list[tuple[float, str]] = []

    def __call__(self, job: bl.Job, parameters: str) -> int:
        self.runs.append((job.sim.now, job.name))
        return self.codes.pop(0) if self.codes else 0


def check_log_invariants(sim: bl.Simulation) -> None:
    """D1: one final entry per notification id, written last; attempts count up."""
    for ident, entries in assert_one_final_entry_each(sim).items():
        assert_attempts_share_their_notification(entries)
        attempts = [e.attempt for e in entries if e.attempt]
        assert attempts == sorted(attempts), ident
        assert all(e.time <= entries[-1].time + e.duration for e in entries), ident


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


# -- C1, C2: job_transferred and job_error ---------------------------------------------------


def test_c1_job_transferred_is_called_once_when_the_job_enters_transferred(
    sim: bl.Simulation,
) -> None:
    """C1: job_transferred comes once, when the last file is done, not before."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, files=3, size=SIZE, retry=RETRY, notifier=rec)
    job.resume()
    sim.run()
    transferred = time_of(job, S.TRANSFERRED)
    assert [c.time for c in calls_of(rec, "job_transferred")] == [pytest.approx(transferred)]
    (entry,) = sim.log.entries(job, method="job_transferred")
    assert (entry.outcome, entry.rule, entry.final) == ("delivered", None, True)
    assert entry.raised == pytest.approx(transferred)
    assert "RecordingNotifier" in str(entry.target)


def test_c2_job_error_is_called_on_error_with_the_error(sim: bl.Simulation) -> None:
    """C2: entering ERROR calls job_error(job, error) with the job's error."""
    errors: list[tuple[float, int, bl.JobState]] = []

    class Watcher(bl.Notifier):
        def job_error(self, job: bl.Job, error: bl.JobError) -> None:
            errors.append((job.sim.now, error.hresult, job.state))

    job = make_job(sim, size=SIZE, retry=RETRY, notifier=Watcher())
    sim.network.fail(job.files[0].remote_name, 404)
    job.resume()
    sim.run()
    assert errors == [(pytest.approx(time_of(job, S.ERROR)), bl.BG_E_HTTP_ERROR_404, S.ERROR)]
    assert [(e.outcome, e.final) for e in sim.log.entries(job, method="job_error")] == [
        ("delivered", True)
    ]
    assert sim.log.entries(job, method="job_transferred") == []


def test_c2_transient_error_never_calls_job_error(sim: bl.Simulation) -> None:
    """C2: TRANSIENT_ERROR (a 503, then recovery) raises no job_error at all."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, size=SIZE, retry=RETRY, flags=ALL, notifier=rec)
    sim.network.fail(job.files[0].remote_name, 503, duration=1.0)
    job.resume()
    sim.run()
    assert S.TRANSIENT_ERROR in [c.new for c in job.history]
    assert job.state is S.TRANSFERRED
    assert calls_of(rec, "job_error") == []
    assert sim.log.entries(job, method="job_error") == []
    assert len(calls_of(rec, "job_transferred")) == 1


# -- C3: what raises job_modification ---------------------------------------------------------


def test_c3_state_changes_raise_modifications_except_into_error_and_transferred(
    sim: bl.Simulation,
) -> None:
    """C3: each state change raises one modification, TRANSIENT_ERROR included, except
    entering ERROR or TRANSFERRED."""
    rec = bl.RecordingNotifier()
    ok = make_job(sim, files=2, size=SIZE, retry=RETRY, flags=ALL, notifier=rec)
    sim.network.fail(ok.files[1].remote_name, 503, start=1.0, duration=1.0)
    bad = make_job(sim, size=SIZE, retry=RETRY, flags=ALL, notifier=rec)
    sim.network.fail(bad.files[0].remote_name, 404)
    sim.run(until=1.0)  # let the modifications of the set-up go out
    ok.resume()
    bad.resume()
    sim.run()
    assert ok.state is S.TRANSFERRED
    assert bad.state is S.ERROR
    assert S.TRANSIENT_ERROR in [c.new for c in ok.history]
    for job in (ok, bad):
        changes = [c for c in job.history if c.time >= 1.0]
        expected = sorted(c.time for c in changes if c.new not in (S.ERROR, S.TRANSFERRED))
        got = [t for t in raised_at(sim, job) if t >= 1.0]
        assert got == pytest.approx(expected)
        for change in changes:
            if change.new in (S.ERROR, S.TRANSFERRED):
                assert change.time not in got
    transient = time_of(ok, S.TRANSIENT_ERROR)
    assert transient in raised_at(sim, ok)


def test_c3_add_file_and_property_setters_each_raise_one_modification() -> None:
    """C3: add_file, set_property and the priority, retry-delay and no-progress setters."""
    sim = bl.Simulation(seed=0, modification_delay=0.0)
    rec = bl.RecordingNotifier()
    job = make_job(sim, size=SIZE, retry=RETRY, flags=ALL, notifier=rec)
    sim.run(until=1.0)
    before = len(rec.calls)
    changes = [
        lambda: job.add_file("https://example.test/extra.bin", "extra.bin", SIZE),
        lambda: job.set_property(bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, 200),
        lambda: setattr(job, "priority", bl.JobPriority.HIGH),
        lambda: setattr(job, "minimum_retry_delay", 30.0),
        lambda: setattr(job, "no_progress_timeout", 3600.0),
    ]
    for i, change in enumerate(changes):
        sim.call_at(2.0 + i, change)
    sim.run()
    assert [(c.method, c.time) for c in rec.calls[before:]] == [
        ("job_modification", pytest.approx(2.0 + i)) for i in range(len(changes))
    ]
    assert job.state is S.SUSPENDED


def test_c3_bytes_arriving_raise_modifications_while_transferring(sim: bl.Simulation) -> None:
    """C3: while bytes flow, modifications keep coming with no other change to the job."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, size=3_000_000, retry=RETRY, flags=F.JOB_MODIFICATION, notifier=rec)
    idle = make_job(sim, size=SIZE, retry=RETRY, flags=F.JOB_MODIFICATION, notifier=rec)
    sim.run(until=1.0)
    job.resume()
    sim.run()
    start, end = time_of(job, S.TRANSFERRING), time_of(job, S.TRANSFERRED)
    assert end - start == pytest.approx(3.0, abs=0.01)
    during = [t for t in raised_at(sim, job) if start < t < end]
    assert len(during) >= 4  # about one per 500 ms interval over 3 s
    sent = [c.time for c in rec.calls if c.time > 1.0]
    assert all(b - a >= 0.5 - 1e-9 for a, b in itertools.pairwise(sent))  # C7 still holds
    assert [t for t in raised_at(sim, idle) if t > 0.0] == []  # no bytes, no modifications


def test_c3_no_notification_is_raised_for_a_final_job(sim: bl.Simulation) -> None:
    """C3: entering CANCELLED or ACKNOWLEDGED raises nothing, nor does time passing after."""
    rec = bl.RecordingNotifier()
    busy = make_job(sim, size=3_000_000, retry=RETRY, flags=EVERY, notifier=rec)
    done = make_job(sim, size=SIZE, retry=RETRY, flags=EVERY, notifier=rec)
    done.resume()
    sim.run()
    busy.resume()
    sim.run(until=sim.now + 1.0)
    assert busy.state is S.TRANSFERRING
    busy.cancel()
    done.complete()
    stop = sim.now
    sim.run(until=stop + 30.0)
    assert [e for e in sim.log if e.raised >= stop] == []
    assert [c for c in rec.calls if c.time > stop] == []


# -- C4: file_transferred is serialized ----------------------------------------------------


def test_c4_files_then_job_transferred_in_order(sim: bl.Simulation) -> None:
    """C4: file_transferred for each file in order, then job_transferred."""
    rec = bl.RecordingNotifier()
    job = make_job(
        sim,
        files=3,
        size=SIZE,
        retry=RETRY,
        flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED,
        notifier=rec,
    )
    job.resume()
    sim.run()
    assert [(c.method, c.file) for c in rec.calls] == [
        ("file_transferred", job.files[0]),
        ("file_transferred", job.files[1]),
        ("file_transferred", job.files[2]),
        ("job_transferred", None),
    ]


def test_c4_failing_file_transferred_holds_back_next_file_and_job_transferred(
    sim: bl.Simulation,
) -> None:
    """C4: until the first file's call succeeds, the next file and job_transferred wait."""
    notifier = Scripted(file_transferred=[False, bl.E_FAIL])
    job = make_job(
        sim,
        files=2,
        size=SIZE,
        retry=RETRY,
        flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED,
        notifier=notifier,
    )
    job.resume()
    sim.run(until=60.0)
    first = job.files[0]
    done = [f.progress.completed for f in job.files]
    assert done == [True, True]
    assert job.state is S.TRANSFERRED
    t0 = notifier.calls[0][0]
    assert [(m, f) for _, m, f in notifier.calls] == [
        ("file_transferred", first),
        ("file_transferred", first),
        ("file_transferred", first),
        ("file_transferred", job.files[1]),
        ("job_transferred", None),
    ]
    times = [t for t, _, _ in notifier.calls]
    assert times == pytest.approx([t0, t0 + RETRY, t0 + 2 * RETRY, t0 + 2 * RETRY, t0 + 2 * RETRY])
    assert t0 + RETRY > time_of(job, S.TRANSFERRED)  # the job was done long before
    second = sim.log.entries(job, method="file_transferred", final=True)[1]
    assert second.file is job.files[1]
    assert second.raised < t0 + RETRY < second.time


def test_c4_failing_file_transferred_holds_back_job_error(sim: bl.Simulation) -> None:
    """C4: a job's file_transferred calls are dispatched before its job_error."""
    notifier = Scripted(file_transferred=[False])
    job = make_job(
        sim,
        files=2,
        size=SIZE,
        retry=RETRY,
        flags=F.JOB_ERROR | F.FILE_TRANSFERRED,
        notifier=notifier,
    )
    sim.network.fail(job.files[1].remote_name, 404)
    job.resume()
    sim.run(until=60.0)
    assert job.state is S.ERROR
    t0 = notifier.calls[0][0]
    assert [(t, m) for t, m, _ in notifier.calls] == [
        (pytest.approx(t0), "file_transferred"),
        (pytest.approx(t0 + RETRY), "file_transferred"),
        (pytest.approx(t0 + RETRY), "job_error"),
    ]
    assert time_of(job, S.ERROR) < t0 + RETRY


# -- C5: success, failure and retries --------------------------------------------------------


@pytest.mark.parametrize(
    "result",
    [RuntimeError("boom"), False, -1, bl.E_FAIL, 0x80004005, -(2**31), "yes", 2.0, [0]],
    ids=["raise", "False", "-1", "E_FAIL", "0x80004005", "min-int", "yes", "float", "list"],
)
def test_c5_failure_forms_are_failed_and_retried_after_the_retry_delay(
    result: Any, sim: bl.Simulation
) -> None:
    """C5: raising, False, a negative int, bit 31 set or junk fail; BITS retries later."""
    notifier = Scripted(job_transferred=[result])
    job = make_job(sim, size=SIZE, retry=7.0, notifier=notifier)
    job.resume()
    sim.run(until=30.0)
    entries = sim.log.entries(job, method="job_transferred")
    assert [(e.outcome, e.rule, e.final) for e in entries] == [
        ("failed", "C5", False),
        ("delivered", None, True),
    ]
    assert entries[0].detail  # the log says what went wrong
    assert entries[1].time == pytest.approx(entries[0].time + 7.0)
    assert [t for t, _, _ in notifier.calls] == pytest.approx([e.time for e in entries])


@pytest.mark.parametrize("result", [None, True, 0, 1, bl.S_OK, 0x7FFFFFFF])
def test_c5_success_forms_are_delivered_at_once(result: Any, sim: bl.Simulation) -> None:
    """C5: None, True and success HRESULTs (0..0x7FFFFFFF) are delivered, no retry."""
    notifier = Scripted(job_transferred=[result], file_transferred=[result])
    job = make_job(
        sim, size=SIZE, retry=RETRY, flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED, notifier=notifier
    )
    job.resume()
    sim.run(until=30.0)
    assert [m for _, m, _ in notifier.calls] == ["file_transferred", "job_transferred"]
    for entry in sim.log.entries(job):
        if entry.method != "job_modification":
            assert (entry.outcome, entry.rule, entry.final) == ("delivered", None, True)


def test_c5_retry_delay_is_measured_from_the_failure_not_the_attempt_start(
    sim: bl.Simulation,
) -> None:
    """C5: a callback that takes 2 s then fails is retried minimum_retry_delay after it ended."""
    calls: list[float] = []

    class SlowFail(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> Generator[Any, Any, Any]:
            calls.append(job.sim.now)
            yield job.sim.env.timeout(2.0)
            return len(calls) > 1  # False the first time

    job = make_job(sim, size=SIZE, retry=7.0, notifier=SlowFail())
    job.resume()
    sim.run(until=30.0)
    start = time_of(job, S.TRANSFERRED)
    assert calls == pytest.approx([start, start + 2.0 + 7.0])
    first, second = sim.log.entries(job, method="job_transferred")
    assert (first.outcome, first.final, first.time) == ("failed", False, pytest.approx(start))
    assert first.duration == pytest.approx(2.0)
    assert (second.outcome, second.final) == ("delivered", True)


def test_c5_retry_delay_is_read_at_failure_time(sim: bl.Simulation) -> None:
    """C5: changing minimum_retry_delay inside the failing call sets that retry's delay."""
    calls: list[float] = []

    class Shorten(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> bool:
            calls.append(job.sim.now)
            if len(calls) == 1:
                job.minimum_retry_delay = 12.0
                return False
            return True

    job = make_job(sim, size=SIZE, retry=100.0, notifier=Shorten())
    job.resume()
    sim.run(until=200.0)
    start = time_of(job, S.TRANSFERRED)
    assert calls == pytest.approx([start, start + 12.0])


def test_c5_setting_a_new_interface_retries_at_once(sim: bl.Simulation) -> None:
    """C5: a notification waiting for its retry is retried at once on a new interface."""
    old = bl.RecordingNotifier(returns={"job_transferred": False, "file_transferred": False})
    new = bl.RecordingNotifier()
    job = make_job(
        sim, files=2, size=SIZE, flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED, notifier=old
    )
    assert job.minimum_retry_delay == 600.0
    job.resume()
    sim.call_at(10.0, job.set_notify_interface, new)
    sim.run(until=20.0)
    assert [c.method for c in old.calls] == ["file_transferred"]
    assert [(c.method, c.file, c.time) for c in new.calls] == [
        ("file_transferred", job.files[0], pytest.approx(10.0)),
        ("file_transferred", job.files[1], pytest.approx(10.0)),
        ("job_transferred", None, pytest.approx(10.0)),
    ]
    assert len(finals(sim, job, "job_transferred")) == 1  # one notification, not a replay too
    retried = sim.log.entries(job, method="file_transferred")[1]
    assert (retried.outcome, retried.file, retried.time) == (
        "delivered",
        job.files[0],
        pytest.approx(10.0),
    )


# -- C6: modifications are not retried -------------------------------------------------------


@pytest.mark.parametrize("result", [False, bl.E_FAIL, ValueError("nope")])
def test_c6_failed_job_modification_is_not_retried(result: Any) -> None:
    """C6: a failed job_modification ends at once (failed, C6) and is never called again."""
    sim = bl.Simulation(seed=0, modification_delay=0.0)
    notifier = Scripted(job_modification=[result])
    job = make_job(sim, size=SIZE, retry=RETRY, flags=F.JOB_MODIFICATION)
    sim.run(until=1.0)
    job.set_notify_interface(notifier)
    job.add_file("https://example.test/late.bin", "late.bin", SIZE)
    sim.run(until=1000.0)
    assert [(t, m) for t, m, _ in notifier.calls] == [(pytest.approx(1.0), "job_modification")]
    (entry,) = [e for e in sim.log.entries(job, method="job_modification") if e.raised >= 1.0]
    assert (entry.outcome, entry.rule, entry.final) == ("failed", "C6", True)


# -- C7: the minimum notification interval ---------------------------------------------------


def test_c7_first_goes_at_once_one_is_held_and_the_rest_coalesce() -> None:
    """C7: first sent at once, the next held to the interval's end, later ones coalesced."""
    sim = bl.Simulation(seed=0, modification_delay=0.0)
    rec = bl.RecordingNotifier()
    job = make_job(sim, size=SIZE, retry=RETRY, flags=F.JOB_MODIFICATION, notifier=rec)
    sim.run(until=5.0)
    before = len(rec.calls)
    for t in (10.0, 10.1, 10.2, 10.3):
        sim.call_at(t, job.add_file, f"https://example.test/{t}.bin", f"{t}.bin", SIZE)
    sim.run()
    assert [c.time for c in rec.calls[before:]] == pytest.approx([10.0, 10.5])
    entries = [e for e in sim.log.entries(job) if e.raised >= 10.0]
    coalesced = [e for e in entries if e.outcome == "coalesced"]
    assert [(e.raised, e.time, e.rule, e.final, e.attempt) for e in coalesced] == [
        (pytest.approx(10.2), pytest.approx(10.2), "C7", True, 0),
        (pytest.approx(10.3), pytest.approx(10.3), "C7", True, 0),
    ]
    delivered = [e for e in entries if e.outcome == "delivered"]
    assert [(e.raised, e.time) for e in delivered] == [
        (pytest.approx(10.0), pytest.approx(10.0)),
        (pytest.approx(10.1), pytest.approx(10.5)),
    ]


@pytest.mark.parametrize(("interval_ms", "second_at"), [(2000, 12.0), (100, 10.5)])
def test_c7_the_interval_property_is_respected(interval_ms: int, second_at: float) -> None:
    """C7: MINIMUM_NOTIFICATION_INTERVAL_MS sets the gap: 2000 ms holds, 100 ms does not."""
    sim = bl.Simulation(seed=0, modification_delay=0.0)
    rec = bl.RecordingNotifier()
    job = make_job(sim, size=SIZE, retry=RETRY, flags=F.JOB_MODIFICATION, notifier=rec)
    job.set_property(bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, interval_ms)
    sim.run(until=5.0)
    before = len(rec.calls)
    sim.call_at(10.0, job.add_file, "https://example.test/x.bin", "x.bin", SIZE)
    sim.call_at(10.5, job.add_file, "https://example.test/y.bin", "y.bin", SIZE)
    sim.run()
    assert [c.time for c in rec.calls[before:]] == pytest.approx([10.0, second_at])
    assert [e for e in sim.log.entries(job, outcome="coalesced") if e.raised >= 10.0] == []


def test_c7_the_interval_runs_from_when_the_held_one_was_sent() -> None:
    """C7: after a held modification is sent at the interval's end, the next interval starts."""
    sim = bl.Simulation(seed=0, modification_delay=0.0)
    rec = bl.RecordingNotifier()
    job = make_job(sim, size=SIZE, retry=RETRY, flags=F.JOB_MODIFICATION, notifier=rec)
    job.set_property(bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, 1000)
    sim.run(until=5.0)
    before = len(rec.calls)
    for t in (10.0, 10.2, 11.5):  # sent 10.0; held to 11.0; 11.5 is within 1 s of 11.0
        sim.call_at(t, job.add_file, f"https://example.test/{t}.bin", f"{t}.bin", SIZE)
    sim.run()
    assert [c.time for c in rec.calls[before:]] == pytest.approx([10.0, 11.0, 12.0])


# -- C8: modifications are dispatched at lower priority ---------------------------------------


def test_c8_job_transferred_overtakes_an_earlier_modification() -> None:
    """C8: a modification raised before job_transferred arrives after it."""
    sim = bl.Simulation(seed=0, dispatch_delay=0.0, modification_delay=0.5)
    rec = bl.RecordingNotifier()
    job = make_job(
        sim, size=SIZE, retry=RETRY, flags=F.JOB_TRANSFERRED | F.JOB_MODIFICATION, notifier=rec
    )
    job.set_property(bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, 0)
    sim.run(until=5.0)
    job.resume()
    sim.run()
    transferring, transferred = time_of(job, S.TRANSFERRING), time_of(job, S.TRANSFERRED)
    assert transferring < transferred
    after = [c for c in rec.calls if c.time >= 5.0]
    jt = next(c for c in after if c.method == "job_transferred")
    mod = next(
        e
        for e in sim.log.entries(job, method="job_modification")
        if e.raised == pytest.approx(transferring)
    )
    assert mod.outcome == "delivered"
    assert mod.raised < transferred
    assert jt.time == pytest.approx(transferred)
    assert mod.time == pytest.approx(transferring + 0.5)
    assert jt.time < mod.time
    order = [c.method for c in after]
    assert order.index("job_transferred") < len(order) - 1
    assert order[-1] == "job_modification"


def test_c8_when_slots_are_busy_job_error_goes_before_an_earlier_modification() -> None:
    """C8: with all four slots busy, a job_error that became ready after a modification is
    still served before it when a slot frees."""
    sim = bl.Simulation(seed=0, modification_delay=0.0, callback_timeout=None)
    order: list[tuple[float, str, str]] = []

    class Slow(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> Generator[Any, Any, Any]:
            yield job.sim.env.timeout(5.0)

        def job_error(self, job: bl.Job, error: bl.JobError) -> None:
            order.append((job.sim.now, "job_error", job.name))

        def job_modification(self, job: bl.Job) -> None:
            order.append((job.sim.now, "job_modification", job.name))

    blockers = [make_job(sim, size=SIZE, retry=RETRY, notifier=Slow()) for _ in range(4)]
    changed = make_job(sim, size=SIZE, retry=RETRY, flags=F.JOB_MODIFICATION, notifier=Slow())
    failing = make_job(sim, size=SIZE, retry=RETRY, notifier=Slow())
    sim.network.fail(failing.files[0].remote_name, 404)
    sim.run(until=1.0)
    for job in blockers:
        job.resume()
    sim.run(until=2.0)  # four job_transferred calls now hold every slot for 5 s
    changed.priority = bl.JobPriority.HIGH  # a modification, ready at once
    sim.call_at(2.5, failing.resume)  # ERROR, so a job_error, at 2.55
    sim.run()
    assert time_of(failing, S.ERROR) == pytest.approx(2.55)
    waiting = [o for o in order if o[0] > 2.0]
    assert [o[1:] for o in waiting] == [
        ("job_error", failing.name),
        ("job_modification", changed.name),
    ]
    first_free = min(time_of(job, S.TRANSFERRED) for job in blockers) + 5.0
    assert [o[0] for o in waiting] == pytest.approx([first_free, first_free])
    (mod,) = [e for e in sim.log.entries(changed, method="job_modification") if e.raised == 2.0]
    (err,) = sim.log.entries(failing, method="job_error")
    assert mod.raised < err.raised
    assert (mod.outcome, err.outcome) == ("delivered", "delivered")


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


def test_c9_callback_timeout_abandons_a_callback_that_never_returns() -> None:
    """C9: a generator callback still running after callback_timeout is failed and abandoned."""
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
    """C9: callbacks given up on by callback_timeout no longer count against the four."""
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


# -- regressions from review ------------------------------------------------------------------


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


def test_c4_a_queued_notification_pays_the_dispatch_delay_from_when_it_was_raised() -> None:
    """C4, C8: waiting behind a file notification does not add a second dispatch delay."""
    sim = bl.Simulation(seed=0, dispatch_delay=1.0)
    recorder = bl.RecordingNotifier()
    job = make_job(
        sim, size=SIZE, retry=RETRY, flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED, notifier=recorder
    )
    job.resume()
    sim.run()
    done = time_of(job, S.TRANSFERRED)
    times = [(c.method, c.time) for c in recorder.calls]
    assert times == [
        ("file_transferred", pytest.approx(done + 1.0)),
        ("job_transferred", pytest.approx(done + 1.0)),
    ]
