"""Scenario files: a simulation described in TOML, for ``python -m bitslab run FILE.toml``.

A scenario file names the jobs, their files and notify settings, the applications with the
times they crash, exit and start again, the network's faults, and the BITS service's restarts
and the machine's reboots. Every key is checked: a
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
    bandwidth = 1_000_000               # dispatch_delay, modification_delay, callback_timeout,
    until = 120.0                       # s_ok_only, progress_interval, server_start_delay,
                                        # max_files_per_job (L16); `until` stops the run
                                        # then (default: run until quiet)
    [[app]]
    name = "downloader"                 # running from 0
    crash_at = [6.0]                    # a time or a list of times (I4, I7)
    exit_at = []                        # a clean exit; with "unregister" in on_exit, the
    start_at = [30.0]                   #   app sets its interfaces to None first (I7)
    on_start = ["register", "poll"]     # at each restart: register a new notifier on its
    on_exit = ["unregister"]            #   jobs (I4); complete jobs found TRANSFERRED
    server = { clsid = "{0b2a1f3c-6d5e-4f7a-9b8c-1d2e3f4a5b6c}", complete = true }
                                        # N2: the app serves this callback class; BITS
                                        #   starts it and calls a notifier like `notifier`

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
    clsid = "{0b2a1f3c-6d5e-4f7a-9b8c-1d2e3f4a5b6c}"   # NOTIFICATION_CLSID (N1)
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
    set_remote_name = [{ at = 30.0, url = "https://backup.test/base.cab", size = 4_000_000 }]
                                        # fetch it from elsewhere from the next connection
                                        #   (L17; size: the new server's, default the same)

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
    [[restart_service]]                 # the BITS service is down (P2): nothing transfers
    start = 40.0                        #   or is delivered, and every interface is lost;
    duration = 30.0                     #   restarts and reboots may overlap
    [[reboot]]                          # a restart during which every app crashes (P3); an
    start = 100.0                       #   app's start_at while the machine is down is
    duration = 60.0                     #   refused, and nothing starts it again by itself

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

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from ..simulation import Simulation
from .build import Build
from .parts import Action
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
        build = Build(TableReader(self.source, "", self.data))
        if run:
            build.sim.run(until=self.until)
        return ScenarioRun(build.sim, build.actions)
