"""SUDI and overview pages: the numbers they show equal the raw source files; disclosure and small numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from nbutils import store
from nbutils.areas import resolve
from nbutils.topics import overview, scale_of_need, sudi

SWALE, THANET, WESTMINSTER, NORTH_YORKSHIRE = "E07000113", "E07000114", "E09000033", "E06000065"


@pytest.fixture(scope="module")
def swale(store_ready):
    return resolve(SWALE)


@pytest.fixture(scope="module")
def swale_card(swale):
    return overview.scorecard(swale).set_index("indicator_id")


def test_infant_mortality_series_as_published(swale):
    series = sudi.infant_mortality_series(swale)
    here, spread, siblings, dropped = series.here, series.spread, series.siblings, series.dropped
    # ons_health_index_underlying_indicators_ltla21_2015_2021.csv lines 52509 and 52515:
    # E07000113,Swale,2015,Infant mortality,2.906413486,False / ...,2021,Infant mortality,4.85338726,False
    values = here.set_index("period").value
    assert values["2013-15"] == pytest.approx(round(2.906413486, 1))  # at the published decimals (1)
    assert values["2019-21"] == pytest.approx(round(4.85338726, 1))
    assert list(values.index) == ["2013-15", "2014-16", "2015-17", "2016-18", "2017-19", "2018-20", "2019-21"]
    assert dropped == []
    assert set(siblings.area_code) == {f"E07000{c}" for c in range(105, 117)} - {SWALE}
    # Rates implying fewer than 3 deaths are withheld (up to 11 a period), and a pooled rate from which a withheld
    # single year could be estimated (the pooled/single-year family rule: up to 3 more a period).
    assert list(spread.districts) == [287, 287, 285, 275, 277, 276, 274]


def test_carried_forward_year_is_not_a_data_point(swale, swale_card):
    # Same file, lines 112686-112687: Swale Teenage pregnancy 2020 14.481409 False; 2021 14.481409 True.
    row = swale_card.loc["ons_hi_teenage_pregnancy"]
    assert row.period == "2020"
    assert row.value == pytest.approx(14.481409)
    assert "2021 carried forward" in row.note


def test_scorecard_values_equal_raw_sources(swale_card):
    card = swale_card
    # ONS Health Index file line 52515: Swale 2021 (= 2019-21) infant mortality 4.85338726; no England row.
    assert card.loc["ons_hi_infant_mortality", "value"] == pytest.approx(round(4.85338726, 1))
    assert card.loc["ons_hi_infant_mortality", "period"] == "2019-21"
    assert card.loc["ons_hi_infant_mortality", "benchmark"] == "Median of English districts"
    # Same file line 65409: Swale 2021 Low birth weight 2.739726027.
    assert card.loc["ons_hi_low_birth_weight", "value"] == pytest.approx(round(2.739726027, 2))
    # DfE LAIT bds_long_0.parquet, InfMort 2023: Kent 3.6, England 3.9 (single year, upper tier only): a Kent
    # district's overview shows the county's figure, named as the county's.
    im = card.loc["infant_mortality_single_year"]
    assert (im.value, im.value_geography, im.period, im.england) == (pytest.approx(3.6), "Kent", "2023",
                                                                     pytest.approx(3.9))
    assert im.position_among_districts == "not applicable"  # an upper-tier figure is not ranked among districts
    # themes_adults_smoking.csv line 4407: E07000113,Swale,District,2024,...,14.9,Similar
    assert card.loc["aps_adult_smoking", "value"] == pytest.approx(14.9)
    assert card.loc["aps_adult_smoking", "compared_with_england"] == "Similar"
    # adult-obesity-prevalence.csv line 2871: Swale 2024-11-16/P1Y 34.53465 (31.02493-38.08864); England 26.64292.
    ob = card.loc["ohid_adult_obesity"]
    assert (ob.value, ob.lower_ci95, ob.upper_ci95, ob.england) == pytest.approx((34.53465, 31.02493, 38.08864, 26.64292))
    assert ob.compared_with_england == "Worse than England"
    # Smoking at time of delivery: walkthrough line 4636, Kent 2018/19 13.8003, Worse; a district shows its county.
    sat = card.loc["satod"]
    assert (sat.value, sat.value_geography, sat.period) == (pytest.approx(13.8), "Kent", "2018/19")  # 1 decimal
    assert sat.compared_with_england == "Worse than England"
    # Census and deprivation counts are described, never tested.
    assert card.loc["census_overcrowded_households", "compared_with_england"] == "Not tested"
    assert card.loc["census_overcrowded_households", "comparison_method"] == overview.NOT_TESTED_CENSUS


def test_overcrowding_and_deprivation_from_lsoa_files(swale, swale_card):
    from nbutils.sources import housing

    occ = housing.occupancy_lsoa()
    imd = housing.imd2025_lsoa()
    from nbutils import store

    lsoas = store.table("lsoa_lookup")
    inside = lsoas[lsoas.lad_code == SWALE].lsoa21_code
    occ = occ[occ.lsoa21_code.isin(inside)]
    share = occ[housing.OVERCROWDED].sum().sum() / occ.total_households.sum() * 100
    assert swale_card.loc["census_overcrowded_households", "value"] == pytest.approx(share)
    deciles = imd[(imd.domain == "Index of Multiple Deprivation") & imd.lsoa21_code.isin(inside)].decile
    assert swale_card.loc["imd2025_lsoas_most_deprived_20pct", "value"] == pytest.approx((deciles <= 2).mean() * 100)
    assert (deciles <= 2).sum() == 24 and len(deciles) == 90
    profile = sudi.small_area_risk(swale)
    assert profile.lsoas.sum() == 90 and profile.lsoas_most_deprived_20pct.sum() == 24


def test_births_are_residents_aged_under_one(swale):
    # mye2020_persons_sya_ltla21.csv line 254: "E07000113","Swale",151015,1682,1816,1782,...
    assert scale_of_need.births_estimate(swale) == 1682
    assert scale_of_need.children_0_2(swale) == 1682 + 1816 + 1782
    # line 127: Coventry aged 0 = 4171 (Coventry's strategy: "about 4,500 births a year").
    assert scale_of_need.births_estimate(resolve("Coventry")) == 4171
    # North Yorkshire (formed 2023) = sum of its seven predecessors.
    assert scale_of_need.births_estimate(resolve(NORTH_YORKSHIRE)) == pytest.approx(4978)


def test_2016_18_small_numbers_and_disclosure(store_ready):
    thanet = resolve(THANET)
    frame = sudi.infant_mortality_2016_18(thanet)
    # walkthrough line 1912: Thanet 92196 2016-18 4.6888 (2.9374-7.0993), 22 deaths / 4692 births.
    row = frame[frame.role == "area"].iloc[0]
    assert (row.value, row["count"], row.live_births) == pytest.approx((round(4.6888, 1), 22, 4692))
    assert row.caution == ""
    # walkthrough line 1842: Sevenoaks 7 deaths -> fewer than 20: caution.
    seven = sudi.infant_mortality_2016_18(resolve("Sevenoaks"))
    assert seven[seven.role == "area"].caution.iloc[0] == sudi.CAUTION
    plot = sudi.funnel(thanet)
    points, limits, england, left_off = plot.points, plot.limits, plot.england_rate, plot.left_off
    assert england == pytest.approx(3.9)  # 3.9306 at the published decimal
    assert not points["count"].between(1, 2).any()  # suppressed counts never reach the plot or its table
    assert left_off == 4  # two areas in the extract have 1-2 deaths, and one more in each of their counties
    assert points.loc[points.group == "area", "funnel_position"].iloc[0] == "Not significant"
    assert (limits.lower_95 < england).all() and (limits.upper_95 > england).all()
    assert (limits.upper_998 >= limits.upper_95).all()


def test_missing_areas_say_so(store_ready):
    ny = resolve(NORTH_YORKSHIRE)
    here = sudi.infant_mortality_series(ny).here
    assert here.empty
    assert "April 2023" in sudi.missing_reason(ny)
    card = overview.scorecard(ny).set_index("indicator_id")
    assert "formed in April 2023" in card.loc["ons_hi_infant_mortality", "note"]
    westminster = resolve(WESTMINSTER)
    messages = overview.key_messages(westminster, overview.scorecard(westminster), births=2352)
    assert 3 <= len(messages) <= 5


@pytest.mark.slow
def test_end_to_end_overview_and_sudi(tmp_path, store_ready):
    from nbutils import runner

    summary = runner.run([resolve("Swale"), resolve("Westminster")], ["overview", "sudi"], tmp_path, jobs=2)
    assert not summary.failed, [(r.area.code, r.topic, r.error) for r in summary.failed]
    swale = tmp_path / resolve("Swale").folder
    card = pd.read_csv(swale / "overview" / "scorecard.csv", na_values=["[c]", "[x]"])
    headlines = pd.read_csv(swale / "overview" / "headlines.csv")
    # The export adds a value_note column explaining any [x] cell (disclosure.for_csv).
    assert list(headlines.columns)[:8] == ["area_code", "indicator_id", "indicator", "value", "unit", "period",
                                           "value_geography", "comparison"]
    satod = headlines.set_index("indicator_id").loc["satod"]
    assert satod.value_geography == "Kent"  # a county's figure on a district's line says whose it is
    assert len(card) == len(overview.HEADLINES) == len(headlines)
    im = card.set_index("indicator_id").loc["ons_hi_infant_mortality"]
    assert im.value == pytest.approx(4.9)  # 4.85338726 in the CSV at the published decimal (issue 21)
    assert (swale / "overview.html").exists() and (swale / "sudi.html").exists()
    assert (swale / "sudi" / "map_deprivation.html").exists()
    # The SUDI page's "what would it take" is the overview's seven-lever model, its SUDI rows (one model, not two).
    sudi_levers = pd.read_csv(swale / "sudi" / "what_would_it_take_sudi_levers.csv", na_values=["[c]", "[x]"])
    seven = pd.read_csv(swale / "overview" / "what_would_it_take_levers.csv", na_values=["[c]", "[x]"])
    assert list(sudi_levers.key) == ["smoking", "overcrowding", "sudi", "breastfeeding"]
    assert (sudi_levers.set_index("key").deaths_prevented_a_year
            == seven.set_index("key").deaths_prevented_a_year.loc[sudi_levers.key]).all()
    assert not (swale / "sudi" / "report_example.csv").exists()
    page = (swale / "overview.html").read_text()
    for topic in ("ethnicity", "housing", "nutrition", "sudi", "smoking"):
        assert f"href='{topic}.html'" in page or f'href="{topic}.html"' in page
    funnel = pd.read_csv(tmp_path / resolve("Westminster").folder / "sudi" / "infant_mortality_funnel.csv",
                         na_values=["[c]", "[x]"])
    assert not funnel["count"].between(1, 2).any()


# Adur (E07000223) had 2 infant deaths in 2016-18 (Fingertips 92196, 2020 extract): below the ONS threshold of 3.
ADUR = "E07000223"


def test_store_withholds_rates_resting_on_one_or_two_deaths():
    fingertips = store.indicator_data("fingertips_infant_mortality", [ADUR]).iloc[0]
    assert pd.isna(fingertips["count"]) and pd.isna(fingertips.value) and pd.isna(fingertips.lower_ci95)
    assert fingertips.value_note.startswith("[c]")
    assert "compared_to_england" not in fingertips.value_note  # no significance claim survives suppression
    # The Health Index publishes the same 2016-18 rate without a count: it is withheld too.
    series = store.indicator_data("ons_hi_infant_mortality", [ADUR]).set_index("period")
    assert pd.isna(series.loc["2016-18", "value"]) and series.loc["2016-18", "value_note"].startswith("[c]")
    assert series.loc["2019-21", "value"] == pytest.approx(round(2.320185615, 1))  # other periods are kept


def test_suppressed_area_messages_and_scorecard_say_so_without_the_rate():
    area = resolve(ADUR)
    card = overview.scorecard(area, [overview.Headline("fingertips_infant_mortality", "Infant mortality 2016-18",
                                                       "sudi", "per 1,000 live births", decimals=2)])
    row = card.set_index("indicator_id").loc["fingertips_infant_mortality"]
    assert pd.isna(row.value) and row.compared_with_england == "Suppressed [c]"
    messages = " ".join(sudi.key_messages(area, sudi.MessageInputs(
        series=sudi.infant_mortality_series(area), infant_mortality_2016_18=sudi.infant_mortality_2016_18(area),
        risk_card=overview.scorecard(area, sudi.RISK_FACTORS), deprived=sudi.deprived_share(area))))
    # Withheld, in the one wording that does not tell a small count from a protecting one.
    assert "withheld (disclosure control" in messages and "fewer than 3" not in messages
    assert "1.01" not in messages


def test_old_figures_are_flagged_in_scorecard_and_messages(swale, swale_card, monkeypatch):
    monkeypatch.setenv("NBUTILS_PACK_DATE", "2026-12-02")
    card = swale_card.reset_index()
    periods = dict(zip(card.indicator_id, overview.scorecard_view(card).Period))
    assert periods["ons_hi_infant_mortality"] == "2019-21 (old figure)"
    assert periods["ons_hi_teenage_pregnancy"] == "2020 (old figure)"
    assert periods["ncmp_year6_obesity"] == "2024/25"
    messages = overview.key_messages(swale, card, births=1682)
    assert messages[0].startswith("Infant mortality in Kent (the county) was 3.6 per 1,000 live births in 2023 "
                                  "(England 3.9)")  # current: no old-figure note
    assert ("Swale's own three-year rate was 4.9 in 2019-21 (old figure: period ended December 2021)"
            in messages[0])
    assert "2018/19; old figure, period ended March 2019" in " ".join(messages)  # smoking at delivery, Kent


def test_an_upper_tier_three_year_rate_covers_the_years_of_its_gap_to_england(monkeypatch):
    """Coventry's district series ends in 2019-21, its single years in 2023: the message gives the single years
    pooled, the rate the gap to England that follows it is counted from, instead of an older rate beside it."""
    monkeypatch.setenv("NBUTILS_PACK_DATE", "2026-12-02")
    coventry = resolve("Coventry")
    messages = overview.key_messages(coventry, overview.scorecard(coventry), births=None)
    assert messages[0] == ("Infant mortality in Coventry was 5.5 per 1,000 live births in 2023 (England 3.9); a single "
                           "year rests on few deaths, so it is not tested against England; Coventry's own three-year "
                           "rate was about 4.8 in 2021-23 (the single years pooled; England 3.8). Read it with the "
                           "SUDI page: rates resting on few deaths move by chance.")
    gap = next(m for m in messages if m.startswith("Against England's rate"))
    assert "infant deaths a year in 2021-23 (95% interval" in gap
    assert "2019-21" not in messages[0]
    kc = resolve("Kensington and Chelsea")  # an old single year: England and the note share one bracket
    assert overview.key_messages(kc, overview.scorecard(kc), births=None)[0].startswith(
        "Infant mortality in Kensington and Chelsea was 2.9 per 1,000 live births in 2022 (England 3.9; old figure, "
        "period ended December 2022); a single year rests on few deaths")
    kent = resolve("E10000016")  # a county has no district series: its single years pooled, as its gap
    assert ("; Kent's own three-year rate was about 3.1 in 2021-23 (the single years pooled; England 3.8)."
            in overview.key_messages(kent, overview.scorecard(kent), births=None)[0])


def test_infant_mortality_said_once_in_overview(swale, swale_card):
    messages = overview.key_messages(swale, swale_card.reset_index(), births=1682)
    assert sum("nfant mortality" in m for m in messages) == 1


def test_long_message_lists_say_how_many_more(swale, swale_card):
    # Fixture: six of Swale's real scorecard rows relabelled as worse, to exercise the list limit.
    card = swale_card.reset_index()
    rows = card.indicator_id.isin(["aps_adult_smoking", "ncmp_year6_obesity", "ncmp_reception_obesity",
                                   "ohid_adult_obesity", "satod", "ons_cigarette_smokers_5yr"])
    card.loc[rows, "compared_with_england"] = "Worse than England"
    worse = [m for m in overview.key_messages(swale, card, births=None) if m.startswith("Significantly worse")]
    assert len(worse) == 1 and worse[0].endswith("and 2 more (see the scorecard).")


def test_untested_rows_never_called_similar(swale, swale_card):
    card = swale_card.reset_index()
    untested = card[card.compared_with_england == "Not tested"]
    assert len(untested) and not untested.note.str.contains("similar|better|worse").any()


def test_extract_sources_say_how_many_areas(store_ready):
    from nbutils.topics import indicators

    assert indicators.group_phrase(92) == "the 92 areas in this extract"
    assert indicators.group_phrase(296) == "English districts"
    card = overview.scorecard(resolve("E06000035"), [overview.Headline(
        "breastfeeding_initiation", "Breastfeeding initiation", "nutrition", "%")]).set_index("indicator_id")
    position = card.loc["breastfeeding_initiation", "position_among_districts"]
    assert "areas in this extract" in position and "English districts" not in position


def test_suppressed_area_says_suppressed(store_ready):
    adur = resolve("Adur")
    text = sudi.missing_2016_18(adur, sudi.infant_mortality_2016_18(adur))
    assert "withheld" in text and "does not include" not in text
    assert "does not include" in sudi.missing_2016_18(resolve(SWALE), sudi.infant_mortality_2016_18(resolve(SWALE)))


# ----------------------------------------------------------------------------- single years, at the right level
# DfE LAIT bds_long_0.parquet, Short Desc InfMort, 2023: Kent (LA 886) 3.6, Medway (LA 887) 2.5 per 1,000.
KENT = "E10000016"


def test_kent_district_shows_kents_2023_single_year_rate_as_the_countys(swale):
    single = sudi.single_years(swale)
    assert not (single.role == "area").any() or single[single.role == "area"].value.isna().all()
    county = single[single.role == "county"].set_index("period")
    assert county.value["2023"] == pytest.approx(3.6)
    assert set(county.area_name) == {"Kent (county)"}
    messages = " ".join(sudi.key_messages(swale, sudi.MessageInputs(
        series=sudi.infant_mortality_series(swale), infant_mortality_2016_18=sudi.infant_mortality_2016_18(swale),
        risk_card=overview.scorecard(swale, sudi.RISK_FACTORS), deprived=sudi.deprived_share(swale), single=single)))
    assert ("Infant mortality in a single year: Kent (county) 3.6 per 1,000 live births in 2023 (England 3.9), "
            "the county's figure (not published for Swale).") in messages


def test_unitary_and_county_show_their_own_single_years(store_ready):
    medway = sudi.single_years(resolve("E06000035"))
    assert medway[(medway.role == "area")].set_index("period").value["2023"] == pytest.approx(2.5)
    kent = sudi.single_years(resolve(KENT))
    assert kent[(kent.role == "area")].set_index("period").value["2023"] == pytest.approx(3.6)
    assert "(county)" not in " ".join(kent.area_name)


def test_risk_card_falls_back_to_the_county_named_as_such(swale):
    # LAIT years of low birth weight of term babies: Swale has no row, so Kent's 2024 value stands in, named Kent.
    card = overview.scorecard(swale, sudi.RISK_FACTORS).set_index("indicator_id")
    lbw = card.loc["fingertips_low_birth_weight_term"]
    assert pd.notna(lbw.value) and lbw.value_geography == "Kent" and lbw.period == "2024"
    weeks = card.loc["breastfeeding_6_8_weeks"]
    assert weeks.value == pytest.approx(50.96) and weeks.value_geography == "Kent" and weeks.period == "2023/24"


def test_funnel_says_why_an_area_is_not_on_it(store_ready):
    points = sudi.funnel(resolve(SWALE)).points
    assert not (points.group == "area").any()
    assert "Swale is not on the plot: it is not in the 2016-18 extract" in sudi.funnel_sentence(resolve(SWALE), points)
    kent = resolve(KENT)
    points = sudi.funnel(kent).points
    text = sudi.funnel_sentence(kent, points)
    # walkthrough_tidy_with_codes.csv line 4620: Kent 92196 2016-18 3.9689; Kent is in the extract as a county.
    assert "Kent, a county, is not a point on it" in text and "(4.0 per 1,000" in text  # 3.9689 at 1 decimal
    assert "not in the 2016-18 extract" not in text
    assert int((points.group == "sibling").sum()) == 6
    adur = resolve("Adur")
    points = sudi.funnel(adur).points
    assert "withheld (disclosure control" in sudi.funnel_sentence(adur, points)


def test_county_pages_never_call_the_county_a_district(store_ready):
    kent = resolve(KENT)
    assert "not counties" in sudi.missing_reason(kent)
    messages = " ".join(sudi.key_messages(kent, sudi.MessageInputs(
        series=sudi.infant_mortality_series(kent), infant_mortality_2016_18=sudi.infant_mortality_2016_18(kent),
        risk_card=overview.scorecard(kent, sudi.RISK_FACTORS), deprived=sudi.deprived_share(kent),
        single=sudi.single_years(kent))))
    # ONS Health Index 2019-21: Tonbridge and Malling 1.43 lowest, Folkestone and Hythe 5.44 highest of Kent's 12.
    assert "Kent's districts ranged from 1.4 (Tonbridge and Malling) to 5.4 (Folkestone and Hythe)" in messages
    assert "(a district)" not in messages and "a district's rate" not in messages


@pytest.mark.slow
def test_kent_district_sudi_page_exports_kents_2023_rate(tmp_path, store_ready):
    from nbutils import runner

    summary = runner.run([resolve("Dover")], ["sudi"], tmp_path, jobs=1)
    assert not summary.failed, [r.error for r in summary.failed]
    table = pd.read_csv(tmp_path / resolve("Dover").folder / "sudi" / "infant_mortality_single_year.csv",
                        na_values=["[c]", "[x]"])
    row = table[(table.period == 2023) & (table.role == "county")].iloc[0]
    assert row.area_name == "Kent (county)" and row.value == pytest.approx(3.6)
    page = (tmp_path / resolve("Dover").folder / "sudi.html").read_text()
    assert "Kent (county) 3.6 per 1,000 live births in 2023" in page
