"""Helpers shared by the widget tests: reading a job and its notifications' ends from a run,
and the check that an Explorer is a thin view over restart_story.
"""

from __future__ import annotations

import inspect
from typing import Any

from support import log_rows

import bitslab as bl
from bitslab.scenarios import restart_story
from bitslab.timeline import arrivals
from bitslab.widgets import Explorer

F = bl.NotifyFlags


#: restart_story's keyword arguments and their defaults, read from its signature: the
#: Explorer's controls stand for exactly these (``run`` aside).
STORY_DEFAULTS: dict[str, Any] = {
    name: parameter.default
    for name, parameter in inspect.signature(restart_story).parameters.items()
    if name != "run"
}


def thin_view(explorer: Explorer) -> bl.Simulation:
    """Check that the explorer is a thin view, and return its run: its settings are its
    controls', its run logs exactly what restart_story(**settings) run directly logs, and its
    rows are arrivals() of its run."""
    assert explorer.error is None
    assert explorer.settings == explorer.scenario_settings()
    assert set(explorer.settings) == set(STORY_DEFAULTS)
    sim = explorer.result
    assert isinstance(sim, bl.Simulation)
    direct = restart_story(**explorer.settings)
    assert log_rows(sim) == log_rows(direct)
    assert [(job.name, job.state) for job in sim.jobs] == [
        (job.name, job.state) for job in direct.jobs
    ]
    assert explorer.arrived == arrivals(sim)
    return sim
