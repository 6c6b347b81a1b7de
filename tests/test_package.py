"""The package as users meet it: the API contract (docs/reference/api.md), layering, the README
and the CLI."""

from __future__ import annotations

import ast
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bitslab as bl
from bitslab.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

# Names of the contract that the core engine (issue 2) covers. Later issues extend this list.
CORE_NAMES = [
    "Simulation",
    "NotifyFlags",
    "JobState",
    "JobPriority",
    "JobType",
    "ErrorContext",
    "JobProperty",
    "BitsError",
    "S_OK",
    "E_NOTIMPL",
    "E_FAIL",
    "E_INVALIDARG",
    "BG_E_NOT_FOUND",
    "BG_E_INVALID_STATE",
    "BG_E_EMPTY",
    "BG_E_ERROR_INFORMATION_UNAVAILABLE",
    "BG_E_NETWORK_DISCONNECTED",
    "BG_E_STRING_TOO_LONG",
    "BG_E_INVALID_RANGE",
    "BG_E_RANDOM_ACCESS_NOT_SUPPORTED",
    "RPC_S_SERVER_UNAVAILABLE",
    "BG_SIZE_UNKNOWN",
    "rules",
    # issue 3: notifications
    "Notifier",
    "RecordingNotifier",
    "scenarios",
]
SIMULATION_MEMBERS = [
    "env",
    "now",
    "run",
    "call_at",
    "create_job",
    "add_app",
    "register_program",
    "log",
    "network",
]
LOG_MEMBERS = ["to_dataframe", "explain"]
LOG_ENTRY_FIELDS = ["id", "time", "method", "job", "file", "outcome", "rule"]
APP_MEMBERS = ["running", "crash", "exit", "start", "on_start"]
JOB_MEMBERS = [
    "sim",
    "name",
    "type",
    "priority",
    "state",
    "files",
    "progress",
    "minimum_retry_delay",
    "no_progress_timeout",
    "add_file",
    "resume",
    "suspend",
    "cancel",
    "complete",
    "get_error",
    "set_property",
    "get_property",
    "set_notify_flags",
    "get_notify_flags",
    "set_notify_interface",
    "get_notify_interface",
    "set_notify_cmdline",
    "get_notify_cmdline",
]


def test_every_core_name_of_the_contract_exists() -> None:
    missing = [name for name in CORE_NAMES if not hasattr(bl, name)]
    assert missing == []


# How the API page documents a name: an autodoc directive, or a py:data entry for a constant.
DOCUMENTED = re.compile(
    r"^(?:\.\. auto(?:class|function|module):: |```\{py:data\} )bitslab\.(\w+)$", re.M
)


def test_api_page_documents_exactly_the_names_of_all(api_page: str) -> None:
    """docs/reference/api.md states the contract: every name of bitslab.__all__ is documented
    there, once, and it documents no top-level name the package does not export."""
    documented = DOCUMENTED.findall(api_page)
    assert len(documented) == len(set(documented))
    assert sorted(documented) == sorted(bl.__all__)


def test_simulation_app_and_log_expose_the_contract_members(
    api_page: str, sim: bl.Simulation
) -> None:
    """The contract: Simulation, App, the event log and its entries, and the outcomes."""
    outcomes_line = next(line for line in api_page.splitlines() if "`outcome` is" in line)
    api_outcomes = re.findall(r'`"([a-z_]+)"`', outcomes_line)
    assert len(api_outcomes) == 11
    app = sim.add_app("downloader")
    job = sim.create_job("nightly")
    job.add_file("https://example.test/a.bin", "a.bin", size=10)
    job.resume()
    sim.run()
    assert [m for m in SIMULATION_MEMBERS if not hasattr(sim, m)] == []
    assert [m for m in APP_MEMBERS if not hasattr(app, m)] == []
    assert [m for m in LOG_MEMBERS if not hasattr(sim.log, m)] == []
    entry = sim.log[0]
    assert [f for f in LOG_ENTRY_FIELDS if not hasattr(entry, f)] == []
    assert sorted(bl.OUTCOMES) == sorted(api_outcomes)
    assert {e.outcome for e in sim.log} <= set(api_outcomes)
    for method in ("job_transferred", "job_error", "job_modification"):
        assert callable(getattr(bl.Notifier(), method))
    assert callable(bl.Notifier().file_transferred)
    assert callable(bl.Notifier().file_ranges_transferred)


def test_every_constant_of_the_api_page_exists_with_its_value(api_page: str) -> None:
    """The API page's constants table lists every constant of bitslab.__all__ with its value
    (the flags, the HRESULTs of BITS's headers, the sizes)."""
    row = r"^\| `((?:BG|CO|E|REGDB|RPC|S)_[A-Z0-9_]+)` \| (0x[0-9A-F]+) \|"
    pairs = re.findall(row, api_page, re.M)
    for name, value in pairs:
        assert getattr(bl, name) == int(value, 16), name
    constants = {n for n in bl.__all__ if n.isupper() and isinstance(getattr(bl, n), int)}
    assert {name for name, _ in pairs} == constants


@pytest.mark.parametrize(
    ("enum_name", "table_name"),
    [
        ("JobState", "BG_JOB_STATE_"),
        ("JobPriority", "BG_JOB_PRIORITY_"),
        ("JobType", "BG_JOB_TYPE_"),
        ("ErrorContext", "BG_ERROR_CONTEXT_"),
    ],
)
def test_enums_have_the_members_and_values_of_the_api_page(
    enum_name: str, table_name: str, api_page: str
) -> None:
    row = re.search(rf"^\| `{enum_name}` \| `{table_name}\*` \| (.+) \|$", api_page, re.M)
    assert row is not None
    expected = {name: int(value) for name, value in re.findall(r"([A-Z_]+) (\d+)", row.group(1))}
    enum_type = getattr(bl, enum_name)
    assert {member.name: member.value for member in enum_type} == expected


def test_http_error_hresults_are_module_level_names() -> None:
    """BG_E_HTTP_ERROR_nnn is 0x80190000 + nnn for every HTTP error status (L7)."""
    assert bl.BG_E_HTTP_ERROR_404 == 0x80190194
    assert bl.BG_E_HTTP_ERROR_503 == 0x801901F7
    assert bl.http_error_hresult(416) == bl.BG_E_HTTP_ERROR_416
    with pytest.raises(AttributeError, match="BG_E_HTTP_ERROR_200"):
        _ = bl.BG_E_HTTP_ERROR_200


def test_notify_flags_are_an_int_flag_with_bg_notify_aliases() -> None:
    assert bl.NotifyFlags.JOB_TRANSFERRED | bl.NotifyFlags.JOB_ERROR == 0x3
    assert bl.BG_NOTIFY_FILE_RANGES_TRANSFERRED is bl.NotifyFlags.FILE_RANGES_TRANSFERRED
    assert sum(bl.NotifyFlags) == 0x3F


def test_job_and_file_expose_the_contract_members() -> None:
    sim = bl.Simulation()
    job = sim.create_job("j")
    file = job.add_file("https://example.test/a", "a", size=10)
    assert [m for m in JOB_MEMBERS if not hasattr(job, m)] == []
    assert (file.remote_name, file.local_name, file.size) == ("https://example.test/a", "a", 10)
    assert set(file.progress._fields) == {"bytes_total", "bytes_transferred", "completed"}
    assert job.sim is sim
    assert isinstance(sim.env.now, (int, float))


def test_all_is_sorted_and_complete() -> None:
    """Sorted as ruff sorts it: CONSTANTS, then Classes, then functions."""

    def kind(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert list(bl.__all__) == sorted(bl.__all__, key=kind)
    assert [name for name in bl.__all__ if not hasattr(bl, name)] == []


def test_bits_error_carries_hresult_and_name() -> None:
    err = bl.BitsError("resume() on job 'x': no files (L2)", bl.BG_E_EMPTY)
    assert (err.hresult, err.name) == (0x80200003, "BG_E_EMPTY")
    assert "resume() on job 'x'" in str(err)
    assert bl.hresult_name(bl.http_error_hresult(503)) == "BG_E_HTTP_ERROR_503"


def test_importing_bitslab_loads_no_ui_module() -> None:
    """The core never imports ipywidgets or matplotlib (style: layers that never look up)."""
    code = (
        "import sys, bitslab\n"
        "bitslab.Simulation().run()\n"
        "loaded = [m for m in ('ipywidgets', 'matplotlib') if m in sys.modules]\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def _readme_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def test_readme_examples_print_what_the_readme_says() -> None:
    """Each python block of the README prints exactly the text block that follows it."""
    examples = _readme_blocks("python")
    expected = _readme_blocks("text")
    assert len(examples) == len(expected) >= 2
    for example, text in zip(examples, expected, strict=True):
        out = io.StringIO()
        sys_stdout = sys.stdout
        sys.stdout = out
        try:
            exec(compile(example, "README.md", "exec"), {})
        finally:
            sys.stdout = sys_stdout
        assert out.getvalue() == text


def test_readme_has_the_two_setup_commands_and_ci_runs_the_test_command() -> None:
    demo = re.search(r"<!-- demo-command -->\n```sh\n(.+)\n```", README)
    test = re.search(r"<!-- test-command -->\n```sh\n(.+)\n```", README)
    assert demo is not None
    assert test is not None
    assert demo.group(1).startswith("python3 -m venv")
    assert demo.group(1).endswith("python -m bitslab demo")
    assert test.group(1).startswith("python3 -m venv")
    assert "pytest" in test.group(1)
    assert "test-command" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_scenario_file_schema_is_a_valid_scenario_file() -> None:
    """The README's annotated scenario file parses and runs, every key in it known."""
    (schema,) = _readme_blocks("toml")
    scenario = bl.ScenarioFile.parse(schema, source="README.md")
    sim, actions = scenario.simulate()
    assert sim.now == 120.0  # simulation.until
    assert [job.name for job in sim.jobs] == ["nightly"]
    assert [(a.what, a.result) for a in actions][:2] == [
        ("job 'nightly' resume()", "ok"),
        ("app 'downloader' crash", "ok"),
    ]


def test_readme_bad_file_message_is_the_one_the_cli_prints(tmp_path: Path) -> None:
    """The README quotes the CLI's error for a size written as a string: it must be real."""
    (console,) = _readme_blocks("console")
    command, message = console.strip().splitlines()
    assert command == "$ python -m bitslab run lab.toml"
    lab = tmp_path / "lab.toml"
    lab.write_text(
        '[[job]]\nname = "a"\n'
        '[[job.file]]\nurl = "https://x.test/1"\nname = "1"\nsize = 1\n'
        '[[job.file]]\nurl = "https://x.test/2"\nname = "2"\nsize = "4MB"\n',
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    assert main(["run", str(lab)], out=out, err=err) == 2
    assert err.getvalue() == message.replace("lab.toml", str(lab)) + "\n"
    assert out.getvalue() == ""


def test_demo_tells_the_restart_story_what_arrived_and_why() -> None:
    """I4, C5, C4, K3: the demo's account of a crash and restart, from the event log."""
    out = io.StringIO()
    assert main(["demo"], out=out) == 0
    text = out.getvalue()
    assert text.startswith("bitslab demo: an application crashes mid-download and restarts")
    assert "app 'downloader' crashes (run 1 ends)" in text
    assert "app 'downloader' starts again (run 2)" in text
    # The file that finished while the app was down: app_down, then delivered to run 2.
    story = text[text.index("file_transferred 'fonts.cab'") :]
    story = story[: story.index("#", 1)]
    assert "app_down [I4" in story
    assert "RPC_S_SERVER_UNAVAILABLE" in story
    assert "delivered to CompletingNotifier of app 'downloader' run 2" in story
    assert "a new interface was set (C5)" in story
    assert "job 'nightly' (now ACKNOWLEDGED" in text  # complete() inside job_transferred
    assert "the command line ran instead [K3" in text
    assert "  I4 (The interface dies with its app): " in text  # the rules cited
    assert "0x7f" not in text.lower()  # no memory addresses


def test_demo_flaky_network_prints_every_job_history_with_rules() -> None:
    out = io.StringIO()
    assert main(["demo", "--scenario", "flaky-network"], out=out) == 0
    text = out.getvalue()
    for name in ("updates", "photos", "report", "catalog"):
        assert f"job {name!r}" in text
    assert "TRANSIENT_ERROR  L4 Disconnects are transient errors" in text  # the outage
    assert "TRANSIENT_ERROR  L5 " in text  # the 503
    assert "ERROR            L7 " in text  # the 404
    assert "BG_E_HTTP_ERROR_404" in text
    assert "QUEUED           S2 Equal priorities take turns" in text  # round robin


def test_demo_media_player_shows_requests_reports_and_the_r_rules() -> None:
    """R1-R5: what the player asked, each range report, and the rules behind them."""
    out = io.StringIO()
    assert main(["demo", "--scenario", "media-player"], out=out) == 0
    text = out.getvalue()
    assert text.startswith("bitslab demo: a media player streams a film on demand")
    assert "past the end (R2): BG_E_INVALID_RANGE" in text
    assert "SUSPENDED        R5 " in text
    reports = text[text.index("Range reports the player received") :]
    reports = reports[: reports.index("\n\n")]
    assert "bytes 39,200,000-39,999,999" in reports  # the rest of the index, to EOF
    # 10 MB in three turns: each turn's first look (0.1 s in, 200,000 bytes) goes at once
    # (C7: the first is not held), then 1 MB per report (2 MB/s, 500 ms)
    assert "0.15 s  bytes 0-199,999\n" in reports
    assert reports.count(" s  bytes ") == 13
    for rule in ("R1", "R2", "R3", "R4", "R5", "F7"):
        assert f"\n  {rule} (" in text
    assert "0x7f" not in text.lower()


def test_demo_runs_as_a_module_in_a_fresh_interpreter() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bitslab", "demo", "--seed", "3"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith("bitslab demo: an application crashes mid-download")
    assert "(seed 3)" in result.stdout.splitlines()[0]


def test_cli_without_a_command_prints_help() -> None:
    out = io.StringIO()
    assert main([], out=out) == 0
    assert "demo" in out.getvalue()


# Rule families whose issues have landed; every rule in them is named by a test.
COVERED_FAMILIES = ("F", "I", "C", "D", "K", "L", "S", "P", "R", "N")


def test_every_rule_of_the_covered_families_is_named_by_a_test() -> None:
    """Each rule ID of bl.rules appears in the name or docstring of at least one test function."""
    wanted = [rule for rule in bl.rules if rule.startswith(COVERED_FAMILIES)]
    assert len(wanted) == 71  # F1-F8, I1-I8, C1-C11, D1, K1-K7, L1-L17, S1-S5, R1-R6, N1-N5, P1-P3
    named = ""
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                named += f" {node.name} {ast.get_docstring(node) or ''}"
    missing = [
        rule
        for rule in wanted
        if not re.search(rf"(?<![A-Za-z0-9]){rule}(?![0-9])", named, re.IGNORECASE)
    ]
    assert missing == []


#: The installed ``bitslab`` command, beside this interpreter (pip writes it there).
SCRIPT = Path(sys.executable).parent / ("bitslab.exe" if os.name == "nt" else "bitslab")


@pytest.mark.parametrize("command", ["-m", "script"])
def test_demo_piped_into_a_reader_that_stops_early_ends_quietly(command: str) -> None:
    """``python -m bitslab demo | head -1`` and ``bitslab demo | head -1`` print no traceback
    (BrokenPipeError) and end with status 0."""
    if command == "script" and not SCRIPT.exists():
        pytest.skip(f"bitslab is not installed beside {sys.executable}")
    start = f"'{sys.executable}' -m bitslab" if command == "-m" else f"'{SCRIPT}'"
    shell = f"set -o pipefail; {start} demo --scenario media-player | head -1"  # bitslab's status
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True)
    assert result.stdout.startswith("bitslab demo: a media player")
    assert "Traceback" not in result.stderr
    assert result.returncode == 0


@pytest.mark.parametrize(("command", "usage"), [("-m", "python -m bitslab"), ("script", "bitslab")])
def test_usage_names_the_command_as_it_was_run(command: str, usage: str) -> None:
    """The installed command's usage line says ``bitslab``, ``python -m``'s its own form."""
    if command == "script" and not SCRIPT.exists():
        pytest.skip(f"bitslab is not installed beside {sys.executable}")
    argv = [sys.executable, "-m", "bitslab"] if command == "-m" else [str(SCRIPT)]
    result = subprocess.run([*argv, "--help"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith(f"usage: {usage} [-h] COMMAND ...")


def test_the_explorer_benchmark_runs_and_reports_against_plain_simpy() -> None:
    """A smoke run of benchmarks/bench_explorer.py (no time is asserted: speed is read from
    its table, never checked by a unit test)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_explorer.py"), "--quick"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "plain SimPy baseline" in result.stdout
    assert "budget: 50 ms of simulation per re-run" in result.stdout
    assert "bitslab over plain SimPy (defaults):" in result.stdout


def test_the_speed_benchmark_runs_and_reports_every_target_and_the_floor() -> None:
    """A smoke run of benchmarks/bench_speed.py at a small size: every section and the five
    targets are printed, the floor with its ceiling, the two per-decision speed targets as
    retired (no time is asserted)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_speed.py"), "--quick", "--jobs", "20"],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    assert "## The floor: one timer, one notifier call, one log entry per decision" in out
    assert "ceiling: bare decisions/s over timeouts/s" in out
    assert re.search(r"\n\d of 3 targets PASS \(the per-decision speed targets are retired", out)
    assert out.count("| retired |") == 2, out[-2000:]
    for target in ("decisions/s over plain SimPy", "cost per decision", "restart_story()",
                   "memory a run keeps per log entry", "import bitslab, median"):  # fmt: skip
        assert f"| {target}" in out
    assert "Traceback" not in result.stderr
