"""The dashboard's rules: the comparison with England and the direction of travel of an outcome, and the
authority's own RAG rule (target and floor) and direction words for its service KPIs.

- **Comparison colour** (never called RAG on a page) comes from the one comparison with England (:mod:`nbutils.topics.indicators`): red = significantly worse,
  amber = similar, green = significantly better, grey = not tested (no intervals, counts or published comparison,
  whole-population counts, or an indicator with no better/worse direction). The word is always written beside the
  colour, so colour never carries the meaning alone.
- **Direction of travel** relates the two most recent periods (as the customer's dashboard does): up, down or no
  change at the precision shown. Whether "up" is better depends on the indicator's polarity. The change is tested
  where intervals or counts exist (:func:`change_significance`) and said to be untested where not. Where five or
  more points with counts or intervals exist, the recent-trend test (Fingertips' method) is reported beside it.
- **Service KPIs** are rated as the authority's papers rate them (:func:`performance_rating`: G, A, R, or "below
  target" when no floor is supplied) with direction in the paper's words (:func:`performance_direction`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import stats

__all__ = ["RAG_COLOURS", "Direction", "Performance", "Rag", "Travel", "change_significance", "direction_of_travel",
           "outcome_direction", "performance_direction", "performance_rating", "rag_rating"]

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
        if self.meaning and self.meaning not in ("getting better", "getting worse"):
            return f"{self.direction}: {self.meaning}"
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


# ------------------------------------------------------------------------------------ the authority's own rules
# A service KPI is rated as the authority's performance papers rate it: G target achieved, A floor standard
# achieved but target missed, R floor standard missed. With no floor supplied, a value below target is "below
# target": A and R are never guessed.

PERFORMANCE_WORDS = {"G": "G: target achieved", "A": "A: floor achieved, target missed", "R": "R: floor missed",
                     "below": "Below target (no floor supplied)", "none": "Not rated (no target)",
                     "missing": "Not rated (no value)"}
PERFORMANCE_COLOURS = {"G": RAG_COLOURS["Green"], "A": RAG_COLOURS["Amber"], "R": RAG_COLOURS["Red"],
                       "below": ("#fcd6c3", "#0b0c0c"), "none": RAG_COLOURS["Grey"], "missing": RAG_COLOURS["Grey"]}


@dataclass(frozen=True)
class Performance:
    """A value rated against the authority's target and floor, with the letter its publication printed."""

    status: str          # "G", "A", "R", "below", "none" (no target) or "missing" (no value)
    published: str = ""  # the letter printed by the publication, "" if none

    @property
    def letter(self) -> str:
        return self.status if self.status in ("G", "A", "R") else ""

    @property
    def words(self) -> str:
        return PERFORMANCE_WORDS[self.status]

    @property
    def fill(self) -> str:
        return PERFORMANCE_COLOURS[self.status][0]

    @property
    def text_colour(self) -> str:
        return PERFORMANCE_COLOURS[self.status][1]

    @property
    def disagreement(self) -> str:
        """'' when the printed letter fits the target (and floor, where given); else what disagrees, in words."""
        printed = self.published
        if not printed or self.status in ("none", "missing"):
            return f"printed {printed} but no target is held" if printed and self.status == "none" else ""
        if self.status == "below":
            return "" if printed in ("A", "R") else f"printed {printed}, but the value is below the target"
        held = "target" if self.letter == "G" else "target and floor"  # G needs the target alone
        return "" if printed == self.letter else f"printed {printed}; by the {held} held it is {self.letter}"

    @property
    def shown(self) -> str:
        """The words a reader sees, with the printed letter where it adds to them."""
        if self.published and self.status == "below" and not self.disagreement:
            return f"{self.words}; {self.published} as printed"
        return self.words


def performance_rating(value: float | None, target: float | None, floor: float | None, polarity: str,
                       published: str = "") -> Performance:
    """Rate a value by the authority's rule (G/A/R), or "below target" when no floor is supplied.

    Examples
    --------
    >>> performance_rating(93, 85, None, "high-is-good").words
    'G: target achieved'
    >>> performance_rating(39, 43, None, "high-is-good", "A").shown
    'Below target (no floor supplied); A as printed'
    >>> performance_rating(39, 43, 35, "high-is-good").letter
    'A'
    >>> performance_rating(9.0, 8.0, 10.0, "low-is-good").letter
    'A'
    >>> performance_rating(55, None, None, "high-is-good").words
    'Not rated (no target)'
    """
    def missing(x) -> bool:
        return x is None or (isinstance(x, float) and math.isnan(x))

    published = "" if missing(published) else str(published).strip().upper()
    if missing(value):
        return Performance("missing", published)
    if missing(target):
        return Performance("none", published)
    sign = -1.0 if polarity == "low-is-good" else 1.0
    if sign * value >= sign * target:
        return Performance("G", published)
    if missing(floor):
        return Performance("below", published)
    return Performance("A" if sign * value >= sign * floor else "R", published)


@dataclass(frozen=True)
class Travel:
    """Direction of travel in the words of the authority's performance paper."""

    arrow: str   # "↑" performance improved, "↓" worsened, "→" remained the same, "" not available
    words: str   # "Performance improved", ...


def performance_direction(previous: float | None, latest: float | None, polarity: str,
                          decimals: int = 1) -> Travel:
    """Compare the two most recent periods at the precision shown, as the paper does (arrows follow performance).

    Examples
    --------
    >>> performance_direction(67011, 66846, "high-is-good", 0).words
    'Performance worsened'
    >>> performance_direction(37, 39, "high-is-good").arrow
    '↑'
    >>> performance_direction(93, 93, "high-is-good").words
    'Performance remained the same'
    """
    change = direction_of_travel(previous, latest, polarity, decimals)
    if change.direction == "Not available":
        return Travel("", f"Not available ({change.meaning})")
    if change.direction == "No change":
        return Travel("→", "Performance remained the same")
    if polarity == "no-judgement":
        return Travel("↑" if change.direction == "Up" else "↓", f"{change.direction} (no better or worse direction)")
    improved = change.meaning == "getting better"
    return Travel("↑" if improved else "↓", "Performance improved" if improved else "Performance worsened")


# ------------------------------------------------------------------------------------ outcomes: change between periods

#: z for a two-sided 95% test.
Z95 = 1.959963984540054


def change_significance(previous: dict, latest: dict, unit: str) -> str | None:
    """Test the change between two periods: "significant", "not significant", or None when it cannot be tested.

    Each argument holds value and, where published, lower_ci95/upper_ci95, count and denominator. The standard
    error of each value comes from its 95% interval (half-width / 1.96), or else from its count (binomial for a
    percentage with a denominator; Poisson for a rate); the difference is tested with a two-sided z test at 95%.
    Values with neither an interval nor a count are not tested.

    Examples
    --------
    >>> change_significance({"value": 50.0, "count": 500, "denominator": 1000},
    ...                     {"value": 55.0, "count": 550, "denominator": 1000}, "%")
    'significant'
    >>> change_significance({"value": 50.0}, {"value": 55.0}, "%") is None
    True
    """
    errors = [_standard_error(p, unit) for p in (previous, latest)]
    if any(e is None for e in errors):
        return None
    spread = math.hypot(*errors)
    if spread == 0:
        return None
    z = (float(latest["value"]) - float(previous["value"])) / spread
    return "significant" if abs(z) > Z95 else "not significant"


def _number(x) -> float | None:
    if x is None:
        return None
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _standard_error(point: dict, unit: str) -> float | None:
    value, lower, upper = (_number(point.get(k)) for k in ("value", "lower_ci95", "upper_ci95"))
    if value is None:
        return None
    if lower is not None and upper is not None:
        return (upper - lower) / (2 * Z95)
    count, denominator = _number(point.get("count")), _number(point.get("denominator"))
    if count is None or count <= 0:
        return None
    if unit.strip() == "%" and denominator:
        share = count / denominator
        return 100 * math.sqrt(share * (1 - share) / denominator)
    return value / math.sqrt(count)


def outcome_direction(previous: float | None, latest: float | None, polarity: str, decimals: int,
                      test: str | None) -> Direction:
    """Direction of travel of an outcome: up/down, and improved/worsened by polarity only where the change was
    tested and significant. An untested change is said to be untested, never judged.

    Examples
    --------
    >>> outcome_direction(50.1, 51.0, "high-is-good", 1, None).words
    'Up: change not tested'
    >>> outcome_direction(3.9, 3.6, "low-is-good", 1, "not significant").words
    'Down: no significant change'
    >>> outcome_direction(3.9, 3.6, "low-is-good", 1, "significant").words
    'Down: improved (significant change)'
    """
    change = direction_of_travel(previous, latest, polarity, decimals)
    if change.direction in ("Not available", "No change"):
        return change
    if test == "not significant":
        return Direction(change.arrow, change.direction, "no significant change")
    if test != "significant":
        return Direction(change.arrow, change.direction, "change not tested")
    if polarity == "no-judgement":
        verdict = "no better or worse direction"
    else:
        verdict = "improved" if change.meaning == "getting better" else "worsened"
    tested = "significant change" if test == "significant" else "change not tested"
    return Direction(change.arrow, change.direction, f"{verdict} ({tested})")
