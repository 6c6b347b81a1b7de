"""Solutions to the classroom exercises in ``notebooks/exercises/``: for instructors.

Each entry of ``SOLUTIONS`` is an answer that :func:`bitslab.exercises.check` accepts, and
``WHY`` says in a few sentences what a student should be able to explain about it. The checks
judge what the run did, not the answer's text, so other answers pass too (the tests in
``tests/test_exercises.py`` try several). Print a feedback to see what a student would see:

    python instructors/solutions.py
"""

from __future__ import annotations

from typing import Any

import bitslab as bl
from bitslab import exercises

Flags = bl.NotifyFlags


def register_again(app: bl.App) -> None:
    """survive-crash: at each start, give BITS a new notifier, owned by this run (I4)."""
    notifier = bl.RecordingNotifier(app)
    for job in app.sim.jobs:
        if not job.state.is_final:
            job.set_notify_interface(notifier)


SOLUTIONS: dict[str, Any] = {
    "every-file": Flags.JOB_TRANSFERRED | Flags.JOB_ERROR | Flags.FILE_TRANSFERRED,  # 0x13
    "survive-crash": register_again,
    "twice": "I5",
    "ride-out": {"minimum_retry_delay": 20, "no_progress_timeout": 240},
    "command-line": (r"C:\Tools\notify.exe", r"C:\Tools\notify.exe /done report"),
    "just-the-bytes": [(0, 65_536), (9_900_000, 100_000)],
    "calm-progress": 2000,
}

WHY = {
    "every-file": (
        "FILE_TRANSFERRED (0x10) lets file_transferred through; JOB_TRANSFERRED and JOB_ERROR "
        "(the default 0x3, F2) cover the end of each job. JOB_MODIFICATION would wake the app "
        "for every change of progress (C3), and DISABLE would silence everything (F5). "
        "FILE_RANGES_TRANSFERRED does no harm, but asks for nothing here (R6)."
    ),
    "survive-crash": (
        "The notifier registered before the crash died with that run (I4): BITS's calls into "
        "it fail and are retried (C5) until someone registers. A new notifier, made by the "
        "restarted run, set on the job, makes BITS retry at once; the waiting file "
        "notifications then arrive in order, before job_transferred (C4). Flags survive (P1)."
    ),
    "twice": (
        "I5: setting an interface on a job that is already TRANSFERRED calls job_transferred "
        "on it, even if an earlier interface got the call. The app never completed the job, "
        "so it was still TRANSFERRED when the restarted app registered. At least once, not "
        "exactly once: an app must cope with hearing it again."
    ),
    "ride-out": (
        "A retry delay between 10 and about 60 s keeps the tries at 10 or fewer and brings "
        "the first try after 100 s early enough (L5). The no-progress timeout, counted from "
        "the first transient error, must outlast the 100 s of 503s but not 300 s, so a dead "
        "server ends in ERROR and job_error (L6, C2). 503s alone never call job_error."
    ),
    "command-line": (
        "With the app gone and the interface set to None (I7), only a command line can hear "
        "(K3). The program must be a full path (K1); the parameters are the whole command "
        "line, so they start with the program itself. A tool that exits non-zero is run "
        "again after the retry delay (K5)."
    ),
    "just-the-bytes": (
        "A range is (offset, length): the index starts at 10,000,000 - 100,000 = 9,900,000. "
        "(9_900_000, bl.BG_LENGTH_TO_EOF) works too. A range past the end is refused whole "
        "(R2); overlapping asks are fetched once (R3); with only ranges done the job waits "
        "in SUSPENDED (R5)."
    ),
    "calm-progress": (
        "MINIMUM_NOTIFICATION_INTERVAL_MS is in milliseconds: 2000 to about 2800 gives updates at "
        "least 2 s apart and 8 or more in 20 s (C7). The default, 500, flickers."
    ),
}


if __name__ == "__main__":
    for exercise_id, answer in SOLUTIONS.items():
        print(exercises.check(exercise_id, answer))
        print(f"  why: {WHY[exercise_id]}\n")
