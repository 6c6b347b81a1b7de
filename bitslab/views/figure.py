"""The timeline figure: a layout drawn once, and a run's data drawn into it.

:func:`bitslab.plots.timeline` draws one from scratch. The Explorer keeps one
(``steady=True``) and, after each click, redraws only the run's data: the layout (the lanes,
their labelled callback rows, the time axis rounded to a step, a complete legend) is rendered
once and kept as a picture; each update puts that picture back, draws the bands, marks, lines
and shades over it (matplotlib's blitting, on the Agg canvas) and encodes the pixels as a PNG.
A layout changes (new jobs, a new callback row, a longer run) only when the data need it, and
is then rebuilt once.

A lane, one per job, is one unit high: the job's state bands at the top, then a row per
callback method, labelled with the method's name. A marker sits where a notification was
raised (filled: it arrived; hollow: it did not). A late one has a line to when it arrived, a
pending one a dotted line to the end; lines that overlap in time take separate tracks, so each
can be followed. An application's down time is shaded over its own jobs' lanes only (I4).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..constants import JobState
from ..timeline import METHODS, Timeline
from ..timeline import timeline as read_timeline
from ..vocabulary import Method
from .artists import (
    BAND,
    METHOD_STYLE,
    SHADE_STYLE,
    STATE_COLOURS,
    app_of,
    app_style,
    draw_data,
    row_y,
)

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

    from ..model.jobs import Job
    from ..simulation import Simulation

__all__ = ["METHOD_STYLE", "SHADE_STYLE", "STATE_COLOURS", "TimelineFigure"]

_DPI = 96


class Layout(NamedTuple):
    """What the fixed part of a timeline figure shows: a new one means a rebuild."""

    jobs: tuple[str, ...]
    methods: tuple[str, ...]
    right: float
    key: tuple[tuple[str, str], ...]  # the legend's entries: (kind, what)
    title: str | None


class TimelineFigure:
    """A timeline figure that keeps its layout and redraws only a run's data.

    ``modifications=False`` leaves out job_modification. ``steady=True`` (the Explorer) holds
    the layout still between runs: a complete legend, the time axis rounded up to a step, and
    :meth:`png` redraws only the data over the kept layout. Otherwise the legend lists only
    what is drawn and the axis ends just after the run.
    """

    def __init__(
        self, *, modifications: bool = True, title: str | None = None, steady: bool = False
    ) -> None:
        self.modifications = modifications
        self.title = title
        self.steady = steady
        self.figure: Figure | None = None
        self.layout: Layout | None = None
        self.builds = 0  # how many times the layout was built (a new figure, laid out)
        self.renders = 0  # how many times the layout was rendered (after a build or new axis)
        self._ax: Axes | None = None
        self._data: list[Artist] = []
        self._background: Any = None

    def update(self, sim: Simulation, jobs: Iterable[Job] | None = None) -> Figure:
        """Draw ``sim`` (every job, or ``jobs``): rebuild the layout only if it must change."""
        data = read_timeline(sim, jobs)
        layout = self._layout_for(data, sim)
        old = self.layout
        if old is None or self._ax is None or layout._replace(right=0.0) != old._replace(right=0.0):
            self._build(layout, [app.name for app in sim.apps])
        elif layout.right != old.right:  # the same lanes, rows and legend: a new axis only
            self._ax.set_xlim(0.0, layout.right)
            self._background = None  # png() renders the layout again, not laid out again
            self.layout = layout
        assert self.figure is not None
        assert self._ax is not None
        for artist in self._data:
            artist.remove()
        self._data = draw_data(self._ax, data, list(layout.methods), layout.right, sim)
        for artist in self._data:
            artist.set_animated(self.steady)  # steady: drawn over the kept layout by png()
        return self.figure

    def png(self) -> bytes:
        """The figure as a PNG: in steady mode the kept layout with the data drawn over it."""
        figure = self.figure
        if figure is None:
            raise RuntimeError("png() before update(): there is nothing drawn yet")
        if not self.steady:
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
            return buffer.getvalue()
        from PIL import Image

        canvas = figure.canvas
        if self._background is None:
            canvas.draw()  # the layout alone: the data are animated, left out
            figure.set_layout_engine("none")  # laid out once; kept as it is from now on
            self._background = canvas.copy_from_bbox(figure.bbox)  # type: ignore[attr-defined]
            self.renders += 1
        canvas.restore_region(self._background)  # type: ignore[attr-defined]
        renderer = canvas.get_renderer()  # type: ignore[attr-defined]
        for artist in sorted(self._data, key=lambda a: a.get_zorder()):
            artist.draw(renderer)
        width, height = (int(v) for v in figure.bbox.size)
        pixels = canvas.buffer_rgba()  # type: ignore[attr-defined]
        image = Image.frombuffer("RGBA", (width, height), pixels, "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    # -- the layout --------------------------------------------------------------------------

    def _layout_for(self, data: Timeline, sim: Simulation) -> Layout:
        methods = tuple(
            m
            for m in METHODS
            if (self.modifications or m != Method.JOB_MODIFICATION)
            and any(k.method == m for k in data.marks)
        )
        if self.steady:
            # The axis stays put while the run fits it and fills a third of it, so that
            # runs can be compared at one scale; else it ends at a round value after the run.
            right = _rounded_up(data.end * 1.03 + 0.5)
            kept = self.layout.right if self.layout is not None else 0.0
            if right <= kept <= 3.0 * right:
                right = kept
            key = _complete_key(data, methods, sim)
        else:
            right = data.end + max(0.04 * data.end, 0.5)  # room to show each job's last state
            key = _key(data, methods)
        return Layout(tuple(job.name for job in data.jobs), methods, right, key, self.title)

    def _build(self, layout: Layout, apps: list[str]) -> None:
        lanes, rows = len(layout.jobs), len(layout.methods)
        legend_rows = math.ceil(len(layout.key) / 5)
        height = 1.2 + 0.22 * legend_rows + (0.42 + 0.17 * rows) * max(lanes, 1)
        figure = Figure(figsize=(9.0, height), dpi=_DPI, layout="constrained")
        if self.steady:
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            FigureCanvasAgg(figure)  # blitting needs the Agg canvas and its pixel buffer
        ax = figure.add_subplot()
        ax.set_xlim(0.0, layout.right)
        ax.set_ylim(max(lanes, 1), 0.0)  # the first job at the top
        ax.set_yticks([lane + BAND[0] + BAND[1] / 2 for lane in range(lanes)])
        ax.set_yticklabels(layout.jobs, fontweight="bold")
        rows_y = [lane + row_y(r, rows) for lane in range(lanes) for r in range(rows)]
        ax.set_yticks(rows_y, minor=True)
        ax.set_yticklabels([m for _ in range(lanes) for m in layout.methods], minor=True)
        ax.tick_params(axis="y", which="both", length=0)
        ax.tick_params(axis="y", which="minor", labelsize="x-small", labelcolor="#525252")
        ax.set_xlabel("simulated time (s)")
        for spine in ("top", "right", "left"):
            ax.spines[spine].set_visible(False)
        for lane in range(1, lanes):
            ax.axhline(lane, color="#bdbdbd", linewidth=0.6, zorder=1)
        if layout.title is not None:
            ax.set_title(layout.title, loc="left")
        figure.legend(
            handles=[_key_handle(kind, what, apps) for kind, what in layout.key],
            loc="outside lower center",
            ncols=5,
            fontsize="small",
            frameon=False,
        )
        if self.figure is not None:
            self._data = []  # they belonged to the old figure
        self.figure, self._ax, self.layout = figure, ax, layout
        self._background = None
        self.builds += 1


def _rounded_up(value: float) -> float:
    """The next multiple of a round step (1, 2 or 5 times a power of ten, 4 to 10 steps)."""
    magnitude = 10.0 ** math.floor(math.log10(max(value, 1e-9)))
    step = next(s * magnitude for s in (0.5, 1.0, 2.0, 5.0, 10.0) if value / (s * magnitude) <= 10)
    return math.ceil(value / step - 1e-9) * step


def _seen_states(data: Timeline) -> set[JobState]:
    last = {band.job: band for band in data.bands}
    return {b.state for b in data.bands if b.end > b.start or last[b.job] is b}


def _key(data: Timeline, methods: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The legend of what is drawn: states held, methods, kinds of marks, shaded spans."""
    seen = _seen_states(data)
    key = [("state", state.name) for state in STATE_COLOURS if state in seen]
    key += [("method", method) for method in methods]
    shown = [mark for mark in data.marks if mark.method in methods]
    key += [("mark", "arrived")] if any(mark.arrived for mark in shown) else []
    key += [("mark", "lost")] if any(not mark.arrived for mark in shown) else []
    key += [("mark", "late")] if any(mark.late or mark.pending for mark in shown) else []
    key += [("shade", kind) for kind in sorted({s.kind for s in data.shades} - {"app_down"})]
    apps = sorted({app_of(s) for s in data.shades if s.kind == "app_down"})
    key += [("app", app) for app in apps]
    return tuple(key)


def _complete_key(
    data: Timeline, methods: tuple[str, ...], sim: Simulation
) -> tuple[tuple[str, str], ...]:
    """The legend that stays: every state, the rows' methods, every kind of mark and span,
    and each application's down time (traffic only when there is some)."""
    key = [("state", state.name) for state in STATE_COLOURS]
    key += [("method", method) for method in methods]
    key += [("mark", "arrived"), ("mark", "lost"), ("mark", "late")]
    kinds = ["outage", "server_error"] + (["traffic"] if sim.network.traffic_spans else [])
    kinds += ["service_down"] if sim.service.periods else []
    key += [("shade", kind) for kind in kinds]
    key += [("app", app.name) for app in sim.apps]
    return tuple(key)


def _key_handle(kind: str, what: str, apps: list[str]) -> Artist:
    if kind == "state":
        return Patch(facecolor=STATE_COLOURS[JobState[what]], label=what)
    if kind == "method":
        shape, colour = METHOD_STYLE[what]
        return Line2D([], [], linestyle="", marker=shape, color=colour, label=what, markersize=7)
    if kind == "mark" and what == "arrived":
        return Line2D([], [], linestyle="", marker="o", color="black", label="filled: arrived")
    if kind == "mark" and what == "lost":
        return Line2D(
            [],
            [],
            linestyle="",
            marker="o",
            markerfacecolor="white",
            markeredgecolor="black",
            label="hollow: did not arrive",
        )
    if kind == "mark":
        return Line2D([], [], color="black", label="line: arrived later / still pending")
    if kind == "app":
        colour, hatch = app_style(what, apps)
        return Patch(facecolor=colour, hatch=hatch, alpha=0.45, label=f"app {what!r} down")
    colour, hatch, text = SHADE_STYLE[what]
    return Patch(facecolor=colour, hatch=hatch, alpha=0.45, label=text)
