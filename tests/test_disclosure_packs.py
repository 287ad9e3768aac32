"""End to end: the Adur, Malvern Hills and Rutland packs leak no withheld value (issue 13).

Builds the packs with the command line (a few minutes; set NBUTILS_DISCLOSURE_PACKS to an existing output folder
of the same three areas to re-check one without rebuilding), then attacks every CSV as a reader would.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nbutils import catalog, disclosure, store

from conftest import run_cli

pytestmark = pytest.mark.slow

AREAS = ["Adur", "Malvern Hills", "Rutland"]
# CSVs without an indicator_id column, and the indicator they show.
FILE_INDICATOR = {"infant_mortality_funnel": "fingertips_infant_mortality",
                  "infant_mortality_series": "ons_hi_infant_mortality"}
RATE_ONLY = [i for i, m in catalog.catalogue().items() if m.implied_events is not None]


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> Path:
    given = os.environ.get("NBUTILS_DISCLOSURE_PACKS")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("packs")
    result = run_cli("run", *AREAS, "--out", str(out), "--jobs", "2", timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def csvs(packs):
    files = sorted(packs.glob("*/*/*.csv"))
    assert len(files) > 50
    return {f: pd.read_csv(f, dtype=str, keep_default_na=False) for f in files}


def _number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _withheld(indicator_id):
    """(area, period) pairs the store withholds: the truth a reader must not recover."""
    rows = store.indicator_data(indicator_id)
    return set(zip(rows.loc[disclosure.is_suppressed(rows), "area_code"],
                   rows.loc[disclosure.is_suppressed(rows), "period"]))


def _members():
    """Each total and the areas it sums, with unpublished subtotals expanded by the attacker (they are sums)."""
    edges = store._hierarchy(store.ensure())
    return edges.groupby("parent").child.apply(list).to_dict()


def test_no_suppressed_count_can_be_recovered_by_subtraction(csvs):
    # Pool every count a reader sees, per indicator and period, across every CSV of the batch.
    seen: dict[tuple[str, str], dict[str, float | None]] = {}
    for path, frame in csvs.items():
        if not {"area_code", "period", "count"} <= set(frame.columns):
            continue
        ids = frame["indicator_id"] if "indicator_id" in frame else FILE_INDICATOR.get(path.stem)
        for ind, code, period, count in zip(pd.Series(ids, index=frame.index), frame.area_code, frame.period,
                                            frame["count"]):
            if ind and code:
                cell = seen.setdefault((ind, period), {})
                if _number(count) is not None:
                    cell[code] = _number(count)
                else:
                    cell.setdefault(code, None)
    assert ("fingertips_infant_mortality", "2016-18") in seen
    children = _members()

    def expand(node, shown):
        out = []
        for c in children.get(node, ()):
            out.extend([c] if c in shown or c not in children else expand(c, shown))
        return out

    recovered = []
    for (ind, period), cells in seen.items():
        shown = {c for c, v in cells.items() if v is not None}
        withheld = _withheld(ind) if ind in catalog.catalogue() else set()
        for total in [c for c in shown if c in children]:
            members = expand(total, shown)
            unknown = [m for m in members if m not in shown]
            if len(unknown) == 1 and (unknown[0], period) in withheld:
                value = cells[total] - sum(cells[m] for m in members if m in shown)
                recovered.append(f"{ind} {period} {unknown[0]} = {value:g}")
    assert recovered == []
    # The issue-13 attack in particular: West Sussex (77) minus its six other districts.
    wsx = seen[("fingertips_infant_mortality", "2016-18")]
    assert wsx.get("E10000032") == 77 and wsx.get("E07000223") is None and wsx.get("E07000225") is None


def test_no_rate_in_any_csv_implies_fewer_than_3_events(csvs):
    births = store._births(store.ensure())
    small = []
    for path, frame in csvs.items():
        if not {"area_code", "value"} <= set(frame.columns):
            continue
        ids = frame["indicator_id"] if "indicator_id" in frame else pd.Series(FILE_INDICATOR.get(path.stem),
                                                                              index=frame.index)
        geography = frame["value_geography"] if "value_geography" in frame else frame.area_name
        names = store.table("areas").set_index("area_name").area_code
        for ind, code, where, value in zip(ids, frame.area_code, geography, frame.value):
            meta = catalog.catalogue().get(ind)
            if meta is None or meta.implied_events is None or _number(value) is None:
                continue
            code = names.get(where, code)
            est = disclosure.implied_events([_number(value)], [births.get(code, np.nan)], meta.implied_events.per,
                                            meta.implied_events.births_years)[0]
            if 0 < est < 3:
                small.append(f"{path.parent.parent.name}/{path.parent.name}/{path.name}: {ind} {where} {est:.2f}")
        if "count" in frame:
            counts = [_number(c) for c in frame["count"]]
            rule_ids = set(ids.dropna()) if ids is not None else set()
            if any(catalog.catalogue()[i].disclosure == "ons_vital" for i in rule_ids if i in catalog.catalogue()):
                small += [f"{path.name}: count {c:g}" for c in counts if c is not None and 0 < c < 3]
    assert small == []


def test_withheld_rates_appear_nowhere(packs, csvs):
    raw = {i: store._indicator_rows(store.ensure(), i) for i in RATE_ONLY}
    secrets: dict[str, set[str]] = {}
    for ind, rows in raw.items():
        safe = store.indicator_data(ind)
        gone = rows.value.notna().to_numpy() & safe.value.isna().to_numpy()
        # Only values precise enough to identify themselves (three or more decimals, e.g. 0.712758): a withheld
        # one-decimal rate such as 3.9 also occurs by coincidence in other indicators' columns.
        for v in rows.value[gone]:
            if v != round(v, 2):
                secrets.setdefault(f"{v:.6g}", set()).add(ind)
    assert "0.712758" in secrets  # Derbyshire Dales 2019-21: one death

    def same_indicator(frame, position, owners) -> bool:
        # Where a CSV says which indicator a row is, a hit counts only for that indicator (1/99 = 1.0101 is both
        # Rutland's withheld 2018 low birth weight and a share of 1 of 99 neighbourhoods elsewhere).
        if "indicator_id" not in frame.columns:
            return True
        return frame["indicator_id"].iloc[position] in {c for o in owners for c in catalog.copies_of(o)}

    leaks = [f"{p.name}:{c}" for p, f in csvs.items() for c in f.columns
             for position, v in enumerate(f[c]) if _number(v) is not None and f"{_number(v):.6g}" in secrets
             and same_indicator(f, position, secrets[f"{_number(v):.6g}"])]
    assert leaks == []
    for page in packs.glob("*/sudi.html"):
        text = page.read_text()
        assert "1.14</td>" not in text or "Malvern" not in page.parent.name  # Malvern Hills 2015-17: 2 deaths


def test_csvs_mark_suppressed_and_unavailable_cells(csvs):
    empty_numbers = []
    for path, frame in csvs.items():
        for column in frame.columns:
            numeric = frame[column].map(_number).notna()
            if numeric.any() and (frame[column] == "").any():
                empty_numbers.append(f"{path.parent.name}/{path.name}:{column}")
    assert empty_numbers == []
    everything = "".join(f.to_csv(index=False) for f in csvs.values())
    assert "[c]" in everything and "[x]" in everything
    funnel = next(f for p, f in csvs.items() if p.name == "infant_mortality_2016_18.csv")
    assert (funnel.loc[funnel["count"] == "[x]", "value_note"].str.startswith("[x] not available")).all()


def test_kent_scorecard_minimum_is_not_a_rate_from_one_death(tmp_path):
    out = tmp_path / "kent"
    result = run_cli("run", "Swale", "--topics", "overview", "--out", str(out), timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    card = pd.read_csv(next(out.glob("*/overview/scorecard.csv")), na_values=["[c]", "[x]"])
    row = card[card.indicator_id == "ons_hi_infant_mortality"].iloc[0]
    assert round(row.districts_min, 2) != 0.71
    safe = store.indicator_data("ons_hi_infant_mortality")
    # written at the catalogue's decimals, as the page shows it (#21: no more precision than the page shows)
    places = catalog.indicator("ons_hi_infant_mortality").decimals
    assert row.districts_min == pytest.approx(round(safe.loc[safe.period == row.period, "value"].min(), places))
