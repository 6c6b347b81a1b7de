"""Solutions to the classroom exercises, read from the master notebooks: for instructors.

The masters in ``masters/`` (otter-grader's assignment format) are the single source: each
holds the exercise's solution, between ``# BEGIN SOLUTION`` and ``# END SOLUTION``, and what a
student should be able to explain about it. ``SOLUTIONS`` maps each exercise ID to the answer
its master's answer cell makes; ``WHY`` to the explanation. The checks judge what the run did,
not the answer's text, so other answers pass too (``tests/test_exercises.py`` tries several).
Print what a student with the solution would see:

    python instructors/solutions.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bitslab import exercises
from bitslab.classroom import read_masters

MASTERS = read_masters(Path(__file__).resolve().parent / "masters")
SOLUTIONS: dict[str, Any] = {master.exercise: master.solution() for master in MASTERS}
WHY: dict[str, str] = {
    master.exercise: master.why.split("** ", 1)[-1] for master in MASTERS
}  # without the cell's bold heading


if __name__ == "__main__":
    for exercise_id, answer in SOLUTIONS.items():
        print(exercises.check(exercise_id, answer))
        print(f"  why: {WHY[exercise_id]}\n")
