"""Print pip constraints that pin each dependency of the core suite at its declared floor.

The floors are read from pyproject.toml (the one place they are written): every ``name>=X``
of ``dependencies`` and of the extras named on the command line becomes ``name==X``, with
its environment marker kept. CI installs the core suite with these constraints once, so a
floor that does not work fails there.

    python .ci/floors.py widgets > floors.txt
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: tomli is the same API
    import tomli as tomllib

#: ``name>=X``, maybe with an upper bound (``simpy>=4.1,<5``) and a marker.
FLOOR = re.compile(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*>=\s*([^,;\s]+)\s*(?:,\s*<[^,;\s]+\s*)?(;.*)?$")


def floors(extras: list[str]) -> list[str]:
    project = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    pins: dict[str, str] = {}
    for requirement in wanted:
        match = FLOOR.match(requirement.split("#")[0])
        if match is None:
            continue  # pinned (==) or unbounded: nothing to lower
        name, version, marker = match.groups()
        name = name.split("[")[0].lower()
        pins[name] = f"{name}=={version}" + (f" {marker}" if marker else "")
    return sorted(pins.values())


if __name__ == "__main__":
    print("\n".join(floors(sys.argv[1:])))
