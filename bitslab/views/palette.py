"""The colours of a notification's outcome, for every view: arrived is green, lost red,
left out dim (red on a page), pending yellow (orange on a page)."""

from __future__ import annotations

from typing import NamedTuple

from ..vocabulary import PENDING, Outcome

__all__ = ["LOST", "Colour", "outcome_colour"]


class Colour(NamedTuple):
    """One colour, as a terminal names it (an ANSI style) and as a page does (hex)."""

    terminal: str
    html: str


_ARRIVED = Colour("green", "#1b7837")
LOST = Colour("red", "#b2182b")
_LEFT_OUT = Colour("dim", "#b2182b")
_PENDING = Colour("yellow", "#b35806")


def outcome_colour(outcome: str) -> Colour | None:
    """The colour of an outcome (or of ``"pending"``); None for a word that is neither."""
    if outcome == PENDING:
        return _PENDING
    try:
        known = Outcome(outcome)
    except ValueError:
        return None
    return _ARRIVED if known.arrived else LOST if known.lost else _LEFT_OUT
