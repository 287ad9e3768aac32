"""Topic functions exchange small named records, never long positional lists of tables or tuples (issue 27)."""

from __future__ import annotations

import dataclasses

import pytest

from nbutils.areas import resolve
from nbutils.topics import ethnicity, funnel, housing, infant_mortality, nutrition, smoking, sudi

RECORDS = [ethnicity.MessageInputs, housing.MessageInputs, nutrition.MessageInputs, smoking.MessageInputs,
           sudi.MessageInputs, infant_mortality.InfantMortalitySeries, funnel.Funnel]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: f"{r.__module__.rpartition('.')[2]}.{r.__name__}")
def test_records_are_built_by_name_and_never_change(record):
    names = [f.name for f in dataclasses.fields(record)]
    with pytest.raises(TypeError):
        record(*[None] * len(names))  # by position: a swapped pair of tables would pass silently
    built = record(**dict.fromkeys(names))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, names[0], None)


def test_ethnicity_messages_quote_the_census_counts(store_ready):
    swale = resolve("E07000113")
    groups = ethnicity.group_shares(swale)
    messages = ethnicity.key_messages(swale, ethnicity.MessageInputs(
        groups=groups, summary=ethnicity.minority_summary(groups), focus=ethnicity.focus_groups(groups),
        language=ethnicity.language_and_migration(swale), profile=ethnicity.msoa_profile(swale)))
    # data/raw/humaniverse-demographr-census2021/ethnicity21_ltla21.csv.gz lines 5094-5112 (Census 2021 TS021,
    # Swale): the 19 groups sum to 151,677 residents, 134,385 of them White British; Other White 5,999, Gypsy or
    # Irish Traveller 925, Roma 177.
    assert messages[0].startswith("In 2021, 11.4% of Swale's 151,677 residents (17,292 people) were from ethnic "
                                  "minority groups")
    assert "Other White (4.0%, 5,999 people)" in messages[1]
    assert messages[2].startswith("925 residents identified as Gypsy or Irish Traveller (0.61% of residents")
    assert "177 residents identified as Roma (0.12% of residents" in messages[2]
