"""Finds an area's comparators and reads indicator rows for them: the store asked in a notebook's terms.

An area's comparators are its county (for a two-tier district), its region and England
(:func:`comparison_areas`); :func:`with_comparators` gives one indicator's rows for the area and each comparator,
labelled by role. Also the small areas inside an area, a list of districts, local data and nearby maternity
units. No comparison is made here: the rule for comparing with England is in :mod:`nbutils.topics.indicators`.
"""

from __future__ import annotations

import pandas as pd

from . import combined, store
from .areas import Area, registry

ROLE_ORDER = {"area": 0, "member": 0.5, "county": 1, "region": 2, "england": 3, "districts_median": 4}


@store.per_build(maxsize=64)  # every indicator of an area's pages asks for the same comparators
def comparison_areas(area: Area) -> pd.DataFrame:
    """The area and its comparators: columns area_code, area_name, role (area/county/region/england), order."""
    rows = [(area.code, area.name, "area")]
    rows += [(c.area.code, c.area.name, c.role) for c in registry().comparators(area)]
    frame = pd.DataFrame(rows, columns=["area_code", "area_name", "role"])
    frame["order"] = frame["role"].map(ROLE_ORDER)
    return frame


def with_comparators(indicator_id: str, area: Area) -> pd.DataFrame:
    """Indicator rows for the area, its county (two-tier districts), region and England, labelled by role.

    A combined area's row is computed from its members' counts (:mod:`nbutils.combined`); where it cannot be
    (a figure published as a rate only, a member withheld), each member's own rows follow it, role 'member'.
    """
    places = comparison_areas(area)
    data = store.indicator_data(indicator_id, area_codes=list(places.area_code))
    data = data[data.area_type != "msoa"]
    if area.is_combined:
        own = combined.indicator_rows(indicator_id, area)
        members = combined.member_rows(indicator_id, area)
        if own.value.isna().any() and members.value.notna().any():
            names = [(m.code, m.name, combined.MEMBER) for m in registry().members(area)]
            places = pd.concat([places, pd.DataFrame(names, columns=["area_code", "area_name", "role"]).assign(
                order=ROLE_ORDER[combined.MEMBER])], ignore_index=True)
            data = pd.concat([data, members], ignore_index=True)
        data = pd.concat([own, data], ignore_index=True)
    # One row per place (an area and its comparators are distinct), so no one-to-many check: it cost more than
    # the merge itself, for every indicator of every page.
    frame = places.merge(data, on="area_code", how="left")
    return frame.sort_values(["order"], kind="stable").reset_index(drop=True)


def district_codes(area: Area) -> list[str]:
    """The districts an area is made of: a county's districts, otherwise the area itself."""
    return registry().district_codes(area)


def small_areas(indicator_id: str, area: Area, level: str = "msoa") -> pd.DataFrame:
    """Indicator rows for the small areas ('msoa' or 'lsoa') inside a district (or every district of a county)."""
    codes = district_codes(area)
    if level == "lsoa":
        lookup = store.table("lsoa_lookup")
        inside = lookup[lookup.lad_code.isin(codes)][["lsoa21_code", "lsoa21_name"]].rename(
            columns={"lsoa21_code": "area_code", "lsoa21_name": "area_name"})
    else:
        names = store.table("areas")
        inside = names[(names.area_type == level) & names.lad_code.isin(codes)][["area_code", "area_name"]]
    data = store.indicator_data(indicator_id, area_codes=list(inside.area_code), area_type=level)
    return inside.merge(data, on="area_code", how="left")


def districts_of(indicator_id: str, codes: list[str]) -> pd.DataFrame:
    """Indicator rows for a list of local authorities (districts, unitaries or counties), with their names."""
    names = store.table("areas").set_index("area_code")["area_name"]
    data = store.indicator_data(indicator_id, area_codes=codes)
    # Districts and unitaries, and counties where a unitary's statistical neighbours include one.
    data = data[data.area_type.isin(["lad", "county"])]
    return data.assign(area_name=data.area_code.map(names))


@store.per_build(maxsize=1024)
def district_values(indicator_id: str, period: str, category: str = "") -> pd.Series:
    """Every English district's and unitary authority's value for one period and category (areas without one
    left out): the distribution each area is placed in. The same for every area of a batch, so it is read once
    per process."""
    data = districts_of(indicator_id, [a.code for a in registry().districts()])
    chosen = data[(data.period.astype(str) == str(period)) & (data.category.fillna("") == category)]
    return chosen.value.dropna().reset_index(drop=True)


def local_values(indicator_id: str, area_codes: list[str] | None = None) -> pd.DataFrame:
    """An authority's own figures for an indicator (data/local/), kept apart from the national ones.

    Parameters
    ----------
    indicator_id : catalogue id or an id defined in a local dataset's source.yaml.
    area_codes : GSS codes to keep (default: every area).

    Returns
    -------
    pandas.DataFrame
        Columns ``nbutils.local_data.LOCAL_COLUMNS``: the indicator columns plus dataset, publisher, title,
        published, licence, reference, disclosure and ``label`` ("local data: <publisher>, <date>", to show
        beside every value). Each dataset's disclosure rule is applied; empty (same columns) when none.
    """
    from . import disclosure
    from .local_data import LOCAL_COLUMNS

    frame = store.local_rows("local_indicators", area_codes, indicator_id)  # recorded as read for these areas only
    if frame.empty:
        return frame[LOCAL_COLUMNS].reset_index(drop=True)
    parts = [disclosure.apply(rows, rule)[LOCAL_COLUMNS] for rule, rows in frame.groupby("disclosure", sort=True)]
    if not parts:
        return frame[LOCAL_COLUMNS].reset_index(drop=True)
    return pd.concat(parts).sort_index().reset_index(drop=True)


def nearest_maternity_units(area: Area, n: int = 4) -> pd.DataFrame:
    """The ``n`` maternity units (NHS trusts with births in NHS Maternity Statistics) nearest the area.

    Distance is measured from the centroid of the area's boundary (a county's districts dissolved) to the
    trust's published location (one point per trust, its registered site, even where it has several birth
    units). These are places of care near the area, not necessarily where its residents give birth.

    Returns
    -------
    DataFrame
        org_code, name, distance_km (rounded to 0.1 km), lat, lon; nearest first.
    """
    import geopandas as gpd

    lads = store.boundaries("lad")
    shape = lads[lads.area_code.isin(district_codes(area))]
    if shape.empty:
        raise ValueError(f"no boundary for {area.name} ({area.code}): nearest maternity units need a district, "
                         f"unitary or county")
    # Centroids and distances in the British National Grid, where units are metres.
    centre = shape.to_crs("EPSG:27700").dissolve().centroid.iloc[0]
    units = store.table("maternity_providers")
    units = units[units.latest_period.notna()]
    points = gpd.GeoSeries(gpd.points_from_xy(units.lon, units.lat), crs="EPSG:4326").to_crs("EPSG:27700")
    out = units[["org_code", "name", "lat", "lon"]].reset_index(drop=True)
    out.insert(2, "distance_km", (points.distance(centre) / 1000).round(1).to_numpy())
    return out.sort_values(["distance_km", "org_code"]).head(n).reset_index(drop=True)
