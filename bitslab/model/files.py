"""Files of a job: what the server holds, which bytes have arrived, and which are wanted.

- L14: a download's size is learnt when BITS first connects for it.
- L17: :meth:`File.set_remote_name` names another server, asked from the next connection; a
  size that differs there restarts the file.
- S4: a job's files transfer one at a time, in the order added.
- R1-R5: in an on-demand job a file transfers only the byte ranges asked for with
  :meth:`File.request_ranges`; :meth:`File.filled_ranges` says which bytes are present.

Bytes flow at a rate (see :mod:`bitslab.model.transfer`), so between checkpoints a file's progress
is a float; at each checkpoint the whole bytes that arrived move from the wanted ranges to the
filled ones, in the order they were requested.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from .._check import check_int, got
from ..constants import (
    BG_E_INVALID_RANGE,
    BG_E_RANDOM_ACCESS_NOT_SUPPORTED,
    BG_LENGTH_TO_EOF,
    BG_SIZE_UNKNOWN,
    JobProperty,
    JobState,
    JobType,
)
from ..errors import BitsError
from .events import Modified
from .lifecycle import require_live
from .ranges import RangeQueue, RangeSet, Span
from .remote import check_remote_name

if TYPE_CHECKING:
    from .jobs import Job
    from .transfer import Transfer

__all__ = ["File", "FileProgress"]

_EPSILON = 1e-6  # rate times elapsed time is a float: 9999.9999999 bytes are 10000


class FileProgress(NamedTuple):
    """L14: a file's progress (BG_FILE_PROGRESS); ``bytes_total`` is BG_SIZE_UNKNOWN until
    BITS has connected; ``completed`` is True once the file is available to the user: for a
    download, only after ``job.complete()``; for an upload, once its bytes reached the server."""

    bytes_total: int
    bytes_transferred: int
    completed: bool


class File:
    """One file of a job: a remote URL, a local name and the size the server holds."""

    __slots__ = (
        "_filled",
        "_job",
        "_local_name",
        "_remote_name",
        "_server_size",
        "_size",
        "_size_known",
        "_source",
        "_transferred",
        "_unreported",
        "_wanted",
        "done",
    )

    def __init__(self, job: Job, remote_name: str, local_name: str, size: int) -> None:
        self._job = job
        self._remote_name = remote_name
        self._source = remote_name  # L17: the URL of the last connection for this file
        self._local_name = local_name
        self._size = size  # what BITS fetches: the size learnt at the last connection (L14)
        self._server_size = size  # L17: what the server of remote_name holds
        #: Bytes present at the last checkpoint, with the fraction of the next one; not a BITS
        #: name: the transfer moves it on with :meth:`advance` only.
        self.done = 0.0
        self._filled = RangeSet()  # the whole bytes present
        self._wanted = RangeQueue()  # R5: bytes requested and not yet present, oldest first
        self._unreported = RangeSet()  # R4: bytes filled on demand since the last report
        # L14: BITS learns a download's size from the server; an upload's file is local.
        self._size_known = job.type is not JobType.DOWNLOAD
        self._transferred = False  # every byte has arrived (C4); see transferred

    # -- what a file is (read-only but for set_remote_name, L17) ---------------------------------

    @property
    def job(self) -> Job:
        """The job this file belongs to."""
        return self._job

    @property
    def remote_name(self) -> str:
        """The URL the file comes from (or goes to, for an upload); the new one at once after
        :meth:`set_remote_name` (L17)."""
        return self._remote_name

    @property
    def source(self) -> str:
        """The URL of the job's last connection for this file, which bytes flow from while
        they do: :attr:`remote_name` until :meth:`set_remote_name` changes it, then the new
        name from the next connection on (L17). Not a BITS name."""
        return self._source

    @property
    def local_name(self) -> str:
        """The file's name on the machine."""
        return self._local_name

    @property
    def size(self) -> int:
        """The size of the file BITS fetches, in bytes: the one given to add_file, or after
        :meth:`set_remote_name` the new server's, once BITS has connected to it (L14, L17)."""
        return self._size

    @property
    def progress(self) -> FileProgress:
        """L14: bytes known, bytes transferred so far (rising during a transfer), and
        completed (see :attr:`completed`)."""
        return FileProgress(
            self._size if self._size_known else BG_SIZE_UNKNOWN,
            self.bytes_transferred,
            self.completed,
        )

    @property
    def bytes_transferred(self) -> int:
        """Bytes of this file present so far (for an on-demand file, in every range)."""
        return min(self._size, int(self._present() + _EPSILON))

    @property
    def completed(self) -> bool:
        """L14: BG_FILE_PROGRESS's Completed: the file is available to the user. For a
        download, True only once the job is ACKNOWLEDGED (after ``complete()``) with every
        byte of the file present, never merely because its bytes arrived; for an upload, True
        once its bytes reached the server."""
        if not self._transferred:
            return False
        job = self._job
        return job.type is not JobType.DOWNLOAD or job.state is JobState.ACKNOWLEDGED

    @property
    def transferred(self) -> bool:
        """True once every byte of the file has arrived (or, for an upload, was sent): what
        ``job.progress.files_transferred`` counts and file_transferred reports (C4). Not a
        BITS name: BITS says only :attr:`completed`, which for a download waits for
        ``complete()`` (L14)."""
        return self._transferred

    # -- on-demand ranges (R1-R5) --------------------------------------------------------------

    def request_ranges(self, ranges: Iterable[tuple[int, int]]) -> None:
        """Ask for byte ranges of this file, as ``(offset, length)`` pairs (R1-R5).

        ``length`` may be :data:`bitslab.BG_LENGTH_TO_EOF` for "to the end of the file".
        Ranges may overlap each other and what is present or already asked for: only the
        missing bytes are fetched, once each (R3). Requests are served oldest first, each
        in offset order (model choice). The request does not resume the job: a SUSPENDED
        on-demand job needs ``job.resume()`` (R5).

        Fails with BG_E_INVALID_STATE on a final job (L12), BG_E_RANDOM_ACCESS_NOT_SUPPORTED
        when the job is not in on-demand mode (R1; a model choice even for a job that could
        be put in that mode) and BG_E_INVALID_RANGE when a range is empty or reaches past the
        size given to ``add_file`` (R2); a failed request keeps nothing of itself.
        """
        checked = self._check_ranges(ranges)
        job = self._job
        what = f"request_ranges() on file {self.local_name!r}"
        require_live(job, what)
        if not job.get_property(JobProperty.ON_DEMAND_MODE):
            raise BitsError(
                f"{what}: job {job.name!r} is not in on-demand mode; set "
                "JobProperty.ON_DEMAND_MODE first (R1)",
                BG_E_RANDOM_ACCESS_NOT_SUPPORTED,
                rule="R1",
            )
        for pair, (start, end) in checked:
            if end > self._size or start >= end:
                raise BitsError(
                    f"{what}: range {pair!r} is empty or reaches past the end of the file "
                    f"({self._size:,} bytes); nothing of this request was kept (R2)",
                    BG_E_INVALID_RANGE,
                    rule="R2",
                )
        pieces = self._new_pieces([span for _, span in checked])
        if pieces:  # a request for nothing new changes nothing, not even the plan
            job.ledger.change_work(lambda: self._want(pieces))

    def filled_ranges(self) -> list[tuple[int, int]]:
        """The bytes present, as sorted, merged ``(offset, length)`` pairs (R3).

        During a transfer this includes the bytes that have arrived so far.
        """
        present = self._filled
        arriving = int(self._present() + _EPSILON) - present.total
        if arriving > 0:
            present = present.copy()
            for start, end in self._next_bytes(arriving):
                present.add(start, end)
        return present.pairs()

    def outstanding_ranges(self) -> list[tuple[int, int]]:
        """The bytes requested and not yet present, as sorted, merged ``(offset, length)``
        pairs (R5: an on-demand job is done when there are none, in every file)."""
        wanted = self._wanted.bytes.copy()
        arriving = int(self._present() + _EPSILON) - self._filled.total
        if arriving > 0:
            for start, end in self._next_bytes(arriving):
                wanted.remove(start, end)
        return wanted.pairs()

    def has_unreported_ranges(self) -> bool:
        """R4: True while bytes filled on demand wait for a file_ranges_transferred report.
        Not a BITS method."""
        return bool(self._unreported)

    def take_unreported_ranges(self) -> RangeSet:
        """R4: the bytes filled on demand since the last call (including those arriving now),
        which are then counted as reported. Not a BITS method."""
        transfer = self._transfer()
        if transfer is not None:
            transfer.checkpoint()
        taken, self._unreported = self._unreported, RangeSet()
        return taken

    # -- for the transfer (not BITS methods) -----------------------------------------------------

    def work_left(self) -> int:
        """Whole bytes still to fetch: the wanted ones on demand (R5), else the missing ones.
        Not a BITS method."""
        if self._job.on_demand:
            return self._wanted.bytes.total
        return self._size - self._filled.total

    def goal(self) -> int:
        """The bytes present once this turn's work is done (a transfer's target). Not a BITS
        method."""
        return self._filled.total + self.work_left()

    def needs_turn(self) -> bool:
        """S4, R5: the file has bytes to fetch (or, empty, has still to be marked transferred).
        Not a BITS method."""
        return not self._transferred and (self.work_left() > 0 or self._whole())

    def advance(self, done: float) -> None:
        """A checkpoint: ``done`` bytes are present; fill the whole ones that arrived. Not a
        BITS method: the job's ledger calls it, keeping its total."""
        filled = self._filled
        arrived = int(done + _EPSILON) - filled.total
        if arrived > 0:
            if self._job.on_demand:
                for start, end in self._wanted.take(arrived):
                    filled.add(start, end)
                    self._unreported.add(start, end)
            else:
                wanted = self._wanted
                for start, end in self._next_bytes(arrived):
                    filled.add(start, end)
                    if wanted:  # bytes asked for on demand before the mode was switched off
                        wanted.remove(start, end)
        self.done = done

    def connect(self) -> str:
        """L17: the job connects for this file: from now on its bytes come from
        :attr:`remote_name`, the URL returned. Not a BITS method."""
        self._source = self._remote_name
        return self._source

    def learn_size(self) -> bool:
        """L14: the server tells BITS the file's size at the connection. L17: when a new
        server's file differs in size from the one fetched so far, the download restarts:
        the bytes held are dropped (on demand, the ranges they filled are asked for again,
        within the new size); True if so. Not a BITS method: the job's ledger calls it,
        keeping its total."""
        self._size_known = True
        size = self._server_size
        if size == self._size:
            return False
        wanted = RangeQueue()
        for start, end in (*(self._filled if self._job.on_demand else ()), *self._wanted):
            wanted.append(start, min(end, size))
        self._filled, self._wanted, self._unreported = RangeSet(), wanted, RangeSet()
        self._size, self.done = size, 0.0
        return True

    def transferred_if_whole(self) -> bool:
        """C4: once every byte is present the file is transferred; True if it is. Not a BITS
        method."""
        if self._whole():
            self._transferred = True
        return self._transferred

    # -- the remote name (L17) --------------------------------------------------------------------

    def set_remote_name(self, url: str, size: int | None = None) -> None:
        """L17: fetch this file from ``url`` from the job's next connection for it
        (IBackgroundCopyFile2::SetRemoteName); ``size`` is what that server holds (None: the
        same file as the server named before).

        :attr:`remote_name` reports ``url`` at once; bytes already flowing keep coming from
        the old server until the job next connects for the file (the usual pattern: suspend,
        set, resume; or set it in job_error, then resume). If the new server's size differs,
        the file's download restarts from zero; otherwise it resumes from the bytes held. A
        file already transferred is not fetched again. The job gets a job_modification (C3).

        Fails with E_NOTIMPL for a file of an upload or upload-reply job, E_INVALIDARG for a
        URL that is not http://, https://, file:// or \\\\server\\share or is over 2,200
        characters, BG_E_RANDOM_ACCESS_NOT_SUPPORTED for one that is not http(s) in an
        on-demand job (R1), and, before any of these, BG_E_INVALID_STATE on a final job (L12);
        a refused call changes nothing.
        """
        server = check_remote_name(self, url, size)  # L17, and L12 before the arguments
        job = self._job
        self._remote_name = url
        if server is not None:
            self._server_size = server
        job.lifecycle.events.publish(Modified(job, f"file {self._local_name!r} remote name set"))

    # -- internals -----------------------------------------------------------------------------

    def _transfer(self) -> Transfer | None:
        """The transfer moving this file's bytes now, if any (the transfer owns that link)."""
        transfer = self._job.ledger.transfer()
        return transfer if transfer is not None and transfer.file is self else None

    def _present(self) -> float:
        """Bytes present, counting those flowing since the transfer's last checkpoint."""
        transfer = self._transfer()
        return self.done if transfer is None else transfer.transferred(self)

    def _whole(self) -> bool:
        return self._filled.total == self._size

    def _next_bytes(self, count: int) -> list[Span]:
        """The next ``count`` bytes this file will fetch, without fetching them."""
        if self._job.on_demand:
            return self._wanted.peek(count)
        if count >= self._size - self._filled.total:  # the rest of the file
            return self._filled.missing(0, self._size)
        taken: list[Span] = []
        for start, end in self._filled.missing(0, self._size):
            if count <= 0:
                break
            stop = min(end, start + count)
            taken.append((start, stop))
            count -= stop - start
        return taken

    def _new_pieces(self, spans: list[Span]) -> list[Span]:
        """R3: the bytes of ``spans`` neither present nor already wanted, in offset order
        (model choice: one request's pieces go in offset order)."""
        pieces = RangeSet()
        for start, end in spans:
            for a, b in self._filled.missing(start, end):
                for c, d in self._wanted.bytes.missing(a, b):
                    pieces.add(c, d)
        return list(pieces)

    def _want(self, pieces: list[Span]) -> None:
        """Queue ``pieces`` (from :meth:`_new_pieces`) after what is wanted already."""
        for start, end in pieces:
            self._wanted.append(start, end)

    def _check_ranges(self, ranges: object) -> list[tuple[tuple[int, int], Span]]:
        """Each ``(offset, length)`` pair with its half-open span; TypeError or ValueError
        for anything that is not a list of pairs of non-negative ints."""
        if isinstance(ranges, (str, bytes)) or not isinstance(ranges, Iterable):
            raise TypeError(f"ranges must be a list of (offset, length) pairs, got {got(ranges)}")
        checked: list[tuple[tuple[int, int], Span]] = []
        for pair in ranges:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"each of ranges must be an (offset, length) pair, got {got(pair)}")
            offset = check_int("offset of a range", pair[0], minimum=0)
            length = check_int("length of a range", pair[1], minimum=0)
            end = self._size if length == BG_LENGTH_TO_EOF else offset + length
            checked.append(((offset, length), (offset, end)))
        return checked

    def __repr__(self) -> str:
        return (
            f"<File {self.remote_name!r} -> {self.local_name!r} "
            f"{self.bytes_transferred}/{self._size} bytes>"
        )
