"""``python -m bitslab classroom assign`` and ``grade``: the student tree holds no solution,
the autograders grade outside the students' kernels, and a gradebook comes out for every
submission, good or bad, without a traceback.

The grading test runs otter on three notebooks (a master, an unanswered student notebook, a
wrong answer), a few seconds each; the corrupt, foreign and answerless files are refused
before otter runs.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import shutil
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bitslab.classroom import read_masters
from bitslab.cli import main

if not os.environ.get("CI"):  # CI installs the [classroom] extra: there, its absence fails
    pytest.importorskip("otter", reason="needs the [classroom] extra (otter-grader)")

# otter's kernel client leaves localhost sockets to the garbage collector (not bitslab's)
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
ROOT = Path(__file__).resolve().parent.parent
MASTERS = read_masters(ROOT / "instructors/masters")


@pytest.fixture(autouse=True, scope="module")
def _collect_otters_sockets() -> Iterator[None]:
    """Collect the sockets otter's kernel clients left behind before the next module runs, so
    their ResourceWarning is ignored here rather than raised in another module's test."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main([str(a) for a in argv], out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def assigned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("class") / "OUT"
    status, said, err = run(
        "classroom", "assign", out,
        "--masters", ROOT / "instructors/masters", "--notebooks", ROOT / "notebooks",
    )  # fmt: skip
    assert (status, err) == (0, ""), err
    assert said.startswith(f"assigned {len(MASTERS)} exercises (every-file, survive-crash, ")
    return out


def answered(notebook: Path, answer: str, target: Path) -> Path:
    """A copy of a student notebook with ``answer`` in its answer cell."""
    content = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in content["cells"]:
        if "otter_answer_cell" in cell["metadata"].get("tags", []):
            cell["source"] = answer
    target.write_text(json.dumps(content), encoding="utf-8")
    return target


# --- assign -----------------------------------------------------------------------------------


def test_assign_writes_the_student_tree_an_autograder_per_exercise_and_the_masters(
    assigned: Path,
) -> None:
    student = sorted(p.relative_to(assigned / "student").as_posix()
                     for p in (assigned / "student").rglob("*.ipynb"))  # fmt: skip
    tutorials = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert student == tutorials + [f"exercises/{m.path.name}" for m in MASTERS]
    assert sorted(p.name for p in (assigned / "autograder").iterdir()) == sorted(
        f"{m.exercise}.zip" for m in MASTERS
    )
    assert sorted(p.name for p in (assigned / "instructor/masters").glob("*.ipynb")) == [
        m.path.name for m in MASTERS
    ]
    with zipfile.ZipFile(assigned / "autograder/survive-crash.zip") as autograder:
        tests = autograder.read("tests/survive-crash.py").decode()
    assert "hidden=True" in tests
    assert ".require()" in tests


def lines_of(path: Path) -> list[str]:
    """The stripped lines a reader sees: a notebook's cell sources and metadata, or the text."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        content = json.loads(text)
        sources = ["".join(c["source"]) for c in content["cells"]]
        text = "\n".join([*sources, json.dumps(content["metadata"], ensure_ascii=False)])
    return [line.strip() for line in text.splitlines()]


def holds(lines: list[str], block: tuple[str, ...]) -> bool:
    return any(tuple(lines[i : i + len(block)]) == block for i in range(len(lines)))


def test_no_file_under_student_holds_a_solution_a_hidden_test_or_instructors(
    assigned: Path,
) -> None:
    files = [path for path in (assigned / "student").rglob("*") if path.is_file()]
    secrets = ["test_the_check_passes", ".require()", "hidden=True", "instructors/"]
    secrets += [m.why.split("** ", 1)[1][:80] for m in MASTERS]
    for path in files:
        lines = lines_of(path)
        text = "\n".join(lines)
        for secret in secrets:
            assert secret not in text, f"{path} holds {secret!r}"
        for master in MASTERS:
            assert master.solution_lines
            assert not holds(lines, master.solution_lines), f"{path} holds {master.path.name}'s"
            if path.parent.name == "exercises":  # no solution line at all, not even one
                for line in master.solution_lines:
                    assert line not in lines, f"{path} holds {line!r}"


def test_the_committed_student_notebooks_are_what_the_masters_make(assigned: Path) -> None:
    """notebooks/exercises/ is generated: `classroom assign`, copy, then run_notebooks.py."""

    def cells(path: Path) -> list[tuple[str, str, Any]]:
        content = json.loads(path.read_text(encoding="utf-8"))
        return [(c["cell_type"], "".join(c["source"]), c["metadata"]) for c in content["cells"]]

    for master in MASTERS:
        made = assigned / "student/exercises" / master.path.name
        committed = ROOT / "notebooks/exercises" / master.path.name
        assert cells(committed) == cells(made), f"{committed} drifted from {master.path}"


def test_assign_without_masters_says_where_it_looked(tmp_path: Path) -> None:
    status, _, err = run("classroom", "assign", tmp_path / "OUT", "--masters", tmp_path)
    assert status == 2
    assert err == (
        f"error: no master notebooks in {tmp_path}: run from the top of a bitslab checkout, "
        "or give --masters DIR\n"
    )


def test_grade_without_autograders_says_to_assign_first(tmp_path: Path) -> None:
    status, _, err = run("classroom", "grade", tmp_path, tmp_path / "x.ipynb")
    assert status == 2
    assert err == f"error: no autograders in {tmp_path / 'autograder'}: run classroom assign\n"


def test_grade_refuses_a_gradebook_in_a_missing_folder_before_grading(
    assigned: Path, tmp_path: Path
) -> None:
    book = tmp_path / "nowhere" / "grades.csv"
    status, _, err = run("classroom", "grade", assigned, tmp_path, "--csv", book)
    assert status == 2
    assert err == f"error: --csv {book}: its folder {book.parent} does not exist\n"


# --- grade ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gradebook(assigned: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    subs = tmp_path_factory.mktemp("submissions")
    exercises = assigned / "student/exercises"
    teacher = subs / "teacher"  # (a) the masters themselves
    teacher.mkdir()
    shutil.copy(ROOT / "instructors/masters/01-every-file.ipynb", teacher)
    shutil.copy(ROOT / "instructors/masters/08-choose-route.ipynb", teacher)
    ann = subs / "ann"  # (b) the student notebooks as handed out
    ann.mkdir()
    shutil.copy(exercises / "02-survive-crash.ipynb", ann)  # a function that does nothing
    wrong = answered(exercises / "07-calm-progress.ipynb", "answer = 500", subs / "bob.ipynb")
    with zipfile.ZipFile(subs / "bob.zip", "w") as archive:  # (c) a wrong answer, zipped
        archive.write(wrong, "07-calm-progress.ipynb")
    wrong.unlink()
    (subs / "carl.ipynb").write_text('{"cells": [', encoding="utf-8")  # (d) corrupt
    dan = subs / "dan"  # not a notebook, and a notebook whose answer cell was deleted
    dan.mkdir()
    (dan / "notes.txt").write_text("my answers are in my head\n", encoding="utf-8")
    content = json.loads((exercises / "03-twice.ipynb").read_text(encoding="utf-8"))
    content["cells"] = [
        c for c in content["cells"] if "otter_answer_cell" not in c["metadata"].get("tags", [])
    ]
    (dan / "03-twice.ipynb").write_text(json.dumps(content), encoding="utf-8")
    book = subs / "grades.csv"
    status, said, err = run(
        "classroom", "grade", assigned, teacher, ann, subs / "bob.zip", subs / "carl.ipynb",
        dan, "--csv", book,
    )  # fmt: skip
    with open(book, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    return {"status": status, "out": said, "err": err, "rows": rows, "book": book}


def row(gradebook: dict[str, Any], student: str, exercise: str) -> list[str]:
    (found,) = [r for r in gradebook["rows"] if r[:2] == [student, exercise]]
    return found


def test_grading_never_shows_a_traceback_and_names_every_student(
    gradebook: dict[str, Any],
) -> None:
    assert gradebook["status"] == 0
    assert gradebook["out"] == f"graded 7 notebooks of 5 students: {gradebook['book']}\n"
    for text in (gradebook["out"], gradebook["err"], json.dumps(gradebook["rows"])):
        assert "Traceback" not in text
    assert gradebook["rows"][0] == ["student", "exercise", "points", "possible", "feedback"]


def test_a_master_gets_full_marks(gradebook: dict[str, Any]) -> None:
    assert row(gradebook, "teacher", "every-file") == ["teacher", "every-file", "4", "4", "right"]
    # a function answer, graded in a fresh kernel: N2, N5 through a service restart and a reboot
    assert row(gradebook, "teacher", "choose-route") == [
        "teacher", "choose-route", "4", "4", "right",
    ]  # fmt: skip


def test_an_unanswered_notebook_gets_zero_with_the_checks_feedback(
    gradebook: dict[str, Any],
) -> None:
    crash = row(gradebook, "ann", "survive-crash")
    assert crash[2:4] == ["0", "4"]
    assert crash[4].startswith("? survive-crash: no answer yet\n  - replace ... with your answer")


def test_a_wrong_answer_gets_the_form_point_and_bitslabs_hint(gradebook: dict[str, Any]) -> None:
    bob = row(gradebook, "bob", "calm-progress")
    assert bob[2:4] == ["1", "4"]
    assert bob[4].startswith("✗ calm-progress: not yet\n")
    assert "✗ two updates came 0.50 s apart, less than 2 s: the bar flickers" in bob[4]
    assert bob[4].endswith("hint: BITS folds modifications raised within the interval into one "
                           "(C7): in what unit is the interval?")  # fmt: skip


def test_unreadable_files_get_a_row_saying_so_and_zero(gradebook: dict[str, Any]) -> None:
    assert row(gradebook, "carl", "carl.ipynb") == [
        "carl", "carl.ipynb", "0", "0",
        "unreadable: carl.ipynb is not a valid notebook (JSONDecodeError)",
    ]  # fmt: skip
    assert row(gradebook, "dan", "notes.txt") == [
        "dan", "notes.txt", "0", "0",
        "unreadable: notes.txt is not a Jupyter notebook (.ipynb)",
    ]  # fmt: skip
    assert row(gradebook, "dan", "twice") == [
        "dan", "twice", "0", "4",
        "no answer cell: the cell under 'Your answer' was deleted or replaced",
    ]  # fmt: skip


def test_the_terminal_has_one_summary_line_per_student(gradebook: dict[str, Any]) -> None:
    lines = gradebook["err"].splitlines()
    assert [line.split()[0] for line in lines] == ["teacher", "ann", "bob", "carl", "dan"]
    assert lines[0].split()[1:4] == ["8/8", "[####################]", "100%"]
    assert lines[1].endswith("0 of 1 right; not yet: survive-crash 0/4")
    assert lines[2].endswith("0 of 1 right; not yet: calm-progress 1/4")
    assert lines[4].endswith("0 of 2 right; not yet: twice 0/4, notes.txt unreadable")


def test_import_bitslab_loads_neither_the_classroom_nor_otter_nor_tqdm() -> None:
    code = (
        "import sys, bitslab; "
        "print(sorted(m for m in ('bitslab.classroom', 'otter', 'tqdm') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_binder_postbuild_leaves_no_solution_in_the_tree_students_open(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, tree / name)
    stub = tmp_path / "bin"
    stub.mkdir()
    (stub / "python").write_text("#!/bin/sh\nexit 0\n")  # pip install is binder/check's to prove
    (stub / "python").chmod(0o755)
    env = {**os.environ, "PATH": f"{stub}:{os.environ['PATH']}"}
    subprocess.run(["bash", "binder/postBuild"], cwd=tree, env=env, check=True)
    assert not (tree / "instructors").exists()
    assert (tree / "notebooks/exercises/01-every-file.ipynb").is_file()
    for path in (p for p in tree.rglob("*") if p.is_file() and p.suffix in (".ipynb", ".py")):
        lines = lines_of(path)
        for master in MASTERS:
            assert not holds(lines, master.solution_lines), f"{path} holds {master.path.name}'s"
