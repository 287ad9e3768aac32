"""Nutrition topic: values in the topic tables and exported CSVs equal the raw source files."""

from __future__ import annotations

import html

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
    assert here.value == pytest.approx(78.3)  # 78.3215 at the published decimal (issue 21)
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
    trend = pd.read_csv(out / "E07000113-swale" / "nutrition" / "ncmp_year6_obesity_trend.csv", na_values=["[c]", "[x]"])
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
    messages = nutrition.key_messages(swale, nutrition.MessageInputs(
        latest=latest, ranking=ranking, gradient=nutrition.deprivation_gradient("ncmp_year6_obesity"),
        poverty=nutrition.child_poverty(swale), adult=nutrition.adult_obesity(swale),
        feeding=nutrition.breastfeeding(swale)))
    # themes_obese_year6.csv, 2024/25: Swale 23.9% is the 4th highest of Kent's 12 districts, no tie.
    assert "Swale ranked 4th of 12 districts of Kent for Year 6 obesity in 2024/25" in " ".join(messages)


# ----------------------------------------------------------------------------- breastfeeding at the right level
# DfE LAIT bds_long_0.parquet, Short Desc 6wksBreast: Kent (LA 886) 2023 48.93, 2024 50.96; Medway (LA 887)
# 2024 46.03 (DfE labels the financial year by its end: 2024 = 2023/24). Kent County Council committee papers,
# 2 July 2024 (data/local/kcc-health-visiting-2022-23): Swale 38.9, Kent 51.3 at 6 to 8 weeks in 2022/23.
MEDWAY, KENT = "E06000035", "E10000016"


def test_district_shows_its_countys_6_8_week_figure_named_as_the_countys(swale):
    weeks = nutrition.breastfeeding_6_8_weeks(swale)
    assert not weeks[weeks.role == "area"].value.notna().any()  # LAIT has no district figures
    county = weeks[weeks.role == "county"].set_index("period")
    assert county.value["2023/24"] == pytest.approx(50.96)
    assert set(county.area_name) == {"Kent (county)"}
    message = " ".join(nutrition.key_messages(swale, nutrition.MessageInputs(
        latest=nutrition.obesity_latest(swale),
        ranking=nutrition.obesity_ranking("ncmp_year6_obesity", swale, "2024/25"),
        gradient=nutrition.deprivation_gradient("ncmp_year6_obesity"), poverty=nutrition.child_poverty(swale),
        adult=nutrition.adult_obesity(swale), feeding=nutrition.breastfeeding(swale), weeks=weeks,
        local=nutrition.local_breastfeeding(swale), feed=nutrition.first_feed(swale))))
    assert "Kent (county) 51.0% in 2023/24 (England 52.7%), the county's figure (not published for Swale)" in message
    assert "38.9% of babies in Swale were breastfed at 6 to 8 weeks in 2022/23" in message
    assert "Swale 51.0%" not in message


def test_unitary_shows_its_own_6_8_week_figure(store_ready):
    weeks = nutrition.breastfeeding_6_8_weeks(resolve(MEDWAY))
    own = weeks[weeks.role == "area"].set_index("period").value
    assert own["2023/24"] == pytest.approx(46.03)
    assert own["2022/23"] == pytest.approx(41.86)
    assert not (weeks.role == "county").any()


def test_local_figures_kept_apart_and_labelled(swale, store_ready):
    local = nutrition.local_breastfeeding(swale)
    assert list(local.area_name) == ["Swale", "Kent"]
    assert list(local.value) == pytest.approx([38.9, 51.3])
    assert set(local.label) == {"local data: Kent County Council, 2 July 2024"}
    # The national series never holds the local rows.
    weeks = nutrition.breastfeeding_6_8_weeks(swale)
    assert not weeks.value.isin([38.9, 51.3]).any()
    # A county's page lists its own local figure first, then the 6 districts the strategy quotes.
    kent = resolve(KENT)
    county = nutrition.local_breastfeeding(kent)
    assert county.area_name.iloc[0] == "Kent" and len(county) == 7
    assert county.set_index("area_name").value["Tunbridge Wells"] == pytest.approx(65.6)
    assert ("the 6 districts in these local data ranged from 38.9% (Swale) to 65.6% (Tunbridge Wells)"
            in nutrition.local_sentence(kent, county))


def test_first_feed_at_nearest_units_is_place_of_care(swale):
    # NHS Maternity Statistics 2022-23 measures CSV: Medway NHS FT (RPA) first feed breast milk 2,560 of 4,105
    # babies with a recorded first feed (62.4%); England 336,510 of 461,470 (72.9%).
    feed = nutrition.first_feed(swale)
    units = feed[feed.role == "unit"].set_index("org_code")
    assert len(units) == 4 and units.index[0] == "RPA"
    assert (units.loc["RPA", "count"], units.loc["RPA", "denominator"]) == (2560, 4105)
    assert units.loc["RPA", "value"] == pytest.approx(round(2560 / 4105 * 100, 1))  # published decimal
    england = feed[feed.role == "england"].iloc[0]
    assert england.value == pytest.approx(round(336510 / 461470 * 100, 1))
    assert (feed.basis == "place of care, not residents").all()
    assert "South East (NHS region)" in set(feed.name)


@pytest.fixture(scope="module")
def breastfeeding_packs(tmp_path_factory, store_ready):
    from nbutils import runner

    out = tmp_path_factory.mktemp("nutrition-levels")
    summary = runner.run([resolve(SWALE), resolve(MEDWAY)], ["nutrition"], out, jobs=1)
    return out, summary


@pytest.mark.slow
def test_swale_and_medway_csvs_hold_the_breastfeeding_figures(breastfeeding_packs):
    out, summary = breastfeeding_packs
    assert not summary.failed, [r.error for r in summary.failed]
    swale = out / "E07000113-swale" / "nutrition"
    local = pd.read_csv(swale / "breastfeeding_6_8_weeks_local.csv", na_values=["[c]", "[x]"])
    assert local.set_index("area_name").value.to_dict() == pytest.approx({"Swale": 38.9, "Kent": 51.3})
    assert local.label.str.startswith("local data: Kent County Council").all()
    national = pd.read_csv(swale / "breastfeeding_6_8_weeks.csv", na_values=["[c]", "[x]"])
    assert not national.area_name.eq("Swale").any()
    assert national[national.period == "2023/24"].set_index("area_name").value["Kent (county)"] == pytest.approx(51.0)  # 50.96 at 1 decimal
    medway = pd.read_csv(out / "E06000035-medway" / "nutrition" / "breastfeeding_6_8_weeks.csv",
                         na_values=["[c]", "[x]"])
    row = medway[(medway.role == "area") & (medway.period == "2023/24")].iloc[0]
    assert row.value == pytest.approx(46.0)  # 46.03 in DfE LAIT, written at the published 1 decimal
    page = (out / "E07000113-swale" / "nutrition.html").read_text()
    assert "place of care, not residents" in page and "Medway NHS Foundation Trust (62.4%)" in (
        out / "E07000113-swale" / "nutrition" / "map_maternity_units.html").read_text()


def test_maternity_units_map_names_each_unit_and_its_figure(swale):
    from nbutils import maps
    from nbutils.topics import places

    feed = nutrition.first_feed(swale)
    fmap = maps.units_map(places.outline(swale), feed[feed.role == "unit"], "first feed breast milk")
    page = fmap.get_root().render()
    for name, value in zip(feed[feed.role == "unit"].name, feed[feed.role == "unit"].value):
        assert f"{name} ({value:.1f}%)" in html.unescape(page)
    assert "Swale" in page  # the area's own label, readable without tiles
    assert "cdn.jsdelivr" not in page and "code.jquery" not in page  # Leaflet inlined: works offline
    assert "tile.openstreetmap.org" in page  # a faded base map, fetched by the browser only when online
    offline = maps.units_map(places.outline(swale), feed[feed.role == "unit"], "first feed", tiles=False)
    assert "tile.openstreetmap.org" not in offline.get_root().render()


def test_notes_name_only_the_areas_own_comparators(store_ready):
    """Issue 24: the sentences that replaced Kent-only Markdown are written from the area and its comparators."""
    from nbutils.areas import resolve

    def coverage(name):
        area = resolve(name)
        return nutrition.obesity_coverage(area, [nutrition.obesity_trend(i, area) for i in nutrition.OBESITY_MEASURES])

    assert coverage("Coventry") == "The extract holds no figures for West Midlands, so it is not shown."
    assert coverage("Swale") == "The extract holds no figures for Kent or South East, so they are not shown."
    assert coverage("bi-borough").startswith("The extract publishes rates without counts, so no figure for Bi-borough "
                                             "as a whole can be computed; Kensington and Chelsea and Westminster")
    sevenoaks = resolve("Sevenoaks")
    assert nutrition.initiation_withheld(sevenoaks, nutrition.breastfeeding(sevenoaks)) == (
        "Fingertips withheld the values for Sevenoaks and Kent because they failed data-quality checks "
        "(not available, not zero).")
    coventry = resolve("Coventry")
    assert nutrition.initiation_withheld(coventry, nutrition.breastfeeding(coventry)) == ""
