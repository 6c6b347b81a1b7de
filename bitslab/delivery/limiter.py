"""The minimum notification interval (C7): one limiter per job and kind.

The first modification goes out at once. Any raised within the interval after the last one
the limiter released are folded into a single notification, released when the interval ends;
the later ones are logged as ``coalesced``. The interval is measured from the times the
limiter releases notifications to dispatch (model choice), and read from the job's
MINIMUM_NOTIFICATION_INTERVAL_MS property each time (so changing it takes effect at the next
decision). A released notification still waits for its dispatch delay (C8) and, while the
four slots are taken, for a slot (C9), or for the BITS service's return (P2); until it is
called it absorbs every later one (coalesced, see
:func:`~bitslab.delivery.decision.when_raised`), so the next is released only once it has
been called. Calls are thus an interval apart, unless one waited for a slot or the service:
the next may then follow it after its dispatch delay alone.

Bytes arrive continuously, so "bytes transferred" modifications are raised by the limiter's
own clock: while the job is TRANSFERRING, each time an interval ends with new bytes and nothing
held, a modification is raised and sent (model choice; a job with a zero interval reports
bytes every ``progress_interval`` seconds of the simulation). One raised while the last one
released has not been called is folded into it, and the limiter looks again an interval later.

Range reports (R4) work the same way with their own limiter, :class:`RangeLimiter`: while an
on-demand job is TRANSFERRING it looks for new ranges every ``progress_interval`` (the grain at
which the model sees bytes arrive, model choice). The first report goes out at once, at the
first look that finds requested bytes (C7: the first notification is not rate limited); each
later one waits until the interval since the report before it has ended, and lists, per file,
the ranges filled since then. When the last requested range arrives it reports at once. A
report raised while the last report of its file has not been called is folded into that one,
which reports its ranges too (C7).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..constants import JobProperty, JobState
from ..model.agenda import cancel, pending
from ..model.ranges import RangeSet
from ..vocabulary import Method, Status

if TYPE_CHECKING:
    from ..model.agenda import Timer
    from ..model.files import File
    from ..model.jobs import Job
    from .dispatcher import Dispatcher
    from .notification import Notification

__all__ = ["Limiter", "RangeLimiter"]

# Members read for every notification, bound once: on Python 3.11 reading a member off
# its enum class takes EnumType's slow attribute path (about 0.2 us a read).
_FILE_RANGES_TRANSFERRED = Method.FILE_RANGES_TRANSFERRED
_JOB_MODIFICATION = Method.JOB_MODIFICATION
_DONE = Status.DONE
_HELD = Status.HELD
_TRANSFERRING = JobState.TRANSFERRING

_INTERVAL = JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS
_BYTES_ARRIVED = "bytes arrived (C3)"


class Limiter:
    """C7 for one job and one kind (``job_modification`` or ``file_ranges_transferred``)."""

    __slots__ = (
        "_agenda",
        "_dispatcher",
        "_last",
        "_reported",
        "_timer",
        "held",
        "job",
        "last_released",
        "method",
    )

    def __init__(self, dispatcher: Dispatcher, job: Job, method: Method) -> None:
        self._dispatcher = dispatcher
        self._agenda = dispatcher.sim.agenda
        self.job = job
        self.method = method
        self.last_released: float | None = None  # C7: the interval is measured from here
        self.held: Notification | None = None
        self._last: Notification | None = None  # the last one released
        self._timer: Timer | None = None  # the next look at the interval's end
        self._reported = 0.0  # the job's bytes at the last modification released

    def interval(self) -> float:
        """The job's minimum notification interval, in seconds."""
        ms: int = self.job.get_property(_INTERVAL)  # type: ignore[assignment]
        return ms / 1000.0

    def released(self, file: File | None) -> Notification | None:
        """C7: the last notification this limiter released (it absorbs the ones raised after
        it until it is called, see :func:`~bitslab.delivery.decision.when_raised`)."""
        return self._last

    def offer(self, note: Notification) -> None:
        """C7: release ``note`` now, or hold it for the end of the interval (one raised while
        another is held, or released and not yet called, is coalesced, see
        :func:`~bitslab.delivery.decision.when_raised`)."""
        last = self.last_released
        if last is None or self._agenda.now() >= last + self.interval() - 1e-9:
            self._send(note)
            return
        self.held = note
        self._dispatcher.set_status(note, _HELD)
        self._arm(last + self.interval())

    def folded(self, note: Notification, into: Notification) -> None:
        """C7: ``note`` was folded into ``into``, the one held or the last one released. While
        bytes flow the limiter keeps looking for new ones (``note`` may be the job's entering
        TRANSFERRING): an interval after the last release, or from now if that has passed
        (the one released is still waiting for a slot)."""
        if self.held is not None or pending(self._timer) or self.job.state is not _TRANSFERRING:
            return
        step = max(self.interval(), self._dispatcher.progress_interval)
        now = self._agenda.now()
        last = self.last_released
        self._arm(last + step if last is not None and last + step > now else now + step)

    def drop_held(self) -> None:
        """Forget the held notification (the dispatcher has ended it, C11)."""
        self.held = None

    def _send(self, note: Notification, trigger: str = "") -> None:
        """C7: release ``note`` to dispatch; the interval starts now. Its dispatch is set
        before the next look, so that a look due at the moment it reaches dispatch (a zero
        interval) finds it called, not still waiting (which would fold the look's one)."""
        self.last_released = self._agenda.now()
        self._last = note
        self._dispatcher.dispatch(note, trigger)
        if self.method is _JOB_MODIFICATION:
            job = self.job
            self._reported = job.bytes_arrived()
            if job.state is _TRANSFERRING:  # keep reporting bytes while they flow
                self._arm_tick()

    def _arm_tick(self) -> None:
        """Look for new bytes one interval from now (at least ``progress_interval``)."""
        progress = self._dispatcher.progress_interval
        self._arm(self._agenda.now() + max(self.interval(), progress))

    def _arm(self, when: float) -> None:
        """Look again at ``when`` (instead of at the time set before)."""
        cancel(self._timer)
        self._timer = self._agenda.at(when, self._fire)

    def _fire(self) -> None:
        held = self.held
        if held is not None:
            self.held = None
            self._send(held, "held until the minimum notification interval ended (C7)")
        elif self.method is _JOB_MODIFICATION and self.job.state is _TRANSFERRING:
            if self.job.bytes_arrived() > self._reported:
                # released, held, or folded into the last one released (see folded): each
                # sets the next look
                self._dispatcher.raise_(_JOB_MODIFICATION, self.job, None, _BYTES_ARRIVED)
            else:  # no bytes this interval (a trickle, or still connecting): look again later
                self._arm_tick()


class RangeLimiter(Limiter):
    """C7 and R4 for file_ranges_transferred: each report lists the ranges of one file
    filled since the previous report, as ``(offset, length)`` pairs.

    Model choice: bytes of two files that arrive within one interval (S4: one file ends, the
    next begins) make two reports at the same moment, one per file, since the callback names
    one file.
    """

    __slots__ = ("_last_of", "_watching")

    def __init__(self, dispatcher: Dispatcher, job: Job) -> None:
        super().__init__(dispatcher, job, _FILE_RANGES_TRANSFERRED)
        self._watching = False
        self._last_of: dict[File, Notification] = {}  # each file's last report not folded

    def released(self, file: File | None) -> Notification | None:
        """C7, R4: the last report of ``file`` released (it absorbs the ones raised after it
        until it is called, ranges and all)."""
        return None if file is None else self._last_of.get(file)

    def folded(self, note: Notification, into: Notification) -> None:
        """C7, R4: ``note`` was folded into ``into``, the last report of its file, not yet
        called: that one reports ``note``'s ranges too, merged with its own."""
        pairs = (into.ranges or []) + (note.ranges or [])
        into.ranges = RangeSet((offset, offset + length) for offset, length in pairs).pairs()

    def due(self) -> bool:
        """True while a report of ranges that arrived is still to come (the simulation is
        not quiet until it has gone out)."""
        return (
            self._watching
            and not self.job.state.is_final
            and any(file.has_unreported_ranges() for file in self.job.files)
        )

    def watch(self) -> None:
        """The job may move bytes on demand: look for new ranges one ``progress_interval``
        from now, or when the interval since the last report ends if that is later (C7: the
        first report is not rate limited, R4)."""
        if self._watching:
            return
        self._watching = True
        self._dispatcher.watching.add(self)
        when = self._agenda.now() + self._dispatcher.progress_interval
        if self.last_released is not None:
            when = max(when, self.last_released + self.interval())
        self._arm(when)

    def flush(self) -> None:
        """R4: the last requested range arrived: report what is unreported now, whatever
        the interval."""
        self._report("the last requested range arrived (R4)")

    def _fire(self) -> None:
        self._watching = False
        self._dispatcher.watching.discard(self)
        job = self.job
        if job.state.is_final:  # C3: nothing is raised for a final job
            return
        if self.last_released is None:  # C7: the first report goes at once
            self._report("the first requested bytes arrived (R4; C7: the first is not held)")
        else:
            self._report("ranges arrived since the last report (R4, C7)")
        if job.on_demand and job.state is _TRANSFERRING:
            self.watch()

    def _report(self, why: str) -> None:
        job = self.job
        sent = False
        for file in job.files:
            ranges = file.take_unreported_ranges()
            if not ranges:
                continue
            count = len(ranges)
            reason = (
                f"{ranges.total:,} bytes of {file.local_name!r} in {count} "
                f"range{'s' if count != 1 else ''}: {why}"
            )
            note = self._dispatcher.raise_(
                _FILE_RANGES_TRANSFERRED, job, file, reason, ranges.pairs()
            )
            if note.status is not _DONE:  # released, not folded into the last one (C7)
                self._last_of[file] = note
            sent = True
        if sent:  # C7: the next look is an interval from this one, folded or not
            now = self._agenda.now()
            self.last_released = now
            if self._watching:  # C7: the next look waits a whole interval from this report
                self._arm(now + max(self.interval(), self._dispatcher.progress_interval))
