"""The Explorer: the restart story's controls wired to a re-run, and what it shows."""

from __future__ import annotations

import contextlib
import html
import inspect
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import ipywidgets as widgets

from ..constants import NotifyFlags
from ..scenarios import ROUTES, restart_story
from ..simulation import Simulation
from ..timeline import ARRIVED, Arrival, arrivals, outcome_counts
from ..views.html import arrivals_table, outcome_table
from ..views.words import flag_names
from .cells import Current, watch
from .controls import checkbox, fault
from .flags import FlagPicker

__all__ = ["Explorer"]

#: The settings the Explorer has controls for, in the order it names them.
SETTINGS = (
    "flags",
    "route",
    "crash_at",
    "restart_at",
    "reregister",
    "poll",
    "retry_delay",
    "outage",
    "server_error",
    "service_restart",
    "reboot",
    "seed",
)
#: How the route control names each route, and what its tooltip says.
ROUTE_LABELS = {"interface": "interface only", "cmdline": "+ command line", "clsid": "+ CLSID"}
ROUTE_TIPS = {
    "interface": "I4: only the registered interface, which dies with the app",
    "cmdline": "K3: a command line runs for job_transferred the interface cannot take",
    "clsid": "N2: BITS starts the downloader to deliver when no live interface is set",
}
#: Their first values: restart_story's defaults (the flags as a plain int).
_DEFAULTS: dict[str, Any] = {
    name: inspect.signature(restart_story).parameters[name].default for name in SETTINGS
}
_DEFAULTS["flags"] = int(_DEFAULTS["flags"])


class Explorer(widgets.VBox):  # type: ignore[misc]
    """The restart story (:func:`bitslab.scenarios.restart_story`) with a control for each of
    its arguments; every change re-runs it and redraws.

    Controls (widgets, set their ``.value``): ``flags`` (a :class:`FlagPicker`), ``route``
    (how else the job is heard from: ``"interface"``, ``"cmdline"``, ``"clsid"``; K3, N2),
    ``crashes`` and ``crash_at``, ``restarts`` and ``restart_at``, ``reregister`` and
    ``poll`` (what the app does on start, I4), ``retry_delay`` (C5), ``outage`` and
    ``outage_span``, ``server_error`` and ``server_error_span``, ``service_restart`` and
    ``service_restart_span`` (P2), ``reboot`` and ``reboot_span`` (P3) (start and end, in
    seconds), ``seed``. Keyword arguments set their first values, as restart_story takes them.

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

    result = Current(None)

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
        self._in_cell = False  # inside a notebook cell: changes wait for its end (cells.py)
        self._pending = False  # a change is waiting to be run
        self._picture: Any = None  # the TimelineFigure, made when first drawn
        slider = {"continuous_update": False, "style": {"description_width": "initial"}}
        self.flags = FlagPicker(start["flags"])
        self.route = widgets.ToggleButtons(
            options=[(ROUTE_LABELS[route], route) for route in ROUTES],
            value=start["route"],
            description="route",
            tooltips=[ROUTE_TIPS[route] for route in ROUTES],
            style={"button_width": "auto"},
        )
        self.crashes = checkbox(start["crash_at"] is not None, "crash at", "crashes")
        crash = 6.0 if start["crash_at"] is None else start["crash_at"]
        self.crash_at = widgets.FloatSlider(
            crash, min=0, max=max(60, crash), step=0.5, description="s", **slider
        )
        self.restarts = checkbox(start["restart_at"] is not None, "restart at", "restarts")
        restart = 30.0 if start["restart_at"] is None else start["restart_at"]
        self.restart_at = widgets.FloatSlider(
            restart, min=0, max=max(120, restart), step=0.5, description="s", **slider
        )
        self.reregister = checkbox(
            start["reregister"], "on start, register a new notifier (I4)", "reregister"
        )
        self.poll = checkbox(
            start["poll"], "on start, poll and complete a TRANSFERRED job (I4)", "poll"
        )
        self.retry_delay = widgets.FloatSlider(
            start["retry_delay"], min=5, max=max(60, start["retry_delay"]), step=1,
            description="retry delay (C5), s",
            **slider,
        )  # fmt: skip
        self.outage, self.outage_span = fault("network outage (L4)", start["outage"], "outage")
        self.server_error, self.server_error_span = fault(
            "server answers 503 (L5)", start["server_error"], "server_error"
        )
        self.service_restart, self.service_restart_span = fault(
            "BITS service restarts (P2)", start["service_restart"], "service_restart"
        )
        self.reboot, self.reboot_span = fault("machine reboots (P3)", start["reboot"], "reboot")
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
            "route": self.route,
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
            "service_restart": self.service_restart,
            "service_restart_span": self.service_restart_span,
            "reboot": self.reboot,
            "reboot_span": self.reboot_span,
            "seed": self.seed,
        }
        app = widgets.VBox(
            [
                self.route,
                widgets.HBox([self.crashes, self.crash_at]),
                widgets.HBox([self.restarts, self.restart_at]),
                self.reregister,
                self.poll,
                self.retry_delay,
                widgets.HBox([self.outage, self.outage_span]),
                widgets.HBox([self.server_error, self.server_error_span]),
                widgets.HBox([self.service_restart, self.service_restart_span]),
                widgets.HBox([self.reboot, self.reboot_span]),
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
        # made in a cell: changes in it wait for its end
        self._in_cell = watch(self._cell_started, self._cell_ended)
        self.rerun()

    # -- views and results: up to date when read ---------------------------------------------

    @property
    def settings(self) -> dict[str, Any]:
        """The keyword arguments of the last run."""
        self.catch_up()
        return self._settings

    @property
    def arrived(self) -> list[Arrival]:
        """The last run's rows of what arrived and why."""
        self.catch_up()
        return self._arrived

    @property
    def error(self) -> str | None:
        """Why the last change was refused (None when it ran)."""
        self.catch_up()
        return self._error

    @property
    def summary(self) -> widgets.HTML:
        """One line: the flags, how many notifications arrived, the jobs' states."""
        self.catch_up()
        return self._summary

    @property
    def table(self) -> widgets.HTML:
        """What arrived and why, as an HTML table with a job column."""
        self.catch_up()
        return self._table

    @property
    def matrix(self) -> widgets.HTML:
        """How each notification ended, counted: methods down, outcomes across (HTML)."""
        self.catch_up()
        return self._matrix

    @property
    def timeline(self) -> widgets.Image:
        """The timeline of the last run, a PNG image (empty with ``draw=False``)."""
        self.catch_up()
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
            self.catch_up()

    def scenario_settings(self) -> dict[str, Any]:
        """The keyword arguments the controls stand for, as the scenario takes them."""

        def window(box: widgets.Checkbox, span: widgets.FloatRangeSlider) -> Any:
            start, end = span.value
            return (float(start), float(end - start)) if box.value else None

        return {
            "flags": self.flags.value,
            "route": self.route.value,
            "crash_at": self.crash_at.value if self.crashes.value else None,
            "restart_at": (
                self.restart_at.value if self.crashes.value and self.restarts.value else None
            ),
            "reregister": self.reregister.value,
            "poll": self.poll.value,
            "retry_delay": self.retry_delay.value,
            "outage": window(self.outage, self.outage_span),
            "server_error": window(self.server_error, self.server_error_span),
            "service_restart": window(self.service_restart, self.service_restart_span),
            "reboot": window(self.reboot, self.reboot_span),
            "seed": self.seed.value,
        }

    def _changed(self, _change: dict[str, Any]) -> None:
        self._grey_out()
        if self._holds or self._in_cell:
            self._pending = True
        else:
            self.rerun()

    def catch_up(self) -> None:
        """Run the change held back to the end of a notebook cell, if any (not inside a
        :meth:`hold` block); reading a result does this first."""
        if getattr(self, "_pending", False) and not self._holds:
            self.rerun()

    def _cell_started(self) -> None:
        self._in_cell = True

    def _cell_ended(self) -> None:
        self._in_cell = False
        self.catch_up()

    def _grey_out(self) -> None:
        """Grey out the controls that the boxes make meaningless (no restart without a crash)."""
        self.crash_at.disabled = not self.crashes.value
        self.restarts.disabled = not self.crashes.value
        self.restart_at.disabled = not (self.crashes.value and self.restarts.value)
        self.outage_span.disabled = not self.outage.value
        self.server_error_span.disabled = not self.server_error.value
        self.service_restart_span.disabled = not self.service_restart.value
        self.reboot_span.disabled = not self.reboot.value

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
            from ..views.figure import TimelineFigure

            self._picture = TimelineFigure(steady=True)
        self._picture.modifications = bool(self._settings["flags"] & NotifyFlags.JOB_MODIFICATION)
        self._picture.update(sim)
        self._timeline.value = self._picture.png()
