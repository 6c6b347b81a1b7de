"""Jobs and files: the BITS job state machine (L1-L14).

Every state change goes through :meth:`Job._enter`, which records it in ``job.history`` with
the rule that caused it and tells the simulation. The scheduler decides when a queued job runs;
this module decides what each public method and each error does to a job.
"""

from __future__ import annotations

import itertools
import math
import uuid
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from .._check import check_enum, check_int, check_number, check_str, got
from ..constants import (
    BG_E_EMPTY,
    BG_E_ERROR_INFORMATION_UNAVAILABLE,
    BG_E_INVALID_STATE,
    BG_E_RANDOM_ACCESS_NOT_SUPPORTED,
    BG_E_TOO_MANY_FILES,
    BG_SIZE_UNKNOWN,
    ErrorContext,
    JobPriority,
    JobProperty,
    JobState,
    JobType,
    NotifyFlags,
    hresult_name,
)
from ..errors import BitsError, InvalidArgumentError
from .events import CmdlineSet, InterfaceSet, Modified, OnDemandChanged, StateChanged
from .files import File
from .settings import NotifySettings

if TYPE_CHECKING:
    from ..simulation import Simulation
    from .lane import Lane

__all__ = ["Job", "JobError", "JobProgress", "StateChange"]

#: L1: the minimum retry delay BITS enforces, and the defaults of a new job.
MINIMUM_RETRY_DELAY_FLOOR = 5.0
DEFAULT_RETRY_DELAY = 600.0
DEFAULT_NO_PROGRESS_TIMEOUT = 1_209_600.0
DEFAULT_NOTIFICATION_INTERVAL_MS = 500
MAX_DWORD = 2**32 - 1  # MINIMUM_NOTIFICATION_INTERVAL_MS is a DWORD of milliseconds

_URL_PREFIXES = ("http://", "https://", "file://", "\\\\")


def _is_web(url: str) -> bool:
    """R1: on-demand mode needs http or https."""
    return url.lower().startswith(("http://", "https://"))


class StateChange(NamedTuple):
    """One entry of ``job.history``: at ``time`` the job went from ``old`` to ``new``."""

    time: float
    old: JobState | None
    new: JobState
    rule: str


class JobProgress(NamedTuple):
    """L14: a job's progress; ``bytes_total`` is BG_SIZE_UNKNOWN until every size is known."""

    bytes_total: int
    bytes_transferred: int
    files_total: int
    files_transferred: int


@dataclass(frozen=True, slots=True)
class JobError:
    """What ``job.get_error()`` returns (L13): context, HRESULT, file and a description."""

    context: ErrorContext
    hresult: int
    file: File | None
    description: str

    @property
    def name(self) -> str:
        """The HRESULT's symbolic name, e.g. ``BG_E_HTTP_ERROR_404``."""
        return hresult_name(self.hresult)


class Job:
    """A BITS job: a named list of files that BITS transfers in the background.

    Make jobs with :meth:`Simulation.create_job`. A new job is SUSPENDED (L1); add files and
    call :meth:`resume`.

    >>> import bitslab as bl
    >>> sim = bl.Simulation(seed=0)
    >>> job = sim.create_job("nightly")
    >>> f = job.add_file("https://example.test/a.bin", "a.bin", size=2_000_000)
    >>> job.resume()
    >>> sim.run()
    >>> job.state.name, job.progress.bytes_transferred
    ('TRANSFERRED', 2000000)
    """

    def __init__(self, sim: Simulation, name: str, type: JobType, priority: JobPriority) -> None:
        self._sim = sim
        self._name = name
        self._type = type
        self._id = str(uuid.UUID(int=sim.rng.getrandbits(128), version=4))
        self.files: list[File] = []
        self.history: list[StateChange] = [StateChange(sim.now, None, JobState.SUSPENDED, "L1")]
        self._priority = priority
        self._state = JobState.SUSPENDED
        self._retry_delay = DEFAULT_RETRY_DELAY
        self._no_progress_timeout = DEFAULT_NO_PROGRESS_TIMEOUT
        self._properties: dict[JobProperty, object] = {
            JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS: DEFAULT_NOTIFICATION_INTERVAL_MS,
            JobProperty.ON_DEMAND_MODE: False,
        }
        self._files_done = 0
        self._first_open = 0  # files before this index are complete (see _next_file)
        self._banked = 0.0  # bytes held in the files' checkpoints (the sum of their _done)
        self._moving: File | None = None  # the file whose bytes are flowing now
        # Bytes at each checkpoint, and the lane they flow in after it (see progress_trace()).
        self._trace: list[tuple[float, float, Lane | None]] = [(sim.now, 0.0, None)]
        self._error: JobError | None = None
        self._episode = 0  # bumped on each state change; stale timers compare it
        self._deadline: float | None = None  # L6: when no progress turns into ERROR
        self._paused_left: float | None = None  # L6: deadline time held during a disconnect
        self._disconnected = False  # in TRANSIENT_ERROR because of a disconnect (L4)
        self._notify = NotifySettings()

    # -- what a job is ------------------------------------------------------------------------

    # -- what a job is (read-only: BITS fixes them when the job is created) -------------------

    @property
    def sim(self) -> Simulation:
        """The simulation this job belongs to."""
        return self._sim

    @property
    def name(self) -> str:
        """The display name given to :meth:`Simulation.create_job`."""
        return self._name

    @property
    def type(self) -> JobType:
        """DOWNLOAD, UPLOAD or UPLOAD_REPLY."""
        return self._type

    @property
    def id(self) -> str:
        """The job's GUID, drawn from the simulation's seeded generator."""
        return self._id

    @property
    def state(self) -> JobState:
        """The job's BG_JOB_STATE."""
        return self._state

    @property
    def episode(self) -> int:
        """How many times the job's state has changed (C11: a job-level notification is about
        one stay in a state, and is stale once the job has left it). Not a BITS method."""
        return self._episode

    def bytes_arrived(self) -> float:
        """Bytes arrived so far, with the fraction of the next one, in O(1) (C3's "bytes
        arrived" check runs every interval). Not a BITS method."""
        return self._bytes_now()

    @property
    def priority(self) -> JobPriority:
        """FOREGROUND, HIGH, NORMAL (the default, L1) or LOW; settable (S1-S3)."""
        return self._priority

    @priority.setter
    def priority(self, value: JobPriority) -> None:
        priority = check_enum("priority", value, JobPriority)
        self._require_live("set priority")
        old, self._priority = self._priority, priority
        self._modified(f"priority set to {priority.name}")
        if old is not priority:
            self._sim._scheduler.on_priority_change(self, old)

    @property
    def minimum_retry_delay(self) -> float:
        """L1, L5: seconds a job waits in TRANSIENT_ERROR before it queues again (default 600)."""
        return self._retry_delay

    @minimum_retry_delay.setter
    def minimum_retry_delay(self, seconds: float) -> None:
        delay = check_number("minimum_retry_delay", seconds, minimum=0.0)
        self._require_live("set minimum_retry_delay")
        self._retry_delay = max(delay, MINIMUM_RETRY_DELAY_FLOOR)  # L1
        self._modified(f"minimum_retry_delay set to {self._retry_delay:g} s")

    @property
    def no_progress_timeout(self) -> float:
        """L1, L6: seconds without progress after a transient error before ERROR."""
        return self._no_progress_timeout

    @no_progress_timeout.setter
    def no_progress_timeout(self, seconds: float) -> None:
        timeout = check_number("no_progress_timeout", seconds, minimum=0.0)
        self._require_live("set no_progress_timeout")
        self._no_progress_timeout = timeout
        self._modified(f"no_progress_timeout set to {timeout:g} s")

    @property
    def progress(self) -> JobProgress:
        """L14: bytes and files, total and transferred; a new job reports zeros."""
        known = all(f._size_known for f in self.files)
        return JobProgress(
            sum(f.size for f in self.files) if known else BG_SIZE_UNKNOWN,
            sum(f.bytes_transferred for f in self.files),
            len(self.files),
            self._files_done,
        )

    def progress_trace(self) -> list[tuple[float, int]]:
        """How the bytes transferred grew: ``(time, bytes)`` points, the last one now.

        Between two consecutive points the bytes grow linearly (a transfer at one rate) or
        not at all, so the points drawn as a line are the job's exact progress (this is what
        :func:`bitslab.plots.progress` draws). The bytes never go down, and they grow only
        while the job is TRANSFERRING (L3; S5 sets the rate): a job that waits (QUEUED,
        SUSPENDED, in an error) is a flat line. The last point is ``(now,
        progress.bytes_transferred)``. Not a BITS method.
        """
        trace = self._trace
        points: list[tuple[float, int]] = []
        for index, (time, done, lane) in enumerate(trace):
            points.append((time, int(done + 1e-6)))
            if lane is None:
                continue
            # S5: the rate changed whenever the lane's did; the lane kept those moments.
            until = trace[index + 1][0] if index + 1 < len(trace) else self._sim.now
            base = lane.position_at(time)
            first = bisect_right(lane.changes, (time, math.inf, 0.0))
            for moment, position, _ in itertools.islice(lane.changes, first, None):
                if moment >= until:
                    break
                points.append((moment, int(done + position - base + 1e-6)))
        now = (self._sim.now, self.progress.bytes_transferred)
        if points[-1][0] < now[0]:
            points.append(now)
        return points

    # -- the public BITS methods -------------------------------------------------------------

    def add_file(self, remote_url: str, local_name: str, size: int) -> File:
        """Add a file; ``size`` is what the server holds, learnt by BITS on connection (L14).

        Fails with BG_E_INVALID_STATE on a final job (L12), BG_E_TOO_MANY_FILES for a second
        file of an upload job, E_INVALIDARG for a URL that is not http(s), file or UNC. Adding
        a file to a TRANSFERRED job queues it again (model choice).
        """
        check_str("remote_url", remote_url)
        check_str("local_name", local_name)
        check_int("size", size, minimum=0)
        if size >= BG_SIZE_UNKNOWN:
            raise ValueError(f"size must be below BG_SIZE_UNKNOWN (2**64 - 1), got {size}")
        what = f"add_file({remote_url!r})"
        self._require_live(what)
        if not remote_url.lower().startswith(_URL_PREFIXES):
            raise InvalidArgumentError(
                f"{what} on job {self.name!r}: remote_url must start with http://, https://, "
                "file:// or \\\\server\\share"
            )
        if self._properties[JobProperty.ON_DEMAND_MODE] and not _is_web(remote_url):
            raise BitsError(
                f"{what} on on-demand job {self.name!r}: an on-demand job's files must be "
                "http or https (R1)",
                BG_E_RANDOM_ACCESS_NOT_SUPPORTED,
            )
        if self.type is not JobType.DOWNLOAD and self.files:
            raise BitsError(
                f"{what} on job {self.name!r}: an upload job holds exactly one file",
                BG_E_TOO_MANY_FILES,
            )
        file = File(self, remote_url, local_name, size)
        self.files.append(file)
        self._modified(f"file {local_name!r} added")
        if self._state is JobState.TRANSFERRED:
            self._enter(JobState.QUEUED, "L3")
        return file

    def resume(self) -> None:
        """Queue the job: from SUSPENDED (L2), TRANSIENT_ERROR (L5) or ERROR (L8).

        Fails with BG_E_EMPTY when the job has no files (L2) and BG_E_INVALID_STATE when it
        is final (L12). In other states it does nothing.
        """
        self._require_live("resume()")
        if not self.files:
            raise BitsError(f"resume() on job {self.name!r}: the job has no files (L2)", BG_E_EMPTY)
        rule = {
            JobState.SUSPENDED: "L2",
            JobState.TRANSIENT_ERROR: "L5",
            JobState.ERROR: "L8",
        }.get(self._state)
        if rule is not None:
            self._enter(JobState.QUEUED, rule)

    def suspend(self) -> None:
        """L9: any non-final job becomes SUSPENDED; fails on a final job (L12)."""
        self._require_live("suspend()")
        self._enter(JobState.SUSPENDED, "L9")

    def cancel(self) -> None:
        """L10: any non-final job becomes CANCELLED; fails on a final job (L12)."""
        self._require_live("cancel()")
        self._enter(JobState.CANCELLED, "L10")

    def complete(self) -> None:
        """L11: the job becomes ACKNOWLEDGED; an upload job only from TRANSFERRED."""
        self._require_live("complete()")
        if self.type is not JobType.DOWNLOAD and self._state is not JobState.TRANSFERRED:
            raise BitsError(
                f"complete() on upload job {self.name!r} in state {self._state.name}: an upload "
                "job can be completed only once TRANSFERRED (L11)",
                BG_E_INVALID_STATE,
            )
        self._enter(JobState.ACKNOWLEDGED, "L11")

    def get_error(self) -> JobError:
        """L13: the error of a job in ERROR or TRANSIENT_ERROR.

        Fails with BG_E_ERROR_INFORMATION_UNAVAILABLE in any other state.
        """
        if self._state in (JobState.ERROR, JobState.TRANSIENT_ERROR) and self._error is not None:
            return self._error
        raise BitsError(
            f"get_error() on job {self.name!r} in state {self._state.name}: only a job in "
            "ERROR or TRANSIENT_ERROR has an error (L13)",
            BG_E_ERROR_INFORMATION_UNAVAILABLE,
        )

    def set_property(self, prop: JobProperty, value: object) -> None:
        """Set MINIMUM_NOTIFICATION_INTERVAL_MS (an int of ms, C7) or ON_DEMAND_MODE (R1).

        ON_DEMAND_MODE may change at any time (R1 permitting): turned on, the job fetches
        only requested ranges (R5); turned off, it fetches the rest of every file.
        """
        prop = check_enum("prop", prop, JobProperty)
        if prop is JobProperty.ON_DEMAND_MODE:
            if not isinstance(value, bool):
                raise TypeError(f"value of ON_DEMAND_MODE must be a bool, got {got(value)}")
        else:  # a DWORD in BITS
            check_int(f"value of {prop.name}", value, minimum=0, maximum=MAX_DWORD)
        self._require_live(f"set_property({prop.name})")
        if prop is JobProperty.ON_DEMAND_MODE and value:
            self._check_on_demand_allowed()

        def store() -> None:
            self._properties[prop] = value

        if prop is JobProperty.ON_DEMAND_MODE and value != self._properties[prop]:
            self._change_work(store)  # R5: what the job fetches changes now
        else:
            store()
        self._modified(f"{prop.name} set to {value!r}")
        if prop is JobProperty.ON_DEMAND_MODE:
            self._sim.events.publish(OnDemandChanged(self))  # R4

    def get_property(self, prop: JobProperty) -> object:
        """The value of a job property."""
        return self._properties[check_enum("prop", prop, JobProperty)]

    def set_notify_flags(self, flags: int) -> None:
        """Choose which notifications this job sends (F1-F8); the default is 0x3 (F2).

        Fails with E_NOTIMPL for bits outside 0x3F (F3) and BG_E_INVALID_STATE on a final
        job (F4), changing nothing.
        """
        self._notify.set_flags(self, flags)

    def get_notify_flags(self) -> NotifyFlags:
        """The job's notify flags (F2: JOB_TRANSFERRED | JOB_ERROR for a new job)."""
        return NotifyFlags(self._notify.flags)

    def set_notify_interface(self, notifier: object | None) -> None:
        """Register the object BITS calls (I1: the last caller wins; None removes it).

        Fails with BG_E_INVALID_STATE on a final job (I3). The interface is not persisted
        (I4): a restarted application must register again.
        """
        self._notify.set_interface(self, notifier)
        self._sim.events.publish(InterfaceSet(self, notifier))  # C5, I5

    def get_notify_interface(self) -> object | None:
        """The registered notifier, or None (I2)."""
        return self._notify.interface

    def set_notify_cmdline(self, program: str | None, parameters: str | None) -> None:
        """Register a (simulated) program to run when the job transfers or fails (K1-K7).

        ``(None, None)`` removes it. The program must be a full path of at most 260
        characters (E_INVALIDARG, BG_E_STRING_TOO_LONG); a final job fails (K7).
        """
        self._notify.set_cmdline(self, program, parameters)
        self._sim.events.publish(CmdlineSet(self))  # K4

    def get_notify_cmdline(self) -> tuple[str, str]:
        """``(program, parameters)``; ``("", "")`` when none is set (K1)."""
        return self._notify.program, self._notify.parameters

    def __copy__(self) -> Job:
        """Refused: a job belongs to its simulation (a copy would share its state)."""
        raise TypeError(
            f"job {self._name!r} cannot be copied: it belongs to its Simulation; job.history "
            "and sim.log (whose entries pickle with a JobRecord) are plain data"
        )

    def __repr__(self) -> str:
        progress = self.progress
        return (
            f"<Job {self.name!r} {self._state.name} "
            f"{progress.files_transferred}/{progress.files_total} files>"
        )

    # -- the state machine -------------------------------------------------------------------

    def _require_live(self, what: str, rule: str = "L12") -> None:
        """L12 (and F4, I3, K7): ACKNOWLEDGED and CANCELLED jobs refuse every change."""
        if self._state.is_final:
            raise BitsError(
                f"{what} on job {self.name!r}: the job is {self._state.name}, "
                f"a final state ({rule})",
                BG_E_INVALID_STATE,
            )

    def _check_on_demand_allowed(self) -> None:
        """R1: on-demand mode is for download jobs whose files are http or https."""
        web = all(_is_web(f.remote_name) for f in self.files)
        if self.type is not JobType.DOWNLOAD or not web:
            raise BitsError(
                f"set_property(ON_DEMAND_MODE) on job {self.name!r}: on-demand mode needs a "
                "download job whose files are http or https (R1)",
                BG_E_RANDOM_ACCESS_NOT_SUPPORTED,
            )

    def _enter(self, new: JobState, rule: str) -> None:
        """Move to ``new`` because of ``rule``; the one place a job's state changes."""
        old = self._state
        if new is old:
            return
        if old is JobState.TRANSIENT_ERROR and self._disconnected:
            self._disconnected = False
            if self._paused_left is not None:  # L6: the clock runs again after a disconnect
                self._deadline = self._sim.now + self._paused_left
                self._paused_left = None
        if not new.is_busy:  # L6 model choice: leaving the retry cycle resets the clock
            self._deadline = self._paused_left = None
        self._state = new
        self._episode += 1
        self.history.append(StateChange(self._sim.env.now, old, new, rule))
        self._sim.events.publish(StateChanged(self, old, new))

    def _bytes_now(self) -> float:
        """Bytes arrived so far, in O(1) (C3's "bytes arrived" check runs every interval).

        Whatever changes a file's ``_done`` must change ``_banked`` by as much.
        """
        file = self._moving
        if file is None or file._transfer is None:
            return self._banked
        return self._banked + file._transfer.transferred(file) - file._done

    def _sync_bytes(self) -> None:
        """Checkpoint the file whose bytes are flowing, so its filled ranges are current."""
        file = self._moving
        if file is not None and file._transfer is not None:
            file._transfer.checkpoint()

    def _change_work(self, change: Callable[[], None]) -> None:
        """Apply ``change`` to what the job must fetch (a request, on-demand mode on or off,
        R5), keeping a transfer under way in step: bytes so far count under the old plan."""
        file = self._moving
        transfer = file._transfer if file is not None else None
        if transfer is not None:
            transfer.checkpoint()
        change()
        if transfer is not None:
            transfer.replan()

    def _finished(self) -> tuple[JobState, str]:
        """L3, R5: nothing left to fetch: TRANSFERRED if every file is whole, else (on
        demand) SUSPENDED."""
        on_demand = bool(self._properties[JobProperty.ON_DEMAND_MODE])
        if self._files_done == len(self.files):
            return JobState.TRANSFERRED, "R5" if on_demand else "L3"
        return JobState.SUSPENDED, "R5"

    def _note_progress(self) -> None:
        """Bytes started or stopped flowing, or were banked: keep a point of the trace, with
        the lane the bytes flow in from now (None when they do not)."""
        file = self._moving
        transfer = file._transfer if file is not None else None
        lane = transfer.lane if transfer is not None else None
        point = (self._sim.env._now, self._bytes_now(), lane)
        if self._trace[-1][0] == point[0]:
            self._trace[-1] = point
        else:
            self._trace.append(point)

    def _modified(self, what: str) -> None:
        """C3: a file was added or a property changed: raise job_modification."""
        self._sim.events.publish(Modified(self, what))

    def _next_file(self) -> File | None:
        """S4: files transfer one at a time, in the order added; R5: on demand, only those
        with requested bytes outstanding."""
        files = self.files
        if self._files_done == len(files):
            return None
        # A complete file never needs a turn again, so the scan starts after the first ones
        # that are complete (without this, a job of n files would scan n^2 / 2 of them).
        first = self._first_open
        while files[first]._completed:
            first += 1
        self._first_open = first
        for index in range(first, len(files)):
            if files[index]._needs_turn():
                return files[index]
        return None

    def _made_progress(self) -> None:
        """L6: progress resets the no-progress clock."""
        self._deadline = None

    def _fatal_error(
        self, context: ErrorContext, hresult: int, file: File | None, description: str
    ) -> None:
        """L7: a fatal error moves the job to ERROR."""
        self._error = JobError(context, hresult, file, description)
        self._enter(JobState.ERROR, "L7")

    def _transient_error(
        self,
        context: ErrorContext,
        hresult: int,
        file: File | None,
        description: str,
        *,
        disconnect: bool = False,
    ) -> None:
        """L4, L5, L6: a recoverable error; TRANSIENT_ERROR, then a retry or ERROR."""
        self._error = JobError(context, hresult, file, description)
        now = self._sim.now
        if disconnect:  # L4: no retry timer, and the no-progress clock pauses (L6)
            if self._deadline is not None:
                self._paused_left = self._deadline - now
                self._deadline = None
            self._disconnected = True
            self._enter(JobState.TRANSIENT_ERROR, "L4")
            return
        timeout = self._no_progress_timeout
        if timeout == 0 or self._retry_delay > timeout:
            self._enter(JobState.ERROR, "L6")
            return
        if self._deadline is None:
            self._deadline = now + timeout
        if self._out_of_time():
            return
        self._enter(JobState.TRANSIENT_ERROR, "L5")
        wait = min(self._retry_delay, self._deadline - now)
        self._sim._after(wait, self._retry, self._episode)

    def _retry(self, episode: int) -> None:
        """L5: after the retry delay the job queues again; L6: or, past the deadline, ERROR."""
        if episode != self._episode:
            return
        if not self._out_of_time():
            self._enter(JobState.QUEUED, "L5")

    def _out_of_time(self) -> bool:
        """L6: past the no-progress deadline the job moves to ERROR (checked at a transient
        error and at the retry; model choice: a QUEUED job past it fails at its next try)."""
        if self._deadline is not None and self._sim.now >= self._deadline:
            self._enter(JobState.ERROR, "L6")
            return True
        return False
