"""Census 2021 indicators: ethnic group, recent migration, proficiency in English."""

from __future__ import annotations

import pandas as pd

from ..sources import census
from .common import Geography, aggregate_counts, finish, to_lad23


def census_indicators(geo: Geography) -> pd.DataFrame:
    """Ethnic group (district and MSOA), recent migration and English proficiency (MSOA and up)."""
    areas = geo.areas
    pieces = []
    # Ethnic group, 19 detailed categories, for districts and above from the published district table.
    ethnic = census.ethnicity_ltla()
    ethnic = ethnic[ethnic.area_code.str.startswith("E")]
    ethnic = to_lad23(ethnic, ["category"])
    totals = ethnic.groupby("area_code")["count"].sum().rename("denominator")
    ethnic = ethnic.join(totals, on="area_code")
    ethnic = aggregate_counts(ethnic, areas, ["category"])
    source_ltla = f"{census.ETHNICITY_LTLA[0]}/{census.ETHNICITY_LTLA[1]}"
    pieces.append(finish(ethnic, "census_ethnic_group", "2021", "Ethnic group (detailed)", source_ltla))

    # MSOA level from the Nomis bulk file (separately perturbed by ONS, so totals differ by a handful).
    msoa_codes = geo.msoa_codes
    ethnic_msoa = census.ethnicity_msoa()
    ethnic_msoa = ethnic_msoa[ethnic_msoa.area_code.isin(msoa_codes)].assign(area_type="msoa")
    source_msoa = f"{census.ETHNICITY_MSOA[0]}/{census.ETHNICITY_MSOA[1]}"
    pieces.append(finish(ethnic_msoa, "census_ethnic_group", "2021", "Ethnic group (detailed)", source_msoa))

    msoa_to_lad = geo.msoa_to_lad

    def msoa_and_up(frame: pd.DataFrame, indicator_id: str, count_col: str, source: tuple[str, str]) -> None:
        msoa = frame[frame.area_code.isin(msoa_codes)].rename(columns={count_col: "count"})
        msoa = msoa[["area_code", "count", "denominator"]]
        lad = (msoa.assign(area_code=msoa.area_code.map(msoa_to_lad))
               .groupby("area_code", as_index=False)[["count", "denominator"]].sum())
        note = "summed from MSOA figures"
        name = f"{source[0]}/{source[1]}"
        pieces.append(finish(msoa.assign(area_type="msoa"), indicator_id, "2021", "", name))
        pieces.append(finish(aggregate_counts(lad, areas, []), indicator_id, "2021", "", name, note=note))

    msoa_and_up(census.migration_msoa(), "census_migrant_outside_uk", "count", census.MIGRATION_MSOA)
    proficiency = census.proficiency_msoa()
    msoa_and_up(proficiency, "census_main_language_not_english", "main_language_not_english",
                census.PROFICIENCY_MSOA)
    msoa_and_up(proficiency, "census_cannot_speak_english_well", "cannot_speak_english_well",
                census.PROFICIENCY_MSOA)
    return pd.concat(pieces, ignore_index=True)


