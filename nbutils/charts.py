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
