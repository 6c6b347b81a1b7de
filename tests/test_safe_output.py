"""Output that cannot be turned against its reader (issue 22): CSV a spreadsheet reads as
data, terminal text without control characters from user input, and every CLI failure one
line with an exit code, never a traceback."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from support import one_job_file

import bitslab as bl
from bitslab.cli import main

NASTY = ["a\rb", "c\nd", "=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "\tx", 'q"uote', "plain"]


def logged(names: list[str]) -> bl.Simulation:
    sim = bl.Simulation(seed=0)
    notifier = bl.RecordingNotifier()
    for name in names:
        job = sim.create_job(name)
        job.add_file("https://example.test/a", "a", size=1_000)
        job.set_notify_interface(notifier)
        job.resume()
    sim.run()
    return sim


def read_back(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_keeps_one_row_per_entry_whatever_the_names_hold() -> None:
    sim = logged(NASTY)
    rows = read_back(sim.log.to_csv() or "")
    assert len(rows) == len(sim.log)
    expected = sim.log.to_dataframe()["job"].tolist()
    assert [row["job"].removeprefix("'") for row in rows] == expected


def test_csv_puts_a_quote_before_text_a_spreadsheet_would_run_as_a_formula() -> None:
    sim = logged(NASTY)
    names = {row["job"] for row in read_back(sim.log.to_csv() or "")}
    assert names == {
        "a\rb",
        "c\nd",
        "'=cmd|' /C calc'!A0",
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        'q"uote',
        "plain",
    }


def test_csv_raw_keeps_text_as_it_is_and_numbers_stay_numbers() -> None:
    sim = logged(NASTY)
    rows = read_back(sim.log.to_csv(raw=True) or "")
    assert {row["job"] for row in rows} == set(NASTY)
    assert all(float(row["time"]) >= 0 for row in rows)


def test_csv_raw_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="raw must be"):
        bl.Simulation().log.to_csv(raw="yes")  # type: ignore[arg-type]


def test_cli_log_writes_the_safe_csv_and_log_raw_the_raw_one(tmp_path: Path) -> None:
    scenario = one_job_file(tmp_path / "s.toml", name_toml="\"=cmd|' /C calc'!A0\"")
    safe, raw = tmp_path / "safe.csv", tmp_path / "raw.csv"
    assert main(["run", str(scenario), "--log", str(safe)], io.StringIO(), io.StringIO()) == 0
    argv = ["run", str(scenario), "--log", str(raw), "--log-raw"]
    assert main(argv, io.StringIO(), io.StringIO()) == 0
    assert {r["job"] for r in read_back(safe.read_text(encoding="utf-8"))} == {
        "'=cmd|' /C calc'!A0"
    }
    assert {r["job"] for r in read_back(raw.read_text(encoding="utf-8"))} == {"=cmd|' /C calc'!A0"}


def test_a_name_with_a_lone_surrogate_is_refused_before_it_reaches_a_file() -> None:
    sim = bl.Simulation()
    with pytest.raises(ValueError, match="name must be text that UTF-8 can encode"):
        sim.create_job("bad\ud800")
    assert sim.jobs == []


@pytest.mark.parametrize("colour", ["never", "always"])
def test_scenario_text_reaches_the_terminal_without_control_characters(
    tmp_path: Path, colour: str
) -> None:
    scenario = one_job_file(
        tmp_path / "s.toml",
        before='title = "evil\\u001b]0;owned\\u0007 title"\n'
        'description = "clears\\u001b[2J the screen\\r and \\u009b31m more"\n',
        name_toml='"j\\u001b[31m"',
    )
    out = io.StringIO()
    assert main(["run", str(scenario), "--color", colour], out, io.StringIO()) == 0
    text = out.getvalue()
    assert "evil\\x1b]0;owned\\x07 title" in text
    assert "clears\\x1b[2J the screen\\x0d and \\x9b31m more" in text
    leftover = text
    for code in ("\x1b[0m", "\x1b[1m", "\x1b[2m", "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[36m"):
        leftover = leftover.replace(code, "")  # the colours the CLI itself writes
    assert not [c for c in leftover if ord(c) < 32 and c not in "\n\t"]
    assert "\x9b" not in leftover


def one_line(argv: list[str]) -> str:
    err = io.StringIO()
    assert main(argv, io.StringIO(), err) == 2
    lines = err.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    return lines[0]


def test_cli_deeply_nested_toml_fails_in_one_line(tmp_path: Path) -> None:
    scenario = tmp_path / "deep.toml"
    scenario.write_text("x = " + "[" * 5_000 + "]" * 5_000 + "\n", encoding="utf-8")
    assert "nests tables or arrays too deeply" in one_line(["run", str(scenario)])


def test_cli_refuses_a_scenario_file_over_the_size_cap(tmp_path: Path) -> None:
    scenario = tmp_path / "big.toml"
    scenario.write_text("# " + "x" * bl.ScenarioFile.MAX_BYTES + "\n", encoding="utf-8")
    assert "is larger than 1,000,000 bytes" in one_line(["run", str(scenario)])


def test_cli_refuses_an_endless_file_after_the_size_cap() -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    assert one_line(["run", "/dev/zero"]) == (
        "error: /dev/zero: is larger than 1,000,000 bytes: not a scenario file"
    )


def test_cli_refuses_an_empty_path_and_a_directory(tmp_path: Path) -> None:
    assert "is an empty path" in one_line(["run", ""])
    assert "is a directory" in one_line(["explain", str(tmp_path)])
    assert "--log '': an empty path" in one_line(["demo", "--log", ""])


def test_cli_refuses_one_file_for_both_plot_and_log(tmp_path: Path) -> None:
    target = tmp_path / "p.png"
    line = one_line(["demo", "--plot", str(target), "--log", str(target)])
    assert "--plot and --log name the same file" in line
    assert not target.exists()  # nothing was written


def test_cli_out_of_memory_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(bl.Simulation, "run", exhausted)
    assert one_line(["demo"]) == "error: out of memory: the scenario is too large for this machine"


# --- no memory address in anything printed ----------------------------------------------------


def flag_names(flags: int) -> str:
    return str(flags)


def made_inside() -> object:
    def on_start(app: bl.App) -> None:
        pass

    return on_start


class Thing:
    """A class with Python's default repr, ``<module.Thing object at 0x...>``."""


ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (flag_names, "got function flag_names"),
        (made_inside(), "got function on_start"),  # not made_inside.<locals>.on_start
        (lambda app: None, "got function <lambda>"),
        (Thing, "got class Thing"),
        (bl.NotifyFlags, "got class NotifyFlags"),
        (Thing(), "got Thing <Thing object>"),
        (bl.Simulation.create_job, "got function Simulation.create_job"),
        (bl.Simulation().create_job, "got method Simulation.create_job"),
        (len, "got built-in function len"),
        ({}.get, "got built-in method dict.get"),
        ([Thing(), flag_names], "got list [<Thing object>, <function flag_names>]"),
        (iter([]), "got list_iterator <list_iterator object>"),
    ],
    ids=lambda item: item if isinstance(item, str) else None,
)
def test_a_bad_argument_is_named_without_its_memory_address(value: object, shown: str) -> None:
    with pytest.raises(TypeError) as caught:
        bl.Simulation().create_job(value)  # type: ignore[arg-type]
    assert str(caught.value) == f"name must be a str, {shown}"


def test_a_long_bad_argument_is_cut_short_with_an_ellipsis() -> None:
    with pytest.raises(TypeError) as caught:
        bl.Simulation().create_job(bl.rules)  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith("name must be a str, got mappingproxy mappingproxy({'F1': Rule(")
    assert message.endswith("...")
    assert len(message) < 120


def test_c5_the_log_tells_what_a_callback_returned_or_raised_without_a_memory_address() -> None:
    class Junk(bl.RecordingNotifier):
        def file_transferred(self, job: bl.Job, file: bl.File) -> object:
            raise RuntimeError(f"cannot use {Thing()!r}")

        def job_transferred(self, job: bl.Job) -> object:
            return Thing()

    sim = bl.Simulation(seed=0)
    notifier = Junk(sim.add_app("app"))
    flags = {"ends": bl.NotifyFlags.JOB_TRANSFERRED, "files": bl.NotifyFlags.FILE_TRANSFERRED}
    for name, wanted in flags.items():
        job = sim.create_job(name)
        job.add_file(f"https://example.test/{name}", name, size=1_000)
        job.set_notify_flags(wanted)
        job.set_notify_interface(notifier)
        job.resume()
    sim.run(until=10)
    (returned,) = sim.log.entries(method="job_transferred", outcome="failed")
    assert returned.detail.startswith("returned <Thing object> (Thing), not None, a bool")
    (raised,) = sim.log.entries(method="file_transferred", outcome="failed")
    assert raised.detail.startswith("raised RuntimeError: cannot use <Thing object>")
    assert not any(ADDRESS.search(entry.detail) for entry in sim.log)
