"""Where a file is fetched from: file.set_remote_name() (L17, IBackgroundCopyFile2::
SetRemoteName), through the public API.

Times on the default link (1,000,000 B/s, latency 0.05 s): a 2,000,000-byte file resumed at 0
starts moving bytes at 0.05 and would be done at 2.05; suspended at 1.0 it holds 950,000 bytes.
"""

from __future__ import annotations

import pytest
from hostile_support import state_of
from lifecycle_support import S, job_in
from support import make_job, snapshot, steps

import bitslab as bl

F = bl.NotifyFlags
OLD = "https://old.test/a.bin"
NEW = "https://new.test/a.bin"
SIZE = 2_000_000


def half_done(sim: bl.Simulation | None = None) -> bl.Job:
    """A one-file job of SIZE bytes from OLD, suspended at 1.0 s with 950,000 bytes held."""
    job = make_job(sim, url=OLD, size=SIZE)
    job.sim.call_at(1.0, job.suspend)
    job.resume()
    job.sim.run()
    assert (job.state, job.progress.bytes_transferred) == (S.SUSPENDED, 950_000)
    return job


def test_l17_a_job_error_handler_fixes_a_404_and_the_job_resumes_from_the_bytes_held() -> None:
    """L17: the way a real client recovers from a 404 (pywin32's BITS test): in job_error it
    points the failing file at another URL and resumes the job; the new server holds the
    same file, so the download "resumes from the same location on the new server"
    (IBackgroundCopyFile2::SetRemoteName)."""

    class Fixer(bl.Notifier):
        def job_error(self, job: bl.Job, error: bl.JobError) -> None:
            assert error.file is not None
            error.file.set_remote_name(NEW)
            job.resume()

    job = make_job(url=OLD, size=SIZE, notifier=Fixer())
    job.sim.network.fail(OLD, 404, start=1.0)  # fails mid-file, 950,000 bytes held
    job.resume()
    job.sim.run()
    assert steps(job, 4) == [
        (1.0, S.TRANSFERRING, S.ERROR, "L7"),
        (1.0, S.ERROR, S.QUEUED, "L8"),
        (1.0, S.QUEUED, S.CONNECTING, "L3"),
        (1.05, S.CONNECTING, S.TRANSFERRING, "L3"),
        (2.1, S.TRANSFERRING, S.TRANSFERRED, "L3"),  # the 1,050,000 bytes left, in 1.05 s
    ]
    file = job.files[0]
    assert (file.remote_name, file.source) == (NEW, NEW)
    assert job.progress == (SIZE, SIZE, 1, 1)
    with pytest.raises(bl.BitsError):
        job.get_error()  # L13: gone once the job transferred data again


def test_l17_the_same_size_on_the_new_server_resumes_from_the_bytes_held() -> None:
    """L17: suspend, set, resume: "Otherwise, the transfer resumes from the same location on
    the new server" (IBackgroundCopyFile2::SetRemoteName); the bytes never go down."""
    job = half_done()
    job.files[0].set_remote_name(NEW)
    job.resume()
    resumed = job.sim.now
    job.sim.run()
    assert job.state is S.TRANSFERRED
    assert job.history[-1].time == pytest.approx(resumed + 0.05 + 1.05)
    trace = [bytes_ for _, bytes_ in job.progress_trace()]
    assert trace == sorted(trace)


def test_l17_another_size_on_the_new_server_restarts_the_file() -> None:
    """L17: "If the time stamp or file size of the new remote name is different from the
    previous remote name ... BITS restarts the download" (IBackgroundCopyFile2::SetRemoteName):
    the bytes held are dropped at the connection and the file's size becomes the new
    server's (BG_FILE_PROGRESS: progress values are set back to zero)."""
    job = half_done()
    file = job.files[0]
    file.set_remote_name(NEW, size=3_000_000)
    assert (file.size, file.progress.bytes_transferred) == (SIZE, 950_000)  # not connected yet
    job.resume()
    resumed = job.sim.now
    job.sim.run(until=resumed + 0.5)
    assert file.progress[:2] == (3_000_000, pytest.approx(450_000, abs=1))
    assert job.progress.bytes_total == 3_000_000
    job.sim.run()
    assert job.state is S.TRANSFERRED
    assert job.history[-1].time == pytest.approx(resumed + 0.05 + 3.0)
    assert (file.size, job.progress) == (3_000_000, (3_000_000, 3_000_000, 1, 1))
    trace = job.progress_trace()
    at = resumed + 0.05
    assert [point for point in trace if point[0] == pytest.approx(at)] == [(at, 950_000), (at, 0)]


def test_l17_the_change_takes_effect_at_the_next_connection_for_the_file() -> None:
    """L17: "This method does not serialize when it returns" (IBackgroundCopyFile2::
    SetRemoteName): bytes already flowing keep coming from the old server (a failure of the
    new one does not touch them), and remote_name reports the new URL at once."""
    job = make_job(url=OLD, size=SIZE)
    job.sim.network.fail(NEW, 404)
    job.resume()
    job.sim.run(until=1.0)
    file = job.files[0]
    file.set_remote_name(NEW)
    assert (file.remote_name, file.source) == (NEW, OLD)
    job.sim.run()
    assert job.state is S.TRANSFERRED  # from the old server, to the end
    assert job.history[-1].time == pytest.approx(2.05)


def test_l17_the_new_url_is_asked_at_the_next_connection_and_its_error_names_it() -> None:
    """L17, L15: after suspend and resume the job connects to the new URL; its 404 is the
    job's error, naming the file and the new URL (IBackgroundCopyError::GetErrorDescription)."""
    job = half_done()
    job.sim.network.fail(NEW, 404)
    file = job.files[0]
    file.set_remote_name(NEW)
    job.resume()
    job.sim.run()
    assert job.state is S.ERROR
    error = job.get_error()
    assert (error.file, error.description) == (file, f"HTTP 404 Not Found from {NEW}")
    assert file.progress.bytes_transferred == 950_000  # kept: no server answered with a size


def test_l17_a_file_already_transferred_is_not_fetched_again() -> None:
    """L17: "BITS does not restart files that have already been transferred"
    (IBackgroundCopyFile2::SetRemoteName): a new URL, even of another size, for a file
    whose bytes all arrived changes its name only."""
    rec = bl.RecordingNotifier()
    job = make_job(files=2, size=SIZE, flags=F.JOB_TRANSFERRED | F.FILE_TRANSFERRED, notifier=rec)
    job.resume()
    job.sim.run(until=3.0)  # the first file is done at 2.05, the second is flowing
    first = job.files[0]
    first.set_remote_name(NEW, size=5)
    job.suspend()
    job.resume()
    job.sim.run()
    assert job.state is S.TRANSFERRED
    assert (first.remote_name, first.size) == (NEW, SIZE)
    assert first.source == "https://example.test/job0/f0.bin"  # never connected for again
    assert job.progress == (2 * SIZE, 2 * SIZE, 2, 2)
    assert [c.file for c in rec.calls if c.method == "file_transferred"] == job.files


def test_l17_an_on_demand_file_of_another_size_asks_again_for_its_ranges_within_it() -> None:
    """L17, R5: an on-demand file restarted by a new server of another size fetches again
    the ranges it held, cut to the new size (IBackgroundCopyFile2::SetRemoteName: BITS
    restarts the download)."""
    job = make_job(size=1_000_000, on_demand=True)
    file = job.files[0]
    file.request_ranges([(0, 300_000), (800_000, 200_000)])
    job.resume()
    job.sim.run()
    assert file.filled_ranges() == [(0, 300_000), (800_000, 200_000)]
    file.set_remote_name("https://new.test/f0.bin", size=900_000)
    file.request_ranges([(300_000, 100_000)])  # the job connects for the file again
    job.resume()
    job.sim.run()
    assert job.state is S.SUSPENDED  # R5: the file is not whole
    assert file.filled_ranges() == [(0, 400_000), (800_000, 100_000)]
    assert file.progress[:2] == (900_000, 500_000)


def test_l17_set_remote_name_raises_a_job_modification(sim: bl.Simulation) -> None:
    """L17, C3: changing where a file comes from modifies the job (model choice, as a
    property change does): job_modification is raised once."""
    rec = bl.RecordingNotifier()
    job = make_job(sim, flags=F.JOB_MODIFICATION, notifier=rec)
    sim.run()  # the modification of add_file
    sim.call_at(5.0, job.files[0].set_remote_name, NEW)
    sim.run()
    assert [(c.method, round(c.time, 6)) for c in rec.calls][1:] == [("job_modification", 5.1)]
    entry = sim.log[-1]
    assert (entry.method, entry.outcome) == ("job_modification", "delivered")
    assert entry.reason == "file 'f0.bin' remote name set (C3)"


@pytest.mark.parametrize(
    "state", [S.SUSPENDED, S.QUEUED, S.CONNECTING, S.TRANSFERRING, S.TRANSIENT_ERROR, S.ERROR,
              S.TRANSFERRED],
)  # fmt: skip
def test_l17_set_remote_name_is_accepted_in_every_state_but_the_final_ones(
    state: bl.JobState,
) -> None:
    """L17: SetRemoteName fails only for a CANCELLED or ACKNOWLEDGED job (IBackgroundCopyFile2::
    SetRemoteName: BG_E_INVALID_STATE); elsewhere it leaves the state alone, and the job
    fetches the file from the new server when it next connects for it."""
    job = job_in(state)
    file = job.files[0]
    old = file.remote_name
    before = job.state, list(job.history)
    file.set_remote_name(NEW)
    assert (job.state, list(job.history)) == before
    assert file.remote_name == NEW
    job.resume()  # from SUSPENDED or an error (the old server's 404 or 503); else nothing
    job.sim.run()
    assert job.state is S.TRANSFERRED
    # Bytes already flowing, or all arrived, came from the old server; else from the new.
    assert file.source == (old if state in (S.TRANSFERRING, S.TRANSFERRED) else NEW)


@pytest.mark.parametrize("state", [S.ACKNOWLEDGED, S.CANCELLED])
def test_l17_set_remote_name_on_a_final_job_fails_with_invalid_state(state: bl.JobState) -> None:
    """L17: BG_E_INVALID_STATE, "The state of the job cannot be BG_JOB_STATE_CANCELLED or
    BG_JOB_STATE_ACKNOWLEDGED" (IBackgroundCopyFile2::SetRemoteName); nothing changes."""
    job = job_in(state)
    file = job.files[0]
    before = snapshot(job), file.remote_name
    with pytest.raises(bl.BitsError, match=rf"{state.name}, a final state \(L17\)") as info:
        file.set_remote_name(NEW)
    assert (info.value.hresult, info.value.rule) == (bl.BG_E_INVALID_STATE, "L17")
    assert (snapshot(job), file.remote_name) == before


@pytest.mark.parametrize("state", [S.ACKNOWLEDGED, S.CANCELLED])
@pytest.mark.parametrize(
    ("kind", "url"),
    [
        (bl.JobType.DOWNLOAD, "ftp://elsewhere.test/a.bin"),  # E_INVALIDARG on a live job
        (bl.JobType.UPLOAD, NEW),  # E_NOTIMPL on a live job
    ],
)
def test_l12_f4_a_final_job_refuses_set_remote_name_for_its_state_before_its_arguments(
    state: bl.JobState, kind: bl.JobType, url: str
) -> None:
    """L12, F4: as add_file and set_notify_flags do, the state is checked before the
    arguments: a final job answers BG_E_INVALID_STATE, whatever else is wrong with the call."""
    job = make_job(type=kind)
    if state is S.CANCELLED:
        job.cancel()
    else:
        job.resume()
        job.sim.run()
        job.complete()
    assert job.state is state
    file = job.files[0]
    with pytest.raises(bl.BitsError, match=rf"{state.name}, a final state \(L17\)") as info:
        file.set_remote_name(url)
    assert info.value.hresult == bl.BG_E_INVALID_STATE
    with pytest.raises(TypeError, match="url must be a str"):  # a wrong type is no BITS call
        file.set_remote_name(42)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", [bl.JobType.UPLOAD, bl.JobType.UPLOAD_REPLY])
def test_l17_set_remote_name_on_an_upload_job_fails_with_not_implemented(
    kind: bl.JobType,
) -> None:
    """L17: E_NOTIMPL: "You cannot call this method for upload or upload-reply jobs; only
    call this method for download jobs" (IBackgroundCopyFile2::SetRemoteName)."""
    job = make_job(type=kind)
    file = job.files[0]
    before = snapshot(job), file.remote_name
    with pytest.raises(bl.BitsError, match=r"only a download job's files.*\(L17\)") as info:
        file.set_remote_name(NEW)
    assert info.value.hresult == bl.E_NOTIMPL
    assert (snapshot(job), file.remote_name) == before


@pytest.mark.parametrize(
    "url",
    ["ftp://new.test/a.bin", "new.test/a.bin", "https://new.test/" + "x" * 2_184],
    ids=["ftp", "no-scheme", "2201-characters"],
)
def test_l17_a_url_add_file_would_refuse_or_over_2200_characters_is_invalid(url: str) -> None:
    """L17: E_INVALIDARG: "The new remote name is an invalid URL or the new URL is too long
    (the URL cannot exceed 2,200 characters)" (IBackgroundCopyFile2::SetRemoteName)."""
    job = make_job(url=OLD)
    file = job.files[0]
    before = snapshot(job), file.remote_name
    with pytest.raises(bl.InvalidArgumentError, match=r"\burl\b.*2,200 characters") as info:
        file.set_remote_name(url)
    assert info.value.hresult == bl.E_INVALIDARG
    assert (snapshot(job), file.remote_name) == before


def test_l17_a_url_of_exactly_2200_characters_and_every_form_add_file_takes_is_accepted() -> None:
    """L17: the forms AddFile takes (http, https, file, UNC), up to 2,200 characters."""
    job = make_job(url=OLD)
    file = job.files[0]
    longest = "https://new.test/" + "x" * 2_183
    for url in (longest, "http://a.test/b", "file:///C:/a.bin", r"\\server\share\a.bin"):
        file.set_remote_name(url)
        assert file.remote_name == url
    assert len(longest) == 2_200


def test_l17_r1_an_on_demand_job_takes_only_an_http_url() -> None:
    """L17, R1: an on-demand job's files must be http or https (BITS_JOB_PROPERTY_ON_DEMAND_MODE),
    so set_remote_name to a file:// URL fails with BG_E_RANDOM_ACCESS_NOT_SUPPORTED."""
    job = make_job(on_demand=True)
    file = job.files[0]
    with pytest.raises(bl.BitsError, match=r"\(R1\)") as info:
        file.set_remote_name("file:///C:/a.bin")
    assert info.value.hresult == bl.BG_E_RANDOM_ACCESS_NOT_SUPPORTED
    file.set_remote_name(NEW)
    assert file.remote_name == NEW


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        ((5,), TypeError, "url must be a str, got int 5"),
        ((None,), TypeError, "url must be a str, got NoneType None"),
        (("",), ValueError, "url must not be empty"),
        ((NEW, "10"), TypeError, "size must be an int, got str '10'"),
        ((NEW, -1), ValueError, "size"),
        ((NEW, 1.0), TypeError, "size"),
        ((NEW, 2**64 - 1), ValueError, "BG_SIZE_UNKNOWN"),
    ],
)
def test_l17_set_remote_name_refuses_a_wrong_type_naming_the_argument(
    args: tuple[object, ...], error: type[Exception], words: str
) -> None:
    """L17: SetRemoteName takes a URL string (and bitslab a size in bytes): anything else is
    a TypeError or ValueError naming the argument, and changes nothing."""
    job = make_job(url=OLD)
    file = job.files[0]
    before = snapshot(job), file.remote_name
    with pytest.raises(error) as info:
        file.set_remote_name(*args)  # type: ignore[arg-type]
    assert words in str(info.value)
    assert (snapshot(job), file.remote_name) == before


#: Bad set_remote_name calls, each refused whatever the job's state: what the call gets,
#: the error, and words of its message (the argument, what it received or the rule). A
#: final job answers the BitsErrors among them with BG_E_INVALID_STATE instead (L12, F4).
BAD_REMOTE_NAMES: list[tuple[str, tuple[object, ...], type[Exception], tuple[str, ...]]] = [
    ("int", (5,), TypeError, ("url", "int 5")),
    ("bytes", (b"https://new.test/a.bin",), TypeError, ("url", "bytes")),
    ("None", (None,), TypeError, ("url", "NoneType None")),
    ("empty", ("",), ValueError, ("url", "empty")),
    ("ftp", ("ftp://new.test/a.bin",), bl.InvalidArgumentError, ("url", "(L17)")),
    ("2201", ("https://new.test/" + "x" * 2_184,), bl.InvalidArgumentError, ("got 2,201",)),
    ("size-str", (NEW, "10"), TypeError, ("size", "str '10'")),
    ("size-negative", (NEW, -1), ValueError, ("size", "-1")),
    ("size-unknown", (NEW, 2**64 - 1), ValueError, ("size", "BG_SIZE_UNKNOWN")),
]


@pytest.mark.parametrize("state", list(S), ids=[state.name for state in S])
@pytest.mark.parametrize(
    ("args", "error", "words"),
    [bad[1:] for bad in BAD_REMOTE_NAMES],
    ids=[bad[0] for bad in BAD_REMOTE_NAMES],
)
def test_l17_a_bad_remote_name_in_every_state_raises_naming_it_and_changes_nothing(
    state: bl.JobState, args: tuple[object, ...], error: type[Exception], words: tuple[str, ...]
) -> None:
    """L17 (issue 24's hostile input): in each of the nine states, a URL or size that
    SetRemoteName refuses raises its error, naming the argument (a wrong type or value
    before the state is looked at; L12, F4: a final job's state before a refused HRESULT),
    and the simulation is exactly as before: the job, its files and their sources, the log,
    the pending notifications, the random stream."""
    job = job_in(state)
    before = state_of(job.sim)
    if state.is_final and issubclass(error, bl.BitsError):
        error, words = bl.BitsError, (f"{state.name}, a final state (L17)",)
    with pytest.raises(error) as info:
        job.files[0].set_remote_name(*args)  # type: ignore[arg-type]
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    assert state_of(job.sim) == before
