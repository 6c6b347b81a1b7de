"""Bad arguments: each is rejected with an error naming the argument, and changes nothing.

Wrong types raise TypeError, bad values ValueError; a URL that BITS itself rejects raises
bl.InvalidArgumentError, which is both a BitsError (E_INVALIDARG) and a ValueError. Every
test checks that the rejected call left the simulation, job or network as it was.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from support import make_job, snapshot, steps

import bitslab as bl

S = bl.JobState
SIZE = 1_000_000
URL = "https://example.test/a.bin"  # the one file of make_job(name="job", url=URL)
NAN = math.nan

#: The history of a lone 1,000,000-byte job resumed at 0 on the default link.
UNDISTURBED = [
    (0.0, None, S.SUSPENDED, "L1"),
    (0.0, S.SUSPENDED, S.QUEUED, "L2"),
    (0.0, S.QUEUED, S.CONNECTING, "L3"),
    (0.05, S.CONNECTING, S.TRANSFERRING, "L3"),
    (1.05, S.TRANSFERRING, S.TRANSFERRED, "L3"),
]


def named(argument: str) -> str:
    """A pattern for a message that names ``argument`` as a word."""
    return rf"\b{re.escape(argument)}\b"


# -- Simulation(...) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "error", "argument"),
    [
        ({"seed": "0"}, TypeError, "seed"),
        ({"seed": 1.5}, TypeError, "seed"),
        ({"seed": True}, TypeError, "seed"),
        ({"bandwidth": "fast"}, TypeError, "bandwidth"),
        ({"bandwidth": -1}, ValueError, "bandwidth"),
        ({"bandwidth": 0}, ValueError, "bandwidth"),
        ({"bandwidth": NAN}, ValueError, "bandwidth"),
        ({"bandwidth": math.inf}, ValueError, "bandwidth"),
        ({"bandwidth": True}, TypeError, "bandwidth"),
        ({"latency": -0.1}, ValueError, "latency"),
        ({"latency": True}, TypeError, "latency"),
        ({"latency": "0.05"}, TypeError, "latency"),
        ({"latency": NAN}, ValueError, "latency"),
        ({"time_slice": 0}, ValueError, "time_slice"),
        ({"time_slice": -10}, ValueError, "time_slice"),
        ({"time_slice": NAN}, ValueError, "time_slice"),
        ({"time_slice": "10"}, TypeError, "time_slice"),
        ({"trickle": -0.01}, ValueError, "trickle"),
        ({"trickle": 1.5}, ValueError, "trickle"),
        ({"trickle": NAN}, ValueError, "trickle"),
        ({"trickle": False}, TypeError, "trickle"),
        ({"max_files_per_job": 0}, ValueError, "max_files_per_job"),
        ({"max_files_per_job": -1}, ValueError, "max_files_per_job"),
        ({"max_files_per_job": 2.0}, TypeError, "max_files_per_job"),
        ({"max_files_per_job": "200"}, TypeError, "max_files_per_job"),
        ({"max_files_per_job": True}, TypeError, "max_files_per_job"),
        ({"max_files_per_job": None}, TypeError, "max_files_per_job"),
    ],
    ids=lambda value: repr(value) if isinstance(value, dict) else None,
)
def test_simulation_rejects_bad_parameter_naming_it(
    params: dict[str, Any], error: type[Exception], argument: str
) -> None:
    """Simulation(...) rejects a wrong type or value with an error naming the parameter."""
    with pytest.raises(error, match=named(argument)):
        bl.Simulation(**params)


@pytest.mark.parametrize("trickle", [1.0, 1])
def test_s5_simulation_rejects_a_trickle_of_the_whole_link_naming_it(trickle: float) -> None:
    """S5: foreground jobs need some of the link, so the background trickle must be below 1."""
    with pytest.raises(ValueError, match=named("trickle")):
        bl.Simulation(trickle=trickle)


def test_s5_simulation_accepts_a_trickle_just_below_the_whole_link() -> None:
    """S5: trickle=0.99 is valid: the background job keeps 99%, a foreground job gets the rest."""
    sim = bl.Simulation(seed=0, trickle=0.99)
    jobs = []
    for name, priority in [("fg", bl.JobPriority.FOREGROUND), ("bg", bl.JobPriority.NORMAL)]:
        job = sim.create_job(name, priority=priority)
        job.add_file(f"https://example.test/{name}.bin", f"{name}.bin", 2 * SIZE)
        job.resume()
        jobs.append(job)
    seen: dict[float, list[int]] = {}

    def sample() -> None:
        seen[sim.now] = [job.progress.bytes_transferred for job in jobs]

    for t in (0.5, 1.5):
        sim.call_at(t, sample)
    sim.run(until=2.0)

    rates = [after - before for before, after in zip(seen[0.5], seen[1.5], strict=True)]
    assert rates == [pytest.approx(0.01 * SIZE, abs=1), pytest.approx(0.99 * SIZE, abs=1)]


# -- sim.create_job ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "argument"),
    [
        ((5,), {}, TypeError, "name"),
        ((None,), {}, TypeError, "name"),
        (("",), {}, ValueError, "name"),
        (("job",), {"priority": 7}, ValueError, "priority"),
        (("job",), {"priority": -1}, ValueError, "priority"),
        (("job",), {"priority": "HIGH"}, TypeError, "priority"),
        (("job",), {"priority": True}, TypeError, "priority"),
        (("job",), {"type": 9}, ValueError, "type"),
        (("job",), {"type": "DOWNLOAD"}, TypeError, "type"),
        (("job",), {"type": 1.0}, TypeError, "type"),
    ],
)
def test_create_job_rejects_bad_argument_and_creates_nothing(
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    error: type[Exception],
    argument: str,
    sim: bl.Simulation,
) -> None:
    """create_job rejects a bad name, priority or type, adds no job and draws no randomness."""
    rng_state = sim.rng.getstate()
    with pytest.raises(error, match=named(argument)):
        sim.create_job(*args, **kwargs)
    assert sim.jobs == []
    assert sim.rng.getstate() == rng_state


def test_unknown_priority_message_lists_the_choices() -> None:
    """An unknown priority int is a ValueError that names the argument and the valid values."""
    with pytest.raises(ValueError, match=r"priority must be one of JobPriority.*got 7"):
        bl.Simulation().create_job("job", priority=7)


# -- job.add_file --------------------------------------------------------------------------


@pytest.fixture
def transferred_job() -> bl.Job:
    """A TRANSFERRED job: a valid add_file would queue it again, so any change would show."""
    job = make_job(name="job", url=URL)
    job.resume()
    job.sim.run()
    assert job.state is S.TRANSFERRED
    return job


@pytest.mark.parametrize(
    ("url", "local_name", "size", "error", "pattern"),
    [
        ("https://example.test/b", "b", -1, ValueError, named("size")),
        (
            "https://example.test/b",
            "b",
            "10",
            TypeError,
            re.escape("size must be an int, got str '10'"),
        ),
        ("https://example.test/b", "b", 10.0, TypeError, named("size")),
        ("https://example.test/b", "b", 1.5, TypeError, named("size")),
        ("https://example.test/b", "b", True, TypeError, named("size")),
        ("https://example.test/b", "b", None, TypeError, named("size")),
        ("", "b", 10, ValueError, named("remote_url")),
        (5, "b", 10, TypeError, named("remote_url")),
        (b"https://example.test/b", "b", 10, TypeError, named("remote_url")),
        ("https://example.test/b", "", 10, ValueError, named("local_name")),
        ("https://example.test/b", None, 10, TypeError, named("local_name")),
    ],
)
def test_add_file_rejects_bad_argument_and_changes_nothing(
    transferred_job: bl.Job,
    url: Any,
    local_name: Any,
    size: Any,
    error: type[Exception],
    pattern: str,
) -> None:
    """add_file rejects a bad URL, local name or size naming it; the job is not re-queued."""
    job = transferred_job
    before = snapshot(job)
    with pytest.raises(error, match=pattern):
        job.add_file(url, local_name, size)
    assert snapshot(job) == before
    job.sim.run(until=job.sim.now + 100.0)
    assert snapshot(job) == before


@pytest.mark.parametrize(
    "url", ["ftp://example.test/b", "example.test/b", "C:\\data\\b.bin", "http:/example.test/b"]
)
def test_add_file_rejects_unsupported_scheme_with_e_invalidarg(
    transferred_job: bl.Job, url: str
) -> None:
    """A URL that is not http(s), file or UNC fails with E_INVALIDARG, also a ValueError."""
    job = transferred_job
    before = snapshot(job)
    with pytest.raises(bl.InvalidArgumentError, match=named("remote_url")) as info:
        job.add_file(url, "b.bin", 10)
    assert isinstance(info.value, bl.BitsError)
    assert isinstance(info.value, ValueError)
    assert info.value.hresult == bl.E_INVALIDARG
    assert info.value.name == "E_INVALIDARG"
    with pytest.raises(ValueError, match=named("remote_url")):
        job.add_file(url, "b.bin", 10)
    assert snapshot(job) == before


@pytest.mark.parametrize(
    "url",
    [
        "http://example.test/b",
        "https://example.test/b",
        "HTTPS://EXAMPLE.TEST/b",
        "file:///srv/b.bin",
        "\\\\server\\share\\b.bin",
    ],
)
def test_add_file_accepts_http_https_file_and_unc_urls(url: str) -> None:
    """The schemes BITS supports are accepted (the other side of E_INVALIDARG)."""
    job = bl.Simulation().create_job("job")
    file = job.add_file(url, "b.bin", 0)
    assert job.files == [file]
    assert file.remote_name == url


def test_add_file_second_file_of_upload_job_fails_with_too_many_files() -> None:
    """An upload job holds one file; a second fails with BG_E_TOO_MANY_FILES, changing nothing."""
    job = bl.Simulation().create_job("up", type=bl.JobType.UPLOAD)
    job.add_file("https://example.test/up", "up.bin", 10)
    before = snapshot(job)
    with pytest.raises(bl.BitsError, match="one file") as info:
        job.add_file("https://example.test/up2", "up2.bin", 10)
    assert info.value.hresult == bl.BG_E_TOO_MANY_FILES
    assert snapshot(job) == before


def test_l16_a_job_holds_at_most_200_files_by_default() -> None:
    """L16: the MaxFilesPerJob policy: "Limits the number of files that a BITS job can
    contain" (BITS group policies), 200 by default; the 201st add_file fails with
    BG_E_TOO_MANY_FILES_IN_JOB and adds nothing."""
    sim = bl.Simulation()
    assert sim.max_files_per_job == 200
    job = make_job(sim, files=200, size=1)
    before = snapshot(job)
    with pytest.raises(bl.BitsError, match=r"200 files.*max_files_per_job is 200 \(L16\)") as info:
        job.add_file("https://example.test/one-more", "one-more", 1)
    assert (info.value.hresult, info.value.rule) == (bl.BG_E_TOO_MANY_FILES_IN_JOB, "L16")
    assert info.value.hresult == 0x80200051
    assert snapshot(job) == before
    assert len(job.files) == 200


def test_l16_max_files_per_job_sets_the_limit_for_every_job() -> None:
    """L16: Simulation(max_files_per_job=n), as the MaxFilesPerJob policy sets it, holds
    each job to n files; a refused add_file changes nothing and the job still runs."""
    sim = bl.Simulation(max_files_per_job=2)
    first, second = make_job(sim, files=2), make_job(sim, files=1)
    second.add_file("https://example.test/b2", "b2", 10)  # each job has its own two
    for job in (first, second):
        with pytest.raises(bl.BitsError) as info:
            job.add_file("https://example.test/extra", "extra", 10)
        assert info.value.hresult == bl.BG_E_TOO_MANY_FILES_IN_JOB
    first.resume()
    sim.run()
    assert first.progress.files_transferred == first.progress.files_total == 2
    assert [f.local_name for f in first.files] == ["f0.bin", "f1.bin"]


def test_l16_add_file_accepts_a_relative_local_name(sim: bl.Simulation) -> None:
    """L16 (model choice): BITS refuses a local name that is not a full path with E_INVALIDARG
    (AddFile); bitslab writes no files and accepts a relative one."""
    job = sim.create_job("j")
    assert job.add_file("https://example.test/a", "a.cab", 1).local_name == "a.cab"


# -- job setters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "value", "error"),
    [
        ("priority", 9, ValueError),
        ("priority", -1, ValueError),
        ("priority", "x", TypeError),
        ("priority", "HIGH", TypeError),
        ("priority", None, TypeError),
        ("priority", 1.0, TypeError),
        ("minimum_retry_delay", -1, ValueError),
        ("minimum_retry_delay", "10", TypeError),
        ("minimum_retry_delay", NAN, ValueError),
        ("minimum_retry_delay", math.inf, ValueError),
        ("minimum_retry_delay", True, TypeError),
        ("no_progress_timeout", -1, ValueError),
        ("no_progress_timeout", "10", TypeError),
        ("no_progress_timeout", NAN, ValueError),
        ("no_progress_timeout", None, TypeError),
    ],
)
def test_job_setter_rejects_bad_value_and_changes_nothing(
    attribute: str, value: Any, error: type[Exception]
) -> None:
    """priority, minimum_retry_delay and no_progress_timeout reject bad values, naming them."""
    job = make_job(name="job", url=URL)
    job.minimum_retry_delay = 30
    job.sim.network.fail(job.files[0].remote_name, 503, duration=1.0)
    job.resume()
    job.sim.run(until=1.0)
    assert job.state is S.TRANSIENT_ERROR
    before = snapshot(job)
    with pytest.raises(error, match=named(attribute)):
        setattr(job, attribute, value)
    assert snapshot(job) == before
    job.sim.run()  # the retry still comes 30 s after the error, and the job finishes
    assert steps(job)[4:6] == [
        (30.05, S.TRANSIENT_ERROR, S.QUEUED, "L5"),
        (30.05, S.QUEUED, S.CONNECTING, "L3"),
    ]
    assert job.state is S.TRANSFERRED


# -- job.set_property / get_property -----------------------------------------------------------


@pytest.mark.parametrize(
    ("prop", "value", "error", "argument"),
    [
        ("ON_DEMAND_MODE", True, TypeError, "prop"),
        (None, True, TypeError, "prop"),
        (99, True, ValueError, "prop"),
        (bl.JobProperty.ON_DEMAND_MODE, 1, TypeError, "ON_DEMAND_MODE"),
        (bl.JobProperty.ON_DEMAND_MODE, "yes", TypeError, "ON_DEMAND_MODE"),
        (bl.JobProperty.ON_DEMAND_MODE, None, TypeError, "ON_DEMAND_MODE"),
        (bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, "500", TypeError, "value"),
        (bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, 1.5, TypeError, "value"),
        (bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, True, TypeError, "value"),
        (bl.JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, -1, ValueError, "value"),
    ],
)
def test_set_property_rejects_wrong_types_and_changes_nothing(
    prop: Any, value: Any, error: type[Exception], argument: str
) -> None:
    """set_property rejects an unknown property or a value of the wrong type, naming it."""
    job = make_job(name="job", url=URL)
    before = snapshot(job)
    with pytest.raises(error, match=named(argument)):
        job.set_property(prop, value)
    assert snapshot(job) == before


@pytest.mark.parametrize(("prop", "error"), [("ON_DEMAND_MODE", TypeError), (99, ValueError)])
def test_get_property_rejects_unknown_property(prop: Any, error: type[Exception]) -> None:
    """get_property names the bad property argument."""
    with pytest.raises(error, match=named("prop")):
        make_job(name="job", url=URL).get_property(prop)


# -- sim.run -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("until", "error"),
    [
        (-1, ValueError),
        ("5", TypeError),
        (NAN, ValueError),
        (math.inf, ValueError),
        (True, TypeError),
    ],
)
def test_run_rejects_bad_until_and_does_not_advance(until: Any, error: type[Exception]) -> None:
    """sim.run(until=...) rejects a negative, non-finite or non-number time, naming until."""
    job = make_job(name="job", url=URL)
    job.resume()
    with pytest.raises(error, match=named("until")):
        job.sim.run(until=until)
    assert job.sim.now == 0.0
    assert job.state is S.QUEUED
    job.sim.run()
    assert steps(job) == UNDISTURBED


def test_run_cannot_go_backwards_after_advancing() -> None:
    """sim.run(until=t) with t before now is a ValueError naming until; now stays put."""
    job = make_job(name="job", url=URL)
    job.resume()
    job.sim.run(until=0.5)
    progress = job.progress
    with pytest.raises(ValueError, match=r"until=0\.3 is before the current time 0\.5"):
        job.sim.run(until=0.3)
    assert job.sim.now == 0.5
    assert job.progress == progress
    job.sim.run(until=0.5)  # running to now itself is allowed and does nothing
    assert job.sim.now == 0.5
    job.sim.run()
    assert steps(job) == UNDISTURBED


# -- sim.call_at -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time", "fn", "error", "argument"),
    [
        (4.0, "callable", ValueError, "time"),
        (-1.0, "callable", ValueError, "time"),
        ("6", "callable", TypeError, "time"),
        (NAN, "callable", ValueError, "time"),
        (6.0, "not callable", TypeError, "fn"),
        (6.0, None, TypeError, "fn"),
    ],
)
def test_call_at_rejects_past_time_or_non_callable_and_schedules_nothing(
    time: Any, fn: Any, error: type[Exception], argument: str
) -> None:
    """call_at rejects a time in the past or a non-callable; nothing is ever called."""
    sim = bl.Simulation()
    sim.run(until=5.0)
    calls: list[float] = []
    target = (lambda: calls.append(sim.now)) if fn == "callable" else fn
    with pytest.raises(error, match=named(argument)):
        sim.call_at(time, target)
    sim.run()  # nothing is pending, so run-until-quiet returns at once
    assert sim.now == 5.0
    sim.run(until=100.0)
    assert calls == []


# -- sim.network ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "error", "argument"),
    [
        ("fail", (URL, 200), {}, ValueError, "status"),
        ("fail", (URL, 399), {}, ValueError, "status"),
        ("fail", (URL, 600), {}, ValueError, "status"),
        ("fail", (URL, "404"), {}, TypeError, "status"),
        ("fail", (URL, 404.0), {}, TypeError, "status"),
        ("fail", (URL, True), {}, TypeError, "status"),
        ("fail", ("", 404), {}, ValueError, "url"),
        ("fail", (None, 404), {}, TypeError, "url"),
        ("fail", (URL, 404), {"start": -1.0}, ValueError, "start"),
        ("fail", (URL, 404), {"start": "0"}, TypeError, "start"),
        ("fail", (URL, 503), {"duration": -1.0}, ValueError, "duration"),
        ("fail", (URL, 503), {"duration": 0}, ValueError, "duration"),
        ("fail", (URL, 503), {"duration": NAN}, ValueError, "duration"),
        ("outage", (0.0, -5.0), {}, ValueError, "duration"),
        ("outage", (0.0, 0.0), {}, ValueError, "duration"),
        ("outage", (0.0, None), {}, TypeError, "duration"),
        ("outage", (0.0, NAN), {}, ValueError, "duration"),
        ("outage", ("0", 5.0), {}, TypeError, "start"),
        ("outage", (-1.0, 5.0), {}, ValueError, "start"),
        ("traffic", (0.0, 10.0, "fast"), {}, TypeError, "bandwidth"),
        ("traffic", (0.0, 10.0, -1.0), {}, ValueError, "bandwidth"),
        ("traffic", (0.0, 10.0, 0), {}, ValueError, "bandwidth"),
        ("traffic", (0.0, -10.0, 500_000), {}, ValueError, "duration"),
        ("traffic", (None, 10.0, 500_000), {}, TypeError, "start"),
    ],
)
def test_network_rejects_bad_arguments_and_the_world_stays_undisturbed(
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    error: type[Exception],
    argument: str,
) -> None:
    """network.outage/fail/traffic reject bad values naming them; the job runs undisturbed."""
    job = make_job(name="job", url=URL)
    network = job.sim.network
    with pytest.raises(error, match=named(argument)):
        getattr(network, method)(*args, **kwargs)
    job.resume()
    job.sim.run()
    assert steps(job) == UNDISTURBED


@pytest.mark.parametrize(
    ("method", "args"),
    [("outage", (1.0, 2.0)), ("fail", (URL, 503, 1.0, 2.0)), ("traffic", (1.0, 2.0, 500_000))],
)
def test_network_rejects_an_interval_that_is_already_over(
    method: str, args: tuple[Any, ...]
) -> None:
    """An outage, failure or traffic interval that ended before now is a ValueError."""
    job = make_job(name="job", url=URL)
    job.sim.run(until=5.0)
    network = job.sim.network
    with pytest.raises(ValueError, match=r"start=1\.0, duration=2\.0 ends at 3, before"):
        getattr(network, method)(*args)
    job.resume()
    job.sim.run()
    shifted = [(round(t - 5.0, 6), old, new, rule) for t, old, new, rule in steps(job)[1:]]
    assert shifted == UNDISTURBED[1:]  # the same run as at t=0, five seconds later


def _refusals() -> list[tuple[str, Any]]:
    """One refused call per rule that says "fails with": (the rule, a call that breaks it)."""

    def new_job(*, files: bool = True, final: str | None = None) -> bl.Job:
        sim = bl.Simulation()
        job = sim.create_job("j")
        if files:
            job.add_file("https://example.test/a", "a", size=10)
        if final == "cancel":
            job.cancel()
        return job

    return [
        ("F3", lambda: new_job().set_notify_flags(0x40)),
        ("F4", lambda: new_job(final="cancel").set_notify_flags(0x3)),
        ("I3", lambda: new_job(final="cancel").set_notify_interface(None)),
        ("K1", lambda: new_job().set_notify_cmdline("notify.exe", "notify.exe")),
        ("K7", lambda: new_job(final="cancel").set_notify_cmdline(None, None)),
        ("L2", lambda: new_job(files=False).resume()),
        ("L13", lambda: new_job().get_error()),
        (
            "L16",
            lambda: (
                bl.Simulation(max_files_per_job=1)
                .create_job("j")
                .add_file("https://example.test/a", "a", 1)
                .job.add_file("https://example.test/b", "b", 1)
            ),
        ),
        ("R1", lambda: new_job().files[0].request_ranges([(0, 1)])),
    ]


@pytest.mark.parametrize(("rule", "call"), _refusals(), ids=[r for r, _ in _refusals()])
def test_a_refusal_names_its_rule_as_bits_error_rule(rule: str, call: Any) -> None:
    with pytest.raises(bl.BitsError) as caught:
        call()
    assert caught.value.rule == rule
    assert f"({rule})" in str(caught.value)
