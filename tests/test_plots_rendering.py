"""bitslab.plots: figures made without pyplot, legible, and the kept figure (the Explorer's)
redrawn in place.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``plots_support.py``.
"""

from __future__ import annotations

import io
import subprocess
import sys
from typing import Any

import plots_support
import pytest
from matplotlib.figure import Figure
from plots_support import Drawn, legend_texts, notifications_of, offsets_of, only_axes, with_gid

import bitslab as bl
from bitslab import plots
from bitslab.scenarios import restart_story
from bitslab.timeline import METHODS
from bitslab.views.figure import TimelineFigure

# The shared fixtures these tests use (pytest finds them by these names).
draw = plots_support.draw
flaky = plots_support.flaky
story = plots_support.story
stranded = plots_support.stranded


# -- no pyplot --------------------------------------------------------------------------------


def test_plots_never_import_pyplot() -> None:
    """Figures are made with matplotlib.figure.Figure: no pyplot, so no figure is left open."""
    code = (
        "import io, sys\n"
        "from bitslab import plots, scenarios\n"
        "sim = scenarios.restart_story(reregister=False)\n"
        "for figure in (plots.timeline(sim), plots.outcome_matrix(sim)):\n"
        "    figure.savefig(io.BytesIO(), format='png')\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_figures_are_plain_figures(story: bl.Simulation) -> None:
    for figure in (plots.timeline(story), plots.outcome_matrix(story)):
        assert type(figure) is Figure
        assert figure.canvas.manager is None  # not managed by pyplot


def test_legend_explains_filled_hollow_and_lines_only_when_drawn(
    story: bl.Simulation, flaky: bl.Simulation, draw: Drawn
) -> None:
    """The restart story has all three kinds of mark; in the flaky network nothing arrives
    (no job has an interface) and nothing is late, so only "hollow" is explained."""
    keys = ("filled: arrived", "hollow: did not arrive", "line: arrived later / still pending")
    assert [key in legend_texts(draw.timeline(story)) for key in keys] == [True, True, True]
    assert [key in legend_texts(draw.timeline(flaky)) for key in keys] == [False, True, False]


def test_in_jupyter_a_returned_figure_shows_as_a_png_without_pyplot() -> None:
    """An IPython shell formats a returned Figure as image/png once bitslab.plots is imported
    (pyplot would register that; these figures are made without it). Run in a fresh process:
    an IPython shell changes interpreter-wide hooks."""
    script = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "from bitslab import plots, scenarios\n"
        "data, _ = shell.display_formatter.format(plots.timeline(scenarios.restart_story()))\n"
        "print(sorted(data))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "['image/png', 'text/plain']"


# -- legibility -------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["story", "stranded", "flaky"])
def test_each_lane_labels_its_callback_rows_and_each_mark_sits_on_its_methods_row(
    which: str, request: pytest.FixtureRequest, draw: Drawn
) -> None:
    """A reader needs no legend to tell the rows apart: each row of each lane is labelled with
    its method's name, and every marker sits on the row labelled with its method."""
    sim = request.getfixturevalue(which)
    figure = draw.timeline(sim)
    ax = only_axes(figure)
    rows = {
        round(float(y), 6): label.get_text()
        for y, label in zip(ax.get_yticks(minor=True), ax.get_yticklabels(minor=True), strict=True)
    }
    raised = [m for m in METHODS if any(method == m for _, method, _, _ in notifications_of(sim))]
    assert sorted(rows.values()) == sorted(raised * len(sim.jobs))
    for gid, (scatter,) in with_gid(figure, "marks ").items():
        _, name, method, _ = gid.split()
        lane = [job.name for job in sim.jobs].index(name)
        (y,) = {round(float(y), 6) for y in offsets_of(scatter)[:, 1]}
        assert rows[y] == method
        assert lane < y < lane + 1


def test_markers_are_sized_to_be_seen_job_modification_too(
    flaky: bl.Simulation, draw: Drawn
) -> None:
    """Markers of at least 5 points across (25 square points), job_modification included."""
    for gid, (scatter,) in with_gid(draw.timeline(flaky), "marks ").items():
        assert scatter.get_markersize() ** 2 >= 25, gid


def test_late_lines_that_overlap_in_time_are_drawn_on_separate_tracks(
    story: bl.Simulation, draw: Drawn
) -> None:
    """C4, C5: fonts.cab (raised 9.10 s) and lang.cab (13.15 s) both arrive at 30 s: their lines
    overlap in time, so they run at different heights, each from its own marker to its own
    arrival tick, and can be told apart."""
    figure = draw.timeline(story)
    late = {gid: line for gid, (line,) in with_gid(figure, "late nightly file_transferred").items()}
    assert len(late) == 2
    levels = set()
    for gid, line in late.items():
        xs, ys = list(line.get_xdata()), list(line.get_ydata())
        assert xs[0] == xs[1] < xs[-1] == pytest.approx(30.0)  # up from its marker, then on
        assert ys[1] == ys[-1]
        levels.add(ys[-1])
        (tick,) = with_gid(figure, gid.replace("late", "arrival"))[gid.replace("late", "arrival")]
        assert (float(tick.get_xdata()[0]), float(tick.get_ydata()[0])) == (xs[-1], ys[-1])
    assert len(levels) == 2


# -- the kept figure (the Explorer's): redrawn in place ----------------------------------------


def _pixels(png: bytes) -> Any:
    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)


def test_a_kept_figure_redraws_a_new_run_without_rebuilding_its_layout() -> None:
    """The layout (lanes, rows, axis, legend) is built once; each run redraws only its data,
    and the picture shows the new run: different pixels, same size."""
    kept = TimelineFigure(steady=True, modifications=False)
    kept.update(restart_story())
    first = kept.png()
    kept.update(restart_story(reregister=False))
    second = kept.png()
    assert kept.builds == 1
    assert first.startswith(b"\x89PNG")
    assert second.startswith(b"\x89PNG")
    before, after = _pixels(first), _pixels(second)
    assert before.shape == after.shape
    assert (abs(before - after).sum(axis=2) > 30).sum() > 100  # the lines changed
    assert kept.layout is not None
    assert kept.layout.right % 5 == 0  # a round end: the axis stays put between runs
    assert kept.layout.right >= restart_story().now
    right = kept.layout.right
    kept.update(restart_story(crash_at=None))  # a shorter run: the same scale, to compare
    assert (kept.builds, kept.layout.right) == (1, right)
    longer = restart_story(server_error=(0.0, 120.0), retry_delay=5.0)
    kept.update(longer)  # it does not fit: a longer axis, the rest of the layout kept
    assert kept.builds == 1
    assert kept.layout.right >= longer.now > right
    assert _pixels(kept.png()).shape == before.shape


def test_a_kept_figure_rebuilds_once_when_its_rows_must_change() -> None:
    """Showing job_modification adds a row to every lane: one rebuild, then in place again."""
    kept = TimelineFigure(steady=True, modifications=False)
    kept.update(restart_story())
    kept.modifications = True
    kept.update(restart_story())
    kept.update(restart_story(reregister=False))
    assert kept.builds == 2
    assert kept.layout is not None
    assert "job_modification" in kept.layout.methods


@pytest.mark.parametrize("settings", [{}, {"reregister": False}, {"outage": (3.0, 5.0)}])
def test_a_kept_figures_picture_is_the_figure_drawn_whole(settings: dict[str, Any]) -> None:
    """The data drawn over the kept layout give the picture a full redraw of the same figure
    gives (but for the few pixels where a shade lies over a lane's dividing line)."""
    sim = restart_story(**settings)
    kept = TimelineFigure(steady=True)
    kept.update(restart_story())  # the layout, kept from another run
    kept.update(sim)
    blitted = _pixels(kept.png())
    assert kept.figure is not None
    whole = TimelineFigure(steady=True)
    whole.update(sim)
    assert whole.figure is not None
    for artist in whole._data:
        artist.set_animated(False)
    buffer = io.BytesIO()
    whole.figure.savefig(buffer, format="png")
    drawn = _pixels(buffer.getvalue())
    assert blitted.shape == drawn.shape
    differ = (abs(blitted - drawn).sum(axis=2) > 60).mean()
    assert differ < 0.005
