"""The parts every exercise shares: :class:`Exercise`, its :class:`Feedback`, and helpers
that read a run's event log for the checks."""

from __future__ import annotations

import dis
import inspect
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from .._check import got
from ..constants import NotifyFlags
from ..errors import BitsError
from ..log import LogEntry
from ..model.apps import App
from ..model.jobs import Job
from ..model.notifiers import RecordingNotifier
from ..simulation import Simulation
from ..timeline import ARRIVED, arrivals
from ..vocabulary import PENDING, Outcome

__all__ = [
    "MIRROR",
    "NO_ANSWER",
    "Exercise",
    "Feedback",
    "Malformed",
    "NotYet",
    "Point",
    "Raised",
    "crash_and_restart",
    "delivered",
    "does_nothing",
    "downloader_world",
    "function_answer",
    "guarded",
    "plural",
    "whole_number",
    "why_not",
]

MIRROR = "https://mirror.test/"


class Point(NamedTuple):
    """One thing a check looked at: whether it holds, what was seen, and a hint if it does not."""

    ok: bool
    text: str
    hint: str | None = None


class Feedback(NamedTuple):
    """What a check found. ``verdict`` is ``"right"``, ``"wrong"`` or ``"malformed"``."""

    exercise: str
    verdict: str
    right: tuple[str, ...]
    wrong: tuple[str, ...]
    hint: str | None

    @property
    def passed(self) -> bool:
        """True when the answer is right."""
        return self.verdict == "right"

    def __str__(self) -> str:
        if self.verdict == "right":
            heading = f"✓ {self.exercise}: right"
        elif self.verdict == "wrong":
            heading = f"✗ {self.exercise}: not yet"
        elif self.wrong and self.wrong[0].startswith(NO_ANSWER):
            heading = f"? {self.exercise}: no answer yet"
        else:
            heading = f"? {self.exercise}: not an answer of the form asked"
        lines = [heading]
        lines += [f"  ✓ {text}" for text in self.right]
        mark = "-" if self.verdict == "malformed" else "✗"
        lines += [f"  {mark} {text}" for text in self.wrong]
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def require(self, *, form_only: bool = False) -> None:
        """Raise :class:`NotYet` with this feedback's text unless the answer is right (with
        ``form_only``: unless it is of the form asked). Graders' tests call it, so a failed test
        says what the check says, hint included.

        >>> from bitslab import exercises
        >>> exercises.check("twice", "I5").require()
        >>> exercises.check("twice", 5).require(form_only=True)
        Traceback (most recent call last):
        ...
        bitslab.exercises.base.NotYet: ? twice: not an answer of the form asked
          - the answer must be a rule ID as a str, got int 5
          hint: rule IDs are a letter and a number, like 'F5'; bl.rules lists them all
        """
        if self.passed or (form_only and self.verdict != "malformed"):
            return
        raise NotYet(str(self))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """In Jupyter, a check's result shows as its text."""
        printer.text(str(self))


NO_ANSWER = "replace ... with your answer"


class NotYet(AssertionError):
    """A graded answer is not right yet; the message is the check's feedback (see
    :meth:`Feedback.require`)."""


class Malformed(Exception):
    """The answer is not of the form the exercise asks for."""


class Raised(Exception):
    """The student's own code raised while the world ran; ``hint``, if given, is the
    feedback's hint (otherwise: how to see the traceback)."""

    def __init__(self, hint: str | None = None) -> None:
        super().__init__(hint)
        self.hint = hint


class Exercise:
    """A task, a world to try answers in, and a check. Subclasses define the three parts.

    ``id`` names it in :func:`check`; ``rules`` are the rule IDs it exercises; ``answer_form``
    says what kind of value to give; ``task`` says what to achieve.
    """

    id: str = ""
    title: str = ""
    rules: tuple[str, ...] = ()
    answer_form: str = ""
    form_hint: str = ""
    task: str = ""

    def problem(self) -> Simulation:
        """The world as given, run before any answer: what the student starts from."""
        return self._world(None)

    def simulate(self, answer: Any) -> Simulation:
        """Run the world with ``answer`` and return the simulation, to look at it.

        A malformed answer raises TypeError or ValueError; an answer BITS refuses raises
        :class:`BitsError`; an error in the student's own code propagates as it is.
        """
        return self._world(self._form(answer), raise_own=True)

    def _form(self, answer: Any) -> Any:
        """``answer`` parsed into the form the world takes; TypeError says what is wanted."""
        if answer is Ellipsis:
            raise TypeError(f"{NO_ANSWER}: {self.answer_form}")
        try:
            return self._parse(answer)
        except Malformed as error:
            raise TypeError(str(error)) from None

    def check(self, answer: Any) -> Feedback:
        """Judge ``answer``: never raises; a malformed answer gets a ``"malformed"`` verdict."""
        if answer is Ellipsis:
            return self._feedback("malformed", [Point(False, f"{NO_ANSWER}: {self.answer_form}")])
        malformed = (Malformed, TypeError, ValueError)
        try:
            parsed = self._parse(answer)
        except malformed as error:
            return self._feedback("malformed", [Point(False, str(error))])
        noticed = list(self._noticed(parsed))
        try:
            sim = self._world(parsed)
        except BitsError as error:  # before ValueError: E_INVALIDARG is both
            text = f"BITS refused it: {error.name}: {error}"
            refused = Point(False, text, self._refused_hint(error, parsed))
            return self._feedback("wrong", [*noticed, refused])
        except malformed as error:
            return self._feedback("malformed", [Point(False, str(error))])
        except Raised as error:
            cause = error.__cause__
            text = f"your code raised {type(cause).__name__}: {cause}"
            hint = error.hint or (
                "run exercise.simulate(answer) in a cell of its own to see the traceback"
            )
            return self._feedback("wrong", [*noticed, Point(False, text, hint)])
        return self._feedback("", [*noticed, *self._judge(sim, parsed)])

    def _feedback(self, verdict: str, points: list[Point]) -> Feedback:
        wrong = [point for point in points if not point.ok]
        if not verdict:
            verdict = "wrong" if wrong else "right"
        hint = next((point.hint for point in wrong if point.hint), None)
        if verdict == "malformed":
            hint = self.form_hint
        return Feedback(
            self.id,
            verdict,
            tuple(point.text for point in points if point.ok),
            tuple(point.text for point in wrong),
            hint,
        )

    def _parse(self, answer: Any) -> Any:
        """The answer in the form the world takes; raise :class:`Malformed` if it is not."""
        raise NotImplementedError

    def _world(self, answer: Any, raise_own: bool = False) -> Simulation:
        """Build and run the world with ``answer`` (None: as given)."""
        raise NotImplementedError

    def _judge(self, sim: Simulation, answer: Any) -> Iterator[Point]:
        """What is right and wrong about the run."""
        raise NotImplementedError

    def _noticed(self, answer: Any) -> Iterator[Point]:
        """What is wrong with the answer itself, seen before the world runs (a path typed
        without r''): said first, with its hint, even when BITS refuses the answer."""
        return iter(())

    def _refused_hint(self, error: BitsError, answer: Any) -> str | None:
        """The hint for an ``answer`` that BITS refused with ``error``."""
        if error.rule is None:
            return f"the message says why BITS answered {error.name}"
        return f"read the rule that refused it: print(bl.rules[{error.rule!r}])"

    def __repr__(self) -> str:
        return f"<Exercise {self.id!r}: {self.title}>"

    def __str__(self) -> str:
        """The task as a student reads it."""
        return (
            f"{self.title} ({self.id})\n\n{self.task}\n\n"
            f"Answer with: {self.answer_form}.\nRules: {', '.join(self.rules)}."
        )


# --- helpers shared by the checks --------------------------------------------------------


def delivered(sim: Simulation, job: Job, method: str) -> list[LogEntry]:
    """The ``method`` notifications of ``job`` that reached the application (each is final)."""
    return sim.log.entries(job, method=method, outcome=Outcome.DELIVERED)


def why_not(sim: Simulation, job: Job, method: str, file_name: str | None = None) -> str:
    """Why a ``method`` notification (of ``file_name``, if given) did not arrive, as
    :func:`bitslab.timeline.arrivals` says it: its outcome and rule, and for a pending one
    what it waits for."""
    for row in arrivals(sim, [job], modifications=True):
        kind, _, file = row.notification.partition(" ")
        if kind != method or (file_name is not None and file != repr(file_name)):
            continue
        if row.outcome == PENDING:
            return f"pending ({row.rule}): {row.why}"
        if row.outcome not in ARRIVED:
            return f"{row.outcome} ({row.rule})"
    return "never raised"


def _outcome_of(sim: Simulation, job: Job, method: str) -> str | None:
    """The final outcome of the first ``method`` notification for ``job`` (None if none)."""
    finals = sim.log.entries(job, method=method, final=True)
    return finals[0].outcome if finals else None


def whole_number(answer: Any, what: str) -> int:
    """``answer`` as an int (not a bool), or :class:`Malformed` saying ``what`` it must be."""
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise Malformed(f"{what}, got {got(answer)}")
    return int(answer)


def downloader_world() -> tuple[Simulation, App, Job]:
    """The downloader of the restart exercises: app 'downloader' and its job 'nightly' of
    three 4 MB files (flags JOB_TRANSFERRED | JOB_ERROR | FILE_TRANSFERRED, a retry delay of
    10 s), with a notifier of the app's first run registered; nothing has run yet."""
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
    return sim, app, nightly


def crash_and_restart(sim: Simulation, app: App, job: Job, crash: float, restart: float) -> None:
    """Crash ``app`` at ``crash`` and start it again at ``restart`` (I4), resume ``job`` and
    run until quiet."""
    sim.call_at(crash, app.crash)
    sim.call_at(restart, app.start)
    job.resume()
    sim.run()


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word}" if count == 1 else f"{count:,} {words or word + 's'}"


def function_answer(answer: Any, arguments: int, takes: str) -> Callable[..., object]:
    """``answer`` as a function the world calls with ``arguments`` positional arguments, or
    :class:`Malformed` saying why not (``takes``: what it must take, such as "exactly one
    argument, the app"). A generator or async function is refused (its body would never run),
    and so is one whose body does nothing yet, as handed out (:data:`NO_ANSWER`)."""
    if not callable(answer):
        raise Malformed(f"the answer must be a function, got {got(answer)}")
    name = getattr(answer, "__name__", "the function")
    if inspect.isgeneratorfunction(answer) or inspect.iscoroutinefunction(answer):
        kind = "a generator" if inspect.isgeneratorfunction(answer) else "an async"
        raise Malformed(
            f"{name} is {kind} function: the app calls it, but its body would run only "
            "if someone iterated or awaited what the call returns, and nobody does, so none "
            "of it would run; write it without yield or async"
        )
    try:
        inspect.signature(answer).bind(*[None] * arguments)
    except TypeError:
        raise Malformed(f"{name} must take {takes}") from None
    except ValueError:
        pass  # no signature to read (a builtin): let the call decide
    if does_nothing(answer):
        raise Malformed(f"{NO_ANSWER}: {name} does nothing yet; write its body")
    return answer  # type: ignore[no-any-return]


def does_nothing(fn: Callable[..., object]) -> bool:
    """Whether ``fn``'s body only returns a constant, as ``def on_start(app): ...`` does."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    idle = {"RESUME", "NOP", "LOAD_CONST", "RETURN_VALUE", "RETURN_CONST", "CACHE"}
    return all(step.opname in idle for step in dis.get_instructions(code))


def guarded(fn: Callable[[App], object]) -> Callable[[App], object]:
    """``fn``, with whatever it raises turned into :class:`Raised` for :meth:`Exercise.check`."""

    def run(app: App) -> object:
        try:
            return fn(app)
        except Exception as error:
            raise Raised() from error

    return run
