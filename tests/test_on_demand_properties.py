"""Invariants of on-demand jobs over random range requests (R2-R5, with L4 and C7).

Hypothesis draws one to three files of random sizes (from 1 byte), a minimum notification
interval (0 included), random ranges, some made before the first resume() and the others at
random later times through ``sim.call_at`` (each followed by resume(), as an app that wants
its bytes does), some reaching past the end of their file or empty (R2 rejects them), ranges
to the end of the file (BG_LENGTH_TO_EOF), and maybe a network outage (L4). After
``sim.run()``, whatever the timing:

- each file's filled ranges are exactly the union of the accepted requests, nothing is
  outstanding, and BITS accepted exactly the ranges R2 allows;
- the range reports (R4) of each file add up to its bytes transferred, with no byte twice,
  and cover exactly its filled ranges;
- the job is TRANSFERRED exactly when every file is whole, else SUSPENDED, by rule R5;
- the same seed and inputs give the same log.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import log_rows

import bitslab as bl
from bitslab.model.ranges import RangeSet

S = bl.JobState
F = bl.NotifyFlags
EOF = bl.BG_LENGTH_TO_EOF
REPORT = "file_ranges_transferred"
FLAGS = F.JOB_TRANSFERRED | F.JOB_ERROR | F.FILE_TRANSFERRED | F.FILE_RANGES_TRANSFERRED
PROFILE = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Ask:
    """One request_ranges call with one range; ``time`` None means before the first resume."""

    time: float | None
    file: int
    offset: int
    length: int


@dataclass(frozen=True)
class Scenario:
    seed: int
    sizes: tuple[int, ...]
    interval_ms: int
    asks: tuple[Ask, ...]
    outage: tuple[float, float] | None


def tenths(low: int, high: int) -> st.SearchStrategy[float]:
    """Times on a 0.1 s grid."""
    return st.integers(low, high).map(lambda n: n / 10)


# Sizes up to 1.5 MB (1.5 s on the default link), some of a few bytes; odd ones too.
SIZES = st.one_of(
    st.builds(lambda k, r: k * 10_000 + r, st.integers(1, 150), st.integers(0, 999)),
    st.integers(1, 2_000),
)


@st.composite
def asks(draw: st.DrawFn, sizes: tuple[int, ...]) -> Ask:
    """A range inside its file (a share of it, so that big files get big ranges), to its end
    (BG_LENGTH_TO_EOF), the whole file, or anything near the file's size (maybe empty or
    past the end)."""
    file = draw(st.integers(0, len(sizes) - 1))
    size = sizes[file]
    kind = draw(st.sampled_from(["inside", "to_eof", "whole", "any"]))
    if kind == "whole":
        offset, length = 0, draw(st.sampled_from([size, EOF]))
    elif kind == "any":
        offset = draw(st.integers(0, size + 10))
        length = draw(st.one_of(st.integers(0, size + 10), st.just(EOF)))
    else:
        offset = min(size * draw(st.integers(0, 99)) // 100 + draw(st.integers(0, 3)), size - 1)
        room = size - offset
        length = EOF if kind == "to_eof" else max(1, room * draw(st.integers(1, 100)) // 100)
    time = draw(st.one_of(st.none(), tenths(0, 40)))
    return Ask(time, file, offset, length)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    sizes = tuple(draw(st.lists(SIZES, min_size=1, max_size=3)))
    outage = draw(st.one_of(st.none(), st.tuples(tenths(0, 30), tenths(1, 20))))
    return Scenario(
        seed=draw(st.integers(0, 2)),
        sizes=sizes,
        interval_ms=draw(st.one_of(st.sampled_from([0, 100, 500]), st.integers(0, 1_500))),
        asks=tuple(draw(st.lists(asks(sizes), max_size=8))),
        outage=outage,
    )


@dataclass
class Run:
    sim: bl.Simulation
    job: bl.Job
    recorder: bl.RecordingNotifier
    accepted: list[RangeSet]  # per file, the union of the accepted requests (half-open)
    rejected: list[tuple[Ask, int]]  # with the HRESULT of the BitsError


def span_of(ask: Ask, size: int) -> tuple[int, int]:
    end = size if ask.length == EOF else ask.offset + ask.length
    return ask.offset, end


def run(scenario: Scenario) -> Run:
    sim = bl.Simulation(seed=scenario.seed)
    recorder = bl.RecordingNotifier()
    job = sim.create_job("od")
    files = [
        job.add_file(f"https://example.test/f{i}.bin", f"f{i}.bin", size)
        for i, size in enumerate(scenario.sizes)
    ]
    job.set_property(bl.JobProperty.ON_DEMAND_MODE, True)
    job.set_property(bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, scenario.interval_ms)
    job.set_notify_flags(FLAGS)
    job.set_notify_interface(recorder)
    if scenario.outage is not None:
        sim.network.outage(*scenario.outage)
    accepted = [RangeSet() for _ in files]
    rejected: list[tuple[Ask, int]] = []

    def request(ask: Ask) -> None:
        try:
            files[ask.file].request_ranges([(ask.offset, ask.length)])
        except bl.BitsError as error:
            rejected.append((ask, error.hresult))
        else:
            accepted[ask.file].add(*span_of(ask, scenario.sizes[ask.file]))

    def later(ask: Ask) -> None:
        request(ask)
        job.resume()  # R5: request_ranges does not resume; the app does

    for ask in scenario.asks:
        if ask.time is None:
            request(ask)
    job.resume()
    for ask in scenario.asks:
        if ask.time is not None:
            sim.call_at(ask.time, later, ask)
    sim.run()
    return Run(sim, job, recorder, accepted, rejected)


# -- the checks ----------------------------------------------------------------------------------


@PROFILE
@given(scenarios())
def test_r2_r3_r5_filled_ranges_are_exactly_the_accepted_requests(scenario: Scenario) -> None:
    """R2, R3, R5: BITS rejects exactly the ranges that are empty or reach past the end; every
    accepted byte, and no other, is present at the end; nothing stays outstanding."""
    result = run(scenario)
    assert {hresult for _, hresult in result.rejected} <= {bl.BG_E_INVALID_RANGE}
    rejected = [ask for ask, _ in result.rejected]
    for ask in scenario.asks:
        start, end = span_of(ask, scenario.sizes[ask.file])
        valid = start < end <= scenario.sizes[ask.file]
        assert (ask in rejected) == (not valid), ask
    for file, wanted in zip(result.job.files, result.accepted, strict=True):
        assert file.filled_ranges() == wanted.pairs(), file.local_name
        assert file.outstanding_ranges() == [], file.local_name
        assert file.progress.bytes_transferred == wanted.total, file.local_name


@PROFILE
@given(scenarios())
def test_r4_range_reports_add_up_to_the_bytes_transferred_once_each(scenario: Scenario) -> None:
    """R3, R4: per file, the reported ranges hold no byte twice, add up to the bytes
    transferred and cover exactly the filled ranges; every report was delivered, each
    sorted, merged and non-empty."""
    result = run(scenario)
    by_file: dict[bl.File, list[tuple[int, int]]] = {f: [] for f in result.job.files}
    for call in result.recorder.calls:
        if call.method != REPORT:
            continue
        assert call.file is not None
        assert call.ranges
        spans = [(offset, offset + length) for offset, length in call.ranges]
        assert all(start < end for start, end in spans), call
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans)), call  # sorted, merged
        by_file[call.file] += call.ranges
    for file, pairs in by_file.items():
        union = RangeSet((offset, offset + length) for offset, length in pairs)
        assert union.total == sum(length for _, length in pairs), file.local_name  # no twice
        assert union.total == file.progress.bytes_transferred, file.local_name
        assert union.pairs() == file.filled_ranges(), file.local_name
    for entry in result.sim.log.entries(method=REPORT):
        assert (entry.outcome, entry.final) == ("delivered", True), str(entry)


@PROFILE
@given(scenarios())
def test_r5_the_job_ends_transferred_exactly_when_every_file_is_whole(
    scenario: Scenario,
) -> None:
    """R5, C4: TRANSFERRED (rule R5) when every file is whole, else SUSPENDED (rule R5); a
    whole file is transferred and notified once, and files_transferred counts whole files."""
    result = run(scenario)
    job = result.job
    whole = [f.filled_ranges() == [(0, f.size)] for f in job.files]
    assert job.state is (S.TRANSFERRED if all(whole) else S.SUSPENDED)
    assert job.history[-1].rule == "R5"
    assert [f.transferred for f in job.files] == whole
    assert job.progress.files_transferred == sum(whole)
    notified = [c.file for c in result.recorder.calls if c.method == "file_transferred"]
    assert sorted(job.files.index(f) for f in notified if f is not None) == [
        i for i, w in enumerate(whole) if w
    ]
    assert len(notified) == sum(whole)


@settings(PROFILE, max_examples=100)
@given(scenarios())
def test_d1_same_seed_and_requests_give_the_same_log(scenario: Scenario) -> None:
    """D1, R4: the log (ranges included) and the history are functions of the inputs."""
    first, second = run(scenario), run(scenario)
    assert log_rows(first.sim) == log_rows(second.sim)
    assert first.job.history == second.job.history
