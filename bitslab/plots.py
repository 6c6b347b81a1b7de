"""Pictures of a run (matplotlib): each function returns a :class:`~matplotlib.figure.Figure`.

- :func:`timeline`: one lane per job, its states as coloured bands, every raised notification
  as a marker (filled when it arrived, hollow when it did not), the applications' down time,
  outages and server errors as shaded spans.
- :func:`progress`: bytes transferred over time, one line per job.
- :func:`outcome_matrix`: methods against outcomes, counted: what the flags did, at a glance.

These are thin views: the data come from :mod:`bitslab.timeline` and the event log. Figures
are made without pyplot, so nothing is left open between calls; imported in Jupyter (an
IPython kernel), this module asks IPython to show figures as PNG images, as pyplot would,
so a returned figure shows as the cell's result. Each drawn element carries a ``gid``
naming what it shows (``"band nightly TRANSFERRING"``, ``"marks nightly file_transferred
arrived"``, ``"late nightly file_transferred #33"``), so tests and curious students can
find it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ._check import check_bool, check_instance, check_str
from .constants import JobState
from .log import OUTCOMES
from .simulation import Simulation
from .timeline import METHODS, Mark, Timeline, outcome_counts
from .timeline import timeline as read_timeline

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

    from .jobs import Job
    from .simulation import Simulation

__all__ = [
    "METHOD_STYLE",
    "SHADE_STYLE",
    "STATE_COLOURS",
    "outcome_matrix",
    "progress",
    "timeline",
]


def _show_figures_in_ipython() -> None:
    """In an IPython shell (a Jupyter kernel), display a returned Figure as a PNG image.

    pyplot registers this display when it is first imported; figures made without pyplot
    need it asked for. Outside IPython this does nothing.
    """
    ipython: Any = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None:
        from IPython.core.pylabtools import select_figure_formats

        select_figure_formats(shell, {"png"})  # type: ignore[no-untyped-call]


_show_figures_in_ipython()

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
    "job_modification": ("o", "#8c8c8c"),
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

_BAND = (0.06, 0.3)  # a band's offset and height within its lane (a lane is 1 high)
_ROW0, _ROW_SPAN = 0.5, 0.42  # where a lane's first method row sits, and the rows' spread


def timeline(
    sim: Simulation,
    jobs: Iterable[Job] | None = None,
    *,
    modifications: bool = True,
    title: str | None = None,
) -> Figure:
    """The run of ``sim`` (every job, or ``jobs``) as a timeline.

    Each job is a lane: its states as coloured bands (rules in ``job.history``), above them
    one row per callback method with a marker at the moment each notification was raised:
    filled if it arrived (delivered, or its command line ran), hollow if it did not. A
    notification that arrived late has a line to the moment it arrived; one still pending
    has a dotted line to the end. Shaded spans show when an application was down, the
    network was out or a server answered with errors. ``modifications=False`` leaves out
    job_modification, which can crowd a lane.
    """
    check_bool("modifications", modifications)
    _check_title(title)
    data = read_timeline(sim, jobs)
    lanes = len(data.jobs)
    methods = [
        m
        for m in METHODS
        if (modifications or m != "job_modification") and any(k.method == m for k in data.marks)
    ]
    figure = Figure(
        figsize=(10.0, 1.9 + (0.45 + 0.13 * len(methods)) * max(lanes, 1)), layout="constrained"
    )
    ax = figure.add_subplot()
    right = data.end + max(0.04 * data.end, 0.5)  # room to show each job's last state
    lane_of = {job: index for index, job in enumerate(data.jobs)}
    last_band = {band.job: band for band in data.bands}

    for shade in data.shades:
        colour, hatch, _ = SHADE_STYLE[shade.kind]
        stop = min(shade.end, right)  # math.inf: still going at the end
        width = max(stop - shade.start, right * 0.002)
        rows = [lane_of[job] for job in shade.jobs] if shade.jobs else [None]
        for lane in rows:
            ax.broken_barh(
                [(shade.start, width)],
                (0, max(lanes, 1)) if lane is None else (lane, 1),
                facecolors=colour,
                hatch=hatch,
                edgecolor="#bdbdbd" if hatch else "none",
                alpha=0.45,
                linewidth=0,
                zorder=0,
                gid=f"shade {shade.kind} {shade.label}",
            )
    for band in data.bands:
        stop = right if last_band[band.job] is band else band.end
        if stop <= band.start:
            continue
        lane = lane_of[band.job]
        ax.broken_barh(
            [(band.start, stop - band.start)],
            (lane + _BAND[0], _BAND[1]),
            facecolors=STATE_COLOURS[band.state],
            edgecolor="white",
            linewidth=0.5,
            zorder=2,
            gid=f"band {band.job.name} {band.state.name}",
        )
    row_of = {method: row for row, method in enumerate(methods)}
    groups: dict[tuple[int, str, str], list[Mark]] = {}
    for mark in data.marks:
        if mark.method not in row_of:
            continue
        how = "arrived" if mark.arrived else "pending" if mark.pending else "lost"
        groups.setdefault((lane_of[mark.job], mark.method, how), []).append(mark)
    for (lane, method, how), marks in sorted(groups.items()):
        step = _ROW_SPAN / max(len(methods) - 1, 1)
        y = lane + _ROW0 + row_of[method] * step
        _draw_marks(ax, data.jobs[lane], y, method, how, marks)

    ax.set_xlim(0.0, right)
    ax.set_ylim(max(lanes, 1), 0.0)  # the first job at the top
    ax.set_yticks([lane + 0.5 for lane in range(lanes)])
    ax.set_yticklabels([job.name for job in data.jobs])
    ax.set_xlabel("simulated time (s)")
    ax.tick_params(axis="y", length=0)
    for spine in ("top", "right", "left"):
        ax.spines[spine].set_visible(False)
    for lane in range(1, lanes):
        ax.axhline(lane, color="#bdbdbd", linewidth=0.6, zorder=1)
    if title is not None:
        ax.set_title(title, loc="left")
    figure.legend(
        handles=_legend(data, methods),
        loc="outside lower center",
        ncols=4,
        fontsize="small",
        frameon=False,
    )
    return figure


def _draw_marks(ax: Axes, job: Job, y: float, method: str, how: str, marks: list[Mark]) -> None:
    shape, colour = METHOD_STYLE[method]
    size = 14 if method == "job_modification" else 36
    for mark in marks:  # late arrivals and pending ones: a line from raised to now
        if mark.late or mark.pending:
            kind = "pending" if mark.pending else "late"
            ax.plot(
                [mark.raised, mark.time],
                [y, y],
                color=colour,
                linewidth=1.0,
                linestyle=":" if mark.pending else "-",
                zorder=3,
                gid=f"{kind} {job.name} {method} #{mark.id}",
            )
            if mark.late:
                ax.plot(
                    [mark.time],
                    [y],
                    marker="|",
                    color=colour,
                    markersize=7,
                    zorder=3,
                    gid=f"arrival {job.name} {method} #{mark.id}",
                )
    ax.scatter(
        [mark.raised for mark in marks],
        [y] * len(marks),
        s=size,
        marker=shape,
        facecolors=colour if how == "arrived" else "white",
        edgecolors=colour,
        linewidths=1.1,
        zorder=4,
        gid=f"marks {job.name} {method} {how}",
    )


def _legend(data: Timeline, methods: list[str]) -> list[Artist]:
    handles: list[Artist] = []
    last = {band.job: band for band in data.bands}
    seen_states = {b.state for b in data.bands if b.end > b.start or last[b.job] is b}
    for state, colour in STATE_COLOURS.items():
        if state in seen_states:
            handles.append(Patch(facecolor=colour, label=state.name))
    for method in methods:
        shape, colour = METHOD_STYLE[method]
        handles.append(
            Line2D([], [], linestyle="", marker=shape, color=colour, label=method, markersize=6)
        )
    shown = [mark for mark in data.marks if mark.method in methods]
    if any(mark.arrived for mark in shown):
        handles.append(
            Line2D([], [], linestyle="", marker="o", color="black", label="filled: arrived")
        )
    if any(not mark.arrived for mark in shown):
        handles.append(
            Line2D(
                [],
                [],
                linestyle="",
                marker="o",
                markerfacecolor="white",
                markeredgecolor="black",
                label="hollow: did not arrive",
            )
        )
    if any(mark.late or mark.pending for mark in shown):
        handles.append(Line2D([], [], color="black", label="line: arrived later / still pending"))
    for kind in sorted({shade.kind for shade in data.shades}):
        colour, hatch, text = SHADE_STYLE[kind]
        handles.append(Patch(facecolor=colour, hatch=hatch, alpha=0.45, label=text))
    return handles


def progress(
    sim: Simulation,
    jobs: Iterable[Job] | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """Bytes transferred over time, one line per job (every job, or ``jobs``), from
    ``job.progress_trace()``; outages, other traffic and applications' down time shaded as in
    :func:`timeline` (server errors, which touch only some jobs, are not). A flat stretch is a job
    that waits (queued, suspended, in error) or a link shared away; the slope is its rate."""
    _check_title(title)
    data = read_timeline(sim, jobs)
    figure = Figure(figsize=(10.0, 4.0), layout="constrained")
    ax = figure.add_subplot()
    right = data.end + max(0.04 * data.end, 0.5)
    for shade in data.shades:
        if shade.jobs:  # a server error belongs to some jobs' lanes: see the timeline
            continue
        colour, hatch, text = SHADE_STYLE[shade.kind]
        ax.axvspan(
            shade.start,
            min(shade.end, right),
            facecolor=colour,
            hatch=hatch,
            edgecolor="#bdbdbd" if hatch else "none",
            alpha=0.35,
            linewidth=0,
            zorder=0,
            label=text,
            gid=f"shade {shade.kind} {shade.label}",
        )
    for job in data.jobs:
        points = job.progress_trace()
        ax.plot(
            [time for time, _ in points],
            [done / 1e6 for _, done in points],
            linewidth=1.6,
            label=job.name,
            gid=f"progress {job.name}",
        )
    ax.set_xlim(0.0, right)
    ax.set_ylim(bottom=0.0)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("bytes transferred (MB)")
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))  # one entry per shade kind
    ax.legend(unique.values(), unique.keys(), loc="upper left", fontsize="small", frameon=False)
    if title is not None:
        ax.set_title(title, loc="left")
    return figure


def outcome_matrix(sim: Simulation, job: Job | None = None, *, title: str | None = None) -> Figure:
    """How each kind of notification ended, counted: methods down, outcomes across.

    Reads the final log entries (of ``job``, if given); notifications still pending are
    counted under ``pending``. Empty cells are left blank; outcomes that never happened are
    left out, so the columns are the ones worth reading.
    """
    check_instance("sim", sim, Simulation, "a Simulation")
    _check_title(title)
    counts = outcome_counts(sim.log, job)
    columns = [o for o in (*OUTCOMES, "pending") if any(k[1] == o for k in counts)]
    rows = [m for m in METHODS if any(k[0] == m for k in counts)]
    figure = Figure(
        figsize=(1.4 + 1.05 * max(len(columns), 1), 1.2 + 0.45 * max(len(rows), 1)),
        layout="constrained",
    )
    ax = figure.add_subplot()
    grid = [[counts.get((method, outcome), 0) for outcome in columns] for method in rows]
    peak = max((value for row in grid for value in row), default=0)
    if rows and columns:
        ax.imshow(grid, cmap="Blues", vmin=0, vmax=max(peak, 1) * 1.3, aspect="auto", gid="cells")
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if value:
                ax.text(c, r, str(value), ha="center", va="center", fontsize="small")
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels(columns, rotation=30, ha="right")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows)
    ax.tick_params(length=0)
    if title is not None:
        ax.set_title(title, loc="left")
    elif not rows:
        ax.set_title("no notification raised", loc="left")
    return figure


def _check_title(title: object) -> None:
    if title is not None:
        check_str("title", title, allow_empty=True)
