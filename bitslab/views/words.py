"""The words every text view shares: flags by name, counted nouns, a notification's subject."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..constants import NotifyFlags

if TYPE_CHECKING:
    from ..log import FileRecord
    from ..model.files import File

__all__ = ["flag_names", "plural", "subject"]


def flag_names(flags: int) -> str:
    """``JOB_TRANSFERRED|JOB_ERROR`` for 0x3; ``0`` for no flag (the same on every Python)."""
    names = [flag.name for flag in NotifyFlags if flag.name and flags & flag]
    return "|".join(names) if names else "0"


def plural(count: int, noun: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def subject(method: str, file: File | FileRecord | None) -> str:
    """What a notification is about: ``job_transferred``, ``file_transferred 'a.cab'``."""
    return method if file is None else f"{method} {file.local_name!r}"
