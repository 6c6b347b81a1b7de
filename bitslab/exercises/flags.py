"""Exercise "every-file": choose notify flags (F1, F5, F8, C3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..constants import JobPriority, NotifyFlags
from ..model.notifiers import RecordingNotifier
from ..simulation import Simulation
from ..vocabulary import Method
from .base import MIRROR, Exercise, Point, delivered, plural, whole_number, why_not

# --- 1. every file, no progress ------------------------------------------------------------


class EveryFile(Exercise):
    id = "every-file"
    title = "Every file, no progress"
    rules = ("F1", "F2", "F5", "F8", "C3", "C4")
    answer_form = "the notify flags: an int, or NotifyFlags members joined by |"
    form_hint = "notebook 02 has a table of the flags (F1)"
    task = (
        "The app 'downloader' has two jobs: 'updates' (three files) and 'catalog' (one file the\n"
        "server does not have: 404). It registers one notifier on both. Choose the notify flags\n"
        "(the same for both jobs) so that the app hears about every file as it arrives, about the\n"
        "end of each job, whether it transferred or failed, and is never woken for progress."
    )

    def _parse(self, answer: Any) -> int:
        return whole_number(answer, "flags must be an int or bl.NotifyFlags")

    def _world(self, answer: int | None, raise_own: bool = False) -> Simulation:
        sim = Simulation(seed=0, bandwidth=1_000_000)
        app = sim.add_app("downloader")
        updates = sim.create_job("updates")
        for name in ("kb1.cab", "kb2.cab", "kb3.cab"):
            updates.add_file(MIRROR + name, name, size=2_000_000)
        catalog = sim.create_job("catalog", priority=JobPriority.LOW)
        catalog.add_file(MIRROR + "catalog.xml", "catalog.xml", size=500_000)
        sim.network.fail(MIRROR + "catalog.xml", 404)  # L7: fatal
        notifier = RecordingNotifier(app)
        for job in (updates, catalog):
            if answer is not None:
                job.set_notify_flags(answer)
            job.set_notify_interface(notifier)
            job.resume()
        sim.run()
        return sim

    def _judge(self, sim: Simulation, answer: int) -> Iterator[Point]:
        updates, catalog = sim.jobs
        silenced = bool(answer & NotifyFlags.DISABLE)
        files = delivered(sim, updates, Method.FILE_TRANSFERRED)
        if len(files) == 3:
            yield Point(True, "every file_transferred arrived: 3 of 3 (C4)")
        else:
            why = why_not(sim, updates, Method.FILE_TRANSFERRED)
            yield Point(
                False,
                f"{len(files)} of 3 file_transferred arrived; the others ended {why}",
                "one bit you set silences everything, whatever else is set (F5)"
                if silenced
                else "no flag of yours asks for file notifications; which one names files? (F1)",
            )
        for job, method, what in (
            (updates, Method.JOB_TRANSFERRED, "the end of 'updates'"),
            (catalog, Method.JOB_ERROR, "the failure of 'catalog' (404)"),
        ):
            if delivered(sim, job, method):
                yield Point(True, f"{method} told the app about {what}")
            else:
                yield Point(
                    False,
                    f"the app never heard about {what}: {method} ended {why_not(sim, job, method)}",
                    "DISABLE wins over every other bit (F5)"
                    if silenced
                    else f"which flag lets {method} through? A new job has it (F2)",
                )
        woken = len(delivered(sim, updates, Method.JOB_MODIFICATION)) + len(
            delivered(sim, catalog, Method.JOB_MODIFICATION)
        )
        if woken == 0:
            yield Point(True, "no job_modification woke the app for progress (C3, F8)")
        else:
            yield Point(
                False,
                f"{plural(woken, 'job_modification call')} woke the app for progress (C3)",
                "one of your bits asks for a call whenever bytes move (C3): which one?",
            )
        if answer & NotifyFlags.FILE_RANGES_TRANSFERRED and not silenced:
            yield Point(
                True,
                "FILE_RANGES_TRANSFERRED is harmless here but asks for nothing: "
                "neither job is on-demand (R6)",
            )
