"""``python -m bitslab``: see :mod:`bitslab.cli`."""

from .cli import main

raise SystemExit(main())
