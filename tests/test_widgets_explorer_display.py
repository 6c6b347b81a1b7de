"""The Explorer widget: what it shows (the arrivals table, the timeline picture, the outcome
matrix) and when it reruns, tested as the guide asks: set ``.value`` on controls, check
what they keep.
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest
from widgets_support import STORY_DEFAULTS, thin_view

from bitslab.timeline import arrivals
from bitslab.widgets import Explorer

PNG = b"\x89PNG\r\n\x1a\n"


# -- Explorer: the table, the picture, the matrix, reruns -------------------------------------


@pytest.mark.parametrize(
    "given", [{}, {"reregister": False}, {"flags": 0x1F}, {"crash_at": None}, {"flags": 0x17}]
)
def test_arrived_rows_are_the_runs_arrivals_one_table_row_each(given: dict[str, Any]) -> None:
    """The table has a header and one row per arrived row (modifications aside, even when
    JOB_MODIFICATION is set); the summary shows the flags in hex and the count arrived."""
    explorer = Explorer(draw=False, **given)
    assert explorer.arrived == arrivals(explorer.result)
    assert not any(row.notification == "job_modification" for row in explorer.arrived)
    assert explorer.table.value.count("<tr>") == len(explorer.arrived) + 1
    flags = explorer.settings["flags"]
    assert f"<code>0x{flags:04X}</code>" in explorer.summary.value
    arrived = sum(row.outcome in ("delivered", "cmdline") for row in explorer.arrived)
    assert f"{arrived} of {len(explorer.arrived)} notifications arrived" in explorer.summary.value


def test_drawn_explorer_shows_a_png_timeline_that_changes_with_the_run() -> None:
    """draw=True: the timeline is a PNG image, redrawn when the run changes and left alone
    when a change is refused; the outcome matrix is an HTML table of the run's counts."""
    explorer = Explorer()
    first = bytes(explorer.timeline.value)
    assert first.startswith(PNG)
    assert len(first) > 1000
    explorer.reregister.value = False
    second = bytes(explorer.timeline.value)
    assert second.startswith(PNG)
    assert second != first
    explorer.restart_at.value = 2.0  # refused: nothing is redrawn
    assert explorer.error is not None
    assert bytes(explorer.timeline.value) == second


def _matrix_cells(html: str) -> dict[tuple[str, str], int]:
    """The outcome matrix's counts, read back from its HTML table."""
    rows = re.findall(r"<tr>(.*?)</tr>", html)
    columns = re.findall(r"<th[^>]*>([^<]*)</th>", rows[0])[1:]
    found = {}
    for row in rows[1:]:
        method = re.search(r"<code>(.*?)</code>", row)
        assert method is not None
        values = re.findall(r"<td[^>]*>(\d*)</td>", row)
        for column, value in zip(columns, values, strict=True):
            if value:
                found[(method.group(1), column)] = int(value)
    return found


@pytest.mark.parametrize("given", [{}, {"reregister": False}, {"flags": 0x1B}, {"poll": True}])
def test_the_outcome_matrix_is_a_crisp_html_table_of_the_runs_counts(
    given: dict[str, Any],
) -> None:
    """The matrix is text (crisp at any size): methods down, outcomes across, every count of
    the run's final log entries and pending notifications, blank where none."""
    explorer = Explorer(draw=False, **given)
    sim = explorer.result
    expected: dict[tuple[str, str], int] = {}
    for entry in sim.log.entries(final=True):
        expected[(entry.method, entry.outcome)] = expected.get((entry.method, entry.outcome), 0) + 1
    for note in sim.log.pending():
        expected[(note.method, "pending")] = expected.get((note.method, "pending"), 0) + 1
    assert _matrix_cells(explorer.matrix.value) == expected


def test_undrawn_explorer_leaves_its_image_empty_and_matplotlib_unloaded() -> None:
    """draw=False draws nothing; importing bitslab.widgets and running an Explorer without
    pictures never imports matplotlib (a fresh interpreter proves it)."""
    explorer = Explorer(draw=False)
    explorer.poll.value = True
    assert bytes(explorer.timeline.value) == b""
    code = (
        "import sys\n"
        "from bitslab.widgets import Explorer\n"
        "before = 'matplotlib' in sys.modules\n"
        "Explorer(draw=False).reregister.value = False\n"
        "after = 'matplotlib' in sys.modules\n"
        "Explorer()\n"
        "print(before, after, 'matplotlib' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False", "True"]


def test_the_table_is_shown_before_the_picture_is_drawn() -> None:
    """A click updates the summary and the table first, then redraws the picture, so the
    table never waits for matplotlib."""
    explorer = Explorer()
    order: list[str] = []
    explorer.table.observe(lambda _: order.append("table"), names="value")
    explorer.summary.observe(lambda _: order.append("summary"), names="value")
    explorer.timeline.observe(lambda _: order.append("timeline"), names="value")
    explorer.reregister.value = False
    assert order == ["summary", "table", "timeline"]


def test_changes_made_in_a_hold_block_rerun_once_when_it_ends() -> None:
    """Three changes inside ``with explorer.hold():`` run the story once, at the end, with all
    three; inside the block the results are still the last run's."""
    explorer = Explorer(draw=False)
    first = explorer.result
    runs: list[object] = []
    explorer.observe(lambda change: runs.append(change["new"]), names="result")
    with explorer.hold():
        explorer.reregister.value = False
        explorer.retry_delay.value = 5
        explorer.restart_at.value = 20
        assert explorer.result is first
        assert explorer.runs == 1
    assert explorer.runs == 2
    assert runs == [explorer.result]
    assert explorer.settings == {
        **STORY_DEFAULTS,
        "reregister": False,
        "retry_delay": 5,
        "restart_at": 20,
    }
    thin_view(explorer)


def test_changes_made_in_one_notebook_cell_rerun_once_at_its_end() -> None:
    """In an IPython shell (a Jupyter kernel), changes made in one cell wait for its end, then
    run the story once; reading a result in the cell brings it up to date at once. Run in a
    fresh process: an IPython shell changes interpreter-wide hooks."""
    script = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "shell.run_cell('from bitslab.widgets import Explorer; e = Explorer(draw=False)')\n"
        "shell.run_cell('e.reregister.value = False; e.retry_delay.value = 5; "
        "e.restart_at.value = 20; runs = e.runs')\n"
        "print(shell.user_ns['runs'], shell.user_ns['e'].runs)\n"
        "shell.run_cell('e.poll.value = True; seen = e.settings[\"poll\"]; runs = e.runs')\n"
        "print(shell.user_ns['seen'], shell.user_ns['runs'], shell.user_ns['e'].runs)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    first, second = result.stdout.splitlines()
    assert first.split() == ["1", "2"]  # held in the cell, run once at its end
    assert second.split() == ["True", "3", "3"]  # read in the cell: run then, not again
