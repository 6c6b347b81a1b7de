"""A BITS service restart (P2) and a reboot (P3): what stops, what is lost, what survives, and
what happens when the service returns."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from support import log_rows, make_job, steps

import bitslab as bl
from bitslab.model.events import ServiceStarted, ServiceStopped

PROGRAM = "C:\\Tools\\notify.exe"
S = bl.JobState


class Slow(bl.Notifier):
    """A notifier whose job_transferred takes 10 simulated seconds (C9)."""

    def job_transferred(self, job: bl.Job) -> Generator[Any, Any, None]:
        yield job.sim.env.timeout(10.0)


def test_p2_a_transferring_job_goes_to_queued_and_goes_on_after_with_its_bytes_kept(
    sim: bl.Simulation,
) -> None:
    job = make_job(sim, size=4_000_000, resume_at=0.0)
    sim.restart_service(start=2.0, duration=5.0)
    sim.run(until=2.0)
    before = job.progress.bytes_transferred
    sim.run(until=6.0)
    assert job.state is S.QUEUED
    assert not sim.service.up
    assert job.progress.bytes_transferred == before > 0  # nothing transfers while down
    sim.run()
    assert job.state is S.TRANSFERRED
    assert [(t, new, rule) for t, _, new, rule in steps(job)][-4:] == [
        (2.0, S.QUEUED, "P2"),
        (7.0, S.CONNECTING, "L3"),
        (7.05, S.TRANSFERRING, "L3"),
        (pytest.approx(9.1), S.TRANSFERRED, "L3"),
    ]
    # The bytes kept: 4 MB at 1 MB/s took 4 s of transfer in all, split by the down time.
    assert job.history[-1].time == pytest.approx(0.05 + 4.0 + 5.0 + 0.05)


def test_p2_a_connecting_job_goes_to_queued_too(sim: bl.Simulation) -> None:
    job = make_job(sim, resume_at=0.0)
    sim.restart_service(start=0.01, duration=1.0)
    sim.run(until=0.5)
    assert [(new, rule) for _, _, new, rule in steps(job)][-2:] == [
        (S.CONNECTING, "L3"),
        (S.QUEUED, "P2"),
    ]


def test_p2_nothing_starts_while_the_service_is_down_and_the_api_answers(
    sim: bl.Simulation,
) -> None:
    sim.restart_service(start=0.0, duration=10.0)
    sim.run(until=1.0)
    job = make_job(sim)  # the API answers as usual (P2, model choice)
    job.set_notify_flags(0x1B)
    job.resume()
    sim.run(until=9.0)
    assert job.state is S.QUEUED
    sim.run()
    assert [(t, new) for t, _, new, _ in steps(job)][-3:] == [
        (10.0, S.CONNECTING),
        (10.05, S.TRANSFERRING),
        (pytest.approx(11.05), S.TRANSFERRED),
    ]


def test_p2_the_service_says_when_it_is_up_and_publishes_each_stop_and_return(
    sim: bl.Simulation,
) -> None:
    heard: list[tuple[float, object]] = []
    sim.events.subscribe(ServiceStopped, lambda event: heard.append((sim.now, event)))
    sim.events.subscribe(ServiceStarted, lambda event: heard.append((sim.now, event)))
    sim.restart_service(1.0, 2.0)
    sim.reboot(5.0, 1.0)
    assert sim.service.up
    sim.run(until=2.0)
    assert not sim.service.up
    sim.run(until=10.0)
    assert sim.service.up
    assert heard == [
        (1.0, ServiceStopped(reboot=False)),
        (3.0, ServiceStarted(reboot=False)),
        (5.0, ServiceStopped(reboot=True)),
        (6.0, ServiceStarted(reboot=True)),
    ]
    assert [(p.start, p.end, p.reboot) for p in sim.service.periods] == [
        (1.0, 3.0, False),
        (5.0, 6.0, True),
    ]


def test_p2_every_interface_is_lost_at_the_stop_without_a_modification(
    sim: bl.Simulation,
) -> None:
    app = sim.add_app("downloader")
    notifier = bl.RecordingNotifier(app)
    job = make_job(sim, flags=0x1B, notifier=notifier, size=4_000_000, resume_at=0.0)
    sim.restart_service(2.0, 5.0)
    sim.run(until=2.0)
    modifications = len(sim.log.entries(job, method="job_modification"))
    sim.run(until=3.0)
    assert job.get_notify_interface() is None
    assert app.running  # applications keep running (P2)
    assert notifier.alive
    # The one modification since is the state change to QUEUED (P2), not the lost interface.
    reasons = [e.reason for e in sim.log.entries(job, method="job_modification")][modifications:]
    assert all("TRANSFERRING -> QUEUED" in r or "bytes" in r for r in reasons), reasons


def test_p2_registering_again_after_the_return_works(sim: bl.Simulation) -> None:
    app = sim.add_app("downloader")
    job = make_job(sim, flags=0x1B, notifier=bl.RecordingNotifier(app), size=4_000_000)
    job.resume()
    sim.restart_service(2.0, 5.0)
    again = bl.RecordingNotifier(app)
    sim.call_at(8.0, job.set_notify_interface, again)
    sim.run()
    assert job.get_notify_interface() is again
    assert [call.method for call in again.calls][-2:] == ["file_transferred", "job_transferred"]
    [entry] = sim.log.entries(job, method="job_transferred")
    assert (entry.outcome, entry.target) == (
        "delivered",
        "RecordingNotifier of app 'downloader' run 1",
    )


def test_p2_a_notification_raised_while_down_is_attempted_when_it_returns(
    sim: bl.Simulation,
) -> None:
    job = make_job(sim, flags=bl.NotifyFlags.JOB_MODIFICATION)
    sim.restart_service(1.0, 4.0)
    sim.run(until=2.0)
    recorder = bl.RecordingNotifier()
    job.set_notify_interface(recorder)  # set while down: kept (the API answers)
    job.priority = bl.JobPriority.HIGH  # raises a modification (C3)
    sim.run(until=4.9)
    assert recorder.calls == []
    [pending] = sim.log.pending(job)
    assert pending.status == "service_down"
    sim.run()
    entry = sim.log.entries(job, method="job_modification")[-1]  # #1: file added, at 0.1 s
    assert (entry.time, entry.outcome) == (5.0, "delivered")
    assert "for the BITS service to return (P2)" in entry.trigger
    assert [call.time for call in recorder.calls] == [5.0]


def test_p2_i5_a_replay_raised_while_down_waits_for_the_return_and_explain_says_so(
    sim: bl.Simulation,
) -> None:
    job = make_job(sim, resume_at=0.0)  # TRANSFERRED at 1.05 s, with no interface
    sim.restart_service(2.0, 8.0)
    sim.run(until=3.0)
    recorder = bl.RecordingNotifier()
    job.set_notify_interface(recorder)  # I5: job_transferred is raised again, and waits
    sim.run(until=9.0)
    assert "still pending: waiting for the BITS service to return (P2)" in sim.log.explain(job)
    sim.run()
    assert [(call.time, call.method) for call in recorder.calls] == [(10.0, "job_transferred")]


def test_p2_a_callback_in_flight_is_abandoned_as_failed_and_retried(sim: bl.Simulation) -> None:
    job = make_job(sim, notifier=Slow(), retry=30.0, resume_at=0.0)  # TRANSFERRED at 1.05 s
    sim.restart_service(5.0, 5.0)
    sim.run(until=20.0)
    [abandoned] = sim.log.entries(job, method="job_transferred")
    assert (abandoned.time, abandoned.outcome, abandoned.rule, abandoned.final) == (
        pytest.approx(1.05),
        "failed",
        "P2",
        False,
    )
    assert "the BITS service stopped during the call" in abandoned.detail
    assert abandoned.detail.endswith("retry in 30 s")
    # C5: a new interface retries it at once, and it is delivered.
    recorder = bl.RecordingNotifier()
    job.set_notify_interface(recorder)
    sim.run()
    assert [call.method for call in recorder.calls] == ["job_transferred"]
    last = sim.log.entries(job, method="job_transferred")[-1]
    assert (last.time, last.outcome, last.final) == (20.0, "delivered", True)
    # The abandoned call's own end (at 11.05 s) changed nothing: one final entry.
    assert len(sim.log.entries(job, method="job_transferred", final=True)) == 1


def test_p2_an_abandoned_call_without_a_new_interface_ends_with_no_interface_at_its_retry(
    sim: bl.Simulation,
) -> None:
    job = make_job(sim, notifier=Slow(), retry=5.0, resume_at=0.0)
    sim.restart_service(5.0, 20.0)
    sim.run(until=60.0)
    entries = sim.log.entries(job, method="job_transferred")
    assert [(e.time, e.outcome, e.rule) for e in entries] == [
        (pytest.approx(1.05), "failed", "P2"),
        (25.0, "no_interface", "I8"),  # the retry fell due at 10 s, while down
    ]
    assert entries[1].trigger == (
        "the retry delay passed (C5); waited 15.00 s for the BITS service to return (P2)"
    )


def test_p2_a_retry_timer_falling_due_while_down_takes_effect_when_it_returns(
    sim: bl.Simulation,
) -> None:
    job = make_job(sim, retry=5.0)
    sim.network.fail(job.files[0].remote_name, 503, duration=3.0)
    job.resume()
    sim.restart_service(2.0, 18.0)
    sim.run()
    assert [(t, new, rule) for t, _, new, rule in steps(job)][2:6] == [
        (0.0, S.CONNECTING, "L3"),
        (0.05, S.TRANSIENT_ERROR, "L5"),
        (20.0, S.QUEUED, "L5"),  # due at 5.05 s, while the service was down
        (20.0, S.CONNECTING, "L3"),
    ]
    assert job.state is S.TRANSFERRED


def test_p2_a_no_progress_timeout_passing_while_down_takes_effect_when_it_returns(
    sim: bl.Simulation,
) -> None:
    job = make_job(sim, retry=60.0)
    job.no_progress_timeout = 100.0
    sim.network.fail(job.files[0].remote_name, 503)
    job.resume()
    sim.restart_service(50.0, 100.0)
    sim.run()
    assert [(t, new, rule) for t, _, new, rule in steps(job)][-1] == (150.0, S.ERROR, "L6")


def test_p2_flags_command_line_and_properties_survive_a_restart(sim: bl.Simulation) -> None:
    sim.register_program(PROGRAM, lambda job, parameters: 0)
    job = make_job(sim, flags=0x1B, notifier=bl.RecordingNotifier(), size=4_000_000)
    job.set_notify_cmdline(PROGRAM, f"{PROGRAM} /done")
    job.set_property(bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, 2_000)
    job.minimum_retry_delay = 42.0
    job.priority = bl.JobPriority.HIGH
    job.resume()
    sim.restart_service(1.0, 2.0)
    sim.run(until=5.0)
    assert job.get_notify_flags() == 0x1B
    assert job.get_notify_cmdline() == (PROGRAM, f"{PROGRAM} /done")
    assert job.get_property(bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS) == 2_000
    assert (job.minimum_retry_delay, job.priority) == (42.0, bl.JobPriority.HIGH)
    assert [f.remote_name for f in job.files] == ["https://example.test/job0/f0.bin"]
    assert job.get_notify_interface() is None


def test_p2_the_command_line_runs_for_job_transferred_after_a_restart(sim: bl.Simulation) -> None:
    ran: list[float] = []
    sim.register_program(PROGRAM, lambda job, parameters: ran.append(sim.now) or 0)
    recorder = bl.RecordingNotifier()
    job = make_job(sim, notifier=recorder, size=4_000_000, resume_at=0.0)
    job.set_notify_cmdline(PROGRAM, "")
    sim.restart_service(1.0, 2.0)
    sim.run()
    [entry] = sim.log.entries(job, method="job_transferred")
    assert (entry.outcome, entry.rule) == ("cmdline", "K3")
    assert entry.detail.startswith("no interface is registered")
    assert recorder.calls == []
    assert ran == [pytest.approx(6.1)]


def test_p2_explain_and_the_history_name_the_rule(sim: bl.Simulation) -> None:
    job = make_job(sim, notifier=Slow(), retry=30.0, resume_at=0.0)
    sim.restart_service(5.0, 5.0)
    sim.run()
    text = sim.log.explain(job)
    assert "failed [P2: The BITS service restarts], calling Slow" in text
    assert "the BITS service stopped during the call" in text
    assert bl.rules["P2"].model_choice
    assert not bl.rules["P3"].model_choice


def test_p2_run_until_quiet_waits_for_the_return_with_work_waiting(sim: bl.Simulation) -> None:
    """Jobs queued behind a down service, and a notification waiting for it, are not quiet."""
    sim.register_program(PROGRAM, lambda job, parameters: 0)
    job = make_job(sim, size=1_000_000, resume_at=0.0)
    job.set_notify_cmdline(PROGRAM, "")
    sim.restart_service(0.5, 100.0)
    sim.run()
    assert sim.quiet
    assert job.state is S.TRANSFERRED
    assert sim.now == pytest.approx(100.5 + 0.05 + 0.55)  # 450,000 bytes came before 0.5 s
    [entry] = sim.log.entries(job, method="job_transferred")
    assert entry.outcome == "cmdline"


def test_p2_run_until_quiet_waits_for_a_notification_held_by_the_down_service() -> None:
    sim = bl.Simulation(seed=0, dispatch_delay=1.0)
    sim.register_program(PROGRAM, lambda job, parameters: 0)
    job = make_job(sim, size=1_000, resume_at=0.0)  # TRANSFERRED at 0.051 s
    job.set_notify_cmdline(PROGRAM, "")
    sim.restart_service(0.5, 50.0)
    sim.run()
    [entry] = sim.log.entries(job, method="job_transferred")
    assert (entry.time, entry.outcome) == (50.5, "cmdline")
    assert sim.now == 50.5


def test_p2_a_restart_while_nothing_runs_changes_nothing_else() -> None:
    logs = []
    for restart in (False, True):
        sim = bl.Simulation(seed=0)
        job = make_job(sim, flags=0x1B, notifier=bl.RecordingNotifier(), resume_at=0.0)
        if restart:
            sim.restart_service(100.0, 10.0)
        sim.run()
        sim.run(until=200.0)
        logs.append((log_rows(sim), list(job.history), sim.now))
        assert job.get_notify_interface() is (None if restart else job.get_notify_interface())
    assert logs[0] == logs[1]


def test_p2_overlapping_restarts_are_one_down_time(sim: bl.Simulation) -> None:
    job = make_job(sim, size=10_000_000, resume_at=0.0)
    sim.restart_service(2.0, 5.0)
    sim.restart_service(4.0, 6.0)  # down from 2 s to 10 s
    sim.restart_service(10.0, 2.0)  # touches the end: still down until 12 s
    sim.run(until=11.9)
    assert not sim.service.up
    sim.run()
    assert [(t, new, rule) for t, _, new, rule in steps(job)][4:6] == [
        (2.0, S.QUEUED, "P2"),
        (12.0, S.CONNECTING, "L3"),
    ]


def test_p2_l4_an_outage_that_ends_while_the_service_is_down_is_heard_when_it_returns(
    sim: bl.Simulation,
) -> None:
    job = make_job(sim, size=10_000_000, resume_at=0.0)
    sim.network.outage(3.0, 5.0)  # 3 s to 8 s
    sim.restart_service(5.0, 7.0)  # 5 s to 12 s
    sim.run()
    assert [(t, new, rule) for t, _, new, rule in steps(job)][4:7] == [
        (3.0, S.TRANSIENT_ERROR, "L4"),
        (12.0, S.QUEUED, "L4"),
        (12.0, S.CONNECTING, "L3"),
    ]


def test_p2_l4_an_outage_that_begins_while_the_service_is_down_is_heard_when_it_returns(
    sim: bl.Simulation,
) -> None:
    job = make_job(sim, size=10_000_000, resume_at=0.0)
    sim.restart_service(2.0, 8.0)  # 2 s to 10 s
    sim.network.outage(5.0, 10.0)  # 5 s to 15 s
    sim.run()
    assert [(t, new, rule) for t, _, new, rule in steps(job)][4:8] == [
        (2.0, S.QUEUED, "P2"),
        (10.0, S.TRANSIENT_ERROR, "L4"),
        (15.0, S.QUEUED, "L4"),
        (15.0, S.CONNECTING, "L3"),
    ]


def test_p2_a_job_suspended_while_down_stays_suspended(sim: bl.Simulation) -> None:
    job = make_job(sim, size=4_000_000, resume_at=0.0)
    sim.restart_service(1.0, 5.0)
    sim.call_at(2.0, job.suspend)
    sim.run(until=20.0)
    assert job.state is S.SUSPENDED
    assert job.progress.bytes_transferred == pytest.approx(950_000, abs=1)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda sim: sim.restart_service("1", 2.0), TypeError, ["start", "str '1'", "P2"]),
        (lambda sim: sim.restart_service(1.0, None), TypeError, ["duration", "None", "P2"]),
        (lambda sim: sim.restart_service(1.0, 0), ValueError, ["duration", "greater than 0"]),
        (lambda sim: sim.reboot(1.0, -1.0), ValueError, ["duration", "-1.0", "P3"]),
        (lambda sim: sim.reboot(float("nan"), 1.0), ValueError, ["start", "nan", "P3"]),
        (lambda sim: sim.reboot(4.0, 1.0), ValueError, ["start=4.0", "current time 5", "P3"]),
        (lambda sim: sim.restart_service(1e20, 1.0), ValueError, ["duration=1.0", "vanishes"]),
    ],
)
def test_p2_p3_bad_arguments_are_refused_naming_them_and_change_nothing(
    call: Any, error: type[Exception], words: list[str]
) -> None:
    sim = bl.Simulation(seed=0)
    sim.run(until=5.0)
    with pytest.raises(error) as caught:
        call(sim)
    for word in words:
        assert word in str(caught.value)
    assert sim.service.periods == []
    assert len(sim.agenda) == 0


# -- reboots (P3) ---------------------------------------------------------------------------


def test_p3_a_reboot_crashes_every_running_app_and_its_notifiers_die(sim: bl.Simulation) -> None:
    first, second = sim.add_app("downloader"), sim.add_app("updater")
    second.crash()
    notifier = bl.RecordingNotifier(first)
    sim.reboot(10.0, 20.0)
    sim.run(until=11.0)
    assert [(r.number, r.how, r.end) for r in first.runs] == [(1, "crash", 10.0)]
    assert [(r.number, r.how) for r in second.runs] == [(1, "crash")]  # already down
    assert not notifier.alive
    sim.run(until=40.0)
    assert not first.running  # the reboot's end starts nothing
    first.start()
    assert not notifier.alive  # I4: the old object stays dead
    assert first.run == 2


def test_p3_starting_an_app_while_the_machine_is_down_is_refused_naming_the_reboot(
    sim: bl.Simulation,
) -> None:
    app = sim.add_app("downloader")
    started: list[int] = []
    app.on_start(lambda app: started.append(app.run))
    sim.reboot(10.0, 20.0)
    sim.reboot(25.0, 10.0)  # overlapping: the machine is back at 35 s
    sim.run(until=12.0)
    with pytest.raises(ValueError, match=r"reboot from 10 s until 35 s \(P3\)") as caught:
        app.start()
    assert "downloader" in str(caught.value)
    with pytest.raises(ValueError, match="add_app\\('late'\\): the machine is down"):
        sim.add_app("late")
    assert [r.how for r in app.runs] == ["crash"]
    assert started == []
    assert [a.name for a in sim.apps] == ["downloader"]
    sim.run(until=35.0)
    app.start()
    assert started == [2]


def test_p3_a_reboot_loses_interfaces_and_calls_into_old_notifiers_fail(
    sim: bl.Simulation,
) -> None:
    app = sim.add_app("downloader")
    old = bl.RecordingNotifier(app)
    job = make_job(sim, flags=0x1B, notifier=old, size=4_000_000, resume_at=0.0)
    sim.reboot(1.0, 4.0)
    sim.call_at(6.0, app.start)
    sim.call_at(6.5, job.set_notify_interface, old)  # a stale pointer from before: dead (I4)
    sim.run(until=60.0)
    assert [call for call in old.calls if call.time >= 1.0] == []
    entries = sim.log.entries(job, method="file_transferred")
    assert [(e.outcome, e.rule) for e in entries][:1] == [("app_down", "I4")]


def test_p3_a_reboot_that_begins_while_the_service_is_down_still_crashes_the_apps(
    sim: bl.Simulation,
) -> None:
    app = sim.add_app("downloader")
    sim.restart_service(1.0, 10.0)
    sim.reboot(5.0, 2.0)
    sim.run(until=8.0)
    assert [(r.how, r.end) for r in app.runs] == [("crash", 5.0)]
    assert not sim.service.up  # the restart still holds it down until 11 s
    app.start()  # the machine is back at 7 s
    sim.run(until=12.0)
    assert sim.service.up


def test_p2_p3_the_command_lines_world_lists_the_down_periods(sim: bl.Simulation) -> None:
    from bitslab.views.cli_text import describe_world

    sim.restart_service(1.0, 4.0)
    sim.reboot(10.0, 50.0)
    assert describe_world(sim).splitlines()[-2:] == [
        "  BITS service restart 1-5 s",
        "  reboot 10-60 s",
    ]


def test_p2_the_history_on_the_command_line_names_the_restart(sim: bl.Simulation) -> None:
    from bitslab.views.cli_text import format_history

    make_job(sim, size=4_000_000, resume_at=0.0)
    sim.restart_service(1.0, 2.0)
    sim.run()
    assert "QUEUED           P2 The BITS service restarts" in format_history(sim.jobs[0])
