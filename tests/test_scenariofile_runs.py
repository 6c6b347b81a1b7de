"""Scenario files (bitslab.scenarios.file): timed calls, app restarts and clean exits,
seeds and until.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``scenariofile_support.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from scenariofile_support import APP, EXAMPLES, scenario
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
    assert set(frame["job_id"]) == {seeded.jobs[0].id}


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
