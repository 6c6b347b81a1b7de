"""Every job of a simulation, oldest first, and the same jobs by GUID (EnumJobs, GetJob)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from .._check import check_guid
from ..constants import BG_E_NOT_FOUND
from ..errors import BitsError

if TYPE_CHECKING:
    from .jobs import Job

__all__ = ["JobList"]


class JobList(list["Job"]):
    """``sim.jobs``: a list of every job created, oldest first, that also finds them by GUID.

    Only :meth:`add` adds a job (the simulation creates them); the list is read everywhere
    else (the scheduler, the service, the views).
    """

    def __init__(self) -> None:
        super().__init__()
        self._by_id: dict[uuid.UUID, Job] = {}

    def add(self, job: Job) -> None:
        """Keep a new job, at the end and under its GUID."""
        self.append(job)
        self._by_id[job.id] = job

    def queued(self) -> list[Job]:
        """EnumJobs: every job not ACKNOWLEDGED or CANCELLED, oldest first."""
        return [job for job in self if not job.state.is_final]

    def find(self, job_id: object) -> Job:
        """GetJob: the job whose GUID is ``job_id``; BG_E_NOT_FOUND for an unknown or final
        one, TypeError or ValueError for what is not a GUID."""
        key = check_guid("job_id", job_id)
        job = self._by_id.get(key)
        if job is None or job.state.is_final:
            why = "no job has this id" if job is None else f"job {job.name!r} is {job.state.name}"
            raise BitsError(
                f"get_job({str(key)!r}): {why}; only the jobs of enum_jobs() can be found",
                BG_E_NOT_FOUND,
            )
        return job
