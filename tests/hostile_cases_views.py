"""Hostile calls to what reads a run (tests/test_hostile_input.py): the event log, the views
(timeline, arrivals, outcome counts, differences, plots), the constants and rules, the ready
scenarios."""

from __future__ import annotations

from hostile_support import (
    Case,
    case,
)

import bitslab as bl
from bitslab import compare, plots, scenarios
from bitslab import timeline as views

VIEW_CASES: list[Case] = [
    # -- the event log -----------------------------------------------------------------------------
    case(
        "a misspelt method name",
        "sim.log.entries(method='job_transfered')",
        lambda w: w.sim.log.entries(method="job_transfered"),
        ValueError,
        "method",
        "'job_transfered'",
        "did you mean 'job_transferred'?",
    ),
    case(
        "a misspelt outcome",
        "sim.log.entries(outcome='deliverd')",
        lambda w: w.sim.log.entries(outcome="deliverd"),
        ValueError,
        "outcome",
        "'deliverd'",
        "did you mean 'delivered'?",
    ),
    case(
        "a job's name for the job",
        "sim.log.explain('nightly')",
        lambda w: w.sim.log.explain("nightly"),  # type: ignore[arg-type]
        TypeError,
        "job",
        "str 'nightly'",
    ),
    case(
        "a str for a bool",
        "sim.log.entries(final='yes')",
        lambda w: w.sim.log.entries(final="yes"),  # type: ignore[arg-type]
        TypeError,
        "final",
        "str 'yes'",
    ),
    case(
        "a job of another simulation",
        "sim.log.pending(other_sim_job)",
        lambda w: w.sim.log.pending(w.other.create_job("x")),
        ValueError,
        "job 'x'",
        "another Simulation",
    ),
    # -- views: timeline, arrivals, outcome counts, differences, plots -----------------------------
    case(
        "a lone job where a list belongs",
        "timeline(sim, jobs=job)",
        lambda w: views.timeline(w.sim, w.job),  # type: ignore[arg-type]
        TypeError,
        "jobs",
        "one Job ('nightly')",
        "[job]",
    ),
    case(
        "a name in the list of jobs",
        "arrivals(sim, ['nightly'])",
        lambda w: views.arrivals(w.sim, ["nightly"]),  # type: ignore[list-item]
        TypeError,
        "jobs[0]",
        "str 'nightly'",
    ),
    case(
        "a job of another simulation",
        "arrivals(sim, [other_sim_job])",
        lambda w: views.arrivals(w.sim, [w.other.create_job("x")]),
        ValueError,
        "jobs[0]",
        "another Simulation",
    ),
    case(
        "a log where a simulation belongs",
        "arrivals(sim.log)",
        lambda w: views.arrivals(w.sim.log),  # type: ignore[arg-type]
        TypeError,
        "sim",
        "EventLog",
    ),
    case(
        "a str for a bool",
        "arrivals(sim, modifications='yes')",
        lambda w: views.arrivals(w.sim, modifications="yes"),  # type: ignore[arg-type]
        TypeError,
        "modifications",
        "str 'yes'",
    ),
    case(
        "a simulation where a log belongs",
        "outcome_counts(sim)",
        lambda w: views.outcome_counts(w.sim),  # type: ignore[arg-type]
        TypeError,
        "log",
        "Simulation <Simulation seed 0 at 0.5 s: 5 jobs, 1 app>",
    ),
    case(
        "a wrong type for a simulation",
        "differences(sim, None)",
        lambda w: compare.differences(w.sim, None),  # type: ignore[arg-type]
        TypeError,
        "right",
        "NoneType None",
    ),
    case(
        "a wrong type for a title",
        "plots.timeline(sim, title=5)",
        lambda w: plots.timeline(w.sim, title=5),  # type: ignore[arg-type]
        TypeError,
        "title",
        "int 5",
    ),
    case(
        "a str for a bool",
        "plots.timeline(sim, modifications='no')",
        lambda w: plots.timeline(w.sim, modifications="no"),  # type: ignore[arg-type]
        TypeError,
        "modifications",
        "str 'no'",
    ),
    case(
        "a wrong type for a simulation",
        "plots.outcome_matrix('sim')",
        lambda w: plots.outcome_matrix("sim"),  # type: ignore[arg-type]
        TypeError,
        "sim",
        "str 'sim'",
    ),
    # -- constants and the rules -------------------------------------------------------------------
    case(
        "a name where an HRESULT belongs",
        "bl.hresult_name('E_FAIL')",
        lambda w: bl.hresult_name("E_FAIL"),  # type: ignore[arg-type]
        TypeError,
        "hresult",
        "str 'E_FAIL'",
    ),
    case(
        "an HRESULT wider than 32 bits",
        "bl.hresult_name(2**32)",
        lambda w: bl.hresult_name(2**32),
        ValueError,
        "hresult",
        "4294967296",
    ),
    case(
        "an HTTP status out of range",
        "bl.http_error_hresult(99)",
        lambda w: bl.http_error_hresult(99),
        ValueError,
        "status",
        "at least 100",
        "99",
    ),
    case(
        "an unknown rule ID",
        "bitslab.rulebook.rule('Z9')",
        lambda w: __import__("bitslab.rulebook").rulebook.rule("Z9"),
        KeyError,
        "unknown rule 'Z9'",
        "F5, L3, S2",
    ),
    # -- ready scenarios ---------------------------------------------------------------------------
    case(
        "a str for a bool",
        "scenarios.restart_story(reregister='no')",
        lambda w: scenarios.restart_story(reregister="no", run=False),  # type: ignore[arg-type]
        TypeError,
        "reregister",
        "str 'no'",
    ),
    case(
        "a restart before the crash",
        "scenarios.restart_story(crash_at=6, restart_at=3)",
        lambda w: scenarios.restart_story(crash_at=6, restart_at=3, run=False),
        ValueError,
        "restart_at",
        "after crash_at (6)",
        "got 3",
    ),
    case(
        "a negative time",
        "scenarios.two_apps_racing(second_at=-3)",
        lambda w: scenarios.two_apps_racing(second_at=-3, run=False),
        ValueError,
        "second_at",
        "-3",
    ),
    case(
        "a number where a (start, duration) pair belongs",
        "scenarios.media_player(outage=5)",
        lambda w: scenarios.media_player(outage=5, run=False),  # type: ignore[arg-type]
        TypeError,
        "outage",
        "int 5",
    ),
    case(
        "a str for a number",
        "scenarios.flaky_network(outage_start='15')",
        lambda w: scenarios.flaky_network(outage_start="15", run=False),  # type: ignore[arg-type]
        TypeError,
        "outage_start",
        "str '15'",
    ),
    case(
        "a float for an int",
        "scenarios.flags_tour(interval_ms=0.5)",
        lambda w: scenarios.flags_tour(interval_ms=0.5, run=False),  # type: ignore[arg-type]
        TypeError,
        "interval_ms",
        "float 0.5",
    ),
    case(
        "a fraction out of range",
        "scenarios.media_player(seek_to=1.0)",
        lambda w: scenarios.media_player(seek_to=1.0, run=False),
        ValueError,
        "seek_to",
        "below 1",
    ),
]
