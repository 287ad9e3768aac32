"""The one freshness rule: period labels as the sources write them, and when a figure is old."""

from __future__ import annotations

import doctest
from datetime import date

import pytest

from nbutils import periods

PACK_DATE = date(2026, 12, 2)


@pytest.mark.parametrize("label, end", [
    ("2021", date(2021, 12, 31)),
    ("2016/17", date(2017, 3, 31)),
    ("1999/00", date(2000, 3, 31)),
    ("2019-20", date(2020, 3, 31)),
    ("FYE 2025", date(2025, 3, 31)),
    ("2016-18", date(2018, 12, 31)),
    ("2019-23", date(2023, 12, 31)),
    ("2013/14-15/16", date(2016, 3, 31)),
    ("2013/14-2015/16", date(2016, 3, 31)),
    ("Oct-Dec 2023", date(2023, 12, 31)),
    ("Jan-Mar 2024", date(2024, 3, 31)),
    ("mid-2020", date(2020, 6, 30)),
    ("31 December 2023", date(2023, 12, 31)),
])
def test_period_end(label, end):
    assert periods.period_end(label) == end


@pytest.mark.parametrize("label", ["", "recent", "2016/2017/18", "Foo-Bar 2023"])
def test_unknown_label_is_refused_with_examples(label):
    with pytest.raises(ValueError, match="not in a known form"):
        periods.period_end(label)


@pytest.mark.parametrize("label, old", [
    ("2018/19", True),        # SATOD extract: ended March 2019
    ("2016-18", True),
    ("2019-21", True),        # ended December 2021, more than 3 years before December 2026
    ("2023", False),          # ended December 2023: 2 years 11 months
    ("2023/24", False),
    ("Oct-Dec 2023", False),
    ("2021", True),           # Census 2021 is old by the rule (and the latest census)
])
def test_three_year_rule(label, old):
    assert periods.is_old(label, on=PACK_DATE) is old


def test_boundary_is_exactly_three_years():
    assert not periods.is_old("2023", on=date(2026, 12, 31))
    assert periods.is_old("2023", on=date(2027, 1, 1))


def test_pack_date_can_be_fixed_for_reproducible_builds(monkeypatch):
    monkeypatch.setenv("NBUTILS_PACK_DATE", "2030-01-01")
    assert periods.pack_date() == date(2030, 1, 1)
    assert periods.is_old("2023/24")


def test_sort_key_orders_mixed_labels_by_end():
    labels = ["2019-21", "2016/17", "Oct-Dec 2023", "mid-2020", "unknown"]
    assert sorted(labels, key=periods.sort_key) == ["2016/17", "mid-2020", "2019-21", "Oct-Dec 2023", "unknown"]


def test_freshness_note_names_the_end_and_is_empty_when_current():
    assert periods.freshness_note("2018/19", on=PACK_DATE) == "(old figure: period ended March 2019)"
    assert periods.freshness_note("2024/25", on=PACK_DATE) == ""
    assert periods.freshness_note("not a period", on=PACK_DATE) == ""


def test_docstring_examples_run():
    assert doctest.testmod(periods).failed == 0
