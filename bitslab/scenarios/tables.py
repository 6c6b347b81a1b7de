"""Reading a scenario file's TOML tables key by key, so every problem names its key.

:class:`TableReader` reads one table: it refuses unknown keys (naming the nearest known one),
checks each value's TOML type, and turns the model's refusal of a value (a ``BitsError``,
``TypeError`` or ``ValueError``) into a :class:`ScenarioFileError` naming the key. What the
keys mean is :mod:`bitslab.scenarios.file`'s business.
"""

from __future__ import annotations

import difflib
import enum
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from ..constants import NotifyFlags
from ..errors import BitsError

__all__ = ["ScenarioFileError", "TableReader"]

E = TypeVar("E", bound=enum.IntEnum)


class ScenarioFileError(ValueError):
    """A scenario file that cannot be run: ``key`` says where (``job[0].flags``; empty for
    the whole file), ``problem`` what was wrong, and ``source`` which file."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        super().__init__(f"{source}: {key}: {problem}" if key else f"{source}: {problem}")


_WANTED = {str: "a string", int: "a whole number", float: "a number", bool: "true or false",
           dict: "a table", list: "an array"}  # fmt: skip


def _kind(value: object) -> str:
    """How TOML names a value's type, for messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    for kind in (str, list, dict):
        if isinstance(value, kind):
            return _WANTED[kind]
    return f"a {type(value).__name__}"  # dates and times


def _nearest(word: str, choices: list[str]) -> str:
    near = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean {near[0]!r}?" if near else ""


class TableReader:
    """Reads one TOML table key by key; every problem names its key."""

    def __init__(self, source: str, path: str, data: object) -> None:
        self.source = source
        self.path = path
        if not isinstance(data, dict):
            raise ScenarioFileError(source, path, f"must be a table, got {_kind(data)}")
        self.data: dict[str, Any] = data

    def key(self, name: str) -> str:
        """The dotted path of ``name`` in this table (the table's own path for "")."""
        if not name:
            return self.path
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, problem: str) -> ScenarioFileError:
        return ScenarioFileError(self.source, self.key(name), problem)

    def only(self, allowed: tuple[str, ...]) -> None:
        """Refuse a key that is not in ``allowed``, naming the nearest one."""
        for name in self.data:
            if name not in allowed:
                hint = _nearest(name, list(allowed))
                raise self.fail(name, f"unknown key{hint} (keys here: {', '.join(allowed)})")

    def get(self, name: str, kind: type, default: Any = None, *, required: bool = False) -> Any:
        """The value of ``name``, which must be of TOML type ``kind`` (float takes ints)."""
        if name not in self.data:
            if required:
                raise self.fail(name, "is required")
            return default
        value = self.data[name]
        if isinstance(value, bool) and kind is not bool:
            ok = False
        elif kind is float:
            ok = isinstance(value, int | float)
        else:
            ok = isinstance(value, kind)
        if not ok:
            raise self.fail(name, f"must be {_WANTED[kind]}, got {_kind(value)} {value!r}")
        if kind is float and not math.isfinite(value):
            raise self.fail(name, f"must be a finite number, got {value!r}")
        return float(value) if kind is float else value

    def times(self, name: str, default: tuple[float, ...] = ()) -> tuple[float, ...]:
        """A time or an array of times, in seconds from 0."""
        if name not in self.data:
            return default
        value = self.data[name]
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            where = f"{name}[{index}]" if isinstance(value, list) else name
            if isinstance(item, bool) or not isinstance(item, int | float):
                raise self.fail(where, f"must be a time in seconds, got {_kind(item)} {item!r}")
            if not 0 <= item < math.inf:
                raise self.fail(where, f"must be a time of at least 0 seconds, got {item!r}")
        return tuple(sorted(float(item) for item in items))

    def keyed_times(self, name: str) -> list[tuple[float, str]]:
        """Like :meth:`times`, each with its own key (``start_at[1]``), in the file's order."""
        if name not in self.data:
            return []
        times = self.times(name)  # checks every item
        value = self.data[name]
        if not isinstance(value, list):
            return [(times[0], name)]
        return [(float(item), f"{name}[{index}]") for index, item in enumerate(value)]

    def words(self, name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        """An array of words, each one of ``allowed``."""
        value = self.get(name, list, [])
        for index, item in enumerate(value):
            if item not in allowed:
                raise self.fail(
                    f"{name}[{index}]", f"must be one of {', '.join(allowed)}, got {item!r}"
                )
        return tuple(value)

    def enum(self, name: str, kind: type[E], default: E) -> E:
        """A member's name, in any case (``"foreground"``)."""
        value = self.get(name, str)
        if value is None:
            return default
        members = [member.name.lower() for member in kind]
        if value.lower() not in members:
            hint = _nearest(value.lower(), members)
            raise self.fail(name, f"{value!r} is not a {kind.__name__}{hint}"
                                  f" (one of {', '.join(members)})")  # fmt: skip
        return kind[value.upper()]

    def flags(self, name: str) -> int:
        """Notify flags as an int (``0x13``) or an array of names."""
        value = self.data[name]
        if isinstance(value, int) and not isinstance(value, bool):
            return value  # set_notify_flags checks the bits (F3)
        if not isinstance(value, list):
            raise self.fail(name, f"must be an int or an array of flag names, got {_kind(value)}")
        names = [flag.name or "" for flag in NotifyFlags]
        total = 0
        for index, item in enumerate(value):
            if not isinstance(item, str) or item.upper() not in names:
                hint = _nearest(str(item).upper(), names)
                raise self.fail(f"{name}[{index}]", f"{item!r} is not a notify flag{hint}"
                                                    f" (flags are {', '.join(names)})")  # fmt: skip
            total |= NotifyFlags[item.upper()]
        return total

    def pairs(self, name: str) -> list[tuple[int, int]]:
        """An array of ``[offset, length]`` pairs of whole numbers of at least 0."""
        value = self.get(name, list)
        for index, item in enumerate(value):
            if (
                not isinstance(item, list)
                or len(item) != 2
                or any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in item)
            ):
                raise self.fail(
                    f"{name}[{index}]",
                    f"must be [offset, length], two whole numbers of at least 0, got {item!r}",
                )
        return [(item[0], item[1]) for item in value]

    def tables(self, name: str, *, required: bool = False) -> list[TableReader]:
        """An array of tables (``[[job]]``), each read with its indexed path (``job[0]``)."""
        value = self.get(name, list, [], required=required)
        if required and not value:
            raise self.fail(name, "needs at least one entry")
        return [
            TableReader(self.source, f"{self.key(name)}[{i}]", item) for i, item in enumerate(value)
        ]

    def table(self, name: str) -> TableReader:
        return TableReader(self.source, self.key(name), self.data[name])

    @contextmanager
    def model(self, name: str = "", **words: str) -> Iterator[None]:
        """Turn the model's refusal of a value into an error naming the key: ``name``, or
        the key of whichever of ``words`` (the model's argument names, e.g.
        ``remote_url="url"``) the model's message names first."""
        try:
            yield
        except ScenarioFileError:
            raise
        except (BitsError, TypeError, ValueError) as error:
            text = str(error)
            found = [
                (match.start(), key)
                for word, key in words.items()
                if (match := re.search(rf"\b{word}\b", text)) is not None
            ]
            raise self.fail(min(found)[1] if found else name, text) from error
