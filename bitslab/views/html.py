"""HTML views of a run, for the widgets: what arrived and why, and how each kind ended.

Plain strings, built from :mod:`bitslab.timeline`'s data; no plotting library. The outcome
matrix is a table rather than a picture, so it is as crisp as the page's text at any size.
"""

from __future__ import annotations

import html

from ..log import OUTCOMES
from ..timeline import METHODS, Arrival
from ..vocabulary import PENDING
from .palette import LOST, outcome_colour

__all__ = ["arrivals_table", "matrix_axes", "outcome_table"]

_CELL = "padding:2px 8px;text-align:right"


def arrivals_table(rows: list[Arrival]) -> str:
    """What arrived and why, one row per notification, with its job."""
    cells = []
    for row in rows:
        colour = (outcome_colour(row.outcome) or LOST).html
        cells.append(
            f"<tr><td>{row.raised:.2f} s</td><td>{html.escape(row.job)}</td>"
            f"<td><code>{html.escape(row.notification)}</code></td>"
            f"<td style='color:{colour}'><b>{html.escape(row.outcome)}</b></td>"
            f"<td>{html.escape(row.rule or '')}</td><td>{html.escape(row.why)}</td></tr>"
        )
    head = "<tr><th>raised</th><th>job</th><th>notification</th><th>outcome</th><th>rule</th>"
    return f"<table class='bitslab-arrivals'>{head}<th>why</th></tr>{''.join(cells)}</table>"


def matrix_axes(counts: dict[tuple[str, str], int]) -> tuple[list[str], list[str]]:
    """The rows (methods) and columns (outcomes, then pending) of an outcome matrix that have
    a count, in the order the plots list them; every view of the matrix reads them here."""
    columns = [o for o in (*OUTCOMES, PENDING) if any(k[1] == o for k in counts)]
    rows = [m for m in METHODS if any(k[0] == m for k in counts)]
    return rows, columns


def outcome_table(counts: dict[tuple[str, str], int], title: str) -> str:
    """Methods down, outcomes across, counted (from ``outcome_counts``); each cell shaded by
    its count, blank when none. Outcomes and methods that never happened are left out."""
    rows, columns = matrix_axes(counts)
    if not rows:
        return f"<b>{html.escape(title)}</b>: no notification raised"
    peak = max(counts.values())
    head = "".join(f"<th style='{_CELL}'>{html.escape(c)}</th>" for c in columns)
    body = []
    for method in rows:
        cells = []
        for outcome in columns:
            value = counts.get((method, outcome), 0)
            shade = 0.08 + 0.55 * value / peak if value else 0.0
            cells.append(
                f"<td style='{_CELL};background:rgba(33,113,181,{shade:.2f})'>{value or ''}</td>"
            )
        label = f"<th style='text-align:left'><code>{method}</code></th>"
        body.append(f"<tr>{label}{''.join(cells)}</tr>")
    return (
        f"<b>{html.escape(title)}</b><table class='bitslab-outcomes'>"
        f"<tr><th></th>{head}</tr>{''.join(body)}</table>"
    )
