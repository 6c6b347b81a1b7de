"""A raised notification, from the moment BITS raises it until its final log entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model.agenda import cancel
from ..vocabulary import Method, Outcome, Status

if TYPE_CHECKING:
    from ..model.agenda import Timer
    from ..model.files import File
    from ..model.jobs import Job

__all__ = ["TEXT", "Notification"]

_NEW = Status.NEW  # bound once: reading a member off its enum class is slow on Python 3.11

#: Each method, outcome and status as the plain string the log and its views keep: entries
#: and pending notifications hold ``str``, so they print as before (a plain string, not an
#: enum member's repr), and a callback is looked up by a plain name.
TEXT: dict[str, str] = {
    member: member.value for kind in (Method, Outcome, Status) for member in kind
}


class Notification:
    """One notification: what it is about, why it was raised, and where it stands.

    ``status`` is a :class:`~bitslab.vocabulary.Status`: ``new`` (just raised), ``held``
    (the rate limiter holds it, C7), ``waiting`` (behind the job's earlier notifications, C4),
    ``delayed`` (on its way to dispatch, C8), ``ready`` (waiting for one of the four slots,
    C9), ``in_flight`` (the callback is running), ``running`` (the command line is running,
    K3), ``attempted`` (the call has returned; what follows is being decided), ``retry``
    (waiting for the retry delay, C5, K5) or ``done``. Only the dispatcher's ``set_status``
    moves it (it keeps the count of active notifications).
    """

    __slots__ = (
        "attempts",
        "cmdline_ran",
        "episode",
        "file",
        "id",
        "job",
        "method",
        "raised",
        "ranges",
        "reason",
        "status",
        "timer",
        "via_cmdline",
    )

    def __init__(
        self,
        id: int,
        method: Method,
        job: Job,
        file: File | None,
        raised: float,
        reason: str,
        ranges: list[tuple[int, int]] | None = None,
        via_cmdline: bool = False,
    ) -> None:
        self.id = id
        self.method = method
        self.job = job
        self.file = file
        self.raised = raised
        self.reason = reason
        self.ranges = ranges
        self.episode = job.episode  # C11: which stay in a state a job-level one is about
        self.attempts = 0
        self.status = _NEW
        self.timer: Timer | None = None  # its next dispatch or retry, cancelled if it ends
        self.via_cmdline = via_cmdline  # K4, K5: only the command line is tried for this event
        self.cmdline_ran = False  # K5: the command line has run once for this event

    def set_timer(self, timer: Timer | None) -> None:
        """Keep ``timer`` as the notification's next step, cancelling the one before."""
        cancel(self.timer)
        self.timer = timer

    def __repr__(self) -> str:
        return f"<Notification #{self.id} {self.method} job {self.job.name!r} {self.status}>"
