"""Planning calculators: pure arithmetic, no data access. Planning models, not forecasts.

One model per module (as PHEindicatormethods has one method per file):

- :mod:`.prevalence_shift` -- a risk factor with prevalence ``p`` and relative risk ``RR`` multiplies a group's
  infant mortality rate by ``1 + p(RR - 1)``; the population attributable fraction is
  ``PAF = p(RR - 1) / (1 + p(RR - 1))``; moving prevalence from ``p0`` to ``p1`` multiplies the rate by
  ``k = (1 + p1(RR - 1)) / (1 + p0(RR - 1))``; and the relative gap ``G`` between the routine-and-manual (R&M)
  group (a share ``s`` of all infant deaths) and all births becomes ``G' = (1 + G)k / (1 - s(1 - k)) - 1``
  (Department of Health, Infant Mortality National Support Team, *Tackling health inequalities in infant and
  maternal health outcomes*, 2010). The report's smoking example (G 19%, s 42%, RR 1.4, 23% -> 15%) narrows the
  gap by 2.05 points, "about two" as published.
- :mod:`.levers` -- the report's seven levers: each published narrowing read back into the fall in the R&M
  group's rate it implies (the exact inverse of the gap formula), the check against the report, and the levers
  applied to an area (each lever's national effect on all births scaled by how common the risk factor is in the
  area against England; levers combined as ``1 - prod(1 - f_i)``, not summed).
- :mod:`.perinatal_need` -- births (or children aged 0-2) x prevalence, a year and over several years.
- :mod:`.stratified_need` -- Kent County Council's stratified annual model of perinatal mental health and
  parent-infant need (committee papers of 2 July 2024), and the flat-rate model where an area has no inputs.

The models assume the relative risks apply unchanged to the local population, that each risk factor is causal and
its effect fully reversible, and that nothing else changes. They indicate scale, not a prediction.
"""

from __future__ import annotations

from .levers import (
                     CombinedEffect,
                     LeverInput,
                     LeverResult,
                     NationalLever,
                     combined_fraction,
                     lever_check,
                     local_lever,
                     narrowing_to_rate_factor,
                     national_fraction_prevented,
)
from .perinatal_need import NeedAssumption, perinatal_need, round_sensibly
from .prevalence_shift import (
                     REPORT_SOURCE,
                     RR_SMOKING_IN_PREGNANCY,
                     RR_TEENAGE_MOTHER,
                     GapResult,
                     Scenario,
                     attributable_fraction,
                     deaths_per_year,
                     district_scenario,
                     gap_narrowing,
                     implied_prevalence,
                     implied_relative_risk,
                     rate_factor,
                     scenarios_table,
)
from .stratified_need import (
                     KENT_PMH_SOURCE,
                     SENSITIVITY_PREVALENCES,
                     OverallRates,
                     ParentInfantInputs,
                     PerinatalInputs,
                     ScaleOfNeed,
                     ScaleOfNeedInputs,
                     apportion,
                     flat_rate_inputs,
                     overall_rates,
                     scale_of_need,
                     sensitivity,
                     whole,
)

__all__ = [
                     "KENT_PMH_SOURCE",
                     "REPORT_SOURCE",
                     "RR_SMOKING_IN_PREGNANCY",
                     "RR_TEENAGE_MOTHER",
                     "SENSITIVITY_PREVALENCES",
                     "CombinedEffect",
                     "GapResult",
                     "LeverInput",
                     "LeverResult",
                     "NationalLever",
                     "NeedAssumption",
                     "OverallRates",
                     "ParentInfantInputs",
                     "PerinatalInputs",
                     "ScaleOfNeed",
                     "ScaleOfNeedInputs",
                     "Scenario",
                     "apportion",
                     "attributable_fraction",
                     "combined_fraction",
                     "deaths_per_year",
                     "district_scenario",
                     "flat_rate_inputs",
                     "gap_narrowing",
                     "implied_prevalence",
                     "implied_relative_risk",
                     "lever_check",
                     "local_lever",
                     "narrowing_to_rate_factor",
                     "national_fraction_prevented",
                     "overall_rates",
                     "perinatal_need",
                     "rate_factor",
                     "round_sensibly",
                     "scale_of_need",
                     "scenarios_table",
                     "sensitivity",
                     "whole",
]

#: The modules whose doctests pin the published examples (tests/test_planning.py runs them all).
MODULES = ("prevalence_shift", "levers", "perinatal_need", "stratified_need")
