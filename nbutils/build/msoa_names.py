"""Readable MSOA names for 2021 MSOAs (store table ``msoa_names``).

A 2021 MSOA that is the only successor of exactly one 2011 MSOA keeps the House of Commons Library name of that
MSOA. Where MSOAs were split or merged in 2021 a Library name would describe a different area, so the official ONS
name ("Swale 014") is used instead and the ``source`` column says which applies.
"""

from __future__ import annotations

import pandas as pd

from ..sources import msoa_names
from .common import Geography

HOCL = "House of Commons Library"
OFFICIAL = "ONS official name"


def msoa_names_table(geo: Geography) -> pd.DataFrame:
    """msoa21_code, name, official_name, source ('House of Commons Library' or 'ONS official name')."""
    pairs = msoa_names.msoa11_to_msoa21()
    pairs = pairs[pairs.msoa21_code.isin(geo.msoa_codes)]
    one_to_one = (pairs.groupby("msoa21_code").msoa11_code.transform("nunique") == 1) & (
        pairs.groupby("msoa11_code").msoa21_code.transform("nunique") == 1)
    names = msoa_names.hocl_names().set_index("msoa11_code")["hocl_name"]
    pairs = pairs.assign(hocl=pairs.msoa11_code.map(names).where(one_to_one))
    per_msoa = pairs.groupby("msoa21_code").agg(official_name=("msoa21_name", "first"), hocl=("hocl", "first"))
    official = geo.areas[geo.areas.area_type == "msoa"].set_index("area_code")["area_name"]
    out = pd.DataFrame({"msoa21_code": official.index, "official_name": official.values})
    out["hocl"] = out.msoa21_code.map(per_msoa.hocl)
    usable = out.hocl.notna() & (out.hocl.str.strip() != "")
    out["name"] = out.hocl.where(usable, out.official_name)
    out["source"] = [HOCL if ok else OFFICIAL for ok in usable]
    return out[["msoa21_code", "name", "official_name", "source"]].reset_index(drop=True)
