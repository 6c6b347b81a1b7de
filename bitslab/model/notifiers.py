"""Notifiers: the application's side of IBackgroundCopyCallback (I4, I6, C5, C9).

:class:`Notifier` has the five callback methods, each a no-op that succeeds. Subclass it and
override what you need, or register any object that has some of the methods (duck typing:
a missing method is simply not called, I6). A method may be a generator function; BITS then
runs it as a SimPy process, so it can ``yield job.sim.env.timeout(2)`` to take simulated time
(C9), and its return value is its result (C5).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from .._check import check_instance, got, safe_text
from ..constants import NotifyFlags
from .apps import App

if TYPE_CHECKING:
    from .files import File
    from .jobs import Job, JobError

__all__ = [
    "CALLBACK_FLAGS",
    "Call",
    "Notifier",
    "RecordingNotifier",
    "is_alive",
    "is_callback_object",
    "owner_of",
]

#: Each callback method and the notify flag that lets it through (F1).
CALLBACK_FLAGS: dict[str, NotifyFlags] = {
    "job_transferred": NotifyFlags.JOB_TRANSFERRED,
    "job_error": NotifyFlags.JOB_ERROR,
    "job_modification": NotifyFlags.JOB_MODIFICATION,
    "file_transferred": NotifyFlags.FILE_TRANSFERRED,
    "file_ranges_transferred": NotifyFlags.FILE_RANGES_TRANSFERRED,
}


class Notifier:
    """Base class for notifiers; every method succeeds and does nothing.

    ``app``: the application whose current run owns this object. Once that run ends, calls
    into it fail (I4), even after the application starts again. With no ``app`` the object
    never dies.

    >>> import bitslab as bl
    >>> class Printer(bl.Notifier):
    ...     def job_transferred(self, job):
    ...         print(f"{job.name} is done")
    """

    #: Class-level defaults: a subclass whose ``__init__`` forgets ``super().__init__()`` is
    #: a notifier of no app (it never dies, I4), not an object that breaks BITS's calls.
    app: App | None = None
    run: int | None = None

    def __init__(self, app: App | None = None) -> None:
        if app is not None:
            check_instance("app", app, App, "an App from sim.add_app(), or None")
            if not app.running:
                raise ValueError(
                    f"app {app.name!r} is not running: a notifier belongs to a running app"
                )
        self.app = app
        self.run = app.run if app is not None else None

    @property
    def owner(self) -> str:
        """Who owns this object, as the log names it: ``"app 'downloader' run 1"``, or ``""``."""
        return owner_of(self)

    def __repr__(self) -> str:
        """``<RecordingNotifier of app 'downloader' run 1, dead>``: no memory address."""
        if self.app is None:
            return f"<{type(self).__name__}>"
        return f"<{type(self).__name__} of {self.owner}, {'alive' if self.alive else 'dead'}>"

    @property
    def alive(self) -> bool:
        """I4: False once the application run that made this object has ended."""
        return is_alive(self)

    def job_transferred(self, job: Job) -> Any:
        """C1: every file of ``job`` has transferred."""
        return None

    def job_error(self, job: Job, error: JobError) -> Any:
        """C2: ``job`` entered ERROR."""
        return None

    def job_modification(self, job: Job) -> Any:
        """C3: ``job`` changed: bytes, files, properties or state."""
        return None

    def file_transferred(self, job: Job, file: File) -> Any:
        """C4: ``file`` of ``job`` is complete."""
        return None

    def file_ranges_transferred(self, job: Job, file: File, ranges: list[tuple[int, int]]) -> Any:
        """R4: these ``(offset, length)`` ranges of ``file`` arrived since the last call."""
        return None


def is_callback_object(value: object) -> bool:
    """I1, N2: ``value`` is an object (not a class) with at least one of the five callback
    methods; a lookup that raises (a ``__getattr__`` that raises KeyError) counts as not
    having the method, as D1's own lookup does (I6)."""
    if isinstance(value, type) or value is None:
        return False
    for method in CALLBACK_FLAGS:
        try:
            if hasattr(value, method):
                return True
        except Exception:
            continue
    return False


def is_alive(notifier: Notifier) -> bool:
    """I4: whether the application run that made ``notifier`` is still running.

    BITS asks the world, not the object: this reads the app and run the notifier was made
    by, so a subclass that overrides ``alive`` (to lie, or to raise) changes nothing.
    """
    app, run = notifier.app, notifier.run
    return app is None or (run is not None and app.owns(run))


def owner_of(notifier: Notifier) -> str:
    """Who owns ``notifier``, as the log names it (read like :func:`is_alive`)."""
    app = notifier.app
    return "" if app is None else f"app {app.name!r} run {notifier.run}"


class Call(NamedTuple):
    """One call into a :class:`RecordingNotifier`."""

    time: float
    method: str
    job: Job
    file: File | None
    ranges: list[tuple[int, int]] | None


class RecordingNotifier(Notifier):
    """A notifier that records every call in ``.calls`` and succeeds unless told otherwise.

    ``returns`` maps a method name to what that method returns (``False`` or an HRESULT with
    bit 31 set is a failure, C5): one value, returned at every call, or a list or tuple of
    values used call by call, whose last value then repeats, so
    ``{"job_transferred": [False, False, True]}`` fails twice and then succeeds for good (the
    retries of C5 in a line). A list or tuple to be returned as it is goes inside a one-item
    list (``[[0]]``). Raises TypeError for ``returns`` that is not a dict or for a value
    that is an unordered or one-pass collection (a set, a dict, an iterator), and ValueError
    for an unknown method name or an empty list, naming the method.

    >>> import bitslab as bl
    >>> recorder = bl.RecordingNotifier(returns={"file_transferred": False})
    >>> recorder.returns["file_transferred"]
    False
    >>> flaky = bl.RecordingNotifier(returns={"job_transferred": [False, bl.S_OK]})
    >>> flaky.returns["job_transferred"]
    (False, 0)
    """

    def __init__(self, app: App | None = None, *, returns: dict[str, Any] | None = None) -> None:
        if returns is not None and not isinstance(returns, dict):
            raise TypeError(
                "returns must be None or a dict of method name to result, such as "
                f"{{'job_transferred': False}}; got {got(returns)}"
            )
        unknown = sorted(
            (safe_text(name) for name in returns or {} if name not in CALLBACK_FLAGS), key=str
        )
        if unknown:
            raise ValueError(
                f"returns names unknown methods {', '.join(unknown)}; methods are "
                f"{', '.join(CALLBACK_FLAGS)}"
            )
        answers = {name: _answers(name, value) for name, value in (returns or {}).items()}
        super().__init__(app)
        self.returns: dict[str, Any] = answers
        self.calls: list[Call] = []
        self._made: dict[str, int] = {}  # calls made so far, per method with a sequence

    def _record(
        self,
        method: str,
        job: Job,
        file: File | None = None,
        ranges: list[tuple[int, int]] | None = None,
    ) -> Any:
        self.calls.append(Call(job.sim.now, method, job, file, ranges))
        answer = self.returns.get(method)
        if not isinstance(answer, list | tuple):
            return answer
        made = self._made.get(method, 0)
        self._made[method] = made + 1
        return answer[min(made, len(answer) - 1)]  # the last one repeats

    def job_transferred(self, job: Job) -> Any:
        return self._record("job_transferred", job)

    def job_error(self, job: Job, error: JobError) -> Any:
        return self._record("job_error", job)

    def job_modification(self, job: Job) -> Any:
        return self._record("job_modification", job)

    def file_transferred(self, job: Job, file: File) -> Any:
        return self._record("file_transferred", job, file)

    def file_ranges_transferred(self, job: Job, file: File, ranges: list[tuple[int, int]]) -> Any:
        return self._record("file_ranges_transferred", job, file, list(ranges))


def _answers(method: str, value: object) -> object:
    """``returns[method]`` checked: one value, or a list or tuple of them kept as a tuple."""
    if isinstance(value, list | tuple):
        if not value:
            raise ValueError(
                f"returns[{method!r}] is an empty {type(value).__name__}: give one result, or a "
                "list of results used call by call (the last one repeats)"
            )
        return tuple(value)
    if isinstance(value, (set | frozenset | dict, Iterator)):  # unordered, or used up once
        raise TypeError(
            f"returns[{method!r}] must be one result or a list or tuple of results used call "
            f"by call; got a {type(value).__name__} (to return it as it is, put it in a "
            "one-item list)"
        )
    return value
