"""Readers for the ONS Explore local statistics files in data/raw/ (DWP child poverty, OHID adult obesity, ONS
cigarette smokers), with ISO 8601 periods turned into the workbook's period labels.
"""

from __future__ import annotations

import re

import pandas as pd

from .manifest import raw_file

SOURCE = "ons-explore-local-statistics"
CHILD_POVERTY = (SOURCE, "children-in-relative-poverty.csv")
ADULT_OBESITY = (SOURCE, "adult-obesity-prevalence.csv")
CIGARETTE_SMOKERS = (SOURCE, "cigarette-smokers.csv")


def period_label(interval: str) -> str:
    """'2021-04-01/P1Y' -> '2021/22'; '2015-11-16/P1Y' -> '2015/16'; '2020-01-01/P5Y' -> '2020-24'."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})/P(\d+)Y", interval)
    if not match:
        raise ValueError(f"unexpected period {interval!r} in an Explore local statistics file")
    year, month, years = int(match.group(1)), int(match.group(2)), int(match.group(4))
    if month == 1:  # calendar years
        return str(year) if years == 1 else f"{year}-{str(year + years - 1)[-2:]}"
    end = year + years
    return f"{year}/{str(end)[-2:]}"


def read(source: tuple[str, str]) -> pd.DataFrame:
    """area_code, area_name, geography, indicator, period (label), value, lower_ci95, upper_ci95, notes."""
    raw = pd.read_csv(raw_file(*source))
    out = pd.DataFrame({
        "area_code": raw["areacd"], "area_name": raw["areanm"], "geography": raw["geography"],
        "indicator": raw["indicator"], "period": raw["period"].map(period_label),
        "value": raw["observation"], "lower_ci95": raw["lci_95"], "upper_ci95": raw["uci_95"],
        "notes": raw["notes"].fillna(""),
    })
    return out
