"""The event log's contract (D1, the docs' API page): frozen entries, ids and attempts, the
final entry, filters, the outcome and rule vocabularies, ``to_dataframe()`` and ``explain()``.

Times are exact: on the default link a 100,000-byte file resumed at t=0 is done at 0.15 and
the next one at 0.30; jobs get a 5 s retry delay.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from typing import Any

import pandas as pd
import pytest
from delivery_apps_support import restart_story  # the app-restart story of I4
from support import assert_attempts_share_their_notification, assert_one_final_entry_each, make_job

import bitslab as bl

F = bl.NotifyFlags
SIZE = 100_000
FIRST_DONE = 0.15
RETRY = 5.0
PROGRAM = "C:\\Tools\\notify.exe"

#: The outcomes the API contract lists, in its order.
API_OUTCOMES = (
    "delivered",
    "coalesced",
    "stale",
    "disabled",
    "not_on_demand",
    "filtered",
    "no_interface",
    "not_implemented",
    "app_down",
    "failed",
    "cmdline",
)
FIELDS = (
    "id",
    "time",
    "method",
    "job",
    "file",
    "outcome",
    "rule",
    "final",
    "attempt",
    "raised",
    "reason",
    "target",
    "detail",
    "duration",
    "trigger",
)


# -- scenarios -----------------------------------------------------------------------------


class Slow(bl.Notifier):
    """job_transferred takes ``seconds`` of simulated time (C9)."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def job_transferred(self, job: bl.Job) -> Any:
        yield job.sim.env.timeout(self.seconds)
        return 0


class OnlyTransferred:
    def job_transferred(self, job: bl.Job) -> None:
        pass


def busy_simulation(seed: int = 0) -> bl.Simulation:
    """Many jobs in one simulation, between them reaching ten of the eleven outcomes."""
    sim = bl.Simulation(seed=seed)
    failed_once: set[str] = set()

    def program(job: bl.Job, parameters: str) -> int:
        """Exits 1 the first time it runs for job ``flaky``, 0 otherwise."""
        if job.name == "flaky" and job.name not in failed_once:
            failed_once.add(job.name)
            return 1
        return 0

    sim.register_program(PROGRAM, program)
    app = sim.add_app("downloader")

    story = make_job(
        sim,
        name="story",
        files=2,
        size=SIZE,
        retry=RETRY,
        flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED,
    )
    story.set_notify_interface(bl.RecordingNotifier(app))  # app_down, then delivered
    app.on_start(lambda app: story.set_notify_interface(bl.RecordingNotifier(app)))
    sim.call_at(0.01, app.crash)
    sim.call_at(12.0, app.start)

    silent = make_job(
        sim, name="silent", size=SIZE, retry=RETRY, flags=F.DISABLE | F.JOB_TRANSFERRED
    )  # disabled
    silent.set_notify_interface(bl.RecordingNotifier())

    # no interface, no command line: no_interface
    make_job(
        sim, name="orphan", size=SIZE, retry=RETRY, flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED
    )

    report = make_job(sim, name="report", size=SIZE, retry=RETRY)
    report.set_notify_cmdline(PROGRAM, PROGRAM)  # no interface: the command line runs (K3)

    duck = make_job(
        sim, name="duck", size=SIZE, retry=RETRY, flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED
    )
    duck.set_notify_interface(OnlyTransferred())  # not_implemented, delivered

    flaky = make_job(
        sim, name="flaky", size=SIZE, retry=RETRY, flags=F.JOB_TRANSFERRED | F.JOB_MODIFICATION
    )
    flaky.set_notify_interface(
        bl.RecordingNotifier(returns={"job_transferred": False, "job_modification": False})
    )
    flaky.set_notify_cmdline(PROGRAM, PROGRAM)  # failed (C6, K5), then cmdline

    late = make_job(sim, name="late", size=SIZE, retry=RETRY)
    sim.call_at(20.0, late.set_notify_cmdline, PROGRAM, PROGRAM)  # K4

    gone = make_job(sim, name="gone", size=SIZE, retry=RETRY)
    gone.set_notify_interface(bl.RecordingNotifier(returns={"job_transferred": False}))
    sim.call_at(8.0, gone.complete)  # stale

    slow = make_job(
        sim, name="slow", size=SIZE, retry=RETRY, flags=F.JOB_TRANSFERRED | F.JOB_MODIFICATION
    )
    # C9: its job_transferred runs from 1.5 s to 11.5 s, while other jobs' entries are written
    slow.set_notify_interface(Slow(10.0))

    for job in sim.jobs:
        job.resume()
    sim.run()
    sim.run(until=60.0)
    return sim


@pytest.fixture(scope="module")
def busy() -> bl.Simulation:
    return busy_simulation()


def key(entry: bl.LogEntry) -> tuple[object, ...]:
    return (entry.id, entry.time, entry.method, entry.job.name, entry.outcome, entry.rule)


# -- entries ------------------------------------------------------------------------------


def test_d1_log_entries_are_frozen(busy: bl.Simulation) -> None:
    """D1: a log entry cannot be changed, field by field, nor can the log be written to."""
    entry = busy.log[0]
    before = key(entry)
    for field in FIELDS:
        with pytest.raises(AttributeError):
            setattr(entry, field, getattr(entry, field))
    assert key(entry) == before
    with pytest.raises(TypeError):
        busy.log[0] = entry  # type: ignore[index]
    assert not hasattr(busy.log, "append")


def test_d1_an_entry_has_every_field_of_the_contract(busy: bl.Simulation) -> None:
    """D1: every entry has the fields of the API contract, with the promised types."""
    for entry in busy.log:
        for field in FIELDS:
            assert hasattr(entry, field)
        assert isinstance(entry.job, bl.Job)
        assert entry.file is None or isinstance(entry.file, bl.File)
        assert entry.file is None or entry.file in entry.job.files
        assert isinstance(entry.final, bool)
        assert entry.target is None or isinstance(entry.target, str)
        assert entry.time >= entry.raised
        assert entry.duration >= 0


def test_d1_attempts_share_an_id_count_up_and_are_timed_at_their_start() -> None:
    """D1: attempts share an id, count up, are timed at their start; only the last is final."""
    story = restart_story()
    first_file = story.job.files[0]
    found = [e for e in story.sim.log if e.file is first_file]
    assert len({e.id for e in found}) == 1
    assert [e.attempt for e in found] == [1, 2, 3, 4]
    expected = [FIRST_DONE, FIRST_DONE + RETRY, FIRST_DONE + 2 * RETRY, 12.0]
    assert [e.time for e in found] == pytest.approx(expected)
    assert [e.raised for e in found] == pytest.approx([FIRST_DONE] * 4)
    assert [e.final for e in found] == [False, False, False, True]
    assert [e.outcome for e in found] == ["app_down"] * 3 + ["delivered"]


def test_d1_a_slow_callback_is_logged_at_its_start_with_its_duration(sim: bl.Simulation) -> None:
    """D1: a callback taking 2 s (C9) is logged when it was called, with duration 2."""
    job = make_job(
        sim, name="slow", size=SIZE, retry=RETRY, flags=F.JOB_TRANSFERRED | F.JOB_MODIFICATION
    )
    job.set_notify_interface(Slow(2.0))
    job.resume()
    sim.run()
    [transferred] = sim.log.entries(job, method="job_transferred")
    assert transferred.outcome == "delivered"
    assert transferred.time == pytest.approx(FIRST_DONE)
    assert transferred.duration == pytest.approx(2.0)
    assert sim.now >= FIRST_DONE + 2.0
    modifications = sim.log.entries(job, method="job_modification", outcome="delivered")
    assert modifications
    assert {e.duration for e in modifications} == {0.0}


def test_d1_a_callback_given_up_on_is_failed_with_the_timeout_as_its_duration() -> None:
    """D1: a callback past callback_timeout is failed (C5), lasting the timeout, retried."""
    sim = bl.Simulation(seed=0, callback_timeout=1.0)
    job = make_job(sim, name="stuck", size=SIZE, retry=RETRY)
    job.set_notify_interface(Slow(30.0))
    job.resume()
    sim.run(until=FIRST_DONE + 2 * (1.0 + RETRY) + 0.5)
    found = sim.log.entries(job, method="job_transferred")
    assert [(e.outcome, e.rule, e.final) for e in found] == [("failed", "C5", False)] * 2
    # the retry delay counts from when the call was given up on
    expected = [FIRST_DONE, FIRST_DONE + 1.0 + RETRY]
    assert [e.time for e in found] == pytest.approx(expected)
    assert [e.duration for e in found] == pytest.approx([1.0, 1.0])


def test_d1_every_notification_has_exactly_one_final_entry_and_it_is_its_last(
    busy: bl.Simulation,
) -> None:
    """D1: every notification has exactly one final entry, after its failed attempts."""
    groups = assert_one_final_entry_each(busy)
    assert len(groups) > 20
    for group in groups.values():
        assert {e.outcome for e in group[:-1]} <= {"failed", "app_down"}
        assert_attempts_share_their_notification(group)
        attempts = [e.attempt for e in group]
        assert attempts == sorted(attempts)
    assert any(len(group) > 1 for group in groups.values())


def test_d1_entries_filters_by_job_method_outcome_and_final(busy: bl.Simulation) -> None:
    """D1: sim.log.entries(job, method=, outcome=, final=) keeps exactly the matches, in order."""
    jobs = [None, *busy.jobs]
    kinds = [None, "job_transferred", "file_transferred", "job_modification"]
    outcomes = [None, "delivered", "app_down", "failed", "no_interface"]
    finals = [None, True, False]
    nonempty = 0
    for job, method, outcome, final in itertools.product(jobs, kinds, outcomes, finals):
        expected = [
            e
            for e in busy.log
            if (job is None or e.job is job)
            and (method is None or e.method == method)
            and (outcome is None or e.outcome == outcome)
            and (final is None or e.final is final)
        ]
        got = busy.log.entries(job, method=method, outcome=outcome, final=final)
        assert got == expected
        nonempty += bool(got)
    assert busy.log.entries() == list(busy.log)
    assert nonempty > 50


def test_d1_outcomes_lists_the_eleven_outcomes_of_the_contract(busy: bl.Simulation) -> None:
    """D1: bl.OUTCOMES holds exactly the eleven outcomes of the contract; the log uses no other."""
    assert len(bl.OUTCOMES) == 11
    assert set(bl.OUTCOMES) == set(API_OUTCOMES)
    used = {entry.outcome for entry in busy.log}
    assert used <= set(bl.OUTCOMES)
    assert set(API_OUTCOMES) - used == {"not_on_demand"}  # the scenario reaches ten


def test_d1_every_rule_in_the_log_is_a_key_of_the_rules_catalogue(busy: bl.Simulation) -> None:
    """D1: every rule in the log is a key of bl.rules; the rule is None exactly for delivered."""
    for entry in busy.log:
        if entry.outcome == "delivered":
            assert entry.rule is None
        else:
            assert entry.rule in bl.rules
    used = {entry.rule for entry in busy.log} - {None}
    assert {"C5", "C6", "C7", "C11", "F5", "F8", "I4", "I6", "I8", "K3", "K4", "K5"} <= used


# -- to_dataframe ---------------------------------------------------------------------------


def test_d1_to_dataframe_is_sorted_by_time_with_job_and_file_names(busy: bl.Simulation) -> None:
    """D1: to_dataframe() has a row per entry, sorted by time, job and file as names."""
    times = [e.time for e in busy.log]
    assert times != sorted(times)  # the slow callback's entry was written late
    frame = busy.log.to_dataframe()
    assert isinstance(frame, pd.DataFrame)
    assert {"id", "time", "method", "job", "file", "outcome", "rule"} <= set(frame.columns)
    assert len(frame) == len(busy.log)
    assert frame["time"].is_monotonic_increasing

    def blank(value: object) -> object:
        return None if value is None or pd.isna(value) else value  # type: ignore[call-overload]

    rows = Counter(
        (r.id, r.time, r.method, r.job, blank(r.file), r.outcome, blank(r.rule))
        for r in frame.itertuples(index=False)
    )
    entries = Counter(
        (
            e.id,
            e.time,
            e.method,
            e.job.name,
            e.file.local_name if e.file is not None else None,
            e.outcome,
            e.rule,
        )
        for e in busy.log
    )
    assert rows == entries


def test_d1_to_dataframe_of_an_empty_log_has_the_columns() -> None:
    """D1: to_dataframe() of an empty log has no rows and the same columns."""
    frame = bl.Simulation(seed=0).log.to_dataframe()
    assert len(frame) == 0
    assert {"id", "time", "method", "job", "file", "outcome", "rule"} <= set(frame.columns)


# -- explain --------------------------------------------------------------------------------


def test_d1_explain_mentions_every_job(busy: bl.Simulation) -> None:
    """D1: explain() tells of every job that raised something, by name."""
    text = busy.log.explain()
    for job in busy.jobs:
        assert repr(job.name) in text or job.name in text


def test_d1_explain_tells_the_restart_story() -> None:
    """D1: explain(job) says the file was app_down (I4), then delivered to run 2's notifier."""
    story = restart_story()
    text = story.sim.log.explain(story.job)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "file_transferred" in line and "f0" in line)
    after = lines[start + 1 :]
    end = next(
        (i for i, line in enumerate(after) if "f1.bin" in line or "job_transferred" in line),
        len(after),
    )
    block = after[:end]
    down = [i for i, line in enumerate(block) if "app_down" in line and "I4" in line]
    arrived = [i for i, line in enumerate(block) if "delivered" in line and "run 2" in line]
    assert down
    assert arrived
    assert max(down) < arrived[0]


def test_d1_explain_of_one_job_covers_only_that_job(sim: bl.Simulation) -> None:
    """D1: explain(job) tells that job's notifications and no other job's."""
    alpha = make_job(
        sim, name="alpha", size=SIZE, retry=RETRY, flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED
    )
    beta = make_job(
        sim, name="beta", size=SIZE, retry=RETRY, flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED
    )
    for job in (alpha, beta):
        job.set_notify_interface(bl.RecordingNotifier())
        job.resume()
    sim.run()
    both = sim.log.explain()
    assert "alpha" in both
    assert "beta" in both
    only = sim.log.explain(alpha)
    assert "alpha" in only
    assert "beta" not in only
    assert "job_transferred" in only
    assert len(only) < len(both)


def test_d1_explain_of_a_job_without_notifications_says_so_in_a_sentence() -> None:
    """D1: explain(job) of a job that raised nothing is one clear sentence naming it."""
    sim = bl.Simulation(seed=0)
    busy_job = make_job(sim, name="busy", size=SIZE, retry=RETRY)
    busy_job.resume()
    idle = sim.create_job("idle")  # no files, nothing changed: nothing raised
    sim.run()
    assert sim.log.entries(idle) == []
    text = sim.log.explain(idle)
    assert "idle" in text
    assert "busy" not in text
    assert "no notification" in text.lower()
    assert text.strip().endswith(".")
    assert len(text.strip().splitlines()) == 1
    empty = bl.Simulation(seed=0).log.explain()
    assert "no notification" in empty.lower()


def test_d1_explain_shows_no_memory_addresses(busy: bl.Simulation) -> None:
    """D1: explain() names things by name, never by memory address ('0x7f...')."""
    for text in [busy.log.explain(), *(busy.log.explain(job) for job in busy.jobs)]:
        assert " object at " not in text
        assert not re.search(r"0x7f[0-9a-fA-F]{6,}", text)
        assert not re.search(r"\bat 0x[0-9a-fA-F]+", text)


# -- determinism --------------------------------------------------------------------------


def test_d1_the_same_seed_gives_the_same_log() -> None:
    """D1: the same seed and script give the same log, entry for entry."""
    first, second = busy_simulation(seed=3), busy_simulation(seed=3)
    assert [key(e) for e in first.log] == [key(e) for e in second.log]
    assert [(e.job.id, e.detail, e.target) for e in first.log] == [
        (e.job.id, e.detail, e.target) for e in second.log
    ]
    assert first.log.explain() == second.log.explain()


def test_d1_explain_and_pending_show_notifications_queued_behind_a_failing_one(
    sim: bl.Simulation,
) -> None:
    """D1, C4: a job_transferred queued behind a retrying file_transferred is listed by
    log.pending() and explain(), though it has no log entry yet."""
    job = sim.create_job("nightly")
    job.add_file("https://example.test/a.bin", "a.bin", size=1_000)
    job.set_notify_flags(bl.NotifyFlags.JOB_TRANSFERRED | bl.NotifyFlags.FILE_TRANSFERRED)
    job.set_notify_interface(bl.RecordingNotifier(returns={"file_transferred": False}))
    job.resume()
    sim.run()
    pending = {p.method: p for p in sim.log.pending(job)}
    assert pending["file_transferred"].status == "retry"
    waiting = pending["job_transferred"]
    assert waiting.status == "waiting"
    assert waiting.behind == pending["file_transferred"].id
    assert sim.log.entries(job, method="job_transferred") == []
    text = sim.log.explain(job)
    assert f"#{waiting.id} job_transferred" in text
    assert f"queued behind #{waiting.behind} of the same job (C4)" in text
    assert "2 still pending" in text


def test_d1_a_notification_ended_by_a_state_change_has_no_attempt_trigger(
    sim: bl.Simulation,
) -> None:
    """D1, C11: an entry made without an attempt (stale on cancel) carries no trigger."""
    job = sim.create_job("nightly")
    job.add_file("https://example.test/a.bin", "a.bin", size=1_000)
    job.add_file("https://example.test/b.bin", "b.bin", size=1_000)
    job.set_notify_flags(bl.NotifyFlags.FILE_TRANSFERRED)
    job.set_notify_interface(bl.RecordingNotifier(returns={"file_transferred": False}))
    job.resume()
    sim.run()
    job.cancel()
    stale = sim.log.entries(job, outcome="stale")
    assert {e.method for e in stale} == {"file_transferred", "job_transferred"}
    assert all(entry.trigger == "" for entry in stale)
