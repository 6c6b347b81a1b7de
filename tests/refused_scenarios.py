"""Scenario files that are well formed but refused: values the model refuses by its own rules,
apps and notifiers, the simulation and the network, impossible worlds (issue 9): (id, text,
the key, words the problem must contain); tests/test_scenariofile_refusals.py checks each is
refused."""

from __future__ import annotations

from scenariofile_support import APP, FILE_A, OUTAGE, REBOOT, SERVER_ERROR, scenario

REFUSED = [
    # N1, N2: callback classes
    ("n1-clsid-not-a-guid", scenario('clsid = "downloader"'), "job[0].clsid", ["must be a GUID"]),
    (
        "n2-server-of-guid-null",
        scenario(before=APP + 'server = { clsid = "00000000-0000-0000-0000-000000000000" }'),
        "app[0].server.clsid",
        ["GUID_NULL"],
    ),
    (
        "n2-server-without-a-clsid",
        scenario(before=APP + "server = { complete = true }"),
        "app[0].server.clsid",
        ["required"],
    ),
    # values the model refuses, by its own rules
    ("f3-flags-above-0x3f", scenario("flags = 0x40"), "job[0].flags", ["F3", "E_NOTIMPL"]),
    ("f3-flags-negative", scenario("flags = -1"), "job[0].flags", ["F3", "E_NOTIMPL"]),
    ("size-negative", scenario(size="-5"), "job[0].file[0].size", ["at least 0"]),
    ("url-ftp", scenario(url="ftp://mirror.test/a.cab"), "job[0].file[0].url", ["E_INVALIDARG"]),
    (
        "k1-relative-cmdline-program",
        scenario('cmdline = { program = "notify.exe" }'),
        "job[0].cmdline.program",
        ["full path", "K1", "E_INVALIDARG"],
    ),
    (
        "k1-cmdline-parameters-too-long",
        scenario(f'cmdline = {{ program = "/usr/bin/notify", parameters = "{"x" * 4001}" }}'),
        "job[0].cmdline.parameters",
        ["4000", "BG_E_STRING_TOO_LONG"],
    ),
    (
        "k1-relative-program-path",
        scenario(after='[[program]]\npath = "notify"'),
        "program[0].path",
        ["full path", "K1"],
    ),
    (
        "upload-job-with-two-files",
        scenario('type = "upload"') + FILE_A.replace("a.cab", "b.cab"),
        "job[0].file[1]",
        ["BG_E_TOO_MANY_FILES"],
    ),
    (
        "r1-ranges-without-on_demand",
        scenario(file="ranges = [[0, 10]]"),
        "job[0].file[0].ranges",
        ["R1", "BG_E_RANDOM_ACCESS_NOT_SUPPORTED"],
    ),
    (
        "r2-range-past-the-end",
        scenario("on_demand = true", file="ranges = [[0, 2_000]]"),
        "job[0].file[0].ranges",
        ["R2", "BG_E_INVALID_RANGE"],
    ),
    (
        "r1-on_demand-with-a-file-url",
        scenario("on_demand = true", url="file:///C:/data/a.cab"),
        "job[0].on_demand",
        ["R1", "BG_E_RANDOM_ACCESS_NOT_SUPPORTED"],
    ),
    (
        "r1-on_demand-on-an-upload-job",
        scenario('type = "upload"\non_demand = true'),
        "job[0].on_demand",
        ["R1", "BG_E_RANDOM_ACCESS_NOT_SUPPORTED"],
    ),
    ("job-name-empty", scenario().replace('"nightly"', '""'), "job[0].name", ["must not be empty"]),
    (
        "minimum_retry_delay-negative",
        scenario("minimum_retry_delay = -1"),
        "job[0].minimum_retry_delay",
        ["at least 0"],
    ),
    (
        "notification_interval_ms-negative",
        scenario("notification_interval_ms = -1"),
        "job[0].notification_interval_ms",
        ["at least 0"],
    ),
    # apps and notifiers
    (
        "notifier-app-with-no-apps",
        scenario('notifier = { app = "ghost" }'),
        "job[0].notifier.app",
        ["no app named 'ghost'", "add an [[app]] table"],
    ),
    (
        "notifier-app-not-among-the-apps",
        scenario('notifier = { app = "ghost" }', before=APP),
        "job[0].notifier.app",
        ["no app named 'ghost'", "downloader"],
    ),
    (
        "returns-an-unknown-method",
        scenario(
            'notifier = { app = "downloader", returns = { job_transfered = false } }', before=APP
        ),
        "job[0].notifier.returns",
        ["unknown methods", "job_transfered"],
    ),
    (
        "i4-crash-while-down",
        scenario(before=APP + "crash_at = [1.0, 2.0]"),
        "app[0].crash_at[1]",
        ["at 2 s", "already down"],
    ),
    (
        "i7-exit-while-down",
        scenario(before=APP + "crash_at = 1.0\nexit_at = 2.0"),
        "app[0].exit_at",
        ["already down"],
    ),
    (
        "start-while-running",
        scenario(before=APP + "start_at = 3.0"),
        "app[0].start_at",
        ["at 3 s", "already running"],
    ),
    (
        "crash_at-negative",
        scenario(before=APP + "crash_at = -1.0"),
        "app[0].crash_at",
        ["at least 0 seconds"],
    ),
    (
        "suspend_at-negative",
        scenario("suspend_at = [-3]"),
        "job[0].suspend_at[0]",
        ["at least 0 seconds"],
    ),
    ("resume_at-infinite", scenario("resume_at = inf"), "job[0].resume_at", ["at least 0"]),
    ("app-name-taken", scenario(before=APP + APP), "app[1].name", ["'downloader' is taken"]),
    # the simulation and the network
    (
        "bandwidth-zero",
        scenario(before="[simulation]\nbandwidth = 0"),
        "simulation.bandwidth",
        ["at least 1"],  # S5: a link of under 1 B/s never finishes a file,
    ),
    (
        "bandwidth-negative",
        scenario(before="[simulation]\nbandwidth = -1"),
        "simulation.bandwidth",
        ["at least 1"],  # S5: a link of under 1 B/s never finishes a file,
    ),
    (
        "bandwidth-a-string",
        scenario(before='[simulation]\nbandwidth = "fast"'),
        "simulation.bandwidth",
        ["must be a number", "'fast'"],
    ),
    (
        "seed-a-fraction",
        scenario(before="[simulation]\nseed = 1.5"),
        "simulation.seed",
        ["whole number"],
    ),
    (
        "trickle-whole-link",
        scenario(before="[simulation]\ntrickle = 1.0"),
        "simulation.trickle",
        ["below 1"],
    ),
    (
        "until-negative",
        scenario(before="[simulation]\nuntil = -1"),
        "simulation.until",
        ["at least 0"],
    ),
    (
        "until-a-string",
        scenario(before='[simulation]\nuntil = "end"'),
        "simulation.until",
        ["must be a number"],
    ),
    (
        "l4-outage-negative-duration",
        scenario(after="[[outage]]\nstart = 1.0\nduration = -2.0"),
        "outage[0].duration",
        ["greater than 0"],
    ),
    (
        "l7-server_error-status-200",
        scenario(after='[[server_error]]\nurl = "https://mirror.test/"\nstatus = 200'),
        "server_error[0].status",
        ["400 to 599", "200"],
    ),
    (
        "server_error-negative-start",
        scenario(after='[[server_error]]\nurl = "https://mirror.test/"\nstatus = 503\nstart = -1'),
        "server_error[0].start",
        ["at least 0"],
    ),
    (
        "s5-traffic-negative-bandwidth",
        scenario(after="[[traffic]]\nstart = 1\nduration = 2\nbandwidth = -5"),
        "traffic[0].bandwidth",
        ["greater than 0"],
    ),
    # issue 9: impossible worlds, duplicates and dangling references, each at its exact key
    (
        "unknown-server_error-key",
        scenario(after='[[server_error]]\nurl = "https://m.test/"\nstatus = 503\nuntil = 3'),
        "server_error[0].until",
        ["unknown key", "url, status, start, duration"],
    ),
    (
        "l4-outages-that-overlap",
        scenario(after=OUTAGE.format(15, 10) + OUTAGE.format(30, 5) + OUTAGE.format(20, 30)),
        "outage[2].start",
        ["overlaps outage[0] (15 s to 25 s)", "merge them or move one"],
    ),
    (
        "l4-an-outage-inside-another",
        scenario(after=OUTAGE.format(0, 100) + OUTAGE.format(50, 1)),
        "outage[1].start",
        ["overlaps outage[0] (0 s to 100 s)"],
    ),
    (
        "l5-server-errors-for-one-url-that-overlap",
        scenario(after=SERVER_ERROR.format(503, 0, 40) + SERVER_ERROR.format(404, 30, 5)),
        "server_error[1].start",
        ["overlaps server_error[0] (0 s to 40 s)", "both answer", "which status"],
    ),
    (
        "l7-a-server-error-after-one-for-good",
        scenario(
            after=SERVER_ERROR.format(404, 0, 40).replace("duration = 40", "")
            + SERVER_ERROR.format(503, 100, 5)
        ),
        "server_error[1].start",
        ["overlaps server_error[0] (0 s for good)"],
    ),
    (
        "l5-server_error-negative-duration",
        scenario(after=SERVER_ERROR.format(503, 10, -5)),
        "server_error[0].duration",
        ["greater than 0", "-5"],
    ),
    (
        "l5-server_error-zero-duration",
        scenario(after=SERVER_ERROR.format(503, 10, 0)),
        "server_error[0].duration",
        ["greater than 0"],
    ),
    (
        "server_error-url-without-scheme",
        scenario(after='[[server_error]]\nurl = "mirror.test/"\nstatus = 503'),
        "server_error[0].url",
        ["http://", "'mirror.test/'"],
    ),
    (
        "i4-start_at-before-the-crash",
        scenario(before=APP + "crash_at = 10.0\nstart_at = 5.0"),
        "app[0].start_at",
        ["at 5 s the app is already running", "must follow a crash_at or an exit_at"],
    ),
    (
        "i4-second-restart-before-the-second-crash",
        scenario(before=APP + "crash_at = [10.0, 40.0]\nstart_at = [20.0, 30.0]"),
        "app[0].start_at[1]",
        ["at 30 s the app is already running"],
    ),
    (
        "job-name-taken",
        scenario() + '[[job]]\nname = "nightly"\n' + FILE_A,
        "job[1].name",
        ["'nightly' is taken by job[0]"],
    ),
    (
        "k6-cmdline-names-no-program",
        scenario('cmdline = { program = "/usr/bin/notfy" }')
        + '[[program]]\npath = "/usr/bin/notify"\n',
        "job[0].cmdline.program",
        ["no [[program]] has the path '/usr/bin/notfy'", "did you mean '/usr/bin/notify'", "K6"],
    ),
    (
        "k6-cmdline-and-no-programs",
        scenario('cmdline = { program = "/usr/bin/notify" }'),
        "job[0].cmdline.program",
        ["programs: none; add a [[program]] table", "installed = false"],
    ),
    (
        "k6-program-declared-twice",
        scenario(
            after='[[program]]\npath = "C:\\\\T\\\\n.exe"\n[[program]]\npath = "c:/t/N.EXE"\n'
        ),
        "program[1].path",
        ["is declared already by program[0]"],
    ),
    (
        "k6-installed-a-string",
        scenario(after='[[program]]\npath = "/usr/bin/notify"\ninstalled = "no"\n'),
        "program[0].installed",
        ["true or false"],
    ),
    (
        "r2-range-with-a-negative-offset",
        scenario("on_demand = true", file="ranges = [[0, 10], [-1, 10]]"),
        "job[0].file[0].ranges[1]",
        ["two whole numbers of at least 0", "[-1, 10]"],
    ),
    (
        "c7-notification_interval_ms-above-a-dword",
        scenario("notification_interval_ms = 4_294_967_296"),
        "job[0].notification_interval_ms",
        ["at most 4,294,967,295"],
    ),
    (
        "seed-negative",
        scenario(before="[simulation]\nseed = -1"),
        "simulation.seed",
        ["at least 0", "-1"],
    ),
    (
        "callback_timeout-zero",
        scenario(before="[simulation]\ncallback_timeout = 0"),
        "simulation.callback_timeout",
        ["greater than 0"],
    ),
    # P2, P3: the BITS service's restarts and the machine's reboots
    (
        "p2-restart_service-negative-duration",
        scenario(after="[[restart_service]]\nstart = 1.0\nduration = -2.0"),
        "restart_service[0].duration",
        ["greater than 0", "-2.0", "P2"],
    ),
    (
        "p3-reboot-zero-duration",
        scenario(after=REBOOT.format(1, 0)),
        "reboot[0].duration",
        ["greater than 0", "P3"],
    ),
    (
        "p3-reboot-negative-start",
        scenario(after=REBOOT.format(-5, 10)),
        "reboot[0].start",
        ["at least 0", "-5", "P3"],
    ),
    (
        "p3-an-app-started-while-the-machine-is-down",
        scenario(before=APP + "crash_at = 1.0\nstart_at = 20.0\n", after=REBOOT.format(10, 30)),
        "app[0].start_at",
        ["at 20 s the machine is down for reboot[0] (10 s to 40 s)", "P3"],
    ),
    (
        "p3-an-app-crashed-by-a-reboot-crashes-again",
        scenario(before=APP + "crash_at = [50.0]\n", after=REBOOT.format(10, 30)),
        "app[0].crash_at[0]",
        ["already down (reboot[0] crashed it at 10 s, and it has not started)"],
    ),
    (
        "p3-an-app-crashed-at-the-moment-of-a-reboot",
        scenario(before=APP + "exit_at = [10.0]\n", after=REBOOT.format(10, 30)),
        "app[0].exit_at[0]",
        ["at 10 s the app is already down (reboot[0] crashed it at 10 s"],
    ),
    (
        "l16-max_files_per_job-zero",
        scenario(before="[simulation]\nmax_files_per_job = 0"),
        "simulation.max_files_per_job",
        ["at least 1", "0"],
    ),
    (
        "l16-more-files-than-max_files_per_job",
        scenario(before="[simulation]\nmax_files_per_job = 1") + FILE_A.replace("a.cab", "b.cab"),
        "job[0].file[1]",
        ["L16", "BG_E_TOO_MANY_FILES_IN_JOB"],
    ),
    (
        "l17-set_remote_name-to-an-ftp-url",
        scenario(file='set_remote_name = [{ at = 1, url = "ftp://backup.test/a.cab" }]'),
        "job[0].file[0].set_remote_name[0].url",
        ["L17", "E_INVALIDARG", "2,200 characters"],
    ),
    (
        "l17-set_remote_name-to-a-url-over-2200-characters",
        scenario(file=f'set_remote_name = [{{ at = 1, url = "https://b.test/{"x" * 2200}" }}]'),
        "job[0].file[0].set_remote_name[0].url",
        ["L17", "E_INVALIDARG", "got 2,215"],
    ),
    (
        "l17-set_remote_name-in-an-upload-job",
        scenario(
            'type = "upload"', file='set_remote_name = [{ at = 1, url = "https://b.test/a" }]'
        ),
        "job[0].file[0].set_remote_name[0]",
        ["L17", "E_NOTIMPL", "only a download job's files"],
    ),
    (
        "l17-r1-set_remote_name-to-a-file-url-on-demand",
        scenario(
            "on_demand = true", file='set_remote_name = [{ at = 1, url = "file:///C:/a.cab" }]'
        ),
        "job[0].file[0].set_remote_name[0].url",
        ["R1", "BG_E_RANDOM_ACCESS_NOT_SUPPORTED"],
    ),
    (
        "l17-set_remote_name-size-negative",
        scenario(file='set_remote_name = [{ at = 1, url = "https://b.test/a", size = -1 }]'),
        "job[0].file[0].set_remote_name[0].size",
        ["at least 0", "-1"],
    ),
    (
        "l17-set_remote_name-at-negative",
        scenario(file='set_remote_name = [{ at = -1, url = "https://b.test/a" }]'),
        "job[0].file[0].set_remote_name[0].at",
        ["at least 0 seconds", "-1"],
    ),
    (
        "c5-s_ok_only-a-string",
        scenario(before='[simulation]\ns_ok_only = "yes"'),
        "simulation.s_ok_only",
        ["must be", "'yes'"],
    ),
]
