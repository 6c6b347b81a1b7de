"""Misbehaving notifiers (C5, C6, C9, C10, C11, D1, I4, I6, K3): each is handled as BITS handles
a failing callback, logged with a short reason, never stops ``sim.run()``, and never touches
another job.

Every test runs the same world twice: job ``bad`` (two 1 MB files, NORMAL) with the notifier
under test, and job ``good`` (FOREGROUND, a zero-byte file added and resumed every 2 s, so its
timing needs no bandwidth) with a plain RecordingNotifier. The second run replaces the bad
notifier by a RecordingNotifier. Whatever the bad notifier does, ``good``'s history, log
entries and calls must be the same in both runs, and every notification of the run must end
with exactly one final entry (D1).
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import math
import re
from collections.abc import Callable, Generator
from typing import Any, ClassVar

import pytest
from support import assert_one_final_entry_each, steps

import bitslab as bl

S = bl.JobState
F = bl.NotifyFlags
FLAGS = F.JOB_TRANSFERRED | F.JOB_ERROR | F.JOB_MODIFICATION | F.FILE_TRANSFERRED
HORIZON = 40.0
Factory = Callable[[bl.App], object]


class World:
    """One run of the two-job world; ``finish`` completes what is left and runs until quiet."""

    def __init__(self, factory: Factory, *, callback_timeout: float | None = 3.0) -> None:
        self.sim = sim = bl.Simulation(seed=0, callback_timeout=callback_timeout)
        self.app = sim.add_app("student")  # owns the bad notifier; "bystander" the good one
        sim.register_program("/usr/bin/notify", lambda job, parameters: 0)
        self.bad = sim.create_job("bad")
        for name in ("a.bin", "b.bin"):
            self.bad.add_file(f"https://srv.test/{name}", name, 1_000_000)
        self.good = sim.create_job("good", priority=bl.JobPriority.FOREGROUND)
        self.recorder = bl.RecordingNotifier(sim.add_app("bystander"))
        for job in (self.bad, self.good):
            job.minimum_retry_delay = 5
            job.set_notify_flags(FLAGS)
        self.good.set_notify_interface(self.recorder)
        self.bad.set_notify_interface(factory(self.app))
        for k in range(int(HORIZON // 2)):
            sim.call_at(2.0 * k, self._grow, k)
        self.bad.resume()
        sim.run(until=HORIZON)  # must not raise

    def _grow(self, k: int) -> None:
        if not self.good.state.is_final:
            self.good.add_file(f"https://srv.test/g{k}", f"g{k}", 0)
            self.good.resume()

    def finish(self) -> World:
        """C11: complete every job still alive (no retry is left), then run until quiet."""
        if not self.app.running:
            self.app.start()
        for job in (self.bad, self.good):
            if not job.state.is_final:
                job.complete()
        self.sim.run()
        return self

    def view(self, job: bl.Job) -> tuple[object, ...]:
        """A job's history and log, without notification ids (the other job shifts them)."""
        entries = [
            (
                round(e.time, 6),
                e.method,
                None if e.file is None else e.file.local_name,
                e.outcome,
                e.rule,
                e.final,
                e.attempt,
                e.target,
                re.sub(r"#\d+", "#n", e.detail),  # "folded into #27": ids are not compared
            )
            for e in self.sim.log.entries(job)
        ]
        return steps(job), entries

    def good_view(self) -> tuple[object, ...]:
        calls = [(round(c.time, 6), c.method, c.file) for c in self.recorder.calls]
        return self.view(self.good), [(t, m, f and f.local_name) for t, m, f in calls]

    def bad_entries(self, method: str = "job_transferred") -> list[bl.LogEntry]:
        return self.sim.log.entries(self.bad, method=method)


@pytest.fixture(scope="module")
def baseline() -> World:
    """The world with a well-behaved notifier on ``bad``."""
    return World(bl.RecordingNotifier).finish()


def check_isolated_and_ended(world: World, baseline: World) -> None:
    """D1 and isolation: one final entry per notification, written last; ``good`` unchanged."""
    assert_one_final_entry_each(world.sim)
    assert world.sim.log.pending() == []
    assert world.good_view() == baseline.good_view()


def returning(value: Any, method: str = "job_transferred") -> Factory:
    """A notifier of the app whose ``method`` returns ``value`` every time."""

    class Returning(bl.RecordingNotifier):
        pass

    def make(app: bl.App) -> object:
        notifier = Returning(app)
        setattr(notifier, method, lambda *args: value)
        return notifier

    return make


# -- callbacks that raise or return junk (C5, C6) ----------------------------------------------


class Unprintable:
    """A result whose repr, equality and truth all raise."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no eq")

    def __bool__(self) -> bool:
        raise RuntimeError("no bool")

    __hash__ = object.__hash__


class TouchyInt(int):
    """An int whose comparisons raise: C5 reads its value, not its operators."""

    def __lt__(self, other: object) -> bool:
        raise RuntimeError("no <")

    def __le__(self, other: object) -> bool:
        raise RuntimeError("no <=")

    def __gt__(self, other: object) -> bool:
        raise RuntimeError("no >")

    def __ge__(self, other: object) -> bool:
        raise RuntimeError("no >=")


JUNK = [
    pytest.param("yes", "returned 'yes' (str), not None, a bool or an HRESULT", id="a-string"),
    pytest.param(0.0, "returned 0.0 (float), not None, a bool or an HRESULT", id="a-float"),
    pytest.param(math.nan, "returned nan (float)", id="nan"),
    pytest.param([None], "returned [None] (list)", id="a-list"),
    pytest.param(2**40, "returned 1099511627776, which is not a 32-bit HRESULT", id="a-big-int"),
    pytest.param(bl.E_FAIL, "returned HRESULT E_FAIL", id="e-fail"),
    pytest.param(Unprintable(), "returned <Unprintable that cannot be shown>", id="unprintable"),
    pytest.param(TouchyInt(bl.E_FAIL), "returned HRESULT E_FAIL", id="int-subclass-failure"),
]


@pytest.mark.parametrize(("value", "detail"), JUNK)
def test_c5_job_transferred_returning_junk_fails_is_retried_and_touches_no_other_job(
    value: Any, detail: str, baseline: World
) -> None:
    """C5: junk is a failure: logged with what was returned, retried every retry delay (5 s),
    until the job is completed and the notification goes stale (C11)."""
    world = World(returning(value)).finish()
    entries = world.bad_entries()
    failed = entries[:-1]
    assert len(failed) >= 3
    assert {(e.outcome, e.rule) for e in failed} == {("failed", "C5")}
    assert all(detail in e.detail and e.detail.endswith("; retry in 5 s") for e in failed)
    gaps = {round(b.time - a.time, 6) for a, b in itertools.pairwise(failed)}
    assert gaps == {5.0}
    assert (entries[-1].outcome, entries[-1].rule) == ("stale", "C11")
    check_isolated_and_ended(world, baseline)


def test_c5_an_int_subclass_whose_comparisons_raise_is_read_by_its_value(
    baseline: World,
) -> None:
    """C5: TouchyInt(0) is S_OK: delivered, although comparing it raises (regression: the
    comparison used to escape from sim.run())."""
    world = World(returning(TouchyInt(0))).finish()
    assert [(e.outcome, e.rule) for e in world.bad_entries()] == [("delivered", None)]
    check_isolated_and_ended(world, baseline)


@pytest.mark.parametrize(
    ("exc", "detail"),
    [
        pytest.param(RuntimeError("boom"), "raised RuntimeError: boom", id="runtime-error"),
        pytest.param(KeyError("k"), "raised KeyError: 'k'", id="key-error"),
        pytest.param(RecursionError(), "raised RecursionError", id="recursion-error"),
        pytest.param(SystemExit(3), "raised SystemExit: 3", id="system-exit"),
    ],
)
def test_c5_a_raising_file_transferred_fails_holds_back_the_job_and_touches_no_other_job(
    exc: BaseException, detail: str, baseline: World
) -> None:
    """C5, C4: a callback that raises (SystemExit too: a notifier's process that exits
    mid-call fails the call) is a failed call, retried; the job's next notifications wait."""

    class Raising(bl.RecordingNotifier):
        def file_transferred(self, job: bl.Job, file: bl.File) -> Any:
            super().file_transferred(job, file)
            raise exc

    world = World(Raising).finish()
    first, second = world.bad.files
    tries = [e for e in world.bad_entries("file_transferred") if e.file is first]
    assert len(tries) >= 3
    assert {(e.outcome, e.rule) for e in tries[:-1]} == {("failed", "C5")}
    assert all(detail in e.detail for e in tries[:-1])
    assert (tries[-1].outcome, tries[-1].rule) == ("stale", "C11")
    waited = [e for e in world.bad_entries("file_transferred") if e.file is second]
    waited += world.bad_entries("job_transferred")
    assert [(e.outcome, e.attempt) for e in waited] == [("stale", 0), ("stale", 0)]  # C4
    check_isolated_and_ended(world, baseline)


def test_c6_a_raising_job_modification_is_failed_once_and_not_retried(baseline: World) -> None:
    """C6: job_modification failures are final, one entry each."""

    class Raising(bl.RecordingNotifier):
        def job_modification(self, job: bl.Job) -> Any:
            raise ValueError("bad modification")

    world = World(Raising).finish()
    called = world.bad_entries("job_modification")
    failed = [e for e in called if e.outcome == "failed"]
    assert failed
    assert all((e.rule, e.final, e.attempt) == ("C6", True, 1) for e in failed)
    assert all(e.detail == "raised ValueError: bad modification" for e in failed)
    check_isolated_and_ended(world, baseline)


def test_c5_an_async_def_callback_fails_without_a_never_awaited_warning(baseline: World) -> None:
    """C5: an ``async def`` callback returns a coroutine, which BITS cannot await: a failed
    call saying so; the coroutine is closed, so Python warns of nothing (warnings are errors)."""

    class Async(bl.RecordingNotifier):
        async def job_transferred(self, job: bl.Job) -> Any:  # type: ignore[override]
            return None

    world = World(Async).finish()
    gc.collect()  # a coroutine left unclosed would warn here
    failed = world.bad_entries()[:-1]
    assert failed
    assert all("returned a coroutine" in e.detail and "generator" in e.detail for e in failed)
    check_isolated_and_ended(world, baseline)


def test_keyboard_interrupt_in_a_callback_stops_the_run_as_the_user_asked() -> None:
    """A KeyboardInterrupt is the user stopping the run (Jupyter's stop button), not a
    failed call: it leaves ``sim.run()``."""

    class Interrupting(bl.RecordingNotifier):
        def job_transferred(self, job: bl.Job) -> Any:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        World(Interrupting)


# -- notifiers that are broken objects (I6) ----------------------------------------------------


def test_i6_a_notifier_whose_getattr_raises_key_error_is_not_implemented(baseline: World) -> None:
    """I6: a ``__getattr__`` that raises KeyError for a missing method is a notifier without
    that method (regression: the KeyError used to escape from sim.run())."""

    class Handlers:
        def __init__(self) -> None:
            self.handlers: dict[str, Callable[..., Any]] = {"job_error": lambda *a: None}

        def __getattr__(self, name: str) -> Any:
            return self.handlers[name]  # KeyError, not AttributeError

    world = World(lambda app: Handlers()).finish()
    entries = world.bad_entries()
    assert [(e.outcome, e.rule) for e in entries] == [("not_implemented", "I6")]
    assert (
        entries[0].detail
        == "Handlers has no job_transferred method (looking it up raised KeyError)"
    )
    check_isolated_and_ended(world, baseline)


def test_i6_a_callback_property_that_raises_is_not_implemented(baseline: World) -> None:
    class Property(bl.RecordingNotifier):
        @property
        def job_transferred(self) -> Any:  # type: ignore[override]
            raise RuntimeError("no such method today")

    world = World(Property).finish()
    assert [(e.outcome, e.rule) for e in world.bad_entries()] == [("not_implemented", "I6")]
    check_isolated_and_ended(world, baseline)


def test_a_notifier_subclass_that_forgets_super_init_is_called_as_one_of_no_app(
    baseline: World,
) -> None:
    """A subclass whose ``__init__`` does not call ``super().__init__()`` still works: it is a
    notifier of no app, so it never dies (regression: its missing ``app`` attribute used to
    raise AttributeError from sim.run())."""

    class Forgetful(bl.Notifier):
        def __init__(self) -> None:
            self.seen: list[str] = []

        def job_transferred(self, job: bl.Job) -> Any:
            self.seen.append(job.name)

    notifier = Forgetful()
    world = World(lambda app: notifier).finish()
    assert notifier.seen == ["bad"]
    assert (notifier.app, notifier.alive, notifier.owner) == (None, True, "")
    assert [(e.outcome, e.target) for e in world.bad_entries()] == [("delivered", "Forgetful")]
    check_isolated_and_ended(world, baseline)


def test_c5_a_callback_property_that_raises_only_when_called_is_a_failed_call(
    baseline: World,
) -> None:
    """C5: a method looked up once for D1 and again for the call, raising the second time,
    is a failed call, retried after the retry delay (regression: it escaped sim.run())."""

    class Fickle(bl.RecordingNotifier):
        lookups: ClassVar[dict[float, int]] = {}  # per moment: D1 looks first, the call second

        @property
        def job_transferred(self) -> Any:  # type: ignore[override]
            assert self.app is not None
            now = self.app.sim.now
            self.lookups[now] = self.lookups.get(now, 0) + 1
            if self.lookups[now] == 2:
                raise RuntimeError("gone between the look and the call")
            return lambda job: None

    world = World(Fickle).finish()
    entries = world.bad_entries()
    assert [(e.outcome, e.rule) for e in entries[:2]] == [("failed", "C5"), ("failed", "C5")]
    assert entries[0].detail == (
        "raised RuntimeError: gone between the look and the call; retry in 5 s"
    )
    assert entries[-1].final
    check_isolated_and_ended(world, baseline)


def test_i4_a_notifier_whose_alive_lies_or_raises_is_judged_by_its_app_run(
    baseline: World,
) -> None:
    """I4: BITS asks the world whether the process is there, not the object: a subclass whose
    ``alive`` says True after its app crashed gets app_down, and one whose ``alive`` raises
    is called while its run lives (regression: the raise escaped sim.run())."""

    class Liar(bl.RecordingNotifier):
        @property
        def alive(self) -> bool:  # type: ignore[override]
            return True

    class Broken(bl.RecordingNotifier):
        @property
        def alive(self) -> bool:  # type: ignore[override]
            raise RuntimeError("no alive")

        @property
        def owner(self) -> str:  # type: ignore[override]
            raise RuntimeError("no owner")

    broken = World(Broken).finish()
    delivered = broken.bad_entries()
    assert [(e.outcome, e.target) for e in delivered] == [
        ("delivered", "Broken of app 'student' run 1")
    ]
    check_isolated_and_ended(broken, baseline)

    liar = World(lambda app: Liar(app))
    liar.app.crash()
    liar.bad.add_file("https://srv.test/c.bin", "c.bin", 1_000)  # more to report (C3, C4, C1)
    liar.bad.resume()
    liar.sim.run(until=HORIZON + 10)
    # The crash ended run 1: every later call into the liar fails (I4), whatever it says.
    later = [e for e in liar.sim.log.entries(liar.bad) if e.time >= HORIZON]
    assert later, "the bad job raised nothing after the crash"
    outcomes = {(e.outcome, e.rule) for e in later}
    assert ("app_down", "I4") in outcomes
    assert outcomes <= {("app_down", "I4"), ("coalesced", "C7")}  # nothing delivered


# -- callbacks that take a long time (C9) ------------------------------------------------------


def slow(body: Callable[[bl.Job], Generator[Any, Any, Any]]) -> Factory:
    class Slow(bl.RecordingNotifier):
        def job_transferred(self, job: bl.Job) -> Any:
            super().job_transferred(job)
            return body(job)

    return Slow


def test_c9_a_callback_longer_than_callback_timeout_fails_and_is_retried(baseline: World) -> None:
    """C5, C9 (model choice): past callback_timeout (3 s, an option off by default) bitslab
    gives up on the call: failed, retried."""

    def forever(job: bl.Job) -> Generator[Any, Any, Any]:
        yield job.sim.env.timeout(10.0)

    world = World(slow(forever)).finish()
    failed = world.bad_entries()[:-1]
    assert failed
    assert all(e.detail.startswith("did not return within callback_timeout=3 s") for e in failed)
    assert all(e.duration == pytest.approx(3.0) for e in failed)
    check_isolated_and_ended(world, baseline)


def test_c9_a_callback_that_swallows_the_timeout_still_counts_as_failed_once(
    baseline: World,
) -> None:
    """C9: a generator that catches BITS's interrupt and goes on is still abandoned: one
    failed entry per call, and the run gets quiet although the generator never ends."""

    def stubborn(job: bl.Job) -> Generator[Any, Any, Any]:
        for _ in range(20):
            with contextlib.suppress(Exception):  # the callback_timeout's interrupt
                yield job.sim.env.timeout(1.0)
        return None

    world = World(slow(stubborn)).finish()
    entries = world.bad_entries()
    assert [e.attempt for e in entries[:-1]] == list(range(1, len(entries)))
    assert all("callback_timeout" in e.detail for e in entries[:-1])
    assert world.sim.quiet
    check_isolated_and_ended(world, baseline)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        pytest.param(
            lambda job: (yield "not an event"),
            "a callback may yield only events of its simulation's env, got 'not an event'",
            id="yields-junk",
        ),
        pytest.param(
            lambda job: (yield bl.Simulation().env.timeout(1)),
            "a callback may yield only events of its simulation's env",
            id="yields-another-simulations-event",
        ),
        pytest.param(
            lambda job: (yield job.sim.env.timeout(-1)),
            "raised ValueError: Negative delay -1",
            id="negative-timeout",
        ),
    ],
)
def test_c9_a_generator_that_yields_what_it_must_not_fails_the_call(
    body: Callable[[bl.Job], Generator[Any, Any, Any]], detail: str, baseline: World
) -> None:
    world = World(slow(body)).finish()
    failed = world.bad_entries()[:-1]
    assert failed
    assert all(detail in e.detail for e in failed)
    check_isolated_and_ended(world, baseline)


def test_c9_with_no_callback_timeout_a_callback_that_never_returns_stays_in_flight() -> None:
    """C9: callback_timeout=None (the default, BITS's own way: the others stay "blocked until
    one or more of the blocking notifications return", IBackgroundCopyCallback) waits for
    ever; run() still returns (nothing else is due), with the call in flight and the other
    job done."""

    def never(job: bl.Job) -> Generator[Any, Any, Any]:
        yield job.sim.env.event()

    world = World(slow(never), callback_timeout=None)
    world.sim.run()
    assert [p.status for p in world.sim.log.pending(world.bad)] == ["in_flight"]
    assert world.good.state is S.TRANSFERRED


# -- callbacks that call the API again (C10, C11, F5, F6, I1, I8, K3, L9-L12) ------------------


def once(action: Callable[[bl.Job, bl.App], object], result: Any = None) -> Factory:
    """A notifier whose first job_transferred call does ``action`` and returns ``result``;
    later calls succeed."""

    class Reentrant(bl.RecordingNotifier):
        done = False

        def job_transferred(self, job: bl.Job) -> Any:
            super().job_transferred(job)
            if self.done:
                return None
            self.done = True
            assert self.app is not None
            action(job, self.app)
            return result

    return Reentrant


def run_inside(job: bl.Job, app: bl.App) -> None:
    job.sim.run()


REENTRANT = [
    # (id, action, what the call returns, the bad job's state at the horizon, the outcomes of
    # its job_transferred entries with repeats collapsed, how many were delivered)
    ("cancel", lambda job, app: job.cancel(), None, S.CANCELLED, ["delivered"], 1),
    ("complete", lambda job, app: job.complete(), None, S.ACKNOWLEDGED, ["delivered"], 1),
    ("cancel-then-fail", lambda job, app: job.cancel(), False, S.CANCELLED, ["failed", "stale"], 0),
    (
        "suspend-then-fail",
        lambda job, app: job.suspend(),
        False,
        S.SUSPENDED,
        ["failed", "stale"],
        0,
    ),
    (
        "disable-then-fail",
        lambda job, app: job.set_notify_flags(FLAGS | F.DISABLE),
        False,
        S.TRANSFERRED,
        ["failed", "disabled"],
        0,
    ),
    (
        "unflag-then-fail",
        lambda job, app: job.set_notify_flags(F.JOB_ERROR),
        False,
        S.TRANSFERRED,
        ["failed", "filtered"],
        0,
    ),
    (
        "no-interface-then-fail",
        lambda job, app: job.set_notify_interface(None),
        False,
        S.TRANSFERRED,
        ["failed", "no_interface"],
        0,
    ),
    (
        "new-interface-then-fail",
        lambda job, app: job.set_notify_interface(bl.RecordingNotifier(app)),
        False,
        S.TRANSFERRED,
        ["failed", "delivered"],
        1,
    ),
    (  # I5: the old interface took the call, and the new one gets it too
        "new-interface-then-succeed",
        lambda job, app: job.set_notify_interface(bl.RecordingNotifier(app)),
        None,
        S.TRANSFERRED,
        ["delivered"],
        2,
    ),
    (  # K3: the failed call's entry is the command line's, whose detail tells of the failure
        "cmdline-then-fail",
        lambda job, app: job.set_notify_cmdline("/usr/bin/notify", "/usr/bin/notify bad"),
        False,
        S.TRANSFERRED,
        ["cmdline"],
        0,
    ),
    ("run", run_inside, None, S.TRANSFERRED, ["failed", "delivered"], 1),
    (  # L9, L2: the job leaves TRANSFERRED and comes back to it: a second job_transferred (C1)
        "suspend-and-resume",
        lambda job, app: (job.suspend(), job.resume()),
        None,
        S.TRANSFERRED,
        ["delivered"],
        2,
    ),
    (  # C1: the job transfers again, with its new file, and raises a second job_transferred
        "add-file",
        lambda job, app: job.add_file("https://srv.test/c.bin", "c.bin", 1_000),
        None,
        S.TRANSFERRED,
        ["delivered"],
        2,
    ),
    ("crash-own-app", lambda job, app: app.crash(), None, S.TRANSFERRED, ["app_down", "stale"], 0),
    ("exit-own-app", lambda job, app: app.exit(), None, S.TRANSFERRED, ["app_down", "stale"], 0),
]


def collapsed(entries: list[bl.LogEntry]) -> list[str]:
    outcomes = [e.outcome for e in entries]
    return [o for i, o in enumerate(outcomes) if i == 0 or outcomes[i - 1] != o]


@pytest.mark.parametrize(
    ("action", "result", "state", "outcomes", "delivered"),
    [pytest.param(*case[1:], id=case[0]) for case in REENTRANT],
)
def test_c10_c11_a_callback_that_calls_the_api_is_handled_by_the_rules_and_touches_no_other_job(
    action: Callable[[bl.Job, bl.App], object],
    result: Any,
    state: bl.JobState,
    outcomes: list[str],
    delivered: int,
    baseline: World,
) -> None:
    """C10: a callback may call the API. What follows is the rules' answer: a cancel or a
    suspend makes the failed call stale (C11), DISABLE or a cleared flag ends its retry
    (F5, F6), a removed interface leaves no_interface (I8), a new one gets the retry (I1, I5),
    a command line runs instead (K3), run() inside a callback fails the call (RuntimeError),
    an added file queues the job again (C1), and an app that dies during the call fails it
    (I4). Never an exception from sim.run(); ``good`` untouched.
    """
    world = World(once(action, result))
    assert world.bad.state is state
    world.finish()
    entries = world.bad_entries()
    assert collapsed(entries) == outcomes
    assert [e.outcome for e in entries].count("delivered") == delivered
    if outcomes[0] == "app_down":  # I4: the app died during the call
        assert entries[0].detail.endswith(", during the call; retry in 5 s")
    check_isolated_and_ended(world, baseline)


def test_c10_run_inside_a_callback_is_a_failed_call_saying_why(baseline: World) -> None:
    world = World(once(run_inside)).finish()
    first = world.bad_entries()[0]
    assert (first.outcome, first.rule) == ("failed", "C5")
    assert first.detail.startswith("raised RuntimeError: run() called while the simulation")
    check_isolated_and_ended(world, baseline)
