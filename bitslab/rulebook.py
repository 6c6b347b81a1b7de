"""The rules catalogue: every rule bitslab follows, by ID, in plain words.

Each :class:`Rule` says what BITS does (or what bitslab chose where the documentation is silent:
``model_choice`` is then true), and names the public page it comes from. The event log, the
tests and the notebooks cite these IDs. This module is data only: the one piece of logic is
the lookup in :func:`rule`. This is the one source of the rules' text: the docs' rules page
(an anchor per ID), ``python -m bitslab rules`` and the event log's explanations read it.

>>> from bitslab.rulebook import rule, rules
>>> len(rules)
61
>>> rule("F5").title
'DISABLE silences everything'
>>> [r.id for r in rules.values() if r.model_choice][:3]
['F4', 'F6', 'I5']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["FAMILIES", "Rule", "rule", "rules"]

_MODEL = "bitslab model"
_SET_FLAGS = "IBackgroundCopyJob::SetNotifyFlags"
_SET_IFACE = "IBackgroundCopyJob::SetNotifyInterface"
_CMDLINE = "IBackgroundCopyJob2::SetNotifyCmdLine"
_CALLBACK = "IBackgroundCopyCallback"
_TRANSFERRED = "IBackgroundCopyCallback::JobTransferred"
_MODIFICATION = "IBackgroundCopyCallback::JobModification"
_RANGES_CALLBACK = "IBackgroundCopyCallback3::FileRangesTransferred"
_REQUEST_RANGES = "IBackgroundCopyFile6::RequestFileRanges"
_PROPERTY = "BITS_JOB_PROPERTY_ID"
_STATE = "BG_JOB_STATE"
_PRIORITY = "BG_JOB_PRIORITY"


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: its ID, a short title, one plain sentence and the public page it comes from.

    ``model_choice`` is true where bitslab decided something the public sources leave open.
    """

    id: str
    family: str
    title: str
    text: str
    source: str
    model_choice: bool = False

    def __str__(self) -> str:
        return f"{self.id} ({self.title}): {self.text}"


FAMILIES: Mapping[str, str] = MappingProxyType(
    {
        "F": "notify flags",
        "I": "notify interface",
        "C": "callbacks",
        "D": "delivery decisions",
        "K": "command lines",
        "L": "job lifecycle",
        "S": "scheduling and bandwidth",
        "R": "on-demand ranges",
        "P": "persistence",
    }
)

_RULES = (
    # F: notify flags
    Rule(
        "F1",
        "F",
        "Six flags, mask 0x3F",
        "There are six notify flags, so only the low six bits (0x3F) can ever be valid.",
        _SET_FLAGS,
    ),
    Rule(
        "F2",
        "F",
        "New jobs want transfer and error",
        "A freshly created job asks only for the transferred and error notifications, "
        "which is the value 0x3.",
        _SET_FLAGS,
    ),
    Rule(
        "F3",
        "F",
        "Unknown flag bits are refused",
        "Passing any bit above 0x3F makes the call fail with E_NOTIMPL, "
        "and the job keeps the flags it had.",
        _SET_FLAGS,
    ),
    Rule(
        "F4",
        "F",
        "Final jobs refuse new flags",
        "A job that is cancelled or acknowledged rejects new flags with BG_E_INVALID_STATE, "
        "and bitslab, like Wine, checks the state before it looks at the flags.",
        "Wine qmgr tests",
        model_choice=True,
    ),
    Rule(
        "F5",
        "F",
        "DISABLE silences everything",
        "With DISABLE set, nothing reaches the application, neither a callback nor the "
        "command line, no matter which other flags are on.",
        _SET_FLAGS,
    ),
    Rule(
        "F6",
        "F",
        "Flags are checked at delivery",
        "bitslab looks at the flags when it tries to deliver, so a notification already "
        "waiting goes out only if its flag is still set at that moment.",
        _MODEL,
        model_choice=True,
    ),
    Rule(
        "F7",
        "F",
        "Range flag matters only on demand",
        "Any job accepts the FILE_RANGES_TRANSFERRED flag, but only on-demand jobs ever "
        "produce range reports.",
        _SET_FLAGS,
    ),
    Rule(
        "F8",
        "F",
        "Unflagged notifications are filtered",
        "If the job did not ask for a kind of notification it is not delivered, yet the log "
        "keeps an entry for it marked filtered.",
        _SET_FLAGS,
    ),
    # I: the notify interface
    Rule(
        "I1",
        "I",
        "The last interface wins",
        "Each new interface replaces the one before it, and setting None unregisters "
        "the current one.",
        _SET_IFACE,
    ),
    Rule(
        "I2",
        "I",
        "New jobs have no interface",
        "Until someone registers an interface, asking a new job for it gives None.",
        "IBackgroundCopyJob::GetNotifyInterface",
    ),
    Rule(
        "I3",
        "I",
        "Final jobs refuse an interface",
        "Once a job is cancelled or acknowledged, registering or clearing its interface is "
        "refused with BG_E_INVALID_STATE.",
        _SET_IFACE,
    ),
    Rule(
        "I4",
        "I",
        "The interface dies with its app",
        "BITS does not remember the interface, so once its application exits or crashes the "
        "calls fail, and a restarted application must register afresh and poll for what it "
        "missed.",
        _SET_IFACE,
    ),
    Rule(
        "I5",
        "I",
        "Late registration still gets called",
        "Registering on a job already in TRANSFERRED (or, by bitslab's choice, in ERROR) "
        "makes that callback fire once on the new interface, even if an older one had it.",
        _CALLBACK,
        model_choice=True,
    ),
    Rule(
        "I6",
        "I",
        "Missing methods are not called",
        "If the notifier object has no method for a kind of notification, BITS skips it and "
        "the log records it as not implemented.",
        "IBackgroundCopyCallback2::FileTransferred",
    ),
    Rule(
        "I7",
        "I",
        "Clean exits unregister first",
        "An application that exits cleanly clears its interface first, whereas after a crash "
        "BITS only finds out on its next failing call.",
        _SET_IFACE,
    ),
    Rule(
        "I8",
        "I",
        "No receiver means no delivery",
        "Without an interface or a command line, a notification is dropped for good, but "
        "bitslab keeps calls into a crashed app pending, so only a clean exit loses them.",
        _MODEL,
        model_choice=True,
    ),
    # C: callbacks
    Rule(
        "C1",
        "C",
        "job_transferred follows the last file",
        "job_transferred is called once every file in the job has finished and the job "
        "becomes TRANSFERRED.",
        _TRANSFERRED,
    ),
    Rule(
        "C2",
        "C",
        "job_error on entering ERROR",
        "job_error is called when the job lands in ERROR, never for a merely transient error.",
        "IBackgroundCopyCallback::JobError",
    ),
    Rule(
        "C3",
        "C",
        "What counts as a modification",
        "job_modification fires for progress, new files, property edits and state changes, "
        "including TRANSIENT_ERROR by bitslab's choice, but not for ERROR, TRANSFERRED or a "
        "final job.",
        _MODIFICATION,
        model_choice=True,
    ),
    Rule(
        "C4",
        "C",
        "file_transferred comes one at a time",
        "Each finished file gets its own file_transferred call, one at a time per job, and "
        "all of them go out before the job's job_transferred or job_error.",
        "IBackgroundCopyCallback2::FileTransferred",
    ),
    Rule(
        "C5",
        "C",
        "Failed callbacks are retried",
        "Raising, returning False or a failing HRESULT is a failure, and bitslab retries it "
        "after the job's retry delay or at once on a new interface, unless a command line "
        "takes over.",
        _TRANSFERRED,
        model_choice=True,
    ),
    Rule(
        "C6",
        "C",
        "No retry for progress calls",
        "A failed job_modification or file_ranges_transferred call is simply lost, "
        "not tried again.",
        _MODIFICATION,
    ),
    Rule(
        "C7",
        "C",
        "Progress reports are rate limited",
        "Per job, modification and range reports each go out at most once per minimum "
        "notification interval (500 ms by default), and extras in between merge into one.",
        _PROPERTY,
    ),
    Rule(
        "C8",
        "C",
        "Modifications can arrive late",
        "Because job_modification travels at a lower priority, a job_transferred raised "
        "later can overtake it.",
        _MODIFICATION,
    ),
    Rule(
        "C9",
        "C",
        "Four notifications in flight",
        "BITS has at most four notifications outstanding per user, so one slow callback "
        "delays the rest, and bitslab simulates a single user.",
        _MODIFICATION,
    ),
    Rule(
        "C10",
        "C",
        "Callbacks may call the API",
        "A callback is free to use the job, typically calling complete() from "
        "job_transferred or resume() from job_error.",
        _TRANSFERRED,
    ),
    Rule(
        "C11",
        "C",
        "Outdated notifications are dropped",
        "bitslab drops a waiting notification as stale once it no longer matches the job, "
        "like job_transferred after the job moved on from TRANSFERRED, or anything for a "
        "final job.",
        _MODEL,
        model_choice=True,
    ),
    # D: the order of delivery decisions
    Rule(
        "D1",
        "D",
        "One fixed order of decisions",
        "Each delivery attempt checks stale, disabled, not_on_demand, filtered, no_interface, "
        "not_implemented, app_down and failed in that order and logs the first that applies.",
        _MODEL,
    ),
    # K: command-line notification
    Rule(
        "K1",
        "K",
        "Command line needs a full path",
        "An absolute program path of at most 260 characters, and parameters of at most 4000 "
        "that begin with the program itself; (None, None) removes the command line.",
        _CMDLINE,
    ),
    Rule(
        "K2",
        "K",
        "Only transfer and error run it",
        "The command line runs only when the job reaches TRANSFERRED or ERROR with the "
        "matching flag set, and never while DISABLE is on.",
        _CMDLINE,
    ),
    Rule(
        "K3",
        "K",
        "The command line is the fallback",
        "BITS runs the command line only when there is no usable interface or the "
        "interface's callback failed.",
        _CMDLINE,
    ),
    Rule(
        "K4",
        "K",
        "A late command line still runs",
        "Setting a command line on a job already in TRANSFERRED or ERROR runs it at once, "
        "unless an interface already handled that event successfully.",
        _CMDLINE,
    ),
    Rule(
        "K5",
        "K",
        "Failed commands are rerun",
        "A command that fails to start or exits non-zero is tried again after the retry "
        "delay until it exits 0 or the event is stale, and the callback is not used again.",
        _CMDLINE,
    ),
    Rule(
        "K6",
        "K",
        "Command lines are simulated",
        "bitslab never launches a real process but maps each program path to a Python "
        "handler returning an exit code, and an unknown path fails to launch.",
        _MODEL,
    ),
    Rule(
        "K7",
        "K",
        "Final jobs refuse a command line",
        "A cancelled or acknowledged job refuses a new command line with BG_E_INVALID_STATE.",
        _CMDLINE,
    ),
    # L: job lifecycle
    Rule(
        "L1",
        "L",
        "What a new job looks like",
        "A new job starts SUSPENDED at NORMAL priority with a 600 s retry delay (never below "
        "5 s) and a no-progress timeout of 14 days.",
        "IBackgroundCopyManager::CreateJob",
    ),
    Rule(
        "L2",
        "L",
        "resume() starts a job",
        "resume() queues a suspended job, but a job without files fails with BG_E_EMPTY and "
        "stays suspended.",
        "IBackgroundCopyJob::Resume",
    ),
    Rule(
        "L3",
        "L",
        "The normal path to TRANSFERRED",
        "A job goes from QUEUED through CONNECTING and TRANSFERRING to TRANSFERRED, back to "
        "QUEUED when its time slice ends and a job of equal priority waits.",
        _STATE,
    ),
    Rule(
        "L4",
        "L",
        "Disconnects are transient errors",
        "Losing the network puts active jobs into TRANSIENT_ERROR with "
        "BG_E_NETWORK_DISCONNECTED, and they requeue as soon as it returns, with no retry "
        "delay.",
        _STATE,
    ),
    Rule(
        "L5",
        "L",
        "Recoverable errors wait and retry",
        "A recoverable failure such as HTTP 5xx or a refused connection puts the job in "
        "TRANSIENT_ERROR until the retry delay passes or resume() is called.",
        "IBackgroundCopyJob::SetMinimumRetryDelay",
    ),
    Rule(
        "L6",
        "L",
        "No progress turns into ERROR",
        "A job stuck without progress for the no-progress timeout after a transient error "
        "goes to ERROR, and in bitslab network disconnects never count toward that timeout.",
        "IBackgroundCopyJob::SetNoProgressTimeout",
        model_choice=True,
    ),
    Rule(
        "L7",
        "L",
        "Fatal errors end in ERROR",
        "bitslab treats HTTP 4xx as fatal and 5xx as transient, so a 404 sends the job to "
        "ERROR with BG_E_HTTP_ERROR_404 in the REMOTE_FILE context.",
        "BG_ERROR_CONTEXT",
        model_choice=True,
    ),
    Rule(
        "L8",
        "L",
        "resume() retries a failed job",
        "Calling resume() on a job in ERROR puts it back in the queue.",
        "IBackgroundCopyJob::Resume",
    ),
    Rule(
        "L9",
        "L",
        "suspend() pauses any live job",
        "suspend() puts any job that is not yet final into SUSPENDED.",
        "IBackgroundCopyJob::Suspend",
    ),
    Rule(
        "L10",
        "L",
        "cancel() ends any live job",
        "cancel() moves any job that is not yet final to CANCELLED.",
        "IBackgroundCopyJob::Cancel",
    ),
    Rule(
        "L11",
        "L",
        "complete() acknowledges a job",
        "complete() acknowledges a download job from any non-final state but an upload job "
        "only once it is TRANSFERRED, otherwise failing with BG_E_INVALID_STATE.",
        "IBackgroundCopyJob::Complete",
    ),
    Rule(
        "L12",
        "L",
        "Final states are final",
        "Once a job is ACKNOWLEDGED or CANCELLED, any call that would change its state or "
        "notifications fails with BG_E_INVALID_STATE.",
        _STATE,
    ),
    Rule(
        "L13",
        "L",
        "Error details only in error states",
        "get_error() returns a context and HRESULT only in ERROR or TRANSIENT_ERROR, and "
        "otherwise fails with BG_E_ERROR_INFORMATION_UNAVAILABLE.",
        "IBackgroundCopyJob::GetError",
    ),
    Rule(
        "L14",
        "L",
        "What progress reports",
        "Progress counts bytes and files from zero, shows bytes_total as BG_SIZE_UNKNOWN "
        "until every file size is known, and is complete once the job is TRANSFERRED.",
        "BG_JOB_PROGRESS",
    ),
    # S: scheduling and bandwidth
    Rule(
        "S1",
        "S",
        "Higher priority goes first",
        "While any higher-priority background job is queued, connecting or transferring, "
        "lower-priority background jobs wait.",
        _PRIORITY,
    ),
    Rule(
        "S2",
        "S",
        "Equal priorities take turns",
        "Jobs of equal priority take turns in time slices, 10 s by default in bitslab, "
        "so one big download cannot hog the link.",
        _PRIORITY,
    ),
    Rule(
        "S3",
        "S",
        "Foreground runs beside background",
        "Foreground jobs transfer at the same time as one background job.",
        _PRIORITY,
    ),
    Rule(
        "S4",
        "S",
        "Files go one by one",
        "Within a job, files are downloaded one after another in the order they were added.",
        "IBackgroundCopyJob::AddFile",
    ),
    Rule(
        "S5",
        "S",
        "Background uses idle bandwidth",
        "Background jobs get only the bandwidth left idle (but at least a trickle, 1% by "
        "default), while bitslab lets foreground jobs share the link fairly with other "
        "traffic.",
        _PRIORITY,
        model_choice=True,
    ),
    # R: on-demand jobs and byte ranges
    Rule(
        "R1",
        "R",
        "On-demand is for HTTP downloads",
        "Only http or https download jobs can turn on on-demand mode and request_ranges() "
        "needs it, otherwise the call fails with BG_E_RANDOM_ACCESS_NOT_SUPPORTED.",
        _PROPERTY,
    ),
    Rule(
        "R2",
        "R",
        "Ranges must fit the file",
        "A request with any range beyond the file's end is rejected whole with "
        "BG_E_INVALID_RANGE, checked against the size bitslab was given in add_file.",
        _REQUEST_RANGES,
        model_choice=True,
    ),
    Rule(
        "R3",
        "R",
        "No byte downloaded twice",
        "Overlapping requests are cut into separate pieces so that no byte is fetched twice.",
        _REQUEST_RANGES,
    ),
    Rule(
        "R4",
        "R",
        "Range reports since the last one",
        "file_ranges_transferred lists the (offset, length) ranges done since its last call, "
        "is rate limited like modifications, and is flushed just before job_transferred.",
        _RANGES_CALLBACK,
    ),
    Rule(
        "R5",
        "R",
        "On-demand jobs fetch only requests",
        "An on-demand job downloads only what was requested, and once nothing is outstanding "
        "it becomes TRANSFERRED if every file is complete, or SUSPENDED otherwise.",
        _PROPERTY,
    ),
    Rule(
        "R6",
        "R",
        "Range flag ignored off demand",
        "For a job outside on-demand mode, the FILE_RANGES_TRANSFERRED flag never delivers "
        "anything.",
        _RANGES_CALLBACK,
    ),
    # P: persistence
    Rule(
        "P1",
        "P",
        "Jobs survive a restart",
        "Jobs with their files, progress, flags and command line outlive an application "
        "restart, and only the interface is lost.",
        _SET_IFACE,
    ),
)

rules: Mapping[str, Rule] = MappingProxyType({r.id: r for r in _RULES})
"""Every rule by ID, family by family (F, I, C, D, K, L, S, R, P), in number order; read-only."""


def rule(rule_id: str) -> Rule:
    """The rule with this ID; an unknown ID raises ``KeyError`` saying what IDs look like.

    >>> print(rule("L2").source)
    IBackgroundCopyJob::Resume
    """
    try:
        return rules[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule {rule_id!r}; rule IDs look like F5, L3, S2") from None
