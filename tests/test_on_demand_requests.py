"""Requesting byte ranges (R2, R3): which ranges are accepted, and no byte fetched twice,
through the public API and ``sim.log``.

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
    K,
    Pairs,
    S,
    assert_no_effect,
    reports,
    resume,
    suspended_job,
    transferring_job,
)
from support import make_job, steps

import bitslab as bl

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
    assert file.transferred


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
    # the first look (0.15) reports at once (C7), and the last range the rest, at once (R4)
    assert reports(rec) == [
        (0.15, "f0.bin", [(0, 100 * K)]),
        (0.4, "f0.bin", [(100 * K, 250 * K)]),
    ]


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
    # the first look (0.15, C7), the last range (0.35, R4), then the 50,000 new bytes
    assert [r[2] for r in reports(rec)] == [
        [(0, 100 * K)],
        [(100 * K, 200 * K)],
        [(300 * K, 50 * K)],
    ]
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
    assert len(reports(rec)) == 3


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
    # the first look (0.15, C7) finds the oldest request whole; the last range brings the rest
    assert reports(rec) == [
        (0.15, "f0.bin", [(800 * K, 100 * K)]),
        (0.4, "f0.bin", [(0, 150 * K), (400 * K, 100 * K)]),
    ]


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
    # the first look at 0.15 (C7), a tick at 0.65 (600,000 bytes by then), the rest at once
    # when it arrives
    assert reports(rec) == [
        (0.15, "f0.bin", [(0, 100 * K)]),
        (0.65, "f0.bin", [(100 * K, 500 * K)]),
        (0.75, "f0.bin", [(600 * K, 100 * K)]),
    ]
