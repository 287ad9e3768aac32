"""The ONS Health Index infant mortality series (three-year rates for districts and unitaries): the area's own
periods placed among all English districts, its siblings' series, and the periods ONS carried forward.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import query
from ..areas import Area, registry
from . import indicators, overview
from .funnel import _suppressed


@dataclass(frozen=True, kw_only=True, eq=False)  # eq=False: a DataFrame's == is cell by cell
class InfantMortalitySeries:
    """The series of one area, as :func:`infant_mortality_series` returns it."""

    here: pd.DataFrame  #: the area's periods, with the spread of districts and its position among them
    spread: pd.DataFrame  #: per period: percentiles and count of English districts' published rates
    siblings: pd.DataFrame  #: the series of the other areas it is ranked among (:meth:`~nbutils.areas.Registry.siblings`)
    dropped: list[str]  #: the area's periods left out because ONS carried them forward (not new data points)


def infant_mortality_series(area: Area) -> InfantMortalitySeries:
    """The area's Health Index series, the spread of all English districts each period, its siblings' series,
    and the periods dropped because ONS carried them forward.

    Withheld periods stay in the area's and siblings' series as rows without a value and with the ``[c]`` note
    (tables show them as ``[c]``; they are never dropped); the spread is of published values only.
    """
    codes = [a.code for a in registry().districts()]
    data = query.districts_of("ons_hi_infant_mortality", codes)
    carried = data.value_note.fillna("").str.contains(overview.CARRIED_FORWARD)
    dropped = sorted(set(data.loc[carried & (data.area_code == area.code), "period"]))
    data = data[~carried & (data.value.notna() | _suppressed(data))]
    published = data[data.value.notna()]
    spread = published.groupby("period").value.agg(
        p10=lambda v: v.quantile(0.1), q1=lambda v: v.quantile(0.25), median="median",
        q3=lambda v: v.quantile(0.75), p90=lambda v: v.quantile(0.9), districts="count").reset_index()
    spread[["p10", "q1", "median", "q3", "p90"]] = spread[["p10", "q1", "median", "q3", "p90"]].round(2)
    columns = ["area_code", "area_name", "period", "value", "value_note"]
    here = data[data.area_code == area.code][columns].reset_index(drop=True)
    sibling_codes = [a.code for a in registry().siblings(area) if a.code != area.code]
    siblings = data[data.area_code.isin(sibling_codes)][columns]
    here = here.merge(spread, on="period", how="left")
    here["position_among_districts"] = [
        indicators.position_in_distribution(v, {"upper_quartile": q3, "lower_quartile": q1, "median": m,
                                                "districts": n}) if pd.notna(v) else "withheld"
        for v, q1, m, q3, n in zip(here.value, here.q1, here["median"], here.q3, here.districts)]
    return InfantMortalitySeries(here=here, spread=spread, siblings=siblings.reset_index(drop=True), dropped=dropped)
