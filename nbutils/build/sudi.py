"""Infant mortality and its risk factors: ONS Health Index series (infant mortality, term low birth weight,
under-18 conceptions, 2015-2021), the Fingertips February 2020 extract with counts and confidence intervals
(infant mortality 2016-18, term low birth weight 2017, under-18 conceptions 2017), and residents aged 0-2 from the
ONS mid-year estimates (mid-2020), the closest district-level figure to annual births held here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..sources import fingertips, housing, population
from .common import ENGLAND_CODE, Geography, aggregate_counts, to_lad23
from .published import comparison_note, published_rows

# Health Index label -> (store id, period label for year Y)
HEALTH_INDEX_SERIES = {
    "Infant mortality": ("ons_hi_infant_mortality", lambda y: f"{y - 2}-{str(y)[-2:]}"),  # 3-year pooled
    "Low birth weight": ("ons_hi_low_birth_weight", str),
    "Teenage pregnancy": ("ons_hi_teenage_pregnancy", str),
}
# Fingertips indicator id -> store id (February 2020 extract: one period each, with counts and 95% CIs).
WALKTHROUGH_SERIES = {
    92196: "fingertips_infant_mortality",
    20101: "fingertips_low_birth_weight_term",
    20401: "fingertips_under18_conceptions",
}
AGE_LABELS = {0: "Aged under 1", 1: "Aged 1", 2: "Aged 2"}


def _name(source: tuple[str, str]) -> str:
    return f"{source[0]}/{source[1]}"


def _health_index(geo: Geography) -> list[pd.DataFrame]:
    series = housing.health_index(list(HEALTH_INDEX_SERIES))
    pieces = []
    for label, (indicator_id, period) in HEALTH_INDEX_SERIES.items():
        rows = series[series.indicator == label].copy()
        rows["period"] = rows.year.astype(int).map(period)
        rows["value_note"] = rows.carried_forward.map(
            {True: "carried forward by ONS from the previous year (source not updated)", False: ""})
        pieces.append(published_rows(rows, geo, indicator_id, _name(housing.HEALTH_INDEX)))
    return pieces


def _walkthrough(geo: Geography) -> list[pd.DataFrame]:
    pieces = []
    for fingertips_id, indicator_id in WALKTHROUGH_SERIES.items():
        raw = fingertips.walkthrough_indicator(fingertips_id).copy()
        raw["period"] = raw["period"].astype(str).str.replace(" - ", "-", regex=False)
        no_data = raw.data_available.eq("No data")
        raw.loc[no_data, ["count", "denominator"]] = np.nan
        raw["value_note"] = np.where(no_data, "no value published by Fingertips (data quality)",
                                     comparison_note(raw.compared_to_england))
        # A unitary appears in both tiers with the same numbers; keep its lower-tier row.
        raw = raw.sort_values("tier", key=lambda s: s.str.startswith("upper"), kind="stable")
        first = raw.iloc[0]
        england = pd.DataFrame({"area_code": [ENGLAND_CODE], "period": [first.period],
                                "value": [first.england_value], "lower_ci95": [first.england_lower_ci95],
                                "upper_ci95": [first.england_upper_ci95]})
        pieces.append(published_rows(pd.concat([raw, england], ignore_index=True), geo, indicator_id,
                                     _name(fingertips.WALKTHROUGH_2020)))
    return pieces


def _young_children(geo: Geography) -> pd.DataFrame:
    """Residents aged 0, 1 and 2 at mid-2020 (2021 codes summed to 2023 districts), districts and above."""
    raw = population.single_year_of_age(population.MYE_2020)
    raw = raw.assign(category=raw.age.map(AGE_LABELS), denominator=raw.total_population)
    lad = to_lad23(raw[["area_code", "category", "count", "denominator"]], ["category"])
    lad = lad[lad.area_code.isin(geo.lad_codes)]
    out = aggregate_counts(lad, geo.areas, ["category"])
    out["indicator_id"] = "ons_mye_young_children"
    out["period"] = "mid-2020"
    out["category_type"] = "Single year of age"
    out["value"] = out["count"]  # a number of residents, not a rate
    out["value_note"] = "residents at 30 June 2020 (pre-Census-2021 estimates); aged under 1 approximates annual births"
    out["source"] = _name(population.MYE_2020)
    for column in ("lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998"):
        out[column] = np.nan
    return out


def sudi_indicators(geo: Geography) -> pd.DataFrame:
    """Infant mortality, term low birth weight, under-18 conceptions and young-child populations."""
    from .common import INDICATOR_COLUMNS

    pieces = [*_health_index(geo), *_walkthrough(geo), _young_children(geo)]
    rows = pd.concat([p[INDICATOR_COLUMNS] for p in pieces], ignore_index=True)
    return _suppress_rates_from_few_deaths(rows)


def _suppress_rates_from_few_deaths(rows: pd.DataFrame) -> pd.DataFrame:
    """Blank the Health Index infant mortality rate wherever Fingertips shows it rests on 1 or 2 deaths.

    The two sources publish the same rate; with births known, a rate from 1-2 deaths gives the count back, so
    the ONS vital-statistics rule (counts below 3 suppressed) must reach the count-free copy too.
    """
    from ..disclosure import RULES

    few = rows[(rows.indicator_id == "fingertips_infant_mortality") & rows["count"].between(1, 2)]
    pairs = pd.MultiIndex.from_frame(rows[["area_code", "period"]])
    hit = (rows.indicator_id == "ons_hi_infant_mortality").to_numpy() & pairs.isin(
        list(zip(few.area_code, few.period)))
    rows.loc[hit, ["value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998"]] = float("nan")
    rows.loc[hit, "value_note"] = RULES["ons_vital"].note
    return rows
