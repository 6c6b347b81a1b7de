"""The ``classroom`` subcommand of ``python -m bitslab``: ``assign`` and ``grade``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from .errors import ClassroomError

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    """Add ``classroom assign`` and ``classroom grade`` to ``python -m bitslab``'s commands."""
    classroom = commands.add_parser(
        "classroom",
        help="hand out the exercises and grade them with otter-grader (the [classroom] extra)",
        description="Hand out the exercises and grade them (instructors/README.md says how).",
    )
    steps = classroom.add_subparsers(dest="step", metavar="STEP", required=True)
    assign = steps.add_parser(
        "assign",
        help="write OUT/student, OUT/autograder and OUT/instructor from the master notebooks",
        description="Make the student tree (tutorials and exercises, no solution), an otter "
        "autograder zip per exercise, and a copy of the masters.",
    )
    assign.add_argument("out", metavar="OUT", type=Path, help="the folder to write")
    assign.add_argument(
        "--masters",
        type=Path,
        default=Path("instructors/masters"),
        help="the master notebooks (default: instructors/masters)",
    )
    assign.add_argument(
        "--notebooks",
        type=Path,
        default=Path("notebooks"),
        help="the tutorial notebooks (default: notebooks)",
    )
    grade = steps.add_parser(
        "grade",
        help="grade submissions with OUT/autograder and write a gradebook CSV",
        description="Grade notebooks, folders or zips of them (one student each, named by the "
        "file, folder or zip) with otter, outside the students' kernels.",
    )
    grade.add_argument("out", metavar="OUT", type=Path, help="the folder classroom assign wrote")
    grade.add_argument(
        "submissions", metavar="SUBMISSION", type=Path, nargs="+", help="notebook, folder or zip"
    )
    grade.add_argument(
        "--csv",
        type=Path,
        default=Path("grades.csv"),
        help="the gradebook to write (default: grades.csv)",
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``classroom assign`` or ``classroom grade``; 2 with one line if it cannot."""
    try:
        if args.step == "assign":
            from .assign import assign

            done = assign(args.out, masters=args.masters, notebooks=args.notebooks)
            out.write(
                f"assigned {len(done.exercises)} exercises ({', '.join(done.exercises)}):\n"
                f"  {done.student}/     hand this out (no solution, no hidden test)\n"
                f"  {done.autograder}/  an otter autograder zip per exercise\n"
                f"  {done.instructor}/  the masters, with solutions: keep this private\n"
            )
        else:
            from .grade import grade

            rows = grade(args.out, args.submissions, args.csv, terminal=err)
            students = len({row.student for row in rows})
            out.write(f"graded {len(rows)} notebooks of {students} students: {args.csv}\n")
    except ClassroomError as error:
        err.write(f"error: {error}\n")
        return 2
    return 0
