"""``nbutils data status`` and nbutils.currency: latest period held, levels, age and the old-figure flag."""

from __future__ import annotations

import pytest

from nbutils import catalog, cli, currency, periods
from nbutils.areas import resolve_targets


@pytest.fixture()
def swale_currency(store_ready, monkeypatch):
    monkeypatch.setenv("NBUTILS_PACK_DATE", "2026-12-02")
    return currency.data_currency(resolve_targets(["Swale"])[0]).set_index("indicator")


def test_one_row_per_catalogue_indicator(swale_currency):
    assert list(swale_currency.reset_index().columns) == currency.COLUMNS
    assert sorted(swale_currency.index) == sorted(catalog.catalogue())


def test_latest_period_level_age_and_old_flag(swale_currency):
    satod = swale_currency.loc["satod"]
    # Swale's own smoking at delivery is not published; its county's (Kent) is held for 2018/19 only, while
    # England's series runs to 2023/24. The row reports Kent's 2018/19, old, never England's 2023/24 as current.
    assert (satod["latest period"], satod.level, satod.origin) == (
        "2018/19", "county: Kent (not this area's own figure)", "embedded")
    assert satod.age_years == pytest.approx(7.7) and satod.old
    assert satod["england latest period"] == "2023/24"
    # Swale's own figure where it has one.
    own = swale_currency.loc["ons_hi_infant_mortality"]
    assert (own["latest period"], own.level, own.old) == ("2019-21", "this area (district/UA)", True)
    initiation = swale_currency.loc["breastfeeding_initiation"]
    assert initiation["latest period"] == "2016/17" and initiation.old
    assert swale_currency.loc["neonatal_mortality", "latest period"] == "none held (fetched live only)"
    assert not swale_currency.loc["neonatal_mortality", "old"]


def test_old_flag_is_the_one_freshness_rule(swale_currency):
    held = swale_currency[~swale_currency["latest period"].str.startswith("none held")]
    assert len(held) > 20
    on = periods.pack_date()
    for indicator, row in held.iterrows():
        assert row.old == periods.is_old(row["latest period"], on), indicator


def test_data_status_command(store_ready, monkeypatch, capsys):
    monkeypatch.setenv("NBUTILS_PACK_DATE", "2026-12-02")
    assert cli.main(["data", "status", "Swale"]) == 0
    out = capsys.readouterr().out
    assert "Data currency: Swale" in out and "old figure" in out and "2016/17" in out
    assert cli.main(["data", "status", "kent"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["nbutils: error: data status takes one district, unitary authority or county, not the 14 areas of "
                   "'kent'"]


def test_an_area_without_its_own_or_a_county_figure_names_england(store_ready, monkeypatch):
    from nbutils.areas import resolve

    monkeypatch.setenv("NBUTILS_PACK_DATE", "2026-12-02")
    hartlepool = currency.data_currency(resolve("Hartlepool")).set_index("indicator")
    # No smoking-at-delivery figure for Hartlepool (a unitary: no county) nor its region: England's, named.
    assert hartlepool.loc["satod", "level"] == "England (not this area's own figure)"
    assert hartlepool.loc["breastfeeding_6_8_weeks", "level"] == "this area (district/UA)"


def test_every_area_at_once_keeps_the_latest_period_at_any_level(store_ready):
    everywhere = currency.data_currency().set_index("indicator")
    assert everywhere.loc["satod", "latest period"] == "2023/24" and everywhere.loc["satod", "level"] == "England"
