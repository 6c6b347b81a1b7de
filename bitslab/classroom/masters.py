"""Master notebooks: one per exercise, in otter-grader's assignment format, read without otter.

A master holds what the students get and what they must not: the solution (between
``# BEGIN SOLUTION`` and ``# END SOLUTION``, or on a line ending ``# SOLUTION``), a Markdown
cell inside the solution block saying what a student should be able to explain, and the tests
(public: the answer's form; hidden: the check passes). ``classroom assign`` turns each master
into a student notebook and an autograder; this module reads a master for the test suite and
``instructors/solutions.py``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Master", "read_master", "read_masters"]

_SOLUTION_LINE = re.compile(r"^(?P<code>.*?)\s*# ?SOLUTION( NO PROMPT)?\s*$")


@dataclass(frozen=True)
class Master:
    """One master notebook: its exercise, points, answer cell and what only instructors see."""

    path: Path
    exercise: str
    points: float
    answer_cell: str
    solution_lines: tuple[str, ...]
    why: str

    def solution(self) -> Any:
        """The answer the master's answer cell makes, run with ``bl`` and ``exercises`` at hand."""
        import bitslab
        from bitslab import exercises

        namespace: dict[str, Any] = {"bl": bitslab, "exercises": exercises}
        exec(compile(self.answer_cell, str(self.path), "exec"), namespace)
        return namespace["answer"]


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _key(text: str, key: str, where: Path) -> str:
    match = re.search(rf"^{key}:\s*(\S.*?)\s*$", text, flags=re.MULTILINE)
    if match is None:
        raise ValueError(f"{where}: its '# BEGIN QUESTION' cell has no '{key}:'")
    return match.group(1)


def read_master(path: Path) -> Master:
    """Read one master notebook; ValueError names the file and what it lacks."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    raw = [(cell["cell_type"], _source(cell)) for cell in cells]
    question = next((text for kind, text in raw if text.startswith("# BEGIN QUESTION")), None)
    if question is None:
        raise ValueError(f"{path}: no raw cell '# BEGIN QUESTION'")
    exercise = _key(question, "name", path)
    points = float(_key(question, "points", path))
    answer_cell, why, lines, inside = "", "", [], False
    for kind, text in raw:
        if kind == "raw" and text.strip() in ("# BEGIN SOLUTION", "# END SOLUTION"):
            inside = text.strip() == "# BEGIN SOLUTION"
        elif inside and kind == "markdown":
            why = text
        elif inside and kind == "code":
            answer_cell = text
            lines += _solution_lines(text)
    if not answer_cell:
        raise ValueError(f"{path}: no code cell between '# BEGIN SOLUTION' and '# END SOLUTION'")
    return Master(Path(path), exercise, points, answer_cell, tuple(lines), why)


def _solution_lines(code: str) -> list[str]:
    """The lines of ``code`` that otter removes from the student's notebook, stripped."""
    found, block = [], False
    for line in code.splitlines():
        marker = line.strip()
        if marker.startswith("# BEGIN SOLUTION"):
            block = True
        elif marker == "# END SOLUTION":
            block = False
        elif block and marker:
            found.append(marker)
        elif match := _SOLUTION_LINE.match(line):
            found.append(match.group("code").strip())
    return found


def read_masters(folder: Path) -> list[Master]:
    """Every master notebook in ``folder``, in file-name order."""
    return [read_master(path) for path in sorted(Path(folder).glob("*.ipynb"))]
