"""Readers for NHS Maternity Statistics (MSDS measures CSVs, 2019-20 to 2022-23) and maternity provider locations.

The four annual CSVs differ in header case, level labels and dimension names (2019-20 uses upper-case names and
region names instead of codes); :func:`measures` returns them in one shape. Counts are as published (NHS England
rounds them to the nearest 5). These are figures for the place of care (the NHS trust), not for residents.
"""

from __future__ import annotations

import pandas as pd

from .manifest import raw_file

SOURCE = "nhs-maternity-statistics-msds"
PERIODS = ("2019-20", "2020-21", "2021-22", "2022-23")
LOCATIONS = (SOURCE, "provider_locations.csv")

#: Dimension names across the years -> one name.
DIMENSIONS = {
    "BABYFIRSTFEEDBREASTMILKSTATUS": "first_feed",
    "SMOKINGATBOOKING": "smoking_at_booking",
    "SMOKINGSTATUSGROUPBOOKING": "smoking_at_booking",
    "AGEATBOOKINGMOTHERGROUP": "age_at_booking",
    "DEPRIVATIONDECILEATBOOKING": "deprivation_decile",
    "ETHNICCATEGORYMOTHERGROUP": "ethnicity",
    "TOTALBABIES": "total_babies",
}
LEVELS = {"NATIONAL": "england", "ALL SUBMITTERS": "england", "NHS ENGLAND (REGION)": "nhs_region",
          "REGION": "nhs_region", "PROVIDER": "nhs_trust"}
#: NHS England commissioning regions: code -> name (2019-20 gives names only).
NHS_REGIONS = {
    "Y56": "London", "Y58": "South West", "Y59": "South East", "Y60": "Midlands", "Y61": "East of England",
    "Y62": "North West", "Y63": "North East and Yorkshire",
}


def _file(period: str) -> tuple[str, str]:
    return SOURCE, f"hosp-epis-stat-mat-msdscsv-{period}.csv"


def measures(dimensions: list[str] | None = None) -> pd.DataFrame:
    """All four years in one shape: period, dimension, level, org_code, org_name, measure, count_of, count.

    ``dimension`` is the harmonised name from :data:`DIMENSIONS` (other dimensions are dropped); ``level`` is
    'england', 'nhs_region' or 'nhs_trust'; region codes are Y56-Y63 in every year.
    """
    frames = []
    by_name = {name.upper(): code for code, name in NHS_REGIONS.items()}
    for period in PERIODS:
        raw = pd.read_csv(raw_file(*_file(period)), encoding="utf-8-sig", dtype=str)
        raw.columns = [c.lower() for c in raw.columns]
        raw = raw.rename(columns={"measure1": "measure"})
        raw["dimension"] = raw["dimension"].str.replace(" ", "").str.upper().map(DIMENSIONS)
        raw["level"] = raw["org_level"].str.upper().map(LEVELS)
        raw = raw[raw["dimension"].notna() & raw["level"].notna()].copy()
        regions = raw["level"] == "nhs_region"
        # 2019-20 gives the region's name as its code.
        raw.loc[regions, "org_code"] = raw.loc[regions, "org_code"].map(
            lambda c: c if c in NHS_REGIONS else by_name.get(str(c).upper(), c))
        raw["count"] = pd.to_numeric(raw["value"], errors="coerce")
        raw["period"] = period
        frames.append(raw[["period", "dimension", "level", "org_code", "org_name", "measure", "count_of", "count"]])
    out = pd.concat(frames, ignore_index=True)
    unknown = set(out.loc[out.level == "nhs_region", "org_code"]) - set(NHS_REGIONS)
    if unknown:
        raise ValueError(f"MSDS regions not recognised: {sorted(unknown)}")
    if dimensions is not None:
        out = out[out.dimension.isin(dimensions)]
    return out.reset_index(drop=True)


def provider_locations() -> pd.DataFrame:
    """Maternity providers: org_code, name, postcode, lat, lon (NHS England's location file, WGS84)."""
    raw = pd.read_csv(raw_file(*LOCATIONS), dtype={"org_code": str, "postcode": str})
    return raw.rename(columns={"org_name": "name", "latitude": "lat", "longitude": "lon"})[
        ["org_code", "name", "postcode", "lat", "lon"]]
