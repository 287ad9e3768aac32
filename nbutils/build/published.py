"""Shared steps for published (not summed) values: Fingertips, ONS and MHCLG tables that give rates per area.

Published rates cannot be added up, so each area keeps the value its publisher gave; an area with no published
row (for example a unitary created in April 2023, when the source predates it) simply has no row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import INDICATOR_COLUMNS, Geography

# Barnsley and Sheffield were recoded in 2024 after a minor boundary change; the store uses 2023 codes.
LAD24_TO_LAD23 = {"E08000038": "E08000016", "E08000039": "E08000019"}

AREA_TYPE_BY_PREFIX = {"E92": "england", "E12": "region", "E10": "county", "E06": "lad", "E07": "lad",
                       "E08": "lad", "E09": "lad"}


def area_type_of(codes: pd.Series) -> pd.Series:
    """Store area type from a GSS code prefix (None for types the store does not hold, e.g. wards, ICBs)."""
    return codes.str[:3].map(AREA_TYPE_BY_PREFIX)


def comparison_note(labels: pd.Series) -> pd.Series:
    """'fingertips_compared_to_england=Worse' for a published comparison; blank where none was made."""
    labels = labels.fillna("").astype(str)
    usable = ~labels.isin(["", "Not compared", "Not applicable", "nan"])
    return pd.Series(np.where(usable, "fingertips_compared_to_england=" + labels, ""), index=labels.index)


def published_rows(frame: pd.DataFrame, geo: Geography, indicator_id: str, source: str,
                   category_type: str = "") -> pd.DataFrame:
    """Keep rows for areas the store knows (2023 codes), set area_type, and return INDICATOR_COLUMNS.

    ``frame`` needs area_code, period and value; count, denominator, CIs, category and value_note are optional.
    Upper-tier rows that duplicate a unitary authority's own row are dropped (the first row is kept).
    """
    out = frame.copy()
    out["area_code"] = out["area_code"].replace(LAD24_TO_LAD23)
    out["area_type"] = area_type_of(out["area_code"])
    known = set(geo.areas.loc[geo.areas.area_type != "msoa", "area_code"])
    out = out[out["area_type"].notna() & out["area_code"].isin(known)]
    if "category" not in out:
        out["category"] = ""
    out["category"] = out["category"].fillna("")
    out = out.drop_duplicates(["area_code", "period", "category"], keep="first")
    out["indicator_id"] = indicator_id
    out["category_type"] = np.where(out["category"] != "", category_type, "")
    out["source"] = source
    if "value_note" not in out:
        out["value_note"] = ""
    out["value_note"] = out["value_note"].fillna("")
    for column in INDICATOR_COLUMNS:
        if column not in out:
            out[column] = np.nan
    return out[INDICATOR_COLUMNS].reset_index(drop=True)
