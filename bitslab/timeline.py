"""What happened when, as plain data: the model behind the timeline plot and the CLI.

:func:`timeline` reads a simulation's public results (each job's ``history``, the event log,
``log.pending()``, the apps' runs and the network's schedule) and returns a :class:`Timeline`
of state bands, notification marks and shaded spans. It imports no plotting library, so
tests, the CLI and :mod:`bitslab.plots` share one reading of a run.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from ._check import check_bool, check_instance, got
from .constants import JobProperty, JobState
from .log import EventLog, LogEntry
from .model.jobs import Job
from .simulation import Simulation
from .views.words import subject
from .vocabulary import NOT_ENDED, PENDING, Method, Outcome, Status

if TYPE_CHECKING:
    from .model.apps import App
    from .model.files import File

__all__ = [
    "ARRIVED",
    "METHODS",
    "Arrival",
    "Band",
    "Mark",
    "Shade",
    "Timeline",
    "arrivals",
    "chosen_jobs",
    "outcome_counts",
    "timeline",
]

#: The callback methods, in the order the plots list them.
METHODS = tuple(method.value for method in Method)
#: Outcomes that mean the notification reached the application (or its command line).
ARRIVED = frozenset(outcome.value for outcome in Outcome if outcome.arrived)


class Band(NamedTuple):
    """A job stayed in ``state`` from ``start`` to ``end``, having entered it under ``rule``."""

    job: Job
    state: JobState
    start: float
    end: float
    rule: str


class Mark(NamedTuple):
    """One raised notification.

    ``raised`` is when BITS raised it; ``time`` when its final attempt or decision began
    (for a delivery: when the call was made, however long the callback then took; N2: a
    call into an app run that BITS started for the job's callback class is made when that
    run began, after the server's start-up delay) or, if it is still pending, the end of the
    timeline. ``outcome`` and ``rule`` are those of its final
    entry (None while pending); ``arrived`` is True for ``delivered`` and ``cmdline``;
    ``attempts`` counts its attempts.
    """

    id: int
    job: Job
    method: str
    file: File | None
    raised: float
    time: float
    outcome: str | None
    rule: str | None
    arrived: bool
    attempts: int

    @property
    def pending(self) -> bool:
        """True when the notification had not ended when the timeline was read."""
        return self.outcome is None

    @property
    def late(self) -> bool:
        """True when it arrived, but later than it was raised (a retry, a queue, a delay)."""
        return self.arrived and self.time > self.raised + 1e-9


class Shade(NamedTuple):
    """A span of time worth shading: ``kind`` is ``"app_down"``, ``"outage"``,
    ``"server_error"``, ``"traffic"`` or ``"service_down"`` (P2, P3); ``label`` says which app,
    URL or bandwidth, or whether the machine was rebooting.
    ``end`` is ``math.inf`` when the span was still going when the timeline was read. ``jobs``
    are the jobs it touches (an application's down time: the jobs whose notifier is or was
    that app's, I4; a server error: those with a file at that URL); empty means every job."""

    kind: str
    label: str
    start: float
    end: float
    jobs: tuple[Job, ...] = ()


class Timeline(NamedTuple):
    """Everything :func:`bitslab.plots.timeline` draws, from ``start`` to ``end``."""

    start: float
    end: float
    jobs: list[Job]
    bands: list[Band]
    marks: list[Mark]
    shades: list[Shade]


def chosen_jobs(sim: object, jobs: object) -> list[Job]:
    """The jobs a view of ``sim`` shows: every job (``jobs`` None), or ``jobs``, a list of
    jobs of ``sim``. Anything else is a TypeError or ValueError naming the argument (a lone
    Job, not in a list, is told to go in one)."""
    run = check_instance("sim", sim, Simulation, "a Simulation")
    if jobs is None:
        return list(run.jobs)
    if isinstance(jobs, Job):
        raise TypeError(
            f"jobs must be a list of jobs, got one Job ({jobs.name!r}): put it in a list, [job]"
        )
    if isinstance(jobs, str | bytes) or not isinstance(jobs, Iterable):
        raise TypeError(f"jobs must be None or a list of jobs of sim, got {got(jobs)}")
    chosen = list(jobs)
    for index, job in enumerate(chosen):
        check_instance(f"jobs[{index}]", job, Job, "a Job (from sim.create_job())")
        if job.sim is not run:
            raise ValueError(f"jobs[{index}] (job {job.name!r}) belongs to another Simulation")
    return chosen


def timeline(sim: Simulation, jobs: Iterable[Job] | None = None) -> Timeline:
    """Read ``sim`` (every job, or ``jobs``) into a :class:`Timeline` ending now."""
    chosen = chosen_jobs(sim, jobs)
    end = sim.now
    bands = [band for job in chosen for band in _bands(job, end)]
    marks = _marks(sim, chosen, end)
    shades = _shades(sim, chosen, end)
    return Timeline(0.0, end, chosen, bands, marks, shades)


def outcome_counts(log: EventLog, job: Job | None = None) -> dict[tuple[str, str], int]:
    """How each raised notification ended, per method: ``{(method, outcome): count}``, from
    the final entries (of ``job``, if given). Pending ones count under ``"pending"``."""
    check_instance("log", log, EventLog, "an EventLog (sim.log)")
    counts: dict[tuple[str, str], int] = {}
    for entry in log.entries(job, final=True):
        key = (entry.method, entry.outcome)
        counts[key] = counts.get(key, 0) + 1
    for note in log.pending(job):
        key = (note.method, PENDING)
        counts[key] = counts.get(key, 0) + 1
    return counts


class Arrival(NamedTuple):
    """One row of "what arrived and why": a raised notification, how it ended and the
    reason, in words (``why``) and as a rule ID (``rule``; None for a delivery). ``ended``
    is when its final attempt or decision began (None while pending)."""

    raised: float
    job: str
    notification: str
    outcome: str
    rule: str | None
    why: str
    ended: float | None


def arrivals(
    sim: Simulation, jobs: Iterable[Job] | None = None, *, modifications: bool = False
) -> list[Arrival]:
    """What arrived and why, one row per raised notification, oldest first.

    job_modification, often dozens, is left out unless ``modifications``. A pending
    notification's outcome is ``"pending"`` and ``why`` says what it waits for.

    >>> from bitslab.scenarios import restart_story
    >>> rows = arrivals(restart_story(reregister=False))
    >>> [(row.notification, row.outcome) for row in rows if row.job == "nightly"][:2]
    [("file_transferred 'base.cab'", 'delivered'), ("file_transferred 'fonts.cab'", 'pending')]
    """
    from .rulebook import rules

    chosen = chosen_jobs(sim, jobs)
    check_bool("modifications", modifications)
    status = {note.id: note.status for note in sim.log.pending()}
    last = {entry.id: entry for entry in sim.log}  # each notification's latest entry
    rows = []
    for mark in _marks(sim, chosen, sim.now):  # the marks alone: no bands nor shades
        if mark.method == Method.JOB_MODIFICATION and not modifications:
            continue
        about = subject(mark.method, mark.file)
        tries = "" if mark.attempts <= 1 else f" (attempt {mark.attempts})"
        before = last.get(mark.id)
        rule = mark.rule
        if mark.pending:
            why, rule = _waiting(status.get(mark.id), before)
            outcome = PENDING
        elif mark.arrived:
            target = last[mark.id].target
            how = (
                "its command line ran"
                if mark.outcome == Outcome.CMDLINE or target is None
                else f"delivered to {_short(target)}"
            )
            late = f", {mark.time - mark.raised:.2f} s late" if mark.late else ""
            why = f"{how} at {mark.time:.2f} s{late}{tries}"
            outcome = str(mark.outcome)
        else:
            found = rules.get(mark.rule or "")
            why = found.title if found is not None else str(mark.outcome)
            outcome = str(mark.outcome)
        ended = None if mark.pending else mark.time
        rows.append(Arrival(mark.raised, mark.job.name, about, outcome, rule, why, ended))
    return sorted(rows, key=lambda row: row.raised)


def _waiting(status: str | None, before: LogEntry | None) -> tuple[str, str | None]:
    """What a pending notification waits for, in words, and the rule that keeps it there
    (K5: once its command line ran, only the command line is retried)."""
    if status is None:
        return NOT_ENDED, None
    where = Status(status)
    cmdline = where is Status.RETRY and before is not None and before.rule == "K5"
    why = where.waiting_for(cmdline=cmdline)
    if where is Status.RETRY and not cmdline and before is not None and before.rule is not None:
        why = f"{before.outcome} ({before.rule}); {why}"
    return why, where.rule_for(cmdline=cmdline)


def _short(target: str) -> str:
    """``app 'downloader' run 2`` from ``RecordingNotifier of app 'downloader' run 2``."""
    _, of, app = target.partition(" of ")
    return app if of else target


def _bands(job: Job, end: float) -> list[Band]:
    history = job.history
    bands = []
    for change, following in zip(history, [*history[1:], None], strict=True):
        stop = end if following is None else following.time
        bands.append(Band(job, change.new, change.time, max(stop, change.time), change.rule))
    return bands


def _run_starts(sim: Simulation) -> dict[str, float]:
    """When each app run began, keyed as the log's targets name runs (``app 'x' run 2``)."""
    return {f"app {app.name!r} run {run.number}": run.start for app in sim.apps for run in app.runs}


def _began(entry: LogEntry, starts: dict[str, float]) -> float:
    """When ``entry``'s attempt reached what it called: when the attempt began, or, if it
    called into an app run that began later (N2: BITS started the app for the job's callback
    class, and the start took its delay), when that run began."""
    target = entry.target
    if target is None:
        return entry.time
    return max(entry.time, starts.get(_short(target), entry.time))


def _marks(sim: Simulation, jobs: list[Job], end: float) -> list[Mark]:
    log = sim.log
    starts = _run_starts(sim)
    wanted = set(jobs)
    attempts: dict[int, int] = {}
    marks: list[Mark] = []
    for entry in log:
        if entry.job not in wanted:
            continue
        attempts[entry.id] = max(attempts.get(entry.id, 0), entry.attempt)
        if entry.final:
            marks.append(
                Mark(
                    entry.id,
                    entry.job,
                    entry.method,
                    entry.file,
                    entry.raised,
                    _began(entry, starts),
                    entry.outcome,
                    entry.rule,
                    Outcome(entry.outcome).arrived,
                    attempts[entry.id],
                )
            )
    for note in log.pending():
        if note.job in wanted:
            marks.append(
                Mark(
                    note.id,
                    note.job,
                    note.method,
                    note.file,
                    note.raised,
                    end,
                    None,
                    None,
                    False,
                    attempts.get(note.id, 0),
                )
            )
    return sorted(marks, key=lambda mark: mark.id)


def _jobs_of(sim: Simulation, app: App, jobs: list[Job]) -> tuple[Job, ...]:
    """I4: the jobs whose notifier is, or was, one of ``app``'s (its interface now, or a call
    the log says was made into one of its runs), and N2: those whose callback class ``app``
    serves (BITS must start it to reach them), in the order of ``jobs``."""
    runs = f" of app {app.name!r} run "
    called = {entry.job for entry in sim.log if entry.target is not None and runs in entry.target}
    return tuple(
        job
        for job in jobs
        if job in called
        or getattr(job.get_notify_interface(), "app", None) is app
        or _serves(sim, app, job)
    )


def _serves(sim: Simulation, app: App, job: Job) -> bool:
    """N2: ``app`` is the registered server of ``job``'s callback class."""
    clsid = job.get_property(JobProperty.NOTIFICATION_CLSID)
    server = sim.servers.get(clsid) if isinstance(clsid, uuid.UUID) else None
    return server is not None and server.app is app


def _shades(sim: Simulation, jobs: list[Job], end: float) -> list[Shade]:
    def until(stop: float | None) -> float:
        return math.inf if stop is None or stop > end else stop

    shades: list[Shade] = []
    for app in sim.apps:
        owned = _jobs_of(sim, app, jobs)
        if not owned:  # none of these jobs ever heard from it: its down time is not theirs
            continue
        for run, following in zip(app.runs, [*app.runs[1:], None], strict=True):
            if run.end is None:
                continue
            back = until(None if following is None else following.start)
            how = "crashed" if run.how == "crash" else "exited"
            shades.append(Shade("app_down", f"app {app.name!r} {how}", run.end, back, owned))
    network = sim.network
    for outage in network.outages:
        shades.append(Shade("outage", "network down", outage.start, until(outage.end)))
    for failure in network.failures:
        label = f"{failure.url} answers {failure.status}"
        hit = tuple(job for job in jobs if any(failure.matches(f.remote_name) for f in job.files))
        if hit:
            shades.append(Shade("server_error", label, failure.start, until(failure.end), hit))
    for span in network.traffic_spans:
        label = f"other traffic {span.bandwidth:,.0f} B/s"
        shades.append(Shade("traffic", label, span.start, until(span.end)))
    for period in sim.service.periods:  # P2, P3: nothing transfers or is delivered
        label = "machine rebooting" if period.reboot else "BITS service down"
        shades.append(Shade("service_down", label, period.start, until(period.end)))
    return [shade for shade in shades if shade.start <= end]
