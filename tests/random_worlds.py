"""Random worlds for the property suites: scenarios, misbehaving notifiers, and a harness.

Shared by ``test_delivery_properties.py`` (delivery invariants) and ``test_invariants.py``
(hostile input and re-entrant notifiers). Hypothesis draws one to four download jobs (one to
three files each, sizes from 0 bytes), each with notify flags (any value 0..0x3F), a minimum
retry delay (at least 5 s), a minimum notification interval and maybe a command line (a
registered program that exits 0 or not, or an unknown one); one or two apps whose notifiers
follow a script per method: succeed, return False, raise, return junk, call ``sim.run()``,
complete the job (C10), or run as generators that take simulated time and may, halfway,
crash their app, set DISABLE, clear their own flag or cancel the job; duck-typed notifiers
lacking methods (I6); and timed actions (``call_at``): flag changes, crashes, restarts
(``on_start`` registers a new notifier on the app's jobs), clean exits (``on_exit`` sets the
interfaces to None), re-registrations, resumes, suspends, new command lines, retry delays and
notification intervals; plus outages and HTTP 503/404 failures. Each scenario runs to
``HORIZON``, then restarts every app that is down, runs until quiet, cancels or completes
every job and runs until quiet again, so every notification ends. A world may loop for ever
(a ``job_error`` that resumes a job whose server answers 404 for good, C10): the first two
runs may then end with :class:`bitslab.RunBudgetError` (kept in ``Run.budget_errors``), and
finishing every job ends the loop.

``scenarios(hostile=True)`` adds results and exceptions that cannot be printed;
``scenarios(reentrant=True)`` adds everything of issue 9: callbacks that call the API again
from inside (cancel, suspend, resume, add_file, set flags, set or remove the interface, set
a command line, crash or exit their own app), that return a coroutine (``async def``), an
int whose comparisons raise, or raise SystemExit; notifiers that forget
``super().__init__()`` or whose method lookup raises KeyError; and up to two outages, which
may meet or overlap.

The notifiers and the programs record what they see when called (the job's flags and state,
whether their app run is alive, how many callbacks are in flight) in a :class:`Book`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

import bitslab as bl

S = bl.JobState
F = bl.NotifyFlags
HORIZON = 60.0
KINDS = ("recording", "generator")
METHODS = (
    "job_transferred",
    "job_error",
    "job_modification",
    "file_transferred",
    "file_ranges_transferred",
)
FLAG_OF = {
    "job_transferred": F.JOB_TRANSFERRED,
    "job_error": F.JOB_ERROR,
    "job_modification": F.JOB_MODIFICATION,
    "file_transferred": F.FILE_TRANSFERRED,
    "file_ranges_transferred": F.FILE_RANGES_TRANSFERRED,
}
# What a notifier does when called: a quick return (C5 reads the value), or a generator that
# takes simulated time first (C9). "rerun" calls sim.run() from inside the callback.
QUICK = {
    "ok": None,
    "true": True,
    "s_false": 1,
    "false": False,
    "e_fail": bl.E_FAIL,
    "negative": -2147467259,
    "junk": "yes",
    "float": 0.0,
}
SUCCEEDS = {"ok", "true", "s_false", "complete", "slow_ok", "slow_crash"}
SUCCEEDS |= {"cancel", "resume", "add_file", "crash_self", "exit_self", "touchy_ok"}
SUCCEEDS |= {"slow_add_file", "slow_suspend"}
PROGRAMS = ("C:\\Tools\\notify.exe", "/usr/bin/notify", "C:\\Tools\\missing.exe")  # last: unknown
TARGET = re.compile(r" of app '(?P<app>[^']+)' run (?P<run>\d+)$")

# -- scenarios -----------------------------------------------------------------------------------

Step = tuple[str, float]  # (what to do, seconds a slow one takes)
Script = dict[str, tuple[Step, ...]]  # per method, steps used in turn, call after call


@dataclass(frozen=True)
class NotifierPlan:
    kind: str  # "recording" (plain methods), "generator" (generator methods) or "duck"
    methods: frozenset[str]  # a duck lacks the others
    script: Script


@dataclass(frozen=True)
class JobPlan:
    sizes: tuple[int, ...]
    flags: int
    retry_delay: int
    interval_ms: int
    resume_at: float
    app: int | None  # the app that owns the job and registers on it
    duck: NotifierPlan | None  # registered instead of the app's notifier at the start
    cmdline: int | None  # index into PROGRAMS, set at the start
    finish: str  # "cancel" or "complete" at the end


@dataclass(frozen=True)
class Scenario:
    seed: int
    callback_timeout: float | None
    apps: tuple[NotifierPlan, ...]
    exit_codes: tuple[tuple[object, ...], ...]  # per registered program, used in turn
    jobs: tuple[JobPlan, ...]
    actions: tuple[tuple[Any, ...], ...]  # (time, what, *arguments)
    outages: tuple[tuple[float, float], ...]
    failures: tuple[tuple[str, int, float, float | None], ...]  # url, status, start, duration


def tenths(low: int, high: int) -> st.SearchStrategy[float]:
    """Times on a 0.1 s grid."""
    return st.integers(low, high).map(lambda n: n / 10)


# Flags: any value, or (two times in three) one that lets the job-level and file calls through.
USEFUL = [(f | 0x13) & ~F.DISABLE for f in range(0x40)]
FLAGS = st.sampled_from([*range(0x40), *USEFUL, *USEFUL])
# A notifier's step, one draw: shrinks towards "ok".
STEPS: list[Step] = [
    *[(what, 0.0) for what in ("ok", "true", "ok", "s_false", "ok", "ok", "ok")],
    *[(what, 0.0) for what in ("false", "e_fail", "negative", "junk", "float", "raise", "rerun")],
    *[(what, s) for s in (0.5, 1.0, 2.5, 3.0, 4.5) for what in ("slow_ok", "slow_fail")],
    ("slow_raise", 2.0),
    # Halfway through, the app crashes (then returns success), or the callback sets DISABLE or
    # clears its own flag (then fails): the outcome must follow what holds when it returns.
    *[(what, s) for s in (1.0, 3.0) for what in ("slow_crash", "slow_disable", "slow_unflag")],
    # C10, C11: the callback completes its job (and succeeds), or cancels it halfway (and
    # fails); or it yields something that is not an event (a failed call).
    ("complete", 0.0),
    ("slow_cancel", 2.0),
    ("slow_badyield", 1.0),
]
# Hostile ones: a result, or an exception, that cannot even be printed.
HOSTILE = [("unprintable", 0.0), ("raise_unprintable", 0.0), ("slow_raise_unprintable", 1.0)]
SCRIPT = st.lists(st.sampled_from(STEPS), min_size=1, max_size=3).map(tuple)
HOSTILE_SCRIPT = st.lists(st.sampled_from(STEPS + HOSTILE), min_size=1, max_size=3).map(tuple)
# Issue 9: callbacks that call the API from inside (C10), and results BITS cannot read (C5).
REENTRANT = [
    *[
        (what, 0.0)
        for what in (
            "cancel",
            "suspend_fail",
            "resume",
            "unregister_fail",
            "reregister_fail",
            "cmdline_fail",
            "add_file",
            "crash_self",
            "exit_self",
            "flags_raise",
            "async",
            "system_exit",
            "touchy_ok",
            "touchy_fail",
        )
    ],
    *[(what, 2.0) for what in ("slow_add_file", "slow_unregister", "slow_suspend")],
]
REENTRANT_SCRIPT = st.lists(
    st.sampled_from(STEPS + HOSTILE + REENTRANT + REENTRANT), min_size=1, max_size=3
).map(tuple)
DUCKS = ("duck", "lookup", "forgetful")  # job-level notifiers of no app (I6, issue 9)
EXIT_CODES: list[object] = [0, 1, 0, 7, None]
HOSTILE_EXIT_CODES: list[object] = [*EXIT_CODES, "unprintable", "raise_unprintable"]
INTERVALS = [500, 0, 100, 2_000]  # MINIMUM_NOTIFICATION_INTERVAL_MS (C7)
SIZE = st.one_of(st.just(0), st.integers(1, 3_000_000))
ACTIONS = ["flags", "crash", "start", "flags", "exit", "register", "duck", "resume", "suspend"]
ACTIONS += ["cmdline", "retry_delay", "interval"]


@st.composite
def notifier_plans(
    draw: st.DrawFn, kinds: tuple[str, ...], script: st.SearchStrategy[tuple[Step, ...]]
) -> NotifierPlan:
    kind = draw(st.sampled_from(kinds))
    methods = frozenset(METHODS)
    if kind in ("duck", "lookup"):  # I6: lacks some methods (keeps one, or BITS refuses it)
        methods = frozenset(m for m in METHODS if draw(st.booleans())) or frozenset(METHODS[:1])
    return NotifierPlan(kind, methods, {m: draw(script) for m in METHODS})


@st.composite
def job_plans(
    draw: st.DrawFn,
    apps: int,
    script: st.SearchStrategy[tuple[Step, ...]],
    ducks: tuple[str, ...] = ("duck",),
) -> JobPlan:
    owner = draw(st.integers(0, apps))  # ``apps``: no app registers on the job
    return JobPlan(
        sizes=tuple(draw(st.lists(SIZE, min_size=1, max_size=3))),
        flags=draw(FLAGS),
        retry_delay=draw(st.integers(5, 20)),
        interval_ms=draw(st.sampled_from(INTERVALS)),
        resume_at=draw(st.sampled_from([0.0, 0.0, 5.0, 20.0, 45.0])),
        app=owner if owner < apps else None,
        duck=draw(notifier_plans(ducks, script)) if draw(st.integers(0, 3)) == 3 else None,
        cmdline=draw(st.sampled_from([None, None, 0, 1, 2])),
        finish=draw(st.sampled_from(["cancel", "complete"])),
    )


@st.composite
def actions(
    draw: st.DrawFn,
    apps: int,
    jobs: int,
    script: st.SearchStrategy[tuple[Step, ...]],
    ducks: tuple[str, ...] = ("duck",),
) -> tuple[Any, ...]:
    time = draw(tenths(0, int(HORIZON * 10) - 1))
    job = st.integers(0, jobs - 1)
    app = st.integers(0, apps - 1)
    what = draw(st.sampled_from(ACTIONS))
    if what == "flags":
        return (time, what, draw(job), draw(st.integers(0, 0x3F)))
    if what in ("crash", "start", "exit"):
        return (time, what, draw(app))
    if what == "register":
        return (time, what, draw(app), draw(job))
    if what == "duck":
        return (time, what, draw(job), draw(notifier_plans(ducks, script)))
    if what == "cmdline":
        return (time, what, draw(job), draw(st.integers(0, len(PROGRAMS) - 1)))
    if what == "retry_delay":  # under 5 s is raised to 5 (L1)
        return (time, what, draw(job), draw(st.integers(0, 20)))
    if what == "interval":
        return (time, what, draw(job), draw(st.sampled_from(INTERVALS)))
    return (time, what, draw(job))


@st.composite
def scenarios(draw: st.DrawFn, *, hostile: bool = False, reentrant: bool = False) -> Scenario:
    script = REENTRANT_SCRIPT if reentrant else HOSTILE_SCRIPT if hostile else SCRIPT
    ducks = DUCKS if reentrant else ("duck",)
    apps = tuple(draw(notifier_plans(KINDS, script)) for _ in range(draw(st.integers(1, 2))))
    counts = st.sampled_from([1, 2, 3, 4, 4])
    jobs = tuple(draw(job_plans(len(apps), script, ducks)) for _ in range(draw(counts)))
    urls = [url for index, plan in enumerate(jobs) for url in file_urls(index, plan)]
    failures = []
    for _ in range(draw(st.sampled_from([0, 1, 1, 2]))):
        status = draw(st.sampled_from([404, 503, 404]))
        start, length = (
            draw(st.integers(-50, 300).map(lambda n: max(n, 0) / 10)),
            draw(tenths(1, 300)),
        )
        # 503 windows are finite, so every retry cycle ends; a 404 may last for ever.
        duration = None if status == 404 and draw(st.booleans()) else length
        failures.append(
            (draw(st.sampled_from([*urls, "https://srv.test/"])), status, start, duration)
        )
    outages = [(draw(tenths(0, 500)), draw(tenths(1, 200))) for _ in range(draw(st.integers(0, 1)))]
    if reentrant and outages and draw(st.booleans()):  # L4: a second one, meeting or overlapping
        start, length = outages[0]
        outages.append((draw(st.sampled_from([start + length, start + length / 2])), length))
    codes = HOSTILE_EXIT_CODES if hostile or reentrant else EXIT_CODES
    return Scenario(
        seed=draw(st.integers(0, 2**32 - 1)),
        callback_timeout=draw(st.sampled_from([60.0, 3.0, None])),
        apps=apps,
        exit_codes=tuple(
            draw(st.lists(st.sampled_from(codes), min_size=1, max_size=3).map(tuple))
            for _ in PROGRAMS[:-1]
        ),
        jobs=jobs,
        actions=tuple(draw(st.lists(actions(len(apps), len(jobs), script, ducks), max_size=10))),
        outages=tuple(outages),
        failures=tuple(failures),
    )


def file_urls(index: int, plan: JobPlan) -> list[str]:
    return [f"https://srv.test/job{index}/file{k}.bin" for k in range(len(plan.sizes))]


# -- what notifiers and programs see -------------------------------------------------------------


@dataclass
class Seen:
    """One call into a notifier, as the notifier saw it when called."""

    time: float
    method: str
    job: bl.Job
    file: bl.File | None
    flags: bl.NotifyFlags
    alive: bool | None  # None for a duck (no app run to die)
    succeeds: bool  # what it was scripted to return is a C5 success


@dataclass
class Book:
    """Everything the notifiers and programs of one run saw."""

    callback_timeout: float | None
    calls: list[Seen] = field(default_factory=list)
    commands: list[tuple[float, bl.Job, bl.JobState, bl.NotifyFlags]] = field(default_factory=list)
    in_flight: dict[int, float] = field(default_factory=dict)  # call number -> start
    peak: int = 0
    _numbers: int = 0

    def enter(self, now: float) -> int:
        """C9: one more callback is running; a call past callback_timeout was abandoned."""
        timeout = self.callback_timeout
        if timeout is not None:
            self.in_flight = {n: t for n, t in self.in_flight.items() if now < t + timeout}
        self._numbers += 1
        self.in_flight[self._numbers] = now
        self.peak = max(self.peak, len(self.in_flight))
        return self._numbers

    def leave(self, number: int) -> None:
        self.in_flight.pop(number, None)


class Unprintable(Exception):
    """Junk that cannot be printed: returned by a callback, or raised by one."""

    def __str__(self) -> str:
        raise ValueError("Unprintable cannot be printed")

    def __repr__(self) -> str:
        raise ValueError("Unprintable cannot be printed")


class TouchyInt(int):
    """An int result whose comparisons raise: C5 must read its value, not its operators."""

    def __lt__(self, other: object) -> bool:
        raise RuntimeError("no <")

    __le__ = __gt__ = __ge__ = __lt__


async def _nothing() -> None:
    return None


def _coroutine() -> Coroutine[Any, Any, None]:
    """What an ``async def`` callback returns: a coroutine BITS never awaits."""
    return _nothing()


REENTRANT_NAMES = frozenset(name for name, _ in REENTRANT)


class Behaviour:
    """Plays a notifier's script and records each call in the book."""

    book: Book
    plan: NotifierPlan
    turns: Counter[str]

    def see(self, method: str, job: bl.Job, file: bl.File | None, alive: bool | None) -> Step:
        script = self.plan.script[method]
        step = script[self.turns[method] % len(script)]
        self.turns[method] += 1
        flags = job.get_notify_flags()
        self.book.calls.append(
            Seen(job.sim.now, method, job, file, flags, alive, step[0] in SUCCEEDS)
        )
        return step

    def fresh(self) -> object:
        """A new notifier like this one, for a callback that registers another (I1)."""
        return Duck(self.plan, self.book)

    def reenter(self, job: bl.Job, what: str) -> Any:
        """C10, issue 9: call the API from inside the callback; what the call returns."""
        app = getattr(self, "app", None)
        live = not job.state.is_final
        if what in ("cancel", "suspend_fail", "slow_suspend") and live:
            job.cancel() if what == "cancel" else job.suspend()
        elif what == "resume" and live:
            job.resume()
        elif what in ("unregister_fail", "slow_unregister") and live:
            job.set_notify_interface(None)
        elif what == "reregister_fail" and live:
            job.set_notify_interface(self.fresh())
        elif what == "cmdline_fail" and live:
            job.set_notify_cmdline(PROGRAMS[1], f"{PROGRAMS[1]} {job.name}")
        elif what in ("add_file", "slow_add_file") and live and len(job.files) < 5:
            number = len(job.files)
            job.add_file(f"https://srv.test/{job.name}/extra{number}.bin", f"x{number}", 1_000)
        elif what in ("crash_self", "exit_self") and app is not None and app.running:
            app.crash() if what == "crash_self" else app.exit()
        elif what == "flags_raise":
            job.set_notify_flags(0x40)  # F3: a BitsError inside the callback, a failed call
        elif what == "system_exit":
            raise SystemExit(2)
        elif what == "async":
            return _coroutine()
        elif what.startswith("touchy"):
            return TouchyInt(0 if what == "touchy_ok" else bl.E_FAIL)
        return False if what.endswith(("_fail", "unregister")) else None

    def quick(self, job: bl.Job, what: str) -> Any:
        if what in REENTRANT_NAMES:
            return self.reenter(job, what)
        if what == "raise":
            raise RuntimeError("the notifier failed")
        if what == "rerun":
            job.sim.run()  # C5: RuntimeError from inside a callback, a failed call
        if what == "complete" and not job.state.is_final:
            job.complete()  # C10
        if what == "raise_unprintable":
            raise Unprintable()
        return Unprintable() if what == "unprintable" else QUICK.get(what)

    def slow(self, method: str, job: bl.Job, step: Step) -> Generator[Any, Any, Any]:
        what, seconds = step
        number = self.book.enter(job.sim.now)
        try:
            yield job.sim.env.timeout(seconds / 2)
            app = getattr(self, "app", None)
            if what == "slow_crash" and app is not None and app.running:
                app.crash()
            elif what in ("slow_disable", "slow_unflag") and not job.state.is_final:
                flags = job.get_notify_flags()
                flags = flags | F.DISABLE if what == "slow_disable" else flags & ~FLAG_OF[method]
                job.set_notify_flags(flags)
            elif what == "slow_cancel" and not job.state.is_final:
                job.cancel()
            elif what == "slow_badyield":
                yield "not an event"
            elif what in REENTRANT_NAMES:
                result = self.reenter(job, what)
                yield job.sim.env.timeout(seconds / 2)
                return result
            yield job.sim.env.timeout(seconds / 2)
            if what == "slow_raise":
                raise RuntimeError("the slow notifier failed")
            if what == "slow_raise_unprintable":
                raise Unprintable()
            return None if what in ("slow_ok", "slow_crash") else False
        finally:
            self.book.leave(number)

    def act(self, method: str, job: bl.Job, file: bl.File | None, alive: bool | None) -> Any:
        step = self.see(method, job, file, alive)
        if step[0].startswith("slow"):
            return self.slow(method, job, step)  # a generator: BITS runs it as a process (C9)
        number = self.book.enter(job.sim.now)
        try:
            return self.quick(job, step[0])
        finally:
            self.book.leave(number)


class Recording(Behaviour, bl.Notifier):
    """A notifier of an app run whose plain methods may return a generator."""

    def __init__(self, app: bl.App, plan: NotifierPlan, book: Book) -> None:
        super().__init__(app)
        self.plan, self.book, self.turns = plan, book, Counter()

    def fresh(self) -> object:
        if self.app is not None and self.app.running:
            return type(self)(self.app, self.plan, self.book)
        return Duck(self.plan, self.book)

    def job_transferred(self, job: bl.Job) -> Any:
        return self.act("job_transferred", job, None, self.alive)

    def job_error(self, job: bl.Job, error: bl.JobError) -> Any:
        return self.act("job_error", job, None, self.alive)

    def job_modification(self, job: bl.Job) -> Any:
        return self.act("job_modification", job, None, self.alive)

    def file_transferred(self, job: bl.Job, file: bl.File) -> Any:
        return self.act("file_transferred", job, file, self.alive)

    def file_ranges_transferred(self, job: bl.Job, file: bl.File, ranges: Any) -> Any:
        return self.act("file_ranges_transferred", job, file, self.alive)


class Generating(Behaviour, bl.Notifier):
    """A notifier of an app run whose methods are generator functions (C9)."""

    def __init__(self, app: bl.App, plan: NotifierPlan, book: Book) -> None:
        super().__init__(app)
        self.plan, self.book, self.turns = plan, book, Counter()

    def fresh(self) -> object:
        if self.app is not None and self.app.running:
            return type(self)(self.app, self.plan, self.book)
        return Duck(self.plan, self.book)

    def body(self, method: str, job: bl.Job, file: bl.File | None) -> Generator[Any, Any, Any]:
        step = self.see(method, job, file, self.alive)
        if step[0].startswith("slow"):
            return (yield from self.slow(method, job, step))
        number = self.book.enter(job.sim.now)
        try:
            return self.quick(job, step[0])
        finally:
            self.book.leave(number)

    def job_transferred(self, job: bl.Job) -> Generator[Any, Any, Any]:
        return (yield from self.body("job_transferred", job, None))

    def job_error(self, job: bl.Job, error: bl.JobError) -> Generator[Any, Any, Any]:
        return (yield from self.body("job_error", job, None))

    def job_modification(self, job: bl.Job) -> Generator[Any, Any, Any]:
        return (yield from self.body("job_modification", job, None))

    def file_transferred(self, job: bl.Job, file: bl.File) -> Generator[Any, Any, Any]:
        return (yield from self.body("file_transferred", job, file))

    def file_ranges_transferred(
        self, job: bl.Job, file: bl.File, ranges: Any
    ) -> Generator[Any, Any, Any]:
        return (yield from self.body("file_ranges_transferred", job, file))


class Duck(Behaviour):
    """A duck-typed notifier (not a bl.Notifier) with only some of the methods (I6)."""

    def __init__(self, plan: NotifierPlan, book: Book) -> None:
        self.plan, self.book, self.turns = plan, book, Counter()
        for method in plan.methods:
            setattr(self, method, self.bound(method))

    def bound(self, method: str) -> Callable[..., Any]:
        def call(job: bl.Job, *rest: Any) -> Any:
            file = rest[0] if method.startswith("file") else None
            return self.act(method, job, file, None)

        return call


class LookupDuck(Duck):
    """A duck whose missing methods raise KeyError when looked up, not AttributeError (a
    ``__getattr__`` over a dict of handlers): BITS counts them as missing (I6)."""

    def __getattr__(self, name: str) -> Any:
        if name in METHODS:
            raise KeyError(name)
        raise AttributeError(name)


class Forgetful(Recording):
    """A bl.Notifier subclass whose ``__init__`` forgets ``super().__init__()``: a notifier
    of no app, which never dies (I4)."""

    def __init__(self, plan: NotifierPlan, book: Book) -> None:  # no super().__init__()
        self.plan, self.book, self.turns = plan, book, Counter()


def make_duck(plan: NotifierPlan, book: Book) -> object:
    """A job-level notifier of no app, of the plan's kind."""
    kind = {"duck": Duck, "lookup": LookupDuck}.get(plan.kind)
    return Forgetful(plan, book) if kind is None else kind(plan, book)


def program(book: Book, codes: tuple[object, ...]) -> Callable[[bl.Job, str], Any]:
    """A simulated command line (K6) that exits with ``codes`` in turn, recording each run."""
    runs = Counter[str]()

    def handler(job: bl.Job, parameters: str) -> Any:
        book.commands.append((job.sim.now, job, job.state, job.get_notify_flags()))
        runs["n"] += 1
        code = codes[(runs["n"] - 1) % len(codes)]
        if code == "raise_unprintable":
            raise Unprintable()
        return Unprintable() if code == "unprintable" else code

    return handler


# -- running a scenario --------------------------------------------------------------------------


#: Budgets of a random world's runs: far above what a world that ends needs (a few hundred
#: events, a few re-entries per job), so only a world that loops spends them; the wall-clock
#: one only guards the suite against a hang, and a test fails if it is ever spent.
WORLD_BUDGETS: dict[str, Any] = {"max_events": 200_000, "max_reentries": 300, "max_wall_time": 120}

#: How the harness runs the simulation: ``drive(sim, until)``.
Drive = Callable[[bl.Simulation, "float | None"], None]


def _plain(sim: bl.Simulation, until: float | None) -> None:
    sim.run(until=until)


@dataclass
class Run:
    sim: bl.Simulation
    jobs: list[bl.Job]
    book: Book
    budget_errors: list[bl.RunBudgetError] = field(default_factory=list)


def run(scenario: Scenario, drive: Drive = _plain) -> Run:
    """Build and run the scenario; sim.run() must never raise, whatever the notifiers do,
    except :class:`bitslab.RunBudgetError` for a world that loops (kept in the result)."""
    sim = bl.Simulation(
        seed=scenario.seed, callback_timeout=scenario.callback_timeout, **WORLD_BUDGETS
    )
    book = Book(scenario.callback_timeout)
    for path, codes in zip(PROGRAMS, scenario.exit_codes, strict=False):
        sim.register_program(path, program(book, codes))
    for start, length in scenario.outages:
        sim.network.outage(start, length)
    for url, status, start, duration in scenario.failures:
        sim.network.fail(url, status, start, duration)
    apps = [sim.add_app(f"app{i}") for i in range(len(scenario.apps))]
    current: dict[bl.App, object] = {}

    def make(app: bl.App) -> object:
        plan = scenario.apps[apps.index(app)]
        kind = Recording if plan.kind == "recording" else Generating
        current[app] = kind(app, plan, book)
        return current[app]

    for app in apps:
        make(app)

    def resume(job: bl.Job) -> None:
        if not job.state.is_final:  # a callback may have completed or cancelled it (C10)
            job.resume()

    jobs: list[bl.Job] = []
    for index, plan in enumerate(scenario.jobs):
        job = sim.create_job(f"job{index}")
        for url, size in zip(file_urls(index, plan), plan.sizes, strict=True):
            job.add_file(url, url.rsplit("/", 1)[1], size)
        job.minimum_retry_delay = plan.retry_delay
        job.set_property(bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, plan.interval_ms)
        job.set_notify_flags(plan.flags)
        if plan.duck is not None:
            job.set_notify_interface(make_duck(plan.duck, book))
        elif plan.app is not None:
            job.set_notify_interface(current[apps[plan.app]])
        if plan.cmdline is not None:
            job.set_notify_cmdline(PROGRAMS[plan.cmdline], f"{PROGRAMS[plan.cmdline]} {job.name}")
        sim.call_at(plan.resume_at, resume, job)
        jobs.append(job)

    def owned(app: bl.App) -> list[bl.Job]:
        i = apps.index(app)
        return [job for job, plan in zip(jobs, scenario.jobs, strict=True) if plan.app == i]

    def restarted(app: bl.App) -> None:  # I4: a new run registers a new object on its jobs
        notifier = make(app)
        for job in owned(app):
            if not job.state.is_final:
                job.set_notify_interface(notifier)

    def exiting(app: bl.App) -> None:  # I7: a clean exit takes its interfaces back first
        for job in jobs:
            if not job.state.is_final and job.get_notify_interface() is current[app]:
                job.set_notify_interface(None)

    for app in apps:
        app.on_start(restarted)
        app.on_exit(exiting)

    def act(what: str, *args: Any) -> None:
        if what in ("crash", "exit", "start"):
            app = apps[args[0]]
            if app.running != (what == "start"):
                getattr(app, what)()
        elif jobs[args[-1] if what == "register" else args[0]].state.is_final:
            return  # a callback completed or cancelled it (C10)
        elif what == "register":
            app, job = apps[args[0]], jobs[args[1]]
            if app.running:
                job.set_notify_interface(current[app])
        elif what == "duck":
            jobs[args[0]].set_notify_interface(make_duck(args[1], book))
        elif what == "flags":
            jobs[args[0]].set_notify_flags(args[1])
        elif what == "retry_delay":
            jobs[args[0]].minimum_retry_delay = args[1]
        elif what == "interval":
            jobs[args[0]].set_property(bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, args[1])
        elif what == "cmdline":
            path = PROGRAMS[args[1]]
            jobs[args[0]].set_notify_cmdline(path, f"{path} {jobs[args[0]].name}")
        else:  # resume, suspend
            getattr(jobs[args[0]], what)()

    for time, what, *args in scenario.actions:
        sim.call_at(time, act, what, *args)
    errors: list[bl.RunBudgetError] = []

    def go(until: float | None) -> None:
        try:
            drive(sim, until)
        except bl.RunBudgetError as error:  # the world loops: inspect, then go on
            errors.append(error)

    go(HORIZON)
    for app in apps:
        if not app.running:
            app.start()
    go(None)
    for job, plan in zip(jobs, scenario.jobs, strict=True):
        if not job.state.is_final:
            getattr(job, plan.finish)()  # C11: every pending notification is now stale
    drive(sim, None)  # every job is final: nothing can loop any more
    return Run(sim, jobs, book, errors)
