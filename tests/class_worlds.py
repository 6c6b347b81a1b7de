"""Random worlds with callback classes, service restarts, reboots, remote names and lookups
(issue 24; N1-N5, P2, P3, L17, EnumJobs, GetJob), for ``test_invariants.py``.

Drawn apart from ``random_worlds.scenarios()``, whose draws the golden worlds pin. Hypothesis
draws one or two applications, each maybe the out-of-process server of a callback class
(N2), with a factory that makes a good notifier, a notifier whose methods are generators
(C9), or fails in one of the ways N4 lists (it raises, returns None, returns a class or an
object without a callback method, or looks a finished job up and gets BG_E_NOT_FOUND), and
``on_start`` functions that raise every other start, set a new interface on the class's jobs
(N3), enumerate the queue or restart the service; one to three download jobs, each with or
without a NOTIFICATION_CLSID (one class has no server: REGDB_E_CLASSNOTREG) and an interface;
timed actions (crashes, clean exits, starts, interfaces set and removed, classes set and
cleared, suspends, resumes, new remote names, restarts and reboots set from inside the run);
restarts and reboots set before the run, which may overlap each other and the network's
outages; and HTTP 404 and 503 windows, which a callback may mend with ``set_remote_name``.

Every notifier, made by a factory or set as an interface, follows a script per method; a
step may call back into the API (C10): ``sim.enum_jobs()``, ``sim.get_job(job.id)`` (of the
job, of a job that is final: BG_E_NOT_FOUND inside the callback, a callback that raised, C5),
``set_property(NOTIFICATION_CLSID, ...)``, ``file.set_remote_name(...)``,
``sim.restart_service(...)`` and ``sim.reboot(...)`` (at most three down periods a world from
inside), cancel, complete, set the interface to None, crash its own app; quickly or halfway
through a call that takes simulated time. What the callbacks see that a test must check after
the run (they cannot assert inside: BITS would count the AssertionError as a failed call) is
kept in a :class:`ClassBook`.

The harness runs to ``HORIZON``, then on for another ``HORIZON`` (retries and activations
go through), then cancels or completes every job and runs until quiet.
"""

from __future__ import annotations

import contextlib
import uuid
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from random_worlds import FLAGS, METHODS, WORLD_BUDGETS, Book, Run, Seen, tenths

import bitslab as bl

HORIZON = 60.0
CLSID = bl.JobProperty.NOTIFICATION_CLSID
#: Callback classes: app i may serve class i; the last one never has a server (N4).
CLASSES = (
    uuid.UUID("0b2a1f3c-6d5e-4f7a-9b8c-1d2e3f4a5b6c"),
    uuid.UUID("11111111-2222-4333-8444-555555555555"),
    uuid.UUID("99999999-8888-4777-8666-555555555555"),
)
PROGRAMS = ("C:\\Tools\\notify.exe", "C:\\Tools\\missing.exe")  # last: unknown (K6)
#: N4: factories that never make a callback object, and on_start functions that may raise.
BAD_FACTORIES = frozenset({"raises", "none", "class", "no_callbacks", "get_gone"})
FACTORIES = (*["good"] * 6, "slow", "slow", "enum", "enum", *sorted(BAD_FACTORIES))
ON_START = ("nothing", "raise_odd", "set_interface", "enum", "restart")
RAISING_STARTS = frozenset({"raise_odd"})
MAX_DOWNS_FROM_INSIDE = 3

Step = tuple[str, float]
Script = dict[str, tuple[Step, ...]]
QUICK = ("ok", "ok", "ok", "false", "raise", "enum", "get_job", "get_gone", "complete_get")
QUICK += ("set_clsid", "clear_clsid", "remote", "restart", "reboot", "unregister", "cancel")
QUICK += ("crash_self",)
SLOW = [(what, s) for what in ("slow_ok", "slow_fail", "slow_enum") for s in (1.0, 4.0)]
SLOW += [("slow_restart", 2.0), ("slow_reboot", 2.0), ("slow_get_gone", 1.0)]
SLOW += [("slow_remote", 2.0), ("slow_clsid", 3.0)]
STEPS: list[Step] = [(what, 0.0) for what in QUICK] + SLOW
SCRIPT = st.lists(st.sampled_from(STEPS), min_size=1, max_size=3).map(tuple)


@dataclass(frozen=True)
class ServerPlan:
    serves: bool  # app i registers as the server of CLASSES[i] (N2)
    factory: str  # one of FACTORIES
    on_start: str  # one of ON_START
    script: Script  # what its notifiers do, per method


@dataclass(frozen=True)
class ClassJobPlan:
    sizes: tuple[int, ...]
    flags: int
    clsid: int | None  # index into CLASSES, set at the start (N1)
    app: int | None  # the app whose notifier is the job's interface at the start
    cmdline: int | None  # index into PROGRAMS
    retry_delay: int
    resume_at: float
    finish: str  # "cancel" or "complete" at the end


DownPeriods = tuple[tuple[str, float, float], ...]


@dataclass(frozen=True)
class ClassWorld:
    seed: int
    apps: tuple[ServerPlan, ...]
    jobs: tuple[ClassJobPlan, ...]
    actions: tuple[tuple[Any, ...], ...]  # (time, what, *arguments)
    downs: DownPeriods  # (restart_service or reboot, start, duration), set before the run
    outages: tuple[tuple[float, float], ...]
    failures: tuple[tuple[str, int, float, float | None], ...]  # url, status, start, duration


def file_url(job: int, k: int, host: str = "srv") -> str:
    return f"https://{host}.test/job{job}/file{k}.bin"


@st.composite
def server_plans(draw: st.DrawFn) -> ServerPlan:
    return ServerPlan(
        serves=draw(st.sampled_from([True, True, True, False])),
        factory=draw(st.sampled_from(FACTORIES)),
        on_start=draw(st.sampled_from(ON_START)),
        script={m: draw(SCRIPT) for m in METHODS},
    )


@st.composite
def class_job_plans(draw: st.DrawFn, apps: int) -> ClassJobPlan:
    owner = draw(st.integers(0, apps + 1))  # past the apps: no interface at the start
    return ClassJobPlan(
        sizes=tuple(draw(st.lists(st.sampled_from([0, 5_000, 400_000, 2_500_000]), min_size=1,
                                  max_size=2))),
        flags=draw(FLAGS),
        clsid=draw(st.sampled_from([0, 0, 0, 1, 1, 2, None])),
        app=owner if owner < apps else None,
        cmdline=draw(st.sampled_from([None, None, 0, 1])),
        retry_delay=draw(st.integers(5, 15)),
        resume_at=draw(st.sampled_from([0.0, 0.0, 5.0, 30.0])),
        finish=draw(st.sampled_from(["cancel", "complete"])),
    )  # fmt: skip


ACTIONS = ["crash", "crash", "exit", "start", "start", "register", "unregister", "clsid", "suspend"]
ACTIONS += ["resume", "remote", "down"]


@st.composite
def class_actions(draw: st.DrawFn, apps: int, jobs: int) -> tuple[Any, ...]:
    time = draw(tenths(0, int(HORIZON * 10) - 1))
    what = draw(st.sampled_from(ACTIONS))
    job, app = st.integers(0, jobs - 1), st.integers(0, apps - 1)
    if what in ("crash", "exit", "start"):
        return (time, what, draw(app))
    if what == "register":
        return (time, what, draw(app), draw(job))
    if what == "clsid":
        return (time, what, draw(job), draw(st.sampled_from([0, 1, 2, None])))
    if what == "remote":
        return (time, what, draw(job), draw(st.booleans()))
    if what == "down":
        kind = draw(st.sampled_from(["restart_service", "reboot"]))
        return (time, what, kind, draw(tenths(0, 50)), draw(tenths(1, 200)))
    return (time, what, draw(job))


@st.composite
def down_periods(draw: st.DrawFn) -> tuple[DownPeriods, tuple[tuple[float, float], ...]]:
    """P2, P3: down periods set before the run, the second overlapping or meeting the first
    or not; and outages (L4), which may begin, end or lie inside one."""
    kinds = st.sampled_from(["restart_service", "reboot"])
    downs: list[tuple[str, float, float]] = []
    for _ in range(draw(st.integers(0, 2))):
        start, length = draw(tenths(0, 500)), draw(tenths(1, 250))
        if downs and draw(st.booleans()):  # overlap, or meet, the first
            first = downs[0]
            start = draw(st.sampled_from([first[1] + first[2], first[1] + first[2] / 2, first[1]]))
        downs.append((draw(kinds), start, length))
    outages = []
    for _ in range(draw(st.integers(0, 2))):
        near = [d[1] for d in downs] + [d[1] + d[2] for d in downs]
        start = draw(tenths(0, 500))
        if near and draw(st.booleans()):
            start = draw(st.sampled_from(near))
        outages.append((max(0.0, start + draw(tenths(-30, 30))), draw(tenths(1, 200))))
    return tuple(downs), tuple(outages)


@st.composite
def class_worlds(draw: st.DrawFn) -> ClassWorld:
    apps = tuple(draw(server_plans()) for _ in range(draw(st.sampled_from([1, 2, 2]))))
    jobs = tuple(draw(class_job_plans(len(apps))) for _ in range(draw(st.integers(1, 3))))
    urls = [file_url(j, k) for j, plan in enumerate(jobs) for k in range(len(plan.sizes))]
    failures = []
    for _ in range(draw(st.sampled_from([0, 1, 1, 2]))):
        status = draw(st.sampled_from([404, 404, 503]))
        duration = None if status == 404 and draw(st.booleans()) else draw(tenths(1, 300))
        failures.append((draw(st.sampled_from(urls)), status, draw(tenths(0, 300)), duration))
    downs, outages = draw(down_periods())
    return ClassWorld(
        seed=draw(st.integers(0, 2**32 - 1)),
        apps=apps,
        jobs=jobs,
        actions=tuple(draw(st.lists(class_actions(len(apps), len(jobs)), max_size=10))),
        downs=downs,
        outages=outages,
        failures=tuple(failures),
    )


# -- what the callbacks see ----------------------------------------------------------------


@dataclass
class ClassBook(Book):
    """What :class:`random_worlds.Book` keeps, and: the objects each factory made (and for
    which class), every call into one, each BG_E_NOT_FOUND a callback met, what a callback
    found wrong, and how many down periods callbacks set."""

    made: dict[int, uuid.UUID] = field(default_factory=dict)  # id(object) -> its class
    kept: list[object] = field(default_factory=list)  # so that no id is reused
    made_calls: list[tuple[float, str, bl.Job, bl.File | None, object]] = field(
        default_factory=list
    )
    #: (when the call began, when BG_E_NOT_FOUND was raised, method, job, file)
    not_found: list[tuple[float, float, str, bl.Job, bl.File | None]] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    downs: int = 0


class Callback(bl.Notifier):
    """A notifier of an app run that follows its script (slow steps return a generator, C9);
    ``made_by``: the class whose factory made it, None for an interface the app set."""

    def __init__(
        self, app: bl.App, script: Script, book: ClassBook, world: Harness, made_by: Any = None
    ) -> None:
        super().__init__(app)
        self.script, self.book, self.world, self.made_by = script, book, world, made_by
        self.turns = Counter[str]()

    def step(
        self, method: str, job: bl.Job, file: bl.File | None, began: float | None = None
    ) -> Any:
        """Take the script's next step for ``method``; ``began``: when BITS made the call
        (now, unless a generator method waited first)."""
        steps = self.script[method]
        what, seconds = steps[self.turns[method] % len(steps)]
        self.turns[method] += 1
        now = job.sim.now
        began = now if began is None else began
        self.book.calls.append(Seen(now, method, job, file, job.get_notify_flags(), self.alive,
                                    False))  # fmt: skip
        if self.made_by is not None:
            self.book.made_calls.append((now, method, job, file, self))
        if what.startswith("slow"):
            return self.slow(what, seconds, method, job, file, began)
        return self.world.reenter(what, method, job, file, self, began)

    def slow(
        self,
        what: str,
        seconds: float,
        method: str,
        job: bl.Job,
        file: bl.File | None,
        began: float,
    ) -> Generator[Any, Any, Any]:
        yield job.sim.env.timeout(seconds / 2)
        inner = {"slow_enum": "enum", "slow_restart": "restart", "slow_reboot": "reboot"}
        inner |= {"slow_get_gone": "get_gone", "slow_remote": "remote", "slow_clsid": "set_clsid"}
        result = None
        if what in inner:
            result = self.world.reenter(inner[what], method, job, file, self, began)
        yield job.sim.env.timeout(seconds / 2)
        return False if what == "slow_fail" else result

    def job_transferred(self, job: bl.Job) -> Any:
        return self.step("job_transferred", job, None)

    def job_error(self, job: bl.Job, error: bl.JobError) -> Any:
        return self.step("job_error", job, None)

    def job_modification(self, job: bl.Job) -> Any:
        return self.step("job_modification", job, None)

    def file_transferred(self, job: bl.Job, file: bl.File) -> Any:
        return self.step("file_transferred", job, file)

    def file_ranges_transferred(self, job: bl.Job, file: bl.File, ranges: Any) -> Any:
        return self.step("file_ranges_transferred", job, file)


class GenCallback(Callback):
    """The same, with generator methods (C9): what the "slow" factory makes."""

    def body(self, method: str, job: bl.Job, file: bl.File | None) -> Generator[Any, Any, Any]:
        began = job.sim.now
        yield job.sim.env.timeout(0.5)
        result = self.step(method, job, file, began)
        if isinstance(result, Generator):
            result = yield from result
        return result

    def job_transferred(self, job: bl.Job) -> Any:
        return self.body("job_transferred", job, None)

    def job_error(self, job: bl.Job, error: bl.JobError) -> Any:
        return self.body("job_error", job, None)

    def job_modification(self, job: bl.Job) -> Any:
        return self.body("job_modification", job, None)

    def file_transferred(self, job: bl.Job, file: bl.File) -> Any:
        return self.body("file_transferred", job, file)


# -- the harness -----------------------------------------------------------------------------


class Harness:
    """One world, built in a new simulation: its apps, servers, jobs and timed actions."""

    def __init__(self, world: ClassWorld) -> None:
        self.plan = world
        self.sim = sim = bl.Simulation(seed=world.seed, **WORLD_BUDGETS)
        self.book = ClassBook(None)
        sim.register_program(PROGRAMS[0], lambda job, parameters: 0)
        for start, length in world.outages:
            sim.network.outage(start, length)
        for url, status, start, duration in world.failures:
            sim.network.fail(url, status, start, duration)
        self.apps = [sim.add_app(f"app{i}") for i in range(len(world.apps))]
        self.current: dict[bl.App, Callback] = {}
        self.starts = Counter[str]()
        for app, plan in zip(self.apps, world.apps, strict=True):
            self.current[app] = Callback(app, plan.script, self.book, self)
            app.on_start(self.started)
            app.on_start(self.start_hook(plan.on_start))
            app.on_exit(self.exiting)
            if plan.serves:
                app.register_server(CLASSES[self.apps.index(app)], self.factory(plan))
        for what, start, length in world.downs:  # after add_app: a reboot may begin at 0
            getattr(sim, what)(start, length)
        self.gone = sim.create_job("gone")  # GetJob of a final job: BG_E_NOT_FOUND
        self.gone.cancel()
        self.jobs = [self.job(index, plan) for index, plan in enumerate(world.jobs)]
        for time, what, *args in world.actions:
            sim.call_at(time, self.act, what, *args)

    def job(self, index: int, plan: ClassJobPlan) -> bl.Job:
        job = self.sim.create_job(f"job{index}")
        for k, size in enumerate(plan.sizes):
            job.add_file(file_url(index, k), f"file{k}.bin", size)
        job.minimum_retry_delay = plan.retry_delay
        job.set_notify_flags(plan.flags)
        if plan.clsid is not None:
            job.set_property(CLSID, CLASSES[plan.clsid])
        if plan.app is not None:
            job.set_notify_interface(self.current[self.apps[plan.app]])
        if plan.cmdline is not None:
            job.set_notify_cmdline(PROGRAMS[plan.cmdline], f"{PROGRAMS[plan.cmdline]} {job.name}")
        self.sim.call_at(plan.resume_at, self.act, "resume", index)
        return job

    # -- servers and apps (N2, I4, I7) ---------------------------------------------------------

    def factory(self, plan: ServerPlan) -> Callable[[bl.App], object]:
        def make(app: bl.App) -> object:
            clsid = CLASSES[self.apps.index(app)]
            if plan.factory == "raises":
                raise RuntimeError("the factory failed")
            if plan.factory in ("none", "class", "no_callbacks"):
                return {"none": None, "class": Callback, "no_callbacks": object()}[plan.factory]
            if plan.factory == "get_gone":
                self.sim.get_job(self.gone.id)  # BG_E_NOT_FOUND: the server fails (N4)
            if plan.factory == "enum":
                self.enumerate(f"the factory of {app.name}")
            kind = GenCallback if plan.factory == "slow" else Callback
            made = kind(app, plan.script, self.book, self, clsid)
            self.book.made[id(made)] = clsid
            self.book.kept.append(made)
            return made

        return make

    def started(self, app: bl.App) -> None:  # I4: each run makes a new notifier of its own
        if self.sim.service.machine_down() is not None:  # P3
            self.book.wrong.append(f"{app.name} run {app.run} began during a reboot")
        plan = self.plan.apps[self.apps.index(app)]
        self.current[app] = Callback(app, plan.script, self.book, self)

    def start_hook(self, kind: str) -> Callable[[bl.App], None]:
        def hook(app: bl.App) -> None:
            self.starts[app.name] += 1
            if kind == "raise_odd" and self.starts[app.name] % 2:
                raise RuntimeError(f"{app.name} failed to start")
            if kind == "set_interface":  # N3: from the next attempt on
                clsid = CLASSES[self.apps.index(app)]
                for job in self.sim.enum_jobs():
                    if job.get_property(CLSID) == clsid:
                        job.set_notify_interface(self.current[app])
            if kind == "enum":
                self.enumerate(f"on_start of {app.name}")
            if kind == "restart":
                self.down("restart_service", 1.0, 2.0)

        return hook

    def exiting(self, app: bl.App) -> None:  # I7: a clean exit takes its interfaces back
        for job in self.sim.enum_jobs():
            if job.get_notify_interface() is self.current[app]:
                job.set_notify_interface(None)

    # -- what callbacks, hooks and timed actions do ---------------------------------------------

    def enumerate(self, who: str) -> None:
        """EnumJobs and GetJob, as a restarted app does: every job found is in the queue."""
        queued = self.sim.enum_jobs()
        if self.gone in queued or any(job.state.is_final for job in queued):
            self.book.wrong.append(f"{who}: enum_jobs() listed a final job")
        for job in queued:
            if self.sim.get_job(job.id) is not job or self.sim.get_job(str(job.id)) is not job:
                self.book.wrong.append(f"{who}: get_job({job.name}) found another job")
        missing = [j.name for j in self.jobs if not j.state.is_final and j not in queued]
        if missing:
            self.book.wrong.append(f"{who}: enum_jobs() left out {missing}")

    def get_gone(
        self, job: bl.Job, method: str, file: bl.File | None, target: bl.Job, began: float
    ) -> None:
        """GetJob of a final job inside a callback: BG_E_NOT_FOUND, which the callback lets
        out (a callback that raised, C5)."""
        try:
            self.sim.get_job(target.id)
        except bl.BitsError as error:
            if error.hresult != bl.BG_E_NOT_FOUND:
                self.book.wrong.append(f"get_job of a final job: {error.hresult:#x}")
            self.book.not_found.append((began, self.sim.now, method, job, file))
            raise
        self.book.wrong.append(f"get_job({target.name}) found a {target.state.name} job")

    def down(self, what: str, delay: float, length: float) -> None:
        """P2, P3 set from inside the run: at most MAX_DOWNS_FROM_INSIDE a world."""
        if self.book.downs < MAX_DOWNS_FROM_INSIDE:
            self.book.downs += 1
            getattr(self.sim, what)(self.sim.now + delay, length)

    def remote(self, job: bl.Job, mirror: bool) -> None:
        """L17: every file of the job to a mirror (of another size for the last file) or
        back; a job in ERROR (a 404) is resumed, C10's normal pattern."""
        for k, file in enumerate(job.files):
            index = self.jobs.index(job)
            url = file_url(index, k, "mirror" if mirror else "srv")
            size = file.size + 1 if mirror and k == len(job.files) - 1 else None
            file.set_remote_name(url, size)
        if job.state is bl.JobState.ERROR:
            job.resume()

    def reenter(
        self, what: str, method: str, job: bl.Job, file: bl.File | None, me: Callback, began: float
    ) -> Any:
        """C10: a quick step, or the middle of a slow one; what the callback returns."""
        live = not job.state.is_final
        if what == "false":
            return False
        if what == "raise":
            raise RuntimeError("the notifier failed")
        if what == "enum":
            self.enumerate(f"{method} of {job.name}")
        elif what == "get_job" and live and self.sim.get_job(job.id) is not job:
            self.book.wrong.append(f"get_job({job.name}) inside {method} found another job")
        elif what == "get_gone":
            self.get_gone(job, method, file, self.gone, began)
        elif what == "complete_get" and live:
            job.complete()  # L11, then GetJob of the job just finished: BG_E_NOT_FOUND
            self.get_gone(job, method, file, job, began)
        elif what in ("set_clsid", "clear_clsid") and live:
            turn = sum(me.turns.values())
            job.set_property(CLSID, CLASSES[turn % 3] if what == "set_clsid" else bl.GUID_NULL)
        elif what == "remote" and live:
            self.remote(job, mirror=sum(me.turns.values()) % 2 == 1)
        elif what in ("restart", "reboot"):
            self.down("restart_service" if what == "restart" else "reboot", 0.0, 3.0)
        elif what == "unregister" and live:
            job.set_notify_interface(None)
        elif what == "cancel" and live:
            job.cancel()
        elif what == "crash_self" and me.app is not None and me.app.running:
            me.app.crash()
        return None

    def act(self, what: str, *args: Any) -> None:
        sim = self.sim
        if what in ("crash", "exit", "start"):
            app = self.apps[args[0]]
            if what != "start" and app.running:
                getattr(app, what)()
            elif what == "start" and not app.running and sim.service.machine_down() is None:
                # P3: never while the machine is down; a "raise_odd" on_start raises, and
                # the run has begun all the same
                with contextlib.suppress(RuntimeError):
                    app.start()
            return
        if what == "down":
            self.down(*args)
            return
        job = self.jobs[args[-1] if what == "register" else args[0]]
        if job.state.is_final:
            return  # a callback completed or cancelled it (C10)
        if what == "register":
            app = self.apps[args[0]]
            if app.running:
                job.set_notify_interface(self.current[app])
        elif what == "unregister":
            job.set_notify_interface(None)
        elif what == "clsid":
            job.set_property(CLSID, bl.GUID_NULL if args[1] is None else CLASSES[args[1]])
        elif what == "remote":
            self.remote(job, args[1])
        else:  # resume, suspend
            getattr(job, what)()

    def run(self) -> Run:
        errors: list[bl.RunBudgetError] = []
        for until in (HORIZON, 2 * HORIZON):
            try:
                self.sim.run(until=until)
            except bl.RunBudgetError as error:  # a world that loops: go on
                errors.append(error)
        for job, plan in zip(self.jobs, self.plan.jobs, strict=True):
            if not job.state.is_final:
                getattr(job, plan.finish)()  # C11: every pending notification is now stale
        self.sim.run()  # every job is final: nothing can loop any more
        return Run(self.sim, [self.gone, *self.jobs], self.book, errors)


def run_world(world: ClassWorld) -> Run:
    """Build the world and run it: no exception but a budget error may leave sim.run()."""
    return Harness(world).run()
