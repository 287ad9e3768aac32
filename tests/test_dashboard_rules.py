"""RAG and direction-of-travel rules on fixed cases (the quarterly dashboard's conventions)."""

from __future__ import annotations

import doctest

import pytest

from nbutils.topics import dashboard_rules as rules


@pytest.mark.parametrize("label, rating", [
    ("Worse than England", "Red"),
    ("Worse than England (99.8%)", "Red"),
    ("Better than England", "Green"),
    ("Similar", "Amber"),
    ("Higher than England", "Grey"),
    ("Lower than England", "Grey"),
    ("Not tested", "Grey"),
    ("Suppressed [c]", "Grey"),
    ("No value", "Grey"),
    (None, "Grey"),
    (float("nan"), "Grey"),
])
def test_rag_from_the_comparison_with_england(label, rating):
    rag = rules.rag_rating(label)
    assert rag.rating == rating
    assert rag.words.startswith(rating)          # the word is always written, never colour alone
    assert rag.fill.startswith("#") and rag.text_colour.startswith("#")


def test_not_tested_is_grey_and_says_so():
    assert rules.rag_rating("Not tested").words == "Grey: not tested"
    assert "suppressed" in rules.rag_rating("Suppressed [c]").words


@pytest.mark.parametrize("previous, latest, polarity, words, arrow", [
    (4.1, 3.6, "low-is-good", "Down (getting better)", "↓"),
    (3.6, 4.1, "low-is-good", "Up (getting worse)", "↑"),
    (46.0, 51.0, "high-is-good", "Up (getting better)", "↑"),
    (51.0, 46.0, "high-is-good", "Down (getting worse)", "↓"),
    (20.0, 22.0, "no-judgement", "Up", "↑"),
    (3.64, 3.56, "low-is-good", "No change", "→"),   # both 3.6 at one decimal
    (None, 3.6, "low-is-good", "Not available: only one period", ""),
    (3.6, float("nan"), "low-is-good", "Not available: no latest value", ""),
])
def test_direction_of_travel(previous, latest, polarity, words, arrow):
    direction = rules.direction_of_travel(previous, latest, polarity)
    assert direction.words == words
    assert direction.arrow == arrow


def test_direction_uses_the_precision_shown():
    assert rules.direction_of_travel(3.64, 3.56, "low-is-good", decimals=2).direction == "Down"


def test_docstring_examples_run():
    assert doctest.testmod(rules).failed == 0
