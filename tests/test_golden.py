"""Golden logs: the model's behaviour, pinned byte for byte (issue 23).

Every ready scenario (with its defaults and a few variants), every ``examples/*.toml`` and a
few dozen seeded random worlds run here; each log's ``to_dataframe().to_csv()`` and
``explain()`` must equal the files under ``tests/golden/``, byte for byte. They were written
before the core was restructured, so a restructuring that changes what any notification does,
when, or why, fails here and names the world.

To write them again after a change of behaviour that is meant (and reviewed):
``python tests/test_golden.py --write``.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import bitslab as bl
from bitslab import scenarios
from bitslab.scenarios.file import ScenarioFile

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script
    sys.path.insert(0, str(HERE))

import random_worlds as rw  # noqa: E402

GOLDEN = HERE / "golden"
EXAMPLES = HERE.parent / "examples"
WORLDS = 36  # seeded random worlds: a third plain, a third hostile, a third re-entrant


# -- the worlds ----------------------------------------------------------------------------------


def _pick(rng: random.Random, choices: list[rw.Step], low: int = 1, high: int = 3) -> tuple:
    return tuple(rng.choice(choices) for _ in range(rng.randint(low, high)))


def _notifier(rng: random.Random, kinds: tuple[str, ...], steps: list[rw.Step]) -> rw.NotifierPlan:
    kind = rng.choice(kinds)
    methods = frozenset(rw.METHODS)
    if kind in ("duck", "lookup"):  # I6: lacks some methods (keeps one)
        methods = frozenset(m for m in rw.METHODS if rng.random() < 0.5) or frozenset(
            rw.METHODS[:1]
        )
    return rw.NotifierPlan(kind, methods, {m: _pick(rng, steps) for m in rw.METHODS})


def random_world(seed: int) -> rw.Scenario:
    """The seeded counterpart of :func:`random_worlds.scenarios`: the same kinds of world,
    drawn from ``random.Random(seed)`` (stable across Hypothesis versions)."""
    rng = random.Random(seed)
    flavour = seed % 3  # 0 plain, 1 hostile, 2 re-entrant
    steps = rw.STEPS + (rw.HOSTILE if flavour else []) + (rw.REENTRANT * 2 if flavour == 2 else [])
    ducks = rw.DUCKS if flavour == 2 else ("duck",)
    apps = tuple(_notifier(rng, rw.KINDS, steps) for _ in range(rng.randint(1, 2)))
    jobs = []
    for _ in range(rng.choice([1, 2, 3, 4, 4])):
        owner = rng.randint(0, len(apps))
        flags = rng.choice([rng.randint(0, 0x3F), rw.USEFUL[rng.randint(0, 0x3F)]])
        jobs.append(
            rw.JobPlan(
                sizes=tuple(
                    rng.choice([0, rng.randint(1, 3_000_000)]) for _ in range(rng.randint(1, 3))
                ),
                flags=flags,
                retry_delay=rng.randint(5, 20),
                interval_ms=rng.choice(rw.INTERVALS),
                resume_at=rng.choice([0.0, 0.0, 5.0, 20.0, 45.0]),
                app=owner if owner < len(apps) else None,
                duck=_notifier(rng, ducks, steps) if rng.randint(0, 3) == 3 else None,
                cmdline=rng.choice([None, None, 0, 1, 2]),
                finish=rng.choice(["cancel", "complete"]),
            )
        )
    urls = [url for index, plan in enumerate(jobs) for url in rw.file_urls(index, plan)]
    failures = []
    for _ in range(rng.choice([0, 1, 1, 2])):
        status = rng.choice([404, 503, 404])
        start, length = max(rng.randint(-50, 300), 0) / 10, rng.randint(1, 300) / 10
        duration = None if status == 404 and rng.random() < 0.5 else length
        failures.append((rng.choice([*urls, "https://srv.test/"]), status, start, duration))
    outages = [(rng.randint(0, 500) / 10, rng.randint(1, 200) / 10)] if rng.random() < 0.5 else []
    if flavour == 2 and outages and rng.random() < 0.5:  # L4: meeting or overlapping
        start, length = outages[0]
        outages.append((rng.choice([start + length, start + length / 2]), length))
    codes = rw.HOSTILE_EXIT_CODES if flavour else rw.EXIT_CODES
    actions = []
    for _ in range(rng.randint(0, 10)):
        time = rng.randint(0, int(rw.HORIZON * 10) - 1) / 10
        what = rng.choice(rw.ACTIONS)
        job, app = rng.randrange(len(jobs)), rng.randrange(len(apps))
        if what == "flags":
            actions.append((time, what, job, rng.randint(0, 0x3F)))
        elif what in ("crash", "start", "exit"):
            actions.append((time, what, app))
        elif what == "register":
            actions.append((time, what, app, job))
        elif what == "duck":
            actions.append((time, what, job, _notifier(rng, ducks, steps)))
        elif what == "cmdline":
            actions.append((time, what, job, rng.randrange(len(rw.PROGRAMS))))
        elif what == "retry_delay":
            actions.append((time, what, job, rng.randint(0, 20)))
        elif what == "interval":
            actions.append((time, what, job, rng.choice(rw.INTERVALS)))
        else:
            actions.append((time, what, job))
    return rw.Scenario(
        seed=rng.randint(0, 2**32 - 1),
        callback_timeout=rng.choice([60.0, 3.0, None]),
        apps=apps,
        exit_codes=tuple(_pick(rng, list(codes)) for _ in rw.PROGRAMS[:-1]),
        jobs=tuple(jobs),
        actions=tuple(actions),
        outages=tuple(outages),
        failures=tuple(failures),
    )


def _example(path: Path) -> Callable[[], bl.Simulation]:
    return lambda: ScenarioFile.load(path).simulate().sim


def on_demand_turned_off() -> bl.Simulation:
    """R6: ranges filled on demand, reported after the mode was turned off (not_on_demand)."""
    sim = bl.Simulation(seed=0, dispatch_delay=0.2)
    job = sim.create_job("film")
    for i in range(2):
        job.add_file(f"https://cdn.test/film/part{i}.bin", f"part{i}.bin", 1_000_000)
    job.set_property(bl.JobProperty.ON_DEMAND_MODE, True)
    job.set_notify_flags(0x3B)
    job.set_notify_interface(bl.RecordingNotifier())
    job.files[0].request_ranges([(0, 100_000), (500_000, 200_000)])
    job.resume()
    sim.call_at(0.2, job.set_property, bl.JobProperty.ON_DEMAND_MODE, False)
    sim.run()
    return sim


CASES: dict[str, Callable[[], bl.Simulation]] = {
    "on_demand_turned_off": on_demand_turned_off,
    "restart_story": scenarios.restart_story,
    "restart_story-poll": lambda: scenarios.restart_story(poll=True, reregister=False),
    "restart_story-faults": lambda: scenarios.restart_story(
        seed=3, outage=(10.0, 15.0), server_error=(35.0, 20.0), crash_at=12.0
    ),
    "flaky_network": scenarios.flaky_network,
    "flaky_network-seed7": lambda: scenarios.flaky_network(7, retry_delay=5.0),
    "media_player": scenarios.media_player,
    "media_player-whole": lambda: scenarios.media_player(on_demand=False, keep_at=None),
    "flags_tour": scenarios.flags_tour,
    "flags_tour-all": lambda: scenarios.flags_tour(flags=0x3B, interval_ms=0),
    "two_apps_racing": scenarios.two_apps_racing,
    "two_apps_racing-crash": lambda: scenarios.two_apps_racing(
        first_again_at=6.0, crash_second_at=4.0
    ),
    **{f"example-{path.stem}": _example(path) for path in sorted(EXAMPLES.glob("*.toml"))},
    **{
        f"world-{seed:02d}": (lambda seed=seed: rw.run(random_world(seed)).sim)
        for seed in range(WORLDS)
    },
}


def render(name: str) -> tuple[str, str]:
    """The case's log as CSV and its explanation."""
    sim = CASES[name]()
    return sim.log.to_dataframe().to_csv(), sim.log.explain()


# -- the test ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_log_and_explanation_match_the_golden_files(name: str) -> None:
    csv, text = render(name)
    assert csv.count("\n") > 1, f"{name}: an empty log proves nothing"
    assert csv == (GOLDEN / f"{name}.csv").read_text(encoding="utf-8"), f"{name}: log changed"
    assert text == (GOLDEN / f"{name}.txt").read_text(encoding="utf-8"), f"{name}: explain changed"


def test_every_golden_file_belongs_to_a_case() -> None:
    names = {path.stem for path in GOLDEN.iterdir()}
    assert names == set(CASES), "stale or missing golden files: run with --write"


def write() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for old in GOLDEN.iterdir():
        old.unlink()
    for name in sorted(CASES):
        csv, text = render(name)
        (GOLDEN / f"{name}.csv").write_text(csv, encoding="utf-8", newline="")
        (GOLDEN / f"{name}.txt").write_text(text, encoding="utf-8", newline="")
        print(f"{name}: {csv.count(chr(10)) - 1} entries")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_golden.py --write")
    write()
