"""Scenario files (bitslab.scenarios.file): the examples run as their Python equivalents
do; names and defaults are read as documented.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``scenariofile_support.py``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from scenariofile_support import EXAMPLES, ROOT, scenario
from support import steps

import bitslab as bl
from bitslab.scenarios import restart_story
from bitslab.scenarios.file import Action, ScenarioFile


def job_named(sim: bl.Simulation, name: str) -> bl.Job:
    return next(job for job in sim.jobs if job.name == name)


def finals(
    sim: bl.Simulation, name: str, *, modifications: bool = True
) -> list[tuple[object, ...]]:
    """A job's final log entries as (time, method, outcome, rule, target)."""
    return [
        (round(e.time, 6), e.method, e.outcome, e.rule, e.target)
        for e in sim.log.entries(job_named(sim, name), final=True)
        if modifications or e.method != "job_modification"
    ]


def states(sim: bl.Simulation) -> dict[str, str]:
    return {job.name: job.state.name for job in sim.jobs}


# -- the examples -----------------------------------------------------------------------------


def test_the_three_example_files_are_there() -> None:
    assert {path.name for path in EXAMPLES} >= {
        "restart-story.toml",
        "flaky-network.toml",
        "on-demand.toml",
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_each_example_file_loads_and_runs_until_quiet_with_every_timed_call_ok(path: Path) -> None:
    scenario_file = ScenarioFile.load(path)
    assert scenario_file.source == str(path)
    assert scenario_file.title != str(path)  # every example has a title
    assert scenario_file.description
    sim, actions = scenario_file.simulate()
    assert sim.quiet
    assert sim.log.pending() == []
    assert actions
    assert all(action.result == "ok" for action in actions)
    assert not any(job.state.is_busy for job in sim.jobs)


def test_i4_c11_k3_restart_story_file_ends_as_restart_story_with_poll() -> None:
    """I4, C11, K3: examples/restart-story.toml is ``restart_story(poll=True)``: the crashed
    app's missed notifications wait (app_down), and go stale when the restarted app polls and
    completes the job; the report's job_transferred runs the command line."""
    sim = ScenarioFile.load(ROOT / "examples" / "restart-story.toml").simulate().sim
    expected = restart_story(poll=True)
    assert states(sim) == states(expected) == {"nightly": "ACKNOWLEDGED", "report": "TRANSFERRED"}
    assert finals(sim, "nightly") == finals(expected, "nightly")
    for name in ("nightly", "report"):
        assert steps(job_named(sim, name)) == steps(job_named(expected, name))
    assert finals(sim, "report", modifications=False) == finals(
        expected, "report", modifications=False
    )
    assert sim.now == expected.now == 30.0
    nightly = job_named(sim, "nightly")
    fonts = [e for e in sim.log.entries(nightly) if e.file and e.file.local_name == "fonts.cab"]
    assert [e.outcome for e in fonts] == ["app_down", "app_down", "app_down", "stale"]
    assert [e.method for e in sim.log.entries(job_named(sim, "report"), outcome="cmdline")] == [
        "job_transferred"
    ]


def _flaky_network_in_python() -> bl.Simulation:
    """What examples/flaky-network.toml describes, built with the Python API."""
    sim = bl.Simulation(time_slice=10.0)
    app = sim.add_app("updater")
    sim.register_program("/usr/bin/notify-send", lambda job, parameters: 0)
    updates = sim.create_job("updates")
    updates.add_file("https://mirror.test/kb1.cab", "kb1.cab", size=12_000_000)
    updates.add_file("https://mirror.test/kb2.cab", "kb2.cab", size=4_000_000)
    updates.set_notify_flags(0x13)
    updates.set_notify_interface(bl.RecordingNotifier(app))
    report = sim.create_job("report", priority=bl.JobPriority.FOREGROUND)
    report.add_file("https://reports.test/report.pdf", "report.pdf", size=2_000_000)
    report.minimum_retry_delay = 20.0
    report.set_notify_interface(bl.RecordingNotifier(app, returns={"job_transferred": False}))
    report.set_notify_cmdline("/usr/bin/notify-send", "/usr/bin/notify-send report")
    catalog = sim.create_job("catalog", priority=bl.JobPriority.LOW)
    catalog.add_file("https://mirror.test/catalog.xml", "catalog.xml", size=500_000)
    catalog.set_notify_interface(bl.RecordingNotifier(app))
    sim.network.outage(15.0, 10.0)
    sim.network.fail("https://reports.test/", 503, 0.0, 40.0)
    sim.network.fail("https://mirror.test/catalog.xml", 404)
    for job in sim.jobs:
        sim.call_at(0.0, job.resume)
    sim.run()
    return sim


def test_l4_l5_l7_c5_k3_flaky_network_file_runs_as_the_same_world_built_in_python() -> None:
    """L4, L5, L7, C5, K3: the outage, the 503 window and the 404 of the file do what the same
    calls do in Python; the report's failing job_transferred falls back to the command line."""
    sim = ScenarioFile.load(ROOT / "examples" / "flaky-network.toml").simulate().sim
    expected = _flaky_network_in_python()
    assert states(sim) == states(expected)
    assert states(sim) == {"updates": "TRANSFERRED", "report": "TRANSFERRED", "catalog": "ERROR"}
    for job in expected.jobs:
        assert steps(job_named(sim, job.name)) == steps(job), job.name
        assert finals(sim, job.name, modifications=False) == finals(
            expected, job.name, modifications=False
        )
    assert sim.now == expected.now
    assert job_named(sim, "catalog").get_error().name == "BG_E_HTTP_ERROR_404"
    rules_of = {name: {c.rule for c in job_named(sim, name).history} for name in states(sim)}
    assert "L4" in rules_of["updates"]
    assert "L5" in rules_of["report"]
    assert "L7" in rules_of["catalog"]
    transferred = sim.log.entries(job_named(sim, "report"), method="job_transferred")
    assert [(e.outcome, e.rule) for e in transferred] == [("cmdline", "K3")]
    assert "returned False" in transferred[0].detail


def test_r3_r4_r5_on_demand_file_fills_only_the_requested_ranges_and_ends_suspended() -> None:
    """R3, R4, R5, C7: only the two requested ranges arrive; the job ends SUSPENDED (the film
    is not whole); the range reports, at least 500 ms apart but for the last (R4: sent as
    soon as the last requested range arrives), add up to the requested ranges."""
    requested = [(0, 1_000_000), (9_000_000, 1_000_000)]
    sim = ScenarioFile.load(ROOT / "examples" / "on-demand.toml").simulate().sim
    film = job_named(sim, "film")
    movie = film.files[0]
    assert movie.filled_ranges() == requested
    assert movie.outstanding_ranges() == []
    assert film.get_property(bl.JobProperty.ON_DEMAND_MODE) is True
    assert film.state is bl.JobState.SUSPENDED
    assert (film.history[-1].new, film.history[-1].rule) == (bl.JobState.SUSPENDED, "R5")
    assert film.progress.bytes_transferred == 2_000_000
    reports = sim.log.entries(film, method="file_ranges_transferred", final=True)
    assert reports
    assert {e.outcome for e in reports} == {"delivered"}
    arrived = sorted(pair for e in reports for pair in e.ranges or ())
    merged: list[tuple[int, int]] = []
    for offset, length in arrived:
        if merged and merged[-1][0] + merged[-1][1] == offset:
            merged[-1] = (merged[-1][0], merged[-1][1] + length)
        else:
            merged.append((offset, length))
    assert merged == requested
    times = [e.time for e in reports]
    assert all(b - a >= 0.5 - 1e-9 for a, b in itertools.pairwise(times[:-1]))
    assert "the last requested range arrived (R4)" in reports[-1].reason
    assert sim.log.entries(film, method="job_transferred") == []


def test_r1_on_demand_file_runs_as_the_same_calls_in_python() -> None:
    """R1-R5: the file's on_demand, ranges, interval, flags and notifier are the Python calls."""
    sim = ScenarioFile.load(ROOT / "examples" / "on-demand.toml").simulate().sim
    expected = bl.Simulation()
    app = expected.add_app("player")
    film = expected.create_job("film")
    movie = film.add_file("https://cdn.test/movie.mp4", "movie.mp4", size=10_000_000)
    film.set_property(bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, 500)
    film.set_property(bl.JobProperty.ON_DEMAND_MODE, True)
    movie.request_ranges([(0, 1_000_000), (9_000_000, 1_000_000)])
    film.set_notify_flags(
        bl.NotifyFlags.JOB_TRANSFERRED
        | bl.NotifyFlags.JOB_ERROR
        | bl.NotifyFlags.FILE_RANGES_TRANSFERRED
    )
    film.set_notify_interface(bl.RecordingNotifier(app))
    expected.call_at(0.0, film.resume)
    expected.run()
    assert steps(sim.jobs[0]) == steps(film)
    assert finals(sim, "film") == finals(expected, "film")
    assert [e.ranges for e in sim.log] == [e.ranges for e in expected.log]
    assert sim.now == expected.now


def test_f1_flags_as_names_in_any_case_and_as_an_int_are_the_same() -> None:
    """F1: ``flags = 0x13`` and the three names (any case) set the same flags."""
    by_number = ScenarioFile.parse(scenario("flags = 0x13")).simulate(run=False).sim
    by_name = ScenarioFile.parse(
        scenario('flags = ["job_transferred", "Job_Error", "FILE_TRANSFERRED"]')
    ).simulate(run=False)
    assert by_number.jobs[0].get_notify_flags() == 0x13
    assert by_name.sim.jobs[0].get_notify_flags() == 0x13


def test_f2_l1_a_job_with_only_the_required_keys_has_the_defaults() -> None:
    """F2, L1, I2: a minimal job is a download of NORMAL priority, flags 0x3, no interface,
    retry delay 600 s, resumed at 0."""
    sim, actions = ScenarioFile.parse(scenario()).simulate()
    job = sim.jobs[0]
    assert (job.type, job.priority) == (bl.JobType.DOWNLOAD, bl.JobPriority.NORMAL)
    assert job.get_notify_flags() == 0x3
    assert job.get_notify_interface() is None
    assert job.minimum_retry_delay == 600.0
    assert actions == [Action(0.0, "job 'nightly' resume()", "ok")]
    assert job.state is bl.JobState.TRANSFERRED


def test_priority_and_type_names_are_read_in_any_case() -> None:
    sim = ScenarioFile.parse(scenario('priority = "HIGH"\ntype = "Download"')).simulate(run=False)
    assert sim.sim.jobs[0].priority is bl.JobPriority.HIGH
