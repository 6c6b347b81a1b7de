"""A job's notification settings: flags (F1-F4), interface (I1-I3) and command line (K1, K7).

Each setter checks its argument's type first (TypeError), then the job's state, then the value,
and changes nothing when it fails.
"""

from __future__ import annotations

import enum
import re
from typing import TYPE_CHECKING

from .._check import check_int, got
from ..constants import (
    BG_E_STRING_TOO_LONG,
    E_NOTIMPL,
    NotifyFlags,
)
from ..errors import BitsError, InvalidArgumentError
from .lifecycle import require_live
from .notifiers import CALLBACK_FLAGS, Notifier, is_callback_object

if TYPE_CHECKING:
    from .jobs import Job

__all__ = [
    "DEFAULT_FLAGS",
    "FULL_PATH",
    "MAX_PARAMETERS",
    "MAX_PROGRAM",
    "VALID_FLAGS",
    "NotifySettings",
]

VALID_FLAGS = 0x3F  # F1
DEFAULT_FLAGS = NotifyFlags.JOB_TRANSFERRED | NotifyFlags.JOB_ERROR  # F2
MAX_PROGRAM = 260  # K1: MAX_PATH
MAX_PARAMETERS = 4000  # K1
FULL_PATH = re.compile(r"^([A-Za-z]:[\\/]|\\\\[^\\/]+[\\/]|/)")


class NotifySettings:
    """The notify flags, interface and command line of one job."""

    __slots__ = ("flags", "interface", "parameters", "program")

    def __init__(self) -> None:
        self.flags = DEFAULT_FLAGS  # a member, made when set: D1 reads it at every delivery (F6)
        self.interface: object | None = None  # I2
        self.program = ""  # K1: a new job returns ("", "")
        self.parameters = ""

    def set_flags(self, job: Job, flags: object) -> None:
        """F3, F4: bits outside 0x3F fail with E_NOTIMPL; a final job with BG_E_INVALID_STATE."""
        if isinstance(flags, enum.Enum) and not isinstance(flags, NotifyFlags):
            # JobState.TRANSFERRED is 6, which as flags is JOB_ERROR | DISABLE: refuse it.
            kind = type(flags).__name__
            raise TypeError(
                f"flags must be NotifyFlags or an int, got {kind}.{flags.name}: "
                f"a {kind} is not a set of notify flags"
            )
        value = check_int("flags", flags, enums=True)  # NotifyFlags, foreign enums refused above
        what = f"set_notify_flags(0x{value:X})" if value >= 0 else f"set_notify_flags({value})"
        require_live(job, what, "F4")
        if value < 0 or value & ~VALID_FLAGS:
            raise BitsError(
                f"{what} on job {job.name!r}: bits outside 0x{VALID_FLAGS:X} (F3)",
                E_NOTIMPL,
                rule="F3",
            )
        self.flags = NotifyFlags(value)

    def set_interface(self, job: Job, notifier: object | None) -> None:
        """I1, I3: the last caller wins; None removes; a final job fails."""
        if isinstance(notifier, type):  # Notifier, not Notifier(): its methods lack self
            raise TypeError(
                f"notifier must be an object, got the class {notifier.__name__} itself; "
                f"did you mean {notifier.__name__}()?"
            )
        if notifier is not None and not is_callback_object(notifier):
            raise TypeError(
                "notifier must be None or an object with at least one of the methods "
                f"{', '.join(CALLBACK_FLAGS)}; got {got(notifier)}"
            )
        app = notifier.app if isinstance(notifier, Notifier) else None
        if app is not None and app.sim is not job.sim:
            raise ValueError(
                f"notifier belongs to app {app.name!r} of another Simulation; job "
                f"{job.name!r} needs a notifier of an app of its own sim.add_app()"
            )
        require_live(job, "set_notify_interface()", "I3")
        self.interface = notifier

    def set_cmdline(self, job: Job, program: str | None, parameters: str | None) -> None:
        """K1, K7: a full path of at most 260 characters and parameters of at most 4000."""
        for name, value in (("program", program), ("parameters", parameters)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a str or None, got {got(value)}")
        what = f"set_notify_cmdline({program!r}, ...)"
        require_live(job, what, "K7")
        if program is None:
            if parameters is not None:
                raise InvalidArgumentError(
                    f"{what} on job {job.name!r}: parameters without a program (K1)", rule="K1"
                )
            self.program, self.parameters = "", ""
            return
        if not FULL_PATH.match(program):
            raise InvalidArgumentError(
                f"{what} on job {job.name!r}: the program must be a full path such as "
                r"C:\Tools\notify.exe, \\server\share\notify.exe or /usr/bin/notify (K1)",
                rule="K1",
            )
        for name, value, limit in (
            ("program", program, MAX_PROGRAM),
            ("parameters", parameters or "", MAX_PARAMETERS),
        ):
            if len(value) > limit:
                raise BitsError(
                    f"{what} on job {job.name!r}: {name} is {len(value)} characters, "
                    f"more than {limit} (K1)",
                    BG_E_STRING_TOO_LONG,
                    rule="K1",
                )
        self.program, self.parameters = program, parameters or ""
