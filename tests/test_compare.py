"""bitslab.compare: which notifications ended differently between two runs (for Compare).

Expectations are read from the runs' event logs (final entries and ``log.pending()``), not
from :func:`bitslab.timeline.arrivals`, which ``differences`` is built on.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bitslab as bl
from bitslab.compare import Difference, differences, summary
from bitslab.scenarios import restart_story
from bitslab.timeline import Arrival, arrivals

F = bl.NotifyFlags
Key = tuple[str, str]


def _subject(method: str, file: bl.File | None) -> str:
    return method if file is None else f"{method} {file.local_name!r}"


Ending = tuple[str, float | None]  # an outcome, and when it ended (None: pending)


def _outcomes(sim: bl.Simulation, modifications: bool = False) -> dict[Key, list[Ending]]:
    """How each notification of ``sim`` ended and when, by (job name, subject), from the
    log; job_modification only with ``modifications``, as ``differences`` takes it."""
    found: dict[Key, list[Ending]] = {}
    for entry in sim.log.entries(final=True):
        if entry.method != "job_modification" or modifications:
            key = (entry.job.name, _subject(entry.method, entry.file))
            found.setdefault(key, []).append((entry.outcome, entry.time))
    for note in sim.log.pending():
        if note.method != "job_modification" or modifications:
            key = (note.job.name, _subject(note.method, note.file))
            found.setdefault(key, []).append(("pending", None))
    return found


def _text(endings: list[Ending]) -> str:
    """What ``summary`` should say of these endings: one that arrived says when."""
    if not endings:
        return "not raised"
    if len(endings) == 1:
        ((outcome, time),) = endings
        return f"{outcome} at {time:.2f} s" if outcome in ("delivered", "cmdline") else outcome
    counts = Counter(outcome for outcome, _ in endings)
    return ", ".join(f"{counts[o]} {o}" for o in sorted(counts))


def _row(outcome: str, ended: float | None = 2.5) -> Arrival:
    """An arrivals row that ended with ``outcome`` at ``ended``."""
    return Arrival(1.0, "nightly", "job_transferred", outcome, None, "", ended)


def _cut(until: float, **kwargs: Any) -> bl.Simulation:
    """The restart story, stopped at ``until``."""
    sim = restart_story(run=False, **kwargs)
    sim.run(until=until)
    return sim


# -- summary ----------------------------------------------------------------------------------


def test_summary_of_nothing_says_not_raised() -> None:
    assert summary([]) == "not raised"


@pytest.mark.parametrize("outcome", ["pending", "filtered", "app_down", "stale"])
def test_summary_of_one_notification_that_did_not_arrive_is_its_outcome(outcome: str) -> None:
    assert summary([_row(outcome, None if outcome == "pending" else 2.5)]) == outcome


@pytest.mark.parametrize("outcome", ["delivered", "cmdline"])
def test_summary_of_one_notification_that_arrived_says_when(outcome: str) -> None:
    assert summary([_row(outcome, 30.0)]) == f"{outcome} at 30.00 s"


def test_c7_summary_of_a_repeated_kind_counts_each_outcome_whatever_the_order() -> None:
    """C7: a kind raised several times (job_modification) is told by counts: 3 delivered and
    1 coalesced read the same in any order, so two runs compare by counts only."""
    outcomes = ["delivered", "coalesced", "delivered", "delivered"]
    rows = [_row(outcome, float(t)) for t, outcome in enumerate(outcomes)]
    texts = {summary(list(order)) for order in itertools.permutations(rows)}
    assert len(texts) == 1
    (text,) = texts
    assert sorted(text.split(", ")) == ["1 coalesced", "3 delivered"]
    assert summary([_row("delivered"), _row("delivered")]) == "2 delivered"  # a count


# -- differences ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"reregister": False}, {"flags": 0x1F}, {"poll": True}, {"restart_at": None}],
    ids=["default", "no_reregister", "modifications", "poll", "no_restart"],
)
def test_a_run_has_no_differences_with_itself_or_a_rerun(kwargs: dict[str, Any]) -> None:
    """Same settings, same ends: the model is deterministic."""
    sim = restart_story(**kwargs)
    assert differences(sim, sim) == []
    assert differences(sim, restart_story(**kwargs)) == []


def test_i4_without_reregistering_three_nightly_calls_end_pending() -> None:
    """I4: the app that re-registers gets fonts.cab, lang.cab and job_transferred; the one
    that does not leaves them pending. Listed in the order the left run raised them."""
    left, right = restart_story(), restart_story(reregister=False)
    found = differences(left, right)
    late = "delivered at 30.00 s"  # at the restart
    assert found == [
        Difference("nightly", "file_transferred 'fonts.cab'", late, "pending"),
        Difference("nightly", "file_transferred 'lang.cab'", late, "pending"),
        Difference("nightly", "job_transferred", late, "pending"),
    ]
    before, after = _outcomes(left), _outcomes(right)
    for d in found:
        assert _text(before[(d.job, d.notification)]) == d.left
        assert _text(after[(d.job, d.notification)]) == d.right


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ({}, {"reregister": False}),
        ({}, {"flags": 0x1B}),
        ({"poll": True}, {"restart_at": None}),
        ({"flags": 0x17}, {}),
    ],
)
def test_swapping_the_runs_swaps_left_and_right(
    left: dict[str, Any], right: dict[str, Any]
) -> None:
    a, b = restart_story(**left), restart_story(**right)
    forth = differences(a, b, modifications=True)  # 0x1B differs only in modifications
    back = differences(b, a, modifications=True)
    assert forth != []
    assert sorted(back) == sorted(Difference(d.job, d.notification, d.right, d.left) for d in forth)


def test_every_notification_that_ends_differently_is_listed_once_and_no_other() -> None:
    """Compared with the logs: a row for every (job, notification) whose outcomes (or time
    of arrival) differ, as counts for a repeated kind, and none for those that end alike."""
    left, right = restart_story(), restart_story(flags=0x1F, restart_at=None)
    for modifications in (False, True):
        before, after = _outcomes(left, modifications), _outcomes(right, modifications)
        found = differences(left, right, modifications=modifications)
        keys = [(d.job, d.notification) for d in found]
        assert len(keys) == len(set(keys))
        expected = {
            key
            for key in set(before) | set(after)
            if _text(before.get(key, [])) != _text(after.get(key, []))
        }
        assert set(keys) == expected
        assert (("nightly", "job_modification") in expected) == modifications
        for d in found:
            assert d.left == _text(before.get((d.job, d.notification), []))
            assert d.right == _text(after.get((d.job, d.notification), []))


def test_a_notification_raised_on_one_side_only_is_not_raised_on_the_other() -> None:
    """Stopped at 5 s, only base.cab has finished: what the full run raised later is "not
    raised" on the stopped side, listed after the left run's own, on either side."""
    stopped, full = _cut(5.0), restart_story()
    later = {key for key in _outcomes(full) if key not in _outcomes(stopped)}
    assert ("nightly", "job_transferred") in later
    assert ("report", "job_transferred") in later
    forth = differences(stopped, full)
    only_right = [d for d in forth if d.left == "not raised"]
    assert {(d.job, d.notification) for d in only_right} == later
    assert forth[-len(only_right) :] == only_right  # after those the left run raised
    for d in only_right:
        assert d.right == _text(_outcomes(full)[(d.job, d.notification)])
    back = differences(full, stopped)
    assert {(d.job, d.notification) for d in back if d.right == "not raised"} == later


def test_c7_repeated_kinds_are_compared_by_their_counts() -> None:
    """C3, C7, F8: asking for JOB_MODIFICATION changes how nightly's modifications end
    (delivered or coalesced, where they were filtered): one row, with counts of each outcome."""
    left, right = restart_story(), restart_story(flags=0x1B)
    assert differences(left, right) == []  # modifications are left out unless asked for
    found = differences(left, right, modifications=True)
    assert [(d.job, d.notification) for d in found] == [("nightly", "job_modification")]
    (d,) = found
    for side, sim in ((d.left, left), (d.right, right)):
        counts = Counter(
            e.outcome for e in sim.log.entries(sim.jobs[0], method="job_modification", final=True)
        )
        assert sorted(side.split(", ")) == sorted(f"{n} {o}" for o, n in counts.items())
    assert "filtered" in d.left
    assert "delivered" in d.right


@pytest.mark.parametrize("kwargs", [{"retry_delay": 7.0}, {"seed": 3}], ids=str)
def test_settings_that_change_no_ending_nor_arrival_time_are_no_difference(
    kwargs: dict[str, Any],
) -> None:
    """C5: the restart's new interface, not the retry delay, brings the waiting calls; and the
    story draws no random numbers, so another seed ends every notification the same way."""
    assert differences(restart_story(), restart_story(**kwargs)) == []


def test_c5_a_later_restart_is_a_difference_in_when_the_waiting_calls_arrive() -> None:
    """C5, I4: restarting at 45 s instead of 30 s delivers the same three calls, later."""
    found = differences(restart_story(), restart_story(restart_at=45.0))
    assert [(d.notification, d.left, d.right) for d in found] == [
        (name, "delivered at 30.00 s", "delivered at 45.00 s")
        for name in (
            "file_transferred 'fonts.cab'",
            "file_transferred 'lang.cab'",
            "job_transferred",
        )
    ]


def test_differences_reads_pending_notifications_of_a_stopped_run() -> None:
    """C4, C5: stopped at 20 s the app is still down: fonts.cab waits to retry, the rest
    behind it; the full run delivers them."""
    found = differences(_cut(20.0), restart_story())
    assert [(d.notification, d.left, d.right) for d in found if d.job == "nightly"][:3] == [
        ("file_transferred 'fonts.cab'", "pending", "delivered at 30.00 s"),
        ("file_transferred 'lang.cab'", "pending", "delivered at 30.00 s"),
        ("job_transferred", "pending", "delivered at 30.00 s"),
    ]


# -- random settings --------------------------------------------------------------------------


@st.composite
def story_settings(draw: st.DrawFn) -> dict[str, Any]:
    """restart_story's settings: any flags, a crash (or none) and a restart after it (or
    none), re-register and poll on start."""
    crash = draw(st.none() | st.floats(0.0, 40.0).map(lambda t: round(t, 2)))
    restart = (
        None
        if crash is None
        else draw(st.none() | st.floats(0.01, 40.0).map(lambda d: round(crash + d + 0.01, 2)))
    )
    return {
        "flags": draw(st.integers(0, 0x3F)),
        "crash_at": crash,
        "restart_at": restart,
        "reregister": draw(st.booleans()),
        "poll": draw(st.booleans()),
    }


@settings(max_examples=40, deadline=None, derandomize=True)
@given(kwargs=story_settings())
def test_arrivals_and_differences_over_random_story_settings(kwargs: dict[str, Any]) -> None:
    """D1, C4, F8: whatever the settings, arrivals has one row per raised notification
    (modifications aside), and a rerun with the same settings ends every one the same way."""
    sim = restart_story(**kwargs)
    raised = [e for e in sim.log.entries(final=True) if e.method != "job_modification"]
    raised_pending = [p for p in sim.log.pending() if p.method != "job_modification"]
    rows = arrivals(sim)
    assert len(rows) == len(raised) + len(raised_pending)
    assert Counter((row.job, row.notification) for row in rows) == Counter(
        [(e.job.name, _subject(e.method, e.file)) for e in raised]
        + [(p.job.name, _subject(p.method, p.file)) for p in raised_pending]
    )
    assert differences(sim, restart_story(**kwargs)) == []
