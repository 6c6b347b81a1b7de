"""Exercise "calm-progress": the minimum notification interval (C7)."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterator
from typing import Any

from ..constants import JobProperty, JobState, NotifyFlags
from ..model.notifiers import RecordingNotifier
from ..simulation import Simulation
from ..vocabulary import Method
from .base import MIRROR, Exercise, Malformed, Point, delivered, whole_number

# --- 7. a calm progress bar -----------------------------------------------------------------


class CalmProgress(Exercise):
    id = "calm-progress"
    title = "A calm progress bar"
    rules = ("C3", "C7")
    answer_form = "an int: MINIMUM_NOTIFICATION_INTERVAL_MS, in milliseconds"
    form_hint = "a whole number of milliseconds, e.g. 1500"
    task = (
        "An app draws a progress bar from job_modification calls while job 'video' downloads\n"
        "20 MB (about 20 s). Redrawing more often than every 2 s makes it flicker; fewer than\n"
        "8 updates during the download looks frozen. Set the job's minimum notification\n"
        "interval so that neither happens."
    )
    spacing = 2.0
    fewest = 8

    def _parse(self, answer: Any) -> int:
        if isinstance(answer, enum.Enum):
            raise Malformed(
                f"the interval must be an int of milliseconds, got {type(answer).__name__}."
                f"{answer.name}: that names the property; the answer is its value"
            )
        return whole_number(answer, "the interval must be an int of milliseconds")

    def _world(self, answer: int | None, raise_own: bool = False) -> Simulation:
        sim = Simulation(seed=0, bandwidth=1_000_000)
        app = sim.add_app("player")
        video = sim.create_job("video")
        video.add_file(MIRROR + "video.mp4", "video.mp4", size=20_000_000)
        video.set_notify_flags(NotifyFlags.JOB_TRANSFERRED | NotifyFlags.JOB_MODIFICATION)
        if answer is not None:
            video.set_property(JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, answer)
        video.set_notify_interface(RecordingNotifier(app))
        video.resume()
        sim.run()
        return sim

    def _judge(self, sim: Simulation, answer: int) -> Iterator[Point]:
        (video,) = sim.jobs
        times = [e.time for e in delivered(sim, video, Method.JOB_MODIFICATION)]
        end = next(c.time for c in video.history if c.new is JobState.TRANSFERRED)
        during = [t for t in times if t <= end]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        closest = min(gaps, default=float("inf"))
        if closest >= self.spacing - 1e-9:
            yield Point(
                True,
                f"updates at least {self.spacing:g} s apart: BITS folds the ones between (C7)",
            )
        else:
            yield Point(
                False,
                f"two updates came {_below(closest, self.spacing)} s apart, less than "
                f"{self.spacing:g} s: the bar flickers",
                "BITS folds modifications raised within the interval into one (C7): in what "
                "unit is the interval?"
                if closest < self.spacing / 2
                else "updates come no closer than the interval (C7), and yours is a little short "
                f"of {self.spacing:g} s",
            )
        if len(during) >= self.fewest:
            yield Point(True, f"{len(during)} updates while the job ran (at least {self.fewest})")
        else:
            yield Point(
                False,
                f"only {len(during)} updates while the job ran: the bar looks frozen",
                f"the download takes about {end:.0f} s: "
                f"how far apart can {self.fewest} updates be?",
            )


def _below(value: float, limit: float) -> str:
    """``value`` with as many decimals as it takes to show it below ``limit`` (1.999, not 2.00)
    and, if it is not 0, above 0 (0.002, not 0.00: 2 ms, where 2 s was meant)."""
    for decimals in range(2, 10):
        text = f"{value:.{decimals}f}"
        if float(text) < limit and (float(text) > 0 or value == 0):
            return text
    return repr(value)
