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

import functools
import io
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D, ScaledTranslation

from .constants import JobState
from .timeline import METHODS, Mark, Shade, Timeline
from .timeline import timeline as read_timeline

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

    from .jobs import Job
    from .simulation import Simulation

__all__ = ["METHOD_STYLE", "SHADE_STYLE", "STATE_COLOURS", "TimelineFigure"]

#: The colour of each job state's band.
STATE_COLOURS: dict[JobState, str] = {
    JobState.SUSPENDED: "#d9d9d9",
    JobState.QUEUED: "#c6dbef",
    JobState.CONNECTING: "#9ecae1",
    JobState.TRANSFERRING: "#4292c6",
    JobState.TRANSIENT_ERROR: "#fdae6b",
    JobState.ERROR: "#d94801",
    JobState.TRANSFERRED: "#74c476",
    JobState.ACKNOWLEDGED: "#238b45",
    JobState.CANCELLED: "#525252",
}
#: Marker shape and colour of each callback method.
METHOD_STYLE: dict[str, tuple[str, str]] = {
    "job_transferred": ("D", "#1b7837"),
    "job_error": ("s", "#b2182b"),
    "job_modification": ("o", "#737373"),
    "file_transferred": ("o", "#2166ac"),
    "file_ranges_transferred": ("^", "#e08214"),
}
#: Colour, hatch and legend text of each kind of shaded span.
SHADE_STYLE: dict[str, tuple[str, str, str]] = {
    "app_down": ("#f4a582", "//", "application down"),
    "outage": ("#969696", "", "network outage"),
    "server_error": ("#fee391", "..", "server error"),
    "traffic": ("#e5f5e0", "", "other traffic"),
}
#: Each application's own colour and hatch for its down time, in the order of ``sim.apps``.
APP_STYLES = (("#f4a582", "//"), ("#c2a5cf", "\\\\"), ("#fdb863", "xx"), ("#92c5de", "++"))

_BAND = (0.05, 0.24)  # a band's offset and height within its lane (a lane is 1 high)
_ROW0, _ROWS = 0.46, 0.46  # where a lane's first callback row sits, and the rows' spread
_MARK_SIZE = {"job_modification": 26.0}  # square points (as scatter); the others are _SIZE
_SIZE = 44.0
_LABEL_SIZE = 7.5  # points: the application's name on its down time
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
        self._data = _draw_data(self._ax, data, list(layout.methods), layout.right, sim)
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
            if (self.modifications or m != "job_modification")
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
        ax.set_yticks([lane + _BAND[0] + _BAND[1] / 2 for lane in range(lanes)])
        ax.set_yticklabels(layout.jobs, fontweight="bold")
        rows_y = [lane + _row_y(r, rows) for lane in range(lanes) for r in range(rows)]
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


def _row_y(row: int, rows: int) -> float:
    """Where callback row ``row`` of ``rows`` sits within its lane."""
    return _ROW0 + (row * _ROWS / (rows - 1) if rows > 1 else _ROWS / 2)


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
    apps = sorted({_app_of(s) for s in data.shades if s.kind == "app_down"})
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
    key += [("shade", kind) for kind in kinds]
    key += [("app", app.name) for app in sim.apps]
    return tuple(key)


def _app_of(shade: Shade) -> str:
    """``downloader`` from the label ``app 'downloader' crashed``."""
    return shade.label.split("'")[1] if "'" in shade.label else shade.label


def _app_style(app: str, apps: list[str]) -> tuple[str, str]:
    """The colour and hatch of ``app``'s down time: its place among the simulation's apps."""
    return APP_STYLES[(apps.index(app) if app in apps else 0) % len(APP_STYLES)]


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
        colour, hatch = _app_style(what, apps)
        return Patch(facecolor=colour, hatch=hatch, alpha=0.45, label=f"app {what!r} down")
    colour, hatch, text = SHADE_STYLE[what]
    return Patch(facecolor=colour, hatch=hatch, alpha=0.45, label=text)


# -- the data ---------------------------------------------------------------------------------


def _draw_data(
    ax: Axes, data: Timeline, methods: list[str], right: float, sim: Simulation
) -> list[Artist]:
    """Draw the run's shades, bands, marks and lines into ``ax``; return what was drawn.

    The artists are made directly and added without touching the axes' limits (which the
    layout fixed): a click redraws in milliseconds what ``ax.scatter`` and ``ax.broken_barh``
    would take tens of milliseconds to set up.
    """
    drawn: list[Artist] = []
    lane_of = {job: index for index, job in enumerate(data.jobs)}
    lanes = len(data.jobs)
    apps = [app.name for app in sim.apps]
    for shade in data.shades:
        colour, hatch, _ = SHADE_STYLE[shade.kind]
        if shade.kind == "app_down":
            colour, hatch = _app_style(_app_of(shade), apps)
        stop = min(shade.end, right)  # math.inf: still going at the end
        width = max(stop - shade.start, right * 0.002)
        rows = [lane_of[job] for job in shade.jobs if job in lane_of] if shade.jobs else [None]
        spans = [
            (shade.start, shade.start + width, 0.0, float(max(lanes, 1)))
            if lane is None
            else (shade.start, shade.start + width, float(lane), lane + 1.0)
            for lane in rows
        ]
        drawn.append(
            _rectangles(
                ax,
                spans,
                facecolors=colour,
                hatch=hatch or None,
                edgecolors="#bdbdbd" if hatch else "none",
                alpha=0.45,
                linewidths=0,
                zorder=0,
                gid=f"shade {shade.kind} {shade.label}",
            )
        )
        if shade.kind == "app_down" and rows and rows[0] is not None:
            label = shade.label.replace("crashed", "down (crashed)")
            label = label.replace("exited", "down (exited)")
            at = (shade.start + right * 0.004, rows[0] + _BAND[0] + _BAND[1] + 0.03)
            drawn.append(  # I4: which application was down, written on its first lane
                _label(ax, at, label, gid=f"label {shade.kind} {shade.label}")
            )
    last_band = {band.job: band for band in data.bands}
    bands: dict[tuple[Job, JobState], list[tuple[float, float, float, float]]] = {}
    for band in data.bands:
        stop = right if last_band[band.job] is band else band.end
        if stop > band.start:
            top = lane_of[band.job] + _BAND[0]
            spans = bands.setdefault((band.job, band.state), [])
            spans.append((band.start, stop, top, top + _BAND[1]))
    for (job, state), spans in bands.items():
        drawn.append(
            _rectangles(
                ax,
                spans,
                facecolors=STATE_COLOURS[state],
                edgecolors="white",
                linewidths=0.5,
                zorder=2,
                gid=f"band {job.name} {state.name}",
            )
        )
    row_of = {method: row for row, method in enumerate(methods)}
    groups: dict[tuple[int, str, str], list[Mark]] = {}
    for mark in data.marks:
        if mark.method not in row_of:
            continue
        how = "arrived" if mark.arrived else "pending" if mark.pending else "lost"
        groups.setdefault((lane_of[mark.job], mark.method, how), []).append(mark)
    late: dict[tuple[int, str], list[Mark]] = {}
    for (lane, method, how), marks in sorted(groups.items()):
        y = lane + _row_y(row_of[method], len(methods))
        drawn.append(_scatter(ax, data.jobs[lane], y, method, how, marks))
        late.setdefault((lane, method), []).extend(m for m in marks if m.late or m.pending)
    for (lane, method), marks in sorted(late.items()):
        row = row_of[method]
        space = _ROWS / (len(methods) - 1) if len(methods) > 1 and row else _ROW0 - sum(_BAND)
        drawn += _late_lines(ax, data.jobs[lane], lane + _row_y(row, len(methods)), space, marks)
    return drawn


def _label(ax: Axes, at: tuple[float, float], text: str, gid: str) -> Artist:
    """``text`` in small type, its top left corner at ``at`` (data coordinates), drawn as a
    path: one quick path to draw, where a Text renders every glyph anew at each redraw."""
    outline, top = _outline(text)
    scale = ax.figure.dpi / 72.0 if ax.figure is not None else 1.0
    corner = ScaledTranslation(*at, ax.transData)  # type: ignore[arg-type]  # linear axes
    place = Affine2D().translate(0.0, -top).scale(scale) + corner
    patch = PathPatch(
        outline,
        transform=place,
        facecolor="#8c2d04",
        edgecolor="none",
        clip_on=True,
        zorder=5,
        gid=gid,
        label=text,
    )
    ax.add_artist(patch)
    return patch


@functools.lru_cache(maxsize=64)
def _outline(text: str) -> tuple[TextPath, float]:
    """``text`` as a path, in points, and its top (measuring curves is slow: done once)."""
    outline = TextPath((0.0, 0.0), text, size=_LABEL_SIZE)
    return outline, float(outline.get_extents().y1)


def _rectangles(
    ax: Axes, spans: list[tuple[float, float, float, float]], **style: Any
) -> PolyCollection:
    """Rectangles ``(x0, x1, y0, y1)`` in data coordinates, as one collection."""
    verts = [[(x0, y0), (x0, y1), (x1, y1), (x1, y0)] for x0, x1, y0, y1 in spans]
    collection = PolyCollection(verts, **style)
    ax.add_collection(collection, autolim=False)
    return collection


def _scatter(ax: Axes, job: Job, y: float, method: str, how: str, marks: list[Mark]) -> Artist:
    """The marks of one row, at the moments they were raised: a line of markers only (drawn
    in one call, as ``ax.plot(x, y, "o")`` draws them)."""
    shape, colour = METHOD_STYLE[method]
    return _line(
        ax,
        [mark.raised for mark in marks],
        [y] * len(marks),
        linestyle="none",
        marker=shape,
        markersize=math.sqrt(_MARK_SIZE.get(method, _SIZE)),
        markerfacecolor=colour if how == "arrived" else "white",
        markeredgecolor=colour,
        markeredgewidth=1.3,
        zorder=4,
        clip_on=False,  # a mark raised at 0 s shows whole, not cut by the axis's edge
        gid=f"marks {job.name} {method} {how}",
    )


def _line(ax: Axes, xs: list[float], ys: list[float], **style: Any) -> Line2D:
    line = Line2D(xs, ys, transform=ax.transData, **style)
    ax.add_artist(line)  # not add_line: the limits are the layout's
    return line


def _late_lines(ax: Axes, job: Job, y: float, space: float, marks: list[Mark]) -> list[Artist]:
    """A line from each late (or pending) mark to when it arrived (or to the end). Lines
    that overlap in time take tracks above the row, so each can be followed to its end."""
    ends: list[float] = []  # the end of the last line on each track
    tracks = []
    for mark in sorted(marks, key=lambda m: (m.raised, m.id)):
        track = next((t for t, end in enumerate(ends) if end < mark.raised - 1e-9), len(ends))
        if track == len(ends):
            ends.append(mark.time)
        ends[track] = mark.time
        tracks.append((mark, track))
    step = min(0.8 * space / max(len(ends) - 1, 1), 0.12) if len(ends) > 1 else 0.0
    drawn: list[Artist] = []
    for mark, track in tracks:
        _, colour = METHOD_STYLE[mark.method]
        kind = "pending" if mark.pending else "late"
        level = y - track * step
        drawn.append(
            _line(
                ax,
                [mark.raised, mark.raised, mark.time],
                [y, level, level],
                color=colour,
                linewidth=1.2,
                linestyle=":" if mark.pending else "-",
                zorder=3,
                gid=f"{kind} {job.name} {mark.method} #{mark.id}",
            )
        )
        if mark.late:
            drawn.append(
                _line(
                    ax,
                    [mark.time],
                    [level],
                    marker="|",
                    color=colour,
                    markersize=9,
                    markeredgewidth=1.6,
                    zorder=3,
                    gid=f"arrival {job.name} {mark.method} #{mark.id}",
                )
            )
    return drawn
