"""Accessible matplotlib/seaborn charts: every chart has a title, labelled axes with units, period and source.

Colours follow the Government Analysis Function categorical palette (colour-blind safe, in this order), and
comparators are told apart by marker shape as well as colour.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # charts are rendered to files/HTML; no display is needed

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

# Analysis Function "categorical" palette: dark blue, turquoise, dark pink, orange, dark grey, light purple.
PALETTE = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]
ROLE_STYLE = {
    "area": {"color": PALETTE[0], "marker": "o", "size": 90},
    "county": {"color": PALETTE[1], "marker": "^", "size": 70},
    "region": {"color": PALETTE[3], "marker": "s", "size": 55},
    "england": {"color": PALETTE[4], "marker": "D", "size": 50},
}

sns.set_theme(style="whitegrid", font_scale=0.95)


def _finish(fig, ax, title: str, source: str) -> plt.Figure:
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    fig.text(0.01, 0.005, f"Source: {source}", fontsize=8, color="#3D3D3D", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    plt.close(fig)  # returned for display/saving; closing stops a second inline copy
    return fig


def comparison_dot_plot(frame: pd.DataFrame, category: str, value: str, title: str, xlabel: str,
                        source: str, label_col: str = "area_name") -> plt.Figure:
    """Dot plot of a value per category, one marker per comparison area (shape + colour by role)."""
    categories = list(dict.fromkeys(frame[category]))
    fig, ax = plt.subplots(figsize=(8, 0.38 * len(categories) + 1.6))
    positions = {c: i for i, c in enumerate(categories)}
    for role, group in frame.groupby("role", sort=False):
        style = ROLE_STYLE[role]
        ax.scatter(group[value], group[category].map(positions), label=group[label_col].iloc[0],
                   color=style["color"], marker=style["marker"], s=style["size"], zorder=3,
                   edgecolor="white", linewidth=0.6)
    ax.set_yticks(range(len(categories)), categories)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.set_xlim(left=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False, title="Area",
              title_fontsize=8)
    return _finish(fig, ax, title, source)


def stacked_share_bars(frame: pd.DataFrame, bar: str, segment: str, value: str, title: str, xlabel: str,
                       source: str) -> plt.Figure:
    """Horizontal 100% stacked bars (one per area), segments labelled in the legend and, if wide, in place."""
    wide = frame.pivot_table(index=bar, columns=segment, values=value, sort=False).fillna(0)
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(wide) + 1.8))
    left = pd.Series(0.0, index=wide.index)
    for i, column in enumerate(wide.columns):
        bars = ax.barh(wide.index, wide[column], left=left, color=PALETTE[i % len(PALETTE)], label=column,
                       edgecolor="white")
        for rect, share in zip(bars, wide[column]):
            if share >= 6:  # label only segments wide enough to hold the text
                ax.text(rect.get_x() + rect.get_width() / 2, rect.get_y() + rect.get_height() / 2,
                        f"{share:.0f}%", ha="center", va="center", color="white", fontsize=8)
        left += wide[column]
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=min(len(wide.columns), 6), fontsize=8,
              frameon=False)
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


def trend_chart(frame: pd.DataFrame, title: str, ylabel: str, source: str, period: str = "period",
                value: str = "value", lower: str | None = "lower_ci95", upper: str | None = "upper_ci95",
                comparison: str | None = "compared_with_england", label_col: str = "area_name") -> plt.Figure:
    """Lines over time, one per comparison area (colour + marker shape by role), with 95% CI ribbons where present.

    The area's (and county's or region's) points carry a letter for their comparison with England (B better, W worse, S similar, H higher,
    L lower); a filled marker means a significant difference, a hollow one no significant difference.
    """
    periods = sorted(frame[period].dropna().unique())
    position = {p: i for i, p in enumerate(periods)}
    fig, ax = plt.subplots(figsize=(8.5, 4.6))
    legend_note = False
    for role in [r for r in ROLE_STYLE if r in set(frame.role)]:
        group = frame[(frame.role == role) & frame[value].notna()].sort_values(period)
        if group.empty:
            continue
        style = ROLE_STYLE[role]
        x = group[period].map(position).to_numpy()
        if lower and upper and lower in group and group[lower].notna().any():
            ax.fill_between(x, group[lower].astype(float), group[upper].astype(float), color=style["color"],
                            alpha=0.15, linewidth=0)
            if len(group) == 1:  # a ribbon needs two points; show a lone interval as an error bar
                ax.errorbar(x, group[value], yerr=[group[value] - group[lower], group[upper] - group[value]],
                            color=style["color"], capsize=4, linewidth=1.2, zorder=2)
        ax.plot(x, group[value], color=style["color"], linewidth=2 if role == "area" else 1.4,
                linestyle="-" if role in ("area", "england") else "--", label=group[label_col].iloc[0], zorder=3)
        if role != "england" and comparison and comparison in group:
            for xi, yi, label in zip(x, group[value], group[comparison]):
                letter = _comparison_letter(label)
                filled = letter in ("B", "W", "H", "L")
                ax.scatter([xi], [yi], marker=style["marker"], s=style["size"], zorder=4,
                           facecolor=style["color"] if filled else "white", edgecolor=style["color"], linewidth=1.5)
                if letter:
                    legend_note = True
                    ax.annotate(letter, (xi, yi), textcoords="offset points", xytext=(0, 8), ha="center",
                                fontsize=8, fontweight="bold", color="#0b0c0c")
        else:
            ax.scatter(x, group[value], marker=style["marker"], s=style["size"] * 0.6, color=style["color"],
                       zorder=4, edgecolor="white", linewidth=0.5)
    ax.set_xticks(range(len(periods)), periods, rotation=45 if len(periods) > 6 else 0,
                  ha="right" if len(periods) > 6 else "center")
    ax.set_xlabel("Period")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0, top=max(float(frame[[c for c in (value, upper) if c and c in frame]].max().max()) * 1.18,
                                  1))
    handles, labels = ax.get_legend_handles_labels()
    if legend_note:
        from matplotlib.lines import Line2D

        area_style = ROLE_STYLE["area"]
        handles += [Line2D([], [], marker=area_style["marker"], linestyle="", markerfacecolor=area_style["color"],
                           markeredgecolor=area_style["color"], markersize=8),
                    Line2D([], [], marker=area_style["marker"], linestyle="", markerfacecolor="white",
                           markeredgecolor=area_style["color"], markersize=8)]
        labels += ["Significantly different\nfrom England (B better,\nW worse, H higher, L lower)",
                   "Similar to England (S)"]
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False,
              title="Area", title_fontsize=8)
    return _finish(fig, ax, title, source)


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
    fig, ax = plt.subplots(figsize=(8.5, 0.34 * len(data) + 1.7))
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
                fontsize=8, fontweight="bold" if h else "normal")
    ax.set_yticks(range(len(data)), data[label])
    for tick, h in zip(ax.get_yticklabels(), is_highlight):
        if h:
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    if reference is not None and pd.notna(reference[0]):
        ax.axvline(reference[0], color=PALETTE[4], linestyle="--", linewidth=1.2)
        ax.text(reference[0], -0.7, f"{reference[1]} {reference[0]:.{decimals}f}", fontsize=8, color=PALETTE[4],
                ha="center", va="bottom")
    ax.set_xlim(0, top * (1.45 if annotation else 1.15))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    return _finish(fig, ax, title, source)
