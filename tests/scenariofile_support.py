"""Helpers shared by the scenario-file tests: a one-job file to vary, the refusal it meets,
and reading a run's jobs and final log entries.

Every file here is checked through the public API (``ScenarioFile.load/parse``, ``simulate()``)
and read back through the jobs, the event log and the run's actions.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))


def scenario(
    job: str = "",
    *,
    file: str = "",
    url: str = "https://mirror.test/a.cab",
    size: str = "1_000",
    before: str = "",
    after: str = "",
) -> str:
    """A file with one job 'nightly' of one file: ``job`` and ``file`` add lines to the job and
    its file; ``before`` goes at the top (top-level keys, [simulation], [[app]]), ``after`` at
    the end ([[outage]] and the other fault tables, [[program]])."""
    return f"""{before}
[[job]]
name = "nightly"
{job}
[[job.file]]
url = "{url}"
name = "a.cab"
size = {size}
{file}
{after}
"""


APP = '[[app]]\nname = "downloader"\n'
OUTAGE = "[[outage]]\nstart = {}\nduration = {}\n"
REBOOT = "[[reboot]]\nstart = {}\nduration = {}\n"
RESTART = "[[restart_service]]\nstart = {}\nduration = {}\n"
SERVER_ERROR = (
    '[[server_error]]\nurl = "https://mirror.test/a.cab"\nstatus = {}\nstart = {}\nduration = {}\n'
)
FILE_A = '[[job.file]]\nurl = "https://mirror.test/a.cab"\nname = "a.cab"\nsize = 1_000\n'
