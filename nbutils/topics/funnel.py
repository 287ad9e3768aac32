"""The 2016-18 infant mortality funnel plot: districts and unitaries in the Fingertips extract against England's
rate, with exact Poisson control limits (lines and labels from the same limits), and a plain sentence saying where the page's area is or why it is not
on the plot (a county, suppressed, or not in the extract).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from .. import catalog, disclosure, store
from ..areas import Area, registry

FEW_DEATHS = 20  # ONS: rates based on fewer than 20 events are unreliable
CAUTION = "rate based on fewer than 20 deaths: treat with caution"
DECIMALS = catalog.indicator("fingertips_infant_mortality").decimals  # as the source publishes the rate


def _funnel_limits(rate_per_1000: float, births: np.ndarray) -> pd.DataFrame:
    """Exact Poisson control limits for a crude rate around a benchmark (continuous gamma form).

    For ``n`` births and expected deaths ``mu = rate x n / 1,000``, the limits on the count at two-sided level
    ``1 - a`` are ``chi2(a/2, 2 mu) / 2`` and ``chi2(1 - a/2, 2 (mu + 1)) / 2`` (the gamma form of the exact
    Poisson limits, as in the Fingertips funnel-plot method, Spiegelhalter 2005); dividing by ``n`` gives rates.
    """
    mu = rate_per_1000 * births / 1000
    out = {"denominator": births}
    for level, name in ((0.95, "95"), (0.998, "998")):
        a = 1 - level
        out[f"lower_{name}"] = sps.chi2.ppf(a / 2, 2 * mu) / 2 / births * 1000
        out[f"upper_{name}"] = sps.chi2.ppf(1 - a / 2, 2 * (mu + 1)) / 2 / births * 1000
    return pd.DataFrame(out)


def funnel_positions(rates: np.ndarray, limits: pd.DataFrame) -> np.ndarray:
    """Each point's position against the control limits evaluated at its own denominator (the lines drawn).

    ``rates`` and ``limits`` (one row per point, from :func:`_funnel_limits`) are per 1,000. The label is read
    from the same limits the chart draws, so a point's label always agrees with the side of the lines it sits on.
    """
    rates = np.asarray(rates, dtype=float)
    out = np.full(rates.shape, "Not significant", dtype=object)
    out = np.where(rates < limits.lower_95.to_numpy(), "Low (0.025)", out)
    out = np.where(rates < limits.lower_998.to_numpy(), "Low (0.001)", out)
    out = np.where(rates > limits.upper_95.to_numpy(), "High (0.025)", out)
    out = np.where(rates > limits.upper_998.to_numpy(), "High (0.001)", out)
    return np.where(np.isnan(rates), None, out).astype(object)


@dataclass(frozen=True, kw_only=True, eq=False)  # eq=False: a DataFrame's == is cell by cell
class Funnel:
    """The funnel plot's data, as :func:`funnel` returns it."""

    points: pd.DataFrame  #: districts and unitaries with published deaths and births, placed against the limits
    limits: pd.DataFrame  #: 95% and 99.8% control limits around England's rate, over a grid of births
    england_rate: float  #: England's 2016-18 rate per 1,000 live births
    left_off: int  #: areas in the extract not plotted because their figures are withheld


def funnel(area: Area) -> Funnel:
    """Districts and unitaries with published 2016-18 deaths and births, their position against England's rate,
    the control limits, England's rate, and the number of areas left off because their figures are withheld.

    One method for lines and labels: exact Poisson control limits around England's rate (:func:`_funnel_limits`)
    are drawn, and each point is labelled by where its rate (deaths / births, both published) sits against those
    limits at its own births (:func:`funnel_positions`). Points are drawn at that rate; the table and CSV show it
    at the published decimals.
    """
    data = store.indicator_data("fingertips_infant_mortality")  # already disclosure-controlled by the store
    england = float(data.loc[data.area_type == "england", "value"].iloc[0])
    lads = data[data.area_type == "lad"]
    suppressed = int(_suppressed(lads).sum())
    lads = lads[lads["count"].notna() & lads.denominator.gt(0)].copy()
    names = store.table("areas").set_index("area_code")["area_name"]
    lads["area_name"] = lads.area_code.map(names)
    safe = disclosure.apply(lads, "ons_vital")  # a no-op now; kept as the last line of defence
    safe = safe[~safe.suppressed].copy()
    safe["expected_deaths"] = england * safe.denominator / 1000
    # Drawn at deaths / births (both shown, so no more is disclosed than the table gives).
    safe["value"] = safe["count"] / safe.denominator * 1000
    safe["funnel_position"] = funnel_positions(safe.value.to_numpy(),
                                               _funnel_limits(england, safe.denominator.to_numpy(dtype=float)))
    siblings = {a.code for a in registry().siblings(area)}
    safe["group"] = np.where(safe.area_code == area.code, "area",
                             np.where(safe.area_code.isin(siblings), "sibling", "other"))
    outlier = safe.funnel_position.astype(str).str.contains("0.001")
    safe["label"] = np.where((safe.group == "area") | outlier, safe.area_name, "")
    safe["few_deaths"] = safe["count"] < FEW_DEATHS
    grid = np.geomspace(max(200, safe.denominator.min() * 0.8), safe.denominator.max() * 1.05, 120)
    # The lines pass through every point's own denominator, so what is drawn is what was compared.
    grid = np.unique(np.concatenate([grid, safe.denominator.to_numpy(dtype=float)]))
    points = safe[["area_code", "area_name", "period", "count", "denominator", "value", "lower_ci95", "upper_ci95",
                   "expected_deaths", "funnel_position", "few_deaths", "group", "label", "suppressed"]]
    return Funnel(points=points.reset_index(drop=True), limits=_funnel_limits(england, grid), england_rate=england,
                  left_off=suppressed)


def extract_coverage() -> str:
    """'94 of England's 296 districts and unitary authorities' (counted from the store, not assumed)."""
    held = store.indicator_data("fingertips_infant_mortality")
    return (f"{held[held.area_type == 'lad'].area_code.nunique()} of England's {len(registry().districts())} "
            "districts and unitary authorities")


def _suppressed(frame: pd.DataFrame) -> pd.Series:
    """Rows the store's disclosure rule withheld (marked [c])."""
    return frame.value_note.fillna("").str.startswith(disclosure.SUPPRESSED)


def funnel_sentence(area: Area, points: pd.DataFrame) -> str:
    """Where the area is on the funnel plot, or why it is not on it (a county, suppressed, not in the extract)."""
    here = points[points.group == "area"]
    if area.is_county:
        own = store.indicator_data("fingertips_infant_mortality", [area.code])
        own = own[own.value.notna()]
        districts = int((points.group == "sibling").sum())
        where = (f"; {area.name}'s own 2016-18 rate ({own.value.iloc[0]:.{DECIMALS}f} per 1,000 live births) is in the "
                 "table above" if len(own) else "")
        return (f"The plot compares districts and unitary authorities, so {area.name}, a county, is not a point on "
                f"it{where}. {districts} of its districts are in the extract and are drawn as triangles"
                + (" and listed in the table below." if districts else "."))
    withheld = _suppressed(store.indicator_data("fingertips_infant_mortality", [area.code], "lad")).any()
    if here.empty and withheld:
        return (f"{area.name} is not plotted: its 2016-18 figures are withheld (disclosure control: a small "
                "count, or a figure from which one could be worked out).")
    if here.empty:
        in_extract = store.indicator_data("fingertips_infant_mortality", [area.code], "lad")
        why = ("it is in the extract without a count of deaths or births" if len(in_extract)
               else f"it is not in the 2016-18 extract, which covers {extract_coverage()}")
        return (f"{area.name} is not on the plot: {why}. "
                + ("Its county's other districts are shown as triangles where present."
                   if area.upper_tier_code and not area.is_unitary else
                   "Its statistical neighbours or its region's authorities are shown as triangles where present."))
    r = here.iloc[0]
    where = {"Not significant": "within the control limits (no evidence of a difference from England)",
             "High (0.025)": "above the 95% limit (higher than England, unlikely to be chance at 95%)",
             "High (0.001)": "above the 99.8% limit (higher than England, very unlikely to be chance)",
             "Low (0.025)": "below the 95% limit (lower than England)",
             "Low (0.001)": "below the 99.8% limit (lower than England)"}.get(str(r.funnel_position),
                                                                               str(r.funnel_position))
    caution = f" The rate rests on fewer than {FEW_DEATHS} deaths: treat with caution." if r.few_deaths else ""
    return f"{area.name} ({r.value:.{DECIMALS}f} per 1,000 live births) is {where}.{caution}"


def funnel_tidy(points: pd.DataFrame) -> pd.DataFrame:
    """The funnel CSV: rates at the published decimals, expected deaths to one decimal place."""
    out = points.drop(columns=["label", "suppressed"]).reset_index(drop=True)
    return out.assign(value=out.value.round(DECIMALS), expected_deaths=out.expected_deaths.round(1))


def funnel_view(points: pd.DataFrame) -> pd.DataFrame:
    shown = points.sort_values("value", ascending=False)
    return pd.DataFrame({
        "Area": shown.area_name,
        "Live births": shown.denominator.map(lambda v: f"{v:,.0f}"),
        "Infant deaths": shown["count"].astype("Int64"),
        "Rate per 1,000": shown.value.round(DECIMALS),
        "Against England's rate": shown.funnel_position,
        "Note": np.where(shown.few_deaths, CAUTION, ""),
    })
