"""Hostile calls to the simulation, its jobs and their files (tests/test_hostile_input.py):
the constructor, creating jobs and apps, running, adding files, the job's setters."""

from __future__ import annotations

import uuid

from hostile_support import (
    INTERVAL,
    ON_DEMAND,
    Case,
    case,
    invalid_state_case,
    number_cases,
    set_attribute,
)

import bitslab as bl

MODEL_CASES: list[Case] = [
    # -- Simulation(...) ---------------------------------------------------------------------------
    *number_cases(
        "bl.Simulation(seed=VALUE)", "seed", lambda w, v: bl.Simulation(seed=v), whole=True
    ),
    *number_cases(
        "bl.Simulation(bandwidth=VALUE)",
        "bandwidth",
        lambda w, v: bl.Simulation(bandwidth=v),
        zero_ok=False,
    ),
    *number_cases("bl.Simulation(latency=VALUE)", "latency", lambda w, v: bl.Simulation(latency=v)),
    *number_cases(
        "bl.Simulation(callback_timeout=VALUE)",
        "callback_timeout",
        lambda w, v: bl.Simulation(callback_timeout=v),
        zero_ok=False,
        optional=True,
    ),
    *number_cases(
        "bl.Simulation(max_files_per_job=VALUE)",
        "max_files_per_job",
        lambda w, v: bl.Simulation(max_files_per_job=v),
        whole=True,
        zero_ok=False,
    ),
    case(
        "a share of the whole link",
        "bl.Simulation(trickle=1.0)",
        lambda w: bl.Simulation(trickle=1.0),
        ValueError,
        "trickle",
        "below 1",
        "1.0",
    ),
    # -- sim.create_job, add_app, register_program -------------------------------------------------
    case(
        "a wrong type for a name",
        "sim.create_job(5)",
        lambda w: w.sim.create_job(5),
        TypeError,
        "name",
        "int 5",
    ),  # type: ignore[arg-type]
    case(
        "an empty name",
        "sim.create_job('')",
        lambda w: w.sim.create_job(""),
        ValueError,
        "name",
        "''",
    ),
    case(
        "an unknown enum value",
        "sim.create_job('j', priority=7)",
        lambda w: w.sim.create_job("j", priority=7),  # type: ignore[arg-type]
        ValueError,
        "priority",
        "FOREGROUND (0)",
        "got 7",
    ),
    case(
        "a name where an enum belongs",
        "sim.create_job('j', type='upload')",
        lambda w: w.sim.create_job("j", type="upload"),  # type: ignore[arg-type]
        TypeError,
        "type",
        "str 'upload'",
    ),
    case(
        "an enum of another kind",
        "sim.create_job('j', priority=bl.JobType.UPLOAD)",
        lambda w: w.sim.create_job("j", priority=bl.JobType.UPLOAD),  # type: ignore[arg-type]
        TypeError,
        "priority",
        "JobType",
    ),
    case(
        "a duplicate app name",
        "sim.add_app('downloader')",
        lambda w: w.sim.add_app("downloader"),
        ValueError,
        "'downloader' is taken",
    ),
    case(
        "a relative program path (K1)",
        "sim.register_program('notify.exe', handler)",
        lambda w: w.sim.register_program("notify.exe", lambda j, p: 0),
        ValueError,
        "path",
        "'notify.exe'",
        "K1",
    ),
    case(
        "a handler that cannot be called",
        "sim.register_program('/usr/bin/x', 0)",
        lambda w: w.sim.register_program("/usr/bin/x", 0),  # type: ignore[arg-type]
        TypeError,
        "handler",
        "int 0",
    ),
    # -- sim.get_job -------------------------------------------------------------------------------
    case(
        "a wrong type for a job id",
        "sim.get_job(5)",
        lambda w: w.sim.get_job(5),  # type: ignore[arg-type]
        TypeError,
        "job_id",
        "int 5",
    ),
    case(
        "a wrong type for a job id",
        "sim.get_job(None)",
        lambda w: w.sim.get_job(None),  # type: ignore[arg-type]
        TypeError,
        "job_id",
        "NoneType None",
    ),
    case(
        "a str that is not a GUID",
        "sim.get_job('nightly')",
        lambda w: w.sim.get_job("nightly"),
        ValueError,
        "job_id",
        "GUID",
        "'nightly'",
    ),
    case(
        "an id no job has (GetJob)",
        "sim.get_job(uuid.UUID(int=0))",
        lambda w: w.sim.get_job(uuid.UUID(int=0)),
        bl.BitsError,
        "no job has this id",
        hresult=bl.BG_E_NOT_FOUND,
    ),
    case(
        "a job of another simulation (GetJob)",
        "sim.get_job(other.create_job('x').id)",
        lambda w: w.sim.get_job(w.other.create_job("x").id),
        bl.BitsError,
        "no job has this id",
        hresult=bl.BG_E_NOT_FOUND,
    ),
    case(
        "a job that has left the queue (GetJob)",
        "sim.get_job(done.id)",
        lambda w: w.sim.get_job(w.done.id),
        bl.BitsError,
        "'done' is CANCELLED",
        hresult=bl.BG_E_NOT_FOUND,
    ),
    # -- sim.run, sim.call_at ----------------------------------------------------------------------
    *number_cases("sim.run(until=VALUE)", "until", lambda w, v: w.sim.run(until=v), optional=True),
    case(
        "a time in the past",
        "sim.run(until=0.2)",
        lambda w: w.sim.run(until=0.2),
        ValueError,
        "until=0.2",
        "before the current time 0.5",
    ),
    case(
        "a progress function that cannot be called",
        "sim.run(progress='bar')",
        lambda w: w.sim.run(progress="bar"),  # type: ignore[arg-type]
        TypeError,
        "progress",
        "str 'bar'",
    ),
    *number_cases("sim.call_at(VALUE, print)", "time", lambda w, v: w.sim.call_at(v, print)),
    case(
        "a function that cannot be called",
        "sim.call_at(10, 'resume')",
        lambda w: w.sim.call_at(10, "resume"),  # type: ignore[arg-type]
        TypeError,
        "fn",
        "str 'resume'",
    ),
    # -- sim.restart_service, sim.reboot (P2, P3) -------------------------------------------------
    *number_cases(
        "sim.restart_service(start=VALUE, duration=5)",
        "start",
        lambda w, v: w.sim.restart_service(v, 5.0),
    ),
    *number_cases(
        "sim.restart_service(start=10, duration=VALUE)",
        "duration",
        lambda w, v: w.sim.restart_service(10.0, v),
        zero_ok=False,
    ),
    *number_cases(
        "sim.reboot(start=VALUE, duration=5)", "start", lambda w, v: w.sim.reboot(v, 5.0)
    ),
    *number_cases(
        "sim.reboot(start=10, duration=VALUE)",
        "duration",
        lambda w, v: w.sim.reboot(10.0, v),
        zero_ok=False,
    ),
    case(
        "a start in the past",
        "sim.restart_service(0.2, 10)",
        lambda w: w.sim.restart_service(0.2, 10.0),
        ValueError,
        "start=0.2",
        "before the current time 0.5",
        "P2",
    ),
    case(
        "a start in the past",
        "sim.reboot(0.2, 10)",
        lambda w: w.sim.reboot(0.2, 10.0),
        ValueError,
        "start=0.2",
        "before the current time 0.5",
        "P3",
    ),
    # -- job.add_file ------------------------------------------------------------------------------
    *number_cases(
        "job.add_file(url, 'c.cab', size=VALUE)",
        "size",
        lambda w, v: w.job.add_file("https://mirror.test/c.cab", "c.cab", v),
        whole=True,
    ),
    case(
        "a size of BG_SIZE_UNKNOWN",
        "job.add_file(url, 'c.cab', size=2**64 - 1)",
        lambda w: w.job.add_file("https://mirror.test/c.cab", "c.cab", 2**64 - 1),
        ValueError,
        "size",
        "BG_SIZE_UNKNOWN",
    ),
    case(
        "a URL BITS does not take",
        "job.add_file('ftp://mirror.test/c', 'c', 10)",
        lambda w: w.job.add_file("ftp://mirror.test/c", "c", 10),
        bl.InvalidArgumentError,
        "remote_url",
        "'ftp://mirror.test/c'",
        hresult=bl.E_INVALIDARG,
    ),
    case(
        "bytes for a str",
        "job.add_file(b'https://m.test/c', 'c', 10)",
        lambda w: w.job.add_file(b"https://m.test/c", "c", 10),  # type: ignore[arg-type]
        TypeError,
        "remote_url",
        "bytes",
    ),
    case(
        "a second file for an upload job",
        "upload.add_file(url, 's.pdf', 10)",
        lambda w: w.upload.add_file("https://reports.test/s.pdf", "s.pdf", 10),
        bl.BitsError,
        "one file",
        hresult=bl.BG_E_TOO_MANY_FILES,
    ),
    # -- file.set_remote_name (L17) ----------------------------------------------------------------
    case(
        "a wrong type for a URL",
        "job.files[0].set_remote_name(5)",
        lambda w: w.job.files[0].set_remote_name(5),  # type: ignore[arg-type]
        TypeError,
        "url",
        "int 5",
    ),
    case(
        "bytes for a str",
        "job.files[0].set_remote_name(b'https://m.test/c')",
        lambda w: w.job.files[0].set_remote_name(b"https://m.test/c"),  # type: ignore[arg-type]
        TypeError,
        "url",
        "bytes",
    ),
    *number_cases(
        "job.files[0].set_remote_name(url, size=VALUE)",
        "size",
        lambda w, v: w.job.files[0].set_remote_name("https://backup.test/a.cab", v),
        whole=True,
        optional=True,
    ),
    case(
        "a URL BITS does not take (L17)",
        "job.files[0].set_remote_name('ftp://mirror.test/a.cab')",
        lambda w: w.job.files[0].set_remote_name("ftp://mirror.test/a.cab"),
        bl.InvalidArgumentError,
        "url",
        "(L17)",
        hresult=bl.E_INVALIDARG,
    ),
    case(
        "a URL over 2,200 characters (L17)",
        "job.files[0].set_remote_name('https://m.test/' + 'x' * 2200)",
        lambda w: w.job.files[0].set_remote_name("https://m.test/" + "x" * 2200),
        bl.InvalidArgumentError,
        "2,200 characters",
        "got 2,215",
        hresult=bl.E_INVALIDARG,
    ),
    case(
        "a new URL for an upload job's file (L17)",
        "upload.files[0].set_remote_name(url)",
        lambda w: w.upload.files[0].set_remote_name("https://reports.test/s.pdf"),
        bl.BitsError,
        "'report'",
        "(L17)",
        hresult=bl.E_NOTIMPL,
    ),
    case(
        "a file URL for an on-demand job (R1)",
        "film.files[0].set_remote_name('file:///C:/movie.mp4')",
        lambda w: w.film.files[0].set_remote_name("file:///C:/movie.mp4"),
        bl.BitsError,
        "(R1)",
        hresult=bl.BG_E_RANDOM_ACCESS_NOT_SUPPORTED,
    ),
    invalid_state_case(
        "done.files[0].set_remote_name(url)",
        lambda w: w.done.files[0].set_remote_name("https://backup.test/c.cab"),
        rule="L17",
    ),
    # -- job setters and properties ----------------------------------------------------------------
    *number_cases(
        "job.minimum_retry_delay = VALUE",
        "minimum_retry_delay",
        lambda w, v: set_attribute(w.job, "minimum_retry_delay", v),
    ),
    *number_cases(
        "job.no_progress_timeout = VALUE",
        "no_progress_timeout",
        lambda w, v: set_attribute(w.job, "no_progress_timeout", v),
    ),
    case(
        "a name where an enum belongs",
        "job.priority = 'HIGH'",
        lambda w: set_attribute(w.job, "priority", "HIGH"),
        TypeError,
        "priority",
        "str 'HIGH'",
    ),
    *(
        case(
            "a read-only attribute",
            f"{owner}.{name} = {value!r}",
            lambda w, owner=owner, name=name, value=value: set_attribute(
                w.job if owner == "job" else w.job.files[0], name, value
            ),
            AttributeError,
            f"'{name}'",
        )
        for owner, name, value in [
            ("job", "name", "renamed"),
            ("job", "type", bl.JobType.UPLOAD),
            ("job", "id", "{0}"),
            ("job", "sim", None),
            ("file", "size", 5),
            ("file", "local_name", "x.cab"),
            ("file", "remote_name", "https://mirror.test/x.cab"),
            ("file", "job", None),
        ]
    ),
    case(
        "an unknown enum value",
        "job.priority = 9",
        lambda w: set_attribute(w.job, "priority", 9),
        ValueError,
        "priority",
        "got 9",
    ),
    case(
        "a name where an enum belongs",
        "job.set_property('ON_DEMAND_MODE', True)",
        lambda w: w.job.set_property("ON_DEMAND_MODE", True),  # type: ignore[arg-type]
        TypeError,
        "prop",
        "str 'ON_DEMAND_MODE'",
    ),
    case(
        "an int for a bool",
        "job.set_property(ON_DEMAND_MODE, 1)",
        lambda w: w.film.set_property(ON_DEMAND, 1),
        TypeError,
        "ON_DEMAND_MODE",
        "int 1",
    ),
    *number_cases(
        "job.set_property(MINIMUM_NOTIFICATION_INTERVAL_MS, VALUE)",
        "MINIMUM_NOTIFICATION_INTERVAL_MS",
        lambda w, v: w.job.set_property(INTERVAL, v),
        whole=True,
    ),
    case(
        "a value too large for a DWORD",
        "job.set_property(MINIMUM_NOTIFICATION_INTERVAL_MS, 2**32)",
        lambda w: w.job.set_property(INTERVAL, 2**32),
        ValueError,
        "MINIMUM_NOTIFICATION_INTERVAL_MS",
        "at most 4,294,967,295",
        "4294967296",
    ),
    case(
        "on-demand mode for an upload job (R1)",
        "upload.set_property(ON_DEMAND_MODE, True)",
        lambda w: w.upload.set_property(ON_DEMAND, True),
        bl.BitsError,
        "(R1)",
        hresult=bl.BG_E_RANDOM_ACCESS_NOT_SUPPORTED,
    ),
    # -- N1, N2: callback classes -----------------------------------------------------------------
    case(
        "a number for a GUID (N1)",
        "job.set_property(NOTIFICATION_CLSID, 5)",
        lambda w: w.job.set_property(bl.JobProperty.NOTIFICATION_CLSID, 5),
        TypeError,
        "NOTIFICATION_CLSID",
        "int 5",
    ),
    case(
        "a string that is not a GUID (N1)",
        "job.set_property(NOTIFICATION_CLSID, 'downloader')",
        lambda w: w.job.set_property(bl.JobProperty.NOTIFICATION_CLSID, "downloader"),
        ValueError,
        "NOTIFICATION_CLSID",
        "'downloader'",
    ),
    case(
        "a CLSID on a final job (N1)",
        "done.set_property(NOTIFICATION_CLSID, GUID_NULL)",
        lambda w: w.done.set_property(bl.JobProperty.NOTIFICATION_CLSID, bl.GUID_NULL),
        bl.BitsError,
        "NOTIFICATION_CLSID",
        hresult=bl.BG_E_INVALID_STATE,
    ),
    case(
        "GUID_NULL as a server's class (N2)",
        "app.register_server(GUID_NULL, factory)",
        lambda w: w.app.register_server(bl.GUID_NULL, lambda app: bl.Notifier(app)),
        ValueError,
        "GUID_NULL",
    ),
    case(
        "a factory that is not callable (N2)",
        "app.register_server(clsid, 'factory')",
        lambda w: w.app.register_server("{0b2a1f3c-6d5e-4f7a-9b8c-1d2e3f4a5b6c}", "factory"),  # type: ignore[arg-type]
        TypeError,
        "factory",
        "str 'factory'",
    ),
    case(
        "a class of the wrong type (N2)",
        "app.register_server(None, factory)",
        lambda w: w.app.register_server(None, lambda app: bl.Notifier(app)),
        TypeError,
        "clsid",
        "NoneType None",
    ),
    case(
        "an unknown enum value",
        "job.get_property(99)",
        lambda w: w.job.get_property(99),  # type: ignore[arg-type]
        ValueError,
        "prop",
        "got 99",
    ),
]
