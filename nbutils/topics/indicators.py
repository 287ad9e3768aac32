"""The comparison rule: how every topic page compares an area with England, plus the series and trend helpers.

Shared by the topic pages for published indicators of any kind (the area's comparators come from
:mod:`nbutils.query`).

One rule decides how an area is compared with England, so every page says it the same way:

1. confidence intervals in the store (or a count and denominator, from which Wilson intervals are computed):
   :func:`nbutils.stats.compare` at 95% (labelled for readers as 95% confidence intervals);
2. otherwise Fingertips' own published comparison, read from ``value_note``;
3. otherwise no significance claim: "Not tested: the source publishes no confidence intervals or counts".
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import catalog, narrative, periods, query, stats, store, tables
from ..areas import Area, registry
from ..tables import Column, TableSpec

METHOD_CI = "95% confidence intervals"
METHOD_PUBLISHED = "Fingertips' published comparison (95% confidence intervals)"
METHOD_NONE = "Not tested: the source publishes no confidence intervals or counts"
METHOD_WHOLE_POPULATION = "whole-population count: described, not tested"
NOT_TESTED = "Not tested"
PUBLISHED_PREFIX = "fingertips_compared_to_england="
# Fingertips wording in the 2020 extract, turned into the workbook's labels for a low-is-good/high-is-good measure.
_PUBLISHED_WORDS = {"Significantly higher": "Higher than England", "Significantly lower": "Lower than England",
                    "Similar": "Similar", "Better": "Better than England", "Worse": "Worse than England"}
SINGLE_FINANCIAL_YEAR = re.compile(r"^\d{4}/\d{2}$")
SINGLE_YEAR = re.compile(r"^\d{4}$")
POOLED_YEARS = re.compile(r"^\d{4}-\d{2}$")

COLUMNS = ["indicator_id", "area_code", "area_name", "role", "period", "category", "count", "denominator", "value",
           "lower_ci95", "upper_ci95", "compared_with_england", "comparison_method", "value_note", "source"]


def published_label(note: str, polarity: str) -> str | None:
    """Fingertips' comparison stored in ``value_note`` as workbook wording, or None if there is none."""
    for part in str(note or "").split(";"):
        part = part.strip()
        if part.startswith(PUBLISHED_PREFIX):
            word = part[len(PUBLISHED_PREFIX):]
            label = _PUBLISHED_WORDS.get(word, word)
            if polarity != "no-judgement" and label in ("Higher than England", "Lower than England"):
                worse_if_higher = polarity == "low-is-good"
                label = "Worse than England" if (label.startswith("Higher") == worse_if_higher) else "Better than England"
            return label
    return None


def add_comparison(frame: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """Add compared_with_england and comparison_method to rows of one indicator (England rows are the benchmark)."""
    meta = catalog.indicator(indicator_id)
    polarity = meta.polarity
    out = frame.copy()
    for column in ("count", "denominator", "lower_ci95", "upper_ci95"):
        out[column] = pd.to_numeric(out[column], errors="coerce")
    # Wilson intervals where a count and denominator exist but no interval was stored, except for whole-population
    # counts (Census, the ranking of every LSOA): those have no sampling error and are described, never tested.
    whole_population = meta.whole_population or meta.ci_method.lower().startswith("none")
    needs_ci = (out.lower_ci95.isna() & out["count"].notna() & out.denominator.gt(0) & out.value.notna()
                & (not whole_population))
    if needs_ci.any():
        lower, upper = stats.wilson_ci(out.loc[needs_ci, "count"], out.loc[needs_ci, "denominator"])
        out.loc[needs_ci, "lower_ci95"], out.loc[needs_ci, "upper_ci95"] = lower, upper
    england = _england_values(out)
    labels, methods = [], []
    for row in out.itertuples(index=False):
        if row.area_code == store.ENGLAND_CODE:
            labels.append("Benchmark")
            methods.append("")
            continue
        benchmark = england.get((_label(row.period), _label(row.category)), np.nan)
        if pd.notna(row.lower_ci95) and pd.notna(row.upper_ci95) and pd.notna(benchmark) and pd.notna(row.value):
            labels.append(stats.compare(row.value, row.lower_ci95, row.upper_ci95, benchmark, polarity))
            methods.append(METHOD_CI)
            continue
        published = published_label(row.value_note, polarity)
        if published and pd.notna(row.value):
            labels.append(published)
            methods.append(METHOD_PUBLISHED)
        else:
            labels.append(NOT_TESTED if pd.notna(row.value) else "No value")
            methods.append(METHOD_NONE if pd.notna(row.value) else "")
    out["compared_with_england"] = labels
    out["comparison_method"] = methods
    return out


def _england_values(frame: pd.DataFrame) -> dict:
    """England's value by (period, category): the first England row of each, in the frame's order."""
    rows = frame[frame.area_code == store.ENGLAND_CODE]
    values: dict = {}
    for period, category, value in zip(rows.period, rows.category, rows.value):
        values.setdefault((_label(period), _label(category)), value)
    return values


def _label(value):
    return None if pd.isna(value) else value  # a missing period or category matches a missing one


@store.per_build(maxsize=512)  # the scorecard, the dashboard and the topic pages ask for the same series
def series(indicator_id: str, area: Area, periods: re.Pattern | None = None, category: str = "") -> pd.DataFrame:
    """All periods of an indicator for the area and its comparators, with comparisons; oldest first."""
    frame = query.with_comparators(indicator_id, area)
    frame = frame[frame.indicator_id.notna()]
    frame = frame[frame.category.fillna("") == category]
    if periods is not None:
        frame = frame[frame.period.astype(str).str.match(periods)]
    frame = add_comparison(frame.assign(category=frame.category.fillna("")), indicator_id)
    frame = frame.sort_values(["period", "order"], kind="stable").reset_index(drop=True)
    return frame[COLUMNS]


def latest(frame: pd.DataFrame, role: str = "area") -> pd.DataFrame:
    """Rows of the latest period that has a value for ``role`` (all roles for that period); empty if none."""
    have = frame[(frame.role == role) & frame.value.notna()]
    if have.empty:
        return frame.iloc[0:0]
    period = sorted(have.period)[-1]
    return frame[frame.period == period].reset_index(drop=True)


def withheld_after(frame: pd.DataFrame, role: str = "area") -> list[str]:
    """Periods of ``role`` after its latest published one that the store withheld (``[c]``), oldest first.

    A page quoting the latest published value must say these exist, or the reader takes an old figure for now.
    """
    rows = frame[frame.role == role] if "role" in frame else frame
    withheld = rows[rows.value.isna() & rows.value_note.fillna("").astype(str).str.startswith("[c]")]
    shown = rows[rows.value.notna()]
    if withheld.empty:
        return []
    key = lambda s: s.astype(str).map(periods.sort_key)  # noqa: E731
    last = shown.period.astype(str).map(periods.sort_key).max() if len(shown) else None
    later = withheld[key(withheld.period) > last] if last is not None else withheld
    return sorted(dict.fromkeys(later.period.astype(str)), key=periods.sort_key)


def value_of(frame: pd.DataFrame, role: str, column: str = "value"):
    """One cell for a role (NaN / None when that comparator has no row)."""
    rows = frame[frame.role == role]
    return rows[column].iloc[0] if len(rows) else (np.nan if column != "compared_with_england" else None)


def district_distribution(indicator_id: str, period: str, category: str = "") -> dict[str, float]:
    """Median and quartiles of all English districts' values: the benchmark when a source has no England row."""
    values = query.district_values(indicator_id, period, category)
    if values.empty:
        return {"median": np.nan, "lower_quartile": np.nan, "upper_quartile": np.nan, "districts": 0}
    return {"median": float(values.median()), "lower_quartile": float(values.quantile(0.25)),
            "upper_quartile": float(values.quantile(0.75)), "districts": int(values.size)}


#: Fewer reporting areas than this means the source is an extract, not all English districts.
ALL_DISTRICTS_MIN = 250


def group_phrase(reporting: int) -> str:
    """'English districts', or 'the 92 areas in this extract' when a source covers only some areas."""
    return "English districts" if reporting >= ALL_DISTRICTS_MIN else f"the {reporting} areas in this extract"


def position_in_distribution(value: float, spread: dict[str, float]) -> str:
    """'in the highest quarter of English districts' etc. (descriptive, not a significance test).

    When fewer than :data:`ALL_DISTRICTS_MIN` areas report (an extract built around one county), the phrase
    says so: 'in the highest quarter of the 92 areas in this extract'.
    """
    if value is None or pd.isna(value) or not spread["districts"]:
        return "not available"
    group = group_phrase(int(spread["districts"]))
    if value > spread["upper_quartile"]:
        return f"in the highest quarter of {group}"
    if value < spread["lower_quartile"]:
        return f"in the lowest quarter of {group}"
    return f"in the middle half of {group}"


def siblings_ranking(indicator_id: str, area: Area, period: str, category: str = "",
                     ascending: bool = False) -> pd.DataFrame:
    """The area's siblings (same county, or same region for a unitary) ranked by value (1 = highest by default)."""
    siblings = registry().siblings(area)
    data = query.districts_of(indicator_id, [a.code for a in siblings])
    data = data[(data.period == period) & (data.category.fillna("") == category)]
    data = add_comparison(data.assign(category=data.category.fillna("")), indicator_id) if len(data) else data
    names = pd.DataFrame({"area_code": [a.code for a in siblings], "area_name": [a.name for a in siblings]})
    out = names.merge(data.drop(columns=["area_name"], errors="ignore"), on="area_code", how="left")
    out["period"] = period
    out["indicator_id"] = indicator_id
    out = out.sort_values("value", ascending=ascending, na_position="last").reset_index(drop=True)
    out["rank"] = out.value.rank(ascending=ascending, method="min")
    out["is_area"] = out.area_code == area.code
    keep = ["indicator_id", "area_code", "area_name", "period", "value", "lower_ci95", "upper_ci95",
            "compared_with_england", "comparison_method", "rank", "is_area"]
    for column in keep:
        if column not in out:
            out[column] = np.nan
    return out[keep]


def sibling_group_name(area: Area) -> str:
    """'Kent's districts' or 'London's boroughs and unitaries' for chart titles."""
    if area.is_county:
        return f"districts of {area.name}"
    if area.is_combined:
        return f"the authorities of {area.name}"
    if area.upper_tier_code and not area.is_unitary:
        return f"districts of {registry().get(area.upper_tier_code).name}"
    if registry().statistical_neighbours(area):
        return f"areas in {area.name}'s statistical neighbour group"
    region = registry().get(area.region_code).name if area.region_code else "the region"
    return f"local authorities in {region}"


def is_merged_2023(area: Area) -> bool:
    """True for unitaries created in April 2023, which sources on older boundaries do not cover."""
    return bool(registry().predecessors(area))


def not_tested_reason(indicator_id: str) -> str | None:
    """Why an indicator is never tested against England: a real whole-population count (catalogue
    ``whole_population``), or a source with no intervals or counts; None when it can be tested."""
    meta = catalog.indicator(indicator_id)
    if meta.whole_population:
        return METHOD_WHOLE_POPULATION
    if meta.ci_method.lower().startswith("none"):
        return METHOD_NONE
    return None


def change_label(frame: pd.DataFrame, indicator_id: str, role: str = "area") -> str:
    """The change between the role's two latest published periods, tested where counts exist.

    With counts and denominators in both periods the change is tested (:func:`nbutils.stats.change_between`:
    proportions for percentages, an exact Poisson test for rates) and said with its significance; otherwise it
    is "Change not tested: no counts published", never "getting better/worse".
    """
    rows = frame[(frame.role == role) & frame.value.notna()]
    rows = rows.sort_values("period", key=lambda s: s.astype(str).map(periods.sort_key))
    if len(rows) < 2:
        return "Not available: fewer than two periods with a value"
    before, after = rows.iloc[-2], rows.iloc[-1]
    meta = catalog.indicator(indicator_id)
    method = "proportion" if meta.unit.startswith("%") else "rate"
    result = stats.change_between(before["count"], before.denominator, after["count"], after.denominator,
                                  meta.polarity, method=method)
    return f"{result['label']} ({before.period} to {after.period})"


def trend_label(frame: pd.DataFrame, indicator_id: str, role: str = "area") -> str:
    """Fingertips recent-trend label over the last five points for one role, or why it cannot be calculated."""
    rows = frame[(frame.role == role) & frame.value.notna()].sort_values("period")
    if len(rows) < 5:
        return "Cannot be calculated: fewer than five periods with a value"
    polarity = catalog.indicator(indicator_id).polarity
    if rows["count"].notna().all() and rows.denominator.notna().all():
        return stats.recent_trend(counts=rows["count"].to_numpy(), denominators=rows.denominator.to_numpy(),
                                  polarity=polarity, method="proportion")
    if rows.lower_ci95.notna().all() and rows.upper_ci95.notna().all():
        return stats.recent_trend(values=rows.value.to_numpy(), lower=rows.lower_ci95.to_numpy(),
                                  upper=rows.upper_ci95.to_numpy(), polarity=polarity, method="other")
    return "Cannot be calculated: the extract has no counts or confidence intervals"


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop helper columns before export (keeps the CSV columns stable across areas)."""
    return frame[[c for c in COLUMNS if c in frame]].reset_index(drop=True)


def reader_spec(indicator_id: str | None = None, decimals: int | None = None,
                value_label: str = "Value") -> TableSpec:
    """Readers' columns of a comparison frame: area, period, value and 95% CI (at the catalogue's decimals for
    ``indicator_id`` unless ``decimals`` is given), comparison with England and how it was made."""
    places = decimals if decimals is not None or indicator_id else 1
    return TableSpec([
        Column("area_name", "Area", kind="text"),
        Column("period", "Period", kind="period"),
        Column("value", value_label, decimals=places),
        Column(("lower_ci95", "upper_ci95"), "95% confidence interval", kind="interval", decimals=places,
               missing="not published"),
        Column("compared_with_england", "Compared with England", kind="text", values={"Benchmark": "(benchmark)"}),
        Column("comparison_method", "How compared", kind="text", missing="-"),
    ], indicator=indicator_id)


def reader_view(frame: pd.DataFrame, decimals: int | None = None, value_label: str = "Value") -> pd.DataFrame:
    """Reader-friendly table of a comparison frame (see :func:`reader_spec`); decimals from the catalogue.

    A series of more than two periods is shown with years across (one row per area), each of the area's values
    followed by its comparison with England in a word, as readers expect a trend table to look.
    """
    # Years across only for one series per area (a frame mixing measures keeps one row per value).
    one_series = "area_name" in frame and not frame.duplicated(["area_name", "period"]).any()
    if "period" in frame and frame.period.nunique() > 2 and one_series:
        return series_view(frame, decimals)
    indicator_id = (frame.indicator_id.dropna().iloc[0] if "indicator_id" in frame and frame.indicator_id.notna().any()
                    else None)
    return reader_spec(indicator_id, decimals, value_label).render(frame.reset_index(drop=True))


_COMPARISON_WORDS = ("better", "worse", "similar", "higher", "lower")


def series_view(frame: pd.DataFrame, decimals: int | None = None) -> pd.DataFrame:
    """Years across, one row per area; '(worse)', '(similar)'... after each value that was compared with England."""
    wide = wide_by_period(frame, decimals)
    label = wide.columns[0]
    for row in frame.itertuples():
        word = str(getattr(row, "compared_with_england", "") or "").split(" ")[0].lower()
        column = narrative.period_label(str(row.period))
        if word in _COMPARISON_WORDS and column in wide:
            hit = wide[label] == row.area_name
            wide.loc[hit, column] = wide.loc[hit, column].map(
                lambda cell, w=word: cell if cell in ("[c]", "[x]") or cell.endswith(")") else f"{cell} ({w})")
    return wide


def comparison_table(frame: pd.DataFrame, index: str, value: str, decimals: int = 1,
                     label: str | None = None) -> pd.DataFrame:
    """Reader-friendly wide view of shares: one row per ``index``, one column per comparison area, headed (%)."""
    wide = tables.across(frame, index, value, decimals, label or index.replace("_", " ").capitalize(),
                         role_order=query.ROLE_ORDER)
    return wide.rename(columns={c: f"{c} (%)" for c in wide.columns[1:]})


def wide_by_period(frame: pd.DataFrame, decimals: int | None = None) -> pd.DataFrame:
    """Readers' view of a series: one row per area (in role order), periods across, old periods marked.

    Values are shown at ``decimals`` (else the catalogue's); '[c]' where withheld, '[x]' where not available.
    """
    return tables.by_period(frame, decimals, role_order=query.ROLE_ORDER)
