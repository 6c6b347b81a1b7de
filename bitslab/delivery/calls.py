"""Calling into a notifier (C5, C9): what counts as success, and callbacks that take time.

A callback method is called plainly; if it is a generator function, the generator runs as a
SimPy process, so it can ``yield`` events to take simulated time, and its return value is its
result. Whatever the callback does (raise, return junk, yield junk, never return) ends as
``(succeeded, detail)`` reported exactly once; nothing it does escapes into the simulation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine, Generator
from types import GeneratorType
from typing import Any

import simpy

from .._check import safe_text
from ..constants import hresult_name
from ..model.notifiers import Notifier, is_alive

__all__ = ["call", "describe_raised", "read_result"]

Done = Callable[..., None]


#: What a failing callback may raise and still be a failed call (C5). SystemExit is among
#: them: a callback that calls sys.exit() fails its call, as a notifier's process that exits
#: mid-call would. KeyboardInterrupt is too, for the call: the user stopped the run, so the
#: call fails (it never stays in flight) and ``interrupted`` is told, which stops the run
#: between two events (see :meth:`bitslab.model.agenda.Agenda.interrupt`).
CAUGHT = (Exception, SystemExit, KeyboardInterrupt)


def read_result(value: Any, s_ok_only: bool = False) -> tuple[bool, str]:
    """C5: ``(succeeded, description)`` of what a callback returned.

    None and True succeed; False fails; an int is a 32-bit HRESULT that fails when negative
    or when bit 31 is set; anything else fails (model choice), including a value that cannot
    even be read (an int subclass whose comparisons raise). A success HRESULT other than
    S_OK (S_FALSE, 1, ...) succeeds by default and fails when ``s_ok_only`` is true (C5,
    model choice: the JobTransferred page asks for S_OK; FileTransferred retries only a
    failure); either way the description says so.
    """
    try:
        return _read(value, s_ok_only)
    except Exception as exc:
        return (
            False,
            f"returned a {type(value).__name__} that cannot be read ({describe_raised(exc)})",
        )


def _read(value: Any, s_ok_only: bool) -> tuple[bool, str]:
    if value is None or value is True:
        return True, ""
    if value is False:
        return False, "returned False"
    if isinstance(value, Coroutine):
        value.close()  # never awaited: closing it spares the user Python's warning
        return (
            False,
            "returned a coroutine: an async def callback is never awaited; use a generator",
        )
    if isinstance(value, int):
        value = int.__index__(value)  # a plain int: a subclass's comparisons are not called
        if value == 0:
            return True, ""
        if 0 < value <= 0x7FFFFFFF:  # C5: a success code that is not S_OK
            name = hresult_name(value)
            if s_ok_only:
                return (
                    False,
                    f"returned HRESULT {name}, not S_OK: failure, as s_ok_only is True (C5)",
                )
            return True, f"returned HRESULT {name}: success, as s_ok_only is False (C5)"
        if -(2**31) <= value < 0:
            return False, f"returned HRESULT {hresult_name(value & 0xFFFFFFFF)}"
        if 0x80000000 <= value <= 0xFFFFFFFF:
            return False, f"returned HRESULT {hresult_name(value)}"
        return False, f"returned {value}, which is not a 32-bit HRESULT"
    text = safe_text(value)
    return False, f"returned {text} ({type(value).__name__}), not None, a bool or an HRESULT"


def describe_raised(exc: BaseException) -> str:
    """C5: how the log describes a callback that raised: one line, without file paths."""
    message = safe_text(exc, limit=100, use_str=True)
    name = type(exc).__name__
    return f"raised {name}: {message}" if message else f"raised {name}"


class _Raised:
    """What a generator callback's process returns when the callback raised."""

    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


#: What a generator callback's process returns when its application run ended before the
#: callback could go on (I4): the dispatcher sees the run end during the call.
_DIED = object()


def _drive(
    gen: Generator[Any, Any, Any],
    env: simpy.Environment,
    owner: Notifier | None,
    interrupted: Callable[[], None],
) -> Generator[Any, Any, Any]:
    """Run a generator callback as a SimPy process; its return value is its result (C9).

    The callback may yield only events of this simulation's environment; anything else is
    thrown back into it as a TypeError. Whatever it raises ends it as a failed call (C5).
    I4: the code of an application run that has ended never runs again, so once the
    notifier's run has ended (its app crashed or exited, even from another callback at the
    same moment) the generator is closed instead of resumed.
    """
    send: Any = None
    throw: BaseException | None = None
    while True:
        if owner is not None and not is_alive(owner):
            with contextlib.suppress(*CAUGHT):  # it may ignore GeneratorExit, or raise
                gen.close()
            return _DIED
        try:
            item = gen.throw(throw) if throw is not None else gen.send(send)
        except StopIteration as stop:
            return stop.value
        except CAUGHT as exc:  # a failing callback is a failed call (C5), not a crash
            if isinstance(exc, KeyboardInterrupt):
                interrupted()
            return _Raised(exc)
        send = throw = None
        if not isinstance(item, simpy.Event) or item.env is not env:
            throw = TypeError(
                f"a callback may yield only events of its simulation's env, got {safe_text(item)}"
            )
            continue
        try:
            send = yield item
        except Exception as exc:  # a failed event, or the interrupt of callback_timeout
            throw = exc


def _judge(value: Any, s_ok_only: bool) -> tuple[bool, str]:
    if value is _DIED:  # I4: it "returned"; the dispatcher finds its run ended meanwhile
        return True, ""
    if isinstance(value, _Raised):
        return False, describe_raised(value.exc)
    return read_result(value, s_ok_only)


def call(
    env: simpy.Environment,
    notifier: object,
    name: str,
    args: tuple[Any, ...],
    timeout: float | None,
    done: Done,
    context: tuple[Any, ...] = (),
    interrupted: Callable[[], None] = lambda: None,
    s_ok_only: bool = False,
) -> tuple[bool, str] | None:
    """Call ``notifier``'s method ``name`` with ``args``: ``(succeeded, detail)`` once it
    has returned. Looking the method up is part of the call: a lookup that raises now (a
    property that worked when D1 looked) is a failed call (C5), like a method that raises.

    A plain method has returned when ``call`` does, and ``call`` returns its result. A
    generator method runs as a SimPy process: ``call`` returns None and reports later, with
    ``done(*context, succeeded, detail)``, exactly once: when the process ends, or, if
    ``timeout`` is not None, after ``timeout`` simulated seconds, when it is interrupted and
    counts as failed (C5, C9, model choice: BITS itself never gives up). ``s_ok_only``: only
    S_OK, None and True count as success (C5, see :func:`read_result`).

    A callback that raises KeyboardInterrupt (the user pressed Ctrl-C in it) is a failed
    call like any other, and ``interrupted()`` is called, so the run stops once this
    event has ended.
    """
    try:
        result = getattr(notifier, name)(*args)
    except CAUGHT as exc:  # a failing callback is a failed call (C5)
        if isinstance(exc, KeyboardInterrupt):
            interrupted()
        return False, describe_raised(exc)
    if result is None:  # the usual success, read first
        return True, ""
    if not isinstance(result, GeneratorType):
        return read_result(result, s_ok_only)
    finished = False

    def report(ok: bool, detail: str) -> None:
        nonlocal finished
        if not finished:
            finished = True
            done(*context, ok, detail)

    owner = notifier if isinstance(notifier, Notifier) else None
    process = env.process(_drive(result, env, owner, interrupted))
    process.callbacks.append(lambda event: report(*_judge(event.value, s_ok_only)))
    if timeout is not None:

        def give_up(_event: simpy.Event) -> None:
            if finished:
                return
            if process.is_alive:
                process.interrupt("callback_timeout")
            report(False, f"did not return within callback_timeout={timeout:g} s")

        env.timeout(timeout).callbacks.append(give_up)
    return None
