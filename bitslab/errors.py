"""BitsError: a BITS method failed with an HRESULT.

Every rule of :data:`bitslab.rules` that says "fails with X" raises :class:`BitsError` whose
``hresult`` is X. Misuse that BITS does not define (a ``str`` where a number belongs) raises
``TypeError`` or ``ValueError`` instead, from :mod:`bitslab._check`.
"""

from __future__ import annotations

from typing import Any

from .constants import E_INVALIDARG, hresult_name

__all__ = ["BitsError", "InvalidArgumentError"]


class BitsError(Exception):
    """A BITS call failed: ``.hresult`` is the unsigned HRESULT, ``.name`` its symbolic name.

    ``str()`` says what was tried, on which job, why, and under which rule.

    >>> err = BitsError(
    ...     "resume() on job 'nightly': the job has no files (L2)", 0x80200003, rule="L2"
    ... )
    >>> err.name, hex(err.hresult), err.rule
    ('BG_E_EMPTY', '0x80200003', 'L2')
    """

    def __init__(self, message: str, hresult: int, *, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hresult = hresult
        self.name = hresult_name(hresult)
        #: The ID of the rule that refused the call (``"F3"``), or None where no rule names
        #: the refusal.
        self.rule = rule

    def __str__(self) -> str:
        return f"{self.message} [{self.name} 0x{self.hresult:08X}]"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.hresult, self.rule))


def _rebuild(kind: type[BitsError], message: str, hresult: int, rule: str | None) -> BitsError:
    """Unpickle a BitsError (or subclass) with its rule."""
    error = kind.__new__(kind)
    BitsError.__init__(error, message, hresult, rule=rule)
    return error


class InvalidArgumentError(BitsError, ValueError):
    """E_INVALIDARG: a value BITS itself rejects. It is both a BitsError and a ValueError.

    >>> issubclass(InvalidArgumentError, ValueError)
    True
    """

    def __init__(
        self, message: str, hresult: int = E_INVALIDARG, *, rule: str | None = None
    ) -> None:
        super().__init__(message, hresult, rule=rule)
