"""``classroom grade OUT SUBMISSION...``: run the hidden tests with otter, write a gradebook.

Each submission is one student's: a notebook (the student is its file name), a folder or a
zip of notebooks (the student is the folder's or the zip's name). Every notebook is graded by
``otter run``'s engine with the autograder of its exercise, in a kernel of its own, outside
the student's. A file that is not a notebook, a corrupt notebook, a notebook of no exercise
or one whose answer cell was deleted gets a row saying so and zero points; one bad notebook
never stops the others.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import importlib
import json
import os
import re
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .errors import ClassroomError, otter
from .masters import read_masters

__all__ = ["COLUMNS", "Row", "grade", "submissions"]

#: The gradebook's columns, in order.
COLUMNS = ("student", "exercise", "points", "possible", "feedback")
ANSWER_TAG = "otter_answer_cell"  # otter tags the answer cell of a student notebook so
RIGHT = "right"


@dataclass(frozen=True)
class Row:
    """One line of the gradebook: a student's points for one exercise, and why."""

    student: str
    exercise: str
    points: float
    possible: float
    feedback: str


@dataclass(frozen=True)
class _Notebook:
    student: str
    path: Path
    name: str  # as the student handed it in, for the gradebook


def submissions(paths: list[Path], unpacked: Path) -> Iterator[_Notebook | Row]:
    """The notebooks in ``paths``, each with its student; a zip is unpacked in ``unpacked``.
    A zip that cannot be read is a row already."""
    for path in paths:
        student = path.stem if path.is_file() else path.name
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
            for file in files:
                yield _Notebook(student, file, str(file.relative_to(path)))
            if not files:
                yield Row(student, path.name, 0, 0, "unreadable: an empty folder")
        elif path.suffix.lower() == ".zip":
            target = unpacked / f"{len(list(unpacked.iterdir()))}-{student}"
            try:
                with zipfile.ZipFile(path) as archive:
                    archive.extractall(target)
            except (zipfile.BadZipFile, OSError, ValueError) as error:
                yield Row(student, path.name, 0, 0, f"unreadable: not a zip file ({error})")
                continue
            files = sorted(p for p in target.rglob("*") if p.is_file() and not _hidden(p, target))
            for file in files:
                yield _Notebook(student, file, str(file.relative_to(target)))
        elif path.is_file():
            yield _Notebook(student, path, path.name)
        else:
            yield Row(student, path.name, 0, 0, "unreadable: no such file or folder")


def _hidden(path: Path, top: Path) -> bool:
    """Checkpoints and other dot files, and macOS's zip litter, are not submissions."""
    return any(part.startswith(".") or part == "__MACOSX" for part in path.relative_to(top).parts)


def grade(
    out: Path, paths: list[Path], gradebook: Path, *, terminal: IO[str] | None = None
) -> list[Row]:
    """Grade every notebook in ``paths`` with the autograders in ``out/autograder``, write
    ``gradebook`` (CSV, :data:`COLUMNS`) and, on ``terminal``, a progress bar and one line per
    student. Returns the rows."""
    autograders = {zip_.stem: zip_ for zip_ in sorted((Path(out) / "autograder").glob("*.zip"))}
    if not autograders:
        raise ClassroomError(f"no autograders in {Path(out) / 'autograder'}: run classroom assign")
    if not Path(gradebook).parent.is_dir():
        raise ClassroomError(
            f"--csv {gradebook}: its folder {Path(gradebook).parent} does not exist"
        )
    try:
        masters = read_masters(Path(out) / "instructor" / "masters")
    except (OSError, ValueError, KeyError) as error:
        raise ClassroomError(f"{out}/instructor/masters cannot be read: {error}") from None
    possible = {m.exercise: m.points for m in masters}
    api = otter("otter.api")
    tqdm = importlib.import_module("tqdm").tqdm  # here only: `import bitslab` never loads it

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bitslab-grade-") as unpacked:
        items = list(submissions(paths, Path(unpacked)))
        bar = tqdm(
            items,
            desc="grading",
            unit="notebook",
            file=terminal,
            disable=terminal is None or not terminal.isatty(),
        )
        done: dict[str, list[Row]] = {}
        for index, item in enumerate(bar):
            if isinstance(item, Row):
                row = item
            else:
                bar.set_postfix_str(f"{item.student}: {item.name}", refresh=True)
                row = _grade_notebook(api, item, autograders, possible)
            rows.append(row)
            done.setdefault(row.student, []).append(row)
            following = items[index + 1] if index + 1 < len(items) else None
            if terminal is not None and (following is None or following.student != row.student):
                bar.write(summary(row.student, done[row.student]), file=terminal)
        bar.close()
    _write(gradebook, rows)
    return rows


def summary(student: str, rows: list[Row]) -> str:
    """One line for a student: points of possible, a bar, and what is not right yet."""
    points = sum(r.points for r in rows)
    total = sum(r.possible for r in rows)
    share = points / total if total else 0.0
    filled = round(share * 20)
    right = sum(1 for r in rows if r.possible and r.points == r.possible)
    rest = [
        f"{r.exercise} {r.points:g}/{r.possible:g}" if r.possible else f"{r.exercise} unreadable"
        for r in rows
        if not (r.possible and r.points == r.possible)
    ]
    return (
        f"{student:<16} {points:g}/{total:g} [{'#' * filled}{'-' * (20 - filled)}] {share:4.0%}  "
        f"{right} of {len(rows)} right" + (f"; not yet: {', '.join(rest)}" if rest else "")
    )


def _write(gradebook: Path, rows: list[Row]) -> None:
    with open(gradebook, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([r.student, r.exercise, f"{r.points:g}", f"{r.possible:g}", r.feedback])


def _read(notebook: _Notebook) -> dict[str, Any] | str:
    """The notebook as JSON, or why it is not one."""
    if notebook.path.suffix.lower() != ".ipynb":
        return f"unreadable: {notebook.name} is not a Jupyter notebook (.ipynb)"
    try:
        content = json.loads(notebook.path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return f"unreadable: {notebook.name} is not a valid notebook ({type(error).__name__})"
    if not isinstance(content, dict) or not isinstance(content.get("cells"), list):
        return f"unreadable: {notebook.name} is JSON but not a notebook (no cells)"
    return content


def _grade_notebook(
    api: Any, notebook: _Notebook, autograders: dict[str, Path], possible: dict[str, float]
) -> Row:
    content = _read(notebook)
    if isinstance(content, str):
        return Row(notebook.student, notebook.name, 0, 0, content)
    exercise = _exercise(content)
    if not isinstance(exercise, str) or exercise not in autograders:
        return Row(
            notebook.student,
            notebook.name,
            0,
            0,
            f"unreadable: {notebook.name} is not one of the exercises handed out "
            f"({', '.join(autograders)})",
        )
    worth = possible.get(exercise, 0.0)
    if not any(ANSWER_TAG in _tags(cell) or _is_solution(cell) for cell in content["cells"]):
        return Row(
            notebook.student,
            exercise,
            0,
            worth,
            "no answer cell: the cell under 'Your answer' was deleted or replaced",
        )
    try:
        with _quiet(), warnings.catch_warnings(), tempfile.TemporaryDirectory() as scratch:
            warnings.simplefilter("ignore")  # otter's and its kernel's, never the student's grade
            results = api.grade_submission(
                str(_named(notebook.path, content, exercise, Path(scratch))),
                str(autograders[exercise]),
                quiet=True,
            )
            gc.collect()  # the kernel client's sockets close here, inside the filter
    except Exception as error:  # a notebook otter cannot run: a row, never a traceback
        return Row(
            notebook.student, exercise, 0, worth, f"could not be graded: {type(error).__name__}"
        )
    return Row(
        notebook.student, exercise, float(results.total), float(results.possible), _said(results)
    )


def _named(path: Path, content: dict[str, Any], exercise: str, scratch: Path) -> Path:
    """``path``, or for a master (which lacks it) a copy with otter's assignment name."""
    metadata = content.setdefault("metadata", {})
    if isinstance(metadata.get("otter"), dict):
        return path
    metadata["otter"] = {"assignment_name": exercise}
    copy = scratch / path.name
    copy.write_text(json.dumps(content), encoding="utf-8")
    return copy


def _exercise(content: dict[str, Any]) -> str | None:
    """The exercise a notebook is: otter's metadata in a student notebook, the assignment
    config in a master."""
    metadata = content.get("metadata")
    otter_meta = metadata.get("otter") if isinstance(metadata, dict) else None
    if isinstance(otter_meta, dict) and isinstance(otter_meta.get("assignment_name"), str):
        return str(otter_meta["assignment_name"])
    for cell in content["cells"]:
        text = _text(cell)
        if text.startswith("# ASSIGNMENT CONFIG"):
            match = re.search(r"^name:\s*(\S+)\s*$", text, flags=re.MULTILINE)
            return match.group(1) if match else None
    return None


def _text(cell: Any) -> str:
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    return "".join(source) if isinstance(source, list) else str(source)


def _is_solution(cell: Any) -> bool:
    """A master's answer cell, with its solution in (masters have no answer tag)."""
    return "# END SOLUTION" in _text(cell) or "# SOLUTION" in _text(cell)


def _tags(cell: Any) -> list[str]:
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return [str(tag) for tag in tags] if isinstance(tags, list) else []


def _said(results: Any) -> str:
    """What the first failed test said: bitslab's feedback, hint included, or otter's error."""
    for file in results.results.values():
        for case in file.test_case_results:
            if case.passed:
                continue
            message = str(case.message)
            _, marker, feedback = message.partition("NotYet: ")
            return feedback.strip() if marker else message.splitlines()[-1].strip()
    return RIGHT


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence what otter and the kernel it starts write to the terminal (fds 1 and 2)."""
    saved = [os.dup(fd) for fd in (1, 2)]
    with open(os.devnull, "w") as devnull:
        try:
            for fd in (1, 2):
                os.dup2(devnull.fileno(), fd)
            yield
        finally:
            for fd, copy in zip((1, 2), saved, strict=True):
                os.dup2(copy, fd)
                os.close(copy)
