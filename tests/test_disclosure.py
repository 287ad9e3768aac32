"""Tests for nbutils.disclosure (one disclosure-control policy for all outputs)."""

import numpy as np
import pandas as pd
import pytest

from nbutils import disclosure as D


def hospital_frame():
    return pd.DataFrame({
        "area_code": ["E1", "E2", "E3", "E4", "E5", "E6"],
        "count": [0, 1, 7, 8, 12, 13],
        "denominator": [500, 400, 300, 200, 100, 1000],
        "value": [0.0, 0.25, 2.33, 4.0, 12.0, 1.3],
        "lower_ci95": [0.0, 0.04, 1.1, 2.0, 7.0, 0.8],
        "upper_ci95": [0.8, 1.4, 4.7, 7.8, 19.9, 2.2],
    })


def test_hospital_suppresses_1_to_7_rounds_others_keeps_zero():
    f = hospital_frame()
    out = D.apply(f, "hospital")
    counts = out["count"].tolist()
    assert counts[0] == 0                                # zero is not disclosive
    assert np.isnan(counts[1]) and np.isnan(counts[2])   # 1 and 7 suppressed
    assert counts[3:] == [10, 10, 15]                    # 8, 12, 13 -> nearest 5
    assert out["suppressed"].tolist() == [False, True, True, False, False, False]
    assert out["value_note"].iloc[1] == "[c] suppressed: fewer than 8 events (disclosure control)"
    assert out["value_note"].iloc[0] == ""
    assert out.attrs["disclosure_rule"] == "hospital"
    # input not mutated
    assert f["count"].tolist() == [0, 1, 7, 8, 12, 13]


def test_derived_columns_of_suppressed_rows_are_suppressed():
    out = D.apply(hospital_frame(), "maternity")
    for col in ("value", "lower_ci95", "upper_ci95"):
        assert out[col].iloc[1:3].isna().all()
        assert out[col].iloc[[0, 3, 4, 5]].notna().all()
    # denominators are populations: kept
    assert out["denominator"].tolist() == [500, 400, 300, 200, 100, 1000]


def test_explicit_derived_cols():
    f = hospital_frame().assign(rate_per_1000=[0, 2.5, 23, 40, 120, 13])
    out = D.apply(f, "hospital", derived_cols=["rate_per_1000"])
    assert out["rate_per_1000"].iloc[1:3].isna().all()
    assert out["value"].notna().all()  # not listed, so untouched


def test_ons_vital_suppresses_1_and_2_only():
    f = pd.DataFrame({"count": [0, 1, 2, 3, 7, 11], "value": [0, 1, 2, 3, 7, 11.0]})
    out = D.apply(f, "ons_vital")
    assert out["suppressed"].tolist() == [False, True, True, False, False, False]
    assert out["count"].tolist()[3:] == [3, 7, 11]  # not rounded
    assert out["count"].iloc[0] == 0
    assert "fewer than 3 events" in out["value_note"].iloc[1]


@pytest.mark.parametrize("rule", ["census", "none"])
def test_census_and_none_untouched(rule):
    f = pd.DataFrame({"count": [0, 1, 2, 3, 7, 11], "value": [0, 1, 2, 3, 7, 11.0]})
    out = D.apply(f, rule)
    pd.testing.assert_frame_equal(out[["count", "value"]], f)
    assert not out["suppressed"].any()
    D.check_no_small_counts(out, rule)  # nothing to flag


def test_unknown_rule_lists_valid_rules():
    with pytest.raises(ValueError, match="census, hospital, maternity, none, ons_vital"):
        D.apply(hospital_frame(), "hes")


def test_check_no_small_counts_raises_on_leaked_3():
    safe = D.apply(hospital_frame(), "hospital")
    D.check_no_small_counts(safe, "hospital")
    D.check_no_small_counts(D.for_output(safe), "hospital")  # "[c]" markers pass
    leaked = safe.copy()
    leaked.loc[4, "count"] = 3
    with pytest.raises(D.DisclosureError, match=r"position 4 \(3\)") as e:
        D.check_no_small_counts(leaked, "hospital")
    assert isinstance(e.value, ValueError)
    with pytest.raises(D.DisclosureError, match="not rounded"):
        D.check_no_small_counts(pd.DataFrame({"count": [0, 10, 12]}), "hospital")
    with pytest.raises(D.DisclosureError):
        D.check_no_small_counts(pd.DataFrame({"count": [0, 2, 12]}), "ons_vital")
    D.check_no_small_counts(pd.DataFrame({"count": [0, 3, 12]}), "ons_vital")


def test_output_rendering_shows_markers_not_blank_or_zero():
    f = hospital_frame()
    f.loc[5, "value"] = np.nan  # genuinely missing, not suppressed
    out = D.for_output(D.apply(f, "hospital"))
    assert out["count"].iloc[1] == D.SUPPRESSED == "[c]"
    assert out["value"].iloc[2] == "[c]" and out["upper_ci95"].iloc[1] == "[c]"
    assert out["value"].iloc[5] == D.NOT_AVAILABLE == "[x]"
    assert out["count"].iloc[0] == 0  # a real zero stays zero
    csv = out.to_csv(index=False)
    assert "[c]" in csv and ",," not in csv
    assert D.display is D.for_output


def test_footnotes():
    assert D.footnote("hospital").startswith("[c] Counts of 1 to 7 are suppressed")
    assert "nearest 5" in D.FOOTNOTES["maternity"]
    assert "1 and 2" in D.footnote("ons_vital")
    assert D.footnote("none") == ""
