"""The media player: an on-demand job streamed while the player seeks (F7, R1-R6)."""

from __future__ import annotations

from collections.abc import Callable

from .._check import check_int, check_number
from ..constants import BG_LENGTH_TO_EOF, JobProperty, NotifyFlags
from ..model.apps import App
from ..model.jobs import Job
from ..simulation import Simulation
from .parts import Action, CompletingNotifier, check_switches, fault_window, time_or_never

__all__ = ["MB", "MediaPlayer", "media_player"]


class MediaPlayer(CompletingNotifier):
    """The notifier of :func:`media_player`'s app, which also keeps what the player asked
    BITS for in :attr:`actions` (a rejected call is kept with its error, not raised)."""

    def __init__(self, app: App | None = None) -> None:
        super().__init__(app)
        self.actions: list[Action] = []

    def act(self, job: Job, what: str, fn: Callable[[], object]) -> None:
        """Call ``fn`` (a BITS call) and keep the outcome as an :class:`Action`."""
        self.actions.append(Action.attempt(job.sim.now, what, fn))


MB = 1_000_000


def media_player(
    seed: int = 0,
    *,
    size: int = 40 * MB,
    bandwidth: float = 2 * MB,
    seek_at: float = 4.0,
    seek_to: float = 0.75,
    back_at: float = 8.0,
    keep_at: float | None = 12.0,
    on_demand: bool = True,
    range_flag: bool = True,
    interval_ms: int = 500,
    outage: tuple[float, float] | None = None,
    run: bool = True,
) -> Simulation:
    """A media player streams a film with an on-demand job, seeking as a viewer would (R1-R6).

    The app ``player`` owns job ``film`` (one file of ``size`` bytes, ``movie.mp4``), asks for
    JOB_TRANSFERRED, JOB_ERROR and (with ``range_flag``) FILE_RANGES_TRANSFERRED, and
    registers a :class:`MediaPlayer` notifier (``sim.jobs[0].get_notify_interface()``), whose
    ``actions`` list what the player asked for. With ``on_demand`` the job is in on-demand mode
    (R1); the player then:

    - at 0 s opens the film: asks for its first 2 MB and its last 1 MB (to the end of the
      file, BG_LENGTH_TO_EOF, where an MP4 keeps its index) and resumes the job. Only those
      bytes transfer; when they are in, the job is SUSPENDED, not TRANSFERRED (R5);
    - at ``seek_at`` seeks to ``seek_to`` of the film: asks for 4 MB there, and resumes;
    - at ``back_at`` seeks back to 1 MB: asks for 4 MB from there, of which the first MB is
      present already, so only 3 MB transfer (R3), and resumes;
    - at ``back_at + 2`` asks, by mistake, for bytes past the end: rejected whole with
      BG_E_INVALID_RANGE (R2);
    - at ``keep_at`` (None: never) decides to keep the film: turns on-demand mode off and
      resumes, so BITS fetches the rest; the job is TRANSFERRED and the player completes it.

    Range reports (R4) arrive at most once per ``interval_ms`` (C7), and at once when the
    last requested range arrives. Without ``on_demand`` the job downloads the whole film, every
    request fails with BG_E_RANDOM_ACCESS_NOT_SUPPORTED (R1), and no range report is raised,
    flag or not (F7). ``outage=(start, duration)`` takes the network down meanwhile (L4).

    >>> sim = media_player()
    >>> film = sim.jobs[0]
    >>> [(round(c.time, 2), c.new.name, c.rule) for c in film.history if c.rule == "R5"]
    [(1.55, 'SUSPENDED', 'R5'), (6.05, 'SUSPENDED', 'R5'), (9.55, 'SUSPENDED', 'R5')]
    >>> [action.result for action in film.get_notify_interface().actions]
    ['ok', 'ok', 'ok', 'BG_E_INVALID_RANGE', 'ok']
    >>> film.state.name
    'ACKNOWLEDGED'
    """
    check_int("size", size, minimum=5 * MB)
    fraction = check_number("seek_to", seek_to, minimum=0.0)
    if fraction >= 1.0:
        raise ValueError(f"seek_to must be a fraction of the film below 1, got {seek_to!r}")
    check_number("seek_at", seek_at, minimum=0.0)
    check_number("back_at", back_at, minimum=0.0)
    time_or_never("keep_at", keep_at)
    check_int("interval_ms", interval_ms, minimum=0)
    check_switches(on_demand=on_demand, range_flag=range_flag, run=run)
    outage_window = fault_window("outage", outage)
    sim = Simulation(seed=seed, bandwidth=bandwidth, latency=0.05)
    app = sim.add_app("player")
    film = sim.create_job("film")
    movie = film.add_file("https://cdn.test/movie.mp4", "movie.mp4", size=size)
    flags = NotifyFlags.JOB_TRANSFERRED | NotifyFlags.JOB_ERROR
    if range_flag:
        flags |= NotifyFlags.FILE_RANGES_TRANSFERRED
    film.set_notify_flags(flags)
    film.set_property(JobProperty.MINIMUM_NOTIFICATION_INTERVAL_MS, interval_ms)
    player = MediaPlayer(app)
    film.set_notify_interface(player)
    if on_demand:
        film.set_property(JobProperty.ON_DEMAND_MODE, True)
    if outage_window is not None:
        sim.network.outage(*outage_window)

    def ask(what: str, ranges: list[tuple[int, int]]) -> None:
        """Request ranges; resume the job (SUSPENDED after the last request, R5) if accepted."""
        player.act(film, what, lambda: movie.request_ranges(ranges))
        if player.actions[-1].result == "ok":
            film.resume()

    seek = int(size * fraction)
    chunk = min(4 * MB, size - seek)
    ask(
        "open the film: request its first 2 MB and its last MB (to EOF: the MP4 index)",
        [(0, 2 * MB), (size - MB, BG_LENGTH_TO_EOF)],
    )
    film.resume()  # on demand this changes nothing; otherwise the whole film downloads
    seeking = f"seek to {fraction:.0%}: request {chunk:,} bytes from byte {seek:,}"
    sim.call_at(seek_at, ask, seeking, [(seek, chunk)])
    back = "seek back: request 4 MB from byte 1,000,000 (its first MB is present, R3)"
    sim.call_at(back_at, ask, back, [(MB, 4 * MB)])
    wrong = f"request 2 MB from byte {size - MB:,}, past the end (R2)"
    sim.call_at(back_at + 2.0, ask, wrong, [(size - MB, 2 * MB)])

    def keep() -> None:
        player.act(
            film,
            "keep the film: turn on-demand mode off, so BITS fetches the rest",
            lambda: film.set_property(JobProperty.ON_DEMAND_MODE, False),
        )
        film.resume()

    if keep_at is not None:
        sim.call_at(keep_at, keep)
    if run:
        sim.run()
    return sim
