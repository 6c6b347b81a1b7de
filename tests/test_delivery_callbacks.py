"""Notification delivery: what raises each callback (C1-C3) and file_transferred in
file order (C4).

What these tests share (how the expected values are worked out, what is observed) is
said once in ``delivery_support.py``.
"""

from __future__ import annotations

import itertools

import pytest
from delivery_support import ALL, EVERY, RETRY, SIZE, F, S, Scripted, calls_of, time_of
from support import (
    make_job,
)

import bitslab as bl


def raised_at(sim: bl.Simulation, job: bl.Job, method: str = "job_modification") -> list[float]:
    """The raise time of each distinct notification of ``method`` in the log, sorted."""
    first: dict[int, float] = {}
    for entry in sim.log.entries(job, method=method):
        first.setdefault(entry.id, entry.raised)
    return sorted(first.values())


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
    done = [f.transferred for f in job.files]
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
