"""Files of a job: what the server holds, what has arrived, and when the size is known (L14, S4)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from .constants import BG_SIZE_UNKNOWN, JobType

if TYPE_CHECKING:
    from .jobs import Job
    from .transfer import Transfer

__all__ = ["File", "FileProgress"]


class FileProgress(NamedTuple):
    """L14: a file's progress; ``bytes_total`` is BG_SIZE_UNKNOWN until BITS has connected."""

    bytes_total: int
    bytes_transferred: int
    completed: bool


class File:
    """One file of a job: a remote URL, a local name and the size the server holds."""

    __slots__ = (
        "_completed",
        "_done",
        "_size_known",
        "_transfer",
        "job",
        "local_name",
        "remote_name",
        "size",
    )

    def __init__(self, job: Job, remote_name: str, local_name: str, size: int) -> None:
        self.job = job
        self.remote_name = remote_name
        self.local_name = local_name
        self.size = size
        self._done = 0.0
        self._transfer: Transfer | None = None
        # L14: BITS learns a download's size from the server; an upload's file is local.
        self._size_known = job.type is not JobType.DOWNLOAD
        self._completed = False

    @property
    def progress(self) -> FileProgress:
        """L14: bytes known, bytes transferred so far (rising during a transfer), completed."""
        return FileProgress(
            self.size if self._size_known else BG_SIZE_UNKNOWN,
            self.bytes_transferred,
            self._completed,
        )

    @property
    def bytes_transferred(self) -> int:
        """Bytes of this file transferred so far."""
        done = self._done if self._transfer is None else self._transfer.transferred(self)
        # Rate times elapsed time is a float; the epsilon reads 9999.999... as 10000.
        return min(self.size, int(done + 1e-6))

    @property
    def completed(self) -> bool:
        """True once every byte of the file has arrived."""
        return self._completed

    def _learn_size(self) -> None:
        """L14: the server tells BITS the size on the first connection for this file."""
        self._size_known = True

    def _complete(self) -> None:
        self._completed = True
        self.job._files_done += 1
        self.job.sim._delivery.on_file_transferred(self.job, self)  # C4

    def __repr__(self) -> str:
        return (
            f"<File {self.remote_name!r} -> {self.local_name!r} "
            f"{self.bytes_transferred}/{self.size} bytes>"
        )
