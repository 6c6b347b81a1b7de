"""One job's turn on the link: connect, learn sizes, move bytes, finish files (L3, L5, L7, L14, S4).

A :class:`Transfer` exists while the scheduler lets a job run. Bytes flow at the rate of the
transfer's :class:`~bitslab.model.lane.Lane` (S5); between rate changes progress is linear in time,
so a file's ``bytes_transferred`` is computed when asked and rises smoothly, with no event per
chunk, and the lane's one timer says when the file's work is done.
A file's turn ends when its work is done: the whole file, or on demand its requested ranges
(R5); the job then moves to its next file, or is finished (L3, R5).

The transfer owns the link between a job and the file whose bytes are flowing
(:attr:`Transfer.file`); the job and the file ask it (through the scheduler, which owns the
link between a job and its transfer). Its timers are cancellable handles: stopping or
re-planning a transfer cancels the connection's timer and the lane's expected end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..constants import ErrorContext, JobState, http_error_hresult
from .agenda import cancel
from .events import FileTransferred, RangesDone
from .network import Failure

if TYPE_CHECKING:
    from .agenda import Timer
    from .files import File
    from .jobs import Job
    from .lane import Lane
    from .scheduler import Scheduler

__all__ = ["Transfer"]


class Transfer:
    """A running job's connection and current file."""

    __slots__ = ("_connecting", "_end", "_scheduler", "_sliced", "_start", "file", "job", "lane")

    def __init__(self, scheduler: Scheduler, job: Job) -> None:
        self._scheduler = scheduler
        self.job = job
        self.file: File | None = None  # the file whose bytes are flowing, if any
        self.lane: Lane | None = None  # the lane whose rate the bytes flow at (S5)
        self._start = 0.0  # the lane's position at the last checkpoint
        self._connecting: Timer | None = None  # the server's answer, on its way
        self._end: Timer | None = None  # the lane's call when the file's work is done
        self._sliced = False

    def begin(self) -> None:
        """L3: the job connects; after the network's latency it asks for its next file."""
        self._connect_next()

    def stop(self) -> None:
        """Stop moving bytes, keeping what arrived (BITS resumes partial files)."""
        self.checkpoint()
        if self.file is not None:
            self._leave()
            self.file = None
            self.job.ledger.note_progress()  # L3: from now no bytes flow (the trace's lane is None)
        self._cancel_end()
        cancel(self._connecting)

    def move_to(self, lane: Lane) -> None:
        """S3, S5: the job changed between foreground and background: its bytes flow at the
        other lane's rate from now."""
        if self.file is None or lane is self.lane:
            return
        self.checkpoint()
        self._leave()
        self._join(lane)

    def replan(self) -> None:
        """The current file's work changed (R5): finish its turn now if none is left, else
        re-plan when it will be done."""
        file = self.file
        if file is None:
            return
        if file.work_left() == 0:
            self.file_done()
        else:
            self._expect()

    def finish_due_file(self) -> None:
        """Finish the current file's turn now if its last byte is due (within rounding)."""
        file = self.file
        if file is not None and self.transferred(file) >= file.goal() - 1e-6:
            self.file_done()

    def transferred(self, file: File) -> float:
        """Bytes of ``file`` so far, including those flowing since the last checkpoint."""
        lane = self.lane
        if lane is None:
            return file.done
        return file.done + lane.position() - self._start

    def checkpoint(self) -> None:
        """Bank the bytes that arrived since the last checkpoint into the file's ranges."""
        file = self.file
        lane = self.lane
        if file is None or lane is None:
            return
        position = lane.position()
        self.job.ledger.bank(file, min(float(file.goal()), file.done + position - self._start))
        self._start = position
        self.job.ledger.note_progress()

    def file_done(self) -> None:
        """S4: the file's work is done; the job connects for the next file or is finished.

        R4: when this was the last requested range, the range report goes out first; then
        file_transferred if the file is whole (C4); then the job's new state (L3, R5).
        """
        file = self.file
        assert file is not None
        job = self.job
        job.ledger.bank(file, float(file.goal()))
        self._leave()
        self._cancel_end()
        self.file = None
        job.ledger.note_progress()
        whole = file.transferred_if_whole()
        last = job.ledger.next_file() is None
        events = job.lifecycle.events
        if last:
            events.publish(RangesDone(job))  # R4
        if whole:
            events.publish(FileTransferred(job, file))  # C4
        if last:
            job.lifecycle.finish()
        else:
            self._scheduler.reallocate()
            self._connect_next()

    def fail(self, failure: Failure, file: File) -> None:
        """The server answers ``file`` with an HTTP error: fatal 4xx (L7), transient 5xx (L5);
        the error names the file and says the status with its reason phrase (L15)."""
        error_hresult = http_error_hresult(failure.status)
        description = f"{failure.reason} from {file.source}"
        if failure.fatal:
            self.job.lifecycle.fatal_error(
                ErrorContext.REMOTE_FILE, error_hresult, file, description
            )
        else:
            self.job.lifecycle.transient_error(
                ErrorContext.REMOTE_FILE, error_hresult, file, description
            )

    # -- internals -----------------------------------------------------------------------

    def _join(self, lane: Lane) -> None:
        """Bytes start to flow in ``lane``; its timer learns when this file's work ends."""
        self.lane = lane
        lane.members += 1
        self._start = lane.position()
        self._expect()
        self.job.ledger.note_progress()

    def _leave(self) -> None:
        lane = self.lane
        if lane is not None:
            lane.members -= 1
            self.lane = None

    def _expect(self) -> None:
        """Tell the lane where the current file's work ends (the end expected before, if
        any, no longer applies)."""
        file = self.file
        lane = self.lane
        assert file is not None
        assert lane is not None
        self._cancel_end()
        remaining = max(file.goal() - file.done, 0.0)
        self._end = lane.expect(self, self._start + remaining)

    def _cancel_end(self) -> None:
        cancel(self._end)
        self._end = None

    def _connect_next(self) -> None:
        scheduler = self._scheduler
        self._connecting = scheduler.agenda.after(scheduler.network.latency, self._connected)

    def _connected(self) -> None:
        """The server answered: fail (L5, L7), or learn the size (L14; L17: a new server's
        other size restarts the file) and start the file."""
        self._connecting = None
        job = self.job
        file = job.ledger.next_file()
        if file is not None:
            failure = self._scheduler.network.status_for(file.connect())  # L17: its URL now
            if failure is not None:
                self.fail(failure, file)
                return
            job.ledger.learn_size(file)
        if job.state is not JobState.TRANSFERRING:
            job.lifecycle.enter(JobState.TRANSFERRING, "L3")
            if self._scheduler.transfer_of(job) is not self:  # the state change stopped it
                return
        if not self._sliced:
            self._sliced = True
            self._scheduler.arm_slice(job)
        if file is None:
            self._finish()
            return
        job.lifecycle.made_progress()
        self.file = file
        if file.work_left() == 0:  # an empty file
            self.file_done()
        else:
            self._join(self._scheduler.lane_for(job))
            self._scheduler.reallocate()

    def _finish(self) -> None:
        """L3, R5: nothing is left to fetch (the last report of ranges goes first, R4)."""
        self.job.lifecycle.events.publish(RangesDone(self.job))
        self.job.lifecycle.finish()
