"""BITS constants: notify flags, job states, priorities, types, error contexts and HRESULTs.

One table, one place. Values are those of Microsoft's headers (``bits.h``, ``bits5_0.h``,
``bitsmsg.h``), as the docs' API page lists them.
"""

from __future__ import annotations

import enum
import uuid

from ._check import check_int

__all__ = [
    "BG_E_EMPTY",
    "BG_E_ERROR_INFORMATION_UNAVAILABLE",
    "BG_E_HTTP_ERROR_404",
    "BG_E_HTTP_ERROR_503",
    "BG_E_INVALID_RANGE",
    "BG_E_INVALID_STATE",
    "BG_E_NETWORK_DISCONNECTED",
    "BG_E_NOT_FOUND",
    "BG_E_RANDOM_ACCESS_NOT_SUPPORTED",
    "BG_E_STRING_TOO_LONG",
    "BG_E_TOO_MANY_FILES",
    "BG_E_TOO_MANY_FILES_IN_JOB",
    "BG_LENGTH_TO_EOF",
    "BG_NOTIFY_DISABLE",
    "BG_NOTIFY_FILE_RANGES_TRANSFERRED",
    "BG_NOTIFY_FILE_TRANSFERRED",
    "BG_NOTIFY_JOB_ERROR",
    "BG_NOTIFY_JOB_MODIFICATION",
    "BG_NOTIFY_JOB_TRANSFERRED",
    "BG_SIZE_UNKNOWN",
    "CO_E_SERVER_EXEC_FAILURE",
    "E_FAIL",
    "E_INVALIDARG",
    "E_NOTIMPL",
    "GUID_NULL",
    "REGDB_E_CLASSNOTREG",
    "RPC_S_SERVER_UNAVAILABLE",
    "S_FALSE",
    "S_OK",
    "ErrorContext",
    "JobPriority",
    "JobProperty",
    "JobState",
    "JobType",
    "NotifyFlags",
    "hresult_name",
    "http_error_hresult",
]


class NotifyFlags(enum.IntFlag):
    """The BG_NOTIFY_* flags of SetNotifyFlags (F1); the valid mask is 0x3F."""

    JOB_TRANSFERRED = 0x0001
    JOB_ERROR = 0x0002
    DISABLE = 0x0004
    JOB_MODIFICATION = 0x0008
    FILE_TRANSFERRED = 0x0010
    FILE_RANGES_TRANSFERRED = 0x0020


class _NamedIntEnum(enum.IntEnum):
    """An IntEnum that prints as its name (``print(job.state)`` shows ``TRANSFERRED``)."""

    def __str__(self) -> str:
        return self.name

    def __format__(self, spec: str) -> str:
        return format(self.name, spec)


class JobState(_NamedIntEnum):
    """BG_JOB_STATE: the nine states of a job (L1-L12)."""

    QUEUED = 0
    CONNECTING = 1
    TRANSFERRING = 2
    SUSPENDED = 3
    ERROR = 4
    TRANSIENT_ERROR = 5
    TRANSFERRED = 6
    ACKNOWLEDGED = 7
    CANCELLED = 8

    @property
    def is_final(self) -> bool:
        """ACKNOWLEDGED and CANCELLED are final (L12)."""
        return self in _FINAL_STATES

    @property
    def is_action(self) -> bool:
        """QUEUED, CONNECTING and TRANSFERRING: the states the scheduler serves (S1)."""
        return self in _ACTION_STATES

    @property
    def is_busy(self) -> bool:
        """An action state or TRANSIENT_ERROR: BITS still has work under way for the job,
        so ``sim.run()`` goes on (the other states are where a run can become quiet)."""
        return self in _BUSY_STATES


_FINAL_STATES = frozenset({JobState.ACKNOWLEDGED, JobState.CANCELLED})
_ACTION_STATES = frozenset({JobState.QUEUED, JobState.CONNECTING, JobState.TRANSFERRING})
_BUSY_STATES = _ACTION_STATES | {JobState.TRANSIENT_ERROR}


class JobPriority(_NamedIntEnum):
    """BG_JOB_PRIORITY: FOREGROUND runs beside the background jobs (S3); lower value wins (S1)."""

    FOREGROUND = 0
    HIGH = 1
    NORMAL = 2
    LOW = 3


class JobType(_NamedIntEnum):
    """BG_JOB_TYPE."""

    DOWNLOAD = 0
    UPLOAD = 1
    UPLOAD_REPLY = 2


class ErrorContext(_NamedIntEnum):
    """BG_ERROR_CONTEXT: where an error happened (L13)."""

    NONE = 0
    UNKNOWN = 1
    GENERAL_QUEUE_MANAGER = 2
    QUEUE_MANAGER_NOTIFICATION = 3
    LOCAL_FILE = 4
    REMOTE_FILE = 5
    GENERAL_TRANSPORT = 6
    REMOTE_APPLICATION = 7


class JobProperty(_NamedIntEnum):
    """BITS_JOB_PROPERTY_ID values that bitslab models (bits5_0.h)."""

    NOTIFICATION_CLSID = 2
    MINIMUM_NOTIFICATION_INTERVAL_MS = 9
    ON_DEMAND_MODE = 10


S_OK = 0x00000000
#: A success HRESULT that is not S_OK: success by default, a failure under s_ok_only (C5).
S_FALSE = 0x00000001
E_NOTIMPL = 0x80004001
E_FAIL = 0x80004005
E_INVALIDARG = 0x80070057
BG_E_NOT_FOUND = 0x80200001
BG_E_INVALID_STATE = 0x80200002
BG_E_EMPTY = 0x80200003
BG_E_ERROR_INFORMATION_UNAVAILABLE = 0x8020000F
BG_E_NETWORK_DISCONNECTED = 0x80200010
BG_E_TOO_MANY_FILES = 0x8020001C
BG_E_STRING_TOO_LONG = 0x80200021
BG_E_INVALID_RANGE = 0x8020002B
BG_E_TOO_MANY_FILES_IN_JOB = 0x80200051  # L16: the MaxFilesPerJob policy
BG_E_RANDOM_ACCESS_NOT_SUPPORTED = 0x8020006D
RPC_S_SERVER_UNAVAILABLE = 0x800706BA
REGDB_E_CLASSNOTREG = 0x80040154  # N4: no server is registered for a CLSID
CO_E_SERVER_EXEC_FAILURE = 0x80080005  # N4: the server could not be started
BG_E_HTTP_ERROR_BASE = 0x80190000

BG_E_HTTP_ERROR_404 = BG_E_HTTP_ERROR_BASE + 404  # 0x80190194, the example of L7
BG_E_HTTP_ERROR_503 = BG_E_HTTP_ERROR_BASE + 503  # 0x801901F7

BG_SIZE_UNKNOWN = 2**64 - 1
#: The all-zero GUID: no notification CLSID (N1).
GUID_NULL = uuid.UUID(int=0)
#: A range length meaning "to the end of the file" (BG_FILE_RANGE, R2).
BG_LENGTH_TO_EOF = 2**64 - 1

BG_NOTIFY_JOB_TRANSFERRED = NotifyFlags.JOB_TRANSFERRED
BG_NOTIFY_JOB_ERROR = NotifyFlags.JOB_ERROR
BG_NOTIFY_DISABLE = NotifyFlags.DISABLE
BG_NOTIFY_JOB_MODIFICATION = NotifyFlags.JOB_MODIFICATION
BG_NOTIFY_FILE_TRANSFERRED = NotifyFlags.FILE_TRANSFERRED
BG_NOTIFY_FILE_RANGES_TRANSFERRED = NotifyFlags.FILE_RANGES_TRANSFERRED

_HRESULT_NAMES = {
    value: name
    for name, value in sorted(globals().items())
    if (name.startswith(("BG_E_", "CO_E_", "E_", "REGDB_E_", "RPC_S_", "S_")))
    and isinstance(value, int)
    and not name.startswith("BG_E_HTTP_ERROR_")
}


def http_error_hresult(status: int) -> int:
    """The HRESULT BITS reports for an HTTP error status: BG_E_HTTP_ERROR_nnn (L7).

    >>> hex(http_error_hresult(404))
    '0x80190194'
    """
    return BG_E_HTTP_ERROR_BASE + check_int("status", status, minimum=100, maximum=599, enums=True)


def hresult_name(hresult: int) -> str:
    """The symbolic name of an HRESULT, or its hex form when bitslab has no name for it.

    A signed HRESULT, as Windows APIs often report one, is read as its unsigned value.

    >>> hresult_name(0x80190194)
    'BG_E_HTTP_ERROR_404'
    >>> hresult_name(-2147467259)
    'E_FAIL'
    """
    hresult = check_int("hresult", hresult, minimum=-(2**31), maximum=2**32 - 1) & 0xFFFFFFFF
    name = _HRESULT_NAMES.get(hresult)
    if name is not None:
        return name
    if BG_E_HTTP_ERROR_BASE + 100 <= hresult <= BG_E_HTTP_ERROR_BASE + 599:
        return f"BG_E_HTTP_ERROR_{hresult - BG_E_HTTP_ERROR_BASE}"
    return f"0x{hresult:08X}"
