"""Readable places for maps and tables: MSOA names, MSOA shapes with tooltip text, and the area's outline.

MSOA names are the House of Commons Library's (Open Parliament Licence), mapped to 2021 MSOAs in the store
table ``msoa_names``; where a 2021 MSOA was split or merged and has no Library name, the official ONS name is
used and the page says so.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from .. import narrative, store
from ..areas import Area
from ..query import district_codes

LIBRARY = "House of Commons Library"


def named_msoas(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (MSOA rows keyed by ``area_code``) with ``area_name`` 'Faversham East (Swale 015)' and
    ``name_source`` (the Library, or 'ONS official name' where the Library has none)."""
    names = store.table("msoa_names").set_index("msoa21_code")
    out = frame.copy()
    library = out.area_code.map(names.name)
    official = out.area_code.map(names.official_name).fillna(out.area_name)
    source = out.area_code.map(names.source).fillna("ONS official name")
    readable = [f"{n} ({o})" if s == LIBRARY and pd.notna(n) and n != o else o
                for n, o, s in zip(library, official, source)]
    out["area_name"] = readable
    out["name_source"] = source.to_numpy()
    return out


def names_note(frame: pd.DataFrame) -> str:
    """One line crediting the MSOA names, and naming any shown with their official name only."""
    official = frame.loc[frame.get("name_source", pd.Series(dtype=str)) != LIBRARY, "area_name"].dropna()
    text = ("MSOA names are the House of Commons Library's (Open Parliament Licence), with the official ONS "
            "name in brackets.")
    if len(official):
        text += (f" {len(official)} MSOA{'s' if len(official) > 1 else ''} changed in 2021 (split or merged) and "
                 f"{'have' if len(official) > 1 else 'has'} no Library name, so the official name is shown: "
                 + ", ".join(official) + ".")
    return text


def outline(area: Area):
    """The area's boundary as a GeoDataFrame (WGS84); a county's districts (a combined area's members) one row each,
    with their names."""
    lads = store.boundaries("lad")
    return lads[lads.area_code.isin(district_codes(area))].reset_index(drop=True)


def msoa_shapes(profile: pd.DataFrame, area: Area, percent: tuple[str, ...] = (), numbers: tuple[str, ...] = ()):
    """The area's MSOA boundaries joined to ``profile`` (MSOA rows keyed by ``area_code``), and the outline to draw.

    Each ``percent`` column gets a ``<column>_text`` tooltip ('12.3%'), each ``numbers`` column a whole-number
    one ('7,512'). The outline is the district, or a county's districts one by one.
    """
    shapes = store.boundaries("msoa")
    shapes = shapes[shapes.lad_code.isin(district_codes(area))][["area_code", "lad_code", "geometry"]].merge(
        profile, on="area_code")
    for column in percent:
        shapes[f"{column}_text"] = shapes[column].map(narrative.pct)
    for column in numbers:
        shapes[f"{column}_text"] = shapes[column].map(narrative.number)
    return shapes, dissolved_outline(shapes, by="lad_code" if area.is_county or area.is_combined else None)


def dissolved_outline(shapes: gpd.GeoDataFrame, by: str | None = None) -> gpd.GeoDataFrame:
    """The outer boundary of a set of small areas (drawn from the same generalised shapes, so edges match).

    ``by`` (e.g. 'lad_code') draws one boundary per group instead: a county's districts.
    """
    if by is None:
        merged = shapes.geometry.make_valid().union_all()
        return gpd.GeoDataFrame(geometry=[merged], crs=shapes.crs)
    valid = shapes[[by, "geometry"]].assign(geometry=shapes.geometry.make_valid())
    return valid.dissolve(by=by).reset_index()
