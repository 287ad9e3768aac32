"""What would it take (issue 22): the seven levers, the gap to England in deaths a year, and the actions.

Published values: Department of Health, Infant Mortality National Support Team, "Tackling health inequalities in
infant and maternal health outcomes" (2010): narrowing of the relative gap between the routine-and-manual (R&M)
group and all births, in points, 2002-04 baseline (gap 19%, 42% of deaths in the R&M group): child poverty halved
3, obesity 2.8, smoking 23% -> 15% 2, overcrowding 1.4, SUDI 1.4, under-18 conceptions halved 1, breastfeeding
initiation 67% -> 83% 4, all together 15.6. Area figures: ONS Health Index (Swale 4.85 per 1,000, 2019-21), ONS
single-year infant mortality via DfE LAIT (Kent 3.0, 2.8, 3.6 in 2021-23; England 3.5, 3.9, 3.9), ONS mid-2020
residents aged under 1 (Swale 1,682; Kent 16,422).
"""

from __future__ import annotations

import pytest

from nbutils import planning as P
from nbutils.planning import levers as L

PUBLISHED = {"child_poverty": 3, "obesity": 2.8, "smoking": 2, "overcrowding": 1.4, "sudi": 1.4,
             "teenage_conceptions": 1, "breastfeeding": 4}


# ------------------------------------------------------------------------------------------------ pure model


def test_reading_a_published_narrowing_back_is_the_exact_inverse_of_the_gap_formula():
    # The smoking example forward (RR 1.4, 23% -> 15%) gives k = 1.06 / 1.092 and 2.05 points; read back, 2.05
    # points give the same k.
    forward = P.gap_narrowing(19, 42, 23, 15, 1.4)
    assert L.narrowing_to_rate_factor(forward.narrowing_points, 19, 42) == pytest.approx(1.06 / 1.092)
    for points in PUBLISHED.values():
        k = L.narrowing_to_rate_factor(points, 19, 42)
        assert L.combined_narrowing([k], 19, 42) == pytest.approx(points)
    # All births fall by s(1 - k): 42% x (1 - 0.97137) = 1.20% of infant deaths for the published "2".
    assert L.national_fraction_prevented(2, 19, 42) == pytest.approx(0.42 * (1 - L.narrowing_to_rate_factor(2, 19, 42)))
    assert L.national_fraction_prevented(2, 19, 42) == pytest.approx(0.012024, abs=1e-6)


def test_implied_inputs_reproduce_the_published_figures():
    # Breastfeeding: not initiating 33% -> 17% with the relative risk the figure implies (1.40) gives 4 points.
    rr = P.implied_relative_risk(4, 19, 42, 33, 17)
    assert rr == pytest.approx(1.40, abs=0.005)
    assert P.gap_narrowing(19, 42, 33, 17, rr).narrowing_points == pytest.approx(4)
    # Under-18 conceptions: RR 1.6 (published); halving about 4.9% of R&M births gives 1 point.
    assert P.implied_prevalence(1, 19, 42, 1.6) == pytest.approx(4.94, abs=0.01)
    with pytest.raises(ValueError, match="no relative risk"):
        P.implied_relative_risk(30, 19, 42, 23, 15)


def test_levers_combine_without_double_counting():
    assert P.combined_fraction([0.1, 0.2]) == pytest.approx(0.28)
    assert P.combined_fraction([0.1, float("nan"), None]) == pytest.approx(0.1)
    ks = [L.narrowing_to_rate_factor(p, 19, 42) for p in PUBLISHED.values()]
    assert sum(PUBLISHED.values()) == pytest.approx(15.6)  # the report's "all together" is the plain sum
    assert L.combined_narrowing(ks, 19, 42) == pytest.approx(15.31, abs=0.01)  # overlap removed: less


def test_a_lever_applied_to_an_area_scales_by_its_exposure_against_england():
    smoking = P.local_lever(0.012, P.LeverInput(13.8, 10.6), 8.0, 5.0, 12.0)
    assert smoking.exposure_ratio == pytest.approx(13.8 / 10.6)
    assert smoking.fraction == pytest.approx(0.012 * 13.8 / 10.6)
    assert (smoking.deaths, smoking.deaths_lower, smoking.deaths_upper) == pytest.approx(
        (8.0 * smoking.fraction, 5.0 * smoking.fraction, 12.0 * smoking.fraction))
    # Breastfeeding: the risk is not being breastfed, so 38.9% against 49.2% is 61.1 / 50.8 of England's exposure.
    feeding = P.local_lever(0.02376, P.LeverInput(38.9, 49.2, exposure_is_complement=True), None)
    assert feeding.exposure_ratio == pytest.approx(61.1 / 50.8) and feeding.deaths is None
    assert P.local_lever(0.01, P.LeverInput(float("nan"), 10.6), 8.0).fraction is None


# ------------------------------------------------------------------------------------------------ national file


def test_national_check_table_reproduces_the_report_or_says_why():
    from nbutils.topics import levers

    nat = levers.national()
    assert {lever.key: lever.published_points for lever in nat.levers} == PUBLISHED
    assert (nat.gap_pct, nat.share_pct, nat.combined_points) == (19, 42, 15.6)
    assert all(lever.source for lever in nat.levers)
    check = levers.check_table(nat).set_index("lever")
    smoking = check.loc["Smoking in pregnancy, R&M group 23% to 15%"]
    assert smoking.status == "reproduced" and smoking.modelled_points == pytest.approx(2.05, abs=0.005)
    assert check.loc["All seven together", "status"] == "reproduced"
    assert check.loc["All seven together", "modelled_points"] == pytest.approx(15.6)
    statuses = dict(zip(check.index, check.status))
    assert statuses["Breastfeeding initiation, R&M group 67% to 83%"] == "relative risk implied"
    assert statuses["Under-18 conceptions halved"] == "prevalence implied"
    not_reproducible = [lever for lever, status in statuses.items() if status == "not reproducible"]
    assert len(not_reproducible) == 4  # child poverty, obesity, overcrowding, SUDI: inputs not given
    view = levers.check_view(check.reset_index())
    assert view["Published narrowing (points)"].tolist() == ["3", "2.8", "2", "1.4", "1.4", "1", "4", "15.6"]
    how = " ".join(view.How)
    assert "implied, not published" in how and "plain sum of the seven (15.6)" in how
    for lever in not_reproducible:
        assert view.set_index("Lever (change in the routine-and-manual group)").loc[lever, "How"].startswith(
            "Cannot be reproduced: the sources searched do not give")


# ------------------------------------------------------------------------------------------------ areas


def test_a_bound_of_the_gap_never_reads_as_zero_when_it_is_not():
    from nbutils.topics.levers import signed_bound

    assert [signed_bound(v) for v in (6.14, -0.8, 0.0, -0.03, 0.003478, 0.0004)] == [
        "+6.1", "-0.8", "+0.0", "-0.03", "+0.003", "+0.000"]


def test_leeds_gap_just_clear_of_zero_is_given_with_its_sign(store_ready):
    # Leeds, 2021-23: the lower bound of its excess deaths is 0.003 a year. Printed as "+0.0" it read as touching
    # zero beside "a difference chance alone is unlikely to explain".
    from nbutils.areas import resolve
    from nbutils.topics import levers

    leeds = resolve("Leeds")
    message = [m for m in levers.key_messages(leeds) if m.startswith("Against England's rate")][0]
    assert "about 6.9 more infant deaths a year in 2021-23 (95% interval +0.003 to +14.8): a difference chance " \
           "alone is unlikely to explain" in message
    gap = levers.gap_table(levers.infant_deaths(leeds))
    assert "(95% interval +0.003 to +14.8, England's rate taken as fixed)" in levers.gap_sentence(gap)
    view = levers.gap_view(gap)
    assert view["More (+) or fewer (-) a year than at England's rate (95% interval)"].iloc[0] == "+6.9 (+0.003 to +14.8)"


def test_swale_deaths_a_year_and_gap_to_england(store_ready):
    from nbutils.areas import resolve
    from nbutils.topics import levers

    deaths = levers.infant_deaths(resolve("Swale"))
    assert (deaths.period, deaths.years, deaths.births) == ("2019-21", 3, 1682)
    # the Health Index rate as the pages publish it (1 decimal: 4.85338726 in the raw file)
    assert deaths.rate == pytest.approx(4.9)
    assert deaths.per_year == pytest.approx(4.9 * 1682 / 1000)
    assert deaths.england_rate == pytest.approx((3.6 + 3.8 + 3.5) / 3)
    gap = levers.gap_table(deaths).iloc[0]
    assert gap.excess_deaths_a_year == pytest.approx(deaths.per_year - deaths.england_rate * 1682 / 1000)
    # Byar's limits on the pooled deaths (24.5 over three years), a year.
    from nbutils import stats

    lo, up = stats.rate_ci(deaths.events, 3, multiplier=1)
    assert (gap.deaths_lower_ci95, gap.deaths_upper_ci95) == pytest.approx((float(lo), float(up)))
    assert gap.excess_lower_ci95 < 0 < gap.excess_upper_ci95  # within chance
    assert "within what chance alone could produce" in levers.gap_sentence(levers.gap_table(deaths))
    # The overview's key message says so too, in the same words, so a gap of a few deaths is not read as real.
    message = levers.key_messages(resolve("Swale"))[-1]
    assert message.endswith("about 2.1 more infant deaths a year in 2019-21 (95% interval -0.8 to +6.1; old figure, "
                            "period ended December 2021): within what chance alone could produce. "
                            "See 'What would it take' for the seven levers.")


def test_kent_county_council_has_its_rate_and_deaths(store_ready):
    from nbutils.areas import resolve
    from nbutils.topics import levers, overview

    kent = resolve("E10000016")
    deaths = levers.infant_deaths(kent)
    assert deaths.period == "2021-23" and deaths.rate == pytest.approx((3.0 + 2.8 + 3.6) / 3)
    assert deaths.england_rate == pytest.approx((3.5 + 3.9 + 3.9) / 3)
    rate, period, source = levers.latest_rate(kent)
    assert (round(rate, 2), period) == (3.13, "2021-23") and "DfE LAIT" in source
    table = levers.lever_table(kent, overview.scorecard(kent), deaths).set_index("key")
    assert len(table) == 8 and table.loc["combined", "levers_included"] == 7
    fractions = table.fraction_prevented.drop("combined")
    assert table.loc["combined", "fraction_prevented"] == pytest.approx(P.combined_fraction(fractions))
    assert table.loc["combined", "fraction_prevented"] < fractions.sum()
    assert table.loc["combined", "deaths_prevented_a_year"] == pytest.approx(
        deaths.per_year * table.loc["combined", "fraction_prevented"])
    assert table.loc["smoking", "value"] == pytest.approx(13.8, abs=0.05) and table.loc["smoking", "period"] == "2018/19"
    # Kent's own local figure leads for breastfeeding, labelled as local data.
    assert table.loc["breastfeeding", "value"] == 51.3 and "local data: Kent County Council" in table.loc[
        "breastfeeding", "level"]


def test_a_rate_resting_on_fewer_than_3_5_deaths_shows_no_deaths(store_ready):
    from nbutils.areas import resolve
    from nbutils.topics import levers, overview

    scilly = resolve("Isles of Scilly")
    deaths = levers.infant_deaths(scilly)
    assert deaths.withheld
    gap = levers.gap_table(deaths)
    assert gap.deaths_a_year.isna().all() and gap.excess_deaths_a_year.isna().all()
    assert gap.note.iloc[0].startswith("[c]")
    # Nor the rate, which with the births beside it (13 a year) would give the deaths back, in the CSV too.
    assert gap.infant_mortality_per_1000.isna().all() and gap.births_a_year.iloc[0] == 13
    assert levers.gap_view(gap).iloc[0, 1] == "[c]"
    # And the overview's first message gives no pooled rate for these years either.
    message = overview.key_messages(scilly, overview.scorecard(scilly), births=None)[0]
    assert "2016 and 2017" not in message and "two-year rate" not in message
    table = levers.lever_table(scilly, overview.scorecard(scilly), deaths)
    assert table.deaths_prevented_a_year.isna().all()
    assert set(levers.gap_view(gap).iloc[0, 3:6]) <= {"[c] ([c] to [c])", "[c]"}


def test_swale_breastfeeding_local_figure_leads(store_ready):
    from nbutils.areas import resolve
    from nbutils.topics import levers

    lead = levers.breastfeeding_lead(resolve("Swale"))
    assert "38.9% in 2022/23 against 51.3% across Kent" in lead
    assert "about 210 more babies a year" in lead  # (51.3 - 38.9)% x 1,682 = 208.6, to the nearest 10
    assert levers.breastfeeding_lead(resolve("Coventry")) is None


# ------------------------------------------------------------------------------------------------ actions


def test_evidence_file_is_valid_and_every_topic_has_actions():
    from nbutils.topics import actions

    ev = actions.evidence()
    assert {"nice_ng209", "nice_ng194", "nice_ng201", "nice_cg192", "unicef_bfi", "dh_2010"} <= set(ev.documents)
    assert 'NG209, "Tobacco: preventing uptake, promoting quitting and treating dependence"' in \
        ev.documents["nice_ng209"]["citation"]
    for topic in ("ethnicity", "housing", "nutrition", "sudi", "smoking"):
        assert any(topic in a.topics for a in ev.actions)
    assert len({a.id for a in ev.actions}) == len(ev.actions)


def test_actions_are_fired_by_the_areas_figures_and_cite_evidence(store_ready):
    from nbutils.areas import resolve
    from nbutils.topics import actions, overview

    swale = resolve("Swale")
    card = overview.scorecard(swale)
    smoking = actions.actions(swale, "smoking", card)
    assert smoking.action_id.tolist() == ["co_screening_opt_out"]
    assert "Smoking at time of delivery: 13.8% in Kent (the county's figure), 2018/19" in smoking.triggered_by[0]
    assert "significantly worse than" in smoking.triggered_by[0] and "England's 10.6%" in smoking.triggered_by[0]
    assert "NICE guideline NG209" in smoking.evidence[0]
    nutrition = actions.actions(swale, "nutrition", card)
    assert nutrition.triggered_by[0].startswith("Breastfeeding at 6 to 8 weeks in Swale was 38.9% in 2022/23")
    assert "UNICEF UK Baby Friendly Initiative" in nutrition.evidence[0]
    for topic in ("ethnicity", "housing", "nutrition", "sudi", "smoking"):
        table = actions.actions(swale, topic, card)
        assert len(table) <= actions.MAX_ACTIONS
        assert table.triggered_by.str.len().gt(0).all() and table.evidence.str.len().gt(0).all()
    # Nothing fires on Swale's ethnicity figures (both below England): the section says so, naming them.
    text = actions.actions_html(swale, "ethnicity", actions.actions(swale, "ethnicity", card), card)
    assert "No action on this page is triggered by Swale's figures" in text and "<li>" not in text
    # A tested "similar" never fires: Coventry's smoking at delivery (10.6%) is similar to England's.
    coventry = resolve("E08000026")
    assert "co_screening_opt_out" not in actions.actions(coventry, "smoking", overview.scorecard(coventry)).action_id.tolist()


def test_a_broken_levers_file_or_evidence_file_is_one_clear_error(project_copy, monkeypatch, tmp_path):
    from nbutils.errors import WorkbookError
    from nbutils.topics import actions, levers

    monkeypatch.setenv("NBUTILS_HOME", str(project_copy))
    (project_copy / "parameters" / "levers" / "national.yaml").write_text("levers: [\n")
    with pytest.raises(WorkbookError, match=r"^parameters/levers/national.yaml is not a valid levers file"):
        levers.national()
    (project_copy / "parameters" / "levers" / "national.yaml").unlink()
    with pytest.raises(WorkbookError, match=r"^parameters/levers/national.yaml is missing"):
        levers.national()
    bad = tmp_path / "evidence.yaml"
    bad.write_text("documents: {}\nactions:\n  - {id: x, topics: [smoking], action: a,\n"
                   "     triggers: [{kind: worse_than_benchmark, indicator: satod}], evidence: [{document: nice_x}]}\n")
    monkeypatch.setattr(actions, "EVIDENCE_FILE", bad)
    actions.evidence.cache_clear()
    try:
        with pytest.raises(WorkbookError, match=r"cites 'nice_x', which is not listed"):
            actions.evidence()
    finally:
        actions.evidence.cache_clear()


def test_lever_inputs_name_their_measure_and_whether_local_or_national(store_ready):
    # Audit: Swale's breastfeeding lever read "initiation" while its input is 6-8 week prevalence (38.9%, Kent
    # County Council's local figure for 2022/23) set against England's national figure for the same year (49.2%).
    from nbutils.areas import resolve
    from nbutils.topics import levers, overview

    swale = resolve("Swale")
    table = levers.lever_table(swale, overview.scorecard(swale)).set_index("key")
    feeding = table.loc["breastfeeding"]
    assert feeding.lever.startswith("Breastfeeding at 6-8 weeks") and "initiation" in feeding.lever
    assert feeding.value == 38.9 and feeding.period == "2022/23"
    assert feeding.level == "Swale (local data: Kent County Council, 2 July 2024)"
    assert feeding.reference_value == 49.2
    assert feeding.reference == "England, national data; the area's figure is local data"
    # National figures say so too: Kent's smoking at delivery, Swale's own adult obesity.
    assert table.loc["smoking", "level"] == "Kent (the county's figure, national data)"
    assert table.loc["obesity", "level"] == "Swale (national data)"
    assert "adults living with obesity" in table.loc["obesity", "lever"]
    shown = levers.lever_view(table.reset_index())
    assert shown.iloc[:, 0].str.contains("Breastfeeding initiation").sum() == 0
    # The national check table keeps the report's own lever names.
    assert "Breastfeeding initiation, R&M group 67% to 83%" in levers.check_table().lever.tolist()


def test_single_years_pooled_are_labelled_by_the_years_they_hold(store_ready):
    # Kensington and Chelsea's latest three published single years are 2019, 2020 and 2022 (2021 is not in the
    # source): the pooled figure was labelled "2019-22", four years.
    from nbutils import periods
    from nbutils.areas import resolve
    from nbutils.topics import levers

    deaths = levers.infant_deaths(resolve("Kensington and Chelsea"))
    assert deaths.period == "2019, 2020 and 2022" and deaths.years == 3
    assert periods.period_end(deaths.period).isoformat() == "2022-12-31"
    assert periods.pooled_years_label(["2021", "2022", "2023"]) == "2021-23"
    assert periods.pooled_years_label(["2016", "2017"]) == "2016 and 2017"  # not '2016-17', a financial year
    assert periods.period_end(periods.pooled_years_label(["2016", "2017"])).isoformat() == "2017-12-31"
    assert levers.infant_deaths(resolve("Hartlepool")).period == "2021-23"
