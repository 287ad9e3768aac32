"""SUDI topic: infant mortality, the balanced scorecard of its risk factors, where risk concentrates inside the
district. The page's "what would it take" is the SUDI rows of the overview's seven-lever model
(:func:`nbutils.sections.sudi_levers`), not a model of its own.

Sources: ONS Health Index underlying data (infant mortality 2013-15 to 2019-21, term low birth weight, under-18
conceptions; no England row, no counts), the Fingertips February 2020 extract (infant mortality 2016-18 with
deaths, births and 95% confidence intervals for 35 upper-tier and 107 lower-tier areas), ONS mid-year estimates
(residents aged under 1 as an approximation of annual births), Census 2021 and IoD2025 (small areas).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import catalog, disclosure, narrative, query, stats
from ..areas import Area
from . import indicators, levels, overview, places
# The funnel plot and the Health Index series live in their own modules; their functions stay reachable as
# sudi.funnel, sudi.infant_mortality_series etc. for the notebook.
from .funnel import (CAUTION, FEW_DEATHS, _suppressed, extract_coverage, funnel, funnel_sentence,  # noqa: F401
                     funnel_tidy, funnel_view)
from .infant_mortality import InfantMortalitySeries, infant_mortality_series  # noqa: F401

SINGLE_YEAR_SOURCE = "ONS child mortality statistics via the DfE Local Authority Interactive Tool, OGL v3"
SINGLE_YEAR = "Infant mortality in a single year"
HI_SOURCE = "ONS Health Index for England underlying data (OHID Fingertips 92196), OGL v3"
FINGERTIPS_SOURCE = "PHE Fingertips extract of February 2020 (ONS births and deaths), OGL v3"
SMALL_AREA_SOURCE = "ONS Census 2021 (TS052) and MHCLG English Indices of Deprivation 2025, OGL v3"
#: Decimals the Health Index infant mortality rate is shown at (the catalogue's: no more than the source's).
RATE_DECIMALS = catalog.indicator("ons_hi_infant_mortality").decimals
FT_DECIMALS = catalog.indicator("fingertips_infant_mortality").decimals

RISK_FACTORS = [
    # County figures stand in, named as the county's, where a district's own value is not published (LAIT years).
    overview.Headline("fingertips_low_birth_weight_term", "Low birth weight of term babies (with confidence interval)", "sudi", "%",
                      decimals=2, county_fallback=True),
    overview.Headline("ons_hi_low_birth_weight", "Low birth weight of term babies (Health Index series)", "sudi", "%", decimals=2),
    overview.Headline("fingertips_under18_conceptions", "Under-18 conceptions (with confidence interval)", "sudi",
                      "per 1,000 women 15-17", county_fallback=True),
    overview.Headline("ons_hi_teenage_pregnancy", "Under-18 conceptions (Health Index series)", "sudi", "per 1,000 women 15-17"),
    *[h for h in overview.HEADLINES if h.indicator_id in (
        "aps_adult_smoking", "aps_routine_manual_smoking", "satod", "dwp_children_relative_low_income",
        "census_overcrowded_households", "imd2025_lsoas_most_deprived_20pct", "breastfeeding_initiation")],
    overview.Headline("breastfeeding_6_8_weeks", "Breastfeeding at 6 to 8 weeks", "nutrition", "%", county_fallback=True),
]

# ------------------------------------------------------------------------------------------------ infant mortality


def sibling_latest(area: Area, siblings: pd.DataFrame, here: pd.DataFrame) -> pd.DataFrame:
    """The area and its siblings in the latest period, ranked (1 = highest rate)."""
    if here.value.notna().sum() == 0:
        return here.iloc[0:0]
    period = here.period[here.value.notna()].max()
    rows = pd.concat([here[here.period == period][["area_code", "area_name", "period", "value"]],
                      siblings[siblings.period == period][["area_code", "area_name", "period", "value"]]],
                     ignore_index=True)
    rows = rows[rows.value.notna()]
    rows["rank_highest_first"] = rows.value.rank(ascending=False, method="min")
    rows["is_area"] = rows.area_code == area.code
    return rows.sort_values("value", ascending=False).reset_index(drop=True)


def single_years(area: Area) -> pd.DataFrame:
    """Single calendar years of infant mortality (LAIT, upper tier): the area if a county or unitary, else its
    county (rows named 'Kent (county)'), with the region and England."""
    return levels.series("infant_mortality_single_year", area)


def districts_latest(siblings: pd.DataFrame) -> pd.DataFrame:
    """A county's districts in the latest Health Index period, ranked (1 = highest rate); empty if none."""
    if siblings.value.notna().sum() == 0:
        return siblings.iloc[0:0]
    period = siblings.period[siblings.value.notna()].max()
    rows = siblings[(siblings.period == period) & siblings.value.notna()].copy()
    rows["rank_highest_first"] = rows.value.rank(ascending=False, method="min")
    rows["is_area"] = False
    return rows.sort_values("value", ascending=False).reset_index(drop=True)


def infant_mortality_2016_18(area: Area) -> pd.DataFrame:
    """Fingertips 2016-18: deaths, births, rate, 95% CI and comparison with England for the area and comparators.

    Deaths under 20 carry the ONS caution; disclosure (counts 1-2 suppressed) is applied when the table is shown.
    """
    frame = indicators.series("fingertips_infant_mortality", area)
    frame = frame.rename(columns={"count": "infant_deaths", "denominator": "live_births"})
    frame["caution"] = np.where(frame.infant_deaths < FEW_DEATHS, CAUTION, "")
    # The disclosure module looks for a 'count' column.
    return frame.rename(columns={"infant_deaths": "count"})


def shown_2016_18(frame: pd.DataFrame) -> pd.DataFrame:
    """The 2016-18 rows a table shows: published ones and withheld ones (as ``[c]`` rows, never dropped)."""
    return frame[frame.value.notna() | _suppressed(frame)]


def infant_mortality_view(frame: pd.DataFrame) -> pd.DataFrame:
    safe = disclosure.apply(frame, "ons_vital")
    # Withheld by the store (the [c] note) or here: either way the reader sees [c], never "not available".
    withheld = (safe.suppressed | _suppressed(safe)).to_numpy()

    def num(v, d=0):
        return f"{v:,.{d}f}" if pd.notna(v) else None

    view = pd.DataFrame({
        "Area": safe.area_name,
        "Period": safe.period.map(narrative.period_label),
        "Infant deaths": safe["count"].astype("Int64"),
        "Live births": safe.live_births.map(lambda v: num(v) or "[x]"),
        "Rate per 1,000": safe.value,
        "95% confidence interval": [f"{lo:.{FT_DECIMALS}f} to {hi:.{FT_DECIMALS}f}" if pd.notna(lo) else
                                    (disclosure.SUPPRESSED if w else disclosure.NOT_AVAILABLE)
                                    for lo, hi, w in zip(safe.lower_ci95, safe.upper_ci95, withheld)],
        "Compared with England": np.where(withheld, disclosure.SUPPRESSED,
                                          safe.compared_with_england.replace({"Benchmark": "(benchmark)"})),
        "Note": safe.caution,
        "suppressed": withheld,
    })
    view["Rate per 1,000"] = view["Rate per 1,000"].round(FT_DECIMALS)
    # '[c]' where suppressed, '[x]' where not available, rendered here so the bookkeeping column is not shown.
    return disclosure.for_output(view).drop(columns="suppressed")


# ------------------------------------------------------------------------------------------------ where risk lies


def small_area_risk(area: Area) -> pd.DataFrame:
    """Per MSOA: share of its LSOAs in England's most deprived 20% (IoD2025) and share of households overcrowded."""
    imd = query.small_areas("imd2025_lsoas_most_deprived_20pct", area)
    imd = imd[imd.category == "Index of Multiple Deprivation"][["area_code", "area_name", "count", "denominator",
                                                                "value"]]
    imd = imd.rename(columns={"count": "lsoas_most_deprived_20pct", "denominator": "lsoas",
                              "value": "lsoas_most_deprived_20pct_share"})
    crowd = query.small_areas("census_overcrowded_households", area)[["area_code", "count", "denominator", "value"]]
    crowd = crowd.rename(columns={"count": "overcrowded_households", "denominator": "households",
                                  "value": "overcrowded_pct"})
    out = imd.merge(crowd, on="area_code", how="outer")
    out["period"] = "IoD2025; Census 2021"
    out = places.named_msoas(out)
    return out.sort_values(["lsoas_most_deprived_20pct_share", "overcrowded_pct"], ascending=False).reset_index(
        drop=True)


def deprived_share(area: Area) -> pd.DataFrame:
    """Share of LSOAs in England's most deprived 20% (IMD 2025) for the area and comparators."""
    frame = query.with_comparators("imd2025_lsoas_most_deprived_20pct", area)
    frame = frame[frame.category == "Index of Multiple Deprivation"]
    return frame.rename(columns={"count": "lsoas_most_deprived_20pct", "denominator": "lsoas",
                                 "value": "share_pct"})[
        ["area_code", "area_name", "role", "period", "lsoas_most_deprived_20pct", "lsoas", "share_pct"]]


def small_area_shapes(profile: pd.DataFrame, area: Area):
    shapes, boundary = places.msoa_shapes(profile, area)
    shapes["deprived_text"] = [
        f"{narrative.pct(s, 0)} ({int(c)} of {int(n)} LSOAs)" if pd.notna(s) else "not available"
        for s, c, n in zip(shapes.lsoas_most_deprived_20pct_share, shapes.lsoas_most_deprived_20pct, shapes.lsoas)]
    shapes["overcrowded_text"] = shapes.overcrowded_pct.map(narrative.pct)
    return shapes, boundary


def small_area_view(profile: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "MSOA": profile.area_name,
        "LSOAs in England's most deprived 20%": [f"{int(c)} of {int(n)}" if pd.notna(n) else "[x]"
                                                 for c, n in zip(profile.lsoas_most_deprived_20pct, profile.lsoas)],
        "Share": profile.lsoas_most_deprived_20pct_share.map(lambda v: narrative.pct(v, 0)),
        "Overcrowded households": profile.overcrowded_pct.map(narrative.pct),
    })


# ------------------------------------------------------------------------------------------------ key messages


@dataclass(frozen=True, kw_only=True, eq=False)  # eq=False: a DataFrame's == is cell by cell
class MessageInputs:
    """The tables the key messages are computed from, each as the function named beside it returns it."""

    series: InfantMortalitySeries  #: :func:`infant_mortality_series`
    infant_mortality_2016_18: pd.DataFrame  #: :func:`infant_mortality_2016_18`
    risk_card: pd.DataFrame  #: :func:`nbutils.topics.overview.scorecard` of :data:`RISK_FACTORS`
    deprived: pd.DataFrame  #: :func:`deprived_share`
    single: pd.DataFrame | None = None  #: :func:`single_years`; None leaves the single-year message out


def key_messages(area: Area, inputs: MessageInputs) -> list[str]:
    """Plain-English messages computed from the page's tables."""
    here, siblings, dropped = inputs.series.here, inputs.series.siblings, inputs.series.dropped
    fingertips, card, deprived, single = inputs.infant_mortality_2016_18, inputs.risk_card, inputs.deprived, inputs.single
    messages = []
    if single is not None:
        own = single[single.role == "area"]
        if len(own) and own.value.isna().all() and _suppressed(own).any():
            # Withheld is not "not published": say which it is.
            messages.append(f"{SINGLE_YEAR} is withheld (disclosure control: a small number of deaths) or not "
                            f"published for {area.name} in every year held.")
        else:
            later = indicators.withheld_after(single, "area")
            messages.append(levels.latest_sentence(area, single, SINGLE_YEAR, "per 1,000 live births")
                            + (f" Later years ({narrative.list_phrase(later)}) are withheld (disclosure control)."
                               if later else "")
                            + " A single year rests on few deaths, so year-to-year changes are mostly chance.")
    if area.shows_parts and siblings is not None and len(siblings):
        latest = districts_latest(siblings)
        top, bottom = latest.iloc[0], latest.dropna(subset=["value"]).iloc[-1]
        messages.append(
            f"The three-year Health Index series is published for districts and unitaries, not for {area.name} as a "
            f"whole: in {top.period}{narrative.old_flag(top.period)} {area.name}'s {area.parts_name} ranged from "
            f"{bottom.value:.{RATE_DECIMALS}f} "
            f"({bottom.area_name}) to {top.value:.{RATE_DECIMALS}f} ({top.area_name}) per 1,000 live births.")
    elif here.value.notna().any():
        published = here[here.value.notna()].sort_values("period")
        latest, first = published.iloc[-1], published.iloc[0]
        places = RATE_DECIMALS
        later = indicators.withheld_after(here.assign(role="area"))
        # The last published period is not "now" when later ones are withheld: say so before quoting it.
        lead = (f"Infant mortality in {area.name} is withheld for {narrative.list_phrase(later)} (disclosure "
                f"control: a small number of deaths); the latest published figure is {latest.value:.{places}f} "
                f"per 1,000 live births in {latest.period}" if later else
                f"Infant mortality in {area.name} was {latest.value:.{places}f} per 1,000 live births in "
                f"{latest.period}")
        messages.append(
            f"{lead}{narrative.old_flag(latest.period)}, against {first.value:.{places}f} in {first.period}; "
            f"in {latest.period} that was {latest.position_among_districts} (median {latest['median']:.2f}). No "
            "counts or intervals are published with this series, so the change is not tested; a district's rate "
            "rests on few deaths.")
    elif len(here):
        messages.append(f"Every period of the Health Index infant mortality series is withheld for {area.name} "
                        "(disclosure control: a small number of deaths).")
    else:
        messages.append(f"The Health Index infant mortality series has no figure for {area.name}"
                        + (" (formed in April 2023; rates for the former districts cannot be added up)."
                           if indicators.is_merged_2023(area) else "."))
    own = fingertips[(fingertips.role == "area") & fingertips.value.notna()]
    county = fingertips[(fingertips.role == "county") & fingertips.value.notna()]
    withheld = fingertips[(fingertips.role == "area") & _suppressed(fingertips)]
    if len(withheld):
        messages.append(
            f"In 2016-18{narrative.old_flag('2016-18')} {area.name}'s count, rate and comparison with England are "
            "withheld (disclosure control: a small count, or a figure from which one could be worked out).")
    elif len(own):
        r = own.iloc[0]
        caution = f" The rate rests on fewer than {FEW_DEATHS} deaths: treat with caution." if r["count"] < FEW_DEATHS else ""
        messages.append(
            f"In 2016-18{narrative.old_flag('2016-18')} the rate was {r.value:.{FT_DECIMALS}f} (95% confidence interval "
            f"{r.lower_ci95:.{FT_DECIMALS}f} to {r.upper_ci95:.{FT_DECIMALS}f}) against England's "
            f"{indicators.value_of(fingertips, 'england'):.{FT_DECIMALS}f}: "
            f"{narrative.comparison_phrase(r.compared_with_england, r.comparison_method)}.{caution}")
    elif len(county):
        r = county.iloc[0]
        messages.append(
            f"Deaths and intervals for 2016-18{narrative.old_flag('2016-18')} are published for {r.area_name} ({r.value:.{FT_DECIMALS}f} per 1,000: "
            f"{narrative.comparison_phrase(r.compared_with_england, r.comparison_method)}), but not for "
            f"{area.name} in the extract held here (it covers {extract_coverage()}).")
    kinds = card.compared_with_england.map(stats.comparison_kind)
    worse = card[kinds == "worse"]
    if len(worse):
        messages.append("Risk factors significantly worse than England: "
                        + narrative.list_more([_risk_phrase(r) for r in worse.itertuples()], overview.MESSAGE_LIST_LIMIT,
                                              "see the risk factor table") + ".")
    d = deprived[deprived.role == "area"]
    e = deprived[deprived.role == "england"]
    if len(d) and pd.notna(d.share_pct.iloc[0]):
        messages.append(
            f"{int(d.lsoas_most_deprived_20pct.iloc[0])} of {area.name}'s {int(d.lsoas.iloc[0])} neighbourhoods "
            f"(LSOAs, {narrative.pct(d.share_pct.iloc[0])}) are among England's most deprived 20% (IoD2025; "
            f"England {narrative.pct(e.share_pct.iloc[0]) if len(e) else '20%'}); the maps show where.")
    if dropped:
        messages.append(f"{narrative.list_phrase(dropped)} repeat the previous period (carried forward by ONS) and "
                        "are left out of the trend.")
    return messages


# ------------------------------------------------------------------------------------------------ page helpers


def missing_2016_18(area: Area, frame: pd.DataFrame) -> str | None:
    """Why the area has no 2016-18 rate with counts: withheld (disclosure control) or not in the extract; None
    when it has one."""
    if frame.loc[frame.role == "area", "value"].notna().any():
        return None
    if (_suppressed(frame) & (frame.role == "area")).any():
        return (f"{area.name}'s 2016-18 deaths, rate and interval are withheld (disclosure control: a small count, "
                "or a figure from which one could be worked out); its county or England is shown where published.")
    if area.is_county:
        return f"The extract held here has no 2016-18 row for {area.name}; England is shown."
    return (f"The extract held here covers {extract_coverage()} and does not include this one; "
            + ("its county and " if area.upper_tier_code and not area.is_unitary else "")
            + "England are shown where published.")


def dropped_note(dropped: list[str]) -> str | None:
    """The note naming periods left out of the trend (ONS carried them forward), or None when none were."""
    if not dropped:
        return None
    return f"Left out of the trend: {', '.join(dropped)}, carried forward by ONS from the previous period (not new data)."


def missing_reason(area: Area) -> str:
    if area.is_combined:
        return (f"The ONS Health Index publishes this series as rates for districts and unitary authorities, without "
                f"the counts that would give {area.name} as a whole (a rate is never averaged); its "
                f"{area.parts_name} are ranked below.")
    if area.is_county:
        return (f"The ONS Health Index publishes this series for districts and unitary authorities, not counties; "
                f"{area.name}'s districts are ranked below, and its own single-year rates follow.")
    if indicators.is_merged_2023(area):
        return ("The area was formed in April 2023; the source publishes rates for the former districts only, and "
                "rates cannot be added up.")
    return "The source held here has no row for this area."


def series_view(here: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Period": here.period.map(narrative.period_label),
        "Rate per 1,000 live births": [f"{v:.{RATE_DECIMALS}f}" if pd.notna(v) else
                                       (disclosure.SUPPRESSED if w else disclosure.NOT_AVAILABLE)
                                       for v, w in zip(here.value, _suppressed(here))],
        "Median of English districts": here["median"].map(lambda v: f"{v:.2f}" if pd.notna(v) else "[x]"),
        "Middle half of districts": [f"{a:.2f} to {b:.2f}" if pd.notna(a) else "[x]" for a, b in zip(here.q1, here.q3)],
        "Position": here.position_among_districts,
    })


TIDY_2016_18 = ["indicator_id", "area_code", "area_name", "role", "period", "count", "live_births", "value",
                "lower_ci95", "upper_ci95", "compared_with_england", "comparison_method", "caution", "value_note",
                "source"]


def tidy_2016_18(frame: pd.DataFrame) -> pd.DataFrame:
    """Export columns (``count`` = infant deaths; disclosure is applied on export)."""
    return frame[TIDY_2016_18].reset_index(drop=True)


def _risk_phrase(row) -> str:
    """'smoking at time of delivery (Kent, 2018/19; old figure, period ended March 2019)' for key messages."""
    where = "" if row.value_geography == row.area_name else f"{row.value_geography}, "
    name = re.sub(r"\s*\([^)]*\)$", "", row.indicator)  # the period below says which source it is
    return f"{overview._lower_first(name)} ({where}{row.period}{narrative.old_clause(row.period)})"


def deprived_view(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Area": frame.area_name,
        "LSOAs in England's most deprived 20%": frame.lsoas_most_deprived_20pct.map(narrative.number),
        "LSOAs": frame.lsoas.map(narrative.number),
        "Share": frame.share_pct.map(narrative.pct),
    })
