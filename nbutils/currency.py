"""How current each catalogue indicator is: latest period held, at which level, how old, fetched or embedded.

Used by ``nbutils data status`` and by the overview page's "Data currency" table. For an area, the latest period is
that of the area's own figure (a combined area's: its members'); where none is held, its nearest comparator's
(county, then region, then England), named in ``level``. England's latest period is reported beside it, so a
2018/19 district figure is never presented as current because England's series runs to 2023/24. Age and the
old-figure flag come from the one freshness rule in :mod:`nbutils.periods`.
"""

from __future__ import annotations

import pandas as pd

from . import catalog, periods, store
from .errors import UnknownIndicatorError

COLUMNS = ["indicator", "name", "source", "latest period", "level", "age_years", "old", "origin",
           "england latest period"]
#: Whose figure a row reports, nearest first.
ROLES = ("area", "member", "county", "region", "england")
LEVEL_NAMES = {"lad": "district/UA", "county": "county", "region": "region", "england": "England",
               "msoa": "MSOA", "lsoa": "LSOA"}
FETCHED_PREFIX = "fingertips-api/"


def _places(area) -> pd.DataFrame | None:
    """The area, its members (a combined area) and comparators: area_code, area_name, role."""
    if area is None:
        return None
    from .areas import registry
    from .query import comparison_areas

    places = comparison_areas(area)[["area_code", "area_name", "role"]]
    if area.is_combined:
        members = [(m.code, m.name, "member") for m in registry().members(area)]
        places = pd.concat([places, pd.DataFrame(members, columns=places.columns)], ignore_index=True)
    return places


def _latest(data: pd.DataFrame) -> str:
    return max(data["period"].unique(), key=periods.sort_key)


def _level(area_types) -> str:
    """The levels named, in :data:`LEVEL_NAMES` order (e.g. "district/UA, county")."""
    return ", ".join(LEVEL_NAMES.get(t, t) for t in LEVEL_NAMES if t in set(area_types))


def _row(meta: catalog.Indicator, places: pd.DataFrame | None) -> dict:
    row = dict.fromkeys(COLUMNS, "")
    row.update(indicator=meta.id, name=meta.name, source=meta.source, age_years=None, old=False)
    if places is not None:
        return _area_row(row, meta, places)
    try:
        data = store.indicator_data(meta.id)
    except UnknownIndicatorError:
        data = pd.DataFrame(columns=["area_code", "period", "value", "area_type", "source"])
    data = _held(data)
    if data.empty:
        return _none_held(row, meta)
    england = data[data["area_type"] == "england"]
    row["england latest period"] = _latest(england) if len(england) else "none held"
    latest = _latest(data)  # every area: the latest period at any level
    at_latest = data[data["period"] == latest]
    row["level"] = _level(at_latest["area_type"])
    return _dated(row, latest, at_latest["source"].astype(str).str.startswith(FETCHED_PREFIX).any())


def _held(data: pd.DataFrame) -> pd.DataFrame:
    """Rows with a value or withheld: a withheld period ([c]) is held, just not shown, so the data are as current
    as the latest period, withheld or not."""
    withheld = data["value_note"].fillna("").astype(str).str.startswith("[c]") if "value_note" in data else False
    return data[data["value"].notna() | withheld]


def _none_held(row: dict, meta: catalog.Indicator) -> dict:
    row["latest period"] = "none held" + (" (fetched live only)" if meta.fingertips_id else "")
    row["england latest period"] = "none held"
    return row


def _dated(row: dict, latest: str, fetched: bool) -> dict:
    row["latest period"] = latest
    row["origin"] = "fetched" if fetched else "embedded"
    if fetched:
        row["source"] = "OHID Fingertips API"
    try:
        row["age_years"] = round(periods.age_years(latest), 1)
        row["old"] = periods.is_old(latest)
    except ValueError:  # a label in no known form: shown as it is, never called old or current
        pass
    return row


@store.per_build(maxsize=256)  # the same for every area of a batch: worked out once per kernel
def _latest_held(indicator_id: str) -> dict[str, tuple[str, frozenset, bool]]:
    """Per local authority, county, region and England code: its latest period held, the level(s) of its rows in
    that period and whether any of them was fetched live. Small areas are left out (never an area's own figure)."""
    try:
        data = store.indicator_data(indicator_id)
    except UnknownIndicatorError:
        return {}
    data = _held(data[~data["area_type"].isin(["msoa", "lsoa"])])
    if data.empty:
        return {}
    rank = {p: i for i, p in enumerate(sorted(data["period"].unique(), key=periods.sort_key))}
    data = data.assign(rank=data["period"].map(rank),
                       fetched=data["source"].astype(str).str.startswith(FETCHED_PREFIX))
    data = data[data["rank"] == data.groupby("area_code")["rank"].transform("max")]
    return {code: (rows["period"].iloc[0], frozenset(rows["area_type"]), bool(rows["fetched"].any()))
            for code, rows in data.groupby("area_code", sort=False)}


def _area_row(row: dict, meta: catalog.Indicator, places: pd.DataFrame) -> dict:
    """The area's own figure, else its nearest comparator's, named."""
    held = _latest_held(meta.id)
    role_of = places.drop_duplicates("area_code")
    have = [(code, role) for code, role in zip(role_of["area_code"], role_of["role"]) if code in held]
    if not have:
        return _none_held(row, meta)
    england = [held[code] for code, role in have if "england" in held[code][1]]
    row["england latest period"] = england[0][0] if england else "none held"
    role = next(r for r in ROLES if any(r == own for _, own in have))
    own = [held[code] for code, r in have if r == role]
    latest = max((period for period, _, _ in own), key=periods.sort_key)
    at_latest = [(types, fetched) for period, types, fetched in own if period == latest]
    level = _level(set().union(*(types for types, _ in at_latest)))
    names = role_of.loc[role_of["role"] == role, "area_name"].tolist()
    if role in ("area", "member"):
        row["level"] = "this area" + ("" if role == "area" else "'s members") + f" ({level})"
    else:
        place = "England" if role == "england" else f"{role}: {', '.join(names)}"
        row["level"] = f"{place} (not this area's own figure)"
    return _dated(row, latest, any(fetched for _, fetched in at_latest))


def data_currency(area=None) -> pd.DataFrame:
    """One row per catalogue indicator: columns :data:`COLUMNS`.

    Parameters
    ----------
    area : nbutils.areas.Area, optional
        Only rows for the area and its comparators (county, region, England); default: every area.

    Returns
    -------
    pandas.DataFrame
        ``latest period`` is the latest period with a value or withheld ("none held" if none): with ``area``, of
        the area's own figure, else of its nearest comparator holding one; ``level`` the level and, with
        ``area``, whose figure it is; ``age_years`` years since that period ended (pack date), ``old`` the
        old-figure flag, ``origin`` "fetched" (live API) or "embedded" (snapshot in data/raw), ``england latest
        period`` England's latest period ("" if England is not held).
    """
    places = _places(area)
    rows = [_row(meta, places) for meta in catalog.catalogue().values()]
    return pd.DataFrame(rows, columns=COLUMNS)
