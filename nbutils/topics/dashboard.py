"""The upper-tier dashboard: the authority's headline outcomes compared with England (better, similar, worse, not
tested) with their direction of travel, benchmarked against England, its region and its neighbour set, and (for a
county) every district side by side. The authority's own service KPIs, rated by its own RAG rule, are
:mod:`nbutils.topics.dashboard_service`; county rows with no published figure are
:mod:`nbutils.topics.dashboard_county`; the neighbour set is :mod:`nbutils.topics.dashboard_neighbours`.

Which indicators appear is configured in ``nbutils/dashboard.yaml``. Rules (RAG, direction of travel) live in
:mod:`nbutils.topics.dashboard_rules`; comparisons with England use the one rule of :mod:`nbutils.topics.indicators`.
Frames returned here are tidy and numeric (for CSV and for analysts); :func:`dashboard_html` and
:func:`district_grid_html` turn them into the page's tables.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from .. import catalog, fragments, periods, query, stats, store
from ..errors import UnknownIndicatorError
from ..areas import Area, registry
from ..topics_meta import TOPIC_ORDER, TOPIC_TITLES
from . import dashboard_rules as rules
from .dashboard_neighbours import neighbour_set
from .dashboard_county import county_fallback, two_figures
from .dashboard_service import outcome_target
from . import indicators

PERIOD_PATTERNS = {
    "single_year": indicators.SINGLE_YEAR,
    "single_financial_year": indicators.SINGLE_FINANCIAL_YEAR,
    "pooled_years": indicators.POOLED_YEARS,
}
CARRIED_FORWARD = "carried forward"

DASHBOARD_COLUMNS = [
    "area_code", "area_name", "topic", "indicator_id", "indicator", "unit", "period", "old_figure", "value",
    "value_geography", "lower_ci95", "upper_ci95", "previous_period", "previous_value", "direction",
    "direction_meaning", "compared_with_england", "comparison_method", "rag", "england", "region",
    "neighbours_mean", "neighbours_min", "neighbours_max", "neighbours_with_value", "neighbours_total",
    "neighbour_set", "recent_trend", "change_tested", "target", "target_year", "target_rating", "target_source",
    "note", "source",
]
GRID_COLUMNS = [
    "area_code", "area_name", "role", "indicator_id", "indicator", "unit", "period", "old_figure", "value",
    "lower_ci95", "upper_ci95", "compared_with_england", "rag", "compared_with_county", "origin", "note",
]


@dataclass(frozen=True)
class Item:
    """One indicator of the dashboard (see nbutils/dashboard.yaml)."""

    indicator: str
    label: str
    topic: str = ""
    category: str = ""
    periods: str = ""
    decimals: int = 1
    local: bool = False

    @property
    def pattern(self) -> re.Pattern | None:
        return PERIOD_PATTERNS[self.periods] if self.periods else None

    @property
    def unit(self) -> str:
        return catalog.indicator(self.indicator).unit if self.indicator in catalog.catalogue() else "%"


@functools.lru_cache(maxsize=1)
def configuration() -> dict[str, list[Item]]:
    """The dashboard's headline indicators and district-grid columns, from nbutils/dashboard.yaml."""
    text = resources.files("nbutils").joinpath("dashboard.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return {section: [Item(**entry) for entry in raw[section]]
            for section in ("headlines", "districts", "neighbour_charts")}


def _held(item: Item) -> bool:
    """True when the store holds the indicator (a catalogue entry with no data yet is reported, not failed)."""
    try:
        store.indicator_data(item.indicator, area_codes=[])
        return True
    except UnknownIndicatorError:
        return False


def _real(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows that are data points: a value carried forward by the publisher is not a new period."""
    return frame[~frame.value_note.fillna("").str.contains(CARRIED_FORWARD)]


def _ordered_periods(frame: pd.DataFrame) -> list[str]:
    return sorted(frame.period.dropna().astype(str).unique(), key=periods.sort_key)


@store.per_build(maxsize=1024)  # every district of a county is shown its county's neighbours: asked many times
def neighbour_values(indicator_id: str, area: Area, period: str, category: str = "") -> pd.DataFrame:
    """The area's statistical neighbours' values for one period (name, value; NaN where none is published)."""
    neighbours = statistical_neighbours(area)
    if not neighbours:
        return pd.DataFrame(columns=["area_code", "area_name", "value"])
    data = store.indicator_data(indicator_id, area_codes=[a.code for a in neighbours])
    data = data[(data.period.astype(str) == str(period)) & (data.category.fillna("") == category)]
    first = data.drop_duplicates("area_code")
    published = dict(zip(first.area_code, first.value))
    return pd.DataFrame({"area_code": [a.code for a in neighbours], "area_name": [a.name for a in neighbours],
                         "value": np.array([published.get(a.code, np.nan) for a in neighbours], dtype=float)})


def statistical_neighbours(area: Area) -> list[Area]:
    """The area's neighbour set: DfE statistical neighbours unless a set file names another list (see
    :func:`nbutils.topics.dashboard_neighbours.neighbour_set`); [] for a two-tier district or where none are held."""
    return list(neighbour_set(area).areas)


def headline(item: Item, area: Area) -> dict:
    """One dashboard row: the latest period for the area, the previous one, and every benchmark."""
    row = dict.fromkeys(DASHBOARD_COLUMNS, np.nan)
    row.update(area_code=area.code, area_name=area.name, topic=item.topic, indicator_id=item.indicator,
               indicator=item.label, unit="", source="", value_geography=area.name,
               neighbours_total=len(statistical_neighbours(area)), neighbour_set=neighbour_set(area).name, note="",
               previous_period="[x]", change_tested="", target_rating="", target_year="", target_source="")
    if item.indicator in catalog.catalogue():
        meta = catalog.indicator(item.indicator)
        row.update(unit=meta.unit, source=meta.source)
    if item.indicator not in catalog.catalogue() or not _held(item):
        row.update(period="", old_figure=False, direction="Not available", direction_meaning="not in this build",
                   compared_with_england="No value", comparison_method="", rag="Grey", recent_trend="",
                   note="not held in this build")
        return row
    meta = catalog.indicator(item.indicator)
    frame = _real(indicators.series(item.indicator, area, item.pattern, item.category))
    mine = frame[(frame.role == "area") & frame.value.notna()]
    suppressed = frame[(frame.role == "area") & frame.value.isna()
                       & frame.value_note.fillna("").str.startswith("[c]")]
    held = _ordered_periods(mine)
    if not held:
        latest_any = _ordered_periods(frame[frame.value.notna()])
        period = latest_any[-1] if latest_any else ""
        at = frame[frame.period == period]
        row.update(period=period, old_figure=bool(period) and periods.is_old(period),
                   england=indicators.value_of(at, "england"), region=indicators.value_of(at, "region"),
                   direction="Not available", direction_meaning="no value for the area",
                   compared_with_england="No value", comparison_method="", rag="Grey", recent_trend="",
                   note=("suppressed [c] (disclosure control)" if len(suppressed)
                         else f"not published for {area.name} in the data held"))
        if area.is_county and not len(suppressed):
            fallback = county_fallback(item.indicator, area, item.category, item.pattern, item.decimals)
            if fallback:
                row.update(fallback)
                at = frame[frame.period == row["period"]]
                row.update(england=indicators.value_of(at, "england"), region=indicators.value_of(at, "region"),
                           old_figure=periods.is_old(row["period"]))
        _add_neighbours(row, item, area, row["period"])
        return row
    period = held[-1]
    previous = held[-2] if len(held) > 1 else None
    at = frame[frame.period == period]
    here = at[at.role == "area"].iloc[0]
    before = mine[mine.period == previous].iloc[0] if previous else None
    test = (rules.change_significance(before.to_dict(), here.to_dict(), meta.unit) if previous is not None
            else None)
    direction = rules.outcome_direction(before.value if previous else None, here.value, meta.polarity,
                                        item.decimals, test)
    label = here.compared_with_england
    if reason := indicators.not_tested_reason(item.indicator):  # "whole-population" only for real ones
        label, method = indicators.NOT_TESTED, reason
    else:
        method = here.comparison_method
    row.update(
        period=period, old_figure=periods.is_old(period), value=here.value, lower_ci95=here.lower_ci95,
        upper_ci95=here.upper_ci95, previous_period=previous or "[x]",
        previous_value=before.value if previous else np.nan,
        direction=direction.direction, direction_meaning=direction.meaning,
        change_tested=test or ("not tested" if previous else ""),
        compared_with_england=label, comparison_method=method, rag=rules.rag_rating(label).rating,
        england=indicators.value_of(at, "england"), region=indicators.value_of(at, "region"),
        recent_trend=indicators.trend_label(frame, item.indicator),
        note=two_figures(item.indicator, area, frame, mine, item.decimals, meta.unit))
    row.update(outcome_target(item.indicator, area.code, period, here.value, meta.polarity))
    _add_neighbours(row, item, area, period)
    return row


def _add_neighbours(row: dict, item: Item, area: Area, period: str) -> None:
    values = neighbour_values(item.indicator, area, period, item.category).value.dropna() if period else []
    row["neighbours_mean"] = row["neighbours_min"] = row["neighbours_max"] = np.nan
    if len(values):
        row.update(neighbours_mean=float(values.mean()), neighbours_min=float(values.min()),
                   neighbours_max=float(values.max()))
    row["neighbours_with_value"] = int(len(values))


def dashboard(area: Area) -> pd.DataFrame:
    """The dashboard rows for an upper-tier area (or any area), grouped by topic in pack order."""
    rows = [headline(item, area) for item in configuration()["headlines"]]
    out = pd.DataFrame(rows, columns=DASHBOARD_COLUMNS)
    order = {t: i for i, t in enumerate(TOPIC_ORDER)}
    return out.sort_values("topic", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def neighbour_charts(area: Area) -> list[tuple[str, pd.DataFrame]]:
    """For each configured indicator, the area and each statistical neighbour in the area's latest period.

    Frames have area_name, value and is_area; ``attrs`` carry label, period, unit axis text, England's value,
    decimals and source for the chart. Indicators the area has no value for are left out.
    """
    neighbours = statistical_neighbours(area)
    if not neighbours:
        return []
    out = []
    for item in configuration()["neighbour_charts"]:
        if item.indicator not in catalog.catalogue() or not _held(item):
            continue
        meta = catalog.indicator(item.indicator)
        frame = _real(indicators.series(item.indicator, area, item.pattern, item.category))
        mine = frame[(frame.role == "area") & frame.value.notna()]
        if mine.empty:
            continue
        period = _ordered_periods(mine)[-1]
        others = neighbour_values(item.indicator, area, period, item.category)
        rows = pd.concat([pd.DataFrame({"area_code": [area.code], "area_name": [area.name],
                                        "value": [mine[mine.period == period].value.iloc[0]]}), others],
                         ignore_index=True)
        rows["is_area"] = rows.area_code == area.code
        missing = rows.loc[rows.value.isna(), "area_name"].tolist()
        rows.attrs.update(label=item.label, period=period, decimals=item.decimals, source=meta.source,
                          axis=meta.unit if meta.unit != "%" else "Per cent",
                          england=indicators.value_of(frame[frame.period == period], "england"),
                          missing=missing)
        out.append((item.indicator, rows))
    return out


# ------------------------------------------------------------------------------------------------ district grid


def _grid_column(item: Item, county: Area, districts: list[Area]) -> pd.DataFrame:
    """One indicator for every district of a county, its latest common period, plus the county and England."""
    meta = catalog.indicator(item.indicator) if item.indicator in catalog.catalogue() else None
    codes = [d.code for d in districts]
    if item.local:
        data = query.local_values(item.indicator, codes + [county.code])
        if data.empty:
            return pd.DataFrame(columns=GRID_COLUMNS)
        period = _ordered_periods(data)[-1]
        data = data[data.period == period]
        origin = data.label.iloc[0]
        data = data.assign(compared_with_england=indicators.NOT_TESTED, origin=origin)
    else:
        if not _held(item):
            return pd.DataFrame(columns=GRID_COLUMNS)
        data = store.indicator_data(item.indicator, area_codes=codes + [county.code, store.ENGLAND_CODE])
        data = _real(data[data.category.fillna("") == item.category])
        if item.pattern is not None:
            data = data[data.period.astype(str).str.match(item.pattern)]
        reporting = data[data.area_code.isin(codes) & data.value.notna()]
        if reporting.empty:
            return pd.DataFrame(columns=GRID_COLUMNS)
        period = _ordered_periods(reporting)[-1]
        data = data[data.period == period].drop_duplicates("area_code")
        data = indicators.add_comparison(data.assign(category=data.category.fillna("")), item.indicator)
        if meta is not None and (meta.disclosure == "census" or meta.ci_method.lower().startswith("none")):
            data["compared_with_england"] = np.where(data.value.notna(), indicators.NOT_TESTED, "No value")
        data = data.assign(origin="national")
    names = {d.code: d.name for d in districts} | {county.code: county.name, store.ENGLAND_CODE: "England"}
    roles = {d.code: "district" for d in districts} | {county.code: "county", store.ENGLAND_CODE: "england"}
    frame = pd.DataFrame({"area_code": list(names)}).merge(data, on="area_code", how="left")
    frame = frame[frame.area_code.isin(codes) | frame.value.notna()]
    county_row = frame[frame.area_code == county.code]
    county_value = county_row.value.iloc[0] if len(county_row) else np.nan
    polarity = meta.polarity if meta else "no-judgement"
    versus = []
    for r in frame.itertuples():
        if roles[r.area_code] != "district" or pd.isna(r.value):
            versus.append("")
        elif pd.notna(r.lower_ci95) and pd.notna(r.upper_ci95) and pd.notna(county_value):
            versus.append(stats.compare(r.value, r.lower_ci95, r.upper_ci95, county_value, polarity,
                                        benchmark_name=county.name))
        else:
            versus.append(indicators.NOT_TESTED)
    frame = frame.assign(
        area_name=frame.area_code.map(names), role=frame.area_code.map(roles), indicator_id=item.indicator,
        indicator=item.label, unit=meta.unit if meta else "", period=period,
        old_figure=periods.is_old(period), compared_with_county=versus,
        compared_with_england=frame.compared_with_england.fillna("No value"),
        note=np.where(frame.value.isna() & frame.value_note.fillna("").str.startswith("[c]"), "suppressed [c]",
                      # a local figure's own note is shown beside it (docs/local-data.md)
                      frame.value_note.fillna("") if item.local else ""))
    frame["rag"] = frame.compared_with_england.map(lambda label: rules.rag_rating(label).rating)
    frame["origin"] = frame.origin.fillna("national" if not item.local else origin)
    return frame[GRID_COLUMNS]


def district_grid(county: Area) -> pd.DataFrame:
    """Every district of a county against the grid indicators (long and tidy: one row per district x indicator)."""
    districts = registry().districts_of(county)
    pieces = [_grid_column(item, county, districts) for item in configuration()["districts"]]
    pieces = [p for p in pieces if len(p)]
    return pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=GRID_COLUMNS)


# ------------------------------------------------------------------------------------------------ rendering


def _text(value, decimals: int = 1, unit: str = "") -> str:
    if value is None or pd.isna(value):
        return "[x]"
    suffix = "%" if unit == "%" else ""
    return f"{value:,.{decimals}f}{suffix}"


def _sort(value) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.6g}"


def _comparison_words(rag: rules.Rag) -> str:
    """The comparison with England in words (Fingertips' better / similar / worse / not tested), no colour name."""
    words = rag.words.split(": ", 1)[-1]
    return words[:1].upper() + words[1:]


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value)) and str(value) not in ("", "nan")


def dashboard_view_rows(card: pd.DataFrame) -> list[dict]:
    """Rows for the dashboard template (text as the reader sees it, sort keys as numbers)."""
    decimals = {i.indicator: i.decimals for i in configuration()["headlines"]}
    order = {t: i for i, t in enumerate(TOPIC_ORDER)}
    out = []
    for r in card.itertuples():
        d = decimals.get(r.indicator_id, 1)
        rag = rules.rag_rating(r.compared_with_england)
        direction = rules.Direction(
            {"Up": "↑", "Down": "↓", "No change": "→"}.get(r.direction, ""), r.direction,
            r.direction_meaning if _present(r.direction_meaning) else "")
        neighbours = ("none held" if not r.neighbours_total else
                      f"{_text(r.neighbours_mean, d, r.unit)} (range {_text(r.neighbours_min, d, r.unit)} to "
                      f"{_text(r.neighbours_max, d, r.unit)}; {r.neighbours_with_value} of {r.neighbours_total})"
                      if r.neighbours_with_value else f"[x] (0 of {r.neighbours_total} published)")
        target = getattr(r, "target", np.nan)
        value_text = _text(r.value, d, r.unit)
        if value_text == "[x]" and getattr(r, "value_geography", "") == "districts (range)":
            value_text = "No county figure"
        out.append({
            "order": order.get(r.topic, 99), "topic": TOPIC_TITLES.get(r.topic, r.topic),
            "indicator": f"{r.indicator}" + (f" ({r.unit})" if r.unit else ""),
            "note": r.note if _present(r.note) else "",
            "period": r.period if _present(r.period) else "[x]",
            "period_key": str(periods.sort_key(r.period)[1]) if _present(r.period) else "",
            "old": bool(r.old_figure) if _present(r.old_figure) else False, "value_text": value_text,
            "value_sort": _sort(r.value),
            "value_geography": ("" if not _present(r.value_geography) or r.value_geography == r.area_name
                                else r.value_geography),
            "previous_text": (f"{_text(r.previous_value, d, r.unit)} ({r.previous_period})"
                              if isinstance(r.previous_period, str) and r.previous_period not in ("", "[x]")
                              else "[x]"),
            "previous_sort": _sort(r.previous_value), "arrow": direction.arrow, "direction": direction.words,
            "rag_order": ["Red", "Amber", "Green", "Grey"].index(rag.rating), "rag_fill": rag.fill,
            "rag_text": rag.text_colour, "rag_words": _comparison_words(rag),
            "england_text": _text(r.england, d, r.unit), "england_sort": _sort(r.england),
            "region_text": _text(r.region, d, r.unit), "region_sort": _sort(r.region),
            "neighbours_text": neighbours, "neighbours_sort": _sort(r.neighbours_mean),
            "trend": r.recent_trend if _present(r.recent_trend) else "",
            "target_text": (f"{_text(target, d, r.unit)} ({r.target_year}): {r.target_rating}; local target, "
                            f"set in {r.target_source}" if _present(target) else ""),
        })
    return out


def dashboard_headings(card: pd.DataFrame) -> list[str]:
    """Column headings; the neighbour column names the set, and a target column appears when a target is held."""
    sets = [s for s in card.get("neighbour_set", pd.Series(dtype=object)).dropna().unique() if _present(s)]
    neighbours = sets[0] if sets else "Statistical neighbours"
    headings = ["Topic", "Indicator", "Latest period", "Value", "Previous period", "Direction of travel",
                "Compared with England", "England", "Region", f"{neighbours} (average)",
                "Recent trend (five periods)"]
    if "target" in card and card.target.notna().any():
        headings.append("Local target (the authority's rule)")
    return headings


def dashboard_html(card: pd.DataFrame, area: Area, service: pd.DataFrame | None = None) -> str:
    """The dashboard as HTML: the service KPIs (when the area has any) and the outcome table (sortable offline;
    one card per indicator on a phone; A4 landscape in print).

    ``service``: the service performance frame; None reads it from the store (the set index), an empty frame
    leaves it out (the overview page shows it as a table of its own).
    """
    from . import dashboard_service

    if service is None:
        service = dashboard_service.service_performance(area)
    headings = dashboard_headings(card)
    return (dashboard_service.service_html(service, area)
            + fragments.render("dashboard", caption=f"Outcomes: {area.name}, latest period of each indicator",
                               columns=headings, rows=dashboard_view_rows(card),
                               show_target=len(headings) > 11)
            + fragments.render("sortable"))


def district_grid_html(grid: pd.DataFrame, county: Area) -> str:
    """Districts (rows) by indicator (columns): each cell coloured by the comparison with England."""
    decimals = {i.label: i.decimals for i in configuration()["districts"]}
    columns = []
    for label, part in grid.groupby("indicator", sort=False):
        first = part.iloc[0]
        origin = "" if first.origin == "national" else f" ({first.origin})"
        columns.append({"label": label + origin, "unit": first.unit, "period": first.period,
                        "old": bool(first.old_figure)})
    rows = []
    areas = grid.drop_duplicates("area_code")[["area_code", "area_name", "role"]]
    areas = pd.concat([areas[areas.role == "district"].sort_values("area_name"), areas[areas.role == "county"],
                       areas[areas.role == "england"]])
    for place in areas.itertuples():
        cells = []
        for label, part in grid.groupby("indicator", sort=False):
            hit = part[part.area_code == place.area_code]
            if hit.empty:
                cells.append({"value_text": "[x]", "sort": "", "note": "", "title": "not published",
                              "fill": rules.RAG_COLOURS["Grey"][0], "text": rules.RAG_COLOURS["Grey"][1]})
                continue
            h = hit.iloc[0]
            rag = rules.rag_rating(h.compared_with_england) if place.role == "district" else rules.Rag("Grey", "")
            value = _text(h.value, decimals.get(label, 1), h.unit)
            if pd.isna(h.value) and h.note:
                value = "[c]"
            note = ""
            if place.role == "district" and rag.rating != "Grey":
                note = rag.words.split(": ", 1)[-1]
                versus = h.compared_with_county
                if versus and versus != indicators.NOT_TESTED:
                    note += f"; {versus[:1].lower() + versus[1:]}" if versus != "Similar" else f"; similar to {county.name}"
            elif h.note and isinstance(h.note, str):
                note = h.note
            cells.append({"value_text": value, "sort": _sort(h.value), "note": note,
                          "title": f"{place.area_name}, {label}, {h.period}",
                          "fill": rag.fill if place.role == "district" else "#ffffff",
                          "text": rag.text_colour if place.role == "district" else "#0b0c0c"})
        rows.append({"name": place.area_name, "is_total": place.role != "district", "cells": cells})
    caption = (f"Districts of {county.name} side by side. Colour and words give each district's comparison with "
               f"England (red significantly worse, amber similar, green significantly better, grey not tested), then "
               f"with {county.name} where both can be tested. [x] not published, [c] suppressed.")
    return fragments.render("district_grid", heading=f"Districts of {county.name} side by side", caption=caption,
                            columns=columns, rows=rows) + fragments.render(
        "sortable")
