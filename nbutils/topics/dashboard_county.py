"""County rows of the dashboard where the sources publish no county figure, and two figures for one statistic.

- A county figure that can be computed correctly is computed: the sum of its districts' counts over the sum of
  their denominators, when every district has both (for example households in temporary accommodation, where the
  counts are held).
- Where no source held has a county figure and it cannot be computed, the row says so in words and gives the range
  of its districts instead; it is never left empty.
- Where the authority's own local figure and the national one give the same statistic for the same period with
  different values, both are shown together with one line saying why they can differ.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import catalog, periods, query, store
from ..areas import Area, registry


def _number(value: float, decimals: int, unit: str) -> str:
    return f"{value:,.{decimals}f}" + ("%" if unit.strip() == "%" else "")


def county_fallback(indicator_id: str, county: Area, category: str = "", pattern: re.Pattern | None = None,
                    decimals: int = 1) -> dict:
    """Dashboard fields for a county with no published figure: computed from its districts, or their range.

    Returns {} when the districts have no figure either.
    """
    meta = catalog.indicator(indicator_id)
    districts = registry().districts_of(county)
    if not districts:
        return {}
    data = store.indicator_data(indicator_id, area_codes=[d.code for d in districts])
    data = data[(data.category.fillna("") == category) & data.value.notna()]
    data = data[~data.value_note.fillna("").str.contains("carried forward")]
    if pattern is not None:
        data = data[data.period.astype(str).str.match(pattern)]
    if data.empty:
        return {}
    period = max(data.period.astype(str).unique(), key=periods.sort_key)
    at = data[data.period.astype(str) == period].drop_duplicates("area_code")
    names = {d.code: d.name for d in districts}
    complete = len(at) == len(districts) and at["count"].notna().all() and at["denominator"].notna().all()
    if complete and at["denominator"].sum() > 0:
        value = float(at["count"].sum() / at["denominator"].sum() * meta.multiplier)
        return {"period": period, "value": value, "value_geography": f"sum of its {len(districts)} districts",
                "note": (f"No county figure is published; computed as the sum of the {len(districts)} districts' "
                         f"counts over the sum of their denominators ({period})."),
                "compared_with_england": "Not tested", "rag": "Grey", "direction": "Not available",
                "direction_meaning": "computed for the latest period only"}
    low, high = at.loc[at.value.idxmin()], at.loc[at.value.idxmax()]
    reason = ("the counts behind the district rates are not held" if at["count"].isna().any()
              else f"only {len(at)} of its {len(districts)} districts have a figure")
    return {"period": period, "value_geography": "districts (range)",
            "note": (f"No figure for {county.name} is published in the sources held (districts and unitary "
                     f"authorities only) and it cannot be computed ({reason}). Its districts range from "
                     f"{_number(low.value, decimals, meta.unit)} ({names[low.area_code]}) to "
                     f"{_number(high.value, decimals, meta.unit)} ({names[high.area_code]}) in {period}, "
                     f"{len(at)} of {len(districts)} districts."),
            "direction_meaning": "no county figure"}


#: Why a national and a local figure for the same statistic can differ (said once, beside both).
WHY_TWO_FIGURES = ("they come from different collections: the national figure is the official statistic as "
                   "published after the publisher's checks, the local one the authority's own count reported to "
                   "its committee; neither is adjusted to match the other")


def two_figures(indicator_id: str, area: Area, frame: pd.DataFrame, mine: pd.DataFrame, decimals: int,
                unit: str) -> str:
    """One line setting a local figure beside the national one for the same period, where they differ ('' if none)."""
    local = query.local_values(indicator_id, [area.code])
    if local.empty:
        return ""
    lines = []
    for row in local.itertuples():
        national = mine[mine.period.astype(str) == str(row.period)]
        if national.empty or pd.isna(row.value):
            continue
        value = float(national.value.iloc[0])
        if np.isclose(round(value, decimals), round(row.value, decimals)):
            continue
        lines.append(f"Two figures for {row.period}: {_number(value, decimals, unit)} (national) and "
                     f"{_number(row.value, decimals, unit)} ({row.label}); {WHY_TWO_FIGURES}."
                     + (f" Local note: {row.value_note}." if row.value_note else ""))
    return " ".join(lines)
