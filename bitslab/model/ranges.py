"""Byte ranges of a file: what is present, what is asked for, what has been reported (R2-R5).

Internally a range is half-open, ``[start, end)``; users see BITS's ``(offset, length)`` pairs
(BG_FILE_RANGE). Two structures serve the on-demand model:

- :class:`RangeSet`: a sorted set of disjoint, non-touching ranges (what is filled, what has
  not been reported yet). Adding merges, removing splits.
- :class:`RangeQueue`: the bytes still wanted, in the order they were requested (each request's
  new pieces in offset order), so that BITS fetches the oldest request first (model choice).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable, Iterator

__all__ = ["RangeQueue", "RangeSet", "Span"]

#: A half-open byte range ``(start, end)``.
Span = tuple[int, int]


class RangeSet:
    """A set of bytes kept as sorted, merged half-open ranges.

    >>> s = RangeSet([(0, 10), (20, 30)])
    >>> s.add(5, 25)
    10
    >>> s.pairs()
    [(0, 30)]
    >>> s.remove(10, 12)
    >>> s.pairs(), s.total
    ([(0, 10), (12, 18)], 28)
    """

    __slots__ = ("_ends", "_starts", "total")

    def __init__(self, spans: Iterable[Span] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self.total = 0
        for start, end in spans:
            self.add(start, end)

    def __bool__(self) -> bool:
        return bool(self._starts)

    def __iter__(self) -> Iterator[Span]:
        return zip(self._starts, self._ends, strict=True)

    def __len__(self) -> int:
        return len(self._starts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RangeSet):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"RangeSet({list(self)!r})"

    def pairs(self) -> list[tuple[int, int]]:
        """The ranges as ``(offset, length)`` pairs, in offset order."""
        return [(start, end - start) for start, end in self]

    def copy(self) -> RangeSet:
        """A new set of the same bytes."""
        return RangeSet(self)

    def add(self, start: int, end: int) -> int:
        """Add ``[start, end)``; return how many of its bytes were not in the set before."""
        if start >= end:
            return 0
        # Ranges that overlap or touch [start, end) merge with it.
        lo = bisect_left(self._ends, start)
        hi = bisect_right(self._starts, end)
        covered = 0
        new_start, new_end = start, end
        for i in range(lo, hi):
            s, e = self._starts[i], self._ends[i]
            covered += max(0, min(e, end) - max(s, start))
            new_start, new_end = min(new_start, s), max(new_end, e)
            self.total -= e - s
        self._starts[lo:hi] = [new_start]
        self._ends[lo:hi] = [new_end]
        self.total += new_end - new_start
        return (end - start) - covered

    def remove(self, start: int, end: int) -> None:
        """Remove every byte of ``[start, end)`` from the set."""
        if start >= end:
            return
        lo = bisect_right(self._ends, start)
        hi = bisect_left(self._starts, end)
        if lo >= hi:
            return
        keep_starts: list[int] = []
        keep_ends: list[int] = []
        first_s, last_e = self._starts[lo], self._ends[hi - 1]
        for i in range(lo, hi):
            self.total -= self._ends[i] - self._starts[i]
        if first_s < start:
            keep_starts.append(first_s)
            keep_ends.append(start)
        if last_e > end:
            keep_starts.append(end)
            keep_ends.append(last_e)
        self._starts[lo:hi] = keep_starts
        self._ends[lo:hi] = keep_ends
        self.total += sum(e - s for s, e in zip(keep_starts, keep_ends, strict=True))

    def covers(self, start: int, end: int) -> bool:
        """True when every byte of ``[start, end)`` is in the set."""
        if start >= end:
            return True
        i = bisect_right(self._starts, start) - 1
        return i >= 0 and self._ends[i] >= end

    def missing(self, start: int, end: int) -> list[Span]:
        """The parts of ``[start, end)`` not in the set, in offset order."""
        gaps: list[Span] = []
        at = start
        i = bisect_right(self._ends, start)
        while at < end and i < len(self._starts):
            s, e = self._starts[i], self._ends[i]
            if s >= end:
                break
            if s > at:
                gaps.append((at, s))
            at = max(at, e)
            i += 1
        if at < end:
            gaps.append((at, end))
        return gaps


class RangeQueue:
    """Disjoint byte ranges in the order they were asked for; bytes leave from the front.

    :attr:`bytes` holds the same bytes as a :class:`RangeSet`, for lookups.
    """

    __slots__ = ("_pieces", "bytes")

    def __init__(self) -> None:
        self._pieces: deque[Span] = deque()
        self.bytes = RangeSet()

    @property
    def total(self) -> int:
        """How many bytes are queued."""
        return self.bytes.total

    def __bool__(self) -> bool:
        return bool(self._pieces)

    def __iter__(self) -> Iterator[Span]:
        return iter(self._pieces)

    def append(self, start: int, end: int) -> None:
        """Queue ``[start, end)``, which must not overlap what is queued already."""
        if start < end:
            self._pieces.append((start, end))
            self.bytes.add(start, end)

    def take(self, count: int) -> list[Span]:
        """Remove and return the first ``count`` bytes (or all, if fewer are queued)."""
        taken: list[Span] = []
        pieces = self._pieces
        while count > 0 and pieces:
            start, end = pieces[0]
            if end - start <= count:
                pieces.popleft()
                taken.append((start, end))
                count -= end - start
            else:
                pieces[0] = (start + count, end)
                taken.append((start, start + count))
                count = 0
        for start, end in taken:
            self.bytes.remove(start, end)
        return taken

    def peek(self, count: int) -> list[Span]:
        """The first ``count`` bytes, without removing them."""
        peeked: list[Span] = []
        for start, end in self._pieces:
            if count <= 0:
                break
            stop = min(end, start + count)
            peeked.append((start, stop))
            count -= stop - start
        return peeked

    def remove(self, start: int, end: int) -> None:
        """Forget the bytes of ``[start, end)`` (they arrived another way)."""
        if start >= end or self.bytes.missing(start, end) == [(start, end)]:
            return  # none of these bytes is queued
        kept: deque[Span] = deque()
        for s, e in self._pieces:
            if e <= start or s >= end:
                kept.append((s, e))
                continue
            if s < start:
                kept.append((s, start))
            if e > end:
                kept.append((end, e))
        self._pieces = kept
        self.bytes.remove(start, end)
