"""DfE LAIT measures as store rows (upper-tier authorities, regions, England) and the DfE look-up tables.

LAIT republishes ONS and OHID figures as values only (no counts or intervals). Seven measures are used:
single-year infant mortality, 6-8 week breastfeeding, excess weight in Reception and Year 6 and the good level of
development at the end of Reception become their own indicators; term low birth weight and
under-18 conceptions extend the Fingertips series of the same definition, where the February 2020 extract's
rows (with counts and confidence intervals) win for the area and period they share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..sources import dfe_lait
from .common import INDICATOR_COLUMNS, Geography

_ORIGIN = "DfE Local Authority Interactive Tool (dfe-lait/bds_long_0.parquet)"

#: LAIT measure -> (store indicator, original publisher, period label from LAIT's year)
MEASURES = {
    "InfMort": ("infant_mortality_single_year", "ONS child mortality statistics", str),
    # LAIT labels a financial year by the year it ends in: "2024" is 2023/24 (evidence in PROVENANCE.md).
    "6wksBreast": ("breastfeeding_6_8_weeks", "OHID Fingertips 92517",
                   lambda y: f"{int(y) - 1}/{str(y)[-2:]}"),
    "Low_Birth_Weight_Babies": ("fingertips_low_birth_weight_term", "OHID Fingertips 20101 (ONS births)", str),
    "Under18concep": ("fingertips_under18_conceptions", "ONS conception statistics", str),
    # School years, labelled by the year they end in as well ("2024" is 2023/24: England 22.1% Reception excess
    # weight and 67.7% good level of development, the published 2023/24 figures).
    "ExcessRec": ("lait_excess_weight_reception", "NHS England, National Child Measurement Programme",
                  lambda y: f"{int(y) - 1}/{str(y)[-2:]}"),
    "ExcessYr6": ("lait_excess_weight_year6", "NHS England, National Child Measurement Programme",
                  lambda y: f"{int(y) - 1}/{str(y)[-2:]}"),
    "FSP_NEW_GOODDEV": ("lait_good_level_of_development", "DfE Early years foundation stage profile results",
                        lambda y: f"{int(y) - 1}/{str(y)[-2:]}"),
}
# Series that extend an existing indicator: the rows already held with counts or intervals are kept.
EXTENDS = {"fingertips_low_birth_weight_term", "fingertips_under18_conceptions"}


def la_code_table(geo: Geography) -> pd.DataFrame:
    """Store table ``dfe_la_codes``: DfE LA number -> current GSS code (or the documented exception)."""
    return dfe_lait.la_number_to_gss(geo.areas)


def statistical_neighbours_table(geo: Geography) -> pd.DataFrame:
    """Store table ``statistical_neighbours``: area_code, neighbour_code, neighbour_rank 1-10, closeness, source.

    Authorities with no current code (abolished before May 2025, e.g. Cumbria) are left out, as are neighbours
    that have none.
    """
    codes = la_code_table(geo).dropna(subset=["area_code"]).set_index("la_number")["area_code"]
    raw = dfe_lait.statistical_neighbours()
    out = pd.DataFrame({
        "area_code": raw.la_number.map(codes),
        "neighbour_code": raw.neighbour_number.map(codes),
        "neighbour_rank": raw.neighbour_rank.astype(int),
        "closeness": raw.closeness,
        "source": "DfE children's services statistical neighbours, May 2025 (dfe-lait/sn_may_2025.xlsx)",
    })
    return out.dropna(subset=["area_code", "neighbour_code"]).reset_index(drop=True)


def _rows_with_detail(existing: pd.DataFrame) -> set[tuple[str, str, str]]:
    """(indicator, area, period) already held with a count or a confidence interval."""
    detail = existing["count"].notna() | existing["lower_ci95"].notna()
    held = existing[detail]
    return set(zip(held.indicator_id, held.area_code, held.period))


def lait_indicators(geo: Geography) -> pd.DataFrame:
    """The LAIT measures of :data:`MEASURES` as rows of the long indicator table."""
    from .sudi import _walkthrough

    codes = la_code_table(geo).dropna(subset=["area_code"]).set_index("la_number")
    raw = dfe_lait.measures(list(MEASURES))
    raw = raw[raw.la_number.isin(codes.index) & raw.value.notna()]  # "-": not available, so no row
    pieces = []
    for measure, (indicator_id, publisher, period) in MEASURES.items():
        rows = raw[raw.measure == measure]
        pieces.append(pd.DataFrame({
            "indicator_id": indicator_id,
            "area_code": rows.la_number.map(codes.area_code),
            "area_type": rows.la_number.map(codes.area_type),
            "period": rows.year.map(period),
            "category_type": "",
            "category": "",
            "value": rows.value,
            "value_note": "",
            "source": f"{_ORIGIN}, from {publisher}",
        }))
    out = pd.concat(pieces, ignore_index=True)
    held = _rows_with_detail(pd.concat(_walkthrough(geo), ignore_index=True))
    keys = list(zip(out.indicator_id, out.area_code, out.period))
    out = out[[not (k[0] in EXTENDS and k in held) for k in keys]]
    for column in INDICATOR_COLUMNS:
        if column not in out:
            out[column] = np.nan
    return out[INDICATOR_COLUMNS].reset_index(drop=True)
