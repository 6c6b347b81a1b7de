"""Hostile input to every public callable: each mistake gets one clear error, and changes nothing.

The audit of issue 9. Every case below is a call a student could type; each raises
``TypeError`` or ``ValueError`` naming the argument and what it received, or, where BITS
defines the failure, ``BitsError`` with its HRESULT and the rule (F3, F4, I3, K1, K7, L2,
L11, L12, L13, R1, R2). Cases that act on a simulation run in a busy world (a job
transferring, an app with a notifier, an on-demand job, a cancelled job, pending
notifications) and check that the world is exactly as before the call, and that it then runs
to the same end as an untouched world. Conventions, for every numeric argument: a bool is
never a number (TypeError), a float is never an int (TypeError), NaN and infinities are
ValueErrors, and a str is never parsed (TypeError).

``CASES`` is also what the closing note of issue 9 tabulates: ``python
tests/test_hostile_input.py`` prints that table.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from support import log_rows, snapshot

import bitslab as bl
from bitslab import compare, plots, scenarios
from bitslab import timeline as views

NAN, INF = math.nan, math.inf
F = bl.NotifyFlags
ON_DEMAND = bl.JobProperty.ON_DEMAND_MODE
INTERVAL = bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS


@dataclass
class World:
    """A simulation with something in every state a call could disturb."""

    sim: bl.Simulation
    app: bl.App
    job: bl.Job  # TRANSFERRING, with a RecordingNotifier of app and pending notifications
    film: bl.Job  # an on-demand job of one 1,000-byte file
    done: bl.Job  # CANCELLED: every change fails with BG_E_INVALID_STATE (L12)
    upload: bl.Job  # an upload job with its one file, SUSPENDED
    empty: bl.Job  # a job with no files
    other: bl.Simulation = field(default_factory=lambda: bl.Simulation(seed=1))


def world() -> World:
    sim = bl.Simulation(seed=0)
    app = sim.add_app("downloader")
    sim.register_program("/usr/bin/notify", lambda job, parameters: 0)
    job = sim.create_job("nightly")
    for name in ("a.cab", "b.cab"):
        job.add_file(f"https://mirror.test/{name}", name, 1_000_000)
    job.set_notify_flags(0x1B)
    job.set_notify_interface(bl.RecordingNotifier(app))
    film = sim.create_job("film")
    film.add_file("https://cdn.test/movie.mp4", "movie.mp4", 1_000)
    film.set_property(ON_DEMAND, True)
    done = sim.create_job("done")
    done.add_file("https://mirror.test/c.cab", "c.cab", 10)
    done.cancel()
    upload = sim.create_job("report", type=bl.JobType.UPLOAD)
    upload.add_file("https://reports.test/r.pdf", "r.pdf", 100)
    empty = sim.create_job("empty")
    sim.network.outage(5.0, 1.0)
    job.resume()
    sim.run(until=0.5)
    assert job.state is bl.JobState.TRANSFERRING
    return World(sim, app, job, film, done, upload, empty)


def state_of(sim: bl.Simulation) -> tuple[object, ...]:
    """Everything a rejected call could have changed in ``sim``."""
    return (
        sim.now,
        [
            (
                snapshot(job),
                job.get_notify_flags(),
                job.get_notify_interface(),
                job.get_notify_cmdline(),
                [(f.filled_ranges(), f.outstanding_ranges()) for f in job.files],
            )
            for job in sim.jobs
        ],
        log_rows(sim),
        sim.log.pending(),
        [(app.name, list(app.runs)) for app in sim.apps],
        (list(sim.network.outages), list(sim.network.failures), list(sim.network.traffic_spans)),
        sim.rng.getstate(),
        sim.quiet,
    )


def outcome(sim: bl.Simulation) -> tuple[object, ...]:
    """How the world ends: every job's history and the whole log."""
    sim.run()
    return [list(job.history) for job in sim.jobs], log_rows(sim)


@dataclass(frozen=True)
class Case:
    """One bad call: what kind of mistake, the call, and what the user must see."""

    kind: str  # the closing note's first column
    example: str  # the call as a student would type it
    call: Callable[[World], object]
    error: type[BaseException]
    words: tuple[str, ...]  # each must be in the message (the argument, what it received)
    hresult: int | None = None  # for a BitsError


def case(
    kind: str,
    example: str,
    call: Callable[[World], object],
    error: type[BaseException],
    *words: str,
    hresult: int | None = None,
) -> Case:
    return Case(kind, example, call, error, words, hresult)


class Unprintable:
    """A value whose repr raises: messages must still be written."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


class Color(enum.IntEnum):
    RED = 1


def _numbers(
    target: str,
    argument: str,
    call: Callable[[World, Any], object],
    *,
    zero_ok: bool = True,
    whole: bool = False,
    optional: bool = False,
) -> list[Case]:
    """The standard bad values of one numeric argument."""
    bad: list[tuple[str, Any, type[BaseException], str]] = [
        ("a str for a number", "'10'", TypeError, "str '10'"),
        ("a bool for a number", "True", TypeError, "bool True"),
        ("a list for a number", "[1]", TypeError, "list [1]"),
        ("an object whose repr raises", "Unprintable()", TypeError, "cannot be shown"),
    ]
    if not optional:
        bad.append(("None for a number", "None", TypeError, "NoneType None"))
    if whole:
        bad += [
            ("a float for an int", "1.0", TypeError, "float 1.0"),
            ("a float for an int", "nan", TypeError, "float nan"),
            ("an enum of another kind", "Color.RED", TypeError, "Color"),
        ]
    else:
        bad += [
            ("NaN", "nan", ValueError, "nan"),
            ("infinity", "inf", ValueError, "inf"),
            ("minus infinity", "-inf", ValueError, "-inf"),
            ("a number too large for a float", "10**400", ValueError, "finite"),
        ]
    bad.append(("a negative number", "-1", ValueError, "-1"))
    if not zero_ok:
        bad.append(("zero where it is not allowed", "0", ValueError, "0"))
    values = {
        "'10'": "10",
        "True": True,
        "[1]": [1],
        "Unprintable()": Unprintable(),
        "None": None,
        "1.0": 1.0,
        "nan": NAN,
        "Color.RED": Color.RED,
        "inf": INF,
        "-inf": -INF,
        "10**400": 10**400,
        "-1": -1,
        "0": 0,
    }
    return [
        case(
            what,
            f"{target.replace('VALUE', shown)}",
            lambda w, v=values[shown]: call(w, v),
            error,
            argument,
            received,
        )
        for what, shown, error, received in bad
    ]


def _invalid_state(example: str, call: Callable[[World], object], rule: str = "L12") -> Case:
    return case(
        "a call on a CANCELLED job",
        example,
        call,
        bl.BitsError,
        "'done'",
        "CANCELLED",
        f"({rule})",
        hresult=bl.BG_E_INVALID_STATE,
    )


def _set(obj: object, name: str, value: object) -> None:
    setattr(obj, name, value)


CASES: list[Case] = [
    # -- Simulation(...) ---------------------------------------------------------------------------
    *_numbers("bl.Simulation(seed=VALUE)", "seed", lambda w, v: bl.Simulation(seed=v), whole=True),
    *_numbers(
        "bl.Simulation(bandwidth=VALUE)",
        "bandwidth",
        lambda w, v: bl.Simulation(bandwidth=v),
        zero_ok=False,
    ),
    *_numbers("bl.Simulation(latency=VALUE)", "latency", lambda w, v: bl.Simulation(latency=v)),
    *_numbers(
        "bl.Simulation(callback_timeout=VALUE)",
        "callback_timeout",
        lambda w, v: bl.Simulation(callback_timeout=v),
        zero_ok=False,
        optional=True,
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
    # -- sim.run, sim.call_at ----------------------------------------------------------------------
    *_numbers("sim.run(until=VALUE)", "until", lambda w, v: w.sim.run(until=v), optional=True),
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
    *_numbers("sim.call_at(VALUE, print)", "time", lambda w, v: w.sim.call_at(v, print)),
    case(
        "a function that cannot be called",
        "sim.call_at(10, 'resume')",
        lambda w: w.sim.call_at(10, "resume"),  # type: ignore[arg-type]
        TypeError,
        "fn",
        "str 'resume'",
    ),
    # -- job.add_file ------------------------------------------------------------------------------
    *_numbers(
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
    # -- job setters and properties ----------------------------------------------------------------
    *_numbers(
        "job.minimum_retry_delay = VALUE",
        "minimum_retry_delay",
        lambda w, v: _set(w.job, "minimum_retry_delay", v),
    ),
    *_numbers(
        "job.no_progress_timeout = VALUE",
        "no_progress_timeout",
        lambda w, v: _set(w.job, "no_progress_timeout", v),
    ),
    case(
        "a name where an enum belongs",
        "job.priority = 'HIGH'",
        lambda w: _set(w.job, "priority", "HIGH"),
        TypeError,
        "priority",
        "str 'HIGH'",
    ),
    *(
        case(
            "a read-only attribute",
            f"{owner}.{name} = {value!r}",
            lambda w, owner=owner, name=name, value=value: _set(
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
        lambda w: _set(w.job, "priority", 9),
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
    *_numbers(
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
    case(
        "an unknown enum value",
        "job.get_property(99)",
        lambda w: w.job.get_property(99),  # type: ignore[arg-type]
        ValueError,
        "prop",
        "got 99",
    ),
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
    _invalid_state("done.resume()", lambda w: w.done.resume()),
    _invalid_state("done.suspend()", lambda w: w.done.suspend()),
    _invalid_state("done.cancel()", lambda w: w.done.cancel()),
    _invalid_state("done.complete()", lambda w: w.done.complete()),
    _invalid_state(
        "done.add_file(url, 'd', 1)", lambda w: w.done.add_file("https://m.test/d", "d", 1)
    ),
    _invalid_state("done.set_notify_flags(0x3)", lambda w: w.done.set_notify_flags(0x3), "F4"),
    _invalid_state(
        "done.set_notify_interface(None)", lambda w: w.done.set_notify_interface(None), "I3"
    ),
    _invalid_state(
        "done.set_notify_cmdline(None, None)", lambda w: w.done.set_notify_cmdline(None, None), "K7"
    ),
    _invalid_state("done.priority = bl.JobPriority.HIGH", lambda w: _set(w.done, "priority", 1)),
    _invalid_state(
        "done.set_property(INTERVAL, 100)", lambda w: w.done.set_property(INTERVAL, 100)
    ),
    _invalid_state(
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
    *_numbers(
        "sim.network.outage(start=VALUE, duration=5)",
        "start",
        lambda w, v: w.sim.network.outage(v, 5.0),
    ),
    *_numbers(
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
    *_numbers(
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
    # -- the event log -----------------------------------------------------------------------------
    case(
        "a misspelt method name",
        "sim.log.entries(method='job_transfered')",
        lambda w: w.sim.log.entries(method="job_transfered"),
        ValueError,
        "method",
        "'job_transfered'",
        "did you mean 'job_transferred'?",
    ),
    case(
        "a misspelt outcome",
        "sim.log.entries(outcome='deliverd')",
        lambda w: w.sim.log.entries(outcome="deliverd"),
        ValueError,
        "outcome",
        "'deliverd'",
        "did you mean 'delivered'?",
    ),
    case(
        "a job's name for the job",
        "sim.log.explain('nightly')",
        lambda w: w.sim.log.explain("nightly"),  # type: ignore[arg-type]
        TypeError,
        "job",
        "str 'nightly'",
    ),
    case(
        "a str for a bool",
        "sim.log.entries(final='yes')",
        lambda w: w.sim.log.entries(final="yes"),  # type: ignore[arg-type]
        TypeError,
        "final",
        "str 'yes'",
    ),
    case(
        "a job of another simulation",
        "sim.log.pending(other_sim_job)",
        lambda w: w.sim.log.pending(w.other.create_job("x")),
        ValueError,
        "job 'x'",
        "another Simulation",
    ),
    # -- views: timeline, arrivals, outcome counts, differences, plots -----------------------------
    case(
        "a lone job where a list belongs",
        "timeline(sim, jobs=job)",
        lambda w: views.timeline(w.sim, w.job),  # type: ignore[arg-type]
        TypeError,
        "jobs",
        "one Job ('nightly')",
        "[job]",
    ),
    case(
        "a name in the list of jobs",
        "arrivals(sim, ['nightly'])",
        lambda w: views.arrivals(w.sim, ["nightly"]),  # type: ignore[list-item]
        TypeError,
        "jobs[0]",
        "str 'nightly'",
    ),
    case(
        "a job of another simulation",
        "arrivals(sim, [other_sim_job])",
        lambda w: views.arrivals(w.sim, [w.other.create_job("x")]),
        ValueError,
        "jobs[0]",
        "another Simulation",
    ),
    case(
        "a log where a simulation belongs",
        "arrivals(sim.log)",
        lambda w: views.arrivals(w.sim.log),  # type: ignore[arg-type]
        TypeError,
        "sim",
        "EventLog",
    ),
    case(
        "a str for a bool",
        "arrivals(sim, modifications='yes')",
        lambda w: views.arrivals(w.sim, modifications="yes"),  # type: ignore[arg-type]
        TypeError,
        "modifications",
        "str 'yes'",
    ),
    case(
        "a simulation where a log belongs",
        "outcome_counts(sim)",
        lambda w: views.outcome_counts(w.sim),  # type: ignore[arg-type]
        TypeError,
        "log",
        "Simulation <Simulation seed 0 at 0.5 s: 5 jobs, 1 app>",
    ),
    case(
        "a wrong type for a simulation",
        "differences(sim, None)",
        lambda w: compare.differences(w.sim, None),  # type: ignore[arg-type]
        TypeError,
        "right",
        "NoneType None",
    ),
    case(
        "a wrong type for a title",
        "plots.timeline(sim, title=5)",
        lambda w: plots.timeline(w.sim, title=5),  # type: ignore[arg-type]
        TypeError,
        "title",
        "int 5",
    ),
    case(
        "a str for a bool",
        "plots.timeline(sim, modifications='no')",
        lambda w: plots.timeline(w.sim, modifications="no"),  # type: ignore[arg-type]
        TypeError,
        "modifications",
        "str 'no'",
    ),
    case(
        "a wrong type for a simulation",
        "plots.outcome_matrix('sim')",
        lambda w: plots.outcome_matrix("sim"),  # type: ignore[arg-type]
        TypeError,
        "sim",
        "str 'sim'",
    ),
    # -- constants and the rules -------------------------------------------------------------------
    case(
        "a name where an HRESULT belongs",
        "bl.hresult_name('E_FAIL')",
        lambda w: bl.hresult_name("E_FAIL"),  # type: ignore[arg-type]
        TypeError,
        "hresult",
        "str 'E_FAIL'",
    ),
    case(
        "an HRESULT wider than 32 bits",
        "bl.hresult_name(2**32)",
        lambda w: bl.hresult_name(2**32),
        ValueError,
        "hresult",
        "4294967296",
    ),
    case(
        "an HTTP status out of range",
        "bl.http_error_hresult(99)",
        lambda w: bl.http_error_hresult(99),
        ValueError,
        "status",
        "at least 100",
        "99",
    ),
    case(
        "an unknown rule ID",
        "bitslab.rulebook.rule('Z9')",
        lambda w: __import__("bitslab.rulebook").rulebook.rule("Z9"),
        KeyError,
        "unknown rule 'Z9'",
        "F5, L3, S2",
    ),
    # -- ready scenarios ---------------------------------------------------------------------------
    case(
        "a str for a bool",
        "scenarios.restart_story(reregister='no')",
        lambda w: scenarios.restart_story(reregister="no", run=False),  # type: ignore[arg-type]
        TypeError,
        "reregister",
        "str 'no'",
    ),
    case(
        "a restart before the crash",
        "scenarios.restart_story(crash_at=6, restart_at=3)",
        lambda w: scenarios.restart_story(crash_at=6, restart_at=3, run=False),
        ValueError,
        "restart_at",
        "after crash_at (6)",
        "got 3",
    ),
    case(
        "a negative time",
        "scenarios.two_apps_racing(second_at=-3)",
        lambda w: scenarios.two_apps_racing(second_at=-3, run=False),
        ValueError,
        "second_at",
        "-3",
    ),
    case(
        "a number where a (start, duration) pair belongs",
        "scenarios.media_player(outage=5)",
        lambda w: scenarios.media_player(outage=5, run=False),  # type: ignore[arg-type]
        TypeError,
        "outage",
        "int 5",
    ),
    case(
        "a str for a number",
        "scenarios.flaky_network(outage_start='15')",
        lambda w: scenarios.flaky_network(outage_start="15", run=False),  # type: ignore[arg-type]
        TypeError,
        "outage_start",
        "str '15'",
    ),
    case(
        "a float for an int",
        "scenarios.flags_tour(interval_ms=0.5)",
        lambda w: scenarios.flags_tour(interval_ms=0.5, run=False),  # type: ignore[arg-type]
        TypeError,
        "interval_ms",
        "float 0.5",
    ),
    case(
        "a fraction out of range",
        "scenarios.media_player(seek_to=1.0)",
        lambda w: scenarios.media_player(seek_to=1.0, run=False),
        ValueError,
        "seek_to",
        "below 1",
    ),
]


def _id(item: Case) -> str:
    return re.sub(r"\s+", " ", item.example)


@pytest.fixture(scope="module")
def untouched() -> tuple[object, ...]:
    """How a world that nobody disturbed ends."""
    return outcome(world().sim)


@pytest.mark.parametrize("bad", CASES, ids=[_id(c) for c in CASES])
def test_a_bad_call_raises_one_clear_error_naming_what_it_got_and_changes_nothing(
    bad: Case, untouched: tuple[object, ...]
) -> None:
    """Each bad call raises its error type, whose message names the argument and the value
    received (or, for a BitsError, carries the HRESULT and names the rule); the world is as it
    was, and runs on to the same end as a world nobody disturbed."""
    w = world()
    before = state_of(w.sim)
    with pytest.raises(bad.error) as caught:
        bad.call(w)
    message = caught.value.args[0] if isinstance(caught.value, KeyError) else str(caught.value)
    for word in bad.words:
        assert word in message, (word, message)
    assert "\n" not in message
    if bad.hresult is not None:
        assert isinstance(caught.value, bl.BitsError)
        assert caught.value.hresult == bad.hresult
    assert state_of(w.sim) == before
    assert outcome(w.sim) == untouched


def closing_note() -> str:
    """The closing note's table: one example of each kind of bad input, with what it shows."""
    rows = ["| bad input | example | what the user sees (exception + message) |", "|---|---|---|"]
    seen: set[str] = set()
    for item in CASES:
        if item.kind in seen:
            continue
        seen.add(item.kind)
        w = world()
        try:
            item.call(w)
        except BaseException as error:  # the table shows whatever it is
            text = error.args[0] if isinstance(error, KeyError) else str(error)
            shown = f"`{type(error).__name__}`: {text}".replace("|", "\\|")
        else:
            shown = "(no error)"
        rows.append(f"| {item.kind} | `{item.example}` | {shown} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(closing_note())
