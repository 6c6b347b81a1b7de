"""Callback class IDs (N1-N5): BITS starts the application to deliver, through the public API
and the event log.

Microsoft's "Registering a COM Callback" page: "You can register either, both, or neither -
BITS will use a callback object if one exists and can still be called, and will fall back to
instantiating a new object based on a provided class ID if that fails."
"""

from __future__ import annotations

import uuid

import pytest
from support import assert_one_final_entry_each, make_job

import bitslab as bl

CLSID = uuid.UUID("0b2a1f3c-6d5e-4f7a-9b8c-1d2e3f4a5b6c")
OTHER = uuid.UUID("11111111-2222-4333-8444-555555555555")
ROUTE = f"via CLSID {{{CLSID}}}"
CLSID_PROP = bl.JobProperty.NOTIFICATION_CLSID
FILES = bl.NotifyFlags.JOB_TRANSFERRED | bl.NotifyFlags.JOB_ERROR | bl.NotifyFlags.FILE_TRANSFERRED


class Server:
    """A callback class's server: its app, and every object its factory made."""

    def __init__(self, sim: bl.Simulation, name: str = "downloader", clsid: uuid.UUID = CLSID):
        self.app = sim.add_app(name)
        self.made: list[bl.RecordingNotifier] = []
        self.app.register_server(clsid, self.factory)

    def factory(self, app: bl.App) -> bl.RecordingNotifier:
        notifier = bl.RecordingNotifier(app=app)
        self.made.append(notifier)
        return notifier


def clsid_job(sim: bl.Simulation, clsid: uuid.UUID = CLSID, **kwargs: object) -> bl.Job:
    """A job (two files, the flags of FILES unless told otherwise) with ``clsid`` as its
    callback class."""
    kwargs.setdefault("files", 2)
    kwargs.setdefault("flags", FILES)
    job = make_job(sim, **kwargs)  # type: ignore[arg-type]
    job.set_property(CLSID_PROP, clsid)
    return job


def delivered(sim: bl.Simulation) -> list[bl.LogEntry]:
    return [entry for entry in sim.log if entry.outcome == "delivered"]


# -- N1: the property --------------------------------------------------------------------


def test_n1_a_new_job_has_guid_null_and_the_last_clsid_set_wins(sim: bl.Simulation) -> None:
    """N1: BITS_JOB_PROPERTY_NOTIFICATION_CLSID is GUID_NULL on a new job; a UUID or its
    string form sets it, the last one set wins, and GUID_NULL clears it."""
    job = make_job(sim)
    assert job.get_property(CLSID_PROP) == bl.GUID_NULL == uuid.UUID(int=0)
    job.set_property(CLSID_PROP, str(OTHER))
    job.set_property(CLSID_PROP, "{" + str(CLSID).upper() + "}")
    assert job.get_property(CLSID_PROP) == CLSID
    assert isinstance(job.get_property(CLSID_PROP), uuid.UUID)
    job.set_property(CLSID_PROP, bl.GUID_NULL)
    assert job.get_property(CLSID_PROP) == bl.GUID_NULL


def test_n1_setting_the_clsid_is_a_job_modification(sim: bl.Simulation) -> None:
    """N1, C3: setting a property changes the job: job_modification names the new class."""
    job = make_job(sim, flags=bl.NotifyFlags.JOB_MODIFICATION, notifier=bl.RecordingNotifier())
    sim.run()  # C7: the file's modification is called first (else this one folds into it)
    job.set_property(CLSID_PROP, CLSID)
    sim.run()
    reasons = [entry.reason for entry in sim.log if entry.outcome == "delivered"]
    assert f"NOTIFICATION_CLSID set to {{{CLSID}}} (C3)" in reasons


@pytest.mark.parametrize("value", [bl.GUID_NULL, CLSID])
def test_n1_every_value_on_a_final_job_fails_with_invalid_state(
    sim: bl.Simulation, value: uuid.UUID
) -> None:
    """N1, I3: on a final job every value, GUID_NULL included, fails with
    BG_E_INVALID_STATE and changes nothing."""
    job = make_job(sim)
    job.set_property(CLSID_PROP, OTHER)
    job.cancel()
    with pytest.raises(bl.BitsError) as failure:
        job.set_property(CLSID_PROP, value)
    assert failure.value.hresult == bl.BG_E_INVALID_STATE
    assert job.get_property(CLSID_PROP) == OTHER


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        (12, TypeError, "uuid.UUID or its string form"),
        (b"\x00" * 16, TypeError, "uuid.UUID or its string form"),
        ("not-a-guid", ValueError, "must be a GUID"),
    ],
)
def test_n1_a_value_that_is_not_a_guid_is_refused_and_changes_nothing(
    sim: bl.Simulation, value: object, error: type[Exception], words: str
) -> None:
    """N1: the value is a GUID: anything else raises, naming the property, and changes
    nothing."""
    job = make_job(sim)
    with pytest.raises(error, match="NOTIFICATION_CLSID") as failure:
        job.set_property(CLSID_PROP, value)
    assert words in str(failure.value)
    assert job.get_property(CLSID_PROP) == bl.GUID_NULL


# -- N2: activation -----------------------------------------------------------------------


def test_n2_no_interface_starts_the_server_after_its_start_delay_and_delivers_to_its_object() -> (
    None
):
    """N2: with no interface, BITS starts the class's server (a new run of its app, whose
    on_start functions run), the factory makes the object, and this attempt is delivered to
    it; the entry says which route delivered."""
    sim = bl.Simulation(seed=0, server_start_delay=2.0)
    server = Server(sim)
    started: list[int] = []
    server.app.on_start(lambda app: started.append(app.run))
    server.app.crash()
    job = clsid_job(sim)
    job.resume()
    sim.run()
    first = delivered(sim)[0]
    assert started == [2]
    assert server.app.runs[1].start == pytest.approx(first.time + 2.0)
    assert first.method == "file_transferred"
    assert first.duration == pytest.approx(2.0)  # the call waited for the server (C9)
    assert first.target == "RecordingNotifier of app 'downloader' run 2"
    assert first.detail == f"{ROUTE}: started app 'downloader' run 2 (N2)"
    assert len(server.made) == 1
    assert server.made[0].calls[0].method == "file_transferred"


def test_n2_the_job_keeps_the_object_it_made_for_its_further_callbacks(sim: bl.Simulation) -> None:
    """N2: the object made for a job serves its further callbacks: one activation, one
    object, every notification delivered to it."""
    server = Server(sim)
    server.app.crash()
    job = clsid_job(sim)
    job.resume()
    sim.run()
    assert job.state is bl.JobState.TRANSFERRED
    assert len(server.made) == 1
    assert [call.method for call in server.made[0].calls] == [
        "file_transferred",
        "file_transferred",
        "job_transferred",
    ]
    later = delivered(sim)[1:]
    assert {entry.detail for entry in later} == {f"{ROUTE} (N2)"}
    assert_one_final_entry_each(sim)


def test_n2_a_running_server_is_not_started_again_and_makes_the_object_at_once(
    sim: bl.Simulation,
) -> None:
    """N2: an application already running is not started again; its factory makes the
    object at once."""
    server = Server(sim)
    job = clsid_job(sim)
    job.resume()
    sim.run()
    first = delivered(sim)[0]
    assert [run.number for run in server.app.runs] == [1]
    assert first.duration == 0.0
    assert first.detail == f"{ROUTE}: app 'downloader' run 1 made the object (N2)"


def test_n2_one_application_run_serves_many_jobs_each_with_its_own_object(
    sim: bl.Simulation,
) -> None:
    """N2: each job keeps the object made for it; one run of the server serves them all."""
    server = Server(sim)
    server.app.crash()
    jobs = [clsid_job(sim), clsid_job(sim)]
    for job in jobs:
        job.resume()
    sim.run()
    assert [run.number for run in server.app.runs] == [1, 2]
    assert len(server.made) == 2
    assert all(notifier.app is server.app and notifier.run == 2 for notifier in server.made)
    for notifier, job in zip(server.made, jobs, strict=True):
        assert {call.job for call in notifier.calls} == {job}


def test_n2_a_crashed_interface_falls_back_to_the_clsid_instead_of_app_down(
    sim: bl.Simulation,
) -> None:
    """N2, I4: an interface whose application run has ended "can no longer be called": with
    a CLSID, BITS instantiates a new object instead of logging app_down."""
    server = Server(sim)
    old = bl.RecordingNotifier(app=server.app)
    job = clsid_job(sim, notifier=old)
    job.resume()
    sim.call_at(0.5, server.app.crash)
    sim.run()
    assert old.calls == []
    assert "app_down" not in {entry.outcome for entry in sim.log}
    assert len(server.made) == 1
    assert delivered(sim)[0].detail == f"{ROUTE}: started app 'downloader' run 2 (N2)"


def test_n2_an_object_whose_run_ended_is_replaced_by_a_new_activation(
    sim: bl.Simulation,
) -> None:
    """N2: the made object serves the job "until it becomes disconnected": after its run
    ends, the next attempt activates the class again (a new run, a new object)."""
    server = Server(sim)
    server.app.crash()
    job = clsid_job(sim, files=3, resume_at=0.0)  # files done at 1.05, 2.10 and 3.15 s
    sim.call_at(2.5, server.app.crash)  # after two files reached run 2's object
    sim.run()
    assert [run.number for run in server.app.runs] == [1, 2, 3]
    assert [notifier.run for notifier in server.made] == [2, 3]
    assert [len(notifier.calls) for notifier in server.made] == [2, 2]
    assert "app_down" not in {entry.outcome for entry in sim.log}
    assert job.state is bl.JobState.TRANSFERRED


def test_n2_the_notify_flags_apply_to_the_clsid_as_to_an_interface(sim: bl.Simulation) -> None:
    """N1: the notify flags apply to the CLSID exactly as to an interface: filtered
    notifications never activate the class (F8)."""
    server = Server(sim)
    server.app.crash()
    job = make_job(sim, files=2, flags=bl.NotifyFlags.JOB_ERROR, resume_at=0.0)
    job.set_property(CLSID_PROP, CLSID)
    sim.run()
    assert server.made == []
    assert [run.number for run in server.app.runs] == [1]
    assert {entry.outcome for entry in sim.log} <= {"filtered", "coalesced"}


# -- N3: a live interface first -----------------------------------------------------------


def test_n3_a_live_interface_takes_precedence_over_the_clsid(sim: bl.Simulation) -> None:
    """N3: "BITS will use a callback object if one exists and can still be called": the
    class is never activated while a live interface is set."""
    server = Server(sim)
    live = bl.RecordingNotifier(app=server.app)
    job = clsid_job(sim, notifier=live, resume_at=0.0)
    sim.run()
    assert server.made == []
    assert len(live.calls) == 3
    assert all(entry.detail == "" for entry in delivered(sim))
    assert job.state is bl.JobState.TRANSFERRED


def test_n3_an_interface_set_in_on_start_serves_from_the_next_attempt(
    sim: bl.Simulation,
) -> None:
    """N3: an interface that the starting application sets in its on_start functions is
    used from the next attempt on; the activating call goes to the object the server made."""
    server = Server(sim)
    job = clsid_job(sim)
    registered: list[bl.RecordingNotifier] = []

    def register(app: bl.App) -> None:
        notifier = bl.RecordingNotifier(app=app)
        registered.append(notifier)
        job.set_notify_interface(notifier)

    server.app.on_start(register)
    server.app.crash()
    job.resume()
    sim.run()
    assert [call.method for call in server.made[0].calls] == ["file_transferred"]
    assert [call.method for call in registered[0].calls] == ["file_transferred", "job_transferred"]


def test_n3_setting_an_interface_replaces_the_object_made_from_the_clsid(
    sim: bl.Simulation,
) -> None:
    """N3, I1: set_notify_interface replaces a CLSID-made object: once the interface's run
    ends too, BITS activates the class again rather than calling the old object."""
    server = Server(sim)
    job = clsid_job(sim, files=3, resume_at=0.0)  # files done at 1.05, 2.10 and 3.15 s
    plain = bl.RecordingNotifier()
    sim.call_at(2.5, job.set_notify_interface, plain)
    sim.call_at(2.6, job.set_notify_interface, None)
    sim.run()
    assert plain.calls == []
    assert len(server.made) == 2  # the second made after the interface was removed
    assert [call.method for call in server.made[0].calls] == ["file_transferred"] * 2
    assert [call.method for call in server.made[1].calls] == ["file_transferred", "job_transferred"]


# -- N4: activation that fails ------------------------------------------------------------


def test_n4_no_registered_server_is_a_failed_call_retried_after_the_retry_delay(
    sim: bl.Simulation,
) -> None:
    """N4: no server is registered for the class (REGDB_E_CLASSNOTREG): the attempt is a
    failed call, retried after the job's minimum retry delay (C5); a server registered
    meanwhile gets it."""
    job = clsid_job(sim, files=1, retry=30.0, resume_at=0.0)
    server_app = sim.add_app("late")
    made: list[bl.RecordingNotifier] = []
    sim.call_at(
        10.0,
        server_app.register_server,
        CLSID,
        lambda app: made.append(bl.RecordingNotifier(app=app)) or made[-1],
    )
    sim.run(until=100.0)  # run() alone stops at the failure: a retry waiting is quiet
    first = [entry for entry in sim.log if entry.method == "file_transferred"]
    assert first[0].outcome == "failed"
    assert first[0].rule == "N4"
    assert first[0].target == f"CLSID {{{CLSID}}}"
    assert first[0].detail.startswith("REGDB_E_CLASSNOTREG: no server is registered")
    assert first[0].detail.endswith("retry in 30 s")
    assert first[1].outcome == "delivered"
    assert first[1].time == pytest.approx(first[0].time + 30.0)
    assert len(made) == 1
    assert job.state is bl.JobState.TRANSFERRED


@pytest.mark.parametrize(
    ("factory", "words"),
    [
        (lambda app: 1 / 0, "raised ZeroDivisionError"),
        (lambda app: None, "returned NoneType, not an object with a callback method"),
        (lambda app: bl.RecordingNotifier, "returned type, not an object with a callback method"),
    ],
)
def test_n4_a_factory_that_raises_or_returns_junk_fails_with_server_exec_failure(
    sim: bl.Simulation, factory: object, words: str
) -> None:
    """N4: a server that fails to make the object (CO_E_SERVER_EXEC_FAILURE) is a failed
    call; the run goes on, and the notification stays pending for its retry (C5)."""
    app = sim.add_app("broken")
    app.register_server(CLSID, factory)  # type: ignore[arg-type]
    job = clsid_job(sim, files=1, retry=60.0, resume_at=0.0)
    sim.run(until=30.0)
    entry = next(entry for entry in sim.log if entry.method == "file_transferred")
    assert (entry.outcome, entry.rule, entry.final) == ("failed", "N4", False)
    assert entry.detail.startswith("CO_E_SERVER_EXEC_FAILURE: the factory of app 'broken' ")
    assert words in entry.detail
    assert job.state is bl.JobState.TRANSFERRED


def test_n4_an_on_start_function_that_raises_is_a_server_that_never_served_its_class(
    sim: bl.Simulation,
) -> None:
    """N4: the server's application starts, but its start-up code raises: the activation
    fails with CO_E_SERVER_EXEC_FAILURE, and the log says that the run has begun all the same
    (the app runs on; it never made the object)."""
    server = Server(sim)
    server.app.on_start(lambda app: [][1])
    server.app.crash()
    clsid_job(sim, files=1, retry=60.0, resume_at=0.0)
    sim.run(until=30.0)
    entry = next(entry for entry in sim.log if entry.method == "file_transferred")
    assert entry.rule == "N4"
    assert entry.detail.startswith(
        "CO_E_SERVER_EXEC_FAILURE: app 'downloader' started run 2, but never served the class: "
        "an on_start function raised IndexError"
    )
    assert server.app.running
    assert server.made == []


def test_n4_k3_a_failed_activation_hands_job_transferred_to_the_command_line() -> None:
    """N4, K3: a failed activation is a failed call, so a registered command line runs
    instead for job_transferred."""
    sim = bl.Simulation(seed=0)
    ran: list[str] = []
    sim.register_program(r"C:\Tools\done.exe", lambda job, parameters: ran.append(job.name) or 0)
    job = make_job(sim, flags=bl.NotifyFlags.JOB_TRANSFERRED)
    job.set_property(CLSID_PROP, CLSID)
    job.set_notify_cmdline(r"C:\Tools\done.exe", "")
    job.resume()
    sim.run()
    (final,) = [e for e in sim.log if e.final and e.method == "job_transferred"]
    assert (final.outcome, final.rule) == ("cmdline", "K3")
    assert "REGDB_E_CLASSNOTREG" in final.detail
    assert ran == [job.name]


# -- registering a server ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("clsid", "factory", "error", "words"),
    [
        (42, lambda app: None, TypeError, "clsid must be a uuid.UUID"),
        ("nope", lambda app: None, ValueError, "clsid must be a GUID"),
        (bl.GUID_NULL, lambda app: None, ValueError, "must not be GUID_NULL"),
        (CLSID, "factory", TypeError, "factory must be callable"),
    ],
)
def test_n2_register_server_refuses_what_is_not_a_class_and_a_factory(
    sim: bl.Simulation, clsid: object, factory: object, error: type[Exception], words: str
) -> None:
    """N2: a server registers a class (a GUID, not GUID_NULL) and a callable factory; a
    refused registration registers nothing."""
    app = sim.add_app("downloader")
    with pytest.raises(error, match=words):
        app.register_server(clsid, factory)  # type: ignore[arg-type]
    assert len(sim.servers) == 0


def test_n2_the_last_registration_of_a_class_wins(sim: bl.Simulation) -> None:
    """N2 (model choice): registering a class again replaces its server, as writing the
    registry key again does."""
    first, second = Server(sim, "first"), Server(sim, "second")
    clsid_job(sim, resume_at=0.0)
    sim.run()
    assert first.made == []
    assert len(second.made) == 1


def test_n2_server_start_delay_is_checked() -> None:
    """N2: the server's start delay is a number of seconds, at least 0."""
    with pytest.raises(ValueError, match="server_start_delay"):
        bl.Simulation(server_start_delay=-1)
    with pytest.raises(TypeError, match="server_start_delay"):
        bl.Simulation(server_start_delay="1")  # type: ignore[arg-type]


def test_n2_the_same_seed_gives_the_same_log_through_activations() -> None:
    """Determinism: two runs of one world with activations write the same log."""

    def world() -> list[tuple[object, ...]]:
        sim = bl.Simulation(seed=3)
        server = Server(sim)
        server.app.crash()
        clsid_job(sim, resume_at=0.0)
        sim.call_at(3.0, server.app.crash)
        sim.run()
        return [(e.id, e.time, e.method, e.outcome, e.rule, e.detail) for e in sim.log]

    assert world() == world()


def test_n2_two_jobs_activating_one_stopped_server_wait_for_one_start() -> None:
    """N2: two jobs of one class need objects while its server is down: the application
    is started once, and both attempts go on when it is up (one start delay, not two)."""
    sim = bl.Simulation(seed=0, server_start_delay=3.0)
    server = Server(sim)
    server.app.crash()
    first = clsid_job(sim, files=1)
    second = clsid_job(sim, files=1)
    first.resume()
    sim.call_at(0.5, second.resume)  # its file is done while the first start is under way
    sim.run()
    assert [run.number for run in server.app.runs] == [1, 2]
    starts = [e for e in delivered(sim) if "CLSID" in e.detail and e.method == "file_transferred"]
    assert len(starts) == 2
    up = server.app.runs[1].start
    assert all(e.time + e.duration == pytest.approx(up) for e in starts)
    assert starts[0].detail.endswith("started app 'downloader' run 2 (N2)")
    assert starts[1].detail.endswith("app 'downloader' run 2 made the object (N2)")
