"""The best figure at the right level: the area's own value where published, else its county's, named as such.

Some indicators are published for upper-tier authorities only (DfE LAIT: 6 to 8 week breastfeeding, single-year
infant mortality). A two-tier district's page then shows its county's figure, always under the county's name
("Kent (county)"), never as the district's. Periods carry the one freshness rule of :mod:`nbutils.periods`.
"""

from __future__ import annotations

import pandas as pd

from .. import narrative, periods
from ..areas import Area
from . import indicators

COUNTY_SUFFIX = " (county)"


def named_levels(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the county's rows named 'Kent (county)', so no table or legend reads as the district's."""
    out = frame.copy()
    county = out.role == "county"
    out.loc[county, "area_name"] = out.loc[county, "area_name"].astype(str) + COUNTY_SUFFIX
    return out


def best_role(frame: pd.DataFrame) -> str | None:
    """'area' if the area has any value, else 'county' if its county has one, else None."""
    for role in ("area", "county"):
        if frame[(frame.role == role) & frame.value.notna()].shape[0]:
            return role
    return None


def latest_best(frame: pd.DataFrame) -> pd.Series | None:
    """The latest row at the best level (see :func:`best_role`), with ``england`` (same period) added; or None."""
    role = best_role(frame)
    if role is None:
        return None
    rows = frame[(frame.role == role) & frame.value.notna()]
    row = rows.loc[rows.period.astype(str).map(periods.sort_key).idxmax()].copy()
    england = frame[(frame.role == "england") & (frame.period == row.period) & frame.value.notna()]
    row["england"] = england.value.iloc[0] if len(england) else float("nan")
    return row


def level_note(area: Area, frame: pd.DataFrame, what: str) -> str:
    """A plain line saying whose figure a page shows when the area's own level is not published ('' otherwise)."""
    role = best_role(frame)
    if role == "county":
        county = frame[frame.role == "county"].area_name.iloc[0]
        return (f"{what} is not published for {area.name} (a district): the figures shown are for "
                f"{county.removesuffix(COUNTY_SUFFIX)}{COUNTY_SUFFIX} as a whole, named as the county's.")
    if role is None and area.is_combined and (frame[frame.role == "member"].value.notna().any()):
        members = narrative.list_phrase(list(frame.loc[frame.role == "member", "area_name"].unique()))
        return (f"{what} is published as a rate for each authority only, so it is not computed for {area.name} "
                f"(a rate is never averaged): the figures shown are each authority's own ({members}).")
    if role is None:
        return _none_held(area, what)
    return ""


def _none_held(area: Area, what: str) -> str:
    two_tier = bool(area.upper_tier_code) and not area.is_unitary and not area.is_county
    return (f"No {what[:1].lower() + what[1:]} figure is published for {area.name}"
            + (" or its county" if two_tier else "") + " in the data held here.")


def latest_sentence(area: Area, frame: pd.DataFrame, what: str, unit: str, decimals: int = 1) -> str:
    """'Breastfeeding at 6 to 8 weeks: Kent (county) 51.0% in 2023/24 (England 52.7%).' with the old-figure flag."""
    row = latest_best(frame)
    if row is None:
        return _none_held(area, what)
    value = narrative.pct(row.value, decimals) if unit == "%" else f"{row.value:.{decimals}f} {unit}"
    england = ""
    if pd.notna(row.england):
        england = (f" (England {narrative.pct(row.england, decimals)})" if unit == "%"
                   else f" (England {row.england:.{decimals}f})")
    whose = row.area_name if row.role == "area" else f"{str(row.area_name).removesuffix(COUNTY_SUFFIX)}{COUNTY_SUFFIX}"
    level = "" if row.role == "area" else f", the county's figure (not published for {area.name})"
    return f"{what}: {whose} {value} in {row.period}{narrative.old_flag(row.period)}{england}{level}."


def series(indicator_id: str, area: Area) -> pd.DataFrame:
    """:func:`nbutils.topics.indicators.series` with the county's rows named as the county's."""
    return named_levels(indicators.series(indicator_id, area))
