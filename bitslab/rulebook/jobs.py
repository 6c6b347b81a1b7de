"""The rules of jobs: their lifecycle (L), scheduling and bandwidth (S), on-demand ranges
(R) and persistence (P)."""

from __future__ import annotations

from .record import (
    MODEL,
    PRIORITY,
    PROPERTY,
    RANGES_CALLBACK,
    REQUEST_RANGES,
    SET_IFACE,
    STATE,
    Rule,
)

__all__ = ["JOB_RULES"]

JOB_RULES = (
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
        STATE,
    ),
    Rule(
        "L4",
        "L",
        "Disconnects are transient errors",
        "Losing the network puts active jobs into TRANSIENT_ERROR with "
        "BG_E_NETWORK_DISCONNECTED, and they requeue as soon as it returns, with no retry "
        "delay.",
        STATE,
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
        "A job without progress for the no-progress timeout after a transient error (at "
        "once if the retry delay is longer) goes to ERROR; in bitslab disconnects never count "
        "toward it.",
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
        STATE,
    ),
    Rule(
        "L13",
        "L",
        "The last error stays readable",
        "get_error() answers from when a job enters ERROR or TRANSIENT_ERROR until it next "
        "starts TRANSFERRING or is final, and otherwise fails with "
        "BG_E_ERROR_INFORMATION_UNAVAILABLE.",
        "IBackgroundCopyJob::GetError",
    ),
    Rule(
        "L14",
        "L",
        "What progress reports",
        "Progress counts from zero with bytes_total unknown until every size is, and a "
        "download file is completed only after complete(), an upload file once sent.",
        "BG_JOB_PROGRESS",
    ),
    Rule(
        "L15",
        "L",
        "An error names its file",
        "The error from get_error() also names its file (None for a network outage) and "
        "describes itself in words, the HTTP status and its reason or what the network did.",
        "IBackgroundCopyError",
    ),
    Rule(
        "L16",
        "L",
        "At most 200 files per job",
        "add_file beyond max_files_per_job (200 by default) fails with "
        "BG_E_TOO_MANY_FILES_IN_JOB, and bitslab accepts a relative local name.",
        "BITS group policies (MaxFilesPerJob)",
        model_choice=True,
    ),
    Rule(
        "L17",
        "L",
        "set_remote_name changes the URL",
        "A download file's URL can change until the job is final, taking effect at the next "
        "connection, which restarts the file if the new server's size differs.",
        "IBackgroundCopyFile2::SetRemoteName",
    ),
    # S: scheduling and bandwidth
    Rule(
        "S1",
        "S",
        "Higher priority goes first",
        "While any higher-priority background job is queued, connecting or transferring, "
        "lower-priority background jobs wait.",
        PRIORITY,
    ),
    Rule(
        "S2",
        "S",
        "Equal priorities take turns",
        "Jobs of equal priority take turns in time slices, 10 s by default in bitslab, "
        "so one big download cannot hog the link.",
        PRIORITY,
    ),
    Rule(
        "S3",
        "S",
        "Foreground runs beside background",
        "Foreground jobs transfer at the same time as one background job.",
        PRIORITY,
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
        PRIORITY,
        model_choice=True,
    ),
    # R: on-demand jobs and byte ranges
    Rule(
        "R1",
        "R",
        "On-demand is for HTTP downloads",
        "Only http or https download jobs can turn on on-demand mode, and bitslab makes "
        "request_ranges() need it, otherwise the call fails with "
        "BG_E_RANDOM_ACCESS_NOT_SUPPORTED.",
        PROPERTY,
        model_choice=True,
    ),
    Rule(
        "R2",
        "R",
        "Ranges must fit the file",
        "A request with any range beyond the file's end is rejected whole with "
        "BG_E_INVALID_RANGE, checked against the size bitslab was given in add_file; a "
        "zero-length range is refused like one past the end.",
        REQUEST_RANGES,
        model_choice=True,
    ),
    Rule(
        "R3",
        "R",
        "No byte downloaded twice",
        "Overlapping requests are cut into separate pieces so that no byte is fetched twice.",
        REQUEST_RANGES,
    ),
    Rule(
        "R4",
        "R",
        "Range reports since the last one",
        "file_ranges_transferred lists the (offset, length) ranges done since its last call, "
        "is rate limited like modifications, and is flushed just before job_transferred.",
        RANGES_CALLBACK,
    ),
    Rule(
        "R5",
        "R",
        "On-demand jobs fetch only requests",
        "An on-demand job downloads only what was requested, and once nothing is outstanding "
        "it becomes TRANSFERRED if every file is complete, or SUSPENDED otherwise.",
        PROPERTY,
    ),
    Rule(
        "R6",
        "R",
        "Range flag ignored off demand",
        "For a job outside on-demand mode, the FILE_RANGES_TRANSFERRED flag never delivers "
        "anything.",
        RANGES_CALLBACK,
    ),
    # P: persistence
    Rule(
        "P1",
        "P",
        "Jobs survive a restart",
        "Jobs with their files, progress, flags and command line outlive an application "
        "restart, and only the interface is lost.",
        SET_IFACE,
    ),
    Rule(
        "P2",
        "P",
        "The BITS service restarts",
        "A BITS service restart keeps every job but loses every callback object, and nothing "
        "transfers or is delivered while it is down, though in bitslab the API still answers.",
        "Registering a COM Callback",
        model_choice=True,
    ),
    Rule(
        "P3",
        "P",
        "The machine reboots",
        "A reboot is a service restart during which every application's run ends as a crash, "
        "and no application runs until something starts it after the machine is back.",
        MODEL,
    ),
)
