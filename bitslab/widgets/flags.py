"""The flag picker: a checkbox per notify flag, and the int BITS would get (F1, F5)."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import traitlets

from .._check import got
from ..constants import NotifyFlags
from ..views.words import flag_names

__all__ = ["FlagPicker"]

#: What each flag asks BITS for, shown beside its checkbox.
_FLAG_HELP = {
    NotifyFlags.JOB_TRANSFERRED: "job_transferred: every file has arrived (C1)",
    NotifyFlags.JOB_ERROR: "job_error: the job is in ERROR (C2)",
    NotifyFlags.DISABLE: "DISABLE: no notification at all, whatever else is set (F5)",
    NotifyFlags.JOB_MODIFICATION: "job_modification: bytes, files, properties, states (C3)",
    NotifyFlags.FILE_TRANSFERRED: "file_transferred: a file has arrived (C4)",
    NotifyFlags.FILE_RANGES_TRANSFERRED: "file_ranges_transferred: on-demand ranges (F7, R4)",
}
_VALID = 0x3F  # F1


class FlagPicker(widgets.VBox):  # type: ignore[misc]
    """A checkbox per notify flag, and the value they make.

    ``.value`` is the combined int (default JOB_TRANSFERRED | JOB_ERROR, 0x3, as a new job
    has, F2). Setting it ticks the boxes; ticking a box sets it. While DISABLE is ticked
    the other boxes are greyed out (their bits stay in the value, as in BITS, but nothing
    is delivered, F5).

    >>> picker = FlagPicker()
    >>> picker.boxes[NotifyFlags.FILE_TRANSFERRED].value = True
    >>> hex(picker.value), picker.summary.value
    ('0x13', '<code>0x0013</code> JOB_TRANSFERRED|JOB_ERROR|FILE_TRANSFERRED')
    """

    # Any, not Int: the validator below raises TypeError/ValueError, as the package does.
    value = traitlets.Any(int(NotifyFlags.JOB_TRANSFERRED | NotifyFlags.JOB_ERROR))

    def __init__(self, value: int = 0x3, **kwargs: Any) -> None:
        self.boxes: dict[NotifyFlags, widgets.Checkbox] = {
            flag: widgets.Checkbox(
                value=False,
                description=_FLAG_HELP[flag],
                indent=False,
                layout=widgets.Layout(width="auto"),
            )
            for flag in NotifyFlags
        }
        self.summary = widgets.HTML()
        super().__init__(children=[*self.boxes.values(), self.summary], **kwargs)
        self._syncing = False
        for box in self.boxes.values():
            box.observe(self._box_changed, names="value")
        self.value = value
        self._show(self.value)

    @traitlets.validate("value")
    def _valid_value(self, proposal: dict[str, Any]) -> int:
        value = proposal["value"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"value must be an int of notify flags, got {got(value)}")
        if value & ~_VALID or value < 0:
            raise ValueError(f"value 0x{value:X} has bits outside 0x3F, which BITS rejects (F3)")
        return int(value)

    @traitlets.observe("value")
    def _value_changed(self, change: dict[str, Any]) -> None:
        self._show(change["new"])

    def _box_changed(self, _change: dict[str, Any]) -> None:
        if self._syncing:
            return
        self.value = sum(int(flag) for flag, box in self.boxes.items() if box.value)

    def _show(self, value: int) -> None:
        self._syncing = True
        try:
            disabled = bool(value & NotifyFlags.DISABLE)
            for flag, box in self.boxes.items():
                box.value = bool(value & flag)
                box.disabled = disabled and flag is not NotifyFlags.DISABLE
        finally:
            self._syncing = False
        text = f"<code>0x{value:04X}</code> {flag_names(value)}"
        if disabled:
            text += " <b>DISABLE: nothing is delivered, not even the command line (F5)</b>"
        self.summary.value = text
