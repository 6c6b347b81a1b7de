"""Sweeps (bl.sweep, bitslab.sweep): one table of runs over a grid, whatever runs them.

The same grid gives the same table in this process, in a process pool and on a Dask cluster;
a failing point is a row with an error; what cannot reach a worker is refused before any run;
Ctrl-C leaves no worker process behind. The default summary is checked against each run's
own event log.
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import bitslab as bl
from bitslab.scenarios import restart_story
from bitslab.sweep import default_summary, process_pool

ROOT = Path(__file__).resolve().parent.parent
RESTART = ROOT / "examples" / "restart-story.toml"

#: A small grid of the restart story: every notify flag that matters here, three crash times.
GRID = {"flags": [0x3, 0x13, 0x17, 0x1B], "crash_at": [2.0, 6.0, 10.0], "reregister": [True, False]}


def _children(pid: int | None = None) -> list[int]:
    """The processes whose parent is ``pid`` (default: this process), from /proc; not
    multiprocessing's resource tracker, which spawn starts once and which lives as long as
    its parent (it is no worker: it cleans up after them)."""
    parent = os.getpid() if pid is None else pid
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:  # it ended while we looked
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == parent and b"resource_tracker" not in command:
                found.append(int(entry.name))
    return found


def lost_files(sim: bl.Simulation) -> dict[str, Any]:
    """A custom summary: nightly's file notifications that arrived and that did not."""
    nightly = sim.jobs[0]
    ended = sim.log.entries(nightly, method="file_transferred", final=True)
    waiting = [p for p in sim.log.pending(nightly) if p.method == "file_transferred"]
    return {
        "arrived": sum(e.outcome == "delivered" for e in ended),
        "lost": len(waiting) + sum(e.outcome in ("stale", "app_down") for e in ended),
    }


def interrupted_story(seed: int, log: str) -> bl.Simulation:
    """The restart story, noting each run in ``log``; run 5 is a Ctrl-C in the worker."""
    with open(log, "a", encoding="utf-8") as file:
        file.write(f"{seed}\n")
    if seed == 5:
        raise KeyboardInterrupt
    return restart_story(seed=seed)


@pytest.fixture(scope="module")
def serial() -> pd.DataFrame:
    return bl.sweep(restart_story, GRID, progress=False)


# -- the table --------------------------------------------------------------------------------


def test_one_row_per_point_in_grid_order_the_last_key_fastest(serial: pd.DataFrame) -> None:
    assert len(serial) == 4 * 3 * 2
    assert list(serial.columns[:3]) == ["flags", "crash_at", "reregister"]
    assert list(serial.columns[-1:]) == ["error"]
    assert serial[["flags", "crash_at", "reregister"]].iloc[:3].values.tolist() == [
        [0x3, 2.0, True],
        [0x3, 2.0, False],
        [0x3, 6.0, True],
    ]
    assert serial["error"].isna().all()


def test_each_row_is_the_default_summary_of_that_points_own_run(serial: pd.DataFrame) -> None:
    """Rows are checked against runs made here, one by one, through the public log (D1)."""
    points = list(itertools.product(*GRID.values()))
    for index in (0, 7, 13, 22):
        row = serial.iloc[index]
        sim = restart_story(**dict(zip(GRID, points[index], strict=True)))
        summary = default_summary(sim)
        for column, value in summary.items():
            assert row[column] == value, column
        counted = [c for c in serial.columns if c.rsplit(".", 1)[-1] in bl.OUTCOMES]
        missing = set(counted) - set(summary)
        assert all(row[c] == 0 for c in missing)  # an outcome this run never had counts 0


def test_default_summary_counts_final_outcomes_and_pending_ones_i4_c5() -> None:
    """I4, C5: without re-registering, the notifications to the dead run stay pending."""
    sim = restart_story(reregister=False)
    row = default_summary(sim)
    pending = sim.log.pending(sim.jobs[0])
    assert row["file_transferred.pending"] == sum(p.method == "file_transferred" for p in pending)
    assert row["job_transferred.pending"] == 1
    assert row["file_transferred.delivered"] == 1
    assert (row["nightly.state"], row["nightly.time"]) == (
        "TRANSFERRED",
        sim.jobs[0].history[-1].time,
    )
    assert row["report.state"] == "TRANSFERRED"
    finals = sum(1 for e in sim.log if e.final)
    counts = sum(v for k, v in row.items() if k.rsplit(".", 1)[-1] in bl.OUTCOMES)
    assert counts == finals


def test_a_custom_summary_gives_the_columns_after_the_grids() -> None:
    table = bl.sweep(
        restart_story, {"reregister": [True, False]}, summarize=lost_files, progress=False
    )
    assert list(table.columns) == ["reregister", "arrived", "lost", "error"]
    assert table[["arrived", "lost"]].values.tolist() == [[3, 0], [1, 2]]


def test_an_empty_grid_is_one_run_with_the_scenarios_defaults() -> None:
    table = bl.sweep(restart_story, {}, summarize=lost_files, progress=False)
    assert table[["arrived", "lost"]].to_dict("records") == [{"arrived": 3, "lost": 0}]
    assert table["error"].isna().all()


def test_the_table_does_not_depend_on_the_chunk_size(serial: pd.DataFrame) -> None:
    with cf.ThreadPoolExecutor(2) as threads:
        for size in (1, 5, 100):
            table = bl.sweep(restart_story, GRID, executor=threads, chunksize=size, progress=False)
            pd.testing.assert_frame_equal(table, serial)


# -- the same table whatever runs it ----------------------------------------------------------


def test_a_process_pool_gives_the_same_table_as_this_process(serial: pd.DataFrame) -> None:
    before = _children()
    with process_pool(2) as pool:
        pooled = bl.sweep(restart_story, GRID, executor=pool, progress=False)
    processes = bl.sweep(restart_story, GRID, executor="processes", progress=False)
    pd.testing.assert_frame_equal(pooled, serial)
    pd.testing.assert_frame_equal(processes, serial)
    assert _children() == before  # "processes" shut its pool down


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    """A local Dask cluster of two worker processes on 127.0.0.1, with no dashboard. Its
    scheduler still serves /health and /metrics over HTTP: on a free port of 127.0.0.1, not
    on 8787, which another cluster on this machine may hold (a warning, an error here)."""
    distributed = pytest.importorskip("distributed", reason="needs pip install '.[dask]'")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        scheduler_kwargs={"dashboard": False},
    )
    with cluster, distributed.Client(cluster) as client:
        yield client
    assert _children() == [], "the Dask cluster left processes behind"


def test_serial_process_pool_and_dask_cluster_give_equal_tables(
    serial: pd.DataFrame, dask_client: Any
) -> None:
    """The issue's test: one sweep, three executors, one table."""
    with process_pool(2) as pool:
        pooled = bl.sweep(restart_story, GRID, executor=pool, progress=False)
    on_dask = bl.sweep(restart_story, GRID, executor=dask_client.get_executor(), progress=False)
    pd.testing.assert_frame_equal(pooled, serial)
    pd.testing.assert_frame_equal(on_dask, serial)
    assert len(dask_client.scheduler_info()["workers"]) == 2


def test_the_sweep_command_runs_on_a_dask_scheduler_by_its_address(
    dask_client: Any, tmp_path: Path
) -> None:
    out = tmp_path / "sweep.csv"
    status, _, _ = _cli(
        "sweep",
        RESTART,
        "--vary",
        "flags=0x3,0x13",
        "--dask",
        dask_client.scheduler.address,
        "--out",
        out,
    )
    assert status == 0
    expected = bl.sweep(RESTART, {"flags": [0x3, 0x13]}, progress=False)
    pd.testing.assert_frame_equal(pd.read_csv(out), _as_csv(expected))


# -- failures -----------------------------------------------------------------------------------


def test_a_point_the_scenario_refuses_is_a_row_with_its_error_and_the_rest_run() -> None:
    table = bl.sweep(restart_story, {"crash_at": [6.0], "restart_at": [3.0, 30.0]}, progress=False)
    assert table["error"][0] == (
        "scenario: ValueError: restart_at must come after crash_at (6.0), got 3.0: an "
        "application that is running cannot start again"
    )
    assert pd.isna(table["nightly.state"][0])
    assert pd.isna(table["job_transferred.delivered"][0])
    assert pd.isna(table["error"][1])
    assert table["nightly.state"][1] == "ACKNOWLEDGED"


def test_a_failing_point_is_the_same_row_in_a_process_pool() -> None:
    grid = {"crash_at": [6.0], "restart_at": [3.0, 30.0]}
    here = bl.sweep(restart_story, grid, progress=False)
    with process_pool(2) as pool:
        there = bl.sweep(restart_story, grid, executor=pool, progress=False)
    pd.testing.assert_frame_equal(here, there)


def broken_summary(sim: bl.Simulation) -> dict[str, Any]:
    if sim.jobs[0].state is bl.JobState.TRANSFERRED:
        raise KeyError("no acknowledgement")
    return {"state": sim.jobs[0].state.name}


def job_summary(sim: bl.Simulation) -> dict[str, Any]:
    return {"job": sim.jobs[0]}


def test_a_summary_that_raises_or_returns_an_object_is_that_rows_error() -> None:
    table = bl.sweep(
        restart_story, {"reregister": [True, False]}, summarize=broken_summary, progress=False
    )
    assert table["state"].tolist()[0] == "ACKNOWLEDGED"
    assert table["error"].tolist() == [pd.NA, "summarize: KeyError: 'no acknowledgement'"]
    table = bl.sweep(restart_story, {"seed": [0]}, summarize=job_summary, progress=False)
    assert table["error"][0].startswith("summarize: TypeError: returned Job ")
    assert "plain values" in table["error"][0]


class RefusingExecutor(cf.Executor):
    """An executor that records what was submitted to it, and runs nothing."""

    def __init__(self) -> None:
        self.submitted: list[Any] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        self.submitted.append(fn)
        raise AssertionError("nothing should have been submitted")


def test_an_unpicklable_scenario_is_refused_before_any_work_naming_it() -> None:
    def local_story(**values: Any) -> bl.Simulation:
        return restart_story(**values)

    executor = RefusingExecutor()
    with pytest.raises(TypeError) as refused:
        bl.sweep(local_story, {"seed": [0, 1]}, executor=executor, progress=False)
    message = str(refused.value)
    assert message.startswith("scenario test_sweep.test_an_unpicklable_scenario_is_refused")
    assert "local_story cannot be sent to worker processes" in message
    assert "define it at module level" in message
    assert " at 0x" not in message  # no memory address
    assert executor.submitted == []


def test_an_unpicklable_summary_is_refused_for_processes_before_a_pool_starts() -> None:
    before = _children()
    with pytest.raises(
        TypeError, match=r"^summarize test_sweep\..*<lambda> cannot be sent .* module level"
    ):
        bl.sweep(
            restart_story, {"seed": [0]}, summarize=lambda sim: {}, executor="processes",
            progress=False,
        )  # fmt: skip
    assert _children() == before


def test_a_thread_pool_takes_a_lambda_it_needs_no_pickling() -> None:
    with cf.ThreadPoolExecutor(2) as threads:
        table = bl.sweep(
            lambda seed: restart_story(seed=seed), {"seed": [0, 1]}, executor=threads,
            summarize=lost_files, progress=False,
        )  # fmt: skip
    assert table["arrived"].tolist() == [3, 3]


def test_ctrl_c_cancels_the_pending_work_of_a_given_executor(tmp_path: Path) -> None:
    """A KeyboardInterrupt in run 5 reaches the caller; the runs not started are cancelled."""
    log = tmp_path / "runs.txt"
    with process_pool(2) as pool:
        with pytest.raises(KeyboardInterrupt):
            bl.sweep(
                interrupted_story, {"seed": range(400), "log": [str(log)]}, executor=pool,
                chunksize=1, progress=False,
            )  # fmt: skip
        assert pool.submit(abs, -1).result() == 1  # the caller's pool still works
    runs = log.read_text(encoding="utf-8").split()
    assert "5" in runs
    assert len(runs) < 100


def test_ctrl_c_in_this_process_stops_the_sweep_and_is_not_an_error_row(tmp_path: Path) -> None:
    log = tmp_path / "runs.txt"
    with pytest.raises(KeyboardInterrupt):
        bl.sweep(interrupted_story, {"seed": range(10), "log": [str(log)]}, progress=False)
    assert log.read_text(encoding="utf-8").split() == ["0", "1", "2", "3", "4", "5"]


INTERRUPTED = """
import os, sys
import bitslab as bl
sys.path.insert(0, {tests!r})
from test_sweep import _children
print("pid", os.getpid(), flush=True)
try:
    bl.sweep(bl.scenarios.restart_story, {{"seed": range(200_000)}}, executor="processes",
             progress=False)
except KeyboardInterrupt:
    print("interrupted; children left:", _children(), flush=True)
"""


def test_ctrl_c_during_a_processes_sweep_leaves_no_worker_process_behind(tmp_path: Path) -> None:
    """Ctrl-C on a terminal signals the whole process group: the sweep and its workers."""
    script = tmp_path / "interrupted.py"
    script.write_text(INTERRUPTED.format(tests=str(Path(__file__).parent)), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        workers: list[int] = []
        for _ in range(600):  # until the pool's workers run (at most a minute)
            workers = _children(proc.pid)
            if len(workers) >= 2 or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert workers, "the sweep started no worker"
        time.sleep(0.5)  # well into the sweep
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert "interrupted; children left: []" in out, err
    assert "Traceback" not in err  # the workers ignored Ctrl-C; no one printed a traceback
    assert [pid for pid in workers if Path(f"/proc/{pid}").exists()] == []


# -- arguments ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"grid": [("seed", [0])]}, TypeError, r"^grid must be a dict .* got list"),
        ({"grid": {"seed": 3}}, TypeError,
         r"^grid\['seed'\] must be a list of values, got int 3 \(for one value, write \[3\]\)"),
        ({"grid": {"seed": "012"}}, TypeError,
         r"^grid\['seed'\] must be a list of values, got str"),
        ({"grid": {"seed": []}}, ValueError, r"^grid\['seed'\] must hold at least one value"),
        ({"grid": {"crash": [1]}}, TypeError,
         r"^grid\['crash'\]: bitslab.scenarios.restart_story has no keyword argument 'crash'; "
         r"did you mean 'crash_at'\?"),
        ({"grid": {"error": [1]}}, ValueError, r"^grid key 'error' is taken"),
        ({"executor": "threads"}, ValueError,
         r"^executor must be None, \"processes\" or .* got 'threads'"),
        ({"executor": 4}, TypeError, r"^executor must be None, .* got int 4"),
        ({"chunksize": 0}, ValueError, r"^chunksize must be at least 1, got 0"),
        ({"progress": "no"}, TypeError, r"^progress must be True or False, got str 'no'"),
        ({"summarize": "counts"}, TypeError, r"^summarize must be a function of the simulation"),
        ({"scenario": 42}, TypeError, r"^scenario must be a function that returns a Simulation"),
    ],
)  # fmt: skip
def test_bad_arguments_are_refused_naming_the_argument_and_what_it_got(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    arguments: dict[str, Any] = {"scenario": restart_story, "grid": {"seed": [0]}, **kwargs}
    with pytest.raises(error, match=message):
        bl.sweep(arguments.pop("scenario"), arguments.pop("grid"), **arguments)


def test_a_scenario_that_returns_no_simulation_is_that_rows_error() -> None:
    table = bl.sweep(lambda seed: None, {"seed": [0]}, progress=False)
    assert table["error"][0] == "scenario: TypeError: returned NoneType None, not a Simulation"


def test_the_progress_bar_counts_the_runs_and_leaves_no_thread(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = threading.active_count()
    bl.sweep(restart_story, {"seed": range(3)}, progress=True)
    err = capsys.readouterr().err
    assert "sweep: 100%" in err
    assert "3/3" in err
    assert "run/s" in err
    assert threading.active_count() == before  # no tqdm monitor: a later fork stays safe


def test_importing_bitslab_does_not_import_pandas_tqdm_or_dask() -> None:
    heavy = ("pandas", "tqdm", "dask", "distributed", "concurrent.futures", "pickle")
    code = f"import sys, bitslab; print([m for m in {heavy!r} if m in sys.modules])"
    assert subprocess.check_output([sys.executable, "-c", code], text=True) == "[]\n"


# -- scenario files -----------------------------------------------------------------------------


def _cli(*argv: str | Path) -> tuple[int, str, str]:
    import io

    from bitslab.cli import main

    out, err = io.StringIO(), io.StringIO()
    status = main([str(arg) for arg in argv], out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def _as_csv(table: pd.DataFrame) -> pd.DataFrame:
    """A table as it reads back from CSV."""
    import io

    return pd.read_csv(io.StringIO(table.to_csv(index=False)))


def test_a_file_is_swept_by_key_paths_shorthand_full_by_name_and_simulation() -> None:
    grid = {
        "flags": [0x13],
        "job[nightly].minimum_retry_delay": [5.0],
        "app[0].start_at": [20.0],
        "seed": [1],
    }
    table = bl.sweep(RESTART, grid, summarize=lost_files, progress=False)
    assert pd.isna(table["error"][0])
    scenario = bl.ScenarioFile.load(RESTART)
    data = dict(scenario.data)
    data["simulation"] = dict(data["simulation"], seed=1)
    data["app"] = [dict(data["app"][0], start_at=20.0)]
    data["job"] = [dict(data["job"][0], flags=0x13, minimum_retry_delay=5.0), data["job"][1]]
    sim = bl.ScenarioFile(scenario.source, data).simulate().sim
    assert sim.seed == 1
    assert table[["arrived", "lost"]].values.tolist() == [list(lost_files(sim).values())]


def test_a_files_sweep_is_the_same_as_the_scenario_functions() -> None:
    """examples/restart-story.toml is restart_story(poll=True): the same rows (I4, C11)."""
    grid = {"crash_at": [2.0, 6.0, 10.0]}
    from_file = bl.sweep(RESTART, grid, summarize=lost_files, progress=False)
    from_function = bl.sweep(
        lambda crash_at: restart_story(crash_at=crash_at, poll=True), grid,
        summarize=lost_files, progress=False,
    )  # fmt: skip
    pd.testing.assert_frame_equal(from_file, from_function)


def test_a_value_the_model_refuses_is_that_rows_error_naming_the_key_f3() -> None:
    """F3: flags outside 0x3F are refused, in a file as in Python; the sweep goes on."""
    table = bl.sweep(RESTART, {"flags": [0x13, 0x40]}, progress=False)
    assert pd.isna(table["error"][0])
    assert table["error"][1].startswith(f"scenario: ScenarioFileError: {RESTART}: job[0].flags: ")
    assert "(F3)" in table["error"][1]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("flgs", "flgs: is not written in the file and is not a [simulation] key: give its key "
                 "path in full, such as job[0].flgs or app[0].flgs"),
        ("minimum_retry_delay", "minimum_retry_delay: is written in 2 places "
                                "(job[0].minimum_retry_delay, job[1].minimum_retry_delay): give "
                                "the one to vary in full"),
        ("job[2].flags", "job[2].flags: job has 2 entries (job[0] to job[1]), no [2]"),
        ("job[nighty].flags", "job[nighty].flags: no entry of job is named 'nighty' (names: "
                              "'nightly', 'report'); did you mean 'nightly'?"),
        ("job[0].flgs", "job[0].flgs: unknown key; did you mean 'flags'?"),
        ("title.size", "title.size: title is not a table"),
        ("simulation[0].seed", "simulation[0].seed: simulation is not an array in the file"),
        ("job.0.flags", "job.0.flags: is not a key path"),
    ],
)  # fmt: skip
def test_a_bad_key_path_is_refused_before_any_run_naming_it(key: str, message: str) -> None:
    with pytest.raises(bl.ScenarioFileError) as refused:
        bl.sweep(RESTART, {key: [1]}, executor=RefusingExecutor(), progress=False)
    assert str(refused.value).startswith(f"{RESTART}: {message}")


def test_two_keys_for_one_place_are_refused() -> None:
    with pytest.raises(
        bl.ScenarioFileError, match=r"job\[0\]\.flags: names job\[0\]\.flags, as 'flags' does"
    ):
        bl.sweep(RESTART, {"flags": [3], "job[0].flags": [3]}, progress=False)


# -- the command line ---------------------------------------------------------------------------


def test_the_sweep_command_writes_the_table_bl_sweep_makes(tmp_path: Path) -> None:
    out = tmp_path / "sweep.csv"
    status, stdout, err = _cli(
        "sweep", RESTART, "--vary", "flags=0..0x3F", "--vary", "crash_at=2,4,8", "--workers", "2",
        "--out", out,
    )  # fmt: skip
    assert status == 0, err
    assert stdout == ""
    expected = bl.sweep(RESTART, {"flags": range(64), "crash_at": [2, 4, 8]}, progress=False)
    written = pd.read_csv(out)
    assert len(written) == 192
    pd.testing.assert_frame_equal(written, _as_csv(expected))
    lines = err.splitlines()
    assert lines[0] == (
        f"sweep {RESTART}: 192 runs, varying flags = job[0].flags (64), "
        "crash_at = app[0].crash_at (3)"
    )
    assert lines[-1].startswith("192 runs in ")
    assert lines[-1].endswith(f"; wrote {out}")


def test_the_sweep_command_prints_csv_and_counts_failed_points() -> None:
    status, stdout, err = _cli("sweep", RESTART, "--vary", "job[0].flags=0x13,0x40")
    assert status == 0
    assert stdout.splitlines()[0].startswith("job[0].flags,job_transferred.")
    assert len(stdout.splitlines()) == 3
    assert err.splitlines()[-1].endswith("; 1 failed (see the error column)")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--vary", "flgs=1,2"], f"error: {RESTART}: flgs: is not written in the file"),
        (["--vary", "job[0].flgs=1"], f"error: {RESTART}: job[0].flgs: unknown key"),
        (["--vary", "flags=1", "--vary", "flags=2"], "error: --vary flags given more than once"),
        (["--vary", "flags=1", "--out", "/nonexistent/x.csv"],
         "error: --out /nonexistent/x.csv: no such directory"),
        (["--vary", "flags=1", "--workers", "0"], "error: --workers must be at least 1, got 0"),
    ],
)  # fmt: skip
def test_the_sweep_command_exits_2_with_one_line_naming_the_bad_key(
    argv: list[str], message: str
) -> None:
    status, stdout, err = _cli("sweep", RESTART, *argv)
    assert status == 2
    assert stdout == ""
    assert len(err.splitlines()) == 1
    assert err.startswith(message)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--vary", "flags"],
         "argument --vary: must be KEY=VALUES, such as flags=0..0x3F; got 'flags'"),
        (["--vary", "flags=0.5..2"],
         "argument --vary: flags: '0.5..2': a range A..B takes whole numbers"),
        (["--vary", "flags=1,,2"],
         "argument --vary: flags: '1,,2': an empty value between commas"),
        (["--vary", "flags=1", "--workers", "two"],
         "argument --workers: invalid int value: 'two'"),
    ],
)  # fmt: skip
def test_the_sweep_command_refuses_bad_values_as_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        _cli("sweep", RESTART, *argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_python_m_bitslab_sweep_of_a_bad_key_prints_one_line_and_no_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bitslab", "sweep", str(RESTART), "--vary", "flgs=1"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_vary_values_are_toml_values_words_and_inclusive_ranges() -> None:
    from bitslab.scenarios.sweepfile import parse_values

    assert parse_values("0..0x3F") == list(range(64))
    assert parse_values("0..60..20") == [0, 20, 40, 60]
    assert parse_values('2,4.5,true,"a,b",[6.0, 30.0],foreground') == [
        2, 4.5, True, "a,b", [6.0, 30.0], "foreground",
    ]  # fmt: skip
    assert parse_values("[]") == [[]]


def test_a_scenario_file_given_as_text_of_its_path_runs_in_worker_processes() -> None:
    text = textwrap.dedent("""\
        [[job]]
        name = "a"
        [[job.file]]
        url = "https://x.test/a"
        name = "a"
        size = 1_000_000
    """)
    scenario = bl.ScenarioFile.parse(text, source="a.toml")
    grid = {"job[0].file[0].size": [1_000_000, 3_000_000], "bandwidth": [500_000.0, 1_000_000.0]}
    here = bl.sweep(scenario, grid, progress=False)
    with process_pool(2) as pool:
        there = bl.sweep(scenario, grid, executor=pool, progress=False)
    pd.testing.assert_frame_equal(here, there)
    assert here["a.time"].round(2).tolist() == [2.05, 1.05, 6.05, 3.05]
