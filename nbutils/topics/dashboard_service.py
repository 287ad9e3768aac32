"""Service performance: the authority's own key performance indicators, rated as its performance papers rate them.

The KPIs, their targets (and floors, where supplied) and benchmarks are local data (``data/local/``; see
docs/local-data.md): an indicator defined with ``role: service`` is a KPI. For each KPI the table gives the target,
the last five periods (count and value), the rating of the latest period by the authority's rule
(:func:`nbutils.topics.dashboard_rules.performance_rating`), with the letter the publication printed and any
disagreement, the direction of travel in the paper's words and the benchmarks the authority supplies. Everything is
labelled as local data.

The same targets can be set for an outcome indicator; :func:`outcome_target` rates an outcome the same way.
"""

from __future__ import annotations

import pandas as pd

from .. import fragments, narrative, periods, query, store
from ..areas import Area
from . import dashboard_rules as rules

SERVICE_COLUMNS = [
    "area_code", "area_name", "code", "indicator_id", "indicator", "service", "unit", "period", "count", "value",
    "target_year", "target", "floor", "rating", "rating_words", "rag_published", "disagreement", "direction",
    "benchmarks", "note", "label", "target_source",
]
#: How many periods each KPI shows.
PERIODS_SHOWN = 5


def _meta(kind: str, area_code: str | None = None) -> pd.DataFrame:
    try:
        meta = store.local_rows("local_meta", None if area_code is None else [area_code])
    except (ValueError, FileNotFoundError, OSError):
        return pd.DataFrame(columns=["kind", "indicator_id", "area_code"])
    return meta[meta.kind == kind]


def target_year(period: str, years: list[str]) -> str | None:
    """The target year a period is rated against: the year itself, the financial year a quarter or month falls
    in, or None.

    Examples
    --------
    >>> target_year("2023/24 Q2", ["2022/23", "2023/24"])
    '2023/24'
    >>> target_year("Feb 2024", ["2023/24"])
    '2023/24'
    >>> target_year("2021", ["2022/23"]) is None
    True
    """
    period = str(period)
    if period in years:
        return period
    for year in years:
        if period.startswith(year + " "):
            return year
    try:
        end = periods.period_end(period)
    except ValueError:
        return None
    first = end.year if end.month > 3 else end.year - 1
    financial = f"{first}/{str(first + 1)[-2:]}"
    return financial if financial in years else None


def target_for(indicator_id: str, area_code: str, period: str) -> dict | None:
    """The target (floor, year, source) that applies to one period of an indicator for an area, or None."""
    targets = _meta("target", area_code)
    targets = targets[targets.indicator_id == indicator_id]
    if targets.empty:
        return None
    year = target_year(period, list(targets.year))
    if year is None:
        return None
    row = targets[targets.year == year].iloc[0]
    return {"year": year, "target": row.target, "floor": row.floor, "source": row.source, "label": row.label}


def benchmarks_text(indicator_id: str, area_code: str, decimals: int, unit: str) -> str:
    """The authority's own benchmarks for an indicator, in words ('England 84.0%; South East 84.0%; ...')."""
    rows = _meta("benchmark", area_code)
    rows = rows[rows.indicator_id == indicator_id]
    if rows.empty:
        return ""
    parts = [f"{r.name} {number(r.value, decimals, unit)}" + (f" ({r.period})" if r.period else "")
             for r in rows.itertuples()]
    return "; ".join(parts)


def benchmark_notes(area_code: str) -> list[str]:
    """The notes the authority gives with its benchmarks (said once under the table)."""
    return sorted({n for n in _meta("benchmark", area_code).note if n})


def number(value, decimals: int, unit: str) -> str:
    """A figure as the authority printed it: up to ``decimals`` places, no trailing zeros (94, 94.8, 66,846)."""
    if value is None or pd.isna(value):
        return "[x]"
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + ("%" if unit.strip() == "%" else "")


def _definitions(area_code: str) -> pd.DataFrame:
    definitions = _meta("definition", area_code)  # the definitions of datasets with figures for the area
    return definitions[definitions.role == "service"].drop_duplicates("indicator_id")


def service_performance(area: Area) -> pd.DataFrame:
    """One row per KPI and period (the last five periods) for the area, rated; empty when it has no KPIs."""
    rows = []
    for d in _definitions(area.code).itertuples():
        values = query.local_values(d.indicator_id, [area.code])
        if values.empty:
            continue
        order = sorted(values.period.unique(), key=periods.sort_key)[-PERIODS_SHOWN:]
        values = values.set_index("period")
        decimals = 1 if pd.isna(d.decimals) else int(d.decimals)
        latest, previous = order[-1], (order[-2] if len(order) > 1 else None)
        travel = rules.performance_direction(values.at[previous, "value"] if previous else None,
                                             values.at[latest, "value"], d.polarity, decimals)
        for period in order:
            here = values.loc[period]
            goal = target_for(d.indicator_id, area.code, period) or {}
            rating = rules.performance_rating(here.value, goal.get("target"), goal.get("floor"), d.polarity,
                                              here.rag_published)
            rows.append({
                "area_code": area.code, "area_name": area.name, "code": d.code, "indicator_id": d.indicator_id,
                "indicator": d.name, "service": d.service, "unit": d.unit, "period": period,
                "count": here["count"], "value": here.value, "target_year": goal.get("year", ""),
                "target": goal.get("target"), "floor": goal.get("floor"), "rating": rating.status,
                "rating_words": rating.shown, "rag_published": rating.published,
                "disagreement": rating.disagreement,
                "direction": f"{travel.arrow} {travel.words}".strip() if period == latest else "",
                "benchmarks": (benchmarks_text(d.indicator_id, area.code, decimals, d.unit)
                               if period == latest else ""),
                "note": here.value_note or "", "label": here.label, "target_source": goal.get("source", ""),
                "decimals": decimals,
            })
    frame = pd.DataFrame(rows, columns=[*SERVICE_COLUMNS, "decimals"])
    return frame


def outcome_target(indicator_id: str, area_code: str, period: str, value, polarity: str) -> dict:
    """A local target for an outcome indicator, rated the same way: {} when none is set."""
    goal = target_for(indicator_id, area_code, period)
    if not goal:
        return {}
    rating = rules.performance_rating(value, goal["target"], goal["floor"], polarity)
    return {"target": goal["target"], "floor": goal["floor"], "target_year": goal["year"],
            "target_rating": rating.words, "target_status": rating.status, "target_source": goal["source"],
            "target_label": goal["label"]}


# ------------------------------------------------------------------------------------------------ rendering


def _targets_text(kpi: pd.DataFrame, d: int, unit: str) -> str:
    """Every target the shown periods are rated against, latest first ("68,000 (2023/24); 65,000 (2022/23)"; one
    target held for several years names them all), not only the latest year's; "none set" when there is none."""
    goals = kpi.dropna(subset=["target"]).drop_duplicates("target_year", keep="last")
    if goals.empty:
        return "none set"
    parts = []
    for (target, floor), same in goals.iloc[::-1].groupby(["target", goals.floor.fillna(-1.0)], sort=False):
        years = narrative.list_phrase(sorted(same.target_year, key=periods.sort_key))
        floor_text = "" if floor == -1.0 else f", floor {number(floor, d, unit)}"
        parts.append(f"{number(target, d, unit)} ({years}){floor_text}")
    return "; ".join(parts)


def service_view(frame: pd.DataFrame) -> tuple[list[str], list[dict]]:
    """Period headings and one row per KPI for the template."""
    shown = sorted(frame.period.unique(), key=periods.sort_key)
    rows = []
    for _, kpi in frame.groupby("indicator_id", sort=False):
        kpi = kpi.set_index("period")
        latest = kpi.iloc[-1]
        d, unit = int(latest.decimals), latest.unit
        cells = []
        for period in shown:
            if period not in kpi.index:
                cells.append({"period": period, "value": "[x]", "count": "", "note": ""})
                continue
            here = kpi.loc[period]
            count = "" if pd.isna(here["count"]) else f"n = {here['count']:,.0f}"
            cells.append({"period": period, "value": number(here.value, d, unit), "count": count,
                          "note": here.note, "letter": here.rag_published})
        target = _targets_text(kpi, d, unit)
        rating = rules.Performance(latest.rating, latest.rag_published or "")
        rows.append({"code": latest.code, "indicator": latest.indicator, "service": latest.service,
                     "unit": "count" if unit.strip() != "%" else "%", "target": target, "cells": cells,
                     "rating": latest.rating_words, "fill": rating.fill, "text": rating.text_colour,
                     "latest": latest.name, "disagreement": latest.disagreement,
                     "flags": [f"{p}: {r.disagreement}" for p, r in kpi.iterrows() if r.disagreement],
                     "direction": latest.direction, "benchmarks": latest.benchmarks or "none supplied"})
    return shown, rows


def service_html(frame: pd.DataFrame, area: Area) -> str:
    """The service performance table (one card per KPI on a phone)."""
    if frame.empty:
        return ""
    shown, rows = service_view(frame)
    labels = sorted(set(frame.label))
    sources = sorted({s for s in frame.target_source if s})
    caption = (f"Service performance: {area.name}'s key performance indicators, last {len(shown)} periods "
               f"({'; '.join(labels)})")
    return fragments.render("service_performance", caption=caption, periods=shown, rows=rows,
                            sources=sources, benchmark_notes=benchmark_notes(area.code), key=[rules.PERFORMANCE_WORDS[k] for k in ("G", "A", "R", "below", "none")])
