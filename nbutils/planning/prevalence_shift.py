"""Relative-risk prevalence shift: attributable fraction, rate factor and the narrowing of a relative gap.

Department of Health, Infant Mortality National Support Team, *Tackling health inequalities in infant and maternal
health outcomes*, 2010 (the modelling behind the national infant mortality target). See :mod:`nbutils.planning`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ._checks import _proportion, _rr

# Defaults stated in the 2010 report (relative risk of infant death).
RR_SMOKING_IN_PREGNANCY = 1.4
RR_TEENAGE_MOTHER = 1.6
REPORT_SOURCE = ("Department of Health, Tackling health inequalities in infant and maternal health outcomes "
                 "(Infant Mortality National Support Team), 2010")


def attributable_fraction(prevalence_pct: float, rr: float) -> float:
    """Population attributable fraction ``p(RR-1) / (1 + p(RR-1))`` (a proportion, 0-1)."""
    p, r = _proportion(prevalence_pct, "prevalence"), _rr(rr)
    return p * (r - 1) / (1 + p * (r - 1))


def rate_factor(current_pct: float, target_pct: float, rr: float) -> float:
    """Factor k by which a group's rate changes when prevalence moves: ``(1 + p1(RR-1)) / (1 + p0(RR-1))``."""
    p0, p1, r = _proportion(current_pct, "current prevalence"), _proportion(target_pct, "target prevalence"), _rr(rr)
    return (1 + p1 * (r - 1)) / (1 + p0 * (r - 1))


@dataclass(frozen=True)
class GapResult:
    """Result of :func:`gap_narrowing` (gaps in percent)."""

    gap_before: float
    gap_after: float
    rate_factor: float
    rm_rate_after: float  # relative to the all-births rate before (= 1)
    all_rate_after: float

    @property
    def narrowing_points(self) -> float:
        return self.gap_before - self.gap_after


def gap_narrowing(gap_pct: float, share_of_deaths_pct: float, current_pct: float, target_pct: float,
                  rr: float) -> GapResult:
    """How much the relative gap between a group and all births narrows (equation (2) of the module docstring).

    >>> round(gap_narrowing(19, 42, 23, 15, 1.4).narrowing_points, 2)   # the 2010 report's example: about 2
    2.05
    """
    k = rate_factor(current_pct, target_pct, rr)
    g, s = float(gap_pct) / 100, _proportion(share_of_deaths_pct, "share of deaths in the group")
    rm_after = (1 + g) * k
    all_after = 1 - s * (1 - k)
    return GapResult(gap_before=float(gap_pct), gap_after=(rm_after / all_after - 1) * 100, rate_factor=k,
                     rm_rate_after=rm_after, all_rate_after=all_after)


def deaths_per_year(rate_per_1000: float, births_per_year: float) -> float:
    """Infant deaths a year implied by a rate per 1,000 live births: ``rate x births / 1,000``."""
    return float(rate_per_1000) * float(births_per_year) / 1000


@dataclass(frozen=True)
class Scenario:
    """A district's modelled change for one risk factor (see :func:`district_scenario`)."""

    risk_factor: str
    current_pct: float
    target_pct: float
    rr: float
    rate_before: float
    rate_after: float
    births_per_year: float | None

    @property
    def factor(self) -> float:
        return self.rate_after / self.rate_before

    @property
    def rate_change(self) -> float:
        return self.rate_after - self.rate_before

    @property
    def deaths_before(self) -> float | None:
        return None if self.births_per_year is None else deaths_per_year(self.rate_before, self.births_per_year)

    @property
    def deaths_after(self) -> float | None:
        return None if self.births_per_year is None else deaths_per_year(self.rate_after, self.births_per_year)

    @property
    def deaths_avoided_per_year(self) -> float | None:
        if self.births_per_year is None:
            return None
        return self.deaths_before - self.deaths_after

    def arithmetic(self) -> str:
        """The calculation written out, for the page."""
        rr1 = self.rr - 1
        text = (f"k = (1 + {self.target_pct / 100:.3f} x {rr1:.2f}) / (1 + {self.current_pct / 100:.3f} x {rr1:.2f})"
                f" = {self.factor:.4f}; rate {self.rate_before:.2f} x {self.factor:.4f} = {self.rate_after:.2f} "
                "per 1,000 live births")
        if self.births_per_year is not None:
            text += (f"; deaths a year {self.rate_before:.2f} x {self.births_per_year:,.0f} / 1,000 = "
                     f"{self.deaths_before:.2f} before, {self.deaths_after:.2f} after")
        return text


def district_scenario(risk_factor: str, rate_per_1000: float, current_pct: float, target_pct: float, rr: float,
                      births_per_year: float | None = None) -> Scenario:
    """Modelled infant mortality rate (and deaths a year) if the prevalence of a risk factor moves as set."""
    if rate_per_1000 is None or math.isnan(float(rate_per_1000)) or float(rate_per_1000) < 0:
        raise ValueError(f"infant mortality rate must be a non-negative number, not {rate_per_1000!r}")
    k = rate_factor(current_pct, target_pct, rr)
    births = None if births_per_year is None or pd.isna(births_per_year) else float(births_per_year)
    return Scenario(risk_factor, float(current_pct), float(target_pct), float(rr), float(rate_per_1000),
                    float(rate_per_1000) * k, births)


def scenarios_table(scenarios: list[Scenario]) -> pd.DataFrame:
    """Tidy table of district scenarios (one row each)."""
    return pd.DataFrame([{
        "risk_factor": s.risk_factor, "current_prevalence_pct": s.current_pct, "target_prevalence_pct": s.target_pct,
        "relative_risk": s.rr, "attributable_fraction_now_pct": attributable_fraction(s.current_pct, s.rr) * 100,
        "rate_factor": s.factor, "imr_before_per_1000": s.rate_before, "imr_after_per_1000": s.rate_after,
        "imr_change_per_1000": s.rate_change, "births_per_year": s.births_per_year,
        "infant_deaths_per_year_before": s.deaths_before, "infant_deaths_per_year_after": s.deaths_after,
        "infant_deaths_avoided_per_year": s.deaths_avoided_per_year, "arithmetic": s.arithmetic(),
    } for s in scenarios])


def implied_prevalence(narrowing_points: float, gap_pct: float, share_of_deaths_pct: float, rr: float,
                       target_fraction: float = 0.5) -> float:
    """Baseline prevalence (%) at which cutting prevalence to ``target_fraction`` of itself narrows the gap by
    ``narrowing_points`` (bisection on :func:`gap_narrowing`). Used to read back an assumption a published figure
    implies when the publication does not state it.
    """
    lo, hi = 0.0, 100.0
    for _ in range(60):
        mid = (lo + hi) / 2
        got = gap_narrowing(gap_pct, share_of_deaths_pct, mid, mid * target_fraction, rr).narrowing_points
        lo, hi = (mid, hi) if got < narrowing_points else (lo, mid)
    return (lo + hi) / 2


def implied_relative_risk(narrowing_points: float, gap_pct: float, share_of_deaths_pct: float, current_pct: float,
                          target_pct: float) -> float:
    """Relative risk at which moving prevalence from ``current_pct`` to ``target_pct`` narrows the gap by
    ``narrowing_points`` (bisection on :func:`gap_narrowing`, RR between 1 and 20). Used to read back the
    relative risk a published figure implies when the publication does not state it.

    >>> round(implied_relative_risk(2.05, 19, 42, 23, 15), 2)   # the smoking example gives back RR 1.4
    1.4
    """
    lo, hi = 1.0, 20.0
    if gap_narrowing(gap_pct, share_of_deaths_pct, current_pct, target_pct, hi).narrowing_points < narrowing_points:
        raise ValueError(f"no relative risk up to {hi:g} narrows the gap by {narrowing_points:g} points")
    for _ in range(80):
        mid = (lo + hi) / 2
        got = gap_narrowing(gap_pct, share_of_deaths_pct, current_pct, target_pct, mid).narrowing_points
        lo, hi = (mid, hi) if got < narrowing_points else (lo, mid)
    return (lo + hi) / 2
