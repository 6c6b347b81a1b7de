"""bitslab: learn how Windows BITS notifies applications, without Windows.

A SimPy model of BITS jobs, files, the network and the scheduler. Rule IDs (L3, S5, ...) are
keys of :data:`bitslab.rules` (``python -m bitslab rules L3`` prints one; the docs' rules page
lists them all); every public name below is part of the contract on the docs' API page.

>>> import bitslab as bl
>>> sim = bl.Simulation(seed=0)
>>> job = sim.create_job("nightly")
>>> _ = job.add_file("https://example.test/a.bin", "a.bin", size=4_000_000)
>>> job.resume()
>>> sim.run()
>>> [change.new.name for change in job.history]
['SUSPENDED', 'QUEUED', 'CONNECTING', 'TRANSFERRING', 'TRANSFERRED']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import scenarios
from .budget import RunBudgetError
from .constants import (
    BG_E_EMPTY,
    BG_E_ERROR_INFORMATION_UNAVAILABLE,
    BG_E_HTTP_ERROR_404,
    BG_E_HTTP_ERROR_503,
    BG_E_INVALID_RANGE,
    BG_E_INVALID_STATE,
    BG_E_NETWORK_DISCONNECTED,
    BG_E_NOT_FOUND,
    BG_E_RANDOM_ACCESS_NOT_SUPPORTED,
    BG_E_STRING_TOO_LONG,
    BG_E_TOO_MANY_FILES,
    BG_LENGTH_TO_EOF,
    BG_NOTIFY_DISABLE,
    BG_NOTIFY_FILE_RANGES_TRANSFERRED,
    BG_NOTIFY_FILE_TRANSFERRED,
    BG_NOTIFY_JOB_ERROR,
    BG_NOTIFY_JOB_MODIFICATION,
    BG_NOTIFY_JOB_TRANSFERRED,
    BG_SIZE_UNKNOWN,
    E_FAIL,
    E_INVALIDARG,
    E_NOTIMPL,
    RPC_S_SERVER_UNAVAILABLE,
    S_FALSE,
    S_OK,
    ErrorContext,
    JobPriority,
    JobProperty,
    JobState,
    JobType,
    NotifyFlags,
    hresult_name,
    http_error_hresult,
)
from .errors import BitsError, InvalidArgumentError
from .log import OUTCOMES, EventLog, FileRecord, JobRecord, LogEntry
from .model.apps import App, Run
from .model.files import File, FileProgress
from .model.jobs import Job, JobError, JobProgress, StateChange
from .model.network import Network
from .model.notifiers import Call, Notifier, RecordingNotifier
from .rulebook import Rule, rules
from .simulation import Simulation
from .sweep import sweep

#: The one place the version is written: pyproject.toml reads it from here.
__version__ = "0.1.0"

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
    "BG_LENGTH_TO_EOF",
    "BG_NOTIFY_DISABLE",
    "BG_NOTIFY_FILE_RANGES_TRANSFERRED",
    "BG_NOTIFY_FILE_TRANSFERRED",
    "BG_NOTIFY_JOB_ERROR",
    "BG_NOTIFY_JOB_MODIFICATION",
    "BG_NOTIFY_JOB_TRANSFERRED",
    "BG_SIZE_UNKNOWN",
    "E_FAIL",
    "E_INVALIDARG",
    "E_NOTIMPL",
    "OUTCOMES",
    "RPC_S_SERVER_UNAVAILABLE",
    "S_FALSE",
    "S_OK",
    "App",
    "BitsError",
    "Call",
    "ErrorContext",
    "EventLog",
    "File",
    "FileProgress",
    "FileRecord",
    "InvalidArgumentError",
    "Job",
    "JobError",
    "JobPriority",
    "JobProgress",
    "JobProperty",
    "JobRecord",
    "JobState",
    "JobType",
    "LogEntry",
    "Network",
    "Notifier",
    "NotifyFlags",
    "RecordingNotifier",
    "Rule",
    "Run",
    "RunBudgetError",
    "ScenarioFile",
    "ScenarioFileError",
    "Simulation",
    "StateChange",
    "__version__",
    "hresult_name",
    "http_error_hresult",
    "rules",
    "scenarios",
    "sweep",
]


if TYPE_CHECKING:
    from .scenarios.file import ScenarioFile, ScenarioFileError

#: Names imported on first use, so that ``import bitslab`` stays quick (the scenario-file
#: reader needs tomllib and pathlib, which a simulation does not).
_LAZY = {"ScenarioFile": "scenarios.file", "ScenarioFileError": "scenarios.tables"}


def __getattr__(name: str) -> Any:
    """``bl.ScenarioFile`` and ``bl.ScenarioFileError``, imported on first use; and
    ``bl.BG_E_HTTP_ERROR_nnn`` for any HTTP error status nnn from 400 to 599 (L5, L7)."""
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    prefix = "BG_E_HTTP_ERROR_"
    if name.startswith(prefix) and name[len(prefix) :].isdigit():
        status = int(name[len(prefix) :])
        if 400 <= status <= 599:
            return http_error_hresult(status)
    raise AttributeError(f"module 'bitslab' has no attribute {name!r}")
