"""Argument checks shared by the public API.

Each check names the argument and what it received, so that a student who passes ``"10"`` for
a number reads ``size must be an int, got str '10'``. A check never changes anything: callers
check every argument before they touch state, so a rejected call changes nothing.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from typing import Any, TypeVar

E = TypeVar("E", bound=enum.IntEnum)

__all__ = [
    "check_callable",
    "check_enum",
    "check_int",
    "check_number",
    "check_str",
    "safe_text",
]


def _got(value: object) -> str:
    return f"{type(value).__name__} {value!r}"


def check_number(
    name: str,
    value: object,
    *,
    minimum: float | None = None,
    strictly_positive: bool = False,
) -> float:
    """A real, finite number (not a bool), at least ``minimum`` or above 0 if asked."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {_got(value)}")
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if strictly_positive and number <= 0:
        raise ValueError(f"{name} must be greater than 0, got {value!r}")
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be at least {minimum:g}, got {value!r}")
    return number


def check_int(name: str, value: object, *, minimum: int | None = None) -> int:
    """An int (not a bool), at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {_got(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return int(value)


def check_str(name: str, value: object, *, allow_empty: bool = False) -> str:
    """A str, non-empty unless ``allow_empty``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {_got(value)}")
    if not allow_empty and not value:
        raise ValueError(f"{name} must not be empty")
    return value


def check_enum(name: str, value: object, enum_type: type[E]) -> E:
    """A member of ``enum_type``, or an int that is the value of one."""
    foreign = isinstance(value, enum.Enum) and not isinstance(value, enum_type)
    if isinstance(value, bool) or not isinstance(value, int) or foreign:
        raise TypeError(f"{name} must be a {enum_type.__name__} or an int, got {_got(value)}")
    try:
        return enum_type(value)
    except ValueError:
        choices = ", ".join(f"{m.name} ({m.value})" for m in enum_type)
        raise ValueError(
            f"{name} must be one of {enum_type.__name__}: {choices}; got {value!r}"
        ) from None


def check_callable(name: str, value: Any) -> Callable[..., Any]:
    """Something that can be called."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {_got(value)}")
    return value  # type: ignore[no-any-return]


def safe_text(value: object, *, limit: int = 60, use_str: bool = False) -> str:
    """``repr(value)`` (or ``str``) on one line and at most ``limit`` characters, for log text
    about what a callback or program returned or raised; a value whose repr itself fails is
    described by its type, so misbehaving user code can never break the log."""
    try:
        text = str(value) if use_str else repr(value)
    except Exception:
        text = f"<{type(value).__name__} that cannot be shown>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
