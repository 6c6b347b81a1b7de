"""Malformed scenario files, one per way of being wrong in shape (not TOML, unknown keys,
wrong types, missing keys, unknown names): (id, text, the key, words the problem must
contain); tests/test_scenariofile_refusals.py checks each is refused."""

from __future__ import annotations

from scenariofile_support import APP, FILE_A, scenario

NO_NAME = f"[[job]]\n{FILE_A}"


def _file(lines: str) -> str:
    return f'[[job]]\nname = "nightly"\n[[job.file]]\n{lines}\n'


MALFORMED = [
    # (id, text, the key, words the problem must contain)
    ("not-toml", '[[job]]\nname = "nightly"\nsize = 4 MB\n', "", ["is not valid TOML", "line 3"]),
    ("empty-file", "", "job", ["is required"]),
    ("no-jobs", "job = []", "job", ["at least one"]),
    ("job-a-string", 'job = "nightly"', "job", ["must be an array", "a string"]),
    ("job-single-brackets", '[job]\nname = "nightly"\n', "job", ["must be an array", "a table"]),
    ("job-not-a-table", "job = [3]", "job[0]", ["must be a table", "a number"]),
    # unknown keys, with the nearest one
    ("unknown-top-key", scenario(before='titel = "x"'), "titel", ["unknown key", "'title'"]),
    ("unknown-job-key", scenario('prority = "low"'), "job[0].prority", ["'priority'"]),
    ("unknown-file-key", scenario(file="sise = 3"), "job[0].file[0].sise", ["'size'"]),
    (
        "unknown-notifier-key",
        scenario('notifier = { app = "downloader", compete = true }', before=APP),
        "job[0].notifier.compete",
        ["unknown key", "did you mean 'complete'"],
    ),
    (
        "unknown-cmdline-key",
        scenario('cmdline = { program = "/usr/bin/notify", params = "x" }'),
        "job[0].cmdline.params",
        ["did you mean 'parameters'"],
    ),
    ("unknown-app-key", scenario(before=APP + "on_strat = []"), "app[0].on_strat", ["'on_start'"]),
    (
        "unknown-program-key",
        scenario(after='[[program]]\npath = "/usr/bin/notify"\nexitcode = 1'),
        "program[0].exitcode",
        ["did you mean 'exit_code'"],
    ),
    (
        "unknown-simulation-key",
        scenario(before="[simulation]\nsede = 1"),
        "simulation.sede",
        ["unknown key", "did you mean 'seed'"],
    ),
    (
        "unknown-outage-key",
        scenario(after="[[outage]]\nstart = 1.0\nduration = 2.0\nend = 3.0"),
        "outage[0].end",
        ["unknown key", "start, duration"],
    ),
    (
        "unknown-traffic-key",
        scenario(after="[[traffic]]\nstart = 1\nduration = 2\nbandwidht = 5"),
        "traffic[0].bandwidht",
        ["did you mean 'bandwidth'"],
    ),
    # wrong types
    ("size-a-string", scenario(size='"4MB"'), "job[0].file[0].size", ["whole number", "'4MB'"]),
    ("size-a-fraction", scenario(size="1.5"), "job[0].file[0].size", ["whole number", "1.5"]),
    ("size-a-boolean", scenario(size="true"), "job[0].file[0].size", ["whole number", "boolean"]),
    (
        "name-a-number",
        scenario().replace('name = "nightly"', "name = 3"),
        "job[0].name",
        ["must be a string", "3"],
    ),
    ("flags-a-string", scenario('flags = "0x3"'), "job[0].flags", ["array of flag names"]),
    ("flags-a-boolean", scenario("flags = true"), "job[0].flags", ["array of flag names"]),
    ("priority-a-number", scenario("priority = 2"), "job[0].priority", ["must be a string"]),
    ("type-a-number", scenario("type = 1"), "job[0].type", ["must be a string"]),
    ("on_demand-a-string", scenario('on_demand = "yes"'), "job[0].on_demand", ["true or false"]),
    ("resume_at-a-string", scenario('resume_at = "5"'), "job[0].resume_at", ["time in seconds"]),
    (
        "crash_at-a-string-in-an-array",
        scenario(before=APP + 'crash_at = [1.0, "2.0"]'),
        "app[0].crash_at[1]",
        ["time in seconds", "'2.0'"],
    ),
    ("cancel_at-a-date", scenario("cancel_at = 1979-05-27"), "job[0].cancel_at", ["a date"]),
    ("complete_at-a-boolean", scenario("complete_at = true"), "job[0].complete_at", ["boolean"]),
    (
        "file-single-brackets",
        '[[job]]\nname = "nightly"\n[job.file]\nurl = "https://mirror.test/a"\n'
        'name = "a"\nsize = 1\n',
        "job[0].file",
        ["must be an array", "a table"],
    ),
    (
        "ranges-a-table",
        scenario("on_demand = true", file="ranges = { offset = 0, length = 10 }"),
        "job[0].file[0].ranges",
        ["must be an array", "a table"],
    ),
    (
        "ranges-a-string",
        scenario("on_demand = true", file='ranges = "0-100"'),
        "job[0].file[0].ranges",
        ["must be an array"],
    ),
    (
        "range-of-three-numbers",
        scenario("on_demand = true", file="ranges = [[0, 1, 2]]"),
        "job[0].file[0].ranges[0]",
        ["[offset, length]"],
    ),
    (
        "outage-single-brackets",
        scenario(after="[outage]\nstart = 1.0\nduration = 2.0"),
        "outage",
        ["must be an array"],
    ),
    ("app-a-number", "app = 3\n" + scenario(), "app", ["must be an array"]),
    (
        "on_start-a-string",
        scenario(before=APP + 'on_start = "register"'),
        "app[0].on_start",
        ["must be an array"],
    ),
    ("notifier-a-string", scenario('notifier = "downloader"'), "job[0].notifier", ["a table"]),
    ("cmdline-a-string", scenario('cmdline = "/usr/bin/notify"'), "job[0].cmdline", ["a table"]),
    (
        "returns-a-string",
        scenario('notifier = { app = "downloader", returns = "false" }', before=APP),
        "job[0].notifier.returns",
        ["must be a table"],
    ),
    (
        "notifier-complete-a-string",
        scenario('notifier = { app = "downloader", complete = "yes" }', before=APP),
        "job[0].notifier.complete",
        ["true or false"],
    ),
    ("simulation-an-array", scenario(before="simulation = [1]"), "simulation", ["a table"]),
    ("title-a-number", scenario(before="title = 3"), "title", ["must be a string"]),
    (
        "exit_code-a-string",
        scenario(after='[[program]]\npath = "/usr/bin/notify"\nexit_code = "0"'),
        "program[0].exit_code",
        ["whole number"],
    ),
    (
        "status-a-fraction",
        scenario(after='[[server_error]]\nurl = "https://mirror.test/"\nstatus = 503.0'),
        "server_error[0].status",
        ["whole number"],
    ),
    (
        "notification_interval_ms-a-fraction",
        scenario("notification_interval_ms = 0.5"),
        "job[0].notification_interval_ms",
        ["whole number"],
    ),
    (
        "minimum_retry_delay-a-string",
        scenario('minimum_retry_delay = "soon"'),
        "job[0].minimum_retry_delay",
        ["must be a number", "'soon'"],
    ),
    (
        "minimum_retry_delay-nan",
        scenario("minimum_retry_delay = nan"),
        "job[0].minimum_retry_delay",
        ["finite number"],
    ),
    (
        "no_progress_timeout-a-string",
        scenario('no_progress_timeout = "never"'),
        "job[0].no_progress_timeout",
        ["must be a number", "'never'"],
    ),
    # missing required keys
    ("job-without-name", NO_NAME, "job[0].name", ["is required"]),
    ("job-without-files", '[[job]]\nname = "nightly"\n', "job[0].file", ["is required"]),
    ("file-without-url", _file('name = "a"\nsize = 1'), "job[0].file[0].url", ["is required"]),
    (
        "file-without-name",
        _file('url = "https://m.test/a"\nsize = 1'),
        "job[0].file[0].name",
        ["is required"],
    ),
    (
        "file-without-size",
        _file('url = "https://m.test/a"\nname = "a"'),
        "job[0].file[0].size",
        ["is required"],
    ),
    (
        "app-without-name",
        scenario(before="[[app]]\ncrash_at = 1.0"),
        "app[0].name",
        ["is required"],
    ),
    (
        "program-without-path",
        scenario(after="[[program]]\nexit_code = 0"),
        "program[0].path",
        ["is required"],
    ),
    (
        "cmdline-without-program",
        scenario('cmdline = { parameters = "/usr/bin/notify x" }'),
        "job[0].cmdline.program",
        ["is required"],
    ),
    (
        "outage-without-duration",
        scenario(after="[[outage]]\nstart = 15.0"),
        "outage[0].duration",
        ["is required"],
    ),
    (
        "server_error-without-url",
        scenario(after="[[server_error]]\nstatus = 503"),
        "server_error[0].url",
        ["is required"],
    ),
    (
        "server_error-without-status",
        scenario(after='[[server_error]]\nurl = "https://m.test/"'),
        "server_error[0].status",
        ["is required"],
    ),
    (
        "traffic-without-bandwidth",
        scenario(after="[[traffic]]\nstart = 1\nduration = 2"),
        "traffic[0].bandwidth",
        ["is required"],
    ),
    (
        "reboot-without-duration",
        scenario(after="[[reboot]]\nstart = 15.0"),
        "reboot[0].duration",
        ["is required"],
    ),
    (
        "restart_service-without-start",
        scenario(after="[[restart_service]]\nduration = 15.0"),
        "restart_service[0].start",
        ["is required"],
    ),
    (
        "unknown-restart_service-key",
        scenario(after="[[restart_service]]\nstart = 1.0\nduration = 2.0\nend = 3.0"),
        "restart_service[0].end",
        ["unknown key", "start, duration"],
    ),
    (
        "reboot-single-brackets",
        scenario(after="[reboot]\nstart = 1.0\nduration = 2.0"),
        "reboot",
        ["must be an array"],
    ),
    (
        "reboot-start-a-string",
        scenario(after='[[reboot]]\nstart = "noon"\nduration = 2.0'),
        "reboot[0].start",
        ["must be a number", "'noon'"],
    ),
    # unknown names, with the nearest one
    (
        "priority-misspelt",
        scenario('priority = "hgih"'),
        "job[0].priority",
        ["'hgih' is not a JobPriority", "did you mean 'high'", "foreground, high, normal, low"],
    ),
    ("type-misspelt", scenario('type = "uplaod"'), "job[0].type", ["did you mean 'upload'"]),
    (
        "flag-misspelt",
        scenario('flags = ["JOB_TRANSFERRED", "JOB_EROR"]'),
        "job[0].flags[1]",
        ["'JOB_EROR' is not a notify flag", "did you mean 'JOB_ERROR'"],
    ),
    ("flag-a-number-in-names", scenario("flags = [1]"), "job[0].flags[0]", ["not a notify flag"]),
    (
        "on_start-misspelt",
        scenario(before=APP + 'on_start = ["regster"]'),
        "app[0].on_start[0]",
        ["register, poll", "'regster'"],
    ),
    (
        "on_exit-a-start-word",
        scenario(before=APP + 'on_exit = ["register"]'),
        "app[0].on_exit[0]",
        ["unregister"],
    ),
    (
        "max_files_per_job-a-fraction",
        scenario(before="[simulation]\nmax_files_per_job = 2.5"),
        "simulation.max_files_per_job",
        ["whole number", "2.5"],
    ),
    (
        "set_remote_name-a-table",
        scenario(file='set_remote_name = { at = 1, url = "https://b.test/a" }'),
        "job[0].file[0].set_remote_name",
        ["must be an array", "a table"],
    ),
    (
        "set_remote_name-without-url",
        scenario(file="set_remote_name = [{ at = 1 }]"),
        "job[0].file[0].set_remote_name[0].url",
        ["is required"],
    ),
    (
        "set_remote_name-without-at",
        scenario(file='set_remote_name = [{ url = "https://b.test/a" }]'),
        "job[0].file[0].set_remote_name[0].at",
        ["is required"],
    ),
    (
        "set_remote_name-at-an-array",
        scenario(file='set_remote_name = [{ at = [1, 2], url = "https://b.test/a" }]'),
        "job[0].file[0].set_remote_name[0].at",
        ["one time in seconds"],
    ),
    (
        "set_remote_name-url-a-number",
        scenario(file="set_remote_name = [{ at = 1, url = 5 }]"),
        "job[0].file[0].set_remote_name[0].url",
        ["must be a string", "5"],
    ),
    (
        "set_remote_name-size-a-string",
        scenario(file='set_remote_name = [{ at = 1, url = "https://b.test/a", size = "1MB" }]'),
        "job[0].file[0].set_remote_name[0].size",
        ["whole number", "'1MB'"],
    ),
    (
        "set_remote_name-unknown-key",
        scenario(file='set_remote_name = [{ at = 1, uri = "https://b.test/a" }]'),
        "job[0].file[0].set_remote_name[0].uri",
        ["did you mean 'url'"],
    ),
]
