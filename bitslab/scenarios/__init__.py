"""Scenarios: the ready ones (``bl.scenarios.restart_story()`` and its siblings), scenario files
(``bitslab.scenarios.file``, read with ``bitslab.scenarios.tables``) and sweep files
(``bitslab.scenarios.sweepfile``).

Only the ready scenarios load with ``import bitslab``; the file readers load on first use.
"""

from __future__ import annotations

from .ready import (
    DOWNLOADER_CLSID,
    MIRROR,
    NOTIFY_PROGRAM,
    ROUTES,
    Action,
    CompletingNotifier,
    MediaPlayer,
    flags_tour,
    flaky_network,
    media_player,
    restart_story,
    two_apps_racing,
)
from .routes import ACCIDENTS, three_routes

__all__ = [
    "ACCIDENTS",
    "DOWNLOADER_CLSID",
    "MIRROR",
    "NOTIFY_PROGRAM",
    "ROUTES",
    "Action",
    "CompletingNotifier",
    "MediaPlayer",
    "flags_tour",
    "flaky_network",
    "media_player",
    "restart_story",
    "three_routes",
    "two_apps_racing",
]

# Users meet these as ``bitslab.scenarios.X`` (in messages, reprs and the docs): say so.
for _name in __all__:
    _value = globals()[_name]
    if isinstance(_value, type) or callable(_value):  # functions and classes, not values
        _value.__module__ = __name__
del _name, _value
