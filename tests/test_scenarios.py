"""The ready scenarios that the CLI, the notebooks and the widgets share: what each tells.

Times follow from the scenario's numbers: the media player's link moves 2,000,000 bytes/s
and connecting takes 0.05 s, so 3 MB requested at t arrive by t + 0.05 + 1.5.
"""

from __future__ import annotations

import pytest

import bitslab as bl
from bitslab.model.ranges import RangeSet
from bitslab.scenarios import MediaPlayer, media_player, restart_story

MB = 1_000_000
S = bl.JobState


def _player(sim: bl.Simulation) -> MediaPlayer:
    player = sim.jobs[0].get_notify_interface()
    assert isinstance(player, MediaPlayer)
    return player


def _reported(player: MediaPlayer) -> list[tuple[int, int]]:
    return [
        r for c in player.calls if c.method == "file_ranges_transferred" for r in c.ranges or ()
    ]


def test_r5_media_player_suspends_after_each_served_request_and_keeps_the_film() -> None:
    """R5, R3, R2: open (3 MB), seek (4 MB), seek back (3 MB new), a bad request, keep."""
    sim = media_player()
    film = sim.jobs[0]
    suspended = [round(c.time, 6) for c in film.history if c.new is S.SUSPENDED and c.rule == "R5"]
    # open: 3 MB by 0.05 + 1.5; seek at 4: 4 MB by 4.05 + 2; back at 8: 3 MB by 8.05 + 1.5
    assert suspended == [1.55, 6.05, 9.55]
    results = [(a.time, a.result) for a in _player(sim).actions]
    assert results == [
        (0.0, "ok"),
        (4.0, "ok"),
        (8.0, "ok"),
        (10.0, "BG_E_INVALID_RANGE"),
        (12.0, "ok"),
    ]
    # keep at 12: the other 30 MB (40 - 3 - 4 - 3) by 12.05 + 15, then complete() (C10)
    assert [(round(c.time, 6), c.new) for c in film.history[-2:]] == [
        (27.05, S.TRANSFERRED),
        (27.05, S.ACKNOWLEDGED),
    ]
    assert film.files[0].filled_ranges() == [(0, 40 * MB)]


def test_r4_media_player_reports_exactly_the_requested_bytes_once_each() -> None:
    """R4, R3: the reports cover the three requests' bytes, none twice, none after mode off."""
    sim = media_player()
    player = _player(sim)
    reported = sorted(_reported(player))
    assert sum(length for _, length in reported) == 10 * MB  # 3 + 4 + 3, the overlap once
    merged = RangeSet((o, o + n) for o, n in reported).pairs()
    assert merged == [(0, 5 * MB), (30 * MB, 4 * MB), (39 * MB, MB)]
    last_report = max(c.time for c in player.calls if c.method == "file_ranges_transferred")
    assert last_report < 12.0  # on-demand mode went off at 12 s (F7)


def test_r4_media_player_interval_paces_the_reports() -> None:
    """C7, R4: a longer minimum notification interval means fewer, larger reports."""
    often = _player(media_player(interval_ms=250)).calls
    rarely = _player(media_player(interval_ms=2000)).calls
    count = [sum(c.method == "file_ranges_transferred" for c in calls) for calls in (often, rarely)]
    assert count[0] > count[1] >= 3  # at least one per served request (R4 flush)
    assert sum(n for _, n in _reported(_player(media_player(interval_ms=2000)))) == 10 * MB


def test_f7_media_player_without_on_demand_downloads_all_and_reports_no_range() -> None:
    """F7, R1: not on demand, every request fails and no range report is raised at all."""
    sim = media_player(on_demand=False)
    film = sim.jobs[0]
    results = {a.result for a in _player(sim).actions[:-1]}
    assert results == {"BG_E_RANDOM_ACCESS_NOT_SUPPORTED"}
    assert sim.log.entries(method="file_ranges_transferred") == []
    # 40 MB at 2 MB/s after 0.05 s of connecting
    transferred = next(c.time for c in film.history if c.new is S.TRANSFERRED)
    assert transferred == pytest.approx(20.05)
    assert film.state is S.ACKNOWLEDGED


def test_f8_media_player_without_the_range_flag_filters_the_reports() -> None:
    """F8: without FILE_RANGES_TRANSFERRED the reports are raised and logged as filtered."""
    sim = media_player(range_flag=False)
    finals = sim.log.entries(method="file_ranges_transferred", final=True)
    assert finals
    assert {(e.outcome, e.rule) for e in finals} == {("filtered", "F8")}
    assert _reported(_player(sim)) == []


def test_r5_media_player_that_never_keeps_ends_suspended_with_the_requests_only() -> None:
    """R5: without keep_at the job ends SUSPENDED, holding only the requested bytes."""
    sim = media_player(keep_at=None)
    film = sim.jobs[0]
    assert film.state is S.SUSPENDED
    assert film.files[0].filled_ranges() == [(0, 5 * MB), (30 * MB, 4 * MB), (39 * MB, MB)]
    assert film.progress.files_transferred == 0
    assert not any(c.method == "job_transferred" for c in _player(sim).calls)


def test_l4_media_player_outage_pauses_the_seek_and_loses_no_byte() -> None:
    """L4, R5: an outage during the seek: TRANSIENT_ERROR, then the rest of the range."""
    sim = media_player(outage=(5.0, 3.0), keep_at=None)
    film = sim.jobs[0]
    assert any(c.new is S.TRANSIENT_ERROR and c.rule == "L4" for c in film.history)
    assert film.files[0].filled_ranges() == [(0, 5 * MB), (30 * MB, 4 * MB), (39 * MB, MB)]
    assert sum(n for _, n in _reported(_player(sim))) == 10 * MB


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"size": 4 * MB}, ValueError, "size"),
        ({"size": "big"}, TypeError, "size"),
        ({"seek_to": 1.0}, ValueError, "seek_to"),
        ({"seek_to": -0.5}, ValueError, "seek_to"),
    ],
)
def test_media_player_rejects_bad_parameters(
    kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        media_player(**kwargs)  # type: ignore[arg-type]


def test_media_player_seek_near_the_end_asks_only_for_what_exists() -> None:
    """R2, R3: a seek to 95% of a 10 MB film asks for its last 500,000 bytes, not past the
    end; the index request at opening has fetched them already, so nothing new moves."""
    sim = media_player(size=10 * MB, seek_to=0.95, keep_at=None)
    seek = _player(sim).actions[1]
    assert (seek.what, seek.result) == (
        "seek to 95%: request 500,000 bytes from byte 9,500,000",
        "ok",
    )
    assert sim.jobs[0].files[0].filled_ranges() == [(0, 5 * MB), (9 * MB, MB)]


def test_media_player_is_deterministic() -> None:
    """Same seed, same log."""

    def fingerprint(sim: bl.Simulation) -> list[tuple[object, ...]]:
        return [(e.id, e.time, e.method, e.outcome, e.rule, e.ranges) for e in sim.log]

    assert fingerprint(media_player(seed=4)) == fingerprint(media_player(seed=4))


def test_f5_flags_tour_under_disable_delivers_nothing_of_any_kind() -> None:
    """F5: with DISABLE (and every other bit) nothing arrives; each kind ends disabled."""
    sim = bl.scenarios.flags_tour(flags=0x3F)
    finals = sim.log.entries(final=True)
    assert {e.method for e in finals} == {
        "job_transferred",
        "job_error",
        "job_modification",
        "file_transferred",
        "file_ranges_transferred",
    }
    assert {e.outcome for e in finals} <= {"disabled", "coalesced"}
    assert sim.jobs[0].get_notify_interface().calls == []  # type: ignore[union-attr]


def test_c1_c2_r5_flags_tour_jobs_end_as_their_stories_say() -> None:
    """C1, C2 (via L7), R5: tour TRANSFERRED, broken ERROR with a 404, ranges SUSPENDED."""
    sim = bl.scenarios.flags_tour()
    assert {job.name: job.state for job in sim.jobs} == {
        "tour": S.TRANSFERRED,
        "broken": S.ERROR,
        "ranges": S.SUSPENDED,
    }
    assert sim.jobs[1].get_error().name == "BG_E_HTTP_ERROR_404"
    assert sim.jobs[2].files[0].filled_ranges() == [(0, 500_000), (3_000_000, 500_000)]


@pytest.mark.parametrize(("second_at", "first", "second"), [(3.0, 1, 4), (100.0, 5, 1)])
def test_i1_two_apps_racing_the_last_caller_wins(second_at: float, first: int, second: int) -> None:
    """I1, I5: four 2 MB files finish at 2.05, 4.10, 6.15 and 8.20 s (1 MB/s, 0.05 s to
    connect each); the first app hears those before the second registers, the second the
    rest. Registering on the TRANSFERRED job at 100 s replays job_transferred to it (I5)."""
    sim = bl.scenarios.two_apps_racing(second_at=second_at)
    job = sim.jobs[0]
    by_app: dict[str, int] = {"first": 0, "second": 0}
    for entry in sim.log.entries(job, outcome="delivered"):
        assert entry.target is not None
        by_app["first" if "'first'" in entry.target else "second"] += 1
    assert by_app == {"first": first, "second": second}


def test_i1_two_apps_racing_first_wins_back_and_a_crash_leaves_calls_pending() -> None:
    """I1, I4, C5: the first app registers again at 5 s and gets the rest; if instead the
    second app crashes at 5 s, the later calls fail (app_down) and stay pending."""
    back = bl.scenarios.two_apps_racing(first_again_at=5.0)
    targets = [e.target for e in back.log.entries(outcome="delivered")]
    assert targets[-1] is not None
    assert "'first'" in targets[-1]
    crashed = bl.scenarios.two_apps_racing(crash_second_at=5.0)
    assert crashed.log.entries(outcome="app_down")
    assert {p.method for p in crashed.log.pending()} == {"file_transferred", "job_transferred"}


# -- restart_story's routes (K3, N2) ----------------------------------------------------------


def _nightly_finals(sim: bl.Simulation) -> list[tuple[str, str]]:
    nightly = sim.jobs[0]
    return [
        (e.method, e.outcome)
        for e in sim.log.entries(nightly, final=True)
        if e.method != "job_modification"
    ]


def test_n2_restart_story_clsid_route_hears_everything_without_reregistering() -> None:
    """N2, N5: with the downloader serving the job's callback class, BITS starts the crashed
    downloader itself to deliver, so every notification arrives although the app never
    registers again, and its own restart at 30 s finds it running."""
    sim = restart_story(route="clsid", reregister=False)
    (app,) = sim.apps
    assert [run.number for run in app.runs] == [1, 2]
    assert app.runs[1].start < 30.0
    assert _nightly_finals(sim) == [("file_transferred", "delivered")] * 3 + [
        ("job_transferred", "delivered")
    ]
    routed = [e.detail for e in sim.log if e.outcome == "delivered" and "CLSID" in e.detail]
    assert routed[0].endswith("started app 'downloader' run 2 (N2)")
    assert sim.jobs[0].state is bl.JobState.ACKNOWLEDGED
    assert sim.log.pending() == []


def test_k3_restart_story_cmdline_route_completes_the_job_when_job_transferred_is_alone() -> None:
    """K2, K3: the command line takes job_transferred that the dead interface cannot; it
    serves no file notification (K2), so with FILE_TRANSFERRED off it is what completes the
    job. With FILE_TRANSFERRED on, job_transferred waits behind the pending file
    notifications (C4) and the command line never runs."""
    flags = bl.NotifyFlags.JOB_TRANSFERRED | bl.NotifyFlags.JOB_ERROR
    sim = restart_story(route="cmdline", reregister=False, flags=flags)
    finals = sim.log.entries(sim.jobs[0], final=True)
    (entry,) = [e for e in finals if e.method == "job_transferred"]
    assert (entry.outcome, entry.rule) == ("cmdline", "K3")
    assert sim.jobs[0].state is bl.JobState.ACKNOWLEDGED
    waiting = restart_story(route="cmdline", reregister=False)
    assert waiting.jobs[0].state is bl.JobState.TRANSFERRED
    assert {p.method for p in waiting.log.pending()} == {"file_transferred", "job_transferred"}


def test_restart_story_route_is_checked() -> None:
    """The route is one of ROUTES; a near miss is named."""
    with pytest.raises(ValueError, match="did you mean 'clsid'"):
        restart_story(route="clsd", run=False)
    assert bl.scenarios.ROUTES == ("interface", "cmdline", "clsid")


@pytest.mark.parametrize(
    ("route", "arrived"),
    [("interface", 1), ("cmdline", 1), ("clsid", 4)],
)
def test_p2_n5_restart_story_service_restart_keeps_the_command_line_and_the_class(
    route: str, arrived: int
) -> None:
    """P2, N5, K3: a service restart loses the downloader's interface although the app runs
    on: by the interface alone only the first file arrives, the command line takes
    job_transferred, and the callback class delivers everything (the app is running, so
    BITS only asks it for a new object)."""
    sim = restart_story(route=route, crash_at=None, service_restart=(6.0, 10.0))
    finals = _nightly_finals(sim)
    assert sum(outcome == "delivered" for _, outcome in finals) == arrived
    assert [run.number for run in sim.apps[0].runs] == [1]
    if route == "cmdline":
        assert ("job_transferred", "cmdline") in finals


def test_p3_restart_story_reboot_ends_the_app_and_only_the_class_brings_it_back() -> None:
    """P3, N2: a reboot crashes the downloader and nothing restarts it, except BITS
    activating its class once the machine is back."""
    plain = restart_story(crash_at=None, reboot=(6.0, 20.0))
    assert [(run.number, run.how) for run in plain.apps[0].runs] == [(1, "crash")]
    through_class = restart_story(route="clsid", crash_at=None, reboot=(6.0, 20.0))
    runs = through_class.apps[0].runs
    assert [run.number for run in runs] == [1, 2]
    assert runs[1].start >= 26.0  # not before the machine is back
    assert through_class.jobs[0].state is bl.JobState.ACKNOWLEDGED


def test_p3_restart_story_a_crash_at_the_moment_of_a_reboot_is_the_reboots() -> None:
    """P3: the reboot at 6 s ends the downloader's run; its own crash at 6 s finds it down
    and does nothing (the run goes on: no ValueError escapes the story)."""
    sim = restart_story(reboot=(6.0, 20.0))
    runs = sim.apps[0].runs
    assert (runs[0].how, runs[0].end) == ("crash", 6.0)
    assert sim.jobs[0].state is bl.JobState.ACKNOWLEDGED  # restarted at 30 s, re-registered


@pytest.mark.parametrize(
    ("accident", "acknowledged", "by_clsid_runs"),
    [
        ("none", {"interface", "cmdline", "clsid"}, 1),
        ("crash", {"clsid"}, 2),
        ("service_restart", {"cmdline", "clsid"}, 1),
        ("reboot", {"cmdline", "clsid"}, 2),
    ],
)
def test_n2_k3_p2_p3_three_routes_each_accident_spares_the_routes_bitslab_keeps(
    accident: str, acknowledged: set[str], by_clsid_runs: int
) -> None:
    """I4, K2, K3, N2, N5, P2, P3: side by side, the interface alone loses the job's end to
    every accident; the command line hears it after a service restart or a reboot, but not
    after a crash (job_transferred waits behind the dead interface's file calls, C4); the
    callback class hears everything, BITS starting its app when the app is down."""
    sim = bl.scenarios.three_routes(accident=accident)
    done = {job.name for job in sim.jobs if job.state is bl.JobState.ACKNOWLEDGED}
    assert done == acknowledged
    runs = {app.name: len(app.runs) for app in sim.apps}
    assert runs == {"by-interface": 1, "by-cmdline": 1, "by-clsid": by_clsid_runs}
    clsid_job = next(job for job in sim.jobs if job.name == "clsid")
    finals = [e for e in sim.log.entries(clsid_job, final=True) if e.method != "job_modification"]
    assert [e.outcome for e in finals] == ["delivered"] * 4


def test_three_routes_checks_its_arguments() -> None:
    """The accident is one of ACCIDENTS; the times are numbers (a near miss is named)."""
    with pytest.raises(ValueError, match="did you mean 'reboot'"):
        bl.scenarios.three_routes(accident="rebot")
    with pytest.raises(ValueError, match="duration"):
        bl.scenarios.three_routes(accident="reboot", duration=0)
    assert bl.scenarios.ACCIDENTS == ("none", "crash", "service_restart", "reboot")
