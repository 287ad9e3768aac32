"""Disclosure over the whole statistic (issue 21): the pure rules of nbutils.disclosure.cross_source, the funnel's
one method for lines and labels, and the two-period change test. Fast: frames built here, or the store only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbutils import catalog, disclosure as D, stats
from nbutils.disclosure.cross_source import Copy

# A county C of three districts; England E = region R = C (one county, one region) for the hierarchy.
EDGES = pd.DataFrame({"parent": ["C", "C", "C", "R", "E"], "child": ["d1", "d2", "d3", "C", "R"]})
BIRTHS = pd.Series({"d1": 1000.0, "d2": 2000.0, "d3": 3000.0, "C": 6000.0})


def rows(area, period, count=np.nan, denominator=np.nan, value=np.nan, note=""):
    return {"indicator_id": "x", "area_code": area, "area_type": "lad", "period": period, "category_type": "",
            "category": "", "count": count, "denominator": denominator, "value": value, "lower_ci95": np.nan,
            "upper_ci95": np.nan, "lower_ci998": np.nan, "upper_ci998": np.nan, "value_note": note, "source": "t"}


# ------------------------------------------------------------------------------------------------ small rules


def test_period_years_reads_pooled_and_single_years():
    assert D.period_years("2016-18") == (2016, 2018)
    assert D.period_years("1998-00") == (1998, 2000)
    assert D.period_years("2017") == (2017, 2017)
    assert D.period_years("2016/17") is None


def test_round_published_removes_precision_the_source_does_not_show():
    out = D.round_published(pd.DataFrame({"value": [3.576395788], "lower_ci95": [1.23456], "count": [18.0]}), 1)
    assert out.value.iloc[0] == 3.6 and out.lower_ci95.iloc[0] == 1.2 and out["count"].iloc[0] == 18


def test_pinned_count_is_the_one_whole_number_a_rounded_rate_allows():
    # Braintree 2016-18 (issue 21): 18 deaths / 5,033 births = 3.576 per 1,000. At one decimal (3.6) against the
    # exact births the count is still pinned to 18: such a rate counts as the count.
    assert D.pinned_count([3.6], [5033], 1000, 1)[0] == 18
    # Against births of 50,330 one decimal leaves 178.7 to 183.7: no single count.
    assert np.isnan(D.pinned_count([3.6], [50330], 1000, 1)[0])
    assert np.isnan(D.pinned_count([3.6], [np.nan], 1000, 1)[0])


def test_recoverable_windows_finds_sums_and_differences_of_shown_periods():
    # 2016-18 = 2015-17 - 2015 + 2018 when all three are shown with counts.
    assert D.recoverable_windows([(2015, 2017), (2015, 2015), (2018, 2018)], [(2016, 2018)]) == [(2016, 2018)]
    # Rolling three-year windows alone never give the one between them.
    assert D.recoverable_windows([(2013, 2015), (2014, 2016), (2015, 2017), (2017, 2019), (2018, 2020)],
                                 [(2016, 2018)]) == []


# ------------------------------------------------------------------------------------------------ whole statistic


def _essex_like():
    """Copy A (counts, like the Fingertips extract): county 30, d2 10, d3 18, d1 absent. Copy B (rates without
    counts, like the Health Index, ten significant figures): d1 implies 2 deaths, d2 and d3 as in A."""
    a = pd.DataFrame([rows("C", "2016-18", 30, 18000, 1.666666667), rows("d2", "2016-18", 10, 6000, 1.666666667),
                      rows("d3", "2016-18", 18, 9000, 2.0)])
    b = pd.DataFrame([rows("d1", "2016-18", value=0.666666667), rows("d2", "2016-18", value=1.666666667),
                      rows("d3", "2016-18", value=2.0), rows("d1", "2017-19", value=3.3333333)])
    return {"a": a, "b": b}, {"a": Copy("ons_vital", 1), "b": Copy("ons_vital", 1, per=1000, births_years=3)}


def test_a_statistic_is_controlled_over_the_union_of_its_copies():
    copies, rules = _essex_like()
    out = D.control_statistic(copies, rules, EDGES, BIRTHS)
    a, b = out["a"].set_index("area_code"), out["b"].set_index(["area_code", "period"])
    # d1 implies 2 deaths (0.67 per 1,000 x 3,000 births): withheld.
    assert b.loc[("d1", "2016-18"), "suppressed"] and np.isnan(b.loc[("d1", "2016-18"), "value"])
    # County 30 - d2 10 - d3 18 would give d1 = 2: another member is withheld, in every copy that shows it.
    assert a.loc["d2", "suppressed"] and np.isnan(a.loc["d2", "count"])
    assert b.loc[("d2", "2016-18"), "suppressed"] and np.isnan(b.loc[("d2", "2016-18"), "value"])
    assert not a.loc["C", "suppressed"] and a.loc["C", "count"] == 30
    # Values at the published decimals; one note for every withheld cell, whatever withheld it.
    assert b.loc[("d1", "2017-19"), "value"] == 3.3 and a.loc["C", "value"] == 1.7
    notes = set(out["a"].value_note[out["a"].suppressed]) | set(out["b"].value_note[out["b"].suppressed])
    assert notes == {D.WITHHELD_NOTE}


def test_a_cell_withheld_in_one_copy_is_withheld_in_every_copy():
    # Copy A withholds d1 (2 deaths); copy B publishes d1's rate (implying 6 against rough births): withheld too.
    a = pd.DataFrame([rows("d1", "2016-18", 2, 1000, 2.0), rows("d2", "2016-18", 40, 4000, 10.0)])
    b = pd.DataFrame([rows("d1", "2016-18", value=2.0), rows("d2", "2016-18", value=10.0)])
    out = D.control_statistic({"a": a, "b": b}, {"a": Copy("ons_vital", 1), "b": Copy("ons_vital", 1, 1000, 3)},
                              EDGES.iloc[0:0], BIRTHS)
    assert out["b"].set_index("area_code").loc["d1", "suppressed"]
    assert not out["b"].set_index("area_code").loc["d2", "suppressed"]


def test_implied_events_use_a_denominator_another_copy_shows():
    # A rate of 1.0 per 1,000 over d1's rough births (3 x 1,000) implies 3 deaths; copy A shows d1's real
    # births, 2,000: the rate implies 2, so it is withheld.
    a = pd.DataFrame([rows("d1", "2016-18", np.nan, 2000, np.nan)])
    b = pd.DataFrame([rows("d1", "2016-18", value=1.0)])
    out = D.control_statistic({"a": a, "b": b}, {"a": Copy("ons_vital", 1), "b": Copy("ons_vital", 1, 1000, 3)},
                              EDGES.iloc[0:0], BIRTHS)
    assert out["b"].suppressed.iloc[0]


def test_overlapping_periods_with_counts_cannot_give_a_withheld_window():
    # d1: 2016-18 has 2 deaths (withheld); 2015-17, 2015 and 2018 shown with counts would give it back.
    frame = pd.DataFrame([rows("d1", "2016-18", 2, 3000, 0.7), rows("d1", "2015-17", 9, 3000, 3.0),
                          rows("d1", "2015", 4, 1000, 4.0), rows("d1", "2018", 0, 1000, 0.0)])
    out = D.control_statistic({"a": frame}, {"a": Copy("ons_vital", 1)}, EDGES.iloc[0:0], BIRTHS)["a"]
    shown = out[~out.suppressed]
    windows = [D.period_years(p) for p in shown.period]
    assert D.recoverable_windows(windows, [(2016, 2018)]) == []
    assert out.set_index("period").loc["2016-18", "suppressed"]


def test_every_copy_of_a_statistic_is_linked_both_ways_in_the_catalogue():
    infant = ["fingertips_infant_mortality", "infant_mortality_single_year", "ons_hi_infant_mortality"]
    for indicator_id in infant:
        assert catalog.copies_of(indicator_id) == infant
    weight = ["fingertips_low_birth_weight_term", "ons_hi_low_birth_weight"]
    assert all(catalog.copies_of(i) == weight for i in weight)
    assert catalog.copies_of("satod") == ["satod"]


def test_catalogue_ids_are_current_and_confirmed_or_marked_unverified():
    assert catalog.indicator("obesity_early_pregnancy").fingertips_id == 94131  # 93584 is the previous method
    from nbutils.fetch import name_matches
    assert name_matches(catalog.indicator("first_feed_breastmilk").fingertips_name, "Baby's first feed breastmilk")
    for meta in catalog.with_fingertips():
        assert (len(meta.fingertips_confirmed_by) >= 2) == meta.fingertips_verified, meta.id
        assert meta.fingertips_status  # 'confirmed by A; B' or 'unverified ...'


# ------------------------------------------------------------------------------------------------ change over time


def test_change_between_two_periods_is_tested_where_counts_exist():
    worse = stats.change_between(100, 10000, 160, 10000, "low-is-good", method="rate")
    assert worse["tested"] and worse["significant"] and worse["label"] == "Significantly up (getting worse)"
    same = stats.change_between(100, 10000, 105, 10000, "low-is-good", method="proportion")
    assert same["label"] == "No significant change"
    untested = stats.change_between(np.nan, np.nan, np.nan, np.nan, "low-is-good")
    assert untested["label"] == stats.CHANGE_NOT_TESTED and not untested["tested"]
    assert "getting" not in untested["label"]


def test_change_label_never_judges_a_change_without_counts(store_ready):
    from nbutils.areas import resolve
    from nbutils.topics import indicators

    frame = indicators.series("ons_hi_infant_mortality", resolve("Swale"))
    label = indicators.change_label(frame, "ons_hi_infant_mortality")
    assert label.startswith(stats.CHANGE_NOT_TESTED) and "getting" not in label


def test_whole_population_reason_is_only_for_whole_population_counts():
    from nbutils.topics import indicators

    assert indicators.not_tested_reason("census_overcrowded_households") == indicators.METHOD_WHOLE_POPULATION
    assert indicators.not_tested_reason("infant_mortality_single_year") == indicators.METHOD_NONE
    assert indicators.not_tested_reason("breastfeeding_6_8_weeks") == indicators.METHOD_NONE
    assert indicators.not_tested_reason("fingertips_infant_mortality") is None


# ------------------------------------------------------------------------------------------------ funnel


def test_funnel_lines_and_labels_agree_for_every_area_of_england(store_ready):
    from nbutils.areas import resolve
    from nbutils.topics import funnel

    plot = funnel.funnel(resolve("Thanet"))
    points, limits = plot.points, plot.limits
    assert len(points) > 80
    disagree = []
    for p in points.itertuples():
        # The lines as drawn (straight segments between the grid points), read at the point's births.
        at = {c: np.interp(p.denominator, limits.denominator, limits[c])
              for c in ("lower_95", "upper_95", "lower_998", "upper_998")}
        side = ("High (0.001)" if p.value > at["upper_998"] else "High (0.025)" if p.value > at["upper_95"]
                else "Low (0.001)" if p.value < at["lower_998"] else "Low (0.025)" if p.value < at["lower_95"]
                else "Not significant")
        if side != p.funnel_position:
            disagree.append(f"{p.area_name} {p.value:.2f}: drawn {side}, labelled {p.funnel_position}")
    assert disagree == []
    # Issue 21's examples now agree with the lines they are drawn against.
    named = points.set_index("area_name").funnel_position
    assert named["Horsham"].startswith("Low") and named["Watford"] == "Not significant"


def test_funnel_csv_carries_rates_at_the_published_decimals(store_ready):
    from nbutils.areas import resolve
    from nbutils.topics import funnel

    points = funnel.funnel(resolve("Thanet")).points
    tidy = funnel.funnel_tidy(points)
    assert (tidy.value == tidy.value.round(catalog.indicator("fingertips_infant_mortality").decimals)).all()


def test_count_rules_still_round_and_suppress_inside_a_statistic():
    # Maternity (NHS England): 1-7 withheld, other counts to the nearest 5, values at the published decimal.
    frame = pd.DataFrame([rows("d1", "2019/20", 2173, 15746, 13.8003), rows("d2", "2019/20", 6, 100, 6.0)])
    out = D.control_statistic({"a": frame}, {"a": Copy("maternity", 1)}, EDGES.iloc[0:0], BIRTHS)["a"]
    assert out["count"].iloc[0] == 2175 and out.value.iloc[0] == 13.8
    assert out.suppressed.tolist() == [False, True] and np.isnan(out["count"].iloc[1])


def test_a_withheld_2016_18_row_is_shown_as_c_never_dropped_or_not_available(store_ready):
    from nbutils.areas import resolve
    from nbutils.topics import sudi

    # Adur 2016-18 (walkthrough extract: 2 deaths) is withheld: its row stays, every figure derived from the
    # deaths reads [c]; births (a denominator) are shown.
    frame = sudi.shown_2016_18(sudi.infant_mortality_2016_18(resolve("Adur")))
    adur = sudi.infant_mortality_view(frame).set_index("Area").loc["Adur"]
    assert [adur["Infant deaths"], adur["Rate per 1,000"], adur["95% confidence interval"],
            adur["Compared with England"]] == ["[c]"] * 4
    here = sudi.infant_mortality_series(resolve("Adur")).here
    assert sudi.series_view(here).set_index("Period").loc["2016-18 (old figure)", "Rate per 1,000 live births"] == "[c]"


def test_every_copy_of_a_statistic_withholds_the_same_cells_in_the_store(store_ready):
    from nbutils import store

    parts = []
    for indicator_id, meta in catalog.catalogue().items():
        if meta.statistic:
            rows = store.indicator_data(indicator_id)
            parts.append(pd.DataFrame({"statistic": meta.statistic, "area": rows.area_code,
                                       "years": rows.period.map(D.period_years), "withheld": D.is_suppressed(rows)}))
    cells = pd.concat(parts).groupby(["statistic", "area", "years"]).withheld.agg(["any", "all"])
    assert cells["any"].sum() > 50
    assert not (cells["any"] & ~cells["all"]).any()
    # North Norfolk 2016-18 (issue 21): 4 deaths in the extract, and the Health Index rate against those births
    # implies 4 too, so both copies show it.
    nn = store.indicator_data("ons_hi_infant_mortality", ["E07000147"]).set_index("period")
    assert not D.is_suppressed(nn.loc[["2016-18"]].reset_index())[0]


# ------------------------------------------------------------------------------------------------ approximate recovery


def _attack_range(shown, window):
    """The reader's attack: the fewest and most deaths in ``window`` (first, last) consistent with every shown
    window (first, last, low, high) and deaths >= 0. Where the shown intervals contradict each other (births are
    the page's rough figure), they are first widened by the least amount that reconciles them, two ways (every
    interval by the same amount; each by its own, least in total), and the sharper answer is kept."""
    from scipy.optimize import linprog

    years = list(range(min(min(s[0] for s in shown), window[0]), max(max(s[1] for s in shown), window[1]) + 1))
    a = np.array([[1.0 if s[0] <= y <= s[1] else 0.0 for y in years] for s in shown])
    low, high = np.array([s[2] for s in shown]), np.array([s[3] for s in shown])
    target = np.array([1.0 if window[0] <= y <= window[1] else 0.0 for y in years])
    n = len(shown)
    best = (0.0, np.inf)
    for widen in (np.ones((n, 1)), np.eye(n)):
        # Variables: deaths per year, then the widenings t; minimise sum(t) subject to low - t <= a @ y <= high + t.
        k = widen.shape[1]
        fit = linprog(np.r_[np.zeros(len(years)), np.ones(k)], bounds=(0, None),
                      A_ub=np.vstack([np.hstack([a, -widen]), np.hstack([-a, -widen])]), b_ub=np.r_[high, -low])
        slack = widen @ fit.x[len(years):] + 1e-9
        ends = []
        for sign in (1, -1):
            r = linprog(sign * target, A_ub=np.vstack([a, -a]), b_ub=np.r_[high + slack, -(low - slack)],
                        bounds=(0, None))
            ends.append(sign * r.fun if r.status == 0 else np.inf)  # only the largest can be unbounded
        if ends[1] - ends[0] < best[1] - best[0]:
            best = (ends[0], ends[1])
    return best


@pytest.mark.parametrize("area, years", [("E06000001", [2017, 2018]), ("E09000020", [2016, 2018])])
def test_no_withheld_single_year_is_estimated_within_2_deaths_from_pooled_and_single_years(store_ready, area, years):
    """The audit's attack on Hartlepool (2017, 2018) and Kensington and Chelsea (2016, 2018) infant deaths.

    The reader takes every figure the store lets out for the area: the Health Index three-year pooled rates and the
    DfE single years (both to 1 decimal; each stands for any rate within 0.05 of it) times the births shown (ONS
    residents aged under 1, a year; three for a pooled period), and deaths are never negative. Criterion: for each
    withheld year, the deaths consistent with all of that span more than 4, so no estimate, however made, is sure
    to be within 2 deaths (the largest count the ONS rule withholds) of the truth. Before pooled periods and single
    years were one family, Hartlepool 2018 was pinned to about 2.7 to 3.4 deaths (2018-20 minus 2019-21 plus 2021).
    """
    from nbutils import store

    under1 = store.indicator_data("ons_mye_young_children", [area])
    births = float(under1.loc[under1.category == "Aged under 1", "count"].max())
    shown = []
    for indicator_id in ("ons_hi_infant_mortality", "infant_mortality_single_year"):
        rows = store.indicator_data(indicator_id, [area])
        for period, value in zip(rows.period, rows.value):
            first, last = D.period_years(period)
            if np.isfinite(value):
                span = births * (last - first + 1) / 1000
                shown.append((first, last, max(value - 0.05, 0) * span, (value + 0.05) * span))
    single = store.indicator_data("infant_mortality_single_year", [area]).set_index("period")
    for year in years:
        assert np.isnan(single.loc[str(year), "value"])  # still withheld
        low, high = _attack_range(shown, (year, year))
        assert high - low > 4, (year, low, high)
    # The rest of the area's figures stay visible: at most two further cells of its series are withheld.
    pooled = store.indicator_data("ons_hi_infant_mortality", [area])
    assert pooled.value.notna().sum() >= 5


def test_pooled_periods_and_single_years_are_one_family_in_the_pure_rule():
    # Hartlepool's published figures (Health Index 2013-15 to 2019-21, DfE 2016 and 2021 to 2023, 1 decimal) with
    # 972 births a year; 2017 and 2018 are withheld. 2018-20 minus 2019-21 plus 2021 would pin 2018 to under a
    # death, so one pooled period is withheld as well, and no more.
    pooled = {"2013-15": 4.1, "2014-16": 4.4, "2015-17": 3.5, "2016-18": 3.6, "2017-19": 3.0, "2018-20": 2.1,
              "2019-21": 2.5}
    single = {"2016": 4.4, "2017": 3.5, "2018": 3.9, "2021": 4.3, "2022": 5.6, "2023": 7.5}
    hi = pd.DataFrame([rows("h", p, value=v) for p, v in pooled.items()])
    dfe = pd.DataFrame([rows("h", p, value=v, note=D.WITHHELD_NOTE if p in ("2017", "2018") else "")
                        for p, v in single.items()])
    out = D.control_statistic({"hi": hi, "dfe": dfe},
                              {"hi": Copy("ons_vital", 1, 1000, 3), "dfe": Copy("ons_vital", 1, 1000, 1)},
                              EDGES.iloc[0:0], pd.Series({"h": 972.0}))
    assert out["hi"].set_index("period").suppressed.to_dict() == {p: p == "2018-20" for p in pooled}
    assert out["dfe"].set_index("period").suppressed.to_dict() == {p: p in ("2017", "2018") for p in single}
    # The estimate module agrees: with 2018-20 shown, 2018 is pinned; without it, it is not.
    from nbutils.disclosure.estimates import range_width

    def windows(periods):
        out = []
        for p, v in periods.items():
            first, last = D.period_years(p)
            n = 0.972 * (last - first + 1)
            out.append((first, last, (v - 0.05) * n, (v + 0.05) * n))
        return out

    shown = windows({**pooled, **{p: v for p, v in single.items() if p not in ("2017", "2018")}})
    assert range_width(shown, (2018, 2018)) < 1
    assert range_width([s for s in shown if s[:2] != (2018, 2020)], (2018, 2018)) > 4


def test_no_withheld_infant_mortality_window_anywhere_is_estimated_within_2_deaths(store_ready):
    """The same attack on every area with a withheld infant mortality cell, with everything the store lets out:
    Health Index pooled rates, DfE single years, and the Fingertips 2016-18 extract (counts exact, rates against
    its births). Criterion as above: every withheld window, pooled or single, spans more than 4 deaths."""
    from nbutils import store

    ids = ["ons_hi_infant_mortality", "infant_mortality_single_year", "fingertips_infant_mortality"]
    data = {i: store.indicator_data(i) for i in ids}
    under1 = store.indicator_data("ons_mye_young_children")
    births = under1[under1.category == "Aged under 1"].groupby("area_code")["count"].max()
    areas = sorted(set().union(*[set(d.area_code[D.is_suppressed(d)]) for d in data.values()]) & set(births.index))
    assert len(areas) > 30
    narrow = []
    for area in areas:
        shown, withheld = [], set()
        for rows in (d[d.area_code == area] for d in data.values()):
            for p, v, n, den, hidden in zip(rows.period, rows.value, rows["count"], rows.denominator,
                                            D.is_suppressed(rows)):
                first, last = D.period_years(p)
                if hidden:
                    withheld.add((first, last))
                elif pd.notna(n):
                    shown.append((first, last, float(n), float(n)))
                elif np.isfinite(v):
                    span = (float(den) if pd.notna(den) else births[area] * (last - first + 1)) / 1000
                    shown.append((first, last, max(v - 0.05, 0) * span, (v + 0.05) * span))
        for window in sorted(withheld):
            low, high = _attack_range(shown, window) if shown else (0.0, np.inf)
            if high - low <= 4:
                narrow.append((area, window, round(low, 2), round(high, 2)))
    assert narrow == []
