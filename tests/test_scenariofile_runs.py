"""Scenario files (bitslab.scenarios.file): timed calls, app restarts and clean exits,
seeds and until.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``scenariofile_support.py``.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd
import pytest
from scenariofile_support import APP, EXAMPLES, REBOOT, RESTART, SERVER_ERROR, scenario
from support import log_rows

import bitslab as bl
from bitslab.scenarios.file import Action, ScenarioFile

FLAGS_3 = '["JOB_TRANSFERRED", "JOB_ERROR", "FILE_TRANSFERRED"]'


# -- timed calls ------------------------------------------------------------------------------


def test_l11_complete_at_on_an_upload_job_before_it_transferred_is_kept_as_invalid_state() -> None:
    """L11: complete() on an upload job that is not TRANSFERRED fails with BG_E_INVALID_STATE;
    the file's timed call keeps the failure as its result and the run goes on to the end."""
    sim, actions = ScenarioFile.parse(
        scenario('type = "upload"\ncomplete_at = 0.5', size="10_000_000")
    ).simulate()
    assert actions == [
        Action(0.0, "job 'nightly' resume()", "ok"),
        Action(0.5, "job 'nightly' complete()", "BG_E_INVALID_STATE"),
    ]
    assert sim.jobs[0].state is bl.JobState.TRANSFERRED
    assert sim.quiet


def test_l10_l12_timed_calls_after_cancel_at_are_kept_as_invalid_state() -> None:
    """L10, L12: after cancel_at, complete_at and suspend_at fail (BG_E_INVALID_STATE)."""
    text = scenario("cancel_at = 0.5\ncomplete_at = 1.0\nsuspend_at = 2.0", size="10_000_000")
    sim, actions = ScenarioFile.parse(text).simulate()
    assert [(a.time, a.what, a.result) for a in actions] == [
        (0.0, "job 'nightly' resume()", "ok"),
        (0.5, "job 'nightly' cancel()", "ok"),
        (1.0, "job 'nightly' complete()", "BG_E_INVALID_STATE"),
        (2.0, "job 'nightly' suspend()", "BG_E_INVALID_STATE"),
    ]
    assert sim.jobs[0].state is bl.JobState.CANCELLED
    assert sim.now == 2.0
    assert sim.quiet


def test_l17_set_remote_name_moves_a_file_to_another_server_from_the_next_connection() -> None:
    """L17: a file's timed set_remote_name, then resume_at: the job that failed on a 404 gets
    the file from the new server (IBackgroundCopyFile2::SetRemoteName: the change takes effect
    when the job is resumed), restarting it there since the size differs."""
    text = scenario(
        "resume_at = [0, 3]",
        file='set_remote_name = [{ at = 2, url = "https://backup.test/a.cab", size = 2_000 }]',
        size="1_000_000",
        after=SERVER_ERROR.format(404, 0.5, 100),
    )
    sim, actions = ScenarioFile.parse(text).simulate()
    assert actions == [
        Action(0.0, "job 'nightly' resume()", "ok"),
        Action(2.0, "file 'a.cab' set_remote_name('https://backup.test/a.cab')", "ok"),
        Action(3.0, "job 'nightly' resume()", "ok"),
    ]
    job = sim.jobs[0]
    assert [(c.time, c.new.name) for c in job.history][-5:] == [
        (0.5, "ERROR"),
        (3.0, "QUEUED"),
        (3.0, "CONNECTING"),
        (3.05, "TRANSFERRING"),
        (pytest.approx(3.052), "TRANSFERRED"),  # 2,000 bytes from zero
    ]
    assert (job.files[0].remote_name, job.files[0].size) == ("https://backup.test/a.cab", 2_000)
    assert job.progress == (2_000, 2_000, 1, 1)


def test_l17_set_remote_name_on_a_job_cancelled_by_then_is_kept_as_invalid_state() -> None:
    """L17: on a final job SetRemoteName fails with BG_E_INVALID_STATE; the timed call keeps
    the failure as its result."""
    text = scenario(
        "cancel_at = 1", file='set_remote_name = [{ at = 2, url = "https://backup.test/a.cab" }]'
    )
    _, actions = ScenarioFile.parse(text).simulate()
    assert actions[-1] == Action(
        2.0, "file 'a.cab' set_remote_name('https://backup.test/a.cab')", "BG_E_INVALID_STATE"
    )


def test_l16_simulation_max_files_per_job_is_the_simulations() -> None:
    """L16: [simulation] max_files_per_job sets the MaxFilesPerJob policy of the run."""
    text = scenario(before="[simulation]\nmax_files_per_job = 3")
    assert ScenarioFile.parse(text).simulate().sim.max_files_per_job == 3


def test_l2_resume_at_an_empty_array_never_resumes_the_job() -> None:
    """L2: ``resume_at = []`` leaves the job SUSPENDED."""
    sim, actions = ScenarioFile.parse(scenario("resume_at = []")).simulate()
    assert actions == []
    assert sim.jobs[0].state is bl.JobState.SUSPENDED


# -- applications: restart and clean exit -----------------------------------------------------


def _three_files(app: str, flags: str = FLAGS_3) -> str:
    files = "".join(
        f'[[job.file]]\nurl = "https://mirror.test/{n}"\nname = "{n}"\nsize = 1_000_000\n'
        for n in ("a", "b", "c")
    )
    return (
        f'[[app]]\nname = "app"\n{app}\n'
        f'[[job]]\nname = "nightly"\nflags = {flags}\nnotifier = {{ app = "app" }}\n'
        f"minimum_retry_delay = 10.0\n{files}"
    )


def _file_outcomes(sim: bl.Simulation) -> list[tuple[str, str, str | None]]:
    return [
        (e.file.local_name if e.file else "-", e.outcome, e.target)
        for e in sim.log.entries(sim.jobs[0], final=True)
        if e.method in ("file_transferred", "job_transferred")
    ]


def test_i4_c5_an_app_that_registers_on_start_gets_what_was_pending_while_down() -> None:
    """I4, C5: the app crashes at 1.5 s, files b and c finish while it is down; at 20 s it
    starts with on_start "register": a new notifier, to which the pending notifications go."""
    text = _three_files('crash_at = 1.5\nstart_at = 20.0\non_start = ["register"]')
    sim, actions = ScenarioFile.parse(text).simulate()
    run1 = "RecordingNotifier of app 'app' run 1"
    run2 = "RecordingNotifier of app 'app' run 2"
    assert _file_outcomes(sim) == [
        ("a", "delivered", run1),
        ("b", "delivered", run2),
        ("c", "delivered", run2),
        ("-", "delivered", run2),
    ]
    assert sim.log.pending(sim.jobs[0]) == []
    b_attempts = [e for e in sim.log.entries(sim.jobs[0]) if e.file and e.file.local_name == "b"]
    assert b_attempts[0].outcome == "app_down"
    assert b_attempts[-1].time == 20.0
    assert [a.result for a in actions] == ["ok", "ok", "ok"]


def test_i4_without_register_on_start_the_notifications_stay_pending() -> None:
    """I4: the restarted app does not register again: the dead notifier stays dead, and what
    BITS raised while the app was down is still pending when the run ends."""
    sim = ScenarioFile.parse(_three_files("crash_at = 1.5\nstart_at = 20.0")).simulate().sim
    job = sim.jobs[0]
    assert job.state is bl.JobState.TRANSFERRED
    assert [(p.method, p.file.local_name if p.file else "-") for p in sim.log.pending(job)] == [
        ("file_transferred", "b"),
        ("file_transferred", "c"),
        ("job_transferred", "-"),
    ]
    assert sim.apps[0].running


def test_i7_i8_a_clean_exit_with_unregister_leaves_file_notifications_with_no_interface() -> None:
    """I7, I8: on_exit "unregister" sets the interface to None before the app exits at 1.5 s:
    the later notifications end no_interface, not retried; nothing is pending."""
    text = _three_files('exit_at = 1.5\non_exit = ["unregister"]')
    sim = ScenarioFile.parse(text).simulate().sim
    job = sim.jobs[0]
    assert _file_outcomes(sim) == [
        ("a", "delivered", "RecordingNotifier of app 'app' run 1"),
        ("b", "no_interface", None),
        ("c", "no_interface", None),
        ("-", "no_interface", None),
    ]
    assert {e.rule for e in sim.log.entries(job, outcome="no_interface")} == {"I8"}
    assert sim.log.pending(job) == []
    assert job.get_notify_interface() is None
    assert sim.apps[0].runs[-1].how == "exit"


def test_i8_an_exit_without_unregister_leaves_the_calls_pending_as_after_a_crash() -> None:
    """I8: without "unregister" a clean exit leaves the interface set; calls into the ended run
    fail and stay pending, as after a crash."""
    sim = ScenarioFile.parse(_three_files("exit_at = 1.5")).simulate().sim
    job = sim.jobs[0]
    assert job.get_notify_interface() is not None
    assert [p.method for p in sim.log.pending(job)] == [
        "file_transferred",
        "file_transferred",
        "job_transferred",
    ]
    assert sim.log.entries(job, outcome="app_down")


def test_i4_on_start_poll_completes_a_job_found_transferred() -> None:
    """I4, C11: on_start "poll" completes the TRANSFERRED job; what was pending goes stale."""
    text = _three_files('crash_at = 1.5\nstart_at = 20.0\non_start = ["poll"]')
    sim = ScenarioFile.parse(text).simulate().sim
    job = sim.jobs[0]
    assert job.state is bl.JobState.ACKNOWLEDGED
    assert job.history[-1].time == 20.0
    assert [o for _, o, _ in _file_outcomes(sim)] == ["delivered", "stale", "stale", "stale"]


# -- seeds and until --------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_the_same_seed_gives_the_same_log(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    first = ScenarioFile.parse(text).simulate().sim
    second = ScenarioFile.parse(text).simulate().sim
    pd.testing.assert_frame_equal(first.log.to_dataframe(), second.log.to_dataframe())
    assert log_rows(first) == log_rows(second)


def test_simulation_seed_is_the_simulations_seed_and_names_its_jobs() -> None:
    seeded = ScenarioFile.parse(scenario(before="[simulation]\nseed = 7")).simulate().sim
    again = ScenarioFile.parse(scenario(before="[simulation]\nseed = 7")).simulate().sim
    unseeded = ScenarioFile.parse(scenario()).simulate().sim
    assert (seeded.seed, unseeded.seed) == (7, 0)
    assert seeded.jobs[0].id == again.jobs[0].id != unseeded.jobs[0].id
    frame = seeded.log.to_dataframe()
    pd.testing.assert_frame_equal(frame, again.log.to_dataframe())
    assert set(frame["job_id"]) == {str(seeded.jobs[0].id)}


def test_simulation_until_stops_the_run_then_with_the_job_still_busy() -> None:
    text = scenario(before="[simulation]\nuntil = 2.0", size="10_000_000")
    scenario_file = ScenarioFile.parse(text)
    assert scenario_file.until == 2.0
    sim = scenario_file.simulate().sim
    job = sim.jobs[0]
    assert sim.now == 2.0
    assert job.state is bl.JobState.TRANSFERRING
    assert 0 < job.progress.bytes_transferred < 10_000_000
    assert not sim.quiet
    assert ScenarioFile.parse(scenario()).until is None


# -- callback classes (N1, N2) ------------------------------------------------------------------

CLSID = "{0b2a1f3c-6d5e-4f7a-9b8c-1d2e3f4a5b6c}"


def test_n2_an_app_serving_the_jobs_class_is_started_to_deliver() -> None:
    """N1, N2: ``clsid`` on a job and ``server`` on an app: the app, crashed at 0.5 s, is
    started again by BITS to deliver job_transferred, and its notifier completes the job."""
    app = (
        '[[app]]\nname = "downloader"\ncrash_at = 0.5\n'
        f'server = {{ clsid = "{CLSID}", complete = true }}\n'
    )
    text = scenario(f'clsid = "{CLSID}"', size="1_000_000", before=app)
    sim, _ = ScenarioFile.parse(text).simulate()
    job, (app_,) = sim.jobs[0], sim.apps
    assert [run.number for run in app_.runs] == [1, 2]
    (entry,) = [e for e in sim.log if e.method == "job_transferred"]
    assert entry.outcome == "delivered"
    assert entry.detail == f"via CLSID {CLSID}: started app 'downloader' run 2 (N2)"
    assert job.state is bl.JobState.ACKNOWLEDGED  # complete = true (C10)
    assert job.get_property(bl.JobProperty.NOTIFICATION_CLSID) == uuid.UUID(CLSID)


def test_n4_a_job_naming_a_class_no_app_serves_fails_its_calls() -> None:
    """N4: no [[app]] serves the class: job_transferred fails with REGDB_E_CLASSNOTREG."""
    sim, _ = ScenarioFile.parse(scenario(f'clsid = "{CLSID}"')).simulate()
    (entry,) = [e for e in sim.log if e.method == "job_transferred"]
    assert (entry.outcome, entry.rule) == ("failed", "N4")
    assert entry.detail.startswith("REGDB_E_CLASSNOTREG")


# -- the BITS service's restarts and the machine's reboots (P2, P3) -----------------------------


def test_p2_a_restart_service_table_requeues_the_job_and_loses_its_interface() -> None:
    """P2: the service is down from 1 s to 5 s: the job goes back to QUEUED and on at 5 s;
    the interface is lost, so job_transferred finds none (I8)."""
    text = scenario(
        'notifier = { app = "downloader" }',
        size="4_000_000",
        before=APP,
        after=RESTART.format(1.0, 4.0),
    )
    sim = ScenarioFile.parse(text).simulate().sim
    job = sim.jobs[0]
    assert [(c.time, c.new.name, c.rule) for c in job.history if c.time >= 1.0][:2] == [
        (1.0, "QUEUED", "P2"),
        (5.0, "CONNECTING", "L3"),
    ]
    assert job.get_notify_interface() is None
    [entry] = sim.log.entries(job, method="job_transferred")
    assert (entry.outcome, entry.rule) == ("no_interface", "I8")


def test_p3_a_reboot_table_crashes_the_app_and_on_start_register_after_it_works() -> None:
    """P3: the reboot crashes the app at 1 s; it starts again at 10 s, once the machine is
    back, and registers a new notifier, which gets job_transferred (I5)."""
    text = scenario(
        'notifier = { app = "downloader" }',
        size="4_000_000",
        before=APP + 'start_at = 10.0\non_start = ["register"]\n',
        after=REBOOT.format(1.0, 5.0),
    )
    sim, actions = ScenarioFile.parse(text).simulate()
    app = sim.apps[0]
    assert [(r.number, r.how, r.end) for r in app.runs] == [(1, "crash", 1.0), (2, "running", None)]
    # TRANSFERRED at 9.1 s, with no interface (I8); I5 replays it on the new one at 10 s.
    first, replay = sim.log.entries(sim.jobs[0], method="job_transferred")
    assert (first.time, first.outcome) == (pytest.approx(9.1), "no_interface")
    assert (replay.time, replay.outcome, replay.target) == (
        10.0,
        "delivered",
        "RecordingNotifier of app 'downloader' run 2",
    )
    assert [a.result for a in actions] == ["ok", "ok"]


def test_p2_p3_restarts_and_reboots_in_a_file_give_the_log_of_the_same_python_calls() -> None:
    """P2, P3: two overlapping periods in a file are the same two calls in Python."""
    text = scenario(size="4_000_000", after=RESTART.format(1.0, 4.0) + REBOOT.format(3.0, 4.0))
    from_file = ScenarioFile.parse(text).simulate().sim
    sim = bl.Simulation()
    job = sim.create_job("nightly")
    job.add_file("https://mirror.test/a.cab", "a.cab", 4_000_000)
    sim.restart_service(1.0, 4.0)
    sim.reboot(3.0, 4.0)
    sim.call_at(0.0, job.resume)
    sim.run()
    assert log_rows(from_file) == log_rows(sim)
    assert from_file.jobs[0].history == job.history


@pytest.mark.parametrize(("strict", "attempts"), [(False, 1), (True, 3)])
def test_c5_simulation_s_ok_only_and_a_returns_sequence_in_a_scenario_file(
    strict: bool, attempts: int
) -> None:
    """C5: ``[simulation] s_ok_only`` is Simulation(s_ok_only=...), and a notifier's
    ``returns`` may list results call by call: S_FALSE twice, then S_OK. By default the first
    S_FALSE is a success; with s_ok_only only S_OK is, as the JobTransferred page says: "BITS
    continues to call this method until S_OK is returned"."""
    text = scenario(
        'notifier = { app = "downloader", returns = { job_transferred = [1, 1, 0] } }\n'
        "minimum_retry_delay = 5.0",
        before=f"[simulation]\ns_ok_only = {'true' if strict else 'false'}\nuntil = 30.0\n{APP}",
    )
    sim = ScenarioFile.parse(text).simulate().sim
    entries = sim.log.entries(sim.jobs[0], method="job_transferred")
    assert len(entries) == attempts
    assert [e.final for e in entries] == [False] * (attempts - 1) + [True]
    assert entries[-1].outcome == "delivered"
    assert ("s_ok_only is True" in entries[0].detail) is strict
