"""Readers for MSOA names: the House of Commons Library names (2011 MSOAs) and the ONS MSOA 2011 -> 2021 lookup."""

from __future__ import annotations

import pandas as pd

from .manifest import raw_file

HOCL_NAMES = ("hocl-msoa-names-2011", "MSOA-Names-1.14.csv")
MSOA11_TO_21 = ("census2021-ts021-msoa-nomis", "lookup_msoa11_msoa21_lad22_lookupV1.csv")


def hocl_names() -> pd.DataFrame:
    """msoa11_code, msoa11_name (official), hocl_name (House of Commons Library readable name)."""
    raw = pd.read_csv(raw_file(*HOCL_NAMES), encoding="utf-8-sig", dtype=str)
    return raw.rename(columns={"msoa11cd": "msoa11_code", "msoa11nm": "msoa11_name", "msoa11hclnm": "hocl_name"})[
        ["msoa11_code", "msoa11_name", "hocl_name"]]


def msoa11_to_msoa21() -> pd.DataFrame:
    """ONS best-fit lookup rows: msoa11_code, msoa21_code, msoa21_name (one row per 2011-2021 pair)."""
    raw = pd.read_csv(raw_file(*MSOA11_TO_21), encoding="utf-8-sig", dtype=str)
    out = raw.rename(columns={"MSOA11CD": "msoa11_code", "MSOA21CD": "msoa21_code", "MSOA21NM": "msoa21_name"})
    return out[["msoa11_code", "msoa21_code", "msoa21_name"]].drop_duplicates().reset_index(drop=True)
