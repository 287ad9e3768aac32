"""DfE LAIT: LA numbers mapped to GSS codes, LAIT measures in the store, and DfE statistical neighbours."""

from __future__ import annotations

import math

import pytest

from nbutils import store
from nbutils.areas import registry
from nbutils.sources import dfe_lait

pytestmark = pytest.mark.usefixtures("store_ready")

KENT, MEDWAY, COVENTRY, ENGLAND, SOUTH_EAST = "E10000016", "E06000035", "E08000026", "E92000001", "E12000008"


def _upper_tier_codes() -> set[str]:
    areas = store.table("areas")
    unitaries = areas[(areas.area_type == "lad") & (areas.upper_tier_code == areas.area_code)]
    return set(areas.loc[areas.area_type == "county", "area_code"]) | set(unitaries.area_code)


def test_every_dfe_la_number_maps_to_one_current_upper_tier_code_or_a_documented_exception():
    mapping = store.table("dfe_la_codes")
    authorities = dfe_lait.la_codes().query("la_number < 970")  # 970+ are England and regions
    assert set(mapping.la_number) == set(dfe_lait.la_codes().la_number)
    local = mapping[mapping.la_number.isin(authorities.la_number)]
    mapped = local[local.exception == ""]
    exceptions = local[local.exception != ""]
    assert set(exceptions.la_number) == {835, 836, 837, 909, 928}
    assert exceptions.area_code.isna().all()
    assert mapped.area_code.notna().all()
    assert mapped.area_code.is_unique
    # Every current county and unitary (153 since April 2023) is reached exactly once.
    assert set(mapped.area_code) == _upper_tier_codes()
    assert len(mapped) == 153


@pytest.mark.parametrize("la_number, code", [
    (886, KENT), (887, MEDWAY), (331, COVENTRY), (213, "E09000033"), (207, "E09000020"),
    (942, "E06000063"), (943, "E06000064"),  # Cumberland, Westmorland and Furness (2023)
    (815, "E06000065"), (933, "E06000066"),  # North Yorkshire, Somerset: unitary since 2023
    (201, "E09000001"), (420, "E06000053"),  # City of London, Isles of Scilly: their own codes
    (840, "E06000047"), (822, "E06000055"),  # 'Durham' and 'Bedford Borough' by override
    (970, ENGLAND), (989, SOUTH_EAST), (982, "E12000003"),
])
def test_la_numbers_known_to_the_customer_map_to_their_gss_codes(la_number, code):
    mapping = store.table("dfe_la_codes").set_index("la_number")
    assert mapping.loc[la_number, "area_code"] == code


def test_area_types_follow_the_store():
    mapping = store.table("dfe_la_codes").set_index("area_code")
    assert mapping.loc[KENT, "area_type"] == "county"
    assert mapping.loc[MEDWAY, "area_type"] == "lad"
    assert mapping.loc[SOUTH_EAST, "area_type"] == "region"
    assert mapping.loc[ENGLAND, "area_type"] == "england"


def _value(indicator: str, code: str, period: str) -> float:
    rows = store.indicator_data(indicator, [code])
    rows = rows[rows.period == period]
    assert len(rows) == 1, f"{indicator} {code} {period}: {len(rows)} rows"
    return float(rows.value.iloc[0])


@pytest.mark.parametrize("code, period, value", [
    (KENT, "2023", 3.6), (ENGLAND, "2023", 3.9), (MEDWAY, "2023", 2.5), (COVENTRY, "2023", 5.5),
    (ENGLAND, "2016", 3.9), (KENT, "2018", 3.6),
])
def test_single_year_infant_mortality_as_published(code, period, value):
    assert _value("infant_mortality_single_year", code, period) == pytest.approx(value)


def test_breastfeeding_6_8_weeks_stored_as_financial_year_ending_in_the_lait_year():
    assert _value("breastfeeding_6_8_weeks", KENT, "2023/24") == pytest.approx(50.96)
    assert _value("breastfeeding_6_8_weeks", ENGLAND, "2023/24") == pytest.approx(52.71)
    assert _value("breastfeeding_6_8_weeks", MEDWAY, "2023/24") == pytest.approx(46.03)
    assert _value("breastfeeding_6_8_weeks", ENGLAND, "2015/16") == pytest.approx(43.15)
    periods = set(store.indicator_data("breastfeeding_6_8_weeks").period)
    assert periods == {f"{y}/{str(y + 1)[-2:]}" for y in range(2015, 2024)}


def test_not_available_is_no_row_never_zero():
    # LAIT shows "-" for Kent 6-8 week breastfeeding in 2016 to 2021 (withheld by OHID).
    kent = store.indicator_data("breastfeeding_6_8_weeks", [KENT])
    assert set(kent.period) == {"2021/22", "2022/23", "2023/24"}
    assert not (store.indicator_data("breastfeeding_6_8_weeks").value == 0).any()


def test_lait_rows_have_values_only_and_name_their_source():
    rows = store.indicator_data("infant_mortality_single_year")
    assert rows["count"].isna().all() and rows["lower_ci95"].isna().all()
    assert set(rows.area_type) == {"county", "lad", "region", "england"}
    assert rows.source.str.contains("DfE Local Authority Interactive Tool").all()
    assert rows.source.str.contains("ONS").all()


def test_low_birth_weight_extended_and_2017_keeps_the_counts_of_the_2020_extract():
    rows = store.indicator_data("fingertips_low_birth_weight_term")
    assert _value("fingertips_low_birth_weight_term", MEDWAY, "2024") == pytest.approx(3.71)
    assert _value("fingertips_low_birth_weight_term", ENGLAND, "2024") == pytest.approx(2.98)
    kent_2017 = rows[(rows.area_code == KENT) & (rows.period == "2017")]
    assert len(kent_2017) == 1 and kent_2017["count"].iloc[0] == 386  # Fingertips 2020 extract, with count
    assert "walkthrough" in kent_2017.source.iloc[0]
    # England 2017: the extract's row (with its confidence interval) is kept, same value as LAIT's 2.82.
    england_2017 = rows[(rows.area_code == ENGLAND) & (rows.period == "2017")]
    assert len(england_2017) == 1 and not math.isnan(england_2017.lower_ci95.iloc[0])
    assert round(england_2017.value.iloc[0], 2) == 2.82
    # An authority missing from the 2020 extract gets LAIT's 2017 value.
    surrey = rows[(rows.area_code == "E10000030") & (rows.period == "2017")]
    assert len(surrey) == 1 and "DfE" in surrey.source.iloc[0]


def test_under18_conceptions_extended():
    assert _value("fingertips_under18_conceptions", KENT, "2022") == pytest.approx(14.4)
    assert _value("fingertips_under18_conceptions", ENGLAND, "2022") == pytest.approx(13.9)
    assert round(_value("fingertips_under18_conceptions", ENGLAND, "2017"), 1) == 17.8
    kent = store.indicator_data("fingertips_under18_conceptions", [KENT])
    assert sorted(kent.period) == [str(y) for y in range(2016, 2023)]


def _names(areas) -> list[str]:
    return [a.name for a in areas]


def test_kent_and_medway_statistical_neighbours_in_rank_order():
    reg = registry()
    assert _names(reg.statistical_neighbours(reg.get(KENT))) == [
        "Essex", "East Sussex", "Devon", "Bexley", "Suffolk", "Norfolk", "Nottinghamshire", "West Sussex",
        "Bedford", "Somerset"]
    assert _names(reg.statistical_neighbours(reg.get(MEDWAY))) == [
        "Swindon", "Dudley", "Kent", "Bexley", "Norfolk", "Suffolk", "Thurrock", "Nottinghamshire", "Bury",
        "Wakefield"]


def test_two_tier_districts_regions_and_england_have_no_statistical_neighbours():
    reg = registry()
    assert reg.statistical_neighbours(reg.get("E07000113")) == []  # Swale
    assert reg.statistical_neighbours(reg.get(SOUTH_EAST)) == []
    assert reg.statistical_neighbours(reg.get(ENGLAND)) == []


def test_every_current_authority_in_the_dfe_list_has_ten_mapped_neighbours():
    table = store.table("statistical_neighbours")
    ranks = table.groupby("area_code").neighbour_rank.apply(sorted)
    assert (ranks.map(len) == 10).all()
    assert all(r == list(range(1, 11)) for r in ranks)
    covered = set(ranks.index)
    # Every current county and unitary, City of London and the Isles of Scilly included.
    assert covered == _upper_tier_codes()
    assert table.neighbour_code.isin(_upper_tier_codes()).all()
    assert not (table.area_code == table.neighbour_code).any()
    kent = table[table.area_code == KENT].set_index("neighbour_rank")
    assert kent.loc[1, "closeness"] == "Very close"
    assert set(table.closeness) <= {"Extremely close", "Extremely Close", "Very close", "Very Close", "Close",
                                    "Somewhat close", "Not close"}


def test_catalogue_describes_the_new_indicators():
    from nbutils import catalog

    im = catalog.indicator("infant_mortality_single_year")
    assert (im.polarity, im.disclosure, im.multiplier) == ("low-is-good", "ons_vital", 1000)
    bf = catalog.indicator("breastfeeding_6_8_weeks")
    assert (bf.polarity, bf.fingertips_id) == ("high-is-good", 92517)
    assert "2023/24" in bf.caveats and "dfe-lait" in bf.raw_sources
    assert "dfe-lait" in catalog.indicator("fingertips_low_birth_weight_term").raw_sources
    assert "dfe-lait" in catalog.indicator("fingertips_under18_conceptions").raw_sources


def test_unknown_store_table_is_one_clear_error():
    with pytest.raises(ValueError, match="no store table 'neighbours'; known: .*statistical_neighbours"):
        store.table("neighbours")
