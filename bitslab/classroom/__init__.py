"""Run a class on the exercises: hand out, collect and grade them with otter-grader.

``python -m bitslab classroom assign OUT`` turns the master notebooks (``instructors/masters``,
otter's assignment format) into ``OUT/student`` (the tutorials and the student exercise
notebooks: no solution, no hidden test), ``OUT/autograder`` (otter's autograder per exercise)
and ``OUT/instructor`` (the masters). ``python -m bitslab classroom grade OUT SUBMISSION...``
grades notebooks, folders or zips of them outside the students' kernels and writes a
gradebook CSV. Needs the ``[classroom]`` extra (otter-grader, tqdm); ``import bitslab`` never
loads this package.
"""

from __future__ import annotations

from .errors import ClassroomError
from .masters import Master, read_master, read_masters

__all__ = ["ClassroomError", "Master", "read_master", "read_masters"]
