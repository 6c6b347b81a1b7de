"""Scenario files (bitslab.scenarios.file): a malformed file is refused with its key and
what was wrong, and changes nothing; what issue 9's refusals still accept.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``scenariofile_support.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from malformed_scenarios import MALFORMED
from refused_scenarios import REFUSED
from scenariofile_support import OUTAGE, ROOT, SERVER_ERROR, scenario
from support import log_rows

import bitslab as bl
from bitslab.scenarios.file import ScenarioFile, ScenarioFileError

SOURCE = "bad.toml"


def refusal(text: str) -> ScenarioFileError:
    with pytest.raises(ScenarioFileError) as caught:
        ScenarioFile.parse(text, source=SOURCE)
    return caught.value


# -- malformed files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [pytest.param(text, key, words, id=name) for name, text, key, words in [*MALFORMED, *REFUSED]],
)
def test_f3_k1_r1_r2_a_malformed_file_is_refused_naming_the_exact_key_and_the_problem(
    text: str, key: str, words: list[str]
) -> None:
    """Every kind of mistake (F3, K1, R1, R2 and the schema's own checks) is a
    ScenarioFileError whose ``key`` is exactly where the mistake is and whose message says what
    was wrong, once: the file's name and the key are not repeated inside the problem."""
    error = refusal(text)
    assert (error.source, error.key) == (SOURCE, key)
    for word in words:
        assert word in error.problem
    assert SOURCE not in error.problem
    assert str(error).startswith(f"{SOURCE}: {key}: " if key else f"{SOURCE}: ")
    assert str(error).endswith(error.problem)


def test_a_malformed_file_error_is_a_value_error() -> None:
    assert issubclass(ScenarioFileError, ValueError)
    assert str(refusal("")) == f"{SOURCE}: job: is required"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        pytest.param(
            lambda tmp: _write(tmp / "latin1.toml", 'title = "café"\n'.encode("latin-1")),
            "is not UTF-8 text",
            id="not-utf-8",
        ),
        pytest.param(lambda tmp: tmp / "missing.toml", "no such file", id="missing-file"),
        pytest.param(lambda tmp: tmp, "cannot be read", id="a-directory"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_naming_the_file(
    make: Callable[[Path], Path], words: str, tmp_path: Path
) -> None:
    path = make(tmp_path)
    with pytest.raises(ScenarioFileError) as caught:
        ScenarioFile.load(path)
    assert (caught.value.source, caught.value.key) == (str(path), "")
    assert words in caught.value.problem
    assert str(caught.value) == f"{path}: {caught.value.problem}"


def test_a_rejected_file_changes_nothing_the_next_good_file_runs_as_on_its_own(
    tmp_path: Path,
) -> None:
    """parse() that raises leaves nothing behind: a good file loaded after a bad one runs
    exactly as it does alone."""
    good = ROOT / "examples" / "restart-story.toml"
    alone = log_rows(ScenarioFile.load(good).simulate().sim)
    bad = tmp_path / "bad.toml"
    bad.write_text(
        good.read_text(encoding="utf-8").replace("crash_at = 6.0", "crash_at = [6.0, 7.0]"),
        encoding="utf-8",
    )
    with pytest.raises(ScenarioFileError, match="already down"):
        ScenarioFile.load(bad)
    with pytest.raises(ScenarioFileError):
        ScenarioFile.parse(scenario("flags = 0x40"))
    assert log_rows(ScenarioFile.load(good).simulate().sim) == alone


def test_simulate_builds_a_new_simulation_each_time() -> None:
    scenario_file = ScenarioFile.load(ROOT / "examples" / "on-demand.toml")
    first = scenario_file.simulate().sim
    second = scenario_file.simulate().sim
    assert first is not second
    assert log_rows(first) == log_rows(second)
    unrun = scenario_file.simulate(run=False)
    assert (unrun.sim.now, unrun.actions) == (0.0, [])
    assert unrun.sim.jobs[0].state is bl.JobState.SUSPENDED


# -- the other side of the refusals of issue 9 ---------------------------------------------------


def test_k6_a_program_declared_not_installed_fails_to_launch_and_is_retried() -> None:
    """K6, K5: ``installed = false`` declares a path a command line may name; running it fails
    to launch, and BITS tries again after the retry delay."""
    text = scenario(
        'minimum_retry_delay = 5\ncmdline = { program = "/opt/missing/notify" }',
        after='[[program]]\npath = "/opt/missing/notify"\ninstalled = false\n',
    )
    sim = ScenarioFile.parse(text).simulate(run=False).sim
    sim.run(until=12.0)
    tries = sim.log.entries(sim.jobs[0], method="job_transferred")
    assert [(round(e.time, 6), e.outcome, e.rule) for e in tries] == [
        (0.051, "failed", "K5"),
        (5.051, "failed", "K5"),
        (10.051, "failed", "K5"),
    ]
    assert all(
        "/opt/missing/notify failed to launch: no such program (K6)" in e.detail for e in tries
    )


def test_k6_a_cmdline_names_its_program_in_any_case_and_either_slash_on_windows() -> None:
    text = scenario(
        r"cmdline = { program = 'c:/tools/NOTIFY.exe' }",
        after="[[program]]\npath = 'C:\\Tools\\notify.exe'\n",
    )
    sim = ScenarioFile.parse(text).simulate().sim
    [entry] = sim.log.entries(sim.jobs[0], method="job_transferred")
    assert (entry.outcome, entry.rule) == ("cmdline", "K3")


def test_l4_outages_that_touch_are_accepted_as_one_down_time() -> None:
    """L4: [15, 25) then [25, 30) do not overlap: the network is down from 15 s to 30 s."""
    text = scenario(after=OUTAGE.format(15, 10) + OUTAGE.format(25, 5), size="40_000_000")
    sim = ScenarioFile.parse(text).simulate().sim
    down = [(c.time, c.new.name) for c in sim.jobs[0].history if c.rule == "L4"]
    assert down == [(15.0, "TRANSIENT_ERROR"), (30.0, "QUEUED")]


def test_l5_server_errors_may_overlap_for_different_urls_and_follow_each_other_for_one() -> None:
    text = scenario(
        after=SERVER_ERROR.format(503, 0, 10)
        + SERVER_ERROR.format(404, 10, 5)
        + SERVER_ERROR.format(503, 0, 10).replace("a.cab", "b.cab")
    )
    assert len(ScenarioFile.parse(text).simulate(run=False).sim.network.failures) == 3
