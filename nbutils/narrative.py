"""Plain-English sentences from numbers, for key messages and chart captions.

The wording rules live here once, so every topic says "higher than England" the same way. Census comparisons
are descriptive (whole-population counts have no sampling error); sampled or rate indicators use
:func:`nbutils.stats.compare` labels instead. Whether a figure is old is decided once, by :mod:`nbutils.periods`.
"""

from __future__ import annotations

import math

from . import periods


def pct(value: float, decimals: int = 1) -> str:
    """'12.3%'; a dash for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not available"
    return f"{value:.{decimals}f}%"


def number(value: float) -> str:
    """'151,677'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not available"
    return f"{round(value):,}"


def times(ratio: float) -> str:
    """'2.5 times' / 'twice' / 'half'."""
    if ratio >= 1.95 and ratio < 2.05:
        return "twice"
    if 0.45 < ratio < 0.55:
        return "half"
    return f"{ratio:.1f} times"


def describe_difference(value: float, benchmark: float, benchmark_name: str) -> str:
    """'higher than England (73.5%)', 'lower than ...' or 'the same as ...' for untested shares.

    Whole-population counts (Census) and figures published without intervals are not tested, so the words
    similar, better and worse (which the pages keep for tested comparisons) are never used here.
    """
    if any(v is None or math.isnan(v) for v in (value, benchmark)):
        return f"not comparable with {benchmark_name}"
    shown, against = round(value, 1), round(benchmark, 1)
    if shown == against:
        word = "the same as"
    elif value > benchmark:
        word = "higher than"
    else:
        word = "lower than"
    return f"{word} {benchmark_name} ({pct(benchmark)})"


def list_phrase(items: list[str]) -> str:
    """'a, b and c'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def list_more(items: list[str], limit: int, where: str = "") -> str:
    """'a, b, c and 2 more (see the scorecard)': a list shortened to ``limit`` items never hides the cut.

    Examples
    --------
    >>> list_more(["a", "b", "c"], 2, "see the table")
    'a, b and 1 more (see the table)'
    """
    items = [i for i in items if i]
    if len(items) <= limit:
        return list_phrase(items)
    rest = len(items) - limit
    return ", ".join(items[:limit]) + f" and {rest} more" + (f" ({where})" if where else "")


def ordinal(n: int) -> str:
    """'1st', '2nd', '11th', '23rd'."""
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank_phrase(rank: int, tied: bool, of: int) -> str:
    """'ranked 4th of 12' or, when another area has the same value, 'ranked joint 11th of 12'."""
    return f"ranked {'joint ' if tied else ''}{ordinal(rank)} of {of}"


def old_mark(period: str) -> str:
    """' (old figure)' after a period in a table when :func:`nbutils.periods.is_old` says so, else ''."""
    return f" ({periods.OLD_MARK})" if periods.freshness_note(period) else ""


def period_label(period: str) -> str:
    """A period for a table cell: '2016-18 (old figure)' or '2023/24' (the one freshness rule)."""
    return f"{period}{old_mark(period)}" if period is not None and str(period) != "nan" else ""


def old_flag(period: str) -> str:
    """'' for a current figure, else ' (old figure: period ended December 2018)' to follow it in a message."""
    note = periods.freshness_note(period)
    return f" {note}" if note else ""


def old_clause(period: str) -> str:
    """The same note for use inside parentheses: '; old figure, period ended March 2019', else ''."""
    return f"; {periods.OLD_MARK}, period ended {periods.ended_label(period)}" if old_flag(period) else ""


def comparison_phrase(label: str | None, method: str) -> str:
    """'worse than England (95% confidence intervals)' / 'not tested for significance (...)' for key messages."""
    if not label or label in ("No value",):
        return "not compared with England"
    if label == "Not tested":
        return "not tested for significance: the source publishes no confidence intervals or counts"
    text = "similar to England" if label == "Similar" else label[0].lower() + label[1:]
    how = "Fingertips' published comparison" if method.startswith("Fingertips") else "95% confidence intervals"
    return f"{text} ({how})"


def capital_first(text: str) -> str:
    """Upper-case the first letter only ('districts of Kent' -> 'Districts of Kent'; str.capitalize lowers the rest)."""
    return text[:1].upper() + text[1:]


#: Words that mark a note or clause saying later periods are withheld (see :func:`withheld_clause`).
WITHHELD_LATER = "later periods withheld"


def withheld_clause(periods: list[str]) -> str:
    """'; later periods withheld (2015-17 to 2019-21, disclosure control)' or '' when none are.

    Said beside a figure whose later periods are withheld, so the last published period never reads as current.
    """
    if not periods:
        return ""
    span = periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"
    return f"; {WITHHELD_LATER} ({span}, disclosure control)"
