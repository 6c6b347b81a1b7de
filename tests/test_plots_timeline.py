"""bitslab.plots.timeline: the bands, marks, shades, legend, axes and title it draws, read
back from the matplotlib artists.

What these tests share (how the expected values are worked out, what is observed) is
said once in ``plots_support.py``.
"""

from __future__ import annotations

from collections import Counter

import plots_support
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from plots_support import Drawn, legend_texts, notifications_of, offsets_of, only_axes, with_gid

import bitslab as bl
from bitslab import plots
from bitslab.scenarios import media_player
from bitslab.timeline import METHODS

# The shared fixtures these tests use (pytest finds them by these names).
draw = plots_support.draw
flaky = plots_support.flaky
story = plots_support.story
stranded = plots_support.stranded

ARRIVING = {"delivered", "cmdline"}
WHITE = to_rgba("white")


def _data_lines(ax: Axes) -> list[Line2D]:
    """Lines drawn in data coordinates (not the lane separators, which span the axes, nor
    the rows of markers, which have no line)."""
    return [
        line
        for line in ax.get_lines()
        if (line.get_transform() is ax.transData and line.get_linestyle() != "None")
        or line.get_marker() == "|"
    ]


def _face(marks: Line2D) -> tuple[float, ...]:
    return tuple(to_rgba(marks.get_markerfacecolor()))


def _edge(marks: Line2D) -> tuple[float, ...]:
    return tuple(to_rgba(marks.get_markeredgecolor()))


def _x_ranges(collection: PolyCollection) -> list[tuple[float, float]]:
    ranges = []
    for path in collection.get_paths():
        xs = path.vertices[:, 0]
        ranges.append((float(xs.min()), float(xs.max())))
    return ranges


def _flat(pairs: list[tuple[float, float]]) -> list[float]:
    return [value for pair in pairs for value in pair]


def _y_range(collection: PolyCollection) -> tuple[float, float]:
    ys = [y for path in collection.get_paths() for y in path.vertices[:, 1]]
    return float(min(ys)), float(max(ys))


def _how(outcome: str | None) -> str:
    return "pending" if outcome is None else "arrived" if outcome in ARRIVING else "lost"


def _history_bands(job: bl.Job, now: float) -> list[tuple[str, float, float]]:
    """(state name, start, end) from ``job.history``: each state lasts until the next change."""
    history = job.history
    ends = [change.time for change in history[1:]] + [now]
    return [(c.new.name, c.time, end) for c, end in zip(history, ends, strict=True)]


def _visible_states(sim: bl.Simulation) -> set[str]:
    """States worth a legend entry: held for some time, or the state a job is in now."""
    seen = set()
    for job in sim.jobs:
        bands = _history_bands(job, sim.now)
        seen |= {state for state, start, end in bands if end > start}
        seen.add(bands[-1][0])
    return seen


# -- timeline: bands --------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["story", "stranded", "flaky", "media"])
def test_bands_cover_each_jobs_states_in_its_lane(
    which: str, request: pytest.FixtureRequest, draw: Drawn
) -> None:
    """Every state held for some time is a band at its x range; the last runs to the edge."""
    sim = media_player() if which == "media" else request.getfixturevalue(which)
    figure = draw.timeline(sim)
    ax = only_axes(figure)
    right = ax.get_xlim()[1]
    assert right > sim.now
    expected: dict[str, list[tuple[float, float]]] = {}
    for job in sim.jobs:
        bands = _history_bands(job, sim.now)
        for index, (state, start, end) in enumerate(bands):
            if index == len(bands) - 1:
                end = right  # the state the job is in now runs off to the right edge
            elif end <= start:
                continue  # a state left at once has no width to draw
            expected.setdefault(f"band {job.name} {state}", []).append((start, end))
    drawn = with_gid(figure, "band ")
    assert sorted(drawn) == sorted(expected)
    for gid, collections in drawn.items():
        assert all(isinstance(c, PolyCollection) for c in collections)
        ranges = sorted(r for c in collections for r in _x_ranges(c))
        assert _flat(ranges) == pytest.approx(_flat(sorted(expected[gid])))
    for lane, job in enumerate(sim.jobs):
        for gid, collections in drawn.items():
            if gid.split()[1] == job.name:
                for collection in collections:
                    low, high = _y_range(collection)
                    assert lane <= low < high <= lane + 1


def test_restart_story_nightly_transfers_from_connecting_to_the_last_file(
    story: bl.Simulation, draw: Drawn
) -> None:
    """The named band of the brief: TRANSFERRING from after the connection until TRANSFERRED."""
    nightly = story.jobs[0]
    figure = draw.timeline(story)
    (band,) = with_gid(figure, "band nightly TRANSFERRING")["band nightly TRANSFERRING"]
    started = next(c.time for c in nightly.history if c.new is bl.JobState.TRANSFERRING)
    done = next(c.time for c in nightly.history if c.new is bl.JobState.TRANSFERRED)
    assert _x_ranges(band) == [pytest.approx((started, done))]
    assert started == pytest.approx(0.05)  # connecting takes the latency
    assert done > 12.05  # 12 MB at 1 MB/s, slowed while the report (FOREGROUND) ran


# -- timeline: marks --------------------------------------------------------------------------


def test_arrived_file_marks_sit_at_their_raised_times_filled(
    story: bl.Simulation, draw: Drawn
) -> None:
    nightly = story.jobs[0]
    figure = draw.timeline(story)
    (marks,) = with_gid(figure, "marks nightly file_transferred arrived").values()
    (scatter,) = marks
    assert isinstance(scatter, Line2D)
    assert scatter.get_linestyle() == "None"  # markers only
    raised = sorted(
        e.raised
        for e in story.log.entries(nightly, method="file_transferred", final=True)
        if e.outcome in ARRIVING
    )
    assert len(raised) == len(nightly.files) == 3
    offsets = offsets_of(scatter)
    assert sorted(float(x) for x in offsets[:, 0]) == pytest.approx(raised)
    assert len({float(y) for y in offsets[:, 1]}) == 1  # one row
    assert 0.0 < float(offsets[0, 1]) < 1.0  # nightly's lane, the first
    face, edge = _face(scatter), _edge(scatter)
    assert face == pytest.approx(edge)
    assert face != pytest.approx(WHITE)
    assert edge == pytest.approx(to_rgba(plots.METHOD_STYLE["file_transferred"][1]))


def test_marks_not_arrived_are_hollow(
    story: bl.Simulation, stranded: bl.Simulation, draw: Drawn
) -> None:
    """report.pdf's file_transferred is filtered (F8): lost. Without re-registering, nightly's
    last notifications are pending. Both are drawn white inside, edged in the method's colour."""
    lost = with_gid(draw.timeline(story), "marks report file_transferred lost")
    pending = with_gid(draw.timeline(stranded), "marks nightly ")
    found = [
        *lost["marks report file_transferred lost"],
        *pending["marks nightly file_transferred pending"],
        *pending["marks nightly job_transferred pending"],
    ]
    for scatter in found:
        method = scatter.get_gid().split()[2]
        assert _face(scatter) == pytest.approx(WHITE)
        edge = to_rgba(plots.METHOD_STYLE[method][1])
        assert _edge(scatter) == pytest.approx(edge)
    (waiting,) = pending["marks nightly file_transferred pending"]
    expected = sorted(p.raised for p in stranded.log.pending() if p.method == "file_transferred")
    assert sorted(float(x) for x in offsets_of(waiting)[:, 0]) == pytest.approx(expected)


@pytest.mark.parametrize("which", ["story", "stranded", "flaky"])
def test_mark_groups_are_exactly_the_raised_notifications(
    which: str, request: pytest.FixtureRequest, draw: Drawn
) -> None:
    """One marker per raised notification, grouped by job, method and how it ended."""
    sim = request.getfixturevalue(which)
    expected: dict[str, list[float]] = {}
    for job, method, raised, outcome in notifications_of(sim):
        expected.setdefault(f"marks {job.name} {method} {_how(outcome)}", []).append(raised)
    drawn = with_gid(draw.timeline(sim), "marks ")
    assert sorted(drawn) == sorted(expected)
    for gid, (scatter,) in drawn.items():
        xs = sorted(float(x) for x in offsets_of(scatter)[:, 0])
        assert xs == pytest.approx(sorted(expected[gid]))


def test_late_and_pending_notifications_have_a_line_to_when_they_ended(
    story: bl.Simulation, stranded: bl.Simulation, draw: Drawn
) -> None:
    """A solid line from raised to arrival when late, a dotted one to now while pending."""

    def lines(sim: bl.Simulation) -> Counter[tuple[float, float, str]]:
        ax = only_axes(draw.timeline(sim))
        found: Counter[tuple[float, float, str]] = Counter()
        for line in _data_lines(ax):
            xs = line.get_xdata()
            if len(xs) >= 2 and xs[0] != xs[-1]:  # a tick at the arrival is one point
                found[(round(float(xs[0]), 6), round(float(xs[-1]), 6), line.get_linestyle())] += 1
        return found

    late = Counter(
        (round(e.raised, 6), round(e.time, 6), "-")
        for e in story.log
        if e.final and e.outcome in ARRIVING and e.time > e.raised
    )
    assert sum(late.values()) == 3  # fonts.cab, lang.cab, job_transferred: at the restart
    assert lines(story) == late
    pending = Counter(
        (round(p.raised, 6), round(stranded.now, 6), ":") for p in stranded.log.pending()
    )
    assert sum(pending.values()) == 3
    arrived_late = Counter(
        (round(e.raised, 6), round(e.time, 6), "-")
        for e in stranded.log
        if e.final and e.outcome in ARRIVING and e.time > e.raised
    )
    assert lines(stranded) == pending + arrived_late


def test_late_and_pending_lines_carry_a_gid(story: bl.Simulation, draw: Drawn) -> None:
    ax = only_axes(draw.timeline(story))
    data_lines = _data_lines(ax)
    assert len(data_lines) == 6  # the three late notifications: a line and a tick each
    assert all(line.get_gid() for line in data_lines)


def test_modifications_false_leaves_out_job_modification_only(
    flaky: bl.Simulation, draw: Drawn
) -> None:
    every = draw.timeline(flaky)
    fewer = draw.timeline(flaky, modifications=False)
    with_mods = with_gid(every, "marks ")
    without = with_gid(fewer, "marks ")
    assert any(" job_modification " in gid for gid in with_mods)
    assert sorted(without) == sorted(gid for gid in with_mods if " job_modification " not in gid)
    for gid, (scatter,) in without.items():
        (before,) = with_mods[gid]
        assert sorted(map(tuple, offsets_of(scatter)[:, :1])) == sorted(
            map(tuple, offsets_of(before)[:, :1])
        )
    assert "job_modification" in legend_texts(every)
    assert "job_modification" not in legend_texts(fewer)
    assert sorted(with_gid(fewer, "band ")) == sorted(with_gid(every, "band "))


# -- timeline: shades -------------------------------------------------------------------------


def test_i4_app_down_time_is_shaded_over_its_own_jobs_lanes_only_and_labelled(
    story: bl.Simulation, draw: Drawn
) -> None:
    """I4: the downloader's down time concerns nightly, whose notifier it owns; report has no
    application (its command line runs, K3), so its lane is not shaded. The shade says which
    application was down, on the lane and in the legend."""
    figure = draw.timeline(story)
    (shades,) = with_gid(figure, "shade app_down ").values()
    (shade,) = shades
    assert shade.get_gid() == "shade app_down app 'downloader' crashed"
    assert _x_ranges(shade) == [pytest.approx((6.0, 30.0))]
    assert _y_range(shade) == pytest.approx((0.0, 1.0))  # nightly's lane, the first
    (labels,) = with_gid(figure, "label app_down ").values()
    (label,) = labels
    assert label.get_label() == "app 'downloader' down (crashed)"
    ax = only_axes(figure)
    corners = ax.transData.inverted().transform(
        label.get_transform().transform(label.get_path().vertices)
    )
    assert 6.0 <= corners[:, 0].min() < corners[:, 0].max() < 30.0  # within the down time
    assert 0.0 < corners[:, 1].min() < corners[:, 1].max() < 1.0  # on nightly's lane
    assert "app 'downloader' down" in legend_texts(figure)


def test_i4_two_apps_each_shade_their_own_jobs_in_their_own_colour(
    draw: Drawn, sim: bl.Simulation
) -> None:
    """I4: two applications, each with its own job, crash at different times: each down time
    is shaded over its own job's lane, in a colour of its own, each named in the legend."""
    shades = {}
    for index, (name, crash) in enumerate((("alpha", 2.0), ("beta", 5.0))):
        app = sim.add_app(name)
        job = sim.create_job(f"job-{name}")
        job.add_file(f"https://srv.test/{name}.bin", f"{name}.bin", size=8_000_000)
        job.set_notify_flags(0x3)
        job.set_notify_interface(bl.RecordingNotifier(app=app))
        job.resume()
        sim.call_at(crash, app.crash)
        shades[name] = (index, crash)
    sim.run(until=20.0)
    figure = draw.timeline(sim)
    colours = set()
    for name, (lane, crash) in shades.items():
        (shade,) = with_gid(figure, f"shade app_down app '{name}' crashed")[
            f"shade app_down app '{name}' crashed"
        ]
        assert _y_range(shade) == pytest.approx((lane, lane + 1))
        assert _x_ranges(shade)[0][0] == pytest.approx(crash)
        colours.add(tuple(shade.get_facecolors()[0]))
        assert f"app {name!r} down" in legend_texts(figure)
    assert len(colours) == 2


def test_server_error_shades_only_the_lanes_of_matching_jobs(
    flaky: bl.Simulation, draw: Drawn
) -> None:
    figure = draw.timeline(flaky)
    lane = {job.name: index for index, job in enumerate(flaky.jobs)}
    errors = with_gid(figure, "shade server_error ")
    assert len(errors) == len(flaky.network.failures) == 2
    right = only_axes(figure).get_xlim()[1]
    for failure in flaky.network.failures:
        gid = f"shade server_error {failure.url} answers {failure.status}"
        (shade,) = errors[gid]
        (job,) = [j for j in flaky.jobs if any(f.remote_name == failure.url for f in j.files)]
        assert _y_range(shade) == pytest.approx((lane[job.name], lane[job.name] + 1))
        assert _x_ranges(shade) == [pytest.approx((failure.start, min(failure.end, right)))]
    (outage,) = with_gid(figure, "shade outage ").values()
    assert _x_ranges(outage[0]) == [pytest.approx((15.0, 25.0))]


# -- timeline: legend, axes, title ------------------------------------------------------------


@pytest.mark.parametrize("which", ["story", "stranded", "flaky", "media"])
def test_legend_lists_only_the_states_methods_and_spans_that_appear(
    which: str, request: pytest.FixtureRequest, draw: Drawn
) -> None:
    sim = media_player() if which == "media" else request.getfixturevalue(which)
    figure = draw.timeline(sim)
    texts = legend_texts(figure)
    states = {name for name in texts if name in bl.JobState.__members__}
    assert states == _visible_states(sim)
    methods = [name for name in texts if name in METHODS]
    raised = {method for _, method, _, _ in notifications_of(sim)}
    assert methods == [m for m in METHODS if m in raised]
    shading = {text for kind, (_, _, text) in plots.SHADE_STYLE.items() if kind != "app_down"}
    kinds = {gid.split()[1] for gid in with_gid(figure, "shade ")} - {"app_down"}
    assert {t for t in texts if t in shading} == {plots.SHADE_STYLE[k][2] for k in kinds}
    down = {gid.split("'")[1] for gid in with_gid(figure, "shade app_down ")}
    assert {t for t in texts if t.endswith(" down")} == {f"app {app!r} down" for app in down}


def test_restart_story_legend_leaves_out_states_never_held(
    story: bl.Simulation, draw: Drawn
) -> None:
    """nightly and report pass QUEUED at once: no band, no legend entry; no job_error raised."""
    texts = legend_texts(draw.timeline(story))
    assert "QUEUED" not in texts
    assert "job_error" not in texts
    assert {"TRANSFERRING", "TRANSFERRED", "ACKNOWLEDGED", "file_transferred"} <= set(texts)


def test_y_ticks_are_the_job_names_in_order_first_at_the_top(
    flaky: bl.Simulation, draw: Drawn
) -> None:
    ax = only_axes(draw.timeline(flaky))
    assert [t.get_text() for t in ax.get_yticklabels()] == [job.name for job in flaky.jobs]
    bottom, top = ax.get_ylim()
    assert bottom > top  # inverted: the first job at the top
    chosen = [flaky.jobs[3], flaky.jobs[0]]
    ax = only_axes(draw.timeline(flaky, chosen))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["catalog", "updates"]
    assert {gid.split()[1] for gid in with_gid(ax.figure, "band ")} == {"catalog", "updates"}


def test_x_axis_runs_from_zero_past_now_and_the_title_is_shown(
    story: bl.Simulation, draw: Drawn
) -> None:
    ax = only_axes(draw.timeline(story, title="The restart story"))
    low, high = ax.get_xlim()
    assert low == 0.0
    assert high > story.now
    assert ax.get_title(loc="left") == "The restart story"
    assert ax.get_xlabel() == "simulated time (s)"


def test_timeline_of_an_idle_job_renders(draw: Drawn, sim: bl.Simulation) -> None:
    """A job that never ran: one SUSPENDED band, no marks, a figure all the same."""
    sim.create_job("idle")
    sim.run()
    figure = draw.timeline(sim)
    assert sorted(with_gid(figure, "band ")) == ["band idle SUSPENDED"]
    assert with_gid(figure, "marks ") == {}


def test_timeline_of_an_empty_simulation_renders(draw: Drawn, sim: bl.Simulation) -> None:
    sim.run()
    figure = draw.timeline(sim)
    assert with_gid(figure, "band ") == {}
    assert with_gid(figure, "marks ") == {}
