"""Maternity units near an area: NHS Maternity Statistics (MSDS) by NHS trust, with the trust's region and England.

These are places of care, not residents: a trust's figure covers every baby born there, wherever the mother
lives. Pages say so beside every such figure and keep these rows apart from residents' figures.
"""

from __future__ import annotations

import pandas as pd

from .. import narrative, query, store
from ..areas import Area

PLACE_OF_CARE = "place of care, not residents"
MSDS_SOURCE = "NHS England, NHS Maternity Statistics (Maternity Services Data Set), OGL v3"
COLUMNS = ["indicator_id", "org_code", "name", "role", "distance_km", "period", "count", "denominator", "value",
           "value_note", "basis", "lat", "lon"]


def nearest(area: Area, indicator_id: str, n: int = 4) -> pd.DataFrame:
    """The latest period of ``indicator_id`` for the ``n`` maternity units nearest the area, their NHS regions
    and England.

    Returns
    -------
    DataFrame
        ``COLUMNS``: one row per unit (role 'unit', nearest first), then each NHS region of those units
        (role 'nhs_region') and England (role 'england'), all for the latest period any unit has; ``basis`` is
        "place of care, not residents" on every row.
    """
    units = query.nearest_maternity_units(area, n)
    providers = store.table("maternity_providers").set_index("org_code")
    data = store.indicator_data(indicator_id)
    data = data[data.category.fillna("") == ""]
    held = data[data.area_code.isin(units.org_code) & data.value.notna()]
    if held.empty:
        return pd.DataFrame(columns=COLUMNS)
    period = max(held.period)
    data = data[data.period == period].set_index("area_code")
    rows = []
    for unit in units.itertuples():
        rows.append({"org_code": unit.org_code, "name": unit.name, "role": "unit", "distance_km": unit.distance_km,
                     "lat": unit.lat, "lon": unit.lon})
    regions = list(dict.fromkeys(providers.loc[units.org_code, "nhs_region"].dropna()))
    names = providers.drop_duplicates("nhs_region").set_index("nhs_region")["nhs_region_name"]
    for code in regions:
        rows.append({"org_code": code, "name": f"{names.get(code, code)} (NHS region)", "role": "nhs_region"})
    rows.append({"org_code": store.ENGLAND_CODE, "name": "England", "role": "england"})
    out = pd.DataFrame(rows)
    for column in ("count", "denominator", "value", "value_note"):
        out[column] = out.org_code.map(data[column]) if column in data else None
    out["indicator_id"] = indicator_id
    out["period"] = period
    out["basis"] = PLACE_OF_CARE
    for column in COLUMNS:
        if column not in out:
            out[column] = None
    return out[COLUMNS].reset_index(drop=True)


def view(frame: pd.DataFrame, value_label: str) -> pd.DataFrame:
    """Readers' table: unit or comparator, distance, period, value with its count and denominator, note."""
    def whole(v):
        return f"{v:,.0f}" if pd.notna(v) else "[x]"

    return pd.DataFrame({
        "Maternity unit (NHS trust) or comparator": frame.name,
        "Distance from the area's centre (km)": frame.distance_km.map(lambda v: f"{v:.1f}" if pd.notna(v) else "-"),
        "Period": frame.period.map(narrative.period_label),
        value_label: frame.value.map(lambda v: f"{v:.1f}" if pd.notna(v) else "[x]"),
        "Babies or deliveries counted": frame["count"].map(whole),
        "Out of (recorded)": frame.denominator.map(whole),
        "Note": frame.value_note.fillna("").replace("", "-"),
    })


def sentence(area: Area, frame: pd.DataFrame, what: str) -> str:
    """'At the maternity units nearest Swale (place of care, not residents), first feed breast milk ranged from
    ... in 2022/23 (England ...).'"""
    units = frame[(frame.role == "unit") & frame.value.notna()]
    if units.empty:
        return f"No {what} figure is published for the maternity units nearest {area.name}."
    low, high = units.loc[units.value.idxmin()], units.loc[units.value.idxmax()]
    england = frame[frame.role == "england"].value
    england_text = f" (England {narrative.pct(england.iloc[0])})" if len(england) and pd.notna(england.iloc[0]) else ""
    period = units.period.iloc[0]
    span = (f"was {narrative.pct(units.value.iloc[0])} at {units.name.iloc[0]}" if len(units) == 1 else
            f"ranged from {narrative.pct(low.value)} at {low['name']} to {narrative.pct(high.value)} at {high['name']}")
    return (f"At the {len(units)} maternity units nearest {area.name} ({PLACE_OF_CARE}), {what} {span} in "
            f"{period}{narrative.old_flag(period)}{england_text}.")
