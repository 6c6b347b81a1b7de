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
arrived"``, ``"late nightly file_transferred #34"``), so tests and curious students can
find it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure

from ._check import check_bool, check_instance, check_str
from .simulation import Simulation
from .timeline import outcome_counts
from .timeline import timeline as read_timeline
from .views.figure import METHOD_STYLE, SHADE_STYLE, STATE_COLOURS, TimelineFigure
from .views.html import matrix_axes

if TYPE_CHECKING:
    from .model.jobs import Job

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


def timeline(
    sim: Simulation,
    jobs: Iterable[Job] | None = None,
    *,
    modifications: bool = True,
    title: str | None = None,
) -> Figure:
    """The run of ``sim`` (every job, or ``jobs``) as a timeline.

    Each job is a lane: its states as coloured bands (rules in ``job.history``), below them
    one labelled row per callback method with a marker at the moment each notification was
    raised: filled if it arrived (delivered, or its command line ran), hollow if it did not.
    A notification that arrived late has a line to the moment it arrived; one still pending
    has a dotted line to the end (lines that overlap in time take separate tracks). Shaded
    spans show when an application was down (over its own jobs' lanes, labelled, I4), the
    network was out or a server answered with errors. ``modifications=False`` leaves out
    job_modification, which can crowd a lane.
    """
    check_bool("modifications", modifications)
    _check_title(title)
    return TimelineFigure(modifications=modifications, title=title).update(sim, jobs)


def progress(
    sim: Simulation,
    jobs: Iterable[Job] | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """Bytes transferred over time, one line per job (every job, or ``jobs``), from
    ``job.progress_trace()``; outages and other traffic, which slow every job, shaded as in
    :func:`timeline` (an application's down time and server errors, which concern some jobs,
    are shown over those jobs' lanes in the timeline). A flat stretch is a job that waits
    (queued, suspended, in error: L3) or a link shared away; the slope is its rate (S5)."""
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
    rows, columns = matrix_axes(counts)
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
