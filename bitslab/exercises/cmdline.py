"""Exercise "command-line": a command line that hears when no application does (K1-K6)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

from .._check import got
from ..delivery.programs import path_key
from ..model.apps import App
from ..model.jobs import Job
from ..model.notifiers import RecordingNotifier
from ..simulation import Simulation
from ..vocabulary import Method, Outcome
from .base import MIRROR, Exercise, Malformed, Point, why_not

# --- 5. someone must hear: the command line ------------------------------------------------

NOTIFY_TOOL = r"C:\Tools\notify.exe"


def _notify_tool(job: Job, parameters: str) -> tuple[int, str]:
    """The simulated ``notify.exe /done JOBNAME``: its exit code and, if not 0, why (K6)."""
    text = parameters.strip()
    if text.startswith('"'):
        program, _, rest = text[1:].partition('"')
    else:
        program, _, rest = text.partition(" ")
    if path_key(program) != path_key(NOTIFY_TOOL):  # K6: Windows paths, either slash, any case
        return 2, f"the first token of the parameters is {program!r}, not the program (K1)"
    if rest.split() != ["/done", job.name]:
        return 2, f"usage: notify.exe /done JOBNAME; it was given {rest.strip()!r}"
    return 0, ""


#: Control characters that a backslash in a Windows path makes in a string that is not raw.
_ESCAPES = {
    "\n": ("a newline", "\\n"),
    "\t": ("a tab", "\\t"),
    "\r": ("a carriage return", "\\r"),
    "\a": ("a bell", "\\a"),
    "\b": ("a backspace", "\\b"),
    "\f": ("a form feed", "\\f"),
    "\v": ("a vertical tab", "\\v"),
}


def _control_characters(text: str) -> str | None:
    """The control characters in ``text`` in words and as escapes, ``a tab (\\t) and a
    newline (\\n)`` (another, such as ``\\1``'s, as ``\\x01``); None if it holds none."""
    found = sorted({c for c in text if unicodedata.category(c) == "Cc"})
    if not found:
        return None
    return " and ".join(
        "{} ({})".format(*_ESCAPES.get(c, ("a control character", repr(c)[1:-1]))) for c in found
    )


class CommandLine(Exercise):
    id = "command-line"
    title = "Someone must hear, even with the app gone"
    rules = ("K1", "K3", "K5", "K6", "I7", "I8")
    answer_form = "a (program, parameters) pair of str, as for job.set_notify_cmdline"
    form_hint = "two strings in a tuple: (r'C:\\...', r'C:\\... arguments')"
    task = (
        "Job 'report' finishes at about 5 s, but the app 'reporter' that registered for it has\n"
        "exited cleanly at 1 s (I7). Register a command line so that BITS tells the tool\n"
        f"{NOTIFY_TOOL} that the job is done. The tool's usage is: notify.exe /done JOBNAME;\n"
        "it exits 0 when it understood, 2 when not. It must run once and succeed."
    )

    def _parse(self, answer: Any) -> tuple[str | None, str | None]:
        if not isinstance(answer, tuple | list) or len(answer) != 2:
            raise Malformed(f"the answer must be a (program, parameters) pair, got {got(answer)}")
        for name, value in zip(("program", "parameters"), answer, strict=True):
            if value is not None and not isinstance(value, str):
                raise Malformed(f"{name} must be a str, got {got(value)}")
        return answer[0], answer[1]

    def _world(
        self, answer: tuple[str | None, str | None] | None, raise_own: bool = False
    ) -> Simulation:
        sim = Simulation(seed=0, bandwidth=1_000_000)
        sim.register_program(NOTIFY_TOOL, lambda job, parameters: _notify_tool(job, parameters)[0])
        app = sim.add_app("reporter")
        report = sim.create_job("report")
        report.add_file(MIRROR + "report.pdf", "report.pdf", size=5_000_000)
        report.minimum_retry_delay = 10.0
        report.set_notify_interface(RecordingNotifier(app))

        @app.on_exit
        def unregister(app: App) -> None:
            report.set_notify_interface(None)  # I7: a clean exit leaves BITS nothing to call

        if answer is not None:
            report.set_notify_cmdline(*answer)
        sim.call_at(1.0, app.exit)
        report.resume()
        sim.run(until=60.0)
        return sim

    def _noticed(self, answer: tuple[str | None, str | None]) -> Iterator[Point]:
        """A control character in the program or the parameters: a backslash that started an
        escape. Said before what BITS or the tool made of it, which only looks right (K1)."""
        words = (("program", "holds"), ("parameters", "hold"))
        for (name, holds), value in zip(words, answer, strict=True):
            found = _control_characters(value or "")
            if found:
                yield Point(
                    False,
                    f"your {name} {value!r} {holds} {found}: in a Python string that is not "
                    "raw, a backslash starts an escape",
                    "write Windows paths as raw strings, r'C:\\...', so that each backslash "
                    "stays a backslash",
                )

    def _judge(self, sim: Simulation, answer: tuple[str | None, str | None]) -> Iterator[Point]:
        (report,) = sim.jobs
        program, parameters = report.get_notify_cmdline()
        tries = sim.log.entries(report, method=Method.JOB_TRANSFERRED)
        ran = [e for e in tries if e.outcome == Outcome.CMDLINE]
        if not program:
            yield Point(
                False,
                f"nobody heard that the job transferred: {why_not(sim, report, 'job_transferred')}",
                "with no interface, only a command line can hear (K3)",
            )
        elif ran and len(tries) == 1:
            yield Point(
                True,
                f"the command line ran at {ran[0].time:.2f} s, with no interface left (K3), "
                "and exited 0",
            )
        elif ran:
            yield Point(True, f"the command line succeeded at last, at {ran[0].time:.2f} s")
        if program and any("failed to launch" in e.detail for e in tries):
            yield Point(
                False,
                f"{program!r} failed to launch: no program is installed there (K6)",
                f"the tool is installed at {NOTIFY_TOOL}",
            )
        elif program:
            code, why = _notify_tool(report, parameters)
            if code:
                yield Point(
                    False,
                    f"notify.exe ran {len(tries)} times in 60 s, exiting 2 each time (K5): {why}",
                    "BITS passes the parameters as the whole command line, starting with the "
                    "program (K1)"
                    if "first token" in why
                    else "what does the tool's usage line ask for after /done?",
                )
            else:
                yield Point(True, "notify.exe was told which job is done")
