"""A job's notification settings (F1-F4, I1-I3, K1, K7), apps and their runs (I4), notifiers."""

from __future__ import annotations

import re

import pytest
from support import make_job, snapshot

import bitslab as bl

F = bl.NotifyFlags


@pytest.fixture
def job(sim: bl.Simulation) -> bl.Job:
    return make_job(sim, name="nightly", url="https://example.test/a.bin")


def final_job(sim: bl.Simulation, state: bl.JobState) -> bl.Job:
    job = make_job(sim, name=f"done-{state.name}", size=10, url="https://example.test/b.bin")
    if state is bl.JobState.CANCELLED:
        job.cancel()
    else:
        job.complete()
    assert job.state is state
    return job


FINAL = [bl.JobState.CANCELLED, bl.JobState.ACKNOWLEDGED]


def test_f1_every_combination_of_the_six_flags_is_accepted(job: bl.Job) -> None:
    """F1: the six flags; every value inside the mask 0x3F can be set and read back."""
    for value in range(0x40):
        job.set_notify_flags(value)
        assert job.get_notify_flags() == value
    assert isinstance(job.get_notify_flags(), bl.NotifyFlags)


def test_f2_new_job_has_job_transferred_and_job_error(job: bl.Job) -> None:
    """F2: a new job's flags are JOB_TRANSFERRED | JOB_ERROR (0x3)."""
    assert job.get_notify_flags() == F.JOB_TRANSFERRED | F.JOB_ERROR == 0x3


@pytest.mark.parametrize("flags", [0x40, 0x41, 0x80, 0xFFFF, -1])
def test_f3_bits_outside_the_mask_fail_with_e_notimpl_and_change_nothing(
    job: bl.Job, flags: int
) -> None:
    """F3: any bit outside 0x3F fails with E_NOTIMPL; the flags stay as they were."""
    job.set_notify_flags(F.FILE_TRANSFERRED)
    with pytest.raises(bl.BitsError, match=r"F3") as info:
        job.set_notify_flags(flags)
    assert info.value.hresult == bl.E_NOTIMPL
    assert job.get_notify_flags() == F.FILE_TRANSFERRED


@pytest.mark.parametrize("state", FINAL)
def test_f4_flags_of_a_final_job_fail_with_invalid_state_before_the_flags_are_checked(
    sim: bl.Simulation, state: bl.JobState
) -> None:
    """F4: CANCELLED/ACKNOWLEDGED fail with BG_E_INVALID_STATE, even for bad flags."""
    job = final_job(sim, state)
    for flags in (0x1, 0x40):  # a bad value still gets the state error (Wine's order)
        with pytest.raises(bl.BitsError, match="F4") as info:
            job.set_notify_flags(flags)
        assert info.value.hresult == bl.BG_E_INVALID_STATE
    assert job.get_notify_flags() == 0x3


@pytest.mark.parametrize("flags", ["0x3", 3.0, None, True])
def test_f3_flags_of_the_wrong_type_raise_type_error_naming_flags(
    job: bl.Job, flags: object
) -> None:
    """F3: a str, float, None or bool for flags is a TypeError that names the argument."""
    with pytest.raises(TypeError, match="flags"):
        job.set_notify_flags(flags)  # type: ignore[arg-type]
    assert job.get_notify_flags() == 0x3


def test_i1_the_last_interface_set_wins_and_none_removes_it(job: bl.Job) -> None:
    """I1: setting an interface replaces the previous one; None removes it."""
    first, second = bl.RecordingNotifier(), bl.RecordingNotifier()
    job.set_notify_interface(first)
    job.set_notify_interface(second)
    assert job.get_notify_interface() is second
    job.set_notify_interface(None)
    assert job.get_notify_interface() is None


def test_i2_a_new_job_has_no_interface(job: bl.Job) -> None:
    """I2: get_notify_interface() of a new job is None."""
    assert job.get_notify_interface() is None


@pytest.mark.parametrize("state", FINAL)
def test_i3_interface_of_a_final_job_fails_with_invalid_state_none_included(
    sim: bl.Simulation, state: bl.JobState
) -> None:
    """I3: setting the interface, None included, on a final job fails."""
    job = final_job(sim, state)
    for notifier in (bl.Notifier(), None):
        with pytest.raises(bl.BitsError, match="I3") as info:
            job.set_notify_interface(notifier)
        assert info.value.hresult == bl.BG_E_INVALID_STATE
    assert job.get_notify_interface() is None


def test_i6_any_object_with_a_callback_method_is_accepted_and_others_are_not(
    job: bl.Job,
) -> None:
    """I6: duck typing; an object with none of the five methods is a TypeError."""

    class OnlyTransferred:
        def job_transferred(self, job: bl.Job) -> None:
            pass

    duck = OnlyTransferred()
    job.set_notify_interface(duck)
    assert job.get_notify_interface() is duck
    with pytest.raises(TypeError, match="notifier must be None or an object"):
        job.set_notify_interface(print)
    assert job.get_notify_interface() is duck


def test_k1_a_new_job_has_no_command_line_and_none_none_removes_it(job: bl.Job) -> None:
    """K1: a new job returns ("", ""); (None, None) removes the command line."""
    assert job.get_notify_cmdline() == ("", "")
    job.set_notify_cmdline(r"C:\Tools\notify.exe", r"C:\Tools\notify.exe nightly")
    assert job.get_notify_cmdline() == (r"C:\Tools\notify.exe", r"C:\Tools\notify.exe nightly")
    job.set_notify_cmdline(None, None)
    assert job.get_notify_cmdline() == ("", "")


@pytest.mark.parametrize(
    "program", [r"C:\Tools\n.exe", "c:/tools/n.exe", r"\\server\share\n.exe", "/usr/bin/n"]
)
def test_k1_drive_letter_unc_and_posix_full_paths_are_accepted(job: bl.Job, program: str) -> None:
    """K1: a drive-letter, UNC or POSIX absolute path is a full path."""
    job.set_notify_cmdline(program, None)
    assert job.get_notify_cmdline() == (program, "")


@pytest.mark.parametrize(
    ("program", "parameters", "hresult"),
    [
        ("notify.exe", None, bl.E_INVALIDARG),
        (r"Tools\notify.exe", "x", bl.E_INVALIDARG),
        ("", None, bl.E_INVALIDARG),
        (None, "notify.exe x", bl.E_INVALIDARG),
        ("C:\\" + "a" * 258, None, bl.BG_E_STRING_TOO_LONG),
        (r"C:\n.exe", "p" * 4001, bl.BG_E_STRING_TOO_LONG),
    ],
)
def test_k1_bad_command_lines_fail_and_change_nothing(
    job: bl.Job, program: str | None, parameters: str | None, hresult: int
) -> None:
    """K1: not a full path, a program over 260 characters, parameters over 4000, or
    parameters without a program fail with the HRESULT of the rule."""
    job.set_notify_cmdline(r"C:\old.exe", "old")
    with pytest.raises(bl.BitsError, match="K1") as info:
        job.set_notify_cmdline(program, parameters)
    assert info.value.hresult == hresult
    assert job.get_notify_cmdline() == (r"C:\old.exe", "old")


def test_k1_limits_are_inclusive(job: bl.Job) -> None:
    """K1: exactly 260 and 4000 characters are allowed."""
    program = "C:\\" + "a" * 257
    job.set_notify_cmdline(program, "p" * 4000)
    assert len(job.get_notify_cmdline()[0]) == 260


@pytest.mark.parametrize("state", FINAL)
def test_k7_command_line_of_a_final_job_fails_with_invalid_state(
    sim: bl.Simulation, state: bl.JobState
) -> None:
    """K7: set_notify_cmdline on a CANCELLED or ACKNOWLEDGED job fails."""
    job = final_job(sim, state)
    with pytest.raises(bl.BitsError, match="K7") as info:
        job.set_notify_cmdline(r"C:\n.exe", None)
    assert info.value.hresult == bl.BG_E_INVALID_STATE


def test_rejected_notification_settings_change_nothing_else(job: bl.Job) -> None:
    """A rejected setter leaves the whole job as it was (state, files, history, progress)."""
    before = snapshot(job)
    for call in (
        lambda: job.set_notify_flags(0x80),
        lambda: job.set_notify_cmdline("relative.exe", None),
        lambda: job.set_notify_interface(42),
    ):
        with pytest.raises((bl.BitsError, TypeError)):
            call()
    assert snapshot(job) == before


def test_i4_notifier_belongs_to_the_run_that_made_it(sim: bl.Simulation) -> None:
    """I4: once its app's run ends, a notifier is dead, and stays dead after a restart."""
    app = sim.add_app("downloader")
    old = bl.RecordingNotifier(app=app)
    assert old.alive
    app.crash()
    assert not old.alive
    app.start()
    new = bl.RecordingNotifier(app=app)
    assert new.alive
    assert not old.alive
    app.exit()
    assert not new.alive
    assert bl.Notifier().alive  # no app: never dies


def test_i4_apps_record_their_runs_and_call_on_start_for_each_new_run(
    sim: bl.Simulation,
) -> None:
    """I4: on_start runs at each start() (not at add_app or on_start); runs are recorded."""
    app = sim.add_app("downloader")
    started: list[tuple[float, int]] = []
    app.on_start(lambda a: started.append((a.sim.now, a.run)))
    assert started == []
    sim.call_at(5.0, app.crash)
    sim.call_at(8.0, app.start)
    sim.run()
    assert started == [(8.0, 2)]
    assert [(r.number, r.start, r.end, r.how) for r in app.runs] == [
        (1, 0.0, 5.0, "crash"),
        (2, 8.0, None, "running"),
    ]


def test_i7_exit_runs_on_exit_functions_first_and_crash_does_not(sim: bl.Simulation) -> None:
    """I7: a clean exit gives the app's own code the chance to set interfaces to None."""
    app = sim.add_app("downloader")
    job = sim.create_job("j")
    job.set_notify_interface(bl.Notifier(app=app))
    app.on_exit(lambda a: job.set_notify_interface(None))
    app.crash()
    assert job.get_notify_interface() is not None  # a crash leaves it behind
    app.start()
    job.set_notify_interface(bl.Notifier(app=app))
    app.exit()
    assert job.get_notify_interface() is None


def test_apps_refuse_impossible_transitions_and_duplicate_names(sim: bl.Simulation) -> None:
    """An app cannot crash or exit while down, nor start while running; names are unique."""
    app = sim.add_app("downloader")
    with pytest.raises(ValueError, match="already running"):
        app.start()
    app.crash()
    for call in (app.crash, app.exit):
        with pytest.raises(ValueError, match="not running"):
            call()
    with pytest.raises(ValueError, match="is not running"):
        bl.Notifier(app=app)
    with pytest.raises(ValueError, match="name 'downloader' is taken"):
        sim.add_app("downloader")
    with pytest.raises(TypeError, match="app must be an App"):
        bl.Notifier(app="downloader")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="fn must be callable"):
        app.on_start(42)  # type: ignore[arg-type]


def test_recording_notifier_records_calls_and_returns_what_it_is_told(job: bl.Job) -> None:
    """RecordingNotifier keeps a Call per call and returns the configured value (C5)."""
    recorder = bl.RecordingNotifier(returns={"file_transferred": False})
    assert recorder.job_transferred(job) is None
    assert recorder.file_transferred(job, job.files[0]) is False
    assert [(c.time, c.method, c.job, c.file) for c in recorder.calls] == [
        (0.0, "job_transferred", job, None),
        (0.0, "file_transferred", job, job.files[0]),
    ]
    with pytest.raises(ValueError, match="unknown methods"):
        bl.RecordingNotifier(returns={"job_done": True})


def test_c5_recording_notifier_answers_a_sequence_call_by_call_and_repeats_the_last(
    job: bl.Job,
) -> None:
    """C5: ``returns`` may give a method a list (or tuple) of results used call by call; the
    last one then repeats, so a notifier can fail a set number of times before it succeeds,
    as the JobTransferred page has it: "BITS continues to call this method until S_OK is
    returned". Each method keeps its own count."""
    recorder = bl.RecordingNotifier(
        returns={"job_transferred": [False, bl.E_FAIL, bl.S_OK], "job_error": (True,)}
    )
    answers = [recorder.job_transferred(job) for _ in range(5)]
    assert answers == [False, bl.E_FAIL, bl.S_OK, bl.S_OK, bl.S_OK]
    assert recorder.job_error(job, None) is True  # type: ignore[arg-type]
    assert recorder.file_transferred(job, job.files[0]) is None  # not given: success
    assert recorder.returns["job_transferred"] == (False, bl.E_FAIL, bl.S_OK)
    wrapped = bl.RecordingNotifier(returns={"job_transferred": [[0]]})
    assert wrapped.job_transferred(job) == [0]  # a list returned as it is: one-item list


def test_c5_a_recording_notifier_that_fails_twice_is_retried_until_it_succeeds() -> None:
    """C5: ``[False, False, True]`` fails twice, then succeeds: two failed entries after the
    retry delay each, then the one delivery (JobTransferred: "BITS continues to call this
    method until S_OK is returned. [...] The interval at which this method is called is
    arbitrary": bitslab's interval is the job's minimum retry delay)."""
    recorder = bl.RecordingNotifier(returns={"job_transferred": [False, False, True]})
    job = make_job(name="nightly", size=1_000, retry=5.0, notifier=recorder)
    sim = job.sim
    job.resume()
    sim.run(until=60.0)
    entries = sim.log.entries(job, method="job_transferred")
    assert [(e.outcome, e.rule, e.final) for e in entries] == [
        ("failed", "C5", False),
        ("failed", "C5", False),
        ("delivered", None, True),
    ]
    times = [c.time for c in recorder.calls if c.method == "job_transferred"]
    assert times == pytest.approx([entries[0].time, entries[0].time + 5, entries[0].time + 10])


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        ([], ValueError, "returns['job_transferred'] is an empty list"),
        ((), ValueError, "returns['job_transferred'] is an empty tuple"),
        (iter([False, True]), TypeError, "returns['job_transferred'] must be one result"),
        ((r for r in [False]), TypeError, "got a generator"),
        ({False, True}, TypeError, "got a set"),
        ({"a": 1}, TypeError, "got a dict"),
    ],
    ids=["empty-list", "empty-tuple", "iterator", "generator", "set", "dict"],
)
def test_c5_recording_notifier_refuses_returns_it_cannot_use_call_by_call(
    value: object, error: type[Exception], words: str
) -> None:
    """C5: an empty sequence, or an unordered or one-pass collection, is refused with an
    error naming the method (JobTransferred: "This method should return S_OK"; a notifier
    that answers nothing is a mistake to report, not a result)."""
    with pytest.raises(error, match=re.escape(words)):
        bl.RecordingNotifier(returns={"job_transferred": value})
