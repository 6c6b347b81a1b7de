"""On-demand mode (R1): which jobs may be on-demand, what the mode refuses, and turning
it off, through the public API and ``sim.log``.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``on_demand_support.py``.
"""

from __future__ import annotations

import pytest
from on_demand_support import (
    FLAGS,
    MB,
    REPORT,
    K,
    P,
    S,
    assert_no_effect,
    resume,
    suspended_job,
    transferring_job,
    world,
)
from support import make_job, steps

import bitslab as bl

# -- R1: on-demand mode is for http(s) download jobs -------------------------------------------


def test_r1_on_demand_mode_is_off_by_default_and_may_be_turned_on_and_off(
    sim: bl.Simulation,
) -> None:
    """R1: a new job is not on-demand; an http/https download job may be made on-demand,
    also with no files yet or with an upper-case scheme, and turned back at any time."""
    job = sim.create_job("web")
    assert job.get_property(P.ON_DEMAND_MODE) is False
    job.set_property(P.ON_DEMAND_MODE, True)  # no files: nothing forbids it
    assert job.get_property(P.ON_DEMAND_MODE) is True
    job.add_file("http://example.test/a.bin", "a.bin", K)
    job.add_file("HTTPS://example.test/b.bin", "b.bin", K)
    job.set_property(P.ON_DEMAND_MODE, False)
    assert job.get_property(P.ON_DEMAND_MODE) is False
    job.set_property(P.ON_DEMAND_MODE, True)
    assert job.get_property(P.ON_DEMAND_MODE) is True
    job.files[1].request_ranges([(0, 10)])
    assert job.files[1].outstanding_ranges() == [(0, 10)]


@pytest.mark.parametrize("job_type", [bl.JobType.UPLOAD, bl.JobType.UPLOAD_REPLY])
def test_r1_on_demand_mode_fails_for_a_job_that_is_not_a_download(job_type: bl.JobType) -> None:
    """R1: turning on-demand mode on for an upload job fails with
    BG_E_RANDOM_ACCESS_NOT_SUPPORTED and changes nothing; turning it off is allowed."""

    def build(sim: bl.Simulation) -> bl.Job:
        job = sim.create_job("up", type=job_type)
        job.add_file("https://example.test/up.bin", "up.bin", 300 * K)
        job.set_notify_interface(bl.RecordingNotifier())
        job.set_notify_flags(FLAGS)
        return job

    error = assert_no_effect(
        build, lambda job: job.set_property(P.ON_DEMAND_MODE, True), then=resume
    )
    assert isinstance(error, bl.BitsError)
    assert error.hresult == bl.BG_E_RANDOM_ACCESS_NOT_SUPPORTED
    assert error.name == "BG_E_RANDOM_ACCESS_NOT_SUPPORTED"
    assert "'up'" in str(error)
    assert "R1" in str(error)
    job = build(bl.Simulation(seed=0))
    job.set_property(P.ON_DEMAND_MODE, False)
    assert job.get_property(P.ON_DEMAND_MODE) is False


@pytest.mark.parametrize(
    "url",
    ["file:///srv/share/b.bin", "FILE:///srv/share/b.bin", "\\\\server\\share\\b.bin"],
)
def test_r1_on_demand_mode_fails_for_a_job_with_a_file_or_unc_file(url: str) -> None:
    """R1: a download job with any file that is not http/https cannot be made on-demand;
    the job then transfers whole files as if nothing had been tried."""

    def build(sim: bl.Simulation) -> bl.Job:
        job = sim.create_job("mixed")
        job.add_file("https://example.test/a.bin", "a.bin", 200 * K)
        job.add_file(url, "b.bin", 100 * K)
        job.set_notify_interface(bl.RecordingNotifier())
        job.set_notify_flags(FLAGS)
        return job

    error = assert_no_effect(
        build, lambda job: job.set_property(P.ON_DEMAND_MODE, True), then=resume
    )
    assert isinstance(error, bl.BitsError)
    assert error.hresult == bl.BG_E_RANDOM_ACCESS_NOT_SUPPORTED
    job = build(bl.Simulation(seed=0))
    job.resume()
    job.sim.run()
    assert job.state is S.TRANSFERRED
    assert job.history[-1].rule == "L3"


@pytest.mark.parametrize("url", ["file:///srv/share/b.bin", "\\\\server\\share\\b.bin"])
@pytest.mark.parametrize("at", [0.0, 0.3])
def test_r1_adding_a_file_or_unc_file_to_an_on_demand_job_fails_and_adds_nothing(
    url: str, at: float
) -> None:
    """R1: add_file of a non-http(s) URL to a job already on-demand fails with
    BG_E_RANDOM_ACCESS_NOT_SUPPORTED, before the transfer or during it, and adds nothing."""
    error = assert_no_effect(transferring_job, lambda job: job.add_file(url, "b.bin", K), at=at)
    assert isinstance(error, bl.BitsError)
    assert error.hresult == bl.BG_E_RANDOM_ACCESS_NOT_SUPPORTED
    job = transferring_job(bl.Simulation(seed=0))
    added = job.add_file("http://example.test/c.bin", "c.bin", K)  # http is fine
    assert job.files[-1] is added


@pytest.mark.parametrize("was_on", [False, True])
def test_r1_request_ranges_fails_on_a_job_not_in_on_demand_mode(was_on: bool) -> None:
    """R1 (model choice): request_ranges on a job that is not (or no longer) on-demand fails
    with BG_E_RANDOM_ACCESS_NOT_SUPPORTED, even on an https download job that could be made
    on-demand, though the RequestFileRanges page says ranges "can be requested for any
    download job that also meets the requirements for BITS_JOB_PROPERTY_ON_DEMAND_MODE
    jobs"; the job then transfers its whole file as before."""

    def build(sim: bl.Simulation) -> bl.Job:
        job = make_job(
            sim, name="od", on_demand=was_on, flags=FLAGS, notifier=bl.RecordingNotifier()
        )
        if was_on:
            job.set_property(P.ON_DEMAND_MODE, False)
        return job

    error = assert_no_effect(build, lambda job: job.files[0].request_ranges([(0, 10)]), then=resume)
    assert isinstance(error, bl.BitsError)
    assert error.hresult == bl.BG_E_RANDOM_ACCESS_NOT_SUPPORTED
    assert "R1" in str(error)


@pytest.mark.parametrize("value", [1, 0, "yes", None, 1.0])
def test_r1_on_demand_mode_value_must_be_a_bool(value: object) -> None:
    """R1: ON_DEMAND_MODE takes a bool; anything else is a TypeError naming it."""
    error = assert_no_effect(
        suspended_job, lambda job: job.set_property(P.ON_DEMAND_MODE, value), then=resume
    )
    assert isinstance(error, TypeError)
    assert "ON_DEMAND_MODE" in str(error)


def test_r1_on_demand_mode_cannot_change_on_a_final_job() -> None:
    """R1, L12: a CANCELLED job refuses the property with BG_E_INVALID_STATE."""
    job = make_job(bl.Simulation(seed=0), name="od", on_demand=True, flags=FLAGS)
    job.cancel()
    before = world(job)
    for value in (True, False):
        with pytest.raises(bl.BitsError) as info:
            job.set_property(P.ON_DEMAND_MODE, value)
        assert info.value.hresult == bl.BG_E_INVALID_STATE
    assert world(job) == before
    assert job.get_property(P.ON_DEMAND_MODE) is True


def test_r1_turning_on_demand_mode_off_fetches_the_rest_of_every_file_in_offset_order(
    sim: bl.Simulation,
) -> None:
    """R1, R5: with the mode off again the job fetches every missing byte, gaps in offset
    order, file after file, and ends TRANSFERRED (L3)."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", sizes=(MB, MB), on_demand=True, flags=FLAGS, notifier=rec)
    first, second = job.files
    first.request_ranges([(400 * K, 200 * K)])
    second.request_ranges([(0, 100 * K)])
    job.resume()
    sim.run(until=0.5)
    # 0.05 connect, 200,000 bytes by 0.25, connect for the second file by 0.30, 100,000 by 0.40
    assert steps(job, 4) == [(0.4, S.TRANSFERRING, S.SUSPENDED, "R5")]
    job.set_property(P.ON_DEMAND_MODE, False)
    job.resume()  # at 0.50: TRANSFERRING at 0.55
    sim.run(until=0.65)  # 100,000 bytes: the first gap fills from offset 0
    assert first.filled_ranges() == [(0, 100 * K), (400 * K, 200 * K)]
    sim.run(until=0.95)  # 400,000 bytes: the first gap is full
    assert first.filled_ranges() == [(0, 600 * K)]
    sim.run(until=1.15)  # 600,000 bytes: then the gap after the filled range
    assert first.filled_ranges() == [(0, 800 * K)]
    assert second.filled_ranges() == [(0, 100 * K)]
    sim.run()
    # the first file's 800,000 missing bytes end at 1.35; connect by 1.40; 900,000 by 2.30
    assert steps(job, 5) == [
        (0.5, S.SUSPENDED, S.QUEUED, "L2"),
        (0.5, S.QUEUED, S.CONNECTING, "L3"),
        (0.55, S.CONNECTING, S.TRANSFERRING, "L3"),
        (2.3, S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]
    assert [f.filled_ranges() for f in job.files] == [[(0, MB)], [(0, MB)]]
    assert [f.transferred for f in job.files] == [True, True]
    assert job.progress.files_transferred == 2
    files_done = [((round(c.time, 6), c.method), c.file) for c in rec.calls if c.method != REPORT]
    assert files_done == [
        ((1.35, "file_transferred"), first),
        ((2.3, "file_transferred"), second),
        ((2.3, "job_transferred"), None),
    ]
