"""What an on-demand job transfers and when it stops (R5, with S1, S2, S4, L4, L5, L7),
through the public API and ``sim.log``.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``on_demand_support.py``.
"""

from __future__ import annotations

from on_demand_support import EOF, FLAGS, MB, REPORT, K, P, S, count_bytes, methods, reports
from support import make_job, steps

import bitslab as bl

# -- R5: only requested ranges; then TRANSFERRED or SUSPENDED ----------------------------------


def test_r5_a_job_resumed_with_nothing_requested_connects_then_suspends(sim: bl.Simulation) -> None:
    """R5: with nothing outstanding the job connects (CONNECTING, TRANSFERRING) and is
    SUSPENDED at once, with no byte and no notification but modifications."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", sizes=(MB, MB), on_demand=True, flags=FLAGS, notifier=rec)
    job.resume()
    sim.run()
    assert steps(job) == [
        (0.0, None, S.SUSPENDED, "L1"),
        (0.0, S.SUSPENDED, S.QUEUED, "L2"),
        (0.0, S.QUEUED, S.CONNECTING, "L3"),
        (0.05, S.CONNECTING, S.TRANSFERRING, "L3"),
        (0.05, S.TRANSFERRING, S.SUSPENDED, "R5"),
    ]
    assert job.progress.bytes_transferred == 0
    assert rec.calls == []
    assert {e.method for e in sim.log} <= {"job_modification"}


def test_r5_an_on_demand_job_transfers_only_the_requested_ranges_then_suspends(
    sim: bl.Simulation,
) -> None:
    """R5: only requested bytes move; with all of them in and the file not whole, the job
    is SUSPENDED, the file is not completed and no transferred notification is raised."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    file = job.files[0]
    file.request_ranges([(100 * K, 200 * K), (700 * K, 100 * K)])
    job.resume()
    sim.run()
    # 300,000 bytes from 0.05: SUSPENDED at 0.35
    assert steps(job, 4) == [(0.35, S.TRANSFERRING, S.SUSPENDED, "R5")]
    assert file.filled_ranges() == [(100 * K, 200 * K), (700 * K, 100 * K)]
    assert file.outstanding_ranges() == []
    assert file.progress == (MB, 300 * K, False)
    assert job.progress == (MB, 300 * K, 1, 0)
    # the first look (0.15, C7) and the last range (0.35, R4)
    assert [m for _, m in methods(rec)] == [REPORT, REPORT]
    assert not sim.log.entries(job, method="file_transferred")
    assert not sim.log.entries(job, method="job_transferred")


def test_r5_when_every_file_is_whole_the_job_becomes_transferred_under_r5(
    sim: bl.Simulation,
) -> None:
    """R5, C1, C4: requests that cover every file make each file whole (file_transferred,
    transferred) and the job TRANSFERRED, with rule R5."""
    rec = bl.RecordingNotifier()
    job = make_job(
        sim, name="od", sizes=(200 * K, 300 * K), on_demand=True, flags=FLAGS, notifier=rec
    )
    first, second = job.files
    first.request_ranges([(0, EOF)])
    second.request_ranges([(0, 100 * K), (100 * K, 200 * K)])  # one range in the report
    job.resume()
    sim.run()
    # 200,000 bytes by 0.25; connect by 0.30; 300,000 more by 0.60
    assert steps(job, 4) == [(0.6, S.TRANSFERRING, S.TRANSFERRED, "R5")]
    assert [f.transferred for f in job.files] == [True, True]
    assert job.progress == (500 * K, 500 * K, 2, 2)
    assert methods(rec) == [
        (0.15, REPORT),
        (0.25, "file_transferred"),
        (0.6, REPORT),
        (0.6, REPORT),
        (0.6, "file_transferred"),
        (0.6, "job_transferred"),
    ]
    # the first look (0.15, C7) reports the first file's 100,000 so far; the last range
    # (0.60, before the next tick) reports both files: the rest of the first, all the second
    assert reports(rec) == [
        (0.15, "f0.bin", [(0, 100 * K)]),
        (0.6, "f0.bin", [(100 * K, 100 * K)]),
        (0.6, "f1.bin", [(0, 300 * K)]),
    ]


def test_r5_a_whole_file_completes_while_the_job_suspends_for_another(sim: bl.Simulation) -> None:
    """R5, C4: a file made whole gets file_transferred and counts in files_transferred even
    though the job, with another file partial, ends SUSPENDED."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", sizes=(100 * K, MB), on_demand=True, flags=FLAGS, notifier=rec)
    whole, partial = job.files
    whole.request_ranges([(0, 100 * K)])
    partial.request_ranges([(0, 100 * K)])
    job.resume()
    sim.run()
    # 100,000 bytes by 0.15; connect by 0.20; 100,000 by 0.30
    assert steps(job, 4) == [(0.3, S.TRANSFERRING, S.SUSPENDED, "R5")]
    assert (whole.transferred, partial.transferred) == (True, False)
    assert job.progress.files_transferred == 1
    transferred = [(round(c.time, 6), c.file) for c in rec.calls if c.method != REPORT]
    assert transferred == [(0.15, whole)]


def test_r5_s4_files_go_in_the_order_added_skipping_those_with_nothing_outstanding(
    sim: bl.Simulation,
) -> None:
    """R5, S4: a file asked for later but added first goes first; a file with nothing
    outstanding is not connected for at all."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", sizes=(MB, MB, MB), on_demand=True, flags=FLAGS, notifier=rec)
    first, middle, last = job.files
    last.request_ranges([(0, 100 * K)])
    first.request_ranges([(0, 100 * K)])
    job.resume()
    sim.run(until=0.17)  # first: 0.05 -> 0.15; then the connection for the last file
    assert [f.filled_ranges() for f in job.files] == [[(0, 100 * K)], [], []]
    sim.run()
    # the last file's 100,000 bytes from 0.20 to 0.30
    assert steps(job, 4) == [(0.3, S.TRANSFERRING, S.SUSPENDED, "R5")]
    assert [f.filled_ranges() for f in job.files] == [[(0, 100 * K)], [], [(0, 100 * K)]]
    assert middle.progress.bytes_total == bl.BG_SIZE_UNKNOWN  # L14: never connected for
    assert job.progress.bytes_total == bl.BG_SIZE_UNKNOWN
    # the first look (0.15, C7) finds the first file's bytes; the last range, the last file's
    assert [(t, f) for t, f, _ in reports(rec)] == [(0.15, "f0.bin"), (0.3, "f2.bin")]


def test_r5_request_ranges_does_not_resume_the_job(sim: bl.Simulation) -> None:
    """R5: requesting ranges of a SUSPENDED job (new, or suspended by R5) starts nothing."""
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS)
    file = job.files[0]
    file.request_ranges([(0, 100 * K)])
    sim.run(until=5.0)
    assert job.state is S.SUSPENDED
    assert len(job.history) == 1
    assert file.filled_ranges() == []
    job.resume()
    sim.run()
    count = len(job.history)
    file.request_ranges([(500 * K, 100 * K)])
    sim.run(until=sim.now + 5.0)
    assert len(job.history) == count
    assert job.state is S.SUSPENDED
    assert file.outstanding_ranges() == [(500 * K, 100 * K)]
    assert file.filled_ranges() == [(0, 100 * K)]


def test_r5_turning_on_demand_mode_on_mid_transfer_with_nothing_requested_ends_the_turn(
    sim: bl.Simulation,
) -> None:
    """R5: a job that is fetching a whole file and is made on-demand, with nothing
    requested, is SUSPENDED at once; what arrived stays, and a later request fetches only
    the missing bytes. Bytes fetched while not on demand are never reported (F7)."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", flags=FLAGS, notifier=rec)
    file = job.files[0]
    job.resume()
    sim.call_at(0.3, job.set_property, P.ON_DEMAND_MODE, True)
    sim.run()
    # 250,000 bytes from 0.05 to 0.30
    assert steps(job, 4) == [(0.3, S.TRANSFERRING, S.SUSPENDED, "R5")]
    assert file.filled_ranges() == [(0, 250 * K)]
    assert not sim.log.entries(job, method=REPORT)
    file.request_ranges([(0, EOF)])
    assert file.outstanding_ranges() == [(250 * K, 750 * K)]
    job.resume()
    sim.run()
    # resumed at sim.now; 750,000 bytes take 0.75 s after the 0.05 s connection
    resumed = job.history[5].time
    assert steps(job)[-1] == (round(resumed + 0.8, 6), S.TRANSFERRING, S.TRANSFERRED, "R5")
    reported = [pair for _, _, pairs in reports(rec) for pair in pairs]
    assert count_bytes(reported) == 750 * K
    assert min(offset for offset, _ in reported) == 250 * K


def test_r5_l4_an_outage_stops_the_ranges_and_they_go_on_where_they_stopped(
    sim: bl.Simulation,
) -> None:
    """R5, L4: an outage moves the job to TRANSIENT_ERROR; filled bytes stay, and after the
    reconnect the transfer goes on with the bytes still outstanding."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    file = job.files[0]
    file.request_ranges([(0, 800 * K)])
    job.resume()
    sim.network.outage(0.3, 1.0)
    sim.run(until=1.0)
    assert file.filled_ranges() == [(0, 250 * K)]
    assert file.outstanding_ranges() == [(250 * K, 550 * K)]
    sim.run()
    # back at 1.30, connected at 1.35, 550,000 bytes by 1.90
    assert steps(job, 4) == [
        (0.3, S.TRANSFERRING, S.TRANSIENT_ERROR, "L4"),
        (1.3, S.TRANSIENT_ERROR, S.QUEUED, "L4"),
        (1.3, S.QUEUED, S.CONNECTING, "L3"),
        (1.35, S.CONNECTING, S.TRANSFERRING, "L3"),
        (1.9, S.TRANSFERRING, S.SUSPENDED, "R5"),
    ]
    assert file.filled_ranges() == [(0, 800 * K)]
    assert file.progress.bytes_transferred == 800 * K
    assert count_bytes([p for _, _, pairs in reports(rec) for p in pairs]) == 800 * K


def test_r5_l5_a_server_error_503_retries_after_the_delay_keeping_the_filled_bytes(
    sim: bl.Simulation,
) -> None:
    """R5, L5: an HTTP 503 during the ranges is a transient error; after the minimum retry
    delay the job goes on from where it stopped."""
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=bl.RecordingNotifier())
    job.minimum_retry_delay = 5
    file = job.files[0]
    file.request_ranges([(0, MB)])
    job.resume()
    sim.network.fail(file.remote_name, 503, 0.3, 2.0)
    sim.run(until=3.0)
    assert job.state is S.TRANSIENT_ERROR
    assert job.get_error().hresult == 0x80190000 + 503
    assert file.filled_ranges() == [(0, 250 * K)]
    sim.run()
    # retry at 5.30, connected at 5.35, 750,000 bytes by 6.10
    assert steps(job, 4) == [
        (0.3, S.TRANSFERRING, S.TRANSIENT_ERROR, "L5"),
        (5.3, S.TRANSIENT_ERROR, S.QUEUED, "L5"),
        (5.3, S.QUEUED, S.CONNECTING, "L3"),
        (5.35, S.CONNECTING, S.TRANSFERRING, "L3"),
        (6.1, S.TRANSFERRING, S.TRANSFERRED, "R5"),
    ]


def test_r5_l7_a_404_stops_the_ranges_in_error_and_resume_goes_on(sim: bl.Simulation) -> None:
    """R5, L7, L8: an HTTP 404 moves the on-demand job to ERROR with the filled bytes kept;
    resumed once the server answers again, it fetches what is outstanding."""
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=bl.RecordingNotifier())
    file = job.files[0]
    file.request_ranges([(0, MB)])
    job.resume()
    sim.network.fail(file.remote_name, 404, 0.3, 1.0)
    sim.call_at(2.0, job.resume)
    sim.run(until=1.5)
    assert job.state is S.ERROR
    error = job.get_error()
    assert (error.hresult, error.context) == (bl.BG_E_HTTP_ERROR_404, bl.ErrorContext.REMOTE_FILE)
    assert file.outstanding_ranges() == [(250 * K, 750 * K)]
    sim.run()
    # resumed at 2.00, connected at 2.05, 750,000 bytes by 2.80
    assert steps(job, 4) == [
        (0.3, S.TRANSFERRING, S.ERROR, "L7"),
        (2.0, S.ERROR, S.QUEUED, "L8"),
        (2.0, S.QUEUED, S.CONNECTING, "L3"),
        (2.05, S.CONNECTING, S.TRANSFERRING, "L3"),
        (2.8, S.TRANSFERRING, S.TRANSFERRED, "R5"),
    ]


def test_r5_s1_a_higher_priority_job_preempts_the_ranges(sim: bl.Simulation) -> None:
    """R5, S1: a HIGH job queued during the ranges of a NORMAL on-demand job takes the link;
    the ranges go on afterwards, and the bytes that arrived before are reported at the tick."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    job.files[0].request_ranges([(0, MB)])
    high = sim.create_job("high", priority=bl.JobPriority.HIGH)
    high.add_file("https://example.test/high.bin", "high.bin", 500 * K)
    job.resume()
    sim.call_at(0.3, high.resume)
    sim.run()
    # high: connected 0.35, 500,000 bytes by 0.85; then ours: connected 0.90, 750,000 by 1.65
    assert steps(high)[-1] == (0.85, S.TRANSFERRING, S.TRANSFERRED, "L3")
    assert steps(job, 4) == [
        (0.3, S.TRANSFERRING, S.QUEUED, "S1"),
        (0.85, S.QUEUED, S.CONNECTING, "L3"),
        (0.9, S.CONNECTING, S.TRANSFERRING, "L3"),
        (1.65, S.TRANSFERRING, S.TRANSFERRED, "R5"),
    ]
    # the first look (0.15, C7); the tick at 0.65 has the bytes up to 0.30; back on the
    # link at 0.90, the first look waits for the interval after 0.65 (C7): 1.15; the rest
    # when the last range arrives
    assert reports(rec) == [
        (0.15, "f0.bin", [(0, 100 * K)]),
        (0.65, "f0.bin", [(100 * K, 150 * K)]),
        (1.15, "f0.bin", [(250 * K, 250 * K)]),
        (1.65, "f0.bin", [(500 * K, 500 * K)]),
    ]


def test_r5_s2_ranges_take_time_slices_with_another_job_of_their_priority(
    sim: bl.Simulation,
) -> None:
    """R5, S2: a long on-demand job yields at the end of its 10 s slice to a queued job of
    its priority and goes on afterwards."""
    job = make_job(
        sim,
        name="od",
        sizes=(20 * MB,),
        on_demand=True,
        flags=FLAGS,
        notifier=bl.RecordingNotifier(),
    )
    other = sim.create_job("other")
    other.add_file("https://example.test/other.bin", "other.bin", MB)
    file = job.files[0]
    file.request_ranges([(0, 12 * MB)])
    job.resume()
    other.resume()
    sim.run(until=10.5)
    # the slice starts at 0.05 with the bytes: 10,000,000 bytes by 10.05
    assert file.filled_ranges() == [(0, 10 * MB)]
    sim.run()
    # other: connected 10.10, done 11.10; ours: connected 11.15, 2,000,000 bytes by 13.15
    assert steps(other)[-1] == (11.1, S.TRANSFERRING, S.TRANSFERRED, "L3")
    assert steps(job, 4) == [
        (10.05, S.TRANSFERRING, S.QUEUED, "S2"),
        (11.1, S.QUEUED, S.CONNECTING, "L3"),
        (11.15, S.CONNECTING, S.TRANSFERRING, "L3"),
        (13.15, S.TRANSFERRING, S.SUSPENDED, "R5"),
    ]
    assert file.filled_ranges() == [(0, 12 * MB)]
