"""The command line's looks: colour and a progress bar on a terminal, plain text when piped.

Colour follows the usual conventions: on when the stream is a terminal, off when it is piped
or redirected, when ``NO_COLOR`` is set (no-color.org) or when ``TERM`` is ``dumb``;
``FORCE_COLOR`` turns it on anyway; ``--color always|never`` overrides them all.
"""

from __future__ import annotations

import os
import re
from typing import TextIO

from ..constants import BG_SIZE_UNKNOWN, JobState
from ..simulation import Simulation
from ..vocabulary import PENDING, Outcome
from .palette import outcome_colour

__all__ = ["ProgressBar", "Style", "printable", "wants_colour"]

_RESET = "\033[0m"
_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}

#: The colour of a job state: done is green, failed red, waiting yellow.
STATE_COLOURS = {
    JobState.TRANSFERRED: "green",
    JobState.ACKNOWLEDGED: "green",
    JobState.ERROR: "red",
    JobState.CANCELLED: "red",
    JobState.TRANSIENT_ERROR: "yellow",
    JobState.SUSPENDED: "yellow",
}
#: The colour of a notification's outcome: arrived is green, lost red, left out dim.
OUTCOME_COLOURS = {
    str(word): colour.terminal
    for word in (*Outcome, PENDING)
    if (colour := outcome_colour(word)) is not None
}


#: Characters a terminal would act on rather than show: C0 controls but newline and tab,
#: DEL, C1 controls, bidirectional overrides and isolates, and lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
#: The escape sequences :class:`Style` writes, and only those.
_OWN = re.compile("(\x1b\\[(?:[0-9]+;)*[0-9]+m)")


def printable(text: str, *, colour: bool = False) -> str:
    """``text`` with every character a terminal would act on shown as an escape
    (``"a\\x1b[2Jb"``), so that text from a scenario file or a callback cannot move the
    cursor, clear the screen or retitle the window. With ``colour``, the SGR colour codes
    :class:`Style` writes are kept.

    >>> print(printable("title\x1b]0;owned\x07 ok"))
    title\\x1b]0;owned\\x07 ok
    """
    parts = _OWN.split(text) if colour else [text]
    return "".join(
        part if index % 2 else _UNSAFE.sub(_escape, part) for index, part in enumerate(parts)
    )


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def wants_colour(stream: TextIO, choice: str = "auto") -> bool:
    """Whether to colour what goes to ``stream``: ``choice`` is auto, always or never."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return _is_terminal(stream) and os.environ.get("TERM") != "dumb"


class Style:
    """Paints text with ANSI colours, or leaves it alone when colour is off.

    >>> Style(False).paint("TRANSFERRED", "green")
    'TRANSFERRED'
    >>> Style(True).paint("TRANSFERRED", "green")
    '\\x1b[32mTRANSFERRED\\x1b[0m'
    """

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def paint(self, text: str, *styles: str) -> str:
        if not self.colour or not styles:
            return text
        codes = ";".join(_CODES[style] for style in styles)
        return f"\033[{codes}m{text}{_RESET}"

    def state(self, state: JobState, text: str | None = None) -> str:
        """A job state's name (or ``text``), in its state's colour."""
        word = state.name if text is None else text
        colour = STATE_COLOURS.get(state)
        return self.paint(word, colour) if colour else word

    def outcome(self, outcome: str, text: str | None = None) -> str:
        """A notification outcome (or ``text``), in its outcome's colour."""
        colour = OUTCOME_COLOURS.get(outcome)
        word = outcome if text is None else text
        return self.paint(word, colour) if colour else word


class ProgressBar:
    """A one-line bar of bytes transferred, redrawn in place, for ``sim.run(progress=...)``.

    It draws only on a terminal, and erases itself when the run is over, so what is printed
    after it starts on a clean line.
    """

    WIDTH = 28

    def __init__(self, stream: TextIO, *, enabled: bool | None = None) -> None:
        self.stream = stream
        self.enabled = _is_terminal(stream) if enabled is None else enabled
        self.drawn = False

    def __call__(self, sim: Simulation) -> None:
        if not self.enabled:
            return
        moved = total = 0
        for job in sim.jobs:
            for file in job.files:
                size = file.progress.bytes_total
                if size > 0 and size != BG_SIZE_UNKNOWN:  # a size not yet learnt counts as 0
                    moved += file.progress.bytes_transferred
                    total += size
        share = moved / total if total else 1.0
        filled = round(share * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {share:4.0%} of {total:,} bytes at {sim.now:9.2f} s")
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        """Erase the bar (a no-op if nothing was drawn)."""
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn = False
