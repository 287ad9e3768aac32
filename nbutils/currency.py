"""How current each catalogue indicator is: latest period held, at which levels, how old, fetched or embedded.

Used by ``nbutils data status`` and by the overview page's "Data currency" table. Age and the old-figure flag
come from the one freshness rule in :mod:`nbutils.periods`.
"""

from __future__ import annotations

import pandas as pd

from . import catalog, periods, store
from .errors import UnknownIndicatorError

COLUMNS = ["indicator", "name", "source", "latest period", "level", "age_years", "old", "origin"]
LEVEL_NAMES = {"lad": "district/UA", "county": "county", "region": "region", "england": "England",
               "msoa": "MSOA", "lsoa": "LSOA"}
FETCHED_PREFIX = "fingertips-api/"


def _codes(area) -> list[str] | None:
    if area is None:
        return None
    from .query import comparison_areas

    return list(comparison_areas(area).area_code)


def _row(meta: catalog.Indicator, codes: list[str] | None) -> dict:
    row = dict.fromkeys(COLUMNS, "")
    row.update(indicator=meta.id, name=meta.name, source=meta.source, age_years=None, old=False)
    try:
        data = store.indicator_data(meta.id, area_codes=codes)
    except UnknownIndicatorError:
        data = pd.DataFrame(columns=["period", "value", "area_type", "source"])
    # A withheld period ([c]) is held, just not shown: the data are as current as the latest period, withheld or not.
    withheld = data["value_note"].fillna("").astype(str).str.startswith("[c]") if "value_note" in data else False
    data = data[data["value"].notna() | withheld]
    if data.empty:
        row["latest period"] = "none held" + (" (fetched live only)" if meta.fingertips_id else "")
        return row
    latest = max(data["period"].unique(), key=periods.sort_key)
    at_latest = data[data["period"] == latest]
    row["latest period"] = latest
    row["level"] = ", ".join(LEVEL_NAMES.get(t, t) for t in LEVEL_NAMES if t in set(at_latest["area_type"]))
    fetched = at_latest["source"].astype(str).str.startswith(FETCHED_PREFIX).any()
    row["origin"] = "fetched" if fetched else "embedded"
    if fetched:
        row["source"] = "OHID Fingertips API"
    try:
        row["age_years"] = round(periods.age_years(latest), 1)
        row["old"] = periods.is_old(latest)
    except ValueError:  # a label in no known form: shown as it is, never called old or current
        pass
    return row


def data_currency(area=None) -> pd.DataFrame:
    """One row per catalogue indicator: columns :data:`COLUMNS`.

    Parameters
    ----------
    area : nbutils.areas.Area, optional
        Only rows for the area and its comparators (county, region, England); default: every area.

    Returns
    -------
    pandas.DataFrame
        ``latest period`` is the latest period with a value ("none held" if none), ``level`` the area types
        holding that period, ``age_years`` years since it ended (pack date), ``old`` the old-figure flag,
        ``origin`` "fetched" (live API) or "embedded" (snapshot in data/raw).
    """
    codes = _codes(area)
    rows = [_row(meta, codes) for meta in catalog.catalogue().values()]
    return pd.DataFrame(rows, columns=COLUMNS)
