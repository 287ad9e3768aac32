"""Accessible matplotlib/seaborn charts: every chart has a title, labelled axes with units, period and source.

Colours follow the Government Analysis Function categorical palette (colour-blind safe, in this order), and
comparators are told apart by marker shape as well as colour.

Importing this module changes nothing global: no backend switch, no seaborn theme, no rcParams. Each chart
function draws inside :func:`style` (seaborn "whitegrid" at font scale 0.95), and an analyst can use the same
look for their own figures with ``with charts.style(): ...``.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd

from . import catalog, stats
from .chart_style import SMALL_TEXT_PT, fit_layout, narrow_to_print
from .chart_style import fits_figure, style  # noqa: F401 - for analysts
from .chart_style import styled as _styled
from .chart_reuse import reused as _reused
from .spine import SPINE_ARROW, spine_layout
from .chart_text import finding, ranked_finding, spine_finding  # noqa: F401 - alt text, for the notebooks
from .errors import UnknownIndicatorError

# Analysis Function "categorical" palette: dark blue, turquoise, dark pink, orange, dark grey, light purple.
PALETTE = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]
ROLE_STYLE = {
    "area": {"color": PALETTE[0], "marker": "o", "size": 90},
    "county": {"color": PALETTE[1], "marker": "^", "size": 70},
    "region": {"color": PALETTE[3], "marker": "s", "size": 55},
    "england": {"color": PALETTE[4], "marker": "D", "size": 50},
    # Where a source has no England value, the median English district stands in (and is labelled so).
    "districts_median": {"color": PALETTE[4], "marker": "X", "size": 50},
}
#: Smallest text of the 11-inch spine chart: at 11 pt it prints at 7 pt across a portrait A4 page.
SPINE_TEXT_PT = 11



def _laid_out(fig) -> None:
    # tight_layout leaves a placeholder layout engine behind, and savefig then draws the whole figure once more
    # (measuring every text) before printing it, to run a layout that does nothing: the layout is done already.
    fig.set_layout_engine(None)


def _finish(fig, ax, title: str, source: str) -> plt.Figure:
    # Wrapped: a long title would run past the figure's right edge and widen the printed chart (smaller text).
    ax.set_title(textwrap.fill(title, 66), loc="left", fontsize=12, fontweight="bold")
    fig.text(0.01, 0.005, f"Source: {source}", fontsize=SMALL_TEXT_PT, color="#3D3D3D", ha="left", va="bottom")
    fit_layout(fig, bottom=0.03)  # room for the source line
    narrow_to_print(fig, bottom=0.03)  # a legend or long labels beyond the axes: the axes give up the width
    _laid_out(fig)
    plt.close(fig)  # returned for display/saving; closing stops a second inline copy
    return fig


@_reused
@_styled
def comparison_dot_plot(frame: pd.DataFrame, category: str, value: str, title: str, xlabel: str,
                        source: str, label_col: str = "area_name") -> plt.Figure:
    """Dot plot of a value per category, one marker per comparison area (shape + colour by role)."""
    categories = list(dict.fromkeys(frame[category]))
    fig, ax = plt.subplots(figsize=(7.5, 0.3 * len(categories) + 1.4))
    positions = {c: i for i, c in enumerate(categories)}
    for role, group in frame.groupby("role", sort=False):
        role_style = ROLE_STYLE[role]
        ax.scatter(group[value], group[category].map(positions), label=group[label_col].iloc[0],
                   color=role_style["color"], marker=role_style["marker"], s=role_style["size"], zorder=3,
                   edgecolor="white", linewidth=0.6)
    ax.set_yticks(range(len(categories)), categories)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.set_xlim(left=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=SMALL_TEXT_PT, frameon=False, title="Area",
              title_fontsize=SMALL_TEXT_PT)
    return _finish(fig, ax, title, source)


@_reused
@_styled
def stacked_share_bars(frame: pd.DataFrame, bar: str, segment: str, value: str, title: str, xlabel: str,
                       source: str) -> plt.Figure:
    """Horizontal 100% stacked bars (one per area), segments labelled in the legend and, if wide, in place."""
    wide = frame.pivot_table(index=bar, columns=segment, values=value, sort=False).fillna(0)
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(wide) + 1.8))
    left = pd.Series(0.0, index=wide.index)
    for i, column in enumerate(wide.columns):
        bars = ax.barh(wide.index, wide[column], left=left, color=PALETTE[i % len(PALETTE)], label=column,
                       edgecolor="white")
        for rect, share in zip(bars, wide[column]):
            if share >= 6:  # label only segments wide enough to hold the text
                ax.text(rect.get_x() + rect.get_width() / 2, rect.get_y() + rect.get_height() / 2,
                        f"{share:.0f}%", ha="center", va="center", color="white", fontsize=SMALL_TEXT_PT)
        left += wide[column]
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    # Below the axis label at a fixed distance (about 0.65 in), whatever the number of bars: a fraction of the
    # axes' height put it on the label for short charts.
    height = fig.get_size_inches()[1]
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.65 / max(height - 1.4, 0.8)),
              ncol=min(len(wide.columns), 3), fontsize=SMALL_TEXT_PT, frameon=False)
    return _finish(fig, ax, title, source)


# ------------------------------------------------------------------------------------------- trends and rankings
# Comparison with England shown by marker fill and a letter as well as colour: filled = significantly different,
# hollow = similar, grey cross = not tested.
COMPARISON_LETTERS = {"Better": "B", "Worse": "W", "Similar": "S", "Higher": "H", "Lower": "L"}


def _comparison_letter(label) -> str:
    text = str(label or "")
    for word, letter in COMPARISON_LETTERS.items():
        if text.startswith(word):
            return letter
    return ""


@_reused
@_styled
def trend_chart(frame: pd.DataFrame, title: str, ylabel: str, source: str, period: str = "period",
                value: str = "value", lower: str | None = "lower_ci95", upper: str | None = "upper_ci95",
                comparison: str | None = "compared_with_england", label_col: str = "area_name",
                area: str | None = None) -> plt.Figure:
    """Lines over time, one per comparison area (colour + marker shape by role), with 95% CI ribbons where present.

    Points compared with England have a filled marker when significantly different and a hollow one when not.
    The area's points also carry a letter for the comparison (B better, W worse, S similar, H higher, L lower), or,
    where the area has no value in the chart, the points of the comparator standing in for it (its county): one
    line of letters, drawn above every marker, so none hides under another line's point. When ``area`` (the
    area's name) has no value at all, the chart says so inside it, so a title naming the area is never misread.
    """
    from matplotlib import patheffects

    periods = sorted(frame[period].dropna().unique())
    position = {p: i for i, p in enumerate(periods)}
    fig, ax = plt.subplots(figsize=(8, 3.6))
    legend_note = False
    roles = [r for r in ROLE_STYLE if r in set(frame.role)]
    plotted = [r for r in roles if frame[(frame.role == r)][value].notna().any()]
    lettered = next((r for r in plotted if r != "england"), None)
    for role in plotted:
        group = frame[(frame.role == role) & frame[value].notna()].sort_values(period)
        role_style = ROLE_STYLE[role]
        x = group[period].map(position).to_numpy()
        if lower and upper and lower in group and group[lower].notna().any():
            ax.fill_between(x, group[lower].astype(float), group[upper].astype(float), color=role_style["color"],
                            alpha=0.15, linewidth=0)
            if len(group) == 1:  # a ribbon needs two points; show a lone interval as an error bar
                ax.errorbar(x, group[value], yerr=[group[value] - group[lower], group[upper] - group[value]],
                            color=role_style["color"], capsize=4, linewidth=1.2, zorder=2)
        ax.plot(x, group[value], color=role_style["color"], linewidth=2 if role == "area" else 1.4,
                linestyle="-" if role in ("area", "england") else "--", label=group[label_col].iloc[0], zorder=3)
        if role != "england" and comparison and comparison in group:
            letters = [_comparison_letter(label) for label in group[comparison]]
            filled = pd.Series([letter in ("B", "W", "H", "L") for letter in letters], index=group.index)
            for fill, part in ((True, filled), (False, ~filled)):  # one scatter per fill, not one per point
                if part.any():
                    ax.scatter(x[part.to_numpy()], group[value][part], marker=role_style["marker"], s=role_style["size"],
                               zorder=4, facecolor=role_style["color"] if fill else "white", edgecolor=role_style["color"],
                               linewidth=1.5)
            if role == lettered:
                for xi, yi, letter in zip(x, group[value], letters):
                    if letter:
                        legend_note = True
                        ax.annotate(letter, (xi, yi), textcoords="offset points", xytext=(0, 8), ha="center",
                                    fontsize=SMALL_TEXT_PT, fontweight="bold", color="#0b0c0c", zorder=6,
                                    path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")])
        else:
            ax.scatter(x, group[value], marker=role_style["marker"], s=role_style["size"] * 0.6, color=role_style["color"],
                       zorder=4, edgecolor="white", linewidth=0.5)
    if area and "area" not in plotted:
        ax.text(0.01, 0.97, f"No value for {area} in this source: comparators only", transform=ax.transAxes,
                ha="left", va="top", fontsize=SMALL_TEXT_PT, style="italic", color="#3D3D3D")
    ax.set_xticks(range(len(periods)), periods, rotation=45 if len(periods) > 6 else 0,
                  ha="right" if len(periods) > 6 else "center")
    ax.set_xlabel("Period")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0, top=max(float(frame[[c for c in (value, upper) if c and c in frame]].max().max()) * 1.18,
                                  1))
    handles, labels = ax.get_legend_handles_labels()
    if legend_note:
        from matplotlib.lines import Line2D

        area_style = ROLE_STYLE[lettered]
        handles += [Line2D([], [], marker=area_style["marker"], linestyle="", markerfacecolor=area_style["color"],
                           markeredgecolor=area_style["color"], markersize=8),
                    Line2D([], [], marker=area_style["marker"], linestyle="", markerfacecolor="white",
                           markeredgecolor=area_style["color"], markersize=8)]
        labels += ["Significantly different\nfrom England (B better,\nW worse, H higher, L lower)",
                   "Similar to England (S)"]
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=SMALL_TEXT_PT, frameon=False,
              title="Area", title_fontsize=SMALL_TEXT_PT)
    return _finish(fig, ax, title, source)


@_reused
@_styled
def ranked_bars(frame: pd.DataFrame, label: str, value: str, title: str, xlabel: str, source: str,
                highlight: str | None = "is_area", reference: tuple[float, str] | None = None,
                annotation: str | None = None, sort: bool = True, decimals: int = 1) -> plt.Figure:
    """Horizontal bars, largest at the top (or in the given order), the highlighted row dark and its label bold.

    ``reference`` draws a dashed labelled line (e.g. England's value); ``annotation`` adds a text column (e.g.
    the comparison with England) after each value, so meaning never rests on colour alone.
    """
    data = frame[frame[value].notna()]
    if sort:
        data = data.sort_values(value, ascending=False)
    fig, ax = plt.subplots(figsize=(8, 0.27 * len(data) + 1.5))
    is_highlight = data[highlight].astype(bool).to_numpy() if highlight and highlight in data else \
        [False] * len(data)
    colours = [PALETTE[0] if h else "#A6BDDB" for h in is_highlight]
    bars = ax.barh(range(len(data)), data[value], color=colours, edgecolor=["#0b0c0c" if h else "white"
                                                                            for h in is_highlight])
    top = float(data[value].max()) if len(data) else 1
    for rect, (_, row), h in zip(bars, data.iterrows(), is_highlight):
        text = f"{row[value]:.{decimals}f}"
        if annotation and isinstance(row.get(annotation), str) and row[annotation]:
            text += f"  {row[annotation]}"
        ax.text(rect.get_width() + top * 0.01, rect.get_y() + rect.get_height() / 2, text, va="center",
                fontsize=SMALL_TEXT_PT, fontweight="bold" if h else "normal", zorder=3,  # over a reference line, readable
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.85})
    ax.set_yticks(range(len(data)), data[label])
    for tick, h in zip(ax.get_yticklabels(), is_highlight):
        if h:
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    if reference is not None and pd.notna(reference[0]):
        ax.axvline(reference[0], color=PALETTE[4], linestyle="--", linewidth=1.2)
        # Labelled inside the axes, in a row kept free above the first bar (above the axes it ran into the title).
        ax.set_ylim(len(data) - 0.5, -1.3)
        ax.text(reference[0], -0.85, f"{reference[1]} {reference[0]:.{decimals}f}", fontsize=SMALL_TEXT_PT, color=PALETTE[4],
                ha="center", va="center", bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.set_xlim(0, top * (1.45 if annotation else 1.15))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    return _finish(fig, ax, title, source)


# ------------------------------------------------------------------------- scorecard, spread and funnel (issue 5)
# Comparison with England told by marker shape and a word as well as colour (Analysis Function palette).
COMPARISON_STYLE = {
    "better": {"color": PALETTE[1], "marker": "^", "word": "Better", "filled": True},
    "worse": {"color": PALETTE[2], "marker": "v", "word": "Worse", "filled": True},
    "similar": {"color": PALETTE[0], "marker": "o", "word": "Similar", "filled": True},
    "higher": {"color": PALETTE[3], "marker": "D", "word": "Higher", "filled": True},
    "lower": {"color": PALETTE[3], "marker": "D", "word": "Lower", "filled": True},
    "not_compared": {"color": PALETTE[4], "marker": "o", "word": "Not tested", "filled": False},
}  # keyed by nbutils.stats.comparison_kind


NOT_AVAILABLE_NOTE = "[x] not available: not published in the source held here"


def _digits(r, decimals: dict[str, int]) -> int:
    indicator_id = r.get("indicator_id", "")
    if indicator_id in decimals:
        return decimals[indicator_id]
    try:
        return catalog.indicator(indicator_id).decimals
    except UnknownIndicatorError:  # not a catalogue id (a local indicator): the default
        return 1


def _end_word(ax, row: int, end: int, word: str, arrow: bool, area_beyond: bool) -> None:
    """'Lower' or 'Higher' at one end of a no-judgement row of the spine chart.

    At the scale's edge; where districts lie beyond the scale (an arrow at the end, their number above it), just
    inside the arrow and a little lower, clear of both. Where the area itself is beyond, its marker and value
    (beside the marker, on the row) take that place: the word at the other end says the way.
    """
    if area_beyond:
        return
    look = {"fontsize": SPINE_TEXT_PT, "color": "#3D3D3D", "va": "center", "ha": "right" if end > 0 else "left",
            "style": "italic"}
    if arrow:
        ax.annotate(word, (end * SPINE_ARROW, row), xytext=(-end * 6, -5), textcoords="offset points", **look)
    else:
        ax.text(end * 1.18, row, word, **look)


@_reused
@_styled
def spine_chart(card: pd.DataFrame, title: str, source: str, label: str = "indicator",
                decimals: dict[str, int] | None = None) -> plt.Figure:
    """Fingertips-style spine chart: each row centred on its benchmark (England, or the median of English
    districts where the source has no England value), the grey bar spanning English districts (darker: middle
    half), the area's marker shaped and labelled by its comparison with England.

    Better is to the right for indicators with a polarity (axis ends "Worse" and "Better"); for no-judgement
    indicators the row's ends read "Lower" and "Higher". The scale stops at the 5th and 95th percentiles
    (``districts_p5``/``districts_p95`` if given) or Tukey's fences: a value beyond is drawn at the end with an
    arrow and its number. Indicators with no value for the area are listed under the chart as data gaps. Where
    the card has ``neighbours_min``/``neighbours_max`` (an upper-tier area's statistical neighbours), their range
    is drawn as a band. ``card`` needs value, benchmark_value, benchmark, districts_min/lower_quartile/
    upper_quartile/max, polarity, compared_with_england, period and the ``label`` column; ``decimals`` overrides
    the catalogue's places by indicator id.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    decimals = decimals or {}
    layout = spine_layout(card)
    gaps = card[layout.gap.to_numpy()]
    rows = card[~layout.gap.to_numpy()].reset_index(drop=True)
    layout = layout[~layout.gap].reset_index(drop=True)
    listed = "; ".join(f"{name} ({period})" if pd.notna(period) and str(period) else str(name)
                       for name, period in zip(gaps[label], gaps.get("period", [""] * len(gaps))))
    gap_lines = -(-len(listed) // 110) if len(gaps) else 0  # about 110 characters a line at 11 points
    has_neighbours = bool(layout.neighbours_lo.notna().any())
    any_x = bool(rows.benchmark_value.isna().any()) if len(rows) else False
    # Room below the axis, in inches: ticks and label, the legend (two entries a row), the gaps line, source.
    legend_rows = -(-(8 + has_neighbours + any_x) // 2)
    below = 0.75 + 0.26 * legend_rows + 0.2 * gap_lines + 0.3
    height = 0.36 * max(len(rows), 1) + 0.6 + below
    fig, ax = plt.subplots(figsize=(11, height))
    ax.set_xlim(-1.2, 1.2)
    for i, r in rows.iterrows():
        g = layout.loc[i]
        digits = _digits(r, decimals)
        if pd.notna(g.range_lo):
            ax.barh(i, g.range_hi - g.range_lo, left=g.range_lo, height=0.55, color="#D9D9D9", edgecolor="none",
                    zorder=1)
            ax.barh(i, g.q3 - g.q1, left=g.q1, height=0.55, color="#A6A6A6", edgecolor="none", zorder=1)
            # Districts beyond the scale: an arrow at the end and the most extreme value.
            for beyond, end, value in ((g.range_beyond_lo, -1, r.districts_max if g.flip else r.districts_min),
                                       (g.range_beyond_hi, 1, r.districts_min if g.flip else r.districts_max)):
                if beyond:  # above the arrow; higher where the area's own (larger) marker stands there too
                    ax.annotate(f"{value:,.{digits}f}", (end * SPINE_ARROW, i), ha="center", va="center",
                                fontsize=SPINE_TEXT_PT, color="#3D3D3D", xytext=(0, 12 if g.beyond == end else 7),
                                textcoords="offset points")
                    ax.scatter([end * SPINE_ARROW], [i], marker=">" if end > 0 else "<", s=22, color="#7F7F7F",
                               zorder=2)
        if has_neighbours and pd.notna(g.neighbours_lo):
            ax.barh(i, max(g.neighbours_hi - g.neighbours_lo, 0.01), left=g.neighbours_lo, height=0.2,
                    color="none", edgecolor=PALETTE[5], hatch="////", linewidth=1.0, zorder=2)
        if not g.judged:  # no-judgement row: say which way is higher, on the row itself
            for end, word in ((-1, "Lower"), (1, "Higher")):
                _end_word(ax, i, end, word, arrow=g.range_beyond_lo if end < 0 else g.range_beyond_hi,
                          area_beyond=g.beyond == end)
        kind = stats.comparison_kind(r.compared_with_england)
        role_style = COMPARISON_STYLE[kind]
        if pd.notna(g.x):
            x = g.x if not g.beyond else g.beyond * SPINE_ARROW
            marker = role_style["marker"] if not g.beyond else (">" if g.beyond > 0 else "<")
            ax.scatter([x], [i], marker=marker, s=95, zorder=3, linewidth=1.6, edgecolor=role_style["color"],
                       facecolor=role_style["color"] if role_style["filled"] else "white")
            if g.beyond:  # beside the marker, on the row, so it cannot meet the next row's numbers
                ax.annotate(f"{r.value:,.{digits}f}", (x, i), ha="right" if g.beyond > 0 else "left", va="center",
                            fontsize=SPINE_TEXT_PT, fontweight="bold", xytext=(-g.beyond * 8, 0),
                            textcoords="offset points", zorder=4,
                            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.85})
        value_text = f"{r.value:,.{digits}f}"
        if "value_geography" in r and "area_name" in r and pd.notna(r.value_geography) \
                and r.value_geography != r.area_name:
            value_text += f" {r.value_geography}"
        bench = f"{r.benchmark_value:,.{digits}f}" if pd.notna(r.benchmark_value) else "[x]"
        bench_name = "Eng" if r.benchmark == "England" else "district median"
        # Two short lines, so that the column fits the figure at a size that prints legibly.
        ax.text(1.02, i, f"{value_text} ({r.period})\n{bench_name} {bench}: {role_style['word']}", linespacing=1.0,
                va="center", ha="left", fontsize=SPINE_TEXT_PT, transform=ax.get_yaxis_transform())
    ax.axvline(0, color="#0b0c0c", linewidth=1.2, zorder=2)
    ax.set_yticks(range(len(rows)), [textwrap.fill(str(name), 36) for name in rows[label]] if len(rows) else [],
                  fontsize=SPINE_TEXT_PT, linespacing=1.0)
    # Room above the first row for a districts' number raised over the area's own marker beyond the scale.
    first = layout.iloc[0] if len(layout) else None
    raised = first is not None and first.beyond != 0 and bool(
        first.range_beyond_hi if first.beyond > 0 else first.range_beyond_lo)
    ax.set_ylim(len(rows) - 0.5 if len(rows) else 0.5, -0.7 if raised else -0.5)
    judged = bool(layout.judged.any()) if len(layout) else True
    ends = ("Worse", "Better") if judged else ("Lower", "Higher")
    ax.set_xticks([-1, 0, 1], [f"\u25c0 {ends[0]}", "England (or district median)", f"{ends[1]} \u25b6"],
                  fontsize=SPINE_TEXT_PT)
    for tick in (ax.get_xticklabels()[0], ax.get_xticklabels()[2]):
        tick.set_fontweight("bold")
    ax.set_xlabel("Position against the benchmark, scaled to the spread of English districts (no unit)"
                  + ("; rows marked Lower/Higher carry no judgement" if judged and not layout.judged.all() else ""),
                  fontsize=SPINE_TEXT_PT)
    ax.grid(axis="x", visible=False)
    handles = [Line2D([], [], marker=s["marker"], linestyle="", markersize=8, markeredgecolor=s["color"],
                      markerfacecolor=s["color"] if s["filled"] else "white", label=s["word"] + " than England"
                      if k in ("better", "worse") else s["word"])
               for k, s in COMPARISON_STYLE.items() if k != "lower"]
    handles[3].set_label("Higher or lower (no judgement)")
    # Sources that are extracts cover only some areas: the range is of those areas (the table says how many).
    extract = "districts_reporting" in rows and (rows.districts_reporting.between(1, 249)).any()
    handles += [Patch(color="#D9D9D9", label="Range of English districts"
                      + (" (or of the areas in an extract)" if extract else "")),
                Patch(color="#A6A6A6", label="Middle half of districts"),
                Line2D([], [], marker=">", linestyle="", color="#7F7F7F", markersize=6,
                       label="Beyond the scale (value shown)")]
    if has_neighbours:
        handles.append(Patch(facecolor="none", edgecolor=PALETTE[5], hatch="////",
                             label="Range of statistical neighbours"))
    if any_x:
        handles.append(Line2D([], [], linestyle="", label=NOT_AVAILABLE_NOTE))
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.45, (below - 0.75) / height), ncol=2,
               fontsize=SPINE_TEXT_PT, frameon=False)
    fig.subplots_adjust(left=0.34, right=0.70, bottom=below / height, top=1 - 0.6 / height)
    if len(gaps):
        fig.text(0.01, 0.3 / height, "Data gaps, no value for this area: " + listed, fontsize=SPINE_TEXT_PT, ha="left", va="bottom",
                 wrap=True)
    ax.set_title(title, loc="left", fontsize=13, fontweight="bold")
    fig.text(0.01, 0.005, f"Source: {source}", fontsize=SPINE_TEXT_PT, color="#3D3D3D", ha="left", va="bottom")
    _laid_out(fig)
    plt.close(fig)
    return fig


@_reused
@_styled
def spread_trend_chart(area_rows: pd.DataFrame, spread: pd.DataFrame, siblings: pd.DataFrame, title: str,
                       ylabel: str, source: str, area_name: str, sibling_label: str) -> plt.Figure:
    """A district's series against all English districts (median line, middle-half band, 10th-90th percentile
    band) and its sibling districts (thin grey lines). Frames need period/value; ``spread`` needs period, p10, q1,
    median, q3, p90.
    """
    periods = sorted(set(spread.period) | set(area_rows.period))
    pos = {p: i for i, p in enumerate(periods)}
    fig, ax = plt.subplots(figsize=(8.5, 3.8))
    s = spread.sort_values("period")
    x = s.period.map(pos)
    ax.fill_between(x, s.p10, s.p90, color="#D9D9D9", label="10th to 90th percentile of English districts", lw=0)
    ax.fill_between(x, s.q1, s.q3, color="#A6A6A6", label="Middle half of English districts", lw=0)
    ax.plot(x, s["median"], color=PALETTE[4], linestyle="--", linewidth=1.4, label="Median of English districts")
    first = True
    for _, g in siblings.groupby("area_code"):
        g = g.sort_values("period")
        ax.plot(g.period.map(pos), g.value, color=PALETTE[1], linewidth=0.8, alpha=0.6,
                label=sibling_label if first else None)
        first = False
    a = area_rows.sort_values("period")
    ax.plot(a.period.map(pos), a.value, color=PALETTE[0], linewidth=2.4, marker="o", label=area_name, zorder=4)
    for xi, yi in zip(a.period.map(pos), a.value):
        ax.annotate(f"{yi:.1f}", (xi, yi), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=SMALL_TEXT_PT,
                    color=PALETTE[0], fontweight="bold")
    ax.set_xticks(range(len(periods)), periods)
    ax.set_xlabel("Period (three years pooled)")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=SMALL_TEXT_PT, frameon=False)
    return _finish(fig, ax, title, source)


@_reused
@_styled
def funnel_plot(points: pd.DataFrame, limits: pd.DataFrame, benchmark: float, title: str, xlabel: str,
                ylabel: str, source: str, benchmark_label: str = "England") -> plt.Figure:
    """Rates against denominators with 95% and 99.8% control limits around the benchmark.

    ``points`` needs denominator, value, group ('area', 'sibling', 'other') and label (text shown next to the
    area's point and to points outside the 99.8% limits; never a suppressed count). ``limits`` needs
    denominator, lower_95, upper_95, lower_998, upper_998.
    """
    fig, ax = plt.subplots(figsize=(9, 4.4))
    ax.plot(limits.denominator, limits.upper_998, color=PALETTE[2], linestyle=":", linewidth=1.3,
            label="99.8% limits")
    ax.plot(limits.denominator, limits.lower_998, color=PALETTE[2], linestyle=":", linewidth=1.3)
    ax.plot(limits.denominator, limits.upper_95, color=PALETTE[3], linestyle="--", linewidth=1.3, label="95% limits")
    ax.plot(limits.denominator, limits.lower_95, color=PALETTE[3], linestyle="--", linewidth=1.3)
    ax.axhline(benchmark, color=PALETTE[4], linewidth=1.2, label=f"{benchmark_label} {benchmark:.2f}")
    styles = {"other": ("o", "#A6BDDB", 28, "Other areas in the extract"),
              "sibling": ("^", PALETTE[1], 55, "Same county or region"),
              "area": ("D", PALETTE[0], 110, "This area")}
    for group, (marker, colour, size, label) in styles.items():
        g = points[points.group == group]
        if len(g):
            ax.scatter(g.denominator, g.value, marker=marker, color=colour, s=size, edgecolor="#0b0c0c"
                       if group == "area" else "white", linewidth=0.8, zorder=3 if group != "area" else 5,
                       label=label)
    for _, r in points[points.label.fillna("") != ""].iterrows():
        ax.annotate(r.label, (r.denominator, r.value), textcoords="offset points", xytext=(6, 4), fontsize=SMALL_TEXT_PT,
                    fontweight="bold" if r.group == "area" else "normal")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=SMALL_TEXT_PT, frameon=False)
    return _finish(fig, ax, title, source)
