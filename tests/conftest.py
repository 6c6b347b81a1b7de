"""Shared fixtures; shared helpers are in ``support.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

import bitslab as bl

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sim() -> bl.Simulation:
    """A new simulation, seeded 0, with the default link and settings."""
    return bl.Simulation(seed=0)


@pytest.fixture(scope="session")
def api_page() -> str:
    """The source of the docs' API page, ``docs/reference/api.md``: the repository's own
    statement of the public contract (the names, the constants' values, the outcomes)."""
    return (ROOT / "docs" / "reference" / "api.md").read_text(encoding="utf-8")
