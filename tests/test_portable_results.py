"""Results leave the process as plain data; a Simulation itself does not (issue 22).

Log entries, pending notifications, the log and job histories pickle without the simulation
(jobs and files become JobRecord and FileRecord), so a process-pool worker can return them;
copy, deepcopy and pickle refuse a Simulation clearly; a Simulation is single-threaded and
run() from a second thread is refused.
"""

from __future__ import annotations

import copy
import pickle
import threading
from concurrent.futures import ProcessPoolExecutor

import pytest
from support import log_rows

import bitslab as bl


def story() -> bl.Simulation:
    return bl.scenarios.restart_story()


def test_d1_a_log_entry_pickles_as_plain_data_with_its_job_and_file_as_records() -> None:
    sim = story()
    entry = next(e for e in sim.log if e.file is not None)
    copied = pickle.loads(pickle.dumps(entry))
    assert isinstance(copied.job, bl.JobRecord)
    assert isinstance(copied.file, bl.FileRecord)
    assert (copied.job.name, copied.job.id) == (entry.job.name, entry.job.id)
    assert copied.file.local_name == entry.file.local_name
    assert str(copied) == str(entry)
    assert copied[:3] == entry[:3]
    assert b"Environment" not in pickle.dumps(entry)  # no simulation inside


def test_d1_the_log_pickles_with_what_explain_and_to_dataframe_need() -> None:
    sim = story()
    sim.run(until=sim.now + 1)
    copied = pickle.loads(pickle.dumps(sim.log))
    assert len(copied) == len(sim.log)
    assert copied.explain() == sim.log.explain()
    assert copied.to_dataframe().equals(sim.log.to_dataframe())
    assert [tuple(p)[:2] for p in copied.pending()] == [tuple(p)[:2] for p in sim.log.pending()]
    record = copied[0].job
    assert copied.entries(record) == [e for e in copied if e.job == record]
    assert copy.deepcopy(sim.log).explain() == sim.log.explain()


def test_l_a_history_pickles_as_it_is() -> None:
    job = story().jobs[0]
    assert pickle.loads(pickle.dumps(job.history)) == job.history


def _worker(seed: int) -> tuple[bl.EventLog, list[bl.StateChange]]:
    sim = bl.scenarios.restart_story(seed=seed)
    return sim.log, sim.jobs[0].history


def test_d1_a_process_pool_worker_returns_the_log_and_history() -> None:
    with ProcessPoolExecutor(max_workers=1) as pool:
        log, history = pool.submit(_worker, 3).result()
    here = bl.scenarios.restart_story(seed=3)
    assert [str(e) for e in log] == [str(e) for e in here.log]
    assert history == here.jobs[0].history
    assert log.explain() == here.log.explain()


@pytest.mark.parametrize("how", [copy.copy, copy.deepcopy, pickle.dumps])
def test_a_simulation_refuses_to_be_copied_or_pickled(how: object) -> None:
    sim = story()
    before = log_rows(sim)
    with pytest.raises(TypeError, match="a Simulation cannot be copied or pickled"):
        how(sim)  # type: ignore[operator]
    with pytest.raises(TypeError, match="cannot be copied"):
        how(sim.jobs[0])  # type: ignore[operator]
    assert log_rows(sim) == before


def test_run_from_a_second_thread_while_one_runs_is_refused(sim: bl.Simulation) -> None:
    job = sim.create_job("j")
    job.add_file("https://example.test/a", "a", size=1_000_000)
    job.resume()
    inside, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def blocking() -> None:
        inside.set()
        release.wait(30)

    sim.call_at(0.5, blocking)
    worker = threading.Thread(target=sim.run)
    worker.start()
    try:
        assert inside.wait(30)
        try:
            sim.run()
        except RuntimeError as error:
            errors.append(error)
    finally:
        release.set()
        worker.join(30)
    assert [str(e) for e in errors] == [
        "run() called from another thread while this simulation is running: a Simulation is "
        "single-threaded; give each thread its own"
    ]
    assert job.state is bl.JobState.TRANSFERRED


def test_the_simulation_documents_that_it_is_single_threaded_and_not_copyable() -> None:
    doc = " ".join((bl.Simulation.__doc__ or "").split())  # 3.13 dedents docstrings
    assert "a Simulation is not thread-safe" in doc
    assert "A Simulation cannot be copied" in doc
