"""Scenario files: a simulation described in TOML, for ``python -m bitslab run FILE.toml``.

A scenario file names the jobs, their files and notify settings, the applications with the
times they crash, exit and start again, and the network's faults. Every key is checked: a
file with a typo, a wrong type or a value BITS would refuse gets a :class:`ScenarioFileError`
that names the key (``job[1].file[0].size``) and what was wrong. Values are checked by the
same code that checks them in Python (the model's own rules), so a flag outside 0x3F in a
file is refused by F3 exactly as ``set_notify_flags(0x40)`` is.

The schema, with every key (only ``job``, a job's ``name`` and ``file``, and a file's
``url``, ``name`` and ``size`` are required)::

    title = "The restart story"         # shown by `run` and `explain`
    description = "An app crashes..."

    [simulation]                        # keyword arguments of bitslab.Simulation
    seed = 0                            # also bandwidth, latency, time_slice, trickle,
    bandwidth = 1_000_000               # dispatch_delay, modification_delay,
    until = 120.0                       # callback_timeout, progress_interval; `until`
                                        # stops the run then (default: run until quiet)
    [[app]]
    name = "downloader"                 # running from 0
    crash_at = [6.0]                    # a time or a list of times (I4, I7)
    exit_at = []                        # a clean exit; with "unregister" in on_exit, the
    start_at = [30.0]                   #   app sets its interfaces to None first (I7)
    on_start = ["register", "poll"]     # at each restart: register a new notifier on its
    on_exit = ["unregister"]            #   jobs (I4); complete jobs found TRANSFERRED

    [[program]]                         # a simulated command-line program (K6); a
    path = 'C:\\Tools\\notify.exe'          #   cmdline must name one of these
    exit_code = 0                       # what it returns (non-zero fails, K5)
    installed = true                    # false: running it fails to launch (K6)

    [[job]]
    name = "nightly"
    type = "download"                   # download, upload or upload_reply
    priority = "normal"                 # foreground, high, normal or low
    flags = ["JOB_TRANSFERRED", "JOB_ERROR"]   # names, or an int such as 0x13 (F1)
    notifier = { app = "downloader", complete = true, returns = { file_transferred = false } }
    cmdline = { program = 'C:\\Tools\\notify.exe', parameters = 'C:\\Tools\\notify.exe /done' }
    minimum_retry_delay = 10.0          # seconds (L1, C5)
    no_progress_timeout = 1_209_600
    notification_interval_ms = 500      # MINIMUM_NOTIFICATION_INTERVAL_MS (C7)
    on_demand = false                   # ON_DEMAND_MODE (R1)
    resume_at = 0.0                     # a time or a list (default 0; [] never)
    suspend_at = []                     # also cancel_at, complete_at
    [[job.file]]
    url = "https://mirror.test/base.cab"
    name = "base.cab"
    size = 4_000_000
    ranges = [[0, 1_000_000]]           # on-demand requests made at 0 (R2, R3)

    [[outage]]                          # the network is down (L4); outages must
    start = 15.0                        #   not overlap
    duration = 10.0
    [[server_error]]                    # HTTP errors for a URL or a prefix ending in /
    url = "https://mirror.test/"        #   (4xx fatal, 5xx transient; L5, L7); two for
                                        #   one url must not overlap
    status = 503
    start = 0.0
    duration = 40.0                     # absent: for good
    [[traffic]]                         # other traffic background jobs yield to (S5)
    start = 5.0
    duration = 20.0
    bandwidth = 600_000

>>> text = '''
... [[job]]
... name = "nightly"
... flags = ["JOB_TRANSFERRED", "JOB_EROR"]
... [[job.file]]
... url = "https://mirror.test/a.cab"
... name = "a.cab"
... size = 1_000
... '''
>>> ScenarioFile.parse(text, source="nightly.toml")  # doctest: +ELLIPSIS
Traceback (most recent call last):
  ...
bitslab.scenarios.tables.ScenarioFileError: nightly.toml: job[0].flags[1]: 'JOB_EROR' is not a ...
>>> ScenarioFile.parse(text.replace("EROR", "ERROR")).simulate().sim.jobs[0].state.name
'TRANSFERRED'
"""

from __future__ import annotations

import difflib
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from ..constants import JobPriority, JobProperty, JobState, JobType
from ..delivery.programs import Programs, path_key
from ..model.apps import App
from ..model.jobs import Job
from ..model.notifiers import RecordingNotifier
from ..simulation import Simulation
from .ready import Action, CompletingNotifier
from .tables import ScenarioFileError, TableReader

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with tomli, which became tomllib
    import tomli as tomllib

__all__ = ["Action", "ScenarioFile", "ScenarioFileError", "ScenarioRun"]


class ScenarioRun(NamedTuple):
    """A scenario file's simulation and the timed calls it made, in order."""

    sim: Simulation
    actions: list[Action]


_SIMULATION_KEYS: dict[str, type] = {
    "seed": int,
    "bandwidth": float,
    "latency": float,
    "time_slice": float,
    "trickle": float,
    "dispatch_delay": float,
    "modification_delay": float,
    "callback_timeout": float,
    "progress_interval": float,
}
_TOP_KEYS = ("title", "description", "simulation", "app", "program", "job", "outage",
             "server_error", "traffic")  # fmt: skip
_APP_KEYS = ("name", "crash_at", "exit_at", "start_at", "on_start", "on_exit")
_JOB_KEYS = ("name", "type", "priority", "flags", "notifier", "cmdline", "minimum_retry_delay",
             "no_progress_timeout", "notification_interval_ms", "on_demand", "resume_at",
             "suspend_at", "cancel_at", "complete_at", "file")  # fmt: skip
_FILE_KEYS = ("url", "name", "size", "ranges")


@dataclass(frozen=True)
class ScenarioFile:
    """A parsed and checked scenario file; :meth:`simulate` runs it.

    Make one with :meth:`load` or :meth:`parse`. Both build the simulation once, without
    running it, so a value the model refuses is found before anything runs.
    """

    source: str
    data: dict[str, Any] = field(repr=False)

    #: The largest scenario file read, in bytes (the shipped examples are under 3 KB); a
    #: larger one, or an endless one such as /dev/zero, is refused after this many.
    MAX_BYTES = 1_000_000

    @classmethod
    def load(cls, path: str | Path) -> ScenarioFile:
        """Read and check the file at ``path`` (at most :attr:`MAX_BYTES` bytes)."""
        name = str(path)
        if not name:
            raise ScenarioFileError("''", "", "is an empty path: give a scenario file")
        try:
            if Path(path).is_dir():
                raise IsADirectoryError(21, "is a directory")
            with open(path, "rb") as stream:
                raw = stream.read(cls.MAX_BYTES + 1)
            if len(raw) > cls.MAX_BYTES:
                raise ScenarioFileError(
                    name, "", f"is larger than {cls.MAX_BYTES:,} bytes: not a scenario file"
                )
            text = raw.decode("utf-8-sig")  # Notepad may add a BOM
        except FileNotFoundError:
            raise ScenarioFileError(name, "", "no such file") from None
        except IsADirectoryError:
            raise ScenarioFileError(
                name, "", "cannot be read: it is a directory; give a scenario file"
            ) from None
        except UnicodeDecodeError as error:
            raise ScenarioFileError(name, "", f"is not UTF-8 text ({error.reason})") from None
        except OSError as error:
            raise ScenarioFileError(name, "", f"cannot be read ({error.strerror})") from None
        return cls.parse(text, source=name)

    @classmethod
    def parse(cls, text: str, source: str = "<scenario>") -> ScenarioFile:
        """Check TOML ``text`` as a scenario file; ``source`` names it in messages."""
        try:
            data = tomllib.loads(text)
            scenario = cls(source, data)
            scenario.simulate(run=False)
        except tomllib.TOMLDecodeError as error:
            raise ScenarioFileError(source, "", f"is not valid TOML: {error}") from None
        except RecursionError:  # tables or arrays nested hundreds deep
            raise ScenarioFileError(source, "", "nests tables or arrays too deeply") from None
        return scenario

    @property
    def title(self) -> str:
        """The file's ``title``, or its name."""
        return str(self.data.get("title", self.source))

    @property
    def description(self) -> str:
        return str(self.data.get("description", ""))

    @property
    def until(self) -> float | None:
        """``simulation.until``: when the run stops (None: when it is quiet)."""
        table = self.data.get("simulation", {})
        return float(table["until"]) if "until" in table else None

    def simulate(self, run: bool = True) -> ScenarioRun:
        """Build the simulation the file describes and, with ``run``, run it."""
        build = _Build(TableReader(self.source, "", self.data))
        if run:
            build.sim.run(until=self.until)
        return ScenarioRun(build.sim, build.actions)


class _Build:
    """One simulation made from a checked file: the apps first, then programs, jobs, faults."""

    def __init__(self, top: TableReader) -> None:
        top.only(_TOP_KEYS)
        top.get("title", str)
        top.get("description", str)
        self.sim = self._simulation(top)
        self.actions: list[Action] = []
        self.apps: dict[str, App] = {}
        self.owned: dict[Job, tuple[App, bool, dict[str, Any]]] = {}  # job: its notifier's spec
        self.programs: dict[str, tuple[str, str]] = {}  # path_key: (path, its table's key)
        self.job_names: dict[str, str] = {}  # name: its table's key
        for reader in top.tables("app"):
            self._app(reader)
        for reader in top.tables("program"):
            self._program(reader)
        for reader in top.tables("job", required=True):
            self._job(reader)
        self._faults(top)

    def _program(self, reader: TableReader) -> None:
        """K6: a program a command line may name; ``installed = false`` fails to launch."""
        reader.only(("path", "exit_code", "installed"))
        path = reader.get("path", str, required=True)
        code = reader.get("exit_code", int, 0)
        installed = reader.get("installed", bool, True)
        # K6: a program that is not installed is declared (a command line may name it) but
        # not registered, so running it fails to launch; its path is checked all the same.
        register = self.sim.register_program if installed else Programs().register
        with reader.model("path"):
            register(path, _exits(code))  # K1: a full path
        key = path_key(path)
        if key in self.programs:
            raise reader.fail("path", f"{path!r} is declared already by {self.programs[key][1]}")
        self.programs[key] = (path, reader.path)

    def _simulation(self, top: TableReader) -> Simulation:
        if "simulation" not in top.data:
            return Simulation()
        reader = top.table("simulation")
        reader.only((*_SIMULATION_KEYS, "until"))
        given = {
            name: reader.get(name, kind)
            for name, kind in _SIMULATION_KEYS.items()
            if name in reader.data
        }
        if reader.get("until", float, 0.0) < 0:
            raise reader.fail(
                "until", f"must be a time of at least 0 seconds, got {reader.data['until']!r}"
            )
        try:
            return Simulation(**given)
        except (TypeError, ValueError) as error:
            name = next((n for n in given if str(error).startswith(n)), "")
            raise reader.fail(name, str(error)) from error

    def _at(self, time: float, what: str, fn: Callable[[], object]) -> None:
        self.sim.call_at(time, self._call, what, fn)

    def _call(self, what: str, fn: Callable[[], object]) -> None:
        """A timed call: a failure is kept as the action's result, not raised."""
        self.actions.append(Action.attempt(self.sim.now, what, fn))

    def _app(self, reader: TableReader) -> None:
        reader.only(_APP_KEYS)
        name = reader.get("name", str, required=True)
        with reader.model("name"):
            app = self.sim.add_app(name)
        self.apps[name] = app
        moments = sorted(
            (time, what, key)
            for what in ("crash", "exit", "start")
            for time, key in reader.keyed_times(f"{what}_at")
        )
        running = True  # an app runs from 0; its ends and starts must alternate
        for time, what, key in moments:
            if running == (what == "start"):
                state = (
                    "running (a start must follow a crash_at or an exit_at)"
                    if running
                    else "down (it has not started again)"
                )
                raise reader.fail(key, f"at {time:g} s the app is already {state}")
            running = what == "start"
            self._at(time, f"app {name!r} {what}", getattr(app, what))
        for step in reader.words("on_start", ("register", "poll")):
            app.on_start(self._register if step == "register" else self._poll)
        if reader.words("on_exit", ("unregister",)):
            app.on_exit(self._unregister)

    def _jobs_of(self, app: App) -> list[Job]:
        return [job for job, spec in self.owned.items() if spec[0] is app]

    def _register(self, app: App) -> None:
        """on_start "register": a new notifier, like the first, on each of its jobs (I4)."""
        for job in self._jobs_of(app):
            if not job.state.is_final:
                _, complete, returns = self.owned[job]
                job.set_notify_interface(_notifier(app, complete, returns))

    def _poll(self, app: App) -> None:
        """on_start "poll": read what was missed (I4); complete a job found TRANSFERRED."""
        for job in self._jobs_of(app):
            if job.state is JobState.TRANSFERRED:
                job.complete()

    def _unregister(self, app: App) -> None:
        """on_exit "unregister": a clean exit sets the interfaces to None first (I7)."""
        for job in self._jobs_of(app):
            if not job.state.is_final:
                job.set_notify_interface(None)

    def _job(self, reader: TableReader) -> None:
        reader.only(_JOB_KEYS)
        name = reader.get("name", str, required=True)
        if name in self.job_names:  # run, explain --job and the output tell jobs by name
            raise reader.fail("name", f"{name!r} is taken by {self.job_names[name]}")
        self.job_names[name] = reader.path
        kind = reader.enum("type", JobType, JobType.DOWNLOAD)
        priority = reader.enum("priority", JobPriority, JobPriority.NORMAL)
        with reader.model("name"):
            job = self.sim.create_job(name, type=kind, priority=priority)
        on_demand = reader.get("on_demand", bool, False)
        requests = []
        for file_reader in reader.tables("file", required=True):
            file_reader.only(_FILE_KEYS)
            url = file_reader.get("url", str, required=True)
            local = file_reader.get("name", str, required=True)
            size = file_reader.get("size", int, required=True)
            with file_reader.model(remote_url="url", local_name="name", size="size"):
                file = job.add_file(url, local, size=size)
            if "ranges" in file_reader.data:
                requests.append((file_reader, file, file_reader.pairs("ranges")))
        if "minimum_retry_delay" in reader.data:
            delay = reader.get("minimum_retry_delay", float)
            with reader.model("minimum_retry_delay"):
                job.minimum_retry_delay = delay
        if "no_progress_timeout" in reader.data:
            timeout = reader.get("no_progress_timeout", float)
            with reader.model("no_progress_timeout"):
                job.no_progress_timeout = timeout
        if "notification_interval_ms" in reader.data:
            interval = reader.get("notification_interval_ms", int)
            with reader.model("notification_interval_ms"):
                job.set_property(JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, interval)
        if on_demand:
            with reader.model("on_demand"):
                job.set_property(JobProperty.ON_DEMAND_MODE, True)
        for file_reader, file, ranges in requests:
            with file_reader.model("ranges"):  # R1 refuses them without on_demand
                file.request_ranges(ranges)
        if "flags" in reader.data:
            flags = reader.flags("flags")
            with reader.model("flags"):
                job.set_notify_flags(flags)
        if "notifier" in reader.data:
            self._notifier(job, reader.table("notifier"))
        if "cmdline" in reader.data:
            cmd = reader.table("cmdline")
            cmd.only(("program", "parameters"))
            program = cmd.get("program", str, required=True)
            parameters = cmd.get("parameters", str, program)
            with cmd.model("program", parameters="parameters"):
                job.set_notify_cmdline(program, parameters)
            if path_key(program) not in self.programs:
                raise cmd.fail("program", self._unknown_program(program))
        for call in ("resume", "suspend", "cancel", "complete"):
            for time in reader.times(f"{call}_at", (0.0,) if call == "resume" else ()):
                self._at(time, f"job {name!r} {call}()", getattr(job, call))

    def _unknown_program(self, program: str) -> str:
        known = [path for path, _ in self.programs.values()]
        listed = ", ".join(repr(path) for path in known) or "none; add a [[program]] table"
        near = difflib.get_close_matches(program, known, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        return (
            f"no [[program]] has the path {program!r} (programs: {listed}){hint} To show a "
            "program that fails to launch (K6), declare it with installed = false"
        )

    def _notifier(self, job: Job, reader: TableReader) -> None:
        reader.only(("app", "complete", "returns"))
        owner = reader.get("app", str)
        if owner is not None and owner not in self.apps:
            known = ", ".join(self.apps) or "none; add an [[app]] table"
            raise reader.fail("app", f"there is no app named {owner!r} (apps: {known})")
        complete = reader.get("complete", bool, False)
        returns = reader.get("returns", dict, {})
        app = None if owner is None else self.apps[owner]
        with reader.model("returns"):
            notifier = _notifier(app, complete, returns)
        with reader.model():
            job.set_notify_interface(notifier)
        if app is not None:
            self.owned[job] = (app, complete, returns)

    def _faults(self, top: TableReader) -> None:
        network = self.sim.network
        outages: list[tuple[float, float, str]] = []
        for reader in top.tables("outage"):
            reader.only(("start", "duration"))
            start = reader.get("start", float, required=True)
            duration = reader.get("duration", float, required=True)
            with reader.model(start="start", duration="duration"):
                network.outage(start, duration)
            why = "the network is down once; merge them or move one"
            _no_overlap(reader, (start, start + duration), outages, why)
        errors: dict[str, list[tuple[float, float, str]]] = {}
        for reader in top.tables("server_error"):
            reader.only(("url", "status", "start", "duration"))
            url = reader.get("url", str, required=True)
            status = reader.get("status", int, required=True)
            start = reader.get("start", float, 0.0)
            duration = reader.get("duration", float)
            with reader.model(url="url", status="status", start="start", duration="duration"):
                network.fail(url, status, start, duration)
            end = math.inf if duration is None else start + duration
            why = f"both answer {url!r}: which status would it get? Merge them or move one"
            _no_overlap(reader, (start, end), errors.setdefault(url, []), why)
        for reader in top.tables("traffic"):
            reader.only(("start", "duration", "bandwidth"))
            start = reader.get("start", float, required=True)
            duration = reader.get("duration", float, required=True)
            bandwidth = reader.get("bandwidth", float, required=True)
            with reader.model(start="start", duration="duration", bandwidth="bandwidth"):
                network.traffic(start, duration, bandwidth)


def _no_overlap(
    reader: TableReader,
    span: tuple[float, float],
    earlier: list[tuple[float, float, str]],
    why: str,
) -> None:
    """Refuse a time span that overlaps one of ``earlier`` (whose tables came first), naming
    this table's ``start``; then add it to them."""
    start, end = span
    for begin, stop, key in earlier:
        if start < stop and begin < end:
            until = "for good" if math.isinf(stop) else f"to {stop:g} s"
            raise reader.fail("start", f"overlaps {key} ({begin:g} s {until}): {why}")
    earlier.append((start, end, reader.path))


def _exits(code: int) -> Callable[[Job, str], int]:
    """A simulated program that exits with ``code`` (K6)."""

    def program(job: Job, parameters: str) -> int:
        return code

    return program


def _notifier(app: App | None, complete: bool, returns: dict[str, Any]) -> RecordingNotifier:
    """The file's notifier: it records its calls; with ``complete`` it also acknowledges the
    job on job_transferred (C10); ``returns`` makes methods fail (C5)."""
    kind = CompletingNotifier if complete else RecordingNotifier
    return kind(app, returns=returns)
