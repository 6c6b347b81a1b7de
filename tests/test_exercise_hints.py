"""Each check picks its hint from what actually went wrong in the run, so a right answer is
never told it is wrong and a hint never contradicts a ✓ line. One test per wrong answer that
once got a hint pointing the wrong way (issue 19), naming the answer and the hint it gets now.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import bitslab as bl
from bitslab import exercises
from bitslab.classroom import read_master

ROOT = Path(__file__).resolve().parent.parent


def register_poll_complete(app: bl.App) -> None:
    """Notebook 03, Experiment 5: register a new notifier, poll, complete a TRANSFERRED job."""
    for job in app.sim.jobs:
        job.set_notify_interface(bl.RecordingNotifier(app))
        if job.state is bl.JobState.TRANSFERRED:
            job.complete()


def register_a_failing_notifier(app: bl.App) -> None:
    for job in app.sim.jobs:
        job.set_notify_interface(bl.RecordingNotifier(app, returns={"file_transferred": False}))


def register_in_a_generator(app: bl.App) -> Any:
    for job in app.sim.jobs:
        job.set_notify_interface(bl.RecordingNotifier(app))
    yield


def cancel_the_job(app: bl.App) -> None:
    for job in app.sim.jobs:
        job.cancel()


def unregister(app: bl.App) -> None:
    for job in app.sim.jobs:
        job.set_notify_interface(None)


def unanswered(app: bl.App) -> None: ...


# --- survive-crash (I4, C5, C11, L10, I8) --------------------------------------------------


def test_c11_register_poll_and_complete_survives_the_crash() -> None:
    feedback = exercises.check("survive-crash", register_poll_complete)
    assert feedback.passed, str(feedback)
    assert (
        "file_transferred 'fonts.cab': dropped as stale (C11) once your app had found the job "
        "TRANSFERRED and completed it at 30.00 s: nothing it did not know"
    ) in feedback.right


def test_c5_a_failing_callback_is_told_its_call_failed_not_that_run_1_died() -> None:
    feedback = exercises.check("survive-crash", register_a_failing_notifier)
    assert "the job's notifier belongs to the restarted app, run 2 (I4)" in feedback.right
    assert "file_transferred 'fonts.cab': pending (C5): failed (C5)" in feedback.wrong[0]
    assert feedback.hint is not None
    assert feedback.hint.startswith("your notifier was called and the call failed (C5)")
    assert "died with run 1" not in feedback.hint


def test_a_generator_on_start_is_named_as_one_that_never_runs() -> None:
    feedback = exercises.check("survive-crash", register_in_a_generator)
    assert feedback.verdict == "malformed"
    assert feedback.wrong[0].startswith("register_in_a_generator is a generator function")
    assert "none of it would run; write it without yield" in feedback.wrong[0]


def test_l10_cancelling_the_job_is_told_that_its_files_are_gone() -> None:
    feedback = exercises.check("survive-crash", cancel_the_job)
    assert "file_transferred 'fonts.cab': stale (C11)" in feedback.wrong
    assert feedback.hint is not None
    assert feedback.hint.startswith("your code cancelled the job (L10)")


def test_i8_an_app_that_unregisters_is_told_nobody_can_hear() -> None:
    feedback = exercises.check("survive-crash", unregister)
    assert feedback.hint is not None
    assert feedback.hint.startswith("with no interface set, nobody can hear (I8)")


def test_the_on_start_as_handed_out_is_no_answer_yet() -> None:
    feedback = exercises.check("survive-crash", unanswered)
    assert str(feedback).splitlines()[:2] == [
        "? survive-crash: no answer yet",
        "  - replace ... with your answer: unanswered does nothing yet; write its body",
    ]


@pytest.mark.parametrize(
    "answer", [register_a_failing_notifier, cancel_the_job, unregister, register_poll_complete]
)
def test_i4_no_hint_about_run_1_when_run_2_owns_the_notifier(answer: Any) -> None:
    feedback = exercises.check("survive-crash", answer)
    if "the job's notifier belongs to the restarted app, run 2 (I4)" in feedback.right:
        assert "died with run 1" not in (feedback.hint or "")


# --- just-the-bytes (R2, R3) -----------------------------------------------------------------


def test_a_header_one_byte_short_is_told_the_byte_missing_is_65535() -> None:
    feedback = exercises.check("just-the-bytes", [(0, 65_535), (9_900_000, 100_000)])
    assert feedback.wrong == ("the player still lacks 1 byte of the header (at 65,535)",)
    assert feedback.hint is not None
    assert feedback.hint.startswith("the end of the header is missing")
    assert "offset + length - 1" in feedback.hint


def test_a_header_that_starts_late_is_told_its_start_is_missing() -> None:
    feedback = exercises.check("just-the-bytes", [(1, 65_536), (9_900_000, 100_000)])
    assert "the player still lacks 1 byte of the header (at 0)" in feedback.wrong
    assert feedback.hint == (
        "the start of the header is missing: does your range start where the header starts?"
    )


def test_r2_an_empty_range_is_told_a_range_holds_at_least_one_byte() -> None:
    """(0, 0) ends inside the file, so "end inside the file" alone would point the wrong way;
    R2 refuses a zero-length range like one past the end, and its text says so."""
    feedback = exercises.check("just-the-bytes", [(0, 0), (0, 65_536), (9_900_000, 100_000)])
    assert "BG_E_INVALID_RANGE" in feedback.wrong[0]
    assert "range (0, 0) is empty or reaches past the end" in feedback.wrong[0]
    assert feedback.hint == (
        "a range must hold at least one byte (length > 0) and end inside the file: "
        "offset + length <= size (R2)"
    )
    assert "a zero-length range is refused like one past the end" in bl.rules["R2"].text
    past = exercises.check("just-the-bytes", [(0, 65_536), (9_900_000, 100_001)])
    assert past.hint == "a range must end inside the file: offset + length <= size (R2)"


# --- calm-progress (C7) ----------------------------------------------------------------------


def test_c7_1999_ms_is_shown_below_2_s_with_a_hint_that_it_is_a_little_short() -> None:
    feedback = exercises.check("calm-progress", 1999)
    assert "two updates came 1.999 s apart, less than 2 s: the bar flickers" in feedback.wrong
    assert not any("2.00 s apart" in text for text in feedback.wrong)
    assert feedback.hint == (
        "updates come no closer than the interval (C7), and yours is a little short of 2 s"
    )


def test_c7_c8_2_ms_lets_updates_come_as_close_as_the_dispatch_delay() -> None:
    """An interval of 2 (ms, where 2 s was meant) lets updates come as close as C8's
    dispatch delay (0.1 s): one on its way absorbs the rest (C7), and the gap shows, so that
    the hint's question about the unit has something to answer; 0 ms gives the same."""
    for interval in (2, 0):
        feedback = exercises.check("calm-progress", interval)
        assert feedback.wrong == ("two updates came 0.10 s apart, less than 2 s: the bar flickers",)
        assert feedback.hint is not None
        assert "in what unit is the interval?" in feedback.hint


def test_the_job_property_enum_is_not_read_as_9_ms() -> None:
    feedback = exercises.check("calm-progress", bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS)
    assert feedback.verdict == "malformed"
    assert feedback.wrong == (
        "the interval must be an int of milliseconds, got "
        "JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS: that names the property; the answer is "
        "its value",
    )


# --- command-line (K1, K6) -------------------------------------------------------------------


def test_a_path_that_is_not_a_raw_string_is_told_about_raw_strings() -> None:
    not_raw = "C:\\Tools\notify.exe"  # what "C:\Tools\notify.exe" is in Python: \n, a newline
    feedback = exercises.check("command-line", (not_raw, not_raw + " /done report"))
    assert feedback.wrong[0] == (
        "your program 'C:\\\\Tools\\notify.exe' holds a newline (\\n): in a Python string that "
        "is not raw, a backslash starts an escape"
    )
    assert all("\n" not in text for text in feedback.wrong)
    assert "\n" not in str(feedback.hint)
    assert feedback.hint == (
        "write Windows paths as raw strings, r'C:\\...', so that each backslash stays a backslash"
    )


def test_k1_a_tab_from_a_path_not_raw_is_told_about_raw_strings_before_the_refusal() -> None:
    """A C:-tools path typed without r'' starts with C: and a tab, so BITS refuses it (K1),
    and the refusal shows the path as the student typed it; the tab is named first, and the
    hint is about raw strings, not the rule."""
    not_raw = "C:\tools\notify.exe"  # \t: a tab, \n: a newline
    feedback = exercises.check("command-line", (not_raw, not_raw + " /done report"))
    assert feedback.wrong[:2] == (
        "your program 'C:\\tools\\notify.exe' holds a tab (\\t) and a newline (\\n): in a "
        "Python string that is not raw, a backslash starts an escape",
        "your parameters 'C:\\tools\\notify.exe /done report' hold a tab (\\t) and a newline "
        "(\\n): in a Python string that is not raw, a backslash starts an escape",
    )
    assert feedback.wrong[2].startswith(
        "BITS refused it: E_INVALIDARG: set_notify_cmdline('C:\\tools\\notify.exe', ...)"
    )  # the K1 refusal shows the tab as \t, as repr() does
    assert not any(c in text for text in feedback.wrong for c in "\t\n")
    assert feedback.hint == (
        "write Windows paths as raw strings, r'C:\\...', so that each backslash stays a backslash"
    )


def test_k1_any_control_character_in_the_parameters_is_named_with_its_escape() -> None:
    program = r"C:\Tools\notify.exe"
    feedback = exercises.check("command-line", (program, "C:\\Tools\1notify.exe /done report"))
    assert feedback.wrong[0] == (
        "your parameters 'C:\\\\Tools\\x01notify.exe /done report' hold a control character "
        "(\\x01): in a Python string that is not raw, a backslash starts an escape"
    )
    assert feedback.hint is not None
    assert feedback.hint.startswith("write Windows paths as raw strings")


def test_k6_forward_slashes_name_the_same_program_and_pass() -> None:
    answer = ("C:/Tools/notify.exe", "C:/Tools/notify.exe /done report")
    feedback = exercises.check("command-line", answer)
    assert feedback.passed, str(feedback)


# --- twice (I5) ------------------------------------------------------------------------------


def test_twice_wrong_answers_get_hints_from_where_they_went_astray() -> None:
    hints = {rule: exercises.check("twice", rule).hint for rule in bl.rules if rule != "I5"}
    assert hints["C5"] != hints["C1"] != hints["I1"] != hints["F5"]
    assert "the log's outcome column says whether a call failed" in str(hints["C5"])
    assert "job.history shows one entry into TRANSFERRED" in str(hints["C1"])
    assert str(hints["F5"]).startswith("F5 is about something else (DISABLE silences everything)")
    assert not any("I5" in str(hint) for hint in hints.values())


# --- ride-out (L5, L6) -----------------------------------------------------------------------

#: The retry delays the master's explanation names (timeout 240 s): 10-30 s always, 34-40 s
#: and 50-61 s and 100-122 s by a try that lands just after the server's return.
RIDE_OUT = [(9, False), (10, True), (30, True), (31, False), (34, True), (40, True),
            (45, False), (61, True), (62, False), (99, False), (100, True), (122, True),
            (123, False)]  # fmt: skip


@pytest.mark.parametrize(("delay", "passes"), RIDE_OUT)
def test_l5_ride_out_passes_exactly_the_delays_the_explanation_names(
    delay: int, passes: bool
) -> None:
    answer = {"minimum_retry_delay": delay, "no_progress_timeout": 240}
    assert exercises.check("ride-out", answer).passed is passes


def test_the_ride_out_explanation_names_the_same_delays() -> None:
    master = read_master(ROOT / "instructors/masters/04-ride-out.ipynb")
    for text in ("10 to 30 s", "34 to 40 s and 50 to 61 s", "100 to 122 s", "31 to 33 s"):
        assert text in master.why


# --- choose-route (N2, N4, C5, P3) -----------------------------------------------------------

ROUTE = exercises.get("choose-route")


def serve_a_failing_notifier(sim: bl.Simulation, app: bl.App, job: bl.Job) -> None:
    app.register_server(
        ROUTE.clsid, lambda app: bl.RecordingNotifier(app, returns={"file_transferred": False})
    )
    job.set_property(bl.JobProperty.NOTIFICATION_CLSID, ROUTE.clsid)


def register_again_and_start_once_the_machine_is_back(
    sim: bl.Simulation, app: bl.App, job: bl.Job
) -> None:
    app.on_start(lambda app: job.set_notify_interface(bl.RecordingNotifier(app)))
    sim.call_at(9.0, lambda: job.set_notify_interface(bl.RecordingNotifier(app)))
    sim.call_at(34.0, app.start)  # the machine is back at 33 s (P3): allowed, but the app's own


def test_c5_an_object_of_the_class_that_fails_is_told_its_call_failed_not_n4() -> None:
    feedback = exercises.check("choose-route", serve_a_failing_notifier)
    assert "file_transferred 'fonts.cab': pending (C5): failed (C5)" in feedback.wrong[0]
    assert feedback.hint is not None
    assert feedback.hint.startswith("the notifier was called and the call failed (C5)")


def test_p3_an_app_that_starts_itself_after_the_reboot_hears_everything_and_is_still_wrong() -> (
    None
):
    feedback = exercises.check("choose-route", register_again_and_start_once_the_machine_is_back)
    assert len(feedback.right) == 4  # every notification arrived
    assert feedback.wrong == (
        "run 2 of the app began at 34.00 s, started by your code: the task is that the app "
        "does not start itself again",
    )
    assert feedback.hint == (
        "after the reboot no application runs until something starts it (P3): what can start "
        "the app, other than the app itself?"
    )


def test_n4_the_on_start_hint_is_given_only_when_bits_started_the_app() -> None:
    def serve_but_raise_on_start(sim: bl.Simulation, app: bl.App, job: bl.Job) -> None:
        app.register_server(ROUTE.clsid, bl.RecordingNotifier)
        job.set_property(bl.JobProperty.NOTIFICATION_CLSID, ROUTE.clsid)
        app.on_start(lambda app: 1 / 0)

    feedback = exercises.check("choose-route", serve_but_raise_on_start)
    assert "the app never started itself: its run 2 began at 36.25 s, when BITS activated its " \
        "class (N2, P3)" in feedback.right  # fmt: skip
    assert feedback.hint == (
        "BITS started your app for its class, but an on_start function of yours raised "
        "before the app could serve it (N4); the log's detail says what"
    )
    detail = ROUTE.simulate(serve_but_raise_on_start).log.entries(outcome="failed")[0].detail
    assert "started run 2, but never served the class: an on_start function raised " \
        "ZeroDivisionError" in detail  # fmt: skip
