"""The rules catalogue (bitslab.rulebook) against bits-rules.md, its source of truth."""

from __future__ import annotations

import dataclasses
import re

import pytest

from bitslab.rulebook import FAMILIES, Rule, rule, rules

BULLET = re.compile(r"^- \*\*([A-Z]+\d+)\*\* (.+)$", re.MULTILINE)
# bits-rules.md marks a model choice with a parenthesised remark naming it: "(model choice)",
# "(model choice: ...)", "(model choice, Wine's order)" or "(... is a model choice.)".
MODEL_CHOICE = re.compile(r"\([^()]*\bmodel choice\b[^()]*\)")
SHARED_RUN = 8  # a text may not repeat this many consecutive words of its bullet


def bullets(rules_text: str) -> dict[str, str]:
    """Each rule's bullet in bits-rules.md, by ID, in file order."""
    return {m.group(1): m.group(2) for m in BULLET.finditer(rules_text)}


def word_runs(text: str, n: int) -> set[tuple[str, ...]]:
    words = re.findall(r"[\w()']+", text.lower())
    words = [w.strip("()'") for w in words]
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_catalogue_has_every_rule_of_bits_rules_in_order(rules_text: str) -> None:
    expected = list(bullets(rules_text))
    assert len(expected) == 61
    assert list(rules) == expected


def test_each_rule_is_filed_under_its_id_and_family() -> None:
    for rule_id, r in rules.items():
        assert r.id == rule_id
        assert r.family == re.sub(r"\d+$", "", rule_id)


def test_model_choice_is_true_exactly_where_bits_rules_marks_one(rules_text: str) -> None:
    marked = {rule_id for rule_id, text in bullets(rules_text).items() if MODEL_CHOICE.search(text)}
    flagged = {rule_id for rule_id, r in rules.items() if r.model_choice}
    assert flagged == marked


def test_model_choice_texts_say_what_bitslab_chose() -> None:
    for r in rules.values():
        if r.model_choice:
            assert "bitslab" in r.text, r


def test_every_text_is_one_short_sentence() -> None:
    for r in rules.values():
        assert r.text.endswith("."), r
        assert not re.search(r"[.!?]\s+[A-Z]", r.text), f"{r.id} has more than one sentence"
        assert "\n" not in r.text
        assert len(r.text) < 200, f"{r.id} is {len(r.text)} characters"


def test_every_text_is_in_its_own_words_not_copied_from_bits_rules(rules_text: str) -> None:
    source = bullets(rules_text)
    copied = {}
    for rule_id, r in rules.items():
        shared = word_runs(r.text, SHARED_RUN) & word_runs(source[rule_id], SHARED_RUN)
        if shared:
            copied[rule_id] = " ".join(min(shared))
    assert not copied, f"texts repeating {SHARED_RUN}+ words of bits-rules.md: {copied}"


def test_every_rule_has_a_short_title_and_a_named_source() -> None:
    for r in rules.values():
        assert r.title, r.id
        assert len(r.title.split()) <= 6, r.title
        assert r.source.strip() == r.source, r.id
        assert r.source, r.id


def test_str_shows_id_title_and_text() -> None:
    r = rule("F5")
    assert str(r) == f"F5 (DISABLE silences everything): {r.text}"


def test_rule_records_are_immutable_and_slotted() -> None:
    r = rule("F5")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.text = "anything goes"  # type: ignore[misc]
    assert not hasattr(r, "__dict__")
    assert isinstance(r, Rule)


def test_catalogue_mapping_is_read_only() -> None:
    with pytest.raises(TypeError):
        rules["Z9"] = rule("F5")  # type: ignore[index]
    with pytest.raises(TypeError):
        del rules["F5"]  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        FAMILIES["Z"] = "zebras"  # type: ignore[index]


def test_rule_looks_up_by_id() -> None:
    assert rule("L2") is rules["L2"]
    assert rule("L2").source == "IBackgroundCopyJob::Resume"


def test_unknown_rule_raises_key_error_naming_it_and_the_id_format() -> None:
    with pytest.raises(KeyError, match=r"unknown rule 'Z9'; rule IDs look like F5") as info:
        rule("Z9")
    assert len(str(info.value)) < 80


def test_every_family_letter_has_a_name() -> None:
    used = {r.family for r in rules.values()}
    assert used == set(FAMILIES)
    assert all(name and name == name.lower() for name in FAMILIES.values())
    assert list(FAMILIES) == list(dict.fromkeys(r.family for r in rules.values()))
