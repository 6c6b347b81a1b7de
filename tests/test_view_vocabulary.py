"""The shared vocabulary as the views read it: each text and colour defined once, and equal to
what the views showed before it was shared (issue 23)."""

from __future__ import annotations

import inspect

import bitslab.timeline as timeline
from bitslab.log import OUTCOMES
from bitslab.scenarios import restart_story
from bitslab.views.html import arrivals_table
from bitslab.views.palette import LOST, outcome_colour
from bitslab.views.terminal import OUTCOME_COLOURS
from bitslab.vocabulary import Method, Outcome, Status


def test_timeline_names_are_the_vocabulary_as_plain_strings() -> None:
    assert tuple(m.value for m in Method) == timeline.METHODS
    assert frozenset({"delivered", "cmdline"}) == timeline.ARRIVED
    assert tuple(o.value for o in Outcome) == OUTCOMES
    assert all(type(word) is str for word in (*timeline.METHODS, *timeline.ARRIVED, *OUTCOMES))


def test_terminal_colours_of_outcomes() -> None:
    assert OUTCOME_COLOURS == {
        "delivered": "green",
        "cmdline": "green",
        "app_down": "red",
        "failed": "red",
        "no_interface": "red",
        "stale": "red",
        "pending": "yellow",
        "coalesced": "dim",
        "filtered": "dim",
        "disabled": "dim",
        "not_on_demand": "dim",
        "not_implemented": "dim",
    }


def test_page_colours_of_outcomes() -> None:
    page = {word: (outcome_colour(word) or LOST).html for word in (*OUTCOMES, "pending", "?")}
    assert page["delivered"] == page["cmdline"] == "#1b7837"
    assert page["pending"] == "#b35806"
    others = set(page) - {"delivered", "cmdline", "pending"}
    assert {page[word] for word in others} == {"#b2182b"}
    rows = timeline.arrivals(restart_story(reregister=False))
    assert "color:#b35806" in arrivals_table(rows)


def test_status_texts_for_explain_and_for_the_arrivals_table() -> None:
    assert Status.WAITING.story(3) == "still pending: queued behind #3 of the same job (C4)"
    assert Status.RETRY.story(cmdline=True) == (
        "still pending: BITS will run the command line again (K5)"
    )
    assert Status.DONE.story() == "still pending: done"
    assert Status.RETRY.waiting_for() == "waiting for its retry delay or a new interface"
    assert Status.RETRY.waiting_for(cmdline=True) == (
        "its command line failed; waiting to run it again"
    )
    assert Status.NEW.waiting_for() == "not ended when the run stopped"
    assert Status.RETRY.rule_for() == "C5"
    assert Status.RETRY.rule_for(cmdline=True) == "K5"
    assert Status.ATTEMPTED.rule_for() is None


def test_explorer_first_values_are_restart_storys_defaults() -> None:
    from bitslab.widgets import Explorer

    explorer = Explorer(draw=False)
    defaults = inspect.signature(restart_story).parameters
    for name, value in explorer.settings.items():
        assert value == defaults[name].default, name
