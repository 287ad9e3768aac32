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
    # Swale's county (Kent) is held for 2018/19 only; England's series runs to 2023/24.
    assert (satod["latest period"], satod.level, satod.origin) == ("2023/24", "England", "embedded")
    assert satod.age_years == pytest.approx(2.7) and not satod.old
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
