"""The busy world in which tests/test_hostile_input.py makes its bad calls, what it compares
before and after, and how its cases are written (``case``, ``number_cases``,
``invalid_state_case``)."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from support import log_rows, snapshot

import bitslab as bl

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
                [
                    (f.filled_ranges(), f.outstanding_ranges(), f.remote_name, f.source)
                    for f in job.files
                ],
                [job.get_property(prop) for prop in bl.JobProperty],
            )
            for job in sim.jobs
        ],
        len(sim.servers),
        log_rows(sim),
        sim.log.pending(),
        [(app.name, list(app.runs)) for app in sim.apps],
        (list(sim.network.outages), list(sim.network.failures), list(sim.network.traffic_spans)),
        list(sim.service.periods),  # P2, P3
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


class UnprintableStr(str):
    """A str whose repr raises: a message that quotes it must still be written."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


class Color(enum.IntEnum):
    RED = 1


def number_cases(
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


def invalid_state_case(example: str, call: Callable[[World], object], rule: str = "L12") -> Case:
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


def set_attribute(obj: object, name: str, value: object) -> None:
    setattr(obj, name, value)
