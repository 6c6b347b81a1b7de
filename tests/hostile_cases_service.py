"""Hostile calls to the parts of the machine around the jobs (tests/test_hostile_input.py),
for the calls of issue 24 not covered in hostile_cases_model.py: looking jobs up (GetJob),
callback classes and their servers (N1, N2), the service's restarts and reboots (P2, P3),
and where a file comes from (L17). A str whose repr raises stands for every value a message
must quote and cannot print."""

from __future__ import annotations

import uuid

from hostile_support import Case, UnprintableStr, case

import bitslab as bl

CLSID = bl.JobProperty.NOTIFICATION_CLSID
A_CLASS = uuid.UUID("0b2a1f3c-6d5e-4f7a-9b8c-1d2e3f4a5b6c")


def _factory(app: bl.App) -> bl.Notifier:
    return bl.RecordingNotifier(app=app)


SERVICE_CASES: list[Case] = [
    # -- sim.get_job (GetJob) ----------------------------------------------------------------------
    case(
        "a GUID's bytes for a job id",
        "sim.get_job(job.id.bytes)",
        lambda w: w.sim.get_job(w.job.id.bytes),  # type: ignore[arg-type]
        TypeError,
        "job_id",
        "bytes",
    ),
    case(
        "a GUID's int for a job id",
        "sim.get_job(job.id.int)",
        lambda w: w.sim.get_job(w.job.id.int),  # type: ignore[arg-type]
        TypeError,
        "job_id",
        "int",
    ),
    case(
        "a str that is not a GUID and cannot be shown",
        "sim.get_job(UnprintableStr('nightly'))",
        lambda w: w.sim.get_job(UnprintableStr("nightly")),
        ValueError,
        "job_id",
        "cannot be shown",
    ),
    case(
        "the text of a job that has left the queue (GetJob)",
        "sim.get_job(str(done.id))",
        lambda w: w.sim.get_job(str(w.done.id)),
        bl.BitsError,
        "'done' is CANCELLED",
        hresult=bl.BG_E_NOT_FOUND,
    ),
    case(
        "the braced text of a job that has left the queue (GetJob)",
        "sim.get_job('{' + str(done.id) + '}')",
        lambda w: w.sim.get_job("{" + str(w.done.id) + "}"),
        bl.BitsError,
        "'done' is CANCELLED",
        hresult=bl.BG_E_NOT_FOUND,
    ),
    # -- job.set_property(NOTIFICATION_CLSID, ...) (N1) --------------------------------------------
    *(
        case(
            f"a {kind} for a GUID (N1)",
            f"job.set_property(NOTIFICATION_CLSID, {shown})",
            lambda w, value=value: w.job.set_property(CLSID, value),
            TypeError,
            "NOTIFICATION_CLSID",
            received,
        )
        for kind, shown, value, received in [
            ("None", "None", None, "NoneType None"),
            ("bool", "True", True, "bool True"),
            ("GUID's bytes", "A_CLASS.bytes", A_CLASS.bytes, "bytes"),
            ("GUID's int", "A_CLASS.int", A_CLASS.int, f"int {A_CLASS.int}"),
            ("list", "[A_CLASS]", [A_CLASS], "list"),
        ]
    ),
    case(
        "a name where a GUID belongs (N1)",
        "job.set_property(NOTIFICATION_CLSID, 'GUID_NULL')",
        lambda w: w.job.set_property(CLSID, "GUID_NULL"),
        ValueError,
        "NOTIFICATION_CLSID",
        "'GUID_NULL'",
    ),
    case(
        "a str that is not a GUID and cannot be shown (N1)",
        "job.set_property(NOTIFICATION_CLSID, UnprintableStr('downloader'))",
        lambda w: w.job.set_property(CLSID, UnprintableStr("downloader")),
        ValueError,
        "NOTIFICATION_CLSID",
    ),
    case(
        "a CLSID on a final job (N1)",
        "done.set_property(NOTIFICATION_CLSID, A_CLASS)",
        lambda w: w.done.set_property(CLSID, A_CLASS),
        bl.BitsError,
        "NOTIFICATION_CLSID",
        "'done'",
        hresult=bl.BG_E_INVALID_STATE,
    ),
    case(
        "a wrong type on a final job: the type first (N1)",
        "done.set_property(NOTIFICATION_CLSID, 5)",
        lambda w: w.done.set_property(CLSID, 5),
        TypeError,
        "NOTIFICATION_CLSID",
        "int 5",
    ),
    # -- app.register_server (N2) ------------------------------------------------------------------
    *(
        case(
            f"a {kind} for a class (N2)",
            f"app.register_server({shown}, factory)",
            lambda w, value=value: w.app.register_server(value, _factory),
            TypeError,
            "clsid",
            received,
        )
        for kind, shown, value, received in [
            ("number", "7", 7, "int 7"),
            ("GUID's bytes", "A_CLASS.bytes", A_CLASS.bytes, "bytes"),
            ("list", "[A_CLASS]", [A_CLASS], "list"),
        ]
    ),
    case(
        "a str that is not a GUID (N2)",
        "app.register_server('downloader', factory)",
        lambda w: w.app.register_server("downloader", _factory),
        ValueError,
        "clsid",
        "'downloader'",
    ),
    case(
        "a str that is not a GUID and cannot be shown (N2)",
        "app.register_server(UnprintableStr('downloader'), factory)",
        lambda w: w.app.register_server(UnprintableStr("downloader"), _factory),
        ValueError,
        "clsid",
    ),
    case(
        "GUID_NULL's text as a server's class (N2)",
        "app.register_server('{00000000-0000-0000-0000-000000000000}', factory)",
        lambda w: w.app.register_server("{00000000-0000-0000-0000-000000000000}", _factory),
        ValueError,
        "clsid",
        "GUID_NULL",
    ),
    case(
        "a factory that is not callable (N2)",
        "app.register_server(A_CLASS, None)",
        lambda w: w.app.register_server(A_CLASS, None),  # type: ignore[arg-type]
        TypeError,
        "factory",
        "NoneType None",
    ),
    case(
        "a notifier where its factory belongs (N2)",
        "app.register_server(A_CLASS, bl.RecordingNotifier())",
        lambda w: w.app.register_server(A_CLASS, bl.RecordingNotifier()),  # type: ignore[arg-type]
        TypeError,
        "factory",
        "RecordingNotifier",
    ),
    case(
        "two wrong arguments: the first is named (N2)",
        "app.register_server(None, None)",
        lambda w: w.app.register_server(None, None),  # type: ignore[arg-type]
        TypeError,
        "clsid",
        "NoneType None",
    ),
    # -- sim.restart_service, sim.reboot (P2, P3) -------------------------------------------------
    case(
        "a duration lost to floating point (P2)",
        "sim.restart_service(1e17, 1)",
        lambda w: w.sim.restart_service(1e17, 1.0),
        ValueError,
        "duration=1.0",
        "vanishes",
        "(P2)",
    ),
    case(
        "a duration lost to floating point (P3)",
        "sim.reboot(1e17, 1)",
        lambda w: w.sim.reboot(1e17, 1.0),
        ValueError,
        "duration=1.0",
        "vanishes",
        "(P3)",
    ),
    # -- add_file and set_remote_name: URLs that cannot be shown (L12, L17) -----------------------
    case(
        "a URL BITS does not take, that cannot be shown",
        "job.add_file(UnprintableStr('ftp://m.test/c'), 'c', 10)",
        lambda w: w.job.add_file(UnprintableStr("ftp://m.test/c"), "c", 10),
        bl.InvalidArgumentError,
        "remote_url",
        hresult=bl.E_INVALIDARG,
    ),
    case(
        "a URL BITS does not take, that cannot be shown (L17)",
        "job.files[0].set_remote_name(UnprintableStr('ftp://m.test/c'))",
        lambda w: w.job.files[0].set_remote_name(UnprintableStr("ftp://m.test/c")),
        bl.InvalidArgumentError,
        "url",
        "(L17)",
        hresult=bl.E_INVALIDARG,
    ),
    case(
        "an empty URL (L17)",
        "job.files[0].set_remote_name('')",
        lambda w: w.job.files[0].set_remote_name(""),
        ValueError,
        "url",
        "empty",
    ),
    case(
        "a size of BG_SIZE_UNKNOWN (L17)",
        "job.files[0].set_remote_name(url, size=2**64 - 1)",
        lambda w: w.job.files[0].set_remote_name("https://backup.test/a.cab", 2**64 - 1),
        ValueError,
        "size",
        "BG_SIZE_UNKNOWN",
    ),
]
