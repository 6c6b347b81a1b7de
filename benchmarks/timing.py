"""Timing shared by the benchmark scripts: wall time of repeated calls, after a warm-up."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Timing", "time_calls"]


@dataclass(frozen=True)
class Timing:
    """Wall times of repeated calls, in milliseconds."""

    median: float
    max: float


def time_calls(fn: Callable[[], object], repeats: int) -> Timing:
    """Call ``fn`` once to warm up, then ``repeats`` times, collecting garbage before each."""
    fn()
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return Timing(statistics.median(times), max(times))
