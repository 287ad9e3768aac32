"""Kent County Council's stratified annual model of perinatal mental health and parent-infant need.

Perinatal Mental Health and Parent-Infant Relationships strategy, Appendices 1 and 2, committee papers of
2 July 2024; see :func:`scale_of_need`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

KENT_PMH_SOURCE = "Kent County Council, perinatal mental health strategy (committee papers, July 2024)"


class PerinatalInputs(BaseModel):
    """Mothers and partners (Appendix 2 of Kent's strategy). ``None`` means the local figure is not held."""

    model_config = ConfigDict(extra="forbid")

    referred: float | None = Field(None, ge=0)  # mothers referred to the specialist perinatal mental health service
    rejected: float | None = Field(None, ge=0)  # of which referrals rejected
    rejected_pct: float = Field(100, ge=0, le=100)
    remaining_mothers_pct: float = Field(20, ge=0, le=100)
    referred_partners_pct: float = Field(25, ge=0, le=100)
    other_partners_pct: float | None = Field(17.5, ge=0, le=100)  # None: not in the area's published inputs

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
    remaining_pct: float | None = Field(10, ge=0, le=100)  # None: parent-infant need not in the published inputs


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
    mothers_low_pct: float | None = Field(None, ge=0, le=100)  # the low end where the inputs give a range

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

    >>> whole(598.5), whole(2937.2), whole(33317.375), whole(float("nan"))
    (599, 2937, 33317, None)
    """
    if value is None or math.isnan(float(value)):
        return None  # a part of the model the inputs leave out (not zero)
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

    # Partners (left out, not zero, when the published inputs have no rate for them)
    partners = 0.0 if per.other_partners_pct is not None else float("nan")
    if per.referred is not None and per.other_partners_pct is not None:
        partners += row("partners", "Partners of mothers referred to the specialist service", referred,
                        per.referred_partners_pct, share(referred, per.referred_partners_pct),
                        f"{_num(referred)} x {per.referred_partners_pct:g}%")
    if per.other_partners_pct is not None:
        others = births - referred
        label = ("Other partners (births - referred)" if per.referred is not None else "Partners (births)")
        sums = (f"({_num(births)} - {_num(referred)}) x {per.other_partners_pct:g}%" if per.referred is not None
                else f"{_num(births)} x {per.other_partners_pct:g}%")
        partners += row("partners", label, others, per.other_partners_pct, share(others, per.other_partners_pct),
                        sums)
        total("partners", "Partners in need of support a year", partners)
        row("parents", "Parents in need of support a year (mothers and partners)", None, None, mothers + partners,
            f"{_num(mothers)} + {_num(partners)}", part=False)
        row("parents", f"Parents in need of support over {years} years", None, None, (mothers + partners) * years,
            f"{_num(mothers + partners)} x {years}", part=False)
    else:
        row("mothers", f"Mothers in need of support over {years} years", None, None, mothers * years,
            f"{_num(mothers)} x {years}", part=False)
    if pi.remaining_pct is None:
        return ScaleOfNeed(pd.DataFrame(rows), mothers, partners, float("nan"), years)

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


@dataclass(frozen=True)
class OverallRates:
    """A model's overall rates: each total as a percentage of the births it was run on (see :func:`overall_rates`)."""

    mothers_pct: float
    partners_pct: float
    parent_infant_pct: float


def overall_rates(inputs: ScaleOfNeedInputs) -> OverallRates:
    """Each of the model's yearly totals as a percentage of its births: the rates to apply where an area has no
    inputs of its own (not the 20% / 17.5% / 10% for the remaining groups, which leave out the groups at 100%).

    >>> kent = ScaleOfNeedInputs(births=16632, perinatal=PerinatalInputs(referred=2569, rejected=623),
    ...     parent_infant=ParentInfantInputs(poverty_share_of_births_pct=16.5, care_share_of_births_pct=4.0,
    ...                                      camhs_referrals_0_5=519))
    >>> r = overall_rates(kent); round(r.mothers_pct, 1), round(r.partners_pct, 1), round(r.parent_infant_pct, 1)
    (21.4, 18.7, 17.7)
    """
    result = scale_of_need(inputs)
    births = float(inputs.births)
    return OverallRates(result.mothers / births * 100, result.partners / births * 100,
                        result.parent_infant / births * 100)


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
        row = {"mothers_prevalence_pct": float(pct),
               "partners_prevalence_pct": inputs.perinatal.other_partners_pct}
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
