"""Argument checks shared by the public API.

Each check names the argument and what it received, so that a student who passes ``"10"`` for
a number reads ``size must be an int, got str '10'``. A check never changes anything: callers
check every argument before they touch state, so a rejected call changes nothing.
"""

from __future__ import annotations

import difflib
import enum
import math
import re
import types
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

E = TypeVar("E", bound=enum.IntEnum)
T = TypeVar("T")

__all__ = [
    "check_bool",
    "check_callable",
    "check_choice",
    "check_enum",
    "check_guid",
    "check_instance",
    "check_int",
    "check_number",
    "check_str",
    "got",
    "safe_text",
    "without_addresses",
]


def got(value: object) -> str:
    """What a check received, for its message: the type and the repr (``str '10'``); a
    function, method or class by its kind and qualified name (``function flag_names``). A
    value whose repr fails, runs long or holds a memory address is still described, without
    the address, so a check never raises anything but its own TypeError or ValueError."""
    return _named(value) or f"{type(value).__name__} {safe_text(value, limit=80)}"


def check_number(
    name: str,
    value: object,
    *,
    minimum: float | None = None,
    strictly_positive: bool = False,
) -> float:
    """A real, finite number (not a bool), at least ``minimum`` or above 0 if asked."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {got(value)}")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float, such as 10**400
        number = math.inf
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"{name} must be a finite number, got {safe_text(value, limit=80)}")
    if strictly_positive and number <= 0:
        raise ValueError(f"{name} must be greater than 0, got {value!r}")
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be at least {minimum:g}, got {value!r}")
    return number


def check_int(
    name: str,
    value: object,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    enums: bool = False,
) -> int:
    """An int (not a bool), at least ``minimum`` and at most ``maximum``. An enum member is
    refused unless ``enums`` (``HTTPStatus.NOT_FOUND`` is a fine status; ``JobType.UPLOAD``
    is no size)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {got(value)}")
    if isinstance(value, enum.Enum) and not enums:
        raise TypeError(f"{name} must be an int, got {type(value).__name__}.{value.name}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum:,}, got {value!r}")
    return int(value)


def check_str(name: str, value: object, *, allow_empty: bool = False) -> str:
    """A str, non-empty unless ``allow_empty``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {got(value)}")
    if not allow_empty and not value:
        raise ValueError(f"{name} must not be empty, got ''")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate: no file or terminal can take it
        raise ValueError(
            f"{name} must be text that UTF-8 can encode, got {safe_text(value, limit=80)} "
            f"(a lone surrogate at index {error.start})"
        ) from None
    return value


def check_enum(name: str, value: object, enum_type: type[E]) -> E:
    """A member of ``enum_type``, or an int that is the value of one."""
    if type(value) is enum_type:  # a member already: the common case, answered at once
        return value
    foreign = isinstance(value, enum.Enum) and not isinstance(value, enum_type)
    if isinstance(value, bool) or not isinstance(value, int) or foreign:
        raise TypeError(f"{name} must be a {enum_type.__name__} or an int, got {got(value)}")
    try:
        return enum_type(value)
    except ValueError:
        choices = ", ".join(f"{m.name} ({m.value})" for m in enum_type)
        raise ValueError(
            f"{name} must be one of {enum_type.__name__}: {choices}; got {value!r}"
        ) from None


def check_bool(name: str, value: object) -> bool:
    """True or False, nothing truthy: ``"no"`` is not False."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {got(value)}")
    return value


def check_guid(name: str, value: object) -> uuid.UUID:
    """A GUID (a job's id, a callback class ID): a :class:`uuid.UUID`, or its string form,
    braces allowed (TypeError for another type, ValueError for a str that is not a GUID)."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a uuid.UUID or its string form, got {got(value)}")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValueError(f"{name} must be a GUID, got {got(value)}") from None


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    """One of the words ``choices``; a near miss is named in the message."""
    options = list(choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, one of {', '.join(options)}; got {got(value)}")
    if value not in options:
        near = difflib.get_close_matches(value, options, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ValueError(
            f"{name} must be one of {', '.join(options)}; got {safe_text(value)}{hint}"
        )
    return value


def check_instance(name: str, value: object, kind: type[T], what: str) -> T:
    """An instance of ``kind`` (``what`` says where one comes from: ``"a Job, from
    sim.create_job()"``); a class where its instance belongs is named as such."""
    if not isinstance(value, kind):
        if isinstance(value, type):
            raise TypeError(
                f"{name} must be {what}, got the class {value.__name__} itself, not an instance"
            )
        raise TypeError(f"{name} must be {what}, got {got(value)}")
    return value


def check_callable(name: str, value: Any) -> Callable[..., Any]:
    """Something that can be called."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {got(value)}")
    return value  # type: ignore[no-any-return]


def safe_text(value: object, *, limit: int = 60, use_str: bool = False) -> str:
    """``repr(value)`` (or ``str``) on one line and at most ``limit`` characters, for log text
    about what a callback or program returned or raised; a value whose repr itself fails is
    described by its type, so misbehaving user code can never break the log. No memory
    address is shown (:func:`without_addresses`); a str is shown as it is."""
    try:
        text = str(value) if use_str else repr(value)
    except Exception:
        text = f"<{type(value).__name__} that cannot be shown>"
    if use_str or not isinstance(value, str):
        text = without_addresses(text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: Python's default repr, ``<module.Type object at 0x7f...>``.
_DEFAULT_REPR = re.compile(r"<(?:[\w.]+\.)?(\w+) object at 0x[0-9A-Fa-f]+>")
#: The address in any other repr: ``<function show at 0x7f...>``.
_ADDRESS = re.compile(r" at 0x[0-9A-Fa-f]+")


def without_addresses(text: str) -> str:
    """``text`` with no memory address, which changes from run to run and tells a reader
    nothing: a default repr becomes ``<Type object>``, and in any other (a function's, a
    list's items) the `` at 0x...`` is cut: ``<function show>``."""
    return _ADDRESS.sub("", _DEFAULT_REPR.sub(r"<\1 object>", text))


def _named(value: object) -> str | None:
    """A function, method or class as its kind and qualified name (``function flag_names``,
    ``method File.filled_ranges``, ``class Notifier``), less the function it was defined in
    (``<locals>``); None for any other value."""
    if isinstance(value, type):
        kind = "class"
    elif isinstance(value, types.FunctionType):
        kind = "function"
    elif isinstance(value, types.MethodType):
        kind = "method"
    elif isinstance(value, types.BuiltinFunctionType):  # built-in functions and methods
        owner = value.__self__
        kind = (
            "built-in function"
            if owner is None or isinstance(owner, types.ModuleType)
            else "built-in method"
        )
    else:
        return None
    try:
        name = value.__qualname__
    except Exception:  # a metaclass's property that raises
        return None
    if not isinstance(name, str) or not name:
        return None
    return f"{kind} {safe_text(name.rpartition('<locals>.')[2], limit=80, use_str=True)}"
