"""Finding jobs again: job.id, sim.enum_jobs() and sim.get_job() (IBackgroundCopyJob::GetId,
IBackgroundCopyManager::EnumJobs and GetJob), through the public API."""

from __future__ import annotations

import random
import uuid

import pytest
from lifecycle_support import S, job_in
from support import make_job

import bitslab as bl


def test_a_job_id_is_a_uuid_drawn_from_the_seeded_generator() -> None:
    """GetId: a job's identifier is a GUID; bitslab draws it from the simulation's seeded
    generator, so the same seed gives the same ids, and another seed others."""

    def ids(seed: int) -> list[uuid.UUID]:
        sim = bl.Simulation(seed=seed)
        return [sim.create_job(name).id for name in ("a", "b", "c")]

    first = ids(3)
    assert all(isinstance(i, uuid.UUID) and i.version == 4 for i in first)
    assert len(set(first)) == 3
    assert first == ids(3) != ids(4)


def test_drawing_the_id_takes_the_same_128_bits_of_the_stream_as_before() -> None:
    """The id is the first 128 random bits of the seed's stream (as when it was kept as a
    str), so every seeded run draws the same numbers after it as before."""
    sim = bl.Simulation(seed=11)
    job = sim.create_job("j")
    stream = random.Random(11)
    assert job.id == uuid.UUID(int=stream.getrandbits(128), version=4)
    assert sim.rng.getstate() == stream.getstate()


def test_the_log_keeps_the_job_id_and_its_table_holds_its_text(sim: bl.Simulation) -> None:
    """An entry's job record keeps the GUID; the DataFrame's job_id column is its text."""
    job = make_job(sim, resume_at=0.0)
    sim.run()
    assert {entry.job.id for entry in sim.log} == {job.id}
    assert set(sim.log.to_dataframe()["job_id"]) == {str(job.id)}


def test_enum_jobs_lists_the_jobs_in_the_queue_oldest_first(sim: bl.Simulation) -> None:
    """EnumJobs: "the jobs in the BITS transfer queue", oldest first; a job leaves the queue
    once ACKNOWLEDGED or CANCELLED, whatever its other state."""
    errored = make_job(sim, name="errored", fail=404, resume_at=0.0)
    done = make_job(sim, name="done", resume_at=0.0)
    acknowledged = make_job(sim, name="acknowledged", resume_at=0.0)
    cancelled = make_job(sim, name="cancelled")
    waiting = make_job(sim, name="waiting")
    assert sim.enum_jobs() == [errored, done, acknowledged, cancelled, waiting]
    sim.run()
    cancelled.cancel()
    acknowledged.complete()
    assert [job.state for job in sim.enum_jobs()] == [S.ERROR, S.TRANSFERRED, S.SUSPENDED]
    assert sim.enum_jobs() == [errored, done, waiting]


@pytest.mark.parametrize(
    "form", [lambda i: i, str, lambda i: "{" + str(i).upper() + "}", lambda i: i.hex]
)
def test_get_job_finds_a_job_by_its_guid_or_the_guid_text(sim: bl.Simulation, form: object) -> None:
    """GetJob: "Retrieves a specified job from the transfer queue", by the identifier the
    application kept: a uuid.UUID, or its text in any form uuid.UUID reads."""
    make_job(sim)
    job = make_job(sim)
    assert sim.get_job(form(job.id)) is job  # type: ignore[operator]


@pytest.mark.parametrize("state", [S.ACKNOWLEDGED, S.CANCELLED])
def test_get_job_of_a_final_job_fails_with_not_found(state: bl.JobState) -> None:
    """GetJob: BG_E_NOT_FOUND, "The job was not found in the queue": an ACKNOWLEDGED or
    CANCELLED job has left it."""
    job = job_in(state)
    with pytest.raises(bl.BitsError, match=f"is {state.name}") as info:
        job.sim.get_job(job.id)
    assert info.value.hresult == bl.BG_E_NOT_FOUND == 0x80200001


def test_get_job_of_an_unknown_id_fails_with_not_found(sim: bl.Simulation) -> None:
    """GetJob: BG_E_NOT_FOUND for an id no job of this simulation has (even one of another
    simulation's jobs)."""
    elsewhere = bl.Simulation(seed=1).create_job("elsewhere")
    make_job(sim)
    for job_id in (uuid.UUID(int=0), elsewhere.id, str(uuid.UUID(int=7))):
        with pytest.raises(bl.BitsError, match="no job has this id") as info:
            sim.get_job(job_id)
        assert info.value.hresult == bl.BG_E_NOT_FOUND


@pytest.mark.parametrize(
    ("job_id", "error", "words"),
    [
        (5, TypeError, "int 5"),
        (None, TypeError, "NoneType None"),
        (b"\x00" * 16, TypeError, "bytes"),
        ("nightly", ValueError, "str 'nightly'"),
        ("", ValueError, "str ''"),
    ],
)
def test_get_job_refuses_what_is_not_a_guid(
    sim: bl.Simulation, job_id: object, error: type[Exception], words: str
) -> None:
    """GetJob takes a GUID: another type is a TypeError, a str that is not one a ValueError,
    each naming job_id and what it got."""
    make_job(sim)
    with pytest.raises(error, match="job_id") as info:
        sim.get_job(job_id)  # type: ignore[arg-type]
    assert words in str(info.value)


def test_a_restarted_application_finds_its_jobs_and_registers_again(sim: bl.Simulation) -> None:
    """I4, P1: a restarted application keeps the job ids it persisted, finds the jobs with
    GetJob ("Typically, your application persists the job identifier, so you can later
    retrieve the job from the queue") and registers a new notifier on each."""
    app = sim.add_app("downloader")
    jobs = [make_job(sim, notifier=bl.RecordingNotifier(app), resume_at=0.0) for _ in range(2)]
    kept = [str(job.id) for job in jobs]  # what the application wrote to disk
    notifiers: list[bl.RecordingNotifier] = []

    def reregister(app: bl.App) -> None:
        for job_id in kept:
            notifier = bl.RecordingNotifier(app)
            app.sim.get_job(job_id).set_notify_interface(notifier)
            notifiers.append(notifier)

    app.on_start(reregister)
    sim.call_at(0.5, app.crash)
    sim.call_at(5.0, app.start)
    sim.run()
    assert [job.get_notify_interface() for job in jobs] == notifiers
    assert [[c.method for c in n.calls] for n in notifiers] == [["job_transferred"]] * 2
