"""The model parameters of a :class:`~bitslab.Simulation`, checked once, kept as one record.

``bl.Simulation(...)`` takes each of them as a keyword argument; ``sim.parameters`` gives
them back as they were checked. Each field says what it means, its default and its rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._check import check_int, check_number, got

__all__ = ["MIN_BANDWIDTH", "MIN_TIME_SLICE", "Parameters"]

#: Limits of the model's clock: below them a file's time or a slice's end leaves floating
#: point's reach, and a step of the model would vanish or last for ever.
MIN_BANDWIDTH = 1.0
MIN_TIME_SLICE = 0.001


@dataclass(frozen=True, slots=True)
class Parameters:
    """What a simulated machine is like: its link, BITS's delays and policies."""

    #: Bytes per second of the link (default 1,000,000; at least 1).
    bandwidth: float = 1_000_000
    #: Seconds to set up a connection for a file (default 0.05, L3).
    latency: float = 0.05
    #: Seconds a background job runs before one of its priority takes a turn (default 10,
    #: S2; at least 0.001).
    time_slice: float = 10.0
    #: The share of the link a background job keeps when other traffic or foreground jobs
    #: take the rest (default 0.01, below 1, S5).
    trickle: float = 0.01
    #: Seconds from raising a job or file notification to its dispatch (default 0, C8).
    dispatch_delay: float = 0.0
    #: The same for job_modification, which BITS dispatches at a lower priority, so a later
    #: job_transferred can overtake it (default 0.1, C8, model choice).
    modification_delay: float = 0.1
    #: Simulated seconds after which bitslab counts a callback that has not returned as
    #: failed (default None: off). BITS itself never gives up on a blocking call (C9,
    #: IBackgroundCopyCallback: "blocked until one or more of the blocking notifications
    #: return"), so a slow callback holds back the others until it returns; the option is a
    #: model choice (C5, C9).
    callback_timeout: float | None = None
    #: When True, only S_OK (0), None and True count as a callback's success, and a success
    #: HRESULT that is not S_OK (S_FALSE, 1) is a failed call, retried like any other (C5).
    #: Default False: any success HRESULT succeeds (a model choice: the JobTransferred page
    #: says BITS calls again "until S_OK is returned", while the FileTransferred page retries
    #: only a failure). The log's detail says when it decided.
    s_ok_only: bool = False
    #: The shortest gap between two "bytes transferred" modifications while bytes flow
    #: (default 0.1); the job's minimum notification interval, usually longer, applies on
    #: top (C7, model choice).
    progress_interval: float = 0.1
    #: Simulated seconds BITS waits for a callback class's server to start when it activates
    #: the class and the application is not running (default 1, N2, model choice).
    server_start_delay: float = 1.0
    #: The most files a job may hold, as BITS's MaxFilesPerJob policy sets it (default 200,
    #: an int of at least 1; L16).
    max_files_per_job: int = 200

    def __post_init__(self) -> None:
        """Check every value (TypeError or ValueError names the parameter); numbers are kept
        as floats, as the model computes with them."""
        number = self._number
        number("bandwidth", minimum=MIN_BANDWIDTH)
        number("latency", minimum=0.0)
        number("time_slice", minimum=MIN_TIME_SLICE)
        number("trickle", minimum=0.0)
        if self.trickle >= 1.0:  # S5: foreground jobs need some of the link
            raise ValueError(f"trickle must be a share of the link below 1, got {self.trickle!r}")
        number("dispatch_delay", minimum=0.0)
        number("modification_delay", minimum=0.0)
        if self.callback_timeout is not None:
            number("callback_timeout", strictly_positive=True)
        if not isinstance(self.s_ok_only, bool):  # C5: "yes" or 1 is not an answer
            raise TypeError(
                "s_ok_only must be True or False (C5: whether only S_OK, None and True count "
                f"as a callback's success), got {got(self.s_ok_only)}"
            )
        number("progress_interval", strictly_positive=True)
        number("server_start_delay", minimum=0.0)
        check_int("max_files_per_job", self.max_files_per_job, minimum=1)  # L16

    def _number(self, name: str, **limits: Any) -> None:
        value = check_number(name, getattr(self, name), **limits)
        object.__setattr__(self, name, value)  # frozen: set once, here, as a float
