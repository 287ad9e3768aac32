"""Nutrition topic: values in the topic tables and exported CSVs equal the raw source files."""

from __future__ import annotations

import pandas as pd
import pytest

from nbutils.areas import resolve
from nbutils.topics import indicators, nutrition

SWALE, KENSINGTON = "E07000113", "E09000020"


@pytest.fixture(scope="module")
def swale(store_ready):
    return resolve(SWALE)


def test_year6_obesity_as_published(swale):
    # themes_obese_year6.csv row 3433: E07000113,Swale,District,2024/25,...,23.9,Similar,NA
    latest = nutrition.obesity_latest(swale)
    year6 = latest[(latest.measure.str.startswith("Year 6")) & (latest.role == "area")].iloc[0]
    assert year6.period == "2024/25"
    assert year6.value == pytest.approx(23.9)
    assert year6.compared_with_england == "Similar"
    assert year6.comparison_method == indicators.METHOD_PUBLISHED


def test_ranking_among_kent_districts(swale):
    # themes_obese_year6.csv rows 3434 (Thanet 25.0, Worse); Kent's 12 districts, Swale 4th highest in 2024/25.
    ranking = nutrition.obesity_ranking("ncmp_year6_obesity", swale, "2024/25")
    assert len(ranking) == 12
    assert ranking.iloc[0].area_name == "Thanet" and ranking.iloc[0].value == pytest.approx(25.0)
    assert ranking.iloc[0].compared_with_england == "Worse than England"
    assert ranking.loc[ranking.is_area, "rank"].iloc[0] == 4


def test_deprivation_gradient_england():
    # themes_obese_year6.csv rows 2-6: England 2020/21 - 24/25 most deprived quintile 28.9 ... least deprived 14.5.
    gradient = nutrition.deprivation_gradient("ncmp_year6_obesity")
    assert list(gradient.value) == pytest.approx([28.9, 25.3, 21.4, 18.3, 14.5])
    assert gradient.period.iloc[0] == "2020/21-24/25"


def test_child_poverty_and_adult_obesity(swale):
    # children-in-relative-poverty.csv row 2215: Swale after housing costs 2024-04-01/P1Y 26.99553872
    poverty = nutrition.child_poverty(swale)
    ahc = poverty[(poverty.role == "area") & (poverty.measure == "After housing costs") & (poverty.period == "2024/25")]
    assert ahc.value.iloc[0] == pytest.approx(26.99553872)
    assert not (poverty.role == "england").any() or poverty.loc[poverty.role == "england", "value"].isna().all()
    # adult-obesity-prevalence.csv row 2875: Swale 2023-11-16/P1Y 23.49738 (18.95425 to 28.43137)
    adult = nutrition.adult_obesity(swale)
    row = adult[(adult.role == "area") & (adult.period == "2023/24")].iloc[0]
    assert (row.value, row.lower_ci95, row.upper_ci95) == pytest.approx((23.49738, 18.95425, 28.43137))
    assert row.comparison_method == indicators.METHOD_CI


def test_breastfeeding_published_or_missing(store_ready):
    # walkthrough_tidy_with_codes.csv row 3678: Coventry 2016/17 78.3215 (77.1153-79.4811), Significantly higher.
    coventry = nutrition.breastfeeding(resolve("Coventry"))
    here = coventry[coventry.role == "area"].iloc[0]
    assert here.value == pytest.approx(78.3215)
    assert here.compared_with_england == "Better than England"
    # Kent's value is "No data" in the extract: no number is shown for Swale or Kent.
    swale = nutrition.breastfeeding(resolve(SWALE))
    assert swale.loc[swale.role != "england", "value"].isna().all()


@pytest.fixture(scope="module")
def pack_run(tmp_path_factory, store_ready):
    from nbutils import runner

    out = tmp_path_factory.mktemp("nutrition")
    summary = runner.run([resolve(SWALE), resolve(KENSINGTON)], ["nutrition"], out, jobs=1)
    return out, summary


@pytest.mark.slow
def test_nutrition_pack_runs_and_exports_source_values(pack_run):
    out, summary = pack_run
    assert not summary.failed, [r.error for r in summary.failed]
    trend = pd.read_csv(out / "E07000113-swale" / "nutrition" / "ncmp_year6_obesity_trend.csv")
    row = trend[(trend.role == "area") & (trend.period == "2024/25")].iloc[0]
    assert row.value == pytest.approx(23.9)
    assert row.compared_with_england == "Similar"
    ranking = pd.read_csv(out / "E09000020-kensington-and-chelsea" / "nutrition" / "year6_obesity_ranking.csv")
    assert ranking.is_area.sum() == 1


def test_ties_are_said_as_joint(swale):
    from nbutils import narrative

    assert narrative.rank_phrase(11, True, 12) == "ranked joint 11th of 12"
    assert narrative.rank_phrase(4, False, 12) == "ranked 4th of 12"
    assert [narrative.ordinal(n) for n in (1, 2, 3, 11, 12, 13, 21, 22)] == [
        "1st", "2nd", "3rd", "11th", "12th", "13th", "21st", "22nd"]
    # A fixture ranking with two districts on the same value (rank 'min', as siblings_ranking computes it).
    ranking = pd.DataFrame({"rank": [1.0, 2.0, 2.0, 4.0], "area_name": ["A", "B", "C", "D"],
                            "period": "2024/25", "value": [25.0, 24.0, 24.0, 20.0],
                            "compared_with_england": "Similar"})
    assert list(nutrition.ranking_view(ranking)["Rank (1 = highest)"]) == ["1", "joint 2", "joint 2", "4"]


def test_swale_rank_message_is_not_joint_when_untied(swale):
    latest = nutrition.obesity_latest(swale)
    ranking = nutrition.obesity_ranking("ncmp_year6_obesity", swale, "2024/25")
    messages = nutrition.key_messages(swale, latest, ranking, nutrition.deprivation_gradient("ncmp_year6_obesity"),
                                      nutrition.child_poverty(swale), nutrition.adult_obesity(swale),
                                      nutrition.breastfeeding(swale))
    # themes_obese_year6.csv, 2024/25: Swale 23.9% is the 4th highest of Kent's 12 districts, no tie.
    assert "Swale ranked 4th of 12 districts of Kent for Year 6 obesity in 2024/25" in " ".join(messages)
