"""Scenario files (bitslab.scenarios.file): the examples run as their Python equivalents do; a
malformed file is refused with its key and what was wrong; timed calls, restarts, seeds, until.

Every file here is checked through the public API (``ScenarioFile.load/parse``, ``simulate()``)
and read back through the jobs, the event log and the run's actions.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from support import log_rows, steps

import bitslab as bl
from bitslab.scenarios import restart_story
from bitslab.scenarios.file import Action, ScenarioFile, ScenarioFileError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
SOURCE = "bad.toml"
FLAGS_3 = '["JOB_TRANSFERRED", "JOB_ERROR", "FILE_TRANSFERRED"]'


def scenario(
    job: str = "",
    *,
    file: str = "",
    url: str = "https://mirror.test/a.cab",
    size: str = "1_000",
    before: str = "",
    after: str = "",
) -> str:
    """A file with one job 'nightly' of one file: ``job`` and ``file`` add lines to the job and
    its file; ``before`` goes at the top (top-level keys, [simulation], [[app]]), ``after`` at
    the end ([[outage]] and the other fault tables, [[program]])."""
    return f"""{before}
[[job]]
name = "nightly"
{job}
[[job.file]]
url = "{url}"
name = "a.cab"
size = {size}
{file}
{after}
"""


def refusal(text: str) -> ScenarioFileError:
    with pytest.raises(ScenarioFileError) as caught:
        ScenarioFile.parse(text, source=SOURCE)
    return caught.value


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


APP = '[[app]]\nname = "downloader"\n'
OUTAGE = "[[outage]]\nstart = {}\nduration = {}\n"
SERVER_ERROR = (
    '[[server_error]]\nurl = "https://mirror.test/a.cab"\nstatus = {}\nstart = {}\nduration = {}\n'
)
FILE_A = '[[job.file]]\nurl = "https://mirror.test/a.cab"\nname = "a.cab"\nsize = 1_000\n'


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
    is not whole); the range reports, at least 500 ms apart, add up to the requested ranges."""
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
    assert all(b - a >= 0.5 - 1e-9 for a, b in itertools.pairwise(times))
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


# -- malformed files --------------------------------------------------------------------------

NO_NAME = f"[[job]]\n{FILE_A}"


def _file(lines: str) -> str:
    return f'[[job]]\nname = "nightly"\n[[job.file]]\n{lines}\n'


MALFORMED = [
    # (id, text, the key, words the problem must contain)
    ("not-toml", '[[job]]\nname = "nightly"\nsize = 4 MB\n', "", ["is not valid TOML", "line 3"]),
    ("empty-file", "", "job", ["is required"]),
    ("no-jobs", "job = []", "job", ["at least one"]),
    ("job-a-string", 'job = "nightly"', "job", ["must be an array", "a string"]),
    ("job-single-brackets", '[job]\nname = "nightly"\n', "job", ["must be an array", "a table"]),
    ("job-not-a-table", "job = [3]", "job[0]", ["must be a table", "a number"]),
    # unknown keys, with the nearest one
    ("unknown-top-key", scenario(before='titel = "x"'), "titel", ["unknown key", "'title'"]),
    ("unknown-job-key", scenario('prority = "low"'), "job[0].prority", ["'priority'"]),
    ("unknown-file-key", scenario(file="sise = 3"), "job[0].file[0].sise", ["'size'"]),
    (
        "unknown-notifier-key",
        scenario('notifier = { app = "downloader", compete = true }', before=APP),
        "job[0].notifier.compete",
        ["unknown key", "did you mean 'complete'"],
    ),
    (
        "unknown-cmdline-key",
        scenario('cmdline = { program = "/usr/bin/notify", params = "x" }'),
        "job[0].cmdline.params",
        ["did you mean 'parameters'"],
    ),
    ("unknown-app-key", scenario(before=APP + "on_strat = []"), "app[0].on_strat", ["'on_start'"]),
    (
        "unknown-program-key",
        scenario(after='[[program]]\npath = "/usr/bin/notify"\nexitcode = 1'),
        "program[0].exitcode",
        ["did you mean 'exit_code'"],
    ),
    (
        "unknown-simulation-key",
        scenario(before="[simulation]\nsede = 1"),
        "simulation.sede",
        ["unknown key", "did you mean 'seed'"],
    ),
    (
        "unknown-outage-key",
        scenario(after="[[outage]]\nstart = 1.0\nduration = 2.0\nend = 3.0"),
        "outage[0].end",
        ["unknown key", "start, duration"],
    ),
    (
        "unknown-traffic-key",
        scenario(after="[[traffic]]\nstart = 1\nduration = 2\nbandwidht = 5"),
        "traffic[0].bandwidht",
        ["did you mean 'bandwidth'"],
    ),
    # wrong types
    ("size-a-string", scenario(size='"4MB"'), "job[0].file[0].size", ["whole number", "'4MB'"]),
    ("size-a-fraction", scenario(size="1.5"), "job[0].file[0].size", ["whole number", "1.5"]),
    ("size-a-boolean", scenario(size="true"), "job[0].file[0].size", ["whole number", "boolean"]),
    (
        "name-a-number",
        scenario().replace('name = "nightly"', "name = 3"),
        "job[0].name",
        ["must be a string", "3"],
    ),
    ("flags-a-string", scenario('flags = "0x3"'), "job[0].flags", ["array of flag names"]),
    ("flags-a-boolean", scenario("flags = true"), "job[0].flags", ["array of flag names"]),
    ("priority-a-number", scenario("priority = 2"), "job[0].priority", ["must be a string"]),
    ("type-a-number", scenario("type = 1"), "job[0].type", ["must be a string"]),
    ("on_demand-a-string", scenario('on_demand = "yes"'), "job[0].on_demand", ["true or false"]),
    ("resume_at-a-string", scenario('resume_at = "5"'), "job[0].resume_at", ["time in seconds"]),
    (
        "crash_at-a-string-in-an-array",
        scenario(before=APP + 'crash_at = [1.0, "2.0"]'),
        "app[0].crash_at[1]",
        ["time in seconds", "'2.0'"],
    ),
    ("cancel_at-a-date", scenario("cancel_at = 1979-05-27"), "job[0].cancel_at", ["a date"]),
    ("complete_at-a-boolean", scenario("complete_at = true"), "job[0].complete_at", ["boolean"]),
    (
        "file-single-brackets",
        '[[job]]\nname = "nightly"\n[job.file]\nurl = "https://mirror.test/a"\n'
        'name = "a"\nsize = 1\n',
        "job[0].file",
        ["must be an array", "a table"],
    ),
    (
        "ranges-a-table",
        scenario("on_demand = true", file="ranges = { offset = 0, length = 10 }"),
        "job[0].file[0].ranges",
        ["must be an array", "a table"],
    ),
    (
        "ranges-a-string",
        scenario("on_demand = true", file='ranges = "0-100"'),
        "job[0].file[0].ranges",
        ["must be an array"],
    ),
    (
        "range-of-three-numbers",
        scenario("on_demand = true", file="ranges = [[0, 1, 2]]"),
        "job[0].file[0].ranges[0]",
        ["[offset, length]"],
    ),
    (
        "outage-single-brackets",
        scenario(after="[outage]\nstart = 1.0\nduration = 2.0"),
        "outage",
        ["must be an array"],
    ),
    ("app-a-number", "app = 3\n" + scenario(), "app", ["must be an array"]),
    (
        "on_start-a-string",
        scenario(before=APP + 'on_start = "register"'),
        "app[0].on_start",
        ["must be an array"],
    ),
    ("notifier-a-string", scenario('notifier = "downloader"'), "job[0].notifier", ["a table"]),
    ("cmdline-a-string", scenario('cmdline = "/usr/bin/notify"'), "job[0].cmdline", ["a table"]),
    (
        "returns-a-string",
        scenario('notifier = { app = "downloader", returns = "false" }', before=APP),
        "job[0].notifier.returns",
        ["must be a table"],
    ),
    (
        "notifier-complete-a-string",
        scenario('notifier = { app = "downloader", complete = "yes" }', before=APP),
        "job[0].notifier.complete",
        ["true or false"],
    ),
    ("simulation-an-array", scenario(before="simulation = [1]"), "simulation", ["a table"]),
    ("title-a-number", scenario(before="title = 3"), "title", ["must be a string"]),
    (
        "exit_code-a-string",
        scenario(after='[[program]]\npath = "/usr/bin/notify"\nexit_code = "0"'),
        "program[0].exit_code",
        ["whole number"],
    ),
    (
        "status-a-fraction",
        scenario(after='[[server_error]]\nurl = "https://mirror.test/"\nstatus = 503.0'),
        "server_error[0].status",
        ["whole number"],
    ),
    (
        "notification_interval_ms-a-fraction",
        scenario("notification_interval_ms = 0.5"),
        "job[0].notification_interval_ms",
        ["whole number"],
    ),
    (
        "minimum_retry_delay-a-string",
        scenario('minimum_retry_delay = "soon"'),
        "job[0].minimum_retry_delay",
        ["must be a number", "'soon'"],
    ),
    (
        "minimum_retry_delay-nan",
        scenario("minimum_retry_delay = nan"),
        "job[0].minimum_retry_delay",
        ["finite number"],
    ),
    (
        "no_progress_timeout-a-string",
        scenario('no_progress_timeout = "never"'),
        "job[0].no_progress_timeout",
        ["must be a number", "'never'"],
    ),
    # missing required keys
    ("job-without-name", NO_NAME, "job[0].name", ["is required"]),
    ("job-without-files", '[[job]]\nname = "nightly"\n', "job[0].file", ["is required"]),
    ("file-without-url", _file('name = "a"\nsize = 1'), "job[0].file[0].url", ["is required"]),
    (
        "file-without-name",
        _file('url = "https://m.test/a"\nsize = 1'),
        "job[0].file[0].name",
        ["is required"],
    ),
    (
        "file-without-size",
        _file('url = "https://m.test/a"\nname = "a"'),
        "job[0].file[0].size",
        ["is required"],
    ),
    (
        "app-without-name",
        scenario(before="[[app]]\ncrash_at = 1.0"),
        "app[0].name",
        ["is required"],
    ),
    (
        "program-without-path",
        scenario(after="[[program]]\nexit_code = 0"),
        "program[0].path",
        ["is required"],
    ),
    (
        "cmdline-without-program",
        scenario('cmdline = { parameters = "/usr/bin/notify x" }'),
        "job[0].cmdline.program",
        ["is required"],
    ),
    (
        "outage-without-duration",
        scenario(after="[[outage]]\nstart = 15.0"),
        "outage[0].duration",
        ["is required"],
    ),
    (
        "server_error-without-url",
        scenario(after="[[server_error]]\nstatus = 503"),
        "server_error[0].url",
        ["is required"],
    ),
    (
        "server_error-without-status",
        scenario(after='[[server_error]]\nurl = "https://m.test/"'),
        "server_error[0].status",
        ["is required"],
    ),
    (
        "traffic-without-bandwidth",
        scenario(after="[[traffic]]\nstart = 1\nduration = 2"),
        "traffic[0].bandwidth",
        ["is required"],
    ),
    # unknown names, with the nearest one
    (
        "priority-misspelt",
        scenario('priority = "hgih"'),
        "job[0].priority",
        ["'hgih' is not a JobPriority", "did you mean 'high'", "foreground, high, normal, low"],
    ),
    ("type-misspelt", scenario('type = "uplaod"'), "job[0].type", ["did you mean 'upload'"]),
    (
        "flag-misspelt",
        scenario('flags = ["JOB_TRANSFERRED", "JOB_EROR"]'),
        "job[0].flags[1]",
        ["'JOB_EROR' is not a notify flag", "did you mean 'JOB_ERROR'"],
    ),
    ("flag-a-number-in-names", scenario("flags = [1]"), "job[0].flags[0]", ["not a notify flag"]),
    (
        "on_start-misspelt",
        scenario(before=APP + 'on_start = ["regster"]'),
        "app[0].on_start[0]",
        ["register, poll", "'regster'"],
    ),
    (
        "on_exit-a-start-word",
        scenario(before=APP + 'on_exit = ["register"]'),
        "app[0].on_exit[0]",
        ["unregister"],
    ),
    # values the model refuses, by its own rules
    ("f3-flags-above-0x3f", scenario("flags = 0x40"), "job[0].flags", ["F3", "E_NOTIMPL"]),
    ("f3-flags-negative", scenario("flags = -1"), "job[0].flags", ["F3", "E_NOTIMPL"]),
    ("size-negative", scenario(size="-5"), "job[0].file[0].size", ["at least 0"]),
    ("url-ftp", scenario(url="ftp://mirror.test/a.cab"), "job[0].file[0].url", ["E_INVALIDARG"]),
    (
        "k1-relative-cmdline-program",
        scenario('cmdline = { program = "notify.exe" }'),
        "job[0].cmdline.program",
        ["full path", "K1", "E_INVALIDARG"],
    ),
    (
        "k1-cmdline-parameters-too-long",
        scenario(f'cmdline = {{ program = "/usr/bin/notify", parameters = "{"x" * 4001}" }}'),
        "job[0].cmdline.parameters",
        ["4000", "BG_E_STRING_TOO_LONG"],
    ),
    (
        "k1-relative-program-path",
        scenario(after='[[program]]\npath = "notify"'),
        "program[0].path",
        ["full path", "K1"],
    ),
    (
        "upload-job-with-two-files",
        scenario('type = "upload"') + FILE_A.replace("a.cab", "b.cab"),
        "job[0].file[1]",
        ["BG_E_TOO_MANY_FILES"],
    ),
    (
        "r1-ranges-without-on_demand",
        scenario(file="ranges = [[0, 10]]"),
        "job[0].file[0].ranges",
        ["R1", "BG_E_RANDOM_ACCESS_NOT_SUPPORTED"],
    ),
    (
        "r2-range-past-the-end",
        scenario("on_demand = true", file="ranges = [[0, 2_000]]"),
        "job[0].file[0].ranges",
        ["R2", "BG_E_INVALID_RANGE"],
    ),
    (
        "r1-on_demand-with-a-file-url",
        scenario("on_demand = true", url="file:///C:/data/a.cab"),
        "job[0].on_demand",
        ["R1", "BG_E_RANDOM_ACCESS_NOT_SUPPORTED"],
    ),
    (
        "r1-on_demand-on-an-upload-job",
        scenario('type = "upload"\non_demand = true'),
        "job[0].on_demand",
        ["R1", "BG_E_RANDOM_ACCESS_NOT_SUPPORTED"],
    ),
    ("job-name-empty", scenario().replace('"nightly"', '""'), "job[0].name", ["must not be empty"]),
    (
        "minimum_retry_delay-negative",
        scenario("minimum_retry_delay = -1"),
        "job[0].minimum_retry_delay",
        ["at least 0"],
    ),
    (
        "notification_interval_ms-negative",
        scenario("notification_interval_ms = -1"),
        "job[0].notification_interval_ms",
        ["at least 0"],
    ),
    # apps and notifiers
    (
        "notifier-app-with-no-apps",
        scenario('notifier = { app = "ghost" }'),
        "job[0].notifier.app",
        ["no app named 'ghost'", "add an [[app]] table"],
    ),
    (
        "notifier-app-not-among-the-apps",
        scenario('notifier = { app = "ghost" }', before=APP),
        "job[0].notifier.app",
        ["no app named 'ghost'", "downloader"],
    ),
    (
        "returns-an-unknown-method",
        scenario(
            'notifier = { app = "downloader", returns = { job_transfered = false } }', before=APP
        ),
        "job[0].notifier.returns",
        ["unknown methods", "job_transfered"],
    ),
    (
        "i4-crash-while-down",
        scenario(before=APP + "crash_at = [1.0, 2.0]"),
        "app[0].crash_at[1]",
        ["at 2 s", "already down"],
    ),
    (
        "i7-exit-while-down",
        scenario(before=APP + "crash_at = 1.0\nexit_at = 2.0"),
        "app[0].exit_at",
        ["already down"],
    ),
    (
        "start-while-running",
        scenario(before=APP + "start_at = 3.0"),
        "app[0].start_at",
        ["at 3 s", "already running"],
    ),
    (
        "crash_at-negative",
        scenario(before=APP + "crash_at = -1.0"),
        "app[0].crash_at",
        ["at least 0 seconds"],
    ),
    (
        "suspend_at-negative",
        scenario("suspend_at = [-3]"),
        "job[0].suspend_at[0]",
        ["at least 0 seconds"],
    ),
    ("resume_at-infinite", scenario("resume_at = inf"), "job[0].resume_at", ["at least 0"]),
    ("app-name-taken", scenario(before=APP + APP), "app[1].name", ["'downloader' is taken"]),
    # the simulation and the network
    (
        "bandwidth-zero",
        scenario(before="[simulation]\nbandwidth = 0"),
        "simulation.bandwidth",
        ["at least 1"],  # S5: a link of under 1 B/s never finishes a file,
    ),
    (
        "bandwidth-negative",
        scenario(before="[simulation]\nbandwidth = -1"),
        "simulation.bandwidth",
        ["at least 1"],  # S5: a link of under 1 B/s never finishes a file,
    ),
    (
        "bandwidth-a-string",
        scenario(before='[simulation]\nbandwidth = "fast"'),
        "simulation.bandwidth",
        ["must be a number", "'fast'"],
    ),
    (
        "seed-a-fraction",
        scenario(before="[simulation]\nseed = 1.5"),
        "simulation.seed",
        ["whole number"],
    ),
    (
        "trickle-whole-link",
        scenario(before="[simulation]\ntrickle = 1.0"),
        "simulation.trickle",
        ["below 1"],
    ),
    (
        "until-negative",
        scenario(before="[simulation]\nuntil = -1"),
        "simulation.until",
        ["at least 0"],
    ),
    (
        "until-a-string",
        scenario(before='[simulation]\nuntil = "end"'),
        "simulation.until",
        ["must be a number"],
    ),
    (
        "l4-outage-negative-duration",
        scenario(after="[[outage]]\nstart = 1.0\nduration = -2.0"),
        "outage[0].duration",
        ["greater than 0"],
    ),
    (
        "l7-server_error-status-200",
        scenario(after='[[server_error]]\nurl = "https://mirror.test/"\nstatus = 200'),
        "server_error[0].status",
        ["400 to 599", "200"],
    ),
    (
        "server_error-negative-start",
        scenario(after='[[server_error]]\nurl = "https://mirror.test/"\nstatus = 503\nstart = -1'),
        "server_error[0].start",
        ["at least 0"],
    ),
    (
        "s5-traffic-negative-bandwidth",
        scenario(after="[[traffic]]\nstart = 1\nduration = 2\nbandwidth = -5"),
        "traffic[0].bandwidth",
        ["greater than 0"],
    ),
    # issue 9: impossible worlds, duplicates and dangling references, each at its exact key
    (
        "unknown-server_error-key",
        scenario(after='[[server_error]]\nurl = "https://m.test/"\nstatus = 503\nuntil = 3'),
        "server_error[0].until",
        ["unknown key", "url, status, start, duration"],
    ),
    (
        "l4-outages-that-overlap",
        scenario(after=OUTAGE.format(15, 10) + OUTAGE.format(30, 5) + OUTAGE.format(20, 30)),
        "outage[2].start",
        ["overlaps outage[0] (15 s to 25 s)", "merge them or move one"],
    ),
    (
        "l4-an-outage-inside-another",
        scenario(after=OUTAGE.format(0, 100) + OUTAGE.format(50, 1)),
        "outage[1].start",
        ["overlaps outage[0] (0 s to 100 s)"],
    ),
    (
        "l5-server-errors-for-one-url-that-overlap",
        scenario(after=SERVER_ERROR.format(503, 0, 40) + SERVER_ERROR.format(404, 30, 5)),
        "server_error[1].start",
        ["overlaps server_error[0] (0 s to 40 s)", "both answer", "which status"],
    ),
    (
        "l7-a-server-error-after-one-for-good",
        scenario(
            after=SERVER_ERROR.format(404, 0, 40).replace("duration = 40", "")
            + SERVER_ERROR.format(503, 100, 5)
        ),
        "server_error[1].start",
        ["overlaps server_error[0] (0 s for good)"],
    ),
    (
        "l5-server_error-negative-duration",
        scenario(after=SERVER_ERROR.format(503, 10, -5)),
        "server_error[0].duration",
        ["greater than 0", "-5"],
    ),
    (
        "l5-server_error-zero-duration",
        scenario(after=SERVER_ERROR.format(503, 10, 0)),
        "server_error[0].duration",
        ["greater than 0"],
    ),
    (
        "server_error-url-without-scheme",
        scenario(after='[[server_error]]\nurl = "mirror.test/"\nstatus = 503'),
        "server_error[0].url",
        ["http://", "'mirror.test/'"],
    ),
    (
        "i4-start_at-before-the-crash",
        scenario(before=APP + "crash_at = 10.0\nstart_at = 5.0"),
        "app[0].start_at",
        ["at 5 s the app is already running", "must follow a crash_at or an exit_at"],
    ),
    (
        "i4-second-restart-before-the-second-crash",
        scenario(before=APP + "crash_at = [10.0, 40.0]\nstart_at = [20.0, 30.0]"),
        "app[0].start_at[1]",
        ["at 30 s the app is already running"],
    ),
    (
        "job-name-taken",
        scenario() + '[[job]]\nname = "nightly"\n' + FILE_A,
        "job[1].name",
        ["'nightly' is taken by job[0]"],
    ),
    (
        "k6-cmdline-names-no-program",
        scenario('cmdline = { program = "/usr/bin/notfy" }')
        + '[[program]]\npath = "/usr/bin/notify"\n',
        "job[0].cmdline.program",
        ["no [[program]] has the path '/usr/bin/notfy'", "did you mean '/usr/bin/notify'", "K6"],
    ),
    (
        "k6-cmdline-and-no-programs",
        scenario('cmdline = { program = "/usr/bin/notify" }'),
        "job[0].cmdline.program",
        ["programs: none; add a [[program]] table", "installed = false"],
    ),
    (
        "k6-program-declared-twice",
        scenario(
            after='[[program]]\npath = "C:\\\\T\\\\n.exe"\n[[program]]\npath = "c:/t/N.EXE"\n'
        ),
        "program[1].path",
        ["is declared already by program[0]"],
    ),
    (
        "k6-installed-a-string",
        scenario(after='[[program]]\npath = "/usr/bin/notify"\ninstalled = "no"\n'),
        "program[0].installed",
        ["true or false"],
    ),
    (
        "r2-range-with-a-negative-offset",
        scenario("on_demand = true", file="ranges = [[0, 10], [-1, 10]]"),
        "job[0].file[0].ranges[1]",
        ["two whole numbers of at least 0", "[-1, 10]"],
    ),
    (
        "c7-notification_interval_ms-above-a-dword",
        scenario("notification_interval_ms = 4_294_967_296"),
        "job[0].notification_interval_ms",
        ["at most 4,294,967,295"],
    ),
    (
        "seed-negative",
        scenario(before="[simulation]\nseed = -1"),
        "simulation.seed",
        ["at least 0", "-1"],
    ),
    (
        "callback_timeout-zero",
        scenario(before="[simulation]\ncallback_timeout = 0"),
        "simulation.callback_timeout",
        ["greater than 0"],
    ),
]


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [pytest.param(text, key, words, id=name) for name, text, key, words in MALFORMED],
)
def test_f3_k1_r1_r2_a_malformed_file_is_refused_naming_the_exact_key_and_the_problem(
    text: str, key: str, words: list[str]
) -> None:
    """Every kind of mistake (F3, K1, R1, R2 and the schema's own checks) is a
    ScenarioFileError whose ``key`` is exactly where the mistake is and whose message says what
    was wrong, once: the file's name and the key are not repeated inside the problem."""
    error = refusal(text)
    assert (error.source, error.key) == (SOURCE, key)
    for word in words:
        assert word in error.problem
    assert SOURCE not in error.problem
    assert str(error).startswith(f"{SOURCE}: {key}: " if key else f"{SOURCE}: ")
    assert str(error).endswith(error.problem)


def test_a_malformed_file_error_is_a_value_error() -> None:
    assert issubclass(ScenarioFileError, ValueError)
    assert str(refusal("")) == f"{SOURCE}: job: is required"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        pytest.param(
            lambda tmp: _write(tmp / "latin1.toml", 'title = "café"\n'.encode("latin-1")),
            "is not UTF-8 text",
            id="not-utf-8",
        ),
        pytest.param(lambda tmp: tmp / "missing.toml", "no such file", id="missing-file"),
        pytest.param(lambda tmp: tmp, "cannot be read", id="a-directory"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_naming_the_file(
    make: Callable[[Path], Path], words: str, tmp_path: Path
) -> None:
    path = make(tmp_path)
    with pytest.raises(ScenarioFileError) as caught:
        ScenarioFile.load(path)
    assert (caught.value.source, caught.value.key) == (str(path), "")
    assert words in caught.value.problem
    assert str(caught.value) == f"{path}: {caught.value.problem}"


def test_a_rejected_file_changes_nothing_the_next_good_file_runs_as_on_its_own(
    tmp_path: Path,
) -> None:
    """parse() that raises leaves nothing behind: a good file loaded after a bad one runs
    exactly as it does alone."""
    good = ROOT / "examples" / "restart-story.toml"
    alone = log_rows(ScenarioFile.load(good).simulate().sim)
    bad = tmp_path / "bad.toml"
    bad.write_text(
        good.read_text(encoding="utf-8").replace("crash_at = 6.0", "crash_at = [6.0, 7.0]"),
        encoding="utf-8",
    )
    with pytest.raises(ScenarioFileError, match="already down"):
        ScenarioFile.load(bad)
    with pytest.raises(ScenarioFileError):
        ScenarioFile.parse(scenario("flags = 0x40"))
    assert log_rows(ScenarioFile.load(good).simulate().sim) == alone


def test_simulate_builds_a_new_simulation_each_time() -> None:
    scenario_file = ScenarioFile.load(ROOT / "examples" / "on-demand.toml")
    first = scenario_file.simulate().sim
    second = scenario_file.simulate().sim
    assert first is not second
    assert log_rows(first) == log_rows(second)
    unrun = scenario_file.simulate(run=False)
    assert (unrun.sim.now, unrun.actions) == (0.0, [])
    assert unrun.sim.jobs[0].state is bl.JobState.SUSPENDED


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


# -- the other side of the refusals of issue 9 ---------------------------------------------------


def test_k6_a_program_declared_not_installed_fails_to_launch_and_is_retried() -> None:
    """K6, K5: ``installed = false`` declares a path a command line may name; running it fails
    to launch, and BITS tries again after the retry delay."""
    text = scenario(
        'minimum_retry_delay = 5\ncmdline = { program = "/opt/missing/notify" }',
        after='[[program]]\npath = "/opt/missing/notify"\ninstalled = false\n',
    )
    sim = ScenarioFile.parse(text).simulate(run=False).sim
    sim.run(until=12.0)
    tries = sim.log.entries(sim.jobs[0], method="job_transferred")
    assert [(round(e.time, 6), e.outcome, e.rule) for e in tries] == [
        (0.051, "failed", "K5"),
        (5.051, "failed", "K5"),
        (10.051, "failed", "K5"),
    ]
    assert all(
        "/opt/missing/notify failed to launch: no such program (K6)" in e.detail for e in tries
    )


def test_k6_a_cmdline_names_its_program_in_any_case_and_either_slash_on_windows() -> None:
    text = scenario(
        r"cmdline = { program = 'c:/tools/NOTIFY.exe' }",
        after="[[program]]\npath = 'C:\\Tools\\notify.exe'\n",
    )
    sim = ScenarioFile.parse(text).simulate().sim
    [entry] = sim.log.entries(sim.jobs[0], method="job_transferred")
    assert (entry.outcome, entry.rule) == ("cmdline", "K3")


def test_l4_outages_that_touch_are_accepted_as_one_down_time() -> None:
    """L4: [15, 25) then [25, 30) do not overlap: the network is down from 15 s to 30 s."""
    text = scenario(after=OUTAGE.format(15, 10) + OUTAGE.format(25, 5), size="40_000_000")
    sim = ScenarioFile.parse(text).simulate().sim
    down = [(c.time, c.new.name) for c in sim.jobs[0].history if c.rule == "L4"]
    assert down == [(15.0, "TRANSIENT_ERROR"), (30.0, "QUEUED")]


def test_l5_server_errors_may_overlap_for_different_urls_and_follow_each_other_for_one() -> None:
    text = scenario(
        after=SERVER_ERROR.format(503, 0, 10)
        + SERVER_ERROR.format(404, 10, 5)
        + SERVER_ERROR.format(503, 0, 10).replace("a.cab", "b.cab")
    )
    assert len(ScenarioFile.parse(text).simulate(run=False).sim.network.failures) == 3
