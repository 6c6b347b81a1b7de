"""One job's turn on the link: connect, learn sizes, move bytes, finish files (L3, L5, L7, L14, S4).

A :class:`Transfer` exists while the scheduler lets a job run. Bytes flow at a rate the
scheduler assigns (S5); between rate changes progress is linear in time, so a file's
``bytes_transferred`` is computed when asked and rises smoothly, with no SimPy event per chunk.
Each timer carries the transfer's generation, so a stopped or re-rated transfer ignores its
old timers instead of cancelling them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .constants import ErrorContext, JobState, http_error_hresult
from .network import Failure

if TYPE_CHECKING:
    from .files import File
    from .jobs import Job
    from .scheduler import Scheduler

__all__ = ["Transfer"]


class Transfer:
    """A running job's connection and current file."""

    __slots__ = ("_gen", "_scheduler", "_since", "_sliced", "file", "job", "rate")

    def __init__(self, scheduler: Scheduler, job: Job) -> None:
        self._scheduler = scheduler
        self.job = job
        self.file: File | None = None  # the file whose bytes are flowing, if any
        self.rate = 0.0
        self._gen = 0
        self._since = 0.0
        self._sliced = False

    @property
    def moving(self) -> bool:
        """True while bytes flow (a file is connected), so the transfer needs bandwidth."""
        return self.file is not None

    def begin(self) -> None:
        """L3: the job connects; after the network's latency it asks for its next file."""
        self._connect_next()

    def stop(self) -> None:
        """Stop moving bytes, keeping what arrived (BITS resumes partial files)."""
        self._checkpoint()
        if self.file is not None:
            self.file._transfer = None
            self.job._moving = None
            self.file = None
        self._gen += 1

    def set_rate(self, rate: float) -> None:
        """S5: bytes now flow at ``rate``; re-plan when the current file will be done."""
        self._checkpoint()
        self.rate = rate
        self._gen += 1
        file = self.file
        if file is None:
            return
        if rate > 0.0:
            remaining = file.size - file._done
            self._scheduler.sim._after(max(remaining, 0.0) / rate, self._file_done, self._gen)

    def finish_due_file(self) -> None:
        """Complete the current file now if its last byte is due (within rounding)."""
        file = self.file
        if file is not None and self.transferred(file) >= file.size - 1e-6:
            self._file_done(self._gen)

    def transferred(self, file: File) -> float:
        """Bytes of ``file`` so far, including those flowing since the last checkpoint."""
        return file._done + self.rate * (self._scheduler.sim.now - self._since)

    # -- internals -----------------------------------------------------------------------

    def _checkpoint(self) -> None:
        now = self._scheduler.sim.now
        file = self.file
        if file is not None:
            done = min(float(file.size), self.transferred(file))
            self.job._banked += done - file._done
            file._done = done
        self._since = now

    def _connect_next(self) -> None:
        self._gen += 1
        self._scheduler.sim._after(self._scheduler.network.latency, self._connected, self._gen)

    def _connected(self, gen: int) -> None:
        """The server answered: fail (L5, L7), or learn the size (L14) and start the file."""
        if gen != self._gen:
            return
        job = self.job
        file = job._next_file()
        if file is not None:
            failure = self._scheduler.network.status_for(file.remote_name)
            if failure is not None:
                self.fail(failure, file)
                return
            file._learn_size()
        if job.state is not JobState.TRANSFERRING:
            job._enter(JobState.TRANSFERRING, "L3")
            if gen != self._gen:  # the state change stopped this transfer
                return
        if not self._sliced:
            self._sliced = True
            self._scheduler.arm_slice(job)
        if file is None:
            job._enter(JobState.TRANSFERRED, "L3")
            return
        job._made_progress()
        self.file = file
        file._transfer = self
        job._moving = file
        self._since = self._scheduler.sim.now
        if file.size == 0:
            self._file_done(self._gen)
        else:
            self._scheduler.reallocate()

    def _file_done(self, gen: int) -> None:
        """S4: a file is complete; the job connects for the next one or is TRANSFERRED (L3)."""
        if gen != self._gen:
            return
        file = self.file
        assert file is not None
        self.rate = 0.0
        self.job._banked += file.size - file._done
        file._done = float(file.size)
        file._transfer = None
        self.job._moving = None
        self.file = None
        file._complete()
        if self.job._next_file() is None:
            self.job._enter(JobState.TRANSFERRED, "L3")
        else:
            self._scheduler.reallocate()
            self._connect_next()

    def fail(self, failure: Failure, file: File) -> None:
        """The server answers ``file`` with an HTTP error: fatal 4xx (L7), transient 5xx (L5)."""
        error_hresult = http_error_hresult(failure.status)
        description = f"HTTP {failure.status} from {file.remote_name}"
        if failure.fatal:
            self.job._fatal_error(ErrorContext.REMOTE_FILE, error_hresult, file, description)
        else:
            self.job._transient_error(ErrorContext.REMOTE_FILE, error_hresult, file, description)
