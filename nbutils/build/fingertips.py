"""Fingertips indicators as published: NCMP obesity, adult and routine-and-manual smoking (APS), smoking at time
of delivery and breastfeeding initiation, with Fingertips' comparison with England kept in ``value_note``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..sources import fingertips
from .common import ENGLAND_CODE, Geography
from .published import comparison_note, published_rows


def _name(source: tuple[str, str]) -> str:
    return f"{source[0]}/{source[1]}"


def _themes(geo: Geography, source: tuple[str, str], indicator_id: str) -> pd.DataFrame:
    raw = fingertips.themes_extract(source)
    raw = raw.assign(value_note=comparison_note(raw.compared_to_england))
    whole = raw[raw.inequality.isna()]
    # Deprivation quintiles are kept for England only, where they are national IMD quintiles of residence.
    quintiles = raw[raw.inequality.notna() & (raw.area_code == ENGLAND_CODE)].assign(category=lambda f: f.inequality)
    return pd.concat([
        published_rows(whole, geo, indicator_id, _name(source)),
        published_rows(quintiles, geo, indicator_id, _name(source), "Deprivation quintile (IMD, England)"),
    ], ignore_index=True)


def _walkthrough(geo: Geography, indicator_id: int, store_id: str, tiers: list[str]) -> pd.DataFrame:
    raw = fingertips.walkthrough_indicator(indicator_id)
    raw = raw[raw.tier.isin(tiers)].copy()
    no_data = raw.data_available.eq("No data")
    # Where Fingertips published no value the counts are withheld too, so the value cannot be rebuilt from them.
    raw.loc[no_data, ["count", "denominator"]] = np.nan
    raw["value_note"] = np.where(no_data, "no value published by Fingertips (data quality)",
                                 comparison_note(raw.compared_to_england))
    # Lower-tier rows first, so a unitary keeps its own row rather than the upper-tier duplicate.
    raw = raw.sort_values("tier", key=lambda s: s.str.startswith("upper"), kind="stable")
    return published_rows(raw, geo, store_id, _name(fingertips.WALKTHROUGH_2020))


def fingertips_indicators(geo: Geography) -> pd.DataFrame:
    """All Fingertips-published indicators used by the nutrition and smoking pages."""
    pieces = [
        _themes(geo, fingertips.OBESE_RECEPTION, "ncmp_reception_obesity"),
        _themes(geo, fingertips.OBESE_YEAR6, "ncmp_year6_obesity"),
        _themes(geo, fingertips.ADULT_SMOKING, "aps_adult_smoking"),
        _themes(geo, fingertips.ROUTINE_MANUAL_SMOKING, "aps_routine_manual_smoking"),
        _walkthrough(geo, fingertips.SATOD_ID, "satod", ["upper (county/UA)"]),
        _walkthrough(geo, fingertips.BREASTFEEDING_INITIATION_ID, "breastfeeding_initiation",
                     ["lower (district/UA)", "upper (county/UA)"]),
    ]
    # England SATOD series with counts (FingertipsNext extract); the 2020 extract's England value is the same.
    england = fingertips.fingertipsnext_england(fingertips.SATOD_ID)
    pieces.append(published_rows(england, geo, "satod", _name(fingertips.FINGERTIPSNEXT_MATERNAL)))
    # Breastfeeding initiation for England comes as the comparator columns of the 2020 extract.
    bf = fingertips.walkthrough_indicator(fingertips.BREASTFEEDING_INITIATION_ID).iloc[:1]
    england_bf = pd.DataFrame({"area_code": [ENGLAND_CODE], "period": bf.period, "value": bf.england_value,
                               "lower_ci95": bf.england_lower_ci95, "upper_ci95": bf.england_upper_ci95})
    pieces.append(published_rows(england_bf, geo, "breastfeeding_initiation", _name(fingertips.WALKTHROUGH_2020)))
    return pd.concat(pieces, ignore_index=True)
