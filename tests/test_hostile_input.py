"""Hostile input to every public callable: each mistake gets one clear error, and changes nothing.

The audit of issue 9. Every case below is a call a student could type; each raises
``TypeError`` or ``ValueError`` naming the argument and what it received, or, where BITS
defines the failure, ``BitsError`` with its HRESULT and the rule (F3, F4, I3, K1, K7, L2,
L11, L12, L13, L17, R1, R2). Cases that act on a simulation run in a busy world (a job
transferring, an app with a notifier, an on-demand job, a cancelled job, pending
notifications) and check that the world is exactly as before the call, and that it then runs
to the same end as an untouched world. Conventions, for every numeric argument: a bool is
never a number (TypeError), a float is never an int (TypeError), NaN and infinities are
ValueErrors, and a str is never parsed (TypeError).

``CASES`` (written in tests/hostile_cases_*.py, by the part of the API they call) is also
what the closing note of issue 9 tabulates: ``python tests/test_hostile_input.py`` prints that
table.
"""

from __future__ import annotations

import re

import pytest
from hostile_cases_delivery import DELIVERY_CASES
from hostile_cases_model import MODEL_CASES
from hostile_cases_service import SERVICE_CASES
from hostile_cases_views import VIEW_CASES
from hostile_support import Case, outcome, state_of, world

import bitslab as bl

CASES: list[Case] = [*MODEL_CASES, *SERVICE_CASES, *DELIVERY_CASES, *VIEW_CASES]


def _id(item: Case) -> str:
    return re.sub(r"\s+", " ", item.example)


@pytest.fixture(scope="module")
def untouched() -> tuple[object, ...]:
    """How a world that nobody disturbed ends."""
    return outcome(world().sim)


@pytest.mark.parametrize("bad", CASES, ids=[_id(c) for c in CASES])
def test_a_bad_call_raises_one_clear_error_naming_what_it_got_and_changes_nothing(
    bad: Case, untouched: tuple[object, ...]
) -> None:
    """Each bad call raises its error type, whose message names the argument and the value
    received (or, for a BitsError, carries the HRESULT and names the rule); the world is as it
    was, and runs on to the same end as a world nobody disturbed."""
    w = world()
    before = state_of(w.sim)
    with pytest.raises(bad.error) as caught:
        bad.call(w)
    message = caught.value.args[0] if isinstance(caught.value, KeyError) else str(caught.value)
    for word in bad.words:
        assert word in message, (word, message)
    assert "\n" not in message
    if bad.hresult is not None:
        assert isinstance(caught.value, bl.BitsError)
        assert caught.value.hresult == bad.hresult
    assert state_of(w.sim) == before
    assert outcome(w.sim) == untouched


def closing_note() -> str:
    """The closing note's table: one example of each kind of bad input, with what it shows."""
    rows = ["| bad input | example | what the user sees (exception + message) |", "|---|---|---|"]
    seen: set[str] = set()
    for item in CASES:
        if item.kind in seen:
            continue
        seen.add(item.kind)
        w = world()
        try:
            item.call(w)
        except BaseException as error:  # the table shows whatever it is
            text = error.args[0] if isinstance(error, KeyError) else str(error)
            shown = f"`{type(error).__name__}`: {text}".replace("|", "\\|")
        else:
            shown = "(no error)"
        rows.append(f"| {item.kind} | `{item.example}` | {shown} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(closing_note())
