"""A rule's record, the families rules belong to, and the pages rules come from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["FAMILIES", "Rule"]

#: The public pages the rules come from, by the name BITS documents them under.
MODEL = "bitslab model"
SET_FLAGS = "IBackgroundCopyJob::SetNotifyFlags"
SET_IFACE = "IBackgroundCopyJob::SetNotifyInterface"
CMDLINE = "IBackgroundCopyJob2::SetNotifyCmdLine"
CALLBACK = "IBackgroundCopyCallback"
TRANSFERRED = "IBackgroundCopyCallback::JobTransferred"
MODIFICATION = "IBackgroundCopyCallback::JobModification"
RANGES_CALLBACK = "IBackgroundCopyCallback3::FileRangesTransferred"
REQUEST_RANGES = "IBackgroundCopyFile6::RequestFileRanges"
PROPERTY = "BITS_JOB_PROPERTY_ID"
STATE = "BG_JOB_STATE"
PRIORITY = "BG_JOB_PRIORITY"
COM_CALLBACK = "Registering a COM Callback"


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: its ID, a short title, one plain sentence and the public page it comes from.

    ``model_choice`` is true where bitslab decided something the public sources leave open.
    """

    id: str
    family: str
    title: str
    text: str
    source: str
    model_choice: bool = False

    def __str__(self) -> str:
        return f"{self.id} ({self.title}): {self.text}"


FAMILIES: Mapping[str, str] = MappingProxyType(
    {
        "F": "notify flags",
        "I": "notify interface",
        "C": "callbacks",
        "D": "delivery decisions",
        "K": "command lines",
        "L": "job lifecycle",
        "S": "scheduling and bandwidth",
        "R": "on-demand ranges",
        "N": "callback classes",
        "P": "persistence",
    }
)
