"""The network: one link, connection latency, outages, server failures and other traffic.

The network only describes the world; the scheduler reacts to it. Outages (L4) and server
failures (L5, L7) are scheduled intervals; other traffic takes bandwidth that background jobs
yield (S5). ``shares`` is the one place that splits the link's bandwidth.
"""

from __future__ import annotations

import math
from http import HTTPStatus
from typing import TYPE_CHECKING, NamedTuple, Protocol

from .._check import check_int, check_number, check_str

if TYPE_CHECKING:
    from .agenda import Agenda

__all__ = ["Failure", "Network", "Span", "TrafficSpan"]

#: The URLs a job's file can have (add_file refuses others): a failure for any other URL
#: could never match a request, so it is refused rather than silently ignored.
URL_PREFIXES = ("http://", "https://", "file://", "\\\\")


class Span(NamedTuple):
    """An interval of simulated time, ``end`` excluded."""

    start: float
    end: float


class Failure(NamedTuple):
    """Requests for ``url`` (exact, or a prefix ending in ``/``) get ``status`` in [start, end)."""

    url: str
    status: int
    start: float
    end: float  # math.inf when the server never recovers

    def matches(self, url: str) -> bool:
        """True when a request for ``url`` is covered by this failure."""
        if self.url.endswith("/"):
            return url.startswith(self.url)
        return url == self.url

    @property
    def fatal(self) -> bool:
        """4xx is fatal (L7), 5xx transient (L5): a model choice."""
        return 400 <= self.status < 500

    @property
    def reason(self) -> str:
        """L15: the status and its reason phrase, ``"HTTP 404 Not Found"`` (only ``"HTTP
        499"`` for a status that has no standard phrase)."""
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            return f"HTTP {self.status}"
        return f"HTTP {self.status} {phrase}"


class TrafficSpan(NamedTuple):
    """Other traffic of ``bandwidth`` bytes per second in [start, end) (S5)."""

    start: float
    end: float
    bandwidth: float


class NetworkListener(Protocol):
    """What the network tells the scheduler."""

    def on_disconnect(self) -> None: ...
    def on_reconnect(self) -> None: ...
    def on_bandwidth_change(self) -> None: ...
    def on_failure(self, failure: Failure) -> None: ...


class Network:
    """The simulated link between this machine and every server.

    Made by :class:`~bitslab.Simulation`; reach it as ``sim.network``.

    >>> import bitslab as bl
    >>> sim = bl.Simulation()
    >>> sim.network.outage(start=30.0, duration=60.0)
    >>> sim.network.fail("https://example.test/missing.bin", 404)
    >>> sim.network.traffic(start=0.0, duration=120.0, bandwidth=800_000)
    """

    def __init__(self, agenda: Agenda, bandwidth: float, latency: float, trickle: float) -> None:
        self._agenda = agenda
        self.bandwidth = bandwidth
        self.latency = latency
        self.trickle = trickle
        self.outages: list[Span] = []
        self.failures: list[Failure] = []
        self.traffic_spans: list[TrafficSpan] = []
        self._down = 0
        self._bridged = 0  # outages ending just as another begins: the network stays down
        self._other_traffic = 0.0
        self._listener: NetworkListener  # set by listen(), before anything can happen

    def listen(self, listener: NetworkListener) -> None:
        """Tell ``listener`` (the scheduler) of every disconnect, reconnect, failure and change
        of other traffic."""
        self._listener = listener

    # -- what the world looks like now ---------------------------------------------------

    @property
    def connected(self) -> bool:
        """False while any outage is in force (L4)."""
        return self._down == 0 and not self._bridged

    @property
    def other_traffic(self) -> float:
        """Bytes per second that other traffic asks for right now (S5)."""
        return self._other_traffic

    def status_for(self, url: str) -> Failure | None:
        """The failure that answers a request for ``url`` now, or None when the server is fine.

        An exact URL wins over a prefix, a longer prefix over a shorter one, and among equals
        the failure added last.
        """
        now = self._agenda.now()
        best: Failure | None = None
        best_key = (False, -1)
        for failure in self.failures:
            if failure.start <= now < failure.end and failure.matches(url):
                key = (not failure.url.endswith("/"), len(failure.url))
                if key >= best_key:
                    best, best_key = failure, key
        return best

    def shares(self, foreground: int, background: bool) -> tuple[float, float]:
        """S5: bytes per second for each foreground job and for the one background job.

        Foreground jobs and other traffic share the link max-min fairly (model choice); a
        background job gets what they leave idle, never less than the trickle.
        """
        link = self.bandwidth
        traffic = self._other_traffic
        if foreground == 0:
            return 0.0, max(link - traffic, link * self.trickle) if background else 0.0
        background_rate = link * self.trickle if background else 0.0
        available = link - background_rate
        if traffic <= 0.0:
            return available / foreground, background_rate
        fair = available / (foreground + 1)
        if traffic < fair:
            return (available - traffic) / foreground, background_rate
        return fair, background_rate

    # -- scripting the world -------------------------------------------------------------

    def outage(self, start: float, duration: float) -> None:
        """Take the network down in [start, start + duration) (L4).

        Jobs that are queued, connecting or transferring move to TRANSIENT_ERROR with
        BG_E_NETWORK_DISCONNECTED and back to QUEUED when the network returns. Outages may
        overlap; the network is down while any of them is in force.
        """
        begin, end = self._interval(start, duration, required=True)
        self.outages.append(Span(begin, end))
        self._agenda.at(begin, self._outage_begins)
        self._agenda.at(end, self._outage_ends)

    def fail(
        self, url: str, status: int, start: float = 0.0, duration: float | None = None
    ) -> None:
        """Answer requests for ``url`` with HTTP ``status`` in [start, start + duration).

        ``url`` is exact, or a prefix when it ends in ``/``. 4xx statuses are fatal (the job
        moves to ERROR, L7); 5xx are transient (TRANSIENT_ERROR and a retry, L5). ``duration``
        None means until the end of the simulation. A failure that starts while a matching
        file is transferring stops that transfer at once.
        """
        check_str("url", url)
        if not url.lower().startswith(URL_PREFIXES):
            raise ValueError(
                "url must be an http://, https://, file:// or \\\\server\\share URL (or a prefix "
                f"of one, ending in /): no file could have {url!r}"
            )
        check_int("status", status, enums=True)  # HTTPStatus.NOT_FOUND is welcome
        if not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error status from 400 to 599, got {status}")
        begin, end = self._interval(start, duration, required=False)
        failure = Failure(url, status, begin, end)
        self.failures.append(failure)
        self._agenda.at(begin, self._failure_begins, failure)

    def traffic(self, start: float, duration: float, bandwidth: float) -> None:
        """Other traffic of ``bandwidth`` bytes per second in [start, start + duration) (S5)."""
        amount = check_number("bandwidth", bandwidth, strictly_positive=True)
        begin, end = self._interval(start, duration, required=True)
        self.traffic_spans.append(TrafficSpan(begin, end, amount))
        self._agenda.at(begin, self._change_traffic, amount)
        self._agenda.at(end, self._change_traffic, -amount)

    # -- internals -----------------------------------------------------------------------

    def _interval(
        self, start: float, duration: float | None, *, required: bool
    ) -> tuple[float, float]:
        """Check ``start`` and ``duration``; the part of the interval before now is dropped."""
        begin = check_number("start", start, minimum=0.0)
        if duration is None and not required:
            length = math.inf
        else:
            length = check_number("duration", duration, strictly_positive=True)
        end = begin + length
        now = self._agenda.now()
        if end <= now:
            raise ValueError(
                f"start={start!r}, duration={duration!r} ends at {end:g}, "
                f"before the current time {now:g}"
            )
        return max(begin, now), end

    def _outage_begins(self) -> None:
        self._down += 1
        if self._bridged:  # L4: the network never came up between the two outages
            self._bridged -= 1
        elif self._down == 1:
            self._listener.on_disconnect()

    def _outage_ends(self) -> None:
        """L4: the last outage in force ends: reconnect, unless another begins at this very
        moment ([15, 25) then [25, 30) is one down time, not a reconnection at 25 s)."""
        self._down -= 1
        if self._down == 0:
            now = self._agenda.now()
            if any(span.start == now < span.end for span in self.outages):
                self._bridged += 1  # that outage has not begun yet, or _down would be > 0
            else:
                self._listener.on_reconnect()

    def _failure_begins(self, failure: Failure) -> None:
        self._listener.on_failure(failure)

    def _change_traffic(self, delta: float) -> None:
        self._other_traffic = max(0.0, self._other_traffic + delta)
        self._listener.on_bandwidth_change()
