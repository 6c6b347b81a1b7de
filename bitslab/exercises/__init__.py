"""Classroom exercises with checks: each says what is right, what is wrong, and gives a hint.

An :class:`Exercise` sets a small world (apps, jobs, a network with faults) and a task. The
student answers with a value (flags, a function, a rule ID, ...) and calls :func:`check`,
which runs the world with the answer and judges what happened by the event log, never by
reading the answer's text. Its :class:`Feedback` lists what is right and what is wrong, each
naming its rule, and a hint that points the way without giving the answer.

>>> from bitslab import exercises
>>> print(exercises.check("every-file", ...))
? every-file: no answer yet
  - replace ... with your answer: the notify flags: an int, or NotifyFlags members joined by |
  hint: notebook 02 has a table of the flags (F1)

An answer of the wrong form (a str for flags, a pair for a list of ranges) is *malformed*; an
answer BITS refuses (flags outside 0x3F, a range past the end) is *wrong*, and the feedback
names the HRESULT and the rule. :meth:`Exercise.problem` runs the world as given, before any
answer; :meth:`Exercise.simulate` runs it with an answer and returns the simulation, so a
student can look at it with the same tools as in the tutorials. :meth:`Feedback.require`
raises :class:`NotYet` with the feedback's text: the graders' tests call it, so a failed test
says what the check says. Solutions are not in this package: they are in the master notebooks,
``instructors/masters/`` at the top of the repository (see ``python -m bitslab classroom``).
"""

from __future__ import annotations

from typing import Any

from .._check import got
from .base import Exercise, Feedback, NotYet, Point
from .cmdline import CommandLine
from .errors import RideOut
from .flags import EveryFile
from .ranges import JustTheBytes
from .restart import SurviveCrash, Twice
from .routes import ChooseRoute
from .timing import CalmProgress

__all__ = [
    "EXERCISES",
    "Exercise",
    "Feedback",
    "NotYet",
    "Point",
    "check",
    "get",
]

#: Every exercise, by ID, in the order of the notebooks in ``notebooks/exercises/``.
EXERCISES: dict[str, Exercise] = {
    exercise.id: exercise
    for exercise in (
        EveryFile(),
        SurviveCrash(),
        Twice(),
        RideOut(),
        CommandLine(),
        JustTheBytes(),
        CalmProgress(),
        ChooseRoute(),
    )
}


def get(exercise: str) -> Exercise:
    """The exercise with this ID (``"every-file"``, ...); ValueError lists the IDs."""
    if not isinstance(exercise, str):
        raise TypeError(f"exercise must be an exercise ID (str), got {got(exercise)}")
    try:
        return EXERCISES[exercise]
    except KeyError:
        raise ValueError(
            f"no exercise {exercise!r}; exercises are {', '.join(EXERCISES)}"
        ) from None


def check(exercise: str, answer: Any) -> Feedback:
    """Judge ``answer`` to ``exercise`` (an ID): what is right, what is wrong, and a hint."""
    return get(exercise).check(answer)
