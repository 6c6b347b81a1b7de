"""A job's progress: the bytes that arrived, the trace of how they grew, the next file (L14, S4).

:class:`Ledger` is the part of a :class:`~bitslab.Job` (``job.ledger``) that counts bytes and
picks the file to fetch next. It owns one derived total, the bytes banked in the files'
checkpoints (kept in step by :meth:`Ledger.bank`, the one place a file's checkpoint moves), so
that "bytes arrived" is O(1) (C3's check runs every interval); and the trace behind
:meth:`Ledger.progress_trace`. The job's public methods and the transfer use it; none of its
methods is a BITS method.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, NamedTuple

from ..constants import BG_SIZE_UNKNOWN

if TYPE_CHECKING:
    from .agenda import Agenda
    from .files import File
    from .jobs import Job
    from .lane import Lane
    from .transfer import Transfer

__all__ = ["JobProgress", "Ledger"]


class JobProgress(NamedTuple):
    """L14: a job's progress; ``bytes_total`` is BG_SIZE_UNKNOWN until every size is known."""

    bytes_total: int
    bytes_transferred: int
    files_total: int
    files_transferred: int


class Ledger:
    """One job's bytes, progress trace and next file (see the module's docstring)."""

    __slots__ = ("_agenda", "_banked", "_first_open", "_job", "_running", "_trace")

    def __init__(self, job: Job, agenda: Agenda, running: Mapping[Job, Transfer]) -> None:
        self._job = job
        self._agenda = agenda
        self._running = running  # the scheduler's, read-only: each running job's transfer
        self._banked = 0.0  # bytes held in the files' checkpoints (the sum of their done)
        self._first_open = 0  # files before this index are transferred (see next_file)
        # Bytes at each checkpoint, and the lane they flow in after it (see progress_trace()).
        self._trace: list[tuple[float, float, Lane | None]] = [(agenda.now(), 0.0, None)]

    def progress(self) -> JobProgress:
        """L14: bytes and files, total and transferred; a new job reports zeros.
        ``files_transferred`` counts the files whose bytes have all arrived (BG_JOB_PROGRESS's
        FilesTransferred), which a download file's ``progress.completed`` waits for
        ``complete()`` to say."""
        files = self._job.files
        each = [file.progress for file in files]
        known = all(p.bytes_total != BG_SIZE_UNKNOWN for p in each)
        return JobProgress(
            sum(p.bytes_total for p in each) if known else BG_SIZE_UNKNOWN,
            sum(p.bytes_transferred for p in each),
            len(each),
            sum(file.transferred for file in files),
        )

    def bytes_arrived(self) -> float:
        """Bytes arrived so far, with the fraction of the next one, in O(1): the banked ones,
        and those flowing since the transfer's last checkpoint."""
        transfer = self.transfer()
        file = None if transfer is None else transfer.file
        if transfer is None or file is None:
            return self._banked
        return self._banked + transfer.transferred(file) - file.done

    def progress_trace(self) -> list[tuple[float, int]]:
        """How the bytes transferred grew: ``(time, bytes)`` points, the last one now (see
        :meth:`bitslab.Job.progress_trace`)."""
        trace = self._trace
        now = self._agenda.now()
        points: list[tuple[float, int]] = []
        for index, (time, done, lane) in enumerate(trace):
            points.append((time, int(done + 1e-6)))
            if lane is None:
                continue
            # S5: the rate changed whenever the lane's did; the lane kept those moments.
            until = trace[index + 1][0] if index + 1 < len(trace) else now
            base = lane.position_at(time)
            first = bisect_right(lane.changes, (time, math.inf, 0.0))
            for moment, position, _ in itertools.islice(lane.changes, first, None):
                if moment >= until:
                    break
                points.append((moment, int(done + position - base + 1e-6)))
        last = (now, self.progress().bytes_transferred)
        if points[-1][0] < last[0]:
            points.append(last)
        return points

    def transfer(self) -> Transfer | None:
        """The job's turn on the link, while it has one (the scheduler owns that link)."""
        job, running = self._job, self._running
        # A read-only view's get() looks "get" up on the dict it wraps; ``in`` and ``[]`` go
        # straight to the dict (the ledger asks at every checkpoint).
        return running[job] if job in running else None  # noqa: SIM401 (see above)

    def next_file(self) -> File | None:
        """S4: files transfer one at a time, in the order added; R5: on demand, only those
        with requested bytes outstanding."""
        files = self._job.files
        # A transferred file never needs a turn again, so the scan starts after the first ones
        # that are transferred (without this, a job of n files would scan n^2 / 2 of them).
        first = self._first_open
        while first < len(files) and files[first].transferred:
            first += 1
        self._first_open = first
        for index in range(first, len(files)):
            if files[index].needs_turn():
                return files[index]
        return None

    def learn_size(self, file: File) -> None:
        """L14: the server told BITS ``file``'s size; L17: if the download restarts there
        (another server's file of another size), its bytes leave the job's total."""
        before = file.done
        if not file.learn_size():
            return
        # The trace drops straight down: the bytes held until now, then what is left.
        now = self._agenda.now()
        if self._trace[-1][0] != now:
            self._trace.append((now, self._banked, None))
        self._banked -= before
        self._trace.append((now, self._banked, None))

    def bank(self, file: File, done: float) -> None:
        """A checkpoint of ``file``: ``done`` of its bytes are present (the transfer calls it;
        the job's total moves with the file)."""
        self._banked += done - file.done
        file.advance(done)

    def note_progress(self) -> None:
        """Bytes started or stopped flowing, or were banked: keep a point of the trace, with
        the lane the bytes flow in from now (None when they do not)."""
        transfer = self.transfer()
        lane = transfer.lane if transfer is not None and transfer.file is not None else None
        point = (self._agenda.now(), self.bytes_arrived(), lane)
        if self._trace[-1][0] == point[0]:
            self._trace[-1] = point
        else:
            self._trace.append(point)

    def change_work(self, change: Callable[[], None]) -> None:
        """Apply ``change`` to what the job must fetch (a request, on-demand mode on or off,
        R5), keeping a transfer under way in step: bytes so far count under the old plan."""
        transfer = self.transfer()
        if transfer is not None and transfer.file is None:
            transfer = None
        if transfer is not None:
            transfer.checkpoint()
        change()
        if transfer is not None:
            transfer.replan()
