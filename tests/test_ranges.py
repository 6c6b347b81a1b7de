"""Byte ranges: ``bitslab.model.ranges.RangeSet`` and ``RangeQueue`` (the internals of R2-R5).

An internal module, tested directly because the on-demand model rests on it: a RangeSet is
what is filled or not yet reported, a RangeQueue what is wanted, oldest request first. Spans
are half-open ``(start, end)``; ``RangeSet.pairs()`` turns them into BITS's
``(offset, length)``. The last tests run random operation sequences against a naive model:
a Python set of byte offsets (and, for the queue, a list of offsets in request order).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bitslab.model.ranges import RangeQueue, RangeSet, Span

# -- RangeSet ------------------------------------------------------------------------------


def test_an_empty_range_set_has_no_bytes() -> None:
    empty = RangeSet()
    assert not empty
    assert len(empty) == 0
    assert empty.total == 0
    assert list(empty) == []
    assert empty.pairs() == []
    assert empty == RangeSet([])


def test_range_set_from_spans_sorts_and_merges_them() -> None:
    spans = RangeSet([(20, 30), (0, 10), (8, 12), (30, 35)])
    # (0, 10) and (8, 12) overlap; (20, 30) and (30, 35) touch: half-open, so they merge
    assert list(spans) == [(0, 12), (20, 35)]
    assert spans.pairs() == [(0, 12), (20, 15)]
    assert spans.total == 12 + 15
    assert len(spans) == 2
    assert bool(spans)


def test_add_returns_the_number_of_new_bytes() -> None:
    spans = RangeSet([(10, 20)])
    assert spans.add(0, 5) == 5  # all new
    assert spans.add(12, 18) == 0  # all present
    assert spans.add(15, 25) == 5  # 20..25 are new
    assert spans.add(0, 30) == 5 + 5  # the gap 5..10 and 25..30
    assert list(spans) == [(0, 30)]
    assert spans.total == 30


def test_add_an_empty_or_reversed_span_changes_nothing() -> None:
    spans = RangeSet([(10, 20)])
    assert spans.add(5, 5) == 0
    assert spans.add(30, 25) == 0
    assert list(spans) == [(10, 20)]
    assert spans.total == 10


def test_add_a_span_that_bridges_several_ranges_merges_them_all() -> None:
    spans = RangeSet([(0, 2), (4, 6), (8, 10), (20, 22)])
    assert spans.add(1, 9) == (4 - 2) + (8 - 6)
    assert list(spans) == [(0, 10), (20, 22)]
    assert spans.total == 12


def test_remove_splits_a_range_and_keeps_the_total() -> None:
    spans = RangeSet([(0, 30)])
    spans.remove(10, 12)
    assert list(spans) == [(0, 10), (12, 30)]
    assert spans.total == 28
    spans.remove(5, 25)  # across the hole
    assert list(spans) == [(0, 5), (25, 30)]
    assert spans.total == 10


def test_remove_bytes_that_are_not_there_changes_nothing() -> None:
    spans = RangeSet([(10, 20), (30, 40)])
    spans.remove(20, 30)  # exactly the gap between them
    spans.remove(0, 10)  # touches the first one from the left
    spans.remove(45, 50)
    spans.remove(35, 35)  # empty
    assert list(spans) == [(10, 20), (30, 40)]
    assert spans.total == 20


def test_remove_whole_ranges_drops_them() -> None:
    spans = RangeSet([(0, 5), (10, 15), (20, 25)])
    spans.remove(0, 15)
    assert list(spans) == [(20, 25)]
    spans.remove(0, 100)
    assert not spans
    assert spans.total == 0


def test_covers_is_true_only_when_every_byte_is_in_one_range() -> None:
    spans = RangeSet([(10, 20), (20, 30), (40, 50)])  # the first two merge
    assert spans.covers(10, 30)
    assert spans.covers(15, 16)
    assert spans.covers(5, 5)  # an empty span is covered
    assert not spans.covers(9, 11)
    assert not spans.covers(25, 45)  # the gap 30..40 is missing
    assert not spans.covers(49, 51)
    assert not RangeSet().covers(0, 1)


def test_missing_lists_the_gaps_in_offset_order() -> None:
    spans = RangeSet([(10, 20), (30, 40)])
    assert spans.missing(0, 50) == [(0, 10), (20, 30), (40, 50)]
    assert spans.missing(15, 35) == [(20, 30)]
    assert spans.missing(10, 20) == []
    assert spans.missing(20, 30) == [(20, 30)]
    assert RangeSet().missing(3, 7) == [(3, 7)]


def test_copy_is_independent_of_the_original() -> None:
    spans = RangeSet([(0, 10)])
    twin = spans.copy()
    assert twin == spans
    twin.add(20, 30)
    spans.remove(0, 5)
    assert list(spans) == [(5, 10)]
    assert list(twin) == [(0, 10), (20, 30)]
    assert (spans.total, twin.total) == (5, 20)


def test_range_sets_compare_by_content_and_are_not_hashable() -> None:
    assert RangeSet([(0, 5), (5, 10)]) == RangeSet([(0, 10)])
    assert RangeSet([(0, 5)]) != RangeSet([(0, 6)])
    assert RangeSet() != [(0, 5)]
    with pytest.raises(TypeError):
        hash(RangeSet())
    assert repr(RangeSet([(1, 3)])) == "RangeSet([(1, 3)])"


# -- RangeQueue ----------------------------------------------------------------------------


def test_an_empty_queue_gives_nothing() -> None:
    queue = RangeQueue()
    assert not queue
    assert queue.total == 0
    assert queue.take(10) == []
    assert queue.peek(10) == []
    assert list(queue) == []


def test_queue_keeps_request_order_not_offset_order() -> None:
    queue = RangeQueue()
    queue.append(80, 90)
    queue.append(0, 10)
    queue.append(40, 45)
    queue.append(50, 50)  # empty: ignored
    assert list(queue) == [(80, 90), (0, 10), (40, 45)]
    assert queue.total == 25
    assert queue.take(12) == [(80, 90), (0, 2)]  # the front piece first, then a split
    assert list(queue) == [(2, 10), (40, 45)]
    assert queue.total == 13


def test_take_more_than_queued_takes_everything() -> None:
    queue = RangeQueue()
    queue.append(5, 10)
    queue.append(0, 3)
    assert queue.take(100) == [(5, 10), (0, 3)]
    assert not queue
    assert queue.total == 0
    assert queue.take(1) == []


def test_take_nothing_or_a_negative_count_takes_nothing() -> None:
    queue = RangeQueue()
    queue.append(0, 10)
    assert queue.take(0) == []
    assert queue.take(-5) == []
    assert list(queue) == [(0, 10)]
    assert queue.total == 10


def test_peek_shows_what_take_would_take_and_removes_nothing() -> None:
    queue = RangeQueue()
    queue.append(30, 40)
    queue.append(0, 10)
    assert queue.peek(15) == [(30, 40), (0, 5)]
    assert queue.peek(0) == []
    assert queue.peek(100) == [(30, 40), (0, 10)]
    assert list(queue) == [(30, 40), (0, 10)]
    assert queue.total == 20
    assert queue.take(15) == [(30, 40), (0, 5)]


def test_queue_remove_forgets_bytes_and_keeps_the_order_of_the_rest() -> None:
    queue = RangeQueue()
    queue.append(50, 60)
    queue.append(0, 20)
    queue.append(30, 40)
    queue.remove(5, 55)  # splits (0, 20), drops (30, 40), trims (50, 60)
    assert list(queue) == [(55, 60), (0, 5)]
    assert queue.total == 10
    queue.remove(100, 200)
    queue.remove(3, 3)
    assert list(queue) == [(55, 60), (0, 5)]
    queue.remove(0, 100)
    assert not queue
    assert queue.total == 0


# -- against a naive model -------------------------------------------------------------------

LIMIT = 60  # offsets 0..60: small enough that random spans collide often


def spans() -> st.SearchStrategy[Span]:
    """Spans of 0..LIMIT, empty and reversed ones included."""
    return st.tuples(st.integers(0, LIMIT), st.integers(0, LIMIT))


def runs(offsets: list[int]) -> list[Span]:
    """Consecutive offsets grouped into half-open spans, in the order given."""
    out: list[Span] = []
    for offset in offsets:
        if out and out[-1][1] == offset:
            out[-1] = (out[-1][0], offset + 1)
        else:
            out.append((offset, offset + 1))
    return out


def flatten(pieces: list[Span]) -> list[int]:
    return [offset for start, end in pieces for offset in range(start, end)]


def check_set(spans_: RangeSet, model: set[int]) -> None:
    """The set's spans are sorted, disjoint and not touching, and hold exactly the model."""
    listed = list(spans_)
    assert all(start < end for start, end in listed)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(listed)), listed
    assert listed == runs(sorted(model))
    assert spans_.total == len(model)
    assert spans_.pairs() == [(start, end - start) for start, end in listed]
    assert bool(spans_) == bool(model)
    assert len(spans_) == len(listed)


SET_OPS = st.lists(
    st.tuples(st.sampled_from(["add", "remove", "missing", "covers", "copy"]), spans()),
    max_size=40,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(spans(), max_size=4), SET_OPS)
def test_range_set_behaves_like_a_set_of_byte_offsets(
    initial: list[Span], ops: list[tuple[str, Span]]
) -> None:
    """Every RangeSet operation agrees with a plain set of byte offsets."""
    spans_ = RangeSet(initial)
    model = {offset for start, end in initial for offset in range(start, end)}
    check_set(spans_, model)
    for op, (start, end) in ops:
        wanted = set(range(start, end))
        if op == "add":
            assert spans_.add(start, end) == len(wanted - model)
            model |= wanted
        elif op == "remove":
            spans_.remove(start, end)
            model -= wanted
        elif op == "missing":
            assert spans_.missing(start, end) == runs(sorted(wanted - model))
        elif op == "covers":
            assert spans_.covers(start, end) == (wanted <= model)
        else:  # copy: an equal, independent set
            twin = spans_.copy()
            assert twin == spans_
            twin.add(0, LIMIT + 1)
            twin.remove(0, LIMIT + 1)
            check_set(spans_, model)
            assert not twin
        check_set(spans_, model)


QUEUE_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), spans()),
        st.tuples(st.just("remove"), spans()),
        st.tuples(st.sampled_from(["take", "peek"]), st.integers(-2, LIMIT + 5)),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(QUEUE_OPS)
def test_range_queue_behaves_like_a_list_of_byte_offsets_in_request_order(
    ops: list[tuple[str, Any]],
) -> None:
    """append (of bytes not queued yet, as File._want does), take, peek and remove agree with
    a list of offsets in the order they were asked for; no offset is ever queued twice."""
    queue = RangeQueue()
    model: list[int] = []
    for op, argument in ops:
        if op == "append":
            start, end = argument
            queued = RangeSet(queue)
            for gap_start, gap_end in queued.missing(start, end):
                queue.append(gap_start, gap_end)
            model += [o for o in range(start, end) if o not in set(model)]
        elif op == "remove":
            start, end = argument
            queue.remove(start, end)
            model = [o for o in model if not start <= o < end]
        elif op == "peek":
            count = max(argument, 0)
            peeked = queue.peek(argument)
            assert flatten(peeked) == model[:count]
            assert all(start < end for start, end in peeked)
        else:
            count = max(argument, 0)
            taken = queue.take(argument)
            assert flatten(taken) == model[:count]
            assert all(start < end for start, end in taken)
            model = model[count:]
        assert flatten(list(queue)) == model
        assert len(set(model)) == len(model)
        assert queue.total == len(model)
        assert bool(queue) == bool(model)
