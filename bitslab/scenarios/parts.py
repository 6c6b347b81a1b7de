"""What the ready scenarios share: the mirror they download from, the notifier a real
downloader registers, the record of a call to BITS, and the checks of their arguments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from .._check import check_bool, check_number, got
from ..errors import BitsError
from ..model.jobs import Job
from ..model.notifiers import RecordingNotifier

__all__ = [
    "MIRROR",
    "NOTIFY_PROGRAM",
    "Action",
    "CompletingNotifier",
    "check_switches",
    "fault_window",
    "notify_program",
    "time_or_never",
]

MIRROR = "https://mirror.test/"
NOTIFY_PROGRAM = r"C:\Tools\notify.exe"


class CompletingNotifier(RecordingNotifier):
    """A recording notifier that does what a real downloader does on job_transferred: it
    acknowledges the job with ``complete()`` from inside the callback (C10)."""

    def job_transferred(self, job: Job) -> Any:
        result = super().job_transferred(job)
        job.complete()
        return result


class Action(NamedTuple):
    """Something an application or a scenario file asked of BITS: when, what, and ``"ok"``
    or the error's name (e.g. ``"BG_E_INVALID_RANGE"``)."""

    time: float
    what: str
    result: str

    @classmethod
    def attempt(cls, time: float, what: str, fn: Callable[[], object]) -> Action:
        """Call ``fn`` (a BITS call) and keep how it went; a BitsError is kept, not raised."""
        try:
            fn()
        except BitsError as error:
            return cls(time, what, error.name)
        return cls(time, what, "ok")


def time_or_never(name: str, value: float | None) -> float | None:
    """A scenario's time in seconds (at least 0), or None for never."""
    return None if value is None else check_number(name, value, minimum=0.0)


def check_switches(**values: object) -> None:
    """Each keyword is True or False: ``run="no"`` is not False."""
    for name, value in values.items():
        check_bool(name, value)


def fault_window(name: str, value: tuple[float, float] | None) -> tuple[float, float] | None:
    """A fault's ``(start, duration)``, checked; None stays None."""
    if value is None:
        return None
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise TypeError(f"{name} must be a (start, duration) pair or None, got {got(value)}")
    start = check_number(f"{name} start", value[0], minimum=0.0)
    duration = check_number(f"{name} duration", value[1], strictly_positive=True)
    return start, duration


def notify_program(job: Job, parameters: str) -> int:
    """``notify.exe``: ``/complete`` acknowledges the job, as Microsoft's page asks of a
    notification program (K3); ``/done`` only reports. It exits 0."""
    if parameters.split()[1:2] == ["/complete"]:
        job.complete()
    return 0
