"""Activating a job's callback class (N2, N4): BITS has the class's server make an object.

When a job has a NOTIFICATION_CLSID and no interface that can still be called, D1 decides to
activate the class (:data:`~bitslab.delivery.decision.Action.ACTIVATE`). The attempt holds
one of the four slots meanwhile (C9). :class:`Activations` looks the class's server up, starts
its application if it is not running (after ``server_start_delay``: a new run, whose on_start
functions run), and calls its factory; then it hands the attempt back with what D1 decides
next: :func:`~bitslab.delivery.decision.after_activation` (the call into the new object) or
:func:`~bitslab.delivery.decision.activation_failed` (N4). It keeps, per job, the object made
for it (N2), until the job's interface is set (N3), the job is final or the service stops
(P2).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..constants import CO_E_SERVER_EXEC_FAILURE, REGDB_E_CLASSNOTREG, JobProperty, hresult_name
from ..model.notifiers import is_callback_object
from .calls import CAUGHT, describe_raised
from .decision import Decision, Made, activation_failed, after_activation

if TYPE_CHECKING:
    from ..model.agenda import Agenda
    from ..model.apps import App
    from ..model.jobs import Job
    from ..model.servers import Server, Servers
    from .attempts import Attempt

__all__ = ["Activations"]

#: Where an activation's attempt goes when it is over: the attempt, and what D1 decided.
Done = Callable[["Attempt", Decision], None]

_NOT_STARTED = hresult_name(CO_E_SERVER_EXEC_FAILURE)


class Activations:
    """N2: the objects made from jobs' callback classes, and the activations under way."""

    def __init__(self, agenda: Agenda, servers: Servers, start_delay: float) -> None:
        self._agenda = agenda
        self._servers = servers
        self._start_delay = start_delay  # N2: how long a server's application takes to start
        self._made: dict[Job, Made] = {}
        self._starting: dict[App, float] = {}  # N2: when each server starting now is up

    def made(self, job: Job) -> Made | None:
        """N2: the object made for ``job`` from its class, if one was (alive or not)."""
        return self._made.get(job)

    def forget(self, job: Job) -> None:
        """N3: the object made for ``job`` is used no more (an interface was set, or the job
        is final)."""
        self._made.pop(job, None)

    def forget_all(self) -> None:
        """P2: the service stopped: BITS holds no callback object any more, and the starts
        it asked for were abandoned with their attempts."""
        self._made.clear()
        self._starting.clear()

    def activate(self, attempt: Attempt, done: Done) -> None:
        """N2: have the class of ``attempt``'s job make an object (N4: or fail); ``done``
        gets the attempt back with what follows."""
        note = attempt.note
        clsid = note.job.get_property(JobProperty.NOTIFICATION_CLSID)
        assert isinstance(clsid, uuid.UUID)
        attempt.target = f"CLSID {{{clsid}}}"
        server = self._servers.get(clsid)
        if server is None:
            what = f"{hresult_name(REGDB_E_CLASSNOTREG)}: no server is registered for the class"
            done(attempt, activation_failed(note, what, attempt.target))
        elif server.app.running:
            self._make(attempt, clsid, server, False, done)
        else:  # one start per server: an activation while it starts waits for the same start
            app = server.app
            now = self._agenda.now()
            when = self._starting.get(app)
            if when is None or when <= now:
                when = self._starting[app] = now + self._start_delay
            start = self._agenda.at(when, self._start, attempt, clsid, server, done)
            note.set_timer(start)  # cancelled if the attempt is abandoned meanwhile (P2)

    def _start(self, attempt: Attempt, clsid: uuid.UUID, server: Server, done: Done) -> None:
        """N2: the server's application starts now (a new run, whose on_start functions run),
        unless something started it meanwhile; a start that raises is N4's failure."""
        app = server.app
        self._starting.pop(app, None)  # the start is due now, whoever comes first
        started = not app.running
        if started:
            try:
                app.start()
            except CAUGHT as exc:  # an on_start function raised: the class was never served
                what = (
                    f"{_NOT_STARTED}: app {app.name!r} started run {app.run}, but never served "
                    f"the class: an on_start function {describe_raised(exc)}"
                )
                assert attempt.target is not None
                done(attempt, activation_failed(attempt.note, what, attempt.target))
                return
        self._make(attempt, clsid, server, started, done)

    def _make(
        self, attempt: Attempt, clsid: uuid.UUID, server: Server, started: bool, done: Done
    ) -> None:
        """N2: the server's factory makes the object and the attempt goes on with it (N4: a
        factory that raises or returns no callback object fails the attempt)."""
        app, note = server.app, attempt.note
        assert attempt.target is not None
        try:
            made = server.factory(app)
        except CAUGHT as exc:
            what = f"{_NOT_STARTED}: the factory of app {app.name!r} {describe_raised(exc)}"
            done(attempt, activation_failed(note, what, attempt.target))
            return
        if not is_callback_object(made):
            what = (
                f"{_NOT_STARTED}: the factory of app {app.name!r} returned "
                f"{type(made).__name__}, not an object with a callback method"
            )
            done(attempt, activation_failed(note, what, attempt.target))
            return
        self._made[note.job] = record = Made(clsid, made)
        run = f"app {app.name!r} run {app.run}"
        how = f"started {run}" if started else f"{run} made the object"
        done(attempt, after_activation(note, record, f"via CLSID {{{clsid}}}: {how} (N2)"))
