"""The quarterly-dashboard rules: RAG rating and direction of travel, as Kent's performance dashboard reports them.

- **RAG** comes from the one comparison with England (:mod:`nbutils.topics.indicators`): red = significantly worse,
  amber = similar, green = significantly better, grey = not tested (no intervals, counts or published comparison,
  whole-population counts, or an indicator with no better/worse direction). The word is always written beside the
  colour, so colour never carries the meaning alone.
- **Direction of travel** relates the two most recent periods (as the customer's dashboard does): up, down or no
  change at the precision shown. Whether "up" is better depends on the indicator's polarity. Where five or more
  points with counts or intervals exist, the recent-trend test (Fingertips' method) is reported beside it, so a
  reader can tell a real trend from noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import stats

__all__ = ["Rag", "rag_rating", "Direction", "direction_of_travel", "RAG_COLOURS"]

#: Fill colours (Government Analysis Function / Fingertips palette) with text that stays readable on them.
RAG_COLOURS = {
    "Red": ("#d4351c", "#ffffff"),
    "Amber": ("#ffbf47", "#0b0c0c"),
    "Green": ("#00703c", "#ffffff"),
    "Grey": ("#e5e6e7", "#0b0c0c"),
}


@dataclass(frozen=True)
class Rag:
    """A RAG rating: ``rating`` (Red, Amber, Green, Grey), the words a reader sees, and the colours."""

    rating: str
    words: str

    @property
    def fill(self) -> str:
        return RAG_COLOURS[self.rating][0]

    @property
    def text_colour(self) -> str:
        return RAG_COLOURS[self.rating][1]


_RAG_BY_KIND = {"worse": Rag("Red", "Red: significantly worse than England"),
                "better": Rag("Green", "Green: significantly better than England"),
                "similar": Rag("Amber", "Amber: similar to England")}


def rag_rating(comparison: str | None) -> Rag:
    """RAG rating from a comparison-with-England label.

    Examples
    --------
    >>> rag_rating("Worse than England").rating
    'Red'
    >>> rag_rating("Similar").words
    'Amber: similar to England'
    >>> rag_rating("Higher than England").words
    'Grey: not rated (higher than England; no better or worse direction)'
    >>> rag_rating("Not tested").rating
    'Grey'
    """
    text = "" if comparison is None or (isinstance(comparison, float) and math.isnan(comparison)) else str(comparison)
    kind = stats.comparison_kind(text)
    if kind in _RAG_BY_KIND:
        return _RAG_BY_KIND[kind]
    if kind in ("higher", "lower"):
        return Rag("Grey", f"Grey: not rated ({text[:1].lower() + text[1:]}; no better or worse direction)")
    lower = text.lower()
    if lower.startswith("suppressed"):
        return Rag("Grey", "Grey: suppressed [c]")
    if lower in ("", "no value"):
        return Rag("Grey", "Grey: no value")
    return Rag("Grey", "Grey: not tested")


@dataclass(frozen=True)
class Direction:
    """Direction of travel between the two most recent periods."""

    arrow: str      # "↑", "↓", "→" or "" (not available)
    direction: str  # "Up", "Down", "No change", "Not available"
    meaning: str    # "getting better", "getting worse", "" (no judgement or no change)

    @property
    def words(self) -> str:
        """'Up (getting worse)', 'No change', 'Not available: only one period'."""
        if self.direction == "Not available":
            return f"Not available: {self.meaning}" if self.meaning else "Not available"
        return f"{self.direction} ({self.meaning})" if self.meaning else self.direction


def direction_of_travel(previous: float | None, latest: float | None, polarity: str, decimals: int = 1) -> Direction:
    """Compare the two most recent values at the precision shown (equal when they round to the same figure).

    Parameters
    ----------
    previous, latest : values of the previous and the latest period (NaN/None when missing).
    polarity : "high-is-good", "low-is-good" or "no-judgement".
    decimals : the decimals the dashboard shows; a change smaller than that is "No change".

    Examples
    --------
    >>> direction_of_travel(4.1, 3.6, "low-is-good").words
    'Down (getting better)'
    >>> direction_of_travel(50.96, 51.04, "high-is-good").words
    'No change'
    >>> direction_of_travel(None, 3.6, "low-is-good").words
    'Not available: only one period'
    """
    def missing(x) -> bool:
        return x is None or (isinstance(x, float) and math.isnan(x))

    if missing(latest):
        return Direction("", "Not available", "no latest value")
    if missing(previous):
        return Direction("", "Not available", "only one period")
    before, after = round(float(previous), decimals), round(float(latest), decimals)
    if before == after:
        return Direction("→", "No change", "")
    up = after > before
    if polarity == "no-judgement":
        meaning = ""
    else:
        better = up == (polarity == "high-is-good")
        meaning = "getting better" if better else "getting worse"
    return Direction("↑" if up else "↓", "Up" if up else "Down", meaning)
