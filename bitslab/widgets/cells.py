"""Notebook cells: several control changes made in one cell re-run a widget once, at its end.

A widget that wants this calls :func:`watch` with two of its own methods: one called when a
cell starts, one when it ends (the IPython shell's ``pre_run_cell`` and ``post_run_cell``
events, listened to from the first widget made in a shell). The widget is held weakly: one
that is gone is forgotten. :class:`Current` is a trait whose value is brought up to date
(the widget's ``catch_up()``) before it is read.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Callable
from typing import Any

import traitlets

__all__ = ["Current", "watch"]

_WATCHERS: list[tuple[weakref.WeakMethod[Callable[[], None]], ...]] = []
_HOOKED: list[object] = []  # the IPython shells whose cell events are listened to


class Current(traitlets.Any):
    """A result that is brought up to date before it is read: changes held back until the
    end of a notebook cell (or a ``hold()`` block) are run first."""

    def get(self, obj: Any, cls: Any = None) -> Any:
        catch_up = getattr(obj, "catch_up", None)
        if catch_up is not None:
            catch_up()
        return super().get(obj, cls)


def watch(started: Callable[[], None], ended: Callable[[], None]) -> bool:
    """Call ``started`` when a notebook cell starts and ``ended`` when it ends, for as long as
    their object lives; True in an IPython shell (a Jupyter kernel), where a cell is then
    running (the one that made the widget)."""
    _WATCHERS.append((weakref.WeakMethod(started), weakref.WeakMethod(ended)))
    ipython: Any = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    if shell not in _HOOKED:
        shell.events.register("pre_run_cell", _cell_started)
        shell.events.register("post_run_cell", _cell_ended)
        _HOOKED.append(shell)
    return True


def _call(which: int) -> None:
    alive = []
    for methods in _WATCHERS:
        method = methods[which]()
        if method is not None:
            alive.append(methods)
            method()
    _WATCHERS[:] = alive


def _cell_started(*_args: object) -> None:
    _call(0)


def _cell_ended(*_args: object) -> None:
    _call(1)
