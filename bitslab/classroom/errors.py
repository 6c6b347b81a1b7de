"""What the classroom commands refuse, and where otter-grader comes from."""

from __future__ import annotations

import importlib
import warnings
from types import ModuleType

__all__ = ["ClassroomError", "otter"]


class ClassroomError(Exception):
    """A classroom command cannot go on; the message says why and what to do."""


def otter(module: str) -> ModuleType:
    """Import ``module`` of otter-grader (the ``[classroom]`` extra), or say how to install it."""
    try:
        with warnings.catch_warnings():  # otter's dependencies' deprecations are not ours
            warnings.simplefilter("ignore", DeprecationWarning)
            return importlib.import_module(module)
    except ImportError:
        raise ClassroomError(
            "the classroom commands need otter-grader: pip install 'bitslab[classroom]'"
        ) from None
