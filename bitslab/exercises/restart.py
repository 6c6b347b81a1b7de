"""Exercises "survive-crash" and "twice": an application that crashes and starts again (I4, I5)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from .._check import got
from ..constants import JobState
from ..log import LogEntry
from ..model.apps import App
from ..model.jobs import Job
from ..model.notifiers import Notifier, RecordingNotifier
from ..rulebook import Rule, rules
from ..simulation import Simulation
from ..vocabulary import Method, Outcome
from .base import (
    MIRROR,
    Exercise,
    Malformed,
    Point,
    crash_and_restart,
    delivered,
    downloader_world,
    function_answer,
    guarded,
    why_not,
)

# --- 2. survive a crash --------------------------------------------------------------------


class SurviveCrash(Exercise):
    id = "survive-crash"
    title = "Survive a crash without losing a file notification"
    rules = ("I4", "I5", "C4", "C5", "C11", "P1")
    answer_form = "a function on_start(app) that the restarted app runs each time it starts"
    form_hint = "define it with def on_start(app): ... and give the function itself, not a call"
    task = (
        "The app 'downloader' registers a notifier on job 'nightly' (three files, flags\n"
        "JOB_TRANSFERRED | JOB_ERROR | FILE_TRANSFERRED), crashes at 6 s and starts again at\n"
        "30 s. Write the function the app runs when it starts again, so that the restarted app\n"
        "learns of every file and of the job's end: each file_transferred and the\n"
        "job_transferred reach it, or it polls the job and completes it once it finds it\n"
        "TRANSFERRED (C11 then drops what it already knows). The job is in app.sim.jobs; a\n"
        "notifier that belongs to the app is bl.RecordingNotifier(app)."
    )
    restart = 30.0

    def _parse(self, answer: Any) -> Callable[[App], object]:
        return function_answer(answer, 1, "exactly one argument, the app")

    def _world(self, answer: Callable[[App], object] | None, raise_own: bool = False) -> Simulation:
        sim, app, nightly = downloader_world()
        if answer is not None:
            app.on_start(answer if raise_own else guarded(answer))
        crash_and_restart(sim, app, nightly, 6.0, self.restart)
        return sim

    def _judge(self, sim: Simulation, answer: object) -> Iterator[Point]:
        (nightly,) = sim.jobs
        polled = _completed_when_transferred(nightly)
        for file in nightly.files:
            sent = sim.log.entries(nightly, method=Method.FILE_TRANSFERRED)
            tries = [e for e in sent if e.file is file]
            what = f"{Method.FILE_TRANSFERRED} {file.local_name!r}"
            yield self._point(sim, nightly, what, tries, polled, file.local_name)
        tries = sim.log.entries(nightly, method=Method.JOB_TRANSFERRED)
        yield self._point(sim, nightly, Method.JOB_TRANSFERRED, tries, polled, None)
        interface = nightly.get_notify_interface()
        app = sim.apps[0]
        if isinstance(interface, Notifier) and interface.app is None:
            yield Point(
                False,
                "the notifier you registered belongs to no application, so it can never die; "
                "in Windows it lives in the restarted process (I4)",
                "make the notifier the way the first one was made, for this app",
            )
        elif isinstance(interface, Notifier) and interface.app is app and interface.run == 2:
            yield Point(True, "the job's notifier belongs to the restarted app, run 2 (I4)")

    def _point(
        self,
        sim: Simulation,
        job: Job,
        what: str,
        tries: list[LogEntry],
        polled: float | None,
        file_name: str | None,
    ) -> Point:
        """Whether one notification reached the restarted app, and if not, the hint for what
        actually stopped it: a dead notifier, a failing callback, flags, no interface, a
        cancelled job."""
        arrived = [e for e in tries if e.outcome == Outcome.DELIVERED]
        if arrived:
            return Point(True, f"{what} arrived at {arrived[0].time:.2f} s")
        last = tries[-1] if tries else None
        if last is not None and last.outcome == Outcome.STALE and polled is not None:
            return Point(
                True,
                f"{what}: dropped as stale (C11) once your app had found the job TRANSFERRED "
                f"and completed it at {polled:.2f} s: nothing it did not know",
            )
        why = why_not(sim, job, what.split(" ")[0], file_name)
        if last is None:
            hint = None  # never tried: queued behind another (C4), whose hint says why
        elif last.outcome == Outcome.NO_INTERFACE or job.get_notify_interface() is None:
            hint = "with no interface set, nobody can hear (I8): what must the restarted app give?"
        elif last.outcome == Outcome.APP_DOWN:
            hint = _DEAD
        elif last.outcome == Outcome.FAILED:
            hint = (
                "your notifier was called and the call failed (C5): BITS retries it after the "
                "retry delay, and the job's later notifications wait behind it (C4); a callback "
                "that succeeds returns None or True"
            )
        elif last.outcome == "filtered":
            hint = "flags survive a restart (P1): your code changed them (F8)"
        elif last.outcome == Outcome.STALE and job.state is JobState.CANCELLED:
            hint = (
                "your code cancelled the job (L10): its files are deleted; a job found "
                "TRANSFERRED is taken with complete() (L11)"
            )
        else:
            hint = f"read the rule that decided: print(bl.rules[{last.rule!r}])"
        return Point(False, f"{what}: {why}", hint)


_DEAD = (
    "BITS keeps calling the notifier that died with run 1 (I4): what must the restarted app "
    "give BITS?"
)


def _completed_when_transferred(job: Job) -> float | None:
    """When the app completed ``job`` having found it TRANSFERRED (L11), if it did."""
    for before, change in itertools.pairwise(job.history):
        if change.new is JobState.ACKNOWLEDGED and before.new is JobState.TRANSFERRED:
            return change.time
    return None


# --- 3. why twice? -------------------------------------------------------------------------


class Twice(Exercise):
    id = "twice"
    title = "Why did job_transferred arrive twice?"
    rules = ("C1", "C5", "I1", "I4", "I5")  # the choices: naming only the answer would give it
    answer_form = "a rule ID as a str, like 'F5'"
    form_hint = "rule IDs are a letter and a number, like 'F5'; bl.rules lists them all"
    task = (
        "The app 'downloader' registers a notifier on job 'nightly' and hears job_transferred\n"
        "at 2 s. It does not complete the job. It crashes at 10 s, starts again at 20 s and\n"
        "registers a new notifier, which hears job_transferred again. Run\n"
        "exercise.problem() and look at its log. Which rule makes BITS call it a second time:\n"
        "C1, C5, I1, I4 or I5?"
    )
    #: Why each tempting wrong answer is wrong.
    near_misses: ClassVar[dict[str, str]] = {
        "C5": "C5 retries a call that failed, but look at the outcomes: both calls were "
        "delivered; neither failed",
        "I1": "I1 is why the new notifier replaced the old one, not why BITS called it",
        "I4": "I4 is why the app had to register again, not why BITS called the new notifier "
        "about a job that finished long before",
        "C1": "C1 raises job_transferred when the job enters TRANSFERRED; job.history shows it "
        "entered TRANSFERRED once",
        "I8": "I8 is about notifications with no interface; here each call found one",
    }

    def _parse(self, answer: Any) -> str:
        if isinstance(answer, Rule):
            answer = answer.id
        if not isinstance(answer, str):
            raise Malformed(f"the answer must be a rule ID as a str, got {got(answer)}")
        wanted = answer.strip().upper()
        if wanted not in rules:
            raise Malformed(f"there is no rule {answer!r}")
        return wanted

    def _world(self, answer: str | None, raise_own: bool = False) -> Simulation:
        sim = Simulation(seed=0, bandwidth=1_000_000)
        app = sim.add_app("downloader")
        nightly = sim.create_job("nightly")
        nightly.add_file(MIRROR + "base.cab", "base.cab", size=2_000_000)
        nightly.set_notify_interface(RecordingNotifier(app))

        @app.on_start
        def register(app: App) -> None:
            nightly.set_notify_interface(RecordingNotifier(app))

        crash_and_restart(sim, app, nightly, 10.0, 20.0)
        return sim

    def _judge(self, sim: Simulation, answer: str) -> Iterator[Point]:
        (nightly,) = sim.jobs
        calls = delivered(sim, nightly, Method.JOB_TRANSFERRED)
        seen = " and ".join(f"{e.time:.2f} s" for e in calls)
        if answer == "I5":
            yield Point(True, f"I5: {rules['I5'].title}")
            yield Point(
                True,
                f"here: job_transferred at {seen}; the second came when the restarted app "
                "registered on a job still TRANSFERRED (it never called complete())",
            )
            return
        second = f"{calls[1].time:.2f} s" if len(calls) > 1 else "the restart"
        text = self.near_misses.get(answer) or (
            f"{answer} ({rules[answer].title}) does not make BITS call job_transferred again"
        )
        yield Point(False, text, self._hint(answer, second))

    def _hint(self, answer: str, second: str) -> str:
        """A hint from where this wrong answer went astray."""
        if answer == "C5":
            return (
                "the log's outcome column says whether a call failed; neither did: what did the "
                f"restarted app do just before the second call, at {second}?"
            )
        if answer == "C1":
            return (
                "job.history shows one entry into TRANSFERRED, so the second call was not raised "
                f"by a state change: what did the restarted app do at {second}?"
            )
        if answer in ("I1", "I4"):
            return (
                f"{answer} explains the new notifier, not the call it got: which rule says what "
                "BITS does when an interface is set on a job that has already transferred?"
            )
        return (
            f"{answer} is about something else ({rules[answer].title}); the second call "
            f"came at {second}, just after the restarted app registered: which rule is about "
            "registering on a job that has already transferred?"
        )
