"""Scale of need as births (or children aged 0-2) x prevalence, a year and over several years."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ._checks import _proportion


def round_sensibly(value: float) -> float:
    """Round a number of people for planning: under 100 to the nearest 5, under 1,000 to 10, else to 50."""
    if value is None or pd.isna(value):
        return float("nan")
    step = 5 if value < 100 else 10 if value < 1000 else 50
    return float(round(value / step) * step)


@dataclass(frozen=True)
class NeedAssumption:
    """One line of the scale-of-need calculator."""

    need: str
    base: str  # 'births' or 'children_0_2'
    prevalence_pct: float
    source: str


def perinatal_need(births: float, assumptions: list[NeedAssumption], children_0_2: float | None = None,
                   years: int = 5) -> pd.DataFrame:
    """Births (or children aged 0-2) x prevalence, a year and over ``years`` years, with the arithmetic shown.

    >>> float(perinatal_need(4500, [NeedAssumption("Mothers", "births", 20, "Coventry")]).annual_rounded.iloc[0])
    900.0
    """
    if births is None or pd.isna(births) or float(births) <= 0:
        raise ValueError("births must be a positive number (set the births parameter)")
    rows = []
    for a in assumptions:
        p = _proportion(a.prevalence_pct, f"prevalence for {a.need}")
        if a.base == "births":
            base, base_label = float(births), "births a year"
            annual = base * p
            total = annual * years
            sums = (f"{base:,.0f} {base_label} x {a.prevalence_pct:g}% = {annual:,.1f} a year; "
                    f"x {years} years = {total:,.1f}")
        elif a.base == "children_0_2":
            if children_0_2 is None or pd.isna(children_0_2):
                raise ValueError("children aged 0-2 are needed for a 'children_0_2' assumption")
            base, base_label = float(children_0_2), "children aged 0-2"
            annual = base * p
            total = float("nan")  # a standing number of children, not a yearly flow
            sums = f"{base:,.0f} {base_label} x {a.prevalence_pct:g}% = {annual:,.1f} at any one time"
        else:
            raise ValueError(f"unknown base {a.base!r}: use 'births' or 'children_0_2'")
        rows.append({"need": a.need, "base": base_label, "base_number": base, "prevalence_pct": a.prevalence_pct,
                     "annual": annual, "annual_rounded": round_sensibly(annual), "years": years,
                     f"total_{years}_years": total, f"total_{years}_years_rounded": round_sensibly(total),
                     "arithmetic": sums, "assumption_source": a.source})
    return pd.DataFrame(rows)
