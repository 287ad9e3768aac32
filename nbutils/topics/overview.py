"""Overview: the headline indicators of all five topics on one scorecard, key messages, and the scale of need.

The scorecard is the "balanced scorecard of risk factors for infant mortality" the Infant Mortality National
Support Team asked every area to keep (Department of Health, 2010). Each row is one indicator's latest period for
the area with its county (two-tier districts), region and England, the comparison with England and the recent
trend, and the range of all English districts for the spine chart. Comparison rule (one rule for every page, see
:mod:`nbutils.topics.indicators`): confidence intervals (stats.compare) where published or computable from a
sample; Fingertips' published label where only that exists; otherwise "Not tested". Census and deprivation counts
cover everyone, so they are described, never tested. Where a source has no England value the spine is centred on
the median of English districts instead, and the row says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import catalog, combined, disclosure, fragments, narrative, periods, query, stats, store
from ..areas import Area, registry
from ..topics_meta import TOPIC_ORDER, TOPIC_TITLES
from . import dashboard, indicators, levers
from .scale_of_need import need_message

WHITE_BRITISH = "White: English, Welsh, Scottish, Northern Irish or British"
CARRIED_FORWARD = "carried forward"
NOT_TESTED_CENSUS = "Not tested: whole-population count (described, not tested)"


@dataclass(frozen=True)
class Headline:
    """One scorecard row: which store indicator, which slice of it, and how to read it."""

    indicator_id: str
    label: str
    topic: str
    unit: str
    category: str = ""
    periods: re.Pattern | None = None
    complement: bool = False  # show 100 - value (e.g. "not White British" from the White British share)
    census: bool = False  # whole-population count: describe, do not test
    county_fallback: bool = False  # published for counties/unitaries only: a district shows its county's value
    decimals: int = 1


HEADLINES = [
    Headline("census_ethnic_group", "Residents from ethnic minority groups (not White British)", "ethnicity", "%",
             category=WHITE_BRITISH, complement=True, census=True),
    Headline("census_cannot_speak_english_well", "Residents who cannot speak English well or at all", "ethnicity",
             "%", census=True),
    Headline("census_overcrowded_households", "Overcrowded households", "housing", "%", census=True),
    Headline("imd2025_lsoas_most_deprived_20pct", "Neighbourhoods in England's most deprived 20% (IoD2025)",
             "housing", "% of LSOAs", category="Index of Multiple Deprivation", census=True),
    Headline("mhclg_households_in_temporary_accommodation", "Households in temporary accommodation", "housing",
             "per 1,000 households", decimals=2),
    Headline("breastfeeding_6_8_weeks", "Breastfeeding at 6 to 8 weeks", "nutrition", "%", county_fallback=True),
    Headline("ncmp_reception_obesity", "Obesity in Reception (age 4-5)", "nutrition", "%",
             periods=indicators.SINGLE_FINANCIAL_YEAR),
    Headline("ncmp_year6_obesity", "Obesity in Year 6 (age 10-11)", "nutrition", "%",
             periods=indicators.SINGLE_FINANCIAL_YEAR),
    Headline("dwp_children_relative_low_income", "Children in relative low income families", "nutrition", "%",
             category="Before housing costs"),
    Headline("ohid_adult_obesity", "Adults living with obesity", "nutrition", "%"),
    Headline("infant_mortality_single_year", "Infant mortality (single year, county or unitary)", "sudi",
             "per 1,000 live births", county_fallback=True),
    Headline("ons_hi_infant_mortality", "Infant mortality (3-year pooled, district series)", "sudi",
             "per 1,000 live births"),
    Headline("fingertips_low_birth_weight_term", "Low birth weight of term babies (county or unitary)", "sudi", "%",
             decimals=2, county_fallback=True),
    Headline("ons_hi_low_birth_weight", "Low birth weight of term babies (district series)", "sudi", "%",
             decimals=2),
    Headline("fingertips_under18_conceptions", "Under-18 conceptions (county or unitary)", "sudi",
             "per 1,000 women 15-17", county_fallback=True),
    Headline("ons_hi_teenage_pregnancy", "Under-18 conceptions (district series)", "sudi", "per 1,000 women 15-17"),
    Headline("aps_adult_smoking", "Adults who smoke", "smoking", "%", periods=indicators.SINGLE_YEAR),
    Headline("ons_cigarette_smokers_5yr", "Adults who smoke cigarettes (5-year average)", "smoking", "%"),
    Headline("aps_routine_manual_smoking", "Smoking in routine and manual jobs (3-year pooled)", "smoking", "%",
             periods=indicators.POOLED_YEARS),
    Headline("satod", "Smoking at time of delivery", "smoking", "%", county_fallback=True),
]

SCORECARD_COLUMNS = [
    "area_code", "area_name", "topic", "indicator_id", "indicator", "unit", "period", "value", "value_geography",
    "lower_ci95", "upper_ci95", "county", "region", "england", "benchmark", "benchmark_value",
    "districts_min", "districts_lower_quartile", "districts_median", "districts_upper_quartile", "districts_max",
    "districts_reporting", "position_among_districts", "compared_with_england", "comparison_method",
    "recent_trend", "polarity", "note", "source", "page", "own_districts_min", "own_districts_max",
    "own_districts_reporting", "districts_p5", "districts_p95", "neighbours_of", "neighbours_mean", "neighbours_min", "neighbours_max",
    "neighbours_with_value", "neighbours_total",
]


def _slice(h: Headline, area: Area) -> pd.DataFrame:
    frame = indicators.series(h.indicator_id, area, h.periods, h.category)
    if h.complement:
        for column in ("value", "lower_ci95", "upper_ci95"):
            frame[column] = 100 - frame[column]
        frame[["lower_ci95", "upper_ci95"]] = frame[["upper_ci95", "lower_ci95"]].to_numpy()
    return frame


def _districts(h: Headline, period: str) -> pd.Series:
    values = query.district_values(h.indicator_id, period, h.category)
    return 100 - values if h.complement else values


def _own_districts(h: Headline, area: Area, period: str) -> pd.Series:
    """A county's own districts' values for the period (empty for any other area)."""
    if not area.is_county or not period:
        return pd.Series(dtype=float)
    data = query.districts_of(h.indicator_id, query.district_codes(area))
    values = data[(data.period == period) & (data.category.fillna("") == h.category)].value.dropna()
    return 100 - values if h.complement else values


def _own_latest_period(h: Headline, area: Area) -> str:
    """The latest period in which any of a county's districts has a value ('' if none)."""
    data = query.districts_of(h.indicator_id, query.district_codes(area))
    data = data[data.value.notna() & (data.category.fillna("") == h.category)]
    if h.periods is not None:
        data = data[data.period.astype(str).str.match(h.periods)]
    data = data[~data.value_note.fillna("").str.contains(CARRIED_FORWARD)]
    return sorted(data.period)[-1] if len(data) else ""


def _is_carried_forward(frame: pd.DataFrame) -> pd.Series:
    return frame.value_note.fillna("").str.contains(CARRIED_FORWARD)


@store.per_build(maxsize=512)  # the overview, the actions of every topic page and the SUDI levers ask for the same rows
def headline_row(h: Headline, area: Area) -> dict:
    """The scorecard row of one headline indicator for ``area`` (see the module docstring)."""
    meta = catalog.indicator(h.indicator_id)
    frame = _slice(h, area)
    real = frame[~_is_carried_forward(frame)]  # a carried-forward year is not a new data point
    dropped = sorted(set(frame.loc[_is_carried_forward(frame) & (frame.role == "area"), "period"]))
    latest = indicators.latest(real)
    role, geography = "area", area.name
    if latest.empty and h.county_fallback and area.upper_tier_code and not area.is_unitary:
        latest = indicators.latest(real, role="county")
        role = "county"
    notes = []
    if latest.empty:
        period = sorted(real.period.dropna())[-1] if real.period.notna().any() else ""
        if not period and area.is_county:  # district-only source: the county's districts' latest period
            period = _own_latest_period(h, area)
        latest = real[real.period == period]
        members = combined.member_values(real, period, h.decimals) if area.is_combined else ""
        if members:  # a rate published per member only: name theirs, never average them
            notes.append(f"published for each authority only: {members}")
        withheld = indicators.withheld_after(real, "area")
        notes.append((f"withheld for {area.name} (disclosure control)" if withheld else
                      f"no value for {area.name} in the source")
                     + (" (formed in April 2023, after the source's data)" if indicators.is_merged_2023(area) else "")
                     + (": the county value is not published and cannot be derived correctly from district rates;"
                        f" its districts are shown on the {TOPIC_TITLES.get(h.topic, h.topic)} page"
                        if area.is_county else ""))
    else:
        period = latest.period.iloc[0]
    here = latest[latest.role == role]
    value = here.value.iloc[0] if len(here) else np.nan
    if role == "county" and len(here):
        geography = here.area_name.iloc[0]
        notes.append(f"published for {geography} as a whole, not for districts")
    england = indicators.value_of(latest, "england") if len(latest) else np.nan
    spread = _districts(h, period) if period else pd.Series(dtype=float)
    median = float(spread.median()) if len(spread) else np.nan
    has_england = pd.notna(england)
    label = here.compared_with_england.iloc[0] if len(here) and pd.notna(value) else "No value"
    method = here.comparison_method.iloc[0] if len(here) and pd.notna(value) else ""
    if len(here) and here.value_note.fillna("").str.startswith(disclosure.SUPPRESSED).iloc[0]:
        label, method = "Suppressed [c]", ""
        notes.append("withheld with anything derived from it (disclosure control)")
    later = indicators.withheld_after(real, role) if pd.notna(value) else []
    if later:  # the latest published period is not the latest period: never headline it as current
        notes.append(narrative.withheld_clause(later).removeprefix("; "))
    if h.census and pd.notna(value):
        label, method = indicators.NOT_TESTED, NOT_TESTED_CENSUS
        notes.append(narrative.describe_difference(value, england, "England").replace("%", "")
                     if has_england else "")
    if len(here) and pd.notna(here["count"].iloc[0]) and meta.disclosure == "ons_vital" and here["count"].iloc[0] < 20:
        notes.append("rate based on fewer than 20 deaths: treat with caution")
    if not has_england:
        notes.append("the source has no England value: the spine is centred on the median of "
                     + indicators.group_phrase(len(spread)))
    if dropped:
        notes.append(f"{', '.join(dropped)} carried forward by ONS (not new data) and left out")
    local = query.local_values(h.indicator_id, [area.code])
    for local_label, local_value, local_period in zip(local["label"], local["value"], local["period"]):
        # The authority's own figure, beside the national one and never in its place.
        notes.append(f"{local_label}: {_fmt(local_value, h.decimals)}{'%' if h.unit == '%' else ''} "
                     f"({local_period}{narrative.old_clause(local_period)})")
    trend = indicators.trend_label(real, h.indicator_id, role=role)
    # A county's value is not placed among districts, and a handful of reporting districts is no distribution.
    comparable = (role == "area" and len(spread) >= 30 and not area.is_county and not area.is_combined
                  and not h.county_fallback)
    own = _own_districts(h, area, period)
    # The spread's percentiles in one pass (each quantile call sorts the values again).
    p5, lower_quartile, upper_quartile, p95 = (spread.quantile([0.05, 0.25, 0.75, 0.95]).to_numpy() if len(spread)
                                               else [np.nan] * 4)
    position = "not applicable" if not comparable else indicators.position_in_distribution(value, {
        "median": median, "lower_quartile": lower_quartile, "upper_quartile": upper_quartile,
        "districts": len(spread)})
    return {
        "area_code": area.code, "area_name": area.name, "topic": h.topic, "indicator_id": h.indicator_id,
        "indicator": h.label, "unit": h.unit, "period": period, "value": value, "value_geography": geography,
        "lower_ci95": here.lower_ci95.iloc[0] if len(here) else np.nan,
        "upper_ci95": here.upper_ci95.iloc[0] if len(here) else np.nan,
        "county": indicators.value_of(latest, "county") if len(latest) else np.nan,
        "region": indicators.value_of(latest, "region") if len(latest) else np.nan,
        "england": england,
        "benchmark": "England" if has_england else f"Median of {indicators.group_phrase(len(spread))}",
        "benchmark_value": england if has_england else median,
        "districts_min": spread.min() if len(spread) else np.nan,
        "districts_lower_quartile": lower_quartile,
        "districts_median": median,
        "districts_upper_quartile": upper_quartile,
        "districts_max": spread.max() if len(spread) else np.nan,
        "districts_reporting": len(spread), "position_among_districts": position,
        "compared_with_england": label, "comparison_method": method, "recent_trend": trend,
        "polarity": meta.polarity, "note": "; ".join(n for n in notes if n), "source": meta.source,
        "page": f"{h.topic}.html",
        "own_districts_min": own.min() if len(own) else np.nan,
        "own_districts_max": own.max() if len(own) else np.nan,
        "own_districts_reporting": len(own),
        # The spine chart's scale: an extreme district stays visible beyond these, marked with its value.
        "districts_p5": p5,
        "districts_p95": p95,
        **_neighbours(h, area, period),
    }


def _neighbours(h: Headline, area: Area, period: str) -> dict:
    """The statistical neighbours' average, range and coverage for one period: the area's own neighbours for a
    county or unitary, its county's for a two-tier district (districts have no open neighbour table)."""
    upper = registry().upper_tier(area)
    neighbours = dashboard.statistical_neighbours(upper) if upper is not None else []  # the set it chose
    values = (dashboard.neighbour_values(h.indicator_id, upper, period, h.category).value.dropna()
              if neighbours and period else pd.Series(dtype=float))
    if h.complement:
        values = 100 - values
    return {"neighbours_of": upper.name if neighbours else "", "neighbours_total": len(neighbours),
            "neighbours_with_value": len(values),
            "neighbours_mean": values.mean() if len(values) else np.nan,
            "neighbours_min": values.min() if len(values) else np.nan,
            "neighbours_max": values.max() if len(values) else np.nan}


def scorecard(area: Area, headlines: list[Headline] | None = None) -> pd.DataFrame:
    """One row per headline indicator (all five topics by default), in topic order."""
    rows = [headline_row(h, area) for h in (headlines or HEADLINES)]
    out = pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
    order = {t: i for i, t in enumerate(TOPIC_ORDER)}
    return out.sort_values("topic", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


# The headlines the top-level index shows first (it lists the first few).
INDEX_PRIORITY = ["infant_mortality_single_year", "breastfeeding_6_8_weeks", "ncmp_year6_obesity", "satod",
                  "ons_hi_infant_mortality", "aps_adult_smoking", "mhclg_households_in_temporary_accommodation",
                  "census_overcrowded_households"]


def headlines_table(card: pd.DataFrame) -> pd.DataFrame:
    """The small table the top-level index uses: one row per headline, with whose value it is."""
    rank = {indicator_id: i for i, indicator_id in enumerate(INDEX_PRIORITY)}
    card = card.sort_values("indicator_id", key=lambda s: s.map(rank).fillna(len(rank)), kind="stable")
    return pd.DataFrame({"area_code": card.area_code, "indicator_id": card.indicator_id, "indicator": card.indicator,
                         "value": card.value.round(1), "unit": card.unit, "period": card.period,
                         # Named only when the value belongs to another area (a county's figure on a district page).
                         "value_geography": card.value_geography.where(card.value_geography != card.area_name, ""),
                         "comparison": card.compared_with_england})


def _fmt(value, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}" if pd.notna(value) else "[x]"


def scorecard_view(card: pd.DataFrame) -> pd.DataFrame:
    """Reader-friendly scorecard: words, not codes; '[x]' where not available."""
    decimals = {h.indicator_id: h.decimals for h in HEADLINES}
    county_card = bool(len(card)) and bool(card.own_districts_reporting.gt(0).any())

    def value_text(row) -> str:
        text = _fmt(row.value, decimals.get(row.indicator_id, 1))
        if pd.notna(row.value) and row.value_geography != row.area_name:
            text += f" ({row.value_geography})"
        return text

    def districts_text(row) -> str:
        if not row.own_districts_reporting:
            return "[x]"
        places = decimals.get(row.indicator_id, 1)
        return (f"{_fmt(row.own_districts_min, places)} to {_fmt(row.own_districts_max, places)}"
                f" ({row.own_districts_reporting})")

    def neighbours_text(row) -> str:
        if not row.neighbours_total:
            return "none held"
        if not row.neighbours_with_value:
            return f"[x] (0 of {row.neighbours_total} published)"
        places = decimals.get(row.indicator_id, 1)
        return (f"{_fmt(row.neighbours_mean, places)} ({_fmt(row.neighbours_min, places)} to "
                f"{_fmt(row.neighbours_max, places)}; {row.neighbours_with_value} of {row.neighbours_total})")

    whose = card.neighbours_of.replace("", np.nan).dropna()
    chosen = (dashboard.neighbour_set(registry().upper_tier(registry().get(card.area_code.iloc[0]))).name
              if len(whose) else "Statistical neighbours")  # the table names the neighbour set
    neighbours_heading = (f"{chosen}: average (range; how many)" if not len(whose)
                          or whose.iloc[0] == card.area_name.iloc[0]
                          else f"{whose.iloc[0]}'s {chosen}: average (range; how many)")
    # A county's page shows the range of its own districts where the county column would be.
    upper = ({"Its districts (lowest to highest, how many)": card.apply(districts_text, axis=1)} if county_card
             else {"County": [_fmt(v, decimals.get(i, 1)) for v, i in zip(card.county, card.indicator_id)]})
    return pd.DataFrame({
        "Topic": card.topic.map(TOPIC_TITLES),
        "Indicator": card.indicator + " (" + card.unit + ")",
        "Period": card.period.map(narrative.period_label),
        card.area_name.iloc[0] if len(card) else "Area": card.apply(value_text, axis=1),
        **upper,
        "Region": [_fmt(v, decimals.get(i, 1)) for v, i in zip(card.region, card.indicator_id)],
        "England": [_fmt(v, decimals.get(i, 1)) for v, i in zip(card.england, card.indicator_id)],
        neighbours_heading: card.apply(neighbours_text, axis=1) if len(card) else [],
        "Compared with England": card.compared_with_england,
        # A county is not placed among districts: the column would say "not applicable" on every row.
        **({} if county_card else {"Position among districts": card.position_among_districts}),
        "Recent trend": card.recent_trend,
    })


# ------------------------------------------------------------------------------------------------ key messages


def _lower_first(text: str) -> str:
    """'Adults who smoke' -> 'adults who smoke' (acronyms and names such as 'IoD' or 'England' keep their case)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


#: Infant mortality has its own first message; the lists below leave it out so it is said once.
INFANT_MORTALITY_IDS = ("infant_mortality_single_year", "ons_hi_infant_mortality", "fingertips_infant_mortality")
#: Longest list of indicators in one message; longer lists end "and N more (see the scorecard)".
MESSAGE_LIST_LIMIT = 4


def _newer_pooled_single_years(area: Area, pooled) -> levers.InfantDeaths | None:
    """For a county or unitary authority, its latest single years pooled (the rate 'What would it take' counts
    deaths from) when they end after the district series' three-year rate (a county has none); None for a
    district, when not newer, or when the deaths are withheld."""
    if not (area.is_county or area.upper_tier_code == area.code):
        return None
    deaths = levers.infant_deaths(area)
    if deaths is None or deaths.area.code != area.code or deaths.withheld:
        return None  # withheld: with the births, the rate would give the deaths back (the gap table withholds it)
    if pooled is not None and pd.notna(pooled.value) and \
            periods.sort_key(deaths.period) <= periods.sort_key(str(pooled.period)):
        return None
    return deaths


def _infant_mortality_message(area: Area, card: pd.DataFrame) -> str:
    """Infant mortality once: the latest single year (the area's, or its county's, named), then the area's own
    three-year rate: a county's or unitary authority's latest three single years pooled when they are newer than
    the district series (so the rate and the gap to England that follows it cover the same years), else the
    district series' pooled rate where it exists."""
    rows = card.set_index("indicator_id")
    single = rows.loc["infant_mortality_single_year"] if "infant_mortality_single_year" in rows.index else None
    pooled = rows.loc["ons_hi_infant_mortality"] if "ons_hi_infant_mortality" in rows.index else None
    parts = []
    if single is not None and pd.notna(single.value):
        whose = area.name if single.value_geography == area.name else f"{single.value_geography} (the county)"
        # England and an old figure's note in one bracket, as in the other messages.
        note = (f" (England {single.england:.1f}{narrative.old_clause(single.period)})" if pd.notna(single.england)
                else narrative.old_flag(single.period))
        parts.append(f"Infant mortality in {whose} was {single.value:.1f} per 1,000 live births in {single.period}"
                     f"{note}{_later(single)}; a single year rests on few deaths, so it is not tested against England")
    newer = _newer_pooled_single_years(area, pooled)
    if newer is not None:
        span = {2: "two-year", 3: "three-year"}.get(newer.years, f"{newer.years}-year")
        lead = f"{area.name}'s own {span} rate was" if parts else f"Infant mortality in {area.name} was"
        england = f"; England {newer.england_rate:.1f}" if newer.england_rate is not None else ""
        parts.append(f"{lead} about {newer.rate:.1f} in {newer.period} (the single years pooled{england}"
                     f"{narrative.old_clause(newer.period)})")
    elif pooled is not None and pd.notna(pooled.value) and not area.is_county:
        lead = f"{area.name}'s own three-year rate was" if parts else f"Infant mortality in {area.name} was"
        said = (f"{pooled.value:.1f} in {pooled.period}{narrative.old_flag(pooled.period)}, "
                f"{pooled.position_among_districts} (median {pooled.districts_median:.2f})")
        if _later(pooled):  # said first: the last published period must not read as the current one
            span = _later(pooled).split("(", 1)[1].split(", disclosure control")[0]
            whose = f"{area.name}'s own three-year rate" if parts else f"Infant mortality in {area.name}"
            parts.append(f"{whose} is withheld for {span} (disclosure control); the latest published three-year "
                         f"rate was {said}")
        else:
            parts.append(f"{lead} {said}")
    if not parts:
        if area.is_combined:  # each authority's own latest single year, never an average of them
            names = {m.code: m.name for m in registry().members(area)}
            rows = combined.member_rows("infant_mortality_single_year", area)
            said = combined.per_member_sentence(area, "infant mortality", rows.assign(
                area_name=rows.area_code.map(names)), unit="per 1,000 live births")
            if said:
                return f"{said} Read it with the SUDI page: rates resting on few deaths move by chance."
        return f"No infant mortality rate for {area.name} is held in this build (see the SUDI page)."
    return "; ".join(parts) + ". Read it with the SUDI page: rates resting on few deaths move by chance."


def _later(row) -> str:
    """'; later periods withheld (...)' when the row's note says so (from :func:`headline_row`), else ''."""
    for part in str(getattr(row, "note", "") or "").split("; "):
        if part.startswith(narrative.WITHHELD_LATER):
            return f"; {part}"
    return ""


def key_messages(area: Area, card: pd.DataFrame, *, births: float | None) -> list[str]:
    """Plain-English messages from the scorecard (most notable first); every list says how many it leaves out.

    ``births``, a year's births, adds the scale-of-need message (:func:`~nbutils.topics.scale_of_need.need_message`);
    None leaves it out.

    Infant mortality is said once, first; every figure is followed by its freshness note when it is old
    (:func:`nbutils.narrative.old_flag`); untested figures are placed among districts, never called
    similar, better or worse.
    """
    decimals = {h.indicator_id: h.decimals for h in HEADLINES}
    messages = [_infant_mortality_message(area, card), *levers.key_messages(area)]
    card = card[~card.indicator_id.isin(INFANT_MORTALITY_IDS)]
    kinds = card.compared_with_england.map(stats.comparison_kind)
    more = "see the scorecard"

    def listing(rows: pd.DataFrame) -> str:
        parts = []
        for r in rows.itertuples():
            where = "" if r.value_geography == r.area_name else f" in {r.value_geography}"
            parts.append(f"{_lower_first(r.indicator)}{where} ({_fmt(r.value, decimals.get(r.indicator_id, 1))} against "
                         f"England's {_fmt(r.england, decimals.get(r.indicator_id, 1))}, {r.period}"
                         f"{narrative.old_clause(r.period)}{_later(r)})")
        return narrative.list_more(parts, MESSAGE_LIST_LIMIT, more)

    worse = card[kinds == "worse"]
    better = card[kinds == "better"]
    if len(worse):
        messages.append(f"Significantly worse than England: {listing(worse)}.")
    if len(better):
        messages.append(f"Significantly better than England: {listing(better)}.")
    tested = kinds.isin(["worse", "better", "similar", "higher", "lower"])
    if not tested.any():
        messages.append(f"No indicator held for {area.name} could be tested against England: the figures held have "
                        "no published intervals or counts.")
    elif not len(worse) and not len(better):
        messages.append("No tested indicator differs significantly from England; most district figures rest on "
                        "small samples or have no published intervals.")
    high = card[(kinds == "not_compared") & card.position_among_districts.str.startswith("in the highest quarter of")
                & card.polarity.eq("low-is-good")]
    for position, rows in high.groupby("position_among_districts", sort=False):
        parts = [f"{_lower_first(r.indicator)} ({_fmt(r.value, decimals.get(r.indicator_id, 1))}, {r.period}"
                 f"{narrative.old_clause(r.period)}{_later(r)})" for r in rows.itertuples()]
        messages.append(f"{narrative.capital_first(position)} (not tested for significance): "
                        + narrative.list_more(parts, MESSAGE_LIST_LIMIT, more) + ".")
    if births is not None and pd.notna(births):
        messages.append(need_message(area, births))
    return messages


# ------------------------------------------------------------------------------------------------ links


def topic_links(area: Area, current: str = "overview") -> str:
    """HTML list of plain relative links to the area's other topic pages (same folder)."""
    links = [(t, TOPIC_TITLES[t]) for t in TOPIC_ORDER if t != current]
    return fragments.render("report/topic_links", area=area.name, links=links)


# ------------------------------------------------------------------------------------------------ data currency


def currency_view(frame: pd.DataFrame) -> pd.DataFrame:
    """The 'Data currency' table: how recent each indicator held is, at which levels, and whether it is old."""
    def age(value) -> str:
        return "[x]" if pd.isna(value) else f"{value:.1f}"

    return pd.DataFrame({
        "Indicator": frame["name"],
        "Latest period held": frame["latest period"],
        "Whose figure (this area's own, else its nearest comparator's)": frame["level"].fillna("").replace("", "[x]"),
        "England's latest period": frame.get("england latest period", pd.Series("", index=frame.index))
        .fillna("").replace("", "[x]"),
        "Years since the period ended": frame["age_years"].map(age),
        "Old figure (ended more than 3 years ago)": frame["old"].map({True: "old figure", False: ""}),
        "Source": frame["source"],
    })

