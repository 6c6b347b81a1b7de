"""``python -m bitslab``: see :mod:`bitslab.cli`."""

from .cli.main import exit_status, main

raise SystemExit(exit_status(main))
