"""Shared fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def _shared(name: str) -> str:
    path = SHARED / name
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI must run with ../shared beside the checkout")
        pytest.skip(f"{path} is not beside this checkout")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def rules_text() -> str:
    """The text of ../shared/bits-rules.md, beside the checkout.

    CI always has it, so there a missing file fails; a clone made elsewhere skips these checks.
    """
    return _shared("bits-rules.md")


@pytest.fixture(scope="session")
def api_text() -> str:
    """The text of ../shared/api.md (the public contract), as :func:`rules_text` does."""
    return _shared("api.md")
