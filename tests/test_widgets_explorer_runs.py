"""The Explorer widget: each control changes its own setting and the run it makes, tested
as the guide asks: set ``.value`` on controls, check what they keep.
"""

from __future__ import annotations

from typing import Any

import pytest
from support import log_rows
from widgets_support import STORY_DEFAULTS, F, thin_view

import bitslab as bl
from bitslab.scenarios import MIRROR, restart_story
from bitslab.widgets import Explorer

S = bl.JobState


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


# -- Explorer: each control and the run it makes ----------------------------------------------


def test_explorer_starts_as_restart_story_with_its_defaults() -> None:
    """I4, C5: the first run is restart_story() itself (crash at 6 s, restart at 30 s), and
    the settings are restart_story's defaults."""
    explorer = Explorer(draw=False)
    assert explorer.settings == STORY_DEFAULTS
    sim = thin_view(explorer)
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
    thin_view(explorer)


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
    sim = thin_view(explorer)
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
    sim = thin_view(explorer)
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
    sim = thin_view(explorer)
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
    sim = thin_view(explorer)
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
    sim = thin_view(explorer)
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
    sim = thin_view(explorer)
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
    sim = thin_view(explorer)
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
    sim = thin_view(explorer)
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
    sim = thin_view(explorer)
    assert sim.network.outages == [(12.0, 18.0)]
    assert [(c.time, c.new, c.rule) for c in _job(sim).history if c.rule == "L4"] == [
        (12.0, S.TRANSIENT_ERROR, "L4"),
        (18.0, S.QUEUED, "L4"),
    ]
    explorer.outage.value = False
    assert thin_view(explorer).network.outages == []


def test_l5_the_server_error_box_and_span_make_the_mirror_answer_503() -> None:
    """L5: ticked, the mirror answers 503 over the span; the job waits in TRANSIENT_ERROR and
    is queued again after its retry delay."""
    explorer = Explorer(draw=False)
    explorer.server_error_span.value = (10.0, 20.0)
    explorer.server_error.value = True
    assert explorer.settings["server_error"] == (10.0, 10.0)
    sim = thin_view(explorer)
    assert sim.network.failures == [(MIRROR, 503, 10.0, 20.0)]
    assert [(c.time, c.new, c.rule) for c in _job(sim).history if c.rule == "L5"] == [
        (10.0, S.TRANSIENT_ERROR, "L5"),
        (10.0 + explorer.settings["retry_delay"], S.QUEUED, "L5"),
    ]


def test_the_seed_control_seeds_the_simulation() -> None:
    explorer = Explorer(draw=False)
    explorer.seed.value = 12345
    assert explorer.settings["seed"] == 12345
    assert thin_view(explorer).seed == 12345
