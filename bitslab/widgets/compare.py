"""Two explorers side by side, and what ended differently between them."""

from __future__ import annotations

import html
from typing import Any, NamedTuple

import ipywidgets as widgets

from ..compare import Difference, differences
from ..constants import NotifyFlags
from ..simulation import Simulation
from .cells import Current
from .explorer import Explorer

__all__ = ["Compare", "Comparison"]


class Comparison(NamedTuple):
    """What :class:`Compare` keeps: both simulations and what ended differently."""

    left: Simulation
    right: Simulation
    differences: list[Difference]


class Compare(widgets.VBox):  # type: ignore[misc]
    """Two :class:`Explorer` panels side by side (``left`` and ``right``, each set up from a
    dict of its keyword arguments) and a table of the notifications that ended differently.

    ``result`` is a :class:`Comparison`, renewed whenever either side re-runs.

    >>> compare = Compare(right={"reregister": False}, draw=False)
    >>> [(d.notification, d.left, d.right) for d in compare.result.differences][-1]
    ('job_transferred', 'delivered at 30.00 s', 'pending')
    """

    result = Current(None)

    def __init__(
        self,
        left: dict[str, Any] | None = None,
        right: dict[str, Any] | None = None,
        *,
        draw: bool = True,
    ) -> None:
        self.left = Explorer(draw=draw, **(left or {}))
        self.right = Explorer(draw=draw, **(right or {}))
        self.differences = widgets.HTML()
        super().__init__(children=[widgets.HBox([self.left, self.right]), self.differences])
        self.left.observe(self._update, names="result")
        self.right.observe(self._update, names="result")
        self._update()

    def catch_up(self) -> None:
        """Run either side's change held back to the end of a cell, if any."""
        for side in (getattr(self, "left", None), getattr(self, "right", None)):
            if side is not None:
                side.catch_up()

    def _update(self, _change: dict[str, Any] | None = None) -> None:
        left, right = self.left.result, self.right.result
        if left is None or right is None:  # a side whose first settings were refused
            self.differences.value = "<b>Nothing to compare until both sides have run.</b>"
            self.result = None
            return
        asked = (self.left.settings["flags"] | self.right.settings["flags"]) & int(
            NotifyFlags.JOB_MODIFICATION
        )
        found = differences(left, right, modifications=bool(asked))
        rows = "".join(
            f"<tr><td>{html.escape(d.job)}</td><td><code>{html.escape(d.notification)}</code>"
            f"</td><td>{html.escape(d.left)}</td><td>{html.escape(d.right)}</td></tr>"
            for d in found
        )
        self.differences.value = (
            "<b>What ended differently</b><table><tr><th>job</th><th>notification</th>"
            f"<th>left</th><th>right</th></tr>{rows}</table>"
            if found
            else "<b>Both ran the same notifications to the same ends.</b>"
        )
        self.result = Comparison(left, right, found)
