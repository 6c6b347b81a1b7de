"""What the package promises about itself (issue 22): one version, a licence, honest floors.

The sdist's completeness is proved in CI, which builds it, unpacks it and runs its own core
suite at the dependency floors (.ci/run); these tests keep the promises that CI relies on.
"""

from __future__ import annotations

import fnmatch
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


def _shipped(manifest: str, path: str) -> bool:
    """Whether MANIFEST.in's include / recursive-include lines take ``path``."""
    for line in manifest.splitlines():
        words = line.split()
        if words[:1] == ["include"] and any(fnmatch.fnmatch(path, w) for w in words[1:]):
            return True
        if words[:1] == ["recursive-include"] and len(words) > 2:
            top, patterns = words[1], words[2:]
            inside = path.startswith(top.rstrip("/") + "/")
            if inside and any(fnmatch.fnmatch(path.rpartition("/")[2], w) for w in patterns):
                return True
    return False


def test_the_sdist_manifest_ships_every_file_the_tests_read() -> None:
    """The sdist's own test suite runs (CI runs it at the floors): every helper module, case
    table and golden log under tests/ is shipped."""
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8")
    assert "recursive-include examples *.toml" in manifest
    assert "include LICENSE" in manifest
    files = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "tests").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    assert "tests/support.py" in files
    assert "tests/golden/restart_story.csv" in files
    assert [path for path in files if not _shipped(manifest, path)] == []


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
