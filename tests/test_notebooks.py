"""The notebooks as files: the course is complete, each names its rules and has checked
outputs (nbval runs them: ``pytest --nbval-lax``), nothing stored varies from run to run, and
the exercises reach students unanswered."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

import bitslab as bl
from bitslab.exercises import EXERCISES

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
EXERCISE_BOOKS = sorted((ROOT / "notebooks" / "exercises").glob("[0-9][0-9]-*.ipynb"))
ALL = TUTORIALS + EXERCISE_BOOKS
CHECK = "# NBVAL_CHECK_OUTPUT"


def _read(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


def _code(notebook: Any) -> list[Any]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _text(output: Any) -> str:
    if output.output_type == "stream":
        return str(output.text)
    return str(output.get("data", {}).get("text/plain", ""))


def test_the_course_has_ten_tutorials_and_an_exercise_notebook_per_exercise() -> None:
    assert [p.name[:3] for p in TUTORIALS] == [f"{n:02d}-" for n in range(1, 11)]
    assert len(EXERCISE_BOOKS) == len(EXERCISES) >= 6
    assert (ROOT / "notebooks" / "exercises" / "README.md").is_file()


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_each_notebook_opens_with_a_title_and_the_rules_it_shows(path: Path) -> None:
    notebook = _read(path)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    first = notebook.cells[0]
    assert first.cell_type == "markdown"
    assert re.match(r"# (\d+\.|Exercise \d:) \w", first.source)
    line = next(line for line in first.source.splitlines() if "Rules" in line)
    named = re.findall(r"\b([A-Z]\d{1,2})\b", line)
    assert named
    assert all(rule in bl.rules for rule in named), named


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_each_notebook_is_stored_run_with_checked_outputs_and_no_errors(path: Path) -> None:
    cells = _code(_read(path))
    assert all(cell.execution_count is not None for cell in cells), "not run top to bottom"
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1))
    checked = [cell for cell in cells if cell.source.startswith(CHECK)]
    assert checked, "no cell's output is checked by nbval"
    assert all("".join(_text(o) for o in cell.outputs).strip() for cell in checked)
    for cell in cells:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source[:60]


#: What must never be stored: it would differ on the next run or another machine.
VARYING = {
    "a memory address": re.compile(r" at 0x[0-9a-fA-F]{6,}"),
    "a clock time": re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b"),
    "a date": re.compile(r"\b20\d\d-\d\d-\d\d\b"),
    "a home or temp path": re.compile(r"/(home|root|tmp|work)/"),
}


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_no_stored_output_varies_from_run_to_run(path: Path) -> None:
    for cell in _code(_read(path)):
        text = "".join(_text(output) for output in cell.outputs)
        for what, pattern in VARYING.items():
            assert not pattern.search(text), f"{what} in the output of: {cell.source[:60]!r}"
        assert "execution" not in cell.metadata  # no timing metadata either


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_each_exercise_notebook_is_unanswered_and_checks_its_exercise(exercise_id: str) -> None:
    (path,) = [p for p in EXERCISE_BOOKS if p.stem[3:] == exercise_id]
    cells = _code(_read(path))
    check = [c for c in cells if f'exercises.check("{exercise_id}", answer)' in c.source]
    assert len(check) == 1
    assert check[0].source.startswith(CHECK)
    shown = "".join(_text(o) for o in check[0].outputs)
    assert shown.startswith((f"? {exercise_id}: no answer yet", f"✗ {exercise_id}: not yet"))
    assert any(re.search(r"^answer = (\.\.\.|on_start|setup)(\s|$)", c.source, re.M) for c in cells)


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_each_exercise_names_its_rules_alike_in_its_notebooks_and_the_readme(
    exercise_id: str,
) -> None:
    """The **Rules:** line of the student's notebook and of the instructors' master, and the
    Rules cell of notebooks/exercises/README.md, list exactly the exercise's ``rules``, in
    its order (exercise 2 once left out C11, exercise 8 N4 and I8)."""
    rules = list(EXERCISES[exercise_id].rules)
    (path,) = [p for p in EXERCISE_BOOKS if p.stem[3:] == exercise_id]
    for book in (path, ROOT / "instructors" / "masters" / path.name):
        text = "\n".join(c.source for c in _read(book).cells if c.cell_type == "markdown")
        (listed,) = re.findall(r"^\*\*Rules:\*\* ([A-Z]\d+(?:, [A-Z]\d+)*)", text, re.M)
        assert listed.split(", ") == rules, book
    table = (ROOT / "notebooks" / "exercises" / "README.md").read_text(encoding="utf-8")
    header = next(line for line in table.splitlines() if line.startswith("| # |"))
    (row,) = [line for line in table.splitlines() if f"]({path.name})" in line]
    assert _cells(row)[_cells(header).index("Rules")].split(", ") == rules


#: Text that would give an exercise's answer away, were it in the student's notebook.
GIVEAWAYS = {
    "every-file": ["0x13", "0x33", "FILE_TRANSFERRED |", "| bl.NotifyFlags.FILE_TRANSFERRED"],
    "survive-crash": ["set_notify_interface(bl.RecordingNotifier(app))"],
    "twice": ['answer = "I5"', "answer = 'I5'"],
    "ride-out": ['"minimum_retry_delay": 20'],
    "command-line": ["notify.exe /done report"],
    "just-the-bytes": ["9_900_000", "9900000"],
    "calm-progress": ["answer = 2000", "2_000"],
    "choose-route": ["NOTIFICATION_CLSID", "register_server(CLSID"],
}


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_no_exercise_notebook_gives_its_answer_away(exercise_id: str) -> None:
    (path,) = [p for p in EXERCISE_BOOKS if p.stem[3:] == exercise_id]
    sources = "\n".join(cell.source for cell in _read(path).cells)
    for giveaway in GIVEAWAYS[exercise_id]:
        assert giveaway not in sources
    assert "solutions" not in sources.lower()
