"""Readers for the Census 2021 tables in data/raw/ (ONS, OGL v3).

Each reader returns a tidy frame with ``area_code``, ``category`` and ``count`` (plus a denominator where the
table defines one), using ONS's own category labels, so every number can be traced to the published table.
"""

from __future__ import annotations

import re

import pandas as pd

from .manifest import raw_file

ETHNICITY_LTLA = ("humaniverse-demographr-census2021", "ethnicity21_ltla21.csv")
ETHNICITY_MSOA = ("census2021-ts021-msoa-nomis", "census2021-ts021-msoa.csv")
MIGRATION_MSOA = ("humaniverse-demographr-census2021", "migration21_msoa21.csv")
PROFICIENCY_MSOA = ("humaniverse-demographr-census2021", "proficiency21_msoa21.csv")

# The 19 detailed TS021 groups in ONS order: (ONS label, short label, broad group).
ETHNIC_GROUPS: list[tuple[str, str, str]] = [
    ("Asian, Asian British or Asian Welsh: Bangladeshi", "Bangladeshi", "Asian"),
    ("Asian, Asian British or Asian Welsh: Chinese", "Chinese", "Asian"),
    ("Asian, Asian British or Asian Welsh: Indian", "Indian", "Asian"),
    ("Asian, Asian British or Asian Welsh: Pakistani", "Pakistani", "Asian"),
    ("Asian, Asian British or Asian Welsh: Other Asian", "Other Asian", "Asian"),
    ("Black, Black British, Black Welsh, Caribbean or African: African", "African", "Black"),
    ("Black, Black British, Black Welsh, Caribbean or African: Caribbean", "Caribbean", "Black"),
    ("Black, Black British, Black Welsh, Caribbean or African: Other Black", "Other Black", "Black"),
    ("Mixed or Multiple ethnic groups: White and Asian", "White and Asian", "Mixed"),
    ("Mixed or Multiple ethnic groups: White and Black African", "White and Black African", "Mixed"),
    ("Mixed or Multiple ethnic groups: White and Black Caribbean", "White and Black Caribbean", "Mixed"),
    ("Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups", "Other Mixed", "Mixed"),
    ("White: English, Welsh, Scottish, Northern Irish or British", "White British", "White"),
    ("White: Irish", "Irish", "White"),
    ("White: Gypsy or Irish Traveller", "Gypsy or Irish Traveller", "White"),
    ("White: Roma", "Roma", "White"),
    ("White: Other White", "Other White", "White"),
    ("Other ethnic group: Arab", "Arab", "Other"),
    ("Other ethnic group: Any other ethnic group", "Any other ethnic group", "Other"),
]
ETHNIC_GROUP_LABELS = [label for label, _, _ in ETHNIC_GROUPS]


def _clean_label(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def ethnicity_ltla() -> pd.DataFrame:
    """TS021 detailed ethnic group counts by local authority (2021 codes), long format."""
    raw = pd.read_csv(raw_file(*ETHNICITY_LTLA))
    counts = raw[raw["ethnic_group"].str.endswith("(number)")].copy()
    counts["category"] = counts["ethnic_group"].str.replace(r"\(number\)$", "", regex=True).map(_clean_label)
    unknown = set(counts["category"]) - set(ETHNIC_GROUP_LABELS)
    if unknown:
        raise ValueError(f"unexpected ethnic group labels in {ETHNICITY_LTLA[1]}: {sorted(unknown)}")
    counts["value"] = counts["value"].astype("int64")
    return counts.rename(columns={"ltla21_code": "area_code", "value": "count"})[
        ["area_code", "category", "count"]
    ].reset_index(drop=True)


def ethnicity_msoa() -> pd.DataFrame:
    """TS021 detailed ethnic group counts by MSOA 2021 (Nomis bulk file), long format with the total."""
    raw = pd.read_csv(raw_file(*ETHNICITY_MSOA))
    raw.columns = [_clean_label(c) for c in raw.columns]
    total_col = "Ethnic group: Total: All usual residents"
    detailed = {f"Ethnic group: {label}": label for label in ETHNIC_GROUP_LABELS}
    missing = [c for c in [total_col, *detailed] if c not in raw.columns]
    if missing:
        raise ValueError(f"{ETHNICITY_MSOA[1]} lacks expected columns: {missing[:3]}")
    wide = raw.rename(columns={"geography code": "area_code", total_col: "denominator", **detailed})
    long = wide.melt(
        id_vars=["area_code", "denominator"], value_vars=ETHNIC_GROUP_LABELS, var_name="category", value_name="count"
    )
    return long[["area_code", "category", "count", "denominator"]]


def migration_msoa() -> pd.DataFrame:
    """TS019 migrant indicator by MSOA: usual residents whose address a year before was outside the UK."""
    raw = pd.read_csv(raw_file(*MIGRATION_MSOA))
    return pd.DataFrame(
        {
            "area_code": raw["msoa21_code"],
            "count": raw["migrant_from_outside_uk"],
            "denominator": raw["all_usual_residents"],
        }
    )


def proficiency_msoa() -> pd.DataFrame:
    """TS029 proficiency in English by MSOA (usual residents aged 3 and over)."""
    raw = pd.read_csv(raw_file(*PROFICIENCY_MSOA))
    raw.columns = [_clean_label(c) for c in raw.columns]
    english = "Main language is English (English or Welsh in Wales)"
    other = "Main language is not English (English or Welsh in Wales)"
    not_well = f"{other}: Cannot speak English well"
    not_at_all = f"{other}: Cannot speak English"
    aged_3_plus = raw[english] + raw[other]
    return pd.DataFrame(
        {
            "area_code": raw["msoa21_code"],
            "main_language_not_english": raw[other],
            "cannot_speak_english_well": raw[not_well] + raw[not_at_all],
            "denominator": aged_3_plus,
        }
    )
