"""The artists of a run on a timeline: state bands, marks, lines, shades (matplotlib).

:class:`bitslab.views.figure.TimelineFigure` lays a figure out; :func:`draw_data` draws a
run's data into its axes and returns what it drew, so a kept figure can take them away and
draw the next run's. The artists are made directly and added without touching the axes'
limits (which the layout fixed), and each is drawn in one quick call: a click redraws in
milliseconds what ``ax.scatter``, ``ax.broken_barh`` and ``ax.text`` take tens of
milliseconds to set up and draw. Each carries a ``gid`` naming what it shows.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D, ScaledTranslation

from ..constants import JobState
from ..timeline import Mark, Shade, Timeline
from ..vocabulary import Method

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

    from ..model.jobs import Job
    from ..simulation import Simulation

__all__ = [
    "APP_STYLES",
    "BAND",
    "METHOD_STYLE",
    "ROW0",
    "ROWS",
    "SHADE_STYLE",
    "STATE_COLOURS",
    "app_of",
    "app_style",
    "draw_data",
    "row_y",
]

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
    Method.JOB_TRANSFERRED.value: ("D", "#1b7837"),
    Method.JOB_ERROR.value: ("s", "#b2182b"),
    Method.JOB_MODIFICATION.value: ("o", "#737373"),
    Method.FILE_TRANSFERRED.value: ("o", "#2166ac"),
    Method.FILE_RANGES_TRANSFERRED.value: ("^", "#e08214"),
}
#: Colour, hatch and legend text of each kind of shaded span.
SHADE_STYLE: dict[str, tuple[str, str, str]] = {
    "app_down": ("#f4a582", "//", "application down"),
    "outage": ("#969696", "", "network outage"),
    "server_error": ("#fee391", "..", "server error"),
    "traffic": ("#e5f5e0", "", "other traffic"),
    "service_down": ("#bcbddc", "--", "BITS service down"),
}
#: Each application's own colour and hatch for its down time, in the order of ``sim.apps``.
APP_STYLES = (("#f4a582", "//"), ("#c2a5cf", "\\\\"), ("#fdb863", "xx"), ("#92c5de", "++"))

BAND = (0.05, 0.24)  # a band's offset and height within its lane (a lane is 1 high)
ROW0, ROWS = 0.46, 0.46  # where a lane's first callback row sits, and the rows' spread
# Square points (as scatter); the methods not here are _SIZE.
_MARK_SIZE = {Method.JOB_MODIFICATION.value: 26.0}
_SIZE = 44.0
_LABEL_SIZE = 7.5  # points: the application's name on its down time


def row_y(row: int, rows: int) -> float:
    """Where callback row ``row`` of ``rows`` sits within its lane."""
    return ROW0 + (row * ROWS / (rows - 1) if rows > 1 else ROWS / 2)


def app_of(shade: Shade) -> str:
    """``downloader`` from the label ``app 'downloader' crashed``."""
    return shade.label.split("'")[1] if "'" in shade.label else shade.label


def app_style(app: str, apps: list[str]) -> tuple[str, str]:
    """The colour and hatch of ``app``'s down time: its place among the simulation's apps."""
    return APP_STYLES[(apps.index(app) if app in apps else 0) % len(APP_STYLES)]


# -- the data ---------------------------------------------------------------------------------


def draw_data(
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
            colour, hatch = app_style(app_of(shade), apps)
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
            at = (shade.start + right * 0.004, rows[0] + BAND[0] + BAND[1] + 0.03)
            drawn.append(  # I4: which application was down, written on its first lane
                _label(ax, at, label, gid=f"label {shade.kind} {shade.label}")
            )
    last_band = {band.job: band for band in data.bands}
    bands: dict[tuple[Job, JobState], list[tuple[float, float, float, float]]] = {}
    for band in data.bands:
        stop = right if last_band[band.job] is band else band.end
        if stop > band.start:
            top = lane_of[band.job] + BAND[0]
            spans = bands.setdefault((band.job, band.state), [])
            spans.append((band.start, stop, top, top + BAND[1]))
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
        y = lane + row_y(row_of[method], len(methods))
        drawn.append(_scatter(ax, data.jobs[lane], y, method, how, marks))
        late.setdefault((lane, method), []).extend(m for m in marks if m.late or m.pending)
    for (lane, method), marks in sorted(late.items()):
        row = row_of[method]
        space = ROWS / (len(methods) - 1) if len(methods) > 1 and row else ROW0 - sum(BAND)
        drawn += _late_lines(ax, data.jobs[lane], lane + row_y(row, len(methods)), space, marks)
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
