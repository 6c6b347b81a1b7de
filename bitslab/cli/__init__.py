"""The command line: ``python -m bitslab demo | run FILE.toml | explain FILE.toml | rules``.

Colour and a progress bar on a terminal, plain text when piped (see :mod:`bitslab.views.terminal`).
Exit status: 0 done, 2 a bad command line, a bad scenario file (the message names the key), a
run that spent its budget or an output that cannot be written, 130 Ctrl-C. Every failure is one
line on stderr, never a traceback; text from the scenario file reaches the terminal with its
control characters escaped (:func:`bitslab.views.terminal.printable`).

The parser and entry point are in :mod:`~bitslab.cli.main`; each command in its own module
(:mod:`~bitslab.cli.demos`, :mod:`~bitslab.cli.files`, :mod:`~bitslab.cli.sweep`, and
:mod:`bitslab.classroom.cli`), all writing through :class:`~bitslab.cli.output.Output`.
"""

from __future__ import annotations

from ..views.cli_text import format_history
from .main import main, script

__all__ = ["format_history", "main", "script"]
