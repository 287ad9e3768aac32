"""Readers for OHID Fingertips extracts in data/raw/ (NCMP obesity, APS smoking, SATOD, breastfeeding).

Values, confidence intervals and Fingertips' own comparison with England are returned exactly as published;
columns are renamed to the store's names only.
"""

from __future__ import annotations

import pandas as pd

from .manifest import raw_file

OBESE_RECEPTION = ("fingertips-trafforddatalab", "themes_obese_reception.csv")
OBESE_YEAR6 = ("fingertips-trafforddatalab", "themes_obese_year6.csv")
ADULT_SMOKING = ("fingertips-trafforddatalab", "themes_adults_smoking.csv")
ROUTINE_MANUAL_SMOKING = ("trafforddatalab-extra", "themes_adults_smoking_manual.csv")
WALKTHROUGH_2020 = ("psychty-laph-walkthrough-2020", "walkthrough_tidy_with_codes.csv")
FINGERTIPSNEXT_MATERNAL = ("fingertipsnext-datacreator-2025", "maternal_subset_tidy.csv")

SATOD_ID = 93085
BREASTFEEDING_INITIATION_ID = 20201


def themes_extract(source: tuple[str, str]) -> pd.DataFrame:
    """A Trafford Data Lab Fingertips extract: area_code, area_type, period, indicator, value, compared, inequality.

    ``period`` is normalised to the workbook's style ('2019 - 21' -> '2019-21', '2020/21 - 24/25' ->
    '2020/21-24/25'); the publisher's compared_to_England label is kept as ``compared_to_england``.
    """
    raw = pd.read_csv(raw_file(*source), dtype={"period": str})
    out = raw.rename(columns={"compared_to_England": "compared_to_england", "area_type": "publisher_area_type"})
    out["period"] = out["period"].str.replace(" - ", "-", regex=False)
    return out[["area_code", "area_name", "publisher_area_type", "period", "indicator", "value",
                "compared_to_england", "inequality"]]


def walkthrough_indicator(indicator_id: int) -> pd.DataFrame:
    """One indicator from the February 2020 Fingertips extract (upper and lower tier, one latest period)."""
    raw = pd.read_csv(raw_file(*WALKTHROUGH_2020))
    return raw[raw["indicator_id"] == indicator_id].reset_index(drop=True)


def fingertipsnext_england(indicator_id: int) -> pd.DataFrame:
    """England whole-population rows (no deprivation breakdown) of one indicator from the FingertipsNext extract."""
    raw = pd.read_csv(raw_file(*FINGERTIPSNEXT_MATERNAL))
    rows = raw[(raw["indicator_id"] == indicator_id) & (raw["area_code"] == "E92000001") & raw["category"].isna()]
    return rows[["area_code", "period", "count", "denominator", "value", "lower_ci95", "upper_ci95"]].reset_index(
        drop=True)
