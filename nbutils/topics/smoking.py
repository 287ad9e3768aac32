"""Smoking topic: adult smoking (APS, single years and five-year averages with CIs), routine-and-manual smoking,
smoking at time of delivery (published for counties and unitaries only) and smoking at booking at the maternity
units nearest the area (NHS trusts: place of care, not residents) for an area against comparators.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import combined, narrative
from ..areas import Area, registry
from . import indicators, maternity_units

APS_SOURCE = "OHID Fingertips (ONS Annual Population Survey), OGL v3"
FIVE_YEAR_SOURCE = "ONS Adult smoking habits (APS), via ONS Explore local statistics, OGL v3"
BOOKING = "the share of mothers recorded as smokers at booking"
SATOD_SOURCE = "OHID Fingertips (NHS England SATOD): 2020 extract and FingertipsNext extract, OGL v3"


def adult_smoking(area: Area) -> pd.DataFrame:
    """Single-year adult smoking prevalence 2011-2024, with Fingertips' comparison with England."""
    return indicators.series("aps_adult_smoking", area, indicators.SINGLE_YEAR)


def five_year_smoking(area: Area) -> pd.DataFrame:
    """Five-year average cigarette smoking with 95% CIs, compared with England by stats.compare."""
    return indicators.series("ons_cigarette_smokers_5yr", area)


def routine_manual(area: Area) -> pd.DataFrame:
    """Routine-and-manual smoking, three-year pooled estimates (single years are too volatile for districts)."""
    return indicators.series("aps_routine_manual_smoking", area, indicators.POOLED_YEARS)


def satod_geography(area: Area) -> Area | None:
    """The area whose SATOD figure applies: the area itself if a county or unitary, else its county."""
    return registry().upper_tier(area)


def satod(area: Area) -> pd.DataFrame:
    """SATOD for the area's county or unitary (2018/19 only) and England (2018/19-2023/24), with comparisons."""
    frame = indicators.series("satod", area)
    where = satod_geography(area)
    keep = frame.role.eq("england") | (frame.area_code == (where.code if where else ""))
    return frame[keep & frame.value.notna()].reset_index(drop=True)


def at_booking(area: Area) -> pd.DataFrame:
    """Smoking at booking at the maternity units nearest the area (MSDS, place of care), their regions, England."""
    return maternity_units.nearest(area, "msds_smoking_at_booking")


def five_year_missing(area: Area, frame: pd.DataFrame) -> str:
    """Why the five-year chart is not drawn: the area's members are shown instead, or the file has no row."""
    return combined.shown_per_member(area, frame) or f"No row for {area.name} in the file held here."


def satod_missing(frame: pd.DataFrame) -> str | None:
    """Why no county or unitary smoking-at-delivery figure is shown for the area, or None when one is."""
    if (frame.role != "england").any():
        return None
    return ("No county or unitary figure for this area is in the data held here (the all-area extract was not "
            "available).")


def satod_trend_label(frame: pd.DataFrame) -> str:
    """England's recent trend in SATOD (chi-square test for trend on counts)."""
    return indicators.trend_label(frame, "satod", role="england")


@dataclass(frozen=True, kw_only=True, eq=False)  # eq=False: a DataFrame's == is cell by cell
class MessageInputs:
    """The tables the key messages are computed from, each as the function named beside it returns it."""

    adults: pd.DataFrame  #: :func:`adult_smoking`
    five_year: pd.DataFrame  #: :func:`five_year_smoking`
    manual: pd.DataFrame  #: :func:`routine_manual`
    delivery: pd.DataFrame  #: :func:`satod`
    delivery_trend: str  #: :func:`satod_trend_label` of ``delivery``
    booking: pd.DataFrame | None = None  #: :func:`at_booking`; None leaves its message out


def key_messages(area: Area, inputs: MessageInputs) -> list[str]:
    """Plain-English messages computed from the page's tables."""
    adults, five_year, manual, delivery = inputs.adults, inputs.five_year, inputs.manual, inputs.delivery
    delivery_trend, booking = inputs.delivery_trend, inputs.booking
    messages = []
    latest = indicators.latest(adults)
    if len(latest):
        here = latest[latest.role == "area"].iloc[0]
        messages.append(
            f"In {here.period}{narrative.old_flag(here.period)}, {narrative.pct(here.value)} of adults in {area.name} smoked "
            f"(England {narrative.pct(indicators.value_of(latest, 'england'))}): "
            f"{narrative.comparison_phrase(here.compared_with_england, here.comparison_method)}. Single-year local "
            "estimates rest on small samples.")
    five = indicators.latest(five_year)
    if len(five):
        here = five[five.role == "area"].iloc[0]
        messages.append(
            f"Averaged over {here.period}{narrative.old_flag(here.period)}, {narrative.pct(here.value)} of adults smoked cigarettes "
            f"(95% confidence interval {here.lower_ci95:.1f}% to {here.upper_ci95:.1f}%): "
            f"{narrative.comparison_phrase(here.compared_with_england, here.comparison_method)}.")
    pooled = indicators.latest(manual)
    if len(pooled):
        here = pooled[pooled.role == "area"].iloc[0]
        messages.append(
            f"Among adults in routine and manual jobs, {narrative.pct(here.value)} smoked in {here.period}{narrative.old_flag(here.period)} "
            f"(England {narrative.pct(indicators.value_of(pooled, 'england'))}): "
            f"{narrative.comparison_phrase(here.compared_with_england, here.comparison_method)}.")
    local = delivery[delivery.role != "england"]
    england = delivery[delivery.role == "england"].sort_values("period")
    if len(local):
        row = local.iloc[0]
        geography = "" if row.role == "area" else f" (published for {row.area_name} as a whole, not for districts)"
        messages.append(
            f"{narrative.pct(row.value)} of mothers in {row.area_name} smoked at the time of delivery in "
            f"{row.period}{narrative.old_flag(row.period)}{geography}: "
            f"{narrative.comparison_phrase(row.compared_with_england, row.comparison_method)}.")
    else:
        messages.append(f"No smoking-at-delivery figure for {area.name} is held in this build (see below).")
    if len(england):
        first, last = england.iloc[0], england.iloc[-1]
        messages.append(
            f"In England, smoking at delivery fell from {narrative.pct(first.value)} in {first.period} to "
            f"{narrative.pct(last.value)} in {last.period}{narrative.old_flag(last.period)} (recent trend: {delivery_trend.lower()}). Smoking in "
            "pregnancy raises infant mortality by about 40%.")
    if booking is not None:
        messages.append(maternity_units.sentence(area, booking, BOOKING)
                        + " Recorded at booking, not comparable with smoking at delivery.")
    return messages
