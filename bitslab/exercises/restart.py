"""Exercises "survive-crash" and "twice": an application that crashes and starts again (I4, I5)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from ..apps import App
from ..constants import NotifyFlags
from ..notifiers import Notifier, RecordingNotifier
from ..rulebook import Rule, rules
from ..simulation import Simulation
from .base import (
    MIRROR,
    Exercise,
    Malformed,
    Point,
    crash_and_restart,
    delivered,
    got,
    guarded,
    why_not,
)

# --- 2. survive a crash --------------------------------------------------------------------


class SurviveCrash(Exercise):
    id = "survive-crash"
    title = "Survive a crash without losing a file notification"
    rules = ("I4", "I5", "C4", "C5", "P1")
    answer_form = "a function on_start(app) that the restarted app runs each time it starts"
    form_hint = "define it with def on_start(app): ... and give the function itself, not a call"
    task = (
        "The app 'downloader' registers a notifier on job 'nightly' (three files, flags\n"
        "JOB_TRANSFERRED | JOB_ERROR | FILE_TRANSFERRED), crashes at 6 s and starts again at\n"
        "30 s. Write the function the app runs when it starts again, so that every\n"
        "file_transferred and the job_transferred reach the restarted app. The job is in\n"
        "app.sim.jobs; a notifier that belongs to the app is bl.RecordingNotifier(app)."
    )

    def _parse(self, answer: Any) -> Callable[[App], object]:
        if not callable(answer):
            raise Malformed(f"the answer must be a function, got {got(answer)}")
        try:
            inspect.signature(answer).bind(None)
        except TypeError:
            raise Malformed(
                f"{getattr(answer, '__name__', 'the function')} must take exactly one "
                "argument, the app"
            ) from None
        except ValueError:
            pass  # no signature to read (a builtin): let the call decide
        return answer  # type: ignore[no-any-return]

    def _world(self, answer: Callable[[App], object] | None, raise_own: bool = False) -> Simulation:
        sim = Simulation(seed=0, bandwidth=1_000_000)
        app = sim.add_app("downloader")
        nightly = sim.create_job("nightly")
        for name in ("base.cab", "fonts.cab", "lang.cab"):
            nightly.add_file(MIRROR + name, name, size=4_000_000)
        nightly.minimum_retry_delay = 10.0
        nightly.set_notify_flags(
            NotifyFlags.JOB_TRANSFERRED | NotifyFlags.JOB_ERROR | NotifyFlags.FILE_TRANSFERRED
        )
        nightly.set_notify_interface(RecordingNotifier(app))
        if answer is not None:
            app.on_start(answer if raise_own else guarded(answer))
        crash_and_restart(sim, app, nightly, 6.0, 30.0)
        return sim

    def _judge(self, sim: Simulation, answer: object) -> Iterator[Point]:
        (nightly,) = sim.jobs
        app = sim.apps[0]
        dead_hint = (
            "BITS keeps calling the notifier that died with run 1 (I4): what must the "
            "restarted app give BITS?"
        )
        for file in nightly.files:
            arrived = [e for e in delivered(sim, nightly, "file_transferred") if e.file is file]
            if arrived:
                yield Point(
                    True,
                    f"file_transferred {file.local_name!r} arrived at {arrived[0].time:.2f} s",
                )
            else:
                why = why_not(sim, nightly, "file_transferred", file.local_name)
                hint = (
                    "flags survive a restart (P1): your code changed them (F8)"
                    if "filtered" in why
                    else dead_hint
                )
                yield Point(False, f"file_transferred {file.local_name!r}: {why}", hint)
        if delivered(sim, nightly, "job_transferred"):
            yield Point(True, "job_transferred arrived (C4: after the files)")
        else:
            yield Point(
                False,
                f"job_transferred: {why_not(sim, nightly, 'job_transferred')}",
                dead_hint,
            )
        interface = nightly.get_notify_interface()
        if isinstance(interface, Notifier) and interface.app is None:
            yield Point(
                False,
                "the notifier you registered belongs to no application, so it can never die; "
                "in Windows it lives in the restarted process (I4)",
                "make the notifier the way the first one was made, for this app",
            )
        elif isinstance(interface, Notifier) and interface.app is app and interface.run == 2:
            yield Point(True, "the job's notifier belongs to the restarted app, run 2 (I4)")


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
        calls = delivered(sim, nightly, "job_transferred")
        seen = " and ".join(f"{e.time:.2f} s" for e in calls)
        if answer == "I5":
            yield Point(True, f"I5: {rules['I5'].title}")
            yield Point(
                True,
                f"here: job_transferred at {seen}; the second came when the restarted app "
                "registered on a job still TRANSFERRED (it never called complete())",
            )
            return
        hint = (
            "the second call came just after the restarted app registered: which rule is about "
            "registering on a job that has already transferred?"
        )
        text = self.near_misses.get(answer) or (
            f"{answer} ({rules[answer].title}) does not make BITS call job_transferred again"
        )
        yield Point(False, text, hint)
