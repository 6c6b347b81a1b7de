"""Delivery to applications: the interface dies with its application run (I4), clean exit
versus crash (I7, I8) and what survives a restart (P1), through the public API and the
event log.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``delivery_apps_support.py``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from delivery_apps_support import (
    FIRST_DONE,
    PROGRAM,
    RETRY,
    SIZE,
    F,
    Program,
    S,
    Story,
    entries,
    ids,
    methods,
    restart_story,
)
from support import make_job, snapshot, steps

import bitslab as bl

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
