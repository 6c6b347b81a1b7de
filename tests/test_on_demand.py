"""On-demand jobs and byte ranges (R1-R6, F7), through the public API and ``sim.log``.

The arithmetic behind the times: the default link moves 1,000,000 bytes per second and a
connection takes 0.05 s (L3), so a job resumed at 0 is TRANSFERRING at 0.05 and 300,000
requested bytes arrive by 0.35. Each further file of a turn connects again (0.05 s, S4). Range
reports (R4) are looked for every max(interval, progress_interval) seconds, 0.5 s by default
(MINIMUM_NOTIFICATION_INTERVAL_MS 500 beats progress_interval 0.1), the first one period after
the job enters TRANSFERRING; the last requested range is reported at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from support import log_rows, make_job, snapshot, steps

import bitslab as bl

F = bl.NotifyFlags
S = bl.JobState
P = bl.JobProperty
EOF = bl.BG_LENGTH_TO_EOF
MB = 1_000_000
K = 1_000
RANGES = F.FILE_RANGES_TRANSFERRED
FLAGS = F.JOB_TRANSFERRED | F.JOB_ERROR | F.FILE_TRANSFERRED | RANGES
REPORT = "file_ranges_transferred"
Pairs = list[tuple[int, int]]


# -- helpers -------------------------------------------------------------------------------


def reports(rec: bl.RecordingNotifier) -> list[tuple[float, str, Pairs]]:
    """The range reports a notifier received: (time, file, ranges)."""
    out: list[tuple[float, str, Pairs]] = []
    for call in rec.calls:
        if call.method == REPORT:
            assert call.file is not None
            assert call.ranges is not None
            out.append((round(call.time, 6), call.file.local_name, call.ranges))
    return out


def methods(rec: bl.RecordingNotifier) -> list[tuple[float, str]]:
    return [(round(c.time, 6), c.method) for c in rec.calls]


def report_entries(sim: bl.Simulation) -> list[bl.LogEntry]:
    """The final log entry of every range report."""
    return sim.log.entries(method=REPORT, final=True)


def count_bytes(pairs: Pairs) -> int:
    return sum(length for _, length in pairs)


def world(job: bl.Job) -> tuple[object, ...]:
    """What a call could change, seen from outside: the job, its files' ranges, the log."""
    files = job.files
    return (
        snapshot(job),
        [f.filled_ranges() for f in files],
        [f.outstanding_ranges() for f in files],
        [f.progress for f in files],
        len(job.sim.log),
    )


def story(job: bl.Job) -> tuple[object, ...]:
    """Everything a finished run shows: history, ranges, progress and the whole log."""
    return (
        steps(job),
        [f.filled_ranges() for f in job.files],
        [f.outstanding_ranges() for f in job.files],
        job.progress,
        log_rows(job.sim),
    )


ERRORS = (TypeError, ValueError, bl.BitsError)


def assert_no_effect(
    build: Callable[[bl.Simulation], bl.Job],
    act: Callable[[bl.Job], object],
    *,
    at: float = 0.0,
    then: Callable[[bl.Job], object] | None = None,
    fails: bool = True,
) -> BaseException | None:
    """Build the same scenario twice. In one, run until ``at`` and ``act`` (which must raise
    one of ERRORS if ``fails``): nothing visible may change. Then ``then`` (e.g. resume) in
    both, run both until quiet, and they must tell the same story: as if ``act`` never was.
    Returns the error raised."""

    def run(acting: bool) -> tuple[tuple[object, ...], BaseException | None]:
        sim = bl.Simulation(seed=0)
        job = build(sim)
        if at:
            sim.run(until=at)
        error: BaseException | None = None
        if acting:
            before = world(job)
            if fails:
                with pytest.raises(ERRORS) as info:
                    act(job)
                error = info.value
            else:
                act(job)
            assert world(job) == before
        if then is not None:
            then(job)
        sim.run()
        return story(job), error

    control, _ = run(False)
    seen, error = run(True)
    assert seen == control
    return error


def suspended_job(sim: bl.Simulation) -> bl.Job:
    """An on-demand job of one 1,000,000-byte file, nothing requested, SUSPENDED."""
    return make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=bl.RecordingNotifier())


def transferring_job(sim: bl.Simulation) -> bl.Job:
    """An on-demand job that asked for its first 600,000 bytes and was resumed at 0."""
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=bl.RecordingNotifier())
    job.files[0].request_ranges([(0, 600 * K)])
    job.resume()
    return job


def resume(job: bl.Job) -> None:
    job.resume()


# -- R1: on-demand mode is for http(s) download jobs -------------------------------------------


def test_r1_on_demand_mode_is_off_by_default_and_may_be_turned_on_and_off(
    sim: bl.Simulation,
) -> None:
    """R1: a new job is not on-demand; an http/https download job may be made on-demand,
    also with no files yet or with an upper-case scheme, and turned back at any time."""
    job = sim.create_job("web")
    assert job.get_property(P.ON_DEMAND_MODE) is False
    job.set_property(P.ON_DEMAND_MODE, True)  # no files: nothing forbids it
    assert job.get_property(P.ON_DEMAND_MODE) is True
    job.add_file("http://example.test/a.bin", "a.bin", K)
    job.add_file("HTTPS://example.test/b.bin", "b.bin", K)
    job.set_property(P.ON_DEMAND_MODE, False)
    assert job.get_property(P.ON_DEMAND_MODE) is False
    job.set_property(P.ON_DEMAND_MODE, True)
    assert job.get_property(P.ON_DEMAND_MODE) is True
    job.files[1].request_ranges([(0, 10)])
    assert job.files[1].outstanding_ranges() == [(0, 10)]


@pytest.mark.parametrize("job_type", [bl.JobType.UPLOAD, bl.JobType.UPLOAD_REPLY])
def test_r1_on_demand_mode_fails_for_a_job_that_is_not_a_download(job_type: bl.JobType) -> None:
    """R1: turning on-demand mode on for an upload job fails with
    BG_E_RANDOM_ACCESS_NOT_SUPPORTED and changes nothing; turning it off is allowed."""

    def build(sim: bl.Simulation) -> bl.Job:
        job = sim.create_job("up", type=job_type)
        job.add_file("https://example.test/up.bin", "up.bin", 300 * K)
        job.set_notify_interface(bl.RecordingNotifier())
        job.set_notify_flags(FLAGS)
        return job

    error = assert_no_effect(
        build, lambda job: job.set_property(P.ON_DEMAND_MODE, True), then=resume
    )
    assert isinstance(error, bl.BitsError)
    assert error.hresult == bl.BG_E_RANDOM_ACCESS_NOT_SUPPORTED
    assert error.name == "BG_E_RANDOM_ACCESS_NOT_SUPPORTED"
    assert "'up'" in str(error)
    assert "R1" in str(error)
    job = build(bl.Simulation(seed=0))
    job.set_property(P.ON_DEMAND_MODE, False)
    assert job.get_property(P.ON_DEMAND_MODE) is False


@pytest.mark.parametrize(
    "url",
    ["file:///srv/share/b.bin", "FILE:///srv/share/b.bin", "\\\\server\\share\\b.bin"],
)
def test_r1_on_demand_mode_fails_for_a_job_with_a_file_or_unc_file(url: str) -> None:
    """R1: a download job with any file that is not http/https cannot be made on-demand;
    the job then transfers whole files as if nothing had been tried."""

    def build(sim: bl.Simulation) -> bl.Job:
        job = sim.create_job("mixed")
        job.add_file("https://example.test/a.bin", "a.bin", 200 * K)
        job.add_file(url, "b.bin", 100 * K)
        job.set_notify_interface(bl.RecordingNotifier())
        job.set_notify_flags(FLAGS)
        return job

    error = assert_no_effect(
        build, lambda job: job.set_property(P.ON_DEMAND_MODE, True), then=resume
    )
    assert isinstance(error, bl.BitsError)
    assert error.hresult == bl.BG_E_RANDOM_ACCESS_NOT_SUPPORTED
    job = build(bl.Simulation(seed=0))
    job.resume()
    job.sim.run()
    assert job.state is S.TRANSFERRED
    assert job.history[-1].rule == "L3"


@pytest.mark.parametrize("url", ["file:///srv/share/b.bin", "\\\\server\\share\\b.bin"])
@pytest.mark.parametrize("at", [0.0, 0.3])
def test_r1_adding_a_file_or_unc_file_to_an_on_demand_job_fails_and_adds_nothing(
    url: str, at: float
) -> None:
    """R1: add_file of a non-http(s) URL to a job already on-demand fails with
    BG_E_RANDOM_ACCESS_NOT_SUPPORTED, before the transfer or during it, and adds nothing."""
    error = assert_no_effect(transferring_job, lambda job: job.add_file(url, "b.bin", K), at=at)
    assert isinstance(error, bl.BitsError)
    assert error.hresult == bl.BG_E_RANDOM_ACCESS_NOT_SUPPORTED
    job = transferring_job(bl.Simulation(seed=0))
    added = job.add_file("http://example.test/c.bin", "c.bin", K)  # http is fine
    assert job.files[-1] is added


@pytest.mark.parametrize("was_on", [False, True])
def test_r1_request_ranges_fails_on_a_job_not_in_on_demand_mode(was_on: bool) -> None:
    """R1: request_ranges on a job that is not (or no longer) on-demand fails with
    BG_E_RANDOM_ACCESS_NOT_SUPPORTED; the job then transfers its whole file as before."""

    def build(sim: bl.Simulation) -> bl.Job:
        job = make_job(
            sim, name="od", on_demand=was_on, flags=FLAGS, notifier=bl.RecordingNotifier()
        )
        if was_on:
            job.set_property(P.ON_DEMAND_MODE, False)
        return job

    error = assert_no_effect(build, lambda job: job.files[0].request_ranges([(0, 10)]), then=resume)
    assert isinstance(error, bl.BitsError)
    assert error.hresult == bl.BG_E_RANDOM_ACCESS_NOT_SUPPORTED
    assert "R1" in str(error)


@pytest.mark.parametrize("value", [1, 0, "yes", None, 1.0])
def test_r1_on_demand_mode_value_must_be_a_bool(value: object) -> None:
    """R1: ON_DEMAND_MODE takes a bool; anything else is a TypeError naming it."""
    error = assert_no_effect(
        suspended_job, lambda job: job.set_property(P.ON_DEMAND_MODE, value), then=resume
    )
    assert isinstance(error, TypeError)
    assert "ON_DEMAND_MODE" in str(error)


def test_r1_on_demand_mode_cannot_change_on_a_final_job() -> None:
    """R1, L12: a CANCELLED job refuses the property with BG_E_INVALID_STATE."""
    job = make_job(bl.Simulation(seed=0), name="od", on_demand=True, flags=FLAGS)
    job.cancel()
    before = world(job)
    for value in (True, False):
        with pytest.raises(bl.BitsError) as info:
            job.set_property(P.ON_DEMAND_MODE, value)
        assert info.value.hresult == bl.BG_E_INVALID_STATE
    assert world(job) == before
    assert job.get_property(P.ON_DEMAND_MODE) is True


def test_r1_turning_on_demand_mode_off_fetches_the_rest_of_every_file_in_offset_order(
    sim: bl.Simulation,
) -> None:
    """R1, R5: with the mode off again the job fetches every missing byte, gaps in offset
    order, file after file, and ends TRANSFERRED (L3)."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", sizes=(MB, MB), on_demand=True, flags=FLAGS, notifier=rec)
    first, second = job.files
    first.request_ranges([(400 * K, 200 * K)])
    second.request_ranges([(0, 100 * K)])
    job.resume()
    sim.run(until=0.5)
    # 0.05 connect, 200,000 bytes by 0.25, connect for the second file by 0.30, 100,000 by 0.40
    assert steps(job, 4) == [(0.4, S.TRANSFERRING, S.SUSPENDED, "R5")]
    job.set_property(P.ON_DEMAND_MODE, False)
    job.resume()  # at 0.50: TRANSFERRING at 0.55
    sim.run(until=0.65)  # 100,000 bytes: the first gap fills from offset 0
    assert first.filled_ranges() == [(0, 100 * K), (400 * K, 200 * K)]
    sim.run(until=0.95)  # 400,000 bytes: the first gap is full
    assert first.filled_ranges() == [(0, 600 * K)]
    sim.run(until=1.15)  # 600,000 bytes: then the gap after the filled range
    assert first.filled_ranges() == [(0, 800 * K)]
    assert second.filled_ranges() == [(0, 100 * K)]
    sim.run()
    # the first file's 800,000 missing bytes end at 1.35; connect by 1.40; 900,000 by 2.30
    assert steps(job, 5) == [
        (0.5, S.SUSPENDED, S.QUEUED, "L2"),
        (0.5, S.QUEUED, S.CONNECTING, "L3"),
        (0.55, S.CONNECTING, S.TRANSFERRING, "L3"),
        (2.3, S.TRANSFERRING, S.TRANSFERRED, "L3"),
    ]
    assert [f.filled_ranges() for f in job.files] == [[(0, MB)], [(0, MB)]]
    assert [f.progress.completed for f in job.files] == [True, True]
    assert job.progress.files_transferred == 2
    files_done = [((round(c.time, 6), c.method), c.file) for c in rec.calls if c.method != REPORT]
    assert files_done == [
        ((1.35, "file_transferred"), first),
        ((2.3, "file_transferred"), second),
        ((2.3, "job_transferred"), None),
    ]


# -- R2: ranges past the end ----------------------------------------------------------------


@pytest.mark.parametrize(
    "request_",
    [
        [(0, 100), (MB - 10, 11)],  # the second reaches one byte past the end
        [(0, MB + 1)],
        [(MB, EOF)],  # starts at the end: empty
        [(MB + 5, EOF)],
        [(2**63, 2**63)],
        [(0, 0)],  # zero length
        [(500, 10), (7, 0)],
    ],
)
@pytest.mark.parametrize("at", [0.0, 0.3])
def test_r2_a_bad_range_fails_with_invalid_range_and_keeps_nothing_of_the_request(
    request_: Pairs, at: float
) -> None:
    """R2: a range that reaches past the end (or is empty) fails with BG_E_INVALID_RANGE, and
    no range of that request is kept, before the transfer or during it."""
    error = assert_no_effect(
        transferring_job, lambda job: job.files[0].request_ranges(request_), at=at
    )
    assert isinstance(error, bl.BitsError)
    assert error.hresult == bl.BG_E_INVALID_RANGE
    assert error.name == "BG_E_INVALID_RANGE"
    assert "R2" in str(error)


@pytest.mark.parametrize(
    ("request_", "outstanding"),
    [
        ([(MB - 10, 10)], [(MB - 10, 10)]),
        ([(MB - 1, EOF)], [(MB - 1, 1)]),
        ([(0, EOF)], [(0, MB)]),
        ([(250 * K, EOF), (0, 10)], [(0, 10), (250 * K, 750 * K)]),
    ],
)
def test_r2_a_range_that_ends_at_the_end_of_the_file_is_accepted(
    request_: Pairs, outstanding: Pairs
) -> None:
    """R2: ranges up to the last byte, and BG_LENGTH_TO_EOF, are accepted."""
    job = suspended_job(bl.Simulation(seed=0))
    job.files[0].request_ranges(request_)
    assert job.files[0].outstanding_ranges() == outstanding


def test_r2_the_check_uses_the_size_given_to_add_file_before_bits_has_connected() -> None:
    """R2 (model choice): the size given to add_file bounds the ranges, though BITS has not
    learnt it from the server yet (L14)."""
    job = make_job(bl.Simulation(seed=0), name="od", sizes=(1_000,), on_demand=True, flags=FLAGS)
    file = job.files[0]
    assert file.progress.bytes_total == bl.BG_SIZE_UNKNOWN
    file.request_ranges([(0, 1_000)])
    with pytest.raises(bl.BitsError) as info:
        file.request_ranges([(1, 1_000)])
    assert info.value.hresult == bl.BG_E_INVALID_RANGE
    assert file.outstanding_ranges() == [(0, 1_000)]


def test_r2_a_zero_byte_file_accepts_no_range_but_an_empty_list() -> None:
    """R2: every range of an empty file reaches past its end; the job still completes it."""
    job = make_job(bl.Simulation(seed=0), name="od", sizes=(0,), on_demand=True, flags=FLAGS)
    file = job.files[0]
    for request_ in ([(0, 1)], [(0, EOF)], [(0, 0)]):
        with pytest.raises(bl.BitsError) as info:
            file.request_ranges(request_)
        assert info.value.hresult == bl.BG_E_INVALID_RANGE
    file.request_ranges([])
    job.resume()
    job.sim.run()
    assert job.state is S.TRANSFERRED  # R5: its only file is whole, with no byte fetched
    assert file.progress.completed


@pytest.mark.parametrize(
    ("request_", "error", "argument"),
    [
        (None, TypeError, "ranges"),
        (5, TypeError, "ranges"),
        ("0,10", TypeError, "ranges"),
        (b"\x00\x0a", TypeError, "ranges"),
        ((0, 10), TypeError, "ranges"),  # a pair, not a list of pairs
        ([0], TypeError, "ranges"),
        ([(0,)], TypeError, "ranges"),
        ([(0, 1, 2)], TypeError, "ranges"),
        ([(0.0, 10)], TypeError, "offset"),
        ([(0, 10.0)], TypeError, "length"),
        ([(True, 10)], TypeError, "offset"),
        ([(0, "10")], TypeError, "length"),
        ([(-1, 10)], ValueError, "offset"),
        ([(0, -10)], ValueError, "length"),
        ([(0, 10), (None, 10)], TypeError, "offset"),  # a good range first: not kept
    ],
)
def test_r2_bad_python_values_raise_type_or_value_error_naming_them_and_keep_nothing(
    request_: Any, error: type[Exception], argument: str
) -> None:
    """R2: malformed ranges are a TypeError or ValueError that names what was wrong; nothing
    of the request is kept."""
    raised = assert_no_effect(
        suspended_job, lambda job: job.files[0].request_ranges(request_), then=resume
    )
    assert type(raised) is error
    assert argument in str(raised)


def test_r2_errors_come_in_order_types_final_state_on_demand_then_range(sim: bl.Simulation) -> None:
    """R2, R1, L12: TypeError/ValueError first, then BG_E_INVALID_STATE on a final job, then
    BG_E_RANDOM_ACCESS_NOT_SUPPORTED, then BG_E_INVALID_RANGE."""
    past_end = [(0, MB + 1)]
    not_an_int: Any = [(0, "x")]
    for finish in ("cancel", "complete"):
        job = make_job(sim, name=finish, on_demand=True, flags=FLAGS)
        getattr(job, finish)()
        file = job.files[0]
        with pytest.raises(TypeError, match="length"):
            file.request_ranges(not_an_int)
        for request_ in (past_end, [(0, 10)], []):
            with pytest.raises(bl.BitsError) as info:
                file.request_ranges(request_)
            assert info.value.hresult == bl.BG_E_INVALID_STATE
    plain = make_job(sim, name="plain", flags=FLAGS)
    for request_ in (past_end, []):
        with pytest.raises(bl.BitsError) as info:
            plain.files[0].request_ranges(request_)
        assert info.value.hresult == bl.BG_E_RANDOM_ACCESS_NOT_SUPPORTED
    with pytest.raises(ValueError, match="offset"):
        plain.files[0].request_ranges([(-1, 5)])


@pytest.mark.parametrize("at", [0.0, 0.3])
def test_r2_an_empty_request_is_a_no_op(at: float) -> None:
    """R2: request_ranges([]) on an on-demand job changes nothing, before or during a
    transfer."""
    assert_no_effect(
        transferring_job, lambda job: job.files[0].request_ranges([]), at=at, fails=False
    )


# -- R3: no byte twice -----------------------------------------------------------------------


def test_r3_overlapping_requests_fetch_each_byte_once(sim: bl.Simulation) -> None:
    """R3: ranges that overlap, in one request and across requests, are split into pieces;
    each byte is fetched and reported once."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    file = job.files[0]
    file.request_ranges([(0, 200 * K), (100 * K, 200 * K)])
    file.request_ranges([(250 * K, 100 * K), (50 * K, 10 * K), (0, 350 * K)])
    assert file.outstanding_ranges() == [(0, 350 * K)]
    job.resume()
    sim.run()
    # the union is 350,000 bytes: 0.35 s after TRANSFERRING at 0.05
    assert steps(job, 4) == [(0.4, S.TRANSFERRING, S.SUSPENDED, "R5")]
    assert file.progress.bytes_transferred == 350 * K
    assert job.progress.bytes_transferred == 350 * K
    assert file.filled_ranges() == [(0, 350 * K)]
    # before the first tick (0.55) the last range arrived: one report, at once (R4)
    assert reports(rec) == [(0.4, "f0.bin", [(0, 350 * K)])]


def test_r3_bytes_already_present_are_not_fetched_again(sim: bl.Simulation) -> None:
    """R3: a request for bytes that are present queues only the missing ones; one for
    present bytes only queues nothing, and the job connects and suspends at once (R5)."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    file = job.files[0]
    file.request_ranges([(0, 300 * K)])
    job.resume()
    sim.run()  # 300,000 bytes: SUSPENDED at 0.35
    start = sim.now
    file.request_ranges([(100 * K, 250 * K)])
    assert file.outstanding_ranges() == [(300 * K, 50 * K)]
    job.resume()
    sim.run()
    # only 50,000 bytes: 0.05 s after TRANSFERRING, which is 0.05 s after the resume
    assert steps(job, 5)[-1] == (round(start + 0.1, 6), S.TRANSFERRING, S.SUSPENDED, "R5")
    assert file.progress.bytes_transferred == 350 * K
    assert [r[2] for r in reports(rec)] == [[(0, 300 * K)], [(300 * K, 50 * K)]]
    again = len(job.history)
    file.request_ranges([(0, 350 * K)])
    assert file.outstanding_ranges() == []
    job.resume()
    sim.run()
    assert [(c.old, c.new, c.rule) for c in job.history[again:]] == [
        (S.SUSPENDED, S.QUEUED, "L2"),
        (S.QUEUED, S.CONNECTING, "L3"),
        (S.CONNECTING, S.TRANSFERRING, "L3"),
        (S.TRANSFERRING, S.SUSPENDED, "R5"),
    ]
    assert file.progress.bytes_transferred == 350 * K
    assert len(reports(rec)) == 2


def test_r3_requests_are_served_oldest_first(sim: bl.Simulation) -> None:
    """R3 (model choice): the oldest request goes first; a piece already asked for is not
    asked again, only the new part of a later request is queued."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    file = job.files[0]
    file.request_ranges([(800 * K, 100 * K)])
    file.request_ranges([(0, 100 * K)])
    file.request_ranges([(400 * K, 100 * K)])
    file.request_ranges([(50 * K, 100 * K)])  # new piece: 100,000..150,000
    # queue: 800k..900k, 0..100k, 400k..500k, 100k..150k; 350,000 bytes from 0.05 to 0.40
    job.resume()
    sim.run(until=0.1)  # 50,000 bytes
    assert file.filled_ranges() == [(800 * K, 50 * K)]
    sim.run(until=0.2)  # 150,000 bytes
    assert file.filled_ranges() == [(0, 50 * K), (800 * K, 100 * K)]
    assert file.outstanding_ranges() == [(50 * K, 100 * K), (400 * K, 100 * K)]
    sim.run(until=0.3)  # 250,000 bytes
    assert file.filled_ranges() == [(0, 100 * K), (400 * K, 50 * K), (800 * K, 100 * K)]
    sim.run(until=0.37)  # 320,000 bytes
    assert file.filled_ranges() == [(0, 120 * K), (400 * K, 100 * K), (800 * K, 100 * K)]
    sim.run()
    assert steps(job, 4) == [(0.4, S.TRANSFERRING, S.SUSPENDED, "R5")]
    assert reports(rec) == [(0.4, "f0.bin", [(0, 150 * K), (400 * K, 100 * K), (800 * K, 100 * K)])]


def test_r3_the_pieces_of_one_request_are_served_in_offset_order(sim: bl.Simulation) -> None:
    """R3 (model choice): within one request, the new pieces go in offset order, whatever
    the order of the pairs; the next request waits for all of them."""
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=bl.RecordingNotifier())
    file = job.files[0]
    file.request_ranges([(800 * K, 100 * K), (0, 100 * K)])
    file.request_ranges([(400 * K, 100 * K)])
    # offset order: 0..100k, 800k..900k, then the second request 400k..500k
    job.resume()
    sim.run(until=0.1)  # 50,000 bytes
    assert file.filled_ranges() == [(0, 50 * K)]
    sim.run(until=0.2)  # 150,000 bytes
    assert file.filled_ranges() == [(0, 100 * K), (800 * K, 50 * K)]
    sim.run(until=0.3)  # 250,000 bytes
    assert file.filled_ranges() == [(0, 100 * K), (400 * K, 50 * K), (800 * K, 100 * K)]


def test_r3_a_request_during_a_transfer_adds_only_new_bytes_and_extends_the_turn(
    sim: bl.Simulation,
) -> None:
    """R3, R5: bytes present or already asked for are not queued again; the running turn
    takes the new bytes without connecting again."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    file = job.files[0]
    file.request_ranges([(0, 500 * K)])
    job.resume()
    sim.run(until=0.25)  # 200,000 bytes present, 300,000 outstanding
    file.request_ranges([(100 * K, 600 * K)])  # new: 500,000..700,000
    assert file.filled_ranges() == [(0, 200 * K)]
    assert file.outstanding_ranges() == [(200 * K, 500 * K)]
    sim.run()
    # 700,000 bytes from 0.05: done at 0.75, in one turn
    assert steps(job, 1) == [
        (0.0, S.SUSPENDED, S.QUEUED, "L2"),
        (0.0, S.QUEUED, S.CONNECTING, "L3"),
        (0.05, S.CONNECTING, S.TRANSFERRING, "L3"),
        (0.75, S.TRANSFERRING, S.SUSPENDED, "R5"),
    ]
    assert file.progress.bytes_transferred == 700 * K
    # a tick at 0.55 (500,000 bytes by then), the rest at once when it arrives
    assert reports(rec) == [
        (0.55, "f0.bin", [(0, 500 * K)]),
        (0.75, "f0.bin", [(500 * K, 200 * K)]),
    ]


# -- R4: range reports -----------------------------------------------------------------------


def test_r4_ranges_are_reported_each_interval_and_the_rest_when_the_last_arrives(
    sim: bl.Simulation,
) -> None:
    """R4: while TRANSFERRING, every 0.5 s (the default interval) the ranges filled since
    the last report; when the last requested range arrives, what is left, at once."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", sizes=(2 * MB,), on_demand=True, flags=FLAGS, notifier=rec)
    job.files[0].request_ranges([(0, 1_200 * K)])
    job.resume()
    sim.run()
    # TRANSFERRING at 0.05; 500,000 bytes per 0.5 s; the last byte at 1.25
    assert reports(rec) == [
        (0.55, "f0.bin", [(0, 500 * K)]),
        (1.05, "f0.bin", [(500 * K, 500 * K)]),
        (1.25, "f0.bin", [(MB, 200 * K)]),
    ]
    assert steps(job, 4) == [(1.25, S.TRANSFERRING, S.SUSPENDED, "R5")]
    entries = report_entries(sim)
    assert [(round(e.time, 6), e.outcome, e.rule, e.attempt) for e in entries] == [
        (0.55, "delivered", None, 1),
        (1.05, "delivered", None, 1),
        (1.25, "delivered", None, 1),
    ]
    assert [list(e.ranges or ()) for e in entries] == [r[2] for r in reports(rec)]
    assert all(e.file is job.files[0] for e in entries)


@pytest.mark.parametrize(
    ("interval_ms", "progress_interval"), [(0, 0.1), (200, 0.1), (100, 0.3), (1000, 0.1)]
)
def test_r4_reports_come_every_max_of_interval_and_progress_interval(
    interval_ms: int, progress_interval: float
) -> None:
    """R4, C7: the period of range reports is the longer of the minimum notification
    interval and the simulation's progress_interval (so 0 ms still means 0.1 s)."""
    sim = bl.Simulation(seed=0, progress_interval=progress_interval)
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    job.set_property(P.MINIMUM_NOTIFICATION_INTERVAL_MS, interval_ms)
    job.files[0].request_ranges([(0, 950 * K)])
    job.resume()
    sim.run()
    # TRANSFERRING at 0.05, 950,000 bytes arrive by 1.00; a tick each period until then
    period = max(interval_ms / 1000, progress_interval)
    times = []
    k = 1
    while 0.05 + k * period < 1.0 - 1e-9:
        times.append(round(0.05 + k * period, 6))
        k += 1
    each = round(period * MB)
    expected: list[tuple[float, str, Pairs]] = [
        (t, "f0.bin", [(i * each, each)]) for i, t in enumerate(times)
    ]
    done = len(times) * each
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
    # 1,200,000 bytes from 0.05: the last at 1.25; ticks at 0.55 and 1.05
    assert methods(rec) == [
        (0.55, REPORT),
        (1.05, REPORT),
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
    one per file, sent together, in file order; a file with nothing requested is skipped."""
    rec = bl.RecordingNotifier()
    job = make_job(
        sim, name="od", sizes=(100 * K, 100 * K, 100 * K), on_demand=True, flags=FLAGS, notifier=rec
    )
    first, middle, last = job.files
    last.request_ranges([(50 * K, EOF)])
    first.request_ranges([(0, 50 * K)])
    job.resume()
    sim.run()
    # first: 0.05 -> 0.10; connect for the last file: 0.15; its 50,000 bytes: 0.20
    assert reports(rec) == [
        (0.2, "f0.bin", [(0, 50 * K)]),
        (0.2, "f2.bin", [(50 * K, 50 * K)]),
    ]
    assert middle.filled_ranges() == []
    assert middle.progress.bytes_total == bl.BG_SIZE_UNKNOWN  # never connected for (L14)


def test_r4_a_report_lists_merged_ranges_filled_since_the_previous_one(sim: bl.Simulation) -> None:
    """R4: a report's ranges are sorted and merged (offset, length) pairs, only of bytes
    filled since the previous report."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", sizes=(2 * MB,), on_demand=True, flags=FLAGS, notifier=rec)
    file = job.files[0]
    file.request_ranges([(0, 100 * K), (600 * K, 500 * K)])
    file.request_ranges([(100 * K, 100 * K)])  # touches the first: merges in the report
    file.request_ranges([(300 * K, 100 * K)])
    job.resume()
    sim.run()
    # queue: 0..100k, 600k..1.1M, 100k..200k, 300k..400k. By the tick at 0.55, 500,000 bytes
    # (0..100k and 600k..1M); the last 300,000 by 0.85
    assert reports(rec) == [
        (0.55, "f0.bin", [(0, 100 * K), (600 * K, 400 * K)]),
        (0.85, "f0.bin", [(100 * K, 100 * K), (300 * K, 100 * K), (MB, 100 * K)]),
    ]


@pytest.mark.parametrize("stop", ["suspend", "outage"])
def test_r4_bytes_left_when_the_job_stops_are_reported_at_the_next_tick(
    stop: str, sim: bl.Simulation
) -> None:
    """R4, L4, L9: bytes filled before a suspend or an outage are reported at the next tick,
    though the job is no longer TRANSFERRING; the rest follow when it runs again."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    job.files[0].request_ranges([(0, 800 * K)])
    job.resume()
    if stop == "suspend":
        sim.call_at(0.3, job.suspend)
    else:
        sim.network.outage(0.3, 1.0)
    sim.run(until=1.0)
    # 250,000 bytes from 0.05 to 0.30; the tick one period after 0.05
    assert reports(rec) == [(0.55, "f0.bin", [(0, 250 * K)])]
    assert job.state is (S.SUSPENDED if stop == "suspend" else S.TRANSIENT_ERROR)
    if stop == "suspend":
        job.resume()  # at 1.0: TRANSFERRING at 1.05
    sim.run()
    again = 1.05 if stop == "suspend" else 1.35  # reconnect at 1.30 (L4), connect 0.05
    # 550,000 bytes left: a tick 0.5 s in, the rest at once when they are in
    assert reports(rec)[1:] == [
        (round(again + 0.5, 6), "f0.bin", [(250 * K, 500 * K)]),
        (round(again + 0.55, 6), "f0.bin", [(750 * K, 50 * K)]),
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
    job.files[0].request_ranges([(0, 100 * K), (200 * K, 100 * K)])
    job.resume()
    sim.run()
    (entry,) = report_entries(sim)
    assert entry.ranges == ((0, 100 * K), (200 * K, 100 * K))
    assert isinstance(entry.ranges, tuple)
    others = [e for e in sim.log if e.method != REPORT]
    assert others
    assert all(e.ranges is None for e in others)
    frame = sim.log.to_dataframe()
    assert "ranges" in frame.columns
    rows = frame[frame["method"] == REPORT]
    assert [list(r) for r in rows["ranges"]] == [[(0, 100 * K), (200 * K, 100 * K)]]
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
    assert [m for _, m in methods(rec)] == [REPORT]
    assert not sim.log.entries(job, method="file_transferred")
    assert not sim.log.entries(job, method="job_transferred")


def test_r5_when_every_file_is_whole_the_job_becomes_transferred_under_r5(
    sim: bl.Simulation,
) -> None:
    """R5, C1, C4: requests that cover every file make each file whole (file_transferred,
    completed) and the job TRANSFERRED, with rule R5."""
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
    assert [f.progress.completed for f in job.files] == [True, True]
    assert job.progress == (500 * K, 500 * K, 2, 2)
    assert methods(rec) == [
        (0.25, "file_transferred"),
        (0.55, REPORT),
        (0.55, REPORT),
        (0.6, REPORT),
        (0.6, "file_transferred"),
        (0.6, "job_transferred"),
    ]
    # the tick at 0.55 reports both files: all of the first, the second's 250,000 so far
    assert reports(rec) == [
        (0.55, "f0.bin", [(0, 200 * K)]),
        (0.55, "f1.bin", [(0, 250 * K)]),
        (0.6, "f1.bin", [(250 * K, 50 * K)]),
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
    assert (whole.progress.completed, partial.progress.completed) == (True, False)
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
    assert [(t, f) for t, f, _ in reports(rec)] == [(0.3, "f0.bin"), (0.3, "f2.bin")]


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
    assert reports(rec) == [
        (0.55, "f0.bin", [(0, 250 * K)]),
        (1.4, "f0.bin", [(250 * K, 500 * K)]),
        (1.65, "f0.bin", [(750 * K, 250 * K)]),
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


# -- R6: range reports of a job that is not on-demand -------------------------------------------


def test_r6_ranges_left_when_on_demand_mode_is_turned_off_end_not_on_demand(
    sim: bl.Simulation,
) -> None:
    """R6: bytes filled on demand but not yet reported when the mode is turned off are
    reported at the next tick, and that report ends not_on_demand; nothing is called."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    job.files[0].request_ranges([(0, 600 * K)])
    job.resume()
    sim.call_at(0.3, job.set_property, P.ON_DEMAND_MODE, False)
    sim.run()
    # 250,000 bytes by 0.30; then the whole file: the rest by 1.05 (L3)
    assert steps(job, 4) == [(1.05, S.TRANSFERRING, S.TRANSFERRED, "L3")]
    assert [(round(e.time, 6), e.outcome, e.rule, e.ranges) for e in report_entries(sim)] == [
        (0.55, "not_on_demand", "R6", ((0, 250 * K),))
    ]
    assert reports(rec) == []
    assert [m for _, m in methods(rec)] == ["file_transferred", "job_transferred"]


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
    """R6, F8: on demand, but without FILE_RANGES_TRANSFERRED, each report ends filtered."""
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
    # a tick at 0.55 (500,000 bytes) and the rest at 0.75
    entries = report_entries(sim)
    assert [(round(e.time, 6), e.outcome, e.rule) for e in entries] == [
        (0.55, "filtered", "F8"),
        (0.75, "filtered", "F8"),
    ]
    assert [e.ranges for e in entries] == [((0, 500 * K),), ((500 * K, 200 * K),)]
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
    again, and the next report holds only newer bytes."""
    rec = bl.RecordingNotifier(returns={REPORT: False})
    job = make_job(sim, name="od", on_demand=True, flags=FLAGS, notifier=rec)
    job.minimum_retry_delay = 5
    job.files[0].request_ranges([(0, 800 * K)])
    job.resume()
    sim.run()
    sim.run(until=sim.now + 3 * 5)  # well past any retry delay
    # a tick at 0.55 (500,000 bytes), the last 300,000 at 0.85
    assert reports(rec) == [
        (0.55, "f0.bin", [(0, 500 * K)]),
        (0.85, "f0.bin", [(500 * K, 300 * K)]),
    ]
    entries = sim.log.entries(job, method=REPORT)
    assert [(e.outcome, e.rule, e.final, e.attempt) for e in entries] == [
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
    is final and nothing more is raised, so run() does not wait."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, name="od", sizes=(10 * MB,), on_demand=True, flags=FLAGS, notifier=rec)
    job.set_property(P.MINIMUM_NOTIFICATION_INTERVAL_MS, 2000)
    job.files[0].request_ranges([(0, 5 * MB)])
    job.resume()
    sim.call_at(0.3, getattr(job, stop))
    sim.run()
    assert sim.quiet
    # TRANSFERRING at 0.05; 250,000 bytes by 0.3; the first look is 2 s after 0.05
    assert job.files[0].filled_ranges() == [(0, 250 * K)]
    if stop == "suspend":
        assert reports(rec) == [(2.05, "f0.bin", [(0, 250 * K)])]
        assert sim.now == pytest.approx(2.05)
    else:
        assert reports(rec) == []
        assert sim.log.entries(method=REPORT) == []
        assert sim.now < 2.0
