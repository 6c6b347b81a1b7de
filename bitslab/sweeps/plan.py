"""A sweep's plan, checked before anything runs: the function to call, its grid, its summary."""

from __future__ import annotations

import difflib
import inspect
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any

from .._check import got, safe_text
from ..simulation import Simulation

__all__ = ["ERROR", "Plan", "Row", "Summarize", "check_grid", "check_keywords", "name_of"]

Summarize = Callable[[Simulation], Mapping[str, Any]]
Row = dict[str, Any]

#: The column that says why a point failed (None where it did not).
ERROR = "error"


class Plan:
    """A checked sweep: the function to call at each point, its grid and its summary."""

    def __init__(
        self,
        scenario: Callable[..., Simulation],
        names: list[str],
        values: list[list[Any]],
        summarize: Summarize,
    ) -> None:
        self.scenario = scenario
        self.names = names
        self.values = values
        self.summarize = summarize

    @classmethod
    def make(
        cls, scenario: object, grid: object, summarize: Summarize | None, default: Summarize
    ) -> Plan:
        names, values = check_grid(grid)
        if summarize is not None and not callable(summarize):
            raise TypeError(f"summarize must be a function of the simulation, got {got(summarize)}")
        from ..scenarios.file import ScenarioFile  # imported when needed: see bitslab/__init__
        from ..scenarios.sweepfile import FileScenario

        if isinstance(scenario, str | PurePath | ScenarioFile):
            function: Callable[..., Simulation] = FileScenario.make(scenario, names, values)
        elif callable(scenario):
            check_keywords(scenario, names)
            function = scenario
        else:
            raise TypeError(
                "scenario must be a function that returns a Simulation (such as "
                "bl.scenarios.restart_story), a ScenarioFile or the path of a scenario file, "
                f"got {got(scenario)}"
            )
        return cls(function, names, values, summarize or default)

    def points(self) -> list[tuple[Any, ...]]:
        return list(itertools.product(*self.values))

    def check_picklable(self) -> None:
        """Refuse, before anything runs, what another process could not receive."""
        import pickle

        for name, value in (("scenario", self.scenario), ("summarize", self.summarize)):
            try:
                pickle.dumps(value)
            except Exception as error:
                raise TypeError(
                    f"{name} {name_of(value)} cannot be sent to worker processes "
                    f"({type(error).__name__}: {safe_text(error, limit=120, use_str=True)}): "
                    "define it at module level (a def in a module, not a lambda or a function "
                    "inside another), or run the sweep with executor=None"
                ) from None
        for name, values in zip(self.names, self.values, strict=True):
            try:
                pickle.dumps(values)
            except Exception as error:
                raise TypeError(
                    f"grid[{name!r}] holds a value that cannot be sent to worker processes "
                    f"({type(error).__name__}: {safe_text(error, limit=120, use_str=True)})"
                ) from None


def check_grid(grid: object) -> tuple[list[str], list[list[Any]]]:
    if not isinstance(grid, Mapping):
        raise TypeError(f"grid must be a dict of keyword -> list of values, got {got(grid)}")
    names: list[str] = []
    values: list[list[Any]] = []
    for name, given in grid.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"grid keys must be keyword names (str), got {got(name)}")
        if name == ERROR:
            raise ValueError(f"grid key {name!r} is taken: the table's {ERROR!r} column")
        if isinstance(given, str | bytes) or not isinstance(given, Iterable):
            raise TypeError(
                f"grid[{name!r}] must be a list of values, got {got(given)}"
                f" (for one value, write [{safe_text(given)}])"
            )
        listed = list(given)
        if not listed:
            raise ValueError(f"grid[{name!r}] must hold at least one value, got none")
        names.append(name)
        values.append(listed)
    return names, values


def check_keywords(scenario: Callable[..., Any], names: Sequence[str]) -> None:
    """Each grid key must be a keyword argument of the scenario function."""
    try:
        parameters = inspect.signature(scenario).parameters
    except (TypeError, ValueError):  # a builtin without a signature: let the call decide
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    keywords = [
        name
        for name, p in parameters.items()
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    ]
    for name in names:
        if name not in keywords:
            near = difflib.get_close_matches(name, keywords, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise TypeError(
                f"grid[{name!r}]: {name_of(scenario)} has no keyword argument {name!r}{hint}"
                f" (its keywords: {', '.join(keywords)})"
            )


def name_of(value: object) -> str:
    """A function's module and name, for messages (never a repr with a memory address)."""
    name = getattr(value, "__qualname__", None) or type(value).__qualname__
    module = getattr(value, "__module__", None)
    return f"{module}.{name}" if module and module != "builtins" else str(name)
