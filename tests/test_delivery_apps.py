"""Delivery to applications and command lines: rules I4-I8, K2-K6 and P1, through the public
API and the event log.

Times are exact: on the default link (1,000,000 B/s, latency 0.05 s) a 100,000-byte file
resumed at t=0 is done at 0.15, the next one at 0.30. Jobs get a 5 s retry delay (the floor,
L1) so retries come at 0.15 + 5k. Notifiers are ``bl.RecordingNotifier``s, whose ``.calls``
show what was really called; the log shows what BITS decided and why.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Generator
from typing import Any, NamedTuple

import pytest
from support import make_job, snapshot, steps

import bitslab as bl

F = bl.NotifyFlags
S = bl.JobState
SIZE = 100_000  # 0.1 s of the default link, so a file takes 0.15 s with the latency
FIRST_DONE = 0.15  # the first file of a job resumed at 0 is done (and TRANSFERRED if alone)
RETRY = 5.0  # minimum_retry_delay of the jobs below
PROGRAM = "C:\\Tools\\notify.exe"


# -- helpers -------------------------------------------------------------------------------


def settled(state: bl.JobState, **kwargs: Any) -> bl.Job:
    """A job run until quiet in TRANSFERRED or ERROR (no interface, no command line)."""
    job = make_job(
        name="nightly",
        size=SIZE,
        fail=404 if state is S.ERROR else None,
        retry=RETRY,
        **kwargs,
    )
    job.resume()
    job.sim.run()
    assert job.state is state
    return job


def method_for(state: bl.JobState) -> str:
    return "job_transferred" if state is S.TRANSFERRED else "job_error"


def entries(job: bl.Job, method: str, **kwargs: Any) -> list[bl.LogEntry]:
    return job.sim.log.entries(job, method=method, **kwargs)


def ids(found: list[bl.LogEntry]) -> list[int]:
    """The distinct notification ids, in order of first appearance."""
    return list(dict.fromkeys(entry.id for entry in found))


def methods(notifier: bl.RecordingNotifier) -> list[str]:
    return [call.method for call in notifier.calls]


class Program:
    """A simulated program (K6): records each run; exits with ``codes`` in turn (the last
    one repeats), or raises ``exc``."""

    def __init__(self, *codes: object, exc: Exception | None = None) -> None:
        self.codes = list(codes) or [0]
        self.exc = exc
        self.runs: list[tuple[float, bl.Job, str]] = []

    def __call__(self, job: bl.Job, parameters: str) -> object:
        self.runs.append((job.sim.now, job, parameters))
        if self.exc is not None:
            raise self.exc
        return self.codes[min(len(self.runs), len(self.codes)) - 1]

    @property
    def times(self) -> list[float]:
        return [run[0] for run in self.runs]


class Story(NamedTuple):
    sim: bl.Simulation
    app: bl.App
    job: bl.Job
    old: bl.RecordingNotifier
    new: list[bl.RecordingNotifier]


def restart_story(
    *, crash_at: float = 0.01, start_at: float | None = 12.0, until: float | None = None
) -> Story:
    """App ``downloader`` registers a notifier on a two-file job (JOB_TRANSFERRED and
    FILE_TRANSFERRED), crashes at ``crash_at`` and starts again at ``start_at``; its
    ``on_start`` registers a new notifier of the new run."""
    sim = bl.Simulation(seed=0)
    app = sim.add_app("downloader")
    job = make_job(
        sim,
        name="nightly",
        files=2,
        size=SIZE,
        retry=RETRY,
        flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED,
    )
    old = bl.RecordingNotifier(app)
    job.set_notify_interface(old)
    new: list[bl.RecordingNotifier] = []

    @app.on_start
    def register(app: bl.App) -> None:
        notifier = bl.RecordingNotifier(app)
        new.append(notifier)
        job.set_notify_interface(notifier)

    sim.call_at(crash_at, app.crash)
    if start_at is not None:
        sim.call_at(start_at, app.start)
    job.resume()
    sim.run(until)
    return Story(sim, app, job, old, new)


# -- I4: the interface dies with its application run ---------------------------------------


def test_i4_a_crashed_apps_notifier_is_never_called_and_the_call_is_retried() -> None:
    """I4: a crashed app's notifier is never called; BITS logs app_down and retries."""
    story = restart_story(start_at=None, until=16.0)
    assert story.old.calls == []
    assert not story.old.alive
    first = entries(story.job, "file_transferred")
    assert ids(first) == [first[0].id]  # one notification, attempted again and again (C5)
    assert [e.outcome for e in first] == ["app_down"] * 4
    assert {e.rule for e in first} == {"I4"}
    assert not any(e.final for e in first)
    assert [e.time for e in first] == pytest.approx([FIRST_DONE + RETRY * k for k in range(4)])
    assert [e.attempt for e in first] == [1, 2, 3, 4]
    assert all("RPC_S_SERVER_UNAVAILABLE" in e.detail for e in first)
    assert all(e.file is story.job.files[0] for e in first)
    # C4: the second file and job_transferred wait behind the failing first file
    assert entries(story.job, "job_transferred") == []


def test_i4_the_old_notifier_stays_dead_after_the_app_starts_again(sim: bl.Simulation) -> None:
    """I4: after app.start() the first run's notifier is still dead: app_down, never called."""
    app = sim.add_app("downloader")
    job = make_job(
        sim, name="nightly", size=SIZE, retry=RETRY, flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED
    )
    old = bl.RecordingNotifier(app)
    job.set_notify_interface(old)
    sim.call_at(0.01, app.crash)
    sim.call_at(1.0, app.start)  # nothing registers a new notifier
    job.resume()
    sim.run(until=12.0)
    assert app.running
    assert app.run == 2
    assert not old.alive
    assert job.get_notify_interface() is old
    assert old.calls == []
    after = [e for e in entries(job, "file_transferred") if e.time > 1.0]
    assert [e.outcome for e in after] == ["app_down", "app_down"]  # at 5.15 and 10.15
    assert all("RPC_S_SERVER_UNAVAILABLE" in e.detail for e in after)


def test_i4_a_notifier_registered_in_on_start_gets_the_pending_file_transferred_at_once() -> None:
    """I4: a notifier registered in on_start gets the pending file_transferred at once (C5)."""
    story = restart_story()
    job, (new,) = story.job, story.new
    assert story.old.calls == []
    assert [(c.method, c.file) for c in new.calls] == [
        ("file_transferred", job.files[0]),
        ("file_transferred", job.files[1]),
        ("job_transferred", None),
    ]
    assert [c.time for c in new.calls] == pytest.approx([12.0] * 3)
    first = entries(job, "file_transferred", final=True)[0]
    assert first.file is job.files[0]
    assert first.outcome == "delivered"
    assert first.time == pytest.approx(12.0)
    assert "run 2" in (first.target or "")
    earlier = [e for e in story.sim.log if e.id == first.id and not e.final]
    assert earlier
    assert {e.outcome for e in earlier} == {"app_down"}
    assert all("run 1" in (e.target or "") for e in earlier)
    assert all("RPC_S_SERVER_UNAVAILABLE" in e.detail for e in earlier)


def test_i4_a_call_running_when_its_app_crashes_fails_and_stays_pending(sim: bl.Simulation) -> None:
    """I4: a slow call whose app crashes mid-call fails; the notification stays pending."""

    class Slow(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> Any:
            yield job.sim.env.timeout(2)

    app = sim.add_app("downloader")
    job = make_job(sim, name="nightly", size=SIZE, retry=RETRY)
    job.set_notify_interface(Slow(app))
    sim.call_at(1.0, app.crash)
    job.resume()
    sim.run(until=4.0)
    first = entries(job, "job_transferred")[0]
    assert first.outcome in ("app_down", "failed")
    assert not first.final


def test_i4_a_generator_callback_is_not_resumed_once_its_app_died_at_the_same_moment(
    sim: bl.Simulation,
) -> None:
    """I4: the code of an app run that has ended never runs again. Shrunk by hypothesis
    (test_invariants.py): a job of two 0-byte files, flags 0x1B; the app's notifier has
    generator methods, and its job_modification crashes the app at 0.1 s, the moment BITS
    calls file_transferred for the second file. That call's body used to run afterwards, in
    the dead app (it saw ``alive`` False and could have called BITS); now it never starts,
    and the call fails as one into a run that ended during it (app_down, retried)."""

    class Crashing(bl.Notifier):
        def __init__(self, app: bl.App) -> None:
            super().__init__(app)
            self.seen: list[tuple[float, str, bool]] = []

        def job_modification(self, job: bl.Job) -> Generator[Any, Any, Any]:
            self.seen.append((job.sim.now, "job_modification", self.alive))
            if self.app is not None and self.app.running:
                self.app.crash()
            return None
            yield

        def file_transferred(self, job: bl.Job, file: bl.File) -> Generator[Any, Any, Any]:
            self.seen.append((job.sim.now, f"file_transferred {file.local_name}", self.alive))
            return None
            yield

    app = sim.add_app("app")
    job = sim.create_job("job")
    for k in range(2):
        job.add_file(f"https://srv.test/f{k}", f"f{k}", 0)
    job.set_notify_flags(0x1B)
    notifier = Crashing(app)
    job.set_notify_interface(notifier)
    job.resume()
    sim.run()
    assert notifier.seen == [(0.05, "file_transferred f0", True), (0.1, "job_modification", True)]
    [second] = [e for e in entries(job, "file_transferred") if e.file is job.files[1]]
    assert (second.time, second.outcome, second.rule, second.final) == (
        0.1,
        "app_down",
        "I4",
        False,
    )
    assert second.detail.startswith("RPC_S_SERVER_UNAVAILABLE: run 1 of app 'app' crashed at 0.10")
    assert "during the call" in second.detail


def test_i4_a_job_modification_into_a_dead_app_is_app_down_and_not_retried(
    sim: bl.Simulation,
) -> None:
    """I4: a modification into a dead app is app_down, final at once (C6: not retried)."""
    app = sim.add_app("downloader")
    job = make_job(sim, name="nightly", size=SIZE, retry=RETRY, flags=F.JOB_MODIFICATION)
    job.set_notify_interface(bl.RecordingNotifier(app))
    app.crash()
    job.resume()
    sim.run()
    sim.run(until=sim.now + 3 * RETRY)
    found = entries(job, "job_modification", outcome="app_down")
    assert found
    assert all(e.final and e.rule == "I4" for e in found)
    assert len(ids(found)) == len(found)  # one entry each: no retry


# -- I5: at least once: a new interface gets the job-level call again --------------------


def test_i5_a_new_interface_on_a_transferred_job_gets_job_transferred_again() -> None:
    """I5: a new interface on a TRANSFERRED job gets job_transferred, though the old one had it."""
    job = make_job(name="nightly", size=SIZE, retry=RETRY)
    first = bl.RecordingNotifier()
    job.set_notify_interface(first)
    job.resume()
    job.sim.run()
    assert methods(first) == ["job_transferred"]
    second = bl.RecordingNotifier()
    job.set_notify_interface(second)
    job.sim.run()
    assert methods(second) == ["job_transferred"]
    assert methods(first) == ["job_transferred"]
    delivered = entries(job, "job_transferred", outcome="delivered")
    assert len(ids(delivered)) == 2
    assert "I5" in delivered[-1].reason


class ErrorRecorder(bl.Notifier):
    def __init__(self) -> None:
        super().__init__()
        self.errors: list[tuple[bl.Job, int]] = []

    def job_error(self, job: bl.Job, error: bl.JobError) -> None:
        self.errors.append((job, error.hresult))


def test_i5_a_new_interface_on_an_error_job_gets_job_error_again() -> None:
    """I5: likewise a new interface on an ERROR job gets job_error, with the job's error."""
    job = make_job(name="nightly", size=SIZE, fail=404, retry=RETRY)
    first, second = ErrorRecorder(), ErrorRecorder()
    job.set_notify_interface(first)
    job.resume()
    job.sim.run()
    assert job.state is S.ERROR
    assert first.errors == [(job, bl.BG_E_HTTP_ERROR_404)]
    job.set_notify_interface(second)
    job.sim.run()
    assert second.errors == [(job, bl.BG_E_HTTP_ERROR_404)]
    assert len(first.errors) == 1
    assert "I5" in entries(job, "job_error", outcome="delivered")[-1].reason


@pytest.mark.parametrize("state", [S.TRANSFERRED, S.ERROR])
def test_i5_nothing_is_replayed_when_the_flag_is_off(state: bl.JobState) -> None:
    """I5, F8: no replay is delivered without JOB_TRANSFERRED (TRANSFERRED) or JOB_ERROR
    (ERROR) set; the replay is raised and the log shows it filtered, as flags are read at
    delivery (F6)."""
    method = method_for(state)
    other = F.JOB_ERROR if state is S.TRANSFERRED else F.JOB_TRANSFERRED
    job = settled(state, flags=other | F.FILE_TRANSFERRED)
    before = entries(job, method)
    late = bl.RecordingNotifier()
    job.set_notify_interface(late)
    job.sim.run()
    job.sim.run(until=job.sim.now + 3 * RETRY)
    assert late.calls == []
    new = entries(job, method)[len(before) :]
    assert entries(job, method)[: len(before)] == before
    assert [(e.outcome, e.rule, e.final) for e in new] == [("filtered", "F8", True)]
    assert "(I5)" in new[0].reason


def test_i5_replay_and_a_pending_failed_job_transferred_are_one_notification() -> None:
    """I5: replay and a job_transferred waiting to retry are one call to the new interface."""
    job = make_job(name="nightly", size=SIZE, retry=RETRY)
    failing = bl.RecordingNotifier(returns={"job_transferred": False})
    job.set_notify_interface(failing)
    late = bl.RecordingNotifier()
    job.sim.call_at(1.0, job.set_notify_interface, late)
    job.resume()
    job.sim.run()
    job.sim.run(until=100.0)
    assert methods(failing) == ["job_transferred"]
    assert methods(late) == ["job_transferred"]
    assert late.calls[0].time == pytest.approx(1.0)
    found = entries(job, "job_transferred")
    assert len(ids(found)) == 1
    assert [(e.outcome, e.final) for e in found] == [("failed", False), ("delivered", True)]


def test_i5_replay_and_a_job_transferred_queued_behind_a_file_are_one_notification() -> None:
    """I5: replay and a job_transferred queued behind a file (C4) are one notification."""
    story = restart_story()
    (new,) = story.new
    assert methods(new).count("job_transferred") == 1
    assert len(ids(entries(story.job, "job_transferred"))) == 1


def test_i5_an_interface_set_while_job_transferred_is_in_flight_still_gets_it_once() -> None:
    """I5: an interface set while job_transferred is in flight elsewhere still gets it once."""

    class Slow(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> Any:
            yield job.sim.env.timeout(2)

    job = make_job(name="nightly", size=SIZE, retry=RETRY)
    job.set_notify_interface(Slow())
    late = bl.RecordingNotifier()
    job.sim.call_at(1.0, job.set_notify_interface, late)  # the slow call runs 0.15-2.15
    job.resume()
    job.sim.run()
    job.sim.run(until=50.0)
    assert methods(late) == ["job_transferred"]


# -- I6: a notifier without the method ----------------------------------------------------


def test_i6_a_duck_typed_notifier_without_file_transferred_gets_only_job_transferred() -> None:
    """I6: no file_transferred method: not_implemented, final; job_transferred delivered."""

    class OnlyTransferred:
        def __init__(self) -> None:
            self.calls: list[float] = []

        def job_transferred(self, job: bl.Job) -> None:
            self.calls.append(job.sim.now)

    job = make_job(
        name="nightly",
        files=2,
        size=SIZE,
        retry=RETRY,
        flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED,
    )
    notifier = OnlyTransferred()
    job.set_notify_interface(notifier)
    job.resume()
    job.sim.run()
    job.sim.run(until=3 * RETRY)
    files = entries(job, "file_transferred")
    assert [(e.file, e.outcome, e.rule, e.final) for e in files] == [
        (job.files[0], "not_implemented", "I6", True),
        (job.files[1], "not_implemented", "I6", True),
    ]
    assert notifier.calls == pytest.approx([2 * FIRST_DONE])
    [transferred] = entries(job, "job_transferred")
    assert (transferred.outcome, transferred.final) == ("delivered", True)


# -- I7, I8: clean exit versus crash ------------------------------------------------------


def exit_story(*, start_at: float | None = None) -> Story:
    """As :func:`restart_story`, but the app exits cleanly at 0.01: its on_exit function sets
    the job's interface to None first (I7)."""
    sim = bl.Simulation(seed=0)
    app = sim.add_app("downloader")
    job = make_job(
        sim,
        name="nightly",
        files=2,
        size=SIZE,
        retry=RETRY,
        flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED,
    )
    old = bl.RecordingNotifier(app)
    job.set_notify_interface(old)
    new: list[bl.RecordingNotifier] = []
    app.on_exit(lambda app: job.set_notify_interface(None))

    @app.on_start
    def register(app: bl.App) -> None:
        notifier = bl.RecordingNotifier(app)
        new.append(notifier)
        job.set_notify_interface(notifier)

    sim.call_at(0.01, app.exit)
    if start_at is not None:
        sim.call_at(start_at, app.start)
    job.resume()
    sim.run()
    return Story(sim, app, job, old, new)


def test_i8_after_a_clean_exit_notifications_are_no_interface_and_not_retried() -> None:
    """I8: after a clean exit (I7) notifications end no_interface at once; none is retried."""
    story = exit_story()
    job, sim = story.job, story.sim
    assert job.get_notify_interface() is None
    count = len(sim.log)
    sim.run(until=sim.now + 10 * RETRY)
    assert len(sim.log) == count  # nothing retried
    for method in ("file_transferred", "job_transferred"):
        found = entries(job, method)
        assert found
        assert all((e.outcome, e.rule, e.final) == ("no_interface", "I8", True) for e in found)
        assert len(ids(found)) == len(found)
    assert len(entries(job, "file_transferred")) == 2
    assert story.old.calls == []


def test_i8_after_a_clean_exit_and_restart_files_are_gone_but_job_transferred_replays() -> None:
    """I8: files lost at a clean exit stay lost; I5 replays job_transferred after restart."""
    story = exit_story(start_at=20.0)
    (new,) = story.new
    assert methods(new) == ["job_transferred"]
    assert new.calls[0].time == pytest.approx(20.0)
    assert {e.outcome for e in entries(story.job, "file_transferred")} == {"no_interface"}


def test_i7_after_a_crash_notifications_stay_pending_and_arrive_after_restart() -> None:
    """I7: after a crash notifications stay pending (app_down) and all arrive after restart."""
    story = restart_story(start_at=20.0)
    job, (new,) = story.job, story.new
    assert [(c.method, c.file) for c in new.calls] == [
        ("file_transferred", job.files[0]),
        ("file_transferred", job.files[1]),
        ("job_transferred", None),
    ]
    waited = [e for e in story.sim.log if not e.final]
    assert waited
    assert {(e.outcome, e.rule) for e in waited} == {("app_down", "I4")}
    assert {e.outcome for e in story.sim.log if e.method != "job_modification"} == {
        "app_down",
        "delivered",
    }


# -- K2: what runs the command line ------------------------------------------------------


@pytest.mark.parametrize("state", [S.TRANSFERRED, S.ERROR])
def test_k2_only_the_job_level_notification_runs_the_command_line(
    state: bl.JobState, sim: bl.Simulation
) -> None:
    """K2: with every flag set and no interface, only the job-level notification runs it."""
    program = Program(0)
    sim.register_program(PROGRAM, program)
    flags = F.JOB_TRANSFERRED | F.JOB_ERROR | F.JOB_MODIFICATION | F.FILE_TRANSFERRED
    job = make_job(
        sim,
        name="nightly",
        size=SIZE,
        fail=404 if state is S.ERROR else None,
        retry=RETRY,
        flags=flags,
    )
    job.set_notify_cmdline(PROGRAM, PROGRAM + " /done")
    job.resume()
    sim.run()
    assert job.state is state
    assert len(program.runs) == 1
    method = method_for(state)
    [ran] = entries(job, method)
    assert (ran.outcome, ran.final) == ("cmdline", True)
    others = [e for e in sim.log if e.method != method]
    assert others
    assert {(e.outcome, e.rule) for e in others if e.outcome != "coalesced"} == {
        ("no_interface", "I8")
    }


def test_k2_a_file_transferred_without_interface_is_no_interface_despite_a_command_line(
    sim: bl.Simulation,
) -> None:
    """K2: file_transferred with a command line but no interface is no_interface (I8)."""
    program = Program(0)
    sim.register_program(PROGRAM, program)
    job = make_job(sim, name="nightly", files=2, size=SIZE, retry=RETRY, flags=F.FILE_TRANSFERRED)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    files = entries(job, "file_transferred")
    assert [(e.outcome, e.rule, e.final) for e in files] == [("no_interface", "I8", True)] * 2
    assert program.runs == []  # and job_transferred is filtered (flag off): nothing runs


@pytest.mark.parametrize("state", [S.TRANSFERRED, S.ERROR])
def test_k2_the_command_line_never_runs_under_disable(
    state: bl.JobState, sim: bl.Simulation
) -> None:
    """K2: under DISABLE the command line never runs, at the event or when set later."""
    program = Program(0)
    sim.register_program(PROGRAM, program)
    flags = F.DISABLE | F.JOB_TRANSFERRED | F.JOB_ERROR
    job = make_job(
        sim,
        name="nightly",
        size=SIZE,
        fail=404 if state is S.ERROR else None,
        retry=RETRY,
        flags=flags,
    )
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    job.set_notify_cmdline(PROGRAM, PROGRAM + " again")
    sim.run()
    sim.run(until=sim.now + 3 * RETRY)
    assert job.state is state
    assert program.runs == []
    found = entries(job, method_for(state))
    assert found
    assert {(e.outcome, e.rule) for e in found} == {("disabled", "F5")}


def test_k2_without_job_transferred_set_the_command_line_does_not_run(sim: bl.Simulation) -> None:
    """K2: without JOB_TRANSFERRED set the command line does not run; other flags don't count."""
    program = Program(0)
    sim.register_program(PROGRAM, program)
    job = make_job(
        sim,
        name="nightly",
        size=SIZE,
        retry=RETRY,
        flags=F.FILE_TRANSFERRED | F.JOB_MODIFICATION | F.JOB_ERROR,
    )
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    assert job.state is S.TRANSFERRED
    assert program.runs == []
    [transferred] = entries(job, "job_transferred")
    assert (transferred.outcome, transferred.rule) == ("filtered", "F8")


# -- K3: when the command line runs instead of the interface ----------------------------


def test_k3_the_command_line_runs_when_there_is_no_interface(sim: bl.Simulation) -> None:
    """K3: with no interface job_transferred runs the command line at once (cmdline)."""
    program = Program(0)
    sim.register_program(PROGRAM, program)
    job = make_job(sim, name="nightly", size=SIZE, retry=RETRY)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    assert program.times == pytest.approx([FIRST_DONE])
    [ran] = entries(job, "job_transferred")
    assert (ran.outcome, ran.rule, ran.final) == ("cmdline", "K3", True)
    assert PROGRAM in (ran.target or "")


def returns_false(sim: bl.Simulation) -> bl.RecordingNotifier:
    return bl.RecordingNotifier(returns={"job_transferred": False})


def returns_e_fail(sim: bl.Simulation) -> bl.RecordingNotifier:
    return bl.RecordingNotifier(returns={"job_transferred": bl.E_FAIL})


def raises(sim: bl.Simulation) -> bl.RecordingNotifier:
    class Raising(bl.RecordingNotifier):
        def job_transferred(self, job: bl.Job) -> Any:
            super().job_transferred(job)
            raise RuntimeError("disk full")

    return Raising()


def of_a_crashed_app(sim: bl.Simulation) -> bl.RecordingNotifier:
    app = sim.add_app("downloader")
    notifier = bl.RecordingNotifier(app)
    app.crash()
    return notifier


@pytest.mark.parametrize("failing", [returns_false, returns_e_fail, raises, of_a_crashed_app])
def test_k3_the_command_line_runs_when_the_interface_call_fails(
    failing: Callable[[bl.Simulation], bl.RecordingNotifier],
    sim: bl.Simulation,
) -> None:
    """K3: a failed interface call runs the command line; the interface is not called again."""
    program = Program(0)
    sim.register_program(PROGRAM, program)
    job = make_job(sim, name="nightly", size=SIZE, retry=RETRY)
    notifier = failing(sim)
    job.set_notify_interface(notifier)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    sim.run(until=10 * RETRY)
    assert program.times == pytest.approx([FIRST_DONE])
    assert len(notifier.calls) == (0 if failing is of_a_crashed_app else 1)
    found = entries(job, "job_transferred")
    assert [(e.outcome, e.rule, e.final) for e in found] == [("cmdline", "K3", True)]


def test_k3_the_command_line_does_not_run_when_the_interface_succeeds(sim: bl.Simulation) -> None:
    """K3: a successful interface call means the command line does not run."""
    program = Program(0)
    sim.register_program(PROGRAM, program)
    job = make_job(sim, name="nightly", size=SIZE, retry=RETRY)
    notifier = bl.RecordingNotifier()
    job.set_notify_interface(notifier)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    sim.run(until=10 * RETRY)
    assert program.runs == []
    assert methods(notifier) == ["job_transferred"]
    [found] = entries(job, "job_transferred")
    assert (found.outcome, found.rule) == ("delivered", None)


# -- K4: a command line set after the event ----------------------------------------------


@pytest.mark.parametrize("state", [S.TRANSFERRED, S.ERROR])
def test_k4_setting_a_command_line_on_a_settled_job_runs_it(state: bl.JobState) -> None:
    """K4: a command line set on a TRANSFERRED or ERROR job runs at once, logged under K4."""
    job = settled(state)
    sim = job.sim
    program = Program(0)
    sim.register_program(PROGRAM, program)
    [missed] = entries(job, method_for(state))
    assert missed.outcome == "no_interface"
    sim.run(until=sim.now + 1.0)
    when = sim.now
    job.set_notify_cmdline(PROGRAM, PROGRAM + " late")
    sim.run()
    assert [(t, j, p) for t, j, p in program.runs] == [(when, job, PROGRAM + " late")]
    ran = entries(job, method_for(state))[-1]
    assert (ran.outcome, ran.rule, ran.final) == ("cmdline", "K4", True)
    assert ran.id != missed.id
    assert ran.time == pytest.approx(when)


@pytest.mark.parametrize("state", [S.TRANSFERRED, S.ERROR])
def test_k4_not_run_when_the_interface_already_got_the_notification(state: bl.JobState) -> None:
    """K4: no run when the interface already got job_transferred (job_error)."""
    job = make_job(name="nightly", size=SIZE, fail=404 if state is S.ERROR else None, retry=RETRY)
    sim = job.sim
    program = Program(0)
    sim.register_program(PROGRAM, program)
    notifier = bl.RecordingNotifier()
    job.set_notify_interface(notifier)
    job.resume()
    sim.run()
    assert methods(notifier) == [method_for(state)]
    before = entries(job, method_for(state))
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    sim.run()
    sim.run(until=sim.now + 10 * RETRY)
    assert program.runs == []
    assert entries(job, method_for(state)) == before


def test_k4_a_pending_failed_job_transferred_switches_to_the_command_line_at_once() -> None:
    """K4: a job_transferred waiting to retry runs a newly set command line at once."""
    job = make_job(name="nightly", size=SIZE, retry=RETRY)
    sim = job.sim
    program = Program(0)
    sim.register_program(PROGRAM, program)
    failing = bl.RecordingNotifier(returns={"job_transferred": False})
    job.set_notify_interface(failing)
    sim.call_at(2.0, job.set_notify_cmdline, PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    sim.run(until=10 * RETRY)
    assert program.times == pytest.approx([2.0])
    assert methods(failing) == ["job_transferred"]
    found = entries(job, "job_transferred")
    assert len(ids(found)) == 1
    assert [(e.outcome, e.final) for e in found] == [("failed", False), ("cmdline", True)]


# -- K5: a failing command line is retried ------------------------------------------------


def test_k5_a_nonzero_exit_is_retried_after_the_retry_delay_with_only_the_command_line() -> None:
    """K5: a non-zero exit is retried after the retry delay, command line only, until 0."""
    job = make_job(name="nightly", size=SIZE, retry=RETRY)
    sim = job.sim
    job.minimum_retry_delay = 7.0
    program = Program(1, 2, 0)
    sim.register_program(PROGRAM, program)
    failing = bl.RecordingNotifier(returns={"job_transferred": False})
    job.set_notify_interface(failing)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    sim.run(until=100.0)
    assert program.times == pytest.approx([FIRST_DONE, FIRST_DONE + 7, FIRST_DONE + 14])
    assert methods(failing) == ["job_transferred"]
    found = entries(job, "job_transferred")
    assert len(ids(found)) == 1
    assert [(e.outcome, e.rule, e.final) for e in found] == [
        ("failed", "K5", False),
        ("failed", "K5", False),
        ("cmdline", "K5", True),
    ]
    assert [e.time for e in found] == pytest.approx(program.times)


def never_registered(sim: bl.Simulation) -> None:
    pass


def raising_handler(sim: bl.Simulation) -> None:
    sim.register_program(PROGRAM, Program(exc=OSError("access denied")))


def nonzero_handler(sim: bl.Simulation) -> None:
    sim.register_program(PROGRAM, Program(3))


def junk_handler(sim: bl.Simulation) -> None:
    sim.register_program(PROGRAM, Program("ok"))


@pytest.mark.parametrize(
    "setup", [never_registered, raising_handler, nonzero_handler, junk_handler]
)
def test_k5_a_command_line_that_fails_is_retried_until_it_exits_zero(
    setup: Callable[[bl.Simulation], None],
) -> None:
    """K5: failing to launch, raising or a bad exit is failed (K5) and retried until exit 0."""
    job = make_job(name="nightly", size=SIZE, retry=RETRY)
    sim = job.sim
    setup(sim)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run(until=7.0)
    fixed = Program(0)
    sim.register_program(PROGRAM, fixed)  # a later registration replaces the first
    sim.run(until=50.0)
    found = entries(job, "job_transferred")
    assert len(ids(found)) == 1
    assert [(e.outcome, e.rule, e.final) for e in found] == [
        ("failed", "K5", False),
        ("failed", "K5", False),
        ("cmdline", "K5", True),
    ]
    assert fixed.times == pytest.approx([FIRST_DONE + 2 * RETRY])


def test_k5_retries_end_stale_when_the_job_leaves_transferred() -> None:
    """K5: a failing command line is retried until the job leaves TRANSFERRED: stale (C11)."""
    job = make_job(name="nightly", size=SIZE, retry=RETRY)
    sim = job.sim
    program = Program(3)
    sim.register_program(PROGRAM, program)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    sim.call_at(12.0, job.complete)
    job.resume()
    sim.run(until=100.0)
    assert program.times == pytest.approx([FIRST_DONE + RETRY * k for k in range(3)])
    found = entries(job, "job_transferred")
    assert len(ids(found)) == 1
    last = found[-1]
    assert (last.outcome, last.rule, last.final) == ("stale", "C11", True)
    assert last.time == pytest.approx(12.0)
    assert [e.final for e in found] == [False, False, False, True]


# -- K6: simulated programs ----------------------------------------------------------------


def test_k6_the_handler_receives_the_job_and_the_parameters(sim: bl.Simulation) -> None:
    """K6: running the command line calls handler(job, parameters)."""
    program = Program(0)
    sim.register_program(PROGRAM, program)
    job = make_job(sim, name="nightly", size=SIZE, retry=RETRY)
    parameters = f'{PROGRAM} /job "nightly" --quiet'
    job.set_notify_cmdline(PROGRAM, parameters)
    job.resume()
    sim.run()
    assert [(j, p) for _, j, p in program.runs] == [(job, parameters)]


def test_k6_an_unknown_program_fails_to_launch(sim: bl.Simulation) -> None:
    """K6: a command line naming an unregistered program fails to launch (K5)."""
    sim.register_program("C:\\Tools\\other.exe", Program(0))
    job = make_job(sim, name="nightly", size=SIZE, retry=RETRY)
    job.set_notify_cmdline(PROGRAM, PROGRAM)
    job.resume()
    sim.run()
    [found] = entries(job, "job_transferred")
    assert (found.outcome, found.rule, found.final) == ("failed", "K5", False)
    assert "failed to launch" in found.detail


@pytest.mark.parametrize("path", ["notify.exe", "Tools\\notify.exe", "./notify", "C:notify.exe"])
def test_k6_register_program_rejects_a_relative_path(path: str, sim: bl.Simulation) -> None:
    """K6: register_program needs a full path (K1): ValueError naming the path."""
    with pytest.raises(ValueError, match="path"):
        sim.register_program(path, Program(0))


@pytest.mark.parametrize("handler", ["C:\\Tools\\notify.exe", 0, None])
def test_k6_register_program_rejects_a_handler_that_is_not_callable(
    handler: object, sim: bl.Simulation
) -> None:
    """K6: register_program needs a callable handler: TypeError naming it."""
    with pytest.raises(TypeError, match="handler"):
        sim.register_program(PROGRAM, handler)  # type: ignore[arg-type]


def test_k6_no_operating_system_process_is_started(
    monkeypatch: pytest.MonkeyPatch, sim: bl.Simulation
) -> None:
    """K6: with every way to start a process booby-trapped, the command line still runs."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("bitslab tried to start an operating-system process")

    monkeypatch.setattr(subprocess, "Popen", forbidden)
    monkeypatch.setattr(subprocess, "run", forbidden)
    for name in ("system", "popen", "fork", "posix_spawn", "posix_spawnp", "execv", "spawnv"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, forbidden)
    program = Program(0)
    sim.register_program("/usr/bin/notify", program)
    job = make_job(sim, name="nightly", size=SIZE, retry=RETRY)
    job.set_notify_cmdline("/usr/bin/notify", "/usr/bin/notify done")
    job.resume()
    sim.run()
    assert len(program.runs) == 1
    [found] = entries(job, "job_transferred")
    assert (found.outcome, found.final) == ("cmdline", True)


# -- P1: what survives a restart ------------------------------------------------------------


def test_p1_jobs_files_progress_flags_and_cmdline_survive_a_crash_and_restart() -> None:
    """P1: a crash and restart change nothing of the job but its now dead interface (I4)."""

    def scenario(crash: bool) -> bl.Job:
        sim = bl.Simulation(seed=0)
        sim.register_program(PROGRAM, Program(0))
        app = sim.add_app("downloader")
        job = sim.create_job("big")
        for i in range(2):
            job.add_file(f"https://example.test/big/{i}.bin", f"{i}.bin", size=1_000_000)
        job.set_notify_flags(F.JOB_TRANSFERRED | F.FILE_TRANSFERRED | F.JOB_ERROR)
        job.set_notify_cmdline(PROGRAM, PROGRAM + " big")
        job.minimum_retry_delay = 30.0
        job.set_notify_interface(bl.RecordingNotifier(app))
        job.resume()
        sim.run(until=1.5)  # the first file is done, the second half-way
        if crash:
            notifier = job.get_notify_interface()
            before = (snapshot(job), job.get_notify_flags(), job.get_notify_cmdline())
            app.crash()
            app.start()
            after = (snapshot(job), job.get_notify_flags(), job.get_notify_cmdline())
            assert after == before
            assert job.get_notify_interface() is notifier
            assert isinstance(notifier, bl.Notifier)
            assert not notifier.alive
            assert app.running
        sim.run()
        return job

    control = scenario(crash=False)
    job = scenario(crash=True)
    assert job.state is S.TRANSFERRED
    assert steps(job) == steps(control)
    assert job.progress == control.progress
    assert job.get_notify_cmdline() == (PROGRAM, PROGRAM + " big")
    assert job.get_notify_flags() == F.JOB_TRANSFERRED | F.FILE_TRANSFERRED | F.JOB_ERROR


# -- regressions from review ------------------------------------------------------------------


def test_k5_a_program_that_completes_its_job_ends_the_notification_once(sim: bl.Simulation) -> None:
    """K5, C10: a command-line program may complete() its job, as Microsoft's page asks; the
    notification ends once, as cmdline, and nothing escapes run()."""
    sim.register_program(PROGRAM, lambda job, parameters: (job.complete(), 0)[1])
    job = sim.create_job("j")
    job.add_file("https://example.test/a", "a", size=1_000)
    job.set_notify_cmdline(PROGRAM, None)
    job.resume()
    sim.run()
    assert job.state is S.ACKNOWLEDGED
    ends = sim.log.entries(job, method="job_transferred")
    assert [(e.outcome, e.rule, e.final) for e in ends] == [("cmdline", "K3", True)]


def test_k5_a_failing_program_that_resumes_its_job_ends_stale_not_retried(
    sim: bl.Simulation,
) -> None:
    """K5, C11: a program that exits non-zero after moving the job on is not run again."""
    runs: list[float] = []

    def handler(job: bl.Job, parameters: str) -> int:
        runs.append(job.sim.now)
        job.cancel()
        return 1

    sim.register_program(PROGRAM, handler)
    job = sim.create_job("j")
    job.add_file("https://example.test/a", "a", size=1_000)
    job.set_notify_cmdline(PROGRAM, None)
    job.resume()
    sim.run()
    sim.run(until=sim.now + 3 * RETRY)
    assert len(runs) == 1
    ends = sim.log.entries(job, method="job_transferred")
    assert [(e.outcome, e.final) for e in ends] == [("failed", False), ("stale", True)]
    assert "retry in" not in ends[0].detail


def test_i5_a_callback_that_registers_itself_again_is_called_once(sim: bl.Simulation) -> None:
    """I5: setting the same object again during its own job_transferred call replays nothing,
    so the run ends (it used to loop at one instant)."""

    class Reregister(bl.RecordingNotifier):
        def job_transferred(self, job: bl.Job) -> Any:
            job.set_notify_interface(self)
            return super().job_transferred(job)

    job = sim.create_job("j")
    job.add_file("https://example.test/a", "a", size=1_000)
    notifier = Reregister()
    job.set_notify_interface(notifier)
    job.resume()
    sim.run(until=5.0)
    assert [c.method for c in notifier.calls] == ["job_transferred"]


def test_k3_a_command_line_set_before_a_valid_interface_is_tried_does_not_preempt_it() -> None:
    """K3, K4: while job_transferred is on its way to a valid interface, a new command line
    does not replace the call: the interface gets it and the command line does not run."""
    sim = bl.Simulation(seed=0, dispatch_delay=1.0)
    runs: list[float] = []
    sim.register_program(PROGRAM, lambda job, parameters: runs.append(job.sim.now) or 0)
    recorder = bl.RecordingNotifier()
    job = sim.create_job("j")
    job.add_file("https://example.test/a", "a", size=1_000)
    job.set_notify_interface(recorder)
    job.resume()
    sim.run(until=1.0)  # TRANSFERRED at 0.051; job_transferred dispatches at 1.051
    assert job.state is S.TRANSFERRED
    job.set_notify_cmdline(PROGRAM, None)
    sim.run()
    assert [c.method for c in recorder.calls] == ["job_transferred"]
    assert runs == []
