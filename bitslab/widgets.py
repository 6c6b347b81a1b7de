"""Controls for notebooks (ipywidgets 8): thin views over scenarios and plots.

Each widget keeps its last result on an attribute, so it can be tested, and scripted, by
setting ``.value`` on its controls, with no browser.

- :class:`FlagPicker`: a checkbox per notify flag; ``.value`` is the int BITS would get
  (F1), shown in hex as BITS writes it; DISABLE visibly overrides the rest (F5).
- :class:`Explorer`: the restart story's controls (flags, crash and restart, re-register and
  poll on start, faults) wired to a re-run, showing the timeline, the outcome matrix and a
  table of what arrived and why; ``.result`` is the last simulation.
- :class:`Compare`: two explorers side by side and what ended differently between them.
"""

from __future__ import annotations

import contextlib
import html
import inspect
import sys
import traceback
import weakref
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import ipywidgets as widgets
import traitlets

from .compare import Difference, differences
from .constants import NotifyFlags
from .scenarios import restart_story
from .simulation import Simulation
from .timeline import ARRIVED, Arrival, arrivals, outcome_counts
from .views.explain import flag_names
from .views.html import arrivals_table, outcome_table

__all__ = ["Compare", "Comparison", "Explorer", "FlagPicker"]

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
            raise TypeError(f"value must be an int of notify flags, got {value!r}")
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


# -- Explorer ---------------------------------------------------------------------------------

_DEFAULTS: dict[str, Any] = {
    "flags": int(
        NotifyFlags.JOB_TRANSFERRED | NotifyFlags.JOB_ERROR | NotifyFlags.FILE_TRANSFERRED
    ),
    "crash_at": 6.0,
    "restart_at": 30.0,
    "reregister": True,
    "poll": False,
    "retry_delay": 10.0,
    "outage": None,
    "server_error": None,
    "seed": 0,
}


class _Current(traitlets.Any):
    """A result that is brought up to date before it is read: changes held back until the
    end of a notebook cell (see :meth:`Explorer.hold`) are run first."""

    def get(self, obj: Any, cls: Any = None) -> Any:
        catch_up = getattr(obj, "_catch_up", None)
        if catch_up is not None:
            catch_up()
        return super().get(obj, cls)


# -- notebook cells: several control changes in one cell re-run once, at its end ---------------

_EXPLORERS: weakref.WeakSet[Explorer] = weakref.WeakSet()
_HOOKED: list[object] = []  # the IPython shell whose cell events call _cell_started/_ended


def _cell_started(*_args: object) -> None:
    for explorer in list(_EXPLORERS):
        explorer._in_cell = True


def _cell_ended(*_args: object) -> None:
    for explorer in list(_EXPLORERS):
        explorer._in_cell = False
        explorer._catch_up()


def _in_ipython_cell() -> bool:
    """True in an IPython shell (a Jupyter kernel), whose cell events are then listened to."""
    ipython: Any = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    if shell not in _HOOKED:
        shell.events.register("pre_run_cell", _cell_started)
        shell.events.register("post_run_cell", _cell_ended)
        _HOOKED.append(shell)
    return True


_TOOLTIPS = {
    "crashes": "I4: the application crashes at this time; its notifier dies with it",
    "restarts": "I4: the application starts again at this time (a new run)",
    "reregister": "I4: on start, the new run registers a new notifier on job 'nightly'",
    "poll": "I4, C11: on start, the new run reads the job's state and completes it if done",
    "outage": "L4: the network is down between the two times",
    "server_error": "L5: the server answers HTTP 503 between the two times",
}


class Explorer(widgets.VBox):  # type: ignore[misc]
    """The restart story (:func:`bitslab.scenarios.restart_story`) with a control for each of
    its arguments; every change re-runs it and redraws.

    Controls (widgets, set their ``.value``): ``flags`` (a :class:`FlagPicker`),
    ``crashes`` and ``crash_at``, ``restarts`` and ``restart_at``, ``reregister`` and
    ``poll`` (what the app does on start, I4), ``retry_delay`` (C5), ``outage`` and
    ``outage_span``, ``server_error`` and ``server_error_span`` (start and end, in seconds),
    ``seed``. Keyword arguments set their first values, as restart_story takes them.

    Results: ``result`` (the last :class:`~bitslab.Simulation`), ``settings`` (the keyword
    arguments it ran with), ``arrived`` (its rows of what arrived and why), ``error`` (why
    the last change was refused, e.g. a restart before the crash; ``result`` then stays as
    it was). Views: ``summary``, ``table`` (what arrived and why) and ``matrix`` (how each
    notification ended, counted), HTML; ``timeline``, a PNG image; and ``output``, where
    anything printed or raised during a run goes. ``draw=False`` skips the picture (quicker
    for scripts).

    The summary and the table are updated first; then the timeline is redrawn in place (its
    layout is kept between runs; see ``bitslab.views.figure.TimelineFigure``).
    Several changes made together re-run the story once: inside ``with explorer.hold():``,
    and within one notebook cell (reading ``result``, ``settings``, ``arrived`` or ``error``
    in the cell brings it up to date at once).

    >>> explorer = Explorer(draw=False)
    >>> explorer.reregister.value = False
    >>> explorer.result.jobs[0].state.name
    'TRANSFERRED'
    >>> with explorer.hold():  # one re-run for both changes
    ...     explorer.reregister.value = True
    ...     explorer.retry_delay.value = 5
    >>> explorer.runs
    3
    """

    result = _Current(None)

    def __init__(
        self,
        *,
        scenario: Callable[..., Simulation] = restart_story,
        draw: bool = True,
        **settings: Any,
    ) -> None:
        unknown = sorted(set(settings) - set(_DEFAULTS))
        if unknown:
            raise TypeError(f"Explorer got unknown settings {unknown}; known: {list(_DEFAULTS)}")
        start = {**_DEFAULTS, **settings}
        try:  # a custom scenario must take every setting, or each run would be refused
            inspect.signature(scenario).bind(**start)
        except TypeError as error:
            raise TypeError(
                f"scenario must accept the keyword arguments {list(_DEFAULTS)} as "
                f"restart_story does: {error}"
            ) from None
        self.scenario = scenario
        self.draw = draw
        self.runs = 0  # how many times the scenario was run
        self._settings: dict[str, Any] = {}
        self._arrived: list[Arrival] = []
        self._error: str | None = None
        self._holds = 0  # open hold() blocks
        self._in_cell = False  # inside a notebook cell: changes wait for its end
        self._pending = False  # a change is waiting to be run
        self._picture: Any = None  # the TimelineFigure, made when first drawn
        slider = {"continuous_update": False, "style": {"description_width": "initial"}}
        self.flags = FlagPicker(start["flags"])
        self.crashes = _checkbox(start["crash_at"] is not None, "crash at", "crashes")
        crash = 6.0 if start["crash_at"] is None else start["crash_at"]
        self.crash_at = widgets.FloatSlider(
            crash, min=0, max=max(60, crash), step=0.5, description="s", **slider
        )
        self.restarts = _checkbox(start["restart_at"] is not None, "restart at", "restarts")
        restart = 30.0 if start["restart_at"] is None else start["restart_at"]
        self.restart_at = widgets.FloatSlider(
            restart, min=0, max=max(120, restart), step=0.5, description="s", **slider
        )
        self.reregister = _checkbox(
            start["reregister"], "on start, register a new notifier (I4)", "reregister"
        )
        self.poll = _checkbox(
            start["poll"], "on start, poll and complete a TRANSFERRED job (I4)", "poll"
        )
        self.retry_delay = widgets.FloatSlider(
            start["retry_delay"], min=5, max=max(60, start["retry_delay"]), step=1,
            description="retry delay (C5), s",
            **slider,
        )  # fmt: skip
        self.outage, self.outage_span = self._fault(
            "network outage (L4)", start["outage"], "outage"
        )
        self.server_error, self.server_error_span = self._fault(
            "server answers 503 (L5)", start["server_error"], "server_error"
        )
        self.seed = widgets.IntText(start["seed"], description="seed")
        self._summary = widgets.HTML()
        # Shown at the PNG's own size (never stretched), narrower if the page is.
        self._timeline = widgets.Image(
            format="png", layout=widgets.Layout(max_width="100%", align_self="flex-start")
        )
        self._matrix = widgets.HTML()
        self._table = widgets.HTML()
        self._output = widgets.Output()
        self.controls: dict[str, widgets.Widget] = {
            "flags": self.flags,
            "crashes": self.crashes,
            "crash_at": self.crash_at,
            "restarts": self.restarts,
            "restart_at": self.restart_at,
            "reregister": self.reregister,
            "poll": self.poll,
            "retry_delay": self.retry_delay,
            "outage": self.outage,
            "outage_span": self.outage_span,
            "server_error": self.server_error,
            "server_error_span": self.server_error_span,
            "seed": self.seed,
        }
        app = widgets.VBox(
            [
                widgets.HBox([self.crashes, self.crash_at]),
                widgets.HBox([self.restarts, self.restart_at]),
                self.reregister,
                self.poll,
                self.retry_delay,
                widgets.HBox([self.outage, self.outage_span]),
                widgets.HBox([self.server_error, self.server_error_span]),
                self.seed,
            ]
        )
        flags = widgets.VBox([widgets.HTML("<b>notify flags of job 'nightly'</b>"), self.flags])
        # The two columns sit side by side where the page is wide enough, else one above
        # the other: no label is cut at a notebook's usual width.
        panel = widgets.HBox([flags, app], layout=widgets.Layout(flex_flow="row wrap"))
        pictures = widgets.VBox([self._timeline, self._matrix])
        views = widgets.Tab([pictures, self._table, self._output])
        for index, name in enumerate(("timeline", "what arrived and why", "output")):
            views.set_title(index, name)
        super().__init__(children=[panel, self._summary, views])
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        self._grey_out()
        _EXPLORERS.add(self)
        self._in_cell = _in_ipython_cell()  # made in a cell: changes in it wait for its end
        self.rerun()

    # -- views and results: up to date when read ---------------------------------------------

    @property
    def settings(self) -> dict[str, Any]:
        """The keyword arguments of the last run."""
        self._catch_up()
        return self._settings

    @property
    def arrived(self) -> list[Arrival]:
        """The last run's rows of what arrived and why."""
        self._catch_up()
        return self._arrived

    @property
    def error(self) -> str | None:
        """Why the last change was refused (None when it ran)."""
        self._catch_up()
        return self._error

    @property
    def summary(self) -> widgets.HTML:
        """One line: the flags, how many notifications arrived, the jobs' states."""
        self._catch_up()
        return self._summary

    @property
    def table(self) -> widgets.HTML:
        """What arrived and why, as an HTML table with a job column."""
        self._catch_up()
        return self._table

    @property
    def matrix(self) -> widgets.HTML:
        """How each notification ended, counted: methods down, outcomes across (HTML)."""
        self._catch_up()
        return self._matrix

    @property
    def timeline(self) -> widgets.Image:
        """The timeline of the last run, a PNG image (empty with ``draw=False``)."""
        self._catch_up()
        return self._timeline

    @property
    def output(self) -> widgets.Output:
        """Where whatever a run prints or raises goes."""
        return self._output

    @contextlib.contextmanager
    def hold(self) -> Iterator[Explorer]:
        """Make several changes, then re-run once, when the block ends (the results read
        inside it are those of the last run)."""
        self._holds += 1
        try:
            yield self
        finally:
            self._holds -= 1
            self._catch_up()

    @staticmethod
    def _fault(
        label: str, window: tuple[float, float] | None, name: str
    ) -> tuple[widgets.Checkbox, widgets.FloatRangeSlider]:
        start, duration = window if window is not None else (10.0, 10.0)
        box = _checkbox(window is not None, label, name)
        span = widgets.FloatRangeSlider(
            value=(start, start + duration),
            min=0,
            max=max(120, start + duration),
            step=0.5,
            continuous_update=False,
        )
        return box, span

    def scenario_settings(self) -> dict[str, Any]:
        """The keyword arguments the controls stand for, as the scenario takes them."""

        def window(box: widgets.Checkbox, span: widgets.FloatRangeSlider) -> Any:
            start, end = span.value
            return (float(start), float(end - start)) if box.value else None

        return {
            "flags": self.flags.value,
            "crash_at": self.crash_at.value if self.crashes.value else None,
            "restart_at": (
                self.restart_at.value if self.crashes.value and self.restarts.value else None
            ),
            "reregister": self.reregister.value,
            "poll": self.poll.value,
            "retry_delay": self.retry_delay.value,
            "outage": window(self.outage, self.outage_span),
            "server_error": window(self.server_error, self.server_error_span),
            "seed": self.seed.value,
        }

    def _changed(self, _change: dict[str, Any]) -> None:
        self._grey_out()
        if self._holds or self._in_cell:
            self._pending = True
        else:
            self.rerun()

    def _catch_up(self) -> None:
        """Run the change held back, if any (not inside a hold() block)."""
        if getattr(self, "_pending", False) and not self._holds:
            self.rerun()

    def _grey_out(self) -> None:
        """Grey out the controls that the boxes make meaningless (no restart without a crash)."""
        self.crash_at.disabled = not self.crashes.value
        self.restarts.disabled = not self.crashes.value
        self.restart_at.disabled = not (self.crashes.value and self.restarts.value)
        self.outage_span.disabled = not self.outage.value
        self.server_error_span.disabled = not self.server_error.value

    def rerun(self) -> Simulation | None:
        """Run the scenario with the controls' settings and show it; returns the simulation,
        or None if the scenario refused the settings (see :attr:`error`)."""
        self._pending = False
        settings = self.scenario_settings()
        self.runs += 1
        with self._output:  # whatever a notifier prints lands here, not in the void
            try:
                sim = self.scenario(**settings)
            except (TypeError, ValueError) as error:
                self._error = str(error)
                self._summary.value = (
                    f"<b style='color:#b2182b'>Not run: {html.escape(self._error)}</b> "
                    "(the pictures and table still show the last run)"
                )
                return None
            except Exception as error:  # a bug in a custom scenario: show it, keep the widget
                self._error = f"{type(error).__name__}: {error}"
                traceback.print_exc()
                self._summary.value = (
                    f"<b style='color:#b2182b'>The scenario raised {html.escape(self._error)}; "
                    "see the output tab</b>"
                )
                return None
        self._error = None
        self._settings = settings
        self._arrived = arrivals(sim)
        self._show(sim)
        self.result = sim
        if self.draw:  # after the table: the pictures never hold it back
            self._draw(sim)
        return sim

    def _show(self, sim: Simulation) -> None:
        arrived = sum(row.outcome in ARRIVED for row in self._arrived)
        states = ", ".join(f"{job.name} {job.state.name}" for job in sim.jobs)
        flags = self._settings["flags"]
        self._summary.value = (
            f"<code>0x{flags:04X}</code> {flag_names(flags)}: "
            f"{arrived} of {len(self._arrived)} notifications arrived (modifications aside); "
            f"{states}; quiet at {sim.now:.2f} s"
        )
        self._table.value = arrivals_table(self._arrived)
        self._matrix.value = outcome_table(outcome_counts(sim.log), "how each notification ended")

    def _draw(self, sim: Simulation) -> None:
        """Redraw the timeline in place (matplotlib is imported the first time)."""
        if self._picture is None:
            from .views.figure import TimelineFigure

            self._picture = TimelineFigure(steady=True)
        self._picture.modifications = bool(self._settings["flags"] & NotifyFlags.JOB_MODIFICATION)
        self._picture.update(sim)
        self._timeline.value = self._picture.png()


def _checkbox(value: bool, label: str, name: str) -> widgets.Checkbox:
    """A checkbox whose whole label shows (no indent, as wide as its text), with a tooltip."""
    return widgets.Checkbox(
        value,
        description=label,
        indent=False,
        tooltip=_TOOLTIPS.get(name, label),
        layout=widgets.Layout(width="auto", margin="2px 12px 2px 0"),
    )


# -- Compare ----------------------------------------------------------------------------------


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

    result = _Current(None)

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

    def _catch_up(self) -> None:
        """Run either side's change held back to the end of a cell, if any."""
        for side in (getattr(self, "left", None), getattr(self, "right", None)):
            if side is not None:
                side._catch_up()

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
