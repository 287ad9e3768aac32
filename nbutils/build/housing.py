"""Housing indicators: Census 2021 overcrowding, tenure and household deprivation (LSOA sums), IoD 2019/2025,
MHCLG homelessness and the ONS Health Index housing and early-years series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..sources import housing
from .common import Geography, aggregate_counts, finish, to_lad23
from .published import published_rows


def _name(source: tuple[str, str]) -> str:
    return f"{source[0]}/{source[1]}"


def _lsoa_and_up(geo: Geography, frame: pd.DataFrame, indicator_id: str, period: str, category_type: str,
                 source: str, note: str, keep_lsoa: bool = False) -> list[pd.DataFrame]:
    """Sum LSOA counts (columns lsoa21_code, [category], count, denominator) to MSOA, district and above.

    ``keep_lsoa`` also stores the LSOA rows themselves (for neighbourhood maps and tables).
    """
    keys = ["category"] if "category" in frame else []
    lookup = geo.lsoa[["lsoa21_code", "msoa21_code", "lad_code"]]
    merged = frame.merge(lookup, on="lsoa21_code", how="inner")  # the lookup holds England only
    lsoa_rows = []
    if keep_lsoa:
        lsoa = merged[["lsoa21_code", *keys, "count", "denominator"]].rename(columns={"lsoa21_code": "area_code"})
        lsoa_rows = [finish(lsoa.assign(area_type="lsoa"), indicator_id, period, category_type, source)]
    msoa = (merged.groupby(["msoa21_code", *keys], as_index=False)[["count", "denominator"]].sum()
            .rename(columns={"msoa21_code": "area_code"}).assign(area_type="msoa"))
    lad = (merged.groupby(["lad_code", *keys], as_index=False)[["count", "denominator"]].sum()
           .rename(columns={"lad_code": "area_code"}))
    return [*lsoa_rows, finish(msoa, indicator_id, period, category_type, source, note=note),
            finish(aggregate_counts(lad, geo.areas, keys), indicator_id, period, category_type, source, note=note)]


def _long(wide: pd.DataFrame, categories: list[str]) -> pd.DataFrame:
    long = wide.melt(id_vars=["lsoa21_code", "total_households"], value_vars=categories, var_name="category",
                     value_name="count")
    return long.rename(columns={"total_households": "denominator"})


def census_housing_indicators(geo: Geography) -> pd.DataFrame:
    """Overcrowded households (TS052), tenure (TS054) and household deprivation (TS011), MSOA and up."""
    note = "summed from LSOA figures"
    pieces: list[pd.DataFrame] = []
    occupancy = housing.occupancy_lsoa()
    overcrowded = pd.DataFrame({"lsoa21_code": occupancy.lsoa21_code,
                                "count": occupancy[housing.OVERCROWDED].sum(axis=1),
                                "denominator": occupancy.total_households})
    pieces += _lsoa_and_up(geo, overcrowded, "census_overcrowded_households", "2021", "",
                           _name(housing.OVERCROWDING_LSOA), note, keep_lsoa=True)
    pieces += _lsoa_and_up(geo, _long(occupancy, housing.OCCUPANCY_RATINGS), "census_occupancy_rating", "2021",
                           "Occupancy rating for bedrooms (TS052)", _name(housing.OVERCROWDING_LSOA), note)
    pieces += _lsoa_and_up(geo, _long(housing.tenure_lsoa(), housing.TENURES), "census_household_tenure", "2021",
                           "Tenure of household (TS054)", _name(housing.TENURE_LSOA), note)
    pieces += _lsoa_and_up(geo, _long(housing.household_deprivation_lsoa(), housing.DEPRIVATION_DIMENSIONS),
                           "census_household_deprivation", "2021", "Household deprivation dimensions (TS011)",
                           _name(housing.DEPRIVATION_LSOA), note)
    return pd.concat(pieces, ignore_index=True)


def imd_indicators(geo: Geography) -> pd.DataFrame:
    """Share of LSOAs in England's most deprived 20% (IoD2025, by domain), and district average scores."""
    lsoa = housing.imd2025_lsoa()
    most_deprived = pd.DataFrame({"lsoa21_code": lsoa.lsoa21_code, "category": lsoa.domain,
                                  "count": (lsoa.decile <= 2).astype(int), "denominator": 1})
    pieces = _lsoa_and_up(geo, most_deprived, "imd2025_lsoas_most_deprived_20pct", "2025", "IoD2025 domain",
                          _name(housing.IMD2025_LSOA), "LSOAs counted from the LSOA file")
    in_england = lsoa[lsoa.lsoa21_code.isin(geo.lsoa.lsoa21_code)]
    deciles = pd.DataFrame({"area_code": in_england.lsoa21_code, "area_type": "lsoa", "category": in_england.domain,
                            "count": np.nan, "denominator": np.nan})
    decile_rows = finish(deciles, "imd2025_lsoa_decile", "2025", "IoD2025 domain", _name(housing.IMD2025_LSOA))
    decile_rows["value"] = in_england.decile.to_numpy(dtype=float)  # a rank group, not a share: set directly
    pieces.append(decile_rows)
    pieces += imd_decile_shares(geo, lsoa)
    scores = housing.imd_la_scores().rename(columns={"domain": "category", "average_score": "value"})
    for period, source in (("2025", housing.IMD2025_LA), ("2019", housing.IMD2019_LA)):
        rows = scores[scores.period == period]
        pieces.append(published_rows(rows, geo, "imd_la_average_score", _name(source), "IoD domain"))
    return pd.concat(pieces, ignore_index=True)


def decile_label(decile: int) -> str:
    """'Decile 1 (most deprived 10%)' ... 'Decile 10 (least deprived 10%)'."""
    return f"Decile {decile}" + {1: " (most deprived 10%)", 10: " (least deprived 10%)"}.get(decile, "")


def imd_decile_shares(geo: Geography, lsoa2025: pd.DataFrame) -> list[pd.DataFrame]:
    """Share of an area's LSOAs in each national IMD decile: IoD2025 (2021 LSOAs) and IoD2019 (2011 LSOAs).

    IoD2019 ranks 2011 LSOAs: they are counted in their 2022 district (re-keyed to 2023 codes by summing
    districts merged in April 2023), then summed to counties, regions and England like any count.
    """
    overall = lsoa2025[lsoa2025.domain == "Index of Multiple Deprivation"]
    rows = pd.DataFrame({"lsoa21_code": overall.lsoa21_code, "decile": overall.decile.astype(int)})
    pieces = []
    for decile in range(1, 11):
        frame = pd.DataFrame({"lsoa21_code": rows.lsoa21_code, "category": decile_label(decile),
                              "count": (rows.decile == decile).astype(int), "denominator": 1})
        pieces += _lsoa_and_up(geo, frame, "imd2025_lsoas_by_decile", "2025", "IMD decile (England)",
                               _name(housing.IMD2025_LSOA), "LSOAs counted from the LSOA file")
    old = housing.imd2019_lsoa_deciles()
    for decile in range(1, 11):
        lad = (old.assign(count=(old.decile == decile).astype(int), denominator=1)
               .groupby("ltla22_code", as_index=False)[["count", "denominator"]].sum()
               .rename(columns={"ltla22_code": "area_code"}).assign(category=decile_label(decile)))
        lad = to_lad23(lad, ["category"])
        pieces.append(finish(aggregate_counts(lad, geo.areas, ["category"]), "imd2019_lsoas_by_decile", "2019",
                             "IMD decile (England)", _name(housing.IMD2019_LSOA),
                             note="2011 LSOAs counted from the LSOA file"))
    return pieces


HEALTH_INDEX_INDICATORS = {
    "Rough sleeping": "ons_hi_rough_sleeping",
    "Household overcrowding": "ons_hi_household_overcrowding",
    "Early years development": "ons_hi_early_years_development",
}


def homelessness_indicators(geo: Geography) -> pd.DataFrame:
    """MHCLG Oct-Dec 2023 rates per 1,000 households (districts only) and Health Index series 2015-2021."""
    raw = housing.homelessness()
    pieces = []
    for column, indicator_id in (("temporary_accommodation_per_1000", "mhclg_households_in_temporary_accommodation"),
                                 ("assessed_homeless_per_1000", "mhclg_households_assessed_homeless")):
        rows = raw[["area_code", column]].rename(columns={column: "value"}).assign(period="Oct-Dec 2023")
        rows["value_note"] = rows["value"].isna().map({True: "not published by MHCLG for this quarter", False: ""})
        pieces.append(published_rows(rows, geo, indicator_id, _name(housing.HOMELESSNESS)))
    series = housing.health_index(list(HEALTH_INDEX_INDICATORS))
    for label, indicator_id in HEALTH_INDEX_INDICATORS.items():
        rows = series[series.indicator == label].assign(period=lambda f: f.year.astype(str))
        rows["value_note"] = rows.carried_forward.map(
            {True: "carried forward by ONS from the previous year (source not updated)", False: ""})
        # 2021 codes: districts merged in April 2023 have no row under their new code (rates cannot be summed).
        pieces.append(published_rows(rows, geo, indicator_id, _name(housing.HEALTH_INDEX)))
    return pd.concat(pieces, ignore_index=True)
