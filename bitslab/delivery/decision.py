"""The delivery decision (D1) and staleness (C11).

:func:`decide` is the one place that decides, at a delivery attempt, what happens to a
notification before anything is called: it checks the rules in D1's order and returns the
first that applies. Nothing here changes state; the dispatcher acts on the answers and the
log records them. (What a call's result means, C5, is :mod:`bitslab.delivery.calls`.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ..constants import JobProperty, JobState, NotifyFlags
from ..model.notifiers import CALLBACK_FLAGS, Notifier, is_alive, owner_of
from .notification import JOB_LEVEL

if TYPE_CHECKING:
    from .notification import Notification

__all__ = [
    "CALL",
    "Decision",
    "app_down_detail",
    "cmdline_applies",
    "decide",
    "describe_target",
    "is_stale",
    "stale_detail",
]


class Decision(NamedTuple):
    """What to do with a notification at an attempt.

    ``action`` is ``"end"`` (log ``outcome`` under ``rule``; nothing is called), ``"call"``
    (call the interface), ``"cmdline"`` (run the command line instead, K3-K5) or
    ``"app_down"`` (the interface's application has gone: a failed call, I4).
    """

    action: str
    outcome: str | None
    rule: str | None
    detail: str = ""


#: The decision to call the interface (one object: the dispatcher tells it by identity).
CALL = Decision("call", None, None)
_DISABLE = int(NotifyFlags.DISABLE)
_FINAL = frozenset(state for state in JobState if state.is_final)
_WANTED = {method: int(flag) for method, flag in CALLBACK_FLAGS.items()}


def is_stale(note: Notification) -> bool:
    """C11: the event behind a pending notification no longer holds.

    job_transferred once the job has left that stay in TRANSFERRED, job_error once it has left
    that stay in ERROR, and anything for a job in a final state (model choice).
    """
    job = note.job
    if job.state in _FINAL:
        return True
    # A job-level notification is raised on entering its state; any change since ends it.
    return note.method in JOB_LEVEL and job.episode != note.episode


def cmdline_applies(note: Notification) -> bool:
    """K2: only job_transferred and job_error run the job's command line, if it has one."""
    return note.method in JOB_LEVEL and bool(note.job.get_notify_cmdline()[0])


def decide(note: Notification) -> Decision:
    """D1: stale, disabled, not_on_demand, filtered, no_interface, not_implemented, app_down,
    in that order; otherwise call the interface (or, K3-K5, run the command line)."""
    job = note.job
    if is_stale(note):
        return Decision("end", "stale", "C11", stale_detail(note))
    flags = int(job.get_notify_flags())  # F6: read now, at delivery
    if flags & _DISABLE:
        return Decision("end", "disabled", "F5", f"flags are {_flags(flags)}")
    if note.method == "file_ranges_transferred" and not job.get_property(
        JobProperty.ON_DEMAND_MODE
    ):
        return Decision("end", "not_on_demand", "R6", "the job is not in on-demand mode")
    if not flags & _WANTED[note.method]:
        return _filtered(flags, note.method)
    if note.via_cmdline and cmdline_applies(note):  # K4, K5: only the command line now
        return Decision("cmdline", None, "K5" if note.cmdline_ran else "K4")
    notifier = job.get_notify_interface()
    if notifier is None:
        if cmdline_applies(note):
            return Decision("cmdline", None, "K3", "no interface is registered")
        if note.method in JOB_LEVEL:
            return Decision("end", "no_interface", "I8", "no interface and no command line")
        why = "no interface (a command line serves only job_transferred and job_error, K2)"
        return Decision("end", "no_interface", "I8", why)
    try:
        method = getattr(notifier, note.method, None)
    except Exception as exc:  # a __getattr__ or property that raises: no method (I6)
        method = exc
    if not callable(method):
        what = f"{describe_target(notifier)} has no {note.method} method"
        if isinstance(method, Exception):
            what += f" (looking it up raised {type(method).__name__})"
        if cmdline_applies(note):
            return Decision("cmdline", None, "K3", what)
        return Decision("end", "not_implemented", "I6", what)
    down = app_down_detail(notifier)
    if down is not None:
        return Decision("app_down", "app_down", "I4", down)
    return CALL


_FILTERED: dict[tuple[int, str], Decision] = {}


def _filtered(flags: int, method: str) -> Decision:
    """F8: the decision for ``method`` under ``flags`` without its flag (one per pair, so
    the entries of a long log share its text)."""
    decision = _FILTERED.get((flags, method))
    if decision is None:
        wanted = CALLBACK_FLAGS[method].name
        detail = f"flags are {_flags(flags)}, without {wanted}"
        decision = _FILTERED[flags, method] = Decision("end", "filtered", "F8", detail)
    return decision


def describe_target(notifier: object) -> str:
    """How the log names a notifier: its class, and the app run that owns it (I4)."""
    name = type(notifier).__name__
    owner = owner_of(notifier) if isinstance(notifier, Notifier) else ""
    return f"{name} of {owner}" if owner else name


def app_down_detail(notifier: object) -> str | None:
    """I4: why calls into ``notifier`` fail (its app run has ended), or None if they do not."""
    if not isinstance(notifier, Notifier) or is_alive(notifier):
        return None
    app = notifier.app
    assert app is not None
    assert notifier.run is not None
    run = app.runs[notifier.run - 1]
    ended = f"{'crashed' if run.how == 'crash' else 'exited'} at {run.end:.2f} s"
    return f"RPC_S_SERVER_UNAVAILABLE: run {run.number} of app {app.name!r} {ended}"


def stale_detail(note: Notification) -> str:
    """C11: why a stale notification's event no longer holds, for the log."""
    state = note.job.state.name
    if note.job.state.is_final:
        return f"the job is {state}, a final state"
    want = "TRANSFERRED" if note.method == "job_transferred" else "ERROR"
    return f"the job left {want} (it is {state} now)"


def _flags(flags: int) -> str:
    return f"0x{int(flags):X}"
