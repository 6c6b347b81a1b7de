"""The delivery decision (D1): every outcome of a notification, and the rule behind it.

Each phase of a notification's life is one function that returns a :class:`Decision` (an
outcome, the rule, a detail, and what the dispatcher is to do next):

- :func:`when_raised`: folded into the one the job's limiter holds, or into the one it
  released that has not been called yet (C7), or on its way through the limiter (C7), the
  job's queue (C4) or straight to dispatch (C8);
- :func:`before_call`: at a delivery attempt, in D1's order: stale (C11), disabled (F5),
  not_on_demand (R6), filtered (F8), no_interface (I8), not_implemented (I6), app_down (I4),
  the command line (K3-K5), otherwise a call; without a live interface but with a callback
  CLSID, the class's object (N2, N3), or its activation first;
- :func:`after_activation` and :func:`activation_failed`: the class's server made an object
  and the attempt goes on with it (N2), or it could not (N4, a failed call);
- :func:`after_call`: delivered, or failed (C5), or the application died during the call
  (I4); a failure is not retried (C6), retried (C5), handed to the command line (K3, which
  decides D1 again), or ends stale (C11);
- :func:`after_cmdline`: the command line ran (K3-K5), or failed and is retried (K5);
- :func:`when_state_changed`: a pending notification whose event has passed (C11);
- :func:`when_service_stopped`: a call under way when the BITS service stops (P2).

Nothing here changes anything: the functions read the notification, the job's public state
and a call's result. The dispatcher carries the decisions out and the log records them.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Final, NamedTuple

from ..constants import GUID_NULL, JobProperty, JobState, NotifyFlags
from ..model.notifiers import Notifier, is_alive, owner_of
from ..vocabulary import Method, Outcome, Status
from .notification import TEXT

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..model.jobs import Job
    from .notification import Notification

__all__ = [
    "Action",
    "Decision",
    "Made",
    "activation_failed",
    "after_activation",
    "after_call",
    "after_cmdline",
    "before_call",
    "cmdline_applies",
    "describe_target",
    "is_stale",
    "retry_trigger",
    "when_raised",
    "when_service_stopped",
    "when_state_changed",
]

# Members read for every notification, bound once: on Python 3.11 reading a member off
# its enum class takes EnumType's slow attribute path (about 0.2 us a read).
_FILE_RANGES_TRANSFERRED = Method.FILE_RANGES_TRANSFERRED
_JOB_MODIFICATION = Method.JOB_MODIFICATION
_JOB_TRANSFERRED = Method.JOB_TRANSFERRED
_IN_FLIGHT = Status.IN_FLIGHT
_RUNNING = Status.RUNNING
#: C7: released and not called yet: in its C8 delay, waiting for a C9 slot or the service (P2)
_NOT_YET_CALLED = frozenset((Status.DELAYED, Status.READY, Status.SERVICE_DOWN))
_DELIVERED = Outcome.DELIVERED
_COALESCED = Outcome.COALESCED
_FILTERED = Outcome.FILTERED
#: Method.job_level, Method.retried and JobState.is_final as sets (a property call costs
#: three times a set's lookup, and delivery asks for every notification).
_JOB_LEVEL = frozenset(method for method in Method if method.job_level)
_RETRIED = frozenset(method for method in Method if method.retried)
_FINAL = frozenset(state for state in JobState if state.is_final)
#: Each method's flag as an int (``int & IntFlag`` calls IntFlag's Python-level ``__rand__``).
_BIT = {method: int(method.flag) for method in Method}


class Action:
    """What the dispatcher does with a :class:`Decision` (words internal to delivery: a
    plain class of strings, since reading a member off an enum class is slow on 3.11)."""

    LIMIT: Final = "limit"  # C7: the job's limiter sends it now or holds it
    QUEUE: Final = "queue"  # C4: it waits its turn in the job's queue
    DISPATCH: Final = "dispatch"  # C8: it goes to dispatch after its kind's delay
    END: Final = "end"  # write the final entry: the notification is over
    CALL: Final = "call"  # call the interface's method (C5)
    CMDLINE: Final = "run_command_line"  # run the job's command line (K3-K5); ``detail`` says why
    RETRY: Final = "retry"  # write a non-final entry, then try again after the retry delay
    THEN: Final = "then"  # write a non-final entry, then carry out ``then``
    ACTIVATE: Final = "activate"  # N2: have the CLSID's server make an object, then go on


class Decision(NamedTuple):
    """What was decided: ``outcome`` under ``rule`` (None for a delivery), with ``detail``
    for the log, and the ``action`` that carries it out. ``then`` is the decision that
    follows a non-final entry (:attr:`Action.THEN`); ``target`` names what was called when
    the decision itself knows it (I4: the interface whose application has gone)."""

    outcome: Outcome | None
    rule: str | None
    detail: str = ""
    action: str = Action.END
    then: Decision | None = None
    target: str | None = None
    callee: object = None  # N2: the object to call when it is not the job's interface
    into: Notification | None = None  # C7: the one a coalesced notification was folded into


class Made(NamedTuple):
    """N2: the callback object BITS made for a job from the class ``clsid``; the job keeps
    it until its application run ends, a new interface is set (N3) or the class changes."""

    clsid: uuid.UUID
    notifier: object


_LIMIT = Decision(None, "C7", action=Action.LIMIT)
_QUEUE = Decision(None, "C4", action=Action.QUEUE)
_DISPATCH = Decision(None, "C8", action=Action.DISPATCH)
_CALL = Decision(None, None, action=Action.CALL)
_DELIVERED_PLAIN = Decision(Outcome.DELIVERED, None)
_DISABLE = int(NotifyFlags.DISABLE)
_CLSID = JobProperty.NOTIFICATION_CLSID
_BUSY = (_IN_FLIGHT, _RUNNING)  # a call or a command line is under way


# -- when raised -------------------------------------------------------------------------


def when_raised(
    note: Notification, held: Notification | None = None, released: Notification | None = None
) -> Decision:
    """C7: a modification or range report is coalesced into ``held``, the modification the
    job's limiter holds, or into ``released``, the last one the limiter released (a range
    report: the last of its file), while that one has not been called: it waits for its C8
    delay, a C9 slot or the BITS service's return (P2); otherwise a modification goes through
    the limiter. C4: a file or job-level one waits its turn (not one for the command line
    alone, K4); C8: anything else goes to dispatch."""
    method = note.method
    if method is _JOB_MODIFICATION or method is _FILE_RANGES_TRANSFERRED:
        if held is None and released is not None and released.status in _NOT_YET_CALLED:
            held = released  # still on its way: it absorbs this one
        if held is not None:
            return Decision(_COALESCED, "C7", f"folded into #{held.id}", into=held)
        return _LIMIT if method is _JOB_MODIFICATION else _DISPATCH
    if method in _RETRIED and not note.via_cmdline:
        return _QUEUE
    return _DISPATCH


# -- before the call ---------------------------------------------------------------------


def is_stale(note: Notification) -> bool:
    """C11: the event behind a pending notification no longer holds.

    job_transferred once the job has left that stay in TRANSFERRED, job_error once it has left
    that stay in ERROR, and anything for a job in a final state (model choice).
    """
    lifecycle = note.job.lifecycle  # the job's state and episode (read at every decision)
    if lifecycle.state in _FINAL:
        return True
    # A job-level notification is raised on entering its state; any change since ends it.
    return note.method in _JOB_LEVEL and lifecycle.episode != note.episode


def cmdline_applies(note: Notification) -> bool:
    """K2: only job_transferred and job_error run the job's command line, if it has one."""
    return note.method in _JOB_LEVEL and bool(note.job.get_notify_cmdline()[0])


def before_call(
    note: Notification,
    via_cmdline: bool | None = None,
    made: Callable[[Job], Made | None] | None = None,
) -> Decision:
    """D1: stale (C11), disabled (F5), not_on_demand (R6), filtered (F8), no_interface (I8),
    not_implemented (I6), app_down (I4), in that order; otherwise call the interface, or run
    the command line (K3: no valid interface; K4, K5: only the command line is tried now).

    N2, N3: a job with a callback CLSID and no live interface calls the object made from that
    class for the job (``made(job)``, asked only then), while it lives; otherwise its class is
    activated first.
    ``via_cmdline`` overrides the notification's own (K3 decides again as if it were set).
    """
    job = note.job
    method = note.method
    if is_stale(note):
        return _stale(note)
    flags = int(job.get_notify_flags())  # F6: read now, at delivery
    if flags & _DISABLE:
        return Decision(Outcome.DISABLED, "F5", f"flags are {_flags(flags)}")
    if method is _FILE_RANGES_TRANSFERRED and not job.on_demand:
        return Decision(Outcome.NOT_ON_DEMAND, "R6", "the job is not in on-demand mode")
    if not flags & _BIT[method]:
        detail = f"flags are {_flags(flags)}, without {method.flag.name}"
        return Decision(_FILTERED, "F8", detail)
    if (note.via_cmdline if via_cmdline is None else via_cmdline) and cmdline_applies(note):
        why = ""  # K4, K5: only the command line now
        return Decision(None, "K5" if note.cmdline_ran else "K4", why, Action.CMDLINE)
    notifier = job.get_notify_interface()
    down = None if notifier is None else _app_down(notifier)
    if notifier is None or down is not None:  # no live interface (N3)
        clsid = job.get_property(_CLSID)
        if clsid != GUID_NULL:  # N2: the object made from the class, or the class's activation
            kept = None if made is None else made(job)
            if kept is None or kept.clsid != clsid or _app_down(kept.notifier) is not None:
                return Decision(None, "N2", "", Action.ACTIVATE)
            return _call_or_not(note, kept.notifier, f"via CLSID {{{clsid}}} (N2)", None)
    if notifier is None:
        if cmdline_applies(note):
            return Decision(None, "K3", "no interface is registered", Action.CMDLINE)
        if method.job_level:
            return Decision(Outcome.NO_INTERFACE, "I8", "no interface and no command line")
        why = "no interface (a command line serves only job_transferred and job_error, K2)"
        return Decision(Outcome.NO_INTERFACE, "I8", why)
    return _call_or_not(note, notifier, "", down)


def _call_or_not(note: Notification, notifier: object, route: str, down: str | None) -> Decision:
    """I6: ``notifier`` lacks the method; I4: its application run has ended (``down``, from
    :func:`_app_down`); otherwise call it (``route`` says how BITS came by it, when not
    through set_notify_interface)."""
    method = note.method
    try:
        # TEXT: the plain str (a str subclass as an attribute name misses the lookup cache)
        bound = getattr(notifier, TEXT[method], None)
    except Exception as exc:  # a __getattr__ or property that raises: no method (I6)
        bound = exc
    if not callable(bound):
        what = f"{describe_target(notifier)} has no {method} method"
        if isinstance(bound, Exception):
            what += f" (looking it up raised {type(bound).__name__})"
        if route:
            what = f"{route}: {what}"
        if cmdline_applies(note):
            return Decision(None, "K3", what, Action.CMDLINE)
        return Decision(Outcome.NOT_IMPLEMENTED, "I6", what)
    if down is not None:
        return _failed(note, Outcome.APP_DOWN, "I4", down, describe_target(notifier))
    if not route:
        return _CALL
    return Decision(None, None, route, Action.CALL, callee=notifier)


# -- activating a callback class (N2, N4) -----------------------------------------------


def after_activation(note: Notification, made: Made, route: str) -> Decision:
    """N2: the class's server made ``made.notifier``, and the attempt goes on with it: stale
    if the job moved on while the server started (C11), not_implemented if the object lacks
    the method (I6), otherwise the call. ``route`` says which application made it."""
    if is_stale(note):
        return _stale(note)
    return _call_or_not(note, made.notifier, route, _app_down(made.notifier))


def activation_failed(note: Notification, detail: str, target: str) -> Decision:
    """N4: no server is registered for the class, or it could not start or make the object:
    a failed call, retried as in C5, or handed to the command line (K3)."""
    return _failed(note, Outcome.FAILED, "N4", detail, target)


# -- after the call ----------------------------------------------------------------------


def after_call(
    note: Notification,
    callee: object,
    target: str,
    ok: bool,
    detail: str,
    runs_ended: bool,
    route: str = "",
) -> Decision:
    """C5: the call into ``callee`` (``target`` in the log) returned ``ok``: delivered, or a
    failure (see :func:`_failed`). I4: a call that returned success is a failure when
    ``callee``'s application run has ended since the call began (``runs_ended`` says some
    run has), as an RPC call into a process that ends fails. ``route`` (N2: the object came
    from a callback CLSID) leads the entry's detail."""
    if route:
        detail = f"{route}; {detail}" if detail else route
    if ok and runs_ended:
        died = _app_down(callee)
        if died is not None:
            return _failed(note, Outcome.APP_DOWN, "I4", f"{died}, during the call", target)
    if ok:
        return _DELIVERED_PLAIN if not detail else Decision(_DELIVERED, None, detail)
    return _failed(note, Outcome.FAILED, "C5", detail, target)


def _failed(note: Notification, outcome: Outcome, rule: str, detail: str, target: str) -> Decision:
    """What follows a failed call or a dead application (C5, I4): K3, the command line
    instead (D1 decided again, since the callback may have changed the flags, F5, F6);
    C5, I4, a retry; or the end: C6, not retried, or C11, no longer wanted."""
    if cmdline_applies(note):
        why = f"{note.method} {detail}"
        again = before_call(note, via_cmdline=True)
        if again.action == Action.CMDLINE:
            return Decision(None, "K3", f"called {target}: {why}", Action.CMDLINE)
        return Decision(Outcome.FAILED, "C5", why, Action.THEN, again, target)
    if note.method in _RETRIED:
        return _retry(note, outcome, rule, detail, target)
    if is_stale(note):
        return Decision(outcome, rule, detail, Action.THEN, _stale(note), target)
    return Decision(outcome, "C6" if outcome is Outcome.FAILED else rule, detail, target=target)


def after_cmdline(note: Notification, ran: Decision, ok: bool, what: str) -> Decision:
    """K3-K5: the command line that ``ran`` decided ran: ``cmdline`` under its rule, or
    (K5) a failure retried after the retry delay, unless its event has passed (C11)."""
    detail = f"{ran.detail}; {what}" if ran.detail else what
    if ok:
        return Decision(Outcome.CMDLINE, ran.rule, detail)
    return _retry(note, Outcome.FAILED, "K5", detail, None)


def _retry(
    note: Notification, outcome: Outcome, rule: str, detail: str, target: str | None
) -> Decision:
    """C5, K5: try again after the job's minimum retry delay; C11: unless the event has
    passed (the callback itself may have moved the job on)."""
    if is_stale(note):
        return Decision(outcome, rule, detail, Action.THEN, _stale(note), target)
    delay = note.job.minimum_retry_delay
    return Decision(outcome, rule, f"{detail}; retry in {delay:g} s", Action.RETRY, None, target)


def retry_trigger(note: Notification) -> str:
    """C5, K5: why the attempt after a retry delay is made (for the log's trigger)."""
    rule = "K5" if note.via_cmdline and cmdline_applies(note) else "C5"
    return f"the retry delay passed ({rule})"


# -- when the job's state changed --------------------------------------------------------


def when_state_changed(note: Notification) -> Decision | None:
    """C11: a pending notification whose event no longer holds ends stale, unless a call or
    a command line is under way (its result decides)."""
    if note.status in _BUSY or not is_stale(note):
        return None
    return _stale(note)


def _stale(note: Notification) -> Decision:
    """C11: the notification's event no longer holds."""
    job = note.job
    state = job.state.name
    if job.state.is_final:
        return Decision(Outcome.STALE, "C11", f"the job is {state}, a final state")
    want = "TRANSFERRED" if note.method is _JOB_TRANSFERRED else "ERROR"
    return Decision(Outcome.STALE, "C11", f"the job left {want} (it is {state} now)")


# -- when the BITS service stopped ---------------------------------------------------------


def when_service_stopped(note: Notification, target: str) -> Decision:
    """P2: a call under way into ``target`` when the BITS service stops is abandoned as a
    failed call: retried after the job's retry delay (C5), or at once when an interface is
    set; for job_modification and range reports not retried (C6); ended stale if its event
    has passed (C11)."""
    detail = "the BITS service stopped during the call, which was abandoned"
    if note.method in _RETRIED:
        return _retry(note, Outcome.FAILED, "P2", detail, target)
    if is_stale(note):
        return Decision(Outcome.FAILED, "P2", detail, Action.THEN, _stale(note), target)
    return Decision(Outcome.FAILED, "P2", f"{detail}; not retried (C6)", target=target)


# -- words for the log -------------------------------------------------------------------


def describe_target(notifier: object) -> str:
    """How the log names a notifier: its class, and the app run that owns it (I4)."""
    name = type(notifier).__name__
    owner = owner_of(notifier) if isinstance(notifier, Notifier) else ""
    return f"{name} of {owner}" if owner else name


def _app_down(notifier: object) -> str | None:
    """I4: why calls into ``notifier`` fail (its app run has ended), or None if they do not."""
    if not isinstance(notifier, Notifier) or is_alive(notifier):
        return None
    app = notifier.app
    assert app is not None
    assert notifier.run is not None
    run = app.runs[notifier.run - 1]
    ended = f"{'crashed' if run.how == 'crash' else 'exited'} at {run.end:.2f} s"
    return f"RPC_S_SERVER_UNAVAILABLE: run {run.number} of app {app.name!r} {ended}"


def _flags(flags: int) -> str:
    return f"0x{flags:X}"
