"""Simulated command lines (K6): program paths mapped to Python handlers.

bitslab never starts an operating-system process. ``sim.register_program(path, handler)``
says what "running" ``path`` does: ``handler(job, parameters)`` returns the exit code. A path
that was never registered fails to launch, as a missing executable would.
"""

from __future__ import annotations

import ntpath
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._check import check_callable, check_str, safe_text
from ..model.settings import FULL_PATH

if TYPE_CHECKING:
    from ..model.jobs import Job

__all__ = ["Handler", "Programs", "path_key"]

Handler = Callable[["Job", str], Any]


def path_key(path: str) -> str:
    """Windows paths compare without case and with either slash; POSIX paths exactly."""
    return path if path.startswith("/") else ntpath.normcase(path)


class Programs:
    """The simulated programs a command line can name (K6)."""

    def __init__(self, interrupted: Callable[[], None] = lambda: None) -> None:
        self._handlers: dict[str, tuple[str, Handler]] = {}
        self._interrupted = interrupted  # told when a handler raises KeyboardInterrupt

    def register(self, path: str, handler: Handler) -> None:
        """K6: running ``path`` calls ``handler(job, parameters)``; a later call replaces it."""
        check_str("path", path)
        check_callable("handler", handler)
        if not FULL_PATH.match(path):
            raise ValueError(
                f"path must be a full path such as C:\\Tools\\notify.exe or /usr/bin/notify "
                f"(K1), got {path!r}"
            )
        self._handlers[path_key(path)] = (path, handler)

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and path_key(path) in self._handlers

    def run(self, job: Job, program: str, parameters: str) -> tuple[bool, str]:
        """K5, K6: run the command line; ``(succeeded, what happened)``.

        Success is exit code 0. An unknown program fails to launch; a handler that raises or
        returns something other than an int counts as a failed run.
        """
        entry = self._handlers.get(path_key(program))
        if entry is None:
            return False, f"{program} failed to launch: no such program (K6)"
        try:
            code = entry[1](job, parameters)
        except (Exception, KeyboardInterrupt) as exc:  # a failed run, never a crash; Ctrl-C
            if isinstance(exc, KeyboardInterrupt):  # in it stops the run once this event ends
                self._interrupted()
            message = safe_text(exc, limit=100, use_str=True)
            return False, f"{program} crashed: {type(exc).__name__}: {message}"
        if isinstance(code, bool) or not isinstance(code, int):
            return False, f"{program} returned {safe_text(code)}, not an exit code"
        return code == 0, f"{program} exited {code}"
