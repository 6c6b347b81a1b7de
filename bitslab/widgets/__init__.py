"""Controls for notebooks (ipywidgets 8): thin views over scenarios and plots.

Each widget keeps its last result on an attribute, so it can be tested, and scripted, by
setting ``.value`` on its controls, with no browser.

- :class:`FlagPicker`: a checkbox per notify flag; ``.value`` is the int BITS would get
  (F1), shown in hex as BITS writes it; DISABLE visibly overrides the rest (F5).
- :class:`Explorer`: the restart story's controls (flags, crash and restart, re-register and
  poll on start, faults) wired to a re-run, showing the timeline, the outcome matrix and a
  table of what arrived and why; ``.result`` is the last simulation.
- :class:`Compare`: two explorers side by side and what ended differently between them.
"""

from __future__ import annotations

from .compare import Compare, Comparison
from .explorer import Explorer
from .flags import FlagPicker

__all__ = ["Compare", "Comparison", "Explorer", "FlagPicker"]
