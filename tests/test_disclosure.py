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
    assert out["value_note"].iloc[1] == D.WITHHELD_NOTE == "[c] withheld to protect confidentiality (disclosure control)"
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
    assert out["value_note"].iloc[1] == D.WITHHELD_NOTE


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


# ------------------------------------------------------------------------------------- complementary suppression
# Fixture: a county C of three districts, a unitary U, a region R (C + U) and England E (R only). Counts are made up
# for the test, not real data.
EDGES = pd.DataFrame({"parent": ["C", "C", "C", "R", "R", "E"], "child": ["d1", "d2", "d3", "C", "U", "R"]})


def area_frame(counts, period="2016-18"):
    codes = list(counts)
    return pd.DataFrame({"indicator_id": "x", "period": period, "category_type": "", "category": "",
                         "area_code": codes, "count": [counts[c] for c in codes],
                         "value": [float(counts[c]) for c in codes], "value_note": ""})


def protect(frame):
    safe = D.apply(frame.assign(_size=frame["count"]), "ons_vital")
    return D.complementary_suppression(safe, EDGES, ["indicator_id", "period", "category_type", "category"],
                                       size="_size")


def recoverable(out):
    """Suppressed cells a reader can pin down as total minus the shown members (the attack in issue 13)."""
    shown = dict(zip(out.area_code, out["count"]))
    found = []
    for total, members in EDGES.groupby("parent").child:
        cells = [total, *members]
        unknown = [c for c in cells if c not in shown or pd.isna(shown[c])]
        if len(unknown) == 1 and unknown[0] in shown:
            found.append(unknown[0])
    return found


def test_differencing_attack_succeeds_without_complements():
    primary = D.apply(area_frame({"C": 30, "d1": 2, "d2": 10, "d3": 18, "R": 50, "U": 20, "E": 50}), "ons_vital")
    assert recoverable(primary) == ["d1"]  # 30 - 10 - 18 = 2: the issue-13 leak


def test_next_smallest_member_is_suppressed_with_a_note():
    out = protect(area_frame({"C": 30, "d1": 2, "d2": 10, "d3": 18, "R": 50, "U": 20, "E": 50}))
    assert out.set_index("area_code").suppressed.to_dict() == {
        "C": False, "d1": True, "d2": True, "d3": False, "R": False, "U": False, "E": False}
    d2 = out[out.area_code == "d2"].iloc[0]
    assert np.isnan(d2["count"]) and np.isnan(d2["value"])
    # One note for primary and complementary alike: the reader cannot tell which cell is the small one.
    assert d2.value_note == D.COMPLEMENT_NOTE == D.WITHHELD_NOTE
    assert out[out.area_code == "d1"].value_note.iloc[0] == D.WITHHELD_NOTE
    assert recoverable(out) == []


def test_suppressed_total_cascades_until_nothing_is_recoverable():
    # The county total itself is 2: recoverable from the districts (sum) and from the region (50 - 48).
    out = protect(area_frame({"C": 2, "d1": 0, "d2": 1, "d3": 1, "R": 50, "U": 48, "E": 50}))
    assert recoverable(out) == []
    assert out.set_index("area_code").suppressed["U"]          # region: R - U gave C
    assert not out.set_index("area_code").suppressed["d1"]     # a zero is never picked as a complement


def test_all_ones_group_is_protected():
    # d1 and d2 are both 1: with the total shown, 2 unknowns summing to 2 can only be 1 and 1.
    out = protect(area_frame({"C": 12, "d1": 1, "d2": 1, "d3": 10}))
    assert out.set_index("area_code").suppressed.to_dict() == {"C": False, "d1": True, "d2": True, "d3": True}


def test_absent_member_protects_and_absent_subtotal_is_expanded():
    # d3 absent: C - d2 leaves d1 + d3, two unknowns: nothing more to suppress.
    out = protect(area_frame({"C": 30, "d1": 2, "d2": 10}))
    assert out.suppressed.tolist() == [False, True, False]
    # C absent but R shown: R = d1 + d2 + d3 + U, so the missing county total protects nothing.
    out = protect(area_frame({"R": 50, "U": 20, "d1": 2, "d2": 10, "d3": 18}))
    assert out.set_index("area_code").suppressed.sum() == 2


def test_groups_are_kept_apart_by_period():
    frame = pd.concat([area_frame({"C": 30, "d1": 2, "d2": 10, "d3": 18}),
                       area_frame({"C": 30, "d1": 5, "d2": 7, "d3": 18}, period="2017-19")], ignore_index=True)
    out = protect(frame)
    assert out.loc[out.period == "2017-19", "suppressed"].sum() == 0
    assert out.loc[out.period == "2016-18", "suppressed"].sum() == 2


def test_category_total_complement():
    frame = pd.DataFrame({"area_code": "A", "period": "2021", "category": ["All", "a", "b", "c"],
                          "count": [40, 2, 15, 23], "value": [40.0, 2, 15, 23], "value_note": ""})
    edges = pd.DataFrame({"parent": "All", "child": ["a", "b", "c"]})
    safe = D.apply(frame.assign(_size=frame["count"]), "ons_vital")
    out = D.complementary_suppression(safe, edges, ["area_code", "period"], key="category", size="_size")
    assert out.suppressed.tolist() == [False, True, True, False]


def test_nothing_suppressed_nothing_changes():
    frame = area_frame({"C": 30, "d1": 5, "d2": 7, "d3": 18})
    out = protect(frame)
    assert not out.suppressed.any()
    assert out["count"].tolist() == [30, 5, 7, 18]


# ------------------------------------------------------------------------------------------------ implied events


def test_implied_events_withholds_rates_from_one_or_two_events():
    # Real ONS Health Index rates (per 1,000, three-year pooled) with mid-2020 residents aged under 1:
    # Derbyshire Dales 2019-21 (1 death in 1,403 births), Rutland 2016-18 (1 in 997), Adur 2019-21 (about 4).
    frame = pd.DataFrame({"area_code": ["E07000035", "E06000017", "E07000223", "Z"],
                          "value": [0.712758, 1.003009, 2.320186, 0.0], "value_note": ""})
    births = pd.Series({"E07000035": 471.0, "E06000017": 270.0, "E07000223": 575.0, "Z": 900.0})
    est = D.implied_events(frame.value, frame.area_code.map(births), per=1000, births_years=3)
    assert est.round(2).tolist() == [1.01, 0.81, 4.0, 0.0]
    out = D.suppress_implied_events(frame, births, per=1000, births_years=3)
    assert out.suppressed.tolist() == [True, True, False, False]  # a zero rate is not disclosive
    assert out.value.isna().tolist() == [True, True, False, False]
    assert out.value_note.iloc[0] == D.IMPLIED_NOTE


def test_implied_events_is_conservative_near_three():
    # Rutland's 2018 low birth weight: 2 of 198 term births (1.01%); residents aged under 1 (270) overstate the
    # term births, so the estimate is 2.7, and an estimate of 3.4 is still withheld.
    births = pd.Series({"R": 270.0, "S": 340.0, "T": 400.0})
    frame = pd.DataFrame({"area_code": ["R", "S", "T"], "value": [1.010101, 1.0, 1.0]})
    out = D.suppress_implied_events(frame, births, per=100)
    assert out.implied_events.round(2).tolist() == [2.73, 3.4, 4.0]
    assert out.suppressed.tolist() == [True, True, False]
    assert D.IMPLIED_EVENTS_THRESHOLD == 3.5


def test_unknown_births_are_not_guessed():
    out = D.suppress_implied_events(pd.DataFrame({"area_code": ["Q"], "value": [0.5]}), pd.Series(dtype=float),
                                    per=1000, births_years=3)
    assert not out.suppressed.any()


# ------------------------------------------------------------------------------------------------ CSV rendering


def test_for_csv_never_writes_an_empty_field_for_a_number():
    f = pd.DataFrame({"area_code": ["A", "B", "C"], "count": [np.nan, 10, 0], "value": [np.nan, np.nan, 0.0],
                      "comparison": [None, "Similar", "Similar"],
                      "value_note": ["[c] suppressed: fewer than 3 events (disclosure control)", "", ""]})
    out = D.for_csv(f)
    assert out["count"].tolist() == ["[c]", 10, 0]
    assert out["value"].tolist() == ["[c]", "[x]", 0.0]
    assert out["comparison"].tolist() == ["[c]", "Similar", "Similar"]
    assert out.value_note.tolist()[0].startswith("[c]")
    assert out.value_note.tolist()[1] == "[x] not available: not published in the source held here"
    assert out.value_note.tolist()[2] == ""
    back = pd.read_csv(__import__("io").StringIO(out.to_csv(index=False)), na_values=["[c]", "[x]"])
    assert back["count"].tolist()[1:] == [10, 0] and np.isnan(back["count"].iloc[0])
    assert D.is_suppressed(f).tolist() == [True, False, False]


def test_csv_notes_are_the_notes_for_csv_writes():
    # A withheld row, a row with a cell not published and a note of its own, a row with a note and nothing
    # missing, one flagged suppressed with no note, and a frame with no note column at all.
    f = pd.DataFrame({"area_code": ["A", "B", "C", "D"], "value": [np.nan, 2.5, 3.0, np.nan],
                      "lower": [np.nan, np.nan, 1.0, np.nan], "suppressed": [False, False, False, True],
                      "value_note": ["[c] suppressed: fewer than 3 events (disclosure control)",
                                     "provisional", "revised", None]})
    notes = D.csv_notes(f)
    assert notes.tolist() == D.for_csv(f).value_note.tolist()
    assert notes.tolist() == ["[c] suppressed: fewer than 3 events (disclosure control)",
                              "[x] not available: not published in the source held here; provisional", "revised",
                              D.WITHHELD_NOTE]
    bare = f.drop(columns=["value_note", "suppressed"])
    assert D.csv_notes(bare).tolist() == D.for_csv(bare).value_note.tolist()
    assert D.csv_notes(bare).tolist()[2] == ""
