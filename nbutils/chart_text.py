"""Alt text that states a chart's finding ("Swale's Year 6 obesity, 23.9% in 2024/25, is above England's 22.2%"),
not only the chart's type: a reader who cannot see the chart gets what it shows. Pure: frames in, a sentence out.
"""

from __future__ import annotations

import pandas as pd

from . import stats


def _amount(value: float, unit: str, decimals: int) -> str:
    number = f"{value:,.{decimals}f}"
    return f"{number}%" if unit == "%" else f"{number} {unit}".rstrip()


def finding(frame: pd.DataFrame, what: str, area_name: str, unit: str = "%", decimals: int = 1,
            value: str = "value") -> str:
    """One sentence stating what a chart shows, for its alt text: the area's latest value against England's (or,
    with no England value, the first comparator's) in the same period, e.g. "Swale's obesity in Year 6, 23.9% in
    2024/25, is above England's 22.2%." Descriptive only: whether a difference is significant is said on the page.

    ``frame`` has ``role`` ('area', 'county', 'region', 'england', ...), ``area_name``, ``period`` and ``value``;
    '' when the area has no value (the chart's own description then stands alone).
    """
    if frame.empty or not {"role", "period", "area_name", value} <= set(frame.columns):
        return ""
    own = frame[(frame.role == "area") & frame[value].notna()]
    if own.empty:
        return ""
    latest = own.sort_values("period").iloc[-1]
    same = frame[(frame.period == latest.period) & (frame.role != "area") & frame[value].notna()]
    order = ["england", "districts_median", "region", "county"]
    same = same.assign(rank=same.role.map({r: i for i, r in enumerate(order)})).dropna(subset=["rank"]).sort_values("rank")
    here = _amount(latest[value], unit, decimals)
    sentence = f"{area_name}'s {what}, {here} in {latest.period},"
    if same.empty:
        return f"{sentence[:-1]}."
    other = same.iloc[0]
    there = _amount(other[value], unit, decimals)
    name = "the median English district" if other.role == "districts_median" else other.area_name
    rounded = round(latest[value], decimals), round(other[value], decimals)
    relation = "the same as" if rounded[0] == rounded[1] else ("above" if rounded[0] > rounded[1] else "below")
    return f"{sentence} is {relation} {name}'s {there}."


def ranked_finding(frame: pd.DataFrame, what: str, area_name: str, group: str, unit: str = "%",
                   decimals: int = 1, value: str = "value") -> str:
    """Alt-text sentence for a ranked bar chart: where the area (``is_area``) ranks in ``group``, with its value."""
    shown = frame[frame[value].notna()].sort_values(value, ascending=False).reset_index(drop=True)
    mine = shown.index[shown.is_area.astype(bool)] if "is_area" in shown else []
    if not len(mine):
        return ""
    place = int(mine[0]) + 1
    ordinal = "highest" if place == 1 else f"{_ordinal(place)} highest"
    return (f"{area_name}'s {what}, {_amount(shown.loc[mine[0], value], unit, decimals)}, is the {ordinal} of "
            f"{len(shown)} in {group}.")


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 11 <= n % 100 <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def spine_finding(card: pd.DataFrame, area_name: str, label: str = "label") -> str:
    """Alt-text sentence for a spine chart: on how many indicators the area is significantly worse or better than
    England, naming them."""
    if card.empty or "compared_with_england" not in card:
        return ""
    kinds = card.compared_with_england.map(stats.comparison_kind)
    names = card[label] if label in card else card.get("indicator", pd.Series("", index=card.index))
    parts = []
    for kind in ("worse", "better"):
        listed = list(names[kinds == kind])
        if listed:
            parts.append(f"significantly {kind} than England on {len(listed)} of {len(card)} "
                         f"({'; '.join(str(n) for n in listed)})")
    if not parts:
        return f"{area_name} is significantly worse or better than England on none of these {len(card)} indicators."
    return f"{area_name} is {' and '.join(parts)}."
