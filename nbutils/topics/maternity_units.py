"""The maternity units that serve an area: NHS Maternity Statistics (MSDS) by NHS trust, with the trusts' NHS regions
and England.

Which units serve an area: the trusts an area set file names for it (``maternity_trusts``, as Kent's own first-feed
table does); otherwise the units located in the area's upper-tier authority and in the authorities bordering it
within the same NHS region, plus units in any authority of another NHS region that the area itself borders (see
:func:`serving_units`). These are places of care, not residents: a trust's figure covers every baby born there,
wherever the mother lives. Pages say so beside every such figure and keep these rows apart from residents' figures.
"""

from __future__ import annotations

import pandas as pd

from .. import borders, narrative, query, store
from ..areas import Area, registry, set_files, parse_area_set
from ..errors import AreaSetError
from ..build.maternity import GOR_TO_NHS_REGION

PLACE_OF_CARE = "place of care, not residents"
MSDS_SOURCE = "NHS England, NHS Maternity Statistics (Maternity Services Data Set), OGL v3"
COLUMNS = ["indicator_id", "org_code", "name", "role", "distance_km", "period", "count", "denominator", "value",
           "value_note", "basis", "lat", "lon"]


def declared_maternity_trusts(area: Area) -> tuple[str, list[str]] | None:
    """(set name, trust codes) when an area set file that lists ``area`` names the maternity trusts serving it."""
    for path in set_files():
        try:
            area_set, members = parse_area_set(path)
        except AreaSetError:
            continue
        if area_set.maternity_trusts and area.code in {a.code for a in members}:
            return area_set.name, list(area_set.maternity_trusts)
    return None


#: How many units the fallback shows when no unit lies in the area's authority or its neighbours.
FALLBACK_UNITS = 4


def _names(codes) -> str:
    """'Herefordshire, County of' read as 'County of Herefordshire', listed."""
    def readable(name: str) -> str:
        place, _, kind = name.partition(", ")
        return f"{kind} {place}" if kind in {"County of", "City of"} else name
    return narrative.list_phrase([readable(registry().get(code).name) for code in codes])


def _upper_tiers(area: Area) -> list[Area]:
    """The upper-tier authorities the area lies in (several for a combined area of unitaries)."""
    codes = registry().district_codes(area)
    return list(dict.fromkeys(registry().upper_tier(registry().get(c)) or registry().get(c) for c in codes))


def _units_with_places(area: Area) -> pd.DataFrame:
    """Every trust with births: org_code, name, lat, lon, nhs_region, upper-tier code it lies in, distance_km."""
    units = store.table("maternity_providers")
    units = units[units.latest_period.notna()].reset_index(drop=True)
    district = borders.located_in(units)
    units["upper_tier"] = district.map(lambda c: (registry().get(c).upper_tier_code or c) if isinstance(c, str)
                                       else None)
    nearest = query.nearest_maternity_units(area, len(units)).set_index("org_code").distance_km
    units["distance_km"] = units.org_code.map(nearest)
    return units


@store.per_build(maxsize=512)
def serving_units(area: Area) -> tuple[pd.DataFrame, str]:
    """The maternity units serving the area, and one sentence saying how they were chosen.

    Returns
    -------
    (DataFrame, str)
        org_code, name, distance_km, lat, lon (the area's own authority first, then nearest first); the sentence.
    """
    units = _units_with_places(area)
    columns = ["org_code", "name", "distance_km", "lat", "lon"]
    declared = declared_maternity_trusts(area)
    if declared:
        set_name, codes = declared
        chosen = units[units.org_code.isin(codes)].sort_values(["distance_km", "org_code"])
        how = (f"The units shown are the {len(chosen)} NHS trusts that the {set_name} area "
               f"set names as serving its residents, whatever their distance from {area.name}.")
        unknown = [code for code in codes if code not in set(chosen.org_code)]
        if unknown:
            how += (f" {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} named there but "
                    f"{'has' if len(unknown) == 1 else 'have'} no births in NHS Maternity Statistics, so "
                    f"{'it is' if len(unknown) == 1 else 'they are'} not shown.")
        return chosen[columns].reset_index(drop=True), how + " " + LOCATION_CAVEAT
    tiers = _upper_tiers(area)
    tier_codes = [t.code for t in tiers]
    region = GOR_TO_NHS_REGION.get(area.region_code or tiers[0].region_code or "")
    around = {a.code for t in tiers for a in borders.bordering(t)} - set(tier_codes)
    touching_other = {a.code for a in borders.bordering(area)} - set(tier_codes)
    home = units.upper_tier.isin(tier_codes)
    near = units.upper_tier.isin(around) & (units.nhs_region == region)
    across = units.upper_tier.isin(touching_other) & (units.nhs_region != region)
    chosen = units[home | near | across].assign(home=home).sort_values(["home", "distance_km", "org_code"],
                                                                       ascending=[False, True, True])
    names = _names(tier_codes)
    region_name = units.loc[units.nhs_region == region, "nhs_region_name"].iloc[0] if region in set(
        units.nhs_region) else "its NHS region"
    if chosen.empty:
        chosen = units[units.nhs_region == region].sort_values(["distance_km", "org_code"]).head(FALLBACK_UNITS)
        how = (f"No maternity unit is located in {names} or the authorities bordering it, so the units shown are "
               f"the {len(chosen)} nearest {area.name} in the {region_name} NHS region.")
        return chosen[columns].reset_index(drop=True), how + " " + LOCATION_CAVEAT
    how = (f"The units shown are those located in {names} and in the authorities bordering "
           f"{'them' if len(tiers) > 1 else 'it'} within the same NHS region ({region_name})")
    neighbours = sorted(set(units.loc[near & ~home, "upper_tier"]))
    how += f": {_names(neighbours)}" if neighbours else "; no unit is located in the bordering ones"
    other = sorted(set(units.loc[across & units.index.isin(chosen.index), "upper_tier"]))
    if other:
        how += (f", and in {_names(other)}, which "
                f"{area.name} borders, in another NHS region")
    how += f"; {names} first, then nearest first." if len(chosen) > 1 else "."
    return chosen[columns].reset_index(drop=True), how + " " + LOCATION_CAVEAT


LOCATION_CAVEAT = ("Each trust is placed at its registered site (one point per trust, even where it runs several "
                   "birth units); open data do not say where each area's residents give birth.")


def how_chosen(area: Area) -> str:
    """One sentence for the page: how the units shown for the area were chosen."""
    return serving_units(area)[1]


def nearest(area: Area, indicator_id: str) -> pd.DataFrame:
    """The latest period of ``indicator_id`` for the maternity units serving the area (:func:`serving_units`),
    their NHS regions and England.

    Returns
    -------
    DataFrame
        ``COLUMNS``: one row per unit (role 'unit', in the order of :func:`serving_units`), then each NHS region
        of those units (role 'nhs_region') and England (role 'england'), all for the latest period any unit has;
        ``basis`` is "place of care, not residents" on every row.
    """
    units = serving_units(area)[0]
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
    """'At the 4 maternity units serving Swale (place of care, not residents), first feed breast milk ranged from
    ... in 2022/23 (England ...).'"""
    units = frame[(frame.role == "unit") & frame.value.notna()]
    if units.empty:
        return f"No {what} figure is published for the maternity units serving {area.name}."
    low, high = units.loc[units.value.idxmin()], units.loc[units.value.idxmax()]
    england = frame[frame.role == "england"].value
    england_text = f" (England {narrative.pct(england.iloc[0])})" if len(england) and pd.notna(england.iloc[0]) else ""
    period = units.period.iloc[0]
    span = (f"was {narrative.pct(units.value.iloc[0])} at {units.name.iloc[0]}" if len(units) == 1 else
            f"ranged from {narrative.pct(low.value)} at {low['name']} to {narrative.pct(high.value)} at {high['name']}")
    where = "the maternity unit" if len(units) == 1 else f"the {len(units)} maternity units"
    return (f"At {where} serving {area.name} ({PLACE_OF_CARE}), {what} {span} in "
            f"{period}{narrative.old_flag(period)}{england_text}.")
