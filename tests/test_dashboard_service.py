"""The authority's own conventions on its dashboard: service KPIs rated by its target-and-floor rule, direction of
travel in its paper's words, outcomes compared honestly with England, its chosen neighbour set, county rows that
are never empty where a figure is held or computable, and one card per indicator on a phone.

Kent's figures are the shipped local dataset data/local/kcc-kpi-dashboard-2023-24 (Kent County Council, 2 July
2024: Q4 2023/24 performance paper, Appendix 1).
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from nbutils import local_data, periods, store
from nbutils.areas import registry
from nbutils.topics import dashboard, dashboard_rules as rules, dashboard_service as service

from conftest import ROOT

FIXTURES = ROOT / "tests" / "data" / "local"


# ------------------------------------------------------------------------------------------- the RAG rule (pure)


@pytest.mark.parametrize("value, target, floor, polarity, status", [
    (93, 85, None, "high-is-good", "G"),            # PH16 Q4 2023/24
    (85, 85, None, "high-is-good", "G"),            # at target is achieved
    (39, 43, None, "high-is-good", "below"),        # PH14: no floor supplied, never guessed
    (39, 43, 35, "high-is-good", "A"),
    (34, 43, 35, "high-is-good", "R"),
    (11.0, 12.0, 14.0, "low-is-good", "G"),
    (13.8, 12.0, 14.0, "low-is-good", "A"),
    (14.5, 12.0, 14.0, "low-is-good", "R"),
    (55, None, None, "high-is-good", "none"),        # PH23: no target, not rated
    (float("nan"), 43, None, "high-is-good", "missing"),
])
def test_performance_rating_follows_target_and_floor(value, target, floor, polarity, status):
    assert rules.performance_rating(value, target, floor, polarity).status == status


def test_a_printed_letter_is_shown_and_a_disagreement_flagged():
    below = rules.performance_rating(39, 43, None, "high-is-good", "A")
    assert below.shown == "Below target (no floor supplied); A as printed" and below.disagreement == ""
    # PH11 Q4 2022/23: 54% against the 2022/23 target of 52% is G; the paper prints A.
    clash = rules.performance_rating(54, 52, None, "high-is-good", "A")
    assert clash.letter == "G" and clash.disagreement == "printed A; by the target held it is G"
    assert rules.performance_rating(40, 43, None, "high-is-good", "G").disagreement.startswith("printed G, but")


# ------------------------------------------------------------------------------------------- direction words


@pytest.mark.parametrize("previous, latest, polarity, decimals, words, arrow", [
    (67011, 66846, "high-is-good", 0, "Performance worsened", "↓"),      # PH04
    (37, 39, "high-is-good", 1, "Performance improved", "↑"),            # PH14
    (52, 55, "high-is-good", 1, "Performance improved", "↑"),            # PH23
    (93, 93, "high-is-good", 1, "Performance remained the same", "→"),   # PH16
    (4.1, 3.6, "low-is-good", 1, "Performance improved", "↑"),           # a fall is an improvement here
    (3.6, 4.1, "low-is-good", 1, "Performance worsened", "↓"),
])
def test_performance_direction_uses_the_papers_words_and_polarity(previous, latest, polarity, decimals, words,
                                                                   arrow):
    travel = rules.performance_direction(previous, latest, polarity, decimals)
    assert (travel.words, travel.arrow) == (words, arrow)


def test_an_untested_outcome_change_is_never_called_a_trend():
    untested = rules.outcome_direction(3.4, 3.6, "low-is-good", 1, None)
    # an untested change is neither better nor worse, whatever the polarity
    assert untested.words == "Up: change not tested"
    assert not {"getting", "worse", "better", "improved", "worsened"} & set(untested.words.split())
    assert rules.outcome_direction(48.9, 50.96, "high-is-good", 1, None).words == "Up: change not tested"
    assert rules.outcome_direction(3.4, 3.6, "low-is-good", 1, "significant").words == \
        "Up: worsened (significant change)"
    assert rules.outcome_direction(3.4, 3.6, "low-is-good", 1, "not significant").words == \
        "Up: no significant change"


def test_change_between_periods_is_tested_where_counts_or_intervals_exist():
    # 500/1000 then 560/1000: z = 6 / 2.23 = 2.69 > 1.96
    assert rules.change_significance({"value": 50.0, "count": 500, "denominator": 1000},
                                     {"value": 56.0, "count": 560, "denominator": 1000}, "%") == "significant"
    # 50/100 then 53/100: z = 3 / 7.06 = 0.42
    assert rules.change_significance({"value": 50.0, "count": 50, "denominator": 100},
                                     {"value": 53.0, "count": 53, "denominator": 100}, "%") == "not significant"
    # Intervals: se = (upper - lower) / 3.92
    assert rules.change_significance({"value": 10.0, "lower_ci95": 9.0, "upper_ci95": 11.0},
                                     {"value": 12.0, "lower_ci95": 11.0, "upper_ci95": 13.0}, "%") == "significant"
    assert rules.change_significance({"value": 10.0}, {"value": 12.0}, "%") is None


# ------------------------------------------------------------------------------------------- quarterly periods


@pytest.mark.parametrize("label, end", [
    ("2022/23 Q4", "2023-03-31"), ("2023/24 Q1", "2023-06-30"), ("2023/24 Q2", "2023-09-30"),
    ("2023/24 Q3", "2023-12-31"), ("Mar 2024", "2024-03-31"), ("April 2023", "2023-04-30"),
])
def test_quarters_and_months_are_periods(label, end):
    assert periods.period_end(label).isoformat() == end


def test_quarters_sort_in_time_and_take_their_financial_years_target():
    labels = ["2023/24 Q2", "2022/23 Q4", "2023/24 Q1", "2023/24 Q4", "2023/24 Q3"]
    assert sorted(labels, key=periods.sort_key) == ["2022/23 Q4", "2023/24 Q1", "2023/24 Q2", "2023/24 Q3",
                                                    "2023/24 Q4"]
    assert service.target_year("2022/23 Q4", ["2022/23", "2023/24"]) == "2022/23"
    assert service.target_year("Jan 2024", ["2022/23", "2023/24"]) == "2023/24"


# ------------------------------------------------------------------------------------------- Kent's paper


@pytest.fixture(scope="module")
def kent_service(store_ready):
    return service.service_performance(registry().get("E10000016"))


def _latest(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame.direction != ""].set_index("code")


def test_kent_service_table_reproduces_the_papers_letters(kent_service):
    latest = _latest(kent_service)
    assert latest.loc[["PH16", "PH17", "PH18"], "rating"].tolist() == ["G", "G", "G"]
    assert latest.loc[["PH04", "PH14", "PH15"], "rating"].tolist() == ["below", "below", "below"]
    assert (latest.loc[["PH04", "PH14", "PH15"], "rating_words"]
            == "Below target (no floor supplied); A as printed").all()
    assert latest.at["PH23", "rating"] == "none"
    assert latest.at["PH14", "target"] == 43 and latest.at["PH04", "target"] == 68000


def test_kent_service_table_reproduces_the_papers_arrows(kent_service):
    latest = _latest(kent_service)
    assert latest.at["PH04", "direction"] == "↓ Performance worsened"
    assert latest.at["PH14", "direction"] == "↑ Performance improved"
    assert latest.at["PH23", "direction"] == "↑ Performance improved"
    assert latest.at["PH16", "direction"] == "→ Performance remained the same"


def test_kent_service_table_has_five_quarters_with_counts_and_the_authoritys_benchmarks(kent_service):
    ph14 = kent_service[kent_service.code == "PH14"]
    assert ph14.period.tolist() == ["2022/23 Q4", "2023/24 Q1", "2023/24 Q2", "2023/24 Q3", "2023/24 Q4"]
    assert ph14["count"].tolist() == [1706, 1634, 1391, 1152, 1226]
    assert _latest(kent_service).at["PH15", "benchmarks"] == \
        "England 84%; South East 84%; CIPFA nearest neighbours 87%"
    assert set(kent_service.label) == {"local data: Kent County Council, 2 July 2024"}
    flagged = kent_service[kent_service.disagreement != ""]
    assert list(zip(flagged.code, flagged.period)) == [("PH11", "2022/23 Q4")]


def test_kent_service_html_is_labelled_local_and_reads_as_cards_on_a_phone(kent_service):
    page = service.service_html(kent_service, registry().get("E10000016"))
    assert "local data: Kent County Council, 2 July 2024" in page
    assert "Below target (no floor supplied); A as printed" in page
    assert "@media (max-width:600px)" in page and 'data-label="2023/24 Q4"' in page
    assert "nan" not in page.replace("nbu-", "")


def test_an_area_without_kpis_gets_no_service_table(store_ready):
    medway = registry().get("E06000035")
    assert service.service_performance(medway).empty
    assert service.service_html(service.service_performance(medway), medway) == ""


def test_an_outcome_target_is_rated_the_same_way(monkeypatch, store_ready):
    dataset = local_data.load_dataset(FIXTURES / "outcome-target", store.table("areas"), store.table("predecessors"))
    meta = local_data.meta_table([dataset])
    monkeypatch.setattr(service, "_meta", lambda kind, area=None: meta[(meta.kind == kind)
                                                                       & ((area is None) | (meta.area_code == area))])
    # Kent's smoking at delivery 2018/19 is 13.8%: above the (fixture) target of 12, within the floor of 14.
    rated = service.outcome_target("satod", "E10000016", "2018/19", 13.8, "low-is-good")
    assert rated["target_status"] == "A" and rated["target"] == 12
    row = dashboard.headline(dashboard.Item("satod", "Smoking at time of delivery", "smoking"),
                             registry().get("E10000016"))
    assert row["target_rating"] == "A: floor achieved, target missed"
    assert service.outcome_target("satod", "E06000035", "2018/19", 13.8, "low-is-good") == {}


# ------------------------------------------------------------------------------------------- outcomes


@pytest.fixture(scope="module")
def cards(store_ready):
    return {name: dashboard.dashboard(registry().get(code))
            for name, code in [("Kent", "E10000016"), ("Medway", "E06000035")]}


def test_no_kent_outcome_row_is_empty_where_a_county_figure_is_held_or_computable(cards):
    kent = cards["Kent"].set_index("indicator_id")
    assert kent.at["lait_excess_weight_reception", "value"] == pytest.approx(24.1)  # DfE LAIT, 2024/25
    assert kent.at["lait_excess_weight_year6", "value"] == pytest.approx(35.2)
    assert kent.at["lait_good_level_of_development", "value"] == pytest.approx(68.9)
    for indicator_id, row in kent.iterrows():
        assert pd.notna(row.value) or row.note, f"{indicator_id} is an empty row"
    smoking = kent.loc["aps_adult_smoking"]
    assert "No figure for Kent is published in the sources held" in smoking.note
    assert "Its districts range from 6.2% (Dover) to 14.9% (Swale) in 2024" in smoking.note


def test_two_figures_for_one_statistic_sit_together_with_the_reason(cards):
    note = cards["Kent"].set_index("indicator_id").at["breastfeeding_6_8_weeks", "note"]
    assert note.startswith("Two figures for 2022/23: 48.9% (national) and 51.3% (local data: Kent County Council")
    assert "different collections" in note


@pytest.mark.parametrize("name", ["Kent", "Medway"])
def test_dashboards_never_call_an_untested_change_getting_worse_and_name_the_neighbour_set(cards, name):
    card = cards[name]
    page = dashboard.dashboard_html(card, registry().get(card.area_code.iloc[0]), service=card.iloc[0:0])
    assert "getting worse" not in page and "getting better" not in page
    assert "RAG" not in page and "Compared with England" in page
    assert "DfE statistical neighbours (average)" in page
    untested = card[card.change_tested == "not tested"]
    assert len(untested) and untested.direction_meaning.str.endswith("change not tested").all()
    assert not untested.direction_meaning.str.contains("worsened|improved").any()


def test_a_set_file_can_choose_another_neighbour_set(tmp_path, monkeypatch, store_ready):
    from nbutils import paths
    from nbutils.topics import dashboard_neighbours

    (tmp_path / "kent.yaml").write_text(
        "name: Kent\nareas: [E10000016]\nneighbours:\n  E10000016:\n    name: CIPFA nearest neighbours (fixture)\n"
        "    source: a fixture list, not CIPFA's\n    areas: [E10000012, E10000014]\n", encoding="utf-8")
    monkeypatch.setattr(paths, "parameters_dir", lambda: tmp_path)
    chosen = dashboard_neighbours.neighbour_set(registry().get("E10000016"))
    assert chosen.name == "CIPFA nearest neighbours (fixture)"
    assert [a.name for a in chosen.areas] == ["Essex", "Hampshire"]
    assert dashboard_neighbours.neighbour_set(registry().get("E06000035")).name == "DfE statistical neighbours"


def test_a_county_figure_is_the_sum_of_its_districts_counts_where_every_district_has_them(monkeypatch, store_ready):
    from nbutils.topics import dashboard_county

    kent = registry().get("E10000016")
    districts = registry().districts_of(kent)
    # Fixture counts (not real): district i has 10 * (i + 1) households in temporary accommodation of 10,000.
    rows = pd.DataFrame({"area_code": [d.code for d in districts], "period": "Oct-Dec 2023", "category": "",
                         "count": [10.0 * (i + 1) for i in range(len(districts))], "denominator": 10_000.0,
                         "value": [1.0 * (i + 1) for i in range(len(districts))], "value_note": ""})
    monkeypatch.setattr(dashboard_county.store, "indicator_data", lambda indicator_id, area_codes: rows)
    computed = dashboard_county.county_fallback("mhclg_households_in_temporary_accommodation", kent, decimals=2)
    assert computed["value"] == pytest.approx(sum(10 * (i + 1) for i in range(12)) / 120_000 * 1000)  # 6.5
    assert computed["value_geography"] == "sum of its 12 districts"
    # One district without a count: no sum (it would be wrong), the range in words instead.
    monkeypatch.setattr(dashboard_county.store, "indicator_data",
                        lambda indicator_id, area_codes: rows.assign(count=[np.nan] + rows["count"].tolist()[1:]))
    ranged = dashboard_county.county_fallback("mhclg_households_in_temporary_accommodation", kent, decimals=2)
    assert "value" not in ranged and "range from 1.00" in ranged["note"] and "to 12.00" in ranged["note"]


def test_the_target_column_names_each_years_target_not_only_the_latest(kent_service):
    # Kent's paper: PH11's target was 52% in 2022/23 and 55% in 2023/24; PH04's 65,000 then 68,000. The 2022/23 Q4
    # column is rated against 2022/23's target, so the target column must show it too.
    _, rows = service.service_view(kent_service)
    targets = {r["code"]: r["target"] for r in rows}
    assert targets["PH11"] == "55% (2023/24); 52% (2022/23)"
    assert targets["PH04"] == "68,000 (2023/24); 65,000 (2022/23)"
    assert targets["PH14"] == "43% (2022/23 and 2023/24)" and targets["PH23"] == "none set"
