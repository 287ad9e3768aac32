"""Readers for the housing and deprivation tables in data/raw/ (ONS Census 2021, MHCLG IoD and homelessness, ONS
Health Index), each returning a tidy frame with the publisher's own labels so numbers trace to the published table.
"""

from __future__ import annotations

import pandas as pd

from .manifest import raw_file

OVERCROWDING_LSOA = ("humaniverse-demographr-census2021", "household_overcrowding21_lsoa21_wide.csv")
TENURE_LSOA = ("humaniverse-demographr-census2021", "household_tenure21_lsoa21_wide.csv")
DEPRIVATION_LSOA = ("humaniverse-demographr-census2021", "household_deprivation21_lsoa21_wide.csv")
IMD2025_LSOA = ("humaniverse-imd", "imd2025_england_lsoa21.csv")
IMD2025_LA = ("humaniverse-imd", "imd2025_england_ltla24.csv")
IMD2019_LA = ("humaniverse-imd", "imd2019_england_ltla23.csv")
IMD2019_LSOA = ("humaniverse-imd", "imd2019_england_lsoa11.csv")
LSOA11_LOOKUP = ("humaniverse-geographr", "lookup_lsoa11_lsoa21_ltla22.csv")
HOMELESSNESS = ("humaniverse-healthyr", "england_homelessness_oct_dec_2023.csv")
HEALTH_INDEX = ("humaniverse-healthyr", "ons_health_index_underlying_indicators_ltla21_2015_2021.csv")

OVERCROWDED = ["-1 (overcrowded)", "-2 or less (overcrowded)"]
OCCUPANCY_RATINGS = ["+2 or more (under-occupied)", "+1 (under-occupied)", "0 (ideal)", *OVERCROWDED]
TENURES = [
    "Owned: Owns outright", "Owned: Owns with a mortgage or loan", "Shared ownership: Shared ownership",
    "Social rented: Rents from council or Local Authority", "Social rented: Other social rented",
    "Private rented: Private landlord or letting agency", "Private rented: Other private rented", "Lives rent free",
]
DEPRIVATION_DIMENSIONS = [
    "Household is not deprived in any dimension", "Household is deprived in one dimension",
    "Household is deprived in two dimensions", "Household is deprived in three dimensions",
    "Household is deprived in four dimensions",
]
# IoD domains kept for the housing page: (column prefix in the LSOA file, MHCLG domain name).
IMD_DOMAINS = [
    ("IMD", "Index of Multiple Deprivation"),
    ("Housing_and_Services", "Barriers to Housing and Services"),
    ("Environment", "Living Environment"),
]


def _wide(source: tuple[str, str], columns: list[str]) -> pd.DataFrame:
    raw = pd.read_csv(raw_file(*source))
    missing = [c for c in ["lsoa21_code", "total_households", *columns] if c not in raw.columns]
    if missing:
        raise ValueError(f"{source[1]} lacks expected columns: {missing}")
    return raw[["lsoa21_code", "total_households", *columns]]


def occupancy_lsoa() -> pd.DataFrame:
    """TS052 occupancy rating for bedrooms by LSOA 2021: households per rating and the total (wide)."""
    return _wide(OVERCROWDING_LSOA, OCCUPANCY_RATINGS)


def tenure_lsoa() -> pd.DataFrame:
    """TS054 tenure of household by LSOA 2021 (8 categories and the total, wide)."""
    return _wide(TENURE_LSOA, TENURES)


def household_deprivation_lsoa() -> pd.DataFrame:
    """TS011 households by number of deprivation dimensions (0-4) by LSOA 2021 (wide)."""
    return _wide(DEPRIVATION_LSOA, DEPRIVATION_DIMENSIONS)


def imd2025_lsoa() -> pd.DataFrame:
    """IoD2025 by LSOA 2021: long, one row per LSOA x domain with decile (1 = most deprived 10%), rank, score."""
    raw = pd.read_csv(raw_file(*IMD2025_LSOA))
    pieces = []
    for prefix, domain in IMD_DOMAINS:
        pieces.append(pd.DataFrame({
            "lsoa21_code": raw["lsoa21_code"], "domain": domain, "decile": raw[f"{prefix}_decile"],
            "rank": raw[f"{prefix}_rank"], "score": raw[f"{prefix}_score"],
        }))
    return pd.concat(pieces, ignore_index=True)


def imd_la_scores() -> pd.DataFrame:
    """Local-authority average scores: IoD2025 (2024 districts) and IoD2019 (re-fitted to 2023 districts).

    Returns area_code, period ('2019'/'2025'), domain and average_score (population-weighted LSOA average).
    """
    new = pd.read_csv(raw_file(*IMD2025_LA))
    old = pd.read_csv(raw_file(*IMD2019_LA))
    columns_2025 = {"Index of Multiple Deprivation": "imd_average_score",
                    "Barriers to Housing and Services": "barriers_to_housing_and_services_average_score",
                    "Living Environment": "living_environment_average_score"}
    columns_2019 = {"Index of Multiple Deprivation": "Score",
                    "Barriers to Housing and Services": "Housing_and_Access_Score",
                    "Living Environment": "Environment_Score"}
    pieces = []
    for domain, column in columns_2025.items():
        pieces.append(pd.DataFrame({"area_code": new["ltla24_code"], "period": "2025", "domain": domain,
                                    "average_score": new[column]}))
    for domain, column in columns_2019.items():
        pieces.append(pd.DataFrame({"area_code": old["ltla23_code"], "period": "2019", "domain": domain,
                                    "average_score": old[column]}))
    return pd.concat(pieces, ignore_index=True)


def homelessness() -> pd.DataFrame:
    """MHCLG Oct-Dec 2023: households assessed as homeless and households in TA, per 1,000 households (2023 codes)."""
    raw = pd.read_csv(raw_file(*HOMELESSNESS))
    return raw.rename(columns={
        "ltla23_code": "area_code",
        "Households assessed as homeless per (000s)": "assessed_homeless_per_1000",
        "Households in temporary accommodation per 1,000": "temporary_accommodation_per_1000",
    })


def health_index(indicators: list[str]) -> pd.DataFrame:
    """ONS Health Index underlying values by district (2021 codes), 2015-2021, for the named indicators."""
    raw = pd.read_csv(raw_file(*HEALTH_INDEX))
    unknown = set(indicators) - set(raw["indicator"])
    if unknown:
        raise ValueError(f"{HEALTH_INDEX[1]} has no indicator {sorted(unknown)}")
    out = raw[raw["indicator"].isin(indicators)].rename(columns={"ltla21_code": "area_code"})
    out["carried_forward"] = out["carried_forward"].astype(str).str.lower() == "true"
    return out[["area_code", "year", "indicator", "value", "carried_forward"]].reset_index(drop=True)


def imd2019_lsoa_deciles() -> pd.DataFrame:
    """IoD2019 overall IMD decile (1 = most deprived 10% of England) of every 2011 LSOA, with its 2022 district.

    The district comes from the ONS LSOA 2011 to 2021 lookup (ltla22_code). Three 2011 LSOAs were split across
    a district boundary change in 2021 (change code X); each is counted once, in the district its 2011 name
    gives (as IoD2019 did), so every 2011 LSOA is counted exactly once.
    """
    imd = pd.read_csv(raw_file(*IMD2019_LSOA), usecols=["lsoa11_code", "IMD_decile"])
    lookup = pd.read_csv(raw_file(*LSOA11_LOOKUP), usecols=["lsoa11_name", "lsoa11_code", "ltla22_name",
                                                              "ltla22_code"]).drop_duplicates(["lsoa11_code",
                                                                                               "ltla22_code"])
    split = lookup.lsoa11_code.duplicated(keep=False)
    own = [name.startswith(f"{district} ") for name, district in zip(lookup.lsoa11_name, lookup.ltla22_name)]
    lookup = lookup[~split | pd.Series(own, index=lookup.index)]
    if lookup.lsoa11_code.duplicated().any():
        raise ValueError(f"{LSOA11_LOOKUP[1]} puts a 2011 LSOA in more than one district")
    out = imd.merge(lookup, on="lsoa11_code", how="inner")
    return out.rename(columns={"IMD_decile": "decile"})
