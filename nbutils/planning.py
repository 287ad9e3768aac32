"""Planning calculators: pure arithmetic, no data access. Planning models, not forecasts.

Two models are implemented, each with the formula and its published source:

1. **"What would it take": relative-risk prevalence shift** (Department of Health, Infant Mortality National
   Support Team, *Tackling health inequalities in infant and maternal health outcomes*, 2010, which summarises the
   modelling behind the national infant mortality target).

   A risk factor with prevalence ``p`` (a proportion) and relative risk ``RR`` (the infant death rate of exposed
   births divided by that of unexposed births) multiplies a group's infant mortality rate by
   ``1 + p(RR - 1)`` compared with a group in which nobody is exposed. The population attributable fraction is

   ``PAF = p(RR - 1) / (1 + p(RR - 1))``.

   If prevalence moves from ``p0`` to ``p1`` and nothing else changes, the group's rate is multiplied by

   ``k = (1 + p1(RR - 1)) / (1 + p0(RR - 1))``.                                               (1)

   *Narrowing the gap.* The report measures the gap between the routine-and-manual (R&M) group and all births as
   a relative gap ``G = (r_RM - r_all) / r_all``. Scale rates so that ``r_all = 1``; then ``r_RM = 1 + G``. If
   a share ``s`` of all infant deaths occur in the R&M group and the intervention changes only that group's
   rate by the factor ``k`` of (1), R&M deaths fall by ``s(1 - k)`` of all deaths, so

   ``r_all' = 1 - s(1 - k)``,   ``r_RM' = (1 + G)k``,   ``G' = r_RM' / r_all' - 1``,          (2)

   and the gap narrows by ``G - G'`` (in percentage points when G is a percentage).

   The report's own example (2002-04 baseline): G = 19%, s = 42%, RR = 1.4, smoking in pregnancy in the R&M group
   falling from 23% to 15%. Then k = (1 + 0.15 x 0.4) / (1 + 0.23 x 0.4) = 1.060 / 1.092 = 0.97070;
   r_RM' = 1.19 x 0.97070 = 1.15513; r_all' = 1 - 0.42 x 0.02930 = 0.98769; G' = 1.15513 / 0.98769 - 1 = 16.95%;
   the gap narrows by 19 - 16.95 = 2.05, "about two percentage points" as published. (Ignoring the fall in the
   all-births rate, i.e. using G' = r_RM' - 1, would give 3.5 points and not reproduce the report.)

   *For a district*, the same factor (1) is applied to the district's whole infant mortality rate, with the
   district's prevalence of the risk factor among its births: the modelled rate is ``rate x k`` and the deaths a
   year it implies are ``rate x births / 1,000``. Relative risks the report states: smoking in pregnancy 1.4
   (infant mortality about 40% higher), mother aged under 20 1.6 (about 60% higher than mothers aged 20-39).

2. **Scale of need: births x prevalence** (Kent County Council perinatal mental health strategy, 2024; Coventry's
   strategy uses the same method with 10-20% of about 4,500 births a year): annual number = births x
   prevalence; five-year total = annual number x 5. Kent's assumptions: about 20% of mothers have perinatal mental
   health difficulties; 17.5% of partners; parent-infant relationship support for about 10% of children aged 0-2.

The models assume the relative risks apply unchanged to the local population, that the risk factor is causal and
its effect is fully reversible, and that nothing else changes. They indicate scale, not a prediction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

# Defaults stated in the 2010 report (relative risk of infant death).
RR_SMOKING_IN_PREGNANCY = 1.4
RR_TEENAGE_MOTHER = 1.6
REPORT_SOURCE = ("Department of Health, Tackling health inequalities in infant and maternal health outcomes "
                 "(Infant Mortality National Support Team), 2010")
KENT_PMH_SOURCE = "Kent County Council, perinatal mental health strategy (committee papers, July 2024)"


def _proportion(pct: float, name: str) -> float:
    if pct is None or not (0 <= float(pct) <= 100):
        raise ValueError(f"{name} must be a percentage between 0 and 100, not {pct!r}")
    return float(pct) / 100


def _rr(rr: float) -> float:
    if rr is None or float(rr) <= 0:
        raise ValueError(f"relative risk must be positive, not {rr!r}")
    return float(rr)


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


# ------------------------------------------------------------------------------------------------ scale of need


def round_sensibly(value: float) -> float:
    """Round a number of people for planning: under 100 to the nearest 5, under 1,000 to 10, else to 50."""
    if value is None or pd.isna(value):
        return float("nan")
    step = 5 if value < 100 else 10 if value < 1000 else 50
    return float(round(value / step) * step)


@dataclass(frozen=True)
class NeedAssumption:
    """One line of the scale-of-need calculator."""

    need: str
    base: str  # 'births' or 'children_0_2'
    prevalence_pct: float
    source: str


def perinatal_need(births: float, assumptions: list[NeedAssumption], children_0_2: float | None = None,
                   years: int = 5) -> pd.DataFrame:
    """Births (or children aged 0-2) x prevalence, a year and over ``years`` years, with the arithmetic shown.

    >>> float(perinatal_need(4500, [NeedAssumption("Mothers", "births", 20, "Coventry")]).annual_rounded.iloc[0])
    900.0
    """
    if births is None or pd.isna(births) or float(births) <= 0:
        raise ValueError("births must be a positive number (set the births parameter)")
    rows = []
    for a in assumptions:
        p = _proportion(a.prevalence_pct, f"prevalence for {a.need}")
        if a.base == "births":
            base, base_label = float(births), "births a year"
            annual = base * p
            total = annual * years
            sums = (f"{base:,.0f} {base_label} x {a.prevalence_pct:g}% = {annual:,.1f} a year; "
                    f"x {years} years = {total:,.1f}")
        elif a.base == "children_0_2":
            if children_0_2 is None or pd.isna(children_0_2):
                raise ValueError("children aged 0-2 are needed for a 'children_0_2' assumption")
            base, base_label = float(children_0_2), "children aged 0-2"
            annual = base * p
            total = float("nan")  # a standing number of children, not a yearly flow
            sums = f"{base:,.0f} {base_label} x {a.prevalence_pct:g}% = {annual:,.1f} at any one time"
        else:
            raise ValueError(f"unknown base {a.base!r}: use 'births' or 'children_0_2'")
        rows.append({"need": a.need, "base": base_label, "base_number": base, "prevalence_pct": a.prevalence_pct,
                     "annual": annual, "annual_rounded": round_sensibly(annual), "years": years,
                     f"total_{years}_years": total, f"total_{years}_years_rounded": round_sensibly(total),
                     "arithmetic": sums, "assumption_source": a.source})
    return pd.DataFrame(rows)
