"""The Compare widget: two Explorers side by side and the differences of their runs."""

from __future__ import annotations

from typing import Any

import pytest
from widgets_support import STORY_DEFAULTS, F

from bitslab.compare import differences
from bitslab.scenarios import restart_story
from bitslab.widgets import Compare, Comparison

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


# -- Compare ----------------------------------------------------------------------------------


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
