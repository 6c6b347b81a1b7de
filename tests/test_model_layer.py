"""The model layer's shape (issue 23): what it imports, whom it reaches into, its timers."""

from __future__ import annotations

import ast
from pathlib import Path

import bitslab as bl
from bitslab.model.agenda import Agenda, pending
from bitslab.model.agenda import cancel as cancel_timer
from bitslab.model.events import PriorityChanged

PACKAGE = Path(bl.__file__).parent
MODEL = sorted((PACKAGE / "model").glob("*.py"))
#: The model's own modules plus the composition root and the run loop above it.
CORE = [*MODEL, PACKAGE / "simulation.py", PACKAGE / "runner.py", PACKAGE / "budget.py"]
#: Layers above the model: it never imports them, not even for a type annotation.
ABOVE = ("delivery", "log", "views", "widgets", "plots", "timeline", "scenarios", "cli")


def _imported(path: Path) -> set[str]:
    """Every module ``path`` imports, relative names resolved within bitslab."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level == 2:  # from ..x import y, inside bitslab/model
                names.add(f"bitslab.{base}")
            elif node.level == 1:
                names.add(f"bitslab.model.{base}")
            else:
                names.add(base)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_model_module_imports_delivery_the_log_or_a_view_even_for_types() -> None:
    for path in MODEL:
        for name in _imported(path):
            assert not any(name.startswith(f"bitslab.{above}") for above in ABOVE), (path, name)


def test_only_jobs_and_apps_name_the_simulation_for_their_public_sim_attribute() -> None:
    naming = {path.name for path in MODEL if "bitslab.simulation" in _imported(path)}
    assert naming <= {"jobs.py", "apps.py"}


def test_simpy_private_attributes_are_read_in_the_agenda_only() -> None:
    for path in CORE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = [
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in ("_now", "_queue")
        ]
        if path.name != "agenda.py":
            assert found == [], path


def test_the_core_reaches_into_no_other_objects_private_state_but_simpys_clock() -> None:
    reaches = []
    for path in CORE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and node.attr not in ("_replace", "_asdict", "_fields", "_make")
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
            ):
                reaches.append((path.name, ast.unparse(node)))
    # SimPy 4 keeps its clock in Environment._now: the agenda reads it (in now, and where
    # every timer is set) and moves it (when it runs a batch of timers); it reads the head of
    # SimPy's queue, Environment._queue, where drive() compares it with its own; nothing
    # else does.
    assert {where for where, _ in reaches} <= {"agenda.py"}
    assert {reach for _, reach in reaches} <= {"env._now", "self.env._now", "env._queue"}
    assert len(reaches) <= 5


def test_every_core_module_is_under_400_lines() -> None:
    for path in CORE:
        assert len(path.read_text(encoding="utf-8").splitlines()) < 400, path


def test_a_cancelled_timer_never_runs_yet_counts_as_an_entry_of_the_agenda() -> None:
    counts = []
    for cancel in (False, True):
        sim = bl.Simulation()
        agenda: Agenda = sim.agenda
        calls: list[str] = []
        kept = agenda.after(1.0, calls.append, "kept")
        other = agenda.after(1.0, calls.append, "other")
        if cancel:
            cancel_timer(other)
            assert pending(kept)
            assert not pending(other)
        sim.run(until=2.0)
        assert calls == (["kept"] if cancel else ["kept", "other"])
        assert not pending(kept)
        assert not pending(other)
        counts.append(agenda.events)
    assert counts[0] == counts[1]  # the budgets count what the heap held, cancelled or not


def test_s1_a_change_of_priority_is_published_once_and_the_scheduler_hears_it() -> None:
    sim = bl.Simulation()
    heard: list[PriorityChanged] = []
    sim.events.subscribe(PriorityChanged, heard.append)
    job = sim.create_job("j")
    job.priority = bl.JobPriority.NORMAL  # the same priority: nothing to re-decide
    job.priority = bl.JobPriority.HIGH
    assert [(event.job, event.old) for event in heard] == [(job, bl.JobPriority.NORMAL)]


def test_the_file_in_flight_is_known_through_the_transfer_alone() -> None:
    sim = bl.Simulation(bandwidth=1_000_000)
    job = sim.create_job("j")
    first = job.add_file("https://example.test/a", "a", size=1_000_000)
    second = job.add_file("https://example.test/b", "b", size=1_000_000)
    job.resume()
    sim.run(until=0.5)
    transfer = job.ledger.transfer()
    assert transfer is not None
    assert transfer.file is first
    assert sim.scheduler.transfer_of(job) is transfer
    assert 0 < job.bytes_arrived() == first.progress.bytes_transferred < 1_000_000
    sim.run()
    assert job.ledger.transfer() is None
    assert job.progress.files_transferred == 2
    assert second.transferred


def test_l5_a_retry_is_cancelled_when_the_job_leaves_transient_error() -> None:
    sim = bl.Simulation()
    job = sim.create_job("j")
    job.add_file("https://example.test/a", "a", size=1_000)
    job.minimum_retry_delay = 5.0
    sim.network.fail("https://example.test/a", 503, duration=1.0)
    job.resume()
    sim.run(until=1.0)
    assert job.state is bl.JobState.TRANSIENT_ERROR
    job.suspend()  # the retry due at 5 s no longer applies
    sim.run(until=10.0)
    last = [(change.new, change.rule) for change in job.history][-2:]
    assert last == [(bl.JobState.TRANSIENT_ERROR, "L5"), (bl.JobState.SUSPENDED, "L9")]
