"""Helpers shared by the tests of bitslab.plots: reading drawn artists back by their ``gid``,
and the expected bands and marks from a run's public results.

Each drawn element carries a ``gid`` (``"band nightly TRANSFERRING"``, ``"marks nightly
file_transferred arrived"``, ``"cells"``); the expected data come from the run's public results
(``job.history``, ``sim.log``, ``log.pending()``), not from :mod:`bitslab.timeline`. Every
figure is also saved as a PNG, which proves it renders. Figures are made without pyplot, so
none is left open.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

import bitslab as bl
from bitslab import plots
from bitslab.scenarios import flaky_network, restart_story


def render_png(figure: Figure, tmp_path: Path, name: str) -> Path:
    """Save ``figure`` as a PNG and check that the file is one, of about the figure's size
    (how a fraction of a pixel rounds is the renderer's business, and differs between
    matplotlib versions: the tests check what a reader sees, not exact pixel counts)."""
    path = tmp_path / f"{name}.png"
    figure.savefig(path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    expected = figure.get_size_inches() * figure.dpi
    assert abs(width - expected[0]) <= 1.5
    assert abs(height - expected[1]) <= 1.5
    return path


def only_axes(figure: Figure) -> Axes:
    (ax,) = figure.axes
    return ax


def offsets_of(marks: Line2D) -> Any:
    """Where a row's markers are: one (x, y) per marker."""
    import numpy as np

    return np.column_stack([marks.get_xdata(), marks.get_ydata()]).astype(float)


def with_gid(figure: Figure, prefix: str) -> dict[str, list[object]]:
    """The figure's artists whose gid starts with ``prefix``, by gid."""
    found: dict[str, list[object]] = {}
    for artist in figure.findobj(lambda a: (a.get_gid() or "").startswith(prefix)):
        found.setdefault(artist.get_gid(), []).append(artist)
    return found


def notifications_of(sim: bl.Simulation) -> list[tuple[bl.Job, str, float, str | None]]:
    """Every raised notification: (job, method, raised, outcome or None while pending)."""
    ended = [(e.job, e.method, e.raised, e.outcome) for e in sim.log if e.final]
    waiting = [(p.job, p.method, p.raised, None) for p in sim.log.pending()]
    return ended + waiting


def legend_texts(figure: Figure) -> list[str]:
    (legend,) = figure.legends
    return [text.get_text() for text in legend.get_texts()]


class Drawn:
    """Draws with :mod:`bitslab.plots` and saves every figure as a PNG in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.saved: list[Path] = []

    def _save(self, figure: Figure, kind: str) -> Figure:
        assert isinstance(figure, Figure)
        self.saved.append(render_png(figure, self.folder, f"{kind}-{len(self.saved)}"))
        return figure

    def timeline(
        self, sim: bl.Simulation, jobs: list[bl.Job] | None = None, **options: Any
    ) -> Figure:
        return self._save(plots.timeline(sim, jobs, **options), "timeline")

    def matrix(self, sim: bl.Simulation, job: bl.Job | None = None, **options: Any) -> Figure:
        return self._save(plots.outcome_matrix(sim, job, **options), "matrix")


@pytest.fixture
def draw(tmp_path: Path) -> Drawn:
    """Draw figures that are saved as PNGs in the test's tmp_path (proof that they render)."""
    return Drawn(tmp_path)


@pytest.fixture(scope="module")
def story() -> bl.Simulation:
    """The restart story, run once for the tests that only read it."""
    return restart_story()


@pytest.fixture(scope="module")
def stranded() -> bl.Simulation:
    """The restart story without re-registering: three notifications stay pending."""
    return restart_story(reregister=False)


@pytest.fixture(scope="module")
def flaky() -> bl.Simulation:
    return flaky_network()
