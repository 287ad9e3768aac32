"""Readers for the ONS geography lookups and boundaries in data/raw/ (ONS Open Geography Portal, OGL v3)."""

from __future__ import annotations

import gzip
import io
from typing import TYPE_CHECKING

import pandas as pd

from .manifest import raw_file

if TYPE_CHECKING:  # imported where boundaries are read: commands that need none start without geopandas
    import geopandas as gpd

SOURCE = "humaniverse-geographr"


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(raw_file(SOURCE, name), dtype=str)


def lsoa_msoa_lad22() -> pd.DataFrame:
    """LSOA 2021 -> MSOA 2021 -> local authority (2022 codes), one row per LSOA."""
    return _csv("lookup_lsoa21_msoa21_ltla22_derived.csv")


def lad22_to_lad23() -> pd.DataFrame:
    """2022 -> 2023 local authority codes (the April 2023 reorganisations merge districts into new unitaries)."""
    return _csv("lookup_ltla22_ltla23.csv")


def lad23_region() -> pd.DataFrame:
    return _csv("lookup_ltla23_region23.csv")


def lad23_upper_tier() -> pd.DataFrame:
    return _csv("lookup_ltla23_utla23.csv")


def _geojson(name: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    # GDAL cannot sniff a gzipped GeoJSON from its name, so hand it the bytes.
    return gpd.read_file(io.BytesIO(gzip.decompress(raw_file(SOURCE, name).read_bytes())))


def msoa_boundaries() -> gpd.GeoDataFrame:
    """MSOA 2021 super-generalised boundaries (England and Wales), WGS84."""
    frame = _geojson("msoa21_ew_bsc_simplified.geojson")
    return frame.rename(columns={"msoa21_code": "area_code", "msoa21_name": "area_name"})


def lad_boundaries() -> gpd.GeoDataFrame:
    """Local authority district (May 2024) ultra-generalised boundaries (UK), WGS84."""
    frame = _geojson("lad24_uk_buc.geojson")
    return frame.rename(columns={"ltla24_code": "area_code", "ltla24_name": "area_name"})


def lsoa_boundaries_kent_medway() -> gpd.GeoDataFrame:
    """LSOA 2021 boundaries for Kent and Medway only (the only LSOA shapes shipped), WGS84."""
    frame = _geojson("lsoa21_kent_medway.geojson")
    return frame.rename(columns={"lsoa21_code": "area_code", "lsoa21_name": "area_name"})
