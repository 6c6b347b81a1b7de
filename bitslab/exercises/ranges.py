"""Exercise "just-the-bytes": on-demand byte ranges (R1-R5)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._check import got, safe_text
from ..constants import JobProperty, NotifyFlags
from ..errors import BitsError
from ..model.notifiers import RecordingNotifier
from ..simulation import Simulation
from ..vocabulary import Method
from .base import MIRROR, Exercise, Malformed, Point, delivered, plural

# --- 6. just the bytes you need ------------------------------------------------------------


class JustTheBytes(Exercise):
    id = "just-the-bytes"
    title = "Just the bytes you need"
    rules = ("R1", "R2", "R3", "R4", "R5")
    answer_form = "a list of (offset, length) pairs of ints, for file.request_ranges"
    form_hint = "a list of pairs: [(offset, length), ...]; offsets count from 0"
    task = (
        "A media player streams movie.mp4 (10,000,000 bytes) through an on-demand job. Before\n"
        "it can play, it needs the header, the first 65,536 bytes, and the index, the last\n"
        "100,000 bytes of the file. Ask for exactly those bytes: no byte more."
    )
    size = 10_000_000
    needed = ((0, 65_536), (9_900_000, 100_000))

    def _parse(self, answer: Any) -> list[tuple[int, int]]:
        if isinstance(answer, str | bytes) or not isinstance(answer, list | tuple):
            raise Malformed(
                f"the answer must be a list of (offset, length) pairs, got {got(answer)}"
            )
        pairs = []
        for item in answer:
            if not isinstance(item, tuple | list) or len(item) != 2:
                raise Malformed(f"each range must be an (offset, length) pair, got {got(item)}")
            for name, value in zip(("offset", "length"), item, strict=True):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise Malformed(
                        f"{name} must be an int, got {got(value)} in {safe_text(item, limit=80)}"
                    )
            pairs.append((item[0], item[1]))
        if not pairs:
            raise Malformed("the list of ranges is empty")
        return pairs

    def _world(self, answer: list[tuple[int, int]] | None, raise_own: bool = False) -> Simulation:
        sim = Simulation(seed=0, bandwidth=1_000_000)
        app = sim.add_app("player")
        movie = sim.create_job("movie")
        file = movie.add_file(MIRROR + "movie.mp4", "movie.mp4", size=self.size)
        movie.set_property(JobProperty.ON_DEMAND_MODE, True)
        movie.set_notify_flags(
            NotifyFlags.JOB_TRANSFERRED
            | NotifyFlags.JOB_ERROR
            | NotifyFlags.FILE_RANGES_TRANSFERRED
        )
        movie.set_notify_interface(RecordingNotifier(app))
        if answer is not None:
            file.request_ranges(answer)
        movie.resume()
        sim.run()
        return sim

    def _judge(self, sim: Simulation, answer: list[tuple[int, int]]) -> Iterator[Point]:
        (movie,) = sim.jobs
        (file,) = movie.files
        have = file.filled_ranges()
        lacking = [
            (name, (offset, length), _gaps(have, offset, length))
            for name, (offset, length) in zip(("header", "index"), self.needed, strict=True)
        ]
        lacking = [row for row in lacking if row[2]]
        if lacking:
            yield Point(
                False,
                "the player still lacks "
                + " and ".join(_lacks(name, needed, gaps) for name, needed, gaps in lacking),
                _ranges_hint(*lacking[0]),
            )
        else:
            yield Point(True, "the header and the index are both in (R5)")
        extra = sum(n for _, n in have) - _overlap(have, list(self.needed))
        if extra > 0:
            yield Point(
                False,
                f"{plural(extra, 'byte')} more than needed "
                + ("was downloaded" if extra == 1 else "were downloaded"),
                "each byte you ask for is downloaded; overlapping asks are not (R3)",
            )
        reported = [
            r for e in delivered(sim, movie, Method.FILE_RANGES_TRANSFERRED) for r in e.ranges or ()
        ]
        if not lacking and extra <= 0:
            yield Point(
                True,
                f"the player heard about {len(reported)} ranges by file_ranges_transferred (R4)",
            )
            yield Point(True, f"the job waits in {movie.state.name}: the file is not whole (R5)")

    def _refused_hint(self, error: BitsError, answer: list[tuple[int, int]]) -> str | None:
        if any(length == 0 for _, length in answer):  # R2 refuses it, though it ends inside
            return (
                "a range must hold at least one byte (length > 0) and end inside the file: "
                "offset + length <= size (R2)"
            )
        return "a range must end inside the file: offset + length <= size (R2)"


def _gaps(have: list[tuple[int, int]], offset: int, length: int) -> list[tuple[int, int]]:
    """The pieces of ``(offset, length)`` that ``have`` (disjoint, sorted ranges) lacks."""
    gaps, at, end = [], offset, offset + length
    for start, size in sorted(have):
        if start > at and at < end:
            gaps.append((at, min(start, end) - at))
        at = max(at, start + size)
    if at < end:
        gaps.append((at, end - at))
    return gaps


def _lacks(name: str, needed: tuple[int, int], gaps: list[tuple[int, int]]) -> str:
    """What is missing of one needed piece; where, unless all of it is (that would tell)."""
    if gaps == [needed]:
        return f"all {plural(needed[1], 'byte')} of the {name}"
    return f"{plural(sum(n for _, n in gaps), 'byte')} of the {name} ({_where(gaps)})"


def _where(gaps: list[tuple[int, int]]) -> str:
    """Where the missing bytes are: "at 65,535" or "9,900,000 to 9,999,999", ..."""
    return ", ".join(
        f"at {start:,}" if size == 1 else f"{start:,} to {start + size - 1:,}"
        for start, size in gaps
    )


def _ranges_hint(name: str, needed: tuple[int, int], gaps: list[tuple[int, int]]) -> str:
    """A hint from how the first missing piece sits in what was needed."""
    if gaps == [needed]:
        where = "the file's last byte is at size - 1" if name == "index" else "offsets count from 0"
        return f"none of the {name} came: where does it start? A range is (offset, length); {where}"
    if gaps[0][0] == needed[0]:
        return f"the start of the {name} is missing: does your range start where the {name} starts?"
    return (
        f"the end of the {name} is missing: a range (offset, length) covers offset to "
        "offset + length - 1; is yours long enough, and does it start where the "
        f"{name} starts?"
    )


def _overlap(have: list[tuple[int, int]], wanted: list[tuple[int, int]]) -> int:
    """How many bytes of ``wanted`` lie in ``have`` (each a list of disjoint ranges)."""
    return sum(max(0, min(o + n, w + m) - max(o, w)) for o, n in have for w, m in wanted)
