"""Delivery to a new interface: it gets the job-level call again (I5); a notifier without
the method (I6), through the public API and the event log.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``delivery_apps_support.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from delivery_apps_support import (
    FIRST_DONE,
    RETRY,
    SIZE,
    F,
    S,
    entries,
    ids,
    method_for,
    methods,
    restart_story,
    settled,
)
from support import make_job

import bitslab as bl

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
