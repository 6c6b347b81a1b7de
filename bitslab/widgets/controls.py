"""The Explorer's controls: checkboxes whose whole label shows, and fault windows."""

from __future__ import annotations

import ipywidgets as widgets

__all__ = ["checkbox", "fault"]

_TOOLTIPS = {
    "crashes": "I4: the application crashes at this time; its notifier dies with it",
    "restarts": "I4: the application starts again at this time (a new run)",
    "reregister": "I4: on start, the new run registers a new notifier on job 'nightly'",
    "poll": "I4, C11: on start, the new run reads the job's state and completes it if done",
    "outage": "L4: the network is down between the two times",
    "server_error": "L5: the server answers HTTP 503 between the two times",
    "service_restart": "P2: the BITS service is down between the two times; interfaces are lost",
    "reboot": "P3: the machine reboots between the two times; every app crashes",
}


def checkbox(value: bool, label: str, name: str) -> widgets.Checkbox:
    """A checkbox whose whole label shows (no indent, as wide as its text), with a tooltip."""
    return widgets.Checkbox(
        value,
        description=label,
        indent=False,
        tooltip=_TOOLTIPS.get(name, label),
        layout=widgets.Layout(width="auto", margin="2px 12px 2px 0"),
    )


def fault(
    label: str, window: tuple[float, float] | None, name: str
) -> tuple[widgets.Checkbox, widgets.FloatRangeSlider]:
    start, duration = window if window is not None else (10.0, 10.0)
    box = checkbox(window is not None, label, name)
    span = widgets.FloatRangeSlider(
        value=(start, start + duration),
        min=0,
        max=max(120, start + duration),
        step=0.5,
        continuous_update=False,
    )
    return box, span
