"""Jobs: what a BITS job is, and what each of its public methods does (L1-L14).

A :class:`Job` has two parts that the rest of the model drives (neither is a BITS interface):
``job.lifecycle``, its :class:`~bitslab.model.lifecycle.Lifecycle` (the state machine: state,
history, errors, retries), and ``job.ledger``, its :class:`~bitslab.model.progress.Ledger`
(bytes, the progress trace, the next file). The scheduler decides when a queued job runs; this
module decides what each public method does to a job.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from .._check import check_enum, check_guid, check_int, check_number, got
from ..constants import (
    BG_E_EMPTY,
    BG_E_INVALID_STATE,
    GUID_NULL,
    JobPriority,
    JobProperty,
    JobState,
    JobType,
    NotifyFlags,
)
from ..errors import BitsError
from .events import CmdlineSet, InterfaceSet, Modified, OnDemandChanged, PriorityChanged
from .files import File
from .lifecycle import MINIMUM_RETRY_DELAY_FLOOR, JobError, Lifecycle, StateChange, require_live
from .progress import JobProgress, Ledger
from .remote import check_new_file, check_on_demand_allowed
from .settings import NotifySettings

if TYPE_CHECKING:
    from ..simulation import Simulation  # for Job.sim's annotation only (users' type checkers)

__all__ = ["Job", "JobError", "JobProgress", "StateChange"]

DEFAULT_NOTIFICATION_INTERVAL_MS = 500
MAX_DWORD = 2**32 - 1  # MINIMUM_NOTIFICATION_INTERVAL_MS is a DWORD of milliseconds


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
        self._events = sim.events
        self._name = name
        self._type = type
        # The same 128 bits from sim.rng as ever: ids, and the random stream after them, are
        # as they were when the id was kept as a str.
        self._id = uuid.UUID(int=sim.rng.getrandbits(128), version=4)
        self.files: list[File] = []
        self._priority = priority
        self._properties: dict[JobProperty, object] = {
            JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS: DEFAULT_NOTIFICATION_INTERVAL_MS,
            JobProperty.ON_DEMAND_MODE: False,
            JobProperty.NOTIFICATION_CLSID: GUID_NULL,  # N1: no class
        }
        self._notify = NotifySettings()
        #: R1-R5: whether ON_DEMAND_MODE is on, kept by :meth:`set_property` beside the
        #: property (the files ask at every step; read it, never set it). Not a BITS method.
        self.on_demand = False
        # The parts the rest of the model drives (not BITS interfaces; see the module's notes).
        self.lifecycle = Lifecycle(self, sim.agenda, sim.events, sim.service)
        self.ledger = Ledger(self, sim.agenda, sim.scheduler.running)

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
    def id(self) -> uuid.UUID:
        """The job's GUID (a :class:`uuid.UUID`), drawn from the simulation's seeded generator:
        the same seed gives the same ids. ``sim.get_job(job.id)`` finds the job again
        (GetJob)."""
        return self._id

    @property
    def state(self) -> JobState:
        """The job's BG_JOB_STATE."""
        return self.lifecycle.state

    @property
    def history(self) -> list[StateChange]:
        """Every state the job has been in: :class:`StateChange` records, oldest first."""
        return self.lifecycle.history

    @property
    def episode(self) -> int:
        """How many times the job's state has changed (C11: a job-level notification is about
        one stay in a state, and is stale once the job has left it). Not a BITS method."""
        return self.lifecycle.episode

    @property
    def progress(self) -> JobProgress:
        """L14: bytes and files, total and transferred; a new job reports zeros.

        ``files_transferred`` counts files whose bytes have all arrived (BG_JOB_PROGRESS's
        FilesTransferred); a download file's own ``progress.completed`` stays False until
        ``complete()`` (BG_FILE_PROGRESS's Completed).
        """
        return self.ledger.progress()

    def bytes_arrived(self) -> float:
        """Bytes arrived so far, with the fraction of the next one, in O(1) (C3's "bytes
        arrived" check runs every interval). Not a BITS method."""
        return self.ledger.bytes_arrived()

    def progress_trace(self) -> list[tuple[float, int]]:
        """How the bytes transferred grew: ``(time, bytes)`` points, the last one now.

        Between two consecutive points the bytes grow linearly (a transfer at one rate) or
        not at all, so the points drawn as a line are the job's exact progress (this is what
        :func:`bitslab.plots.progress` draws). The bytes grow only while the job is
        TRANSFERRING (L3; S5 sets the rate): a job that waits (QUEUED, SUSPENDED, in an error)
        is a flat line. They never go down, but where a new server's file of another size
        restarts a download (L17). The last point is ``(now,
        progress.bytes_transferred)``. Not a BITS method.
        """
        return self.ledger.progress_trace()

    @property
    def priority(self) -> JobPriority:
        """FOREGROUND, HIGH, NORMAL (the default, L1) or LOW; settable (S1-S3)."""
        return self._priority

    @priority.setter
    def priority(self, value: JobPriority) -> None:
        priority = check_enum("priority", value, JobPriority)
        require_live(self, "set priority")
        old, self._priority = self._priority, priority
        self._modified(f"priority set to {priority.name}")
        if old is not priority:
            self._events.publish(PriorityChanged(self, old))  # S1, S3

    @property
    def minimum_retry_delay(self) -> float:
        """L1, L5: seconds a job waits in TRANSIENT_ERROR before it queues again (default 600)."""
        return self.lifecycle.retry_delay

    @minimum_retry_delay.setter
    def minimum_retry_delay(self, seconds: float) -> None:
        delay = check_number("minimum_retry_delay", seconds, minimum=0.0)
        require_live(self, "set minimum_retry_delay")
        self.lifecycle.retry_delay = max(delay, MINIMUM_RETRY_DELAY_FLOOR)  # L1
        self._modified(f"minimum_retry_delay set to {self.lifecycle.retry_delay:g} s")

    @property
    def no_progress_timeout(self) -> float:
        """L1, L6: seconds without progress after a transient error before ERROR."""
        return self.lifecycle.no_progress_timeout

    @no_progress_timeout.setter
    def no_progress_timeout(self, seconds: float) -> None:
        timeout = check_number("no_progress_timeout", seconds, minimum=0.0)
        require_live(self, "set no_progress_timeout")
        self.lifecycle.no_progress_timeout = timeout
        self._modified(f"no_progress_timeout set to {timeout:g} s")

    # -- the public BITS methods -------------------------------------------------------------

    def add_file(self, remote_url: str, local_name: str, size: int) -> File:
        """Add a file; ``size`` is what the server holds, learnt by BITS on connection (L14).

        Fails with BG_E_INVALID_STATE on a final job (L12), BG_E_TOO_MANY_FILES for a second
        file of an upload job, BG_E_TOO_MANY_FILES_IN_JOB once the job holds
        ``sim.max_files_per_job`` files (L16), E_INVALIDARG for a URL that is not http(s),
        file or UNC; a refused call adds nothing. Adding a file to a TRANSFERRED job queues it
        again (model choice). ``local_name`` may be relative (L16, model choice).
        """
        check_new_file(self, remote_url, local_name, size)
        file = File(self, remote_url, local_name, size)
        self.files.append(file)
        self._modified(f"file {local_name!r} added")
        if self.state is JobState.TRANSFERRED:
            self.lifecycle.enter(JobState.QUEUED, "L3")
        return file

    def resume(self) -> None:
        """Queue the job: from SUSPENDED (L2), TRANSIENT_ERROR (L5) or ERROR (L8).

        Fails with BG_E_EMPTY when the job has no files (L2) and BG_E_INVALID_STATE when it
        is final (L12). In other states it does nothing.
        """
        require_live(self, "resume()")
        if not self.files:
            raise BitsError(
                f"resume() on job {self.name!r}: the job has no files (L2)", BG_E_EMPTY, rule="L2"
            )
        rule = {
            JobState.SUSPENDED: "L2",
            JobState.TRANSIENT_ERROR: "L5",
            JobState.ERROR: "L8",
        }.get(self.state)
        if rule is not None:
            self.lifecycle.enter(JobState.QUEUED, rule)

    def suspend(self) -> None:
        """L9: any non-final job becomes SUSPENDED; fails on a final job (L12)."""
        require_live(self, "suspend()")
        self.lifecycle.enter(JobState.SUSPENDED, "L9")

    def cancel(self) -> None:
        """L10: any non-final job becomes CANCELLED; fails on a final job (L12)."""
        require_live(self, "cancel()")
        self.lifecycle.enter(JobState.CANCELLED, "L10")

    def complete(self) -> None:
        """L11: the job becomes ACKNOWLEDGED; an upload job only from TRANSFERRED."""
        require_live(self, "complete()")
        if self.type is not JobType.DOWNLOAD and self.state is not JobState.TRANSFERRED:
            raise BitsError(
                f"complete() on upload job {self.name!r} in state {self.state.name}: an upload "
                "job can be completed only once TRANSFERRED (L11)",
                BG_E_INVALID_STATE,
                rule="L11",
            )
        self.lifecycle.enter(JobState.ACKNOWLEDGED, "L11")

    def get_error(self) -> JobError:
        """L13, L15: the job's last error: context, HRESULT, file and description.

        Readable from the moment the job enters ERROR or TRANSIENT_ERROR until it next
        enters TRANSFERRING or a final state: suspending, resuming and waiting in QUEUED or
        CONNECTING keep it (GetError: "available until BITS begins transferring data").
        Fails with BG_E_ERROR_INFORMATION_UNAVAILABLE before the first error and after that.
        """
        return self.lifecycle.get_error()

    def set_property(self, prop: JobProperty, value: object) -> None:
        """Set MINIMUM_NOTIFICATION_INTERVAL_MS (an int of ms, C7), ON_DEMAND_MODE (R1) or
        NOTIFICATION_CLSID (N1).

        ON_DEMAND_MODE may change at any time (R1 permitting): turned on, the job fetches
        only requested ranges (R5); turned off, it fetches the rest of every file.
        NOTIFICATION_CLSID takes a :class:`uuid.UUID` or its string form; GUID_NULL clears
        it; BITS then activates that class when it has no live interface to call (N2, N3).
        On a final job every property fails with BG_E_INVALID_STATE.
        """
        prop = check_enum("prop", prop, JobProperty)
        if prop is JobProperty.ON_DEMAND_MODE:
            if not isinstance(value, bool):
                raise TypeError(f"value of ON_DEMAND_MODE must be a bool, got {got(value)}")
        elif prop is JobProperty.NOTIFICATION_CLSID:
            value = check_guid("value of NOTIFICATION_CLSID", value)  # N1
        else:  # a DWORD in BITS
            check_int(f"value of {prop.name}", value, minimum=0, maximum=MAX_DWORD)
        require_live(self, f"set_property({prop.name})")
        if prop is JobProperty.ON_DEMAND_MODE and value:
            check_on_demand_allowed(self)

        def store() -> None:
            self._properties[prop] = value
            self.on_demand = bool(self._properties[JobProperty.ON_DEMAND_MODE])

        if prop is JobProperty.ON_DEMAND_MODE and value != self._properties[prop]:
            self.ledger.change_work(store)  # R5: what the job fetches changes now
        else:
            store()
        shown = f"{{{value}}}" if prop is JobProperty.NOTIFICATION_CLSID else repr(value)
        self._modified(f"{prop.name} set to {shown}")
        if prop is JobProperty.ON_DEMAND_MODE:
            self._events.publish(OnDemandChanged(self))  # R4

    def get_property(self, prop: JobProperty) -> object:
        """The value of a job property (NOTIFICATION_CLSID: a :class:`uuid.UUID`, GUID_NULL
        for a new job, N1)."""
        return self._properties[check_enum("prop", prop, JobProperty)]

    def set_notify_flags(self, flags: int) -> None:
        """Choose which notifications this job sends (F1-F8); the default is 0x3 (F2).

        Fails with E_NOTIMPL for bits outside 0x3F (F3) and BG_E_INVALID_STATE on a final
        job (F4), changing nothing.
        """
        self._notify.set_flags(self, flags)

    def get_notify_flags(self) -> NotifyFlags:
        """The job's notify flags (F2: JOB_TRANSFERRED | JOB_ERROR for a new job)."""
        return self._notify.flags

    def set_notify_interface(self, notifier: object | None) -> None:
        """Register the object BITS calls (I1: the last caller wins; None removes it).

        Fails with BG_E_INVALID_STATE on a final job (I3). The interface is not persisted
        (I4): a restarted application must register again.
        """
        self._notify.set_interface(self, notifier)
        self._events.publish(InterfaceSet(self, notifier))  # C5, I5

    def get_notify_interface(self) -> object | None:
        """The registered notifier, or None (I2)."""
        return self._notify.interface

    def forget_interface(self) -> None:
        """P2: the BITS service stopped, and the registered interface with it: it is None now,
        as if set to None, with no event and no job_modification (model choice). Not a BITS
        method."""
        self._notify.interface = None

    def set_notify_cmdline(self, program: str | None, parameters: str | None) -> None:
        """Register a (simulated) program to run when the job transfers or fails (K1-K7).

        ``(None, None)`` removes it. The program must be a full path of at most 260
        characters (E_INVALIDARG, BG_E_STRING_TOO_LONG); a final job fails (K7).
        """
        self._notify.set_cmdline(self, program, parameters)
        self._events.publish(CmdlineSet(self))  # K4

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
            f"<Job {self.name!r} {self.state.name} "
            f"{progress.files_transferred}/{progress.files_total} files>"
        )

    # -- internals -------------------------------------------------------------------------------

    def _modified(self, what: str) -> None:
        """C3: a file was added or a property changed: raise job_modification."""
        self._events.publish(Modified(self, what))
