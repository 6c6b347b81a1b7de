"""What the package promises about itself (issue 22): one version, a licence, honest floors.

The sdist's completeness is proved in CI, which builds it, unpacks it and runs its own core
suite at the dependency floors (.ci/run); these tests keep the promises that CI relies on.
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
from pathlib import Path

import bitslab as bl

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with tomli
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_version_is_written_once_and_the_installed_metadata_agrees() -> None:
    project = PROJECT["project"]
    assert "version" not in project
    assert project["dynamic"] == ["version"]
    assert PROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "bitslab.__version__"}
    assert importlib.metadata.version("bitslab") == bl.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", bl.__version__)


def test_the_licence_file_is_the_mit_licence_pyproject_names() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert PROJECT["project"]["license"] == {"text": "MIT"}
    assert text.startswith("MIT License")
    assert "without restriction" in text


def test_the_sdist_manifest_ships_every_helper_the_tests_import() -> None:
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8")
    assert "include tests/*.py" in manifest
    assert "recursive-include examples *.toml" in manifest
    assert "include LICENSE" in manifest
    helpers = {
        path.name for path in (ROOT / "tests").glob("*.py") if not path.name.startswith("test_")
    }
    assert helpers == {  # all under tests/*.py
        "conftest.py",
        "random_worlds.py",
        "support.py",
        # the helpers and case tables of the test modules split by concept (issue 23)
        "delivery_apps_support.py",
        "delivery_support.py",
        "hostile_cases_delivery.py",
        "hostile_cases_model.py",
        "hostile_cases_views.py",
        "hostile_support.py",
        "lifecycle_support.py",
        "malformed_scenarios.py",
        "on_demand_support.py",
        "plots_support.py",
        "refused_scenarios.py",
        "scenariofile_support.py",
        "scheduler_support.py",
        "widgets_support.py",
    }
    assert not list((ROOT / "tests").glob("*/*.py"))  # tests/*.py ships them all


def test_every_floor_is_one_ci_installs_from_pyproject() -> None:
    """The floors CI pins come from pyproject.toml itself (.ci/floors.py)."""
    sys.path.insert(0, str(ROOT / ".ci"))
    try:
        import floors  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    pins = floors.floors(["widgets", "test"])
    assert "pandas==2.2.2" in pins
    assert "matplotlib==3.8.4" in pins
    assert "simpy==4.1" in pins
    assert "tomli==1.1 ; python_version < '3.11'" in pins
