"""Where a job's files come from: the checks of add_file (L12, L16, R1) and of
set_remote_name (L17, R1).

Each check says, without changing anything, whether a call would be refused, so that the
call changes nothing when it is, and a scenario file can refuse a ``set_remote_name`` action
before anything runs. For set_remote_name, the job's state (final or not) is checked at the
call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._check import check_int, check_str, safe_text
from ..constants import (
    BG_E_RANDOM_ACCESS_NOT_SUPPORTED,
    BG_E_TOO_MANY_FILES,
    BG_E_TOO_MANY_FILES_IN_JOB,
    BG_SIZE_UNKNOWN,
    E_NOTIMPL,
    JobType,
)
from ..errors import BitsError, InvalidArgumentError
from .lifecycle import require_live
from .network import URL_PREFIXES

if TYPE_CHECKING:
    from .files import File
    from .jobs import Job

__all__ = ["MAX_URL", "check_new_file", "check_on_demand_allowed", "check_remote_name", "is_web"]


def is_web(url: str) -> bool:
    """R1: on-demand mode needs http or https."""
    return url.lower().startswith(("http://", "https://"))


def check_new_file(job: Job, remote_url: object, local_name: object, size: object) -> None:
    """L12, L16, R1: the checks of ``job.add_file(remote_url, local_name, size)``.

    TypeError or ValueError for arguments of the wrong type or size; BG_E_INVALID_STATE on a
    final job (L12); E_INVALIDARG for a URL that is not http(s), file or UNC; R1 for a URL
    that is not http(s) in an on-demand job; BG_E_TOO_MANY_FILES for a second file of an
    upload job; BG_E_TOO_MANY_FILES_IN_JOB once the job holds ``max_files_per_job`` (L16).
    """
    url = check_str("remote_url", remote_url)
    check_str("local_name", local_name)
    if check_int("size", size, minimum=0) >= BG_SIZE_UNKNOWN:
        raise ValueError(f"size must be below BG_SIZE_UNKNOWN (2**64 - 1), got {size}")
    what = f"add_file({str.__repr__(url)})"  # a str subclass's own repr may raise
    require_live(job, what)
    if not url.lower().startswith(URL_PREFIXES):
        raise InvalidArgumentError(
            f"{what} on job {job.name!r}: remote_url must start with http://, https://, "
            "file:// or \\\\server\\share"
        )
    if job.on_demand and not is_web(url):
        raise BitsError(
            f"{what} on on-demand job {job.name!r}: an on-demand job's files must be "
            "http or https (R1)",
            BG_E_RANDOM_ACCESS_NOT_SUPPORTED,
            rule="R1",
        )
    if job.type is not JobType.DOWNLOAD and job.files:
        raise BitsError(
            f"{what} on job {job.name!r}: an upload job holds exactly one file",
            BG_E_TOO_MANY_FILES,
        )
    limit = job.sim.max_files_per_job
    if len(job.files) >= limit:  # L16: the MaxFilesPerJob policy
        raise BitsError(
            f"{what} on job {job.name!r}: the job holds {limit} file{'s' * (limit != 1)}, "
            f"the most a job may hold: max_files_per_job is {limit} (L16)",
            BG_E_TOO_MANY_FILES_IN_JOB,
            rule="L16",
        )


def check_on_demand_allowed(job: Job) -> None:
    """R1: on-demand mode is for download jobs whose files are http or https."""
    if job.type is not JobType.DOWNLOAD or not all(is_web(f.remote_name) for f in job.files):
        raise BitsError(
            f"set_property(ON_DEMAND_MODE) on job {job.name!r}: on-demand mode needs a "
            "download job whose files are http or https (R1)",
            BG_E_RANDOM_ACCESS_NOT_SUPPORTED,
            rule="R1",
        )


#: L17: the longest remote name SetRemoteName takes, in characters.
MAX_URL = 2_200


def check_remote_name(file: File, url: object, size: object = None) -> int | None:
    """L17: the checks of ``file.set_remote_name(url, size)``, in add_file's order; the size
    the new server holds (None: not given).

    TypeError or ValueError for a ``url`` that is not a str or a ``size`` that is not a whole
    number of bytes below BG_SIZE_UNKNOWN; then (L12, F4: the state before the arguments)
    BG_E_INVALID_STATE on a final job; E_NOTIMPL for a file of an upload or upload-reply
    job; E_INVALIDARG for a URL that is not http://, https://, file:// or \\\\server\\share or
    is over 2,200 characters; BG_E_RANDOM_ACCESS_NOT_SUPPORTED for one that is not http(s) in
    an on-demand job (R1).
    """
    text = check_str("url", url)
    server = None if size is None else check_int("size", size, minimum=0)
    if server is not None and server >= BG_SIZE_UNKNOWN:
        raise ValueError(f"size must be below BG_SIZE_UNKNOWN (2**64 - 1), got {server}")
    job = file.job
    require_live(job, f"set_remote_name() on file {file.local_name!r}", "L17")
    what = f"set_remote_name({safe_text(text)}) on file {file.local_name!r}"
    if job.type is not JobType.DOWNLOAD:
        raise BitsError(
            f"{what}: job {job.name!r} is an {job.type.name} job; only a download job's files "
            "can be fetched from elsewhere (L17)",
            E_NOTIMPL,
            rule="L17",
        )
    if len(text) > MAX_URL or not text.lower().startswith(URL_PREFIXES):
        raise InvalidArgumentError(
            f"{what}: url must start with http://, https://, file:// or \\\\server\\share and "
            f"be at most {MAX_URL:,} characters, got {len(text):,} (L17)",
            rule="L17",
        )
    if job.on_demand and not is_web(text):
        raise BitsError(
            f"{what}: on-demand job {job.name!r} takes only an http or https url (R1)",
            BG_E_RANDOM_ACCESS_NOT_SUPPORTED,
            rule="R1",
        )
    return server
