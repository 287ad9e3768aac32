"""Planning calculators (nbutils.planning) against the published examples they come from.

Sources: Department of Health, "Tackling health inequalities in infant and maternal health outcomes" (Infant
Mortality National Support Team, 2010): modelled narrowing of the relative infant mortality gap between the
routine-and-manual (R&M) group and all births, 2002-04 baseline (see /work/shared/CONTEXT.md); Kent County Council
perinatal mental health strategy (July 2024) and Coventry's strategy (10-20% of about 4,500 births a year).
"""

from __future__ import annotations

import pytest

from nbutils import planning as P

# The report's worked example: relative gap 19%, 42% of infant deaths in the R&M group, RR 1.4 for smoking in
# pregnancy, smoking in the R&M group falling from 23% to 15% -> the gap narrows by "about 2" percentage points.
REPORT = dict(gap_pct=19, share_of_deaths_pct=42, current_pct=23, target_pct=15, rr=1.4)


def test_report_smoking_example_reproduces_about_two_points():
    result = P.gap_narrowing(**REPORT)
    # k = 1.06 / 1.092; R&M rate 1.19k; all-births rate 1 - 0.42(1 - k); gap = ratio - 1 (module docstring).
    assert result.rate_factor == pytest.approx(1.06 / 1.092)
    assert result.rm_rate_after == pytest.approx(1.19 * 1.06 / 1.092)
    assert result.all_rate_after == pytest.approx(1 - 0.42 * (1 - 1.06 / 1.092))
    assert result.gap_after == pytest.approx(16.95, abs=0.01)
    assert result.narrowing_points == pytest.approx(2.0, abs=0.1)  # published: about 2 points
    assert round(result.narrowing_points) == 2


def test_ignoring_the_all_births_rate_would_not_reproduce_the_report():
    # The all-births rate must fall with the R&M deaths (42% of them); otherwise the narrowing is 3.5 points.
    k = P.rate_factor(23, 15, 1.4)
    assert (19 - ((1.19 * k) - 1) * 100) == pytest.approx(3.48, abs=0.01)


def test_teenage_conceptions_halved_about_one_point():
    # The report: halving under-18 conceptions narrows the gap by about 1 point, with RR 1.6 for teenage mothers.
    # The share of R&M births to teenage mothers is not given in the material held here, so the test reads back
    # the prevalence the published figure implies and checks the forward calculation at that prevalence.
    implied = P.implied_prevalence(1.0, gap_pct=19, share_of_deaths_pct=42, rr=P.RR_TEENAGE_MOTHER)
    assert 4.5 < implied < 5.5  # about 5% of R&M births
    forward = P.gap_narrowing(19, 42, implied, implied / 2, P.RR_TEENAGE_MOTHER)
    assert forward.narrowing_points == pytest.approx(1.0, abs=1e-6)
    # Halving a larger share narrows the gap more (monotonic), and a smaller RR less.
    assert P.gap_narrowing(19, 42, 10, 5, 1.6).narrowing_points > forward.narrowing_points
    assert P.gap_narrowing(19, 42, implied, implied / 2, 1.3).narrowing_points < forward.narrowing_points


def test_attributable_fraction_and_district_scenario():
    assert P.attributable_fraction(23, 1.4) == pytest.approx(0.092 / 1.092)
    assert P.attributable_fraction(0, 1.4) == 0
    s = P.district_scenario("Smoking in pregnancy", 4.85, 13.8, 6.0, 1.4, births_per_year=1682)
    k = (1 + 0.06 * 0.4) / (1 + 0.138 * 0.4)
    assert s.rate_after == pytest.approx(4.85 * k)
    assert s.deaths_before == pytest.approx(4.85 * 1682 / 1000)
    assert s.deaths_avoided_per_year == pytest.approx(4.85 * (1 - k) * 1682 / 1000)
    assert "k = (1 + 0.060 x 0.40) / (1 + 0.138 x 0.40)" in s.arithmetic()
    no_births = P.district_scenario("x", 4.0, 20, 10, 1.4)
    assert no_births.deaths_avoided_per_year is None
    # No change in prevalence, no change in rate.
    assert P.district_scenario("x", 4.0, 20, 20, 1.4).rate_change == 0


@pytest.mark.parametrize("bad", [dict(current_pct=-1), dict(target_pct=101), dict(rr=0)])
def test_rejects_impossible_inputs(bad):
    args = dict(risk_factor="x", rate_per_1000=4.0, current_pct=20, target_pct=10, rr=1.4) | bad
    with pytest.raises(ValueError):
        P.district_scenario(**args)


def test_deaths_per_year():
    assert P.deaths_per_year(4.0, 2500) == pytest.approx(10.0)


# ------------------------------------------------------------------------------------------------ scale of need


def test_coventry_strategy_10_to_20_percent_of_4500_births():
    need = P.perinatal_need(4500, [P.NeedAssumption("Mothers (low)", "births", 10, "Coventry"),
                                   P.NeedAssumption("Mothers (high)", "births", 20, "Coventry")])
    assert list(need.annual) == [450, 900]
    assert list(need.total_5_years) == [2250, 4500]
    assert list(need.annual_rounded) == [450, 900]
    assert need.arithmetic.iloc[1] == "4,500 births a year x 20% = 900.0 a year; x 5 years = 4,500.0"


def test_kent_assumptions_arithmetic():
    # Kent: about 20% of mothers, 17.5% of partners, 10% of children aged 0-2; five years = annual x 5.
    # Kent's residents aged under 1, mid-2020 = 16,422 (sum of the 12 districts; mye2020_persons_sya_ltla21.csv).
    births = 16422
    need = P.perinatal_need(births, [
        P.NeedAssumption("Mothers", "births", 20, "Kent"),
        P.NeedAssumption("Partners", "births", 17.5, "Kent"),
        P.NeedAssumption("Parent-infant", "children_0_2", 10, "Kent"),
    ], children_0_2=16422 + 17173 + 18202)
    assert need.annual.iloc[0] == pytest.approx(3284.4)
    assert need.total_5_years.iloc[0] == pytest.approx(16422)
    assert need.annual.iloc[1] == pytest.approx(2873.85)
    assert need.total_5_years.iloc[1] == pytest.approx(14369.25)
    assert need.annual.iloc[2] == pytest.approx(5179.7)
    assert need.annual_rounded.tolist() == [3300, 2850, 5200]
    assert need.total_5_years_rounded.iloc[0] == 16400


def test_round_sensibly_and_required_births():
    assert [P.round_sensibly(v) for v in (3.2, 47, 336.4, 1682, 14369.25)] == [5, 45, 340, 1700, 14350]
    with pytest.raises(ValueError, match="births"):
        P.perinatal_need(None, [P.NeedAssumption("Mothers", "births", 20, "Kent")])
