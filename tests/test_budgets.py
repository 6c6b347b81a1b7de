"""Run budgets: every run() ends, and one that cannot become quiet says which job and which
cycle keep it busy (issue 22; C10, L8, S2, L14).

The budgets are options of Simulation and of run(): max_events, max_reentries,
max_simulated_time, max_wall_time. A spent one stops the run between two events and raises
RunBudgetError; the simulation is then consistent and run() goes on.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import pytest
from support import log_rows, one_job_file

import bitslab as bl
from bitslab.cli import main

HUGE = 9_223_372_036_854_775_807  # 2**63 - 1 bytes


class ResumeOnError(bl.Notifier):
    """C10's normal pattern: job_error resumes the job (L8)."""

    def job_error(self, job: bl.Job, error: bl.JobError) -> None:
        job.resume()


def looping(**options: Any) -> tuple[bl.Simulation, bl.Job]:
    """The loop of issue 22: a permanent 404 (L7) and a job_error that resumes (C10, L8)."""
    sim = bl.Simulation(seed=0, **options)
    job = sim.create_job("j")
    job.add_file("https://example.test/gone.bin", "gone.bin", size=1_000)
    sim.network.fail("https://example.test/gone.bin", 404)
    job.set_notify_interface(ResumeOnError())
    job.resume()
    return sim, job


def test_c10_l8_a_job_error_that_resumes_a_404_ends_with_the_error_naming_job_and_cycle() -> None:
    sim, _job = looping()
    with pytest.raises(bl.RunBudgetError) as caught:
        sim.run()
    error = caught.value
    assert error.budget == "max_reentries"
    assert error.limit == 10_000
    assert error.job == "j"
    assert error.cycle == (
        "job 'j' has re-entered ERROR 9,999 times through job_error -> resume(); see L8, C10"
    )
    assert str(error).startswith("run() spent max_reentries=10,000 at ")
    assert error.cycle in str(error)
    assert "\n" not in str(error)


def test_c10_after_the_budget_error_the_simulation_is_consistent_and_runs_on() -> None:
    sim, job = looping()
    with pytest.raises(bl.RunBudgetError):
        sim.run()
    assert not sim.quiet
    stopped = sim.now
    entries = len(sim.log)
    sim.run(until=stopped + 10.0)  # goes on, with fresh budgets
    assert sim.now == stopped + 10.0
    assert len(sim.log) > entries
    job.set_notify_interface(None)  # the application stops resuming: the loop ends
    sim.run()
    assert sim.quiet
    assert job.state is bl.JobState.ERROR
    assert sim.log.pending() == []


def test_c10_the_budget_error_is_the_same_for_the_same_seed() -> None:
    runs = []
    for _ in range(2):
        sim, _job = looping(max_reentries=500)
        with pytest.raises(bl.RunBudgetError) as caught:
            sim.run()
        runs.append((str(caught.value), log_rows(sim)))
    assert runs[0] == runs[1]


def test_l14_a_file_of_2_63_bytes_ends_with_the_event_budget_naming_the_job() -> None:
    sim = bl.Simulation(seed=0, max_events=20_000)
    job = sim.create_job("big")
    job.add_file("https://example.test/huge.bin", "huge.bin", size=HUGE)
    job.set_notify_interface(bl.RecordingNotifier())
    job.resume()
    with pytest.raises(bl.RunBudgetError) as caught:
        sim.run()
    error = caught.value
    assert (error.budget, error.limit, error.job) == ("max_events", 20_000, "big")
    done = job.progress.bytes_transferred
    assert 0 < done < HUGE
    assert error.cycle.startswith(f"job 'big' is still TRANSFERRING: {done:,} of {HUGE:,} bytes")


def test_l14_the_cli_on_a_scenario_file_of_2_63_bytes_exits_2_with_one_line(
    tmp_path: Path,
) -> None:
    scenario = one_job_file(tmp_path / "huge.toml", "big", size=HUGE)
    out, err = io.StringIO(), io.StringIO()
    assert main(["run", str(scenario)], out, err) == 2
    lines = err.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: run() spent max_events=500,000 at ")
    assert "job 'big' is still TRANSFERRING" in lines[0]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("time_slice", 1e-9, "time_slice must be at least 0.001, got 1e-09"),
        ("bandwidth", 5e-324, "bandwidth must be at least 1, got 5e-324"),
        ("bandwidth", 0.5, "bandwidth must be at least 1, got 0.5"),
    ],
)
def test_s2_s5_a_step_that_would_vanish_or_last_for_ever_is_refused(
    option: str, value: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        bl.Simulation(**{option: value})


def test_s2_s5_the_cli_refuses_a_vanishing_step_in_a_scenario_file_with_one_line(
    tmp_path: Path,
) -> None:
    for option, value in (("time_slice", "1e-9"), ("bandwidth", "5e-324")):
        before = f"[simulation]\n{option} = {value}\n"
        scenario = one_job_file(tmp_path / f"{option}.toml", before=before)
        err = io.StringIO()
        assert main(["run", str(scenario)], io.StringIO(), err) == 2
        lines = err.getvalue().splitlines()
        assert len(lines) == 1, lines
        assert option in lines[0], lines


def test_s2_a_time_slice_that_vanishes_late_in_a_run_stops_with_a_stuck_clock() -> None:
    """At 1e14 s a step of 0.001 s is below half the float spacing (0.016 s): the slice would
    end at the very moment it began, for ever. The event budget cuts that moment short."""
    sim = bl.Simulation(seed=0, time_slice=0.001, max_events=5_000)
    job = sim.create_job("late")
    job.add_file("https://example.test/a.bin", "a.bin", size=HUGE)
    sim.call_at(1e14, job.resume)
    with pytest.raises(bl.RunBudgetError) as caught:
        sim.run()
    assert caught.value.budget == "max_events"
    assert caught.value.cycle.startswith("simulated time is stuck at 1e+14 s")
    assert 1e14 <= sim.now < 1e14 + 1


def test_s2_two_jobs_swapping_every_slice_are_a_cycle_named_by_its_rule() -> None:
    sim = bl.Simulation(seed=0, time_slice=0.001, max_reentries=200)
    for name in ("a", "b"):
        job = sim.create_job(name)
        job.add_file(f"https://example.test/{name}.bin", f"{name}.bin", size=10_000_000)
        job.resume()
    with pytest.raises(bl.RunBudgetError) as caught:
        sim.run()
    assert caught.value.job in ("a", "b")
    assert "has re-entered QUEUED" in caught.value.cycle
    assert caught.value.cycle.endswith("through time slices (S2); see S2")


def test_max_simulated_time_stops_a_run_that_would_go_further() -> None:
    sim, _job = looping(max_reentries=None)
    with pytest.raises(bl.RunBudgetError) as caught:
        sim.run(max_simulated_time=30.0)
    assert caught.value.budget == "max_simulated_time"
    assert str(caught.value).startswith("run() spent max_simulated_time=30 s at ")
    assert sim.now <= 30.0


def test_max_simulated_time_is_not_spent_by_a_run_that_ends_before_it() -> None:
    sim = bl.Simulation(seed=0, max_simulated_time=1_000.0)
    job = sim.create_job("small")
    job.add_file("https://example.test/a", "a", size=1_000)
    job.resume()
    sim.run()
    assert job.state is bl.JobState.TRANSFERRED
    sim.run(until=5_000.0)  # until beyond the budget, with nothing left to do
    assert sim.now == 5_000.0


def test_max_wall_time_stops_a_loop_when_the_model_budgets_are_off() -> None:
    sim, _job = looping(max_events=None, max_reentries=None)
    with pytest.raises(bl.RunBudgetError) as caught:
        sim.run(max_wall_time=0.2)
    assert caught.value.budget == "max_wall_time"
    assert caught.value.job == "j"


def test_run_options_override_the_simulations_budgets_for_one_call() -> None:
    sim, _job = looping(max_reentries=50)
    with pytest.raises(bl.RunBudgetError) as first:
        sim.run()
    with pytest.raises(bl.RunBudgetError) as second:
        sim.run(max_reentries=None, max_events=3_000)
    assert (first.value.budget, second.value.budget) == ("max_reentries", "max_events")
    assert sim.budgets.max_reentries == 50  # a run's options change nothing lasting


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"max_events": 0}, ValueError, "max_events must be at least 1, got 0"),
        ({"max_events": 2.5}, TypeError, "max_events must be an int, got float 2.5"),
        ({"max_reentries": -1}, ValueError, "max_reentries must be at least 1, got -1"),
        ({"max_simulated_time": 0}, ValueError, "max_simulated_time must be greater than 0"),
        ({"max_wall_time": "1"}, TypeError, "max_wall_time must be a number, got str '1'"),
        ({"max_wall_time": float("nan")}, ValueError, "max_wall_time must be a finite number"),
    ],
)
def test_budgets_are_checked_like_every_other_argument(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        bl.Simulation(**options)
    sim = bl.Simulation()
    before = (sim.now, len(sim.log), sim.budgets)
    with pytest.raises(error, match=message):
        sim.run(**options)
    assert (sim.now, len(sim.log), sim.budgets) == before  # a refused call changes nothing


def test_the_budget_error_pickles_with_its_fields() -> None:
    sim, _job = looping(max_reentries=100)
    with pytest.raises(bl.RunBudgetError) as caught:
        sim.run()
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (str(copy), copy.budget, copy.limit, copy.job, copy.cycle) == (
        str(caught.value),
        "max_reentries",
        100,
        "j",
        caught.value.cycle,
    )


def test_the_default_budgets_leave_every_ready_scenario_and_example_alone() -> None:
    """The defaults are far above the classroom: each ready scenario and example file runs
    to quiet with budgets a hundred times smaller than the defaults."""
    small = {"max_events": 5_000, "max_reentries": 100}
    for name in ("restart_story", "flaky_network", "media_player", "flags_tour"):
        built = getattr(bl.scenarios, name)(run=False)
        sim = built if isinstance(built, bl.Simulation) else built.sim
        sim.run(**small)
        assert sim.quiet, name
    for path in sorted(Path(__file__).parent.parent.glob("examples/*.toml")):
        result = bl.ScenarioFile.load(path).simulate(run=False)
        result.sim.run(until=bl.ScenarioFile.load(path).until, **small)
