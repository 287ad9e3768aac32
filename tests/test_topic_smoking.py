"""Smoking topic: values in the topic tables and exported CSVs equal the raw source files."""

from __future__ import annotations

import pandas as pd
import pytest

from nbutils.areas import resolve
from nbutils.topics import indicators, smoking

SWALE, WESTMINSTER = "E07000113", "E09000033"


@pytest.fixture(scope="module")
def swale(store_ready):
    return resolve(SWALE)


def test_adult_smoking_as_published(swale):
    # themes_adults_smoking.csv row 4407: E07000113,Swale,District,2024,...,14.9,Similar,NA
    adults = smoking.adult_smoking(swale)
    row = adults[(adults.role == "area") & (adults.period == "2024")].iloc[0]
    assert row.value == pytest.approx(14.9)
    assert row.compared_with_england == "Similar"
    assert indicators.trend_label(adults, "aps_adult_smoking").startswith("Cannot be calculated")


def test_five_year_average_compared_with_intervals(swale):
    # cigarette-smokers.csv row 510: Swale 2020-01-01/P5Y 13.3 (9.8 to 16.7); England 11.5.
    five = smoking.five_year_smoking(swale)
    row = five[(five.role == "area") & (five.period == "2020-24")].iloc[0]
    assert (row.value, row.lower_ci95, row.upper_ci95) == pytest.approx((13.3, 9.8, 16.7))
    assert row.compared_with_england == "Similar"
    assert row.comparison_method == indicators.METHOD_CI


def test_routine_manual_pooled(swale):
    # themes_adults_smoking_manual.csv row 5228: Swale 2022 - 24 20.1, Similar
    manual = smoking.routine_manual(swale)
    assert set(manual.period) == {"2019-21", "2020-22", "2021-23", "2022-24"}
    row = manual[(manual.role == "area") & (manual.period == "2022-24")].iloc[0]
    assert row.value == pytest.approx(20.1)


def test_satod_county_value_and_england_series(swale):
    delivery = smoking.satod(swale)
    # walkthrough_tidy_with_codes.csv row 4636: Kent 2018/19 13.8003 (13.2704-14.3479), 2173/15746.
    kent = delivery[delivery.area_name == "Kent"].iloc[0]
    # The count leaves the store rounded to 5 (maternity rule): 2173 -> 2175.
    assert (kent.value, kent["count"], kent.denominator) == pytest.approx((13.8, 2175, 15746))  # value at 1 decimal
    assert kent.compared_with_england == "Worse than England"
    # maternal_subset_tidy.csv row 789: England 2021/22 9.1 (49534 / 544629).
    england = delivery[(delivery.role == "england") & (delivery.period == "2021/22")].iloc[0]
    assert (england.value, england["count"], england.denominator) == pytest.approx((9.1, 49535, 544629))  # 49534 rounded to 5
    assert smoking.satod_trend_label(delivery) == "Decreasing and getting better"


def test_satod_missing_for_london(store_ready):
    delivery = smoking.satod(resolve(WESTMINSTER))
    assert set(delivery.role) == {"england"}
    westminster = resolve(WESTMINSTER)
    messages = smoking.key_messages(westminster, smoking.MessageInputs(
        adults=smoking.adult_smoking(westminster), five_year=smoking.five_year_smoking(westminster),
        manual=smoking.routine_manual(westminster), delivery=delivery,
        delivery_trend=smoking.satod_trend_label(delivery)))
    assert any("No smoking-at-delivery figure" in m for m in messages)


@pytest.fixture(scope="module")
def pack_run(tmp_path_factory, store_ready):
    from nbutils import runner

    out = tmp_path_factory.mktemp("smoking")
    summary = runner.run([resolve(SWALE), resolve(WESTMINSTER)], ["smoking"], out, jobs=1)
    return out, summary


@pytest.mark.slow
def test_smoking_pack_runs_and_exports_source_values(pack_run):
    out, summary = pack_run
    assert not summary.failed, [r.error for r in summary.failed]
    adults = pd.read_csv(out / "E07000113-swale" / "smoking" / "adult_smoking_trend.csv", dtype={"period": str})
    assert adults[(adults.role == "area") & (adults.period == "2024")].value.iloc[0] == pytest.approx(14.9)
    satod = pd.read_csv(out / "E09000033-westminster" / "smoking" / "satod.csv")
    assert set(satod.role) == {"england"}
    assert satod[satod.period == "2021/22"].value.iloc[0] == pytest.approx(9.1)


def test_smoking_at_booking_at_the_units_serving_swale(swale):
    # NHS Maternity Statistics 2022-23 measures CSV, smoking at booking: East Kent Hospitals (RVV) 1,015 smokers
    # of 5,610 deliveries with a recorded status; England 51,120 of 386,955. Place of care, not residents.
    booking = smoking.at_booking(swale)
    units = booking[booking.role == "unit"].set_index("org_code")
    assert list(units.index) == ["RPA", "RVV", "RWF", "RN7"]  # the four Kent and Medway trusts, no Essex one
    assert (units.loc["RVV", "count"], units.loc["RVV", "denominator"]) == (1015, 5610)
    assert units.loc["RVV", "value"] == pytest.approx(round(1015 / 5610 * 100, 1))  # published decimal
    assert booking[booking.role == "england"].value.iloc[0] == pytest.approx(round(51120 / 386955 * 100, 1))
    assert units.loc["RPA", "value_note"] == "recorded for 19% of deliveries"
    message = smoking.key_messages(swale, smoking.MessageInputs(
        adults=smoking.adult_smoking(swale), five_year=smoking.five_year_smoking(swale),
        manual=smoking.routine_manual(swale), delivery=smoking.satod(swale), delivery_trend="", booking=booking))[-1]
    assert message.startswith("At the 4 maternity units serving Swale (place of care, not residents)")
    assert "18.1% at East Kent Hospitals University NHS Foundation Trust" in message


def test_a_county_page_shows_its_own_smoking_at_delivery(store_ready):
    from nbutils.areas import resolve
    from nbutils.topics import smoking

    kent = resolve("E10000016")
    frame = smoking.satod(kent)
    # walkthrough extract: Kent 2018/19 13.8003% (the county's own figure, not "not held").
    row = frame[frame.area_code == "E10000016"]
    assert row.value.iloc[0] == pytest.approx(13.8) and row.period.iloc[0] == "2018/19"  # 13.8003 at 1 decimal
    assert smoking.satod_missing(frame) is None
