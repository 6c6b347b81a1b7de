"""Exercise "ride-out": retry delay and no-progress timeout against server errors (L5, L6)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._check import got
from ..constants import JobState
from ..model.notifiers import RecordingNotifier
from ..simulation import Simulation
from ..vocabulary import Method
from .base import MIRROR, Exercise, Malformed, Point, delivered, plural

# --- 4. ride out the server errors ---------------------------------------------------------


class RideOut(Exercise):
    id = "ride-out"
    title = "Ride out the server errors, give up on a dead server"
    rules = ("L1", "L5", "L6", "C2")
    answer_form = "a dict {'minimum_retry_delay': seconds, 'no_progress_timeout': seconds}"
    form_hint = "both values are numbers of seconds, e.g. {'minimum_retry_delay': 60, ...}"
    task = (
        "Job 'backup' downloads one 2 MB file. The server answers 503 (a transient error) for\n"
        "the first 100 s. Choose the job's minimum retry delay and no-progress timeout so that\n"
        "(a) the job transfers by 125 s, without ever going to ERROR;\n"
        "(b) it tries at most 10 times while the server fails (the operator asks for that);\n"
        "(c) if the server never comes back, the job gives up (ERROR, and the app hears\n"
        "    job_error) at most 5 minutes after its first error."
    )
    keys = ("minimum_retry_delay", "no_progress_timeout")
    recovers = 100.0
    deadline = 125.0
    most_tries = 10
    give_up_by = 300.0

    def _parse(self, answer: Any) -> dict[str, float]:
        if not isinstance(answer, dict):
            raise Malformed(f"the answer must be a dict, got {got(answer)}")
        missing = [key for key in self.keys if key not in answer]
        unknown = sorted(str(key) for key in answer if key not in self.keys)
        if missing or unknown:
            raise Malformed(
                "the dict must have exactly the keys "
                + " and ".join(repr(k) for k in self.keys)
                + (f"; missing {missing}" if missing else "")
                + (f"; unknown {unknown}" if unknown else "")
            )
        for key in self.keys:
            value = answer[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise Malformed(f"{key} must be a number of seconds, got {got(value)}")
        return {key: float(answer[key]) for key in self.keys}

    def _world(
        self, answer: dict[str, float] | None, raise_own: bool = False, forever: bool = False
    ) -> Simulation:
        sim = Simulation(seed=0, bandwidth=1_000_000)
        app = sim.add_app("backup-app")
        backup = sim.create_job("backup")
        backup.add_file(MIRROR + "backup.zip", "backup.zip", size=2_000_000)
        if answer is not None:
            backup.minimum_retry_delay = answer["minimum_retry_delay"]
            backup.no_progress_timeout = answer["no_progress_timeout"]
        backup.set_notify_interface(RecordingNotifier(app))
        sim.network.fail(
            MIRROR + "backup.zip", 503, start=0.0, duration=None if forever else self.recovers
        )
        backup.resume()
        if forever:
            sim.run(until=3600.0)
        else:
            sim.run()
        return sim

    def dead_server(self, answer: Any) -> Simulation:
        """Run the world with ``answer`` and a server that never recovers (part c), for an
        hour of simulated time; raises as :meth:`simulate` does."""
        return self._world(self._form(answer), forever=True)

    def _judge(self, sim: Simulation, answer: dict[str, float]) -> Iterator[Point]:
        (backup,) = sim.jobs
        errors = (JobState.TRANSIENT_ERROR, JobState.ERROR)
        tries = sum(1 for change in backup.history if change.new in errors)
        done = [c.time for c in backup.history if c.new is JobState.TRANSFERRED]
        failed = [c for c in backup.history if c.new is JobState.ERROR]
        delay = backup.minimum_retry_delay
        if answer["minimum_retry_delay"] < delay:
            yield Point(True, f"note: BITS raised your retry delay to {delay:g} s (L1)")
        if failed:
            yield Point(
                False,
                f"the job went to ERROR at {failed[0].time:.2f} s, before the server came back "
                + (
                    "(L6: a retry delay longer than the no-progress timeout sends a transient "
                    "error straight to ERROR)"
                    if delay > backup.no_progress_timeout
                    else f"(L6: no progress for {backup.no_progress_timeout:g} s)"
                ),
                "the job gave up on a server that was only down for a while: how long does BITS "
                "keep trying without progress? (L6)",
            )
        elif done and done[0] <= self.deadline:
            yield Point(True, f"the job transferred at {done[0]:.2f} s, never in ERROR")
        elif done:
            yield Point(
                False,
                f"the job transferred at {done[0]:.2f} s, after {self.deadline:g} s",
                f"after a 503, BITS waits the minimum retry delay before it tries again (L5): "
                f"with yours, when is the first try after {self.recovers:g} s?",
            )
        if tries <= self.most_tries:
            yield Point(
                True,
                f"{plural(tries, 'try', 'tries')} while the server failed "
                f"(at most {self.most_tries})",
            )
        else:
            yield Point(
                False,
                f"{plural(tries, 'try', 'tries')} while the server failed: "
                f"more than {self.most_tries}",
                "each try comes one minimum retry delay after the last (L5)",
            )
        dead = self._world(answer, forever=True)  # what dead_server() shows
        (job,) = dead.jobs
        first = next(c.time for c in job.history if c.new in errors)  # L6 counts from here
        gave_up = [c.time - first for c in job.history if c.new is JobState.ERROR]
        heard = delivered(dead, job, Method.JOB_ERROR)
        if gave_up and gave_up[0] <= self.give_up_by and heard:
            yield Point(
                True,
                f"with a server that never recovers, the job gives up {gave_up[0]:.2f} s after "
                f"its first error and job_error arrives at {heard[0].time:.2f} s (L6, C2)",
            )
        else:
            when = (
                f"gives up {gave_up[0]:.2f} s after its first error"
                if gave_up
                else "has not given up after an hour"
            )
            yield Point(
                False,
                f"with a server that never recovers, the job {when}: it must give up within "
                f"{self.give_up_by:g} s",
                "transient errors never call job_error (C2); what turns them into ERROR? (L6)",
            )
