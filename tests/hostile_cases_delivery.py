"""Hostile calls about delivery and BITS's refusals (tests/test_hostile_input.py): notify
flags, interface and command line (F, I, K), calls refused by state (L2, L11-L13, F4, I3,
K7), on-demand ranges (R1, R2), the network, apps and notifiers."""

from __future__ import annotations

from hostile_support import (
    INTERVAL,
    Case,
    case,
    invalid_state_case,
    number_cases,
    set_attribute,
)

import bitslab as bl

DELIVERY_CASES: list[Case] = [
    # -- notify flags, interface, command line (F, I, K) -------------------------------------------
    case(
        "flags outside 0x3F (F3)",
        "job.set_notify_flags(0x40)",
        lambda w: w.job.set_notify_flags(0x40),
        bl.BitsError,
        "set_notify_flags(0x40)",
        "'nightly'",
        "(F3)",
        hresult=bl.E_NOTIMPL,
    ),
    case(
        "negative flags (F3)",
        "job.set_notify_flags(-1)",
        lambda w: w.job.set_notify_flags(-1),
        bl.BitsError,
        "set_notify_flags(-1)",
        "(F3)",
        hresult=bl.E_NOTIMPL,
    ),
    case(
        "a str for flags",
        "job.set_notify_flags('0x3')",
        lambda w: w.job.set_notify_flags("0x3"),  # type: ignore[arg-type]
        TypeError,
        "flags",
        "str '0x3'",
    ),
    case(
        "a float for flags",
        "job.set_notify_flags(3.0)",
        lambda w: w.job.set_notify_flags(3.0),  # type: ignore[arg-type]
        TypeError,
        "flags",
        "float 3.0",
    ),
    case(
        "an enum of another kind",
        "job.set_notify_flags(bl.JobState.TRANSFERRED)",
        lambda w: w.job.set_notify_flags(bl.JobState.TRANSFERRED),
        TypeError,
        "flags",
        "JobState.TRANSFERRED",
    ),
    case(
        "a notifier class instead of an instance",
        "job.set_notify_interface(bl.RecordingNotifier)",
        lambda w: w.job.set_notify_interface(bl.RecordingNotifier),
        TypeError,
        "notifier",
        "the class RecordingNotifier",
        "RecordingNotifier()?",
    ),
    case(
        "an object with no callback method",
        "job.set_notify_interface('downloader')",
        lambda w: w.job.set_notify_interface("downloader"),
        TypeError,
        "notifier",
        "str 'downloader'",
    ),
    case(
        "a notifier of another simulation's app",
        "job.set_notify_interface(bl.Notifier(other.add_app('x')))",
        lambda w: w.job.set_notify_interface(bl.Notifier(w.other.add_app("x"))),
        ValueError,
        "notifier",
        "another Simulation",
    ),
    case(
        "a relative command-line program (K1)",
        "job.set_notify_cmdline('notify.exe', None)",
        lambda w: w.job.set_notify_cmdline("notify.exe", None),
        bl.InvalidArgumentError,
        "full path",
        "(K1)",
        hresult=bl.E_INVALIDARG,
    ),
    case(
        "parameters without a program (K1)",
        "job.set_notify_cmdline(None, 'x')",
        lambda w: w.job.set_notify_cmdline(None, "x"),
        bl.InvalidArgumentError,
        "parameters without a program (K1)",
        hresult=bl.E_INVALIDARG,
    ),
    case(
        "a string too long (K1)",
        "job.set_notify_cmdline('/usr/bin/notify', 'x' * 4001)",
        lambda w: w.job.set_notify_cmdline("/usr/bin/notify", "x" * 4001),
        bl.BitsError,
        "parameters is 4001 characters",
        "(K1)",
        hresult=bl.BG_E_STRING_TOO_LONG,
    ),
    case(
        "a list for a str",
        "job.set_notify_cmdline('/usr/bin/notify', ['a'])",
        lambda w: w.job.set_notify_cmdline("/usr/bin/notify", ["a"]),  # type: ignore[arg-type]
        TypeError,
        "parameters",
        "list ['a']",
    ),
    # -- calls BITS refuses by state (L2, L11, L12, L13, F4, I3, K7) -------------------------------
    invalid_state_case("done.resume()", lambda w: w.done.resume()),
    invalid_state_case("done.suspend()", lambda w: w.done.suspend()),
    invalid_state_case("done.cancel()", lambda w: w.done.cancel()),
    invalid_state_case("done.complete()", lambda w: w.done.complete()),
    invalid_state_case(
        "done.add_file(url, 'd', 1)", lambda w: w.done.add_file("https://m.test/d", "d", 1)
    ),
    invalid_state_case("done.set_notify_flags(0x3)", lambda w: w.done.set_notify_flags(0x3), "F4"),
    invalid_state_case(
        "done.set_notify_interface(None)", lambda w: w.done.set_notify_interface(None), "I3"
    ),
    invalid_state_case(
        "done.set_notify_cmdline(None, None)", lambda w: w.done.set_notify_cmdline(None, None), "K7"
    ),
    invalid_state_case(
        "done.priority = bl.JobPriority.HIGH", lambda w: set_attribute(w.done, "priority", 1)
    ),
    invalid_state_case(
        "done.set_property(INTERVAL, 100)", lambda w: w.done.set_property(INTERVAL, 100)
    ),
    invalid_state_case(
        "done.files[0].request_ranges([(0, 1)])",
        lambda w: w.done.files[0].request_ranges([(0, 1)]),
    ),
    case(
        "resume() of a job with no files (L2)",
        "empty.resume()",
        lambda w: w.empty.resume(),
        bl.BitsError,
        "no files",
        "(L2)",
        hresult=bl.BG_E_EMPTY,
    ),
    case(
        "complete() of an upload job not yet TRANSFERRED (L11)",
        "upload.complete()",
        lambda w: w.upload.complete(),
        bl.BitsError,
        "SUSPENDED",
        "(L11)",
        hresult=bl.BG_E_INVALID_STATE,
    ),
    case(
        "get_error() of a job not in error (L13)",
        "job.get_error()",
        lambda w: w.job.get_error(),
        bl.BitsError,
        "TRANSFERRING",
        "(L13)",
        hresult=bl.BG_E_ERROR_INFORMATION_UNAVAILABLE,
    ),
    # -- on-demand ranges (R1, R2) -----------------------------------------------------------------
    case(
        "ranges on a job not in on-demand mode (R1)",
        "job.files[0].request_ranges([(0, 10)])",
        lambda w: w.job.files[0].request_ranges([(0, 10)]),
        bl.BitsError,
        "(R1)",
        hresult=bl.BG_E_RANDOM_ACCESS_NOT_SUPPORTED,
    ),
    case(
        "a range past the end of the file (R2)",
        "film.files[0].request_ranges([(0, 10), (900, 200)])",
        lambda w: w.film.files[0].request_ranges([(0, 10), (900, 200)]),
        bl.BitsError,
        "(900, 200)",
        "1,000 bytes",
        "(R2)",
        hresult=bl.BG_E_INVALID_RANGE,
    ),
    case(
        "an empty range (R2)",
        "film.files[0].request_ranges([(5, 0)])",
        lambda w: w.film.files[0].request_ranges([(5, 0)]),
        bl.BitsError,
        "(5, 0) is empty",
        hresult=bl.BG_E_INVALID_RANGE,
    ),
    case(
        "a negative offset",
        "film.files[0].request_ranges([(-1, 10)])",
        lambda w: w.film.files[0].request_ranges([(-1, 10)]),
        ValueError,
        "offset of a range",
        "-1",
    ),
    case(
        "a str for the ranges",
        "film.files[0].request_ranges('0-100')",
        lambda w: w.film.files[0].request_ranges("0-100"),  # type: ignore[arg-type]
        TypeError,
        "ranges",
        "str '0-100'",
    ),
    case(
        "a pair of three",
        "film.files[0].request_ranges([(0, 1, 2)])",
        lambda w: w.film.files[0].request_ranges([(0, 1, 2)]),  # type: ignore[list-item]
        TypeError,
        "(offset, length) pair",
        "tuple (0, 1, 2)",
    ),
    case(
        "a float in a range",
        "film.files[0].request_ranges([(0.0, 10)])",
        lambda w: w.film.files[0].request_ranges([(0.0, 10)]),  # type: ignore[list-item]
        TypeError,
        "offset of a range",
        "float 0.0",
    ),
    # -- the network -------------------------------------------------------------------------------
    *number_cases(
        "sim.network.outage(start=VALUE, duration=5)",
        "start",
        lambda w, v: w.sim.network.outage(v, 5.0),
    ),
    *number_cases(
        "sim.network.outage(start=10, duration=VALUE)",
        "duration",
        lambda w, v: w.sim.network.outage(10.0, v),
        zero_ok=False,
    ),
    case(
        "an interval already over",
        "sim.network.outage(0.1, 0.2)",
        lambda w: w.sim.network.outage(0.1, 0.2),
        ValueError,
        "start=0.1, duration=0.2 ends at 0.3",
        "before the current time 0.5",
    ),
    case(
        "an HTTP status that is not an error",
        "sim.network.fail(url, 200)",
        lambda w: w.sim.network.fail("https://mirror.test/", 200),
        ValueError,
        "status",
        "400 to 599",
        "200",
    ),
    case(
        "a URL no file can have",
        "sim.network.fail('mirror.test/', 404)",
        lambda w: w.sim.network.fail("mirror.test/", 404),
        ValueError,
        "url",
        "'mirror.test/'",
    ),
    *number_cases(
        "sim.network.traffic(0, 10, bandwidth=VALUE)",
        "bandwidth",
        lambda w, v: w.sim.network.traffic(1.0, 10.0, v),
        zero_ok=False,
    ),
    # -- apps and notifiers ------------------------------------------------------------------------
    case(
        "start() of a running app",
        "app.start()",
        lambda w: w.app.start(),
        ValueError,
        "start() on app 'downloader'",
        "already running",
    ),
    case(
        "a start function that cannot be called",
        "app.on_start('register')",
        lambda w: w.app.on_start("register"),  # type: ignore[arg-type]
        TypeError,
        "fn",
        "str 'register'",
    ),
    case(
        "a wrong type for an app",
        "bl.Notifier(app='downloader')",
        lambda w: bl.Notifier(app="downloader"),  # type: ignore[arg-type]
        TypeError,
        "app",
        "str 'downloader'",
    ),
    case(
        "the App class for an app",
        "bl.Notifier(app=bl.App)",
        lambda w: bl.Notifier(app=bl.App),  # type: ignore[arg-type]
        TypeError,
        "app",
        "the class App itself",
    ),
    case(
        "returns that is not a dict",
        "bl.RecordingNotifier(returns=False)",
        lambda w: bl.RecordingNotifier(returns=False),  # type: ignore[arg-type]
        TypeError,
        "returns",
        "bool False",
    ),
    case(
        "an unknown method name",
        "bl.RecordingNotifier(returns={'job_transfered': False})",
        lambda w: bl.RecordingNotifier(returns={"job_transfered": False}),
        ValueError,
        "returns",
        "'job_transfered'",
    ),
    case(
        "an empty list of results (C5)",
        "bl.RecordingNotifier(returns={'job_transferred': []})",
        lambda w: bl.RecordingNotifier(returns={"job_transferred": []}),
        ValueError,
        "returns['job_transferred']",
        "empty list",
    ),
    case(
        "an iterator of results (C5)",
        "bl.RecordingNotifier(returns={'job_error': iter([False, True])})",
        lambda w: bl.RecordingNotifier(returns={"job_error": iter([False, True])}),
        TypeError,
        "returns['job_error']",
        "list_iterator",
        "list or tuple",
    ),
    case(
        "a set of results (C5)",
        "bl.RecordingNotifier(returns={'file_transferred': {False, True}})",
        lambda w: bl.RecordingNotifier(returns={"file_transferred": {False, True}}),
        TypeError,
        "returns['file_transferred']",
        "set",
    ),
    # -- C5: which successes count ---------------------------------------------------------------
    case(
        "a str for s_ok_only (C5)",
        "bl.Simulation(s_ok_only='yes')",
        lambda w: bl.Simulation(s_ok_only="yes"),  # type: ignore[arg-type]
        TypeError,
        "s_ok_only",
        "(C5",
        "str 'yes'",
    ),
    case(
        "an int for s_ok_only (C5)",
        "bl.Simulation(s_ok_only=1)",
        lambda w: bl.Simulation(s_ok_only=1),  # type: ignore[arg-type]
        TypeError,
        "s_ok_only",
        "int 1",
    ),
    case(
        "None for s_ok_only (C5)",
        "bl.Simulation(s_ok_only=None)",
        lambda w: bl.Simulation(s_ok_only=None),  # type: ignore[arg-type]
        TypeError,
        "s_ok_only",
        "NoneType None",
    ),
]
