"""Where a command writes: its account on stdout, the progress bar and errors on stderr."""

from __future__ import annotations

from typing import TextIO

from ..model.jobs import Job
from ..rulebook import rules
from ..simulation import Simulation
from ..views.explain import explain
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

    def heading(self, text: str) -> None:
        """A command's first line, in bold."""
        self.write(self.style.paint(text, "bold"))

    def explain(self, sim: Simulation, job: Job | None = None) -> None:
        """``sim.log.explain(job)`` with its outcomes in their colours, and a blank line."""
        self.write(explain(sim.log, sim.log.pending(job), job, style=self.style) + "\n")

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
