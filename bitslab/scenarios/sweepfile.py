"""Sweeping a scenario file: key paths into the file, and ``python -m bitslab sweep``.

A sweep of a scenario file varies keys of the file. Each grid key is a *key path*, written
the way a scenario-file error names a key:

- ``simulation.seed``, ``job[0].flags``, ``job[0].file[1].size``, ``app[0].crash_at``: keys
  joined by dots; an entry of an array of tables (``[[job]]``) by its index from 0, or by its
  ``name`` (``job[nightly].flags``); an item of an array value by its index
  (``app[0].start_at[0]``).
- A bare key (``flags``, ``crash_at``) is shorthand for the one place in the file where that
  key is written. A key written nowhere is a ``[simulation]`` key if it is one (``seed``,
  ``bandwidth``, ``until``, ...); written in several places, it must be given in full.

A table on the way that the file does not have is made (``simulation.seed`` in a file with
no ``[simulation]``); an array entry must exist. A key path that cannot be resolved, or that
names a key the file's schema does not have, is refused before anything runs with a
:class:`ScenarioFileError` that names it; a value the model refuses at one point of the grid
(a flag outside 0x3F, F3) is that row's ``error``.

>>> import bitslab as bl
>>> lab = bl.ScenarioFile.parse('''
... [[app]]
... name = "downloader"
... crash_at = 6.0
... [[job]]
... name = "nightly"
... flags = 0x13
... notifier = { app = "downloader" }
... [[job.file]]
... url = "https://mirror.test/a.cab"
... name = "a.cab"
... size = 8_000_000
... ''', source="lab.toml")
>>> table = bl.sweep(lab, {"flags": [0x3, 0x13], "crash_at": [2, 10]}, progress=False)
>>> columns = ["flags", "crash_at", "job_transferred.delivered", "job_transferred.pending"]
>>> table[columns].values.tolist()
[[3, 2, 0, 1], [3, 10, 1, 0], [19, 2, 0, 1], [19, 10, 1, 0]]
"""

from __future__ import annotations

import copy
import difflib
import inspect
import re
import sys
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any, NamedTuple

from .._check import got
from ..simulation import Simulation
from .file import ScenarioFile
from .tables import ScenarioFileError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with tomli, which became tomllib
    import tomli as tomllib

__all__ = ["FileScenario", "KeyPath", "parse_values"]

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\[\]]+)\])?")
_SYNTAX = (
    "is not a key path: keys joined by dots, an array's entry by its index or name in "
    "brackets (job[0].flags, job[nightly].file[1].size, simulation.seed)"
)


class KeyPath(NamedTuple):
    """A resolved key path: ``text`` in canonical form (``job[0].flags``) and its steps,
    each a key and, for an array, the index of the entry."""

    text: str
    steps: tuple[tuple[str, int | None], ...]

    def set(self, data: dict[str, Any], value: Any) -> None:
        """Write ``value`` at this path of ``data`` (checked when the path was resolved)."""
        node: Any = data
        for number, (key, index) in enumerate(self.steps):
            last = number == len(self.steps) - 1
            if index is None:
                if last:
                    node[key] = value
                else:
                    node = node.setdefault(key, {})
            elif last:
                node[key][index] = value
            else:
                node = node[key][index]

    @classmethod
    def resolve(cls, key: str, data: dict[str, Any], source: str) -> KeyPath:
        """The path ``key`` names in the file ``data`` (:class:`ScenarioFileError` if none)."""
        if _SEGMENT.fullmatch(key) and "[" not in key:
            key = _shorthand(key, data, source)
        segments = key.split(".")
        if not all(_SEGMENT.fullmatch(segment) for segment in segments):
            raise ScenarioFileError(source, key, _SYNTAX)
        steps: list[tuple[str, int | None]] = []
        node: Any = data
        where = ""
        for number, segment in enumerate(segments):
            match = _SEGMENT.fullmatch(segment)
            assert match is not None
            name, selector = match.groups()
            last = number == len(segments) - 1
            if not isinstance(node, dict):
                raise ScenarioFileError(source, key, f"{where} is not a table")
            where = f"{where}.{name}" if where else name
            if selector is None:
                steps.append((name, None))
                child = node.get(name)
                if not last and child is not None and not isinstance(child, dict):
                    raise ScenarioFileError(source, key, f"{where} is not a table")
                node = child if child is not None else {}
                continue
            array = node.get(name)
            if not isinstance(array, list):
                raise ScenarioFileError(source, key, f"{where} is not an array in the file")
            index = _index(array, selector, where, key, source)
            steps.append((name, index))
            where = f"{where}[{index}]"
            node = array[index]
        text = ".".join(f"{k}[{i}]" if i is not None else k for k, i in steps)
        return cls(text, tuple(steps))


def _index(array: list[Any], selector: str, where: str, key: str, source: str) -> int:
    """An array entry by its index, or by its ``name`` (``path`` for a ``[[program]]``)."""
    if selector.isdigit():
        index = int(selector)
        if index >= len(array):
            have = f"{where}[0] to {where}[{len(array) - 1}]" if array else "none"
            raise ScenarioFileError(
                source, key, f"{where} has {len(array)} entries ({have}), no [{index}]"
            )
        return index
    names = [
        str(item.get("name", item.get("path", ""))) for item in array if isinstance(item, dict)
    ]
    if selector not in names:
        near = difflib.get_close_matches(selector, names, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        listed = ", ".join(repr(n) for n in names) or "none"
        raise ScenarioFileError(
            source, key, f"no entry of {where} is named {selector!r} (names: {listed}){hint}"
        )
    return names.index(selector)


def _shorthand(key: str, data: dict[str, Any], source: str) -> str:
    """A bare key: the one place it is written, or a ``[simulation]`` key."""
    places = list(_places(key, data, ""))
    if len(places) == 1:
        return places[0]
    if places:
        raise ScenarioFileError(
            source, key, f"is written in {len(places)} places ({', '.join(places)}): "
            "give the one to vary in full"
        )  # fmt: skip
    if key == "until" or key in inspect.signature(Simulation).parameters:
        return f"simulation.{key}"
    raise ScenarioFileError(
        source, key, "is not written in the file and is not a [simulation] key: give its key "
        f"path in full, such as job[0].{key} or app[0].{key}"
    )  # fmt: skip


def _places(key: str, node: Any, where: str) -> list[str]:
    """Every path in ``node`` where a table has ``key``, in the file's order."""
    found: list[str] = []
    if isinstance(node, dict):
        for name, child in node.items():
            path = f"{where}.{name}" if where else name
            if name == key:
                found.append(path)
            found += _places(key, child, path)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            if isinstance(child, dict):
                found += _places(key, child, f"{where}[{index}]")
    return found


def _toml(value: Any, where: str, source: str) -> Any:
    """A grid value as a scenario file holds it (a tuple is an array)."""
    if isinstance(value, tuple | list):
        return [_toml(item, where, source) for item in value]
    if isinstance(value, dict):
        return {str(k): _toml(v, where, source) for k, v in value.items()}
    if isinstance(value, bool | int | float | str):
        return value
    raise ScenarioFileError(
        source, where, f"{got(value)} is not a value a scenario file can hold (a number, a "
        "string, true or false, an array or a table)"
    )  # fmt: skip


class FileScenario:
    """A scenario file as a sweep's scenario: called with a value for each of its grid keys,
    it writes them into a copy of the file at their key paths and runs it."""

    def __init__(self, source: str, data: dict[str, Any], paths: dict[str, KeyPath]) -> None:
        self.source = source
        self.data = data
        self.paths = paths

    @classmethod
    def make(
        cls, scenario: ScenarioFile | str | PurePath, names: Sequence[str], values: Sequence[Any]
    ) -> FileScenario:
        """Resolve the grid's keys in the file (loading it first if given its path) and check
        them, and the grid's values, before anything runs."""
        file = scenario if isinstance(scenario, ScenarioFile) else ScenarioFile.load(str(scenario))
        paths: dict[str, KeyPath] = {}
        for name in names:
            path = KeyPath.resolve(name, file.data, file.source)
            twin = next((other for other, p in paths.items() if p.text == path.text), None)
            if twin is not None:
                raise ScenarioFileError(
                    file.source, name, f"names {path.text}, as {twin!r} does: vary it once"
                )
            paths[name] = path
        for name, listed in zip(names, values, strict=True):
            for value in listed:
                _toml(value, name, file.source)
        made = cls(file.source, file.data, paths)
        _check_keys(made, [listed[0] for listed in values])
        return made

    def build(self, **values: Any) -> ScenarioFile:
        """The file with ``values`` written at their keys' paths."""
        data = copy.deepcopy(self.data)
        for name, value in values.items():
            self.paths[name].set(data, _toml(value, name, self.source))
        return ScenarioFile(self.source, data)

    def __call__(self, **values: Any) -> Simulation:
        return self.build(**values).simulate().sim


def _check_keys(scenario: FileScenario, first: list[Any]) -> None:
    """Build the first point (not run it): a key the schema lacks is refused now."""
    try:
        scenario.build(**dict(zip(scenario.paths, first, strict=True))).simulate(run=False)
    except ScenarioFileError as error:
        if any(error.key == p.text for p in scenario.paths.values()) and error.problem.startswith(
            ("unknown key", "must be a table")
        ):
            raise
    # any other refusal is about a value, and becomes that row's error


# -- values written on the command line ----------------------------------------------------------


def parse_values(text: str) -> list[Any]:
    """The values of ``--vary KEY=VALUES``: items separated by commas, each a TOML value
    (``2``, ``2.5``, ``true``, ``"text"``, ``[6, 30]``) or a bare word (``low``); ``A..B``
    is every whole number from A to B (``0..0x3F``), ``A..B..STEP`` every STEP-th.

    >>> parse_values("0..3,0x10,2.5,low,[6, 30],true")
    [0, 1, 2, 3, 16, 2.5, 'low', [6, 30], True]
    """
    values: list[Any] = []
    for item in _items(text):
        bounds = item.split("..")
        if len(bounds) in (2, 3) and "[" not in item:
            try:
                numbers = [int(bound.strip(), 0) for bound in bounds]
            except ValueError:
                raise ValueError(
                    f"{item!r}: a range A..B takes whole numbers (0..0x3F); list other "
                    "values with commas instead"
                ) from None
            step = numbers[2] if len(numbers) == 3 else 1
            if step <= 0 or numbers[1] < numbers[0]:
                raise ValueError(f"{item!r}: a range goes up from A to B by a step above 0")
            values.extend(range(numbers[0], numbers[1] + 1, step))
            continue
        try:
            values.append(tomllib.loads(f"v = {item}")["v"])
        except tomllib.TOMLDecodeError:
            if not re.fullmatch(r"[\w\-./\\:]+", item):
                raise ValueError(f"{item!r} is neither a TOML value nor a plain word") from None
            values.append(item)
    return values


def _items(text: str) -> list[str]:
    """``text`` split at the commas outside brackets and quotes, each item stripped."""
    items, depth, quote, start = [], 0, "", 0
    for at, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(text[start:at].strip())
            start = at + 1
    items.append(text[start:].strip())
    if not all(items):
        raise ValueError(f"{text!r}: an empty value between commas")
    return items
