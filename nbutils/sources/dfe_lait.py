"""Readers for the DfE Local Authority Interactive Tool (LAIT) files in data/raw/dfe-lait/.

LAIT keys everything by the DfE LA number (Kent 886, Medway 887) and stores values as text ("-" = not
available). The readers return the files as published, with LA numbers as integers and values parsed to floats
(NaN where "-"); mapping LA numbers to GSS codes is :func:`la_number_to_gss`, matched by name against the store's
areas, with a short override table where DfE and ONS spell a name differently.
"""

from __future__ import annotations

import gzip
import io

import pandas as pd

from .manifest import raw_file

SOURCE = "dfe-lait"
BDS = (SOURCE, "bds_long_0.parquet")
LA_CODES = (SOURCE, "la_code_list.xlsx")
DICTIONARY = (SOURCE, "lait_data_dictionary.csv")
NEIGHBOURS = (SOURCE, "sn_may_2025.xlsx")

#: DfE name -> ONS name, where normalised names differ.
NAME_OVERRIDES = {
    "Bedford Borough": "Bedford",
    "Durham": "County Durham",
    "Yorkshire and the Humber": "Yorkshire and The Humber",
}

#: LA numbers with no current GSS code, and why (documented in PROVENANCE.md).
EXCEPTIONS = {
    835: "Dorset county council area before April 2019 (now Dorset, 838, and Bournemouth, Christchurch and Poole, 839)",
    836: "Poole before April 2019 (now part of Bournemouth, Christchurch and Poole, 839)",
    837: "Bournemouth before April 2019 (now part of Bournemouth, Christchurch and Poole, 839)",
    909: "Cumbria, abolished April 2023 (now Cumberland, 942, and Westmorland and Furness, 943)",
    928: "Northamptonshire, abolished April 2021 (now North Northamptonshire, 940, and West Northamptonshire, 941)",
    987: "Inner London, a DfE grouping with no GSS region code",
    988: "Outer London, a DfE grouping with no GSS region code",
    1000: "England (discontinued series), not a place",
}


def _excel(source: tuple[str, str], **kwargs) -> pd.DataFrame:
    return pd.read_excel(io.BytesIO(gzip.decompress(raw_file(*source).read_bytes())), **kwargs)


def la_codes() -> pd.DataFrame:
    """DfE LA list: la_number (int), la_name, dfe_region, dfe_type (SC, UA, MD, ILB, OLB; blank for England, regions)."""
    raw = _excel(LA_CODES)
    out = raw.rename(columns={"LA Number": "la_number", "LA Name": "la_name", "Region": "dfe_region",
                              "Type": "dfe_type"})
    out["la_number"] = out["la_number"].astype(int)
    return out[["la_number", "la_name", "dfe_region", "dfe_type"]]


def measures(short_names: list[str]) -> pd.DataFrame:
    """Rows of the LAIT long table for some measures: measure, year, la_number, la_name, value (float), raw_value.

    "-" (not available or suppressed) becomes NaN in ``value``; ``raw_value`` keeps the published text.
    """
    raw = pd.read_parquet(io.BytesIO(gzip.decompress(raw_file(*BDS).read_bytes())),
                          filters=[("Short Desc", "in", short_names)])
    out = pd.DataFrame({
        "measure": raw["Short Desc"].astype(str),
        "year": raw["Years"].astype(str),
        "la_number": raw["LA Number"].astype(int),
        "la_name": raw["LA and Regions"].astype(str),
        "raw_value": raw["Values"].astype(str),
    })
    out["value"] = pd.to_numeric(out["raw_value"].where(out["raw_value"].str.strip() != "-"), errors="coerce")
    # Values are stored as text of binary floats ("4.0999999999999996"); round to the 2 decimals LAIT shows.
    out["value"] = out["value"].round(2)
    return out.reset_index(drop=True)


def dictionary() -> pd.DataFrame:
    """The LAIT data dictionary: one row per measure (Measure_short, Year_Type, Last Update, Methodology, ...)."""
    return pd.read_csv(raw_file(*DICTIONARY))


def statistical_neighbours() -> pd.DataFrame:
    """DfE children's services statistical neighbours (May 2025), long: la_number, neighbour_number, rank, closeness."""
    raw = _excel(NEIGHBOURS, header=None)
    header_row = raw.index[raw.iloc[:, 0].astype(str).str.strip() == "LA num"][0]
    body = raw.iloc[header_row + 1:].reset_index(drop=True)
    body = body[pd.to_numeric(body.iloc[:, 0], errors="coerce").notna()]
    rows = []
    for record in body.itertuples(index=False):
        la_number = int(record[0])
        for rank in range(1, 11):
            neighbour, closeness = record[5 + 2 * (rank - 1)], record[6 + 2 * (rank - 1)]
            if pd.isna(neighbour):
                continue
            rows.append((la_number, int(neighbour), rank, str(closeness).strip()))
    return pd.DataFrame(rows, columns=["la_number", "neighbour_number", "neighbour_rank", "closeness"])


def la_number_to_gss(areas: pd.DataFrame) -> pd.DataFrame:
    """Map every DfE LA number to one current GSS code of an upper-tier authority, region or England.

    Parameters
    ----------
    areas : DataFrame
        The store's areas table (area_code, area_name, area_type, upper_tier_code).

    Returns
    -------
    DataFrame
        la_number, la_name, area_code, area_type ('county', 'lad' for unitaries, 'region', 'england') and
        ``exception`` (why an LA number has no current code; blank otherwise, and then area_code is set).
    """
    from ..names import normalise

    upper = areas[(areas.area_type.isin(["county", "region", "england"]))
                  | ((areas.area_type == "lad") & (areas.upper_tier_code == areas.area_code))]
    by_name: dict[str, list[tuple[str, str]]] = {}
    for row in upper.itertuples(index=False):
        names = {normalise(row.area_name)}
        # ONS writes 'Bristol, City of' and 'Herefordshire, County of'; DfE drops or keeps the suffix.
        if row.area_name.endswith((", City of", ", County of")):
            names.add(normalise(row.area_name.rsplit(",", 1)[0]))
        for name in names:
            by_name.setdefault(name, []).append((row.area_code, row.area_type))
    codes = la_codes()
    out = []
    for row in codes.itertuples(index=False):
        if row.la_number in EXCEPTIONS:
            out.append((row.la_number, row.la_name, None, None, EXCEPTIONS[row.la_number]))
            continue
        key = normalise(NAME_OVERRIDES.get(row.la_name, row.la_name))
        matches = by_name.get(key, [])
        if len(matches) != 1:
            raise ValueError(f"DfE LA {row.la_number} '{row.la_name}' matches {len(matches)} current areas by name: "
                             f"add it to NAME_OVERRIDES or EXCEPTIONS in nbutils/sources/dfe_lait.py")
        out.append((row.la_number, row.la_name, *matches[0], ""))
    return pd.DataFrame(out, columns=["la_number", "la_name", "area_code", "area_type", "exception"])
