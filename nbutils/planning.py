# Long module: two published models (Kent's stratified one and the flat rate) with their worked rounding.
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

2. **Scale of need: Kent County Council's stratified annual model** (Perinatal Mental Health and Parent-Infant
   Relationships strategy, Appendices 1 and 2, committee papers of 2 July 2024), see :func:`scale_of_need`:

   - mothers: referrals to the specialist perinatal mental health service that were rejected, at 100%, plus 20%
     of the remaining mothers (births - referred + rejected, as the paper defines them);
   - partners: 25% of the partners of referred mothers plus 17.5% of the other partners (births - referred);
   - parent-infant relationships: children in poverty at 20%, children in care at 90%, CAMHS referrals aged 0-5
     at 100%, and 10% of the rest of one year's births;
   - five-year totals = the annual figure x 5.

   Where an area has none of the local inputs, the same model reduces to flat rates (births x 20% mothers,
   x 17.5% partners, x 10% babies), see :func:`flat_rate_inputs`. Coventry's strategy uses 10-20% of about
   4,500 births a year. :func:`perinatal_need` keeps the general births (or children) x prevalence calculator.

The models assume the relative risks apply unchanged to the local population, that the risk factor is causal and
its effect is fully reversible, and that nothing else changes. They indicate scale, not a prediction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

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


# ------------------------------------------------------------------------------------------------ Kent's stratified model


class PerinatalInputs(BaseModel):
    """Mothers and partners (Appendix 2 of Kent's strategy). ``None`` means the local figure is not held."""

    model_config = ConfigDict(extra="forbid")

    referred: float | None = Field(None, ge=0)  # mothers referred to the specialist perinatal mental health service
    rejected: float | None = Field(None, ge=0)  # of which referrals rejected
    rejected_pct: float = Field(100, ge=0, le=100)
    remaining_mothers_pct: float = Field(20, ge=0, le=100)
    referred_partners_pct: float = Field(25, ge=0, le=100)
    other_partners_pct: float = Field(17.5, ge=0, le=100)

    @model_validator(mode="after")
    def _rejected_within_referred(self):
        if self.rejected is not None and self.referred is not None and self.rejected > self.referred:
            raise ValueError(f"rejected referrals ({self.rejected:g}) cannot exceed referrals ({self.referred:g})")
        if self.rejected is not None and self.referred is None:
            raise ValueError("rejected referrals are given without the number referred: give both")
        return self


class ParentInfantInputs(BaseModel):
    """Parent-infant relationships (Appendix 1 of Kent's strategy). ``None`` means the local figure is not held."""

    model_config = ConfigDict(extra="forbid")

    poverty_share_of_births_pct: float | None = Field(None, ge=0, le=100)
    poverty_pct: float = Field(20, ge=0, le=100)
    care_share_of_births_pct: float | None = Field(None, ge=0, le=100)
    care_pct: float = Field(90, ge=0, le=100)
    camhs_referrals_0_5: float | None = Field(None, ge=0)
    camhs_pct: float = Field(100, ge=0, le=100)
    remaining_pct: float = Field(10, ge=0, le=100)


class ScaleOfNeedInputs(BaseModel):
    """Every input of the stratified model, with who published them (a parameters/scale-of-need/*.yaml file)."""

    model_config = ConfigDict(extra="forbid")

    births: float = Field(gt=0)
    births_period: str = ""
    years: int = Field(5, ge=1)
    perinatal: PerinatalInputs = PerinatalInputs()
    parent_infant: ParentInfantInputs = ParentInfantInputs()
    area_code: str = ""
    area_name: str = ""
    publisher: str = ""
    paper: str = ""
    date: str = ""
    citation: str = ""
    licence: str = ""
    note: str = ""
    neighbouring_areas: list[str] = []

    @model_validator(mode="after")
    def _groups_fit_in_births(self):
        pi = self.parent_infant
        taken = (self.births * ((pi.poverty_share_of_births_pct or 0) + (pi.care_share_of_births_pct or 0)) / 100
                 + (pi.camhs_referrals_0_5 or 0))
        if taken > self.births:
            raise ValueError("children in poverty, in care and referred to CAMHS add up to more than the births")
        if (self.perinatal.referred or 0) > self.births:
            raise ValueError("more mothers referred than births")
        return self

    def missing_local_inputs(self) -> list[str]:
        """The local inputs not held, in words: with them the model would be stratified like Kent's."""
        wanted = [
            (self.perinatal.referred, "mothers referred to the specialist community perinatal mental health service "
                                      "in a year"),
            (self.perinatal.rejected, "how many of those referrals were rejected"),
            (self.parent_infant.poverty_share_of_births_pct, "the share of babies in child poverty"),
            (self.parent_infant.care_share_of_births_pct, "the share of babies in care"),
            (self.parent_infant.camhs_referrals_0_5, "children aged 0-5 referred to CAMHS in a year"),
        ]
        return [words for value, words in wanted if value is None]


def flat_rate_inputs(births: float, mothers_pct: float = 20, partners_pct: float = 17.5,
                     parent_infant_pct: float = 10, years: int = 5, **attribution) -> ScaleOfNeedInputs:
    """The stratified model with no local inputs: births x 20% mothers, x 17.5% partners, x 10% babies a year.

    >>> whole(scale_of_need(flat_rate_inputs(4500)).mothers)   # Coventry: 20% of about 4,500 births
    900
    """
    return ScaleOfNeedInputs(
        births=births, years=years,
        perinatal=PerinatalInputs(remaining_mothers_pct=mothers_pct, other_partners_pct=partners_pct),
        parent_infant=ParentInfantInputs(remaining_pct=parent_infant_pct), **attribution)


def whole(value: float) -> int:
    """Round to whole people, halves up, as Kent's paper prints its figures (598.5 -> 599; Python's round gives 598).

    >>> whole(598.5), whole(2937.2), whole(33317.375)
    (599, 2937, 33317)
    """
    return int(math.floor(float(value) + 0.5))


@dataclass(frozen=True)
class ScaleOfNeed:
    """Result of :func:`scale_of_need`: the paper's table (``table``) and its six totals, unrounded."""

    table: pd.DataFrame
    mothers: float
    partners: float
    parent_infant: float
    years: int

    @property
    def parents(self) -> float:
        return self.mothers + self.partners

    @property
    def parents_over_years(self) -> float:
        return self.parents * self.years

    @property
    def parent_infant_over_years(self) -> float:
        return self.parent_infant * self.years

    def totals(self) -> dict[str, int]:
        """The six totals as the paper prints them (whole people, halves up)."""
        return {"mothers": whole(self.mothers), "partners": whole(self.partners), "parents": whole(self.parents),
                "parents_over_years": whole(self.parents_over_years),
                "parent_infant": whole(self.parent_infant),
                "parent_infant_over_years": whole(self.parent_infant_over_years)}


def _num(value: float) -> str:
    """A number for the arithmetic column: whole numbers without decimals, others to two places."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def scale_of_need(inputs: ScaleOfNeedInputs) -> ScaleOfNeed:
    """Kent County Council's stratified annual model of perinatal mental health and parent-infant need.

    Rows whose local input is not held are left out (they are not zero); with no local inputs at all the model is
    the flat rate (:func:`flat_rate_inputs`).

    Rounding, as the paper does it: every product is kept unrounded and only printed figures are rounded, to whole
    people, halves up (:func:`whole`). So 14,686 x 20% = 2,937.2 prints as 2,937; the mothers' total
    623 + 2,937.2 = 3,560.2 as 3,560; and the five-year total is 5 x 6,663.475 = 33,317.375, printed 33,317, not
    5 x 6,663 = 33,315. Children in poverty and in care are shares of births, also kept unrounded
    (16,632 x 16.5% = 2,744.28 and 16,632 x 4.0% = 665.28), so the remaining babies are
    16,632 - 2,744.28 - 665.28 - 519 = 12,703.44, printed 12,703, and the five-year total 5 x 2,936.952 =
    14,684.76, printed 14,685 (rounding the groups first would give 12,704 and 14,684).

    The paper's "remaining mothers" are births - referred + rejected, so mothers whose referral was rejected are
    counted at 100% and again among the remaining mothers at 20%; this is reproduced as published.

    >>> kent = ScaleOfNeedInputs(births=16632,
    ...     perinatal=PerinatalInputs(referred=2569, rejected=623),
    ...     parent_infant=ParentInfantInputs(poverty_share_of_births_pct=16.5, care_share_of_births_pct=4.0,
    ...                                      camhs_referrals_0_5=519))
    >>> scale_of_need(kent).totals()
    {'mothers': 3560, 'partners': 3103, 'parents': 6663, 'parents_over_years': 33317, 'parent_infant': 2937, 'parent_infant_over_years': 14685}
    """
    births, per, pi, years = float(inputs.births), inputs.perinatal, inputs.parent_infant, inputs.years
    rows: list[dict] = []
    parts: list[float] = []  # the rows of the current group, for its total's arithmetic

    def total(group: str, item: str, value: float) -> float:
        sums = " + ".join(_num(p) for p in parts) if len(parts) > 1 else "the row above"
        parts.clear()
        return row(group, item, None, None, value, sums, part=False)

    def row(group: str, item: str, number: float | None, pct: float | None, in_need: float, sums: str,
            part: bool = True) -> float:
        if part:
            parts.append(in_need)
        rows.append({"group": group, "item": item, "number": number, "prevalence_pct": pct, "in_need": in_need,
                     "in_need_rounded": whole(in_need), "arithmetic": sums})
        return in_need

    def share(number: float, pct: float) -> float:
        return number * pct / 100

    # Mothers
    referred, rejected = per.referred or 0.0, per.rejected or 0.0
    mothers = 0.0
    if per.rejected is not None:
        mothers += row("mothers", "Mothers whose referrals to the specialist service were rejected", rejected,
                       per.rejected_pct, share(rejected, per.rejected_pct),
                       f"{_num(rejected)} x {per.rejected_pct:g}%")
    remaining = births - referred + rejected
    label = ("Remaining mothers (births - referred + rejected)" if per.referred is not None else "Mothers (births)")
    sums = (f"({_num(births)} - {_num(referred)} + {_num(rejected)}) x {per.remaining_mothers_pct:g}%"
            if per.referred is not None else f"{_num(births)} x {per.remaining_mothers_pct:g}%")
    mothers += row("mothers", label, remaining, per.remaining_mothers_pct, share(remaining, per.remaining_mothers_pct),
                   sums)
    total("mothers", "Mothers in need of support a year", mothers)

    # Partners
    partners = 0.0
    if per.referred is not None:
        partners += row("partners", "Partners of mothers referred to the specialist service", referred,
                        per.referred_partners_pct, share(referred, per.referred_partners_pct),
                        f"{_num(referred)} x {per.referred_partners_pct:g}%")
    others = births - referred
    label = ("Other partners (births - referred)" if per.referred is not None else "Partners (births)")
    sums = (f"({_num(births)} - {_num(referred)}) x {per.other_partners_pct:g}%" if per.referred is not None
            else f"{_num(births)} x {per.other_partners_pct:g}%")
    partners += row("partners", label, others, per.other_partners_pct, share(others, per.other_partners_pct), sums)
    total("partners", "Partners in need of support a year", partners)

    row("parents", "Parents in need of support a year (mothers and partners)", None, None, mothers + partners,
        f"{_num(mothers)} + {_num(partners)}", part=False)
    row("parents", f"Parents in need of support over {years} years", None, None, (mothers + partners) * years,
        f"{_num(mothers + partners)} x {years}", part=False)

    # Parent-infant relationships (one year's births)
    babies, rest, taken = 0.0, births, []
    for value, pct, item, is_share in (
            (pi.poverty_share_of_births_pct, pi.poverty_pct, "Babies in child poverty", True),
            (pi.care_share_of_births_pct, pi.care_pct, "Babies in care", True),
            (pi.camhs_referrals_0_5, pi.camhs_pct, "Children aged 0-5 referred to CAMHS", False)):
        if value is None:
            continue
        number = share(births, value) if is_share else float(value)
        base = f"{_num(births)} x {value:g}% = {_num(number)}; " if is_share else ""
        babies += row("parent_infant", item, number, pct, share(number, pct), f"{base}{_num(number)} x {pct:g}%")
        rest -= number
        taken.append(_num(number))
    label = "Remaining babies of one year's births" if taken else "Babies (one year's births)"
    sums = (f"({_num(births)} - {' - '.join(taken)}) x {pi.remaining_pct:g}%" if taken
            else f"{_num(births)} x {pi.remaining_pct:g}%")
    babies += row("parent_infant", label, rest, pi.remaining_pct, share(rest, pi.remaining_pct), sums)
    total("parent_infant", "Parent-infant relationships needing support a year", babies)
    row("parent_infant", f"Parent-infant relationships over {years} years", None, None, babies * years,
        f"{_num(babies)} x {years}", part=False)
    return ScaleOfNeed(pd.DataFrame(rows), mothers, partners, babies, years)


SENSITIVITY_PREVALENCES = (10, 15, 20, 25)


def sensitivity(inputs: ScaleOfNeedInputs, prevalences=SENSITIVITY_PREVALENCES, scale: float = 1.0) -> pd.DataFrame:
    """The model rerun with each prevalence for the (remaining) mothers; every other input as given.

    ``scale`` multiplies every result (a district's share of a county's births when a county model is apportioned).

    >>> sensitivity(flat_rate_inputs(4500), (10, 20)).mothers_a_year_rounded.tolist()   # Coventry's 10-20%
    [450, 900]
    """
    rows = []
    for pct in prevalences:
        changed = inputs.model_copy(update={"perinatal": inputs.perinatal.model_copy(
            update={"remaining_mothers_pct": float(pct)})})
        result = scale_of_need(changed)
        values = {"mothers_a_year": result.mothers * scale, "parents_a_year": result.parents * scale,
                  f"parents_over_{result.years}_years": result.parents_over_years * scale}
        row = {"mothers_prevalence_pct": float(pct), "partners_prevalence_pct": inputs.perinatal.other_partners_pct}
        for key, value in values.items():
            row[key] = value
            row[f"{key}_rounded"] = whole(value)
        rows.append(row)
    return pd.DataFrame(rows)


def apportion(result: ScaleOfNeed, share: float) -> pd.DataFrame:
    """A county model's totals times an area's share of its births (a proportion), unrounded and rounded.

    >>> apportion(scale_of_need(flat_rate_inputs(1000)), 0.5).in_need_rounded.tolist()
    [100, 88, 188, 938, 50, 250]
    """
    if not 0 < share <= 1:
        raise ValueError(f"a share of the county's births must be between 0 and 1, not {share!r}")
    totals = [("Mothers in need of support a year", result.mothers),
              ("Partners in need of support a year", result.partners),
              ("Parents in need of support a year (mothers and partners)", result.parents),
              (f"Parents in need of support over {result.years} years", result.parents_over_years),
              ("Parent-infant relationships needing support a year", result.parent_infant),
              (f"Parent-infant relationships over {result.years} years", result.parent_infant_over_years)]
    return pd.DataFrame([{"item": item, "county_in_need": value, "share_of_births_pct": share * 100,
                          "in_need": value * share, "in_need_rounded": whole(value * share),
                          "arithmetic": f"{_num(value)} x {share * 100:.2f}%"} for item, value in totals])
