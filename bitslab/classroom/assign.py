"""``classroom assign OUT``: the student tree, an autograder per exercise and the masters.

``OUT/student/`` is what a class opens: every tutorial notebook and, in ``exercises/``, the
student notebook otter-grader makes from each master (no solution, no hidden test).
``OUT/autograder/ID.zip`` is otter's autograder for exercise ``ID``, for Gradescope or
``otter run``; ``OUT/instructor/`` holds the masters. Nothing of ``instructors/`` reaches
``OUT/student/``.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from .errors import ClassroomError, otter
from .masters import Master, read_masters

__all__ = ["Assigned", "assign"]


@dataclass(frozen=True)
class Assigned:
    """What :func:`assign` wrote: the exercises by ID, and the three folders."""

    exercises: tuple[str, ...]
    student: Path
    autograder: Path
    instructor: Path


def assign(out: Path, *, masters: Path, notebooks: Path) -> Assigned:
    """Write ``out/student``, ``out/autograder`` and ``out/instructor`` from the masters in
    ``masters`` and the tutorials in ``notebooks``; ClassroomError says what is missing."""
    out, masters, notebooks = Path(out), Path(masters), Path(notebooks)
    if not masters.is_dir() or not any(masters.glob("*.ipynb")):
        raise ClassroomError(
            f"no master notebooks in {masters}: run from the top of a bitslab checkout, "
            "or give --masters DIR"
        )
    if not notebooks.is_dir():
        raise ClassroomError(f"no tutorial notebooks: {notebooks} is not a folder (--notebooks)")
    try:
        found = read_masters(masters)
    except (ValueError, KeyError) as error:
        raise ClassroomError(f"a master notebook is not in otter's format: {error}") from None
    assign_notebook = otter("otter.assign").main
    student, autograder, instructor = (
        out / name for name in ("student", "autograder", "instructor")
    )
    for folder in (student, autograder, instructor):
        if folder.exists():
            shutil.rmtree(folder)
    _copy_tutorials(notebooks, student)
    shutil.copytree(masters, instructor / "masters")
    with tempfile.TemporaryDirectory(prefix="bitslab-assign-") as build:
        for master in found:
            _assign_one(
                assign_notebook, master, Path(build) / master.path.stem, student, autograder
            )
    return Assigned(tuple(m.exercise for m in found), student, autograder, instructor)


def _copy_tutorials(notebooks: Path, student: Path) -> None:
    """The tutorials and everything else in ``notebooks``, but not the exercise notebooks:
    those come from the masters, so what students get cannot drift from them."""

    def skip(folder: str, names: list[str]) -> set[str]:
        exercises = Path(folder).resolve() == (notebooks / "exercises").resolve()
        return {
            name
            for name in names
            if name.startswith(".") or (exercises and name.endswith(".ipynb"))
        }

    shutil.copytree(notebooks, student, ignore=skip)


def _assign_one(
    assign_notebook: object, master: Master, build: Path, student: Path, autograder: Path
) -> None:
    chatter = io.StringIO()
    try:
        with (
            contextlib.redirect_stdout(chatter),
            contextlib.redirect_stderr(chatter),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore", DeprecationWarning)  # otter's, not the masters'
            assign_notebook(str(master.path), str(build), no_pdfs=True)  # type: ignore[operator]
    except Exception as error:
        raise ClassroomError(
            f"otter assign failed on {master.path}: {type(error).__name__}: {error}"
        ) from None
    (zipped,) = (build / "autograder").glob("*.zip")
    autograder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(zipped, autograder / f"{master.exercise}.zip")
    (student / "exercises").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(build / "student" / master.path.name, student / "exercises" / master.path.name)
