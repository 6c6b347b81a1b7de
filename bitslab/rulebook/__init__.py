"""The rules catalogue: every rule bitslab follows, by ID, in plain words.

Each :class:`Rule` says what BITS does (or what bitslab chose where the documentation is silent:
``model_choice`` is then true), and names the public page it comes from. The event log, the
tests and the notebooks cite these IDs. The data (:mod:`~bitslab.rulebook.notifications`,
:mod:`~bitslab.rulebook.jobs`) is apart from the code: the one piece of logic is the lookup in
:func:`rule`. This is the one source of the rules' text: the docs' rules page
(an anchor per ID), ``python -m bitslab rules`` and the event log's explanations read it.

>>> from bitslab.rulebook import rule, rules
>>> len(rules)
71
>>> rule("F5").title
'DISABLE silences everything'
>>> [r.id for r in rules.values() if r.model_choice][:3]
['F4', 'F6', 'I5']
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .classes import CLASS_RULES
from .jobs import JOB_RULES
from .notifications import NOTIFICATION_RULES
from .record import FAMILIES, Rule

__all__ = ["FAMILIES", "Rule", "rule", "rules"]

_ORDER = {family: index for index, family in enumerate(FAMILIES)}
rules: Mapping[str, Rule] = MappingProxyType(
    {
        r.id: r
        for r in sorted(
            (*NOTIFICATION_RULES, *JOB_RULES, *CLASS_RULES),
            key=lambda r: (_ORDER[r.family], int(r.id[1:])),
        )
    }
)
"""Every rule by ID, family by family (F, I, C, D, K, L, S, R, N, P), in number order;
read-only."""


def rule(rule_id: str) -> Rule:
    """The rule with this ID; an unknown ID raises ``KeyError`` saying what IDs look like.

    >>> print(rule("L2").source)
    IBackgroundCopyJob::Resume
    """
    try:
        return rules[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule {rule_id!r}; rule IDs look like F5, L3, S2") from None
