"""Exercise "choose-route": hear every file through a BITS service restart and a reboot,
without the application starting itself again (N2-N5, P2, P3, K2)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

from ..constants import (
    CO_E_SERVER_EXEC_FAILURE,
    GUID_NULL,
    REGDB_E_CLASSNOTREG,
    JobProperty,
    hresult_name,
)
from ..errors import BitsError
from ..log import LogEntry
from ..model.apps import App, Run
from ..model.jobs import Job
from ..simulation import Simulation
from ..timeline import timeline
from ..vocabulary import Method, Outcome
from .base import Exercise, Point, Raised, downloader_world, function_answer, why_not

# --- 8. choose a route ----------------------------------------------------------------------

#: The program installed on the machine, for a command line: it exits 0 whatever it is given.
NOTIFY_TOOL = r"C:\Tools\notify.exe"
#: The class ID the downloader's installer reserved for it, for a callback class (N1).
DOWNLOADER_CLASS = uuid.UUID("6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f")

_NOT_STARTED = hresult_name(CO_E_SERVER_EXEC_FAILURE)

#: A function the world calls once before it runs: ``setup(sim, app, job)``.
Setup = Callable[[Simulation, App, Job], object]


class ChooseRoute(Exercise):
    id = "choose-route"
    title = "Choose a route that outlives a service restart and a reboot"
    rules = ("N2", "N3", "N4", "N5", "P2", "P3", "K2", "I8")
    answer_form = "a function setup(sim, app, job) that the world calls once, before it runs"
    form_hint = (
        "define it with def setup(sim, app, job): ... and give the function itself, not a call"
    )
    task = (
        "The app 'downloader' registers a notifier on job 'nightly' (three 4 MB files, flags\n"
        "JOB_TRANSFERRED | JOB_ERROR | FILE_TRANSFERRED). The BITS service restarts at 5 s (back\n"
        "at 8 s), then the machine reboots at 13 s (back at 33 s); the reboot crashes the app,\n"
        "and nothing starts it again. Write setup(sim, app, job), which the world calls once\n"
        "before it runs, so that the downloader hears of every file and of the job's end,\n"
        "through the restart and the reboot, without starting itself again. On the machine:\n"
        f"the program {NOTIFY_TOOL} (it exits 0), the class ID reserved for the downloader,\n"
        f"{{{DOWNLOADER_CLASS}}}; a notifier of the app is bl.RecordingNotifier(app)."
    )
    program = NOTIFY_TOOL
    clsid = DOWNLOADER_CLASS
    service_restart = (5.0, 3.0)  # (start, duration) in seconds: P2
    reboot = (13.0, 20.0)  # P3

    def _parse(self, answer: Any) -> Setup:
        return function_answer(answer, 3, "exactly three arguments: sim, app and job")

    def _world(self, answer: Setup | None, raise_own: bool = False) -> Simulation:
        sim, app, nightly = downloader_world()
        sim.register_program(NOTIFY_TOOL, lambda job, parameters: 0)  # K6
        sim.restart_service(*self.service_restart)  # P2: every interface is lost
        sim.reboot(*self.reboot)  # P3: and the app crashes; nothing starts it again
        nightly.resume()
        try:
            if answer is not None:
                answer(sim, app, nightly)
            sim.run()  # the world's own code raises nothing: what does is the student's
        except BitsError:
            raise  # Exercise.check names the HRESULT and the rule
        except Exception as error:
            if raise_own:
                raise
            raise Raised(self._raised_hint(sim)) from error
        return sim

    def _raised_hint(self, sim: Simulation) -> str | None:
        if sim.service.machine_down() is None:
            return None
        return (
            "no application starts while the machine is down (P3), and the task is that the app "
            "does not start itself: what could start it, once the machine is back?"
        )

    def _judge(self, sim: Simulation, answer: Setup) -> Iterator[Point]:
        app, nightly = sim.apps[0], sim.jobs[0]  # the world's: the answer may add others
        by_bits = _started_by_bits(sim, app)
        # when each notification reached the app, as the timeline dates it (N2: a call into
        # a run BITS started for the class is made when that run began, not when it was tried)
        reached = {mark.id: mark.time for mark in timeline(sim, [nightly]).marks}
        sent = sim.log.entries(nightly, method=Method.FILE_TRANSFERRED)
        for file in nightly.files:
            tries = [e for e in sent if e.file is file]
            what = f"{Method.FILE_TRANSFERRED} {file.local_name!r}"
            yield self._point(sim, nightly, what, tries, file.local_name, reached)
        tries = sim.log.entries(nightly, method=Method.JOB_TRANSFERRED)
        yield self._point(sim, nightly, Method.JOB_TRANSFERRED, tries, None, reached)
        own = [run for run in app.runs[1:] if run not in by_bits]
        if own:
            yield Point(
                False,
                f"run {own[0].number} of the app began at {own[0].start:.2f} s, started by your "
                "code: the task is that the app does not start itself again",
                "after the reboot no application runs until something starts it (P3): what can "
                "start the app, other than the app itself?",
            )
        elif by_bits:
            yield Point(
                True,
                f"the app never started itself: its run {by_bits[0].number} began at "
                f"{by_bits[0].start:.2f} s, when BITS activated its class (N2, P3)",
            )

    def _point(
        self,
        sim: Simulation,
        job: Job,
        what: str,
        tries: list[LogEntry],
        file_name: str | None,
        reached: dict[int, float],
    ) -> Point:
        """Whether one notification reached the downloader (when: ``reached``, by ID) and by
        which route, and if not, the hint for what stopped it."""
        arrived = [e for e in tries if e.outcome in (Outcome.DELIVERED, Outcome.CMDLINE)]
        if arrived:
            first = arrived[0]
            when = reached[first.id]
            return Point(True, f"{what} arrived at {when:.2f} s{self._route(job, first, when)}")
        why = why_not(sim, job, what.split(" ")[0], file_name)
        last = tries[-1] if tries else None
        program, _ = job.get_notify_cmdline()
        if last is not None and last.outcome == Outcome.NO_INTERFACE and program and file_name:
            return Point(
                False,
                f"{what}: {why}: a command line hears only job_transferred and job_error (K2)",
                "your command line cannot hear a file (K2): of what BITS keeps for a job through "
                "a service restart (P2), what else can reach the app?",
            )
        return Point(False, f"{what}: {why}", self._hint(sim, job, last, why))

    def _route(self, job: Job, entry: LogEntry, time: float) -> str:
        """After what and by which route an arrival reached the downloader at ``time``, from
        its log entry."""
        if entry.outcome == Outcome.CMDLINE:
            return ": the command line ran (K3)"
        when = ""
        if time >= sum(self.reboot):
            when = " after the reboot (P3)"
        elif time >= self.service_restart[0]:
            when = " after the service restart (P2)"
        if "via CLSID" not in entry.detail:
            named = job.get_property(JobProperty.NOTIFICATION_CLSID) != GUID_NULL
            first = ": a live interface comes first (N3)" if named else ""
            return f"{when}, through the notifier set on the job{first}"
        if "started app" in entry.detail:
            return f"{when}, through the job's class: BITS started the app for it (N2, N5)"
        if "made the object" in entry.detail:
            return f"{when}, through the job's class: the running app made its object (N2, N5)"
        return f"{when}, through the object BITS keeps for the job, made from its class (N2)"

    def _hint(self, sim: Simulation, job: Job, last: LogEntry | None, why: str) -> str | None:
        """The hint for a notification that did not arrive, from what stopped it."""
        if last is None:  # never tried: queued behind another (C4), whose hint says why
            if why.startswith("pending"):
                return None
            return "BITS never raised it: job.history in exercise.simulate(answer) shows why"
        if last.outcome == Outcome.NO_INTERFACE:
            if len(sim.servers):
                return (
                    "your app serves a class, but BITS only uses a class that the job itself "
                    "names (N1)"
                )
            if last.time >= sum(self.reboot):
                return (
                    "the reboot ended the app's run and dropped its notifier (P3), and nothing "
                    "starts the app again: what does BITS keep for a job that can reach an app "
                    "that is not running (P2)?"
                )
            return (
                "the service restart dropped the app's notifier (P2), and the app, still "
                "running, never knew: of what BITS keeps for a job, what can hear a file?"
            )
        if last.outcome == Outcome.FAILED and last.rule == "N4":
            if last.detail.startswith(hresult_name(REGDB_E_CLASSNOTREG)):
                return (
                    "the job names a class that no application serves (N4): how does BITS know "
                    "which app to start for it?"
                )
            if last.detail.startswith(_NOT_STARTED) and "an on_start function" in last.detail:
                return (
                    "BITS started your app for its class, but an on_start function of yours "
                    "raised before the app could serve it (N4); the log's detail says what"
                )
            return (
                "the class's server could not make the object (N4): the factory is called with "
                "the app and returns the notifier BITS calls"
            )
        if last.outcome == Outcome.FAILED:
            return (
                "the notifier was called and the call failed (C5): a callback that succeeds "
                "returns None or True"
            )
        if last.outcome == Outcome.APP_DOWN:
            return (
                "the reboot crashed the app (P3), and BITS keeps calling a notifier that died "
                "with it (I4): nothing starts the app again by itself"
            )
        if last.outcome in (Outcome.FILTERED, Outcome.DISABLED):
            return "your code changed the job's flags (F8, F5): the world's flags ask for both"
        if last.outcome == Outcome.STALE and job.state.is_final:
            return (
                f"your code took the job to {job.state.name} (C11): BITS tells nothing about a "
                "job that has ended"
            )
        return f"read the rule that decided: print(bl.rules[{last.rule!r}])"


def _started_by_bits(sim: Simulation, app: App) -> list[Run]:
    """The runs of ``app`` that BITS began to activate a class (N2): each begins the server
    start delay after an attempt that went to a class."""
    delay = sim.parameters.server_start_delay
    activations = {
        round(entry.time + delay, 9)
        for entry in sim.log.entries()
        if "CLSID" in f"{entry.target} {entry.detail}"
    }
    return [run for run in app.runs[1:] if round(run.start, 9) in activations]
