"""bitslab.plots.outcome_matrix: the cells it draws, read back from the matplotlib artists.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``plots_support.py``.
"""

from __future__ import annotations

from collections import Counter

import plots_support
import pytest
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from plots_support import Drawn, notifications_of, only_axes, with_gid

import bitslab as bl
from bitslab.log import OUTCOMES
from bitslab.scenarios import media_player
from bitslab.timeline import METHODS

# The shared fixtures these tests use (pytest finds them by these names).
draw = plots_support.draw
flaky = plots_support.flaky
story = plots_support.story
stranded = plots_support.stranded


# -- outcome matrix ---------------------------------------------------------------------------


def _expected_matrix(
    sim: bl.Simulation, job: bl.Job | None = None
) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    counts = Counter(
        (m, "pending" if o is None else o)
        for j, m, _, o in notifications_of(sim)
        if job is None or j is job
    )
    columns = [o for o in (*OUTCOMES, "pending") if any(k[1] == o for k in counts)]
    rows = [m for m in METHODS if any(k[0] == m for k in counts)]
    return columns, rows, dict(counts)


@pytest.mark.parametrize("which", ["story", "stranded", "flaky", "media"])
def test_outcome_matrix_counts_each_method_and_outcome(
    which: str, request: pytest.FixtureRequest, draw: Drawn
) -> None:
    sim = media_player() if which == "media" else request.getfixturevalue(which)
    figure = draw.matrix(sim)
    ax = only_axes(figure)
    columns, rows, counts = _expected_matrix(sim)
    assert [t.get_text() for t in ax.get_xticklabels()] == columns
    assert [t.get_text() for t in ax.get_yticklabels()] == rows
    (image,) = with_gid(figure, "cells")["cells"]
    assert isinstance(image, AxesImage)
    grid = [[counts.get((m, o), 0) for o in columns] for m in rows]
    assert image.get_array().tolist() == grid
    texts = {}
    for text in ax.texts:
        x, y = text.get_position()
        texts[(rows[round(y)], columns[round(x)])] = text.get_text()
    assert len(texts) == len(ax.texts)  # one text per cell
    assert texts == {key: str(value) for key, value in counts.items()}


def test_outcome_matrix_shows_pending_and_cmdline_for_the_stranded_story(
    stranded: bl.Simulation, draw: Drawn
) -> None:
    ax = only_axes(draw.matrix(stranded))
    columns = [t.get_text() for t in ax.get_xticklabels()]
    assert {"pending", "cmdline"} <= set(columns)
    assert "app_down" not in columns
    assert columns[-1] == "pending"


def test_outcome_matrix_of_one_job(story: bl.Simulation, draw: Drawn) -> None:
    report = story.jobs[1]
    figure = draw.matrix(story, report, title="report")
    ax = only_axes(figure)
    columns, rows, counts = _expected_matrix(story, report)
    assert [t.get_text() for t in ax.get_xticklabels()] == columns
    assert [t.get_text() for t in ax.get_yticklabels()] == rows
    assert "delivered" not in columns  # report only has a command line (K3)
    assert sorted(t.get_text() for t in ax.texts) == sorted(str(v) for v in counts.values())
    assert ax.get_title(loc="left") == "report"


def test_outcome_matrix_of_an_empty_simulation(draw: Drawn, sim: bl.Simulation) -> None:
    sim.run()
    figure = draw.matrix(sim)
    assert isinstance(figure, Figure)
    ax = only_axes(figure)
    assert ax.get_xticklabels() == []
    assert ax.get_yticklabels() == []
    assert len(ax.texts) == 0
    assert len(ax.images) == 0
    assert ax.get_title(loc="left") == "no notification raised"
