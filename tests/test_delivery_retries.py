"""Notification delivery: success, failure and retries (C5, C6), the minimum notification
interval (C7) and modifications at lower priority (C8).

What these tests share (how the expected values are worked out, what is observed) is
said once in ``delivery_support.py``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from delivery_support import RETRY, SIZE, F, S, Scripted, check_log_invariants, finals, time_of
from support import busy_slots, make_job

import bitslab as bl

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
    """C5: None, True and success HRESULTs (0..0x7FFFFFFF) are delivered, no retry (by
    default: s_ok_only=False, a model choice)."""
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


@pytest.mark.parametrize("result", [bl.S_FALSE, 2, 0x7FFFFFFF])
def test_c5_model_choice_s_false_counts_as_success_by_default_and_the_log_says_why(
    result: int, sim: bl.Simulation
) -> None:
    """C5 (model choice): a success HRESULT other than S_OK is delivered by default; the
    FileTransferred page retries only a failure ("otherwise, if negative, BITS continues to
    call this method until S_OK is returned"). The detail names the code and the option."""
    notifier = Scripted(job_transferred=[result], file_transferred=[result])
    job = make_job(
        sim, size=SIZE, retry=RETRY, flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED, notifier=notifier
    )
    job.resume()
    sim.run(until=30.0)
    assert [m for _, m, _ in notifier.calls] == ["file_transferred", "job_transferred"]
    entries = finals(sim, job)
    assert [(e.method, e.outcome, e.rule) for e in entries if e.method != "job_modification"] == [
        ("file_transferred", "delivered", None),
        ("job_transferred", "delivered", None),
    ]
    name = bl.hresult_name(result)
    for entry in sim.log.entries(job, method="job_transferred"):
        assert entry.detail == f"returned HRESULT {name}: success, as s_ok_only is False (C5)"


@pytest.mark.parametrize("method", ["job_transferred", "file_transferred"])
def test_c5_s_ok_only_makes_s_false_a_failed_call_that_is_retried(method: str) -> None:
    """C5: with ``s_ok_only=True``, S_FALSE fails the call and BITS calls again after the
    retry delay, as the JobTransferred page says: "This method should return S_OK;
    otherwise, BITS continues to call this method until S_OK is returned"."""
    sim = bl.Simulation(seed=0, s_ok_only=True)
    notifier = Scripted(**{method: [bl.S_FALSE, 1, bl.S_OK]})
    job = make_job(
        sim, size=SIZE, retry=7.0, flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED, notifier=notifier
    )
    job.resume()
    sim.run(until=30.0)
    entries = sim.log.entries(job, method=method)
    assert [(e.outcome, e.rule, e.final) for e in entries] == [
        ("failed", "C5", False),
        ("failed", "C5", False),
        ("delivered", None, True),
    ]
    assert entries[0].detail == (
        "returned HRESULT S_FALSE, not S_OK: failure, as s_ok_only is True (C5); retry in 7 s"
    )
    assert entries[1].time == pytest.approx(entries[0].time + 7.0)
    assert entries[2].time == pytest.approx(entries[1].time + 7.0)


@pytest.mark.parametrize("result", [None, True, bl.S_OK])
def test_c5_s_ok_only_still_delivers_none_true_and_s_ok(result: Any) -> None:
    """C5: under ``s_ok_only=True`` None, True and S_OK still succeed at once
    (JobTransferred: "This method should return S_OK")."""
    sim = bl.Simulation(seed=0, s_ok_only=True)
    notifier = Scripted(job_transferred=[result])
    job = make_job(sim, size=SIZE, retry=RETRY, notifier=notifier)
    job.resume()
    sim.run(until=30.0)
    (entry,) = sim.log.entries(job, method="job_transferred")
    assert (entry.outcome, entry.rule, entry.final, entry.detail) == ("delivered", None, True, "")


def test_c5_s_ok_only_s_false_from_a_job_modification_is_lost_c6() -> None:
    """C5, C6: under ``s_ok_only=True`` S_FALSE fails a job_modification ("This method
    should return S_OK", says the JobModification page), and a failed one is not retried
    ("Your implementation may not receive all modification events")."""
    sim = bl.Simulation(seed=0, s_ok_only=True, modification_delay=0.0)
    notifier = Scripted(job_modification=[bl.S_FALSE])
    job = make_job(sim, size=SIZE, flags=F.JOB_MODIFICATION, notifier=notifier)
    job.resume()
    sim.run()
    # C7: the modifications raised while the first waited for its dispatch are folded into it
    first = next(e for e in sim.log.entries(job, method="job_modification") if e.attempt)
    assert (first.outcome, first.rule, first.final) == ("failed", "C6", True)
    assert "s_ok_only is True" in first.detail


def test_c5_s_ok_only_s_false_runs_the_command_line_k3() -> None:
    """C5, K3: a job_transferred that returns S_FALSE under ``s_ok_only=True`` has failed,
    so the job's command line runs instead (JobTransferred: "if this method fails and you
    called the IBackgroundCopyJob2::SetNotifyCmdLine method, the command line is executed
    and this method is not called again")."""
    sim = bl.Simulation(seed=0, s_ok_only=True)
    runs: list[float] = []
    sim.register_program("C:\\notify.exe", lambda job, parameters: runs.append(job.sim.now) or 0)
    notifier = Scripted(job_transferred=[bl.S_FALSE])
    job = make_job(sim, size=SIZE, retry=RETRY, notifier=notifier)
    job.set_notify_cmdline("C:\\notify.exe", "C:\\notify.exe done")
    job.resume()
    sim.run(until=30.0)
    (entry,) = sim.log.entries(job, method="job_transferred")
    assert (entry.outcome, entry.rule, entry.final) == ("cmdline", "K3", True)
    assert "S_FALSE" in entry.detail
    assert len(runs) == 1
    assert len(notifier.calls) == 1


@pytest.mark.parametrize("value", ["yes", 1, 0, None, 1.0])
def test_c5_s_ok_only_must_be_a_bool_and_the_error_names_it(value: object) -> None:
    """C5: ``s_ok_only`` is True or False; anything else is a TypeError naming it and the
    rule (the JobTransferred page: "This method should return S_OK")."""
    with pytest.raises(TypeError, match=r"^s_ok_only must be True or False \(C5"):
        bl.Simulation(s_ok_only=value)  # type: ignore[arg-type]


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


def watched_job(sim: bl.Simulation, changes: tuple[float, ...]) -> tuple[bl.Job, Any]:
    """A job without files, with a recording notifier, whose property changes at
    ``changes`` raise one modification each (C3)."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, files=0, flags=F.JOB_MODIFICATION, notifier=rec)
    for n, t in enumerate(changes):
        sim.call_at(t, setattr, job, "minimum_retry_delay", 10.0 + n)
    return job, rec


def test_c7_c9_modifications_raised_while_one_waits_for_a_slot_fold_into_it() -> None:
    """C7, C9: with the four slots busy until 3.1 s, modifications raised at 0.5 s, 1.0 s
    and 1.5 s do not pile up and go out together when a slot frees: the first, released by
    the limiter and waiting for a slot, absorbs the others (coalesced, "folded into #N"),
    and one job_modification call is made at 3.1 s."""
    sim = bl.Simulation(seed=0)
    busy_slots(sim)
    job, rec = watched_job(sim, (0.5, 1.0, 1.5))
    sim.run()
    assert [(c.method, c.time) for c in rec.calls] == [("job_modification", pytest.approx(3.1))]
    first, *later = sorted(sim.log.entries(job, method="job_modification"), key=lambda e: e.raised)
    assert (first.raised, first.time, first.outcome, first.final) == (
        pytest.approx(0.5),
        pytest.approx(3.1),
        "delivered",
        True,
    )
    assert first.trigger == "waited 2.50 s for a free slot (C9)"
    assert [(e.raised, e.outcome, e.rule, e.detail, e.final, e.attempt) for e in later] == [
        (pytest.approx(t), "coalesced", "C7", f"folded into #{first.id}", True, 0)
        for t in (1.0, 1.5)
    ]
    check_log_invariants(sim)


def test_c7_the_interval_runs_from_the_release_so_a_late_call_may_be_followed_soon() -> None:
    """C7 (model choice): the interval runs from when the limiter released the one that
    waited for a slot (0.5 s), not from its call (3.1 s): one raised at 3.2 s is released at
    once, and its call follows the late one by 0.2 s, its C8 delay and no more."""
    sim = bl.Simulation(seed=0)
    busy_slots(sim)
    job, rec = watched_job(sim, (0.5, 3.2))
    sim.run()
    assert [c.time for c in rec.calls] == pytest.approx([3.1, 3.3])
    assert [e.outcome for e in sim.log.entries(job, method="job_modification")] == [
        "delivered",
        "delivered",
    ]


def test_c7_p2_a_modification_raised_while_the_one_released_waits_for_the_service_folds() -> None:
    """C7, P2: a modification released while the BITS service is down waits for its return;
    one raised meanwhile is folded into it."""
    sim = bl.Simulation(seed=0)
    sim.restart_service(1.0, 2.0)
    job, _ = watched_job(sim, (1.5, 2.5))
    sim.run()
    waited, folded = sorted(sim.log.entries(job, method="job_modification"), key=lambda e: e.raised)
    assert (waited.raised, waited.time) == (pytest.approx(1.5), pytest.approx(3.0))
    assert folded.raised == pytest.approx(2.5)
    assert "waited 1.40 s for the BITS service to return (P2)" in waited.trigger
    assert (folded.outcome, folded.rule, folded.detail) == (
        "coalesced",
        "C7",
        f"folded into #{waited.id}",
    )
    check_log_invariants(sim)


# -- C8: modifications are dispatched at lower priority ---------------------------------------


def test_c8_job_transferred_overtakes_an_earlier_modification() -> None:
    """C8: a modification raised before job_transferred arrives after it (C7: the job's
    entering TRANSFERRING is folded into the one raised at resume(), still in its delay)."""
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
    mods = [e for e in sim.log.entries(job, method="job_modification") if e.raised >= 5.0]
    mod = next(e for e in mods if e.outcome == "delivered")
    folded = next(e for e in mods if e.raised == pytest.approx(transferring))
    assert (folded.outcome, folded.rule, folded.detail) == (
        "coalesced",
        "C7",
        f"folded into #{mod.id}",
    )
    assert mod.raised < transferring < transferred
    assert jt.time == pytest.approx(transferred)
    assert mod.time == pytest.approx(mod.raised + 0.5)
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
