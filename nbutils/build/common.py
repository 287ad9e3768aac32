"""Shared steps for turning raw tables into rows of the long indicator table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..sources import geography

ENGLAND_CODE = "E92000001"

INDICATOR_COLUMNS = [
    "indicator_id",
    "area_code",
    "area_type",
    "period",
    "category_type",
    "category",
    "count",
    "denominator",
    "value",
    "lower_ci95",
    "upper_ci95",
    "lower_ci998",
    "upper_ci998",
    "value_note",
    "source",
]


@dataclass(frozen=True)
class Geography:
    """What every indicator builder may need: the areas table and the LSOA lookup (England, 2023 codes)."""

    areas: pd.DataFrame
    lsoa: pd.DataFrame

    @property
    def msoa_codes(self) -> set[str]:
        return set(self.areas.loc[self.areas.area_type == "msoa", "area_code"])

    @property
    def lad_codes(self) -> set[str]:
        return set(self.areas.loc[self.areas.area_type == "lad", "area_code"])

    @property
    def msoa_to_lad(self) -> pd.Series:
        return self.lsoa.drop_duplicates("msoa21_code").set_index("msoa21_code")["lad_code"]


def _with_parents(frame: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    lads = areas[areas.area_type == "lad"][["area_code", "upper_tier_code", "region_code"]]
    return frame.merge(lads, on="area_code", how="inner")


def aggregate_counts(lad_frame: pd.DataFrame, areas: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sum district-level counts (and denominators) up to counties, regions and England.

    Only additive quantities (counts, populations) may be summed; values are recomputed afterwards.
    """
    with_parents = _with_parents(lad_frame, areas)
    sum_cols = [c for c in ("count", "denominator") if c in lad_frame]
    levels = []
    counties = with_parents[with_parents.upper_tier_code.str.startswith("E10")]
    for level, column, source in (("county", "upper_tier_code", counties), ("region", "region_code", with_parents)):
        grouped = source.groupby([column, *keys], as_index=False)[sum_cols].sum()
        levels.append(grouped.rename(columns={column: "area_code"}).assign(area_type=level))
    if keys:
        england = with_parents.groupby(keys, as_index=False)[sum_cols].sum()
    else:
        england = with_parents[sum_cols].sum().to_frame().T
    england = england.assign(area_code=ENGLAND_CODE, area_type="england")
    levels.append(england)
    return pd.concat([lad_frame.assign(area_type="lad"), *levels], ignore_index=True)


def to_lad23(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Re-key 2021/2022 district counts to 2023 codes by summing the districts merged in April 2023."""
    to23 = geography.lad22_to_lad23()
    mapping = dict(zip(to23.ltla22_code, to23.ltla23_code))
    out = frame.assign(area_code=frame.area_code.map(lambda c: mapping.get(c, c)))
    sum_cols = [c for c in ("count", "denominator") if c in frame]
    return out.groupby(["area_code", *keys], as_index=False)[sum_cols].sum()


def finish(frame: pd.DataFrame, indicator_id: str, period: str, category_type: str, source: str,
            multiplier: float = 100.0, note: str | None = None) -> pd.DataFrame:
    out = frame.copy()
    out["indicator_id"] = indicator_id
    out["period"] = period
    out["category_type"] = category_type
    if "category" not in out:
        out["category"] = ""
    out["value"] = np.where(out["denominator"] > 0, out["count"] / out["denominator"] * multiplier, np.nan)
    out["value_note"] = note or ""
    out["source"] = source
    for column in INDICATOR_COLUMNS:
        if column not in out:
            out[column] = np.nan
    return out[INDICATOR_COLUMNS]


