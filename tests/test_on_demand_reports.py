"""Range reports (R4, R6, F7, F8, C6): when they come, what they carry, and how they end
when the job is not on-demand, through the public API and ``sim.log``.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``on_demand_support.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from on_demand_support import (
    EOF,
    FLAGS,
    MB,
    RANGES,
    REPORT,
    F,
    K,
    P,
    Pairs,
    S,
    count_bytes,
    methods,
    reports,
)
from support import busy_slots, make_job, steps

import bitslab as bl


def report_entries(sim: bl.Simulation) -> list[bl.LogEntry]:
    """The final log entry of every range report."""
    return sim.log.entries(method=REPORT, final=True)


# -- R4: range reports -----------------------------------------------------------------------


def test_r4_c7_the_first_report_goes_at_once_then_each_interval_and_the_rest_at_the_end(
    sim: bl.Simulation,
) -> None:
    """R4, C7: the first report goes out when the first requested bytes arrive (at the first
    look, progress_interval after TRANSFERRING: C7's first notification is not held); then
    every 0.5 s (the default interval) the ranges filled since the last report; when the
    last requested range arrives, what is left, at once. FileRangesTransferred: "BITS calls
    your implementation of the FileRangesTransferred method when one or more file ranges
    have been downloaded"."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", sizes=(2 * MB,), on_demand=True, flags=FLAGS, notifier=rec)
    job.files[0].request_ranges([(0, 1_200 * K)])
    job.resume()
    sim.run()
    # TRANSFERRING at 0.05; the first look at 0.15 (100,000 bytes, C7: sent at once);
    # then 500,000 bytes per 0.5 s; the last byte at 1.25
    assert reports(rec) == [
        (0.15, "f0.bin", [(0, 100 * K)]),
        (0.65, "f0.bin", [(100 * K, 500 * K)]),
        (1.15, "f0.bin", [(600 * K, 500 * K)]),
        (1.25, "f0.bin", [(1_100 * K, 100 * K)]),
    ]
    assert steps(job, 4) == [(1.25, S.TRANSFERRING, S.SUSPENDED, "R5")]
    entries = report_entries(sim)
    assert [(round(e.time, 6), e.outcome, e.rule, e.attempt) for e in entries] == [
        (0.15, "delivered", None, 1),
        (0.65, "delivered", None, 1),
        (1.15, "delivered", None, 1),
        (1.25, "delivered", None, 1),
    ]
    assert [list(e.ranges or ()) for e in entries] == [r[2] for r in reports(rec)]
    assert all(e.file is job.files[0] for e in entries)


def test_r4_c7_c9_reports_raised_while_one_waits_for_a_slot_fold_into_it_ranges_and_all(
    sim: bl.Simulation,
) -> None:
    """R4, C7, C9: while slow callbacks of four other jobs hold the four slots (0.1 s to
    3.1 s), the first report (0.15 s) waits for a slot; the reports due at 0.65 s, 1.15 s and
    1.25 s (the last range, R4) are folded into it (coalesced, "folded into #N") and hand it
    their ranges, so one call at 3.1 s lists every range, merged, instead of four at once."""
    busy_slots(sim)
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", sizes=(2 * MB,), on_demand=True, flags=FLAGS, notifier=rec)
    job.files[0].request_ranges([(0, 1_200 * K)])
    job.resume()
    sim.run()
    assert reports(rec) == [(3.1, "f0.bin", [(0, 1_200 * K)])]
    first, *later = sorted(sim.log.entries(job, method=REPORT), key=lambda e: e.raised)
    assert [(e.raised, e.outcome, e.rule, e.detail, list(e.ranges or ())) for e in later] == [
        (pytest.approx(0.65), "coalesced", "C7", f"folded into #{first.id}", [(100 * K, 500 * K)]),
        (pytest.approx(1.15), "coalesced", "C7", f"folded into #{first.id}", [(600 * K, 500 * K)]),
        (
            pytest.approx(1.25),
            "coalesced",
            "C7",
            f"folded into #{first.id}",
            [(1_100 * K, 100 * K)],
        ),
    ]
    assert (first.raised, first.time, first.outcome) == (
        pytest.approx(0.15),
        pytest.approx(3.1),
        "delivered",
    )
    assert first.trigger == "waited 2.95 s for a free slot (C9)"
    assert list(first.ranges or ()) == [(0, 1_200 * K)]


@pytest.mark.parametrize(
    ("interval_ms", "progress_interval"), [(0, 0.1), (200, 0.1), (100, 0.3), (1000, 0.1)]
)
def test_r4_reports_come_every_max_of_interval_and_progress_interval(
    interval_ms: int, progress_interval: float
) -> None:
    """R4, C7: the first report goes at the first look, progress_interval after the job
    starts transferring (C7: not rate limited); after it, the period of range reports is the
    longer of the minimum notification interval and the simulation's progress_interval (so
    0 ms still means 0.1 s). FileRangesTransferred: "You should set the
    BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL property to the highest value that still
    meets your needs; this will reduce the number of unneeded callbacks"."""
    sim = bl.Simulation(seed=0, progress_interval=progress_interval)
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    job.set_property(P.MINIMUM_NOTIFICATION_INTERVAL_MS, interval_ms)
    job.files[0].request_ranges([(0, 950 * K)])
    job.resume()
    sim.run()
    # TRANSFERRING at 0.05, 950,000 bytes arrive by 1.00; the first look progress_interval
    # later (C7: at once), then a tick each period until then
    period = max(interval_ms / 1000, progress_interval)
    first = 0.05 + progress_interval
    times = []
    k = 0
    while first + k * period < 1.0 - 1e-9:
        times.append(round(first + k * period, 6))
        k += 1
    each = round(period * MB)
    head = round(progress_interval * MB)
    expected: list[tuple[float, str, Pairs]] = [
        (t, "f0.bin", [(0, head)] if i == 0 else [(head + (i - 1) * each, each)])
        for i, t in enumerate(times)
    ]
    done = head + (len(times) - 1) * each
    expected.append((1.0, "f0.bin", [(done, 950 * K - done)]))
    assert reports(rec) == expected
    assert steps(job, 4) == [(1.0, S.TRANSFERRING, S.SUSPENDED, "R5")]


def test_r4_the_last_report_goes_before_file_transferred_and_job_transferred(
    sim: bl.Simulation,
) -> None:
    """R4, C4: when the last requested range arrives the pending report goes out at once,
    then file_transferred, then job_transferred, all at that instant."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", sizes=(1_200 * K,), on_demand=True, flags=FLAGS, notifier=rec)
    job.files[0].request_ranges([(0, EOF)])
    job.resume()
    sim.run()
    # 1,200,000 bytes from 0.05: the last at 1.25; the first look at 0.15 (C7: at once),
    # then ticks at 0.65 and 1.15
    assert methods(rec) == [
        (0.15, REPORT),
        (0.65, REPORT),
        (1.15, REPORT),
        (1.25, REPORT),
        (1.25, "file_transferred"),
        (1.25, "job_transferred"),
    ]
    assert steps(job, 4) == [(1.25, S.TRANSFERRING, S.TRANSFERRED, "R5")]
    last = [
        e
        for e in sim.log.entries(job, final=True)
        if e.outcome == "delivered" and round(e.raised, 6) == 1.25
    ]
    assert [e.method for e in sorted(last, key=lambda e: e.id)] == [
        REPORT,
        "file_transferred",
        "job_transferred",
    ]


def test_r4_two_files_in_one_interval_make_two_reports_at_the_same_moment(
    sim: bl.Simulation,
) -> None:
    """R4 (model choice): ranges of two files filled within one interval are two reports,
    one per file, sent together, in file order; a file with nothing requested is skipped.
    FileRangesTransferred names one file: "An IBackgroundCopyFile object that contains
    information about the file whose ranges have changed"."""
    rec = bl.RecordingNotifier()
    job = make_job(
        sim, name="od", sizes=(300 * K, 100 * K, 100 * K), on_demand=True, flags=FLAGS, notifier=rec
    )
    first, middle, last = job.files
    last.request_ranges([(50 * K, EOF)])
    first.request_ranges([(0, 300 * K)])
    job.resume()
    sim.run()
    # first: 0.05 -> 0.35, its first 100,000 bytes reported at the first look, 0.15 (C7);
    # connect for the last file: 0.40; its 50,000 bytes: 0.45, within the interval after 0.15
    assert reports(rec) == [
        (0.15, "f0.bin", [(0, 100 * K)]),
        (0.45, "f0.bin", [(100 * K, 200 * K)]),
        (0.45, "f2.bin", [(50 * K, 50 * K)]),
    ]
    assert middle.filled_ranges() == []
    assert middle.progress.bytes_total == bl.BG_SIZE_UNKNOWN  # never connected for (L14)


def test_r4_a_report_lists_merged_ranges_filled_since_the_previous_one(sim: bl.Simulation) -> None:
    """R4: a report's ranges are sorted and merged (offset, length) pairs, only of bytes
    filled since the previous report (FileRangesTransferred: "the files ranges that have
    transferred since the last call to FileRangesTransferred")."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", sizes=(2 * MB,), on_demand=True, flags=FLAGS, notifier=rec)
    file = job.files[0]
    file.request_ranges([(0, 100 * K), (300 * K, 100 * K), (600 * K, 200 * K)])
    file.request_ranges([(200 * K, 100 * K)])  # touches 300k..400k: merges in the report
    file.request_ranges([(900 * K, 400 * K)])
    job.resume()
    sim.run()
    # queue: 0..100k, 300k..400k, 600k..800k, 200k..300k, 900k..1.3M. The first look, at
    # 0.15, finds 0..100k (C7: at once); by the tick at 0.65, 500,000 more (300k..400k,
    # 600k..800k, 200k..300k and 900k..1M); the last 300,000 by 0.95
    assert reports(rec) == [
        (0.15, "f0.bin", [(0, 100 * K)]),
        (0.65, "f0.bin", [(200 * K, 200 * K), (600 * K, 200 * K), (900 * K, 100 * K)]),
        (0.95, "f0.bin", [(MB, 300 * K)]),
    ]


@pytest.mark.parametrize("stop", ["suspend", "outage"])
def test_r4_bytes_left_when_the_job_stops_are_reported_at_the_next_tick(
    stop: str, sim: bl.Simulation
) -> None:
    """R4, L4, L9: bytes filled before a suspend or an outage are reported at the next tick,
    though the job is no longer TRANSFERRING; the rest follow when it runs again, the first
    of them at once (C7: the interval since the last report has passed). FileRangesTransferred
    lists "the files ranges that have transferred since the last call"."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    job.files[0].request_ranges([(0, 800 * K)])
    job.resume()
    if stop == "suspend":
        sim.call_at(0.3, job.suspend)
    else:
        sim.network.outage(0.3, 1.0)
    sim.run(until=1.0)
    # 250,000 bytes from 0.05 to 0.30: 100,000 at the first look (0.15, C7), the rest at the
    # tick one period later
    assert reports(rec) == [
        (0.15, "f0.bin", [(0, 100 * K)]),
        (0.65, "f0.bin", [(100 * K, 150 * K)]),
    ]
    assert job.state is (S.SUSPENDED if stop == "suspend" else S.TRANSIENT_ERROR)
    if stop == "suspend":
        job.resume()  # at 1.0: TRANSFERRING at 1.05
    sim.run()
    again = 1.05 if stop == "suspend" else 1.35  # reconnect at 1.30 (L4), connect 0.05
    # 550,000 bytes left: the first look (C7: more than an interval since 0.65), the rest at
    # once when they are in
    assert reports(rec)[2:] == [
        (round(again + 0.1, 6), "f0.bin", [(250 * K, 100 * K)]),
        (round(again + 0.55, 6), "f0.bin", [(350 * K, 450 * K)]),
    ]
    assert steps(job)[-1] == (round(again + 0.55, 6), S.TRANSFERRING, S.SUSPENDED, "R5")


def test_r4_reports_are_logged_with_their_ranges_and_in_the_dataframe(sim: bl.Simulation) -> None:
    """R4: each report is a log entry with ``ranges`` (a tuple of pairs); other entries have
    None; ``to_dataframe()`` has a ranges column."""
    job = make_job(
        sim,
        name="od",
        on_demand=True,
        flags=FLAGS | F.JOB_MODIFICATION,
        notifier=bl.RecordingNotifier(),
    )
    job.files[0].request_ranges([(0, 40 * K), (200 * K, 40 * K)])
    job.resume()
    sim.run()
    (entry,) = report_entries(sim)  # all in by 0.13, before the first look
    assert entry.ranges == ((0, 40 * K), (200 * K, 40 * K))
    assert isinstance(entry.ranges, tuple)
    others = [e for e in sim.log if e.method != REPORT]
    assert others
    assert all(e.ranges is None for e in others)
    frame = sim.log.to_dataframe()
    assert "ranges" in frame.columns
    rows = frame[frame["method"] == REPORT]
    assert [list(r) for r in rows["ranges"]] == [[(0, 40 * K), (200 * K, 40 * K)]]
    assert frame[frame["method"] != REPORT]["ranges"].isna().all()


def test_r4_c7_a_job_resumed_right_after_its_last_report_waits_an_interval_for_the_next(
    sim: bl.Simulation,
) -> None:
    """R4, C7: the interval is measured between sends, the flushed report included: a
    streaming app that asks for the next range and resumes inside file_ranges_transferred
    gets no report within 0.5 s of the previous one."""

    class Streamer(bl.RecordingNotifier):
        def file_ranges_transferred(self, job: bl.Job, file: bl.File, ranges: Pairs) -> Any:
            result = super().file_ranges_transferred(job, file, ranges)
            if len(self.calls) == 1:
                file.request_ranges([(200 * K, 500 * K)])
                job.resume()
            return result

    rec = Streamer()
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    job.files[0].request_ranges([(0, 100 * K)])
    job.resume()
    sim.run()
    # the first 100,000 bytes arrive at 0.15 (reported at once); resumed at 0.15,
    # TRANSFERRING at 0.20, 500,000 bytes by 0.70
    assert steps(job, 4) == [
        (0.15, S.TRANSFERRING, S.SUSPENDED, "R5"),
        (0.15, S.SUSPENDED, S.QUEUED, "L2"),
        (0.15, S.QUEUED, S.CONNECTING, "L3"),
        (0.2, S.CONNECTING, S.TRANSFERRING, "L3"),
        (0.7, S.TRANSFERRING, S.SUSPENDED, "R5"),
    ]
    got = reports(rec)
    assert got[0] == (0.15, "f0.bin", [(0, 100 * K)])
    assert count_bytes([p for _, _, pairs in got for p in pairs]) == 600 * K
    # C7: nothing between the report at 0.15 and 0.65 (the tick armed one period after the
    # first TRANSFERRING at 0.05 would have sent one at 0.55); R4 says 0.70 at the earliest
    assert not [t for t, _, _ in got if 0.15 < t < 0.65], got


# -- R6: range reports of a job that is not on-demand -------------------------------------------


def test_r6_ranges_left_when_on_demand_mode_is_turned_off_end_not_on_demand(
    sim: bl.Simulation,
) -> None:
    """R6: bytes filled on demand but not yet reported when the mode is turned off are
    reported at the next tick, and that report ends not_on_demand; nothing is called for it
    (FileRangesTransferred reports ranges "added to the job using the
    IBackgroundCopyFile6::RequestFileRanges method", which needs on-demand mode)."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    job.files[0].request_ranges([(0, 600 * K)])
    job.resume()
    sim.call_at(0.3, job.set_property, P.ON_DEMAND_MODE, False)
    sim.run()
    # 100,000 bytes at the first look (0.15, on demand: delivered), 250,000 by 0.30; then
    # the whole file: the rest by 1.05 (L3)
    assert steps(job, 4) == [(1.05, S.TRANSFERRING, S.TRANSFERRED, "L3")]
    assert [(round(e.time, 6), e.outcome, e.rule, e.ranges) for e in report_entries(sim)] == [
        (0.15, "delivered", None, ((0, 100 * K),)),
        (0.65, "not_on_demand", "R6", ((100 * K, 150 * K),)),
    ]
    assert reports(rec) == [(0.15, "f0.bin", [(0, 100 * K)])]
    assert [m for _, m in methods(rec)] == [REPORT, "file_transferred", "job_transferred"]


def test_r6_a_report_delivered_after_the_mode_was_turned_off_ends_not_on_demand() -> None:
    """R6, D1: the mode is read at delivery: with a dispatch delay, a report raised on
    demand but delivered after the mode was turned off ends not_on_demand."""
    sim = bl.Simulation(seed=0, dispatch_delay=0.2)
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    job.files[0].request_ranges([(0, 100 * K)])
    job.resume()
    sim.call_at(0.2, job.set_property, P.ON_DEMAND_MODE, False)
    sim.run()
    # the last byte at 0.15 raises the report; delivered 0.2 s later, at 0.35
    (entry,) = report_entries(sim)
    assert (round(entry.raised, 6), round(entry.time, 6)) == (0.15, 0.35)
    assert (entry.outcome, entry.rule, entry.ranges) == ("not_on_demand", "R6", ((0, 100 * K),))
    assert reports(rec) == []
    assert job.state is S.SUSPENDED
    assert job.files[0].filled_ranges() == [(0, 100 * K)]


@pytest.mark.parametrize(
    ("flags", "outcome", "rule"),
    [
        (RANGES | F.DISABLE, "disabled", "F5"),  # F5 comes before R6
        (RANGES, "not_on_demand", "R6"),
        (F.JOB_TRANSFERRED, "not_on_demand", "R6"),  # R6 comes before F8
        (0, "not_on_demand", "R6"),
    ],
)
def test_r6_d1_not_on_demand_is_decided_after_disabled_and_before_filtered(
    flags: int, outcome: str, rule: str
) -> None:
    """R6, D1: a report for a job no longer on-demand ends disabled under DISABLE (F5), and
    otherwise not_on_demand whether or not FILE_RANGES_TRANSFERRED is set."""
    sim = bl.Simulation(seed=0, dispatch_delay=0.2)
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    job.files[0].request_ranges([(0, 100 * K)])
    job.resume()
    sim.call_at(0.2, job.set_property, P.ON_DEMAND_MODE, False)
    sim.call_at(0.2, job.set_notify_flags, flags)
    sim.run()
    (entry,) = report_entries(sim)
    assert (entry.outcome, entry.rule, entry.attempt) == (outcome, rule, 1)
    assert reports(rec) == []


def test_r6_f8_an_on_demand_job_without_the_flag_has_its_reports_filtered(
    sim: bl.Simulation,
) -> None:
    """R6, F8: on demand, but without FILE_RANGES_TRANSFERRED, each report ends filtered
    (SetNotifyFlags: BG_NOTIFY_FILE_RANGES_TRANSFERRED asks for FileRangesTransferred)."""
    rec = bl.RecordingNotifier()
    job = make_job(
        sim,
        name="od",
        sizes=(2 * MB,),
        on_demand=True,
        flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED,
        notifier=rec,
    )
    job.files[0].request_ranges([(0, 700 * K)])
    job.resume()
    sim.run()
    # the first look at 0.15 (100,000 bytes), a tick at 0.65 (500,000) and the rest at 0.75
    entries = report_entries(sim)
    assert [(round(e.time, 6), e.outcome, e.rule) for e in entries] == [
        (0.15, "filtered", "F8"),
        (0.65, "filtered", "F8"),
        (0.75, "filtered", "F8"),
    ]
    assert [e.ranges for e in entries] == [
        ((0, 100 * K),),
        ((100 * K, 500 * K),),
        ((600 * K, 100 * K),),
    ]
    assert rec.calls == []


# -- F7, C6 ---------------------------------------------------------------------------------


def test_f7_the_ranges_flag_may_be_set_on_any_job_but_only_on_demand_jobs_report(
    sim: bl.Simulation,
) -> None:
    """F7: FILE_RANGES_TRANSFERRED is accepted on upload and ordinary download jobs, which
    raise no range notification at all; an on-demand job beside them does."""
    rec = bl.RecordingNotifier()
    plain = make_job(sim, name="plain", flags=FLAGS, notifier=rec)
    upload = sim.create_job("up", type=bl.JobType.UPLOAD)
    upload.add_file("https://example.test/up.bin", "up.bin", 300 * K)
    upload.set_notify_flags(FLAGS)
    upload.set_notify_interface(rec)
    od = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    od.files[0].request_ranges([(0, 100 * K)])
    for job in (plain, upload, od):
        assert job.get_notify_flags() & RANGES
        job.resume()
    sim.run()
    assert (plain.state, upload.state, od.state) == (S.TRANSFERRED, S.TRANSFERRED, S.SUSPENDED)
    assert not sim.log.entries(plain, method=REPORT)
    assert not sim.log.entries(upload, method=REPORT)
    assert [(c.job, c.ranges) for c in rec.calls if c.method == REPORT] == [(od, [(0, 100 * K)])]
    assert {c.job for c in rec.calls if c.method == "job_transferred"} == {plain, upload}


def test_c6_a_failed_range_report_is_not_retried(sim: bl.Simulation) -> None:
    """C6, R4: a file_ranges_transferred call that fails ends failed (C6); it is not called
    again, and the next report holds only newer bytes (FileRangesTransferred: "Your
    implementation may not receive all modification events")."""
    rec = bl.RecordingNotifier(returns={REPORT: False})
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    job.minimum_retry_delay = 5
    job.files[0].request_ranges([(0, 800 * K)])
    job.resume()
    sim.run()
    sim.run(until=sim.now + 3 * 5)  # well past any retry delay
    # the first look at 0.15 (100,000 bytes), a tick at 0.65 (500,000), the last 200,000
    # at 0.85
    assert reports(rec) == [
        (0.15, "f0.bin", [(0, 100 * K)]),
        (0.65, "f0.bin", [(100 * K, 500 * K)]),
        (0.85, "f0.bin", [(600 * K, 200 * K)]),
    ]
    entries = sim.log.entries(job, method=REPORT)
    assert [(e.outcome, e.rule, e.final, e.attempt) for e in entries] == [
        ("failed", "C6", True, 1),
        ("failed", "C6", True, 1),
        ("failed", "C6", True, 1),
    ]


@pytest.mark.parametrize("stop", ["suspend", "cancel"])
def test_r4_run_waits_for_the_report_of_bytes_that_arrived_before_the_job_stopped(
    stop: str,
    sim: bl.Simulation,
) -> None:
    """R4, C7, C3: bytes that arrived before suspend() are reported when the interval ends,
    and run() does not return before (the simulation is not quiet); after cancel() the job
    is final and nothing more is raised, so run() does not wait (FileRangesTransferred: set
    the interval "to the highest value that still meets your needs")."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", sizes=(10 * MB,), on_demand=True, flags=FLAGS, notifier=rec)
    job.set_property(P.MINIMUM_NOTIFICATION_INTERVAL_MS, 2000)
    job.files[0].request_ranges([(0, 5 * MB)])
    job.resume()
    sim.call_at(0.3, getattr(job, stop))
    sim.run()
    assert sim.quiet
    # TRANSFERRING at 0.05; the first look at 0.15 reports 100,000 bytes at once (C7);
    # 250,000 bytes by 0.3; the next look is 2 s after the first report
    assert job.files[0].filled_ranges() == [(0, 250 * K)]
    first = (0.15, "f0.bin", [(0, 100 * K)])
    if stop == "suspend":
        assert reports(rec) == [first, (2.15, "f0.bin", [(100 * K, 150 * K)])]
        assert sim.now == pytest.approx(2.15)
    else:
        assert reports(rec) == [first]
        assert len(sim.log.entries(method=REPORT)) == 1
        assert sim.now < 2.0
