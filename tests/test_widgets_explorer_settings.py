"""The Explorer widget: refused settings change nothing, custom scenarios, keyword settings,
tested as the guide asks: set ``.value`` on controls, check what they keep.
"""

from __future__ import annotations

from typing import Any

import pytest
from widgets_support import STORY_DEFAULTS, thin_view

import bitslab as bl
from bitslab.scenarios import restart_story
from bitslab.widgets import Compare, Explorer

# -- Explorer: refused settings, custom scenarios, keyword settings ---------------------------


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
    thin_view(explorer)


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
    assert thin_view(explorer).network.outages == [(15.0, 16.0)]


def test_i4_without_a_crash_the_restart_means_nothing_and_is_greyed_out() -> None:
    """I4: without a crash there is no restart: its controls are greyed out, restart_at is
    None whatever they say, and no restart time is refused."""
    explorer = Explorer(crash_at=None, draw=False)
    assert (explorer.crash_at.disabled, explorer.restarts.disabled) == (True, True)
    assert explorer.restart_at.disabled
    explorer.restart_at.value = 3.0
    assert explorer.error is None
    assert explorer.settings["restart_at"] is None
    assert [run.how for run in thin_view(explorer).apps[0].runs] == ["running"]
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
    thin_view(explorer)


def _fussy(**settings: Any) -> bl.Simulation:
    """A custom scenario with a bug: it raises when asked to poll."""
    if settings["poll"]:
        raise RuntimeError("polling is not written yet")
    return restart_story(**settings)


def test_a_custom_scenario_that_raises_is_shown_not_raised() -> None:
    """A RuntimeError in a custom scenario does not escape the widget: ``error`` names it,
    the last run stays, and the next good change runs again."""
    explorer = Explorer(scenario=_fussy, draw=False)
    first = thin_view(explorer)
    explorer.poll.value = True
    assert explorer.error is not None
    assert explorer.error.startswith("RuntimeError")
    assert "polling is not written yet" in explorer.error
    assert "RuntimeError" in explorer.summary.value
    assert explorer.result is first
    explorer.poll.value = False
    assert explorer.error is None
    assert explorer.result is not first
    thin_view(explorer)


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
    thin_view(explorer)


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
        "route": "clsid",
        "crash_at": 4.0,
        "restart_at": 45.0,
        "reregister": False,
        "poll": True,
        "retry_delay": 20.0,
        "outage": (12.0, 4.0),
        "server_error": (3.0, 2.0),
        "service_restart": (20.0, 5.0),
        "reboot": None,
        "seed": 3,
    }
    explorer = Explorer(draw=False, **given)
    assert explorer.flags.value == 0x1
    assert explorer.route.value == "clsid"
    assert (explorer.crashes.value, explorer.crash_at.value) == (True, 4.0)
    assert (explorer.restarts.value, explorer.restart_at.value) == (True, 45.0)
    assert (explorer.reregister.value, explorer.poll.value) == (False, True)
    assert explorer.retry_delay.value == 20.0
    assert (explorer.outage.value, explorer.outage_span.value) == (True, (12.0, 16.0))
    assert (explorer.server_error.value, explorer.server_error_span.value) == (True, (3.0, 5.0))
    assert (explorer.service_restart.value, explorer.service_restart_span.value) == (
        True,
        (20.0, 25.0),
    )
    assert explorer.reboot.value is False
    assert explorer.reboot_span.disabled
    assert explorer.seed.value == 3
    assert explorer.settings == given
    thin_view(explorer)


def test_none_times_untick_their_boxes() -> None:
    """crash_at=None unticks the crash (restart_at=None the restart); ticking it again crashes
    at the slider's time."""
    explorer = Explorer(crash_at=None, restart_at=None, draw=False)
    assert explorer.crashes.value is False
    assert explorer.restarts.value is False
    assert (explorer.settings["crash_at"], explorer.settings["restart_at"]) == (None, None)
    thin_view(explorer)
    explorer.crashes.value = True
    assert explorer.settings["crash_at"] == explorer.crash_at.value
    assert [run.how for run in thin_view(explorer).apps[0].runs] == ["crash"]


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
    thin_view(explorer)


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


def test_n2_the_route_control_reruns_the_story_through_the_callback_class() -> None:
    """N2, K3: setting the route control re-runs the story with it: through the callback
    class, the crashed downloader is started by BITS and every file arrives without
    re-registering; back to the interface alone, the files wait (I4)."""
    explorer = Explorer(draw=False, reregister=False)
    alone = sum(row.outcome == "delivered" for row in explorer.arrived)
    explorer.route.value = "clsid"
    assert explorer.settings["route"] == "clsid"
    assert explorer.result.jobs[0].state is bl.JobState.ACKNOWLEDGED
    through_class = sum(row.outcome == "delivered" for row in explorer.arrived)
    assert through_class > alone
    assert [run.number for run in explorer.result.apps[0].runs] == [1, 2]
    explorer.route.value = "cmdline"
    assert explorer.settings["route"] == "cmdline"
    assert sum(row.outcome == "delivered" for row in explorer.arrived) == alone


def test_p2_p3_the_service_and_reboot_controls_rerun_the_story() -> None:
    """P2, P3: ticking "machine reboots" re-runs the story with a reboot: the downloader's
    interface dies and nothing starts it again, so the files wait; with the route through
    the callback class, BITS starts it and every file arrives (N2, N5)."""
    explorer = Explorer(draw=False, crash_at=None)
    with explorer.hold():
        explorer.reboot.value = True
        explorer.reboot_span.value = (6.0, 20.0)
    assert explorer.settings["reboot"] == (6.0, 14.0)
    assert explorer.result.apps[0].runs[0].how == "crash"
    assert explorer.result.jobs[0].state is bl.JobState.TRANSFERRED
    explorer.route.value = "clsid"
    assert explorer.result.jobs[0].state is bl.JobState.ACKNOWLEDGED
    explorer.reboot.value = False
    explorer.service_restart.value = True
    assert explorer.settings["service_restart"] == (10.0, 10.0)
    assert explorer.settings["reboot"] is None
