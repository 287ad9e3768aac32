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

import html
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from .. import catalog, disclosure, narrative, paths, planning, query, store
from ..areas import Area, registry
from ..errors import WorkbookError
from ..topics_meta import TOPIC_ORDER, TOPIC_TITLES
from . import indicators

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
    Headline("breastfeeding_initiation", "Breastfeeding initiation", "nutrition", "%"),
    Headline("ncmp_reception_obesity", "Obesity in Reception (age 4-5)", "nutrition", "%",
             periods=indicators.SINGLE_FINANCIAL_YEAR),
    Headline("ncmp_year6_obesity", "Obesity in Year 6 (age 10-11)", "nutrition", "%",
             periods=indicators.SINGLE_FINANCIAL_YEAR),
    Headline("dwp_children_relative_low_income", "Children in relative low income families", "nutrition", "%",
             category="Before housing costs"),
    Headline("ohid_adult_obesity", "Adults living with obesity", "nutrition", "%"),
    Headline("ons_hi_infant_mortality", "Infant mortality (3-year pooled)", "sudi", "per 1,000 live births",
             decimals=2),
    Headline("fingertips_infant_mortality", "Infant mortality (with confidence interval)", "sudi",
             "per 1,000 live births", decimals=2),
    Headline("ons_hi_low_birth_weight", "Low birth weight of term babies", "sudi", "%", decimals=2),
    Headline("ons_hi_teenage_pregnancy", "Under-18 conceptions", "sudi", "per 1,000 women 15-17"),
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
    "own_districts_reporting",
]


def _slice(h: Headline, area: Area) -> pd.DataFrame:
    frame = indicators.series(h.indicator_id, area, h.periods, h.category)
    if h.complement:
        for column in ("value", "lower_ci95", "upper_ci95"):
            frame[column] = 100 - frame[column]
        frame[["lower_ci95", "upper_ci95"]] = frame[["upper_ci95", "lower_ci95"]].to_numpy()
    return frame


def _districts(h: Headline, period: str) -> pd.Series:
    codes = [a.code for a in registry().districts()]
    data = query.districts_of(h.indicator_id, codes)
    values = data[(data.period == period) & (data.category.fillna("") == h.category)].value.dropna()
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
        notes.append(f"no value for {area.name} in the source"
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
        notes.append("fewer than 3 events: suppressed with anything derived from it (disclosure control)")
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
    trend = indicators.trend_label(real, h.indicator_id, role=role)
    # A county's value is not placed among districts, and a handful of reporting districts is no distribution.
    comparable = role == "area" and len(spread) >= 30 and not area.is_county
    own = _own_districts(h, area, period)
    position = "not applicable" if not comparable else indicators.position_in_distribution(value, {
        "median": median, "lower_quartile": spread.quantile(0.25) if len(spread) else np.nan,
        "upper_quartile": spread.quantile(0.75) if len(spread) else np.nan, "districts": len(spread)})
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
        "districts_lower_quartile": spread.quantile(0.25) if len(spread) else np.nan,
        "districts_median": median,
        "districts_upper_quartile": spread.quantile(0.75) if len(spread) else np.nan,
        "districts_max": spread.max() if len(spread) else np.nan,
        "districts_reporting": len(spread), "position_among_districts": position,
        "compared_with_england": label, "comparison_method": method, "recent_trend": trend,
        "polarity": meta.polarity, "note": "; ".join(n for n in notes if n), "source": meta.source,
        "page": f"{h.topic}.html",
        "own_districts_min": own.min() if len(own) else np.nan,
        "own_districts_max": own.max() if len(own) else np.nan,
        "own_districts_reporting": len(own),
    }


def scorecard(area: Area, headlines: list[Headline] | None = None) -> pd.DataFrame:
    """One row per headline indicator (all five topics by default), in topic order."""
    rows = [headline_row(h, area) for h in (headlines or HEADLINES)]
    out = pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
    order = {t: i for i, t in enumerate(TOPIC_ORDER)}
    return out.sort_values("topic", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


# The headlines the top-level index shows first (it lists the first few).
INDEX_PRIORITY = ["ons_hi_infant_mortality", "ncmp_year6_obesity", "aps_adult_smoking",
                  "mhclg_households_in_temporary_accommodation", "census_overcrowded_households"]


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
        "Compared with England": card.compared_with_england,
        "Position among districts": card.position_among_districts,
        "Recent trend": card.recent_trend,
    })


# ------------------------------------------------------------------------------------------------ key messages


def _lower_first(text: str) -> str:
    """'Adults who smoke' -> 'adults who smoke' (acronyms and names such as 'IoD' or 'England' keep their case)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _kind(label: str) -> str:
    text = str(label or "")
    for word in ("Better", "Worse", "Similar", "Higher", "Lower"):
        if text.startswith(word):
            return word.lower()
    return "not tested"


#: Infant mortality has its own first message; the lists below leave it out so it is said once.
INFANT_MORTALITY_IDS = ("ons_hi_infant_mortality", "fingertips_infant_mortality")
#: Longest list of indicators in one message; longer lists end "and N more (see the scorecard)".
MESSAGE_LIST_LIMIT = 4


def _infant_mortality_message(area: Area, card: pd.DataFrame) -> str:
    imr = card[card.indicator_id == "ons_hi_infant_mortality"]
    if not (len(imr) and pd.notna(imr.value.iloc[0])):
        return f"No infant mortality rate for {area.name} is held in this build (see the SUDI page)."
    r = imr.iloc[0]
    text = (f"Infant mortality in {area.name} was {r.value:.2f} per 1,000 live births in {r.period}"
            f"{narrative.old_flag(r.period)}, {r.position_among_districts} (median {r.districts_median:.2f})")
    tested = card[(card.indicator_id == "fingertips_infant_mortality") & card.value.notna()
                  & card.compared_with_england.map(_kind).isin(["better", "worse", "similar"])]
    if len(tested):
        t = tested.iloc[0]
        where = "" if t.value_geography == t.area_name else f" for {t.value_geography}"
        text += (f"; in {t.period}{narrative.old_flag(t.period)} it was {t.value:.2f}{where}, "
                 f"{narrative.comparison_phrase(t.compared_with_england, t.comparison_method)}")
    return text + ". A district's rate rests on few deaths and moves by chance, so read it with the SUDI page."


def key_messages(area: Area, card: pd.DataFrame, births: float | None) -> list[str]:
    """Plain-English messages from the scorecard (most notable first); every list says how many it leaves out.

    Infant mortality is said once, first; every figure is followed by its freshness note when it is old
    (:func:`nbutils.narrative.old_flag`); untested figures are placed among districts, never called
    similar, better or worse.
    """
    decimals = {h.indicator_id: h.decimals for h in HEADLINES}
    messages = [_infant_mortality_message(area, card)]
    card = card[~card.indicator_id.isin(INFANT_MORTALITY_IDS)]
    kinds = card.compared_with_england.map(_kind)
    more = "see the scorecard"

    def listing(rows: pd.DataFrame) -> str:
        parts = []
        for r in rows.itertuples():
            where = "" if r.value_geography == r.area_name else f" in {r.value_geography}"
            parts.append(f"{_lower_first(r.indicator)}{where} ({_fmt(r.value, decimals.get(r.indicator_id, 1))} against "
                         f"England's {_fmt(r.england, decimals.get(r.indicator_id, 1))}, {r.period}"
                         f"{narrative.old_clause(r.period)})")
        return narrative.list_more(parts, MESSAGE_LIST_LIMIT, more)

    worse = card[kinds == "worse"]
    better = card[kinds == "better"]
    if len(worse):
        messages.append(f"Significantly worse than England: {listing(worse)}.")
    if len(better):
        messages.append(f"Significantly better than England: {listing(better)}.")
    if not len(worse) and not len(better):
        messages.append("No tested indicator differs significantly from England; most district figures rest on "
                        "small samples or have no published intervals.")
    high = card[(kinds == "not tested") & card.position_among_districts.str.startswith("in the highest quarter of")
                & card.polarity.eq("low-is-good")]
    for position, rows in high.groupby("position_among_districts", sort=False):
        parts = [f"{_lower_first(r.indicator)} ({_fmt(r.value, decimals.get(r.indicator_id, 1))}, {r.period}"
                 f"{narrative.old_clause(r.period)})" for r in rows.itertuples()]
        messages.append(f"{narrative.capital_first(position)} (not tested for significance): "
                        + narrative.list_more(parts, MESSAGE_LIST_LIMIT, more) + ".")
    if births is not None and pd.notna(births):
        messages.append(need_message(area, births))
    return messages


# ------------------------------------------------------------------------------------------------ links and need


def topic_links(area: Area, current: str = "overview") -> str:
    """HTML list of plain relative links to the area's other topic pages (same folder)."""
    items = "".join(
        f"<li><a href='{html.escape(t)}.html'>{html.escape(TOPIC_TITLES[t])}</a></li>"
        for t in TOPIC_ORDER if t != current)
    return (f"<nav class='nbu-topic-links' aria-label='Topic pages for {html.escape(area.name)}'>"
            f"<p>Topic pages for {html.escape(area.name)}:</p><ul>{items}</ul></nav>")


def young_children(area: Area) -> pd.DataFrame:
    """Residents aged under 1, 1 and 2 (mid-2020) for the area and comparators; empty where not held."""
    frame = query.with_comparators("ons_mye_young_children", area)
    return frame[frame.value.notna()][["area_code", "area_name", "role", "period", "category", "count",
                                       "denominator", "value_note", "source"]].reset_index(drop=True)


def births_estimate(area: Area) -> float | None:
    """Residents aged under 1 at mid-2020 (the approximation of annual births used here), or None."""
    frame = young_children(area)
    rows = frame[(frame.role == "area") & (frame.category == "Aged under 1")]
    return float(rows["count"].iloc[0]) if len(rows) else None


def children_0_2(area: Area) -> float | None:
    frame = young_children(area)
    rows = frame[frame.role == "area"]
    return float(rows["count"].sum()) if len(rows) == 3 else None


SCALE_OF_NEED_DIR = "scale-of-need"  # parameters/scale-of-need/<name>.yaml: an authority's published inputs
ASSUMPTIONS_FROM = "kent"  # whose rates the flat-rate calculator uses where an area has no inputs of its own


def need_message(area: Area, births: float) -> str:
    """One key message from the scale-of-need model, saying whose inputs it uses."""
    plan = scale_plan(area, births)
    about = [narrative.number(planning.round_sensibly(v)) for v in (plan.result.mothers * plan.share,
                                                                     plan.result.partners * plan.share)]
    if plan.kind == "local":
        how = f"on {plan.whose}"
        lead = f"About {narrative.number(planning.round_sensibly(plan.inputs.births))} babies a year"
    else:
        lead = (f"About {narrative.number(planning.round_sensibly(births))} babies a year live in {area.name} "
                f"(residents aged under 1, mid-2020{narrative.old_clause('mid-2020')})")
        how = (f"on {plan.whose}, apportioned by births" if plan.kind == "county"
               else f"at {plan.whose} of {plan.inputs.perinatal.remaining_mothers_pct:g}% of mothers and "
                    f"{plan.inputs.perinatal.other_partners_pct:g}% of partners")
    return (f"{lead}; {how}, about {about[0]} mothers and {about[1]} partners a year may need support for "
            "perinatal mental health (see the scale-of-need calculator).")


def scale_inputs(name: str) -> planning.ScaleOfNeedInputs:
    """Read parameters/scale-of-need/<name>.yaml (one clear error naming the file if it is unusable)."""
    path = paths.parameters_dir() / SCALE_OF_NEED_DIR / f"{name}.yaml"
    where = f"parameters/{SCALE_OF_NEED_DIR}/{path.name}"
    try:
        content = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise WorkbookError(f"{where} is missing: restore it from the repository") from None
    except yaml.YAMLError:
        raise WorkbookError(f"{where} is not valid YAML: fix the file") from None
    try:
        return planning.ScaleOfNeedInputs.model_validate(content)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "file"
        raise WorkbookError(f"{where}: '{field}' {first['msg'].lower()} (see parameters/{SCALE_OF_NEED_DIR}/"
                            f"{ASSUMPTIONS_FROM}.yaml)") from None


def _all_scale_inputs() -> list[planning.ScaleOfNeedInputs]:
    folder = paths.parameters_dir() / SCALE_OF_NEED_DIR
    return [scale_inputs(p.stem) for p in sorted(folder.glob("*.yaml"))]


@dataclass(frozen=True)
class ScalePlan:
    """Which scale-of-need model an area gets, with whose inputs (see :func:`scale_plan`).

    kind: 'local' (the area's own published inputs), 'county' (its county's model, apportioned by the area's
    share of the county's births) or 'flat' (flat rates: another authority's assumptions on the area's births).
    """

    area: Area
    kind: str
    inputs: planning.ScaleOfNeedInputs  # the model as run (the area's, the county's, or flat rates)
    source: planning.ScaleOfNeedInputs  # whose published inputs or assumptions these are
    result: planning.ScaleOfNeed
    births: float | None = None  # the area's births (county and flat)
    births_note: str = ""
    county_births: float | None = None  # the county's, same source as ``births``, for the share
    changed: tuple[str, ...] = ()  # prevalence parameters set away from the published values

    @property
    def share(self) -> float:
        return self.births / self.county_births if self.kind == "county" else 1.0

    @property
    def whose(self) -> str:
        """Whose assumptions, in words, for every line that uses them (item 14: never borrowed silently)."""
        owner = self.source.publisher or "the parameters file"
        if self.kind == "local":
            return f"{owner}'s own published inputs"
        if self.kind == "county":
            return f"{owner}'s model and inputs for the whole of {self.source.area_name}"
        relation = ("a neighbouring authority's" if self.area.code in self.source.neighbouring_areas
                    else "another authority's")
        return f"{owner}'s assumptions ({relation}, not {self.area.name}'s own)"


def _with_rates(inputs: planning.ScaleOfNeedInputs, mothers_pct, partners_pct, parent_infant_pct):
    """The inputs with any prevalence parameter the user set, and the names of those changed."""
    per, pi, changed = inputs.perinatal, inputs.parent_infant, []
    for value, holder, field, label in ((mothers_pct, "per", "remaining_mothers_pct", "mothers"),
                                        (partners_pct, "per", "other_partners_pct", "partners"),
                                        (parent_infant_pct, "pi", "remaining_pct", "babies")):
        if value is None:
            continue
        current = per if holder == "per" else pi
        if float(value) != getattr(current, field):
            changed.append(label)
        updated = current.model_copy(update={field: float(value)})
        per, pi = (updated, pi) if holder == "per" else (per, updated)
    new = planning.ScaleOfNeedInputs.model_validate(
        inputs.model_dump() | {"perinatal": per.model_dump(), "parent_infant": pi.model_dump()})
    return new, tuple(changed)


def _county_births(area: Area) -> float | None:
    frame = young_children(area)
    rows = frame[(frame.role == "county") & (frame.category == "Aged under 1")]
    return float(rows["count"].iloc[0]) if len(rows) else None


def scale_plan(area: Area, births: float | None = None, mothers_pct: float | None = None,
               partners_pct: float | None = None, parent_infant_pct: float | None = None) -> ScalePlan | None:
    """The scale-of-need model for an area: its own inputs, its county's apportioned by births, or flat rates.

    ``births`` overrides the area's births (residents aged under 1, mid-2020); the three percentages override
    the published prevalence for the remaining mothers, other partners and remaining babies. None when the area's
    births are neither held nor given.
    """
    files = _all_scale_inputs()
    own = next((f for f in files if f.area_code == area.code), None)
    if own is not None:
        inputs, changed = _with_rates(own, mothers_pct, partners_pct, parent_infant_pct)
        return ScalePlan(area, "local", inputs, own, planning.scale_of_need(inputs), changed=changed)
    used = births if births is not None else births_estimate(area)
    if used is None:
        return None
    note = ("as set in the parameters" if births is not None else
            f"the residents of {area.name} aged under 1 at 30 June 2020 from the ONS mid-year estimates, an "
            "approximation of annual births")
    county = next((f for f in files if area.upper_tier_code and f.area_code == area.upper_tier_code), None)
    county_births = _county_births(area) if county is not None else None
    if county is not None and county_births and used <= county_births:
        inputs, changed = _with_rates(county, mothers_pct, partners_pct, parent_infant_pct)
        return ScalePlan(area, "county", inputs, county, planning.scale_of_need(inputs), used, note, county_births,
                         changed)
    source = scale_inputs(ASSUMPTIONS_FROM)
    flat = planning.flat_rate_inputs(used, source.perinatal.remaining_mothers_pct,
                                     source.perinatal.other_partners_pct, source.parent_infant.remaining_pct,
                                     source.years)
    inputs, changed = _with_rates(flat, mothers_pct, partners_pct, parent_infant_pct)
    return ScalePlan(area, "flat", inputs, source, planning.scale_of_need(inputs), used, note, changed=changed)


def scale_table(plan: ScalePlan) -> pd.DataFrame:
    """Tidy scale-of-need table for the CSV: the area's figures, with the model and whose inputs they are."""
    if plan.kind == "county":
        frame = planning.apportion(plan.result, plan.share)
        frame.insert(0, "group", "")
        model = f"{plan.source.area_name} model apportioned by births"
    else:
        frame = plan.result.table.copy()
        model = "stratified model" if plan.kind == "local" else "flat rates"
    frame.insert(0, "area_code", plan.area.code)
    frame.insert(1, "area_name", plan.area.name)
    frame.insert(2, "model", model)
    frame["inputs_from"] = f"{plan.whose}; {plan.source.citation}"
    return frame


def county_table(plan: ScalePlan) -> pd.DataFrame:
    """The county's model as published (for a district whose county has one), labelled as the county's."""
    frame = plan.result.table.copy()
    frame.insert(0, "area_code", plan.source.area_code)
    frame.insert(1, "area_name", plan.source.area_name)
    frame["inputs_from"] = plan.source.citation
    return frame


def scale_view(frame: pd.DataFrame) -> pd.DataFrame:
    """Reader's view of :func:`scale_table` or :func:`county_table`."""
    number = frame["number"] if "number" in frame else pd.Series([None] * len(frame), index=frame.index)
    pct = frame["prevalence_pct"] if "prevalence_pct" in frame else pd.Series([None] * len(frame), index=frame.index)
    return pd.DataFrame({
        "Need": frame["item"],
        "Number": number.map(lambda v: narrative.number(v) if pd.notna(v) else ""),
        "Assumed prevalence": pct.map(lambda v: f"{v:g}%" if pd.notna(v) else ""),
        "In need": frame["in_need_rounded"].map(narrative.number),
        "Arithmetic": frame["arithmetic"],
    })


def scale_caption(plan: ScalePlan) -> str:
    if plan.kind == "local":
        return f"Scale of need, {plan.area.name}: {plan.whose}"
    if plan.kind == "county":
        return (f"Scale of need, {plan.area.name}: {plan.source.area_name}'s totals apportioned by "
                f"{plan.area.name}'s share of births ({plan.share * 100:.1f}%)")
    return f"Scale of need, {plan.area.name}: flat rates, {plan.whose}"


def county_caption(plan: ScalePlan) -> str:
    return (f"{plan.source.publisher}'s model for the whole of {plan.source.area_name} "
            f"({plan.source.area_name}'s figures, not {plan.area.name}'s)")


def scale_sentences(plan: ScalePlan) -> list[str]:
    """What the calculator used, whose inputs they are, and (flat rates) what would make it match the model."""
    src = plan.source
    out = []
    if plan.kind == "local":
        out.append(f"Inputs: {plan.whose} ({src.citation}), births {narrative.number(src.births)} "
                   f"({src.births_period}). {src.note}")
    elif plan.kind == "county":
        out.append(
            f"{src.publisher}'s model covers the whole of {src.area_name} ({narrative.number(src.births)} births in "
            f"{src.births_period}; {src.citation}): its inputs are county figures, not {plan.area.name}'s.")
        out.append(
            f"{plan.area.name}'s figures are {src.area_name}'s totals apportioned by births: "
            f"{narrative.number(plan.births)} babies a year in {plan.area.name} ({plan.births_note}) against "
            f"{narrative.number(plan.county_births)} in {src.area_name} on the same basis, a share of "
            f"{plan.share * 100:.1f}%. This assumes {plan.area.name} has {src.area_name}'s average mix of "
            f"referrals, poverty and care; with {plan.area.name}'s own inputs the model would be run for it "
            "directly.")
    else:
        out.append(f"Births: {narrative.number(plan.births)} a year, {plan.births_note}.")
        out.append(
            f"Prevalence: {plan.whose}, from {src.citation}; {plan.area.name} has no local inputs in this "
            "workbook, so the calculator applies them as flat rates to one year's births.")
        missing = plan.inputs.missing_local_inputs()
        out.append(f"To match {src.publisher}'s stratified model, {plan.area.name} would need its own figures "
                   f"for: {narrative.list_phrase(missing)} (a file like {src.area_name}'s in the workbook's "
                   f"parameters/{SCALE_OF_NEED_DIR} folder).")
    if plan.changed:
        out.append(f"The prevalence for {narrative.list_phrase(list(plan.changed))} was changed in the parameters "
                   f"from {src.publisher}'s published value.")
    return out


def sensitivity_table(plan: ScalePlan) -> pd.DataFrame:
    """The area's model rerun at 10%, 15%, 20% and 25% of (remaining) mothers."""
    frame = planning.sensitivity(plan.inputs, scale=plan.share)
    frame.insert(0, "area_code", plan.area.code)
    frame.insert(1, "area_name", plan.area.name)
    return frame


def sensitivity_view(frame: pd.DataFrame) -> pd.DataFrame:
    years = [c for c in frame.columns if c.startswith("parents_over_") and c.endswith("_rounded")][0]
    return pd.DataFrame({
        "Mothers' prevalence": frame.mothers_prevalence_pct.map(lambda v: f"{v:g}%"),
        "Mothers a year": frame.mothers_a_year_rounded.map(narrative.number),
        "Mothers and partners a year": frame.parents_a_year_rounded.map(narrative.number),
        "Mothers and partners over five years": frame[years].map(narrative.number),
    })


def sensitivity_caption(plan: ScalePlan) -> str:
    what = "remaining mothers" if plan.kind in ("local", "county") else "mothers"
    return (f"If the prevalence among {what} were 10%, 15%, 20% or 25%, {plan.area.name} (partners at "
            f"{plan.inputs.perinatal.other_partners_pct:g}%; every other input as above)")
