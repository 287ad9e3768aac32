"""Housing topic: values in the topic tables and exported CSVs equal the raw source files."""

from __future__ import annotations

import pandas as pd
import pytest

from nbutils.areas import registry, resolve
from nbutils.topics import housing

SWALE, MEDWAY, GRAVESHAM, WESTMINSTER = "E07000113", "E06000035", "E07000109", "E09000033"


@pytest.fixture(scope="module")
def swale(store_ready):
    return resolve(SWALE)


def test_overcrowded_share_is_the_sum_of_lsoas(swale):
    # household_overcrowding21_lsoa21_wide.csv: ("-1 (overcrowded)" + "-2 or less (overcrowded)") / total_households
    # summed over Swale's LSOAs; PROVENANCE.md spot checks Swale 3.99 %, Medway 4.53 %, Gravesham 6.01 %.
    frame = housing.overcrowding(swale).set_index("role")
    assert frame.loc["area", "count"] == 2411
    assert frame.loc["area", "households"] == 60483
    assert frame.loc["area", "share_pct"] == pytest.approx(3.99, abs=0.005)
    assert housing.overcrowding(resolve(MEDWAY)).set_index("role").loc["area", "share_pct"] == pytest.approx(4.53, abs=0.005)
    assert housing.overcrowding(resolve(GRAVESHAM)).set_index("role").loc["area", "share_pct"] == pytest.approx(6.01, abs=0.005)
    # Kent is the sum of its 12 districts, so its share lies between theirs; England is the whole country.
    assert frame.loc["county", "area_name"] == "Kent"
    assert frame.loc["england", "households"] > 23_000_000


def test_occupancy_ratings_read_down_the_scale_and_add_up(swale):
    occupancy = housing.occupancy(swale)
    assert list(dict.fromkeys(occupancy.occupancy_rating)) == [
        "+2 or more (under-occupied)", "+1 (under-occupied)", "0 (ideal)", "-1 (overcrowded)",
        "-2 or less (overcrowded)"]
    area = occupancy[occupancy.role == "area"].set_index("occupancy_rating")
    # The two overcrowded ratings are the overcrowded households (2,411 of 60,483 in Swale).
    assert area.loc[["-1 (overcrowded)", "-2 or less (overcrowded)"], "count"].sum() == 2411
    assert area["count"].sum() == 60483
    assert list(occupancy.role[:4]) == ["area", "county", "region", "england"]  # comparators in order in each rating


def test_msoa_rows_add_up_to_the_district(swale):
    profile = housing.msoa_overcrowding(swale)
    assert profile.overcrowded_households.sum() == 2411
    assert profile.households.sum() == 60483


def test_tenure_groups_cover_every_household(swale):
    tenure = housing.tenure(swale)
    totals = tenure.groupby("role").share_pct.sum()
    assert totals.to_numpy() == pytest.approx([100.0] * len(totals))


def test_homelessness_rates_as_published(swale):
    # england_homelessness_oct_dec_2023.csv row 244: "E07000113",1.06343628629554,5.10141175020036
    frame = housing.homelessness(swale).set_index("indicator_id")
    assert frame.loc["mhclg_households_in_temporary_accommodation", "value"] == pytest.approx(5.10141175020036)
    assert frame.loc["mhclg_households_assessed_homeless", "value"] == pytest.approx(1.06343628629554)
    assert "no confidence intervals" in frame.loc["mhclg_households_assessed_homeless", "significance"]


def test_missing_homelessness_rate_is_not_invented(store_ready):
    # Kensington and Chelsea's TA rate is NA in the MHCLG file.
    frame = housing.homelessness(resolve("E09000020")).set_index("indicator_id")
    assert pd.isna(frame.loc["mhclg_households_in_temporary_accommodation", "value"])
    assert frame.loc["mhclg_households_in_temporary_accommodation", "position"] == "not available"


def test_deprivation_score_and_rank(swale):
    # imd2025_england_ltla24.csv row 134: Swale imd_average_score 26.683, imd_rank_of_average_score 62.
    ranks = housing.deprivation_ranks(swale).set_index(["domain", "period"])
    row = ranks.loc[("Index of Multiple Deprivation", "2025")]
    assert row.average_score == pytest.approx(26.683)
    assert row.rank_most_deprived_first == 62
    # IoD2019 (imd2019_england_ltla23.csv): Swale average score 27.08 (PROVENANCE spot check).
    assert ranks.loc[("Index of Multiple Deprivation", "2019"), "average_score"] == pytest.approx(27.08, abs=0.005)


def page_inputs(area, **tables) -> housing.MessageInputs:
    """The key messages' inputs as the housing page builds them; ``tables`` replaces some of them."""
    return housing.MessageInputs(**{
        "crowding": housing.overcrowding(area), "tenure": housing.tenure(area),
        "neighbourhoods": housing.deprivation_neighbourhoods(area), "homeless": housing.homelessness(area),
        "profile": housing.msoa_overcrowding(area), **tables})


def test_key_messages_quote_the_computed_numbers(swale):
    messages = housing.key_messages(swale, page_inputs(swale))
    assert "2,411" in messages[0] and "4.0%" in messages[0]
    assert any("no significance test" in m for m in messages)


def test_lsoa_map_only_where_boundaries_are_shipped(store_ready):
    assert housing.lsoa_shapes(housing.lsoa_overcrowding(resolve(SWALE))) is not None
    assert housing.lsoa_shapes(housing.lsoa_overcrowding(resolve(WESTMINSTER))) is None


@pytest.fixture(scope="module")
def pack_run(tmp_path_factory, store_ready):
    from nbutils import runner

    out = tmp_path_factory.mktemp("housing")
    summary = runner.run([resolve(SWALE), resolve(WESTMINSTER)], ["housing"], out, jobs=1)
    return out, summary


@pytest.mark.slow
def test_housing_pack_runs_and_exports_source_values(pack_run):
    out, summary = pack_run
    assert not summary.failed, [r.error for r in summary.failed]
    crowded = pd.read_csv(out / "E07000113-swale" / "housing" / "overcrowded_households.csv")
    assert crowded.loc[crowded.role == "area", "share_pct"].iloc[0] == pytest.approx(3.99, abs=0.005)
    homeless = pd.read_csv(out / "E09000033-westminster" / "housing" / "homelessness.csv")
    ta = homeless[homeless.indicator_id == "mhclg_households_in_temporary_accommodation"]
    # england_homelessness_oct_dec_2023.csv row 282: Westminster 24.7450047799259 households in TA per 1,000.
    assert ta.value.iloc[0] == pytest.approx(24.75)  # written at the catalogue's 2 decimals
    assert (out / "E07000113-swale" / "housing" / "map_overcrowding_lsoa.html").exists()
    assert not (out / "E09000033-westminster" / "housing" / "map_overcrowding_lsoa.html").exists()
    assert (out / "E09000033-westminster" / "housing" / "map_overcrowding_msoa.html").exists()


def test_whole_population_counts_are_described_not_tested():
    # Census counts cover every household: no sampling error, so no confidence interval and no significance.
    from nbutils.topics import indicators

    frame = indicators.series("census_overcrowded_households", resolve(SWALE))
    tested = frame[frame.role != "england"]
    assert set(tested.compared_with_england) == {indicators.NOT_TESTED}
    assert tested.lower_ci95.isna().all()


def test_untested_differences_are_not_called_similar(swale):
    from nbutils import narrative

    # Census counts are not tested: 4.0% against 4.4% is 'lower', never 'similar' (issue 13 item 8).
    assert narrative.describe_difference(3.986, 4.372, "England") == "lower than England (4.4%)"
    assert narrative.describe_difference(4.36, 4.372, "England") == "the same as England (4.4%)"
    messages = housing.key_messages(swale, page_inputs(swale))
    text = " ".join(messages)
    assert "lower than England (4.4%) and higher than Kent (3.6%)" in text
    assert not any(word in text for word in ("similar", "better", "worse"))


def test_temporary_accommodation_has_one_period_label(swale):
    homeless = housing.homelessness(swale)
    messages = " ".join(housing.key_messages(swale, page_inputs(swale, homeless=homeless)))
    assert "In Oct-Dec 2023" in messages and "31 December 2023" not in messages
    assert set(housing.homelessness_view(homeless).Period) == {"Oct-Dec 2023"}


def test_deprivation_dimensions_in_natural_order(swale):
    frame = housing.household_deprivation(swale)
    order = list(dict.fromkeys(frame.dimensions))
    assert order == ["No dimension", "One dimension", "Two dimensions", "Three dimensions", "Four dimensions"]


def test_deprivation_deciles_iod2019_and_iod2025(store_ready):
    # humaniverse-imd PROVENANCE spot checks (MHCLG IoD2019 LA summaries, 'Proportion' of LSOAs in the most
    # deprived 10%): Swale 16/85, Thanet 18/84, Medway 14/163. IoD2025 LSOA file: Swale 13 of 90 in decile 1.
    swale = housing.deprivation_deciles(resolve("E07000113"))
    first = swale[(swale.decile == 1)].set_index(["role", "version"])
    assert (first.loc[("area", "IoD2019"), "count"], first.loc[("area", "IoD2019"), "denominator"]) == (16, 85)
    assert (first.loc[("area", "IoD2025"), "count"], first.loc[("area", "IoD2025"), "denominator"]) == (13, 90)
    assert first.loc[("england", "IoD2019"), "denominator"] == 32844
    here = swale[(swale.role == "area") & (swale.version == "IoD2019")]
    assert list(here.decile) == list(range(1, 11)) and here["count"].sum() == 85
    for code, deprived, lsoas in (("E07000114", 18, 84), ("E06000035", 14, 163)):
        frame = housing.deprivation_deciles(resolve(code))
        row = frame[(frame.role == "area") & (frame.version == "IoD2019") & (frame.decile == 1)].iloc[0]
        assert (row["count"], row.denominator) == (deprived, lsoas)
    assert housing.deciles_message(resolve("E07000113"), swale) == (
        "Neighbourhoods (LSOAs) of Swale in England's most deprived 10%: 16 of 85 (18.8%) on IoD2019 and 13 of 90 "
        "(14.4%) on IoD2025 (England 10% by definition).")
    assert housing.deciles_view(swale).iloc[0]["Swale, IoD2019"] == "18.8% (16 of 85)"


def test_msoa_names_in_tables_and_maps(store_ready):
    # hocl-msoa-names-2011: Swale 002 is "Sheerness West" (House of Commons Library, Open Parliament Licence).
    from nbutils.topics import places

    profile = housing.msoa_overcrowding(resolve("E07000113"))
    assert "Sheerness West (Swale 002)" in set(profile.area_name)
    shapes, _ = housing.msoa_shapes(profile, resolve("E07000113"))
    assert "Sheerness West (Swale 002)" in set(shapes.area_name)
    assert places.names_note(profile).startswith("MSOA names are the House of Commons Library's")


def test_county_health_index_notes_do_not_call_it_a_district(store_ready):
    kent = resolve("E10000016")
    assert "not counties" in housing.health_index_missing(kent)
    rough = housing.health_index_series("ons_hi_rough_sleeping", kent)
    assert set(rough[rough.role == "district"].area_name) == {a.name for a in registry().districts_of(kent)}
    assert "Position among English districts" in housing.homelessness_view(housing.homelessness(kent)).columns
