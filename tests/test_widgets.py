"""Widgets, tested as the guide asks: set ``.value`` on controls, check what they keep."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from typing import Any

import pytest
from support import log_rows

import bitslab as bl
from bitslab.compare import differences
from bitslab.scenarios import MIRROR, restart_story
from bitslab.timeline import arrivals
from bitslab.widgets import Compare, Comparison, Explorer, FlagPicker

F = bl.NotifyFlags
S = bl.JobState


def test_f2_flag_picker_starts_with_a_new_jobs_flags() -> None:
    """F2: JOB_TRANSFERRED | JOB_ERROR, as a new job has."""
    picker = FlagPicker()
    assert picker.value == bl.Simulation().create_job("j").get_notify_flags() == 0x3
    ticked = {flag for flag, box in picker.boxes.items() if box.value}
    assert ticked == {F.JOB_TRANSFERRED, F.JOB_ERROR}
    assert picker.summary.value.startswith("<code>0x0003</code>")


@pytest.mark.parametrize("value", [0x0, 0x1, 0x12, 0x3B, 0x20])
def test_f1_flag_picker_value_ticks_exactly_its_bits(value: int) -> None:
    """F1: setting .value ticks one box per bit, and the summary shows it in hex."""
    picker = FlagPicker()
    picker.value = value
    assert {flag for flag, box in picker.boxes.items() if box.value} == {
        flag for flag in F if value & flag
    }
    assert f"<code>0x{value:04X}</code>" in picker.summary.value


def test_f1_ticking_boxes_builds_the_value_a_job_accepts() -> None:
    """F1: the boxes' value is what set_notify_flags takes, and the job keeps it."""
    picker = FlagPicker(value=0)
    for flag in (F.FILE_TRANSFERRED, F.JOB_MODIFICATION, F.JOB_TRANSFERRED):
        picker.boxes[flag].value = True
    assert picker.value == 0x19
    job = bl.Simulation().create_job("j")
    job.set_notify_flags(picker.value)
    assert job.get_notify_flags() == F.FILE_TRANSFERRED | F.JOB_MODIFICATION | F.JOB_TRANSFERRED
    picker.boxes[F.JOB_MODIFICATION].value = False
    assert picker.value == 0x11


def test_f5_disable_greys_out_the_other_flags_but_keeps_their_bits() -> None:
    """F5: under DISABLE nothing is delivered: the other boxes are greyed, their bits kept."""
    picker = FlagPicker(value=0x13)
    picker.boxes[F.DISABLE].value = True
    assert picker.value == 0x17
    assert [flag for flag, box in picker.boxes.items() if box.disabled] == [
        flag for flag in F if flag is not F.DISABLE
    ]
    assert "DISABLE" in picker.summary.value
    assert "(F5)" in picker.summary.value
    picker.boxes[F.DISABLE].value = False
    assert picker.value == 0x13
    assert not any(box.disabled for box in picker.boxes.values())


@pytest.mark.parametrize(
    ("value", "error"), [(0x40, ValueError), (-1, ValueError), ("3", TypeError), (True, TypeError)]
)
def test_f3_flag_picker_refuses_bits_outside_0x3f_and_keeps_its_value(
    value: object, error: type[Exception]
) -> None:
    """F3: a value BITS would refuse is refused, naming the value; nothing changes."""
    picker = FlagPicker(value=0x21)
    with pytest.raises(error, match="value"):
        picker.value = value
    assert picker.value == 0x21
    assert {flag for flag, box in picker.boxes.items() if box.value} == {
        F.JOB_TRANSFERRED,
        F.FILE_RANGES_TRANSFERRED,
    }


def test_flag_picker_drives_the_flags_tour() -> None:
    """F8: what the picker's value lets through in flags_tour is exactly its flags' kinds."""
    picker = FlagPicker()
    picker.boxes[F.FILE_TRANSFERRED].value = True
    sim = bl.scenarios.flags_tour(flags=picker.value)
    delivered = {e.method for e in sim.log.entries(outcome="delivered")}
    assert delivered == {"job_transferred", "job_error", "file_transferred"}
    filtered = {e.method for e in sim.log.entries(outcome="filtered")}
    assert filtered == {"job_modification", "file_ranges_transferred"}


# -- Explorer ---------------------------------------------------------------------------------

#: restart_story's keyword arguments and their defaults, read from its signature: the
#: Explorer's controls stand for exactly these (``run`` aside).
STORY_DEFAULTS: dict[str, Any] = {
    name: parameter.default
    for name, parameter in inspect.signature(restart_story).parameters.items()
    if name != "run"
}
PNG = b"\x89PNG\r\n\x1a\n"


def _job(sim: bl.Simulation, name: str = "nightly") -> bl.Job:
    (job,) = [job for job in sim.jobs if job.name == name]
    return job


def _subject(entry: bl.LogEntry) -> str:
    return entry.method if entry.file is None else f"{entry.method} {entry.file.local_name}"


def _ends(sim: bl.Simulation, name: str = "nightly") -> list[tuple[str, str, str | None]]:
    """How each notification of job ``name`` (modifications aside) ended, from the log's
    final entries: ``(subject, outcome, rule)``, sorted."""
    return sorted(
        (_subject(e), e.outcome, e.rule)
        for e in sim.log.entries(_job(sim, name), final=True)
        if e.method != "job_modification"
    )


def _thin_view(explorer: Explorer) -> bl.Simulation:
    """Check that the explorer is a thin view, and return its run: its settings are its
    controls', its run logs exactly what restart_story(**settings) run directly logs, and its
    rows are arrivals() of its run."""
    assert explorer.error is None
    assert explorer.settings == explorer.scenario_settings()
    assert set(explorer.settings) == set(STORY_DEFAULTS)
    sim = explorer.result
    assert isinstance(sim, bl.Simulation)
    direct = restart_story(**explorer.settings)
    assert log_rows(sim) == log_rows(direct)
    assert [(job.name, job.state) for job in sim.jobs] == [
        (job.name, job.state) for job in direct.jobs
    ]
    assert explorer.arrived == arrivals(sim)
    return sim


def test_explorer_starts_as_restart_story_with_its_defaults() -> None:
    """I4, C5: the first run is restart_story() itself (crash at 6 s, restart at 30 s), and
    the settings are restart_story's defaults."""
    explorer = Explorer(draw=False)
    assert explorer.settings == STORY_DEFAULTS
    sim = _thin_view(explorer)
    assert log_rows(sim) == log_rows(restart_story())
    assert explorer.flags.value == STORY_DEFAULTS["flags"]
    assert (explorer.crashes.value, explorer.crash_at.value) == (True, STORY_DEFAULTS["crash_at"])
    assert (explorer.restarts.value, explorer.restart_at.value) == (
        True,
        STORY_DEFAULTS["restart_at"],
    )
    assert (explorer.outage.value, explorer.server_error.value) == (False, False)
    assert {job.name: job.state for job in sim.jobs} == {
        "nightly": S.ACKNOWLEDGED,
        "report": S.TRANSFERRED,
    }


# Each control, a new value, and what that changes in the settings (nothing else may change).
CONTROL_CHANGES: list[tuple[str, object, dict[str, Any]]] = [
    ("flags", 0x3, {"flags": 0x3}),
    ("crashes", False, {"crash_at": None, "restart_at": None}),  # no restart without a crash
    ("crash_at", 3.5, {"crash_at": 3.5}),
    ("restarts", False, {"restart_at": None}),
    ("restart_at", 45.0, {"restart_at": 45.0}),
    ("reregister", False, {"reregister": False}),
    ("poll", True, {"poll": True}),
    ("retry_delay", 20.0, {"retry_delay": 20.0}),
    ("outage", True, {"outage": (10.0, 10.0)}),
    ("outage_span", (2.0, 5.0), {}),  # the box is unticked: no outage
    ("server_error", True, {"server_error": (10.0, 10.0)}),
    ("server_error_span", (2.0, 5.0), {}),
    ("seed", 7, {"seed": 7}),
]


@pytest.mark.parametrize(
    ("control", "value", "changed"), CONTROL_CHANGES, ids=[c[0] for c in CONTROL_CHANGES]
)
def test_each_control_changes_its_own_setting_and_reruns_once(
    control: str, value: object, changed: dict[str, Any]
) -> None:
    """Setting a control's value re-runs the story once, with exactly that setting changed."""
    explorer = Explorer(draw=False)
    runs: list[object] = []
    explorer.observe(lambda change: runs.append(change["new"]), names="result")
    explorer.controls[control].value = value
    assert runs == [explorer.result]
    assert explorer.settings == {**STORY_DEFAULTS, **changed}
    _thin_view(explorer)


@pytest.mark.parametrize("how", ["box", "value"])
def test_f8_without_file_transferred_the_file_notifications_are_filtered(how: str) -> None:
    """F8: unticking FILE_TRANSFERRED (or setting the picker's value to 0x3) filters every
    file_transferred of nightly; job_transferred still arrives and the app completes the job."""
    explorer = Explorer(draw=False)
    if how == "box":
        explorer.flags.boxes[F.FILE_TRANSFERRED].value = False
    else:
        explorer.flags.value = 0x3
    assert explorer.settings["flags"] == F.JOB_TRANSFERRED | F.JOB_ERROR
    sim = _thin_view(explorer)
    assert _ends(sim) == [
        ("file_transferred base.cab", "filtered", "F8"),
        ("file_transferred fonts.cab", "filtered", "F8"),
        ("file_transferred lang.cab", "filtered", "F8"),
        ("job_transferred", "delivered", None),
    ]
    nightly = _job(sim)
    assert nightly.state is S.ACKNOWLEDGED
    notifier = nightly.get_notify_interface()
    assert isinstance(notifier, bl.RecordingNotifier)
    assert [call.method for call in notifier.calls] == ["job_transferred"]
    rows = [row for row in explorer.arrived if row.notification.startswith("file_transferred")]
    assert {(row.job, row.outcome, row.rule) for row in rows if row.job == "nightly"} == {
        ("nightly", "filtered", "F8")
    }


def test_f5_ticking_disable_silences_every_notification_of_nightly() -> None:
    """F5: with DISABLE (0x4) nothing of nightly is delivered, whatever else is set; never
    told it is done, the app never completes the job."""
    explorer = Explorer(draw=False)
    explorer.flags.boxes[F.DISABLE].value = True
    assert explorer.settings["flags"] == STORY_DEFAULTS["flags"] | F.DISABLE
    sim = _thin_view(explorer)
    nightly = _job(sim)
    finals = sim.log.entries(nightly, final=True)
    assert {(e.outcome, e.rule) for e in finals if e.method != "job_modification"} == {
        ("disabled", "F5")
    }
    assert {(e.outcome, e.rule) for e in finals} <= {("disabled", "F5"), ("coalesced", "C7")}
    assert sim.log.entries(nightly, outcome="delivered") == []
    assert sim.log.pending(nightly) == []
    assert nightly.state is S.TRANSFERRED
    rows = [row for row in explorer.arrived if row.job == "nightly"]
    assert rows
    assert {(row.outcome, row.rule) for row in rows} == {("disabled", "F5")}


def test_i5_under_disable_the_restart_raises_job_transferred_again() -> None:
    """I5, F5: re-registering on the TRANSFERRED job raises job_transferred again (the first
    one ended, disabled): two job_transferred rows, both disabled."""
    explorer = Explorer(flags=STORY_DEFAULTS["flags"] | F.DISABLE, draw=False)
    sim = _thin_view(explorer)
    (transferred,) = [c.time for c in _job(sim).history if c.new is S.TRANSFERRED]
    rows = [
        r for r in explorer.arrived if (r.job, r.notification) == ("nightly", "job_transferred")
    ]
    assert [(r.raised, r.outcome) for r in rows] == [
        (transferred, "disabled"),
        (explorer.settings["restart_at"], "disabled"),
    ]


def test_i4_without_a_crash_every_notification_arrives_first_time() -> None:
    """I4: unticking the crash leaves the app running: every call of nightly is delivered at
    its first attempt, when it is raised; nothing is late."""
    explorer = Explorer(draw=False)
    explorer.crashes.value = False
    assert explorer.settings["crash_at"] is None
    sim = _thin_view(explorer)
    (app,) = sim.apps
    assert [(run.number, run.start, run.end, run.how) for run in app.runs] == [
        (1, 0.0, None, "running")
    ]
    nightly = _job(sim)
    tries = [e for e in sim.log.entries(nightly) if e.method != "job_modification"]
    assert len(tries) == 4  # three files and the job
    for entry in tries:
        assert (entry.outcome, entry.attempt, entry.final, entry.time) == (
            "delivered",
            1,
            True,
            entry.raised,
        )
    assert nightly.state is S.ACKNOWLEDGED
    assert not any("late" in row.why for row in explorer.arrived)


def test_i4_c5_without_a_restart_the_missed_calls_stay_pending() -> None:
    """I4, C5, C4: unticking the restart: the app never comes back, fonts.cab's call waits
    for a retry and the rest wait behind it; the job stays TRANSFERRED, not ACKNOWLEDGED."""
    explorer = Explorer(draw=False)
    explorer.restarts.value = False
    assert explorer.settings["restart_at"] is None
    sim = _thin_view(explorer)
    (app,) = sim.apps
    assert [run.how for run in app.runs] == ["crash"]
    nightly = _job(sim)
    assert nightly.state is S.TRANSFERRED
    assert [(p.method, p.status) for p in sim.log.pending(nightly)] == [
        ("file_transferred", "retry"),
        ("file_transferred", "waiting"),
        ("job_transferred", "waiting"),
    ]
    pending = [(row.notification, row.rule) for row in explorer.arrived if row.outcome == "pending"]
    assert pending == [
        ("file_transferred 'fonts.cab'", "C5"),
        ("file_transferred 'lang.cab'", "C4"),
        ("job_transferred", "C4"),
    ]


def test_i4_without_reregistering_the_restarted_app_hears_nothing() -> None:
    """I4: the app restarts but registers no new notifier: the dead one is never called
    successfully again, so the three missed calls stay pending and the job TRANSFERRED."""
    explorer = Explorer(draw=False)
    explorer.reregister.value = False
    sim = _thin_view(explorer)
    (app,) = sim.apps
    assert [run.how for run in app.runs] == ["crash", "running"]
    nightly = _job(sim)
    assert nightly.state is S.TRANSFERRED
    assert len(sim.log.pending(nightly)) == 3
    crash_at = explorer.settings["crash_at"]
    assert all(e.time < crash_at for e in sim.log.entries(nightly, outcome="delivered"))
    assert _ends(sim) == [("file_transferred base.cab", "delivered", None)]


@pytest.mark.parametrize("reregister", [True, False])
def test_c11_polling_on_start_completes_the_job_and_the_missed_calls_go_stale(
    reregister: bool,
) -> None:
    """C11, I4: polling on start finds nightly TRANSFERRED and completes it, so the calls
    still pending for it are dropped as stale; nothing stays pending."""
    explorer = Explorer(reregister=reregister, draw=False)
    explorer.poll.value = True
    sim = _thin_view(explorer)
    nightly = _job(sim)
    assert nightly.state is S.ACKNOWLEDGED
    last = nightly.history[-1]
    assert (last.time, last.new, last.rule) == (
        explorer.settings["restart_at"],
        S.ACKNOWLEDGED,
        "L11",
    )
    assert _ends(sim) == [
        ("file_transferred base.cab", "delivered", None),
        ("file_transferred fonts.cab", "stale", "C11"),
        ("file_transferred lang.cab", "stale", "C11"),
        ("job_transferred", "stale", "C11"),
    ]
    assert sim.log.pending() == []


@pytest.mark.parametrize("delay", [7.0, 13.0])
def test_c5_the_retry_delay_sets_when_the_failed_call_is_tried_again(delay: float) -> None:
    """C5: the call that failed into the dead app is tried again every retry delay, then at
    once when the restarted app registers a new notifier."""
    explorer = Explorer(draw=False)
    explorer.retry_delay.value = delay
    assert explorer.settings["retry_delay"] == delay
    sim = _thin_view(explorer)
    (fonts,) = [
        e for e in sim.log.entries(_job(sim), final=True) if _subject(e).endswith("fonts.cab")
    ]
    restart = explorer.settings["restart_at"]
    expected, time = [], fonts.raised
    while time < restart:
        expected.append(time)
        time += delay
    tries = [e for e in sim.log if e.id == fonts.id]
    assert [e.time for e in tries] == pytest.approx([*expected, restart])
    assert [e.outcome for e in tries] == ["app_down"] * len(expected) + ["delivered"]


def test_l4_the_outage_box_and_span_take_the_network_down_then() -> None:
    """L4: the span alone changes nothing; ticked, the network is down over it, and the
    transferring job waits in TRANSIENT_ERROR until it is back."""
    explorer = Explorer(draw=False)
    explorer.outage_span.value = (12.0, 18.0)
    assert explorer.settings["outage"] is None
    assert explorer.result.network.outages == []
    explorer.outage.value = True
    assert explorer.settings["outage"] == (12.0, 6.0)  # (start, duration), as the story takes it
    sim = _thin_view(explorer)
    assert sim.network.outages == [(12.0, 18.0)]
    assert [(c.time, c.new, c.rule) for c in _job(sim).history if c.rule == "L4"] == [
        (12.0, S.TRANSIENT_ERROR, "L4"),
        (18.0, S.QUEUED, "L4"),
    ]
    explorer.outage.value = False
    assert _thin_view(explorer).network.outages == []


def test_l5_the_server_error_box_and_span_make_the_mirror_answer_503() -> None:
    """L5: ticked, the mirror answers 503 over the span; the job waits in TRANSIENT_ERROR and
    is queued again after its retry delay."""
    explorer = Explorer(draw=False)
    explorer.server_error_span.value = (10.0, 20.0)
    explorer.server_error.value = True
    assert explorer.settings["server_error"] == (10.0, 10.0)
    sim = _thin_view(explorer)
    assert sim.network.failures == [(MIRROR, 503, 10.0, 20.0)]
    assert [(c.time, c.new, c.rule) for c in _job(sim).history if c.rule == "L5"] == [
        (10.0, S.TRANSIENT_ERROR, "L5"),
        (10.0 + explorer.settings["retry_delay"], S.QUEUED, "L5"),
    ]


def test_the_seed_control_seeds_the_simulation() -> None:
    explorer = Explorer(draw=False)
    explorer.seed.value = 12345
    assert explorer.settings["seed"] == 12345
    assert _thin_view(explorer).seed == 12345


@pytest.mark.parametrize(
    ("control", "refused", "fixed"),
    [("restart_at", 5.0, 31.0), ("restart_at", 6.0, 6.5), ("crash_at", 30.0, 29.5)],
)
def test_i4_a_restart_not_after_the_crash_is_refused_and_changes_nothing(
    control: str, refused: float, fixed: float
) -> None:
    """I4: restart_story refuses restart_at <= crash_at (a running app cannot start again):
    the explorer says why, naming restart_at, and keeps its last run, rows and table; a
    valid value runs again and clears the error."""
    explorer = Explorer(draw=False)
    before = (explorer.result, dict(explorer.settings), list(explorer.arrived))
    table = explorer.table.value
    explorer.controls[control].value = refused
    assert explorer.error is not None
    assert "restart_at" in explorer.error
    assert explorer.result is before[0]
    assert (explorer.result, explorer.settings, explorer.arrived) == before
    assert explorer.table.value == table
    assert "Not run" in explorer.summary.value
    assert explorer.scenario_settings()[control] == refused  # the control shows what was refused
    explorer.controls[control].value = fixed
    assert explorer.error is None
    assert explorer.result is not before[0]
    assert explorer.settings[control] == fixed
    assert "Not run" not in explorer.summary.value
    _thin_view(explorer)


def test_l4_an_outage_of_no_duration_is_refused_naming_the_outage() -> None:
    """L4: a zero-length outage window is refused as restart_story refuses it."""
    explorer = Explorer(draw=False)
    explorer.outage_span.value = (15.0, 15.0)
    first = explorer.result
    explorer.outage.value = True
    assert explorer.error is not None
    assert "outage" in explorer.error
    assert explorer.result is first
    explorer.outage_span.value = (15.0, 16.0)
    assert explorer.error is None
    assert _thin_view(explorer).network.outages == [(15.0, 16.0)]


def test_i4_without_a_crash_the_restart_means_nothing_and_is_greyed_out() -> None:
    """I4: without a crash there is no restart: its controls are greyed out, restart_at is
    None whatever they say, and no restart time is refused."""
    explorer = Explorer(crash_at=None, draw=False)
    assert (explorer.crash_at.disabled, explorer.restarts.disabled) == (True, True)
    assert explorer.restart_at.disabled
    explorer.restart_at.value = 3.0
    assert explorer.error is None
    assert explorer.settings["restart_at"] is None
    assert [run.how for run in _thin_view(explorer).apps[0].runs] == ["running"]
    explorer.crashes.value = True
    assert not any(
        control.disabled for control in (explorer.crash_at, explorer.restarts, explorer.restart_at)
    )
    explorer.restarts.value = False
    assert explorer.restart_at.disabled
    assert not explorer.restarts.disabled


@pytest.mark.parametrize("fault", ["outage", "server_error"])
def test_a_faults_span_is_greyed_out_while_its_box_is_unticked(fault: str) -> None:
    """L4, L5: a fault's span means something only while its box is ticked."""
    explorer = Explorer(draw=False)
    box, span = explorer.controls[fault], explorer.controls[f"{fault}_span"]
    assert span.disabled
    box.value = True
    assert not span.disabled
    box.value = False
    assert span.disabled
    assert explorer.settings[fault] is None


def test_an_explorer_whose_first_settings_are_refused_shows_why_and_has_no_run() -> None:
    """I4: refused first settings do not raise: no result yet, the error names restart_at;
    fixing the control runs the story."""
    explorer = Explorer(restart_at=3.0, draw=False)
    assert explorer.result is None
    assert explorer.error is not None
    assert "restart_at" in explorer.error
    assert (explorer.settings, explorer.arrived) == ({}, [])
    assert "Not run" in explorer.summary.value
    explorer.restart_at.value = 40.0
    assert explorer.settings["restart_at"] == 40.0
    _thin_view(explorer)


def _fussy(**settings: Any) -> bl.Simulation:
    """A custom scenario with a bug: it raises when asked to poll."""
    if settings["poll"]:
        raise RuntimeError("polling is not written yet")
    return restart_story(**settings)


def test_a_custom_scenario_that_raises_is_shown_not_raised() -> None:
    """A RuntimeError in a custom scenario does not escape the widget: ``error`` names it,
    the last run stays, and the next good change runs again."""
    explorer = Explorer(scenario=_fussy, draw=False)
    first = _thin_view(explorer)
    explorer.poll.value = True
    assert explorer.error is not None
    assert explorer.error.startswith("RuntimeError")
    assert "polling is not written yet" in explorer.error
    assert "RuntimeError" in explorer.summary.value
    assert explorer.result is first
    explorer.poll.value = False
    assert explorer.error is None
    assert explorer.result is not first
    _thin_view(explorer)


def test_a_custom_scenario_that_raises_at_once_leaves_an_explorer_with_no_run() -> None:
    def broken(**settings: Any) -> bl.Simulation:
        raise RuntimeError("broken")

    explorer = Explorer(scenario=broken, draw=False)
    assert explorer.result is None
    assert explorer.error == "RuntimeError: broken"
    assert (explorer.settings, explorer.arrived) == ({}, [])


def test_a_custom_scenario_that_prints_still_runs_with_the_controls_settings() -> None:
    """What a scenario prints goes to the output view; the widget works as with the story."""
    seen: list[dict[str, Any]] = []

    def chatty(**settings: Any) -> bl.Simulation:
        print("running the story with", settings)
        seen.append(settings)
        return restart_story(**settings)

    explorer = Explorer(scenario=chatty, draw=False)
    explorer.reregister.value = False
    assert seen == [STORY_DEFAULTS, {**STORY_DEFAULTS, "reregister": False}]
    _thin_view(explorer)


@pytest.mark.parametrize("name", ["restart", "crash", "run", "flag"])
def test_an_unknown_setting_is_a_type_error_naming_it(name: str) -> None:
    """Only restart_story's own settings are controls (``run`` is not one)."""
    with pytest.raises(TypeError, match=f"'{name}'"):
        Explorer(draw=False, **{name: 1.0})
    with pytest.raises(TypeError, match=f"'{name}'"):
        Compare(right={name: 1.0}, draw=False)


def test_keyword_settings_set_the_controls_first_values() -> None:
    """Keyword arguments are restart_story's: they set the controls and the first run."""
    given: dict[str, Any] = {
        "flags": 0x1,
        "crash_at": 4.0,
        "restart_at": 45.0,
        "reregister": False,
        "poll": True,
        "retry_delay": 20.0,
        "outage": (12.0, 4.0),
        "server_error": (3.0, 2.0),
        "seed": 3,
    }
    explorer = Explorer(draw=False, **given)
    assert explorer.flags.value == 0x1
    assert (explorer.crashes.value, explorer.crash_at.value) == (True, 4.0)
    assert (explorer.restarts.value, explorer.restart_at.value) == (True, 45.0)
    assert (explorer.reregister.value, explorer.poll.value) == (False, True)
    assert explorer.retry_delay.value == 20.0
    assert (explorer.outage.value, explorer.outage_span.value) == (True, (12.0, 16.0))
    assert (explorer.server_error.value, explorer.server_error_span.value) == (True, (3.0, 5.0))
    assert explorer.seed.value == 3
    assert explorer.settings == given
    _thin_view(explorer)


def test_none_times_untick_their_boxes() -> None:
    """crash_at=None unticks the crash (restart_at=None the restart); ticking it again crashes
    at the slider's time."""
    explorer = Explorer(crash_at=None, restart_at=None, draw=False)
    assert explorer.crashes.value is False
    assert explorer.restarts.value is False
    assert (explorer.settings["crash_at"], explorer.settings["restart_at"]) == (None, None)
    _thin_view(explorer)
    explorer.crashes.value = True
    assert explorer.settings["crash_at"] == explorer.crash_at.value
    assert [run.how for run in _thin_view(explorer).apps[0].runs] == ["crash"]


@pytest.mark.parametrize(
    "given",
    [
        {"crash_at": 0.0},
        {"crash_at": 0.0, "restart_at": 0.5},
        {"crash_at": 0.0, "restart_at": None},
    ],
)
def test_i4_a_zero_time_is_a_time_not_the_sliders_default(given: dict[str, Any]) -> None:
    """I4: restart_story takes crash_at=0.0 (the app crashes at once); the explorer must run
    exactly that, not its slider's default 6.0 (0.0 is a time, not None)."""
    explorer = Explorer(draw=False, **given)
    assert explorer.settings == {**STORY_DEFAULTS, **given}
    _thin_view(explorer)


def test_i4_a_zero_restart_before_the_crash_is_refused_as_restart_story_refuses_it() -> None:
    """I4: restart_at=0.0 before crash_at=2.0 is refused by restart_story; so by the explorer."""
    with pytest.raises(ValueError, match="restart_at"):
        restart_story(crash_at=2.0, restart_at=0.0)
    explorer = Explorer(crash_at=2.0, restart_at=0.0, draw=False)
    assert explorer.result is None
    assert explorer.error is not None
    assert "restart_at" in explorer.error


@pytest.mark.parametrize(
    "given",
    [
        {"retry_delay": 600.0},  # BITS's own default minimum retry delay (L1)
        {"crash_at": 90.0, "restart_at": 150.0},
        {"outage": (100.0, 50.0)},
        {"seed": 2**40},
    ],
    ids=["retry_delay", "crash_and_restart", "outage", "seed"],
)
def test_keyword_settings_beyond_a_sliders_range_are_not_silently_changed(
    given: dict[str, Any],
) -> None:
    """restart_story runs these as given; the explorer must run them as given too, or refuse
    them by name, not clamp them to its sliders' ends and run something else."""
    refused = ""
    try:
        explorer = Explorer(draw=False, **given)
    except ValueError as error:  # refusing them, by name, would do as well
        refused = str(error)
    if refused:
        assert any(name in refused for name in given)
    else:
        assert {name: explorer.settings.get(name) for name in given} == given


@pytest.mark.parametrize(
    "given", [{}, {"reregister": False}, {"flags": 0x1F}, {"crash_at": None}, {"flags": 0x17}]
)
def test_arrived_rows_are_the_runs_arrivals_one_table_row_each(given: dict[str, Any]) -> None:
    """The table has a header and one row per arrived row (modifications aside, even when
    JOB_MODIFICATION is set); the summary shows the flags in hex and the count arrived."""
    explorer = Explorer(draw=False, **given)
    assert explorer.arrived == arrivals(explorer.result)
    assert not any(row.notification == "job_modification" for row in explorer.arrived)
    assert explorer.table.value.count("<tr>") == len(explorer.arrived) + 1
    flags = explorer.settings["flags"]
    assert f"<code>0x{flags:04X}</code>" in explorer.summary.value
    arrived = sum(row.outcome in ("delivered", "cmdline") for row in explorer.arrived)
    assert f"{arrived} of {len(explorer.arrived)} notifications arrived" in explorer.summary.value


def test_drawn_explorer_shows_a_png_timeline_that_changes_with_the_run() -> None:
    """draw=True: the timeline is a PNG image, redrawn when the run changes and left alone
    when a change is refused; the outcome matrix is an HTML table of the run's counts."""
    explorer = Explorer()
    first = bytes(explorer.timeline.value)
    assert first.startswith(PNG)
    assert len(first) > 1000
    explorer.reregister.value = False
    second = bytes(explorer.timeline.value)
    assert second.startswith(PNG)
    assert second != first
    explorer.restart_at.value = 2.0  # refused: nothing is redrawn
    assert explorer.error is not None
    assert bytes(explorer.timeline.value) == second


def _matrix_cells(html: str) -> dict[tuple[str, str], int]:
    """The outcome matrix's counts, read back from its HTML table."""
    rows = re.findall(r"<tr>(.*?)</tr>", html)
    columns = re.findall(r"<th[^>]*>([^<]*)</th>", rows[0])[1:]
    found = {}
    for row in rows[1:]:
        method = re.search(r"<code>(.*?)</code>", row)
        assert method is not None
        values = re.findall(r"<td[^>]*>(\d*)</td>", row)
        for column, value in zip(columns, values, strict=True):
            if value:
                found[(method.group(1), column)] = int(value)
    return found


@pytest.mark.parametrize("given", [{}, {"reregister": False}, {"flags": 0x1B}, {"poll": True}])
def test_the_outcome_matrix_is_a_crisp_html_table_of_the_runs_counts(
    given: dict[str, Any],
) -> None:
    """The matrix is text (crisp at any size): methods down, outcomes across, every count of
    the run's final log entries and pending notifications, blank where none."""
    explorer = Explorer(draw=False, **given)
    sim = explorer.result
    expected: dict[tuple[str, str], int] = {}
    for entry in sim.log.entries(final=True):
        expected[(entry.method, entry.outcome)] = expected.get((entry.method, entry.outcome), 0) + 1
    for note in sim.log.pending():
        expected[(note.method, "pending")] = expected.get((note.method, "pending"), 0) + 1
    assert _matrix_cells(explorer.matrix.value) == expected


def test_undrawn_explorer_leaves_its_image_empty_and_matplotlib_unloaded() -> None:
    """draw=False draws nothing; importing bitslab.widgets and running an Explorer without
    pictures never imports matplotlib (a fresh interpreter proves it)."""
    explorer = Explorer(draw=False)
    explorer.poll.value = True
    assert bytes(explorer.timeline.value) == b""
    code = (
        "import sys\n"
        "from bitslab.widgets import Explorer\n"
        "before = 'matplotlib' in sys.modules\n"
        "Explorer(draw=False).reregister.value = False\n"
        "after = 'matplotlib' in sys.modules\n"
        "Explorer()\n"
        "print(before, after, 'matplotlib' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False", "True"]


def test_the_table_is_shown_before_the_picture_is_drawn() -> None:
    """A click updates the summary and the table first, then redraws the picture, so the
    table never waits for matplotlib."""
    explorer = Explorer()
    order: list[str] = []
    explorer.table.observe(lambda _: order.append("table"), names="value")
    explorer.summary.observe(lambda _: order.append("summary"), names="value")
    explorer.timeline.observe(lambda _: order.append("timeline"), names="value")
    explorer.reregister.value = False
    assert order == ["summary", "table", "timeline"]


def test_changes_made_in_a_hold_block_rerun_once_when_it_ends() -> None:
    """Three changes inside ``with explorer.hold():`` run the story once, at the end, with all
    three; inside the block the results are still the last run's."""
    explorer = Explorer(draw=False)
    first = explorer.result
    runs: list[object] = []
    explorer.observe(lambda change: runs.append(change["new"]), names="result")
    with explorer.hold():
        explorer.reregister.value = False
        explorer.retry_delay.value = 5
        explorer.restart_at.value = 20
        assert explorer.result is first
        assert explorer.runs == 1
    assert explorer.runs == 2
    assert runs == [explorer.result]
    assert explorer.settings == {
        **STORY_DEFAULTS,
        "reregister": False,
        "retry_delay": 5,
        "restart_at": 20,
    }
    _thin_view(explorer)


def test_changes_made_in_one_notebook_cell_rerun_once_at_its_end() -> None:
    """In an IPython shell (a Jupyter kernel), changes made in one cell wait for its end, then
    run the story once; reading a result in the cell brings it up to date at once. Run in a
    fresh process: an IPython shell changes interpreter-wide hooks."""
    script = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "shell.run_cell('from bitslab.widgets import Explorer; e = Explorer(draw=False)')\n"
        "shell.run_cell('e.reregister.value = False; e.retry_delay.value = 5; "
        "e.restart_at.value = 20; runs = e.runs')\n"
        "print(shell.user_ns['runs'], shell.user_ns['e'].runs)\n"
        "shell.run_cell('e.poll.value = True; seen = e.settings[\"poll\"]; runs = e.runs')\n"
        "print(shell.user_ns['seen'], shell.user_ns['runs'], shell.user_ns['e'].runs)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    first, second = result.stdout.splitlines()
    assert first.split() == ["1", "2"]  # held in the cell, run once at its end
    assert second.split() == ["True", "3", "3"]  # read in the cell: run then, not again


# -- Compare ----------------------------------------------------------------------------------

NOT_REREGISTERED = [
    ("nightly", "file_transferred 'fonts.cab'", "delivered at 30.00 s", "pending"),
    ("nightly", "file_transferred 'lang.cab'", "delivered at 30.00 s", "pending"),
    ("nightly", "job_transferred", "delivered at 30.00 s", "pending"),
]


def _check_comparison(compare: Compare) -> Comparison:
    result = compare.result
    assert isinstance(result, Comparison)
    assert result.left is compare.left.result
    assert result.right is compare.right.result
    flags = compare.left.settings["flags"] | compare.right.settings["flags"]
    asked = bool(flags & F.JOB_MODIFICATION)  # modifications compared only when asked for
    assert result.differences == differences(result.left, result.right, modifications=asked)
    return result


def test_i4_compare_shows_the_calls_a_restart_without_reregistering_leaves_pending() -> None:
    """I4: side by side, the restarted app that re-registers gets fonts.cab, lang.cab and
    job_transferred; the one that does not leaves them pending."""
    compare = Compare(right={"reregister": False}, draw=False)
    assert compare.left.settings == STORY_DEFAULTS
    assert compare.right.settings == {**STORY_DEFAULTS, "reregister": False}
    result = _check_comparison(compare)
    assert [tuple(d) for d in result.differences] == NOT_REREGISTERED
    assert compare.differences.value.count("<tr>") == len(NOT_REREGISTERED) + 1


@pytest.mark.parametrize("side", ["left", "right"])
def test_changing_either_side_renews_the_comparison(side: str) -> None:
    """Any change on either side re-runs it and makes a new Comparison of the two runs."""
    compare = Compare(right={"reregister": False}, draw=False)
    first = compare.result
    explorer = compare.left if side == "left" else compare.right
    explorer.reregister.value = not explorer.reregister.value
    result = _check_comparison(compare)
    assert result is not first
    assert result.differences == []  # both sides now alike
    explorer.flags.boxes[F.DISABLE].value = True
    renewed = _check_comparison(compare)
    assert renewed is not result
    assert renewed.differences != []


def test_identical_sides_have_no_differences_and_say_so() -> None:
    compare = Compare(draw=False)
    assert _check_comparison(compare).differences == []
    assert "Both ran the same notifications to the same ends" in compare.differences.value
    compare.right.reregister.value = False
    assert [tuple(d) for d in _check_comparison(compare).differences] == NOT_REREGISTERED
    assert "Both ran the same" not in compare.differences.value
    compare.left.reregister.value = False
    assert _check_comparison(compare).differences == []
    assert "Both ran the same notifications to the same ends" in compare.differences.value


def test_i4_a_refused_change_on_one_side_keeps_the_comparison() -> None:
    """I4: a refused change leaves that side's run, so the comparison stays as it was."""
    compare = Compare(right={"reregister": False}, draw=False)
    first = compare.result
    compare.right.restart_at.value = 3.0
    assert compare.right.error is not None
    assert "restart_at" in compare.right.error
    assert compare.result is first


def test_i4_compare_with_a_refused_side_shows_why_and_compares_once_fixed() -> None:
    """I4: like an Explorer, a Compare whose side's first settings are refused does not
    raise; the side says why, and fixing it compares the two runs."""
    compare = Compare(left={"restart_at": 3.0}, right={"reregister": False}, draw=False)
    assert compare.left.error is not None
    assert "restart_at" in compare.left.error
    compare.left.restart_at.value = 30.0
    assert [tuple(d) for d in _check_comparison(compare).differences] == NOT_REREGISTERED


def test_comparing_runs_by_hand_matches_the_widget() -> None:
    """The widget is a thin view: differences() of the two runs made directly."""
    sides: list[dict[str, Any]] = [{"flags": 0x1B}, {"poll": True, "retry_delay": 7.0}]
    compare = Compare(*sides, draw=False)
    left, right = (restart_story(**side) for side in sides)
    assert _check_comparison(compare).differences == differences(
        left, right, modifications=True
    )  # 0x1B asks for JOB_MODIFICATION
    assert compare.result.differences != []
