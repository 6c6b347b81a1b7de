"""Where a download file is fetched from: the checks of set_remote_name (L17, R1).

:meth:`bitslab.File.set_remote_name` changes the URL; this module says, without changing
anything, whether a call would be refused for its arguments or its job's type, so that a
scenario file can refuse a ``set_remote_name`` action before anything runs. The job's state
(final or not) is checked at the call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._check import check_int, check_str, safe_text
from ..constants import BG_E_RANDOM_ACCESS_NOT_SUPPORTED, BG_SIZE_UNKNOWN, E_NOTIMPL, JobType
from ..errors import BitsError, InvalidArgumentError
from .network import URL_PREFIXES

if TYPE_CHECKING:
    from .files import File

__all__ = ["MAX_URL", "check_remote_name"]

#: L17: the longest remote name SetRemoteName takes, in characters.
MAX_URL = 2_200


def check_remote_name(file: File, url: object, size: object = None) -> int | None:
    """L17: the checks of ``file.set_remote_name(url, size)`` that do not depend on the job's
    state; the size the new server holds (None: not given).

    TypeError or ValueError for a ``url`` that is not a str or a ``size`` that is not a whole
    number of bytes below BG_SIZE_UNKNOWN; E_NOTIMPL for a file of an upload or upload-reply
    job; E_INVALIDARG for a URL that is not http://, https://, file:// or \\\\server\\share or
    is over 2,200 characters; BG_E_RANDOM_ACCESS_NOT_SUPPORTED for one that is not http(s) in
    an on-demand job (R1).
    """
    text = check_str("url", url)
    server = None if size is None else check_int("size", size, minimum=0)
    if server is not None and server >= BG_SIZE_UNKNOWN:
        raise ValueError(f"size must be below BG_SIZE_UNKNOWN (2**64 - 1), got {server}")
    job = file.job
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
    if job.on_demand and not text.lower().startswith(("http://", "https://")):
        raise BitsError(
            f"{what}: on-demand job {job.name!r} takes only an http or https url (R1)",
            BG_E_RANDOM_ACCESS_NOT_SUPPORTED,
            rule="R1",
        )
    return server
