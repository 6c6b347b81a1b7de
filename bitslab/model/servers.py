"""Callback class IDs and the applications that serve them (N1, N2, N4).

A job's NOTIFICATION_CLSID names a COM class; an application registers itself as that class's
out-of-process server with :meth:`bitslab.App.register_server`. The registrations are the
machine's, like the registry keys an installer writes: they outlive every run of the
application and every restart of the BITS service (N5). When BITS needs a callback object and
the job has no live interface (N2, N3), delivery looks the class up here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from ..constants import GUID_NULL

if TYPE_CHECKING:
    from .apps import App

__all__ = ["Server", "Servers"]

#: What makes a callback object: called with the server's application, it returns the object.
Factory = Callable[["App"], object]


class Server(NamedTuple):
    """N2: the application registered as a class's server, and what makes its objects."""

    app: App
    factory: Factory


class Servers:
    """The machine's class registrations: each CLSID's out-of-process server (N2).

    Registering a class again replaces its server, as writing the registry key again does
    (model choice: the last registration wins).
    """

    __slots__ = ("_by_clsid",)

    def __init__(self) -> None:
        self._by_clsid: dict[uuid.UUID, Server] = {}

    def register(self, clsid: uuid.UUID, app: App, factory: Factory) -> None:
        """N2: ``app`` serves ``clsid``; ``factory(app)`` makes its callback objects."""
        if clsid == GUID_NULL:
            raise ValueError("clsid must not be GUID_NULL: GUID_NULL means no class (N1)")
        self._by_clsid[clsid] = Server(app, factory)

    def get(self, clsid: uuid.UUID) -> Server | None:
        """N4: the server of ``clsid``, or None when no application registered it."""
        return self._by_clsid.get(clsid)

    def __len__(self) -> int:
        return len(self._by_clsid)
