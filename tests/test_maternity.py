"""NHS Maternity Statistics by trust, the maternity provider table, nearest units, and readable MSOA names."""

from __future__ import annotations

import pytest

from nbutils import borders, query, store
from nbutils.areas import registry, resolve
from nbutils.topics import maternity_units
from nbutils.build.maternity import readable_name

pytestmark = pytest.mark.usefixtures("store_ready")

ENGLAND = "E92000001"


def _row(indicator: str, code: str, period: str, category: str = ""):
    rows = store.indicator_data(indicator, [code])
    rows = rows[(rows.period == period) & (rows.category == category)]
    assert len(rows) == 1, f"{indicator} {code} {period} {category}: {len(rows)} rows"
    return rows.iloc[0]


@pytest.mark.parametrize("code, period, percent", [
    (ENGLAND, "2019/20", 72.8), (ENGLAND, "2020/21", 72.7), (ENGLAND, "2021/22", 73.1), (ENGLAND, "2022/23", 72.9),
    ("RQM", "2022/23", 91.6), ("RYJ", "2022/23", 91.7), ("RKB", "2022/23", 75.8), ("RWF", "2022/23", 72.8),
    ("RN7", "2022/23", 66.7), ("RVV", "2022/23", 64.5), ("RPA", "2022/23", 62.4),
])
def test_first_feed_breast_milk_leaves_missing_records_out_of_the_denominator(code, period, percent):
    row = _row("msds_first_feed_breastmilk", code, period)
    assert round(row.value, 1) == percent


def test_first_feed_england_2022_23_counts_as_published():
    row = _row("msds_first_feed_breastmilk", ENGLAND, "2022/23")
    # 336,510 breast milk; 124,960 not breast milk; 31,585 missing (not in the denominator).
    assert (row["count"], row.denominator) == (336510, 336510 + 124960)
    assert row.area_type == "england"


def test_smoking_at_booking_uses_recorded_statuses_and_says_how_complete_they_are():
    row = _row("msds_smoking_at_booking", ENGLAND, "2022/23")
    assert (row["count"], row.denominator) == (51120, 51120 + 335835)
    assert round(row.value, 1) == 13.2
    assert row.value_note == "recorded for 73% of deliveries"  # 144,045 of 531,000 missing
    # 2019-20 counts 'Unknown' as unrecorded too: 3,255 smokers of 25,895 recorded.
    assert _row("msds_smoking_at_booking", ENGLAND, "2019/20").denominator == 3255 + 22640


def test_under_20_at_booking():
    row = _row("msds_under20_at_booking", ENGLAND, "2022/23")
    assert row["count"] == 17135
    assert round(row.value, 1) == 3.2
    assert set(store.indicator_data("msds_under20_at_booking").period) == {"2020/21", "2021/22", "2022/23"}


def test_deprivation_deciles_are_shares_of_mothers_with_a_decile():
    rows = store.indicator_data("msds_booking_deprivation_decile", [ENGLAND])
    rows = rows[rows.period == "2022/23"]
    assert len(rows) == 10
    assert rows.value.sum() == pytest.approx(100, abs=0.5)  # shares at the published decimal (issue 21)
    most = _row("msds_booking_deprivation_decile", ENGLAND, "2022/23", "Decile 1 (most deprived)")
    least = _row("msds_booking_deprivation_decile", ENGLAND, "2022/23", "Decile 10 (least deprived)")
    assert (most["count"], least["count"]) == (71500, 37205)
    assert most.category_type == "Deprivation decile of residence at booking (IMD)"
    # 2020-21 labels deciles '2'..'9' without a leading zero: the same labels result.
    assert len(store.indicator_data("msds_booking_deprivation_decile", [ENGLAND]).query("period == '2020/21'")) == 10


def test_ethnicity_leaves_not_stated_out():
    rows = store.indicator_data("msds_booking_ethnicity", [ENGLAND]).query("period == '2022/23'")
    assert set(rows.category) == {"White", "Asian or Asian British", "Black or Black British", "Mixed",
                                  "Any other ethnic group"}
    assert rows["denominator"].iloc[0] == 361155 + 70005 + 29530 + 12785 + 21305
    assert rows.value.sum() == pytest.approx(100, abs=0.5)  # shares at the published decimal (issue 21)


def test_total_babies_and_levels():
    assert _row("msds_total_babies", ENGLAND, "2022/23").value == 537125
    assert _row("msds_total_babies", "RKB", "2022/23").value == 5475
    assert _row("msds_total_babies", "Y59", "2022/23").area_type == "nhs_region"
    for indicator in ("msds_first_feed_breastmilk", "msds_total_babies", "msds_smoking_at_booking"):
        rows = store.indicator_data(indicator)
        assert set(rows.area_type) == {"nhs_trust", "nhs_region", "england"}
        assert set(rows.period) == {"2019/20", "2020/21", "2021/22", "2022/23"}
        assert set(rows.loc[rows.area_type == "nhs_region", "area_code"]) == {
            "Y56", "Y58", "Y59", "Y60", "Y61", "Y62", "Y63"}


def test_small_trust_counts_are_suppressed_on_the_way_out():
    rows = store.indicator_data("msds_smoking_at_booking")
    small = rows[rows.value_note.str.startswith("[c]")]
    assert len(small) > 0
    assert small["count"].isna().all() and small.value.isna().all()
    # RVV 2020/21: 10 smokers of 30 recorded is published (10 is above the threshold), with its coverage noted.
    assert _row("msds_smoking_at_booking", "RVV", "2020/21").value_note == "recorded for 1% of deliveries"


def test_maternity_providers_table():
    providers = store.table("maternity_providers").set_index("org_code")
    assert len(providers) == 210
    rvv = providers.loc["RVV"]
    assert rvv["name"] == "East Kent Hospitals University NHS Foundation Trust"
    assert (rvv.nhs_region, rvv.nhs_region_name) == ("Y59", "South East")
    assert rvv.lat == pytest.approx(51.266589) and rvv.lon == pytest.approx(1.087083)
    assert providers.loc["RKB", "nhs_region"] == "Y60" and providers.loc["RQM", "nhs_region"] == "Y56"
    assert providers.loc["RKB", "latest_period"] == "2022/23" and providers.loc["RKB", "latest_total_babies"] == 5475


def test_readable_provider_names():
    assert readable_name("GUY'S AND ST THOMAS' NHS FOUNDATION TRUST") == "Guy's and St Thomas' NHS Foundation Trust"
    assert readable_name("NORTH WEST ANGLIA NHS FOUNDATION TRUST") == "North West Anglia NHS Foundation Trust"


def _nearest(code: str, n: int = 4) -> list[str]:
    return list(query.nearest_maternity_units(registry().get(code), n).org_code)


def test_nearest_maternity_units():
    kent_trusts = {"RVV", "RWF", "RN7", "RPA"}
    assert _nearest("E07000107")[0] == "RN7"  # Dartford
    assert _nearest("E07000114")[0] == "RVV"  # Thanet
    assert _nearest("E07000110")[0] == "RWF"  # Maidstone
    for district in ("E07000105", "E07000113", "E07000115", "E07000116"):  # Ashford, Swale, T&M, T Wells
        assert _nearest(district, 1)[0] in kent_trusts
    assert _nearest("E08000026")[0] == "RKB"  # Coventry
    assert {"RQM", "RYJ"} <= set(_nearest("E09000033"))  # Westminster
    assert {"RQM", "RYJ"} <= set(_nearest("E09000020"))  # Kensington and Chelsea
    kent = query.nearest_maternity_units(registry().get("E10000016"), 3)
    assert set(kent.org_code) == {"RWF", "RPA", "RVV"}
    assert list(kent.columns) == ["org_code", "name", "distance_km", "lat", "lon"]
    assert kent.distance_km.is_monotonic_increasing


def test_msoa_names_from_the_library_where_the_msoa_is_unchanged():
    names = store.table("msoa_names").set_index("msoa21_code")
    assert names.loc["E02005115", "name"] == "Sheerness East"  # Swale 001
    assert names.loc["E02005116", "name"] == "Sheerness West"  # Swale 002
    assert names.loc["E02005056", "name"] == "Gravesend Town"  # Gravesham 002
    assert names.loc["E02005115", "source"] == "House of Commons Library"
    # Every English 2021 MSOA has exactly one name.
    msoas = store.table("areas").query("area_type == 'msoa'").area_code
    assert set(names.index) == set(msoas) and names.index.is_unique
    assert names.name.notna().all()


def test_msoas_split_or_merged_in_2021_fall_back_to_the_official_name():
    from nbutils.sources import msoa_names

    pairs = msoa_names.msoa11_to_msoa21()
    changed = pairs[pairs.duplicated("msoa11_code", keep=False) | pairs.duplicated("msoa21_code", keep=False)]
    names = store.table("msoa_names").set_index("msoa21_code")
    affected = names.loc[names.index.intersection(changed.msoa21_code)]
    assert len(affected) > 0
    assert (affected.source == "ONS official name").all()
    assert (affected.name == affected.official_name).all()


KENT_AND_MEDWAY_TRUSTS = {"RN7", "RVV", "RWF", "RPA"}


def _serving(name: str) -> list[str]:
    return list(maternity_units.serving_units(resolve(name))[0].org_code)


@pytest.mark.parametrize("name", ["Kent", "Swale", "Medway", "Dartford", "Thanet"])
def test_kent_and_medway_areas_show_the_four_trusts_their_set_names(name):
    units, how = maternity_units.serving_units(resolve(name))
    assert set(units.org_code) == KENT_AND_MEDWAY_TRUSTS  # Dartford and Gravesham in, no Essex or Sussex trust
    assert "the 4 NHS trusts that the Kent and Medway area set names" in how


def test_coventry_units_are_its_own_and_its_west_midlands_neighbours():
    units, how = maternity_units.serving_units(resolve("Coventry"))
    assert list(units.org_code) == ["RKB", "RLT", "RJC"]  # UHCW first, then George Eliot, South Warwickshire
    providers = store.table("maternity_providers").set_index("org_code")
    assert set(providers.loc[units.org_code, "nhs_region"]) == {"Y60"}
    assert how.startswith("The units shown are those located in Coventry and in the authorities bordering it within "
                          "the same NHS region (Midlands): Warwickshire;")


def test_units_of_another_nhs_region_only_where_the_area_borders_it():
    # Worcestershire borders Gloucestershire (South West); Malvern Hills does, Wyre Forest does not.
    assert "RTE" in _serving("Malvern Hills") and "RTE" not in _serving("Wyre Forest")
    providers = store.table("maternity_providers").set_index("org_code")
    assert set(providers.loc[_serving("Westminster"), "nhs_region"]) == {"Y56"}  # London only


def test_bordering_authorities_from_the_boundaries():
    names = {a.name for a in borders.bordering(resolve("Coventry"))}
    assert names == {"Warwickshire", "Solihull"}
    kent = {a.name for a in borders.bordering(resolve("Kent"))}
    assert {"Medway", "East Sussex", "Surrey", "Bromley", "Bexley"} <= kent and "Essex" not in kent
