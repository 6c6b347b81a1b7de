"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def api_page() -> str:
    """The source of the docs' API page, ``docs/reference/api.md``: the repository's own
    statement of the public contract (the names, the constants' values, the outcomes)."""
    return (ROOT / "docs" / "reference" / "api.md").read_text(encoding="utf-8")
