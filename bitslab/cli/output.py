"""Where a command writes: its account on stdout, the progress bar and errors on stderr."""

from __future__ import annotations

from typing import TextIO

from ..rulebook import rules
from ..simulation import Simulation
from ..views.terminal import ProgressBar, Style, printable, wants_colour

__all__ = ["Output"]


class Output:
    """Where a command writes: ``out`` for its account, ``err`` for the bar and errors."""

    def __init__(self, out: TextIO, err: TextIO, colour: str) -> None:
        self.out = out
        self.err = err
        self.style = Style(wants_colour(out, colour))
        self.bar = ProgressBar(err)

    def write(self, text: str = "") -> None:
        self.out.write(printable(text, colour=self.style.colour) + "\n")

    def error(self, text: str) -> None:
        """One line on stderr: ``error: ...``, with no control character left raw."""
        self.err.write("error: " + printable(" ".join(text.split())) + "\n")

    def rules(self, cited: set[str]) -> None:
        self.write("The rules cited above (python -m bitslab rules ID says more):")
        for rule in rules.values():
            if rule.id in cited:
                self.write(f"  {rule}")

    def run(self, sim: Simulation, until: float | None = None) -> None:
        try:
            sim.run(until=until, progress=self.bar)
        finally:
            self.bar.clear()
