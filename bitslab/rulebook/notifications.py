"""The rules of notification: flags (F), the interface (I), callbacks (C), delivery
decisions (D) and command lines (K)."""

from __future__ import annotations

from .record import (
    CALLBACK,
    CMDLINE,
    MODEL,
    MODIFICATION,
    PROPERTY,
    SET_FLAGS,
    SET_IFACE,
    TRANSFERRED,
    Rule,
)

__all__ = ["NOTIFICATION_RULES"]

NOTIFICATION_RULES = (
    # F: notify flags
    Rule(
        "F1",
        "F",
        "Six flags, mask 0x3F",
        "There are six notify flags, so only the low six bits (0x3F) can ever be valid.",
        SET_FLAGS,
    ),
    Rule(
        "F2",
        "F",
        "New jobs want transfer and error",
        "A freshly created job asks only for the transferred and error notifications, "
        "which is the value 0x3.",
        SET_FLAGS,
    ),
    Rule(
        "F3",
        "F",
        "Unknown flag bits are refused",
        "Passing any bit above 0x3F makes the call fail with E_NOTIMPL, "
        "and the job keeps the flags it had.",
        SET_FLAGS,
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
        SET_FLAGS,
    ),
    Rule(
        "F6",
        "F",
        "Flags are checked at delivery",
        "bitslab looks at the flags when it tries to deliver, so a notification already "
        "waiting goes out only if its flag is still set at that moment.",
        MODEL,
        model_choice=True,
    ),
    Rule(
        "F7",
        "F",
        "Range flag matters only on demand",
        "Any job accepts the FILE_RANGES_TRANSFERRED flag, but only on-demand jobs ever "
        "produce range reports.",
        SET_FLAGS,
    ),
    Rule(
        "F8",
        "F",
        "Unflagged notifications are filtered",
        "If the job did not ask for a kind of notification it is not delivered, yet the log "
        "keeps an entry for it marked filtered.",
        SET_FLAGS,
    ),
    # I: the notify interface
    Rule(
        "I1",
        "I",
        "The last interface wins",
        "Each new interface replaces the one before it, and setting None unregisters "
        "the current one.",
        SET_IFACE,
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
        SET_IFACE,
    ),
    Rule(
        "I4",
        "I",
        "The interface dies with its app",
        "BITS does not remember the interface, so once its application exits or crashes the "
        "calls fail, and a restarted application must register afresh and poll for what it "
        "missed.",
        SET_IFACE,
    ),
    Rule(
        "I5",
        "I",
        "Late registration still gets called",
        "Registering on a job already in TRANSFERRED (or, by bitslab's choice, in ERROR) "
        "makes that callback fire once on the new interface, even if an older one had it.",
        CALLBACK,
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
        SET_IFACE,
    ),
    Rule(
        "I8",
        "I",
        "No receiver means no delivery",
        "With no live interface, callback class or command line a notification is not "
        "retried (I5 still replays job-level ones), but bitslab keeps calls into a crashed "
        "app pending.",
        MODEL,
        model_choice=True,
    ),
    # C: callbacks
    Rule(
        "C1",
        "C",
        "job_transferred follows the last file",
        "job_transferred is called once every file in the job has finished and the job "
        "becomes TRANSFERRED.",
        TRANSFERRED,
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
        MODIFICATION,
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
        "Anything but None, True or a success HRESULT fails the call, retried after the "
        "retry delay or at once on a new interface unless a command line takes over; "
        "bitslab's s_ok_only fails S_FALSE.",
        TRANSFERRED,
        model_choice=True,
    ),
    Rule(
        "C6",
        "C",
        "No retry for progress calls",
        "A failed job_modification or file_ranges_transferred call is simply lost, "
        "not tried again.",
        MODIFICATION,
    ),
    Rule(
        "C7",
        "C",
        "Progress reports are rate limited",
        "bitslab releases a job's progress calls at most once per minimum notification "
        "interval (500 ms) per kind; one not yet called absorbs later ones; after a slot wait "
        "the next may follow by C8's delay.",
        PROPERTY,
        model_choice=True,
    ),
    Rule(
        "C8",
        "C",
        "Modifications can arrive late",
        "Because job_modification travels at a lower priority, a job_transferred raised "
        "later can overtake it.",
        MODIFICATION,
    ),
    Rule(
        "C9",
        "C",
        "Four notifications in flight",
        "BITS has at most four notifications outstanding per user and never gives up on a "
        "blocking one, so a slow callback delays the rest; bitslab's callback_timeout is off "
        "by default.",
        CALLBACK,
        model_choice=True,
    ),
    Rule(
        "C10",
        "C",
        "Callbacks may call the API",
        "A callback is free to use the job, typically calling complete() from "
        "job_transferred or resume() from job_error.",
        TRANSFERRED,
    ),
    Rule(
        "C11",
        "C",
        "Outdated notifications are dropped",
        "bitslab drops a waiting notification as stale once it no longer matches the job, "
        "like job_transferred after the job moved on from TRANSFERRED, or anything for a "
        "final job.",
        MODEL,
        model_choice=True,
    ),
    # D: the order of delivery decisions
    Rule(
        "D1",
        "D",
        "One fixed order of decisions",
        "Each attempt checks stale, disabled, not_on_demand, filtered, no_interface (or a "
        "callback class, N2), not_implemented, app_down, then failed or cmdline, and logs "
        "the first that applies.",
        MODEL,
    ),
    # K: command-line notification
    Rule(
        "K1",
        "K",
        "Command line needs a full path",
        "An absolute program path of at most 260 characters and parameters of at most 4000 "
        "(which by convention begin with the program; bitslab does not check); (None, None) "
        "removes it.",
        CMDLINE,
    ),
    Rule(
        "K2",
        "K",
        "Only transfer and error run it",
        "The command line runs only when the job reaches TRANSFERRED or ERROR with the "
        "matching flag set, and never while DISABLE is on.",
        CMDLINE,
    ),
    Rule(
        "K3",
        "K",
        "The command line is the fallback",
        "BITS runs the command line only when there is no usable interface or the "
        "interface's callback failed.",
        CMDLINE,
    ),
    Rule(
        "K4",
        "K",
        "A late command line still runs",
        "Setting a command line on a job already in TRANSFERRED or ERROR runs it at once, "
        "unless an interface already handled that event successfully.",
        CMDLINE,
    ),
    Rule(
        "K5",
        "K",
        "Failed commands are rerun",
        "A command that fails to start or exits non-zero is rerun after the retry delay until "
        "it exits 0 or the event is stale, but bitslab still replays the event to an "
        "interface set later.",
        CMDLINE,
        model_choice=True,
    ),
    Rule(
        "K6",
        "K",
        "Command lines are simulated",
        "bitslab never launches a real process but maps each program path to a Python "
        "handler returning an exit code, and an unknown path fails to launch.",
        MODEL,
    ),
    Rule(
        "K7",
        "K",
        "Final jobs refuse a command line",
        "A cancelled or acknowledged job refuses a new command line with BG_E_INVALID_STATE.",
        CMDLINE,
    ),
)
