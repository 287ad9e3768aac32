"""Plain-English sentences from numbers, for key messages and chart captions.

The wording rules live here once, so every topic says "higher than England" the same way. Census comparisons
are descriptive (whole-population counts have no sampling error); sampled or rate indicators use
:func:`nbutils.stats.compare` labels instead.
"""

from __future__ import annotations

import math


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


def describe_difference(value: float, benchmark: float, benchmark_name: str, similar_within: float = 0.1) -> str:
    """'higher than England (73.5%)', 'similar to England (73.5%)' or 'lower than ...' for shares.

    Shares within ``similar_within`` (relative, default 10%) of the benchmark are called similar; this is a
    descriptive rule for whole-population counts, not a significance test.
    """
    if any(v is None or math.isnan(v) for v in (value, benchmark)):
        return f"not comparable with {benchmark_name}"
    if benchmark == 0:
        return f"higher than {benchmark_name} (0%)" if value > 0 else f"the same as {benchmark_name} (0%)"
    ratio = value / benchmark
    if abs(ratio - 1) <= similar_within:
        word = "similar to"
    elif ratio > 1:
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


def period_end_year(period: str) -> int | None:
    """Last calendar year a period label covers: '2018/19' -> 2019, '2019-21' -> 2021, 'Oct-Dec 2023' -> 2023."""
    import re

    text = str(period)
    match = re.search(r"(\d{4})(?:/(\d{2}))?(?:-(\d{2,4}))?(?:/(\d{2}))?\s*$", text)
    if not match:
        return None
    year = int(match.group(1))
    tail = match.group(4) or match.group(3) or match.group(2)
    if tail:
        tail_year = int(tail) if len(tail) == 4 else (year // 100) * 100 + int(tail)
        return tail_year + 100 if tail_year < year else tail_year
    return year


def old_flag(period: str, years: int = 3, today=None) -> str:
    """'' for recent data, else ' This figure is old: it describes 2016/17, about 9 years before this pack.'"""
    from datetime import date

    end = period_end_year(period)
    this_year = (today or date.today()).year
    if end is None or this_year - end <= years:
        return ""
    return f" This figure is old: it describes {period}, about {this_year - end} years before this pack."


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
