"""bitslab.timeline: a run read into state bands, notification marks and shaded spans.

Every expectation is derived from the run's public results (``job.history``, ``sim.log`` and
``log.pending()``, ``app.runs``, ``sim.network``) or from the scenario's numbers, never copied
from a run of :func:`bitslab.timeline.timeline` itself.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytest

import bitslab as bl
from bitslab.rulebook import rules
from bitslab.scenarios import flaky_network, media_player, restart_story
from bitslab.timeline import (
    ARRIVED,
    METHODS,
    Arrival,
    Timeline,
    arrivals,
    outcome_counts,
    timeline,
)

S = bl.JobState
FONTS = "https://mirror.test/fonts.cab"
CLSID = uuid.UUID("5e1f0c2a-8b3d-4c6e-9f7a-2b4d6e8f0a1c")
ARRIVING = {"delivered", "cmdline"}


def _late_job() -> bl.Simulation:
    """A job created at 5 s, beside one created at 0 s: bands start at creation, not at 0."""
    sim = bl.Simulation(seed=0)
    early = sim.create_job("early")
    early.add_file("https://a.test/early.bin", "early.bin", size=2_000_000)
    early.resume()

    def create() -> None:
        late = sim.create_job("late")
        late.add_file("https://a.test/late.bin", "late.bin", size=1_000_000)
        late.resume()

    sim.call_at(5.0, create)
    sim.run()
    return sim


def _gone_for_good(*, how: str = "crash", at: float = 1.0) -> bl.Simulation:
    """An app that crashes (or exits) at ``at`` while its 3 MB job runs and never starts again."""
    sim = bl.Simulation(seed=0, bandwidth=1_000_000, latency=0.05)
    app = sim.add_app("solo")
    job = sim.create_job("solo-job")
    job.add_file("https://a.test/solo.bin", "solo.bin", size=3_000_000)
    job.set_notify_flags(bl.NotifyFlags.JOB_TRANSFERRED | bl.NotifyFlags.FILE_TRANSFERRED)
    job.set_notify_interface(bl.RecordingNotifier(app))
    job.resume()
    sim.call_at(at, app.crash if how == "crash" else app.exit)
    sim.run()
    return sim


SCENARIOS: dict[str, Callable[[], bl.Simulation]] = {
    "restart_story": restart_story,
    "restart_story_no_reregister": lambda: restart_story(reregister=False),
    "restart_story_cut_at_20s": lambda: _ran_until(restart_story(run=False), 20.0),
    "flaky_network": flaky_network,
    "media_player": media_player,
    "late_job": _late_job,
    "app_gone_for_good": _gone_for_good,
}


def _ran_until(sim: bl.Simulation, until: float) -> bl.Simulation:
    sim.run(until=until)
    return sim


@pytest.fixture(params=sorted(SCENARIOS))
def sim(request: pytest.FixtureRequest) -> bl.Simulation:
    """Each known scenario, freshly run."""
    return SCENARIOS[request.param]()


def _final(sim: bl.Simulation) -> dict[int, bl.LogEntry]:
    return {entry.id: entry for entry in sim.log if entry.final}


def _by_name(sim: bl.Simulation, name: str) -> bl.Job:
    (job,) = [job for job in sim.jobs if job.name == name]
    return job


# -- the whole timeline -----------------------------------------------------------------------


def test_timeline_spans_from_zero_to_now_over_every_job_in_order(sim: bl.Simulation) -> None:
    data = timeline(sim)
    assert isinstance(data, Timeline)
    assert (data.start, data.end) == (0.0, sim.now)
    assert data.jobs == sim.jobs


# -- bands ------------------------------------------------------------------------------------


def test_bands_tile_each_jobs_history_exactly(sim: bl.Simulation) -> None:
    """One band per history entry, contiguous, from the job's creation to now."""
    data = timeline(sim)
    assert {band.job for band in data.bands} == set(sim.jobs)
    for job in sim.jobs:
        bands = [band for band in data.bands if band.job is job]
        history = job.history
        assert [(b.state, b.start, b.rule) for b in bands] == [
            (change.new, change.time, change.rule) for change in history
        ]
        assert bands[0].start == history[0].time  # the job's creation
        for band, following in pairwise(bands):
            assert band.end == following.start
        assert bands[-1].end == sim.now
        assert all(band.end >= band.start for band in bands)


def test_bands_of_a_job_created_later_start_at_its_creation() -> None:
    sim = _late_job()
    data = timeline(sim)
    late = _by_name(sim, "late")
    first = next(band for band in data.bands if band.job is late)
    assert (first.state, first.start, first.rule) == (S.SUSPENDED, 5.0, "L1")
    # created at 5 s and resumed at once: connected by 5.05 s, its 1 MB in by 6.05 s
    done = [band.start for band in data.bands if band.job is late and band.state is S.TRANSFERRED]
    assert done == [pytest.approx(6.05)]
    assert data.start == 0.0


# -- marks ------------------------------------------------------------------------------------


def test_one_mark_per_raised_notification(sim: bl.Simulation) -> None:
    """The marks are the final entries plus log.pending(), one per id, in id order."""
    data = timeline(sim)
    final = _final(sim)
    pending = {note.id: note for note in sim.log.pending()}
    assert not set(final) & set(pending)
    assert [mark.id for mark in data.marks] == sorted({*final, *pending})
    assert {entry.id for entry in sim.log} <= {mark.id for mark in data.marks}


def test_marks_of_ended_notifications_read_their_final_entry(sim: bl.Simulation) -> None:
    final = _final(sim)
    marks = [mark for mark in timeline(sim).marks if not mark.pending]
    assert len(marks) == len(final)
    for mark in marks:
        entry = final[mark.id]
        assert (mark.job, mark.method, mark.file) == (entry.job, entry.method, entry.file)
        assert (mark.raised, mark.outcome, mark.rule) == (entry.raised, entry.outcome, entry.rule)
        assert mark.time == entry.time
        assert mark.time >= mark.raised


def test_attempts_count_the_entries_that_tried(sim: bl.Simulation) -> None:
    """Decisions made before any attempt (coalesced) are attempt 0 and count for nothing."""
    tried = Counter(entry.id for entry in sim.log if entry.attempt >= 1)
    for mark in timeline(sim).marks:
        assert mark.attempts == tried[mark.id]


def test_arrived_exactly_for_delivered_and_cmdline(sim: bl.Simulation) -> None:
    assert frozenset(ARRIVING) == ARRIVED
    for mark in timeline(sim).marks:
        assert mark.arrived == (mark.outcome in ARRIVING)
        assert mark.late == (mark.arrived and mark.time > mark.raised)


def test_restart_story_has_every_kind_of_mark() -> None:
    """The story has delivered, cmdline and not-arrived marks, so the checks above bite."""
    outcomes = {mark.outcome for mark in timeline(restart_story()).marks}
    assert {"delivered", "cmdline", "filtered"} <= outcomes


@pytest.mark.parametrize("restart_at", [30.0, 45.0])
def test_restart_story_notifications_raised_while_down_arrive_late_at_the_restart(
    restart_at: float,
) -> None:
    """C5, I4: what finished while the app was down arrives when it re-registers."""
    crash_at, retry_delay = 6.0, 10.0
    sim = restart_story(crash_at=crash_at, restart_at=restart_at, retry_delay=retry_delay)
    nightly = _by_name(sim, "nightly")
    marks = timeline(sim).marks
    late = {(m.method, None if m.file is None else m.file.local_name) for m in marks if m.late}
    assert late == {
        ("file_transferred", "fonts.cab"),
        ("file_transferred", "lang.cab"),
        ("job_transferred", None),
    }
    for mark in marks:
        if mark.late:
            assert mark.job is nightly
            assert crash_at < mark.raised < restart_at
            assert mark.time == restart_at
    (fonts,) = [m for m in marks if m.file is not None and m.file.local_name == "fonts.cab"]
    # tried at raised, raised + 10, ... while the app is down, then once more at the restart
    failed = math.ceil((restart_at - fonts.raised) / retry_delay)
    assert fonts.attempts == failed + 1
    assert fonts.outcome == "delivered"
    (base,) = [m for m in marks if m.file is not None and m.file.local_name == "base.cab"]
    assert base.arrived
    assert not base.late
    assert base.raised < crash_at


def test_restart_story_fonts_cab_is_late_after_four_attempts() -> None:
    sim = restart_story()
    (fonts,) = [
        m
        for m in timeline(sim).marks
        if m.method == "file_transferred" and m.file is not None and m.file.remote_name == FONTS
    ]
    assert fonts.late
    assert fonts.attempts == 4
    outcomes = [e.outcome for e in sim.log if e.id == fonts.id]
    assert outcomes == ["app_down"] * 3 + ["delivered"]


def test_n2_a_delivery_through_a_started_server_arrives_when_its_run_began() -> None:
    """N2: with no live interface, BITS starts the app for the job's callback class and calls
    the object it makes once the start-up delay has passed. The log dates the attempt from its
    start; the mark dates the call from the run it reached, never inside the app's down time."""
    sim = restart_story(route="clsid")
    (app,) = sim.apps
    started = app.runs[1].start
    (fonts,) = [
        m for m in timeline(sim).marks if m.file is not None and m.file.remote_name == FONTS
    ]
    (entry,) = [e for e in sim.log.entries(final=True) if e.id == fonts.id]
    assert entry.target == "CompletingNotifier of app 'downloader' run 2"
    assert entry.time < started == entry.time + entry.duration  # the attempt waited for it
    assert (fonts.outcome, fonts.time, fonts.late) == ("delivered", started, True)
    (down,) = [s for s in timeline(sim).shades if s.kind == "app_down"]
    assert down.start < fonts.raised < down.end == fonts.time
    (row,) = [r for r in arrivals(sim) if r.notification == "file_transferred 'fonts.cab'"]
    assert row.why == f"delivered to app 'downloader' run 2 at {started:.2f} s, 1.00 s late"
    assert row.ended == started


def test_pending_marks_without_reregister_end_now_with_no_outcome() -> None:
    sim = restart_story(reregister=False)
    pending = {note.id: note for note in sim.log.pending()}
    assert len(pending) == 3  # fonts.cab retrying, lang.cab and job_transferred behind it (C4)
    marks = [mark for mark in timeline(sim).marks if mark.pending]
    assert [mark.id for mark in marks] == sorted(pending)
    tried = Counter(entry.id for entry in sim.log if entry.attempt >= 1)
    for mark in marks:
        note = pending[mark.id]
        assert (mark.job, mark.method, mark.file, mark.raised) == (
            note.job,
            note.method,
            note.file,
            note.raised,
        )
        assert mark.time == sim.now
        assert (mark.outcome, mark.rule) == (None, None)
        assert not mark.arrived
        assert not mark.late
        assert mark.attempts == tried[mark.id]
    assert sorted(mark.attempts for mark in marks) == [0, 0, 3]  # 9.1, 19.1, 29.1 s failed


def test_marks_method_is_one_of_the_callbacks(sim: bl.Simulation) -> None:
    assert {mark.method for mark in timeline(sim).marks} <= set(METHODS)


# -- shades -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("crash_at", "restart_at"), [(6.0, 30.0), (3.0, 12.0)])
def test_i4_app_down_from_the_crash_to_the_restart_over_the_apps_own_jobs(
    crash_at: float, restart_at: float
) -> None:
    """I4: the downloader's down time concerns nightly, whose notifier is the downloader's;
    report has no interface (its command line runs, K3), so the shade is not its."""
    sim = restart_story(crash_at=crash_at, restart_at=restart_at)
    nightly = sim.jobs[0]
    shades = timeline(sim).shades
    assert [(s.kind, s.start, s.end, s.jobs) for s in shades] == [
        ("app_down", crash_at, restart_at, (nightly,))
    ]
    assert "downloader" in shades[0].label
    assert "crashed" in shades[0].label


def test_i4_an_apps_down_time_covers_the_jobs_it_was_called_for_even_once_unregistered() -> None:
    """I4, I8: two apps, each with a job; one job's app exits cleanly and takes its interface
    back first. Each down time names only that app's job: the one whose notifier the app
    owns now, or whose calls the log says went into it."""
    sim = bl.Simulation(seed=0)
    jobs, apps = [], []
    for name in ("alpha", "beta"):
        app = sim.add_app(name)
        job = sim.create_job(f"job-{name}")
        job.add_file(f"https://srv.test/{name}.bin", f"{name}.bin", size=2_000_000)
        job.set_notify_flags(0x13)
        job.set_notify_interface(bl.RecordingNotifier(app=app))
        job.resume()
        jobs.append(job)
        apps.append(app)
    idle = sim.create_job("no-app")  # never had an interface: no app's down time is its
    idle.add_file("https://srv.test/idle.bin", "idle.bin", size=1_000)
    idle.resume()
    sim.call_at(3.0, lambda: (jobs[0].set_notify_interface(None), apps[0].exit()))
    sim.call_at(4.0, apps[1].crash)
    sim.run()
    shades = {s.label: s.jobs for s in timeline(sim).shades if s.kind == "app_down"}
    assert shades == {"app 'alpha' exited": (jobs[0],), "app 'beta' crashed": (jobs[1],)}
    assert timeline(sim, [idle]).shades == []


def test_n2_an_apps_down_time_covers_the_jobs_whose_callback_class_it_serves() -> None:
    """N2: a job with a callback class and no interface is the class server's job: while that
    app is down, BITS must start it to reach the job, so its down time is shaded on the job
    before any call was made. Another app's crash is not the job's."""
    sim = bl.Simulation(seed=0)
    server, other = sim.add_app("server"), sim.add_app("other")
    server.register_server(CLSID, bl.RecordingNotifier)
    job = sim.create_job("by-class")
    job.add_file("https://srv.test/a.bin", "a.bin", size=3_000_000)
    job.set_property(bl.JobProperty.NOTIFICATION_CLSID, CLSID)
    job.resume()
    sim.call_at(0.5, server.crash)
    sim.call_at(0.5, other.crash)
    sim.run(until=2.0)  # the file is still transferring: nothing was called yet
    assert [entry for entry in sim.log if entry.target is not None] == []
    shades = [(s.label, s.start, s.end, s.jobs) for s in timeline(sim).shades]
    assert shades == [("app 'server' crashed", 0.5, math.inf, (job,))]
    job.set_property(bl.JobProperty.NOTIFICATION_CLSID, bl.GUID_NULL)  # N1: no class now
    assert timeline(sim).shades == []


def test_app_down_until_infinity_when_the_app_never_comes_back() -> None:
    sim = _gone_for_good(how="crash", at=1.0)
    (run,) = [run for run in sim.apps[0].runs if run.end is not None]
    assert sim.now > run.end  # the job went on after the crash
    shades = timeline(sim).shades
    assert [(s.kind, s.start, s.end) for s in shades] == [("app_down", 1.0, math.inf)]
    assert "solo" in shades[0].label
    assert "crashed" in shades[0].label


def test_an_app_that_exited_is_shaded_as_exited() -> None:
    (shade,) = timeline(_gone_for_good(how="exit", at=1.0)).shades
    assert (shade.kind, shade.start, shade.end) == ("app_down", 1.0, math.inf)
    assert "exited" in shade.label
    assert "crashed" not in shade.label


def test_app_down_until_infinity_when_the_restart_is_after_the_end() -> None:
    """Read at 20 s, the restart at 30 s has not happened: still down, and pending marks."""
    sim = _ran_until(restart_story(run=False), 20.0)
    data = timeline(sim)
    assert data.end == 20.0
    assert [(s.kind, s.start, s.end) for s in data.shades] == [("app_down", 6.0, math.inf)]
    assert {mark.id for mark in data.marks if mark.pending} == {n.id for n in sim.log.pending()}


def test_a_running_app_casts_no_shade() -> None:
    sim = media_player()
    assert all(run.end is None for app in sim.apps for run in app.runs)
    assert timeline(sim).shades == []


@pytest.mark.parametrize(("start", "duration"), [(15.0, 10.0), (5.0, 3.0)])
def test_outages_are_shaded_over_every_job(start: float, duration: float) -> None:
    sim = flaky_network(outage_start=start, outage_duration=duration)
    outages = [s for s in timeline(sim).shades if s.kind == "outage"]
    assert [(s.start, s.end, s.jobs) for s in outages] == [(start, start + duration, ())]


def test_an_outage_still_going_at_the_end_ends_at_infinity() -> None:
    sim = _ran_until(flaky_network(run=False), 20.0)  # the outage runs 15 to 25 s
    outages = [s for s in timeline(sim).shades if s.kind == "outage"]
    assert [(s.start, s.end) for s in outages] == [(15.0, math.inf)]


def test_spans_that_begin_after_the_end_are_left_out() -> None:
    sim = _ran_until(flaky_network(run=False), 10.0)  # the outage starts at 15 s
    kinds = {shade.kind for shade in timeline(sim).shades}
    assert "outage" not in kinds
    assert "server_error" in kinds  # those start at 0 s


def test_server_errors_shade_only_the_jobs_with_a_matching_file() -> None:
    """L5, L7: report.pdf answers 503 until 40 s, catalog.xml 404 for good."""
    sim = flaky_network(server_error_until=40.0)
    report, catalog = _by_name(sim, "report"), _by_name(sim, "catalog")
    errors = [s for s in timeline(sim).shades if s.kind == "server_error"]
    assert len(errors) == len(sim.network.failures) == 2
    for shade, failure in zip(errors, sim.network.failures, strict=True):
        hit = tuple(
            job for job in sim.jobs if any(failure.matches(f.remote_name) for f in job.files)
        )
        assert shade.jobs == hit
        assert (shade.start, shade.end) == (failure.start, failure.end)
        assert failure.url in shade.label
        assert str(failure.status) in shade.label
    assert [(s.jobs, s.end) for s in errors] == [((report,), 40.0), ((catalog,), math.inf)]


def _shared_mirror() -> bl.Simulation:
    """Two jobs on mirror.test, one on cdn.test; the whole mirror answers 503 from 1 to 3 s,
    and a URL no job asks for answers 404."""
    sim = bl.Simulation(seed=0, bandwidth=1_000_000, latency=0.05)
    for name, url in [
        ("one", "https://mirror.test/one.bin"),
        ("cdn", "https://cdn.test/cdn.bin"),
        ("two", "https://mirror.test/sub/two.bin"),
    ]:
        job = sim.create_job(name)
        job.add_file(url, name + ".bin", size=1_000_000)
        job.resume()
    sim.network.fail("https://mirror.test/", 503, start=1.0, duration=2.0)
    sim.network.fail("https://nowhere.test/x.bin", 404)
    sim.network.traffic(start=0.5, duration=1.0, bandwidth=250_000)
    sim.run()
    return sim


def test_a_prefix_failure_shades_every_job_under_it_and_a_stray_url_none() -> None:
    sim = _shared_mirror()
    one, cdn, two = sim.jobs
    errors = [s for s in timeline(sim).shades if s.kind == "server_error"]
    assert [(s.jobs, s.start, s.end) for s in errors] == [((one, two), 1.0, 3.0)]
    assert [s for s in timeline(sim, [cdn]).shades if s.kind == "server_error"] == []
    (only_two,) = [s for s in timeline(sim, [two]).shades if s.kind == "server_error"]
    assert only_two.jobs == (two,)


def test_other_traffic_is_shaded_with_its_bandwidth() -> None:
    sim = _shared_mirror()
    (traffic,) = [s for s in timeline(sim).shades if s.kind == "traffic"]
    assert (traffic.start, traffic.end, traffic.jobs) == (0.5, 1.5, ())
    assert "250,000" in traffic.label


def test_every_shade_lies_within_the_timeline(sim: bl.Simulation) -> None:
    data = timeline(sim)
    for shade in data.shades:
        assert data.start <= shade.start <= data.end
        assert shade.end >= shade.start
        assert shade.end <= data.end or shade.end == math.inf


# -- jobs= ------------------------------------------------------------------------------------


def test_jobs_filters_bands_marks_and_server_errors() -> None:
    sim = flaky_network()
    report = _by_name(sim, "report")
    whole = timeline(sim)
    data = timeline(sim, jobs=[report])
    assert data.jobs == [report]
    assert (data.start, data.end) == (whole.start, whole.end)
    assert data.bands == [band for band in whole.bands if band.job is report]
    assert data.marks == [mark for mark in whole.marks if mark.job is report]
    assert {m.id for m in data.marks} == {e.id for e in sim.log if e.job is report}
    kinds = [(s.kind, s.jobs) for s in data.shades]
    assert kinds == [("outage", ()), ("server_error", (report,))]  # catalog's 404 is left out


def test_jobs_keeps_the_order_given_and_takes_any_iterable() -> None:
    sim = flaky_network()
    catalog, updates = _by_name(sim, "catalog"), _by_name(sim, "updates")
    data = timeline(sim, jobs=(job for job in [catalog, updates]))
    assert data.jobs == [catalog, updates]
    assert {band.job for band in data.bands} == {catalog, updates}
    assert {mark.job for mark in data.marks} == {catalog, updates}


def test_jobs_filters_pending_marks_too() -> None:
    sim = restart_story(reregister=False)
    nightly, report = sim.jobs
    assert {note.job for note in sim.log.pending()} == {nightly}
    assert [m for m in timeline(sim, [report]).marks if m.pending] == []
    assert len([m for m in timeline(sim, [nightly]).marks if m.pending]) == 3


def test_no_jobs_no_bands_no_marks() -> None:
    sim = restart_story()
    data = timeline(sim, jobs=[])
    assert (data.jobs, data.bands, data.marks) == ([], [], [])
    assert data.shades == []  # I4: an app's down time is its jobs', and none is shown


def test_an_empty_simulation_reads_as_an_empty_timeline() -> None:
    sim = bl.Simulation(seed=0)
    sim.run()
    assert timeline(sim) == Timeline(0.0, sim.now, [], [], [], [])
    assert outcome_counts(sim.log) == {}


# -- outcome_counts ---------------------------------------------------------------------------


def _expected_counts(sim: bl.Simulation, job: bl.Job | None = None) -> Counter[tuple[str, str]]:
    counts = Counter(
        (e.method, e.outcome) for e in sim.log if e.final and (job is None or e.job is job)
    )
    counts.update((p.method, "pending") for p in sim.log.pending() if job is None or p.job is job)
    return counts


def test_outcome_counts_are_the_final_entries_plus_pending(sim: bl.Simulation) -> None:
    assert outcome_counts(sim.log) == dict(_expected_counts(sim))
    for job in sim.jobs:
        assert outcome_counts(sim.log, job) == dict(_expected_counts(sim, job))


def test_outcome_counts_add_up_to_the_marks(sim: bl.Simulation) -> None:
    counts = outcome_counts(sim.log)
    assert sum(counts.values()) == len(timeline(sim).marks)
    assert all(value > 0 for value in counts.values())


def test_outcome_counts_count_pending_under_pending() -> None:
    counts = outcome_counts(restart_story(reregister=False).log)
    assert counts[("file_transferred", "pending")] == 2  # fonts.cab and lang.cab
    assert counts[("job_transferred", "pending")] == 1
    assert ("job_transferred", "delivered") not in counts


# -- arrivals ---------------------------------------------------------------------------------

#: What a pending notification waits for, by its status in ``log.pending()``: a retry (C5),
#: its turn behind the job's earlier one (C4), the notification interval (C7), dispatch (C8),
#: a delivery slot or its callback (C9), or its command line (K5).
WAITING_RULES = {
    "retry": "C5",
    "waiting": "C4",
    "held": "C7",
    "delayed": "C8",
    "ready": "C9",
    "in_flight": "C9",
    "running": "K5",
}


def _subject(method: str, file: bl.File | None) -> str:
    return method if file is None else f"{method} {file.local_name!r}"


def _expected_rows(sim: bl.Simulation) -> Counter[tuple[float, str, str, str, str | None]]:
    """Every raised notification, from the log: (raised, job, subject, outcome, rule); a
    pending one has outcome "pending" and the rule of what it waits for."""
    rows: Counter[tuple[float, str, str, str, str | None]] = Counter(
        (e.raised, e.job.name, _subject(e.method, e.file), e.outcome, e.rule)
        for e in sim.log
        if e.final
    )
    rows.update(
        (p.raised, p.job.name, _subject(p.method, p.file), "pending", WAITING_RULES[p.status])
        for p in sim.log.pending()
    )
    return rows


def _row_keys(rows: list[Arrival]) -> Counter[tuple[float, str, str, str, str | None]]:
    return Counter((r.raised, r.job, r.notification, r.outcome, r.rule) for r in rows)


def test_arrivals_one_row_per_raised_notification(sim: bl.Simulation) -> None:
    """D1: with modifications, a row for every notification raised: each ended one with its
    final entry's outcome and rule, each pending one as "pending"."""
    rows = arrivals(sim, modifications=True)
    assert len(rows) == len(sim.log.entries(final=True)) + len(sim.log.pending())
    assert _row_keys(rows) == _expected_rows(sim)


def test_arrivals_leave_out_job_modification_unless_asked(sim: bl.Simulation) -> None:
    """C3: modifications, often dozens, are left out by default; nothing else is."""
    every = arrivals(sim, modifications=True)
    assert arrivals(sim) == [row for row in every if row.notification != "job_modification"]
    assert arrivals(sim, modifications=False) == arrivals(sim)


def test_arrivals_are_sorted_by_when_they_were_raised(sim: bl.Simulation) -> None:
    raised = [row.raised for row in arrivals(sim, modifications=True)]
    assert raised == sorted(raised)


def test_arrivals_rule_is_none_only_for_a_delivery_and_names_a_known_rule(
    sim: bl.Simulation,
) -> None:
    """D1: every row that did not arrive (or arrived by command line, K3) names its rule."""
    for row in arrivals(sim, modifications=True):
        if row.outcome == "delivered":
            assert row.rule is None
        else:
            assert row.rule in rules
        if row.outcome == "pending":
            assert row.rule in set(WAITING_RULES.values())


def test_arrivals_delivered_late_rows_say_how_late(sim: bl.Simulation) -> None:
    """C5: a notification that arrived after it was raised says it was late, by how much;
    one that arrived at once does not."""
    late = Counter(
        (e.raised, e.job.name, _subject(e.method, e.file), e.time > e.raised + 1e-9)
        for e in sim.log
        if e.final and e.outcome in ARRIVED
    )
    rows = [row for row in arrivals(sim, modifications=True) if row.outcome in ARRIVED]
    assert Counter((r.raised, r.job, r.notification, " late" in r.why) for r in rows) == late


def test_arrivals_filtered_rows_name_f8_and_its_title(sim: bl.Simulation) -> None:
    """F8: a notification whose flag is not set is a filtered row, rule F8."""
    for row in arrivals(sim, modifications=True):
        if row.outcome == "filtered":
            assert (row.rule, row.why) == ("F8", rules["F8"].title)


def test_arrivals_of_the_restart_story_tell_what_arrived_and_why() -> None:
    """I4, C5, C4, K3, F8: base.cab at once; fonts.cab failed into the crashed app and arrived
    at the restart, at its fourth attempt; lang.cab and job_transferred behind it; the report's
    file_transferred filtered and its job_transferred by command line."""
    sim = restart_story()
    report = _by_name(sim, "report")
    (done,) = [c.time for c in report.history if c.new is S.TRANSFERRED]
    rows = {(row.job, row.notification): row for row in arrivals(sim)}
    assert len(rows) == 6
    base = rows[("nightly", "file_transferred 'base.cab'")]
    assert (base.outcome, base.rule, base.why) == (
        "delivered",
        None,
        f"delivered to app 'downloader' run 1 at {base.raised:.2f} s",
    )
    fonts = rows[("nightly", "file_transferred 'fonts.cab'")]
    assert fonts.outcome == "delivered"
    assert fonts.why == (
        f"delivered to app 'downloader' run 2 at 30.00 s, {30.0 - fonts.raised:.2f} s late "
        "(attempt 4)"
    )  # to the notifier the restarted app registered (I4)
    for name in ("file_transferred 'lang.cab'", "job_transferred"):
        row = rows[("nightly", name)]
        assert row.outcome == "delivered"
        assert row.why.endswith(" s late")  # one attempt: its turn came (C4)
    assert rows[("report", "file_transferred 'report.pdf'")].rule == "F8"
    cmdline = rows[("report", "job_transferred")]
    assert (cmdline.raised, cmdline.outcome, cmdline.rule) == (done, "cmdline", "K3")
    assert cmdline.why == f"its command line ran at {done:.2f} s"


def test_arrivals_pending_rows_say_what_they_wait_for() -> None:
    """I4, C5, C4: without re-registering, fonts.cab waits for a retry (its last call failed
    into the crashed app, I4), lang.cab and job_transferred for their turn behind it."""
    rows = [row for row in arrivals(restart_story(reregister=False)) if row.outcome == "pending"]
    assert [(row.notification, row.rule, row.why) for row in rows] == [
        (
            "file_transferred 'fonts.cab'",
            "C5",
            "app_down (I4); waiting for its retry delay or a new interface",
        ),
        ("file_transferred 'lang.cab'", "C4", "queued behind the job's earlier notification"),
        ("job_transferred", "C4", "queued behind the job's earlier notification"),
    ]


def test_arrivals_pending_modifications_wait_for_the_interval_or_dispatch() -> None:
    """C7, C8: a modification raised less than the interval after the last one released
    (and called) is held; a new job's first one goes at once and waits for its dispatch."""
    sim = restart_story(flags=0x1B, run=False)
    sim.run(until=0.2)  # nightly's first modification: released at 0 s, called at 0.1 s
    nightly = sim.jobs[0]
    nightly.minimum_retry_delay = 11.0  # C3: held to 0.5 s (C7)
    sim.create_job("extra").add_file("https://a.test/x.bin", "x.bin", size=1_000)  # C3, C8
    sim.run(until=0.25)
    statuses = {p.status for p in sim.log.pending()}
    assert statuses == {"held", "delayed"}
    rows = [row for row in arrivals(sim, modifications=True) if row.outcome == "pending"]
    assert {row.rule for row in rows} == {"C7", "C8"}
    assert _row_keys(arrivals(sim, modifications=True)) == _expected_rows(sim)


def _one_file_job(sim: bl.Simulation) -> bl.Job:
    job = sim.create_job("slow")
    job.add_file("https://a.test/slow.bin", "slow.bin", size=1_000_000)
    return job


def test_arrivals_a_callback_still_running_is_pending_c9() -> None:
    """C9: a job_transferred whose callback takes 5 s is in flight meanwhile."""

    class Slow(bl.Notifier):
        def job_transferred(self, job: bl.Job) -> Any:
            yield job.sim.env.timeout(5.0)

    sim = bl.Simulation(seed=0, bandwidth=1_000_000, latency=0.05)
    job = _one_file_job(sim)
    job.set_notify_interface(Slow())
    job.resume()
    sim.run(until=3.0)
    assert [p.status for p in sim.log.pending()] == ["in_flight"]
    (row,) = [row for row in arrivals(sim) if row.outcome == "pending"]
    assert (row.notification, row.rule, row.why) == (
        "job_transferred",
        "C9",
        "the callback has not returned yet",
    )


def test_arrivals_a_command_line_running_is_pending_k5_then_failed_waits_to_retry() -> None:
    """K5: read while its command line runs, job_transferred is pending on it; once the
    program exits 1, it waits to run the command line again (K5, not a callback retry)."""
    sim = bl.Simulation(seed=0, bandwidth=1_000_000, latency=0.05)
    seen: list[list[Arrival]] = []

    def program(job: bl.Job, parameters: str) -> int:
        seen.append(arrivals(sim))
        return 1

    sim.register_program(r"C:\Tools\notify.exe", program)
    job = _one_file_job(sim)
    job.set_notify_cmdline(r"C:\Tools\notify.exe", r"C:\Tools\notify.exe /done")
    job.resume()
    sim.run(until=3.0)
    (during,) = seen
    assert [(r.notification, r.outcome, r.rule) for r in during if r.outcome == "pending"] == [
        ("job_transferred", "pending", "K5")
    ]
    after = [r for r in arrivals(sim) if r.outcome == "pending"]
    assert [(r.notification, r.rule) for r in after] == [("job_transferred", "K5")]
    assert after[0].why == "its command line failed; waiting to run it again"


def test_arrivals_of_some_jobs_only() -> None:
    sim = restart_story(reregister=False)
    nightly, report = sim.jobs
    every = arrivals(sim, modifications=True)
    assert arrivals(sim, [report], modifications=True) == [r for r in every if r.job == "report"]
    assert arrivals(sim, iter([nightly])) == [r for r in arrivals(sim) if r.job == "nightly"]
    assert arrivals(sim, []) == []


def test_i1_arrivals_name_the_app_each_call_reached_the_last_caller_wins() -> None:
    """I1: with two apps registering in turn, each delivered row names the app whose notifier
    got the call, as the log's target does."""
    sim = bl.scenarios.two_apps_racing(second_at=3.0, first_again_at=6.0)
    rows = arrivals(sim)
    receivers = [row.why.split(" run ")[0].removeprefix("delivered to ") for row in rows]
    assert receivers == ["app 'first'", "app 'second'", "app 'first'", "app 'first'", "app 'first'"]
    finals = [e for e in sim.log.entries(final=True) if e.method != "job_modification"]
    assert [e.target for e in finals] == [
        f"RecordingNotifier of {receiver} run 1" for receiver in receivers
    ]


def test_p2_p3_service_down_periods_are_shaded_across_every_job() -> None:
    """P2, P3: a service restart and a reboot are shaded over every job (nothing transfers
    or is delivered then), labelled by what went down; the picture's legend names them."""
    sim = restart_story(crash_at=None, service_restart=(6.0, 4.0), reboot=(12.0, 3.0))
    shades = [s for s in timeline(sim).shades if s.kind == "service_down"]
    assert [(s.label, s.start, s.end, s.jobs) for s in shades] == [
        ("BITS service down", 6.0, 10.0, ()),
        ("machine rebooting", 12.0, 15.0, ()),
    ]
    from bitslab import plots

    figure = plots.timeline(sim, modifications=False)
    legends = [*figure.legends, *(ax.get_legend() for ax in figure.axes)]
    legend = [text.get_text() for box in legends if box is not None for text in box.get_texts()]
    assert "BITS service down" in legend
