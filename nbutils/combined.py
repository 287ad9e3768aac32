"""A combined area's figures from its members': counts and denominators summed, values and intervals recomputed.

A combined area (for example the bi-borough, Kensington and Chelsea with Westminster) is declared in an area set
file and reported as one footprint. Its figure for an indicator, period and category is computed only where every
member publishes a count and a denominator (never from a suppressed member, which the sum would reveal): the
counts and denominators are summed and the value recomputed with the Fingertips methods of :mod:`nbutils.stats`
(Wilson score limits for proportions, Byar's or exact Poisson limits for rates), intervals only where the members'
were published. A figure published only as a rate, a score or a rank is never averaged: the combined row is left
without a value, saying so, and the members' own rows are shown beside it. The combined counts then go through
the indicator's disclosure rule, as every count does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import catalog, disclosure, stats, store
from .areas import Area, registry

#: Role of a member's own rows beside a combined area's.
MEMBER = "member"
KEYS = ["indicator_id", "period", "category_type", "category"]


def describe(area: Area) -> str:
    """The sentence every page of a combined area opens with: what it is made of and how its figures are made."""
    names = " and ".join(m.name for m in registry().members(area))
    return (f"{area.name} is {names} reported as one area. Its figures are computed from theirs where counts are "
            f"published: counts and denominators summed, rates and confidence intervals recomputed with the "
            f"Fingertips methods, and compared with England afresh. A figure published only as a rate is never "
            f"averaged: {area.name} shows [x] and the figures for {names} are given separately on the topic "
            f"pages. Maps cover the whole footprint, with each authority's boundary drawn.")


def member_values(frame: pd.DataFrame, period: str, decimals: int = 1) -> str:
    """'Kensington and Chelsea 18.0, Westminster 24.2' from a frame's member rows for one period ('' if none)."""
    rows = frame[(frame.role == MEMBER) & (frame.period == period)]
    return ", ".join(f"{r.area_name} {r.value:.{decimals}f}" if pd.notna(r.value) else f"{r.area_name} [x]"
                     for r in rows.itertuples())


def shown_per_member(area: Area, frame: pd.DataFrame) -> str | None:
    """For a combined area whose rows in ``frame`` have no value but whose members' do: say the figure is published
    for each authority only and shown for each (None otherwise)."""
    if not area.is_combined or frame[(frame.role == "area")].value.notna().any():
        return None
    members = frame[(frame.role == MEMBER) & frame.value.notna()].area_name.unique()
    if not len(members):
        return None
    return (f"Published for each authority without the counts behind it, so no figure for {area.name} as a whole "
            f"is computed (a rate is never averaged): {' and '.join(members)} are shown separately in the table.")


def per_member_sentence(area: Area, what: str, rows: pd.DataFrame, unit: str = "%", decimals: int = 1) -> str:
    """'Year 6 obesity is published for each authority only, so none is computed for Bi-borough as a whole: in
    2024/25, Westminster 24.2% and Kensington and Chelsea 18.0%.' from rows (area_name, period, value) of its
    members ('' when none has a value)."""
    held = rows[rows.value.notna() & rows.area_code.isin(area.members)]
    if held.empty:
        return ""
    period = sorted(held.period.astype(str))[-1]
    latest = held[held.period.astype(str) == period]
    values = " and ".join(f"{r.area_name} {r.value:.{decimals}f}{unit if unit == '%' else ' ' + unit}"
                          for r in latest.itertuples())
    missing = [m.name for m in registry().members(area) if m.code not in set(latest.area_code)]
    values += f"; none published for {' or '.join(missing)}" if missing else ""
    return (f"{what[:1].upper() + what[1:]} is published for each authority without counts, so none is computed for "
            f"{area.name} as a whole (a rate is never averaged): in {period}, {values}.")


def not_combined_note(area: Area) -> str:
    """The note on a combined row with no value: why, and where the members' figures are."""
    names = " and ".join(m.name for m in registry().members(area))
    return (f"not computed for {area.name} (no count for every member; a rate is never averaged): "
            f"see {names}")


def _recompute(rows: pd.DataFrame, multiplier: float, with_intervals: bool) -> pd.DataFrame:
    """Values (and 95% and 99.8% limits) from summed counts and denominators, as PHEindicatormethods does."""
    out = rows.copy()
    count, denominator = out["count"].astype(float), out["denominator"].astype(float)
    if multiplier == 1:  # a count (babies, residents): the value is the count itself
        out["value"] = count
        return out
    proportion = multiplier == 100 and bool((count <= denominator).all())
    method = stats.proportion if proportion else stats.rate
    for confidence, suffix in ((0.95, "95"), (0.998, "998")):
        result = method(count, denominator, confidence=confidence, multiplier=multiplier)
        out["value"] = result["value"].to_numpy()
        out[f"lower_ci{suffix}"] = result["lower"].to_numpy() if with_intervals else np.nan
        out[f"upper_ci{suffix}"] = result["upper"].to_numpy() if with_intervals else np.nan
    return out


def indicator_rows(indicator_id: str, area: Area) -> pd.DataFrame:
    """The combined area's rows of one indicator (store columns, ``area_code`` the combined code), one per period
    and category any member has; disclosure-controlled."""
    meta = catalog.catalogue()[indicator_id]
    members = [m.code for m in registry().members(area)]
    data = store.indicator_data(indicator_id, area_codes=members)
    data = data[data.area_type.isin(["lad", "county"])].copy()
    if data.empty:
        return data.assign(area_code=pd.Series(dtype=str))
    for key in KEYS:
        data[key] = data[key].fillna("")
    held = data.assign(has_counts=data["count"].notna() & data["denominator"].notna()
                       & ~disclosure.is_suppressed(data))
    grouped = held.groupby(KEYS, sort=False, dropna=False)
    summed = grouped.agg(count=("count", "sum"), denominator=("denominator", "sum"),
                         members=("area_code", "nunique"), complete=("has_counts", "all"),
                         intervals=("lower_ci95", lambda s: bool(s.notna().all())),
                         source=("source", "first")).reset_index()
    summable = meta.unit not in {"decile", "score", "value as published"}
    ok = summed.complete & (summed.members == len(members)) & summable
    computable = _recompute(summed[ok], meta.multiplier, bool(summed.loc[ok, "intervals"].all()))
    missing = summed[~ok].assign(count=np.nan, denominator=np.nan, value=np.nan, value_note=not_combined_note(area))
    out = pd.concat([computable.assign(value_note=""), missing], ignore_index=True)
    out = out.assign(area_code=area.code, area_type="combined").drop(columns=["members", "complete", "intervals"])
    for column in store.INDICATOR_COLUMNS:
        if column not in out:
            out[column] = np.nan
    out = out[store.INDICATOR_COLUMNS].reset_index(drop=True)
    if meta.disclosure and meta.disclosure != "none":
        out = disclosure.apply(out, meta.disclosure)
    return out


def member_rows(indicator_id: str, area: Area) -> pd.DataFrame:
    """The members' own rows of one indicator (as published, disclosure-controlled by the store)."""
    data = store.indicator_data(indicator_id, area_codes=[m.code for m in registry().members(area)])
    return data[data.area_type.isin(["lad", "county"])].reset_index(drop=True)
