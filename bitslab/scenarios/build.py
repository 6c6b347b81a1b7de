"""A simulation built from a checked scenario file: apps, programs, jobs, files and faults,
each read from its table (the schema is in :mod:`bitslab.scenarios.file`)."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from typing import Any

from ..constants import JobPriority, JobProperty, JobState, JobType
from ..delivery.programs import Programs, path_key
from ..model.apps import App
from ..model.files import File
from ..model.jobs import Job
from ..model.notifiers import RecordingNotifier
from ..model.remote import check_remote_name
from ..simulation import Simulation
from .parts import Action, CompletingNotifier
from .tables import TableReader

__all__ = ["SIMULATION_KEYS", "Build"]

SIMULATION_KEYS: dict[str, type] = {
    "seed": int,
    "bandwidth": float,
    "latency": float,
    "time_slice": float,
    "trickle": float,
    "dispatch_delay": float,
    "modification_delay": float,
    "callback_timeout": float,
    "s_ok_only": bool,
    "progress_interval": float,
    "server_start_delay": float,
    "max_files_per_job": int,
}
_TOP_KEYS = ("title", "description", "simulation", "app", "program", "job", "outage",
             "server_error", "traffic", "restart_service", "reboot")  # fmt: skip
_APP_KEYS = ("name", "crash_at", "exit_at", "start_at", "on_start", "on_exit", "server")
_JOB_KEYS = ("name", "type", "priority", "flags", "notifier", "cmdline", "minimum_retry_delay",
             "no_progress_timeout", "notification_interval_ms", "on_demand", "resume_at",
             "suspend_at", "cancel_at", "complete_at", "file", "clsid")  # fmt: skip
_FILE_KEYS = ("url", "name", "size", "ranges", "set_remote_name")
_RENAME_KEYS = ("at", "url", "size")


class Build:
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
        self.reboots: list[tuple[float, float, str]] = []  # P3: (start, end, its table's key)
        self._service(top)  # first: a reboot's timers come before an app's at one moment
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
        reader.only((*SIMULATION_KEYS, "until"))
        given = {
            name: reader.get(name, kind)
            for name, kind in SIMULATION_KEYS.items()
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
        # P3: a reboot ends the app's run at its start, before a call at that moment
        moments += [(start, "reboot", key) for start, _, key in self.reboots]
        moments.sort(key=lambda moment: (moment[0], moment[1] != "reboot"))
        running, ended = True, "it has not started again"  # its ends and starts alternate
        for time, what, key in moments:
            if what == "reboot":
                running, ended = False, f"{key} crashed it at {time:g} s, and it has not started"
                continue
            down = [(s, e, k) for s, e, k in self.reboots if s <= time < e]
            if what == "start" and down:
                begin, end, by = down[0]
                raise reader.fail(
                    key,
                    f"at {time:g} s the machine is down for {by} ({begin:g} s to {end:g} s): "
                    "no application starts during a reboot (P3)",
                )
            if running == (what == "start"):
                state = (
                    "running (a start must follow a crash_at or an exit_at)"
                    if running
                    else f"down ({ended})"
                )
                raise reader.fail(key, f"at {time:g} s the app is already {state}")
            running, ended = what == "start", "it has not started again"
            self._at(time, f"app {name!r} {what}", getattr(app, what))
        for step in reader.words("on_start", ("register", "poll")):
            app.on_start(self._register if step == "register" else self._poll)
        if reader.words("on_exit", ("unregister",)):
            app.on_exit(self._unregister)
        if "server" in reader.data:
            self._server(app, reader.table("server"))

    def _server(self, app: App, reader: TableReader) -> None:
        """N2: the app serves a callback class; its objects are notifiers like ``notifier``'s."""
        reader.only(("clsid", "complete", "returns"))
        clsid = reader.get("clsid", str, required=True)
        complete = reader.get("complete", bool, False)
        returns = reader.get("returns", dict, {})
        with reader.model("returns"):
            _notifier(None, complete, returns)  # the returns are checked now, not at activation
        with reader.model("clsid"):
            app.register_server(clsid, lambda app: _notifier(app, complete, returns))

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
        renames: list[tuple[TableReader, File]] = []
        for file_reader in reader.tables("file", required=True):
            file_reader.only(_FILE_KEYS)
            url = file_reader.get("url", str, required=True)
            local = file_reader.get("name", str, required=True)
            size = file_reader.get("size", int, required=True)
            with file_reader.model(remote_url="url", local_name="name", size="size"):
                file = job.add_file(url, local, size=size)
            if "ranges" in file_reader.data:
                requests.append((file_reader, file, file_reader.pairs("ranges")))
            renames += [(each, file) for each in file_reader.tables("set_remote_name")]
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
        for rename, file in renames:  # after on_demand, which R1 asks about
            self._rename(rename, file)
        if "flags" in reader.data:
            flags = reader.flags("flags")
            with reader.model("flags"):
                job.set_notify_flags(flags)
        if "clsid" in reader.data:
            clsid = reader.get("clsid", str)
            with reader.model("clsid"):
                job.set_property(JobProperty.NOTIFICATION_CLSID, clsid)  # N1
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

    def _rename(self, reader: TableReader, file: File) -> None:
        """L17: ``set_remote_name = [{ at = 30.0, url = "...", size = 1_000 }]`` in a file's
        table: a timed call; its arguments and the job's type are checked now, the job's
        state when it is made (a refusal then is kept as the action's result)."""
        reader.only(_RENAME_KEYS)
        if "at" not in reader.data:
            raise reader.fail("at", "is required")
        if isinstance(reader.data["at"], list):
            raise reader.fail("at", "must be one time in seconds, not an array")
        (at,) = reader.times("at")
        url = reader.get("url", str, required=True)
        size = reader.get("size", int)
        with reader.model(url="url", size="size"):
            check_remote_name(file, url, size)
        what = f"file {file.local_name!r} set_remote_name({url!r})"
        self._at(at, what, lambda: file.set_remote_name(url, size))

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

    def _service(self, top: TableReader) -> None:
        """P2, P3: the BITS service's restarts and the machine's reboots; they may overlap
        each other and outages (the service is down while any covers the moment)."""
        for name in ("restart_service", "reboot"):
            for reader in top.tables(name):
                reader.only(("start", "duration"))
                start = reader.get("start", float, required=True)
                duration = reader.get("duration", float, required=True)
                with reader.model(start="start", duration="duration"):
                    getattr(self.sim, name)(start, duration)
                if name == "reboot":
                    self.reboots.append((start, start + duration, reader.path))

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
