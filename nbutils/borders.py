"""Which authorities border which, and which authority a point lies in: from the district boundaries in the store.

Two authorities border each other when their boundaries touch. The boundaries held are clipped to the coastline,
so authorities facing each other across an estuary (Kent and Essex across the Thames) do not touch; a 50 m
tolerance absorbs slivers where two generalised boundaries meet without sharing every vertex.
"""

from __future__ import annotations

import pandas as pd

from . import store
from .areas import Area, registry

#: Metres of tolerance when testing whether two boundaries touch (British National Grid).
TOUCH_TOLERANCE_M = 50


@store.per_build(maxsize=2)
def upper_tier_shapes():
    """Every upper-tier authority (county or unitary) as one shape, British National Grid: area_code, geometry."""
    lads = store.boundaries("lad").to_crs("EPSG:27700")
    upper = lads.area_code.map(lambda code: registry().get(code).upper_tier_code or code)
    return lads.assign(area_code=upper)[["area_code", "geometry"]].dissolve(by="area_code").reset_index()


def footprint(area: Area):
    """The area's outline as one shape (British National Grid): a district, a county's districts or a combined
    area's members dissolved."""
    codes = set(registry().district_codes(area))
    lads = store.boundaries("lad")
    shape = lads[lads.area_code.isin(codes)].to_crs("EPSG:27700")
    if shape.empty:
        raise ValueError(f"no boundary is held for {area.name}")
    return shape.geometry.union_all()


@store.per_build(maxsize=1024)
def _bordering_codes(codes: tuple[str, ...]) -> tuple[str, ...]:
    lads = store.boundaries("lad")
    shape = lads[lads.area_code.isin(codes)].to_crs("EPSG:27700").geometry.union_all()
    uppers = upper_tier_shapes()
    own = {registry().get(code).upper_tier_code or code for code in codes}
    touching = uppers[uppers.geometry.intersects(shape.buffer(TOUCH_TOLERANCE_M))]
    return tuple(code for code in touching.area_code if code not in own)


def bordering(area: Area) -> list[Area]:
    """The upper-tier authorities (counties and unitaries) whose boundary touches the area's, by name; the area's
    own upper tier is left out."""
    codes = tuple(sorted(registry().district_codes(area)))
    return sorted((registry().get(code) for code in _bordering_codes(codes)), key=lambda a: a.name)


def located_in(points: pd.DataFrame) -> pd.Series:
    """The district (lower tier) each point (``lat``, ``lon`` columns) lies in, or is within 5 km of at sea;
    NaN outside England. Indexed as ``points``."""
    import geopandas as gpd

    lads = store.boundaries("lad")[["area_code", "geometry"]].to_crs("EPSG:27700")
    geometry = gpd.points_from_xy(points.lon, points.lat)
    frame = gpd.GeoDataFrame({"row": range(len(points))}, geometry=geometry, crs="EPSG:4326").to_crs("EPSG:27700")
    joined = gpd.sjoin_nearest(frame, lads, how="left", max_distance=5000).drop_duplicates("row")
    return pd.Series(joined.sort_values("row").area_code.to_numpy(), index=points.index)
