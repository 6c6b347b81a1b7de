"""BitsError: a BITS method failed with an HRESULT.

Every rule of :data:`bitslab.rules` that says "fails with X" raises :class:`BitsError` whose
``hresult`` is X. Misuse that BITS does not define (a ``str`` where a number belongs) raises
``TypeError`` or ``ValueError`` instead, from :mod:`bitslab._check`.
"""

from __future__ import annotations

import re

from .constants import E_INVALIDARG, hresult_name

__all__ = ["BitsError", "InvalidArgumentError"]


class BitsError(Exception):
    """A BITS call failed: ``.hresult`` is the unsigned HRESULT, ``.name`` its symbolic name.

    ``str()`` says what was tried, on which job, why, and under which rule.

    >>> err = BitsError("resume() on job 'nightly': the job has no files (L2)", 0x80200003)
    >>> err.name, hex(err.hresult), err.rule
    ('BG_E_EMPTY', '0x80200003', 'L2')
    """

    def __init__(self, message: str, hresult: int) -> None:
        super().__init__(message)
        self.message = message
        self.hresult = hresult
        self.name = hresult_name(hresult)

    def __str__(self) -> str:
        return f"{self.message} [{self.name} 0x{self.hresult:08X}]"

    @property
    def rule(self) -> str | None:
        """The ID of the rule that refused the call (``"F3"``): the last one the message
        names, as every refusal's message ends with its rule; None if it names none."""
        named = re.findall(r"\(([A-Z]\d{1,2})\)", self.message)
        return named[-1] if named else None

    def __reduce__(self) -> tuple[type[BitsError], tuple[str, int]]:
        return (type(self), (self.message, self.hresult))


class InvalidArgumentError(BitsError, ValueError):
    """E_INVALIDARG: a value BITS itself rejects. It is both a BitsError and a ValueError.

    >>> issubclass(InvalidArgumentError, ValueError)
    True
    """

    def __init__(self, message: str, hresult: int = E_INVALIDARG) -> None:
        super().__init__(message, hresult)
