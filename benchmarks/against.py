"""Decisions per second of this checkout against another commit, in one run (issue 23).

``python benchmarks/bench_speed.py --against REF`` checks REF out into a temporary git worktree
and runs :func:`workloads.busy_machine` with each checkout's bitslab in turn, in fresh
interpreters (``PYTHONPATH`` puts the checkout first), alternating which goes first, so that
the machine's drift falls on both alike. Only ``sim.run()`` is timed; both sides run the same
workload script (this checkout's ``workloads.py``), which uses the public API alone. The
figure is the ratio of the medians: this checkout's decisions per second over REF's.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: What each fresh interpreter runs: build busy_machine(jobs), time its run, report.
CHILD = """\
import gc, json, sys, time
sys.path.insert(0, sys.argv[2])
import bitslab
from workloads import busy_machine, decisions
sim = busy_machine(int(sys.argv[1]), run=False)
gc.collect()
start = time.perf_counter()
sim.run()
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "decisions": decisions(sim), "location": bitslab.__file__}))
"""


@dataclass(frozen=True)
class Side:
    """One checkout's runs: seconds of each ``sim.run()`` and the decisions it made."""

    label: str
    seconds: list[float]
    decisions: set[int]
    location: str

    @property
    def rate(self) -> float:
        """Decisions per second, from the median run."""
        return max(self.decisions) / statistics.median(self.seconds)


@contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """A temporary worktree of ``ref`` (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="bitslab-against-") as tmp:
        where = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(where), ref],
            check=True,
        )
        try:
            yield where
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)], check=True
            )


def run_once(tree: Path, jobs: int) -> tuple[float, int, str]:
    """One fresh interpreter running busy_machine(jobs) with ``tree``'s bitslab."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    with tempfile.TemporaryDirectory() as empty:  # no bitslab/ in the working directory
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(jobs), str(HERE)],
            env=env,
            cwd=empty,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    found = json.loads(out)
    return found["seconds"], found["decisions"], found["location"]


def measure(ref: str, jobs: int, rounds: int, say: object = print) -> tuple[Side, Side]:
    """This checkout and ``ref``, ``rounds`` runs each after one warm-up, alternating."""
    with checkout(ref) as other:
        trees = {"this checkout": ROOT, ref: other}
        sides = {label: Side(label, [], set(), "") for label in trees}
        for tree in trees.values():  # warm-up: caches, .pyc files
            run_once(tree, jobs)
        for index in range(rounds):
            order = list(trees) if index % 2 == 0 else list(reversed(trees))
            for label in order:
                seconds, decisions, location = run_once(trees[label], jobs)
                side = sides[label]
                side.seconds.append(seconds)
                side.decisions.add(decisions)
                sides[label] = Side(label, side.seconds, side.decisions, location)
            if callable(say):
                figures = ", ".join(f"{k} {sides[k].seconds[-1]:.3f} s" for k in trees)
                say(f"round {index + 1}/{rounds}: {figures}")
    mine, theirs = sides.values()
    return mine, theirs


def table(mine: Side, theirs: Side, jobs: int) -> str:
    """The two sides and their ratio, as a Markdown table and a verdict line."""
    rows: Sequence[Side] = (mine, theirs)
    lines = [
        f"| busy_machine({jobs}) | runs | median run, s | decisions | decisions/s |",
        "|:--|--:|--:|--:|--:|",
    ]
    for side in rows:
        lines.append(
            f"| {side.label} | {len(side.seconds)} | {statistics.median(side.seconds):.3f} | "
            f"{', '.join(f'{d:,}' for d in sorted(side.decisions))} | {side.rate:,.0f} |"
        )
    ratio = mine.rate / theirs.rate
    lines.append("")
    lines.append(f"this checkout over {theirs.label}: {ratio:.3f}x decisions per second")
    if mine.decisions != theirs.decisions:
        lines.append("warning: the two checkouts did not make the same decisions")
    return "\n".join(lines)
