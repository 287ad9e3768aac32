"""The national report's seven levers: read back, checked, and applied to an area.

Department of Health, Infant Mortality National Support Team, *Tackling health inequalities in infant and maternal
health outcomes* (2010), section "Evidence based interventions that will help narrow the gap": the modelled
narrowing of the relative infant mortality gap between the routine-and-manual (R&M) group and all births, in
percentage points, for seven changes in the R&M group (2002-04 baseline, relative gap G = 19%, a share s = 42%
of infant deaths in the R&M group).

*Reading a published figure back.* The gap formula of :mod:`.prevalence_shift`,
``G' = (1 + G)k / (1 - s(1 - k)) - 1``, can be solved for the factor ``k`` by which a lever changes the R&M
group's infant mortality rate, given only the published narrowing ``c = G - G'``::

    k = (1 + G')(1 - s) / ((1 + G) - s(1 + G'))                                              (3)

so each published figure gives, without any further assumption, the fall in the R&M group's rate (``1 - k``) and
the fall in the all-births rate it implies nationally (``s(1 - k)``). The smoking example (2.05 points from RR 1.4,
23% -> 15%) gives back k = 0.9707, its own rate factor.

*Checking.* Where the report (or the material it draws on) states both the relative risk and the R&M prevalence
before and after, the prevalence-shift model reproduces the figure forward (:func:`lever_check`); where it states
one of them, the other is read back and shown as implied, never presented as published.

*An area.* A lever's national effect on all births, ``s(1 - k)``, is scaled by how common the risk factor is in
the area against England (``area / England``, first order in the attributable fraction, which is proportional to
prevalence when ``p(RR - 1)`` is small): ``f = s(1 - k) x area / England``. Deaths a year prevented are
``f x`` the area's infant deaths a year, with the interval of those deaths (Byar's or exact Poisson). Levers
overlap (the same babies are exposed to several), so they are combined multiplicatively,
``1 - prod(1 - f_i)``, never summed.

>>> round(narrowing_to_rate_factor(2.05, 19, 42), 4)
0.9707
>>> round(combined_fraction([0.1, 0.2]), 3)   # not 0.3
0.28
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ._checks import _proportion
from .prevalence_shift import gap_narrowing, implied_prevalence, implied_relative_risk


class NationalLever(BaseModel):
    """One lever as the report publishes it (a row of parameters/levers/national.yaml)."""

    model_config = ConfigDict(extra="forbid")

    key: str
    label: str
    change: str  # the change in the R&M group, in the report's words
    published_points: float = Field(gt=0)
    printed_decimals: int = Field(ge=0, le=2)
    source: str
    relative_risk: float | None = Field(None, gt=0)
    relative_risk_source: str = ""
    current_pct: float | None = Field(None, ge=0, le=100)  # prevalence in the R&M group before
    target_pct: float | None = Field(None, ge=0, le=100)  # and after
    target_fraction: float | None = Field(None, gt=0, le=1)  # "halved" = 0.5, when only a relative change is given
    not_given: str = ""  # which inputs the sources searched do not give, in words
    # The lever as applied to an area, when the area's measure is not the one the report modelled (its name in
    # an area's table: e.g. breastfeeding at 6-8 weeks standing in for initiation); empty = ``label``.
    area_label: str = ""


def narrowing_to_rate_factor(narrowing_points: float, gap_pct: float, share_of_deaths_pct: float) -> float:
    """The factor k on the R&M group's rate that narrows the relative gap by ``narrowing_points`` (equation (3))."""
    g, s = float(gap_pct) / 100, _proportion(share_of_deaths_pct, "share of deaths in the group")
    after = g - float(narrowing_points) / 100
    return (1 + after) * (1 - s) / ((1 + g) - s * (1 + after))


def national_fraction_prevented(narrowing_points: float, gap_pct: float, share_of_deaths_pct: float) -> float:
    """The fall in the all-births infant mortality rate a published narrowing implies, ``s(1 - k)`` (0-1).

    >>> round(national_fraction_prevented(2, 19, 42) * 100, 2)   # smoking: about 1.2% of all infant deaths
    1.2
    """
    s = _proportion(share_of_deaths_pct, "share of deaths in the group")
    return s * (1 - narrowing_to_rate_factor(narrowing_points, gap_pct, share_of_deaths_pct))


def lever_check(lever: NationalLever, gap_pct: float, share_of_deaths_pct: float) -> dict:
    """One row of the check table: the published figure, its reproduction (or the nearest), and why.

    ``status`` is 'reproduced' (every input published; the model gives the printed figure), 'relative risk
    implied' or 'prevalence implied' (one input published, the other read back), or 'not reproducible' (neither
    the relative risk nor the R&M prevalence is given in the sources searched).
    """
    row = {"lever": lever.label, "change": lever.change, "published_points": lever.published_points,
           "printed_decimals": lever.printed_decimals, "relative_risk": lever.relative_risk,
           "relative_risk_source": lever.relative_risk_source, "current_pct": lever.current_pct,
           "target_pct": lever.target_pct, "implied_relative_risk": np.nan, "implied_current_pct": np.nan,
           "modelled_points": np.nan, "rate_factor_read_back": narrowing_to_rate_factor(
               lever.published_points, gap_pct, share_of_deaths_pct),
           "all_births_fraction_prevented": national_fraction_prevented(
               lever.published_points, gap_pct, share_of_deaths_pct), "not_given": lever.not_given}
    has_shift = lever.current_pct is not None and lever.target_pct is not None
    if lever.relative_risk is not None and has_shift:
        modelled = gap_narrowing(gap_pct, share_of_deaths_pct, lever.current_pct, lever.target_pct,
                                 lever.relative_risk).narrowing_points
        reproduced = round(modelled, lever.printed_decimals) == round(lever.published_points, lever.printed_decimals)
        row.update(modelled_points=modelled, status="reproduced" if reproduced else "not reproduced")
    elif has_shift:
        rr = implied_relative_risk(lever.published_points, gap_pct, share_of_deaths_pct, lever.current_pct,
                                   lever.target_pct)
        row.update(implied_relative_risk=rr, modelled_points=gap_narrowing(
            gap_pct, share_of_deaths_pct, lever.current_pct, lever.target_pct, rr).narrowing_points,
            status="relative risk implied")
    elif lever.relative_risk is not None and lever.target_fraction is not None:
        p0 = implied_prevalence(lever.published_points, gap_pct, share_of_deaths_pct, lever.relative_risk,
                                lever.target_fraction)
        row.update(implied_current_pct=p0, modelled_points=gap_narrowing(
            gap_pct, share_of_deaths_pct, p0, p0 * lever.target_fraction, lever.relative_risk).narrowing_points,
            status="prevalence implied")
    else:
        row["status"] = "not reproducible"
    return row


def combined_fraction(fractions) -> float:
    """Levers that overlap combined as ``1 - prod(1 - f_i)`` (each acting on the deaths the others leave)."""
    values = [float(f) for f in fractions if f is not None and not np.isnan(f)]
    return float(1 - np.prod([1 - f for f in values])) if values else float("nan")


def combined_narrowing(rate_factors, gap_pct: float, share_of_deaths_pct: float) -> float:
    """The narrowing (points) of every lever together without double counting: the R&M rate x prod(k_i).

    >>> round(combined_narrowing([0.9707], 19, 42), 2)   # one lever: its own narrowing back
    2.05
    """
    k = float(np.prod(list(rate_factors)))
    g, s = float(gap_pct) / 100, _proportion(share_of_deaths_pct, "share of deaths in the group")
    return (g - ((1 + g) * k / (1 - s * (1 - k)) - 1)) * 100


@dataclass(frozen=True)
class LeverInput:
    """An area's figure for one lever's risk factor, with England's for the same period."""

    value: float | None  # as published (a percentage or a rate)
    england: float | None
    exposure_is_complement: bool = False  # the risk is the absence of the measure (not breastfed = 100 - value)

    def exposure_ratio(self) -> float | None:
        """How common the risk factor is in the area against England (1 = the same); None if not computable."""
        if self.value is None or self.england is None or np.isnan(self.value) or np.isnan(self.england):
            return None
        area, england = ((100 - self.value, 100 - self.england) if self.exposure_is_complement
                         else (self.value, self.england))
        return area / england if england > 0 else None


@dataclass(frozen=True)
class LeverResult:
    """One lever applied to an area (see :func:`local_lever`)."""

    national_fraction: float
    exposure_ratio: float | None
    fraction: float | None  # of the area's infant deaths a year
    deaths: float | None
    deaths_lower: float | None
    deaths_upper: float | None


def local_lever(national_fraction: float, lever_input: LeverInput, deaths_a_year: float | None,
                deaths_lower: float | None = None, deaths_upper: float | None = None) -> LeverResult:
    """The lever's national effect scaled by the area's exposure, as deaths a year prevented with an interval.

    >>> r = local_lever(0.012, LeverInput(13.8, 10.6), 10.0, 6.0, 15.0)
    >>> round(r.fraction, 4), round(r.deaths, 3), round(r.deaths_upper, 3)
    (0.0156, 0.156, 0.234)
    """
    ratio = lever_input.exposure_ratio()
    if ratio is None:
        return LeverResult(national_fraction, None, None, None, None, None)
    fraction = national_fraction * ratio

    def times(v):
        return None if v is None else fraction * float(v)

    return LeverResult(national_fraction, ratio, fraction, times(deaths_a_year), times(deaths_lower),
                       times(deaths_upper))


@dataclass(frozen=True)
class CombinedEffect:
    """Every lever together for an area (``1 - prod(1 - f_i)`` of its deaths a year)."""

    fraction: float
    deaths: float | None
    deaths_lower: float | None
    deaths_upper: float | None
    levers_included: int
