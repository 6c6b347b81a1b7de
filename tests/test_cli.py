"""The command line: ``run`` and ``explain`` of scenario files, ``rules``, ``--plot`` and
``--log``, colour and the progress bar (bitslab.cli, bitslab.views.terminal).

Commands are called as ``main([...], out=..., err=...)`` and judged by their exit status and
text; what they print is compared with the same file run through the Python API.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from support import log_rows

import bitslab as bl
from bitslab.cli import main
from bitslab.rulebook import FAMILIES, rules
from bitslab.scenarios import flaky_network, restart_story
from bitslab.scenarios.file import ScenarioFile
from bitslab.views.terminal import ProgressBar

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
RESTART = ROOT / "examples" / "restart-story.toml"
ESCAPE = "\x1b["
RULE_LINE = re.compile(r"^  ([A-Z]\d+) \(", re.M)


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as sys.stdout does in a console."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Colour depends on NO_COLOR, FORCE_COLOR and TERM: start every test without them."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def cli(*argv: str | Path, out: io.StringIO | None = None) -> tuple[int, str, str]:
    """Run ``main`` and return (exit status, stdout, stderr)."""
    stdout = io.StringIO() if out is None else out
    stderr = io.StringIO()
    status = main([str(arg) for arg in argv], out=stdout, err=stderr)
    return status, stdout.getvalue(), stderr.getvalue()


def simulated(path: Path) -> bl.Simulation:
    """The file run through the Python API, to compare with what the command line prints."""
    return ScenarioFile.load(path).simulate().sim


# -- run --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_run_prints_each_jobs_history_with_rules_its_notifications_and_quiet_at(
    path: Path,
) -> None:
    status, out, err = cli("run", path)
    assert (status, err) == (0, "")
    sim = simulated(path)
    scenario_file = ScenarioFile.load(path)
    assert out.startswith(f"bitslab run: {scenario_file.title}\n  ({path}, seed {sim.seed})")
    for job in sim.jobs:
        assert f"\njob {job.name!r} ({job.priority.name}, " in out
        section = out[out.index(f"\njob {job.name!r} (") :]
        for change in job.history:  # each state change, with its rule and the rule's title
            line = f"{change.time:9.2f} s  {change.new.name:<16} {change.rule} "
            assert line + rules[change.rule].title in section
        assert f"  ends {job.state.name}: " in section
        assert "  notifications (flags " in section
        for entry in sim.log.entries(job, final=True):
            if entry.method != "job_modification":
                assert re.search(
                    rf"{entry.time:9.2f} s  #{entry.id} +{entry.method}.* {entry.outcome} ",
                    section,
                ), entry
    assert f"\nquiet at {sim.now:.2f} s.\n" in out
    assert "The rules cited above (python -m bitslab rules ID says more):" in out
    assert ESCAPE not in out


def test_run_lists_the_timed_calls_and_a_failed_one_by_its_error(tmp_path: Path) -> None:
    """L10, L12: a timed call that fails at run time is listed with its error; exit 0."""
    path = tmp_path / "cancelled.toml"
    path.write_text(
        '[[job]]\nname = "nightly"\ncancel_at = 0.5\ncomplete_at = 1.0\n'
        '[[job.file]]\nurl = "https://mirror.test/a.cab"\nname = "a.cab"\nsize = 5_000_000\n',
        encoding="utf-8",
    )
    status, out, _ = cli("run", path)
    assert status == 0
    assert "Timed calls (the file's *_at keys):" in out
    assert "0.50 s  job 'nightly' cancel(): ok" in out
    assert "1.00 s  job 'nightly' complete(): BG_E_INVALID_STATE" in out
    assert "  ends CANCELLED: " in out


def test_run_of_a_file_with_until_says_it_stopped_there_and_lists_what_is_pending(
    tmp_path: Path,
) -> None:
    """I4: the app crashed at 0.5 s; at 1.5 s, when the run stops, file a's notification waits
    to be retried and the job is still transferring b."""
    path = tmp_path / "until.toml"
    path.write_text(
        '[simulation]\nuntil = 1.5\n[[app]]\nname = "app"\ncrash_at = 0.5\n'
        '[[job]]\nname = "nightly"\nflags = 0x13\nnotifier = { app = "app" }\n'
        '[[job.file]]\nurl = "https://mirror.test/a"\nname = "a"\nsize = 1_000_000\n'
        '[[job.file]]\nurl = "https://mirror.test/b"\nname = "b"\nsize = 1_000_000\n',
        encoding="utf-8",
    )
    status, out, _ = cli("run", path)
    assert status == 0
    sim = simulated(path)
    assert (sim.now, sim.quiet, sim.jobs[0].state) == (1.5, False, bl.JobState.TRANSFERRING)
    assert "\nstopped at 1.50 s (simulation.until); quiet: False.\n" in out
    assert "quiet at" not in out
    assert "  ends TRANSFERRING: " in out
    assert re.search(
        r"1\.05 s  #\d+ +file_transferred 'a' +pending +retry \(raised; not ended", out
    )


def test_run_with_seed_overrides_the_files_seed_and_the_same_seed_prints_the_same(
    tmp_path: Path,
) -> None:
    first = cli("run", RESTART, "--seed", "7", "--log", tmp_path / "a.csv")
    second = cli("run", RESTART, "--seed", "7", "--log", tmp_path / "b.csv")
    assert first[0] == second[0] == 0
    assert first[1] == second[1]
    assert f"  ({RESTART}, seed 7)" in first[1]
    a = pd.read_csv(tmp_path / "a.csv")
    pd.testing.assert_frame_equal(a, pd.read_csv(tmp_path / "b.csv"))
    seeded = ScenarioFile.parse(
        RESTART.read_text(encoding="utf-8").replace("seed = 0", "seed = 7")
    ).simulate()
    assert set(a["job_id"]) == {str(job.id) for job in seeded.sim.jobs}


# -- colour -----------------------------------------------------------------------------------


def test_run_is_plain_when_piped_and_coloured_with_color_always() -> None:
    assert ESCAPE not in cli("run", RESTART)[1]
    assert ESCAPE not in cli("run", RESTART, "--color", "never", out=Terminal())[1]
    status, out, _ = cli("run", RESTART, "--color", "always")
    assert status == 0
    assert ESCAPE in out
    assert "\x1b[32mACKNOWLEDGED\x1b[0m" in out  # a done state is green
    assert re.sub(r"\x1b\[[0-9;]*m", "", out) == cli("run", RESTART)[1]  # the same words


def test_demo_restart_story_is_coloured_with_color_always_in_the_words_of_color_never() -> None:
    """The default demo colours as ``run`` does: its title bold, states and outcomes in their
    colours (I4: the app_down calls red, the deliveries to run 2 green)."""
    status, out, _ = cli("demo", "--color", "always")
    assert status == 0
    assert out.startswith("\x1b[1mbitslab demo: an application crashes mid-download")
    assert "job 'nightly' is \x1b[32mACKNOWLEDGED\x1b[0m" in out  # what happened
    assert "\x1b[31mapp_down\x1b[0m [I4: " in out  # sim.log.explain(), coloured
    assert "\x1b[32mdelivered\x1b[0m to CompletingNotifier of app 'downloader' run 2" in out
    assert "\x1b[32mthe command line ran instead\x1b[0m [K3: " in out
    assert re.sub(r"\x1b\[[0-9;]*m", "", out) == cli("demo", "--color", "never")[1]


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["demo"], id="demo"),
        pytest.param(["demo", "--scenario", "flaky-network"], id="flaky-network"),
        pytest.param(["demo", "--scenario", "media-player"], id="media-player"),
        pytest.param(["explain", str(RESTART)], id="explain"),
    ],
)
def test_color_never_and_a_pipe_print_the_same_plain_text_and_always_only_adds_colour(
    argv: list[str],
) -> None:
    never = cli(*argv, "--color", "never", out=Terminal())[1]
    assert ESCAPE not in never
    assert cli(*argv)[1] == never  # piped: auto, not a terminal
    assert ESCAPE in cli(*argv, out=Terminal())[1]  # auto on a terminal
    coloured = cli(*argv, "--color", "always")[1]
    assert ESCAPE in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == never


@pytest.mark.parametrize(
    ("environment", "terminal", "coloured"),
    [
        pytest.param({}, True, True, id="terminal"),
        pytest.param({}, False, False, id="piped"),
        pytest.param({"NO_COLOR": "1"}, True, False, id="NO_COLOR-on-a-terminal"),
        pytest.param({"TERM": "dumb"}, True, False, id="dumb-terminal"),
        pytest.param({"FORCE_COLOR": "1"}, False, True, id="FORCE_COLOR-piped"),
        pytest.param({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False, id="NO_COLOR-wins"),
    ],
)
def test_color_auto_follows_the_terminal_no_color_force_color_and_term(
    environment: dict[str, str], terminal: bool, coloured: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    out = Terminal() if terminal else io.StringIO()
    status, text, _ = cli("run", RESTART, out=out)
    assert status == 0
    assert (ESCAPE in text) is coloured


def test_color_always_and_never_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert ESCAPE in cli("run", RESTART, "--color", "always")[1]
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR")
    assert ESCAPE not in cli("run", RESTART, "--color", "never")[1]


# -- explain ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_explain_prints_the_logs_explanation_of_every_job(path: Path) -> None:
    status, out, err = cli("explain", path)
    assert (status, err) == (0, "")
    assert out.startswith("bitslab explain: ")
    sim = simulated(path)
    for job in sim.jobs:
        assert sim.log.explain(job) in out
    assert f"quiet at {sim.now:.2f} s." in out


def test_explain_job_restricts_the_account_to_that_job() -> None:
    status, out, _ = cli("explain", RESTART, "--job", "report")
    assert status == 0
    sim = simulated(RESTART)
    report, nightly = (
        next(job for job in sim.jobs if job.name == n) for n in ("report", "nightly")
    )
    assert sim.log.explain(report) in out
    assert sim.log.explain(nightly) not in out
    assert "job 'nightly' (now" not in out


def test_explain_an_unknown_job_exits_2_naming_the_jobs() -> None:
    status, _, err = cli("explain", RESTART, "--job", "nighty")
    assert status == 2
    assert err.startswith("error: ")
    assert str(RESTART) in err
    assert "no job 'nighty' (jobs: 'nightly', 'report')" in err


def test_explain_an_unknown_job_prints_no_account_on_stdout() -> None:
    """An error exits 2 with only the error: no half account before it, as for a bad file."""
    status, out, _ = cli("explain", RESTART, "--job", "nighty")
    assert status == 2
    assert out == ""


# -- bad files --------------------------------------------------------------------------------

GOOD_JOB = '[[job]]\nname = "j"\n[[job.file]]\nurl = "https://m.test/a"\nname = "a"\nsize = 1\n'
BAD_FILES = [
    # (file name, content, the key the error names)
    ("typo.toml", '[[job]]\nname = "j"\nprority = "low"\n', "job[0].prority"),
    (
        "flags.toml",
        '[[job]]\nname = "j"\nflags = ["JOB_EROR"]\n[[job.file]]\nurl = "https://m.test/a"\n'
        'name = "a"\nsize = 1\n',
        "job[0].flags[0]",
    ),
    (
        "f3.toml",
        '[[job]]\nname = "j"\nflags = 0x40\n[[job.file]]\nurl = "https://m.test/a"\n'
        'name = "a"\nsize = 1\n',
        "job[0].flags",
    ),
    ("nofile.toml", '[[job]]\nname = "j"\n', "job[0].file"),
    ("empty.toml", "", "job"),
    # issue 9: a world that cannot be, each at its key
    (
        "overlap.toml",
        GOOD_JOB + "[[outage]]\nstart = 15\nduration = 10\n[[outage]]\nstart = 20\nduration = 1\n",
        "outage[1].start",
    ),
    (
        "restart.toml",
        '[[app]]\nname = "a"\ncrash_at = 10\nstart_at = 5\n' + GOOD_JOB,
        "app[0].start_at",
    ),
    ("twins.toml", GOOD_JOB + GOOD_JOB, "job[1].name"),
    (
        "program.toml",
        GOOD_JOB.replace('name = "j"', 'name = "j"\ncmdline = { program = "/usr/bin/nope" }'),
        "job[0].cmdline.program",
    ),
    (
        "negative.toml",
        GOOD_JOB + '[[server_error]]\nurl = "https://m.test/"\nstatus = 503\nduration = -4\n',
        "server_error[0].duration",
    ),
    ("size.toml", GOOD_JOB.replace("size = 1", "size = -1"), "job[0].file[0].size"),
]


@pytest.mark.parametrize("command", ["run", "explain"])
@pytest.mark.parametrize(
    ("name", "content", "key"), BAD_FILES, ids=[name for name, _, _ in BAD_FILES]
)
def test_a_bad_file_exits_2_with_one_error_line_naming_the_file_and_the_key(
    command: str, name: str, content: str, key: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    status, out, err = cli(command, path)
    assert status == 2
    assert out == ""
    assert err.startswith(f"error: {path}: {key}: ")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("content", "words"),
    [
        pytest.param(b'[[job]\nname = "j"\n', "is not valid TOML", id="not-toml"),
        pytest.param('title = "café"\n'.encode("latin-1"), "is not UTF-8 text", id="latin-1"),
        pytest.param(None, "no such file", id="missing"),
    ],
)
def test_an_unreadable_file_exits_2_saying_why(
    content: bytes | None, words: str, tmp_path: Path
) -> None:
    path = tmp_path / "scenario.toml"
    if content is not None:
        path.write_bytes(content)
    status, out, err = cli("run", path)
    assert (status, out) == (2, "")
    assert err.startswith(f"error: {path}: {words}")


def test_python_m_bitslab_run_of_a_bad_file_prints_one_line_and_no_traceback(
    tmp_path: Path,
) -> None:
    """The CLI's convention, through the real interpreter: exit status 2, one line on
    stderr naming the file and the key, nothing on stdout."""
    path = tmp_path / "lab.toml"
    path.write_text(GOOD_JOB + "[[outage]]\nstart = 1\nduration = 5\n" * 2, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bitslab", "run", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: {path}: outage[1].start: overlaps outage[0] (1 s to 6 s): the network is "
        "down once; merge them or move one\n"
    )


@pytest.mark.parametrize("command", ["demo", "run"])
@pytest.mark.parametrize(("seed", "words"), [("-1", "at least 0"), ("x", "a whole number")])
def test_a_bad_seed_exits_2_naming_the_option(
    command: str, seed: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [command, "--seed", seed] + ([] if command == "demo" else [str(RESTART)])
    with pytest.raises(SystemExit) as caught:
        main(argv, out=io.StringIO(), err=io.StringIO())
    assert caught.value.code == 2
    assert f"argument --seed: must be {words}" in capsys.readouterr().err


def test_a_bad_command_line_exits_2_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["run"], out=io.StringIO(), err=io.StringIO())
    assert caught.value.code == 2
    assert "usage:" in capsys.readouterr().err


# -- rules ------------------------------------------------------------------------------------


def test_rules_lists_every_rule_by_family_with_the_count_line() -> None:
    status, out, err = cli("rules")
    assert (status, err) == (0, "")
    assert RULE_LINE.findall(out) == list(rules)
    assert len(rules) == 71  # F, I, C, D, K, L, S, R, N and P
    choices = sum(rule.model_choice for rule in rules.values())
    assert out.endswith(f"\n{len(rules)} rules, {choices} of them model choices.\n")
    for family, name in FAMILIES.items():
        assert f"{family}: {name}\n" in out
    assert f"  F5 ({rules['F5'].title}): {rules['F5'].text}\n" in out


def test_rules_f5_prints_that_one_rule() -> None:
    """F5: one rule, under its family's heading, without the count line."""
    status, out, _ = cli("rules", "F5")
    assert status == 0
    assert RULE_LINE.findall(out) == ["F5"]
    assert out == f"F: {FAMILIES['F']}\n  {rules['F5']}\n"
    assert cli("rules", "f5")[1] == out  # any case


def test_rules_c_prints_the_c_family_only() -> None:
    """C1-C11: a family's letter prints all of its rules and nothing else."""
    status, out, _ = cli("rules", "C")
    assert status == 0
    assert RULE_LINE.findall(out) == [r.id for r in rules.values() if r.family == "C"]
    assert len(RULE_LINE.findall(out)) == 11


def test_rules_model_choices_prints_only_the_model_choices() -> None:
    status, out, _ = cli("rules", "--model-choices")
    assert status == 0
    assert RULE_LINE.findall(out) == [r.id for r in rules.values() if r.model_choice]
    assert out.count("[model choice]") == len(RULE_LINE.findall(out))


def test_rules_sources_names_the_page_of_each_rule() -> None:
    status, out, _ = cli("rules", "K1", "--sources")
    assert status == 0
    assert f"      source: {rules['K1'].source}" in out


def test_rules_an_unknown_id_exits_2_naming_the_families() -> None:
    status, out, err = cli("rules", "F5", "X9")
    assert (status, out) == (2, "")
    assert err.startswith("error: no rule or family X9; families are F (notify flags), ")


# -- --plot and --log -------------------------------------------------------------------------


def test_run_plot_writes_a_png_of_the_timeline(tmp_path: Path) -> None:
    target = tmp_path / "out.png"
    status, out, err = cli("run", RESTART, "--plot", target)
    assert status == 0
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert f"wrote the timeline to {target}" in err
    assert "quiet at" in out


def test_run_log_writes_a_csv_with_one_row_per_log_entry(tmp_path: Path) -> None:
    target = tmp_path / "log.csv"
    status, _, err = cli("run", ROOT / "examples" / "flaky-network.toml", "--log", target)
    assert status == 0
    frame = pd.read_csv(target)
    sim = simulated(ROOT / "examples" / "flaky-network.toml")
    assert len(frame) == len(sim.log)
    assert list(frame.columns) == list(sim.log.to_dataframe().columns)
    assert sorted(frame["id"]) == sorted(entry.id for entry in sim.log)
    assert f"wrote the event log to {target}" in err


@pytest.mark.parametrize("option", ["--plot", "--log"])
@pytest.mark.parametrize("command", ["run", "explain", "demo"])
def test_an_output_into_a_missing_directory_exits_2_before_running(
    option: str, command: str, tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "out.png"
    argv = [command, option, str(target)] + ([] if command == "demo" else [str(RESTART)])
    status, out, err = cli(*argv)
    assert (status, out) == (2, "")
    assert err == f"error: {option} {target}: no such directory\n"
    assert not target.parent.exists()


@pytest.mark.parametrize(
    ("option", "name", "words"),
    [
        ("--log", ".", "is a directory; give a file name"),
        ("--plot", ".", "is a directory; give a file name"),
        ("--plot", "timeline", "give the file name an extension such as .png or .svg"),
    ],
)
def test_an_output_that_cannot_be_a_file_exits_2_before_running(
    option: str, name: str, words: str, tmp_path: Path
) -> None:
    target = tmp_path / name
    status, out, err = cli("demo", option, target)
    assert (status, out) == (2, "")
    assert err == f"error: {option} {target}: {words}\n"


def test_a_plot_format_matplotlib_lacks_exits_2_saying_so(tmp_path: Path) -> None:
    target = tmp_path / "timeline.xyz"
    status, _, err = cli("demo", "--plot", target)
    assert status == 2
    assert err.startswith(f"error: --plot {target}: cannot write (Format 'xyz' is not supported")
    assert err.count("\n") == 1
    assert not target.exists()


@pytest.mark.parametrize("scenario", ["restart-story", "flaky-network", "media-player"])
def test_demo_plot_writes_a_png_and_log_a_csv(scenario: str, tmp_path: Path) -> None:
    png, csv = tmp_path / "demo.png", tmp_path / "demo.csv"
    status, out, _ = cli("demo", "--scenario", scenario, "--plot", png, "--log", csv)
    assert status == 0
    assert out.startswith("bitslab demo: ")
    assert png.read_bytes().startswith(b"\x89PNG")
    assert len(pd.read_csv(csv)) > 0


# -- the progress bar -------------------------------------------------------------------------


def test_a_progress_bar_draws_while_the_simulation_runs_and_clear_erases_it() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, enabled=True)
    sim = restart_story(run=False)
    sim.run(progress=bar)
    drawn = stream.getvalue()
    assert drawn.startswith("\r[")
    assert "%" in drawn
    assert f"100% of {13_000_000:,} bytes at {sim.now:9.2f} s" in drawn  # the last drawing
    bar.clear()
    assert stream.getvalue() == drawn + "\r\x1b[K"
    bar.clear()  # nothing drawn since: nothing to erase
    assert stream.getvalue() == drawn + "\r\x1b[K"


def test_a_disabled_progress_bar_writes_nothing() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, enabled=False)
    restart_story(run=False).run(progress=bar)
    bar.clear()
    assert stream.getvalue() == ""
    assert ProgressBar(io.StringIO()).enabled is False  # not a terminal
    assert ProgressBar(Terminal()).enabled is True


@pytest.mark.parametrize("make", [restart_story, flaky_network], ids=["restart", "flaky"])
@pytest.mark.parametrize("until", [None, 20.0])
def test_run_with_progress_gives_the_same_log_and_time_as_without(
    make: Callable[..., bl.Simulation], until: float | None
) -> None:
    plain, watched = make(run=False), make(run=False)
    calls: list[float] = []
    plain.run(until=until)
    watched.run(until=until, progress=lambda sim: calls.append(sim.now))
    assert watched.now == plain.now
    assert log_rows(watched) == log_rows(plain)
    assert [job.history for job in watched.jobs] == [job.history for job in plain.jobs]
    assert calls[-1] == watched.now
    if until is not None:  # and on to the end from there
        plain.run()
        watched.run(progress=ProgressBar(io.StringIO(), enabled=True))
        assert (watched.now, log_rows(watched)) == (plain.now, log_rows(plain))


def test_the_command_line_draws_its_bar_on_a_terminal_stderr_and_erases_it() -> None:
    out, err = io.StringIO(), Terminal()
    status = main(["run", str(RESTART)], out=out, err=err)
    assert status == 0
    assert err.getvalue().startswith("\r[")
    assert err.getvalue().endswith("\r\x1b[K")
    assert "\r" not in out.getvalue()


# -- as a program -----------------------------------------------------------------------------


def test_python_m_bitslab_run_works_and_is_plain_when_piped() -> None:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    result = subprocess.run(
        [sys.executable, "-m", "bitslab", "run", "examples/restart-story.toml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("bitslab run: An application crashes mid-download")
    assert "quiet at 30.00 s." in result.stdout
    assert ESCAPE not in result.stdout
    assert "\r" not in result.stdout
