"""The rules catalogue (bitslab.rulebook): the one source of the rules' text, which the docs'
rules page, ``python -m bitslab rules`` and the event log all read."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from bitslab.rulebook import FAMILIES, Rule, rule, rules

ROOT = Path(__file__).resolve().parent.parent
MODEL_CHOICES_PAGE = ROOT / "docs/background/model-choices.md"
README = ROOT / "README.md"


def test_catalogue_runs_family_by_family_each_numbered_from_one_without_gaps() -> None:
    """F1-F8, I1-I8, C1-C11, D1, K1-K7, L1-L17, S1-S5, R1-R6, N1-N5, P1-P3 today: the
    families in the order of FAMILIES, each family's rules numbered 1, 2, 3... in order."""
    expected = []
    for family in FAMILIES:
        count = sum(r.family == family for r in rules.values())
        expected += [f"{family}{n}" for n in range(1, count + 1)]
    assert list(rules) == expected


def test_each_rule_is_filed_under_its_id_and_family() -> None:
    for rule_id, r in rules.items():
        assert r.id == rule_id
        assert r.family == re.sub(r"\d+$", "", rule_id)


def test_every_model_choice_and_only_those_is_explained_on_the_model_choices_page() -> None:
    """docs/background/model-choices.md has a section, labelled by ID, for each rule whose
    model_choice is true (the rules page links each one there), and for no other rule."""
    labels = re.findall(r"^\(model-choice-([a-z]+\d+)\)=$", MODEL_CHOICES_PAGE.read_text(), re.M)
    flagged = [r.id.lower() for r in rules.values() if r.model_choice]
    assert labels == flagged


def test_the_readmes_list_of_model_choices_names_every_one_and_only_those() -> None:
    """The README lists the model-choice rules, one item each, in the rulebook's order."""
    text = README.read_text(encoding="utf-8")
    (listed,) = re.findall(r"<!-- model-choices -->\n(.*?)<!-- /model-choices -->", text, re.S)
    named = re.findall(r"^- \*\*([A-Z]+\d+)\*\*: ", listed, re.M)
    assert named == [r.id for r in rules.values() if r.model_choice]


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
