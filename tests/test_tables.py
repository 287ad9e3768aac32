"""Reader tables from column specifications (nbutils.tables), catalogue decimals, and Pack.table rendering."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbutils import catalog, tables
from nbutils.tables import Column, TableSpec


def test_catalogue_decimals_follow_fingertips_and_counts_are_whole():
    places = {k: v.decimals for k, v in catalog.catalogue().items()}
    assert places["fingertips_infant_mortality"] == 1          # rates per 1,000 at 1
    assert places["ons_hi_low_birth_weight"] == 2              # low birth weight at 2, as the pages show it
    assert places["msds_total_babies"] == 0                    # counts at 0
    assert places["census_ethnic_group"] == 1
    assert set(places.values()) <= {0, 1, 2}


def test_spec_renders_headings_with_units_and_catalogue_decimals():
    frame = pd.DataFrame({"area_name": ["Swale", "England"], "period": ["2019-21", "2019-21"],
                          "value": [4.853387, 3.516517], "count": [1234.0, 56789.0], "share_pct": [11.4005, 26.46]})
    spec = TableSpec([Column("area_name", "Area", kind="text"), Column("period", "Period", kind="period"),
                      Column("value", "Infant mortality", indicator="ons_hi_infant_mortality"),
                      Column("count", "Residents", kind="count"),
                      Column("share_pct", "Ethnic minority", kind="percent")])
    shown = spec.render(frame)
    assert list(shown.columns) == ["Area", "Period", "Infant mortality (per 1,000 live births)", "Residents",
                                   "Ethnic minority (%)"]
    assert shown.iloc[0].tolist()[2:] == ["4.9", "1,234", "11.4"]
    assert shown.iloc[1, 3] == "56,789"
    # The period column marks old figures through nbutils.periods (2019-21 ended over three years ago).
    assert shown.iloc[0, 1] == "2019-21 (old figure)"


def test_spec_marks_withheld_cells_c_and_missing_cells_x():
    frame = pd.DataFrame({"area_name": ["A", "B", "C"], "value": [np.nan, np.nan, 2.0],
                          "lower_ci95": [np.nan, np.nan, 1.25], "upper_ci95": [np.nan, np.nan, 3.5],
                          "value_note": ["[c] suppressed (disclosure control)", "", ""]})
    spec = TableSpec([Column("area_name", "Area", kind="text"), Column("value", "Rate", decimals=2),
                      Column(("lower_ci95", "upper_ci95"), "95% confidence interval", kind="interval", decimals=1)])
    shown = spec.render(frame)
    assert shown["Rate"].tolist() == ["[c]", "[x]", "2.00"]
    assert shown["95% confidence interval"].tolist() == ["[c]", "[x]", "1.2 to 3.5"]


def test_by_period_puts_years_across_in_role_order_with_markers():
    frame = pd.DataFrame({
        "indicator_id": "ons_hi_low_birth_weight",
        "area_name": ["England", "Swale", "Swale", "England"], "role": ["england", "area", "area", "england"],
        "period": ["2021", "2020", "2021", "2020"], "value": [2.5658, 2.7397, np.nan, 2.9],
        "value_note": ["", "", "[c] suppressed", ""]})
    wide = tables.by_period(frame, role_order={"area": 0, "england": 3})
    assert wide.columns.tolist()[0] == "Area"
    assert wide.Area.tolist() == ["Swale", "England"]
    assert [c.split(" ")[0] for c in wide.columns[1:]] == ["2020", "2021"]
    assert wide.iloc[0, 1:].tolist() == ["2.74", "[c]"]   # catalogue: low birth weight at 2 places
    assert wide.iloc[1, 1:].tolist() == ["2.90", "2.57"]


def test_across_keeps_category_order_and_marks_gaps():
    frame = pd.DataFrame({"group": ["b", "a", "b"], "area_name": ["X", "X", "Y"], "role": ["area", "area", "england"],
                          "share": [1.04, 2.0, 3.0]})
    out = tables.across(frame, "group", "share", decimals=1, label="Group", role_order={"area": 0, "england": 3})
    assert out.to_dict("records") == [{"Group": "b", "X": "1.0", "Y": "3.0"}, {"Group": "a", "X": "2.0", "Y": "[x]"}]


@pytest.fixture()
def page(monkeypatch, tmp_path):
    """A Pack writing into tmp_path, with what it displays captured as HTML strings (a fixture, not a page)."""
    from nbutils import report

    shown = []
    monkeypatch.setattr(report, "display", lambda obj: shown.append(obj.data))
    return report.Pack("E07000113", "fixture", tmp_path), shown


def test_pack_table_with_spec_shows_text_and_keeps_numbers_in_csv(page):
    pack, shown = page
    frame = pd.DataFrame({"area_name": ["Swale", "Kent"], "share_pct": [0.611234, np.nan], "value_note": ["", ""]})
    pack.table(frame, "shares", "Shares", shown=TableSpec([Column("area_name", "Area", kind="text"),
                                                         Column("share_pct", "Share", kind="percent", decimals=2)]))
    html = shown[-1]
    assert "<th>Share (%)</th>" in html and "<td>0.61</td>" in html and "<td>[x]</td>" in html
    assert "share_pct" not in html
    # The CSV holds the number at its stated precision (the spec's 2 places), the marker and why; the analyst's
    # table the same numbers, numeric, with NaN where the CSV has the marker.
    text = (pack.folder / "shares.csv").read_text(encoding="utf-8").splitlines()
    assert text[1:] == ["Swale,0.61,", "Kent,[x],[x] not available: not published in the source held here"]
    assert pack.tables["shares"].share_pct.dtype == float and pack.tables["shares"].share_pct.iloc[0] == 0.61
    assert np.isnan(pack.tables["shares"].share_pct.iloc[1])


def test_pack_table_csv_only_gives_a_one_line_pointer(page):
    pack, shown = page
    frame = pd.DataFrame({"area_name": [f"District {i}" for i in range(300)], "value": np.arange(300.0)})
    pack.table(frame, "funnel", "Every English district", csv_only=True)
    html = shown[-1]
    assert "<table" not in html
    assert "300 rows" in html and "fixture/funnel.csv" in html
    assert len(pd.read_csv(pack.folder / "funnel.csv")) == 300


def test_pack_table_with_spec_applies_the_disclosure_rule(page):
    pack, shown = page
    frame = pd.DataFrame({"area_name": ["A", "B"], "count": [2, 40], "value": [0.1, 2.0], "value_note": ["", ""]})
    pack.table(frame, "deaths", "Deaths", rule="ons_vital",
               shown=TableSpec([Column("area_name", "Area", kind="text"), Column("count", "Deaths", kind="count"),
                                Column("value", "Rate", decimals=1)]))
    html = shown[-1]
    assert "<td>[c]</td>" in html and "<td>40</td>" in html and "<td>2.0</td>" in html
    assert "<td>2</td>" not in html


def test_five_ons_high_level_groups_match_ons_published_figures(store_ready):
    """The 19 TS021 groups summed into ONS's five high-level groups, with White split into British and other.

    England's shares are those ONS published for Census 2021 ("Ethnic group, England and Wales: Census 2021",
    England: Asian 9.6%, Black 4.2%, Mixed 3.0%, White 81.0%, Other 2.2%; White British 73.5%). Swale's counts
    are TS021's high-level totals for Swale (E07000113), which ONS publishes as the sums of the detailed groups.
    """
    from nbutils.areas import resolve
    from nbutils.topics import ethnicity

    high = ethnicity.high_level_shares(ethnicity.group_shares(resolve("Swale")))
    england = high[high.role == "england"].set_index("group").share_pct.round(1)
    assert england[list(ethnicity.HIGH_LEVEL.values())].tolist() == [9.6, 4.2, 3.0, 81.0, 2.2]
    assert england[ethnicity.WHITE_SPLIT[0]] == 73.5
    swale = high[high.role == "area"].set_index("group")["count"]
    assert swale[list(ethnicity.HIGH_LEVEL.values())].tolist() == [2312, 3487, 2741, 142341, 796]
    assert swale[list(ethnicity.HIGH_LEVEL.values())].sum() == 151677   # every usual resident, once
    assert swale[ethnicity.WHITE_SPLIT].sum() == swale["White"]

    shown = ethnicity.high_level_view(high)
    assert shown.columns.tolist() == ["Ethnic group (ONS high-level)", "Residents in Swale", "Swale (%)", "Kent (%)",
                                      "South East (%)", "England (%)"]
    assert shown.iloc[3].tolist() == ["White", "142,341", "93.8", "89.4", "86.3", "81.0"]
    assert shown.iloc[5, 0] == "of which White: English, Welsh, Scottish, Northern Irish or British"


def test_styler_keeps_numbers_for_analysts_and_rounds_on_screen():
    frame = pd.DataFrame({"area_name": ["Swale", "Kent"], "share_pct": [0.611234, np.nan]})
    spec = TableSpec([Column("area_name", "Area", kind="text"), Column("share_pct", "Share", kind="percent",
                                                                        decimals=2)])
    styled = spec.styler(frame)
    assert styled.data["Share (%)"].iloc[0] == pytest.approx(0.611234)
    html = styled.to_html()
    assert ">0.61<" in html and ">[x]<" in html and "0.611234" not in html


# ----------------------------------------------------------------------------------------------- the CSV writer
def test_csv_numbers_carry_no_float_noise_and_stated_precision(tmp_path):
    frame = pd.DataFrame({"indicator_id": ["ons_hi_low_birth_weight", "local_series"],
                          "value": [5.461042652000001, 10.561522199999999],
                          "denominator": [1234.0, np.nan], "share": [0.30000000000000004, 1 / 3]})
    ready = tables.analysis_ready(frame, {"share": 3})
    tables.write_csv(ready, tmp_path / "t.csv")
    lines = (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()
    # low birth weight at the catalogue's 2 places; a series the catalogue does not hold keeps 6 significant
    # digits (its noise gone); a whole number without '.0'; 'share' at the 3 places stated.
    assert lines[1] == "ons_hi_low_birth_weight,5.46,1234,0.3,"
    assert lines[2].startswith("local_series,10.5615,[x],0.333,[x] not available")
    back = pd.read_csv(tmp_path / "t.csv", na_values=["[c]", "[x]"])
    pd.testing.assert_frame_equal(back.drop(columns="value_note"), ready.drop(columns="value_note"))
    # Six significant digits, but never more than 6 places: Hartlepool's Caribbean residents, 57 of 92,338.
    # A tiny value (a probability) keeps its significant digits rather than being rounded towards 0.
    small = tables.analysis_ready(pd.DataFrame({"share_pct": [100 * 57 / 92338, 0.0084473, 3.14159265e-9]}))
    tables.write_csv(small, tmp_path / "small.csv")
    assert (tmp_path / "small.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        "0.06173,", "0.008447,", "3.14159e-09,"]


def test_csv_text_cells_that_start_a_formula_are_neutralised_and_numbers_stay_numbers(tmp_path):
    frame = pd.DataFrame({"area_name": ["=HYPERLINK(\"http://example.invalid\",\"x\")", "+SUM(A1)", "-2+3",
                                        "@cmd", "\tx", "\rx", "Swale"],
                          "change": [-1.5, 2.0, -0.25, 0.0, 1.0, -3.0, 4.0], "code": ["-5", "+1", "x", "y", "z", "w", "v"]})
    tables.write_csv(tables.analysis_ready(frame), tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", keep_default_na=False)
    assert back.area_name.tolist() == ["'=HYPERLINK(\"http://example.invalid\",\"x\")", "'+SUM(A1)", "'-2+3", "'@cmd",
                                       "'\tx", "'\rx", "Swale"]
    assert back.change.tolist() == [-1.5, 2.0, -0.25, 0.0, 1.0, -3.0, 4.0]  # negative numbers are not text
    assert back.code.tolist()[:2] == ["-5", "+1"]  # text that is just a number is left as it is


def test_analysis_ready_turns_rendered_markers_back_into_numbers_with_the_reason():
    frame = pd.DataFrame({"area_name": ["A", "B", "C"], "value": [1.25, "[c]", "[x]"], "period": ["2021", "2021", "2021"]})
    ready = tables.analysis_ready(frame)
    assert ready.value.dtype == float and ready.value.sum() == 1.25
    assert ready.period.tolist() == ["2021"] * 3  # text without markers stays text
    assert ready.value_note.str[:3].tolist() == ["", "[c]", "[x]"]


def test_the_module_examples_hold():
    import doctest

    result = doctest.testmod(tables)
    assert result.attempted >= 3 and result.failed == 0
