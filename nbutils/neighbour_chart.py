"""Small multiples of an upper-tier area against each of its statistical neighbours (one panel per indicator)."""

from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
import pandas as pd

from .chart_style import SMALL_TEXT_PT, fit_layout
from .chart_style import styled as _styled
from .charts import PALETTE

__all__ = ["neighbour_panels"]

#: Room between a panel and its title (points) for the England line's label: the label's height and a gap.
ENGLAND_LABEL_PT = SMALL_TEXT_PT * 1.2 + 6


@_styled
def neighbour_panels(frames: list[pd.DataFrame], area_name: str, source: str) -> plt.Figure:
    """One horizontal bar panel per indicator: the area (dark, bold) and each neighbour, England as a dashed line
    (or, where the source has no England value, a note saying so).

    Parameters
    ----------
    frames : frames with ``area_name``, ``value`` and ``is_area``; ``attrs`` give label, period, axis, england,
        decimals (as :func:`nbutils.topics.dashboard.neighbour_charts` returns them).
    area_name : the area, for the title.
    source : source line under the figure.
    """
    columns = 2 if len(frames) > 1 else 1
    rows = math.ceil(len(frames) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(8.5, 3.6 * rows), squeeze=False)
    for ax, frame in zip(axes.flat, frames):
        data = frame[frame.value.notna()].sort_values("value", ascending=False)
        highlight = data.is_area.astype(bool).to_numpy()
        decimals = frame.attrs.get("decimals", 1)
        bars = ax.barh(range(len(data)), data.value, color=[PALETTE[0] if h else "#A6BDDB" for h in highlight])
        top = float(data.value.max()) if len(data) else 1
        for rect, value, h in zip(bars, data.value, highlight):
            # Over the England line when a bar ends near it: on a white ground, so both stay readable.
            ax.text(rect.get_width() + top * 0.01, rect.get_y() + rect.get_height() / 2, f"{value:.{decimals}f}",
                    va="center", fontsize=SMALL_TEXT_PT, fontweight="bold" if h else "normal", zorder=3,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.85})
        ax.set_yticks(range(len(data)), data.area_name, fontsize=SMALL_TEXT_PT)
        for tick, h in zip(ax.get_yticklabels(), highlight):
            tick.set_fontweight("bold" if h else "normal")
        ax.invert_yaxis()
        england = frame.attrs.get("england")
        if england is not None and pd.notna(england):
            ax.axvline(england, color=PALETTE[4], linestyle="--", linewidth=1)
            # Just above the panel, at a fixed height whatever the number of bars; the panel's title sits above it.
            ax.annotate(f"England {england:.{decimals}f}", (england, 1), xycoords=("data", "axes fraction"),
                        xytext=(0, 2), textcoords="offset points", fontsize=SMALL_TEXT_PT, color=PALETTE[4],
                        ha="center", va="bottom")
        else:  # said where the line would be, so a reader does not look for a line that is not there
            ax.annotate("No England value in this source", (0, 1), xycoords="axes fraction", xytext=(0, 2),
                        textcoords="offset points", fontsize=SMALL_TEXT_PT, color=PALETTE[4], style="italic",
                        ha="left", va="bottom")
        ax.set_xlim(0, top * 1.18)
        ax.set_xlabel(frame.attrs.get("axis", ""), fontsize=SMALL_TEXT_PT)
        ax.tick_params(axis="x", labelsize=SMALL_TEXT_PT)
        # Wrapped: a long indicator name would otherwise run past its panel (and the figure's right edge).
        ax.set_title(textwrap.fill(f"{frame.attrs.get('label', '')}, {frame.attrs.get('period', '')}", 45),
                     loc="left", fontsize=10, fontweight="bold", pad=ENGLAND_LABEL_PT)
    for ax in list(axes.flat)[len(frames):]:
        ax.set_visible(False)
    fig.suptitle(f"{area_name} and its statistical neighbours", x=0.01, ha="left", fontsize=12, fontweight="bold")
    fig.text(0.01, 0.005, f"Source: {source}", fontsize=SMALL_TEXT_PT, color="#3D3D3D", ha="left", va="bottom")
    fit_layout(fig, bottom=0.03, top=0.97)  # room for the source line and the title
    plt.close(fig)
    return fig
