"""Invariants of notification delivery over random scenarios (F5, F6, F8, K2, I4, C4, C9, D1).

Hypothesis draws random worlds from ``random_worlds.py`` (shared with ``test_invariants.py``):
one to four download jobs with random flags, retry delays, intervals and command lines; one or
two apps whose notifiers succeed, fail, raise, return junk, call ``sim.run()``, complete the
job (C10), or take simulated time and, halfway, crash their app, set DISABLE, clear their own
flag or cancel the job; duck-typed notifiers lacking methods (I6); timed flag changes,
crashes, restarts, clean exits, re-registrations, resumes, suspends, command lines, retry
delays and intervals; an outage and HTTP 503/404 failures. Each scenario runs to its horizon,
then every app is restarted, every job cancelled or completed, and the run goes on until
quiet, so every notification ends.

The notifiers and the programs record what they see when called (the job's flags and state,
whether their app run is alive, how many callbacks are in flight); the checks compare those
records with the event log. A last test adds results and exceptions that cannot be printed.
"""

from __future__ import annotations

import itertools
from collections import Counter

from hypothesis import HealthCheck, given, settings
from random_worlds import (
    FLAG_OF,
    TARGET,
    Run,
    Scenario,
    run,
    scenarios,
)
from support import assert_known_outcomes_and_rules, assert_one_final_entry_each, log_rows

import bitslab as bl

F = bl.NotifyFlags
S = bl.JobState
PROFILE = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


# -- the checks ----------------------------------------------------------------------------------


def app_runs(result: Run) -> dict[tuple[str, int], bl.App]:
    return {(app.name, run.number): app for app in result.sim.apps for run in app.runs}


@PROFILE
@given(scenarios())
def test_f5_f6_f8_k2_calls_and_command_lines_happen_only_with_their_flag_set_and_disable_clear(
    scenario: Scenario,
) -> None:
    """F5, F6, F8, K2: flags read at each call allow it; delivered entries match such calls."""
    result = run(scenario)
    for seen in result.book.calls:
        assert seen.flags & FLAG_OF[seen.method], seen  # F6, F8: the flag is set now
        assert not seen.flags & F.DISABLE, seen  # F5
    succeeded = Counter((s.time, s.method, s.job, s.file) for s in result.book.calls if s.succeeds)
    delivered = Counter(
        (e.time, e.method, e.job, e.file) for e in result.sim.log if e.outcome == "delivered"
    )
    assert not delivered - succeeded  # each delivery was a call that returned success
    for time, job, state, flags in result.book.commands:
        what = (time, job.name, state, flags)
        assert state in (S.TRANSFERRED, S.ERROR), what  # K2, C11: the event still holds
        wanted = F.JOB_TRANSFERRED if state is S.TRANSFERRED else F.JOB_ERROR
        assert flags & wanted, what  # K2: the flag of that event
        assert not flags & F.DISABLE, what  # K2, F5


@PROFILE
@given(scenarios())
def test_i4_nothing_is_delivered_into_a_dead_app_run(scenario: Scenario) -> None:
    """I4: every call finds its app run alive, and none is delivered after its run ended."""
    result = run(scenario)
    for seen in result.book.calls:
        assert seen.alive is not False, seen
    runs = app_runs(result)
    for entry in result.sim.log:
        if entry.outcome != "delivered":
            continue
        assert entry.target is not None, entry
        match = TARGET.search(entry.target)
        if match is None:  # a duck: no app run
            continue
        number = int(match["run"])
        app = runs[match["app"], number]
        end = app.runs[number - 1].end  # the run outlived the whole call, not just its start
        assert end is None or end >= entry.time + entry.duration, (str(entry), entry.target, end)


@PROFILE
@given(scenarios())
def test_c4_file_transferred_delivered_once_in_file_order_before_job_transferred(
    scenario: Scenario,
) -> None:
    """C4: a file is delivered at most once, in file order, all before the job_transferred."""
    result = run(scenario)
    log = result.sim.log
    for job in result.jobs:
        files = log.entries(job, method="file_transferred", outcome="delivered")
        order = [job.files.index(e.file) for e in files]
        assert order == sorted(set(order)), (job.name, order)  # once each, in file order
        for before, after in itertools.pairwise(files):
            assert after.time >= before.time + before.duration, (str(before), str(after))
        transferred = log.entries(job, method="job_transferred", outcome="delivered")
        if not transferred:
            continue
        first = transferred[0]
        ended = {e.id: e for e in log.entries(job, method="file_transferred", final=True)}
        for entry in ended.values():  # every file's notification had ended before it began
            assert entry.time + entry.duration <= first.time, (str(entry), str(first))


@PROFILE
@given(scenarios())
def test_d1_every_notification_ends_with_one_final_entry_naming_a_known_rule(
    scenario: Scenario,
) -> None:
    """D1: one final entry per notification, last of its id; outcomes and rules are known."""
    result = run(scenario)
    log = result.sim.log
    assert_one_final_entry_each(result.sim)
    assert_known_outcomes_and_rules(result.sim)
    # Every event raised a notification (C1-C4), so each has its final entry above.
    raised = {(e.raised, e.method, e.job, e.file) for e in log}
    expected = {"TRANSFERRED": "job_transferred", "ERROR": "job_error"}
    for job in result.jobs:
        for change in job.history[1:]:
            if not change.new.is_final:
                method = expected.get(change.new.name, "job_modification")
                assert (change.time, method, job, None) in raised, (job.name, change)
        for file in job.files:
            ids = {e.id for e in log.entries(job, method="file_transferred") if e.file is file}
            assert len(ids) == (1 if file.transferred else 0), (job.name, file.local_name)


@PROFILE
@given(scenarios())
def test_d1_same_seed_and_scenario_give_the_same_log(scenario: Scenario) -> None:
    """D1: the log is a function of the seed and the scenario."""
    assert log_rows(run(scenario).sim) == log_rows(run(scenario).sim)


@PROFILE
@given(scenarios())
def test_c9_at_most_four_callbacks_are_in_flight_at_once(scenario: Scenario) -> None:
    """C9: however slow the callbacks, no more than four run at the same time."""
    result = run(scenario)
    book = result.book
    assert book.peak <= 4
    timeout = scenario.callback_timeout
    running = [
        t for t in book.in_flight.values() if timeout is None or result.sim.now < t + timeout
    ]
    assert not running  # quiet: every callback returned, or ran out its callback_timeout


@PROFILE
@given(scenarios(hostile=True))
def test_c5_k5_run_survives_callbacks_and_programs_whose_results_cannot_be_printed(
    scenario: Scenario,
) -> None:
    """C5, K5: returning or raising junk that cannot even be printed is a failed call or run."""
    result = run(scenario)  # sim.run() must not raise
    assert_one_final_entry_each(result.sim)  # D1: all of them ended
