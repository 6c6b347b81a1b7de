"""Invariants over random worlds with hostile and re-entrant notifiers (issue 9; D1, I4, L, S).

Hypothesis draws worlds from ``random_worlds.scenarios(reentrant=True)``: jobs, files (from 0
bytes), flags, retry delays, notification intervals, command lines (some programs fail, one
is not installed), outages (two may meet or overlap), HTTP 404 and 503 windows, apps that
crash, exit cleanly and start again, and notifiers that misbehave in every way issue 9 lists:
they raise (SystemExit too), return junk (a str, a float, an unprintable object, a coroutine,
an int whose comparisons raise), take longer than ``callback_timeout`` or yield junk, forget
``super().__init__()``, raise KeyError when a method is looked up, and call the API from
inside the callback (cancel, complete, suspend, resume, add_file, set flags, set or remove the
interface, set a command line, ``sim.run()``, crash or exit their own app). After the horizon
every app is restarted, every job cancelled or completed, and the run goes on until quiet.

What must hold, whatever was drawn:

- ``run()`` ends, by quiet or by :class:`bitslab.RunBudgetError`, never hangs: a world that
  loops (a ``job_error`` that resumes a job whose server answers 404 for ever, C10, L8) spends
  an event budget, never the wall-clock guard, and the error names a job of the world and
  its cycle; no other exception escapes ``sim.run()`` (the harness calls it three times), and
  once every job is finished the simulation ends quiet;
- every state change is one the L and S rules allow, each from the state the job was in, and
  nothing follows a final state; in the end every job is CANCELLED or ACKNOWLEDGED, the
  simulation is quiet and nothing is pending (L1-L12, S1-S3);
- every raised notification has exactly one final log entry, written last; outcomes, rules
  and the rule-outcome pairing are those of D1; every state change and every finished file
  raised one (C1-C4, D1);
- a job's modifications never pile up: one is kept only once the one kept before it has been
  attempted, and a coalesced one names the one of its job and kind it was folded into (C7);
- no call reaches, and nothing is delivered into, an app run that was dead at the time (I4);
- the same seed and scenario give the same log, entry for entry, and the same histories.

Issue 24 adds worlds of its own (``class_worlds.py``): callback classes served by good,
slow and failing factories (N1-N5), restarts and reboots set before and during the run
(P2, P3), remote names changed in every state (L17) and callbacks that enumerate and look
jobs up (EnumJobs, GetJob); there, besides the above, every "via CLSID" entry is an attempt
on an object a registered factory made, no application starts while the machine is down,
and GetJob of a final job inside a callback is a call that raised.

Why a new module rather than more of ``test_delivery_properties.py``: that suite checks what
delivery promises (flags, order, slots) on well-formed callbacks, 200 examples per property;
this one checks that nothing a user or a notifier does breaks a run, on the widest worlds, and
carries the 2,000 examples issue 9 asks of CI. Both draw from ``random_worlds.py``.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import re
import uuid
from typing import Any

from class_worlds import (
    BAD_FACTORIES,
    CLASSES,
    RAISING_STARTS,
    ClassBook,
    ClassWorld,
    class_worlds,
    run_world,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from random_worlds import (
    HORIZON,
    METHODS,
    TARGET,
    JobPlan,
    NotifierPlan,
    Run,
    Scenario,
    run,
    scenarios,
    tenths,
)
from support import assert_known_outcomes_and_rules, assert_one_final_entry_each, log_rows

import bitslab as bl

S = bl.JobState
ACTION = frozenset({S.QUEUED, S.CONNECTING, S.TRANSFERRING})
LIVE = frozenset(state for state in S if not state.is_final)
#: Every (old state, new state) each rule may cause (bitslab.rules; R5 has no on-demand job
#: here, so it never appears).
ALLOWED: dict[str, frozenset[tuple[S | None, S]]] = {
    "L1": frozenset({(None, S.SUSPENDED)}),
    "L2": frozenset({(S.SUSPENDED, S.QUEUED)}),
    "L3": frozenset(
        {
            (S.QUEUED, S.CONNECTING),
            (S.CONNECTING, S.TRANSFERRING),
            (S.TRANSFERRING, S.TRANSFERRED),
            (S.TRANSFERRED, S.QUEUED),  # a file added to a TRANSFERRED job (model choice)
        }
    ),
    "L4": frozenset({(old, S.TRANSIENT_ERROR) for old in ACTION} | {(S.TRANSIENT_ERROR, S.QUEUED)}),
    "L5": frozenset(
        {(old, S.TRANSIENT_ERROR) for old in (S.CONNECTING, S.TRANSFERRING)}
        | {(S.TRANSIENT_ERROR, S.QUEUED)}
    ),
    "L6": frozenset({(old, S.ERROR) for old in (S.CONNECTING, S.TRANSFERRING, S.TRANSIENT_ERROR)}),
    "L7": frozenset({(old, S.ERROR) for old in (S.CONNECTING, S.TRANSFERRING)}),
    "L8": frozenset({(S.ERROR, S.QUEUED)}),
    "L9": frozenset({(old, S.SUSPENDED) for old in LIVE - {S.SUSPENDED}}),
    "L10": frozenset({(old, S.CANCELLED) for old in LIVE}),
    "L11": frozenset({(old, S.ACKNOWLEDGED) for old in LIVE}),
    "S1": frozenset({(old, S.QUEUED) for old in (S.CONNECTING, S.TRANSFERRING)}),
    "S2": frozenset({(old, S.QUEUED) for old in (S.CONNECTING, S.TRANSFERRING)}),
    "S3": frozenset({(old, S.QUEUED) for old in (S.CONNECTING, S.TRANSFERRING)}),
    "P2": frozenset({(old, S.QUEUED) for old in (S.CONNECTING, S.TRANSFERRING)}),
}
#: CI's extra runs (other interpreters, the dependency floors) draw a share of the examples:
#: BITSLAB_EXAMPLES_PERCENT=10 draws 160 and 40; the main run draws them all.
PERCENT = int(os.environ.get("BITSLAB_EXAMPLES_PERCENT", "100"))
MAIN = settings(
    max_examples=max(1, 1_600 * PERCENT // 100),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: N2: an attempt that activated a class by starting its server's app (that run began
#: during the attempt, after the server's start delay).
STARTED = re.compile(r"via CLSID \{[0-9a-f-]{36}\}: started app '[^']+' run \d+ \(N2\)")
SEEDS = settings(MAIN, max_examples=max(1, 400 * PERCENT // 100))


def check_run_ended(result: Run) -> None:
    """run() ends by quiet or by a budget the model counts (never the wall-clock guard), and
    each such error names a job of the world and the cycle it is in."""
    names = {job.name for job in result.jobs}
    for error in result.budget_errors:
        assert error.budget in ("max_events", "max_reentries"), str(error)
        assert error.job in names, str(error)
        assert error.cycle, str(error)
        assert error.cycle in str(error), str(error)


def check_all(result: Run) -> None:
    """Every invariant of this module, on one finished world."""
    check_run_ended(result)
    check_histories(result)
    check_notifications(result)
    check_progress_calls_never_pile_up(result)
    check_no_call_into_a_dead_run(result)


def check_histories(result: Run) -> None:
    """L1-L12, S1-S3: each change is allowed by its rule, from the state the job was in, in
    time order; nothing follows a final state; every job ends final."""
    for job in result.jobs:
        history = job.history
        assert history[0][1:] == (None, S.SUSPENDED, "L1"), job.name
        for before, change in itertools.pairwise(history):
            assert change.old is before.new, (job.name, before, change)
            assert not before.new.is_final, (job.name, before, change)
            assert change.time >= before.time, (job.name, before, change)
            assert (change.old, change.new) in ALLOWED[change.rule], (job.name, change)
        assert job.state.is_final, (job.name, job.state)


def check_notifications(result: Run) -> None:
    """D1, C1-C4: one final entry per notification, written last; known outcomes and rules;
    every state change and every finished file raised one."""
    sim = result.sim
    assert sim.quiet
    assert sim.log.pending() == []
    assert_one_final_entry_each(sim)
    assert_known_outcomes_and_rules(sim)
    for entry in sim.log:
        assert entry.duration >= 0, str(entry)
        assert entry.time >= entry.raised, str(entry)
    raised = {(e.raised, e.method, e.job, e.file) for e in sim.log}
    expected = {S.TRANSFERRED: "job_transferred", S.ERROR: "job_error"}
    for job in result.jobs:
        for change in job.history[1:]:
            if not change.new.is_final:  # C3: nothing is raised for a final job
                method = expected.get(change.new, "job_modification")
                assert (change.time, method, job, None) in raised, (job.name, change)
        for file in job.files:
            ids = {e.id for e in sim.log.entries(job, method="file_transferred") if e.file is file}
            assert len(ids) == (1 if file.transferred else 0), (job.name, file.local_name)


def check_progress_calls_never_pile_up(result: Run) -> None:
    """C7: a coalesced modification or range report names one of its job, kind (and file)
    that it was folded into; one that is kept (not coalesced) was raised no earlier than
    the first attempt of the one kept before it (or its end, without an attempt), so no
    two of them wait for their dispatch, a slot or the service together."""
    entries: dict[int, list[bl.LogEntry]] = {}
    for entry in result.sim.log:
        if entry.method in ("job_modification", "file_ranges_transferred"):
            entries.setdefault(entry.id, []).append(entry)
    kept: dict[tuple[Any, ...], list[tuple[float, float]]] = {}
    for ident in sorted(entries):
        first, last = entries[ident][0], entries[ident][-1]
        kind = (first.job, first.method, first.file)
        if last.outcome == "coalesced":
            into = entries[int(last.detail.removeprefix("folded into #"))][0]
            assert (into.job, into.method, into.file) == kind, str(last)
            assert into.id < ident, str(last)
            continue
        start = next((e.time for e in entries[ident] if e.attempt), last.time)
        kept.setdefault(kind, []).append((first.raised, start))
    for kind, notes in kept.items():
        for (_, called), (raised, _) in itertools.pairwise(notes):
            assert raised >= called, (kind, called, raised)


def check_no_call_into_a_dead_run(result: Run) -> None:
    """I4: no call reached an app run that had ended; no delivery outlived its run."""
    for seen in result.book.calls:
        assert seen.alive is not False, seen
    runs = {(app.name, run.number): run for app in result.sim.apps for run in app.runs}
    for entry in result.sim.log.entries(outcome="delivered"):
        assert entry.target is not None, str(entry)
        match = TARGET.search(entry.target)
        if match is None:  # a notifier of no app
            continue
        run_ = runs[match["app"], int(match["run"])]
        if STARTED.search(entry.detail):  # N2: the attempt started the run, then called it
            assert entry.time <= run_.start <= entry.time + entry.duration, (str(entry), run_)
        elif "via CLSID {" in entry.detail:  # N2: it may have waited for a start under way
            assert run_.start <= entry.time + entry.duration, (str(entry), run_)
        else:
            assert run_.start <= entry.time, (str(entry), run_)
        assert run_.end is None or run_.end >= entry.time + entry.duration, (str(entry), run_)


@MAIN
@given(scenarios(reentrant=True))
def test_d1_i4_l_s_nothing_a_notifier_does_breaks_a_run_or_loses_a_notification(
    scenario: Scenario,
) -> None:
    check_all(run(scenario))  # sim.run() ends; only a budget error may leave it


@SEEDS
@given(scenarios(reentrant=True))
def test_d1_the_same_seed_and_scenario_give_the_same_log_entry_for_entry(
    scenario: Scenario,
) -> None:
    first, second = run(scenario), run(scenario)
    assert [str(e) for e in first.sim.log] == [str(e) for e in second.sim.log]
    assert log_rows(first.sim) == log_rows(second.sim)
    assert [(e.target, e.detail, e.trigger, e.duration) for e in first.sim.log] == [
        (e.target, e.detail, e.trigger, e.duration) for e in second.sim.log
    ]
    assert [(j.name, j.history) for j in first.jobs] == [(j.name, j.history) for j in second.jobs]
    assert [str(e) for e in first.budget_errors] == [str(e) for e in second.budget_errors]


def test_l8_c10_a_world_that_loops_ends_with_the_budget_error_and_keeps_every_invariant() -> None:
    """The loop of issue 22 inside the harness: a job_error that resumes a job whose server
    answers 404 for good (C10, L8, L7). Both runs until quiet spend max_reentries; finishing
    the job ends the loop, and every invariant holds."""
    resume = NotifierPlan(
        "recording", frozenset(METHODS), dict.fromkeys(METHODS, (("resume", 0.0),))
    )
    job = JobPlan((1_000,), 0x3, 5, 500, 0.0, 0, None, None, "cancel")
    url = "https://srv.test/job0/file0.bin"
    world = Scenario(1, 60.0, (resume,), ((0,), (0,)), (job,), (), (), ((url, 404, 0.0, None),))
    result = run(world)
    check_all(result)
    assert [e.budget for e in result.budget_errors] == ["max_reentries", "max_reentries"]
    assert result.budget_errors[0].job == "job0"
    assert "has re-entered ERROR" in result.budget_errors[0].cycle
    assert "through job_error -> resume(); see L8, C10" in result.budget_errors[0].cycle


# -- BITS service restarts and reboots (P2, P3) ------------------------------------------------
# Drawn apart from ``scenarios()``, whose draws the golden worlds pin: the same worlds, with
# down periods of the service set before the run (restarts anywhere; reboots that end before
# the harness starts every app again at the horizon, and no timed app start inside one).

DownPeriods = tuple[tuple[str, float, float], ...]
DOWN_PERIODS = st.lists(
    st.tuples(st.sampled_from(["restart_service", "reboot"]), tenths(0, 550), tenths(1, 300)),
    max_size=3,
).map(
    lambda periods: tuple(
        (what, start, length)
        for what, start, length in periods
        if what == "restart_service" or start + length < HORIZON
    )
)
SERVICE = settings(MAIN, max_examples=max(1, 300 * PERCENT // 100))


def with_down_periods(scenario: Scenario, periods: DownPeriods) -> Run:
    """Run ``scenario`` with the BITS service down in ``periods`` (P2, P3)."""
    reboots = [(start, start + length) for what, start, length in periods if what == "reboot"]
    kept = tuple(  # P3: a timed app start while the machine is down would be refused
        action
        for action in scenario.actions
        if action[1] != "start" or not any(a <= action[0] < b for a, b in reboots)
    )
    set_up = False

    def drive(sim: bl.Simulation, until: float | None) -> None:
        nonlocal set_up
        if not set_up:
            set_up = True
            for what, start, length in periods:
                getattr(sim, what)(start, length)
        sim.run(until=until)

    return run(dataclasses.replace(scenario, actions=kept), drive)


@SERVICE
@given(scenarios(reentrant=True), DOWN_PERIODS)
def test_p2_p3_restarts_and_reboots_break_no_invariant(
    scenario: Scenario, periods: DownPeriods
) -> None:
    """P2, P3 with D1, I4, L, S: every invariant of this module holds with the service down
    at random times; nothing transfers and nothing is delivered while it is down."""
    result = with_down_periods(scenario, periods)
    check_all(result)
    spans = [(p.start, p.end) for p in result.sim.service.periods]
    for entry in result.sim.log.entries(outcome="delivered"):
        assert not any(a < entry.time < b for a, b in spans), str(entry)
    for job in result.jobs:
        for change in job.history:
            if change.new is S.CONNECTING:
                assert not any(a < change.time < b for a, b in spans), (job.name, change)


# -- Callback classes, lookups and remote names (issue 24; N1-N5, P2, P3, L17, GetJob) -------
# Drawn apart from ``scenarios()`` too (tests/class_worlds.py): apps that serve callback
# classes through good, slow and failing factories, on_start functions that raise or set
# interfaces, restarts and reboots set before and during the run, overlapping each other and
# the outages, and callbacks that enumerate the queue, look jobs up, set classes and remote
# names and restart the service from inside.

CLASS_WORLDS = settings(MAIN, max_examples=max(1, 500 * PERCENT // 100))
ROUTE = re.compile(r"via CLSID \{(?P<clsid>[0-9a-f-]{36})\}")
ACTIVATING = re.compile(r"^CLSID \{(?P<clsid>[0-9a-f-]{36})\}$")


def check_class_world(world: ClassWorld, result: Run) -> None:
    """Every invariant of this module, and those of callback classes, down periods and
    lookups."""
    check_all(result)
    check_clsid_routes(world, result)
    check_no_app_starts_while_the_machine_is_down(result)
    check_lookups(result)


def check_clsid_routes(world: ClassWorld, result: Run) -> None:
    """N2, N4: an entry that says "via CLSID {X}" is an attempt on an object that X's
    registered server's factory made, in a run of that server's app; a delivery through it
    is a call that object received during the attempt. An activation that failed names
    REGDB_E_CLASSNOTREG exactly for a class no app serves, and CO_E_SERVER_EXEC_FAILURE only
    for a server whose factory or on_start function fails."""
    served = {CLASSES[i]: (f"app{i}", plan) for i, plan in enumerate(world.apps) if plan.serves}
    book = result.book
    assert isinstance(book, ClassBook)
    for entry in result.sim.log:
        route = ROUTE.search(entry.detail)
        if route is not None and not (entry.target or "").startswith("command line"):
            clsid = uuid.UUID(route["clsid"])
            assert clsid in served, str(entry)
            app, plan = served[clsid]
            assert plan.factory not in BAD_FACTORIES, str(entry)
            target = TARGET.search(entry.target or "")
            assert target is not None, str(entry)
            assert target["app"] == app, str(entry)
            assert (entry.target or "").startswith(("Callback of", "GenCallback of")), str(entry)
            if entry.outcome == "delivered":
                assert any(
                    (method, job, file) == (entry.method, entry.job, entry.file)
                    and entry.time <= time <= entry.time + entry.duration
                    and book.made[id(made)] == clsid
                    and getattr(made, "run", None) == int(target["run"])
                    for time, method, job, file, made in book.made_calls
                ), str(entry)
        activating = ACTIVATING.search(entry.target or "")
        if activating is not None:  # C11: the job moved on; P2: the service stopped meanwhile
            assert entry.rule in ("N4", "C6", "C11", "P2"), str(entry)
        if activating is not None and entry.rule in ("N4", "C6"):  # N4: the activation failed
            clsid = uuid.UUID(activating["clsid"])
            assert entry.outcome == "failed", str(entry)
            if entry.detail.startswith("REGDB_E_CLASSNOTREG"):
                assert clsid not in served, str(entry)
            else:
                assert entry.detail.startswith("CO_E_SERVER_EXEC_FAILURE"), str(entry)
                _, plan = served[clsid]
                bad = plan.factory in BAD_FACTORIES or plan.on_start in RAISING_STARTS
                assert bad, str(entry)


def check_no_app_starts_while_the_machine_is_down(result: Run) -> None:
    """P3: no application run begins while a reboot holds the machine down (neither the
    app's own start nor an activation, N2; the harness's on_start also asks the service),
    and a reboot ends every run it finds."""
    reboots = [p for p in result.sim.service.periods if p.reboot]
    for app in result.sim.apps:
        for run_ in app.runs[1:]:  # at p.start itself: a reboot set after the run began
            assert not any(p.start < run_.start < p.end for p in reboots), (app.name, run_)
        for run_ in app.runs:
            end = math.inf if run_.end is None else run_.end
            assert not any(run_.start <= p.start < end for p in reboots), (app.name, run_)


def check_lookups(result: Run) -> None:
    """EnumJobs, GetJob inside callbacks, factories and on_start functions: they found
    every job in the queue and no other. GetJob of a final job raised BG_E_NOT_FOUND inside
    a callback, which let it out: the log counts it a call that raised (C5), never a
    delivery, once for each time it happened (a slow call may be abandoned first, P2)."""
    book = result.book
    assert isinstance(book, ClassBook)
    assert book.wrong == []
    raising = [
        e
        for e in result.sim.log
        if "raised BitsError: get_job(" in e.detail and "CO_E_SERVER_EXEC_FAILURE" not in e.detail
    ]
    assert all(e.outcome != "delivered" for e in raising), [str(e) for e in raising]
    assert len(raising) <= len(book.not_found)
    for began, time, method, job, file in book.not_found:
        if began == time:  # a quick call: its attempt says what it raised
            assert any(
                (e.job, e.method, e.file) == (job, method, file)
                and e.time <= began <= e.time + e.duration
                for e in raising
            ), (began, method, job, file)


@CLASS_WORLDS
@given(class_worlds())
def test_n1_n5_p2_p3_l17_callback_classes_restarts_and_lookups_break_no_invariant(
    world: ClassWorld,
) -> None:
    """N1-N5, P2, P3, L17, C10 with D1, I4, L, S: every invariant of this module holds in
    worlds of callback classes (good, slow and failing factories; on_start functions that
    raise or set an interface), restarts and reboots overlapping each other and outages,
    and callbacks that enumerate, look up, set classes and remote names and restart the
    service from inside; no exception but a budget error leaves sim.run()."""
    check_class_world(world, run_world(world))


@settings(CLASS_WORLDS, max_examples=max(1, 150 * PERCENT // 100))
@given(class_worlds())
def test_n2_p2_p3_the_same_seed_and_world_give_the_same_log_through_activations(
    world: ClassWorld,
) -> None:
    """D1, N2, P2, P3: the same world, run twice, gives the same log entry for entry (what
    each attempt called, its detail and trigger), the same histories and the same runs."""
    first, second = run_world(world), run_world(world)
    assert [(str(e), e.target, e.detail, e.trigger, e.duration) for e in first.sim.log] == [
        (str(e), e.target, e.detail, e.trigger, e.duration) for e in second.sim.log
    ]
    assert [(j.name, j.history) for j in first.jobs] == [(j.name, j.history) for j in second.jobs]
    assert [a.runs for a in first.sim.apps] == [a.runs for a in second.sim.apps]
    assert first.sim.service.periods == second.sim.service.periods


def test_c5_c10_getjob_of_the_job_its_callback_just_completed_is_a_failed_call() -> None:
    """C10, C5, GetJob, L11: a job_transferred that enumerates the queue, completes its job
    and then looks it up gets BG_E_NOT_FOUND (the job has left the queue) and lets it out:
    the attempt is a call that raised, then the notification ends stale (C11); the run
    goes on, and every invariant of the log holds."""
    sim = bl.Simulation(seed=0)
    app = sim.add_app("downloader")
    queues: list[list[str]] = []

    class Looker(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> None:
            queues.append([j.name for j in job.sim.enum_jobs()])
            job.complete()
            queues.append([j.name for j in job.sim.enum_jobs()])
            job.sim.get_job(job.id)

    job = sim.create_job("nightly")
    job.add_file("https://mirror.test/a.cab", "a.cab", 1_000)
    job.set_notify_interface(Looker(app))
    job.resume()
    sim.run()
    assert queues == [["nightly"], []]
    failed, final = sim.log.entries(job, method="job_transferred")
    assert (failed.outcome, failed.rule, failed.final) == ("failed", "C5", False)
    assert failed.detail.startswith("raised BitsError: get_job(")
    assert "'nightly' is ACKNOWLEDGED" in failed.detail
    assert (final.outcome, final.rule, final.final) == ("stale", "C11", True)
    assert sim.quiet
    assert sim.log.pending() == []
    assert_one_final_entry_each(sim)


def test_p2_n2_a_callback_that_restarts_the_service_abandons_itself_and_the_class_takes_over() -> (
    None
):
    """P2, N2, C10: a slow job_transferred that restarts the BITS service halfway is
    abandoned as a failed call when the service stops; the interface is lost with it, so
    its retry activates the job's callback class and is delivered there."""
    sim = bl.Simulation(seed=0)
    app = sim.add_app("downloader")
    made: list[bl.RecordingNotifier] = []
    app.register_server(CLASSES[0], lambda a: made.append(bl.RecordingNotifier(a)) or made[-1])

    class Restarter(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> Any:
            yield job.sim.env.timeout(1.0)
            job.sim.restart_service(job.sim.now, 5.0)
            yield job.sim.env.timeout(1.0)

    job = sim.create_job("nightly")
    job.add_file("https://mirror.test/a.cab", "a.cab", 1_000)
    job.minimum_retry_delay = 10
    job.set_property(bl.JobProperty.NOTIFICATION_CLSID, CLASSES[0])
    job.set_notify_interface(Restarter(app))
    job.resume()
    sim.run(until=30.0)
    abandoned, delivered = sim.log.entries(job, method="job_transferred")
    assert (abandoned.outcome, abandoned.rule) == ("failed", "P2")
    assert abandoned.time + abandoned.duration == sim.service.periods[0].start
    assert delivered.outcome == "delivered"
    assert delivered.detail.startswith(f"via CLSID {{{CLASSES[0]}}}")
    assert [call.method for call in made[0].calls] == ["job_transferred"]
    assert job.get_notify_interface() is None  # P2: lost at the stop
    job.complete()
    sim.run()
    assert_one_final_entry_each(sim)
