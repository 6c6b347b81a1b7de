"""bitslab.exercises: every check accepts a right answer, rejects a wrong one with a hint that
does not give the answer away, and calls a malformed one malformed without raising.

Right answers come from ``instructors/solutions.py``, which reads them from the master
notebooks, so the solutions instructors hand out are proven here.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bitslab as bl
from bitslab import exercises
from bitslab.exercises import EXERCISES, Feedback
from bitslab.exercises.errors import RideOut
from bitslab.timeline import arrivals

ROOT = Path(__file__).resolve().parent.parent
Flags = bl.NotifyFlags


def _solutions() -> Any:
    spec = importlib.util.spec_from_file_location("solutions", ROOT / "instructors/solutions.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SOLUTIONS = _solutions().SOLUTIONS
WHY = _solutions().WHY


def register_again(app: bl.App) -> None:
    for job in app.sim.jobs:
        job.set_notify_interface(bl.RecordingNotifier(app))


def do_nothing(app: bl.App) -> None:
    pass


def only_look(app: bl.App) -> None:
    _ = list(app.sim.jobs)  # runs, but registers nothing


def register_without_app(app: bl.App) -> None:
    for job in app.sim.jobs:
        job.set_notify_interface(bl.RecordingNotifier())


def register_the_dead_one(app: bl.App) -> None:
    for job in app.sim.jobs:  # the notifier of run 1, still on the job: it died with run 1
        job.set_notify_interface(job.get_notify_interface())


def register_and_reset_flags(app: bl.App) -> None:
    for job in app.sim.jobs:
        job.set_notify_flags(Flags.JOB_TRANSFERRED | Flags.JOB_ERROR)
        job.set_notify_interface(bl.RecordingNotifier(app))


def crash_in_my_code(app: bl.App) -> None:
    raise RuntimeError("oops")


# --- answers to "choose-route": setup(sim, app, job), before the world runs -------------------

ROUTE = exercises.get("choose-route")
NOTIFY = r"C:\Tools\notify.exe"


def name_and_serve_the_class(sim: bl.Simulation, app: bl.App, job: bl.Job) -> None:
    app.register_server(str(ROUTE.clsid), lambda app: bl.RecordingNotifier(app))
    job.set_property(bl.JobProperty.NOTIFICATION_CLSID, ROUTE.clsid)


def the_class_and_a_command_line(sim: bl.Simulation, app: bl.App, job: bl.Job) -> None:
    name_and_serve_the_class(sim, app, job)
    job.set_notify_cmdline(NOTIFY, f"{NOTIFY} /done nightly")


def the_class_and_register_on_start(sim: bl.Simulation, app: bl.App, job: bl.Job) -> None:
    name_and_serve_the_class(sim, app, job)
    app.on_start(lambda app: job.set_notify_interface(bl.RecordingNotifier(app)))


def register_again_on_start(sim: bl.Simulation, app: bl.App, job: bl.Job) -> None:
    app.on_start(lambda app: job.set_notify_interface(bl.RecordingNotifier(app)))


def only_a_command_line(sim: bl.Simulation, app: bl.App, job: bl.Job) -> None:
    job.set_notify_cmdline(NOTIFY, f"{NOTIFY} /done nightly")


def serve_a_class_the_job_does_not_name(sim: bl.Simulation, app: bl.App, job: bl.Job) -> None:
    app.register_server(ROUTE.clsid, bl.RecordingNotifier)


def name_a_class_nobody_serves(sim: bl.Simulation, app: bl.App, job: bl.Job) -> None:
    job.set_property(bl.JobProperty.NOTIFICATION_CLSID, ROUTE.clsid)


def the_class_and_an_on_start_that_raises(sim: bl.Simulation, app: bl.App, job: bl.Job) -> None:
    name_and_serve_the_class(sim, app, job)

    @app.on_start
    def load_settings(app: bl.App) -> None:
        raise OSError("settings.ini not found")


def a_factory_that_makes_no_notifier(sim: bl.Simulation, app: bl.App, job: bl.Job) -> None:
    app.register_server(ROUTE.clsid, lambda app: "a notifier")
    job.set_property(bl.JobProperty.NOTIFICATION_CLSID, ROUTE.clsid)


def start_the_app_during_the_reboot(sim: bl.Simulation, app: bl.App, job: bl.Job) -> None:
    register_again_on_start(sim, app, job)
    sim.call_at(20.0, app.start)


def register_after_the_service_restart(sim: bl.Simulation, app: bl.App, job: bl.Job) -> None:
    sim.call_at(9.0, lambda: job.set_notify_interface(bl.RecordingNotifier(app)))


def and_start_the_app_after_the_reboot(sim: bl.Simulation, app: bl.App, job: bl.Job) -> None:
    register_after_the_service_restart(sim, app, job)
    register_again_on_start(sim, app, job)
    sim.call_at(40.0, app.start)


# --- the catalogue -----------------------------------------------------------------------


def test_there_are_at_least_six_exercises_each_with_a_solution_and_an_explanation() -> None:
    assert len(EXERCISES) >= 6
    assert set(SOLUTIONS) == set(EXERCISES) == set(WHY)


@pytest.mark.parametrize("exercise", EXERCISES.values(), ids=list(EXERCISES))
def test_every_exercise_states_its_task_form_and_known_rules(exercise: exercises.Exercise) -> None:
    assert all((exercise.title, exercise.task, exercise.answer_form, exercise.form_hint))
    assert exercise.rules
    assert all(rule in bl.rules for rule in exercise.rules)
    shown = str(exercise)
    assert exercise.task in shown
    assert exercise.answer_form in shown
    assert ", ".join(exercise.rules) in shown


def test_get_names_the_exercises_when_the_id_is_unknown() -> None:
    assert exercises.get("twice") is EXERCISES["twice"]
    with pytest.raises(ValueError, match="no exercise 'tiwce'; exercises are every-file, "):
        exercises.get("tiwce")
    with pytest.raises(TypeError, match="exercise must be an exercise ID"):
        exercises.get(3)  # type: ignore[arg-type]


# --- right answers ------------------------------------------------------------------------


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_the_instructors_solution_is_right(exercise_id: str) -> None:
    feedback = exercises.check(exercise_id, SOLUTIONS[exercise_id])
    assert feedback.verdict == "right", str(feedback)
    assert feedback.passed
    assert feedback.wrong == ()
    assert feedback.hint is None
    assert len(feedback.right) >= 2
    assert str(feedback).startswith(f"✓ {exercise_id}: right\n  ✓ ")


OTHER_RIGHT_ANSWERS = [
    ("every-file", 0x13),
    ("every-file", 0x33),  # FILE_RANGES_TRANSFERRED does no harm (R6)
    ("survive-crash", register_again),
    ("twice", " i5 "),
    ("twice", bl.rules["I5"]),
    ("ride-out", {"minimum_retry_delay": 10, "no_progress_timeout": 300}),
    ("ride-out", {"minimum_retry_delay": 50.0, "no_progress_timeout": 200.0}),
    ("command-line", (r"C:\Tools\notify.exe", r'"C:\Tools\notify.exe" /done report')),
    ("just-the-bytes", [(9_900_000, bl.BG_LENGTH_TO_EOF), (0, 65_536)]),
    ("just-the-bytes", [(0, 40_000), (30_000, 35_536), (9_900_000, 100_000)]),  # R3: overlap
    ("calm-progress", 2500),
    ("choose-route", name_and_serve_the_class),  # a str or a UUID, a lambda or the class
    ("choose-route", the_class_and_a_command_line),  # K3: the command line is a fallback only
    ("choose-route", the_class_and_register_on_start),  # N3: the new notifier comes first
]


@pytest.mark.parametrize(("exercise_id", "answer"), OTHER_RIGHT_ANSWERS)
def test_the_check_judges_the_run_not_the_text_of_the_answer(exercise_id: str, answer: Any) -> None:
    assert exercises.check(exercise_id, answer).passed


def test_every_file_says_that_file_ranges_transferred_asks_for_nothing_here() -> None:
    feedback = exercises.check("every-file", 0x33)
    assert any("neither job is on-demand (R6)" in text for text in feedback.right)


def test_ride_out_notes_that_bits_raised_a_short_retry_delay() -> None:
    feedback = exercises.check("ride-out", {"minimum_retry_delay": 1, "no_progress_timeout": 60})
    assert "note: BITS raised your retry delay to 5 s (L1)" in feedback.right


# --- wrong answers ------------------------------------------------------------------------

#: (exercise, answer, a wrong point contains, the hint contains, the hint must not contain)
WRONG_ANSWERS = [
    ("every-file", 0x3, "0 of 3 file_transferred arrived; the others ended filtered (F8)",
     "which one names files? (F1)", ["FILE_TRANSFERRED", "0x10", "0x13"]),
    ("every-file", 0x1B, "job_modification calls woke the app for progress (C3)",
     "which one?", ["JOB_MODIFICATION", "0x8"]),
    ("every-file", 0x17, "job_transferred ended disabled (F5)",
     "silences everything", ["DISABLE", "0x4"]),
    ("every-file", 0x11, "job_error ended filtered (F8)",
     "A new job has it (F2)", ["JOB_ERROR", "0x2"]),
    ("every-file", 0x40, "BITS refused it: E_NOTIMPL",
     "print(bl.rules['F3'])", ["0x13"]),
    ("survive-crash", only_look, "'fonts.cab': pending (C5): app_down (I4); waiting for its retry",
     "died with run 1 (I4)", ["RecordingNotifier", "set_notify_interface"]),
    ("survive-crash", register_the_dead_one, "'fonts.cab': pending (C5): app_down (I4)",
     "what must the restarted app give BITS?", ["RecordingNotifier"]),
    ("survive-crash", register_without_app, "belongs to no application",
     "the way the first one was made", ["RecordingNotifier(app)"]),
    ("survive-crash", register_and_reset_flags, "'fonts.cab': filtered (F8)",
     "flags survive a restart (P1)", ["FILE_TRANSFERRED"]),
    ("survive-crash", crash_in_my_code, "your code raised RuntimeError: oops",
     "exercise.simulate(answer)", []),
    ("twice", "C5", "both calls were delivered; neither failed",
     "just before the second call, at 20.00 s?", ["I5"]),
    ("twice", "I1", "I1 is why the new notifier replaced the old one",
     "already transferred?", ["I5"]),
    ("twice", "f5", "F5 (", "already transferred?", ["I5"]),
    ("ride-out", {"minimum_retry_delay": 20, "no_progress_timeout": 60},
     "the job went to ERROR at 60.05 s, before the server came back (L6: no progress for 60 s)",
     "(L6)", ["240", "300"]),
    ("ride-out", {"minimum_retry_delay": 100, "no_progress_timeout": 90},
     "the job went to ERROR at 0.05 s", "(L6)", []),  # L6: a delay longer than the timeout
    ("ride-out", {"minimum_retry_delay": 20, "no_progress_timeout": 1_209_600},
     "the job has not given up after an hour: it must give up within 300 s", "(L6)", []),
    ("ride-out", {"minimum_retry_delay": 70, "no_progress_timeout": 240},
     "the job transferred at 142", "when is the first try after 100 s?", ["20", "60"]),
    ("ride-out", {"minimum_retry_delay": 5, "no_progress_timeout": 240},
     "20 tries while the server failed: more than 10", "(L5)", []),
    ("ride-out", {"minimum_retry_delay": 20, "no_progress_timeout": 3000},
     "gives up 3000.00 s after its first error: it must give up within 300 s", "(L6)", []),
    ("command-line", (r"C:\Tools\notify.exe", "/done report"),
     "not the program (K1)", "starting with the program (K1)", [r"C:\Tools\notify.exe /done"]),
    ("command-line", (r"C:\Tools\notify.exe", r"C:\Tools\notify.exe /done"),
     "exiting 2 each time (K5): usage", "after /done?", ["report"]),
    ("command-line", (r"C:\Tools\other.exe", r"C:\Tools\other.exe /done report"),
     "failed to launch: no program is installed there (K6)", r"C:\Tools\notify.exe", []),
    ("command-line", ("notify.exe", "notify.exe /done report"),
     "BITS refused it: E_INVALIDARG", "print(bl.rules['K1'])", ["/done report"]),
    ("command-line", (None, None), "nobody heard that the job transferred: no_interface (I8)",
     "only a command line can hear (K3)", ["/done"]),
    ("just-the-bytes", [(0, 65_536)], "lacks all 100,000 bytes of the index",
     "(offset, length)", ["9,900,000", "9900000", "9_900_000"]),
    ("just-the-bytes", [(0, 65_536), (9_900_000, 100_001)], "BITS refused it: BG_E_INVALID_RANGE",
     "(R2)", ["9900000", "9,900,000"]),
    ("just-the-bytes", [(0, 100_000), (9_900_000, 100_000)],
     "34,464 bytes more than needed were downloaded", "(R3)", []),
    ("just-the-bytes", [(0, 65_536), (9_899_999, 100_000)],  # off by one: as much, misplaced
     "lacks 1 byte of the index (at 9,999,999)", "offset + length - 1",
     ["9_900_000", "9,900,000"]),
    ("calm-progress", 500, "two updates came 0.50 s apart, less than 2 s: the bar flickers",
     "in what unit is the interval?", ["2000", "ms"]),
    ("calm-progress", 2, "two updates came", "unit", ["2000"]),
    ("calm-progress", 4000, "only 5 updates while the job ran: the bar looks frozen",
     "how far apart can 8 updates be?", ["2000", "2500"]),
    ("choose-route", register_again_on_start, "file_transferred 'fonts.cab': no_interface (I8)",
     "the service restart dropped the app's notifier (P2)", ["NOTIFICATION", "register_server"]),
    ("choose-route", only_a_command_line,
     "'fonts.cab': no_interface (I8): a command line hears only job_transferred and job_error (K2)",
     "your command line cannot hear a file (K2)", ["NOTIFICATION", "register_server"]),
    ("choose-route", serve_a_class_the_job_does_not_name, "'fonts.cab': no_interface (I8)",
     "BITS only uses a class that the job itself names (N1)", ["NOTIFICATION", "set_property"]),
    ("choose-route", name_a_class_nobody_serves, "'fonts.cab': pending (C5): failed (N4)",
     "the job names a class that no application serves (N4)", ["register_server"]),
    ("choose-route", the_class_and_an_on_start_that_raises,
     "'lang.cab': pending (C5): failed (N4)",
     "an on_start function of yours raised before the app could serve it (N4)", []),
    ("choose-route", a_factory_that_makes_no_notifier, "'fonts.cab': pending (C5): failed (N4)",
     "the class's server could not make the object (N4)", ["RecordingNotifier"]),
    ("choose-route", start_the_app_during_the_reboot,
     "your code raised ValueError: start() on app 'downloader': the machine is down for a "
     "reboot from 13 s until 33 s (P3)",
     "no application starts while the machine is down (P3)", ["NOTIFICATION", "register_server"]),
    ("choose-route", register_after_the_service_restart, "'lang.cab': no_interface (I8)",
     "the reboot ended the app's run and dropped its notifier (P3)", ["NOTIFICATION"]),
    ("choose-route", and_start_the_app_after_the_reboot,
     "run 2 of the app began at 40.00 s, started by your code", "(P3)", ["NOTIFICATION"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("exercise_id", "answer", "seen", "hint", "not_in_hint"),
    WRONG_ANSWERS,
    ids=[f"{row[0]}-{i}" for i, row in enumerate(WRONG_ANSWERS)],
)
def test_a_wrong_answer_says_what_is_wrong_and_hints_without_the_answer(
    exercise_id: str, answer: Any, seen: str, hint: str, not_in_hint: list[str]
) -> None:
    feedback = exercises.check(exercise_id, answer)
    assert feedback.verdict == "wrong"
    assert not feedback.passed
    assert any(seen in text for text in feedback.wrong), str(feedback)
    assert feedback.hint is not None
    assert hint in feedback.hint
    for secret in not_in_hint:
        assert secret not in feedback.hint
    assert str(feedback).startswith(f"✗ {exercise_id}: not yet\n")
    assert f"\n  hint: {feedback.hint}" in str(feedback)


def test_what_is_right_is_said_alongside_what_is_wrong() -> None:
    feedback = exercises.check("every-file", 0x1B)  # files and job ends: yes; progress: also
    assert "every file_transferred arrived: 3 of 3 (C4)" in feedback.right
    assert len(feedback.wrong) == 1


def test_every_rule_a_feedback_names_is_in_the_catalogue() -> None:
    answers = [(e, a) for e, a, *_ in WRONG_ANSWERS] + list(SOLUTIONS.items())
    for exercise_id, answer in answers:
        text = str(exercises.check(exercise_id, answer))
        for rule in re.findall(r"\(([A-Z]\d+)[,:)]", text):
            assert rule in bl.rules, (exercise_id, rule)


def test_the_twice_check_tells_every_rule_but_i5_why_it_is_not_the_answer() -> None:
    for rule in bl.rules:
        feedback = exercises.check("twice", rule)
        assert feedback.passed == (rule == "I5")
        if rule != "I5":
            assert rule in feedback.wrong[0]


# --- malformed answers ----------------------------------------------------------------------

MALFORMED = [
    ("every-file", "0x13", "flags must be an int or bl.NotifyFlags, got str '0x13'"),
    ("every-file", 19.0, "got float 19.0"),
    ("every-file", True, "got bool True"),
    ("every-file", None, "got NoneType None"),
    ("survive-crash", 5, "the answer must be a function, got int 5"),
    ("survive-crash", None, "got NoneType None"),  # e.g. on_start(app) called, not given
    ("survive-crash", lambda: None, "must take exactly one argument, the app"),
    ("survive-crash", lambda app, job: None, "must take exactly one argument"),
    ("twice", 5, "the answer must be a rule ID as a str, got int 5"),
    ("twice", "Z9", "there is no rule 'Z9'"),
    ("twice", "", "there is no rule ''"),
    ("ride-out", [20, 240], "the answer must be a dict, got list"),
    ("ride-out", {"minimum_retry_delay": 20}, "missing ['no_progress_timeout']"),
    ("ride-out", {"minimum_retry_delay": 20, "no_progress_timeout": 240, "x": 1},
     "unknown ['x']"),
    ("ride-out", {"minimum_retry_delay": "20", "no_progress_timeout": 240},
     "minimum_retry_delay must be a number of seconds, got str '20'"),
    ("ride-out", {"minimum_retry_delay": -1, "no_progress_timeout": 240},
     "minimum_retry_delay must be at least 0"),
    ("command-line", r"C:\Tools\notify.exe /done report", "a (program, parameters) pair"),
    ("command-line", (r"C:\Tools\notify.exe",), "a (program, parameters) pair"),
    ("command-line", (r"C:\Tools\notify.exe", 5), "parameters must be a str, got int 5"),
    ("just-the-bytes", (0, 65_536), "each range must be an (offset, length) pair, got int 0"),
    ("just-the-bytes", "0-65535", "a list of (offset, length) pairs, got str"),
    ("just-the-bytes", [], "the list of ranges is empty"),
    ("just-the-bytes", [(0.0, 10)], "offset must be an int, got float 0.0"),
    ("just-the-bytes", [(0, -5)], "must be at least 0, got -5"),
    ("calm-progress", "2s", "the interval must be an int of milliseconds, got str '2s'"),
    ("calm-progress", 2.0, "got float 2.0"),
    ("calm-progress", -5, "must be at least 0, got -5"),
    ("choose-route", 5, "the answer must be a function, got int 5"),
    ("choose-route", None, "got NoneType None"),  # e.g. setup(sim, app, job) called, not given
    ("choose-route", register_again, "must take exactly three arguments: sim, app and job"),
    ("choose-route", lambda sim, app: None, "must take exactly three arguments"),
    ("choose-route", "setup", "the answer must be a function, got str 'setup'"),
    ("every-file", do_nothing, "flags must be an int or bl.NotifyFlags, got function do_nothing"),
    ("twice", bl.rules.get, "the answer must be a rule ID as a str, got built-in method "
     "mappingproxy.get"),
    ("ride-out", {"minimum_retry_delay": do_nothing, "no_progress_timeout": 240},
     "minimum_retry_delay must be a number of seconds, got function do_nothing"),
    ("command-line", (bl.Notifier, "x"), "program must be a str, got class Notifier"),
    ("just-the-bytes", [(0, 65_536), (9_900_000, do_nothing)],
     "length must be an int, got function do_nothing in (9900000, <function do_nothing>)"),
    ("calm-progress", object(), "the interval must be an int of milliseconds, got object "
     "<object object>"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("exercise_id", "answer", "seen"),
    MALFORMED,
    ids=[f"{row[0]}-{i}" for i, row in enumerate(MALFORMED)],
)
def test_a_malformed_answer_is_named_without_raising(
    exercise_id: str, answer: Any, seen: str
) -> None:
    exercise = exercises.get(exercise_id)
    feedback = exercise.check(answer)
    assert feedback.verdict == "malformed"
    assert not feedback.passed
    assert feedback.right == ()
    assert any(seen in text for text in feedback.wrong), str(feedback)
    assert feedback.hint == exercise.form_hint
    assert str(feedback).startswith(f"? {exercise_id}: not an answer of the form asked\n  - ")
    with pytest.raises((TypeError, ValueError)):
        exercise.simulate(answer)


class Gadget:
    """An answer of no form an exercise asks for, with Python's default repr."""

    def __call__(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_feedback_names_any_answer_without_a_memory_address_and_in_a_short_line(
    exercise_id: str,
) -> None:
    for answer in (do_nothing, object(), Gadget, [Gadget()], bl.rules, bl.rules.get, len):
        text = str(exercises.check(exercise_id, answer))
        assert not re.search(r"0x[0-9a-f]{6,}", text), text
        assert max(len(line) for line in text.splitlines()) < 300, text


def test_a_rulebook_given_as_the_rule_id_is_cut_short() -> None:
    feedback = exercises.check("twice", bl.rules)
    assert feedback.wrong[0].startswith(
        "the answer must be a rule ID as a str, got mappingproxy mappingproxy({'F1': Rule("
    )
    assert feedback.wrong[0].endswith("...")
    assert len(feedback.wrong[0]) < 150


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_no_answer_yet_says_what_to_write(exercise_id: str) -> None:
    exercise = exercises.get(exercise_id)
    feedback = exercises.check(exercise_id, ...)
    assert feedback.verdict == "malformed"
    assert str(feedback).splitlines()[:2] == [
        f"? {exercise_id}: no answer yet",
        f"  - replace ... with your answer: {exercise.answer_form}",
    ]
    with pytest.raises(TypeError, match=r"replace \.\.\. with your answer"):
        exercise.simulate(...)


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.tuples(st.integers(), st.integers()),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.lists(st.tuples(st.integers(-10, 10**8), st.integers(-10, 10**8)), max_size=3),
)


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=JUNK)
def test_a_check_never_raises_whatever_it_is_given(exercise_id: str, answer: Any) -> None:
    feedback = exercises.check(exercise_id, answer)
    assert isinstance(feedback, Feedback)
    assert feedback.verdict in {"right", "wrong", "malformed"}
    assert feedback.verdict == "right" or (feedback.wrong and feedback.hint)


# --- the student's own code, the worlds, determinism ----------------------------------------


def test_simulate_lets_the_students_own_error_through_to_show_its_traceback() -> None:
    with pytest.raises(RuntimeError, match="oops"):
        exercises.get("survive-crash").simulate(crash_in_my_code)


def test_a_survive_crash_answer_that_registers_nothing_says_who_waits_for_what() -> None:
    feedback = exercises.check("survive-crash", only_look)
    assert feedback.wrong[1:] == (
        "file_transferred 'lang.cab': pending (C4): queued behind the job's earlier notification",
        "job_transferred: pending (C4): queued behind the job's earlier notification",
    )


def test_ride_out_shows_the_dead_server_run_it_judges() -> None:
    exercise = exercises.get("ride-out")
    assert isinstance(exercise, RideOut)
    sim = exercise.dead_server(SOLUTIONS["ride-out"])
    (backup,) = sim.jobs
    assert backup.state is bl.JobState.ERROR
    assert backup.history[-1].rule == "L6"
    with pytest.raises(TypeError, match="the answer must be a dict"):
        exercise.dead_server([20, 240])


def test_simulate_returns_the_run_of_the_answer_to_look_at() -> None:
    sim = exercises.get("every-file").simulate(0x13)
    assert [job.get_notify_flags() for job in sim.jobs] == [Flags(0x13)] * 2
    assert len(sim.log.entries(method="file_transferred", outcome="delivered")) == 3


def test_refused_answers_change_nothing_for_the_next_check() -> None:
    exercises.check("just-the-bytes", [(0, 65_536), (9_900_000, 100_001)])  # R2 refused
    exercises.check("every-file", 0x40)  # F3 refused
    assert exercises.check("just-the-bytes", SOLUTIONS["just-the-bytes"]).passed
    assert exercises.check("every-file", SOLUTIONS["every-file"]).passed


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_the_same_answer_gets_the_same_feedback(exercise_id: str) -> None:
    answer = SOLUTIONS[exercise_id]
    assert exercises.check(exercise_id, answer) == exercises.check(exercise_id, answer)


def test_the_problems_as_given_are_the_situations_the_tasks_describe() -> None:
    every_file = exercises.get("every-file").problem()  # default flags 0x3 (F2)
    assert {e.outcome for e in every_file.log.entries(method="file_transferred")} == {"filtered"}
    crash = exercises.get("survive-crash").problem()  # nobody registers again
    assert [p.method for p in crash.log.pending()] == ["file_transferred"] * 2 + ["job_transferred"]
    twice = exercises.get("twice").problem()
    assert [e.time for e in twice.log.entries(method="job_transferred", outcome="delivered")] == [
        pytest.approx(2.05),
        20.0,
    ]
    ride_out = exercises.get("ride-out").problem()  # the default retry delay, 600 s (L1)
    (backup,) = ride_out.jobs
    assert backup.state is bl.JobState.TRANSFERRED
    assert backup.history[-1].time > 600
    heard = exercises.get("command-line").problem()
    assert [e.outcome for e in heard.log.entries(method="job_transferred")] == ["no_interface"]
    bytes_ = exercises.get("just-the-bytes").problem()
    assert bytes_.jobs[0].files[0].progress.bytes_transferred == 0
    calm = exercises.get("calm-progress").problem()  # 500 ms (C7 default)
    assert len(calm.log.entries(method="job_modification", outcome="delivered")) > 30


def test_the_choose_route_problem_loses_what_comes_after_the_service_restart() -> None:
    sim = exercises.get("choose-route").problem()  # the app's notifier only: P2 drops it
    finals = sim.log.entries(final=True)
    heard = [
        (e.method, e.outcome, round(e.time, 2)) for e in finals if e.method != "job_modification"
    ]
    assert heard == [
        ("file_transferred", "delivered", 4.05),
        ("file_transferred", "no_interface", 11.15),  # I8: after the service restart (P2)
        ("file_transferred", "no_interface", 35.25),  # and after the reboot (P3)
        ("job_transferred", "no_interface", 35.25),
    ]
    assert [(run.number, run.end, run.how) for run in sim.apps[0].runs] == [(1, 13.0, "crash")]


def test_feedback_shows_as_its_text_in_jupyter() -> None:
    feedback = exercises.check("twice", "I5")

    class Printer:
        text_seen = ""

        def text(self, value: str) -> None:
            self.text_seen += value

    printer = Printer()
    feedback._repr_pretty_(printer, cycle=False)
    assert printer.text_seen == str(feedback)
    assert "  ✓ here: job_transferred at 2.05 s and 20.00 s; the second came" in printer.text_seen


# --- choose-route: the routes, judged by the log (N2-N5, P2, P3, K2) -------------------------


def test_choose_route_names_the_route_and_the_rule_of_each_arrival() -> None:
    feedback = exercises.check("choose-route", SOLUTIONS["choose-route"])
    assert feedback.right == (
        "file_transferred 'base.cab' arrived at 4.05 s, through the notifier set on the job: a "
        "live interface comes first (N3)",
        "file_transferred 'fonts.cab' arrived at 11.15 s after the service restart (P2), through "
        "the job's class: the running app made its object (N2, N5)",
        "file_transferred 'lang.cab' arrived at 36.25 s after the reboot (P3), through the job's "
        "class: BITS started the app for it (N2, N5)",
        "job_transferred arrived at 36.25 s after the reboot (P3), through the object BITS keeps "
        "for the job, made from its class (N2)",
        "the app never started itself: its run 2 began at 36.25 s, when BITS activated its class "
        "(N2, P3)",
    )


def test_n2_a_file_that_had_bits_start_the_app_arrived_when_the_app_run_began() -> None:
    """N2: the attempt began at 35.25 s, but BITS first started the app, which took the
    server start delay; the call was made when run 2 began, as the timeline dates it."""
    sim = ROUTE.simulate(SOLUTIONS["choose-route"])
    run = sim.apps[0].runs[1]
    (attempt,) = sim.log.entries(method="file_transferred", outcome="delivered")[2:]
    assert attempt.time < run.start
    feedback = exercises.check("choose-route", SOLUTIONS["choose-route"])
    (lang,) = [text for text in feedback.right if text.startswith("file_transferred 'lang.cab'")]
    assert lang.startswith(f"file_transferred 'lang.cab' arrived at {run.start:.2f} s ")
    assert f"its run 2 began at {run.start:.2f} s" in feedback.right[-1]
    (row,) = [r for r in arrivals(sim) if r.notification == "file_transferred 'lang.cab'"]
    assert row.ended == run.start


def test_n2_p3_with_the_class_bits_starts_the_app_after_the_reboot_and_the_app_never_does() -> None:
    sim = ROUTE.simulate(SOLUTIONS["choose-route"])
    (app,) = sim.apps
    assert [(run.number, run.start, run.how) for run in app.runs] == [
        (1, 0.0, "crash"),  # P3: the reboot at 13 s
        (2, pytest.approx(36.25), "running"),  # N2: 1 s (server_start_delay) after lang.cab
    ]
    finals = sim.log.entries(method="file_transferred", final=True)
    assert [e.outcome for e in finals] == ["delivered"] * 3
    assert [e.target for e in finals][1:] == [
        "RecordingNotifier of app 'downloader' run 1",  # P2: the running app made the object
        "RecordingNotifier of app 'downloader' run 2",
    ]


def test_k2_a_command_line_alone_hears_the_job_end_and_no_file() -> None:
    sim = ROUTE.simulate(only_a_command_line)
    finals = sim.log.entries(final=True)
    heard = [(e.method, e.outcome, e.rule) for e in finals if e.method != "job_modification"]
    assert heard == [
        ("file_transferred", "delivered", None),
        ("file_transferred", "no_interface", "I8"),
        ("file_transferred", "no_interface", "I8"),
        ("job_transferred", "cmdline", "K3"),
    ]
    feedback = exercises.check("choose-route", only_a_command_line)
    assert "job_transferred arrived at 35.25 s: the command line ran (K3)" in feedback.right


def test_k3_a_command_line_beside_the_class_never_runs() -> None:
    sim = ROUTE.simulate(the_class_and_a_command_line)
    assert sim.log.entries(outcome="cmdline") == []


def test_choose_route_feedback_never_shows_the_solution() -> None:
    wrong = [row[1] for row in WRONG_ANSWERS if row[0] == "choose-route"]
    for answer in wrong:
        text = str(exercises.check("choose-route", answer))
        for secret in ("NOTIFICATION_CLSID", "register_server", "set_property", "JobProperty"):
            assert secret not in text, (answer.__name__, secret)


def test_the_setup_as_handed_out_is_no_answer_yet() -> None:
    def setup(sim: bl.Simulation, app: bl.App, job: bl.Job) -> None: ...

    assert str(exercises.check("choose-route", setup)).splitlines()[:2] == [
        "? choose-route: no answer yet",
        "  - replace ... with your answer: setup does nothing yet; write its body",
    ]


def test_a_setup_that_is_a_generator_is_named_as_one_that_never_runs() -> None:
    def setup(sim: bl.Simulation, app: bl.App, job: bl.Job) -> Any:
        job.set_notify_cmdline(NOTIFY, NOTIFY)
        yield

    feedback = exercises.check("choose-route", setup)
    assert feedback.verdict == "malformed"
    assert feedback.wrong[0].startswith("setup is a generator function")


def test_p3_the_students_start_during_the_reboot_reaches_simulate_as_the_refusal() -> None:
    with pytest.raises(ValueError, match=r"the machine is down for a reboot .* \(P3\)"):
        ROUTE.simulate(start_the_app_during_the_reboot)
    with pytest.raises(ValueError, match="already running"):
        ROUTE.simulate(lambda sim, app, job: app.start())


def test_a_refused_call_in_setup_is_named_with_its_rule() -> None:
    feedback = exercises.check("choose-route", lambda sim, app, job: job.set_notify_cmdline(
        "notify.exe", "notify.exe /done nightly"))  # fmt: skip
    assert feedback.verdict == "wrong"
    assert feedback.wrong[0].startswith("BITS refused it: E_INVALIDARG")
    assert feedback.hint == "read the rule that refused it: print(bl.rules['K1'])"
